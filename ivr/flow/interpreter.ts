// One call driven by a loaded flow (ivr/flows/*.yaml), as a pure state machine: `stepFlow(settings, flow, state,
// event)` returns the next state and the effects to carry out. No I/O, no timers, no clock: the controller
// (Asterisk calls) or the simulator (ivr/flow/simulate.ts) performs the effects and feeds the results back as
// events. It is the only code that knows what a node does.
//
//   arrived ─identified─▶ walking ─▶ menu / collect (gather, room code, PIN, unit) / waiting (lookup, hours,
//                            ▲         ticket, PIN check) / recording ─▶ walking ─▶ ...
//                            └──────────────────────────────────────────────┘
//   walking ─queue─▶ queued ◀─agent-lost─ offering ─agent-answered─▶ connected ─hangup─▶ ended
//   queued ─max_wait_s─▶ walking (at the queue node's overflow: another queue, a voicemail)
//
// Call control by the agent (or a team leader), on a connected call:
//   connected ─hold─▶ held ─resume─▶ connected      the caller leaves the bridge and hears music; the bridge
//                                                   (and its recording) stays with the agent
//   connected|held ─transfer to a queue or an agent─▶ queued (blind: the first agent is released at once and
//                                                   goes to wrap-up; the call keeps its priority, and the
//                                                   screen pop with the first agent's note follows it)
//   connected|held ─transfer to a number─▶ transferring ─outside-answered─▶ connected (to the outside party)
//                                            └─outside-lost─▶ queued (back to the queue it came from)
//   connected|held ─consult (a named agent or a number)─▶ consulting: the owner waits on hold (music, out of the
//                  bridge) while the target's phone rings; once it answers the target joins the call's bridge
//                  (and its one recording) and talks with the agent alone
//     consulting ─consult-cancel─▶ connected          the target's leg is hung up; the owner is back with the agent
//     consulting ─consult-lost (busy, no answer, the target hung up)─▶ held   the agent is told and resumes
//     consulting(answered) ─consult-complete─▶ connected (owner + target; the agent is released to wrap-up)
//     consulting(answered) ─conference─▶ conference (owner, agent and target in the bridge)
//       conference ─consult-complete (the agent leaves)─▶ connected (owner + target)
//       conference ─consult-lost (the target hangs up)─▶ connected (owner + agent)
//   connected|held|consulting|conference ─hang-up (from the page)─▶ ended (the owner is hung up, by the agent)
// The agent's phone hanging up during a consultation completes it once the target answered (as a desk phone's
// transfer key does), and ends the call while the target still rings. The owner hanging up during a
// consultation or a conference ends the call for everyone: the consultation was about the owner, and its leg
// must not outlive the call record and its recording; the consulted agent is freed (to wrap-up if they talked
// with the owner in a conference, else available at once).
// A command that does not apply in the call's phase (transfer while ringing, resume when not held) is refused:
// the step says why and changes nothing.
//
// Walking the flow. From a node the interpreter goes on by itself through `play`, `say`, `set`, `branch`,
// `goto` and `identify` by caller ID (looked up when the call arrives), collecting what is to be heard. It stops
// at a node that needs the caller, and then starts ONE playback of everything collected:
//   menu      collected + the menu prompt, then waits for a key (a key pressed during it is the choice: barge-in)
//   gather    collected + the prompt, then collects digits (the first key stops the prompt)
//   lookup, hours, ticket   the database answers in milliseconds: the effect runs at once and what was collected
//             is carried over its answer, so the welcome, the fee read-out, the bills and the menu after them are
//             one playback the caller can press through (and one ARI request instead of three)
//   record    the collected prompts are played first (the caller must hear them before the beep)
//   queue     enqueue at once, collected + the queue prompt, then "please hold" and hold music
//   hangup    collected + its prompt, then the caller is hung up
// A playback's language is the caller's language when it starts. An `identify` node switches to the owner's
// language unless the caller chose one earlier in the call; a `set language` first plays what was collected
// before it in the old language, and remembers the choice for an identified owner's next call.
//
// After the caller hangs up during a voicemail (`record`), the walk goes on without a caller: `set`, `branch`,
// `goto` and `ticket` run (so the message becomes a ticket), prompts are skipped, and anything needing the caller
// ends it.
//
// The call path (screen pop, call record):
//   menu key k / wrong key d / no key / tries used up   menu:<k>, menu:invalid:<d>, menu:no-input, menu:fallback
//   caller ID unknown, then room code + PIN             unknown-caller, then verified:room-pin or unverified
//   unit picked                                         unit:<room code>
//   gather done / tries used up                         gather:<node>, gather:fallback
//   lookup result                                       fees for `fee_balance`, else the `what`
//   hours                                               hours:open, hours:closed, hours:holiday
//   voicemail, ticket                                   voicemail, ticket:<number>
//   language switch                                     language:<zh|en>
// A lookup result counts as self-service: a caller hanging up outside the queue afterwards is 'self-service'.
import type { PopArrear, PopOwner } from '../../core/index.ts';
import type { CallOutcome } from '../../core/campaigns/types.ts';
import {
  sayAmount,
  sayDate,
  sayDigits,
  sayNumber,
  sayRoom,
  sayTicket,
  sayTime,
  sayUnitChoice,
  type Language,
  type PromptId,
} from '../speech.ts';
import {
  billsSpeech,
  feesSpeech,
  noticesSpeech,
  queueStatusSpeech,
  ticketStatusSpeech,
  type FeeKindTotal,
  type NoticeReadout,
  type QueueStatusReadout,
  type TicketStatusReadout,
} from './readouts.ts';
import type {
  Flow,
  FlowNode,
  GatherNode,
  IdentifyNode,
  LookupWhat,
  MenuNode,
  OutcomeKind,
  OutcomeNode,
  PromptItem,
  QueuePriority,
  RecordNode,
  SayAs,
  Template,
  TicketNode,
} from './types.ts';
import type { ConsultTarget, TicketType, TransferTarget } from '../../core/index.ts';
import { parseTemplate, renderTemplate } from './variables.ts';
import { normalizePhone } from '../../core/phone.ts';
import { NOTICE_AUDIO_ID } from './types.ts';

export type FlowPhase =
  | 'arrived'
  | 'walking'
  | 'menu'
  | 'collect'
  | 'waiting'
  | 'recording'
  | 'queued'
  | 'offering'
  | 'connected'
  | 'held'
  | 'transferring'
  | 'consulting'
  | 'conference'
  | 'ending'
  | 'ended'
  /** A callback instead of waiting (see `callbackStep`): the caller hears the confirmation, then hangs up. */
  | 'callback-confirming'
  /** The caller is gone and keeps their place in the queue (or waits for the next try). */
  | 'callback-waiting'
  /** Its turn came: the agent's phone rings. */
  | 'callback-agent'
  /** The agent answered and hears "calling the owner back"; the owner's number rings. */
  | 'callback-dialling'
  | 'callback-connected'
  /** The owner did not answer: the agent hears it before their phone is hung up. */
  | 'callback-releasing';

export interface FlowCallSettings {
  /** How long a menu or a digit collection waits for a key, unless the node says otherwise. */
  digitTimeoutMs: number;
  /** How many failures a menu allows, unless the node says otherwise. */
  menuRetries: number;
  /** Seconds of hold music between "please hold" announcements. */
  holdAnnounceS: number;
  /** The queue a call goes to when the flow itself cannot go on (a lookup failed, a walk loops). */
  queue: string;
  /** Callbacks: how many more tries after the first, and how long after an unanswered try the next one is. */
  callbackRetries?: number;
  callbackRetryS?: number;
  /** Whether callbacks can be made at all (an outside line to dial the owner); unset: yes. */
  callbacks?: boolean;
}

/** A callback's tries after the first that the owner did not answer, and the time between them (see README). */
export const CALLBACK_RETRIES = 2;
export const CALLBACK_RETRY_S = 300;
/**
 * How long the agent's phone stays up after the owner was not reached: the rest of "calling the owner" (about
 * 2.1 s when the owner is busy at once) and "the owner did not answer" (about 2 s), with a margin.
 */
export const CALLBACK_TELL_AGENT_MS = 5000;

/** What a lookup gave back. */
export type LookupResult =
  | { what: 'fee_balance'; items: PopArrear[] }
  | { what: 'bills'; byKind: FeeKindTotal[] }
  | { what: 'ticket_status'; ticket: TicketStatusReadout | null }
  | { what: 'notices'; notices: NoticeReadout[] };

export type HoursState = 'open' | 'closed' | 'holiday';

export type Timer = 'digit' | 'hold' | 'record' | 'overflow' | 'callback';

export type { TransferTarget };

/** Who handed the call on, and what they noted for the next one (it goes with the screen pop). */
export interface TransferredBy {
  agentId: number;
  note: string | null;
}

/** Why a call-control command was refused: it does not apply in the call's phase. */
export type CommandRefusal =
  | 'not-connected'
  | 'not-held'
  | 'already-held'
  | 'consulting'
  | 'in-conference'
  | 'not-consulting'
  | 'consult-ringing';

export type { ConsultTarget };

/** The consultation in progress: its target, its leg once dialled, and whether the target answered. */
export interface Consultation {
  target: ConsultTarget;
  by: TransferredBy;
  legChannelId: string | null;
  answered: boolean;
}

/**
 * How a consulted party's part ends: their phone did not answer or could not ring (an agent becomes not ready),
 * the consultation is over without them having talked to the owner (an agent is available at once), or they
 * talked to the owner in a conference (an agent goes to wrap-up).
 */
export type ConsultEnd = 'no-answer' | 'failed' | 'consult-over' | 'left-call';

/** What the consulting agent's page is told (`call:consulting`, `call:conference`). */
export type ConsultNews =
  'ringing' | 'answered' | 'failed' | 'cancelled' | 'ended' | 'conference' | 'target-left';

export type FlowEvent =
  | { kind: 'answered' }
  /** The caller-ID lookup answered (null: unknown or withheld number). */
  | { kind: 'identified'; owner: PopOwner | null }
  /** complete false: the playback failed or the caller hung up during it (unset: played out). */
  | { kind: 'playback-finished'; playbackId: string; complete?: boolean }
  | { kind: 'dtmf'; digit: string }
  | { kind: 'digit-timeout' }
  | { kind: 'hold-tick' }
  /** Where the waiting call stands in its queue; null: not known. */
  | { kind: 'queue-status'; status: QueueStatusReadout | null }
  | { kind: 'record-timeout' }
  /** The queue node's max_wait_s is over. */
  | { kind: 'overflow-timeout' }
  | { kind: 'looked-up'; into: string; result: LookupResult }
  /** The lookup could not be made (the database is away). */
  | { kind: 'lookup-failed'; into: string }
  /** The room code and PIN check answered: the owner and the unit, or null when they do not match. */
  | { kind: 'pin-checked'; owner: PopOwner | null; unitId: number | null }
  | { kind: 'hours-checked'; state: HoursState }
  /** The voicemail ended (caller pressed #, hung up, or the time was up); name null: nothing was recorded. */
  | { kind: 'recorded'; name: string | null; durationS: number }
  | { kind: 'ticket-created'; number: string; expectedDoneAt: string | null }
  | { kind: 'ticket-failed' }
  | { kind: 'agent-offered'; agentId: number; legChannelId: string }
  | { kind: 'agent-answered'; legChannelId: string }
  | { kind: 'agent-lost'; legChannelId: string; reason: 'no-answer' | 'failed' }
  | { kind: 'caller-hangup'; cause: string }
  /** legChannelId: which agent leg (during a consultation the controller tells the agent's from the target's). */
  | { kind: 'agent-hangup'; cause: string; legChannelId?: string }
  | { kind: 'pbx-lost' }
  /** Call control from the agent's page (see the top of the file). */
  | { kind: 'hold' }
  | { kind: 'resume' }
  | { kind: 'transfer'; target: TransferTarget; by: TransferredBy }
  /** The outside number of a transfer is being dialled (its leg exists). */
  | { kind: 'outside-ringing'; legChannelId: string }
  | { kind: 'outside-answered'; legChannelId: string }
  /** The outside number could not be reached: busy, no answer, not dialled at all (legChannelId null). */
  | { kind: 'outside-lost'; legChannelId: string | null; cause: string }
  /** Attended transfer and conference (see the top of the file). */
  | { kind: 'consult'; target: ConsultTarget; by: TransferredBy }
  | { kind: 'consult-ringing'; legChannelId: string }
  | { kind: 'consult-answered'; legChannelId: string }
  /** The target's leg ended or never rang (legChannelId null: not dialled at all). */
  | { kind: 'consult-lost'; legChannelId: string | null; cause: string; reason: 'no-answer' | 'failed' }
  | { kind: 'consult-cancel' }
  | { kind: 'consult-complete' }
  | { kind: 'conference' }
  /** The agent hangs up the call from the page. */
  | { kind: 'hang-up' }
  /** The callback's timer: the agent has heard that the owner did not answer, or the next try is due. */
  | { kind: 'callback-due' }
  /** The owner's number is ringing for a callback (its leg exists). */
  | { kind: 'owner-ringing'; legChannelId: string }
  | { kind: 'owner-answered'; legChannelId: string }
  /** A leg of a callback (the agent's or the owner's; null: the owner's could not be dialled) ended. */
  | { kind: 'callback-leg-ended'; legChannelId: string | null; cause: string };

export type FlowEffect =
  | { do: 'answer' }
  /** Look the caller's number up (answered by `identified`). */
  | { do: 'identify' }
  | { do: 'play'; playbackId: string; prompts: PromptId[]; lang: Language }
  | { do: 'stop-playback'; playbackId: string }
  | { do: 'start-timer'; timer: Timer; ms: number }
  | { do: 'cancel-timer'; timer: Timer }
  /** unitIds: the owner's units (`unit.id` only, once one was picked); ticket: for `ticket_status`. */
  | { do: 'lookup'; what: LookupWhat; into: string; unitIds: number[]; ticket: string | null }
  | { do: 'check-pin'; roomKeys: string; pin: string }
  /** estate: the code the node names, else null (the unit's estate, else the dialled number's). */
  | { do: 'check-hours'; estate: string | null; unitId: number | null }
  | { do: 'record-message'; name: string; maxS: number; beep: boolean }
  | {
      do: 'create-ticket';
      type: TicketType;
      category: string | null;
      urgent: boolean;
      description: string;
      recording: string | null;
      ownerId: number | null;
      unitId: number | null;
    }
  | { do: 'save-language'; ownerId: number; language: Language }
  /**
   * Join the queue. After a transfer: `transferredBy` goes with the screen pop; `agentId` names the agent the
   * call is for (already reserved for it: their phone is rung, and if they do not answer the call waits in the
   * queue like any other).
   */
  | {
      do: 'enqueue';
      queue: string;
      intent: string;
      priority: QueuePriority;
      transferredBy?: TransferredBy;
      agentId?: number;
    }
  | { do: 'dequeue' }
  /** Ask where the waiting call stands in its queue (answered by `queue-status`). */
  | { do: 'queue-status' }
  | { do: 'hold-music'; on: boolean }
  | { do: 'bridge'; legChannelId: string }
  /** Take the caller out of the call's bridge (hold, transfer) or put them back in (resume). */
  | { do: 'caller-in-bridge'; in: boolean }
  /** The agent's part in the call is over (blind transfer): hang up their leg; they go to wrap-up. */
  | { do: 'release-agent'; agentId: number; legChannelId: string }
  /** Dial an outside number for a transfer (answered by `outside-ringing` or `outside-lost`). */
  | { do: 'dial-outside'; number: string }
  /** Ring the target of a consultation (answered by `consult-ringing`, then `consult-answered` or `consult-lost`). */
  | { do: 'dial-consult'; target: ConsultTarget; by: TransferredBy }
  /** The answered target joins the call's bridge (agentId: the consulted agent, null for a number). */
  | { do: 'join-bridge'; legChannelId: string; agentId: number | null }
  /** The consulted party's part is over: hang up their leg (if still up) and free the consulted agent. */
  | { do: 'end-consult'; legChannelId: string | null; agentId: number | null; end: ConsultEnd; cause: string }
  /** The consulted party now has the call (attended transfer): they are its agent (null: an outside number). */
  | { do: 'take-over'; agentId: number | null }
  | { do: 'tell-agent'; agentId: number; news: ConsultNews; target: ConsultTarget; cause?: string }
  | { do: 'hangup-leg'; legChannelId: string }
  | { do: 'hangup-caller' }
  | { do: 'record'; event: string; detail?: Record<string, unknown> }
  /** An outbound call's `outcome` node: what the owner chose, written at once (do-not-call, revisit record). */
  | {
      do: 'outcome';
      outcome: OutcomeKind;
      score?: number;
      satisfied?: boolean;
      comment?: string;
    }
  | { do: 'finish'; hangupBy: 'caller' | 'agent' | 'system'; cause: string; outcome: string }
  /** The caller chose a callback to `number`: it keeps the call's place in the queue (stored where any node sees it). */
  | { do: 'callback-request'; number: string }
  /** The caller's line is gone; the callback waits (the call record says so: no abandoned call). */
  | { do: 'callback-waiting' }
  /** The agent answered a callback: they are on the call now (the owner is dialled next). */
  | { do: 'callback-agent-answered'; agentId: number }
  /** Play to a leg (the agent's), without waiting for its end. */
  | { do: 'play-leg'; legChannelId: string; prompts: PromptId[]; lang: Language }
  /**
   * Ringback to a leg (the agent hears the owner's phone ringing, not silence): it starts once what the leg hears
   * now has ended (Asterisk plays a channel's playbacks in turn) and lasts until `stop-playback` of `playbackId`.
   */
  | { do: 'ringback'; legChannelId: string; playbackId: string }
  /** Dial the owner's number, showing the hotline's (answered by `owner-ringing`, or `callback-leg-ended`). */
  | { do: 'dial-owner'; number: string }
  /** The owner answered: agent and owner in one bridge, recorded. */
  | { do: 'bridge-legs'; agentLegChannelId: string; ownerLegChannelId: string }
  /** The owner was not reached on this try: the agent's page is told; retryInS null: no more tries. */
  | { do: 'callback-not-reached'; agentId: number; attempt: number; retryInS: number | null; cause: string }
  /** The agent's part is over: their phone is hung up and they go to wrap-up. */
  | { do: 'callback-release-agent'; agentId: number; legChannelId: string; cause: string }
  /** The next try: the call goes back to its place in the queue (its first enqueue time and priority). */
  | { do: 'callback-requeue' }
  /** The callback is over (talked, or given up: `failed` files a ticket for the team to follow up). */
  | { do: 'callback-done'; failed: boolean };

type AfterPlayback =
  | { then: 'wait-for-digit' | 'collect' | 'waiting' | 'hold-music' | 'hangup' }
  /** Go on walking the flow at `node` (a node that waits for the outside world let the prompts before it end). */
  | { then: 'resume'; node: string }
  /** The prompt of a `record` node ended: the recording starts (after the beep). */
  | { then: 'start-recording'; node: string }
  /** The callback confirmation ended: the caller is hung up. */
  | { then: 'callback-hangup' };

/** Digits being keyed: for a `gather` node, or the room code, PIN or unit of an `identify` node. */
interface Collect {
  purpose: 'gather' | 'room' | 'pin' | 'unit';
  digits: string;
  min: number;
  max: number;
  terminator: string | null;
  timeoutMs: number;
}

export interface FlowCall {
  readonly callId: string;
  readonly channelId: string;
  readonly callerNumber: string | null;
  readonly dialled: string;
  phase: FlowPhase;
  lang: Language;
  /** Whether the caller chose the language in this call (an `identify` then keeps it). */
  langChosen: boolean;
  /** The owner once an `identify` node has identified the caller; null before and when unknown. */
  owner: PopOwner | null;
  /** Whether the caller-ID lookup has answered, and whom it found; an `identify` node takes it from here. */
  identified: boolean;
  callerIdOwner: PopOwner | null;
  /** What the caller did, for the screen pop and the call record: ["menu:1", "fees", "menu:0"]. */
  path: string[];
  intent: string | null;
  /** The node the call waits in (menu, gather, identify, lookup, ...); null while walking or in the queue. */
  node: string | null;
  /** Failures in the current menu, gather or identification; starts afresh on entering the node. */
  failures: number;
  collect: Collect | null;
  /** The room code keyed, while the PIN is asked for. */
  roomKeys: string;
  /** Variables by path: built-ins (caller, owner.name, unit.room, ...), the flow's own, lookup fields. */
  vars: Record<string, string>;
  /** Whole lookup results by their `into` variable, for `say: fee_balance` and the like. */
  results: Record<string, LookupResult>;
  /**
   * Prompts collected before a lookup, hours check or ticket: the database answers in milliseconds, so they are
   * played together with what comes after it, as one playback the caller can press through.
   */
  carried: PromptId[];
  selfService: boolean;
  /** Voicemails recorded so far (each gets its own file name). */
  recordings: number;
  /** The voicemail being recorded now. */
  recording: string | null;
  /** The caller hung up during a voicemail; the flow goes on to file it (see the top of the file). */
  callerGone: { cause: string } | null;
  playback: ({ id: string } & AfterPlayback) | null;
  /** Playbacks started so far; playback ids are `<callId>:<n>`. */
  plays: number;
  agent: { agentId: number; legChannelId: string } | null;
  /** Whether hold music plays to the caller (waiting in the queue, on hold, while a transfer rings). */
  onHold: boolean;
  /** The queue the call last joined, as the ACD saw it: a transfer keeps its priority. */
  queued: { queue: string; intent: string; priority: QueuePriority } | null;
  /** The last blind transfer: who made it (their note follows the call) and, to a number, the outside leg. */
  transfer: { by: TransferredBy; number: string | null; legChannelId: string | null } | null;
  /** The consultation in progress (phases `consulting` and `conference`). */
  consult: Consultation | null;
  /**
   * Where the call goes when it has waited the queue node's max_wait_s (its `overflow`), and whether that time
   * is over while an agent's phone rings for it (it leaves if that agent does not answer).
   */
  overflow: { node: string; queue: string; due: boolean } | null;
  /** The number a callback would go to: set while waiting in a queue that offers one, for a known number. */
  callbackTo?: string | null;
  /**
   * The callback chosen: the number, the tries the owner did not answer, the owner's leg on this try, and the
   * ringback the agent hears while the owner's phone rings (its playback id).
   */
  callback?: {
    number: string;
    attempts: number;
    ownerLegChannelId: string | null;
    ringback: string | null;
  } | null;
  /** An outbound campaign call (`newOutboundCall`): what the owner heard and chose so far. */
  outbound?: OutboundState | null;
}

/** What an outbound call's owner heard and chose (see ivr/flow/README.md, "Outbound flows"). */
export interface OutboundState {
  /** A playback was heard to its end (a fee reminder's amount, a notice): no key at all then counts as `heard`. */
  heard: boolean;
  /** Set by `outcome` nodes; null: nothing chosen yet. */
  outcome: CallOutcome | null;
  /** A revisit's score and the recording of the owner's comment. */
  score: number | null;
  comment: string | null;
}

export interface FlowStep {
  state: FlowCall;
  effects: FlowEffect[];
  /** A call-control command that does not apply now; the state is unchanged. */
  refused?: CommandRefusal;
}

/** The most nodes one walk may pass without waiting: a guard against `goto` loops. */
const MAX_WALK = 200;
/** The room code as keyed: digits only, ended by #. */
const ROOM_DIGITS = { min: 1, max: 10 };
/** The PIN: 4 to 6 digits, ended by # or by the 6th digit. */
const PIN_DIGITS = { min: 4, max: 6 };
/** How long to wait for the recording to be saved after the caller hung up during a voicemail. */
const RECORDING_SAVE_MS = 5000;
/** Seconds past a voicemail's longest length before the recording is given up on. */
const RECORDING_GRACE_S = 10;

/** A call that has just arrived: nothing heard, pressed or looked up yet. */
function freshCall(
  init: { callId: string; channelId: string; callerNumber: string | null; dialled: string },
  lang: Language,
  vars: Record<string, string>,
): FlowCall {
  return {
    callId: init.callId,
    channelId: init.channelId,
    callerNumber: init.callerNumber,
    dialled: init.dialled,
    phase: 'arrived',
    lang,
    langChosen: false,
    owner: null,
    identified: false,
    callerIdOwner: null,
    path: [],
    intent: null,
    node: null,
    failures: 0,
    collect: null,
    roomKeys: '',
    vars,
    results: {},
    carried: [],
    selfService: false,
    recordings: 0,
    recording: null,
    callerGone: null,
    playback: null,
    plays: 0,
    agent: null,
    onHold: false,
    queued: null,
    transfer: null,
    consult: null,
    overflow: null,
  };
}

export function newFlowCall(
  settings: FlowCallSettings,
  flow: Flow,
  init: {
    callId: string;
    channelId: string;
    callerNumber: string | null;
    dialled: string;
    /** The call's start in local time, for `${now.date}` and `${now.time}`. */
    now: { date: string; time: string };
  },
): FlowStep {
  const state = freshCall(init, flow.language, {
    caller: init.callerNumber ?? '',
    dialled: init.dialled,
    'call.id': init.callId,
    'now.date': init.now.date,
    'now.time': init.now.time,
  });
  // Caller ID needs nothing from the caller, so it is looked up at once and the walk starts on its answer.
  const byCallerId = [...flow.nodes.values()].some(
    (n) => n.kind === 'identify' && n.by.includes('caller_id') && state.callerNumber !== null,
  );
  if (byCallerId) return { state, effects: [{ do: 'answer' }, { do: 'identify' }] };
  const started = stepFlow(settings, flow, state, { kind: 'identified', owner: null });
  return { state: started.state, effects: [{ do: 'answer' }, ...started.effects] };
}

/**
 * An outbound campaign call the owner has just answered: the owner is known (the campaign's target), the channel
 * is up, and the walk starts at once in the owner's language. `vars` are the campaign's (see variables.ts).
 */
export function newOutboundCall(
  settings: FlowCallSettings,
  flow: Flow,
  init: {
    callId: string;
    channelId: string;
    /** The owner's number, as dialled, and the number their phone shows. */
    phone: string;
    callerId: string;
    now: { date: string; time: string };
    owner: PopOwner;
    unitId: number | null;
    vars: Record<string, string>;
  },
): FlowStep {
  const { owner } = init;
  const state = freshCall(
    { callId: init.callId, channelId: init.channelId, callerNumber: init.phone, dialled: init.callerId },
    owner.language,
    {
      caller: init.phone,
      dialled: init.callerId,
      'call.id': init.callId,
      'now.date': init.now.date,
      'now.time': init.now.time,
      'owner.id': String(owner.id),
      'owner.name': owner.name,
      'owner.vip': owner.vip ? 'yes' : 'no',
      'owner.language': owner.language,
      'owner.units': String(owner.units.length),
      ...init.vars,
    },
  );
  state.owner = owner;
  state.outbound = { heard: false, outcome: null, score: null, comment: null };
  const unit =
    owner.units.find((u) => u.unitId === init.unitId) ?? (owner.units.length === 1 ? owner.units[0] : null);
  if (unit) {
    Object.assign(state.vars, {
      'unit.id': String(unit.unitId),
      'unit.room': unit.roomCode,
      'unit.building': unit.building,
      'unit.estate': unit.estate,
    });
  }
  return stepFlow(settings, flow, state, { kind: 'identified', owner });
}

export function stepFlow(settings: FlowCallSettings, flow: Flow, prev: FlowCall, event: FlowEvent): FlowStep {
  const s: FlowCall = {
    ...prev,
    path: [...prev.path],
    vars: { ...prev.vars },
    results: { ...prev.results },
    collect: prev.collect && { ...prev.collect },
    consult: prev.consult && { ...prev.consult },
  };
  /** The prompts carried over a database answer (see `carried`); taken once. */
  const carriedOver = (): PromptId[] => {
    const carried = s.carried;
    s.carried = [];
    return carried;
  };
  const fx: FlowEffect[] = [];

  const play = (prompts: PromptId[], after: AfterPlayback) => {
    if (prompts.length === 0) {
      // nothing to hear (a queue or hangup node without a prompt): go on as if it had been played
      s.playback = null;
      continueAfter(after);
      return;
    }
    s.plays++;
    const playbackId = `${s.callId}:${s.plays}`;
    s.playback = { id: playbackId, ...after };
    fx.push({ do: 'play', playbackId, prompts, lang: s.lang });
  };
  /** What follows a playback, once it ended (or at once, when there was nothing to play). */
  const continueAfter = (after: AfterPlayback) => {
    if (after.then === 'wait-for-digit') {
      const menu = s.phase === 'menu' ? nodeOf('menu') : null;
      fx.push({ do: 'start-timer', timer: 'digit', ms: menu?.timeoutMs ?? settings.digitTimeoutMs });
    } else if (after.then === 'collect') {
      if (s.phase === 'collect' && s.collect) {
        fx.push({ do: 'start-timer', timer: 'digit', ms: s.collect.timeoutMs });
      }
    } else if (after.then === 'resume') {
      walk(after.node, []);
    } else if (after.then === 'start-recording') {
      const node = flow.nodes.get(after.node);
      if (node?.kind === 'record') startRecording(node);
    } else if (after.then === 'waiting') {
      // the caller hears where they stand; a call whose agent is being rung just holds
      if (s.phase === 'queued') fx.push({ do: 'queue-status' });
      else if (s.phase === 'offering') play(['please-hold'], { then: 'hold-music' });
    } else if (after.then === 'hold-music') {
      if (s.phase === 'queued' || s.phase === 'offering') {
        s.onHold = true;
        fx.push({ do: 'hold-music', on: true });
        fx.push({ do: 'start-timer', timer: 'hold', ms: settings.holdAnnounceS * 1000 });
      }
    } else if (after.then === 'hangup') {
      hangUp();
    } else if (after.then === 'callback-hangup') {
      if (s.phase === 'callback-confirming') fx.push({ do: 'hangup-caller' });
    }
  };
  const stopCurrentPlayback = () => {
    if (s.playback) fx.push({ do: 'stop-playback', playbackId: s.playback.id });
    s.playback = null;
  };
  // The call joins the queue at once, so an agent's phone can ring while the caller still hears the prompt.
  const toAgent = (
    queue: string,
    intent: string,
    priority: QueuePriority,
    prompts: PromptId[],
    transfer: { by: TransferredBy; agentId?: number } | null = null,
  ) => {
    s.callbackTo = null;
    s.phase = 'queued';
    s.node = null;
    s.collect = null;
    s.intent = intent;
    const effective = priority === 'normal' && s.owner?.vip ? 'vip' : priority;
    s.queued = { queue, intent, priority: effective };
    fx.push({ do: 'cancel-timer', timer: 'digit' });
    fx.push({
      do: 'enqueue',
      queue,
      intent,
      priority: effective,
      ...(transfer && { transferredBy: transfer.by }),
      ...(transfer?.agentId !== undefined && { agentId: transfer.agentId }),
    });
    fx.push({ do: 'record', event: 'queued', detail: { queue, intent, priority: effective } });
    play(prompts, { then: 'waiting' });
  };
  /** Back into the ACD after a transfer, keeping the call's priority and intent. */
  const requeue = (queue: string | null, by: TransferredBy, agentId?: number) => {
    const last = s.queued ?? { queue: settings.queue, intent: 'agent', priority: 'normal' as const };
    toAgent(queue ?? last.queue, last.intent, last.priority, [], { by, agentId });
  };
  /** The call waited its queue's longest wait: it leaves the queue and the flow goes on at `overflow`. */
  const overflowNow = () => {
    const { node, queue } = s.overflow!;
    s.overflow = null;
    stopCurrentPlayback();
    fx.push({ do: 'cancel-timer', timer: 'hold' }, { do: 'dequeue' });
    if (s.onHold) fx.push({ do: 'hold-music', on: false });
    s.onHold = false;
    s.phase = 'walking';
    s.path.push(`overflow:${queue}`);
    fx.push({ do: 'record', event: 'overflowed', detail: { queue, to: node } });
    walk(node, []);
  };
  /** The flow cannot go on by itself (a lookup failed, a walk looped): a person takes over. */
  const rescue = (prompts: PromptId[]) =>
    toAgent(settings.queue, 'agent', 'normal', [...prompts, 'to-agent']);
  const read = (path: string): string | undefined => (path === 'language' ? s.lang : s.vars[path]);
  const render = (template: Template): string => {
    const parsed = parseTemplate(template);
    return 'parts' in parsed ? renderTemplate(parsed.parts, read) : '';
  };
  const lookupResult = (value: Template): LookupResult | undefined => {
    const parsed = parseTemplate(value);
    const only = 'parts' in parsed && parsed.parts.length === 1 ? parsed.parts[0]! : null;
    return only && 'variable' in only ? s.results[only.variable] : undefined;
  };
  /** The prompts reading a value out; a value that is not what it should be (an empty date) is not read. */
  const say = (as: SayAs, value: Template): PromptId[] => {
    switch (as) {
      case 'fee_balance': {
        const result = lookupResult(value);
        if (result?.what !== 'fee_balance' || !s.owner) return [];
        const picked = s.vars['unit.id'];
        const units = picked ? s.owner.units.filter((u) => String(u.unitId) === picked) : s.owner.units;
        return feesSpeech({ ...s.owner, units }, result.items, s.lang);
      }
      case 'bills': {
        const result = lookupResult(value);
        return result?.what === 'bills' ? billsSpeech(result.byKind, s.lang) : [];
      }
      case 'ticket_status': {
        const result = lookupResult(value);
        return result?.what === 'ticket_status' ? ticketStatusSpeech(result.ticket, s.lang) : [];
      }
      case 'notices': {
        const result = lookupResult(value);
        return result?.what === 'notices' ? noticesSpeech(result.notices, s.lang) : [];
      }
    }
    const text = render(value).trim();
    try {
      switch (as) {
        case 'number':
          return /^\d+$/.test(text) ? sayNumber(Number(text), s.lang) : [];
        case 'digits':
          return sayDigits(text.replace(/\D/g, ''), s.lang);
        case 'amount':
          return /^\d+$/.test(text) ? sayAmount(Number(text), s.lang) : [];
        case 'date':
          return sayDate(text, s.lang);
        case 'time':
          return sayTime(text, s.lang);
        case 'ticket':
          return /^\d+$/.test(text) ? sayTicket(text, s.lang) : [];
        case 'room':
          return sayRoom(text, s.lang);
        case 'announcement':
          return NOTICE_AUDIO_ID.test(text) ? [text] : [];
      }
    } catch {
      return [];
    }
  };
  const prompts = (items: PromptItem[]): PromptId[] =>
    items.flatMap((item) => ('prompt' in item ? [item.prompt] : say(item.say, item.value)));

  const setUnit = (unit: PopOwner['units'][number]) => {
    Object.assign(s.vars, {
      'unit.id': String(unit.unitId),
      'unit.room': unit.roomCode,
      'unit.building': unit.building,
      'unit.estate': unit.estate,
    });
  };
  const identifyAs = (owner: PopOwner, unitId: number | null) => {
    s.owner = owner;
    if (s.langChosen && s.lang !== owner.language) {
      fx.push({ do: 'save-language', ownerId: owner.id, language: s.lang });
    } else {
      s.lang = owner.language;
    }
    Object.assign(s.vars, {
      'owner.id': String(owner.id),
      'owner.name': owner.name,
      'owner.vip': owner.vip ? 'yes' : 'no',
      'owner.language': owner.language,
      'owner.units': String(owner.units.length),
    });
    const unit =
      owner.units.find((u) => u.unitId === unitId) ?? (owner.units.length === 1 ? owner.units[0] : null);
    if (unit) setUnit(unit);
  };
  const unitIds = (): number[] => {
    const picked = s.vars['unit.id'];
    if (picked) return [Number(picked)];
    return s.owner?.units.map((u) => u.unitId) ?? [];
  };
  const nodeOf = <K extends FlowNode['kind']>(kind: K): Extract<FlowNode, { kind: K }> | null => {
    const node = s.node === null ? undefined : flow.nodes.get(s.node);
    return node?.kind === kind ? (node as Extract<FlowNode, { kind: K }>) : null;
  };

  /** Starts collecting digits after `heard`; keys pressed while it plays count (the first one stops it). */
  const collect = (node: FlowNode, c: Omit<Collect, 'digits'>, heard: PromptId[]) => {
    s.phase = 'collect';
    s.node = node.id;
    s.collect = { ...c, digits: '' };
    play(heard, { then: 'collect' });
  };
  const askRoom = (node: IdentifyNode, before: PromptId[]) =>
    collect(node, { purpose: 'room', ...ROOM_DIGITS, terminator: '#', timeoutMs: settings.digitTimeoutMs }, [
      ...before,
      ...prompts(node.roomPrompt),
    ]);
  const unitChoices = (owner: PopOwner): PromptId[] =>
    owner.units.slice(0, 9).flatMap((u, i) => sayUnitChoice(String(i + 1), u.roomCode, s.lang));
  const askUnit = (node: IdentifyNode, before: PromptId[]) =>
    collect(node, { purpose: 'unit', min: 1, max: 1, terminator: null, timeoutMs: settings.digitTimeoutMs }, [
      ...before,
      ...prompts(node.pickPrompt),
      ...(s.owner ? unitChoices(s.owner) : []),
    ]);
  const gather = (node: GatherNode, before: PromptId[]) =>
    collect(
      node,
      {
        purpose: 'gather',
        min: node.minDigits,
        max: node.maxDigits,
        terminator: node.terminator,
        timeoutMs: node.timeoutMs ?? settings.digitTimeoutMs,
      },
      [...before, ...prompts(node.prompt)],
    );
  /** Where an identified owner goes on: picks a unit first if the node asks for it. */
  const afterIdentified = (node: IdentifyNode, pending: PromptId[]): string | null => {
    const owner = s.owner!;
    if (owner.units.length > 1 && !s.vars['unit.id']) {
      if (node.pickUnit) {
        s.failures = 0;
        askUnit(node, pending);
        return null;
      }
      if (node.severalUnits !== null) return node.severalUnits;
    }
    return node.identified;
  };
  const ticketEffect = (node: TicketNode): FlowEffect => {
    const urgent = node.urgent !== null && /^(yes|true|1)$/i.test(render(node.urgent).trim());
    const lines = node.fields.map((f) => `${f.name}: ${render(f.value)}`);
    const recording = node.recording === null ? null : render(node.recording) || null;
    const category = node.category === null ? null : render(node.category).trim() || null;
    const description = [category ?? node.type, ...lines].join('\n').slice(0, 4000);
    const unit = s.vars['unit.id'];
    return {
      do: 'create-ticket',
      type: node.type,
      category,
      urgent,
      description,
      recording,
      ownerId: s.owner?.id ?? null,
      unitId: unit ? Number(unit) : null,
    };
  };
  /** The caller is gone (hung up during a voicemail) and the flow cannot go on without them. */
  const endWithoutCaller = () => {
    s.phase = 'ended';
    fx.push({ do: 'cancel-timer', timer: 'record' });
    fx.push({
      do: 'finish',
      hangupBy: 'caller',
      cause: s.callerGone?.cause ?? 'hangup',
      outcome: s.recordings > 0 ? 'voicemail' : s.selfService ? 'self-service' : 'ivr-hangup',
    });
  };

  /** Walks from `start` with `pending` prompts collected, until a node that waits (see the top of the file). */
  const walk = (start: string, pending: PromptId[]) => {
    s.phase = 'walking';
    s.node = null;
    s.collect = null;
    let id = start;
    for (let passed = 0; ; passed++) {
      const node = flow.nodes.get(id);
      if (!node || passed >= MAX_WALK) {
        // the loader rejects dangling references; a loop of `goto`s without any wait is what is left
        fx.push({ do: 'record', event: 'flow-error', detail: { node: id, flow: flow.name } });
        if (s.callerGone) return endWithoutCaller();
        return rescue([]); // what a looping walk collected is not worth hearing
      }
      if (
        s.callerGone &&
        !['play', 'say', 'set', 'branch', 'goto', 'ticket', 'outcome'].includes(node.kind)
      ) {
        return endWithoutCaller();
      }
      /** A language switch lets the prompts collected before it be heard first, in the old language. */
      const flushFirst = (): boolean => {
        if (pending.length === 0 || s.callerGone) return false;
        play(pending, { then: 'resume', node: node.id });
        return true;
      };
      /** Asks the database; what was collected is carried over its answer (see `carried`). */
      const waitFor = (effect: FlowEffect) => {
        s.phase = 'waiting';
        s.node = node.id;
        s.carried = s.callerGone ? [] : pending;
        fx.push(effect);
      };
      switch (node.kind) {
        case 'play':
          if (!s.callerGone) pending.push(...prompts(node.prompts));
          id = node.next;
          continue;
        case 'say':
          if (!s.callerGone) pending.push(...say(node.say, node.value));
          id = node.next;
          continue;
        case 'set': {
          const language = node.variables.find((v) => v.name === 'language');
          const to = language ? render(language.value) : s.lang;
          const switches = (to === 'zh' || to === 'en') && to !== s.lang;
          if (switches && flushFirst()) return;
          for (const v of node.variables) {
            const value = render(v.value);
            if (v.name !== 'language') s.vars[v.name] = value;
          }
          if (switches) {
            s.lang = to;
            s.langChosen = true;
            s.path.push(`language:${to}`);
            if (s.owner) fx.push({ do: 'save-language', ownerId: s.owner.id, language: to });
          }
          id = node.next;
          continue;
        }
        case 'branch': {
          const value = render(node.value).trim();
          id = node.cases.find((c) => c.value === value)?.next ?? node.default;
          continue;
        }
        case 'goto':
          id = node.node;
          continue;
        case 'identify': {
          if (s.owner) {
            const next = afterIdentified(node, pending);
            if (next === null) return;
            id = next;
            continue;
          }
          if (node.by.includes('caller_id') && s.callerIdOwner) {
            identifyAs(s.callerIdOwner, null);
            s.path.push('identified:caller-id');
            const next = afterIdentified(node, pending);
            if (next === null) return;
            id = next;
            continue;
          }
          s.path.push('unknown-caller');
          if (node.by.includes('room_pin')) {
            s.failures = 0;
            askRoom(node, pending);
            return;
          }
          id = node.unverified;
          continue;
        }
        case 'menu':
          s.phase = 'menu';
          s.node = node.id;
          s.failures = 0;
          play([...pending, ...prompts(node.prompt)], { then: 'wait-for-digit' });
          return;
        case 'gather':
          s.failures = 0;
          gather(node, pending);
          return;
        case 'lookup': {
          const needsOwner = node.what !== 'ticket_status';
          if (needsOwner && !s.owner) {
            id = node.notFound;
            continue;
          }
          s.intent = marker(node.what);
          waitFor({
            do: 'lookup',
            what: node.what,
            into: node.into,
            unitIds: unitIds(),
            ticket: node.ticket === null ? null : render(node.ticket),
          });
          return;
        }
        case 'hours': {
          const estate = node.estate === null ? null : render(node.estate).trim() || null;
          const unit = s.vars['unit.id'];
          waitFor({ do: 'check-hours', estate, unitId: unit ? Number(unit) : null });
          return;
        }
        case 'record': {
          const heard = [...pending, ...prompts(node.prompt)];
          s.node = node.id;
          if (heard.length > 0) play(heard, { then: 'start-recording', node: node.id });
          else startRecording(node);
          return;
        }
        case 'ticket':
          waitFor(ticketEffect(node));
          return;
        case 'queue':
          toAgent(node.skill, node.intent, node.priority, [...pending, ...prompts(node.prompt)]);
          s.callbackTo =
            node.callback && settings.callbacks !== false ? normalizePhone(s.callerNumber) : null;
          if (node.maxWaitS !== null && node.overflow !== null) {
            s.overflow = { node: node.overflow, queue: node.skill, due: false };
            fx.push({ do: 'start-timer', timer: 'overflow', ms: node.maxWaitS * 1000 });
          }
          return;
        case 'outcome': {
          const next = chooseOutcome(node);
          if (next === null) return rescue([]); // the loader refuses an invalid score without `invalid`
          id = next;
          continue;
        }
        case 'hangup': {
          const heard = [...pending, ...prompts(node.prompt)];
          s.phase = 'ending';
          if (heard.length > 0) play(heard, { then: 'hangup' });
          else hangUp();
          return;
        }
      }
    }
  };
  /** An `outcome` node (outbound calls): what the owner chose, and where the walk goes on. */
  const chooseOutcome = (node: OutcomeNode): string | null => {
    const o = s.outbound;
    if (!o) return node.next; // an inbound call: nothing to record (the loader refuses it there)
    const value = node.value === null ? '' : render(node.value).trim();
    if (node.outcome === 'score') {
      const max = Number(s.vars['revisit.scale_max'] || 5);
      const score = /^[0-9]+$/.test(value) ? Number(value) : 0;
      if (score < 1 || score > max) {
        s.path.push(`score:invalid:${value}`);
        return node.invalid;
      }
      const satisfied = score > Number(s.vars['revisit.unsatisfied_max'] || 2);
      s.outbound = { ...o, score, outcome: satisfied ? 'satisfied' : 'unsatisfied' };
      fx.push({ do: 'outcome', outcome: 'score', score, satisfied });
    } else if (node.outcome === 'comment') {
      if (value === '') return node.next; // nothing was recorded
      s.outbound = { ...o, comment: value };
      fx.push({ do: 'outcome', outcome: 'comment', comment: value });
    } else {
      s.outbound = { ...o, outcome: node.outcome };
      fx.push({ do: 'outcome', outcome: node.outcome });
    }
    s.path.push(`outcome:${node.outcome}`);
    fx.push({ do: 'record', event: 'outcome', detail: { outcome: node.outcome, ...(value && { value }) } });
    return node.next;
  };
  const startRecording = (node: RecordNode) => {
    s.recordings++;
    s.recording = `voicemail-${s.callId}${s.recordings > 1 ? `-${s.recordings}` : ''}`;
    s.phase = 'recording';
    s.node = node.id;
    fx.push({ do: 'record-message', name: s.recording, maxS: node.maxS, beep: node.beep });
    fx.push({ do: 'start-timer', timer: 'record', ms: (node.maxS + RECORDING_GRACE_S) * 1000 });
  };
  const hangUp = () => {
    s.phase = 'ended';
    fx.push({ do: 'hangup-caller' });
    fx.push({
      do: 'finish',
      hangupBy: 'system',
      cause: 'flow-hangup',
      outcome: s.recordings > 0 ? 'voicemail' : s.selfService ? 'self-service' : 'ivr-hangup',
    });
  };
  const menuFailure = (menu: MenuNode, failure: PromptId[]) => {
    s.failures++;
    if (s.failures >= (menu.tries ?? settings.menuRetries)) {
      s.path.push('menu:fallback');
      walk(menu.fallback, failure);
    } else {
      play([...failure, ...prompts(menu.prompt)], { then: 'wait-for-digit' });
    }
  };

  /** The digits being collected are complete (or too few: a failure). */
  const collected = (c: Collect, timedOut: boolean) => {
    const node = s.node === null ? undefined : flow.nodes.get(s.node);
    fx.push({ do: 'cancel-timer', timer: 'digit' });
    const enough = c.digits.length >= c.min;
    if (node?.kind === 'gather') {
      if (enough) {
        s.vars[node.into] = c.digits;
        s.path.push(`gather:${node.id}`);
        walk(node.next, []);
        return;
      }
      s.failures++;
      const failure = prompts(c.digits.length === 0 && timedOut ? node.noInput : node.invalid);
      if (s.failures >= (node.tries ?? settings.menuRetries)) {
        s.path.push('gather:fallback');
        walk(node.fallback, failure);
      } else {
        gather(node, failure);
      }
      return;
    }
    if (node?.kind !== 'identify') return;
    if (c.purpose === 'unit') {
      const unit = s.owner?.units[Number(c.digits) - 1];
      if (enough && unit && c.digits !== '0') {
        setUnit(unit);
        s.path.push(`unit:${unit.roomCode}`);
        walk(node.identified, []);
        return;
      }
      s.failures++;
      if (s.failures >= node.tries)
        walk(node.identified, []); // all units, none picked
      else askUnit(node, [c.digits.length === 0 && timedOut ? 'no-input' : 'invalid-key']);
      return;
    }
    if (!enough) {
      identifyFailure(node, c.digits.length === 0 && timedOut ? ['no-input'] : prompts(node.wrongPrompt));
      return;
    }
    if (c.purpose === 'room') {
      s.roomKeys = c.digits;
      collect(
        node,
        { purpose: 'pin', ...PIN_DIGITS, terminator: '#', timeoutMs: settings.digitTimeoutMs },
        prompts(node.pinPrompt),
      );
      return;
    }
    s.phase = 'waiting';
    s.collect = null;
    fx.push({ do: 'check-pin', roomKeys: s.roomKeys, pin: c.digits });
  };
  const identifyFailure = (node: IdentifyNode, failure: PromptId[]) => {
    s.failures++;
    s.roomKeys = '';
    if (s.failures >= node.tries) {
      s.path.push('unverified');
      walk(node.unverified, failure);
    } else {
      askRoom(node, failure);
    }
  };

  /** Refuses what a consultation or a conference does not allow (hold, resume, transfer, another consultation). */
  const consultBusy = (): FlowStep | null =>
    s.phase === 'consulting'
      ? { state: prev, effects: [], refused: 'consulting' }
      : s.phase === 'conference'
        ? { state: prev, effects: [], refused: 'in-conference' }
        : null;
  /** The consulted party's part is over; the call goes on in `phase` (the consultation is forgotten). */
  const endConsult = (end: ConsultEnd, cause: string, legUp: boolean) => {
    const c = s.consult!;
    fx.push({
      do: 'end-consult',
      legChannelId: legUp ? c.legChannelId : null,
      agentId: c.target.to === 'agent' ? c.target.agentId : null,
      end,
      cause,
    });
    s.consult = null;
  };
  /** The owner, out of the bridge with music, joins it again (cancel, complete, conference). */
  const ownerBack = () => {
    if (s.onHold) fx.push({ do: 'hold-music', on: false });
    s.onHold = false;
    fx.push({ do: 'caller-in-bridge', in: true });
  };
  /** Attended transfer: the consulted party keeps the call with the owner, the agent is released to wrap-up. */
  const completeConsult = () => {
    const c = s.consult!;
    const agent = s.agent!;
    fx.push({ do: 'release-agent', agentId: agent.agentId, legChannelId: agent.legChannelId });
    if (s.phase === 'consulting') ownerBack();
    fx.push({
      do: 'record',
      event: 'transferred',
      detail: { ...c.target, fromAgentId: agent.agentId, note: c.by.note, attended: true, from: s.phase },
    });
    if (c.target.to === 'agent') {
      s.agent = { agentId: c.target.agentId, legChannelId: c.legChannelId! };
      s.transfer = null;
    } else {
      s.agent = null;
      s.transfer = { by: c.by, number: c.target.number, legChannelId: c.legChannelId };
    }
    fx.push({ do: 'take-over', agentId: s.agent?.agentId ?? null });
    s.consult = null;
    s.phase = 'connected';
  };
  /** The call ends by the agent's doing (the page's hang-up, their phone while the target still rings). */
  const endByAgent = (cause: string, hangUpAgentLeg: boolean) => {
    const agent = s.agent!;
    if (s.consult) endConsult(prev.phase === 'conference' ? 'left-call' : 'consult-over', cause, true);
    s.phase = 'ended';
    if (hangUpAgentLeg) fx.push({ do: 'hangup-leg', legChannelId: agent.legChannelId });
    fx.push({ do: 'hangup-caller' });
    fx.push({ do: 'finish', hangupBy: 'agent', cause, outcome: 'answered' });
  };

  if (s.phase === 'ended') return { state: s, effects: [] };
  if (callbackStep(settings, s, prev, event, fx, play, stopCurrentPlayback)) return { state: s, effects: fx };

  switch (event.kind) {
    case 'answered':
      fx.push({ do: 'record', event: 'ivr-answered' });
      break;

    case 'identified':
      if (s.phase !== 'arrived' || s.identified) break;
      s.identified = true;
      s.callerIdOwner = event.owner;
      fx.push({ do: 'record', event: 'identified', detail: { ownerId: event.owner?.id ?? null } });
      walk(flow.start, []);
      break;

    case 'playback-finished': {
      if (!s.playback || s.playback.id !== event.playbackId) break;
      const after = s.playback;
      s.playback = null;
      if (s.outbound && event.complete !== false) s.outbound = { ...s.outbound, heard: true };
      continueAfter(after);
      break;
    }

    case 'dtmf': {
      if (s.phase === 'collect' && s.collect) {
        const c = s.collect;
        stopCurrentPlayback();
        fx.push({ do: 'cancel-timer', timer: 'digit' });
        if (c.terminator !== null && event.digit === c.terminator) {
          collected(c, false);
        } else if (/^[0-9]$/.test(event.digit)) {
          c.digits += event.digit;
          if (c.digits.length >= c.max) collected(c, false);
          else fx.push({ do: 'start-timer', timer: 'digit', ms: c.timeoutMs });
        } else {
          // * (or # without a terminator) is not part of a number: a wrong key, start again
          c.digits = '';
          collected(c, false);
        }
        break;
      }
      const menu = s.phase === 'menu' ? nodeOf('menu') : null;
      if (!menu) break; // keys pressed while waiting or talking are not choices
      stopCurrentPlayback();
      fx.push({ do: 'cancel-timer', timer: 'digit' });
      const choice = menu.keys.find((k) => k.key === event.digit);
      if (choice) {
        s.path.push(`menu:${choice.key}`);
        fx.push({ do: 'record', event: 'menu', detail: { key: choice.key, choice: choice.next } });
        walk(choice.next, []);
      } else {
        s.path.push(`menu:invalid:${event.digit}`);
        fx.push({ do: 'record', event: 'menu', detail: { key: event.digit, choice: 'invalid' } });
        menuFailure(menu, prompts(menu.invalid));
      }
      break;
    }

    case 'digit-timeout': {
      if (s.playback) break; // a stale timer: the prompt is being played again
      if (s.phase === 'collect' && s.collect) {
        collected(s.collect, true);
        break;
      }
      const menu = s.phase === 'menu' ? nodeOf('menu') : null;
      if (!menu) break;
      s.path.push('menu:no-input');
      menuFailure(menu, prompts(menu.noInput));
      break;
    }

    case 'looked-up': {
      const node = s.phase === 'waiting' ? nodeOf('lookup') : null;
      if (!node || node.into !== event.into || node.what !== event.result.what) break;
      const result = event.result;
      s.results[node.into] = result;
      s.path.push(marker(node.what));
      s.selfService = true;
      const found = foundAndFields(result, (field, value) => (s.vars[`${node.into}.${field}`] = value));
      fx.push({
        do: 'record',
        event: 'self-service',
        detail: { service: marker(node.what), found },
      });
      walk(found ? node.found : node.notFound, carriedOver());
      break;
    }

    case 'lookup-failed': {
      const node = s.phase === 'waiting' ? nodeOf('lookup') : null;
      if (!node || node.into !== event.into) break;
      s.path.push('lookup-failed');
      fx.push({ do: 'record', event: 'flow-error', detail: { node: node.id, error: 'lookup failed' } });
      rescue([...carriedOver(), 'system-busy']);
      break;
    }

    case 'pin-checked': {
      const node = s.phase === 'waiting' ? nodeOf('identify') : null;
      if (!node) break;
      fx.push({
        do: 'record',
        event: 'identified',
        detail: { ownerId: event.owner?.id ?? null, by: 'room-pin' },
      });
      if (!event.owner) {
        identifyFailure(node, prompts(node.wrongPrompt));
        break;
      }
      identifyAs(event.owner, event.unitId);
      s.path.push('verified:room-pin');
      walk(node.identified, []);
      break;
    }

    case 'hours-checked': {
      const node = s.phase === 'waiting' ? nodeOf('hours') : null;
      if (!node) break;
      s.path.push(`hours:${event.state}`);
      const next =
        event.state === 'open'
          ? node.open
          : event.state === 'holiday'
            ? (node.holiday ?? node.closed)
            : node.closed;
      walk(next, carriedOver());
      break;
    }

    case 'recorded':
    case 'record-timeout': {
      const node = s.phase === 'recording' ? nodeOf('record') : null;
      if (!node) break;
      fx.push({ do: 'cancel-timer', timer: 'record' });
      // A recording that did not report its end in time is still on disk when the caller hung up on it.
      const name = event.kind === 'recorded' ? event.name : s.callerGone ? s.recording : null;
      s.recording = null;
      s.vars[node.into] = name ?? '';
      fx.push({
        do: 'record',
        event: 'voicemail',
        detail: { name, seconds: event.kind === 'recorded' ? event.durationS : null },
      });
      if (name) s.path.push('voicemail');
      walk(node.next, []);
      break;
    }

    case 'ticket-created':
    case 'ticket-failed': {
      const node = s.phase === 'waiting' ? nodeOf('ticket') : null;
      if (!node) break;
      if (event.kind === 'ticket-failed') {
        s.path.push('ticket-failed');
        if (s.callerGone) endWithoutCaller();
        else rescue([...carriedOver(), 'system-busy']);
        break;
      }
      s.vars['ticket.number'] = event.number;
      s.path.push(`ticket:${event.number}`);
      s.selfService = true;
      fx.push({ do: 'record', event: 'ticket', detail: { number: event.number, type: node.type } });
      walk(node.next, carriedOver());
      break;
    }

    case 'hold-tick':
      if ((s.phase === 'queued' || s.phase === 'offering') && s.onHold) {
        s.onHold = false;
        fx.push({ do: 'hold-music', on: false });
        if (s.phase === 'queued') fx.push({ do: 'queue-status' });
        else play(['please-hold'], { then: 'hold-music' });
      }
      break;

    case 'queue-status':
      // the answer may come after an agent was found (offering) or the caller went on hold again
      if ((s.phase === 'queued' || s.phase === 'offering') && !s.onHold && !s.playback) {
        const status = s.phase === 'queued' ? event.status : null;
        const offer: PromptId[] = s.phase === 'queued' && s.callbackTo ? ['callback-offer'] : [];
        play([...queueStatusSpeech(status, s.lang), ...offer], { then: 'hold-music' });
      }
      break;

    case 'agent-offered':
      if (s.phase !== 'queued') break;
      s.phase = 'offering';
      s.agent = { agentId: event.agentId, legChannelId: event.legChannelId };
      fx.push({ do: 'record', event: 'offered', detail: { agentId: event.agentId } });
      break;

    case 'agent-answered':
      if (s.phase !== 'offering' || s.agent?.legChannelId !== event.legChannelId) break;
      s.phase = 'connected';
      stopCurrentPlayback();
      fx.push({ do: 'cancel-timer', timer: 'hold' });
      if (s.overflow) fx.push({ do: 'cancel-timer', timer: 'overflow' });
      s.overflow = null;
      if (s.onHold) fx.push({ do: 'hold-music', on: false });
      s.onHold = false;
      fx.push({ do: 'bridge', legChannelId: event.legChannelId });
      fx.push({ do: 'record', event: 'agent-answered', detail: { agentId: s.agent.agentId } });
      break;

    case 'agent-lost':
      if (s.phase !== 'offering' || s.agent?.legChannelId !== event.legChannelId) break;
      fx.push({
        do: 'record',
        event: event.reason === 'no-answer' ? 'agent-no-answer' : 'agent-failed',
        detail: { agentId: s.agent.agentId },
      });
      s.agent = null;
      s.phase = 'queued';
      if (s.overflow?.due) overflowNow();
      break;

    case 'overflow-timeout':
      if (!s.overflow) break;
      if (s.phase === 'offering')
        s.overflow.due = true; // the agent's phone rings: give them the chance
      else if (s.phase === 'queued') overflowNow();
      break;

    case 'caller-hangup':
      if (s.callerGone) break;
      fx.push({ do: 'cancel-timer', timer: 'digit' }, { do: 'cancel-timer', timer: 'hold' });
      if (s.phase === 'recording' || (s.phase === 'waiting' && nodeOf('ticket'))) {
        // the message is being saved, or a ticket filed: go on without the caller, so the ticket is recorded
        s.callerGone = { cause: event.cause };
        s.playback = null;
        if (s.phase === 'recording') fx.push({ do: 'start-timer', timer: 'record', ms: RECORDING_SAVE_MS });
        break;
      }
      s.phase = 'ended';
      fx.push({ do: 'cancel-timer', timer: 'record' });
      if (prev.phase === 'queued' || prev.phase === 'offering') fx.push({ do: 'dequeue' });
      if (s.consult)
        endConsult(prev.phase === 'conference' ? 'left-call' : 'consult-over', event.cause, true);
      if (s.agent) fx.push({ do: 'hangup-leg', legChannelId: s.agent.legChannelId });
      else if (s.transfer?.legChannelId && (prev.phase === 'transferring' || prev.phase === 'connected')) {
        fx.push({ do: 'hangup-leg', legChannelId: s.transfer.legChannelId });
      }
      fx.push({ do: 'finish', hangupBy: 'caller', cause: event.cause, outcome: outcomeOf(prev) });
      break;

    case 'agent-hangup':
      if (s.phase === 'conference' || (s.phase === 'consulting' && s.consult?.answered)) {
        // the agent hung up their phone once the target answered: the target keeps the call
        completeConsult();
        break;
      }
      if (s.phase === 'consulting') {
        endByAgent(event.cause, false);
        break;
      }
      // the agent's phone, or the outside party the call was transferred to, hung up
      if (s.phase !== 'connected' && s.phase !== 'held') break;
      s.phase = 'ended';
      fx.push({ do: 'hangup-caller' });
      fx.push({
        do: 'finish',
        hangupBy: s.agent ? 'agent' : 'system',
        cause: s.agent ? event.cause : `outside party: ${event.cause}`,
        outcome: 'answered',
      });
      break;

    case 'hold':
      if (consultBusy()) return consultBusy()!;
      if (s.phase === 'held') return { state: prev, effects: [], refused: 'already-held' };
      if (s.phase !== 'connected' || !s.agent) return { state: prev, effects: [], refused: 'not-connected' };
      s.phase = 'held';
      s.onHold = true;
      fx.push({ do: 'caller-in-bridge', in: false }, { do: 'hold-music', on: true });
      fx.push({ do: 'record', event: 'held', detail: { agentId: s.agent.agentId } });
      break;

    case 'resume':
      if (consultBusy()) return consultBusy()!;
      if (s.phase !== 'held' || !s.agent) return { state: prev, effects: [], refused: 'not-held' };
      s.phase = 'connected';
      s.onHold = false;
      fx.push({ do: 'hold-music', on: false }, { do: 'caller-in-bridge', in: true });
      fx.push({ do: 'record', event: 'resumed', detail: { agentId: s.agent.agentId } });
      break;

    case 'transfer': {
      if (consultBusy()) return consultBusy()!;
      if ((s.phase !== 'connected' && s.phase !== 'held') || !s.agent) {
        return { state: prev, effects: [], refused: 'not-connected' };
      }
      const { target, by } = event;
      if (s.phase === 'connected') fx.push({ do: 'caller-in-bridge', in: false });
      fx.push({ do: 'release-agent', agentId: s.agent.agentId, legChannelId: s.agent.legChannelId });
      fx.push({
        do: 'record',
        event: 'transferred',
        detail: { ...target, fromAgentId: s.agent.agentId, note: by.note },
      });
      s.agent = null;
      s.transfer = { by, number: target.to === 'number' ? target.number : null, legChannelId: null };
      if (target.to === 'number') {
        s.phase = 'transferring';
        if (!s.onHold) fx.push({ do: 'hold-music', on: true });
        s.onHold = true;
        fx.push({ do: 'dial-outside', number: target.number });
        break;
      }
      if (s.onHold) fx.push({ do: 'hold-music', on: false });
      s.onHold = false;
      if (target.to === 'queue') requeue(target.queue, by);
      else requeue(null, by, target.agentId);
      break;
    }

    case 'outside-ringing':
      if (s.phase === 'transferring' && s.transfer) s.transfer.legChannelId = event.legChannelId;
      break;

    case 'outside-answered':
      if (s.phase !== 'transferring' || s.transfer?.legChannelId !== event.legChannelId) break;
      s.phase = 'connected';
      fx.push({ do: 'hold-music', on: false });
      s.onHold = false;
      fx.push({ do: 'bridge', legChannelId: event.legChannelId });
      fx.push({ do: 'record', event: 'outside-answered', detail: { number: s.transfer.number } });
      break;

    case 'outside-lost': {
      if (s.phase !== 'transferring' || !s.transfer) break;
      if (event.legChannelId !== null && s.transfer.legChannelId !== event.legChannelId) break;
      // the first agent is already free (blind transfer): the caller goes back to the queue they came from
      fx.push({
        do: 'record',
        event: 'outside-failed',
        detail: { number: s.transfer.number, cause: event.cause },
      });
      fx.push({ do: 'hold-music', on: false });
      s.onHold = false;
      const by = s.transfer.by;
      s.transfer = { ...s.transfer, legChannelId: null };
      requeue(null, by);
      break;
    }

    case 'consult': {
      if (consultBusy()) return consultBusy()!;
      if ((s.phase !== 'connected' && s.phase !== 'held') || !s.agent) {
        return { state: prev, effects: [], refused: 'not-connected' };
      }
      if (s.phase === 'connected') {
        fx.push({ do: 'caller-in-bridge', in: false }, { do: 'hold-music', on: true });
        s.onHold = true;
      }
      s.phase = 'consulting';
      s.consult = { target: event.target, by: event.by, legChannelId: null, answered: false };
      fx.push({
        do: 'record',
        event: 'consult-started',
        detail: { ...event.target, fromAgentId: s.agent.agentId, note: event.by.note },
      });
      fx.push({ do: 'dial-consult', target: event.target, by: event.by });
      fx.push({ do: 'tell-agent', agentId: s.agent.agentId, news: 'ringing', target: event.target });
      break;
    }

    case 'consult-ringing':
      if (s.phase === 'consulting' && s.consult && s.consult.legChannelId === null) {
        s.consult.legChannelId = event.legChannelId;
      }
      break;

    case 'consult-answered': {
      const c = s.consult;
      if (s.phase !== 'consulting' || !c || c.answered || c.legChannelId !== event.legChannelId) break;
      c.answered = true;
      const agentId = c.target.to === 'agent' ? c.target.agentId : null;
      fx.push({ do: 'join-bridge', legChannelId: event.legChannelId, agentId });
      fx.push({ do: 'record', event: 'consult-answered', detail: { ...c.target } });
      fx.push({ do: 'tell-agent', agentId: s.agent!.agentId, news: 'answered', target: c.target });
      break;
    }

    case 'consult-lost': {
      const c = s.consult;
      if ((s.phase !== 'consulting' && s.phase !== 'conference') || !c) break;
      if (event.legChannelId !== null && c.legChannelId !== event.legChannelId) break;
      const agentId = s.agent!.agentId;
      const target = c.target;
      if (s.phase === 'conference') {
        // the target left the conference: the owner stays with the agent
        fx.push({ do: 'record', event: 'conference-left', detail: { ...target, cause: event.cause } });
        endConsult('left-call', event.cause, false);
        s.phase = 'connected';
        fx.push({ do: 'tell-agent', agentId, news: 'target-left', target, cause: event.cause });
        break;
      }
      // the owner stays on hold with the agent, who decides what next (resume, another try)
      s.phase = 'held';
      if (c.answered) {
        fx.push({ do: 'record', event: 'consult-ended', detail: { ...target, cause: event.cause } });
        endConsult('consult-over', event.cause, false);
        fx.push({ do: 'tell-agent', agentId, news: 'ended', target, cause: event.cause });
      } else {
        fx.push({ do: 'record', event: 'consult-failed', detail: { ...target, cause: event.cause } });
        endConsult(event.reason, event.cause, false);
        fx.push({ do: 'tell-agent', agentId, news: 'failed', target, cause: event.cause });
      }
      break;
    }

    case 'consult-cancel': {
      if (s.phase !== 'consulting' || !s.consult) {
        return {
          state: prev,
          effects: [],
          refused: s.phase === 'conference' ? 'in-conference' : 'not-consulting',
        };
      }
      const target = s.consult.target;
      endConsult('consult-over', 'cancelled', true);
      ownerBack();
      s.phase = 'connected';
      fx.push({ do: 'record', event: 'consult-cancelled', detail: { ...target } });
      fx.push({ do: 'tell-agent', agentId: s.agent!.agentId, news: 'cancelled', target });
      break;
    }

    case 'consult-complete':
      if ((s.phase !== 'consulting' && s.phase !== 'conference') || !s.consult) {
        return { state: prev, effects: [], refused: 'not-consulting' };
      }
      if (!s.consult.answered) return { state: prev, effects: [], refused: 'consult-ringing' };
      completeConsult();
      break;

    case 'conference': {
      if (s.phase === 'conference') return { state: prev, effects: [], refused: 'in-conference' };
      if (s.phase !== 'consulting' || !s.consult)
        return { state: prev, effects: [], refused: 'not-consulting' };
      if (!s.consult.answered) return { state: prev, effects: [], refused: 'consult-ringing' };
      ownerBack();
      s.phase = 'conference';
      fx.push({
        do: 'record',
        event: 'conference',
        detail: { ...s.consult.target, agentId: s.agent!.agentId },
      });
      fx.push({ do: 'tell-agent', agentId: s.agent!.agentId, news: 'conference', target: s.consult.target });
      break;
    }

    case 'hang-up':
      if (
        !s.agent ||
        (s.phase !== 'connected' &&
          s.phase !== 'held' &&
          s.phase !== 'consulting' &&
          s.phase !== 'conference')
      ) {
        return { state: prev, effects: [], refused: 'not-connected' };
      }
      endByAgent('hung up by agent', true);
      break;

    case 'pbx-lost':
      if (s.consult) endConsult('left-call', 'pbx-lost', false);
      s.phase = 'ended';
      fx.push(
        { do: 'cancel-timer', timer: 'digit' },
        { do: 'cancel-timer', timer: 'hold' },
        { do: 'cancel-timer', timer: 'record' },
      );
      if (prev.phase === 'queued' || prev.phase === 'offering') fx.push({ do: 'dequeue' });
      fx.push({ do: 'finish', hangupBy: 'system', cause: 'pbx-lost', outcome: 'failed' });
      break;
  }
  return { state: s, effects: fx };
}

/** Whether a lookup found something, and the fields it sets (`${fees.total}`; see LOOKUP_FIELDS). */
function foundAndFields(result: LookupResult, set: (field: string, value: string) => void): boolean {
  switch (result.what) {
    case 'fee_balance': {
      const items = result.items;
      set('total', String(items.reduce((sum, i) => sum + i.amountFen, 0)));
      set('due', items.map((i) => i.dueDate).sort()[0] ?? '');
      set('units', String(new Set(items.map((i) => i.unitId)).size));
      return items.length > 0;
    }
    case 'bills': {
      const owed = result.byKind.filter((k) => k.amountFen > 0);
      set('count', String(owed.reduce((sum, k) => sum + k.items, 0)));
      set('total', String(owed.reduce((sum, k) => sum + k.amountFen, 0)));
      return owed.length > 0;
    }
    case 'ticket_status': {
      const t = result.ticket;
      set('number', t?.number ?? '');
      set('status', t?.status ?? '');
      set('expected', t?.expectedDoneAt?.slice(0, 10) ?? '');
      return t !== null;
    }
    case 'notices':
      set('count', String(result.notices.length));
      return result.notices.length > 0;
  }
}

/** The path marker and intent of a lookup: `fees` for the fee balance, else `what`. */
function marker(what: LookupWhat): string {
  return what === 'fee_balance' ? 'fees' : what;
}

function outcomeOf(prev: FlowCall): string {
  switch (prev.phase) {
    case 'connected':
    case 'held':
    case 'transferring':
    case 'consulting':
    case 'conference':
      return 'answered';
    case 'queued':
    case 'offering':
      return 'abandoned';
    default:
      return prev.recordings > 0 ? 'voicemail' : prev.selfService ? 'self-service' : 'ivr-hangup';
  }
}

// ---- A callback instead of waiting (a queue node with `callback: true`, a caller whose number is known)
//
//   queued ─1─▶ callback-confirming ─confirmation played, caller hung up─▶ callback-waiting (the ACD entry keeps
//     its place: first enqueue time, priority)
//   callback-waiting ─agent-offered─▶ callback-agent ─agent-answered─▶ callback-dialling (the agent hears
//     "calling the owner back", then a ringback tone while the owner's number rings showing the hotline's; the
//     ringback stops when the owner answers, is not reached, or the agent hangs up) ─owner-answered─▶
//     callback-connected ─either hangs up─▶ ended ('callback-answered')
//   callback-agent ─agent-lost─▶ callback-waiting (as a waiting call: its place kept)
//   callback-dialling ─owner not reached─▶ callback-releasing (the agent hears it, their page is told) ─▶ the agent
//     wraps up; callback-waiting for the next try after callbackRetryS, or ended ('callback-failed', a ticket)
//     once callbackRetries more tries went unanswered
//   callback-dialling ─the agent hung up─▶ callback-waiting, back in its place at once (the try does not count)
// Hold and transfer do not apply to a callback (refused as "not connected").
const CALLBACK_PHASES: ReadonlySet<FlowPhase> = new Set<FlowPhase>([
  'callback-confirming',
  'callback-waiting',
  'callback-agent',
  'callback-dialling',
  'callback-connected',
  'callback-releasing',
]);

/** Whether a call in this phase waits for a callback without any channel of its own (the caller is gone). */
export function waitsForCallback(phase: FlowPhase): boolean {
  return CALLBACK_PHASES.has(phase) && phase !== 'callback-confirming';
}

/** A callback call as another controller takes it over (the one that took it stopped): waiting for its turn. */
export function adoptedCallback(init: {
  callId: string;
  channelId: string;
  callerNumber: string | null;
  dialled: string;
  number: string;
  attempts: number;
  lang: Language;
  queued: { queue: string; intent: string; priority: QueuePriority };
}): FlowCall {
  return {
    ...freshCall(init, init.lang, {}),
    phase: 'callback-waiting',
    langChosen: true,
    identified: true,
    path: ['callback'],
    intent: init.queued.intent,
    queued: init.queued,
    callbackTo: null,
    callback: { number: init.number, attempts: init.attempts, ownerLegChannelId: null, ringback: null },
  };
}

/** The callback's part of a step; false: not a callback matter, the main step goes on. */
function callbackStep(
  settings: FlowCallSettings,
  s: FlowCall,
  prev: FlowCall,
  event: FlowEvent,
  fx: FlowEffect[],
  play: (prompts: PromptId[], after: AfterPlayback) => void,
  stopCurrentPlayback: () => void,
): boolean {
  if (event.kind === 'dtmf' && s.phase === 'queued' && event.digit === '1' && s.callbackTo) {
    const number = s.callbackTo;
    stopCurrentPlayback();
    fx.push({ do: 'cancel-timer', timer: 'hold' });
    if (s.onHold) fx.push({ do: 'hold-music', on: false });
    s.onHold = false;
    // a callback keeps its place until its turn: the queue's longest wait no longer applies
    if (s.overflow) fx.push({ do: 'cancel-timer', timer: 'overflow' });
    s.overflow = null;
    s.callbackTo = null;
    s.phase = 'callback-confirming';
    s.callback = { number, attempts: 0, ownerLegChannelId: null, ringback: null };
    s.path.push('callback');
    fx.push({ do: 'callback-request', number });
    fx.push({
      do: 'record',
      event: 'callback-requested',
      detail: { number, queue: s.queued?.queue ?? null },
    });
    play(['callback-confirm', ...sayDigits(number.slice(-4), s.lang), 'callback-confirm-end'], {
      then: 'callback-hangup',
    });
    return true;
  }
  if (!CALLBACK_PHASES.has(s.phase) || !prev.callback) return false;
  const cb = { ...prev.callback };
  s.callback = cb;
  const agent = s.agent;
  /** The agent no longer hears the owner's phone ringing (it answered, was not reached, or the agent left). */
  const stopRingback = () => {
    if (cb.ringback) fx.push({ do: 'stop-playback', playbackId: cb.ringback });
    cb.ringback = null;
  };

  const notReached = (cause: string) => {
    stopRingback();
    cb.attempts++;
    cb.ownerLegChannelId = null;
    const retries = settings.callbackRetries ?? CALLBACK_RETRIES;
    const retryInS = cb.attempts <= retries ? (settings.callbackRetryS ?? CALLBACK_RETRY_S) : null;
    s.phase = 'callback-releasing';
    fx.push({
      do: 'record',
      event: 'callback-not-reached',
      detail: { attempt: cb.attempts, cause, retryInS },
    });
    if (agent) {
      fx.push({ do: 'callback-not-reached', agentId: agent.agentId, attempt: cb.attempts, retryInS, cause });
      fx.push({
        do: 'play-leg',
        legChannelId: agent.legChannelId,
        prompts: ['callback-owner-not-reached'],
        lang: s.lang,
      });
    }
    fx.push({ do: 'start-timer', timer: 'callback', ms: CALLBACK_TELL_AGENT_MS });
  };
  /** The agent has heard that the owner was not reached: they wrap up; the next try waits, or it is over. */
  const afterNotReached = () => {
    fx.push({ do: 'cancel-timer', timer: 'callback' });
    if (agent) {
      fx.push({
        do: 'callback-release-agent',
        agentId: agent.agentId,
        legChannelId: agent.legChannelId,
        cause: 'owner not reached',
      });
    }
    s.agent = null;
    const retries = settings.callbackRetries ?? CALLBACK_RETRIES;
    if (cb.attempts <= retries) {
      s.phase = 'callback-waiting';
      fx.push({
        do: 'start-timer',
        timer: 'callback',
        ms: (settings.callbackRetryS ?? CALLBACK_RETRY_S) * 1000,
      });
      return;
    }
    s.phase = 'ended';
    fx.push({ do: 'record', event: 'callback-failed', detail: { attempts: cb.attempts } });
    fx.push({ do: 'callback-done', failed: true });
    fx.push({ do: 'finish', hangupBy: 'system', cause: 'owner not reached', outcome: 'callback-failed' });
  };

  switch (event.kind) {
    case 'playback-finished':
    case 'hold':
    case 'resume':
    case 'transfer':
    case 'consult':
    case 'consult-cancel':
    case 'consult-complete':
    case 'conference':
      return false; // the confirmation's end (callback-hangup); commands are refused as not connected
    case 'hang-up':
      // from the page, as with the phone's hang-up key: the agent's leg ends and callback-leg-ended does the rest
      if (!agent || (s.phase !== 'callback-dialling' && s.phase !== 'callback-connected')) return false;
      fx.push({ do: 'hangup-leg', legChannelId: agent.legChannelId });
      return true;
    case 'pbx-lost':
      return s.phase === 'callback-waiting'; // nothing of it was on the PBX
    case 'caller-hangup':
      if (s.phase !== 'callback-confirming') return true;
      s.playback = null;
      s.phase = 'callback-waiting';
      fx.push({ do: 'record', event: 'caller-left', detail: { cause: event.cause } });
      fx.push({ do: 'callback-waiting' });
      return true;
    case 'agent-offered':
      if (s.phase !== 'callback-waiting') return true;
      fx.push({ do: 'cancel-timer', timer: 'callback' });
      s.phase = 'callback-agent';
      s.agent = { agentId: event.agentId, legChannelId: event.legChannelId };
      fx.push({ do: 'record', event: 'offered', detail: { agentId: event.agentId, callback: true } });
      return true;
    case 'agent-lost':
      if (s.phase !== 'callback-agent' || agent?.legChannelId !== event.legChannelId) return true;
      fx.push({
        do: 'record',
        event: event.reason === 'no-answer' ? 'agent-no-answer' : 'agent-failed',
        detail: { agentId: agent.agentId },
      });
      s.agent = null;
      s.phase = 'callback-waiting';
      return true;
    case 'agent-answered':
      if (s.phase !== 'callback-agent' || agent?.legChannelId !== event.legChannelId) return true;
      s.phase = 'callback-dialling';
      cb.ownerLegChannelId = null;
      fx.push({ do: 'callback-agent-answered', agentId: agent.agentId });
      fx.push({ do: 'record', event: 'agent-answered', detail: { agentId: agent.agentId, callback: true } });
      fx.push({
        do: 'play-leg',
        legChannelId: agent.legChannelId,
        prompts: ['callback-calling-owner'],
        lang: s.lang,
      });
      // then, until the owner answers (or is not reached), the agent hears the owner's phone ringing
      s.plays++;
      cb.ringback = `${s.callId}:${s.plays}`;
      fx.push({ do: 'ringback', legChannelId: agent.legChannelId, playbackId: cb.ringback });
      fx.push({ do: 'dial-owner', number: cb.number });
      fx.push({ do: 'record', event: 'callback-dialled', detail: { attempt: cb.attempts + 1 } });
      return true;
    case 'owner-ringing':
      if (s.phase === 'callback-dialling') cb.ownerLegChannelId = event.legChannelId;
      return true;
    case 'owner-answered':
      if (s.phase !== 'callback-dialling' || !agent) return true;
      if (cb.ownerLegChannelId !== null && cb.ownerLegChannelId !== event.legChannelId) return true;
      cb.ownerLegChannelId = event.legChannelId;
      s.phase = 'callback-connected';
      // the ringback stops before the agent joins the bridge (a channel joins it once its playbacks are over)
      stopRingback();
      fx.push({
        do: 'bridge-legs',
        agentLegChannelId: agent.legChannelId,
        ownerLegChannelId: event.legChannelId,
      });
      fx.push({ do: 'record', event: 'callback-answered', detail: { agentId: agent.agentId } });
      return true;
    case 'callback-leg-ended': {
      const fromAgent = agent !== null && event.legChannelId === agent.legChannelId;
      const fromOwner =
        event.legChannelId === null
          ? s.phase === 'callback-dialling'
          : event.legChannelId === cb.ownerLegChannelId;
      if (s.phase === 'callback-dialling' && fromOwner) {
        notReached(event.cause);
      } else if (s.phase === 'callback-dialling' && fromAgent) {
        // the agent gave up before the owner answered: the callback goes back to its place, the try not counted
        stopRingback();
        if (cb.ownerLegChannelId) fx.push({ do: 'hangup-leg', legChannelId: cb.ownerLegChannelId });
        cb.ownerLegChannelId = null;
        fx.push({ do: 'record', event: 'agent-hangup', detail: { agentId: agent.agentId, callback: true } });
        fx.push({
          do: 'callback-release-agent',
          agentId: agent.agentId,
          legChannelId: agent.legChannelId,
          cause: event.cause,
        });
        s.agent = null;
        s.phase = 'callback-waiting';
        fx.push({ do: 'callback-requeue' });
      } else if (s.phase === 'callback-connected' && (fromAgent || fromOwner)) {
        const other = fromAgent ? cb.ownerLegChannelId : agent?.legChannelId;
        if (other) fx.push({ do: 'hangup-leg', legChannelId: other });
        s.phase = 'ended';
        fx.push({ do: 'callback-done', failed: false });
        fx.push({
          do: 'finish',
          hangupBy: fromAgent ? 'agent' : 'caller',
          cause: event.cause,
          outcome: 'callback-answered',
        });
      } else if (s.phase === 'callback-releasing' && fromAgent) {
        afterNotReached();
      }
      return true;
    }
    case 'callback-due':
      if (s.phase === 'callback-releasing') afterNotReached();
      else if (s.phase === 'callback-waiting') fx.push({ do: 'callback-requeue' });
      return true;
    default:
      return true; // keys, hold music ticks, queue status: the caller is not on the line
  }
}
