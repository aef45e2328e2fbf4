// Variables of a flow: the built-in ones the call provides, the ones a flow sets, and the `${name}` templates
// that read them. A template is text with plain variable paths in it, nothing more: no expressions, no code.
import type { LookupWhat, Template } from './types.ts';

/** Every variable the interpreter provides to every flow, with what it holds. The one list of them. */
export const BUILTIN_VARIABLES: Readonly<Record<string, string>> = {
  caller: "the caller's number as presented, digits only; empty when withheld",
  dialled: 'the number the caller dialled',
  language: 'zh or en: the language the caller hears; a `set` node may change it',
  'call.id': 'the call id (as in the call record)',
  'owner.id': "the identified owner's id; empty until an `identify` node found the owner",
  'owner.name': "the owner's name",
  'owner.vip': 'yes or no',
  'owner.language': "the owner's registered language, zh or en",
  'owner.units': 'how many units the owner has',
  'unit.id': "the unit the call is about: the owner's only unit, or the one picked",
  'unit.room': 'its room code, e.g. B3-1502',
  'unit.building': "its building's name, e.g. 3号楼",
  'unit.estate': "its estate's name, e.g. 翠湖花园 (an `hours` node takes it, or an estate code)",
  'ticket.number': 'the number of the last ticket a `ticket` node created in this call',
  'now.date': "today's date, YYYY-MM-DD (Asia/Shanghai)",
  'now.time': 'the time, HH:MM (Asia/Shanghai)',
};

/**
 * The variables an outbound flow (`outbound: <campaign kind>`) starts with, besides the built-in ones: the owner
 * is identified from the campaign's target (`owner.*`, `unit.*` as after an `identify` node, in the owner's
 * language), `caller` is the owner's number as dialled and `dialled` the number their phone showed. Set by
 * ivr/outbound-call.ts; empty when the campaign kind has no such thing (a notice has no arrears).
 */
export const OUTBOUND_VARIABLES: Readonly<Record<string, string>> = {
  'campaign.id': 'the campaign id',
  'campaign.kind': 'fee-reminder, revisit or notice',
  'campaign.name': "the campaign's name, e.g. 2026年12月物业费催缴",
  'attempt.id': 'the call attempt (the dialer writes its result)',
  'attempt.no': 'which attempt of the target this is, 1 for the first',
  'arrears.total': 'what the unit owes now, in fen (read with `say: amount`)',
  'arrears.due_date': 'the earliest due date of what is owed, YYYY-MM-DD',
  'arrears.items': 'how many unpaid items',
  'ticket.number': "a revisit's ticket number (read with `say: ticket`)",
  'ticket.type': "the ticket's type: complaint, repair, inquiry, suggestion, compensation",
  'revisit.scale_max': "the keypad scale's top (the campaign's scale_max, default 5)",
  'revisit.unsatisfied_max': 'the highest score that counts as unsatisfied (default 2)',
  'notice.kind': "a notice's kind: water-cut, power-cut, storm, warranty, delivery, other",
  'notice.text': "the notice's text (for the agents; it is not spoken)",
  'notice.recording': 'a recorded prompt file named by the campaign, if any',
  'notice.date': 'the date the notice names, YYYY-MM-DD (read with `say: date`)',
  'notice.time': 'the time it names, HH:MM (read with `say: time`)',
  'notice.building': 'the building it names',
  'notice.audio':
    "the notice's recording, or its text spoken (play it with `say: announcement`); empty when it has neither",
};

/** Built-in variables a `set` node may change. */
export const SETTABLE_BUILTINS: ReadonlySet<string> = new Set(['language']);

/**
 * What a `lookup` node stores in its `into` variable: the whole result (`${fees}`, for `say: fee_balance`)
 * and these fields (`${fees.total}`).
 */
export const LOOKUP_FIELDS: Readonly<Record<LookupWhat, Readonly<Record<string, string>>>> = {
  fee_balance: {
    total: 'the amount owed over all units, in fen',
    due: 'the earliest due date of what is owed, YYYY-MM-DD',
    units: 'how many units owe something',
  },
  bills: {
    count: 'how many unpaid bills',
    total: 'their sum, in fen',
  },
  ticket_status: {
    number: 'the ticket number',
    status: 'its status',
    expected: 'the expected completion date, YYYY-MM-DD',
  },
  notices: {
    count: "how many current notices for the caller's estate",
  },
};

/** The names a flow may give its own variables (`set`, `gather.into`, `lookup.into`, `record.into`). */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A variable path as written inside `${...}`: `caller`, `owner.name`, `fees.total`. */
export const VARIABLE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** The first part of every built-in path: a flow cannot name its own variable `owner` or `caller`. */
export const BUILTIN_ROOTS: ReadonlySet<string> = new Set(
  Object.keys(BUILTIN_VARIABLES).map((path) => path.split('.')[0]!),
);

export type TemplatePart = { text: string } | { variable: string };

/**
 * Splits a template into text and variable paths: 'room ${unit.room}' -> [{text: 'room '}, {variable: 'unit.room'}].
 * A `$` not followed by `{` is plain text. Returns what is wrong ("`${a + b}`, which is not a
variable ...") when a `${...}` is not a plain variable path.
 */
export function parseTemplate(template: Template): { parts: TemplatePart[] } | { error: string } {
  const parts: TemplatePart[] = [];
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf('${');
    if (open < 0) {
      parts.push({ text: rest });
      break;
    }
    if (open > 0) parts.push({ text: rest.slice(0, open) });
    const close = rest.indexOf('}', open);
    if (close < 0) return { error: `\`${rest.slice(open)}\`, which has no closing \`}\`` };
    const path = rest.slice(open + 2, close).trim();
    if (!VARIABLE_PATH.test(path)) {
      return {
        error:
          `\`\${${path}}\`, which is not a variable: only names such as \`\${caller}\` or \`\${owner.name}\` ` +
          'are allowed, no expressions',
      };
    }
    parts.push({ variable: path });
    rest = rest.slice(close + 1);
  }
  return { parts };
}

/** The variable paths a template reads, in order. */
export function templateVariables(parts: TemplatePart[]): string[] {
  return parts.flatMap((part) => ('variable' in part ? [part.variable] : []));
}

/** Fills a parsed template in; `read` gives a variable's value, or undefined when it is not set (read as ''). */
export function renderTemplate(parts: TemplatePart[], read: (path: string) => string | undefined): string {
  return parts.map((part) => ('variable' in part ? (read(part.variable) ?? '') : part.text)).join('');
}
