// The reports page (#/reports, issue 7 "Reports") in Chromium on the real platform: a day built by hand in an estate
// and a queue of the test's own (4 calls in the queue, 3 answered within 15 s; 4 complaints in three of the six
// categories), read by a team leader on the page: the service level with its numerator / denominator and
// definition, the complaint chart's bars, and the CSV and XLSX downloads holding the same figures (the XLSX read
// back with exceljs). An agent has no Reports link and gets 403 from the exports.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  complaintTable,
  kpiTable,
  toCsv,
  workTable,
  type ComplaintReport,
  type KpiRow,
  type WorkReport,
} from '../../core/index.ts';
import { AgentClient } from '../support/agent-client.ts';
import { launchBrowser, signedInPage } from '../support/browser.ts';
import { filledRow, sheetRows } from '../support/report-files.ts';
import {
  closeDb,
  createAgent,
  createOwner,
  db,
  type TestAgent,
  type TestOwner,
} from '../support/fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let browser: Browser;
let leader: TestAgent;
let handler: TestAgent;
let leaderClient: AgentClient;
let agentClient: AgentClient;
let owner: TestOwner;
const queue = `r${randomBytes(4).toString('hex')}`;
const hotline = `401${String(Date.now()).slice(-7)}`;
const callIds: string[] = [];
const ticketIds: number[] = [];

// 2025-04-14 is a Monday; no other test writes figures on it
const DAY = '2025-04-14';
const NEXT = '2025-04-15';
const at = (hhmmss: string) => new Date(Date.parse(`${DAY}T${hhmmss}+08:00`));

async function answeredCall(waitS: number): Promise<void> {
  const queued = at('10:00:00');
  const answered = new Date(queued.getTime() + waitS * 1000);
  const ended = new Date(answered.getTime() + 60_000);
  const { rows } = await db().query<{ id: string }>(
    `INSERT INTO calls (id, direction, dialled_number, queue, agent_id, started_at, queued_at, agent_answered_at,
                        ended_at, hangup_by, outcome, wrapped_up_at)
     VALUES (gen_random_uuid(), 'inbound', $1, $2, $3, $4, $4, $5, $6, 'agent', 'answered', $6) RETURNING id`,
    [hotline, queue, handler.agentId, queued, answered, ended],
  );
  callIds.push(rows[0]!.id);
}

async function complaint(category: string, type = 'complaint'): Promise<void> {
  const { rows } = await db().query<{ id: number }>(
    `INSERT INTO tickets (owner_id, type, description, status, complaint_category, created_by_agent, created_at,
                          estate_id)
     VALUES ($1, $2, '报表页测试', 'dispatched', $3, $4, $5, $6) RETURNING id`,
    [owner.ownerId, type, category, handler.agentId, at('11:00:00'), owner.estateId],
  );
  ticketIds.push(rows[0]!.id);
}

/** Clicks a download button and reads the file the page saved. */
async function download(page: Page, testid: string): Promise<{ name: string; data: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), data: await readFile(path) };
}

beforeAll(async () => {
  platform = await startTestPlatform();
  owner = await createOwner({ name: '报表页业主', rooms: [{ roomCode: 'R1-0101' }] });
  await db().query('UPDATE estates SET hotline_number = $2 WHERE id = $1', [owner.estateId, hotline]);
  await db().query(
    `INSERT INTO queues (name, label_zh, label_en, service_level_s) VALUES ($1, '报表页测试', 'Report page test', 15)`,
    [queue],
  );
  handler = await createAgent({ seat: null, estates: [owner.estateId], name: '报表页坐席' });
  leader = await createAgent({ seat: null, role: 'supervisor', name: '报表页班长' });
  leaderClient = await AgentClient.signIn(platform.url, leader);
  agentClient = await AgentClient.signIn(platform.url, handler);
  for (const wait of [5, 10, 15, 20]) await answeredCall(wait);
  await complaint('工程质量');
  await complaint('工程质量');
  await complaint('客户服务');
  await complaint('其他', 'compensation');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await agentClient?.close();
  await leaderClient?.close();
  await platform?.close();
  if (ticketIds.length) await db().query('DELETE FROM tickets WHERE id = ANY($1)', [ticketIds]);
  if (callIds.length) await db().query('DELETE FROM calls WHERE id = ANY($1)', [callIds]);
  await db().query('DELETE FROM queues WHERE name = $1', [queue]);
  await closeDb();
});

describe('the reports page of a team leader', () => {
  let page: Page;

  beforeAll(async () => {
    page = await signedInPage(browser, platform.url, leader);
    await page.getByTestId('nav-reports').click();
    await page.getByTestId('reports-page').waitFor();
    await page.getByTestId('report-from').fill(DAY);
    await page.getByTestId('report-to').fill(NEXT);
    await page.locator(`[data-testid=report-estate] option[value="${owner.estateId}"]`).waitFor({
      state: 'attached',
    });
    await page.getByTestId('report-estate').selectOption(String(owner.estateId));
    await page.getByTestId('report-queue').fill(queue);
    await page.getByTestId('report-show').click();
    // the status names the period once its figures are drawn
    await page
      .getByTestId('report-status')
      .filter({ hasText: `${DAY} – ${NEXT}` })
      .waitFor();
  }, 30_000);

  afterAll(async () => {
    await page?.close();
  });

  it('shows the service level with its numerator / denominator, target and definition', async () => {
    const row = page.locator('[data-testid=kpi-row][data-kpi-id="service-level"]');
    expect(await row.getByTestId('kpi-fraction').textContent()).toBe('3 / 4');
    expect(await row.getByTestId('kpi-value').textContent()).toBe('75.0%');
    expect(await row.getByTestId('kpi-target').textContent()).toBe('≥ 100.0%');
    expect(await row.getByTestId('kpi-met').textContent()).toBe('未达标 Not met');
    const definition = await row.getByTestId('kpi-definition').textContent();
    expect(definition).toContain('分子:进入队列后 X 秒内(含)由座席接听的电话');
    expect(definition).toContain('Numerator: calls an agent answered within X s');
    expect(await row.locator('th').textContent()).toContain('三声接听率');
  });

  it('draws one bar per category with its count, per week and per day', async () => {
    const bars = page.locator(
      '[data-testid=complaint-period][data-period="2025-04-14"] [data-testid=complaint-bar]',
    );
    await expect.poll(() => bars.count()).toBe(6);
    const counts = await bars.evaluateAll((els): Record<string, number> =>
      Object.fromEntries(
        els.map((e) => [e.getAttribute('data-category') ?? '', Number(e.getAttribute('data-count'))]),
      ),
    );
    expect(counts).toEqual({ 工程质量: 2, 规划设计: 0, 销售管理: 0, 客户服务: 1, 物业管理: 0, 其他: 1 });
    // the counts are written on the chart as text too
    const group = page.locator('[data-testid=complaint-period][data-period="2025-04-14"]');
    expect(await group.locator('text.bar-count').allTextContents()).toEqual(['2', '0', '0', '1', '0', '1']);
    expect(await group.getAttribute('data-registered')).toBe('4');

    await page.getByTestId('complaint-period-kind').selectOption('day');
    await expect.poll(() => page.getByTestId('complaint-period').count()).toBe(1);
    await expect
      .poll(() => page.getByTestId('complaint-period').first().getAttribute('data-period'))
      .toBe('2025-04-14');
    await page.getByTestId('complaint-period-kind').selectOption('week');
    await bars.first().waitFor();
  });

  it('downloads the KPI table as CSV and XLSX with the same figures', async () => {
    const api = await leaderClient.request(
      'GET',
      `/api/reports/kpis?from=${DAY}&to=${NEXT}&estateId=${owner.estateId}&queue=${queue}`,
    );
    const kpis = (api.body as { kpis: KpiRow[] }).kpis;

    const csv = await download(page, 'kpi-csv');
    expect(csv.name).toBe(`kpis-${DAY}_${NEXT}.csv`);
    const text = csv.data.toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).toBe(toCsv(kpiTable(kpis)));
    expect(text).toContain(
      '\r\nservice-level,三声接听率(服务水平),Service level (answered within 3 rings),0.75,75.0%,3,4,',
    );
    expect(text).not.toContain(owner.phone);

    const xlsx = await download(page, 'kpi-xlsx');
    expect(xlsx.name).toBe(`kpis-${DAY}_${NEXT}.xlsx`);
    const rows = await sheetRows(xlsx.data);
    expect(rows[0]).toEqual(kpiTable([])[0]);
    const serviceLevel = rows.find((r) => r[0] === 'service-level');
    expect(serviceLevel?.slice(0, 7)).toEqual([
      'service-level',
      '三声接听率(服务水平)',
      'Service level (answered within 3 rings)',
      0.75,
      '75.0%',
      3,
      4,
    ]);
    expect(rows).toHaveLength(kpis.length + 1);
  });

  it('downloads the complaint report as CSV and XLSX with the chart’s counts', async () => {
    const csv = await download(page, 'complaint-csv');
    expect(csv.name).toBe(`complaints-week-${DAY}_2025-04-21.csv`);
    const api = await leaderClient.request(
      'GET',
      `/api/reports/complaints?period=week&from=${DAY}&to=${NEXT}&estateId=${owner.estateId}`,
    );
    expect(csv.data.toString('utf8')).toBe(toCsv(complaintTable(api.body as ComplaintReport)));

    const xlsx = await download(page, 'complaint-xlsx');
    const rows = await sheetRows(xlsx.data);
    const registered: Record<string, unknown> = Object.fromEntries(
      rows.slice(1).map((r) => [String(r[3]), r[4]]),
    );
    expect(registered).toEqual({
      '工程质量 construction quality': 2,
      '规划设计 planning and design': 0,
      '销售管理 sales': 0,
      '客户服务 customer service': 1,
      '物业管理 property management': 0,
      '其他 other': 1,
    });
    expect(rows.slice(1).every((r) => r[0] === DAY && r[1] === DAY && r[2] === '2025-04-21')).toBe(true);
  });
});

describe('the monthly work report on the reports page', () => {
  let page: Page;

  beforeAll(async () => {
    page = await signedInPage(browser, platform.url, leader);
    await page.getByTestId('nav-reports').click();
    await page.locator(`[data-testid=report-estate] option[value="${owner.estateId}"]`).waitFor({
      state: 'attached',
    });
    await page.getByTestId('report-estate').selectOption(String(owner.estateId));
    // the month closing on 2025-04-25 holds the day of the test
    await page.getByTestId('work-month').fill('2025-04');
    await page.getByTestId('work-status').filter({ hasText: '2025-04: 2025-03-26 – 2025-04-26' }).waitFor();
  }, 30_000);

  afterAll(async () => {
    await page?.close();
  });

  it('picks agents by name and agent number', async () => {
    const option = page.locator(`[data-testid=report-agent] option[value="${handler.agentId}"]`);
    await option.waitFor({ state: 'attached' });
    expect(await option.textContent()).toBe('报表页坐席 (00)');
  });

  it('shows calls, tickets by type, timeliness and problem types, with a bar per ticket type', async () => {
    const cell = (item: string, column: number) =>
      page.locator(`[data-testid=work-row][data-item="${item}"] > :nth-child(${column})`).textContent();
    expect(await cell('接听 Answered', 3)).toBe('4');
    expect(await cell('及时接听 Answered within the service level', 3)).toBe('3');
    expect(await cell('投诉 complaint', 3)).toBe('3');
    expect(await cell('工程质量 construction quality', 3)).toBe('2');
    const bars = await page
      .getByTestId('work-bar')
      .evaluateAll((els): Record<string, number> =>
        Object.fromEntries(
          els.map((e) => [e.getAttribute('data-type') ?? '', Number(e.getAttribute('data-count'))]),
        ),
      );
    expect(bars).toEqual({ complaint: 3, repair: 0, inquiry: 0, suggestion: 0, compensation: 1 });
  });

  it('downloads the work report as CSV and XLSX holding the page’s rows', async () => {
    const api = await leaderClient.request(
      'GET',
      `/api/reports/work?month=2025-04&estateId=${owner.estateId}`,
    );
    expect(api.status).toBe(200);
    const table = workTable(api.body as WorkReport);
    const csv = await download(page, 'work-csv');
    expect(csv.name).toBe('work-2025-04.csv');
    expect(csv.data.toString('utf8')).toBe(toCsv(table));

    const xlsx = await download(page, 'work-xlsx');
    expect(xlsx.name).toBe('work-2025-04.xlsx');
    const rows = await sheetRows(xlsx.data);
    // an empty cell reads back as a hole: compare the cells that hold something
    expect(rows).toEqual(table.map(filledRow));
    expect(rows.find((r) => r[1] === '接听 Answered')?.[2]).toBe(4);
  });
});

describe('two reports asked at once (the page asks the KPIs and the complaints together)', () => {
  it('both count a call written just before', async () => {
    const kpiPath = `/api/reports/kpis?from=${DAY}&to=${NEXT}&queue=${queue}`;
    const complaintPath = `/api/reports/complaints?period=day&from=${DAY}&to=${NEXT}&estateId=${owner.estateId}`;
    for (let i = 0; i < 5; i++) {
      await answeredCall(1);
      const [first, , second] = await Promise.all([
        leaderClient.request('GET', kpiPath),
        leaderClient.request('GET', complaintPath),
        leaderClient.request('GET', kpiPath),
      ]);
      for (const res of [first, second]) {
        const sl = (res.body as { kpis: KpiRow[] }).kpis.find((k) => k.id === 'service-level');
        expect([sl?.numerator, sl?.denominator]).toEqual([4 + i, 5 + i]);
      }
    }
    await db().query('DELETE FROM calls WHERE id = ANY($1)', [callIds.splice(4)]);
  });
});

describe('an agent', () => {
  it('has no Reports link and gets 403 from the exports', async () => {
    const plain = await createAgent({ seat: null, name: '报表页普通坐席' });
    const page = await signedInPage(browser, platform.url, plain);
    try {
      await page.getByTestId('nav-qa').waitFor();
      expect(await page.getByTestId('nav-reports').isHidden()).toBe(true);
    } finally {
      await page.close();
    }
    for (const path of [
      `/api/reports/kpis.csv?from=${DAY}&to=${NEXT}`,
      `/api/reports/kpis.xlsx?from=${DAY}&to=${NEXT}`,
      `/api/reports/complaints.csv?period=week&from=${DAY}&to=${NEXT}`,
      `/api/reports/complaints.xlsx?period=week&from=${DAY}&to=${NEXT}`,
      '/api/reports/work.csv?month=2025-04',
      '/api/reports/work.xlsx?month=2025-04',
      '/api/reports/agents',
    ]) {
      const res = await agentClient.request('GET', path);
      expect(res.status, path).toBe(403);
      expect((res.body as { message: string }).message).toContain('只有班长和管理员');
    }
  });
});
