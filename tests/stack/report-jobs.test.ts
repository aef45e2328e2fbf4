// Scheduled reports (issue 7 "Reports") on the real platform: the API alone, and the report worker started by the
// test (workers/report-jobs.ts), so the test can stop it, kill it mid-job and start another. Yesterday (Shanghai)
// is built by hand in an estate of the test's own: 3 complaints (工程质量 ×2, 客户服务 ×1) and 4 answered calls,
// 3 within 15 s. A team leader adds daily schedules on the reports page in Chromium; the worker makes the due
// period's run; the page shows it and its download (CSV, and XLSX read back with exceljs) holds the JSON API's
// figures for that period. A worker killed mid-job, or a job that throws once, still ends with one done run; a run
// that keeps failing ends failed with the error in words. Agents get 403 on every schedule route; bad input 400.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  complaintTable,
  createLogger,
  duePeriod,
  kpiTable,
  toCsv,
  workTable,
  type ComplaintReport,
  type KpiRow,
  type WorkReport,
} from '../../core/index.ts';
import { createPool, type Pool, type StartedReportRun } from '../../db/index.ts';
import type { Platform } from '../../main.ts';
import { reportTick, startReportJobs, type ReportJobs } from '../../workers/index.ts';
import { AgentClient } from '../support/agent-client.ts';
import { launchBrowser, signedInPage } from '../support/browser.ts';
import { filledRow, sheetRows } from '../support/report-files.ts';
import { eventually, stackConfig } from '../support/env.ts';
import {
  closeDb,
  createAgent,
  createOwner,
  db,
  type TestAgent,
  type TestOwner,
} from '../support/fixtures.ts';
import { startTestRoles } from '../support/platform.ts';

let platform: Platform;
let url: string;
let browser: Browser;
let leader: TestAgent;
let handler: TestAgent;
let leaderClient: AgentClient;
let agentClient: AgentClient;
let owner: TestOwner;
let workerDb: Pool;
let worker: ReportJobs;
const connections: Redis[] = [];
// the worker warns of every failed attempt, which some tests make on purpose
const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'error', 'report-jobs-test');
const tag = randomBytes(3).toString('hex');
const hotline = `402${String(Date.now()).slice(-7)}`;
const callIds: string[] = [];
const ticketIds: number[] = [];
const scheduleIds: number[] = [];
/** What the test's hooks do as an attempt starts making a run (by schedule id). */
const hooks = new Map<number, (run: StartedReportRun) => Promise<void>>();

const due = duePeriod('daily', new Date());
const at = (hhmmss: string) => new Date(Date.parse(`${due.from}T${hhmmss}+08:00`));

interface RunView {
  id: number;
  from: string;
  to: string;
  status: string;
  attempts: number;
  error: string | null;
  fileName: string | null;
}

async function startWorker(opts: { lockDurationMs?: number; stalledIntervalMs?: number } = {}) {
  const connection = new Redis(stackConfig().redisUrl, { maxRetriesPerRequest: null });
  connections.push(connection);
  return startReportJobs({
    connection,
    db: workerDb,
    log,
    backoffMs: 200,
    // one stalled check a moment for the whole queue (the check's key lasts the interval of whoever ran it last)
    stalledIntervalMs: 500,
    ...opts,
    beforeMake: async (run) => hooks.get(run.scheduleId)?.(run),
  });
}

async function answeredCall(waitS: number): Promise<void> {
  const queued = at('10:00:00');
  const answered = new Date(queued.getTime() + waitS * 1000);
  const ended = new Date(answered.getTime() + 60_000);
  const { rows } = await db().query<{ id: string }>(
    `INSERT INTO calls (id, direction, dialled_number, estate_id, agent_id, started_at, queued_at, agent_answered_at,
                        ended_at, hangup_by, outcome, wrapped_up_at)
     VALUES (gen_random_uuid(), 'inbound', $1, $2, $3, $4, $4, $5, $6, 'agent', 'answered', $6) RETURNING id`,
    [hotline, owner.estateId, handler.agentId, queued, answered, ended],
  );
  callIds.push(rows[0]!.id);
}

async function complaint(category: string): Promise<void> {
  const { rows } = await db().query<{ id: number }>(
    `INSERT INTO tickets (owner_id, type, description, status, complaint_category, created_by_agent, created_at,
                          estate_id)
     VALUES ($1, 'complaint', '定时报表测试', 'dispatched', $2, $3, $4, $5) RETURNING id`,
    [owner.ownerId, category, handler.agentId, at('11:00:00'), owner.estateId],
  );
  ticketIds.push(rows[0]!.id);
}

/** A schedule made through the API (disabled unless asked: no tick makes its due period). */
async function schedule(body: { name: string } & Record<string, unknown>): Promise<number> {
  const res = await leaderClient.request('POST', '/api/reports/schedules', {
    kind: 'complaints',
    cadence: 'daily',
    format: 'csv',
    filters: { estateId: owner.estateId },
    enabled: false,
    ...body,
    name: `${body.name}-${tag}`,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id = (res.body as { id: number }).id;
  scheduleIds.push(id);
  return id;
}

async function runs(scheduleId: number): Promise<RunView[]> {
  const res = await leaderClient.request('GET', `/api/reports/schedules/${scheduleId}/runs`);
  expect(res.status).toBe(200);
  return (res.body as { runs: RunView[] }).runs;
}

/** Waits until the schedule's only run has ended (done or failed) and returns it. */
async function finishedRun(scheduleId: number): Promise<RunView> {
  return eventually(async () => {
    const list = await runs(scheduleId);
    return list.length === 1 && (list[0]!.status === 'done' || list[0]!.status === 'failed') && list[0];
  }, `schedule ${scheduleId}'s run to end`);
}

async function fileOf(scheduleId: number, runId: number): Promise<Buffer> {
  const res = await fetch(`${url}/api/reports/schedules/${scheduleId}/runs/${runId}/file`, {
    headers: { authorization: `Bearer ${leaderClient.token}` },
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function complaintApiCsv(): Promise<string> {
  const api = await leaderClient.request(
    'GET',
    `/api/reports/complaints?period=day&from=${due.from}&to=${due.to}&estateId=${owner.estateId}`,
  );
  return toCsv(complaintTable(api.body as ComplaintReport));
}

async function download(page: Page, row: string): Promise<{ name: string; data: Buffer }> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.locator(row).getByTestId('run-download').click(),
  ]);
  return { name: file.suggestedFilename(), data: await readFile(await file.path()) };
}

beforeAll(async () => {
  platform = await startTestRoles(['cti']);
  url = platform.url!;
  workerDb = createPool(stackConfig().databaseUrl, 4);
  owner = await createOwner({ name: '定时报表业主', rooms: [{ roomCode: 'S1-0101' }] });
  await db().query('UPDATE estates SET hotline_number = $2 WHERE id = $1', [owner.estateId, hotline]);
  handler = await createAgent({ seat: null, estates: [owner.estateId], name: '定时报表坐席' });
  leader = await createAgent({ seat: null, role: 'supervisor', name: '定时报表班长' });
  leaderClient = await AgentClient.signIn(url, leader);
  agentClient = await AgentClient.signIn(url, handler);
  for (const wait of [5, 10, 15, 20]) await answeredCall(wait);
  await complaint('工程质量');
  await complaint('工程质量');
  await complaint('客户服务');
  worker = await startWorker();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await agentClient?.close();
  await leaderClient?.close();
  await platform?.close();
  if (scheduleIds.length) await db().query('DELETE FROM report_schedules WHERE id = ANY($1)', [scheduleIds]);
  await db().query('DELETE FROM report_schedules WHERE name LIKE $1', [`%-${tag}`]);
  if (ticketIds.length) await db().query('DELETE FROM tickets WHERE id = ANY($1)', [ticketIds]);
  if (callIds.length) await db().query('DELETE FROM calls WHERE id = ANY($1)', [callIds]);
  for (const c of connections) c.disconnect();
  await workerDb?.end();
  await closeDb();
});

describe('a team leader schedules reports on the reports page', () => {
  let page: Page;

  beforeAll(async () => {
    page = await signedInPage(browser, url, leader);
    await page.getByTestId('nav-reports').click();
    await page.getByTestId('schedule-section').waitFor();
    await page.locator(`[data-testid=schedule-estate] option[value="${owner.estateId}"]`).waitFor({
      state: 'attached',
    });
  }, 30_000);

  afterAll(async () => {
    await page?.close();
  });

  async function addOnPage(name: string, kind: string, format: string): Promise<string> {
    await page.getByTestId('schedule-name').fill(name);
    await page.getByTestId('schedule-kind').selectOption(kind);
    await page.getByTestId('schedule-estate').selectOption(String(owner.estateId));
    await page.getByTestId('schedule-cadence').selectOption('daily');
    await page.getByTestId('schedule-format').selectOption(format);
    await page.getByTestId('schedule-add').click();
    const row = `[data-testid=schedule-row][data-name="${name}"]`;
    // the worker makes yesterday's run; the page shows it once it is ready
    await page.locator(`${row} [data-testid=run-cell][data-status=done]`).waitFor({ timeout: 20_000 });
    const id = Number(await page.locator(row).getAttribute('data-schedule-id'));
    scheduleIds.push(id);
    return row;
  }

  it('makes yesterday’s complaint report, shown with its download holding the API’s figures (CSV)', async () => {
    const row = await addOnPage(`投诉日报-${tag}`, 'complaints', 'csv');
    expect(await page.locator(row).getByTestId('run-period').textContent()).toBe(`${due.from} – ${due.to}`);
    expect(await page.locator(row).getByTestId('run-status').textContent()).toBe('已生成 Ready');
    const file = await download(page, row);
    expect(file.name).toBe(`complaints-day-${due.from}_${due.to}.csv`);
    const text = file.data.toString('utf8');
    expect(text).toBe(await complaintApiCsv());
    expect(text).toContain(`\r\n${due.from},${due.from},${due.to},工程质量 construction quality,2,`);
    expect(text).toContain(`\r\n${due.from},${due.from},${due.to},客户服务 customer service,1,`);
    expect(text).not.toContain(owner.phone);

    // the period is made once: another tick leaves the one run as it is
    const id = Number(await page.locator(row).getAttribute('data-schedule-id'));
    await reportTick(workerDb, worker.queue);
    const list = await runs(id);
    expect(list.map((r) => [r.from, r.status, r.attempts])).toEqual([[due.from, 'done', 1]]);
  });

  it('makes yesterday’s KPIs as XLSX with the API’s figures', async () => {
    const row = await addOnPage(`指标日报-${tag}`, 'kpis', 'xlsx');
    const file = await download(page, row);
    expect(file.name).toBe(`kpis-${due.from}_${due.to}.xlsx`);
    const api = await leaderClient.request(
      'GET',
      `/api/reports/kpis?from=${due.from}&to=${due.to}&estateId=${owner.estateId}`,
    );
    const table = kpiTable((api.body as { kpis: KpiRow[] }).kpis).map(filledRow);
    const rows = await sheetRows(file.data);
    expect(rows).toEqual(table);
    expect(rows.find((r) => r[0] === 'service-level')?.slice(3, 7)).toEqual([0.75, '75.0%', 3, 4]);
  });

  it('disables, runs now and deletes a schedule', async () => {
    const name = `投诉日报-${tag}`;
    const row = page.locator(`[data-testid=schedule-row][data-name="${name}"]`);
    await row.getByTestId('schedule-disable').click();
    await row.getByTestId('schedule-enable').waitFor();
    await page.getByTestId('schedule-period').fill(due.from);
    await row.getByTestId('schedule-run-now').click();
    await page
      .getByTestId('schedule-status')
      .filter({ hasText: `${name}: ${due.from} – ${due.to}` })
      .waitFor();
    const id = Number(await row.getAttribute('data-schedule-id'));
    // made again: the same run, a second attempt
    await eventually(async () => {
      const list = await runs(id);
      return list.length === 1 && list[0]!.status === 'done' && list[0]!.attempts === 2;
    }, 'the run made again');
    await row.locator('[data-testid=run-cell][data-status=done]').waitFor();
    await row.getByTestId('schedule-delete').click();
    await row.waitFor({ state: 'detached' });
    expect((await leaderClient.request('GET', `/api/reports/schedules/${id}/runs`)).status).toBe(404);
  });
});

describe('the tick', () => {
  it('makes the due period of an enabled schedule that has none, and deletes runs older than 13 months', async () => {
    const id = await schedule({ name: '定时' });
    const old = await db().query<{ id: number }>(
      `INSERT INTO report_runs (schedule_id, period_from, period_to, period_label, status, file, file_name)
       VALUES ($1, '2020-01-01', '2020-01-02', '2020-01-01', 'done', '\\x00', 'old.csv') RETURNING id`,
      [id],
    );
    // a schedule enabled in the database (as one whose period has just ended): the next tick makes it
    await db().query('UPDATE report_schedules SET enabled = true WHERE id = $1', [id]);
    const tick = await reportTick(workerDb, worker.queue);
    expect(tick.deleted).toBeGreaterThanOrEqual(1);
    const run = await finishedRun(id);
    expect([run.from, run.to, run.status]).toEqual([due.from, due.to, 'done']);
    expect(run.id).not.toBe(old.rows[0]!.id);
  });
});

describe('runs of each report and cadence', () => {
  it('make the work report of the month that closed on the 25th and last week’s complaints, as the API has them', async () => {
    const month = duePeriod('monthly', new Date());
    const work = await schedule({ name: '工作月报', kind: 'work', cadence: 'monthly' });
    expect((await leaderClient.request('POST', `/api/reports/schedules/${work}/runs`, {})).status).toBe(202);
    const workRun = await finishedRun(work);
    expect([workRun.from, workRun.to, workRun.status, workRun.fileName]).toEqual([
      month.from,
      month.to,
      'done',
      `work-${month.label}.csv`,
    ]);
    const api = await leaderClient.request(
      'GET',
      `/api/reports/work?month=${month.label}&estateId=${owner.estateId}`,
    );
    expect((await fileOf(work, workRun.id)).toString('utf8')).toBe(toCsv(workTable(api.body as WorkReport)));

    const week = duePeriod('weekly', new Date());
    const weekly = await schedule({ name: '投诉周报', cadence: 'weekly' });
    expect((await leaderClient.request('POST', `/api/reports/schedules/${weekly}/runs`, {})).status).toBe(
      202,
    );
    const weekRun = await finishedRun(weekly);
    expect([weekRun.from, weekRun.to, weekRun.fileName]).toEqual([
      week.from,
      week.to,
      `complaints-week-${week.from}_${week.to}.csv`,
    ]);
    const complaints = await leaderClient.request(
      'GET',
      `/api/reports/complaints?period=week&from=${week.from}&to=${week.to}&estateId=${owner.estateId}`,
    );
    expect((await fileOf(weekly, weekRun.id)).toString('utf8')).toBe(
      toCsv(complaintTable(complaints.body as ComplaintReport)),
    );
  });
});

describe('a run whose worker fails', () => {
  it('ends with one done run when the worker dies mid-job (another worker recovers the stalled job)', async () => {
    const id = await schedule({ name: '中断' });
    let started!: () => void;
    const making = new Promise<void>((resolve) => (started = resolve));
    // the first attempt hangs, as a process does that is about to be killed
    hooks.set(id, () => {
      hooks.delete(id);
      started();
      return new Promise<void>(() => undefined);
    });
    await worker.close();
    const doomed = await startWorker({ lockDurationMs: 1_000 });
    expect(
      (await leaderClient.request('POST', `/api/reports/schedules/${id}/runs`, { period: due.from })).status,
    ).toBe(202);
    await making;
    expect((await runs(id)).map((r) => r.status)).toEqual(['running']);
    // killed: no more lock renewals, the job is left active
    await doomed.close(true);
    worker = await startWorker();
    const run = await finishedRun(id);
    expect([run.status, run.attempts, run.error]).toEqual(['done', 2, null]);
    expect((await fileOf(id, run.id)).toString('utf8')).toBe(await complaintApiCsv());
  }, 30_000);

  it('leaves a run being made to its attempt when asked to run it now', async () => {
    const id = await schedule({ name: '进行中' });
    let started!: () => void;
    let release!: () => void;
    const making = new Promise<void>((resolve) => (started = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    hooks.set(id, () => {
      started();
      return released;
    });
    await leaderClient.request('POST', `/api/reports/schedules/${id}/runs`, { period: due.from });
    await making;
    const again = await leaderClient.request('POST', `/api/reports/schedules/${id}/runs`, {
      period: due.from,
    });
    expect(again.status).toBe(202);
    expect((again.body as RunView).status).toBe('running');
    release();
    const run = await finishedRun(id);
    expect([run.status, run.attempts]).toEqual(['done', 1]);
  });

  it('ends with one done run when the job throws once, the error kept on the run meanwhile', async () => {
    const id = await schedule({ name: '重试' });
    let errorSeen: string | null = null;
    hooks.set(id, async (run) => {
      if (run.attempt === 1) throw new Error('the database went away');
      const { rows } = await db().query<{ error: string }>('SELECT error FROM report_runs WHERE id = $1', [
        run.runId,
      ]);
      errorSeen = rows[0]!.error;
    });
    expect((await leaderClient.request('POST', `/api/reports/schedules/${id}/runs`, {})).status).toBe(202);
    const run = await finishedRun(id);
    expect([run.from, run.status, run.attempts, run.error]).toEqual([due.from, 'done', 2, null]);
    expect(errorSeen).toBe(
      '生成报表时出错,将自动重试 / The report could not be made; it will be tried again.',
    );
  });

  it('ends failed, in words, when every attempt fails', async () => {
    const id = await schedule({ name: '失败', format: 'xlsx' });
    hooks.set(id, () => Promise.reject(new Error('disk full')));
    await leaderClient.request('POST', `/api/reports/schedules/${id}/runs`, { period: due.from });
    const run = await finishedRun(id);
    expect([run.status, run.attempts]).toEqual(['failed', 4]);
    expect(run.error).toContain('use "Run now" to try again');
    const file = await leaderClient.request('GET', `/api/reports/schedules/${id}/runs/${run.id}/file`);
    expect(file.status).toBe(404);
  });
});

describe('the schedule routes', () => {
  it('refuse agents on every route', async () => {
    const id = await schedule({ name: '座席' });
    for (const [method, path, body] of [
      ['GET', '/api/reports/schedules'],
      ['POST', '/api/reports/schedules', { name: 'x', kind: 'kpis', cadence: 'daily', format: 'csv' }],
      ['PUT', `/api/reports/schedules/${id}`, { name: 'x', kind: 'kpis', cadence: 'daily', format: 'csv' }],
      ['DELETE', `/api/reports/schedules/${id}`],
      ['GET', `/api/reports/schedules/${id}/runs`],
      ['POST', `/api/reports/schedules/${id}/runs`, {}],
      ['GET', `/api/reports/schedules/${id}/runs/1/file`],
    ] as const) {
      const res = await agentClient.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((res.body as { message: string }).message).toContain('只有班长和管理员可以管理定时报表');
    }
  });

  it('refuse bad input with 400 in words', async () => {
    const post = async (body: Record<string, unknown>) => {
      const res = await leaderClient.request('POST', '/api/reports/schedules', {
        name: `坏-${tag}`,
        kind: 'kpis',
        cadence: 'daily',
        format: 'csv',
        ...body,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      return (res.body as { message: string }).message;
    };
    expect(await post({ kind: 'sales' })).toBe(
      '报表种类为 kpis、complaints 或 work / kind: kpis, complaints or work.',
    );
    expect(await post({ cadence: 'hourly' })).toContain('cadence: daily, weekly or monthly');
    expect(await post({ format: 'pdf' })).toContain('format: csv or xlsx');
    expect(await post({ kind: 'work', cadence: 'weekly' })).toContain('its cadence must be monthly');
    expect(await post({ filters: { estateId: 2_000_000_000 } })).toBe(
      '项目 2000000000 不存在 / There is no estate 2000000000.',
    );
    expect(await post({ filters: { estateId: 'mine' } })).toContain(
      'filters: estateId and agentId whole numbers',
    );
    expect(await post({ name: '' })).toContain('name: 1 to 80 characters');

    const monthly = await schedule({ name: '月报', kind: 'work', cadence: 'monthly', format: 'xlsx' });
    const change = await leaderClient.request('PUT', `/api/reports/schedules/${monthly}`, {
      name: `月报-${tag}`,
      kind: 'kpis',
      cadence: 'monthly',
      format: 'xlsx',
    });
    expect(change.status).toBe(400);
    expect((change.body as { message: string }).message).toContain('A schedule keeps its report and cadence');
    const runNow = async (period: string) => {
      const res = await leaderClient.request('POST', `/api/reports/schedules/${monthly}/runs`, { period });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      return (res.body as { message: string }).message;
    };
    expect(await runNow('2025-13')).toBe(
      '月份「2025-13」无效,月为 01 到 12 / "2025-13" is not a month (01 to 12).',
    );
    expect(await runNow('2099-01')).toContain('has not ended yet');
    expect(await runNow('soon')).toContain('is not a day (YYYY-MM-DD) or a month (YYYY-MM)');
    const missing = await leaderClient.request('POST', '/api/reports/schedules/2000000000/runs', {});
    expect(missing.status).toBe(404);
    expect((missing.body as { message: string }).message).toContain(
      'There is no scheduled report 2000000000',
    );
  });
});
