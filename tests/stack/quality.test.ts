// Quality assurance (质检) on the real platform: a team leader draws each agent's random sample of recorded calls
// for a week, scores one on the #/qa page while its recording plays, and reads the agents' scores week by week;
// an admin changes the form (samples already drawn keep theirs) and the settings; an agent sees only their own
// scored calls; bad scores and bad forms are refused in words.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QA_ITEMS, qaPeriodAt } from '../../core/index.ts';
import { AgentClient } from '../support/agent-client.ts';
import { launchBrowser, signedInPage } from '../support/browser.ts';
import { silentWav } from '../support/wav.ts';
import { stackConfig } from '../support/env.ts';
import { closeDb, createAgent, db, type TestAgent } from '../support/fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let browser: Browser;
let leader: TestAgent;
let admin: TestAgent;
let agentA: TestAgent;
let agentB: TestAgent;
let agentC: TestAgent;
let leaderDesk: AgentClient;
let adminDesk: AgentClient;
let agentDesk: AgentClient;
const callIds: string[] = [];

/** The week two weeks ago: no other test file's calls are in it. */
const week = qaPeriodAt('week', new Date(Date.now() - 14 * 86_400_000));
const dayOfWeek = (n: number) => new Date(week.from.getTime() + n * 86_400_000 + 3 * 3_600_000);

/** A call the agent answered at `at`, recorded (a short WAV in the recording folder) unless told otherwise. */
async function answeredCall(agent: TestAgent, at: Date, opts: { recorded?: boolean; purged?: boolean } = {}) {
  const id = randomUUID();
  const recording = opts.recorded === false ? null : `qa-${id}`;
  if (recording) {
    const dir = stackConfig().recordingDir;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${recording}.wav`), silentWav(0.5));
  }
  await db().query(
    `INSERT INTO calls (id, direction, caller_number, dialled_number, agent_id, queue, started_at, queued_at,
                        agent_answered_at, ended_at, outcome, recording, recording_purged_at)
     VALUES ($1, 'inbound', '13800000000', '4008200000', $2, 'general', $3::timestamptz, $3::timestamptz, $3::timestamptz + interval '8 seconds',
             $3::timestamptz + interval '3 minutes', 'answered', $4, $5)`,
    [id, agent.agentId, at, recording, opts.purged ? new Date() : null],
  );
  callIds.push(id);
  return id;
}

async function restoreQa(): Promise<void> {
  await db().query(`UPDATE qa_settings SET per_agent = 3, period = 'week'`);
  await db().query(`DELETE FROM qa_forms WHERE id > (SELECT min(id) FROM qa_forms)`);
}

beforeAll(async () => {
  await restoreQa();
  platform = await startTestPlatform();
  leader = await createAgent({ seat: null, role: 'supervisor', name: '质检班长' });
  admin = await createAgent({ seat: null, role: 'admin', name: '质检管理员' });
  agentA = await createAgent({ seat: null, name: '质检坐席甲' });
  agentB = await createAgent({ seat: null, name: '质检坐席乙' });
  agentC = await createAgent({ seat: null, name: '质检坐席丙' });
  leaderDesk = await AgentClient.signIn(platform.url, leader);
  adminDesk = await AgentClient.signIn(platform.url, admin);
  agentDesk = await AgentClient.signIn(platform.url, agentA);
  for (let i = 0; i < 5; i++) await answeredCall(agentA, dayOfWeek(i));
  await answeredCall(agentB, dayOfWeek(1));
  await answeredCall(agentB, dayOfWeek(2));
  await answeredCall(agentB, dayOfWeek(3), { purged: true });
  await answeredCall(agentB, dayOfWeek(4), { recorded: false });
  // agent C's call is in the week after
  await answeredCall(agentC, dayOfWeek(8));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([leaderDesk, adminDesk, agentDesk].map((d) => d?.close()));
  await db().query('DELETE FROM qa_samples WHERE call_id = ANY($1::uuid[])', [callIds]);
  await db().query('DELETE FROM calls WHERE id = ANY($1::uuid[])', [callIds]);
  await restoreQa();
  await platform?.close();
  await closeDb();
});

interface Sample {
  id: number;
  callId: string;
  agentId: number;
  period: string;
  form: { id: number; items: { label: string; points: number }[] };
  total: number | null;
  outOf: number | null;
  scoredAt: string | null;
}
const message = (body: unknown) => (body as { message: string }).message;

async function samplesOf(agent: TestAgent, scored = false): Promise<Sample[]> {
  const res = await leaderDesk.request('GET', `/api/qa/samples?scored=${scored}&agentId=${agent.agentId}`);
  expect(res.status).toBe(200);
  return (res.body as { samples: Sample[] }).samples;
}

describe('drawing a sample', () => {
  it('draws each agent’s recorded calls of the week at random, up to 3, never a purged or unrecorded one', async () => {
    const res = await leaderDesk.request('POST', '/api/qa/draws', { date: week.firstDay });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ period: week.label, perAgent: 3 });
    const a = await samplesOf(agentA);
    const b = await samplesOf(agentB);
    expect(a).toHaveLength(3);
    expect(new Set(a.map((s) => s.callId)).size).toBe(3);
    expect(b.map((s) => s.callId).sort()).toEqual(callIds.slice(5, 7).sort());
    expect(await samplesOf(agentC)).toEqual([]);
    expect(a.every((s) => s.period === week.label)).toBe(true);

    // again: nobody gets more, no call twice
    const again = await leaderDesk.request('POST', '/api/qa/draws', { date: week.firstDay });
    expect((await samplesOf(agentA)).map((s) => s.id).sort()).toEqual(a.map((s) => s.id).sort());
    expect((again.body as { drawn: number }).drawn).toBe(0);
  });

  it('refuses agents and a day in the future', async () => {
    const res = await agentDesk.request('POST', '/api/qa/draws', { date: week.firstDay });
    expect(res.status).toBe(403);
    expect(message(res.body)).toContain('Only team leaders and admins draw and score samples');
    const future = await leaderDesk.request('POST', '/api/qa/draws', { date: '2099-01-01' });
    expect(future.status).toBe(400);
    expect(message(future.body)).toContain('Choose today or a day before it');
    expect((await leaderDesk.request('POST', '/api/qa/draws', { date: 'yesterday' })).status).toBe(400);
  });
});

describe('scoring', () => {
  it('refuses scores that do not fit the form, in words', async () => {
    const [sample] = await samplesOf(agentB);
    const score = (scores: unknown) =>
      leaderDesk.request('POST', `/api/qa/samples/${sample!.id}/score`, { scores });
    const cases: [unknown, string][] = [
      [[10, 10], 'Score each of the 5 items'],
      [[16, 10, 30, 10, 5], 'takes a whole number from 0 to 15'],
      [[10, 10, 30, 10, -1], 'from 0 to 10'],
      [[10, 10, 30.5, 10, 5], 'from 0 to 40'],
      ['ninety', '得分 scores'],
    ];
    for (const [scores, words] of cases) {
      const res = await score(scores);
      expect(res.status, JSON.stringify(scores)).toBe(400);
      expect(message(res.body)).toContain(words);
    }
    expect(
      (await agentDesk.request('POST', `/api/qa/samples/${sample!.id}/score`, { scores: [1, 1, 1, 1, 1] }))
        .status,
    ).toBe(403);
  });

  it('an agent sees only their own scored calls', async () => {
    const [mine] = await samplesOf(agentA);
    const [theirs] = await samplesOf(agentB);
    // not scored yet: not even the agent's own
    expect((await agentDesk.request('GET', `/api/qa/samples/${mine!.id}`)).status).toBe(403);
    expect((await agentDesk.request('GET', `/api/qa/samples/${theirs!.id}`)).status).toBe(403);
    const scored = await leaderDesk.request('POST', `/api/qa/samples/${mine!.id}/score`, {
      scores: [15, 15, 36, 18, 8],
      comment: '解决问题清楚,结束语完整',
    });
    expect(scored.status).toBe(200);
    expect(scored.body).toMatchObject({
      total: 92,
      outOf: 100,
      comment: '解决问题清楚,结束语完整',
      reviewer: '质检班长',
    });
    expect((await agentDesk.request('GET', `/api/qa/samples/${mine!.id}`)).status).toBe(200);
    const list = await agentDesk.request('GET', `/api/qa/samples?scored=false&agentId=${agentB.agentId}`);
    expect((list.body as { samples: Sample[] }).samples.map((s) => s.id)).toEqual([mine!.id]);
    const scores = await agentDesk.request('GET', '/api/qa/scores');
    expect((scores.body as { agents: { agentId: number }[] }).agents.map((a) => a.agentId)).toEqual([
      agentA.agentId,
    ]);
  });
});

describe('the form and the settings', () => {
  it('an admin changes the form: samples drawn before keep theirs, new ones take it', async () => {
    const items = [
      { label: '开场白 Opening', points: 30 },
      { label: '解决 Solution', points: 70 },
    ];
    const bad = await adminDesk.request('PUT', '/api/admin/qa/form', {
      items: [{ label: '开场白', points: 0 }],
    });
    expect(bad.status).toBe(400);
    expect(message(bad.body)).toContain("Item 1's points must be a whole number from 1 to 100");
    expect((await leaderDesk.request('PUT', '/api/admin/qa/form', { items })).status).toBe(403);
    const saved = await adminDesk.request('PUT', '/api/admin/qa/form', { items });
    expect(saved.status).toBe(200);
    // agent B's second recorded... B has no more; A's remaining calls: per agent 5 now
    expect(
      (await adminDesk.request('PUT', '/api/admin/qa/settings', { perAgent: 5, period: 'week' })).status,
    ).toBe(200);
    expect(
      (await adminDesk.request('PUT', '/api/admin/qa/settings', { perAgent: 0, period: 'week' })).status,
    ).toBe(400);
    expect((await leaderDesk.request('POST', '/api/qa/draws', { date: week.firstDay })).body).toMatchObject({
      drawn: 2,
    });
    const a = await samplesOf(agentA);
    const labels = (s: Sample) => s.form.items.map((i) => i.label);
    expect(a.filter((s) => labels(s)[0] === '开场白 Opening')).toHaveLength(2);
    expect(a.filter((s) => labels(s)[0] === DEFAULT_QA_ITEMS[0]!.label)).toHaveLength(2);
  });
});

describe('the page', () => {
  it('a team leader scores agent B’s call while it plays, and sees B’s share for the week', async () => {
    const page = await signedInPage(browser, platform.url, leader);
    await page.getByTestId('nav-qa').click();
    const row = page.getByTestId('qa-pending-row').filter({ hasText: '质检坐席乙' }).first();
    await row.getByTestId('qa-open').click();
    await expect.poll(() => page.getByTestId('qa-scoring-title').textContent()).toContain('质检坐席乙');
    // the recording is there to play
    await expect.poll(() => page.getByTestId('qa-audio').getAttribute('src')).toContain('/recording');
    const inputs = page.getByTestId('qa-item-score');
    expect(await inputs.count()).toBe(5);
    // too many points: the form says which item
    for (const [i, v] of ['15', '15', '41', '20', '10'].entries()) await inputs.nth(i).fill(v);
    await page.getByTestId('qa-score-save').click();
    await expect.poll(() => page.getByTestId('qa-score-error').textContent()).toContain('from 0 to 40');
    await inputs.nth(2).fill('30');
    await page.getByTestId('qa-comment').fill('问题解决不够彻底');
    await page.getByTestId('qa-score-save').click();
    const cell = page
      .locator(`[data-testid="qa-score-row"][data-agent-id="${agentB.agentId}"]`)
      .locator(`[data-period="${week.label}"]`);
    await expect.poll(() => cell.textContent()).toBe(' 90% (1)');
    expect(await page.getByTestId('qa-scored-item').filter({ hasText: '问题解决不够彻底' }).count()).toBe(1);
    await page.close();
  });

  it('an agent sees their own week on the page, and no drawing or scoring', async () => {
    const page = await signedInPage(browser, platform.url, agentA);
    await page.getByTestId('nav-qa').click();
    const cell = page
      .locator(`[data-testid="qa-score-row"][data-agent-id="${agentA.agentId}"]`)
      .locator(`[data-period="${week.label}"]`);
    await expect.poll(() => cell.textContent()).toBe(' 92% (1)');
    expect(await page.getByTestId('qa-score-row').count()).toBe(1);
    expect(await page.getByTestId('qa-draw-section').isVisible()).toBe(false);
    expect(await page.getByTestId('qa-pending-section').isVisible()).toBe(false);
    await page.close();
  });
});
