// What the clock worker decides for a ticket (workers/ticket-clocks.ts), as a pure function of the ticket, its
// stored timeline, its limits and "now": which clocks ran out and are to be marked overdue (once each), whether
// the ticket is overdue, and the instant of the next due time to schedule a job for. Also the queue's name, its
// jobs and their ids, defined once here for every process that adds to it.
//
// The stored timeline holds more than the ticket's life: notes, attachments, the worker's own 'overdue' steps...
// Those keep the status as it is and are skipped when the clocks run (lifecycleTimeline).
import type { TicketAction, TicketTimelineEntry } from './lifecycle.ts';
import { ACTION_KINDS } from './types.ts';
import { CLOCK_LABELS, ticketClocks, type ClockLimits, type ClockName, type ClockStatus } from './clocks.ts';
import type { TicketTimelineStep, TicketType } from '../contracts.ts';
import { DEFAULT_TIME_ZONE, localTime } from '../calendar.ts';

/** The BullMQ queue of the ticket clocks. */
export const TICKET_CLOCKS_QUEUE = 'hotline-ticket-clocks';
/** The PostgreSQL channel on which changes are announced (migration 013): a ticket's id; '*' for many tickets
 * (new limits), 'calendar' after an edit of the work calendar. */
export const TICKET_CLOCKS_CHANNEL = 'hotline_ticket_clocks';

/** The queue's jobs: review one ticket now, review it at a due time, review every stale ticket. */
export interface TicketClockJobs {
  'ticket-changed': { ticketId: number };
  'clock-due': { ticketId: number; dueAt: string };
  reconcile: { why: string };
}
export type TicketClockJobName = keyof TicketClockJobs;

/**
 * The id of the job that fires when the ticket's next clock is due: one per ticket and instant, so scheduling it
 * again (a review, a reconciliation, two workers) adds nothing. Two clocks due at the same instant share it.
 */
export function clockDueJobId(ticketId: number, dueAt: string): string {
  return `due-${ticketId}-${Date.parse(dueAt)}`;
}

const LIFECYCLE_KINDS: readonly string[] = ['register', ...ACTION_KINDS];

/** The steps of the ticket's life, as lifecycle.ts and clocks.ts know them: other kinds of step are left out. */
export function lifecycleTimeline(steps: readonly TicketTimelineStep[]): TicketTimelineEntry[] {
  return steps
    .filter((s) => LIFECYCLE_KINDS.includes(s.kind))
    .map((s) => ({
      at: s.at,
      by: { role: s.by.role, id: s.by.id, ...(s.by.name === null ? {} : { name: s.by.name }) },
      action: { ...s.detail, kind: s.kind } as TicketAction | { kind: 'register' },
      from: s.from,
      to: s.to,
      waitEnded: s.waitEnded,
    }));
}

/**
 * The ticket's clocks at `now`; none for a ticket whose timeline does not start with its registration (tickets
 * older than the lifecycle, migration 010).
 */
export function clocksOfTicket(
  ticket: { type: TicketType; urgent: boolean },
  steps: readonly TicketTimelineStep[],
  limits: ClockLimits,
  now: Date,
): ClockStatus[] {
  const timeline = lifecycleTimeline(steps);
  if (timeline[0]?.action.kind !== 'register') return [];
  return ticketClocks(ticket, timeline, limits, now);
}

/** What the review of a ticket's clocks found. */
export interface ClockReview {
  clocks: ClockStatus[];
  /** Clocks that ran out and were not marked overdue yet (a timeline step each, a notice each). */
  newlyOverdue: ClockStatus[];
  /** A clock ran out and has not stopped. */
  overdue: boolean;
  /** The earliest due time of a clock still running (the delayed job's instant); null when none runs. */
  nextDueAt: string | null;
}

/** The worker's 'overdue' step names the clock and the round it marks. */
export interface OverdueDetail {
  clock: ClockName;
  round: number;
  dueAt: string;
  /** The department the ticket was with when the clock ran out; null before dispatch. */
  department: string | null;
}

export function reviewClocks(
  ticket: { type: TicketType; urgent: boolean },
  steps: readonly TicketTimelineStep[],
  limits: ClockLimits,
  now: Date,
): ClockReview {
  const clocks = clocksOfTicket(ticket, steps, limits, now);
  const marked = new Set(
    steps
      .filter((s) => s.kind === 'overdue')
      .map((s) => `${String(s.detail.clock)}#${String(s.detail.round)}`),
  );
  const overdue = clocks.filter((c) => c.state === 'overdue');
  const running = clocks
    .filter((c) => c.state === 'running' && c.dueAt !== null)
    .map((c) => c.dueAt!)
    .sort();
  return {
    clocks,
    newlyOverdue: overdue.filter((c) => !marked.has(`${c.clock}#${c.round}`)),
    overdue: overdue.length > 0,
    nextDueAt: running[0] ?? null,
  };
}

/** "2026-12-07 14:05" in the time zone (Shanghai by default): how a due time is shown to people. */
export function localDueTime(dueAt: string, timeZone: string = DEFAULT_TIME_ZONE): string {
  const local = localTime(new Date(dueAt), timeZone);
  const hh = String(Math.floor(local.minutes / 60)).padStart(2, '0');
  const mm = String(local.minutes % 60).padStart(2, '0');
  return `${local.date} ${hh}:${mm}`;
}

/** The notice of a clock that ran out, for supervisors and the department (中文 / English). */
export function overdueMessage(ticketNumber: string, clock: ClockStatus, department: string | null): string {
  const label = CLOCK_LABELS[clock.clock];
  const due = clock.dueAt === null ? '' : localDueTime(clock.dueAt);
  const zh =
    `工单 ${ticketNumber}「${label.zh}」${clock.round > 1 ? `(第 ${clock.round} 轮)` : ''}已超时` +
    `${department ? `(处理部门 ${department})` : ''},时限 ${due}`;
  const en =
    `Ticket ${ticketNumber} is overdue: "${label.en}"${clock.round > 1 ? ` (round ${clock.round})` : ''} was due ` +
    `by ${due}${department ? `, with ${department}` : ''}.`;
  return `${zh} / ${en}`;
}
