// The nodes of a flow, kind by kind: the fields each kind takes and how they are read and checked. Each
// reader reports what is wrong and returns the node; `readNode` drops a node with any error, so the readers
// may return placeholders for the fields they reported.
import { isMap, isSeq, type ParsedNode } from 'yaml';
import { TICKET_TYPES } from '../../core/contracts.ts';
import {
  bool,
  isLookup,
  describe,
  error,
  entryRef,
  fieldsOf,
  intoVariable,
  lineOf,
  missing,
  nodeRef,
  oneOf,
  prompts,
  scalarText,
  template,
  templateField,
  text,
  unknownFields,
  valueLine,
  warning,
  wholeNumber,
  type FileCheck,
  type Scope,
} from './fields.ts';
import { didYouMean } from './suggest.ts';
import {
  IDENTIFY_METHODS,
  LOOKUPS,
  NODE_KINDS,
  OUTCOME_KINDS,
  PHONE_KEYS,
  QUEUE_PRIORITIES,
  SAY_AS,
  type FlowNode,
  type IdentifyMethod,
  type NodeKind,
  type QueuePriority,
  type PhoneKey,
  type Template,
} from './types.ts';
import {
  BUILTIN_ROOTS,
  BUILTIN_VARIABLES,
  SETTABLE_BUILTINS,
  VARIABLE_NAME,
  VARIABLE_PATH,
} from './variables.ts';

/** The fields each kind of node takes, as written in YAML (besides `kind`). */
export const NODE_FIELDS: Record<NodeKind, readonly string[]> = {
  play: ['prompts', 'next'],
  say: ['say', 'value', 'next'],
  menu: ['prompt', 'keys', 'timeout_ms', 'tries', 'invalid', 'no_input', 'fallback'],
  gather: [
    'prompt',
    'min_digits',
    'max_digits',
    'terminator',
    'timeout_ms',
    'tries',
    'invalid',
    'no_input',
    'into',
    'next',
    'fallback',
  ],
  identify: [
    'by',
    'tries',
    'room_prompt',
    'pin_prompt',
    'wrong_prompt',
    'identified',
    'several_units',
    'pick_unit',
    'pick_prompt',
    'unverified',
  ],
  lookup: ['what', 'into', 'ticket', 'found', 'not_found'],
  hours: ['estate', 'open', 'closed', 'holiday'],
  record: ['prompt', 'max_s', 'beep', 'into', 'next'],
  ticket: ['type', 'category', 'fields', 'recording', 'urgent', 'next'],
  queue: ['skill', 'priority', 'intent', 'prompt', 'max_wait_s', 'overflow', 'callback'],
  set: ['variables', 'next'],
  branch: ['value', 'cases', 'default'],
  goto: ['node'],
  hangup: ['prompt'],
  outcome: ['outcome', 'value', 'invalid', 'next'],
};

const NODE_ID = /^[A-Za-z][A-Za-z0-9_-]*$/;
const TIMEOUT_MS = { min: 500, max: 60_000 };
const TRIES = { min: 1, max: 10 };
const DIGITS = { min: 1, max: 32 };
const RECORD_S = { min: 1, max: 600 };
const WAIT_S = { min: 10, max: 3600 };

/** One node of `nodes:`, or null when it has an error (reported). */
export function readNode(
  check: FileCheck,
  id: string,
  line: number,
  value: ParsedNode | null,
): FlowNode | null {
  const errorsBefore = check.errors.length;
  const scope: Scope = { check, node: id, line, kind: undefined, fields: new Map() };
  if (!NODE_ID.test(id)) {
    error(
      scope,
      line,
      'has an id that is not a plain name: start with a letter, then letters, digits, `_` or `-`',
    );
  }
  if (value === null || !isMap(value)) {
    error(scope, line, `must be a map of fields starting with \`kind\`, got ${describe(value)}`);
    return null;
  }
  scope.fields = fieldsOf(check, value, id);
  const kindField = scope.fields.get('kind');
  const kindText = text(scope, 'kind', `the kind of node: one of ${NODE_KINDS.join(', ')}`);
  if (kindText === null || kindField === undefined) return null;
  if (!(NODE_KINDS as readonly string[]).includes(kindText)) {
    const hint = didYouMean(kindText, NODE_KINDS) || ` (one of ${NODE_KINDS.join(', ')})`;
    error(scope, valueLine(scope, kindField), `has kind \`${kindText}\`, which is not a node kind${hint}`);
    return null;
  }
  const kind = kindText as NodeKind;
  scope.kind = kind;
  unknownFields(scope, ['kind', ...NODE_FIELDS[kind]], `a \`${kind}\` node`);
  const node = readKind(scope, kind, { id, line });
  return check.errors.length === errorsBefore ? node : null;
}

function readKind(scope: Scope, kind: NodeKind, base: { id: string; line: number }): FlowNode {
  switch (kind) {
    case 'play':
      return {
        ...base,
        kind,
        prompts: prompts(scope, 'prompts', 'the prompts to play'),
        next: nodeRef(scope, 'next', true) ?? '',
      };
    case 'say': {
      const say = oneOf(scope, 'say', SAY_AS, `how to read the value out: one of ${SAY_AS.join(', ')}`);
      const value = templateField(scope, 'value', 'the value to read out, such as `${fees.total}`');
      if (say !== null && isLookup(say) && value !== null) {
        const line = valueLine(scope, scope.fields.get('value')!);
        scope.check.lookupReads.push({ node: base.id, line, value, what: say });
      }
      return {
        ...base,
        kind,
        say: say ?? 'number',
        value: value ?? '',
        next: nodeRef(scope, 'next', true) ?? '',
      };
    }
    case 'menu':
      return readMenu(scope, base);
    case 'gather':
      return readGather(scope, base);
    case 'identify':
      return readIdentify(scope, base);
    case 'lookup':
      return readLookup(scope, base);
    case 'hours':
      return {
        ...base,
        kind,
        estate: templateField(scope, 'estate', null),
        open: nodeRef(scope, 'open', true) ?? '',
        closed: nodeRef(scope, 'closed', true) ?? '',
        holiday: nodeRef(scope, 'holiday', false),
      };
    case 'record':
      return {
        ...base,
        kind,
        prompt: prompts(scope, 'prompt', null),
        maxS: wholeNumber(scope, 'max_s', 'seconds', RECORD_S, 'the longest recording, in seconds') ?? 0,
        beep: bool(scope, 'beep') ?? true,
        into: intoVariable(scope, 'into', null) ?? '',
        next: nodeRef(scope, 'next', true) ?? '',
      };
    case 'ticket':
      return readTicket(scope, base);
    case 'queue': {
      const skill =
        text(scope, 'skill', 'the skill of the agents who take the call, such as `general`') ?? '';
      const priority = oneOf(scope, 'priority', QUEUE_PRIORITIES, null) ?? 'normal';
      return {
        ...base,
        kind,
        skill,
        priority,
        intent: text(scope, 'intent', null) ?? skill,
        prompt: prompts(scope, 'prompt', null),
        ...readOverflow(scope),
        callback: readCallback(scope, priority),
      };
    }
    case 'set':
      return { ...base, kind, variables: readAssignments(scope), next: nodeRef(scope, 'next', true) ?? '' };
    case 'branch':
      return readBranch(scope, base);
    case 'goto':
      return { ...base, kind, node: nodeRef(scope, 'node', true) ?? '' };
    case 'hangup':
      return { ...base, kind, prompt: prompts(scope, 'prompt', null) };
    case 'outcome':
      return readOutcome(scope, base);
  }
}

/** `outcome: score`, `value: '${score}'`, `invalid: ask-score`, `next: ask-comment`. */
function readOutcome(scope: Scope, base: { id: string; line: number }): FlowNode {
  const outcome =
    oneOf(scope, 'outcome', OUTCOME_KINDS, `what the owner chose: one of ${OUTCOME_KINDS.join(', ')}`) ??
    'heard';
  const needsValue = outcome === 'score' || outcome === 'comment';
  const value = templateField(
    scope,
    'value',
    needsValue
      ? outcome === 'score'
        ? 'the score keyed, such as `${score}`'
        : 'the recording of the comment, such as `${comment}`'
      : null,
  );
  if (!needsValue && value !== null) {
    error(
      scope,
      scope.fields.get('value')!.line,
      `field \`value\` is only for \`outcome: score\` and \`comment\``,
    );
  }
  const invalid = nodeRef(scope, 'invalid', outcome === 'score');
  if (outcome !== 'score' && invalid !== null) {
    error(scope, scope.fields.get('invalid')!.line, 'field `invalid` is only for `outcome: score`');
  }
  return {
    ...base,
    kind: 'outcome',
    outcome,
    value,
    invalid,
    next: nodeRef(scope, 'next', true) ?? '',
  };
}

/** `callback: true` offers a callback instead of waiting; never on an emergency queue (nobody may hang up there). */
function readCallback(scope: Scope, priority: QueuePriority): boolean {
  const callback = bool(scope, 'callback') ?? false;
  if (callback && priority === 'emergency') {
    const field = scope.fields.get('callback')!;
    error(
      scope,
      valueLine(scope, field),
      '`callback` is not offered on an emergency queue: an emergency caller stays on the line until an agent answers',
    );
    return false;
  }
  return callback;
}

/** `max_wait_s` and `overflow` go together: after that long in the queue the call goes on at `overflow`. */
function readOverflow(scope: Scope): { maxWaitS: number | null; overflow: string | null } {
  const maxWaitS = wholeNumber(scope, 'max_wait_s', 'seconds', WAIT_S, null);
  const overflow = nodeRef(scope, 'overflow', false);
  if (
    (maxWaitS === null) !== (overflow === null) &&
    !scope.fields.has(maxWaitS === null ? 'max_wait_s' : 'overflow')
  ) {
    error(
      scope,
      scope.line,
      maxWaitS === null
        ? '`overflow` needs `max_wait_s`: how long, in seconds, the caller waits for an agent before going there'
        : '`max_wait_s` needs `overflow`: the node the caller goes to after waiting that long, such as a voicemail',
    );
  }
  return { maxWaitS, overflow };
}

function readMenu(scope: Scope, base: { id: string; line: number }): FlowNode {
  return {
    ...base,
    kind: 'menu',
    prompt: prompts(scope, 'prompt', 'the prompt that offers the choices'),
    keys: readKeys(scope),
    timeoutMs: wholeNumber(scope, 'timeout_ms', 'milliseconds', TIMEOUT_MS, null),
    tries: wholeNumber(scope, 'tries', 'tries', TRIES, null),
    invalid: prompts(scope, 'invalid', null),
    noInput: prompts(scope, 'no_input', null),
    fallback: nodeRef(scope, 'fallback', true) ?? '',
  };
}

/** `keys: {1: fees, 0: agent, '#': repeat}`: phone key → node. */
function readKeys(scope: Scope): { key: PhoneKey; next: string }[] {
  const field = scope.fields.get('keys');
  if (field === undefined) {
    missing(scope, 'keys', 'the phone keys the caller may press and the node each goes to');
    return [];
  }
  if (field.value === null || !isMap(field.value) || field.value.items.length === 0) {
    error(
      scope,
      valueLine(scope, field),
      `field \`keys\` must map phone keys to nodes, such as \`1: fees\`, got ${describe(field.value)}`,
    );
    return [];
  }
  const keys: { key: PhoneKey; next: string }[] = [];
  for (const [key, entry] of fieldsOf(scope.check, field.value, scope.node)) {
    if (!(PHONE_KEYS as readonly string[]).includes(key)) {
      error(scope, entry.line, `key \`${key}\` is not a phone key: use one of 0-9, * and #`);
      continue;
    }
    if (keys.some((k) => k.key === key)) {
      error(scope, entry.line, `key \`${key}\` is given twice`);
      continue;
    }
    const target = entryRef(scope, entry, `key \`${key}\``);
    if (target === undefined) continue;
    keys.push({ key: key as PhoneKey, next: target });
  }
  return keys;
}

function readGather(scope: Scope, base: { id: string; line: number }): FlowNode {
  const minDigits = wholeNumber(scope, 'min_digits', 'digits', DIGITS, null) ?? 1;
  const maxDigits = wholeNumber(
    scope,
    'max_digits',
    'digits',
    DIGITS,
    'the most digits the caller may enter',
  );
  if (maxDigits !== null && minDigits > maxDigits) {
    error(
      scope,
      scope.fields.get('min_digits')!.line,
      `field \`min_digits\` (${minDigits}) is more than \`max_digits\` (${maxDigits})`,
    );
  }
  return {
    ...base,
    kind: 'gather',
    prompt: prompts(scope, 'prompt', 'the prompt that asks for the digits'),
    minDigits,
    maxDigits: maxDigits ?? 0,
    terminator: readTerminator(scope),
    timeoutMs: wholeNumber(scope, 'timeout_ms', 'milliseconds', TIMEOUT_MS, null),
    tries: wholeNumber(scope, 'tries', 'tries', TRIES, null),
    invalid: prompts(scope, 'invalid', null),
    noInput: prompts(scope, 'no_input', null),
    into: intoVariable(scope, 'into', null) ?? '',
    next: nodeRef(scope, 'next', true) ?? '',
    fallback: nodeRef(scope, 'fallback', true) ?? '',
  };
}

/** `'#'` (the default), `'*'` or `none`. An unquoted # starts a YAML comment, hence the hint. */
function readTerminator(scope: Scope): '#' | '*' | null {
  const field = scope.fields.get('terminator');
  if (field === undefined) return '#';
  const value = scalarText(field.value);
  if (value === '#' || value === '*') return value;
  if (value === 'none') return null;
  error(
    scope,
    valueLine(scope, field),
    `field \`terminator\` must be '#', '*' or none, got ${describe(field.value)} (write '#' in quotes: # starts a YAML comment)`,
  );
  return null;
}

function readIdentify(scope: Scope, base: { id: string; line: number }): FlowNode {
  const by = readMethods(scope);
  const withPin = by.includes('room_pin');
  const pickUnit = bool(scope, 'pick_unit') ?? false;
  const pickField = scope.fields.get('pick_prompt');
  if (!pickUnit && pickField !== undefined) {
    warning(scope, pickField.line, 'field `pick_prompt` is not used: `pick_unit` is not true');
  }
  for (const name of ['room_prompt', 'pin_prompt', 'wrong_prompt']) {
    const field = scope.fields.get(name);
    if (!withPin && field !== undefined) {
      warning(scope, field.line, `field \`${name}\` is not used: \`by\` does not hold room_pin`);
    }
  }
  return {
    ...base,
    kind: 'identify',
    by,
    tries: wholeNumber(scope, 'tries', 'tries', TRIES, null) ?? 3,
    roomPrompt: withPin
      ? prompts(scope, 'room_prompt', 'the prompt asking for the room code (by room_pin)')
      : [],
    pinPrompt: withPin ? prompts(scope, 'pin_prompt', 'the prompt asking for the PIN (by room_pin)') : [],
    wrongPrompt: withPin
      ? prompts(scope, 'wrong_prompt', 'the prompt after a wrong room code or PIN (by room_pin)')
      : [],
    identified: nodeRef(scope, 'identified', true) ?? '',
    severalUnits: nodeRef(scope, 'several_units', false),
    pickUnit,
    pickPrompt: pickUnit ? prompts(scope, 'pick_prompt', 'the prompt asking to pick a unit (pick_unit)') : [],
    unverified: nodeRef(scope, 'unverified', true) ?? '',
  };
}

/** `by: [caller_id, room_pin]` (the default), or one of them. */
function readMethods(scope: Scope): IdentifyMethod[] {
  const field = scope.fields.get('by');
  if (field === undefined) return [...IDENTIFY_METHODS];
  const items = field.value !== null && isSeq(field.value) ? field.value.items : [field.value];
  const methods: IdentifyMethod[] = [];
  for (const item of items) {
    const method = scalarText(item);
    const line = item === null ? field.line : lineOf(scope.check, item);
    if (method === undefined || !(IDENTIFY_METHODS as readonly string[]).includes(method)) {
      error(
        scope,
        line,
        `field \`by\` must hold ${IDENTIFY_METHODS.join(' and/or ')}, got ${describe(item)}${didYouMean(method ?? '', IDENTIFY_METHODS)}`,
      );
    } else if (!methods.includes(method as IdentifyMethod)) {
      methods.push(method as IdentifyMethod);
    }
  }
  if (items.length === 0)
    error(scope, field.line, `field \`by\` must hold ${IDENTIFY_METHODS.join(' and/or ')}`);
  return methods;
}

function readLookup(scope: Scope, base: { id: string; line: number }): FlowNode {
  const what = oneOf(scope, 'what', LOOKUPS, `what to look up: one of ${LOOKUPS.join(', ')}`);
  const ticketField = scope.fields.get('ticket');
  let ticket: Template | null = null;
  if (what === 'ticket_status') {
    ticket = templateField(scope, 'ticket', 'the ticket number to look up, such as `${ticket_no}`');
  } else if (ticketField !== undefined && what !== null) {
    error(scope, ticketField.line, `field \`ticket\` is only for \`what: ticket_status\`, not \`${what}\``);
  }
  return {
    ...base,
    kind: 'lookup',
    what: what ?? 'fee_balance',
    into: intoVariable(scope, 'into', what) ?? '',
    ticket,
    found: nodeRef(scope, 'found', true) ?? '',
    notFound: nodeRef(scope, 'not_found', true) ?? '',
  };
}

function readTicket(scope: Scope, base: { id: string; line: number }): FlowNode {
  const fields: { name: string; value: Template }[] = [];
  const field = scope.fields.get('fields');
  if (field !== undefined) {
    if (field.value === null || !isMap(field.value)) {
      error(
        scope,
        valueLine(scope, field),
        `field \`fields\` must map names to text, such as \`room: \${unit.room}\`, got ${describe(field.value)}`,
      );
    } else {
      for (const [name, entry] of fieldsOf(scope.check, field.value, scope.node)) {
        const value = template(scope, `fields.${name}`, entry.value, valueLine(scope, entry));
        if (value !== null) fields.push({ name, value });
      }
    }
  }
  return {
    ...base,
    kind: 'ticket',
    type:
      oneOf(scope, 'type', TICKET_TYPES, `the ticket type: one of ${TICKET_TYPES.join(', ')}`) ?? 'inquiry',
    category: templateField(scope, 'category', null),
    fields,
    recording: templateField(scope, 'recording', null),
    urgent: templateField(scope, 'urgent', null),
    next: nodeRef(scope, 'next', true) ?? '',
  };
}

/** `value: '${language}'`, `cases: {zh: english, en: chinese}`, `default: main-menu`. */
function readBranch(scope: Scope, base: { id: string; line: number }): FlowNode {
  const value = templateField(scope, 'value', 'the variable to branch on, such as `${language}`');
  // `value: language` is text, the same for every call: the branch would never branch
  if (value !== null && !value.includes('${')) {
    const hint = VARIABLE_PATH.test(value.trim()) ? `; did you mean \`\${${value.trim()}}\`?` : '';
    error(
      scope,
      valueLine(scope, scope.fields.get('value')!),
      `field \`value\` reads no variable, so every call would go the same way${hint}`,
    );
  }
  return {
    ...base,
    kind: 'branch',
    value: value ?? '',
    cases: readCases(scope),
    default: nodeRef(scope, 'default', true) ?? '',
  };
}

/** `cases: {zh: english, en: chinese}`: value → node. */
function readCases(scope: Scope): { value: string; next: string }[] {
  const field = scope.fields.get('cases');
  if (field === undefined) {
    missing(scope, 'cases', 'the values to branch on and the node each goes to, such as `en: english`');
    return [];
  }
  if (field.value === null || !isMap(field.value) || field.value.items.length === 0) {
    const got = field.value !== null && isMap(field.value) ? 'an empty map' : describe(field.value);
    error(
      scope,
      valueLine(scope, field),
      `field \`cases\` must map values to nodes, such as \`en: english\`, got ${got}`,
    );
    return [];
  }
  const cases: { value: string; next: string }[] = [];
  for (const [value, entry] of fieldsOf(scope.check, field.value, scope.node)) {
    if (value.trim() === '') {
      error(scope, entry.line, 'has a case for an empty value: an empty or unset value goes to `default`');
      continue;
    }
    if (value.trim() !== value) {
      error(
        scope,
        entry.line,
        `case ${JSON.stringify(value)} can never match: the value is compared without spaces around it`,
      );
      continue;
    }
    const target = entryRef(scope, entry, `case \`${value}\``);
    if (target === undefined) continue;
    cases.push({ value, next: target });
  }
  return cases;
}

/** `variables: {language: en, intent: repair}`. */
function readAssignments(scope: Scope): { name: string; value: Template }[] {
  const field = scope.fields.get('variables');
  if (field === undefined) {
    missing(scope, 'variables', 'the variables to set, such as `language: en`');
    return [];
  }
  if (field.value === null || !isMap(field.value) || field.value.items.length === 0) {
    error(
      scope,
      valueLine(scope, field),
      `field \`variables\` must map variable names to values, such as \`language: en\`, got ${describe(field.value)}`,
    );
    return [];
  }
  const out: { name: string; value: Template }[] = [];
  for (const [name, entry] of fieldsOf(scope.check, field.value, scope.node)) {
    if (BUILTIN_VARIABLES[name] !== undefined || BUILTIN_ROOTS.has(name)) {
      if (!SETTABLE_BUILTINS.has(name)) {
        error(scope, entry.line, `cannot set \`${name}\`: it is built in and set by the call`);
        continue;
      }
    } else if (!VARIABLE_NAME.test(name)) {
      error(scope, entry.line, `cannot set \`${name}\`: a variable name holds letters, digits and _ only`);
      continue;
    } else {
      scope.check.variables.set(name, null);
    }
    const value = template(scope, `variables.${name}`, entry.value, valueLine(scope, entry));
    if (value === null) continue;
    if (name === 'language' && !value.includes('${') && value !== 'zh' && value !== 'en') {
      error(
        scope,
        valueLine(scope, entry),
        `field \`variables.language\` must be zh or en, got ${describe(entry.value)}`,
      );
      continue;
    }
    out.push({ name, value });
  }
  return out;
}
