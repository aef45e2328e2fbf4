// Is the hotline staffed? The mainland calendar (public holidays, make-up working days) and an estate's hours.
import { describe, expect, it } from 'vitest';
import {
  addMonths,
  addWorkingDays,
  addWorkingTime,
  defaultOpeningHours,
  holidayCalendarCovers,
  hoursState,
  isMakeUpWorkday,
  isPublicHoliday,
  isWorkingDay,
  localTime,
  workingTimeBetween,
  type HoursState,
  type OpeningHours,
} from '../../core/calendar.ts';

/** Monday to Friday 09:00-18:00 in Shanghai, nothing at weekends: make-up days show up clearly. */
const OFFICE: OpeningHours = {
  timeZone: 'Asia/Shanghai',
  openOnHolidays: false,
  days: ([1, 2, 3, 4, 5] as const).map((weekday) => ({ weekday, opens: '09:00', closes: '18:00' })),
};
const EVERY_DAY = defaultOpeningHours(); // 08:00-20:00, Asia/Shanghai

/** An instant given as Shanghai wall-clock time (UTC+8, no daylight saving). */
const shanghai = (local: string) => new Date(`${local}+08:00`);

describe('the mainland calendar (chinese-days data)', () => {
  it.each([
    ['2026-10-01', 'Thursday, National Day', false],
    ['2026-10-03', 'Saturday inside the National Day break', false],
    ['2026-10-07', 'Wednesday, last day of the break', false],
    ['2026-10-08', 'Thursday after the break', true],
    ['2026-10-10', 'Saturday worked to make up for National Day (调休)', true],
    ['2026-09-20', 'Sunday worked to make up for National Day (调休)', true],
    ['2026-09-25', 'Friday, Mid-Autumn Festival', false],
    ['2026-02-14', 'Saturday worked to make up for the Spring Festival', true],
    ['2026-02-16', 'Monday in the Spring Festival break', false],
    ['2026-10-17', 'an ordinary Saturday', false],
    ['2026-11-24', 'an ordinary Tuesday', true],
  ])('%s (%s) is a working day: %s', (date, _what, working) => {
    expect(isWorkingDay(date)).toBe(working);
  });

  it('tells a public holiday from a weekend, and a make-up working day from a weekday', () => {
    expect(isPublicHoliday('2026-10-03')).toBe(true);
    expect(isPublicHoliday('2026-10-17')).toBe(false);
    expect(isMakeUpWorkday('2026-10-10')).toBe(true);
    expect(isMakeUpWorkday('2026-10-12')).toBe(false);
  });

  it('knows 2026 and says when a year is not in its data yet', () => {
    expect(holidayCalendarCovers(2026)).toBe(true);
    expect(holidayCalendarCovers(2031)).toBe(false);
  });

  it('refuses a date that is not one', () => {
    expect(() => isWorkingDay('2026-02-30')).toThrow(RangeError);
    expect(() => isWorkingDay('tomorrow')).toThrow(RangeError);
  });

  it('gives the same answers whatever the process time zone is', () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'America/Los_Angeles';
      expect(['2026-10-07', '2026-10-10', '2026-09-20', '2026-10-12'].map(isWorkingDay)).toEqual([
        false,
        true,
        true,
        true,
      ]);
      expect(hoursState(OFFICE, shanghai('2026-10-10T10:00'))).toBe('open');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('hoursState: is the hotline staffed at this instant?', () => {
  const table: [string, string, HoursState, OpeningHours][] = [
    ['2026-10-01T12:00', 'National Day at noon', 'holiday', OFFICE],
    ['2026-10-07T10:00', 'the last day of the National Day break', 'holiday', EVERY_DAY],
    ['2026-10-08T10:00', 'the first working day after it', 'open', OFFICE],
    ['2026-10-10T10:00', 'a make-up working Saturday, with Monday hours', 'open', OFFICE],
    ['2026-10-10T08:30', 'a make-up working Saturday before Monday opens', 'closed', OFFICE],
    ['2026-09-20T17:59', 'a make-up working Sunday, a minute before closing', 'open', OFFICE],
    ['2026-10-17T10:00', 'an ordinary Saturday without hours', 'closed', OFFICE],
    ['2026-10-17T10:00', 'an ordinary Saturday with hours', 'open', EVERY_DAY],
    ['2026-11-24T09:00', 'an ordinary Tuesday at opening time', 'open', OFFICE],
    ['2026-11-24T12:00', 'an ordinary Tuesday at noon', 'open', OFFICE],
    ['2026-11-24T18:00', 'an ordinary Tuesday at closing time', 'closed', OFFICE],
    ['2026-11-24T21:00', 'an ordinary Tuesday evening', 'closed', EVERY_DAY],
  ];
  it.each(table)('%s Shanghai (%s) is %s', (local, _what, state, hours) => {
    expect(hoursState(hours, shanghai(local))).toBe(state);
  });

  it('reads the wall clock on both sides of a daylight-saving change, a second apart', () => {
    // New York springs forward at 02:00 EST on 2026-03-08 (07:00 UTC) and falls back at 02:00 EDT on 2026-11-01
    const ny = (iso: string) => localTime(new Date(iso), 'America/New_York');
    expect(ny('2026-03-08T06:59:59Z')).toEqual({ date: '2026-03-08', weekday: 7, minutes: 1 * 60 + 59 });
    expect(ny('2026-03-08T07:00:00Z')).toEqual({ date: '2026-03-08', weekday: 7, minutes: 3 * 60 });
    expect(ny('2026-03-08T06:59:59Z').minutes).toBe(1 * 60 + 59); // and back again
    expect(ny('2026-11-01T05:59:59Z')).toEqual({ date: '2026-11-01', weekday: 7, minutes: 1 * 60 + 59 });
    expect(ny('2026-11-01T06:00:00Z')).toEqual({ date: '2026-11-01', weekday: 7, minutes: 1 * 60 });
    // a zone whose offset is not whole hours (UTC+5:45)
    expect(localTime(new Date('2026-11-24T23:30:00Z'), 'Asia/Kathmandu')).toEqual({
      date: '2026-11-25',
      weekday: 3,
      minutes: 5 * 60 + 15,
    });
    expect(() => localTime(new Date('x'), 'Asia/Shanghai')).toThrow(RangeError);
  });

  it('reads the clock in the estate time zone: 23:30 UTC is 07:30 the next morning in Shanghai', () => {
    const at = new Date('2026-11-24T23:30:00Z');
    expect(localTime(at, 'Asia/Shanghai')).toEqual({ date: '2026-11-25', weekday: 3, minutes: 7 * 60 + 30 });
    expect(hoursState(EVERY_DAY, at)).toBe('closed'); // opens at 08:00
    expect(hoursState(EVERY_DAY, new Date('2026-11-25T00:00:00Z'))).toBe('open'); // 08:00
    // 2026-09-30 is a working Wednesday in UTC, but already National Day in Shanghai
    expect(hoursState(EVERY_DAY, new Date('2026-09-30T23:30:00Z'))).toBe('holiday');
    // Friday 16:30 UTC is the make-up working Saturday 00:30 in Shanghai, which has Monday's hours (all day here)
    expect(
      hoursState(
        { ...OFFICE, days: [{ weekday: 1, opens: '00:00', closes: '24:00' }] },
        new Date('2026-10-09T16:30:00Z'),
      ),
    ).toBe('open');
  });

  it('opens on public holidays with the weekday hours when the estate says so', () => {
    const always = { ...EVERY_DAY, openOnHolidays: true };
    expect(hoursState(always, shanghai('2026-10-03T10:00'))).toBe('open');
    expect(hoursState(always, shanghai('2026-10-03T21:00'))).toBe('closed');
    expect(hoursState({ ...OFFICE, openOnHolidays: true }, shanghai('2026-10-03T10:00'))).toBe('closed');
  });

  it('keeps hours to the day: 24:00 closes at midnight', () => {
    const late = { ...OFFICE, days: [{ weekday: 2 as const, opens: '20:00', closes: '24:00' }] };
    expect(hoursState(late, shanghai('2026-11-24T23:59'))).toBe('open');
    expect(hoursState(late, shanghai('2026-11-25T00:00'))).toBe('closed');
  });

  it('uses the given zone, not Shanghai', () => {
    const london: OpeningHours = { ...EVERY_DAY, timeZone: 'Europe/London' };
    // 07:30 UTC = 07:30 in London in November (closed), 15:30 in Shanghai (open)
    expect(hoursState(london, new Date('2026-11-24T07:30:00Z'))).toBe('closed');
    expect(hoursState(EVERY_DAY, new Date('2026-11-24T07:30:00Z'))).toBe('open');
  });

  it('refuses an unknown time zone', () => {
    expect(() => hoursState({ ...EVERY_DAY, timeZone: 'Mars/Olympus' }, new Date())).toThrow(RangeError);
  });
});

describe('addWorkingDays', () => {
  it('skips weekends and the National Day break, keeping the local time', () => {
    // Thursday 2026-09-24 10:00; Mid-Autumn 25-27, working 28-30, National Day 1-7, then Thursday the 8th
    expect(addWorkingDays(shanghai('2026-09-24T10:00'), 4, 'Asia/Shanghai').toISOString()).toBe(
      '2026-10-08T02:00:00.000Z',
    );
    // Friday 2026-10-09 + 1 working day: the make-up Saturday 10-10
    expect(addWorkingDays(shanghai('2026-10-09T16:45'), 1).toISOString()).toBe('2026-10-10T08:45:00.000Z');
    expect(addWorkingDays(shanghai('2026-11-24T09:00'), 0).toISOString()).toBe('2026-11-24T01:00:00.000Z');
  });

  it('keeps the wall-clock time across a daylight-saving change', () => {
    // Friday 2026-10-23 09:00 in London (BST, UTC+1) + 1 working day = Monday 26th 09:00 (GMT, UTC+0)
    expect(addWorkingDays(new Date('2026-10-23T08:00:00Z'), 1, 'Europe/London').toISOString()).toBe(
      '2026-10-26T09:00:00.000Z',
    );
  });
});

describe('addMonths', () => {
  it.each([
    ['2026-01-15', 3, '2026-04-15'],
    ['2026-01-31', 1, '2026-02-28'],
    ['2024-01-31', 1, '2024-02-29'],
    ['2025-11-30', 3, '2026-02-28'],
    ['2026-10-31', 2, '2026-12-31'],
    ['2026-11-24', -3, '2026-08-24'],
    ['2026-05-31', -3, '2026-02-28'],
    ['2026-02-28', 12, '2027-02-28'],
    ['2026-03-15', 0, '2026-03-15'],
  ])('%s + %i months = %s', (date, months, expected) => {
    expect(addMonths(date, months)).toBe(expected);
  });

  it('refuses a date that is not one, or a part of a month', () => {
    expect(() => addMonths('2026-02-30', 1)).toThrow(RangeError);
    expect(() => addMonths('2026-01-15', 0.5)).toThrow(RangeError);
  });
});

describe('working time: whole working days, 00:00-24:00 in Shanghai', () => {
  const H = 3_600_000;
  const DAY = 24 * H;

  it('counts the working days between two instants, nothing for weekends and holidays', () => {
    // Wednesday 17:00 before National Day to Thursday 10-08 17:00: 7 h of the 30th, the 8th until 17:00
    expect(workingTimeBetween(shanghai('2026-09-30T17:00'), shanghai('2026-10-08T17:00'))).toBe(24 * H);
    // a week of the break: nothing
    expect(workingTimeBetween(shanghai('2026-10-01T00:00'), shanghai('2026-10-08T00:00'))).toBe(0);
    // Friday 10-09 to Monday 10-12: the make-up Saturday counts, Sunday does not
    expect(workingTimeBetween(shanghai('2026-10-09T00:00'), shanghai('2026-10-12T00:00'))).toBe(2 * DAY);
    expect(workingTimeBetween(shanghai('2026-11-24T10:00'), shanghai('2026-11-24T09:00'))).toBe(0);
    expect(workingTimeBetween(shanghai('2026-11-24T10:00'), shanghai('2026-11-24T10:30'))).toBe(H / 2);
  });

  it('adds working days at the same time of day from a working day', () => {
    // 17:00 on the eve of National Day + 2 working days: Thursday 10-08 and Friday 10-09
    expect(addWorkingTime(shanghai('2026-09-30T17:00'), 2 * DAY)).toEqual(shanghai('2026-10-09T17:00'));
    // Friday 10-09 + 1 working day: the make-up Saturday 10-10
    expect(addWorkingTime(shanghai('2026-10-09T16:45'), DAY)).toEqual(shanghai('2026-10-10T16:45'));
    // the same as addWorkingDays from a working day
    const from = shanghai('2026-09-24T10:00');
    expect(addWorkingTime(from, 4 * DAY)).toEqual(addWorkingDays(from, 4));
  });

  it('from a holiday or a weekend, counts from 00:00 of the next working day to the end of the last one', () => {
    expect(addWorkingTime(shanghai('2026-10-03T10:00'), 2 * DAY)).toEqual(shanghai('2026-10-10T00:00'));
    expect(addWorkingTime(shanghai('2026-11-21T10:00'), DAY / 2)).toEqual(shanghai('2026-11-23T12:00'));
  });

  it('ends at 24:00 of a working day rather than at the start of the next one', () => {
    expect(addWorkingTime(shanghai('2026-09-30T00:00'), DAY)).toEqual(shanghai('2026-10-01T00:00'));
    expect(addWorkingTime(shanghai('2026-09-30T00:00'), DAY + 1)).toEqual(
      new Date(shanghai('2026-10-08T00:00').getTime() + 1),
    );
  });

  it('adds nothing for 0 and refuses a negative time', () => {
    expect(addWorkingTime(shanghai('2026-10-03T10:00'), 0)).toEqual(shanghai('2026-10-03T10:00'));
    expect(() => addWorkingTime(shanghai('2026-10-03T10:00'), -1)).toThrow(RangeError);
    expect(() => addWorkingTime(shanghai('2026-10-03T10:00'), Infinity)).toThrow(RangeError);
  });

  it('is the inverse of workingTimeBetween', () => {
    const from = shanghai('2026-09-27T15:20');
    for (const ms of [1, H, 5 * H, DAY, 3 * DAY + 7 * H, 10 * DAY]) {
      expect(workingTimeBetween(from, addWorkingTime(from, ms))).toBe(ms);
    }
  });

  it('counts whole wall-clock days in a zone with daylight saving', () => {
    // Friday 2026-10-23 09:00 London + 1 working day = Monday 26th 09:00 (after the change back to GMT)
    expect(addWorkingTime(new Date('2026-10-23T08:00:00Z'), DAY, 'Europe/London')).toEqual(
      new Date('2026-10-26T09:00:00.000Z'),
    );
  });
});
