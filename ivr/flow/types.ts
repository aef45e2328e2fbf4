// The IVR flow language as types: what one flow file (ivr/flows/*.yaml) says once it has been loaded and
// checked by `load.ts`. The interpreter walks these nodes; it never sees YAML.
//
// A flow file, in short:
//
//   name: default
//   default: true              # or `numbers: ['4008200000']`
//   language: zh
//   start: welcome
//   nodes:
//     welcome: { kind: play, prompts: [welcome], next: main }
//     main:
//       kind: menu
//       prompt: [menu-main]
//       keys: { 1: fees, 0: agent, 9: other-language }
//       fallback: agent
//     other-language:          # goes on by the value of one variable; nothing is evaluated
//       kind: branch
//       value: '${language}'
//       cases: { zh: english, en: chinese }
//       default: main
//     ...
//
// YAML field names are snake_case (`timeout_ms`, `not_found`); here they are camelCase. Every node keeps the
// line it starts on, so the interpreter can point at the flow file in its logs.
import type { TicketType } from '../../core/index.ts';
import type { CampaignKind } from '../../core/campaigns/types.ts';
import type { Language, PromptId } from '../speech.ts';

export const NODE_KINDS = [
  'play',
  'say',
  'menu',
  'gather',
  'identify',
  'lookup',
  'hours',
  'record',
  'ticket',
  'queue',
  'set',
  'branch',
  'goto',
  'hangup',
  'outcome',
] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export const LOOKUPS = ['fee_balance', 'bills', 'ticket_status', 'notices'] as const;
export type LookupWhat = (typeof LOOKUPS)[number];

/**
 * How a value is read out, by concatenating prompts (ivr/speech.ts): a whole number (1502 as 一千五百零二),
 * digits one by one, an amount in fen as yuan/jiao/fen, a date 'YYYY-MM-DD', a time 'HH:MM', a ticket number
 * (digit by digit), a room code (三号楼 一五零二室), or the whole result of a lookup, read as
 * ivr/flow/readouts.ts reads it (`fee_balance`: each unit's arrears with amount and due date, then the total;
 * `bills`: the arrears by fee kind; `ticket_status`: status and expected completion; `notices`: each notice).
 */
export const SAY_AS = [
  'number',
  'digits',
  'amount',
  'date',
  'time',
  'ticket',
  'room',
  // a notice campaign's own words, spoken (`${notice.audio}`, ivr/notice-speech.ts)
  'announcement',
  ...LOOKUPS,
] as const;
/**
 * The prompt id of a notice's audio: `notices/` and the text's hash (ivr/notice-speech.ts), or `notices/rec-` and
 * an uploaded recording's sha256 (ivr/notice-audio.ts).
 */
export const NOTICE_AUDIO_ID = /^notices\/(?:[0-9a-f]{40}|rec-[0-9a-f]{64})$/;
export type SayAs = (typeof SAY_AS)[number];

export const QUEUE_PRIORITIES = ['normal', 'vip', 'emergency'] as const;
export type QueuePriority = (typeof QUEUE_PRIORITIES)[number];

/** `caller_id`: the caller's number is registered to an owner. `room_pin`: the caller keys a room code and PIN. */
export const IDENTIFY_METHODS = ['caller_id', 'room_pin'] as const;
export type IdentifyMethod = (typeof IDENTIFY_METHODS)[number];

/** The keys of a phone keypad. */
export const PHONE_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#'] as const;
export type PhoneKey = (typeof PHONE_KEYS)[number];

/**
 * Text that may hold variables: `${caller}`, `${owner.name}`, `${fees.total}`. Only plain variable paths;
 * nothing is ever evaluated. See `variables.ts`.
 */
export type Template = string;

/** One thing to hear: a recorded prompt, or a value read out. */
export type PromptItem = { prompt: PromptId } | { say: SayAs; value: Template };

interface NodeBase {
  id: string;
  /** The line of the flow file the node starts on. */
  line: number;
}

/** Plays prompts, then goes on. */
export interface PlayNode extends NodeBase {
  kind: 'play';
  prompts: PromptItem[];
  next: string;
}

/** Reads one value out (a shorthand for a `play` with one `say` item). */
export interface SayNode extends NodeBase {
  kind: 'say';
  say: SayAs;
  value: Template;
  next: string;
}

/**
 * Plays `prompt` and waits for one key. A wrong key plays `invalid`, no key within `timeoutMs` plays `noInput`;
 * either way the caller hears `prompt` again, until `tries` failures: then the failure prompt is played and
 * the call goes to `fallback`. The count starts afresh each time the call enters the menu.
 */
export interface MenuNode extends NodeBase {
  kind: 'menu';
  prompt: PromptItem[];
  /** In the order written in the file. */
  keys: { key: PhoneKey; next: string }[];
  /** null: the platform setting (HOTLINE_DIGIT_TIMEOUT_MS). */
  timeoutMs: number | null;
  /** null: the platform setting (HOTLINE_MENU_RETRIES). */
  tries: number | null;
  invalid: PromptItem[];
  noInput: PromptItem[];
  fallback: string;
}

/**
 * Plays `prompt` and collects `minDigits`..`maxDigits` digits, ended by `terminator` (not kept), by the
 * `maxDigits`-th digit, or by `timeoutMs` of silence. The digits go into the variable `into`. Too few digits
 * count as a failure like a menu's; after `tries` failures the call goes to `fallback`.
 */
export interface GatherNode extends NodeBase {
  kind: 'gather';
  prompt: PromptItem[];
  minDigits: number;
  maxDigits: number;
  /** null: no terminator key. */
  terminator: '#' | '*' | null;
  timeoutMs: number | null;
  tries: number | null;
  invalid: PromptItem[];
  noInput: PromptItem[];
  into: string;
  next: string;
  fallback: string;
}

/**
 * Finds the owner: by caller ID, then (when `by` holds `room_pin`) by room code and PIN, `tries` times.
 * Sets `owner.*` and, when the owner has one unit or picked one, `unit.*`; sets `language` to the owner's
 * (unless the caller chose a language earlier in the call). With `pickUnit`, an owner with several units picks
 * one by key (1 to 9, each unit's room read out) before going on to `identified`.
 */
export interface IdentifyNode extends NodeBase {
  kind: 'identify';
  by: IdentifyMethod[];
  tries: number;
  /** Asked for when `by` holds `room_pin`; empty otherwise. */
  roomPrompt: PromptItem[];
  pinPrompt: PromptItem[];
  wrongPrompt: PromptItem[];
  identified: string;
  /** null: owners with several units go to `identified` too (after picking one when `pickUnit`). */
  severalUnits: string | null;
  pickUnit: boolean;
  /** Asked for when `pickUnit`: "you have several units, please choose"; each unit is then read with its key. */
  pickPrompt: PromptItem[];
  unverified: string;
}

/** Looks something up for the identified owner (or the given ticket) and stores the result in `into`. */
export interface LookupNode extends NodeBase {
  kind: 'lookup';
  what: LookupWhat;
  into: string;
  /** The ticket number to look up; set when `what` is `ticket_status`, null otherwise. */
  ticket: Template | null;
  found: string;
  notFound: string;
}

/** Branches on the estate's opening hours, public holidays and make-up working days. */
export interface HoursNode extends NodeBase {
  kind: 'hours';
  /** The estate's code or name; null: the caller's unit's estate, else the estate the dialled number belongs to. */
  estate: Template | null;
  open: string;
  closed: string;
  /** null: holidays go to `closed`. */
  holiday: string | null;
}

/** Records a voicemail of at most `maxS` seconds; the recording's reference goes into `into`. */
export interface RecordNode extends NodeBase {
  kind: 'record';
  prompt: PromptItem[];
  maxS: number;
  beep: boolean;
  into: string;
  next: string;
}

/** Creates a ticket about the call; its number is in `${ticket.number}` afterwards. */
export interface TicketNode extends NodeBase {
  kind: 'ticket';
  type: TicketType;
  /** Free text with variables (`${repair}`), shown to the agent. */
  category: Template | null;
  /** Written into the ticket, in the order given: name → text with variables. */
  fields: { name: string; value: Template }[];
  /** A recording made by a `record` node (its `into` variable), attached to the ticket. */
  recording: Template | null;
  /** Urgent when it renders to yes, true or 1 (e.g. `${urgent}` set by a menu branch); null: not urgent. */
  urgent: Template | null;
  next: string;
}

/** Hands the call to the ACD. The flow ends here unless the queue overflows and `overflow` is set. */
export interface QueueNode extends NodeBase {
  kind: 'queue';
  skill: string;
  priority: QueuePriority;
  /** For the screen pop and the call record; defaults to the skill. */
  intent: string;
  /** Played as the call joins the queue (the agent's phone may ring meanwhile). */
  prompt: PromptItem[];
  /** After this long in the queue (no agent has answered), the call leaves it for `overflow`; null: it waits. */
  maxWaitS: number | null;
  overflow: string | null;
  /**
   * While waiting, the caller (when their number is known) is offered to press 1 to be called back instead:
   * they hang up and keep their place; when their turn comes the agent is connected first, then the owner.
   */
  callback: boolean;
}

/** Sets variables; values are text with variables (`language: en` switches the caller to English). */
export interface SetNode extends NodeBase {
  kind: 'set';
  variables: { name: string; value: Template }[];
  next: string;
}

/**
 * Goes on at the node of the case the value renders to (`${language}` → `zh` or `en`), compared as text after
 * trimming spaces; at `default` when it matches no case, or renders empty (an unset variable). Nothing is
 * evaluated: `value` is a template like any other.
 */
export interface BranchNode extends NodeBase {
  kind: 'branch';
  value: Template;
  /** In the order written in the file. */
  cases: { value: string; next: string }[];
  default: string;
}

export interface GotoNode extends NodeBase {
  kind: 'goto';
  node: string;
}

/** Plays `prompt` (if any) and hangs up. */
export interface HangupNode extends NodeBase {
  kind: 'hangup';
  prompt: PromptItem[];
}

/**
 * What the owner chose on an outbound campaign call (outbound flows only), and its effect at once: `opted-out`
 * puts the number on the do-not-call list; `score` validates `value` against 1..`${revisit.scale_max}` (else
 * `invalid`) and writes the ticket's revisit record (satisfied or not by `${revisit.unsatisfied_max}`); `comment`
 * adds the recording named by `value` to it. The others only name the outcome the dialer records.
 */
export interface OutcomeNode extends NodeBase {
  kind: 'outcome';
  outcome: OutcomeKind;
  value: Template | null;
  invalid: string | null;
  next: string;
}

export const OUTCOME_KINDS = [
  'acknowledged',
  'fees-desk',
  'disputed',
  'opted-out',
  'heard',
  'score',
  'comment',
] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

export type FlowNode =
  | OutcomeNode
  | PlayNode
  | SayNode
  | MenuNode
  | GatherNode
  | IdentifyNode
  | LookupNode
  | HoursNode
  | RecordNode
  | TicketNode
  | QueueNode
  | SetNode
  | BranchNode
  | GotoNode
  | HangupNode;

export interface Flow {
  /** The file it was loaded from, as given to the loader. */
  file: string;
  name: string;
  description: string;
  /** The dialled numbers this flow answers, digits only. */
  numbers: string[];
  /** Serves every dialled number no other flow binds (`default: true`, or the flow named `default`). */
  isDefault: boolean;
  /** The campaign kind whose answered outbound calls run this flow (`outbound: revisit`); null: inbound. */
  outbound: CampaignKind | null;
  /** The language a caller hears until identified or switched. */
  language: Language;
  start: string;
  /** In the order written in the file. */
  nodes: ReadonlyMap<string, FlowNode>;
}

/** A problem in a flow file; `format` in load.ts writes it as `file:line: node `id` message`. */
export interface FlowError {
  file: string;
  line: number;
  /** The node the problem is in; absent for the flow's own fields. */
  node?: string;
  message: string;
}

/** One way out of a node: `next`, a menu key, a branch case, or an outcome such as `found` or `closed`. */
export interface Exit {
  label: string;
  to: string;
}
