// A ticket's time limits (DOMAIN.md "Time limits"), computed from its timeline (lifecycle.ts). Pure: the
// timeline, the limits and "now" go in; each clock's due time and state come out.
//
// | clock   | types                          | starts                         | stops                | default           |
// |---------|--------------------------------|--------------------------------|----------------------|-------------------|
// | dispatch| all                            | intake                         | dispatch, answer     | 24 h              |
// | plan    | complaint, compensation        | intake; again at each reopen   | plan                 | 2 working days    |
// | reply   | complaint, compensation        | intake; again at each reopen   | resolve, invalidate  | 4 working days    |
// | on-site | repair                         | intake; again at each reopen   | start                | 15 min urgent, 30 |
// | fix     | repair                         | intake; again at each reopen   | resolve, invalidate  | 6 h urgent, 1 wd  |
// | revisit | complaint, compensation, repair| each resolve                   | revisit              | 48 h              |
//
// `reply` is the owner's answer on the outcome (resolved, or told why it is not the company's responsibility):
// the plan comes within 2 working days, the outcome within 4. A repair is on site when its department starts it.
// A clock still running when the ticket closes (forced, or found invalid) is `cancelled`. Each reopening (an
// unsatisfied revisit) starts a new round of plan, reply, on-site and fix with the same limits; earlier rounds
// stay in the list (the first-reply KPI takes round 1).
//
// Units. Minutes and hours are wall-clock time, nights and holidays included (repairs run every day; a repair
// reported at 23:50 is due on site at 00:05). Working days are working time (core/calendar.ts): each working day of
// the mainland calendar counts whole, 00:00-24:00 Asia/Shanghai, weekends and holidays count nothing. So N working
// days from an instant on a working day is the same time of day on the N-th following working day (17:00 on the
// eve of National Day + 2 working days = 17:00 on the 2nd working day after the break; a make-up working
// Saturday counts), and from a weekend or holiday it is the end (24:00) of the N-th working day.
// Due means "by then": a clock stopped at its due time exactly is met, and one running at its due time is not yet
// overdue.
//
// Waiting for the owner (from lifecycle `wait` to `resume` or to the next status change) pauses every clock but
// dispatch (sending the work order needs nothing from the owner). A paused clock does not count the wait in its own kind of
// time: a wall-clock limit gets the wall time waited back, a working-day limit the working time waited (a wait
// over a weekend gives nothing back). While the ticket waits, a clock not yet due is `paused` with no due time.
//
// The calendar (core/calendar.ts WorkCalendar) is the process's current one unless one is passed: the database's
// in the platform (seeded from chinese-days, edited by admins). A working-day due time in a year it does not cover
// is computed with weekends only and flagged `calendarUnknown`: warn the supervisors (calendarWarnings; the
// tickets API shows them with the ticket, GET /api/calendar lists the upcoming years not covered).
import type { TicketType } from '../contracts.ts';
import {
  addWorkingTime,
  currentWorkCalendar,
  DEFAULT_TIME_ZONE,
  localTime,
  workingTimeBetween,
  type WorkCalendar,
} from '../calendar.ts';
import type { TicketTimelineEntry } from './lifecycle.ts';

export const CLOCK_NAMES = ['dispatch', 'plan', 'reply', 'on-site', 'fix', 'revisit'] as const;
export type ClockName = (typeof CLOCK_NAMES)[number];

export const CLOCK_LABELS: Record<ClockName, { zh: string; en: string }> = {
  dispatch: { zh: '派单', en: 'dispatch' },
  plan: { zh: '回复处理方案', en: 'reply with a plan' },
  reply: { zh: '答复处理结果', en: 'reply with the outcome' },
  'on-site': { zh: '到场', en: 'on site' },
  fix: { zh: '修复', en: 'fixed' },
  revisit: { zh: '回访', en: 'revisit' },
};

export interface ClockLimit {
  amount: number;
  unit: 'minutes' | 'hours' | 'working-days';
}

export interface ClockLimits {
  dispatch: ClockLimit;
  plan: ClockLimit;
  reply: ClockLimit;
  onSiteUrgent: ClockLimit;
  onSite: ClockLimit;
  fixUrgent: ClockLimit;
  fix: ClockLimit;
  revisit: ClockLimit;
}

export const DEFAULT_CLOCK_LIMITS: ClockLimits = {
  dispatch: { amount: 24, unit: 'hours' },
  plan: { amount: 2, unit: 'working-days' },
  reply: { amount: 4, unit: 'working-days' },
  onSiteUrgent: { amount: 15, unit: 'minutes' },
  onSite: { amount: 30, unit: 'minutes' },
  fixUrgent: { amount: 6, unit: 'hours' },
  fix: { amount: 1, unit: 'working-days' },
  revisit: { amount: 48, unit: 'hours' },
};

const UNIT_MS: Record<ClockLimit['unit'], number> = {
  minutes: 60_000,
  hours: 3_600_000,
  'working-days': 86_400_000,
};

/**
 * The limits that apply to an estate: the defaults, then the company's overrides, then the estate's (later ones
 * win, limit by limit). Throws RangeError naming a limit that is not a positive amount of a known unit.
 */
export function clockLimits(...overrides: (Partial<ClockLimits> | null | undefined)[]): ClockLimits {
  const limits: ClockLimits = { ...DEFAULT_CLOCK_LIMITS };
  for (const override of overrides) {
    for (const [name, limit] of Object.entries(override ?? {})) {
      if (!Object.hasOwn(DEFAULT_CLOCK_LIMITS, name)) throw new RangeError(`unknown time limit "${name}"`);
      if (limit === undefined) continue;
      const { amount, unit } = (limit ?? {}) as Partial<ClockLimit>;
      if (unit === undefined || !Object.hasOwn(UNIT_MS, unit) || !(Number.isFinite(amount) && amount! > 0)) {
        throw new RangeError(
          `time limit "${name}" must be a positive number of minutes, hours or working-days`,
        );
      }
      limits[name as keyof ClockLimits] = { amount: amount!, unit };
    }
  }
  return limits;
}

export type ClockState = 'running' | 'paused' | 'overdue' | 'met' | 'missed' | 'cancelled';

export interface ClockStatus {
  clock: ClockName;
  /** 1 for the first handling, 2 after the first reopening... */
  round: number;
  limit: ClockLimit;
  startedAt: string;
  /** When it must stop by; null while paused before it was due. */
  dueAt: string | null;
  /** When its event happened (met, missed) or the ticket closed (cancelled). */
  stoppedAt: string | null;
  state: ClockState;
  /** Time counted so far (to now, or to the stop), in the limit's kind of time, ms. */
  usedMs: number;
  /** Waits for the owner not counted, in the limit's kind of time, ms. */
  pausedMs: number;
  /** The due time falls in a year the holiday calendar does not know yet (working-day limits only). */
  calendarUnknown: boolean;
}

interface Measure {
  between(from: number, to: number): number;
  add(from: number, ms: number): number;
}

function measureOf(limit: ClockLimit, timeZone: string, calendar: WorkCalendar): Measure {
  if (limit.unit !== 'working-days') return { between: (a, b) => Math.max(0, b - a), add: (a, ms) => a + ms };
  return {
    between: (a, b) => workingTimeBetween(new Date(a), new Date(b), timeZone, calendar),
    add: (a, ms) => addWorkingTime(new Date(a), ms, timeZone, calendar).getTime(),
  };
}

/** A wait for the owner: [from, to), `to` null while it goes on. */
interface Wait {
  from: number;
  to: number | null;
}

function waitsOf(timeline: readonly TicketTimelineEntry[]): Wait[] {
  const waits: Wait[] = [];
  for (const entry of timeline) {
    const at = Date.parse(entry.at);
    if (entry.waitEnded) {
      const open = waits.at(-1);
      if (open?.to === null) open.to = at;
    }
    if (entry.action.kind === 'wait') waits.push({ from: at, to: null });
  }
  return waits;
}

/** One run of a clock: from `start` to `stop` (null: not stopped), and how it ended when it did not stop. */
interface Run {
  clock: ClockName;
  round: number;
  limit: ClockLimit;
  start: number;
  stop: number | null;
  /** The ticket closed (or was found invalid) at this instant without the clock's event. */
  cancelledAt: number | null;
  pauses: boolean;
}

function evaluate(
  run: Run,
  waits: Wait[],
  now: number,
  timeZone: string,
  calendar: WorkCalendar,
): ClockStatus {
  const measure = measureOf(run.limit, timeZone, calendar);
  const limitMs = run.limit.amount * UNIT_MS[run.limit.unit];
  const end = run.stop ?? run.cancelledAt ?? now;
  // the clock runs from its start to `end`, except during the waits (which never outlast a status change)
  const pauses = run.pauses
    ? waits
        .filter((w) => (w.to ?? Infinity) > run.start && w.from < end)
        .map((w) => ({ from: Math.max(w.from, run.start), to: Math.min(w.to ?? end, end) }))
    : [];
  const waitingNow =
    run.pauses && run.stop === null && run.cancelledAt === null && waits.some((w) => w.to === null);

  let used = 0;
  let pausedMs = 0;
  let due: number | null = null;
  let cursor = run.start;
  const segments: [number, number][] = [];
  for (const p of pauses) {
    segments.push([cursor, p.from]);
    pausedMs += measure.between(p.from, p.to);
    cursor = p.to;
  }
  segments.push([cursor, end]);
  for (const [a, b] of segments) {
    const length = measure.between(a, b);
    if (due === null && used + length >= limitMs) due = measure.add(a, limitMs - used);
    used += length;
  }
  // not due by `end`: where the remaining time runs out, unless the ticket waits now (due unknown)
  if (due === null && !waitingNow) due = measure.add(end, limitMs - used);

  let state: ClockState;
  if (run.stop !== null) state = due !== null && run.stop <= due ? 'met' : 'missed';
  else if (run.cancelledAt !== null) state = 'cancelled';
  else if (due !== null && now > due) state = 'overdue';
  else state = due === null ? 'paused' : 'running';

  const calendarUnknown =
    due !== null &&
    run.limit.unit === 'working-days' &&
    !calendar.covers(Number(localTime(new Date(due), timeZone).date.slice(0, 4)));
  return {
    clock: run.clock,
    round: run.round,
    limit: run.limit,
    startedAt: new Date(run.start).toISOString(),
    dueAt: due === null ? null : new Date(due).toISOString(),
    stoppedAt: run.stop !== null || run.cancelledAt !== null ? new Date(end).toISOString() : null,
    state,
    usedMs: used,
    pausedMs,
    calendarUnknown,
  };
}

const STOPS: Record<ClockName, readonly string[]> = {
  dispatch: ['dispatch', 'answer'],
  plan: ['plan'],
  reply: ['resolve', 'invalidate'],
  'on-site': ['start'],
  fix: ['resolve', 'invalidate'],
  revisit: ['revisit'],
};

function clocksOf(type: TicketType): ClockName[] {
  switch (type) {
    case 'complaint':
    case 'compensation':
      return ['dispatch', 'plan', 'reply', 'revisit'];
    case 'repair':
      return ['dispatch', 'on-site', 'fix', 'revisit'];
    case 'inquiry':
    case 'suggestion':
      return ['dispatch'];
  }
}

function limitOf(clock: ClockName, urgent: boolean, limits: ClockLimits): ClockLimit {
  switch (clock) {
    case 'on-site':
      return urgent ? limits.onSiteUrgent : limits.onSite;
    case 'fix':
      return urgent ? limits.fixUrgent : limits.fix;
    default:
      return limits[clock];
  }
}

/**
 * Every clock of the ticket, round by round, in the order they started: its due time and its state at `now`.
 * The timeline is the ticket's, in order, from its `register` entry (lifecycle.ts). `calendar`: the work calendar
 * (default the process's current one).
 */
export function ticketClocks(
  ticket: { type: TicketType; urgent: boolean },
  timeline: readonly TicketTimelineEntry[],
  limits: ClockLimits,
  now: Date,
  timeZone: string = DEFAULT_TIME_ZONE,
  calendar: WorkCalendar = currentWorkCalendar(),
): ClockStatus[] {
  if (timeline[0]?.action.kind !== 'register')
    throw new RangeError('a timeline starts with its register entry');
  const last = timeline.at(-1)!;
  const finalAt = last.to === 'closed' || last.to === 'invalid' ? Date.parse(last.at) : null;
  const names = clocksOf(ticket.type);
  const runs: Run[] = [];
  const startRun = (clock: ClockName, round: number, start: number, index: number): void => {
    if (!names.includes(clock)) return;
    const stopEntry = timeline.slice(index + 1).find((e) => STOPS[clock].includes(e.action.kind));
    // a run is over at the next reopening or resolution that starts the same clock again
    const stop = stopEntry ? Date.parse(stopEntry.at) : null;
    runs.push({
      clock,
      round,
      limit: limitOf(clock, ticket.urgent, limits),
      start,
      stop,
      cancelledAt: stop === null ? finalAt : null,
      pauses: clock !== 'dispatch',
    });
  };
  let round = 1;
  timeline.forEach((entry, index) => {
    const at = Date.parse(entry.at);
    const kind = entry.action.kind;
    if (kind === 'register') {
      for (const clock of ['dispatch', 'plan', 'reply', 'on-site', 'fix'] as const)
        startRun(clock, round, at, index);
    } else if (kind === 'revisit' && entry.to === 'reopened') {
      round += 1;
      for (const clock of ['plan', 'reply', 'on-site', 'fix'] as const) startRun(clock, round, at, index);
    } else if (kind === 'resolve' || kind === 'answer') {
      startRun('revisit', round, at, index);
    }
  });
  const waits = waitsOf(timeline);
  const nowMs = now.getTime();
  return runs.map((run) => evaluate(run, waits, nowMs, timeZone, calendar));
}

/**
 * How long the ticket has been unresolved, for severity's "7 days after intake": wall-clock time from intake
 * (and from each reopening) to its resolution (resolved, invalid, closed) or `now`, without the waits for the owner.
 */
export function unresolvedTime(timeline: readonly TicketTimelineEntry[], now: Date): number {
  const waits = waitsOf(timeline);
  let total = 0;
  let since: number | null = null;
  const add = (from: number, to: number): void => {
    total += to - from;
    for (const w of waits) total -= Math.max(0, Math.min(w.to ?? to, to) - Math.max(w.from, from));
  };
  for (const entry of timeline) {
    const at = Date.parse(entry.at);
    const unresolved = !['resolved', 'revisited', 'closed', 'invalid'].includes(entry.to);
    if (unresolved && since === null) since = at;
    if (!unresolved && since !== null) {
      add(since, at);
      since = null;
    }
  }
  if (since !== null) add(since, Math.max(since, now.getTime()));
  return total;
}

/** The supervisors' warning for each clock whose due time the holiday calendar cannot vouch for. */
export function calendarWarnings(
  clocks: readonly ClockStatus[],
  timeZone: string = DEFAULT_TIME_ZONE,
): string[] {
  return clocks
    .filter((c) => c.calendarUnknown && c.dueAt !== null)
    .map((c) => {
      const due = localTime(new Date(c.dueAt!), timeZone).date;
      const year = due.slice(0, 4);
      const label = CLOCK_LABELS[c.clock];
      return (
        `「${label.zh}」时限 ${due} 所在的 ${year} 年节假日安排尚未收录,按周末计算,请核对 / The "${label.en}" ` +
        `limit falls on ${due}, in ${year}, whose public holidays the calendar does not know yet (counted with ` +
        'weekends only): check it.'
      );
    });
}
