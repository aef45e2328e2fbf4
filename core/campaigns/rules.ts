// The dialer's rules (issue 6), pure: when an attempt may be dialled (the calling window, holidays), whether a
// target is tried again, how a target's status moves, and how long the rest of a campaign will take. No I/O, no
// clock: the instant comes with the call, the work calendar is a value (core/calendar.ts).
//
// Decisions (DOMAIN.md "Outbound" leaves them open):
// - Fee reminders are never dialled on a mainland public holiday (the work calendar, so an admin's edit counts);
//   other kinds only when the campaign says `skip_holidays`. Weekends are ordinary calling days: the window holds.
// - Retried (after retry_spacing_s, while attempts < max_attempts): busy, no-answer, congestion, failed,
//   rejected and interrupted. Rejected (Q.850 21: the owner declined the ringing call) is retried like busy: an
//   owner in a meeting declines, and the rule caps the calls anyway; an owner who wants no more calls presses 9.
//   Interrupted (the dialer died mid-call, the call's end was never heard) is retried too: the owner may not have
//   heard the message, and the attempt itself is never dialled again.
// - An answered call ends the target (completed, or opted-out when the owner pressed 9); an owner who hung up
//   before the message was through (outcome no-input) is not called again by the dialer either: a person may.
import {
  clockMinutes,
  currentWorkCalendar,
  localInstant,
  localTime,
  addDays,
  type WorkCalendar,
} from '../calendar.ts';
import { DIAL_RESULTS } from './types.ts';
import type { CallOutcome, CampaignKind, DialResult, DropReason, TargetStatus } from './types.ts';

/** When a campaign may call: local wall-clock times 'HH:MM' (or 'HH:MM:SS', as PostgreSQL gives a time). */
export interface CallingWindow {
  start: string;
  end: string;
  timeZone: string;
  /** No calls on public holidays. */
  skipHolidays: boolean;
}

export const DEFAULT_CALLING_WINDOW: CallingWindow = {
  start: '09:00',
  end: '20:00',
  timeZone: 'Asia/Shanghai',
  skipHolidays: false,
};

/** The window of a campaign: fee reminders skip public holidays whatever the row says. */
export function campaignWindow(c: {
  kind: CampaignKind;
  windowStart: string;
  windowEnd: string;
  timeZone: string;
  skipHolidays: boolean;
}): CallingWindow {
  return {
    start: c.windowStart,
    end: c.windowEnd,
    timeZone: c.timeZone,
    skipHolidays: c.skipHolidays || c.kind === 'fee-reminder',
  };
}

const minutesOf = (time: string): number => clockMinutes(time.slice(0, 5));

/** Looking this many days ahead finds an opening after any holiday break (the longest is 8-9 days). */
const MAX_DAYS_AHEAD = 60;

/**
 * When may an attempt due at `at` be dialled? `at` itself when it falls inside the window on a calling day,
 * otherwise the next opening of the window (its start on the next calling day). The window runs from `start` up
 * to (not at) `end`.
 */
export function nextDialTime(
  window: CallingWindow,
  at: Date,
  calendar: WorkCalendar = currentWorkCalendar(),
): Date {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  if (!(start < end))
    throw new RangeError(`the window must start before it ends: ${window.start}-${window.end}`);
  const local = localTime(at, window.timeZone);
  const callingDay = (date: string) => !window.skipHolidays || !calendar.isPublicHoliday(date);
  if (callingDay(local.date)) {
    if (local.minutes >= start && local.minutes < end) return at;
    if (local.minutes < start) return localInstant(local.date, start, window.timeZone);
  }
  let date = local.date;
  for (let i = 0; i < MAX_DAYS_AHEAD; i++) {
    date = addDays(date, 1);
    if (callingDay(date)) return localInstant(date, start, window.timeZone);
  }
  throw new RangeError(`no calling day within ${MAX_DAYS_AHEAD} days of ${local.date}`);
}

/** Is `at` inside the window (a dial may start now)? */
export function inCallingWindow(window: CallingWindow, at: Date, calendar?: WorkCalendar): boolean {
  return nextDialTime(window, at, calendar).getTime() === at.getTime();
}

/** Unanswered results after which the target is tried again (see the top of the file). */
export const RETRIED_RESULTS: readonly DialResult[] = DIAL_RESULTS.filter((r) => r !== 'answered');

export interface RetryPolicy {
  maxAttempts: number;
  retrySpacingS: number;
}

/**
 * After attempt `attemptNo` ended with `result` at `endedAt`: when the next attempt is due (before the window
 * rule moves it), or null when the target is done.
 */
export function nextAttemptDue(
  policy: RetryPolicy,
  attemptNo: number,
  result: DialResult,
  endedAt: Date,
): Date | null {
  if (!RETRIED_RESULTS.includes(result)) return null;
  if (attemptNo >= policy.maxAttempts) return null;
  return new Date(endedAt.getTime() + policy.retrySpacingS * 1000);
}

/** The target's status once an attempt ended with `result` (and, answered, `outcome`). */
export function targetStatusAfter(result: DialResult, outcome: CallOutcome | null): TargetStatus {
  switch (result) {
    case 'answered':
      return outcome === 'opted-out' ? 'opted-out' : 'completed';
    case 'busy':
    case 'rejected':
      return 'busy';
    case 'no-answer':
      return 'no-answer';
    case 'congestion':
    case 'failed':
    case 'interrupted':
      return 'failed';
  }
}

/** The target's status when its attempt is dropped undialled; the target is done then. */
export function targetStatusOfDrop(reason: DropReason): TargetStatus {
  switch (reason) {
    case 'do-not-call':
      return 'opted-out';
    case 'cancelled':
      return 'cancelled';
    case 'paid':
    case 'ticket-closed':
      return 'skipped';
  }
}

/** Did the owner hear the message (coverage counts it)? */
export function reachedBy(result: DialResult, outcome: CallOutcome | null): boolean {
  return result === 'answered' && outcome !== 'no-input';
}

/**
 * Which numbers on the do-not-call list are still called: revisits (every valid complaint is revisited, DOMAIN)
 * and emergency notices (safety first); fee reminders and ordinary notices are not.
 */
export function honoursDoNotCall(kind: CampaignKind, emergencyNotice: boolean): boolean {
  if (kind === 'revisit') return false;
  if (kind === 'notice') return !emergencyNotice;
  return true;
}

/**
 * The dial queue's rate limit for a trunk's calls a second: `max` starts per `durationMs`, windows of about 250 ms.
 * BullMQ's limiter counts in fixed windows, so a one-second window lets a second's dials start at once and the next
 * second's right after (twice the rate within a second, which a carrier's limit refuses; the calls started together
 * also fill the channel cap and the dials after them wait). Short windows spread the starts, at most 1.25 times the
 * rate in any second; the average is never above `callsPerSecond`. Shorter windows lose more to the worker's wake-up
 * after each window on a loaded machine.
 */
export function dialPacing(callsPerSecond: number): { max: number; durationMs: number } {
  const max = Math.max(1, Math.round(callsPerSecond / 4));
  return { max, durationMs: Math.ceil((1000 * max) / Math.max(callsPerSecond, 1e-3)) };
}

/**
 * Throttle for progress events: at most one per `intervalMs` per key; a change inside the interval is sent at its
 * end (trailing). Returns the delay to wait before sending (0: send now), or null: one is already pending.
 */
export class ProgressThrottle {
  readonly #lastSent = new Map<string, number>();
  readonly #pending = new Set<string>();
  readonly intervalMs: number;
  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** A change for `key` at `now` (ms). */
  changed(key: string, now: number): number | null {
    if (this.#pending.has(key)) return null;
    const last = this.#lastSent.get(key);
    const wait = last === undefined ? 0 : Math.max(0, last + this.intervalMs - now);
    this.#pending.add(key);
    return wait;
  }

  /** The event for `key` was sent at `now`. */
  sent(key: string, now: number): void {
    this.#pending.delete(key);
    this.#lastSent.set(key, now);
  }
}
