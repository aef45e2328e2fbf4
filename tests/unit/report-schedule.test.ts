// Scheduled reports' periods (core/reports/schedule.ts), at fixed instants in Shanghai time (UTC+8): which period
// a cadence makes, when it becomes due, the 25th rule of the statistics month, month and year ends, and what a
// "run now" may ask for. The work report's table (core/reports/tables.ts workTable) too.
import { describe, expect, it } from 'vitest';
import {
  askedPeriod,
  duePeriod,
  kpiFigure,
  reportDay,
  reportFileName,
  reportRunJobId,
  runsExpireBefore,
  scheduleProblem,
  workTable,
  WORK_TABLE_HEADER,
  type WorkReport,
} from '../../core/index.ts';

/** An instant given as Shanghai wall-clock time. */
const sh = (local: string) => new Date(`${local}+08:00`);

describe('the period a cadence makes', () => {
  it('daily: the day before, in Shanghai (UTC midnight is 08:00 there)', () => {
    expect(duePeriod('daily', sh('2026-03-10T00:01:00'))).toEqual({
      from: '2026-03-09',
      to: '2026-03-10',
      label: '2026-03-09',
    });
    // 2026-03-09 23:30 UTC is already the 10th in Shanghai
    expect(duePeriod('daily', new Date('2026-03-09T16:30:00Z')).from).toBe('2026-03-09');
    expect(duePeriod('daily', new Date('2026-03-09T15:59:59Z')).from).toBe('2026-03-08');
    expect(duePeriod('daily', sh('2027-01-01T00:00:00'))).toEqual({
      from: '2026-12-31',
      to: '2027-01-01',
      label: '2026-12-31',
    });
    expect(duePeriod('daily', sh('2028-03-01T08:00:00')).from).toBe('2028-02-29');
  });

  it('weekly: from Monday 00:00 the Monday-Sunday week before; until then the week before that', () => {
    // 2026-03-09 is a Monday
    const week = { from: '2026-03-02', to: '2026-03-09', label: '2026-03-02' };
    expect(duePeriod('weekly', sh('2026-03-09T00:05:00'))).toEqual(week);
    expect(duePeriod('weekly', sh('2026-03-15T23:59:59'))).toEqual(week);
    expect(duePeriod('weekly', sh('2026-03-08T23:59:59')).from).toBe('2026-02-23');
    // a week across the new year
    expect(duePeriod('weekly', sh('2027-01-04T00:00:00'))).toEqual({
      from: '2026-12-28',
      to: '2027-01-04',
      label: '2026-12-28',
    });
  });

  it('monthly: from the 26th the statistics month closing on the 25th; on the 25th the one before', () => {
    const march = { from: '2026-02-26', to: '2026-03-26', label: '2026-03' };
    expect(duePeriod('monthly', sh('2026-03-26T00:00:00'))).toEqual(march);
    expect(duePeriod('monthly', sh('2026-04-25T23:59:59'))).toEqual(march);
    expect(duePeriod('monthly', sh('2026-03-25T23:59:59'))).toEqual({
      from: '2026-01-26',
      to: '2026-02-26',
      label: '2026-02',
    });
    // the month closing on 25 January starts on 26 December
    expect(duePeriod('monthly', sh('2027-01-26T00:10:00'))).toEqual({
      from: '2026-12-26',
      to: '2027-01-26',
      label: '2027-01',
    });
    expect(duePeriod('monthly', sh('2027-01-10T12:00:00')).label).toBe('2026-12');
    // Shanghai's 26th begins at 16:00 UTC on the 25th
    expect(duePeriod('monthly', new Date('2026-03-25T16:00:00Z')).label).toBe('2026-03');
    expect(duePeriod('monthly', new Date('2026-03-25T15:59:59Z')).label).toBe('2026-02');
  });

  it('knows the Shanghai day of an instant', () => {
    expect(reportDay(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01');
  });
});

describe('a run asked for now', () => {
  const now = sh('2026-03-27T10:00:00');

  it('is the period holding a day, or for monthly schedules the month closing on the 25th', () => {
    expect(askedPeriod('daily', '2026-03-01', now)).toEqual({
      period: { from: '2026-03-01', to: '2026-03-02', label: '2026-03-01' },
    });
    expect(askedPeriod('weekly', '2026-03-04', now)).toEqual({
      period: { from: '2026-03-02', to: '2026-03-09', label: '2026-03-02' },
    });
    expect(askedPeriod('monthly', '2026-03', now)).toEqual({
      period: { from: '2026-02-26', to: '2026-03-26', label: '2026-03' },
    });
    expect(askedPeriod('monthly', '2026-02-26', now)).toEqual(askedPeriod('monthly', '2026-03', now));
  });

  it('refuses a period not ended, a month out of range, a month for a daily schedule, a date that is none', () => {
    const problem = (r: ReturnType<typeof askedPeriod>) => ('problem' in r ? r.problem.en : null);
    expect(problem(askedPeriod('daily', '2026-03-27', now))).toBe(
      'The period 2026-03-27 to 2026-03-27 has not ended yet',
    );
    expect(problem(askedPeriod('monthly', '2026-04', now))).toContain('has not ended yet');
    expect(problem(askedPeriod('weekly', '2026-03-23', now))).toContain('has not ended yet');
    expect(problem(askedPeriod('monthly', '2026-13', now))).toBe('"2026-13" is not a month (01 to 12)');
    expect(problem(askedPeriod('monthly', '2026-00', now))).toBe('"2026-00" is not a month (01 to 12)');
    expect(problem(askedPeriod('daily', '2026-02', now))).toContain('A month is for monthly schedules');
    expect(problem(askedPeriod('daily', '2026-02-30', now))).toContain('is not a day');
    expect(problem(askedPeriod('daily', 'yesterday', now))).toContain('is not a day');
  });
});

describe('schedules', () => {
  it('make the work report monthly only', () => {
    expect(scheduleProblem({ kind: 'work', cadence: 'monthly' })).toBeNull();
    expect(scheduleProblem({ kind: 'work', cadence: 'weekly' })?.en).toBe(
      'The work report is monthly: its cadence must be monthly',
    );
    expect(scheduleProblem({ kind: 'complaints', cadence: 'daily' })).toBeNull();
  });

  it('keep runs 13 months, and have one job per schedule and period', () => {
    expect(runsExpireBefore(sh('2026-03-31T09:00:00'))).toBe('2025-02-28');
    expect(runsExpireBefore(sh('2026-12-01T00:00:00'))).toBe('2025-11-01');
    expect(reportRunJobId(7, '2026-03-02')).toBe('report-run-7-2026-03-02');
  });
});

describe('the work report as a table', () => {
  const report: WorkReport = {
    month: '2026-03',
    period: { from: '2026-02-26', to: '2026-03-26', timeZone: 'Asia/Shanghai' },
    estateId: null,
    calls: { offered: 10, answered: 8, answeredInServiceLevel: 7, abandoned: 2 },
    tickets: [
      { type: 'complaint', label: { zh: '投诉', en: 'complaint' }, registered: 3, resolved: 1 },
      { type: 'repair', label: { zh: '报修', en: 'repair' }, registered: 4, resolved: 4 },
    ],
    timeliness: [kpiFigure('repair-timeliness', 3, 4, [])],
    complaintCategories: [
      { category: '工程质量', registered: 2, resolved: 1, invalid: 0, repliedInTime: 1, replyDecided: 2 },
    ],
  };

  it('holds the calls, the tickets by type, the timeliness and the problem types, numbers as numbers', () => {
    const rows = workTable(report);
    expect(rows[0]).toEqual([...WORK_TABLE_HEADER]);
    expect(rows.slice(1)).toEqual([
      ['来电 Calls', '进线 Offered', 10, null, null, null, null, '10'],
      ['来电 Calls', '接听 Answered', 8, null, null, null, null, '8'],
      ['来电 Calls', '及时接听 Answered within the service level', 7, null, null, null, null, '7'],
      ['来电 Calls', '放弃 Abandoned', 2, null, null, null, null, '2'],
      ['工单 Tickets', '投诉 complaint', 3, 1, null, null, null, '1 / 3'],
      ['工单 Tickets', '报修 repair', 4, 4, null, null, null, '4 / 4'],
      ['处理及时率 Handling timeliness', '维修及时率 Repair timeliness', null, null, 3, 4, 0.75, '75.0%'],
      [
        '投诉问题类型 Complaint problem types',
        '工程质量 construction quality',
        2,
        1,
        null,
        null,
        null,
        '1 / 2',
      ],
    ]);
  });

  it('names its file by the month', () => {
    expect(reportFileName('work', { from: '2026-02-26', to: '2026-03-26', month: '2026-03' }, 'xlsx')).toBe(
      'work-2026-03.xlsx',
    );
  });
});
