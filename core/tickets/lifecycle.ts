// The life of a ticket as an explicit state machine. Pure: the ticket, the action, who does it and when go in; the
// new ticket and its timeline entry (or a refusal saying why, in Chinese and English) come out.
//
//   registered ─verify─▶ verified ─dispatch─▶ dispatched ─plan─▶ planned ─start─▶ in-progress ─resolve─▶ resolved
//   resolved ─revisit (satisfied)─▶ revisited ─close─▶ closed
//   resolved ─revisit (unsatisfied)─▶ reopened (the same department) ─plan / start─▶ ...
//   dispatched | reopened ─invalidate (the department head's note)─▶ invalid
//   any open status ─force-close (court or arbitration, or registered mail; with evidence)─▶ closed
//
// | action      | who                           | from                                     | data              |
// |-------------|-------------------------------|------------------------------------------|-------------------|
// | verify      | agent, supervisor             | registered                               |                   |
// | dispatch    | agent, supervisor, system     | verified                                 | department        |
// | redispatch  | supervisor                    | dispatched, reopened (改派)              | another department|
// | plan        | department, supervisor        | dispatched, reopened                     | plan text         |
// | start       | department, supervisor        | planned (1)                              |                   |
// | resolve     | department, supervisor        | in-progress                              | resolution        |
// | answer      | agent, supervisor             | registered, verified (2)                 | resolution        |
// | revisit     | agent, supervisor, system     | resolved (3)                             | satisfaction      |
// | close       | agent, supervisor, system     | revisited (4)                            |                   |
// | invalidate  | department, supervisor        | dispatched, reopened                     | note              |
// | force-close | supervisor                    | any open status                          | reason + evidence |
// | wait        | agent, department, supervisor | any open status, not already waiting     | note              |
// | resume      | agent, department, supervisor | any open status, while waiting           |                   |
// (1) a repair, inquiry or suggestion needs no agreed plan: it may also start from dispatched or reopened;
// (2) an inquiry or a suggestion only (answered on the call, never dispatched);
// (3) a complaint, compensation claim or repair only (types.ts needsRevisit);
// (4) an inquiry or a suggestion closes from resolved instead, without a revisit.
//
// A department acts only on tickets dispatched to it. `wait` (waiting for the owner: photos, access to the unit, a
// date that suits them) and `resume` leave the status as it is; they pause and restart the clocks that pause
// (clocks.ts). Any status change ends a wait as well (its entry says `waitEnded`): who moves the ticket on is no
// longer waiting. Closed and invalid are final. Entries must come in time order.
import type { TicketType } from '../contracts.ts';
import { addMonths, DEFAULT_TIME_ZONE, localTime } from '../calendar.ts';
import {
  answerableOnCall,
  isOpenStatus,
  TICKET_STATUSES,
  needsPlan,
  needsRevisit,
  TICKET_STATUS_LABELS,
  ACTION_LABELS,
  ACTION_KINDS,
  type ActionKind,
  type TicketStatus,
} from './types.ts';

export const ACTOR_ROLES = ['agent', 'department', 'supervisor', 'system'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

/** Who acts: an agent, a department's staff (of `department`), a supervisor, or the system (IVR, workers). */
export interface TicketActor {
  role: ActorRole;
  /** The agent's or staff member's id; null for the system. */
  id: number | null;
  name?: string;
  /** The department a `department` actor belongs to. */
  department?: string;
}

/** Why a supervisor may close a ticket that is not finished (DOMAIN.md "Forced closure"). */
export type ForcedClosure =
  | {
      /** The owner took the case to court or arbitration, filed on `filedOn`, no more than 3 months ago. */
      reason: 'court-or-arbitration';
      filedOn: string;
      /** References to the proof: the court's or arbitration commission's acceptance notice, its file number. */
      evidence: string[];
    }
  | {
      /** The company's written reply was delivered by registered mail on `deliveredOn`. */
      reason: 'registered-mail';
      deliveredOn: string;
      /** References to the proof: the mail's tracking number, the signed delivery receipt. */
      evidence: string[];
    };
export const FORCED_CLOSURE_REASONS = ['court-or-arbitration', 'registered-mail'] as const;
/** How long ago the owner may have gone to court or arbitration for a forced closure. */
export const COURT_WINDOW_MONTHS = 3;

export type Satisfaction = 'satisfied' | 'unsatisfied';

export type TicketAction =
  | { kind: 'verify'; note?: string }
  | { kind: 'dispatch'; department: string; note?: string }
  | { kind: 'redispatch'; department: string; note?: string }
  | { kind: 'plan'; plan: string }
  | { kind: 'start'; note?: string }
  | { kind: 'resolve'; resolution: string }
  | { kind: 'answer'; resolution: string }
  | { kind: 'revisit'; satisfaction: Satisfaction; /** keypad score 1-5 */ score?: number; note?: string }
  | { kind: 'close'; note?: string }
  | {
      kind: 'invalidate';
      /** the department head's note: why it is not the company's responsibility */ note: string;
    }
  | { kind: 'force-close'; closure: ForcedClosure }
  | { kind: 'wait'; /** what the owner is to do or when they are available */ note: string }
  | { kind: 'resume'; note?: string };
// the kinds (types.ts ACTION_KINDS) are exactly the actions' kinds
type SameKinds = [TicketAction['kind']] extends [ActionKind]
  ? [ActionKind] extends [TicketAction['kind']]
    ? true
    : false
  : false;
const sameKinds: SameKinds = true;
void sameKinds;

/** A ticket as far as its life goes (the DB keeps the rest: owner, unit, description...). */
export interface TicketState {
  type: TicketType;
  /** Urgent repair (water, power...): the shorter repair clocks apply. */
  urgent: boolean;
  status: TicketStatus;
  /** The department it is dispatched to (kept when reopened). */
  department: string | null;
  /** The handling plan agreed with the owner in this round (cleared when reopened). */
  plan: string | null;
  /** What was done, in this round (cleared when reopened). */
  resolution: string | null;
  /** The last revisit's answer. */
  satisfaction: Satisfaction | null;
  /** How many times an unsatisfied revisit sent it back. */
  reopenCount: number;
  /** Waiting for the owner since (ISO instant); null when not waiting. */
  waitingSince: string | null;
  forcedClosure: ForcedClosure | null;
  registeredAt: string;
  /** The instant of the last timeline entry. */
  updatedAt: string;
}

/** One step of a ticket's timeline: enough to rebuild the ticket (replayTimeline) and to run its clocks. */
export interface TicketTimelineEntry {
  at: string;
  by: TicketActor;
  action: TicketAction | { kind: 'register' };
  from: TicketStatus | null;
  to: TicketStatus;
  /** This step ended a wait for the owner. */
  waitEnded: boolean;
}

export type RefusalCode =
  | 'not-allowed-now'
  | 'not-your-role'
  | 'not-your-department'
  | 'missing-data'
  | 'invalid-data'
  | 'out-of-order';

export interface TicketRefusal {
  code: RefusalCode;
  /** 中文 / English, for the user. */
  message: string;
  /** What may be done now (by anyone), for the page's buttons. */
  allowed: ActionKind[];
}

export type TransitionResult =
  { ok: true; ticket: TicketState; entry: TicketTimelineEntry } | { ok: false; refusal: TicketRefusal };

// ---------------------------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------------------------

const OPEN: readonly TicketStatus[] = TICKET_STATUSES.filter(isOpenStatus);

interface Rule {
  by: readonly ActorRole[];
  /** The statuses the action may be taken from, for a ticket of this type. */
  from: (type: TicketType) => readonly TicketStatus[];
}

const STAFF: readonly ActorRole[] = ['agent', 'department', 'supervisor'];

const RULES: Record<ActionKind, Rule> = {
  verify: { by: ['agent', 'supervisor'], from: () => ['registered'] },
  dispatch: { by: ['agent', 'supervisor', 'system'], from: () => ['verified'] },
  redispatch: { by: ['supervisor'], from: () => ['dispatched', 'reopened'] },
  plan: { by: ['department', 'supervisor'], from: () => ['dispatched', 'reopened'] },
  start: {
    by: ['department', 'supervisor'],
    from: (type) => (needsPlan(type) ? ['planned'] : ['dispatched', 'reopened', 'planned']),
  },
  resolve: { by: ['department', 'supervisor'], from: () => ['in-progress'] },
  answer: {
    by: ['agent', 'supervisor'],
    from: (type) => (answerableOnCall(type) ? ['registered', 'verified'] : []),
  },
  revisit: {
    by: ['agent', 'supervisor', 'system'],
    from: (type) => (needsRevisit(type) ? ['resolved'] : []),
  },
  close: {
    by: ['agent', 'supervisor', 'system'],
    from: (type) => (needsRevisit(type) ? ['revisited'] : ['resolved']),
  },
  invalidate: { by: ['department', 'supervisor'], from: () => ['dispatched', 'reopened'] },
  'force-close': { by: ['supervisor'], from: () => OPEN },
  wait: { by: STAFF, from: () => OPEN },
  resume: { by: STAFF, from: () => OPEN },
};

/** Actions a department may take only on tickets dispatched to it. */
const DEPARTMENT_ACTIONS: readonly ActionKind[] = [
  'plan',
  'start',
  'resolve',
  'invalidate',
  'wait',
  'resume',
];

function statusAllows(ticket: TicketState, kind: ActionKind): boolean {
  if (!RULES[kind].from(ticket.type).includes(ticket.status)) return false;
  if (kind === 'wait') return ticket.waitingSince === null;
  if (kind === 'resume') return ticket.waitingSince !== null;
  return true;
}

function roleAllows(ticket: TicketState, kind: ActionKind, by: TicketActor): boolean {
  if (!RULES[kind].by.includes(by.role)) return false;
  return !(
    by.role === 'department' &&
    DEPARTMENT_ACTIONS.includes(kind) &&
    by.department !== ticket.department
  );
}

/** What may be done to the ticket now; with `by`, only what that actor may do. */
export function allowedActions(ticket: TicketState, by?: TicketActor): ActionKind[] {
  return ACTION_KINDS.filter((kind) => statusAllows(ticket, kind) && (!by || roleAllows(ticket, kind, by)));
}

// ---------------------------------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------------------------------

const ROLE_LABELS: Record<ActorRole, { zh: string; en: string; subject: string }> = {
  agent: { zh: '客服专员', en: 'agents', subject: 'An agent' },
  department: { zh: '处理部门', en: 'the department', subject: 'A department' },
  supervisor: { zh: '客服主管', en: 'supervisors', subject: 'A supervisor' },
  system: { zh: '系统', en: 'the system', subject: 'The system' },
};

function refuse(ticket: TicketState, code: RefusalCode, message: string): TransitionResult {
  return { ok: false, refusal: { code, message, allowed: allowedActions(ticket) } };
}

function notAllowedNow(ticket: TicketState, kind: ActionKind): TransitionResult {
  const status = TICKET_STATUS_LABELS[ticket.status];
  const allowed = allowedActions(ticket);
  const action = ACTION_LABELS[kind];
  let zh = `工单当前状态为「${status.zh}」,不能「${action.zh}」。`;
  let en = `The ticket is ${status.en}: "${action.en}" is not allowed now.`;
  if (kind === 'wait' && ticket.waitingSince !== null && isOpenStatus(ticket.status)) {
    zh = `工单当前状态为「${status.zh}」,已在等待业主。`;
    en = `The ticket is ${status.en} and already waiting for the owner.`;
  } else if (kind === 'resume' && isOpenStatus(ticket.status)) {
    zh = `工单当前状态为「${status.zh}」,没有在等待业主。`;
    en = `The ticket is ${status.en} and not waiting for the owner.`;
  } else if (
    kind === 'start' &&
    needsPlan(ticket.type) &&
    ['dispatched', 'reopened'].includes(ticket.status)
  ) {
    zh += '投诉和索赔须先与业主确认处理方案。';
    en += ' A complaint or compensation claim needs a plan agreed with the owner first.';
  } else if (kind === 'close' && needsRevisit(ticket.type) && ticket.status === 'resolved') {
    zh += '投诉、索赔和报修须先回访。';
    en += ' A complaint, compensation claim or repair is revisited before it closes.';
  } else if (kind === 'answer' && !answerableOnCall(ticket.type)) {
    zh += '只有咨询和建议可以当场答复,其他工单须派单处理。';
    en += ' Only an inquiry or a suggestion is answered on the call; other tickets are dispatched.';
  }
  if (allowed.length === 0) {
    zh += '工单已结束,不能再操作。';
    en += ' The ticket is finished: nothing more can be done.';
  } else {
    zh += `现在可以:${allowed.map((k) => ACTION_LABELS[k].zh).join('、')}。`;
    en += ` Allowed now: ${allowed.map((k) => ACTION_LABELS[k].en).join(', ')}.`;
  }
  return refuse(ticket, 'not-allowed-now', `${zh} / ${en}`);
}

function notYourRole(ticket: TicketState, kind: ActionKind, by: TicketActor): TransitionResult {
  const who = RULES[kind].by;
  const role = ROLE_LABELS[by.role];
  const action = ACTION_LABELS[kind];
  return refuse(
    ticket,
    'not-your-role',
    `${role.zh}不能「${action.zh}」,只有${who.map((r) => ROLE_LABELS[r].zh).join('、')}可以。` +
      ` / ${role.subject} may not ${action.en} a ticket; only ${who.map((r) => ROLE_LABELS[r].en).join(', ')} may.`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Data checks
// ---------------------------------------------------------------------------------------------------------------

const filled = (text: string | undefined): boolean => typeof text === 'string' && text.trim() !== '';
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (date: string): boolean =>
  ISO_DATE.test(date) && new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) === date;

type DataProblem = { code: 'missing-data' | 'invalid-data'; message: string } | null;

function checkData(ticket: TicketState, action: TicketAction, at: Date, timeZone: string): DataProblem {
  const missing = (message: string): DataProblem => ({ code: 'missing-data', message });
  const invalid = (message: string): DataProblem => ({ code: 'invalid-data', message });
  switch (action.kind) {
    case 'dispatch':
    case 'redispatch':
      if (!filled(action.department))
        return missing('派单须指定处理部门 / Name the department to dispatch to.');
      if (action.kind === 'redispatch' && action.department.trim() === ticket.department) {
        return invalid(
          `工单已在「${ticket.department}」,改派须选择其他部门 / The ticket is already with ${ticket.department}: ` +
            'redispatch it to another department.',
        );
      }
      return null;
    case 'plan':
      return filled(action.plan)
        ? null
        : missing('请填写与业主确认的处理方案 / Write down the handling plan agreed with the owner.');
    case 'resolve':
    case 'answer':
      return filled(action.resolution) ? null : missing('请填写处理结果 / Write down what was done.');
    case 'revisit':
      if (action.satisfaction !== 'satisfied' && action.satisfaction !== 'unsatisfied') {
        return missing('请记录业主是否满意 / Record whether the owner is satisfied.');
      }
      if (
        action.score !== undefined &&
        !(Number.isInteger(action.score) && action.score >= 1 && action.score <= 5)
      ) {
        return invalid(`满意度评分须为 1-5 / The satisfaction score is 1 to 5, not ${action.score}.`);
      }
      return null;
    case 'invalidate':
      return filled(action.note)
        ? null
        : missing(
            '判为无效须附部门负责人意见 / An invalid ticket needs the department head’s note on why it is not ' +
              'the company’s responsibility.',
          );
    case 'wait':
      return filled(action.note)
        ? null
        : missing('请说明在等待业主什么 / Say what the owner is to do, or when they are available.');
    case 'force-close':
      return checkForcedClosure(action.closure, at, timeZone);
    default:
      return null;
  }
}

function checkForcedClosure(closure: ForcedClosure | undefined, at: Date, timeZone: string): DataProblem {
  const today = localTime(at, timeZone).date;
  if (!closure || !FORCED_CLOSURE_REASONS.includes(closure.reason)) {
    return {
      code: 'missing-data',
      message:
        '强制关闭须选择原因:业主已起诉或申请仲裁,或书面答复已挂号寄达 / A forced closure needs its reason: the ' +
        'owner went to court or arbitration, or the written reply was delivered by registered mail.',
    };
  }
  if (!Array.isArray(closure.evidence) || !closure.evidence.some((e) => filled(e))) {
    return {
      code: 'missing-data',
      message:
        '强制关闭须附证明材料 / A forced closure needs its proof (documents, receipt, tracking number).',
    };
  }
  if (closure.reason === 'court-or-arbitration') {
    const earliest = addMonths(today, -COURT_WINDOW_MONTHS);
    if (!isDate(closure.filedOn) || closure.filedOn > today || closure.filedOn < earliest) {
      return {
        code: 'invalid-data',
        message:
          `起诉或仲裁日期须在 ${earliest} 至 ${today} 之间(3 个月内) / The court or arbitration filing date must ` +
          `be between ${earliest} and ${today} (within 3 months).`,
      };
    }
  } else if (!isDate(closure.deliveredOn) || closure.deliveredOn > today) {
    return {
      code: 'invalid-data',
      message: `请填写挂号信寄达日期(不晚于 ${today}) / Give the date the registered mail was delivered (by ${today}).`,
    };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Transitions
// ---------------------------------------------------------------------------------------------------------------

function nextStatus(ticket: TicketState, action: TicketAction): TicketStatus {
  switch (action.kind) {
    case 'verify':
      return 'verified';
    case 'dispatch':
    case 'redispatch':
      return 'dispatched';
    case 'plan':
      return 'planned';
    case 'start':
      return 'in-progress';
    case 'resolve':
    case 'answer':
      return 'resolved';
    case 'revisit':
      return action.satisfaction === 'satisfied' ? 'revisited' : 'reopened';
    case 'close':
    case 'force-close':
      return 'closed';
    case 'invalidate':
      return 'invalid';
    case 'wait':
    case 'resume':
      return ticket.status;
  }
}

/** A new ticket, as the agent, the IVR or a voicemail files it, and the first entry of its timeline. */
export function registerTicket(
  details: { type: TicketType; urgent?: boolean },
  by: TicketActor,
  at: Date,
): { ticket: TicketState; entry: TicketTimelineEntry } {
  const when = at.toISOString();
  const ticket: TicketState = {
    type: details.type,
    urgent: details.urgent ?? false,
    status: 'registered',
    department: null,
    plan: null,
    resolution: null,
    satisfaction: null,
    reopenCount: 0,
    waitingSince: null,
    forcedClosure: null,
    registeredAt: when,
    updatedAt: when,
  };
  const entry: TicketTimelineEntry = {
    at: when,
    by,
    action: { kind: 'register' },
    from: null,
    to: 'registered',
    waitEnded: false,
  };
  return { ticket, entry };
}

/**
 * Take `action` on the ticket: the ticket after it and the timeline entry to keep, or a refusal. Checked in this
 * order: the time (not before the last step), the status, the actor's role (and department), the action's data.
 */
export function transition(
  ticket: TicketState,
  action: TicketAction,
  by: TicketActor,
  at: Date,
  timeZone: string = DEFAULT_TIME_ZONE,
): TransitionResult {
  const kind = action.kind;
  if (!Object.hasOwn(RULES, kind)) {
    return refuse(ticket, 'invalid-data', `未知操作「${String(kind)}」 / Unknown action "${String(kind)}".`);
  }
  if (Number.isNaN(at.getTime()) || at.toISOString() < ticket.updatedAt) {
    return refuse(
      ticket,
      'out-of-order',
      `操作时间早于工单上一步(${ticket.updatedAt}) / The action is dated before the ticket's last step ` +
        `(${ticket.updatedAt}).`,
    );
  }
  if (!statusAllows(ticket, kind)) return notAllowedNow(ticket, kind);
  if (!RULES[kind].by.includes(by.role)) return notYourRole(ticket, kind, by);
  if (!roleAllows(ticket, kind, by)) {
    return refuse(
      ticket,
      'not-your-department',
      `工单在「${ticket.department ?? '未派单'}」,不是您的部门 / The ticket is with ` +
        `${ticket.department ?? 'no department'}, not with yours.`,
    );
  }
  const problem = checkData(ticket, action, at, timeZone);
  if (problem) return refuse(ticket, problem.code, problem.message);

  const to = nextStatus(ticket, action);
  const when = at.toISOString();
  const waitEnded = ticket.waitingSince !== null && (kind === 'resume' || to !== ticket.status);
  const next: TicketState = { ...ticket, status: to, updatedAt: when };
  if (waitEnded) next.waitingSince = null;
  switch (action.kind) {
    case 'dispatch':
    case 'redispatch':
      next.department = action.department.trim();
      break;
    case 'plan':
      next.plan = action.plan.trim();
      break;
    case 'resolve':
    case 'answer':
      next.resolution = action.resolution.trim();
      break;
    case 'revisit':
      next.satisfaction = action.satisfaction;
      if (to === 'reopened') {
        next.reopenCount = ticket.reopenCount + 1;
        next.plan = null;
        next.resolution = null;
      }
      break;
    case 'force-close':
      next.forcedClosure = action.closure;
      break;
    case 'wait':
      next.waitingSince = when;
      break;
    default:
      break;
  }
  return { ok: true, ticket: next, entry: { at: when, by, action, from: ticket.status, to, waitEnded } };
}

/**
 * The ticket a timeline describes, replaying it from its `register` entry; a refusal when a step was not
 * allowed (a timeline written by hand, or by older rules).
 */
export function replayTimeline(
  entries: readonly TicketTimelineEntry[],
  details: { type: TicketType; urgent?: boolean },
  timeZone: string = DEFAULT_TIME_ZONE,
): { ok: true; ticket: TicketState } | { ok: false; refusal: TicketRefusal; index: number } {
  const first = entries[0];
  if (first?.action.kind !== 'register') throw new RangeError('a timeline starts with its register entry');
  let ticket = registerTicket(details, first.by, new Date(first.at)).ticket;
  for (let index = 1; index < entries.length; index++) {
    const entry = entries[index]!;
    if (entry.action.kind === 'register') throw new RangeError(`entry ${index} registers the ticket again`);
    const result = transition(ticket, entry.action, entry.by, new Date(entry.at), timeZone);
    if (!result.ok) return { ok: false, refusal: result.refusal, index };
    ticket = result.ticket;
  }
  return { ok: true, ticket };
}
