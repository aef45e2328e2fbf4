// The work calendar as a value: the package's by default, or one kept in the database with an admin's edits
// (an added holiday, a year marked covered), given to the functions or installed for the whole process.
import { afterEach, describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  calendarDayProblem,
  calendarNotCoveredMessage,
  currentWorkCalendar,
  holidayCalendarCovers,
  hoursState,
  isPublicHoliday,
  isWorkingDay,
  PACKAGE_CALENDAR,
  PACKAGE_CALENDAR_SOURCE,
  packageCalendarDays,
  setWorkCalendar,
  upcomingUncoveredYears,
  workingTimeBetween,
  WorkCalendar,
  type CalendarDay,
} from '../../core/calendar.ts';
import {
  calendarWarnings,
  DEFAULT_CLOCK_LIMITS,
  registerTicket,
  ticketClocks,
} from '../../core/tickets/index.ts';

const shanghai = (local: string) => new Date(`${local}+08:00`);

/** The package's calendar plus what an admin entered for 2027: 元旦 on Friday 2027-01-01; 2027 covered or not. */
function withNewYear2027(covered: boolean): WorkCalendar {
  const days: CalendarDay[] = [
    ...packageCalendarDays(),
    { date: '2027-01-01', kind: 'holiday', name: '元旦' },
  ];
  return new WorkCalendar(days, [...PACKAGE_CALENDAR.coveredYears, ...(covered ? [2027] : [])]);
}

afterEach(() => setWorkCalendar(null));

describe('the package calendar (chinese-days 1.5.7)', () => {
  it('is the default, knows 2026 and not 2027', () => {
    expect(currentWorkCalendar()).toBe(PACKAGE_CALENDAR);
    expect(PACKAGE_CALENDAR_SOURCE).toBe('chinese-days 1.5.7');
    expect(PACKAGE_CALENDAR.isPublicHoliday('2026-10-01')).toBe(true);
    expect(PACKAGE_CALENDAR.isMakeUpWorkday('2026-10-10')).toBe(true);
    expect(PACKAGE_CALENDAR.covers(2026)).toBe(true);
    expect(PACKAGE_CALENDAR.covers(2027)).toBe(false);
    expect(PACKAGE_CALENDAR.coveredYears[0]).toBe(2004);
    // the package does not know 2027's New Year yet: a Friday, so "a working day"
    expect(PACKAGE_CALENDAR.isWorkingDay('2027-01-01')).toBe(true);
  });

  it('names its days in Chinese', () => {
    expect(packageCalendarDays()).toContainEqual({ date: '2026-10-01', kind: 'holiday', name: '国庆节' });
    expect(packageCalendarDays()).toContainEqual({
      date: '2026-10-10',
      kind: 'make-up-workday',
      name: '国庆节',
    });
  });
});

describe('a calendar with an admin-added holiday', () => {
  const calendar = withNewYear2027(true);

  it('makes the day not a working day', () => {
    expect(calendar.isPublicHoliday('2027-01-01')).toBe(true);
    expect(calendar.isWorkingDay('2027-01-01')).toBe(false);
    expect(calendar.days().find((d) => d.date === '2027-01-01')).toEqual({
      date: '2027-01-01',
      kind: 'holiday',
      name: '元旦',
    });
  });

  it('moves working-day deadlines and closes the hotline on it, given to the functions', () => {
    // Thursday 2026-12-31 10:00 + 1 working day: Monday 2027-01-04 with the holiday, Friday without it
    expect(addWorkingDays(shanghai('2026-12-31T10:00'), 1, 'Asia/Shanghai', calendar)).toEqual(
      shanghai('2027-01-04T10:00'),
    );
    expect(addWorkingDays(shanghai('2026-12-31T10:00'), 1)).toEqual(shanghai('2027-01-01T10:00'));
    expect(
      workingTimeBetween(shanghai('2027-01-01T00:00'), shanghai('2027-01-02T00:00'), undefined, calendar),
    ).toBe(0);
    const office = {
      timeZone: 'Asia/Shanghai',
      openOnHolidays: false,
      days: [{ weekday: 5 as const, opens: '09:00', closes: '18:00' }],
    };
    expect(hoursState(office, shanghai('2027-01-01T10:00'), calendar)).toBe('holiday');
    expect(hoursState(office, shanghai('2027-01-01T10:00'))).toBe('open');
  });

  it('is what every function uses once installed for the process, until put back', () => {
    expect(isPublicHoliday('2027-01-01')).toBe(false);
    setWorkCalendar(calendar);
    expect(isPublicHoliday('2027-01-01')).toBe(true);
    expect(isWorkingDay('2027-01-01')).toBe(false);
    expect(holidayCalendarCovers(2027)).toBe(true);
    expect(addWorkingDays(shanghai('2026-12-31T10:00'), 1)).toEqual(shanghai('2027-01-04T10:00'));
    setWorkCalendar(null);
    expect(isPublicHoliday('2027-01-01')).toBe(false);
    expect(holidayCalendarCovers(2027)).toBe(false);
  });
});

describe('covered years and the ticket clocks', () => {
  // a complaint registered Wednesday 2026-12-30 17:00: its plan is due 2 working days later
  const timeline = [
    registerTicket({ type: 'complaint' }, { role: 'agent', id: 8 }, shanghai('2026-12-30T17:00')).entry,
  ];
  const plan = (calendar?: WorkCalendar) =>
    ticketClocks(
      { type: 'complaint', urgent: false },
      timeline,
      DEFAULT_CLOCK_LIMITS,
      shanghai('2026-12-30T18:00'),
      'Asia/Shanghai',
      calendar,
    ).find((c) => c.clock === 'plan')!;

  it('flags a due time in 2027 until 2027 is covered', () => {
    const entered = withNewYear2027(false);
    // 元旦 entered but 2027 not marked covered: the holiday counts, the due time is still flagged
    expect(plan(entered)).toMatchObject({
      dueAt: shanghai('2027-01-04T17:00').toISOString(),
      calendarUnknown: true,
    });
    expect(calendarWarnings([plan(entered)])).toHaveLength(1);
    const covered = withNewYear2027(true);
    expect(plan(covered)).toMatchObject({
      dueAt: shanghai('2027-01-04T17:00').toISOString(),
      calendarUnknown: false,
    });
    expect(calendarWarnings([plan(covered)])).toEqual([]);
  });

  it('follows the process calendar when none is given', () => {
    expect(plan().calendarUnknown).toBe(true);
    setWorkCalendar(withNewYear2027(true));
    expect(plan().calendarUnknown).toBe(false);
  });

  it('warns about this year, and from 1 November about the next, when not covered', () => {
    const covers = (y: number) => PACKAGE_CALENDAR.covers(y);
    expect(upcomingUncoveredYears(covers, '2026-10-31')).toEqual([]);
    expect(upcomingUncoveredYears(covers, '2026-11-01')).toEqual([2027]);
    expect(upcomingUncoveredYears(covers, '2027-03-01')).toEqual([2027]);
    expect(upcomingUncoveredYears((y) => withNewYear2027(true).covers(y), '2026-12-07')).toEqual([]);
    expect(calendarNotCoveredMessage(2027)).toBe(
      '2027 年的节假日安排尚未录入 / The 2027 holiday schedule has not been entered',
    );
  });
});

describe('what an admin may enter (calendarDayProblem) and what a calendar refuses', () => {
  it('takes a holiday on any day and a make-up working day on a weekend', () => {
    expect(calendarDayProblem('2027-01-01', 'holiday')).toBeNull();
    expect(calendarDayProblem('2027-01-02', 'holiday')).toBeNull(); // a Saturday inside the break
    expect(calendarDayProblem('2027-02-06', 'make-up-workday')).toBeNull(); // a Saturday
  });

  it('refuses a weekday as a make-up working day, a date not on the calendar, and a far year', () => {
    expect(calendarDayProblem('2027-01-04', 'make-up-workday')).toBe(
      '2027-01-04 是星期一,本来就是工作日:只有星期六、星期日可以设为调休上班日 / 2027-01-04 is a Monday, a ' +
        'working day anyway: only a Saturday or a Sunday can be a make-up working day.',
    );
    expect(calendarDayProblem('2027-02-30', 'holiday')).toContain(
      '"2027-02-30" is not a date on the calendar',
    );
    expect(calendarDayProblem('1999-10-01', 'holiday')).toContain('not between the years 2000 and 2099');
    expect(
      () => new WorkCalendar([{ date: '2027-01-04', kind: 'make-up-workday', name: '元旦' }], []),
    ).toThrow(RangeError);
    expect(
      () =>
        new WorkCalendar(
          [
            { date: '2027-01-02', kind: 'make-up-workday', name: '元旦' },
            { date: '2027-01-02', kind: 'holiday', name: '元旦' },
          ],
          [],
        ),
    ).toThrow(RangeError);
  });
});
