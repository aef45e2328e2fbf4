// The team leader's wallboard on the real platform: today's service level, ASA and abandonment per queue, as the
// reports define them, and pushed to the leader's page when a call ends (no reload, no page read in between).
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { launchBrowser, signedInPage } from '../support/browser.ts';
import { closeDb, createAgent, db, type TestAgent } from '../support/fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let browser: Browser;
let leader: TestAgent;
const queue = `wb-${process.pid}`;
const callIds: string[] = [];

/** A call of today in the test's queue: queued a minute ago, `waitS` later answered (or abandoned), ended. */
async function queuedCall(waitS: number, ending: 'answered' | 'abandoned') {
  const id = randomUUID();
  const queuedAt = new Date(Date.now() - 60_000);
  const at = new Date(queuedAt.getTime() + waitS * 1000);
  await db().query(
    `INSERT INTO calls (id, direction, caller_number, dialled_number, queue, started_at, queued_at, agent_answered_at,
                        ended_at, hangup_by, outcome)
     VALUES ($1, 'inbound', '13900000000', '4008200000', $2, $3, $3, $4, $5, 'caller', $6)`,
    [id, queue, queuedAt, ending === 'answered' ? at : null, ending === 'answered' ? new Date() : at, ending],
  );
  callIds.push(id);
}

beforeAll(async () => {
  await db().query(
    `INSERT INTO queues (name, label_zh, label_en, service_level_s) VALUES ($1, '看板测试', 'Wallboard test', 15)`,
    [queue],
  );
  // answered after 3, 10, 20 and 40 s; one caller gave up after 30 s, one after 2 s (a short abandon)
  for (const w of [3, 10, 20, 40]) await queuedCall(w, 'answered');
  await queuedCall(30, 'abandoned');
  await queuedCall(2, 'abandoned');
  platform = await startTestPlatform();
  leader = await createAgent({ seat: null, role: 'supervisor', name: '看板组长' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await db().query('DELETE FROM calls WHERE id = ANY($1::uuid[])', [callIds]);
  await platform?.close();
  await db().query('DELETE FROM queues WHERE name = $1', [queue]);
  await closeDb();
});

describe('the wallboard', () => {
  it('shows today’s service level, ASA and abandonment of a queue, equal to the report’s', async () => {
    const page = await signedInPage(browser, platform.url, leader);
    const row = page.getByTestId(`overview-queue-${queue}`);
    await expect
      .poll(() => row.getByTestId('service-level').textContent(), { timeout: 10_000 })
      .toBe('40% (2/5)');
    expect(await row.getByTestId('asa').textContent()).toBe('18 s');
    expect(await row.getByTestId('abandoned').textContent()).toBe('20% (1/5) +1 短 short');

    // the report of today for the queue says the same
    const desk = await AgentClient.signIn(platform.url, leader);
    try {
      const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
      const tomorrow = new Date(Date.now() + 32 * 3_600_000).toISOString().slice(0, 10);
      const res = await desk.request('GET', `/api/reports/kpis?from=${today}&to=${tomorrow}&queue=${queue}`);
      expect(res.status).toBe(200);
      const kpis = (res.body as { kpis: { id: string; numerator: number; denominator: number }[] }).kpis;
      const kpi = (id: string) => kpis.find((k) => k.id === id);
      expect(kpi('service-level')).toMatchObject({ numerator: 2, denominator: 5 });
      expect(kpi('abandonment')).toMatchObject({ numerator: 1, denominator: 5 });
    } finally {
      await desk.close();
    }

    // a call answered after 5 s ends: the board moves by itself (the page reads the board only every 10 s)
    await queuedCall(5, 'answered');
    await expect
      .poll(() => row.getByTestId('service-level').textContent(), { timeout: 4_000 })
      .toBe('50% (3/6)');
    expect(await row.getByTestId('asa').textContent()).toBe('16 s');
    await page.close();
  });

  it('is not for agents: the API refuses them and their desk has no board', async () => {
    const agent = await createAgent({ seat: null });
    const desk = await AgentClient.signIn(platform.url, agent);
    try {
      expect((await desk.request('GET', '/api/supervisor/overview')).status).toBe(403);
    } finally {
      await desk.close();
    }
    const page = await signedInPage(browser, platform.url, agent);
    expect(await page.getByTestId('team-overview').isHidden()).toBe(true);
    await page.close();
  });
});
