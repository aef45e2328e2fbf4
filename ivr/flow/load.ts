// Loads and checks flow files. Every problem is a value naming the file, the line and the node, in words a
// telephony engineer can act on:
//
//   ivr/flows/main.yaml:42: node `fees` key `3` goes to `reprot`, which does not exist; did you mean `report`?
//
// The checks, in order: the YAML itself; the flow's own fields; each node's fields against its kind (unknown
// fields, missing fields, wrong types, phone keys, prompt ids against the catalogue); the variables the
// templates read; the node each reference goes to; then, for a flow without errors, the nodes never reached
// (a warning) and the nodes from which the call can never reach a hang-up or a queue (an error). A flow with
// any error is not returned: it never goes live.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { catalogueIds, parseCatalogue, type CataloguePrompt } from '../prompt-library.ts';
import type { Language } from '../speech.ts';
import { CAMPAIGN_KINDS, type CampaignKind } from '../../core/campaigns/types.ts';
import {
  bool,
  describe,
  error,
  fieldsOf,
  lineOf,
  missing,
  oneOf,
  scalarText,
  text,
  unknownFields,
  valueLine,
  withNode,
  type FileCheck,
  type Scope,
} from './fields.ts';
import { exits } from './graph.ts';
import { readNode } from './nodes.ts';
import { didYouMean } from './suggest.ts';
import type { Flow, FlowError, FlowNode } from './types.ts';
import { BUILTIN_VARIABLES, LOOKUP_FIELDS, OUTBOUND_VARIABLES } from './variables.ts';

export type { FlowError } from './types.ts';

export interface FlowLoad {
  /** Only when there is no error. */
  flow?: Flow;
  errors: FlowError[];
  warnings: FlowError[];
}

/** `ivr/flows/main.yaml:42: node \`fees\` key \`3\` goes to \`reprot\`, which does not exist; ...` */
export function format(err: FlowError): string {
  return `${err.file}:${err.line}: ${err.node === undefined ? '' : `node \`${err.node}\` `}${err.message}`;
}

/**
 * The prompt ids of one language in the catalogue file (ivr/prompts/catalogue.tsv: id, zh, en): those with a
 * text in that language's column. Throws a `CatalogueError` naming the line when the file is malformed.
 */
export function promptCatalogue(tsv: string, lang: Language = 'zh', file?: string): Set<string> {
  return catalogueIds(parseCatalogue(tsv, file), lang);
}

/** The shipped catalogue, ivr/prompts/catalogue.tsv. */
export const SHIPPED_CATALOGUE = fileURLToPath(new URL('../prompts/catalogue.tsv', import.meta.url));

/** The prompts of a catalogue file (default: the shipped one). */
export async function readCatalogue(file = SHIPPED_CATALOGUE): Promise<CataloguePrompt[]> {
  return parseCatalogue(await readFile(file, 'utf8'), file);
}

/** The prompt ids of one language (default: Chinese, the ids flows are checked against) in a catalogue file. */
export async function promptIds(lang: Language = 'zh', file = SHIPPED_CATALOGUE): Promise<Set<string>> {
  return catalogueIds(await readCatalogue(file), lang);
}

const FLOW_FIELDS = ['name', 'description', 'numbers', 'default', 'outbound', 'language', 'start', 'nodes'];
const DIALLED_NUMBER = /^[0-9]{3,20}$/;

// ---------------------------------------------------------------------------------------------------------
// The flow.

/** What a file binds to, for the checks across files; known even when the flow has errors. */
interface Binding {
  name: string | null;
  nameLine: number;
  isDefault: boolean;
  defaultLine: number;
  numbers: { number: string; line: number }[];
  /** The campaign kind whose answered calls run this flow (`outbound: fee-reminder`), instead of numbers. */
  outbound: CampaignKind | null;
  outboundLine: number;
}

interface FileResult extends FlowLoad {
  binding: Binding;
}

/**
 * Loads one flow file. `file` is only used in the messages; `catalogue` holds the prompt ids that exist
 * (see `promptCatalogue`).
 */
export function loadFlow(file: string, text: string, catalogue: ReadonlySet<string>): FlowLoad {
  const { binding: _binding, ...result } = checkFile(file, text, catalogue);
  return result;
}

function checkFile(file: string, source: string, catalogue: ReadonlySet<string>): FileResult {
  const lines = new LineCounter();
  const check: FileCheck = {
    file,
    catalogue,
    lines,
    errors: [],
    warnings: [],
    references: [],
    uses: [],
    variables: new Map(),
    lookupReads: [],
  };
  const binding: Binding = {
    name: null,
    nameLine: 1,
    isDefault: false,
    defaultLine: 1,
    numbers: [],
    outbound: null,
    outboundLine: 1,
  };
  const done = (flow?: Flow): FileResult => {
    const byLine = (a: FlowError, b: FlowError) => a.line - b.line;
    const result: FileResult = {
      errors: check.errors.sort(byLine),
      warnings: check.warnings.sort(byLine),
      binding,
    };
    if (flow !== undefined && check.errors.length === 0) result.flow = flow;
    return result;
  };

  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  for (const e of doc.errors) {
    const line = lines.linePos(e.pos[0]).line;
    const message =
      e.code === 'DUPLICATE_KEY'
        ? `\`${source.slice(e.pos[0]).split(/[:\n]/)[0]!.trim()}\` appears twice in the same map`
        : `the file is not valid YAML: ${e.message}`;
    check.errors.push({ file, line, message });
  }
  if (check.errors.length > 0) return done();
  const top = doc.contents;
  if (top === null || !isMap(top)) {
    check.errors.push({
      file,
      line: 1,
      message: 'the file must hold a flow: a map with `name`, `start` and `nodes`',
    });
    return done();
  }

  const scope: Scope = {
    check,
    node: undefined,
    line: 1,
    kind: undefined,
    fields: fieldsOf(check, top, undefined),
  };
  const head = readFlowFields(scope);
  Object.assign(binding, head.binding);
  const { name, description, language, start } = head;

  const { nodes, ids } = readNodes(scope);
  checkVariables(check, binding.outbound !== null);
  if (ids.size > 0) checkReferences(check, ids); // with no nodes at all, every reference would be reported
  if (check.errors.length > 0 || name === null || start === null) return done();

  if (binding.outbound === null) {
    for (const node of nodes.values())
      if (node.kind === 'outcome')
        check.errors.push({
          file,
          line: node.line,
          node: node.id,
          message: 'is an `outcome` node, which only an outbound flow (`outbound: <campaign kind>`) has',
        });
  }
  if (check.errors.length > 0) return done();
  const flow: Flow = {
    file,
    name,
    description,
    numbers: binding.numbers.map((n) => n.number),
    isDefault: binding.isDefault,
    outbound: binding.outbound,
    language,
    start,
    nodes,
  };
  checkPaths(check, flow);
  return done(flow);
}

/** The flow's own fields: its name, the numbers it answers, its language and the node calls start at. */
function readFlowFields(scope: Scope): {
  name: string | null;
  description: string;
  language: Language;
  start: string | null;
  binding: Binding;
} {
  unknownFields(scope, FLOW_FIELDS, 'a flow');
  const name = text(scope, 'name', 'the name of the flow');
  const nameLine = scope.fields.get('name')?.line ?? 1;
  const isDefault = bool(scope, 'default') ?? name === 'default';
  const binding: Binding = {
    name,
    nameLine,
    isDefault,
    defaultLine: scope.fields.get('default')?.line ?? nameLine,
    numbers: readNumbers(scope),
    outbound: oneOf<CampaignKind>(scope, 'outbound', CAMPAIGN_KINDS, null),
    outboundLine: scope.fields.get('outbound')?.line ?? nameLine,
  };
  const numbersField = scope.fields.get('numbers');
  const noNumbers =
    numbersField === undefined ||
    (numbersField.value !== null && isSeq(numbersField.value) && numbersField.value.items.length === 0);
  if (binding.outbound !== null && (isDefault || !noNumbers)) {
    error(
      scope,
      binding.outboundLine,
      'an outbound flow is for campaign calls only: give it no `numbers` and no `default`',
    );
  } else if (!isDefault && noNumbers && !scope.fields.has('outbound')) {
    error(
      scope,
      numbersField?.line ?? nameLine,
      'the flow binds to no number: give it `numbers`, `default: true` to serve every other number, or `outbound: <campaign kind>`',
    );
  }
  const start = text(scope, 'start', 'the node the call starts at');
  if (start !== null) {
    const line = valueLine(scope, scope.fields.get('start')!);
    scope.check.references.push({ node: undefined, line, phrase: '`start` goes to', to: start });
  }
  return {
    name,
    description: text(scope, 'description', null) ?? '',
    language: oneOf<Language>(scope, 'language', ['zh', 'en'], null) ?? 'zh',
    start,
    binding,
  };
}

function readNumbers(scope: Scope): { number: string; line: number }[] {
  const field = scope.fields.get('numbers');
  if (field === undefined) return [];
  const items = field.value !== null && isSeq(field.value) ? field.value.items : [field.value];
  const numbers: { number: string; line: number }[] = [];
  for (const item of items) {
    const line = item === null ? field.line : lineOf(scope.check, item);
    const number = scalarText(item);
    if (number === undefined || !DIALLED_NUMBER.test(number)) {
      error(scope, line, `number ${describe(item)} must be 3 to 20 digits, nothing else`);
    } else if (numbers.some((n) => n.number === number)) {
      error(scope, line, `number \`${number}\` is listed twice`);
    } else {
      numbers.push({ number, line });
    }
  }
  return numbers;
}

/** Every node that reads cleanly, and every id declared (a broken node still exists for references). */
function readNodes(scope: Scope): { nodes: Map<string, FlowNode>; ids: Set<string> } {
  const nodes = new Map<string, FlowNode>();
  const ids = new Set<string>();
  const field = scope.fields.get('nodes');
  if (field === undefined) {
    missing(scope, 'nodes', 'the nodes of the flow, by id');
    return { nodes, ids };
  }
  if (field.value === null || !isMap(field.value) || field.value.items.length === 0) {
    error(
      scope,
      valueLine(scope, field),
      `field \`nodes\` must map node ids to nodes, got ${describe(field.value)}`,
    );
    return { nodes, ids };
  }
  for (const [id, entry] of fieldsOf(scope.check, field.value, undefined)) {
    ids.add(id);
    const node = readNode(scope.check, id, entry.line, entry.value);
    if (node !== null) nodes.set(id, node);
  }
  return { nodes, ids };
}

/** Every `${path}` must be built in or set somewhere in the flow; `say: fee_balance` reads a fee lookup, etc. */
function checkVariables(check: FileCheck, outbound: boolean): void {
  const known = new Set(Object.keys(BUILTIN_VARIABLES));
  if (outbound) for (const path of Object.keys(OUTBOUND_VARIABLES)) known.add(path);
  for (const [name, lookup] of check.variables) {
    known.add(name);
    if (lookup !== null)
      for (const field of Object.keys(LOOKUP_FIELDS[lookup])) known.add(`${name}.${field}`);
  }
  for (const use of check.uses) {
    if (known.has(use.path)) continue;
    check.errors.push({
      file: check.file,
      line: use.line,
      node: use.node,
      message: `reads \`\${${use.path}}\`, which is neither built in nor set by the flow${didYouMean(use.path, known, (s) => `\`\${${s}}\``)}`,
    });
  }
  for (const read of check.lookupReads) {
    const variable = /^\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$/.exec(read.value)?.[1];
    if (variable !== undefined && check.variables.get(variable) === read.what) continue;
    if (variable !== undefined && !known.has(variable)) continue; // reported above
    check.errors.push({
      file: check.file,
      line: read.line,
      node: read.node,
      message: `says \`${read.what}\` of \`${read.value}\`, which is not the \`into\` variable of a \`${read.what}\` lookup`,
    });
  }
}

function checkReferences(check: FileCheck, ids: Set<string>): void {
  for (const ref of check.references) {
    if (ids.has(ref.to)) continue;
    check.errors.push(
      withNode(
        {
          file: check.file,
          line: ref.line,
          message: `${ref.phrase} \`${ref.to}\`, which does not exist${didYouMean(ref.to, ids)}`,
        },
        ref.node,
      ),
    );
  }
}

/**
 * For a flow whose nodes and references are all sound: nodes never reached from `start` are a warning;
 * reached nodes from which no `hangup` or `queue` can be reached would hold the call for ever: an error.
 */
function checkPaths(check: FileCheck, flow: Flow): void {
  const reached = reachableFrom([flow.start], (id) => exits(flow.nodes.get(id)!).map((e) => e.to));
  for (const node of flow.nodes.values()) {
    if (!reached.has(node.id)) {
      check.warnings.push({
        file: check.file,
        line: node.line,
        node: node.id,
        message: `is never reached from \`start\` (\`${flow.start}\`)`,
      });
    }
  }
  // Walk the edges backwards from every node that ends the flow.
  const into = new Map<string, string[]>();
  for (const node of flow.nodes.values()) {
    for (const exit of exits(node)) into.set(exit.to, [...(into.get(exit.to) ?? []), node.id]);
  }
  const ends = [...flow.nodes.values()]
    .filter((n) => n.kind === 'hangup' || n.kind === 'queue')
    .map((n) => n.id);
  const canEnd = reachableFrom(ends, (id) => into.get(id) ?? []);
  const stuck = [...flow.nodes.keys()].filter((id) => reached.has(id) && !canEnd.has(id));
  if (stuck.length > 0) {
    const first = flow.nodes.get(stuck[0]!)!;
    check.errors.push({
      file: check.file,
      line: first.line,
      node: first.id,
      message: `is a dead end: from here no \`hangup\` or \`queue\` node can be reached, so the call goes round ${stuck.map((id) => `\`${id}\``).join(', ')} for ever`,
    });
  }
}

function reachableFrom(starts: string[], next: (id: string) => string[]): Set<string> {
  const seen = new Set<string>(starts);
  const todo = [...starts];
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    for (const to of next(id)) {
      if (!seen.has(to)) {
        seen.add(to);
        todo.push(to);
      }
    }
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------------------
// A folder of flows.

export interface FlowSet {
  /** The usable flows by dialled number. */
  byNumber: Map<string, Flow>;
  /** The usable outbound flows by campaign kind (`outbound: fee-reminder`). */
  byOutbound: Map<CampaignKind, Flow>;
  /** The usable flow for every other number, if there is one. */
  fallback: Flow | null;
  /** Every usable flow, in file-name order. */
  flows: Flow[];
  errors: FlowError[];
  warnings: FlowError[];
}

/**
 * Checks flow files together: besides each file's own problems, a dialled number, a flow name or the default
 * role claimed by an earlier file (in file-name order) is an error in the later one, which is then not used.
 * An earlier file keeps its claim even when it has errors of its own, so fixing it never silently moves a
 * number from one flow to another.
 */
export function loadFlowFiles(
  files: { file: string; text: string }[],
  catalogue: ReadonlySet<string>,
): FlowSet {
  const set: FlowSet = {
    byNumber: new Map(),
    byOutbound: new Map(),
    fallback: null,
    flows: [],
    errors: [],
    warnings: [],
  };
  const numberOwners = new Map<string, string>();
  const outboundOwners = new Map<CampaignKind, string>();
  const names = new Map<string, string>();
  let defaultFile: string | null = null;
  for (const { file, text } of [...files].sort((a, b) => a.file.localeCompare(b.file))) {
    const result = checkFile(file, text, catalogue);
    const { binding } = result;
    const clash = (line: number, message: string) => result.errors.push({ file, line, message });
    for (const { number, line } of binding.numbers) {
      const owner = numberOwners.get(number);
      if (owner === undefined) numberOwners.set(number, file);
      else clash(line, `number \`${number}\` is already bound to the flow in ${owner}`);
    }
    if (binding.outbound !== null) {
      const owner = outboundOwners.get(binding.outbound);
      if (owner === undefined) outboundOwners.set(binding.outbound, file);
      else clash(binding.outboundLine, `the ${binding.outbound} calls already run the flow in ${owner}`);
    }
    if (binding.name !== null) {
      const owner = names.get(binding.name);
      if (owner === undefined) names.set(binding.name, file);
      else clash(binding.nameLine, `flow name \`${binding.name}\` is already used by ${owner}`);
    }
    if (binding.isDefault) {
      if (defaultFile === null) defaultFile = file;
      else
        clash(
          binding.defaultLine,
          `this flow is a default flow too, but ${defaultFile} already serves every other number`,
        );
    }
    set.errors.push(...result.errors);
    set.warnings.push(...result.warnings);
    if (result.flow === undefined || result.errors.length > 0) continue;
    set.flows.push(result.flow);
    for (const number of result.flow.numbers) set.byNumber.set(number, result.flow);
    if (result.flow.outbound !== null) set.byOutbound.set(result.flow.outbound, result.flow);
    if (result.flow.isDefault) set.fallback = result.flow;
  }
  return set;
}

/** Loads every `*.yaml` file of a folder (see `loadFlowFiles`); the files are named `<dir>/<name>.yaml`. */
export async function loadFlows(dir: string, catalogue: ReadonlySet<string>): Promise<FlowSet> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.yaml')).sort();
  const files = await Promise.all(
    names.map(async (name) => ({ file: join(dir, name), text: await readFile(join(dir, name), 'utf8') })),
  );
  return loadFlowFiles(files, catalogue);
}
