// The work calendar kept in PostgreSQL: seeded from chinese-days, entered by an admin for a year the package does
// not know (2027), seen by team leaders, refused to agents, kept through a re-seed, and reloaded by the platform.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  holidayCalendarCovers,
  isPublicHoliday,
  PACKAGE_CALENDAR,
  packageCalendarDays,
} from '../../core/index.ts';
import { seedWorkCalendar } from '../../db/index.ts';
import { AgentClient } from '../support/agent-client.ts';
import { eventually } from '../support/env.ts';
import { closeDb, createAgent, db, type TestAgent } from '../support/fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let admin: TestAgent;
let adminDesk: AgentClient;
let leaderDesk: AgentClient;
let agentDesk: AgentClient;

interface Day {
  date: string;
  kind: string;
  name: string;
  weekday: number;
  source: string;
  changedBy: { id: number; name: string } | null;
}
interface Year {
  year: number;
  covered: boolean;
  coverage: { source: string; packageVersion: string | null } | null;
  message: string | null;
  days: Day[];
  cleared: { date: string; source: string }[];
  warnings: { year: number; message: string }[];
}

/**
 * The calendar is shared by the whole stack: this file's edits (2027, 2028, the package's 2004-01-01) are taken
 * out before and after, and the package's days put back.
 */
async function restoreCalendar(): Promise<void> {
  await db().query(
    `DELETE FROM work_calendar_days
      WHERE source = 'admin' AND (day >= '2027-01-01' AND day < '2029-01-01' OR day = '2004-01-01')`,
  );
  await db().query('DELETE FROM work_calendar_years WHERE year IN (2027, 2028)');
  await seedWorkCalendar(db());
}

beforeAll(async () => {
  await restoreCalendar();
  platform = await startTestPlatform();
  admin = await createAgent({ seat: null, role: 'admin', name: '管理员测试' });
  const leader = await createAgent({ seat: null, role: 'supervisor' });
  const agent = await createAgent({ seat: null });
  adminDesk = await AgentClient.signIn(platform.url, admin);
  leaderDesk = await AgentClient.signIn(platform.url, leader);
  agentDesk = await AgentClient.signIn(platform.url, agent);
});

afterAll(async () => {
  await Promise.all([adminDesk, leaderDesk, agentDesk].map((d) => d?.close()));
  await platform?.close();
  await restoreCalendar();
  await closeDb();
});

const message = (body: unknown) => (body as { message: string }).message;

/** The installed package's calendar and a 2027 of its own, as a later chinese-days might bring it. */
function newerPackage() {
  const days = packageCalendarDays();
  return {
    days: [
      ...days,
      { date: '2027-01-01', kind: 'holiday' as const, name: '元旦节' },
      { date: '2027-01-02', kind: 'holiday' as const, name: '元旦节' },
    ],
    years: [...PACKAGE_CALENDAR.coveredYears, 2027],
    version: 'chinese-days 9.9.9',
  };
}

async function year(desk: AgentClient, y: number): Promise<Year> {
  const res = await desk.request('GET', `/api/calendar?year=${y}`);
  expect(res.status).toBe(200);
  return res.body as Year;
}

describe('seeded from the chinese-days package', () => {
  it('has 2026 with its holidays and make-up working days, covered', async () => {
    const y2026 = await year(leaderDesk, 2026);
    expect(y2026).toMatchObject({ year: 2026, covered: true, message: null });
    expect(y2026.days).toContainEqual(
      expect.objectContaining({
        date: '2026-10-01',
        kind: 'holiday',
        name: '国庆节',
        weekday: 4,
        source: 'package',
      }),
    );
    expect(y2026.days).toContainEqual(
      expect.objectContaining({ date: '2026-10-10', kind: 'make-up-workday', name: '国庆节', weekday: 6 }),
    );
    expect(y2026.warnings.map((w) => w.year)).not.toContain(2026);
  });

  it('does not know 2027 and tells the team leader so', async () => {
    const y2027 = await year(leaderDesk, 2027);
    expect(y2027).toMatchObject({
      year: 2027,
      covered: false,
      message: '2027 年的节假日安排尚未录入 / The 2027 holiday schedule has not been entered',
      days: [],
    });
    // the platform works with the database's calendar: 2027 is not covered there either
    expect(holidayCalendarCovers(2026)).toBe(true);
    expect(holidayCalendarCovers(2027)).toBe(false);
    expect(isPublicHoliday('2027-01-01')).toBe(false);
  });
});

describe('a newer package', () => {
  it('brings 2027 by itself, and going back to 1.5.7 takes it out again', async () => {
    await seedWorkCalendar(db(), newerPackage());
    expect(await year(leaderDesk, 2027)).toMatchObject({
      covered: true,
      coverage: { source: 'package', packageVersion: 'chinese-days 9.9.9' },
      days: [
        expect.objectContaining({ date: '2027-01-01', name: '元旦节', source: 'package' }),
        expect.objectContaining({ date: '2027-01-02', name: '元旦节', source: 'package' }),
      ],
    });
    await seedWorkCalendar(db());
    expect(await year(leaderDesk, 2027)).toMatchObject({ covered: false, coverage: null, days: [] });
  });
});

describe('an admin enters 2027', () => {
  it('sets 元旦 on 2027-01-01 and marks 2027 covered; a team leader sees it', async () => {
    const day = await adminDesk.request('PUT', '/api/admin/calendar/days/2027-01-01', {
      kind: 'holiday',
      name: ' 元旦 ',
    });
    expect(day.status).toBe(200);
    expect(day.body).toMatchObject({
      date: '2027-01-01',
      kind: 'holiday',
      name: '元旦',
      weekday: 5,
      source: 'admin',
      changedBy: { id: admin.agentId, name: '管理员测试' },
    });
    const covered = await adminDesk.request('PUT', '/api/admin/calendar/years/2027', { covered: true });
    expect(covered.status).toBe(200);
    expect(covered.body).toMatchObject({ year: 2027, covered: true, message: null });
    expect((covered.body as Year).warnings.map((w) => w.year)).not.toContain(2027);

    const seen = await year(leaderDesk, 2027);
    expect(seen).toMatchObject({ covered: true, message: null });
    expect(seen.days).toEqual([
      expect.objectContaining({ date: '2027-01-01', kind: 'holiday', name: '元旦' }),
    ]);
  });

  it('reaches the running platform: 2027-01-01 is a holiday and 2027 is covered', async () => {
    await eventually(
      () => isPublicHoliday('2027-01-01') && holidayCalendarCovers(2027),
      'the platform to reload the calendar',
    );
  });

  it('keeps the admin entries through a re-seed from the package, and from a newer package', async () => {
    await seedWorkCalendar(db());
    const after = await year(leaderDesk, 2027);
    expect(after).toMatchObject({ covered: true, coverage: { source: 'admin' } });
    expect(after.days).toEqual([
      expect.objectContaining({ date: '2027-01-01', kind: 'holiday', name: '元旦', source: 'admin' }),
    ]);
    // a later package with its own 2027: its other days come in, the admin's day and year stay the admin's
    await seedWorkCalendar(db(), newerPackage());
    const merged = await year(leaderDesk, 2027);
    expect(merged).toMatchObject({ covered: true, coverage: { source: 'admin' } });
    expect(merged.days).toEqual([
      expect.objectContaining({ date: '2027-01-01', name: '元旦', source: 'admin' }),
      expect.objectContaining({
        date: '2027-01-02',
        name: '元旦节',
        source: 'package',
        packageVersion: 'chinese-days 9.9.9',
      }),
    ]);
    // back to the installed package: its days only, the admin's untouched
    await seedWorkCalendar(db());
    expect((await year(leaderDesk, 2027)).days.map((d) => [d.date, d.source])).toEqual([
      ['2027-01-01', 'admin'],
    ]);
  });

  it('removes a day the package lists, and a re-seed does not bring it back', async () => {
    const removed = await adminDesk.request('DELETE', '/api/admin/calendar/days/2004-01-01');
    expect(removed.status).toBe(204);
    await seedWorkCalendar(db());
    const y2004 = await year(adminDesk, 2004);
    expect(y2004.days.map((d) => d.date)).not.toContain('2004-01-01');
    expect(y2004.cleared).toEqual([expect.objectContaining({ date: '2004-01-01', source: 'admin' })]);
    await eventually(() => !isPublicHoliday('2004-01-01'), 'the platform to reload the calendar');
  });
});

describe('who may see and change the calendar', () => {
  it('refuses agents, and team leaders changing it', async () => {
    const look = await agentDesk.request('GET', '/api/calendar?year=2027');
    expect(look.status).toBe(403);
    expect(message(look.body)).toBe(
      '只有组长和管理员可以查看工作日历 / Only team leaders and admins may see the work calendar.',
    );
    for (const desk of [agentDesk, leaderDesk]) {
      const change = await desk.request('PUT', '/api/admin/calendar/days/2027-01-02', {
        kind: 'holiday',
        name: '元旦',
      });
      expect(change.status).toBe(403);
      expect(message(change.body)).toBe(
        '只有管理员可以修改工作日历 / Only admins may change the work calendar.',
      );
      expect((await desk.request('PUT', '/api/admin/calendar/years/2027', { covered: false })).status).toBe(
        403,
      );
      expect((await desk.request('DELETE', '/api/admin/calendar/days/2027-01-01')).status).toBe(403);
    }
    expect((await new AgentClient(platform.url).request('GET', '/api/calendar')).status).toBe(401);
  });
});

describe('bad input', () => {
  const put = (date: string, body: unknown) =>
    adminDesk.request('PUT', `/api/admin/calendar/days/${date}`, body);

  it('says what is wrong with a date, a kind, a name or a year', async () => {
    const cases: [Promise<{ status: number; body: unknown }>, number, string][] = [
      [
        put('2027-02-30', { kind: 'holiday', name: '元旦' }),
        400,
        '"2027-02-30" 不是有效的日期,请写成 YYYY-MM-DD,例如 2027-01-01 / "2027-02-30" is not a date on the ' +
          'calendar: write it as YYYY-MM-DD, e.g. 2027-01-01.',
      ],
      [
        put('tomorrow', { kind: 'holiday', name: '元旦' }),
        400,
        '日期应写成 YYYY-MM-DD,例如 2027-01-01 / The date must be written YYYY-MM-DD, e.g. 2027-01-01.',
      ],
      [
        put('2027-01-04', { kind: 'make-up-workday', name: '元旦' }),
        400,
        '2027-01-04 是星期一,本来就是工作日:只有星期六、星期日可以设为调休上班日 / 2027-01-04 is a Monday, a ' +
          'working day anyway: only a Saturday or a Sunday can be a make-up working day.',
      ],
      [
        put('2027-01-02', { kind: 'vacation', name: '元旦' }),
        400,
        'kind 应是 holiday(节假日)或 make-up-workday(调休上班日) / kind must be holiday or make-up-workday.',
      ],
      [
        put('2027-01-02', { kind: 'holiday', name: '   ' }),
        400,
        '请给这一天填写 1 到 32 个字的名称,例如 元旦 / Give the day a name of 1 to 32 characters, e.g. 元旦.',
      ],
      [
        put('2027-01-02', { kind: 'holiday' }),
        400,
        '请给这一天填写 1 到 32 个字的名称,例如 元旦 / Give the day a name of 1 to 32 characters, e.g. 元旦.',
      ],
      [
        adminDesk.request('GET', '/api/calendar?year=1999'),
        400,
        '年份应是 2000 到 2099 之间的整数,例如 2027 / The year must be a whole number from 2000 to 2099, e.g. 2027.',
      ],
      [
        adminDesk.request('PUT', '/api/admin/calendar/years/2028', { covered: 'maybe' }),
        400,
        'covered 应是 true 或 false / covered must be true or false.',
      ],
      [
        adminDesk.request('PUT', '/api/admin/calendar/years/2028', { covered: true }),
        400,
        '2028 年还没有录入任何节假日:请先录入,再标记为已录入 / No holidays are entered for 2028 yet: enter them ' +
          'first, then mark the year covered.',
      ],
      [
        adminDesk.request('DELETE', '/api/admin/calendar/days/2027-01-05'),
        404,
        '2027-01-05 不是节假日或调休上班日 / 2027-01-05 is not a holiday or a make-up working day in the calendar.',
      ],
    ];
    for (const [request, status, text] of cases) {
      const res = await request;
      expect({ status: res.status, message: message(res.body) }).toEqual({ status, message: text });
    }
    // nothing of it was stored
    expect((await year(adminDesk, 2027)).days.map((d) => d.date)).toEqual(['2027-01-01']);
    expect((await year(adminDesk, 2028)).covered).toBe(false);
  });

  it('takes a Saturday as a make-up working day, and a year back to not covered', async () => {
    const saturday = await put('2027-02-20', { kind: 'make-up-workday', name: '春节' });
    expect(saturday.status).toBe(200);
    expect(saturday.body).toMatchObject({ kind: 'make-up-workday', weekday: 6 });
    const uncovered = await adminDesk.request('PUT', '/api/admin/calendar/years/2027', { covered: false });
    expect(uncovered.body).toMatchObject({
      covered: false,
      message: '2027 年的节假日安排尚未录入 / The 2027 holiday schedule has not been entered',
    });
    await eventually(() => !holidayCalendarCovers(2027), 'the platform to reload the calendar');
  });
});
