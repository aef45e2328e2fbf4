// The dialer's rules with a fixed clock: when an attempt may be dialled, retries, target statuses, the ETA.
import { describe, expect, it } from 'vitest';
import {
  campaignWindow,
  dialPacing,
  honoursDoNotCall,
  inCallingWindow,
  nextAttemptDue,
  nextDialTime,
  ProgressThrottle,
  reachedBy,
  targetStatusAfter,
  targetStatusOfDrop,
  WorkCalendar,
  type CallingWindow,
} from '../../core/index.ts';

const shanghai = (local: string) => new Date(`${local}+08:00`);
/** 2026: National Day break 10-01..10-07 (holidays), Saturday 10-10 worked. */
const CALENDAR = new WorkCalendar(
  [
    ...['01', '02', '03', '04', '05', '06', '07'].map((d) => ({
      date: `2026-10-${d}`,
      kind: 'holiday' as const,
      name: '国庆节',
    })),
    { date: '2026-10-10', kind: 'make-up-workday' as const, name: '国庆节' },
  ],
  [2026],
);
const reminder = campaignWindow({
  kind: 'fee-reminder',
  windowStart: '09:00:00',
  windowEnd: '20:00:00',
  timeZone: 'Asia/Shanghai',
  skipHolidays: false,
});
const notice: CallingWindow = { ...reminder, skipHolidays: false };

describe('when an attempt may be dialled', () => {
  it('inside the window: now', () => {
    const at = shanghai('2026-09-29T10:15:00');
    expect(nextDialTime(reminder, at, CALENDAR)).toEqual(at);
    expect(inCallingWindow(reminder, at, CALENDAR)).toBe(true);
  });
  it('before the window: its opening that day; at or after its end: the next morning', () => {
    expect(nextDialTime(reminder, shanghai('2026-09-29T07:59:00'), CALENDAR)).toEqual(
      shanghai('2026-09-29T09:00:00'),
    );
    expect(nextDialTime(reminder, shanghai('2026-09-29T20:00:00'), CALENDAR)).toEqual(
      shanghai('2026-09-30T09:00:00'),
    );
    expect(inCallingWindow(reminder, shanghai('2026-09-29T19:59:59'), CALENDAR)).toBe(true);
  });
  it('a fee reminder waits out the National Day break; a notice calls on a holiday', () => {
    expect(nextDialTime(reminder, shanghai('2026-09-30T21:00:00'), CALENDAR)).toEqual(
      shanghai('2026-10-08T09:00:00'),
    );
    expect(nextDialTime(reminder, shanghai('2026-10-03T11:00:00'), CALENDAR)).toEqual(
      shanghai('2026-10-08T09:00:00'),
    );
    expect(nextDialTime(notice, shanghai('2026-10-03T11:00:00'), CALENDAR)).toEqual(
      shanghai('2026-10-03T11:00:00'),
    );
  });
  it('weekends are calling days; another zone keeps its own wall clock', () => {
    expect(inCallingWindow(reminder, shanghai('2026-09-26T10:00:00'), CALENDAR)).toBe(true);
    const urumqi: CallingWindow = { ...notice, timeZone: 'Asia/Urumqi' }; // UTC+6
    expect(nextDialTime(urumqi, shanghai('2026-09-29T10:00:00'), CALENDAR)).toEqual(
      shanghai('2026-09-29T11:00:00'),
    );
  });
});

describe('retries', () => {
  const policy = { maxAttempts: 3, retrySpacingS: 1800 };
  const ended = shanghai('2026-09-29T10:00:00');
  it.each(['busy', 'no-answer', 'congestion', 'rejected', 'failed', 'interrupted'] as const)(
    '%s: again after the spacing while attempts remain',
    (result) => {
      expect(nextAttemptDue(policy, 1, result, ended)).toEqual(shanghai('2026-09-29T10:30:00'));
      expect(nextAttemptDue(policy, 3, result, ended)).toBeNull();
    },
  );
  it('an answered call ends the target', () => {
    expect(nextAttemptDue(policy, 1, 'answered', ended)).toBeNull();
  });
});

describe("a target's status", () => {
  it('after an attempt', () => {
    expect(targetStatusAfter('answered', 'acknowledged')).toBe('completed');
    expect(targetStatusAfter('answered', 'opted-out')).toBe('opted-out');
    expect(targetStatusAfter('rejected', null)).toBe('busy');
    expect(targetStatusAfter('no-answer', null)).toBe('no-answer');
    expect(targetStatusAfter('interrupted', null)).toBe('failed');
    expect(reachedBy('answered', 'heard')).toBe(true);
    expect(reachedBy('answered', 'no-input')).toBe(false);
  });
  it('when dropped undialled', () => {
    expect(targetStatusOfDrop('paid')).toBe('skipped');
    expect(targetStatusOfDrop('do-not-call')).toBe('opted-out');
    expect(targetStatusOfDrop('cancelled')).toBe('cancelled');
    expect(targetStatusOfDrop('ticket-closed')).toBe('skipped');
  });
  it('do-not-call holds for fee reminders and ordinary notices only', () => {
    expect(honoursDoNotCall('fee-reminder', false)).toBe(true);
    expect(honoursDoNotCall('notice', false)).toBe(true);
    expect(honoursDoNotCall('notice', true)).toBe(false);
    expect(honoursDoNotCall('revisit', false)).toBe(false);
  });
});

describe('progress events', () => {
  it('at most one progress event per interval and campaign, the last change sent at its end', () => {
    const t = new ProgressThrottle(500);
    expect(t.changed('1', 1000)).toBe(0);
    expect(t.changed('1', 1001)).toBeNull();
    t.sent('1', 1002);
    expect(t.changed('1', 1100)).toBe(402);
    expect(t.changed('2', 1100)).toBe(0);
  });
});

describe("a trunk's calls a second as the dial queue's rate limit", () => {
  it.each([
    [60, 15, 250],
    [10, 3, 300],
    [5, 1, 200],
    [1, 1, 1000],
    [7, 2, 286],
    [150, 38, 254],
  ])('%d calls/s: %d starts per %d ms, never faster on average', (cps, max, durationMs) => {
    const pacing = dialPacing(cps);
    expect(pacing).toEqual({ max, durationMs });
    expect((pacing.max * 1000) / pacing.durationMs).toBeLessThanOrEqual(cps);
  });
});
