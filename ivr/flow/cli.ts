#!/usr/bin/env node
// The flow command-line tool (issue 3), the npm bin `hotline-flow`:
//
//   hotline-flow check [--flows DIR]           checks every flow file of the folder, as the hotline would
//   hotline-flow graph <flow> [--flows DIR] [--svg FILE]   prints a flow as a Mermaid flowchart, or draws it as SVG
//   hotline-flow simulate <flow> --from <number> --keys "1,2#"   a call without a phone, against the database
//   npm run flow -- check                      the same, from the repository
//
// `check` prints each error and warning as `file:line: node `id` message` (warnings begin with `warning: `),
// then a summary; it exits 0 when there is no error, 1 when there is one, 2 when the command line is wrong.
// A prompt id must have a Chinese text in the catalogue (an error, as when the hotline loads the flows); one with
// an empty English cell is only a warning: the flow still runs, English callers miss that prompt.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMap, parseDocument } from 'yaml';
import { loadConfig, type PopOwner } from '../../core/index.ts';
import { createPool } from '../../db/index.ts';
import { catalogueIds, parseCatalogue } from '../prompt-library.ts';
import { SelfService, type SelfServicePort } from '../self-service.ts';
import { toMermaid } from './graph.ts';
import { mermaidToSvg } from './svg.ts';
import { simulate, type SimulationEnd, type SimulationLine } from './simulate.ts';
import { format, loadFlow, loadFlowFiles, promptCatalogue, type FlowError } from './load.ts';
import { didYouMean } from './suggest.ts';
import type { Flow } from './types.ts';

/** Where the tool writes: one call per line (or a block of lines), without the final line break. */
export interface FlowCliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const SHIPPED_FLOWS = fileURLToPath(new URL('../flows', import.meta.url));
const SHIPPED_PROMPTS = fileURLToPath(new URL('../prompts', import.meta.url));

export const USAGE = `Usage: hotline-flow <command> [options]        (from the repository: npm run flow -- <command> [options])

Commands:
  check          Check every flow file (*.yaml) of the flows folder as the hotline loads them: the YAML, the
                 fields of each node, the prompt ids (they must have a Chinese text in catalogue.tsv; an empty
                 English cell is a warning), the variables, where each node goes, unreachable nodes and dead
                 ends, and the numbers, names and default role the files claim. Exits 0 when there is no
                 error, 1 otherwise.
  graph <flow> [--svg FILE]
                 Print a flow as a Mermaid flowchart. <flow> is the name of a flow (its \`name:\`) in the
                 flows folder, or the path of a .yaml flow file. With --svg, draw it as an SVG picture into
                 FILE instead (Mermaid's own renderer in headless Chromium: /usr/bin/chromium, or
                 HOTLINE_CHROMIUM). The text also goes into any Mermaid renderer: a \`\`\`mermaid block in a
                 Markdown file on GitHub or GitLab, or an editor's Markdown preview.
  simulate <flow>
                 Run a call through the flow with the interpreter the hotline uses, against the real database
                 (the private stack's, or HOTLINE_DATABASE_URL): prints what the caller hears, in their
                 language, and where the call ends. --from <number> (the caller; omit for a withheld number),
                 --keys "1,31502#,-" (one group each time the flow waits for the caller; - is silence; when the
                 keys run out the caller hangs up), --dialled <number> (default: the flow's first number).
                 Tickets are not filed and languages not saved unless --file-tickets is given.

Options:
  --flows DIR    The flows folder (default: ivr/flows).
  --prompts DIR  The folder holding the prompt catalogue, catalogue.tsv (default: ivr/prompts).
  -h, --help     Show this text.

Exit codes: 0 all good, 1 a flow has errors or was not found, 2 the command line is wrong.`;

/** Runs the tool with the arguments after the program name; resolves to the exit code. */
export async function runFlowCli(argv: string[], io: FlowCliIo): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const { values, positionals } = args;
  const [command, ...rest] = positionals;
  if (values.help === true || command === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (command === undefined) return usageError(io, 'no command given');
  const flowsDir = values.flows ?? shownPath(SHIPPED_FLOWS);
  const promptsDir = values.prompts ?? shownPath(SHIPPED_PROMPTS);
  try {
    switch (command) {
      case 'check':
        if (rest.length > 0) return usageError(io, `\`check\` takes no argument, got \`${rest.join(' ')}\``);
        return await check(flowsDir, promptsDir, io);
      case 'simulate':
        if (rest.length !== 1)
          return usageError(io, '`simulate` takes one flow: its name or the path of its file');
        return await simulateCall(rest[0]!, flowsDir, promptsDir, values, io);
      case 'graph':
        if (rest.length === 0)
          return usageError(io, '`graph` needs a flow: its name or the path of its file');
        if (rest.length > 1) return usageError(io, `\`graph\` takes one flow, got \`${rest.join(' ')}\``);
        return await graph(rest[0]!, flowsDir, promptsDir, values.svg ?? null, io);
      default:
        return usageError(
          io,
          `unknown command \`${command}\`${didYouMean(command, ['check', 'graph', 'simulate', 'help'])}`,
        );
    }
  } catch (err) {
    io.err(`hotline-flow: ${(err as Error).message}`);
    return err instanceof FolderError ? 2 : 1;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      flows: { type: 'string' },
      prompts: { type: 'string' },
      from: { type: 'string' },
      keys: { type: 'string' },
      dialled: { type: 'string' },
      'file-tickets': { type: 'boolean' },
      svg: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function usageError(io: FlowCliIo, message: string): number {
  io.err(`hotline-flow: ${message}\n\n${USAGE}`);
  return 2;
}

/** A shipped folder as the engineer would type it: relative to the working directory when inside it. */
function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

// ---------------------------------------------------------------------------------------------------------
// check

async function check(flowsDir: string, promptsDir: string, io: FlowCliIo): Promise<number> {
  const files = await flowFiles(flowsDir);
  if (files.length === 0) {
    io.err(`hotline-flow: no flow files (*.yaml) in ${flowsDir}`);
    return 1;
  }
  const { zh, en } = await catalogues(promptsDir);
  const set = loadFlowFiles(files, zh);
  const problems = [
    ...set.errors.map((e) => ({ e, text: format(e) })),
    ...[...set.warnings, ...englishWarnings(files, zh, en)].map((e) => ({
      e,
      text: `warning: ${format(e)}`,
    })),
  ];
  // File by file, line by line; on one line, errors first (the sort is stable).
  problems.sort((a, b) => a.e.file.localeCompare(b.e.file) || a.e.line - b.e.line);
  for (const p of problems) io.out(p.text);
  const errors = set.errors.length;
  const warnings = problems.length - errors;
  io.out(`${count(files.length, 'flow')} checked: ${count(errors, 'error')}, ${count(warnings, 'warning')}`);
  return errors > 0 ? 1 : 0;
}

const NOT_IN_CATALOGUE = /^prompt `([^`]+)` is not in the prompt catalogue/;

/**
 * Prompts with a Chinese text but an empty English cell. The loader knows one language's ids, so each file is
 * loaded against the English ids too and its "not in the prompt catalogue" errors (see `promptItem` in
 * fields.ts) for ids that have a Chinese text become warnings, on the same line.
 */
function englishWarnings(
  files: { file: string; text: string }[],
  zh: ReadonlySet<string>,
  en: ReadonlySet<string>,
): FlowError[] {
  const warnings: FlowError[] = [];
  for (const { file, text } of files) {
    for (const e of loadFlow(file, text, en).errors) {
      const id = NOT_IN_CATALOGUE.exec(e.message)?.[1];
      if (id === undefined || !zh.has(id)) continue;
      warnings.push({
        ...e,
        message: `prompt \`${id}\` has no English text in the catalogue (catalogue.tsv): English callers would not hear it`,
      });
    }
  }
  return warnings;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------------------------------------------------
// graph

async function graph(
  target: string,
  flowsDir: string,
  promptsDir: string,
  svgFile: string | null,
  io: FlowCliIo,
): Promise<number> {
  const { zh } = await catalogues(promptsDir);
  if (/\.ya?ml$/.test(target) || target.includes('/') || target.includes(sep)) {
    let text: string;
    try {
      text = await readFile(target, 'utf8');
    } catch (err) {
      io.err(`hotline-flow: cannot read the flow file ${target}: ${(err as Error).message}`);
      return 1;
    }
    const result = loadFlow(target, text, zh);
    return draw(io, `flow ${target}`, result.flow, result.errors, result.warnings, svgFile);
  }

  const files = await flowFiles(flowsDir);
  const set = loadFlowFiles(files, zh);
  const named = files.map((f) => ({ file: f.file, name: declaredName(f.text) }));
  // By `name:`; failing that, by file name (`<dir>/<name>.yaml`).
  let matches = named.filter((f) => f.name === target).map((f) => f.file);
  if (matches.length === 0)
    matches = files.filter((f) => basename(f.file, '.yaml') === target).map((f) => f.file);
  if (matches.length === 0) {
    const names = [...new Set(named.map((f) => f.name ?? basename(f.file, '.yaml')))].sort();
    io.err(
      `hotline-flow: there is no flow named \`${target}\` in ${flowsDir}${didYouMean(target, names)}\n` +
        (names.length === 0
          ? 'the folder holds no flow files (*.yaml)'
          : `the flows there: ${names.map((n) => `\`${n}\``).join(', ')}`),
    );
    return 1;
  }
  // A usable flow is drawn even when a later file claims its name too (that file has the error).
  const flow = set.flows.find((f) => matches.includes(f.file));
  const mine = (e: FlowError) => (flow === undefined ? matches.includes(e.file) : e.file === flow.file);
  return draw(io, `flow \`${target}\``, flow, set.errors.filter(mine), set.warnings.filter(mine), svgFile);
}

/**
 * Prints the drawing (or writes it as SVG to `svgFile`), or the errors that keep the flow from going live (and
 * from being drawn).
 */
async function draw(
  io: FlowCliIo,
  what: string,
  flow: Flow | undefined,
  errors: FlowError[],
  warnings: FlowError[],
  svgFile: string | null,
): Promise<number> {
  if (flow === undefined || errors.length > 0) {
    for (const e of errors) io.err(format(e));
    io.err(`hotline-flow: the ${what} is not drawn: it has ${count(errors.length, 'error')}`);
    return 1;
  }
  for (const w of warnings) io.err(`warning: ${format(w)}`);
  const mermaid = toMermaid(flow).trimEnd();
  if (svgFile === null) {
    io.out(mermaid);
    return 0;
  }
  try {
    await writeFile(svgFile, await mermaidToSvg(mermaid));
  } catch (err) {
    io.err(`hotline-flow: the ${what} is not drawn as SVG: ${(err as Error).message}`);
    return 1;
  }
  io.out(`wrote ${svgFile}`);
  return 0;
}

/** The `name:` a flow file declares, read even when the flow has errors (null: none, or no YAML map). */
function declaredName(text: string): string | null {
  const doc = parseDocument(text);
  if (!isMap(doc.contents)) return null;
  const name: unknown = doc.get('name');
  return typeof name === 'string' || typeof name === 'number' ? String(name) : null;
}

// ---------------------------------------------------------------------------------------------------------
// Files.

/** A folder given on the command line that cannot be read: a usage error (exit code 2). */
class FolderError extends Error {}

/** The `*.yaml` files of a folder, named `<dir>/<name>.yaml` as `loadFlows` names them. */
async function flowFiles(dir: string): Promise<{ file: string; text: string }[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.yaml')).sort();
  } catch (err) {
    throw new FolderError(`cannot read the flows folder ${dir}: ${(err as Error).message}`);
  }
  return Promise.all(
    names.map(async (name) => ({ file: join(dir, name), text: await readFile(join(dir, name), 'utf8') })),
  );
}

/** The prompt ids with a Chinese text and those with an English text in `<dir>/catalogue.tsv`. */
async function catalogues(dir: string): Promise<{ zh: Set<string>; en: Set<string> }> {
  const file = join(dir, 'catalogue.tsv');
  try {
    const text = await readFile(file, 'utf8');
    return { zh: promptCatalogue(text, 'zh', file), en: promptCatalogue(text, 'en', file) };
  } catch (err) {
    throw new FolderError(`cannot read the prompt catalogue: ${(err as Error).message}`);
  }
}

if (import.meta.main) {
  process.exitCode = await runFlowCli(process.argv.slice(2), {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
  });
}

// ---------------------------------------------------------------------------------------------------------
// simulate

async function simulateCall(
  target: string,
  flowsDir: string,
  promptsDir: string,
  options: { from?: string; keys?: string; dialled?: string; 'file-tickets'?: boolean },
  io: FlowCliIo,
): Promise<number> {
  const catalogueFile = join(promptsDir, 'catalogue.tsv');
  const texts = parseCatalogue(await readFile(catalogueFile, 'utf8'), catalogueFile);
  const zh = catalogueIds(texts, 'zh');
  const files = await flowFiles(flowsDir);
  const set = loadFlowFiles(files, zh);
  const flow =
    set.flows.find((f) => f.name === target) ?? set.flows.find((f) => basename(f.file, '.yaml') === target);
  if (!flow) {
    io.err(
      `hotline-flow: there is no usable flow named \`${target}\`${didYouMean(
        target,
        set.flows.map((f) => f.name),
      )}${set.errors.length > 0 ? ' (run `check`: some files have errors)' : ''}`,
    );
    return 1;
  }
  const config = loadConfig();
  const db = createPool(config.databaseUrl, 2);
  try {
    const real = new SelfService(db);
    const service: SelfServicePort = options['file-tickets']
      ? real
      : {
          identifyCaller: (n) => real.identifyCaller(n),
          lookup: (r, d) => real.lookup(r, d),
          verifyRoomPin: (k, p, d) => real.verifyRoomPin(k, p, d),
          hours: (e, u, d, at) => real.hours(e, u, d, at),
          fileTicket: () => Promise.resolve({ number: '00000000', expectedDoneAt: null }),
          rememberLanguage: () => Promise.resolve(),
        };
    let outbound: Parameters<typeof simulate>[0]['outbound'];
    if (flow.outbound !== null) {
      const owner = await real.identifyCaller(options.from ?? null);
      if (!owner) {
        io.err('hotline-flow: an outbound flow is simulated for an owner: give `--from` an owner’s number');
        return 1;
      }
      outbound = {
        owner,
        unitId: owner.units[0]?.unitId ?? null,
        vars: await sampleCampaign(flow, owner, real),
      };
    }
    const result = await simulate({
      outbound,
      flow,
      settings: {
        digitTimeoutMs: config.ivr.digitTimeoutMs,
        menuRetries: config.ivr.menuRetries,
        holdAnnounceS: 20,
        queue: 'general',
      },
      service,
      from: options.from ?? null,
      dialled: options.dialled ?? flow.numbers[0] ?? '4008200000',
      keys: options.keys ?? '',
    });
    const text = new Map(texts.map((t) => [t.id, t]));
    for (const line of result.lines) io.out(transcriptLine(line, text));
    io.out(`path: ${result.path.join(' > ') || '(none)'}`);
    io.out(`end: ${describeEnd(result.end)}`);
    return result.end.kind === 'stuck' ? 1 : 0;
  } finally {
    await db.end();
  }
}

/**
 * The campaign variables of a simulated outbound call: the owner's first unit's arrears now, and a sample
 * campaign of the flow's kind (a complaint ticket 00000000 for a revisit, a water cut tomorrow for a notice).
 */
async function sampleCampaign(
  flow: Flow,
  owner: PopOwner,
  service: SelfServicePort,
): Promise<Record<string, string>> {
  const unitIds = owner.units.slice(0, 1).map((u) => u.unitId);
  const fees = await service.lookup(
    { do: 'lookup', what: 'fee_balance', into: 'fees', unitIds, ticket: null },
    '',
  );
  const items = fees.what === 'fee_balance' ? fees.items : [];
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return {
    'campaign.id': '0',
    'campaign.kind': flow.outbound ?? '',
    'campaign.name': '模拟 / simulation',
    'attempt.id': '0',
    'attempt.no': '1',
    'arrears.total': String(items.reduce((sum, i) => sum + Number(i.amountFen), 0)),
    'arrears.due_date': items[0]?.dueDate ?? '',
    'arrears.items': String(items.length),
    'ticket.number': '00000000',
    'ticket.type': 'complaint',
    'revisit.scale_max': '5',
    'revisit.unsatisfied_max': '2',
    'notice.kind': 'water-cut',
    'notice.date': tomorrow,
    'notice.time': '09:00',
  };
}

function transcriptLine(line: SimulationLine, text: Map<string, { zh: string; en: string }>): string {
  switch (line.kind) {
    case 'heard':
      return `  hears (${line.lang}): ${line.prompts.map((id) => text.get(id)?.[line.lang] || `[${id}]`).join('')}`;
    case 'pressed':
      return `presses ${line.keys}`;
    case 'silence':
      return 'says nothing';
    case 'identified':
      return `  [${line.by}] ${line.owner ? `${line.owner.name} (${line.owner.units.map((u) => u.roomCode).join(', ')})` : 'not identified'}`;
    case 'looked-up':
      return `  [lookup ${line.what}] ${line.summary}`;
    case 'hours':
      return `  [hours] ${line.state}`;
    case 'recorded':
      return `  [voicemail] ${line.name}`;
    case 'ticket':
      return `  [ticket] ${line.number} (${line.type}${line.urgent ? ', urgent' : ''})`;
    case 'language-saved':
      return `  [language saved] ${line.language}`;
    case 'outcome':
      return `  [outcome] ${line.outcome}${line.value === null ? '' : ` ${line.value}`}`;
  }
}

function describeEnd(end: SimulationEnd): string {
  switch (end.kind) {
    case 'queued':
      return `queued to ${end.queue} (priority ${end.priority}, intent ${end.intent})`;
    case 'hung-up-by-flow':
      return 'the flow hung up';
    case 'caller-hung-up':
      return 'the caller hung up';
    case 'stuck':
      return `stuck: ${end.reason}`;
  }
}
