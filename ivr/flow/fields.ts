// The building blocks of the flow checker: the state of one file being checked, and readers for the fields
// of a YAML map (text, one of a list, whole numbers, node references, prompts, templates) that report what
// is wrong with a field, on its line, in the node it belongs to.
import { isMap, isScalar, isSeq, type LineCounter, type ParsedNode } from 'yaml';
import { didYouMean } from './suggest.ts';
import {
  LOOKUPS,
  SAY_AS,
  type FlowError,
  type LookupWhat,
  type NodeKind,
  type PromptItem,
  type SayAs,
  type Template,
} from './types.ts';
import { BUILTIN_ROOTS, parseTemplate, templateVariables, VARIABLE_NAME } from './variables.ts';

/** Why a field that leads on is needed, for the dead-end message when it is missing. */
export const EXIT_HELP: Record<string, string> = {
  next: 'the node to go to afterwards',
  fallback: 'where the call goes when the tries are used up',
  identified: 'where an identified owner goes',
  unverified: 'where a caller goes who could not be identified',
  found: 'where the call goes when the lookup finds something',
  not_found: 'where the call goes when it finds nothing',
  open: 'where the call goes during opening hours',
  closed: 'where the call goes outside them',
  node: 'the node to go to',
  default: 'where the call goes when the value matches no case',
  invalid: 'where the call goes when the score is not on the scale (1 to `${revisit.scale_max}`)',
};

export interface Field {
  name: string;
  /** The line of the field's key. */
  line: number;
  value: ParsedNode | null;
}

/** Where a reference was made, to check once every node id is known. */
export interface Reference {
  node: string | undefined;
  line: number;
  /** "key `3` goes to", "case `en` goes to", "goes to", "field `found` goes to", "`start` goes to" */
  phrase: string;
  to: string;
}

export interface VariableUse {
  node: string;
  line: number;
  path: string;
}

/** A `say` of a whole lookup result (`say: fee_balance`): its value must be that lookup's `into` variable. */
export interface LookupRead {
  node: string;
  line: number;
  value: Template;
  what: LookupWhat;
}

export function isLookup(say: SayAs): say is LookupWhat {
  return (LOOKUPS as readonly string[]).includes(say);
}

export interface FileCheck {
  file: string;
  catalogue: ReadonlySet<string>;
  lines: LineCounter;
  errors: FlowError[];
  warnings: FlowError[];
  references: Reference[];
  uses: VariableUse[];
  /** Variables the flow sets: name → the lookup that fills it, or null for plain values. */
  variables: Map<string, LookupWhat | null>;
  lookupReads: LookupRead[];
}

/** The fields of one YAML map being read: the node's (or the flow's) fields. */
export interface Scope {
  check: FileCheck;
  node: string | undefined;
  /** The line of the node's id, for problems with no better line (a missing field). */
  line: number;
  kind: NodeKind | undefined;
  fields: Map<string, Field>;
}

export function lineOf(check: FileCheck, node: ParsedNode): number {
  return check.lines.linePos(node.range[0]).line;
}

export function error(scope: Scope, line: number, message: string): void {
  scope.check.errors.push(withNode({ file: scope.check.file, line, message }, scope.node));
}

export function warning(scope: Scope, line: number, message: string): void {
  scope.check.warnings.push(withNode({ file: scope.check.file, line, message }, scope.node));
}

export function withNode(err: FlowError, node: string | undefined): FlowError {
  return node === undefined ? err : { ...err, node };
}

// ---------------------------------------------------------------------------------------------------------
// Reading fields.

/** How a value looked, for "got ..." in messages. */
export function describe(value: ParsedNode | null): string {
  if (value === null) return 'nothing';
  if (isScalar(value)) {
    if (typeof value.value === 'string') return JSON.stringify(value.value);
    return scalarText(value) ?? 'nothing';
  }
  if (isSeq(value)) return 'a list';
  if (isMap(value)) return 'a map';
  return 'an alias';
}

/** A scalar's text as written (so `02112345678` keeps its 0); undefined for lists, maps and empty values. */
export function scalarText(value: ParsedNode | null): string | undefined {
  if (value === null || !isScalar(value) || value.value === null) return undefined;
  const raw = value.value;
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return value.source ?? String(raw);
  return undefined;
}

/** The fields of a YAML map by name; reports keys that are not plain names. */
export function fieldsOf(check: FileCheck, map: ParsedNode, node: string | undefined): Map<string, Field> {
  const fields = new Map<string, Field>();
  if (!isMap(map)) return fields;
  for (const pair of map.items) {
    const key = pair.key;
    const name = scalarText(key);
    if (name === undefined) {
      const line = key === null ? lineOf(check, map) : lineOf(check, key);
      check.errors.push(
        withNode({ file: check.file, line, message: 'has a key that is not a plain name' }, node),
      );
      continue;
    }
    fields.set(name, { name, line: lineOf(check, key), value: pair.value });
  }
  return fields;
}

export function valueLine(scope: Scope, field: Field): number {
  return field.value === null ? field.line : lineOf(scope.check, field.value);
}

/** Reports fields the node's kind does not take. */
export function unknownFields(scope: Scope, allowed: readonly string[], what: string): void {
  for (const field of scope.fields.values()) {
    if (allowed.includes(field.name)) continue;
    error(
      scope,
      field.line,
      `${scope.node === undefined ? 'the flow ' : ''}has field \`${field.name}\`, which ${what} does not take${didYouMean(field.name, allowed)}`,
    );
  }
}

export function missing(scope: Scope, name: string, help: string): void {
  const isExit = name in EXIT_HELP;
  error(
    scope,
    scope.line,
    isExit && scope.kind !== undefined
      ? `is a dead end: a \`${scope.kind}\` node needs \`${name}\`, ${help}`
      : `${scope.node === undefined ? 'the flow ' : ''}needs \`${name}\`: ${help}`,
  );
}

/** A field holding text (a number or true/false is taken as written). */
export function text(scope: Scope, name: string, required: string | null): string | null {
  const field = scope.fields.get(name);
  if (field === undefined) {
    if (required !== null) missing(scope, name, required);
    return null;
  }
  const value = scalarText(field.value);
  if (value === undefined || value.trim() === '') {
    error(scope, valueLine(scope, field), `field \`${name}\` must be text, got ${describe(field.value)}`);
    return null;
  }
  return value;
}

export function oneOf<T extends string>(
  scope: Scope,
  name: string,
  choices: readonly T[],
  required: string | null,
): T | null {
  const field = scope.fields.get(name);
  const value = text(scope, name, required);
  if (value === null || field === undefined) return null;
  if ((choices as readonly string[]).includes(value)) return value as T;
  error(
    scope,
    valueLine(scope, field),
    `field \`${name}\` must be one of ${choices.join(', ')}, got ${describe(field.value)}${didYouMean(value, choices)}`,
  );
  return null;
}

export function wholeNumber(
  scope: Scope,
  name: string,
  unit: string,
  range: { min: number; max: number },
  required: string | null,
): number | null {
  const field = scope.fields.get(name);
  if (field === undefined) {
    if (required !== null) missing(scope, name, required);
    return null;
  }
  const value = field.value !== null && isScalar(field.value) ? field.value.value : undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    error(
      scope,
      valueLine(scope, field),
      `field \`${name}\` must be a whole number of ${unit}, got ${describe(field.value)}`,
    );
    return null;
  }
  if (value < range.min || value > range.max) {
    error(
      scope,
      valueLine(scope, field),
      `field \`${name}\` must be from ${range.min} to ${range.max} ${unit}, got ${value}`,
    );
    return null;
  }
  return value;
}

export function bool(scope: Scope, name: string): boolean | null {
  const field = scope.fields.get(name);
  if (field === undefined) return null;
  const value = field.value !== null && isScalar(field.value) ? field.value.value : undefined;
  if (typeof value !== 'boolean') {
    error(
      scope,
      valueLine(scope, field),
      `field \`${name}\` must be true or false, got ${describe(field.value)}`,
    );
    return null;
  }
  return value;
}

/** A field naming another node; checked once every node id is known. */
export function nodeRef(scope: Scope, name: string, required: boolean): string | null {
  const help = EXIT_HELP[name] ?? 'the node to go to';
  const target = text(scope, name, required ? help : null);
  const field = scope.fields.get(name);
  if (target === null || field === undefined) return null;
  const phrase = name === 'next' || name === 'node' ? 'goes to' : `field \`${name}\` goes to`;
  scope.check.references.push({ node: scope.node, line: valueLine(scope, field), phrase, to: target });
  return target;
}

/**
 * An entry of a map that names a node (a menu key, a branch case): `what` is how the error and the reference
 * name it, e.g. "key `1`". Undefined, with the error said, when the entry is not a node name.
 */
export function entryRef(scope: Scope, entry: Field, what: string): string | undefined {
  const target = scalarText(entry.value);
  if (target === undefined) {
    error(
      scope,
      valueLine(scope, entry),
      `${what} must name the node it goes to, got ${describe(entry.value)}`,
    );
    return undefined;
  }
  scope.check.references.push({
    node: scope.node,
    line: valueLine(scope, entry),
    phrase: `${what} goes to`,
    to: target,
  });
  return target;
}

/** Text with `${variables}`; the variables are checked once the flow's own variables are known. */
export function template(
  scope: Scope,
  name: string,
  value: ParsedNode | null,
  line: number,
): Template | null {
  const raw = scalarText(value);
  if (raw === undefined) {
    error(scope, line, `field \`${name}\` must be text, got ${describe(value)}`);
    return null;
  }
  const parsed = parseTemplate(raw);
  if ('error' in parsed) {
    error(scope, line, `field \`${name}\` has ${parsed.error}`);
    return null;
  }
  for (const path of templateVariables(parsed.parts)) {
    scope.check.uses.push({ node: scope.node ?? '', line, path });
  }
  return raw;
}

export function templateField(scope: Scope, name: string, required: string | null): Template | null {
  const field = scope.fields.get(name);
  if (field === undefined) {
    if (required !== null) missing(scope, name, required);
    return null;
  }
  return template(scope, name, field.value, valueLine(scope, field));
}

/** A field naming a variable the node stores into; `lookup` records what its result holds. */
export function intoVariable(scope: Scope, name: string, lookup: LookupWhat | null): string | null {
  const variable = text(scope, name, 'the variable to store the result in');
  const field = scope.fields.get(name);
  if (variable === null || field === undefined) return null;
  if (!VARIABLE_NAME.test(variable)) {
    error(
      scope,
      valueLine(scope, field),
      `field \`${name}\` must be a variable name (letters, digits and _), got ${describe(field.value)}`,
    );
    return null;
  }
  if (BUILTIN_ROOTS.has(variable)) {
    error(
      scope,
      valueLine(scope, field),
      `field \`${name}\` names \`${variable}\`, which is built in; choose another name`,
    );
    return null;
  }
  scope.check.variables.set(variable, lookup);
  return variable;
}

/** A list of things to hear: prompt ids, and `{say: amount, value: '${fees.total}'}` items. A lone id is a list of one. */
export function prompts(scope: Scope, name: string, required: string | null): PromptItem[] {
  const field = scope.fields.get(name);
  if (field === undefined) {
    if (required !== null) missing(scope, name, required);
    return [];
  }
  const items = field.value !== null && isSeq(field.value) ? field.value.items : [field.value];
  if (items.length === 0 && required !== null) {
    error(scope, valueLine(scope, field), `field \`${name}\` must list at least one prompt`);
  }
  const out: PromptItem[] = [];
  for (const item of items) {
    const line = item === null ? field.line : lineOf(scope.check, item);
    const prompt = promptItem(scope, name, item, line);
    if (prompt !== null) out.push(prompt);
  }
  return out;
}

export function promptItem(
  scope: Scope,
  name: string,
  item: ParsedNode | null,
  line: number,
): PromptItem | null {
  if (item !== null && isMap(item)) {
    const sayScope: Scope = { ...scope, line, fields: fieldsOf(scope.check, item, scope.node) };
    unknownFields(sayScope, ['say', 'value'], `a \`say\` item in \`${name}\``);
    const say = oneOf(sayScope, 'say', SAY_AS, 'how to read the value out');
    const value = templateField(sayScope, 'value', 'the value to read out, such as `${fees.total}`');
    if (say === null || value === null) return null;
    if (isLookup(say)) scope.check.lookupReads.push({ node: scope.node ?? '', line, value, what: say });
    return { say, value };
  }
  const id = scalarText(item);
  if (id === undefined) {
    error(
      scope,
      line,
      `field \`${name}\` must hold prompt ids or \`{say: ..., value: ...}\` items, got ${describe(item)}`,
    );
    return null;
  }
  if (!scope.check.catalogue.has(id)) {
    error(
      scope,
      line,
      `prompt \`${id}\` is not in the prompt catalogue${didYouMean(id, scope.check.catalogue)}`,
    );
    return null;
  }
  return { prompt: id };
}
