// The campaign pages in real headless Chromium (issue 6): a team leader creates a fee reminder with the form, sees
// the campaign's progress move when the dialer reports it (a `campaign:progress` event sent through the Redis
// emitter, as a worker sends it), pauses and resumes it; an owner who was called before rings the hotline and the
// agent's pop shows the last attempts and revisit scores (a real sipp call); the ticket's page shows its revisit
// record with the spoken comment playable.
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Emitter } from '@socket.io/redis-emitter';
import { Redis } from 'ioredis';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rooms, type ServerToClientEvents } from '../../core/index.ts';
import { launchBrowser, signedInPage } from '../support/browser.ts';
import { silentWav } from '../support/wav.ts';
import { stackConfig, withCleanUp } from '../support/env.ts';
import {
  closeDb,
  createAgent,
  createOwner,
  db,
  type TestAgent,
  type TestOwner,
} from '../support/fixtures.ts';
import { ownerCall, startAgentPhone, type AgentPhone } from '../support/phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const SEAT = 6;
const tag = randomBytes(3).toString('hex');
const trunk = `p-${tag}`;
let platform: TestPlatform;
let browser: Browser;
let redis: Redis;
let leader: TestAgent;
let owner: TestOwner;
const campaignIds: number[] = [];

async function insertCampaign(name: string, status: string): Promise<number> {
  const { rows } = await db().query<{ id: number }>(
    `INSERT INTO campaigns (kind, name, status, trunk_code, estate_id, cycle, min_arrears_fen)
     VALUES ('fee-reminder', $1, $2, $3, $4, '2026-11', 0) RETURNING id`,
    [name, status, trunk, owner.estateId],
  );
  campaignIds.push(rows[0]!.id);
  return rows[0]!.id;
}

beforeAll(async () => {
  platform = await startTestPlatform({ HOTLINE_POP_SEEN_TIMEOUT_MS: '4000' });
  redis = new Redis(stackConfig().redisUrl);
  await db().query(
    // an endpoint Asterisk does not have: a campaign started here is dialled but reaches no one (no INVITE leaves)
    `INSERT INTO trunks (code, name, dial, caller_id, max_channels, calls_per_second)
     VALUES ($1, $2, 'PJSIP/outside/sip:{number}@127.0.0.1:5999', '4008200000', 4, 2)`,
    [trunk, `页面测试线路${tag}`],
  );
  owner = await createOwner({
    name: '苏晴',
    rooms: [{ roomCode: 'E5-1201', fees: [{ kind: 'property', amountFen: 88800, dueDate: '2026-11-15' }] }],
  });
  leader = await createAgent({
    seat: null,
    role: 'supervisor',
    name: `王班长${tag.slice(0, 2)}`,
    skills: {},
  });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  redis?.disconnect();
  if (campaignIds.length) await db().query('DELETE FROM campaigns WHERE id = ANY($1)', [campaignIds]);
  await db().query('DELETE FROM trunks WHERE code = $1', [trunk]);
  await platform?.close();
  await closeDb();
});

describe('the campaign pages', () => {
  it('creates a fee reminder with the form and opens its page', async () => {
    const page = await signedInPage(browser, platform.url, leader);
    await page.getByTestId('nav-campaigns').click();
    await page.getByTestId('campaign-form').waitFor();
    const name = `11月催缴${tag}`;
    await page.getByTestId('campaign-kind').selectOption('fee-reminder');
    await page.getByTestId('campaign-name').fill(name);
    await page.getByTestId('campaign-trunk').selectOption(trunk);
    await page.getByTestId('campaign-estate').selectOption(String(owner.estateId));
    // a bad figure is refused in words, then corrected
    await page.getByTestId('campaign-windowStart').fill('21:00');
    await page.getByTestId('campaign-create').click();
    await expect
      .poll(() => page.getByTestId('campaign-form-error').textContent())
      .toContain('呼叫时段的开始(21:00)必须早于结束(20:00)');
    await page.getByTestId('campaign-windowStart').fill('09:30');
    await page.getByTestId('campaign-minArrearsYuan').fill('300');
    await page.getByTestId('campaign-cycle').fill('2026-11');
    // only the owner's building: the picker lists the estate's buildings by name
    const { rows: building } = await db().query<{ id: number; name: string }>(
      'SELECT b.id, b.name FROM units u JOIN buildings b ON b.id = u.building_id WHERE u.id = $1',
      [owner.units[0]!.unitId],
    );
    await expect
      .poll(() => page.getByTestId('campaign-buildings').locator('option').allTextContents())
      .toContain(building[0]!.name);
    await page.getByTestId('campaign-buildings').selectOption([String(building[0]!.id)]);
    await page.getByTestId('campaign-create').click();
    await expect.poll(() => page.getByTestId('campaign-title').textContent()).toContain(name);
    const id = Number(/#\/campaigns\/(\d+)/.exec(page.url())![1]);
    campaignIds.push(id);
    expect(await page.getByTestId('campaign-status').textContent()).toBe('状态 Status: 草稿 Draft');
    expect(await page.getByTestId('campaign-settings').textContent()).toContain(
      '楼栋 Buildings1 个楼栋 buildings',
    );
    const row = await db().query(
      `SELECT kind, min_arrears_fen, window_start::text, cycle, skip_holidays, building_ids
         FROM campaigns WHERE id = $1`,
      [id],
    );
    expect(row.rows[0]).toEqual({
      kind: 'fee-reminder',
      min_arrears_fen: 30000,
      window_start: '09:30:00',
      cycle: '2026-11',
      skip_holidays: true,
      building_ids: [building[0]!.id],
    });
    // the list shows it with its progress bar
    await page.getByTestId('nav-campaigns').click();
    const listed = page.locator(`[data-testid="campaign-row"][data-campaign-id="${id}"]`);
    await listed.waitFor();
    expect(await listed.getByTestId('campaign-row-status').textContent()).toBe('草稿 Draft');
    await page.close();
  });

  it('starts, pauses and resumes a campaign', async () => {
    const id = await insertCampaign(`进度测试${tag}`, 'draft');
    await db().query(
      `INSERT INTO campaign_targets (campaign_id, owner_id, unit_id, phone, arrears_fen)
       SELECT $1, $2, $3, $4, 88800`,
      [id, owner.ownerId, owner.units[0]!.unitId, owner.phone],
    );
    const page = await signedInPage(browser, platform.url, leader);
    await page.goto(`${platform.url}/#/campaigns/${id}`);
    await expect.poll(() => page.getByTestId('count-queued').textContent()).toBe('1');
    expect(await page.getByTestId('campaign-progress').getAttribute('aria-valuenow')).toBe('0');
    // masked for nobody here: a team leader sees the number
    expect(await page.getByTestId('campaign-target').textContent()).toContain(owner.phone);

    await page.getByTestId('campaign-start').click();
    await expect
      .poll(() => page.getByTestId('campaign-status').textContent())
      .toBe('状态 Status: 进行中 Running');
    await page.getByTestId('campaign-pause').click();
    await expect
      .poll(() => page.getByTestId('campaign-status').textContent())
      .toBe('状态 Status: 已暂停 Paused');
    expect((await db().query('SELECT status FROM campaigns WHERE id = $1', [id])).rows[0]).toEqual({
      status: 'paused',
    });
    expect(await page.getByTestId('campaign-pause').count()).toBe(0);
    await page.getByTestId('campaign-resume').click();
    await expect
      .poll(() => page.getByTestId('campaign-status').textContent())
      .toBe('状态 Status: 进行中 Running');
    await page.close();
  });

  it('pages through a campaign of 120 targets, 50 at a time, and narrows them to one status', async () => {
    const id = await insertCampaign(`分页测试${tag}`, 'paused');
    // owners 1..120 in the order they were picked; every third one's last attempt was busy
    await db().query(
      `WITH o AS (INSERT INTO owners (name) SELECT '分页业主' || g FROM generate_series(1, 120) g RETURNING id, name)
       INSERT INTO campaign_targets (campaign_id, owner_id, phone, status, attempts)
       SELECT $1, o.id, '1390000' || lpad(substr(o.name, 5), 4, '0'),
              CASE WHEN substr(o.name, 5)::int % 3 = 0 THEN 'busy' ELSE 'queued' END,
              CASE WHEN substr(o.name, 5)::int % 3 = 0 THEN 1 ELSE 0 END
         FROM o ORDER BY substr(o.name, 5)::int`,
      [id],
    );
    const page = await signedInPage(browser, platform.url, leader);
    await page.goto(`${platform.url}/#/campaigns/${id}`);
    const rows = page.getByTestId('campaign-target');
    const range = page.getByTestId('targets-range');
    await expect.poll(() => range.textContent()).toBe('第 1–50 个,共 120 个 1–50 of 120');
    expect(await rows.count()).toBe(50);
    expect(await rows.first().locator('td').first().textContent()).toBe('分页业主1');
    expect(await page.getByTestId('targets-previous').isDisabled()).toBe(true);

    await page.getByTestId('targets-next').click();
    await expect.poll(() => range.textContent()).toBe('第 51–100 个,共 120 个 51–100 of 120');
    expect(await rows.first().locator('td').first().textContent()).toBe('分页业主51');
    await page.getByTestId('targets-next').click();
    await expect.poll(() => range.textContent()).toBe('第 101–120 个,共 120 个 101–120 of 120');
    expect(await rows.count()).toBe(20);
    expect(await page.getByTestId('targets-next').isDisabled()).toBe(true);

    // one status: the pager starts again from the first
    await page.getByTestId('targets-status').selectOption('busy');
    await expect.poll(() => range.textContent()).toBe('第 1–40 个,共 40 个 1–40 of 40');
    expect(new Set(await rows.getByTestId('target-status').allTextContents())).toEqual(
      new Set(['占线 Busy']),
    );
    await page.close();
  });

  it('shows progress live from the dialer’s events', async () => {
    // a campaign no worker touches (inserted paused: no status change to react to), so the only progress
    // events for it are the one this test sends
    const id = await insertCampaign(`实时进度${tag}`, 'paused');
    const page = await signedInPage(browser, platform.url, leader);
    await page.goto(`${platform.url}/#/campaigns/${id}`);
    await expect
      .poll(() => page.getByTestId('campaign-status').textContent())
      .toBe('状态 Status: 已暂停 Paused');
    // what a dialer worker sends: the page follows without reloading
    new Emitter<ServerToClientEvents>(redis).to(rooms.supervisors).emit('campaign:progress', {
      campaignId: id,
      counts: {
        queued: 40,
        dialling: 3,
        answered: 2,
        'no-answer': 5,
        busy: 4,
        failed: 1,
        completed: 43,
        'opted-out': 2,
      },
      total: 100,
      done: 50,
      etaS: 750,
    });
    await expect.poll(() => page.getByTestId('count-completed').textContent()).toBe('43');
    expect(await page.getByTestId('count-busy').textContent()).toBe('4');
    expect(await page.getByTestId('count-opted-out').textContent()).toBe('2');
    expect(await page.getByTestId('campaign-progress').textContent()).toBe('50 / 100 (50%)');
    expect(await page.getByTestId('campaign-eta').textContent()).toBe('剩余时间 Time left: 13 分钟 13 min');
    await page.close();
  });
});

describe('the owner’s outbound history', () => {
  it('pops with the last attempts and revisit scores when the owner calls in', async () => {
    const id = await insertCampaign(`11月物业费催缴${tag}`, 'completed');
    const target = await db().query<{ id: number }>(
      `INSERT INTO campaign_targets (campaign_id, owner_id, unit_id, phone, status, done, attempts, reached_at, outcome)
       VALUES ($1, $2, $3, $4, 'completed', true, 2, now(), 'acknowledged') RETURNING id`,
      [id, owner.ownerId, owner.units[0]!.unitId, owner.phone],
    );
    await db().query(
      `INSERT INTO call_attempts (target_id, campaign_id, attempt_no, status, result, due_at, dialled_at, ended_at, hangup_cause, outcome)
       VALUES ($1, $2, 1, 'ended', 'busy', now() - interval '3 hours', now() - interval '3 hours', now() - interval '3 hours', 17, NULL),
              ($1, $2, 2, 'ended', 'answered', now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour', 16, 'acknowledged')`,
      [target.rows[0]!.id, id],
    );
    const ticket = await db().query<{ id: number; number: string }>(
      `INSERT INTO tickets (owner_id, unit_id, estate_id, type, description, status) VALUES ($1, $2, $3, 'repair', '门锁损坏', 'closed')
       RETURNING id, number`,
      [owner.ownerId, owner.units[0]!.unitId, owner.estateId],
    );
    await db().query(
      `INSERT INTO ticket_revisits (ticket_id, attempt_no, at, result, score, satisfied, automated) VALUES ($1, 1, now() - interval '1 day', 'scored', 4, true, true)`,
      [ticket.rows[0]!.id],
    );
    const agent = await createAgent({ seat: SEAT, name: `客服${tag.slice(0, 2)}` });
    const phone: AgentPhone = await startAgentPhone(SEAT, { answerAfterMs: 1000 });
    const page = await signedInPage(browser, platform.url, agent);
    await withCleanUp(
      async () => {
        await page.getByTestId('btn-available').click();
        await expect.poll(() => page.getByTestId('agent-state').textContent()).toContain('Available');
        const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 6_000 });
        await expect
          .poll(() => page.getByTestId('pop-owner').textContent(), { timeout: 20_000 })
          .toBe('苏晴');
        // this campaign's attempts, newest first (other tests' campaigns may have called the owner since)
        const attempts = page.getByTestId('pop-attempts').locator('li', { hasText: `11月物业费催缴${tag}` });
        expect(await attempts.count()).toBe(2);
        expect(await attempts.nth(0).textContent()).toContain('已接听 Answered');
        expect(await attempts.nth(0).textContent()).toContain('已知悉 Acknowledged');
        expect(await attempts.nth(1).textContent()).toContain('占线 Busy');
        const revisits = await page.getByTestId('pop-revisits').textContent();
        expect(revisits).toContain(ticket.rows[0]!.number);
        expect(revisits).toContain('满意 Satisfied');
        expect(revisits).toContain('评分 Score 4');
        await call;
      },
      () =>
        page
          .getByTestId('btn-logout')
          .click()
          .catch(() => undefined),
      () => phone.stop(),
      () => db().query('DELETE FROM tickets WHERE id = $1', [ticket.rows[0]!.id]),
    );
  });

  it('shows a ticket’s revisit record with the comment playable and who made each revisit', async () => {
    const agent = await createAgent({
      seat: null,
      name: `回访员${tag.slice(0, 2)}`,
      estates: [owner.estateId],
    });
    const ticket = await db().query<{ id: number }>(
      `INSERT INTO tickets (owner_id, unit_id, estate_id, type, description, status) VALUES ($1, $2, $3, 'repair', '水管漏水', 'closed')
       RETURNING id`,
      [owner.ownerId, owner.units[0]!.unitId, owner.estateId],
    );
    const ticketId = ticket.rows[0]!.id;
    const comment = `revisit-comment-${tag}`;
    const file = join(stackConfig().recordingDir, `${comment}.wav`);
    writeFileSync(file, silentWav(0.5));
    await db().query(
      `INSERT INTO ticket_revisits (ticket_id, attempt_no, at, result, score, satisfied, comment_recording, automated)
       VALUES ($1, 1, now() - interval '2 hours', 'scored', 2, false, $2, true)`,
      [ticketId, comment],
    );
    await db().query(
      `INSERT INTO ticket_revisits (ticket_id, attempt_no, at, result, score, satisfied, automated, by_agent)
       VALUES ($1, 2, now(), 'scored', 5, true, false, $2)`,
      [ticketId, agent.agentId],
    );
    const page = await signedInPage(browser, platform.url, agent);
    await withCleanUp(
      async () => {
        await page.goto(`${platform.url}/#/tickets/${ticketId}`);
        const items = page.getByTestId('ticket-revisit');
        await expect.poll(() => items.count()).toBe(2);
        expect(await items.nth(0).textContent()).toContain('不满意 Unsatisfied');
        expect(await items.nth(0).textContent()).toContain('评分 score 2');
        expect(await items.nth(0).textContent()).toContain('自动回访 automated');
        expect(await items.nth(1).textContent()).toContain(`人工回访 by ${agent.name}`);
        expect(await items.nth(1).getByTestId('revisit-comment-play').count()).toBe(0);
        await items.nth(0).getByTestId('revisit-comment-play').click();
        const audio = page.getByTestId('revisit-comment-audio');
        await audio.waitFor();
        const src = await audio.getAttribute('src');
        const res = await fetch(`${platform.url}${src}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('audio/wav');
      },
      () => page.close(),
      () => rmSync(file, { force: true }),
      () => db().query('DELETE FROM tickets WHERE id = $1', [ticketId]),
    );
  });

  it('lets an agent record a revisit task: the task leaves the list and the ticket closes', async () => {
    const agent = await createAgent({
      seat: null,
      name: `回访员乙${tag.slice(0, 2)}`,
      estates: [owner.estateId],
    });
    const ticket = await db().query<{ id: number; number: string }>(
      `INSERT INTO tickets (owner_id, unit_id, estate_id, type, description, status, resolution)
       VALUES ($1, $2, $3, 'repair', '窗户关不严', 'resolved', '已调整窗框') RETURNING id, number`,
      [owner.ownerId, owner.units[0]!.unitId, owner.estateId],
    );
    const { id: ticketId, number } = ticket.rows[0]!;
    await db().query(`INSERT INTO revisit_tasks (ticket_id, reason) VALUES ($1, 'not-reached')`, [ticketId]);
    const page = await signedInPage(browser, platform.url, agent);
    await withCleanUp(
      async () => {
        expect(await page.getByTestId('nav-campaigns').isHidden()).toBe(true);
        await page.getByTestId('nav-revisits').click();
        const task = page.locator(`[data-testid="revisit-task"][data-ticket-number="${number}"]`);
        await task.waitFor();
        expect(await task.getByTestId('revisit-phone').textContent()).toBe(owner.phone);
        await task.getByTestId('revisit-submit').click();
        await expect.poll(() => task.locator('.form-error').textContent()).toContain('请选择满意度评分');
        await task.getByTestId('revisit-score').selectOption('5');
        await task.getByTestId('revisit-note').fill('业主表示满意');
        await task.getByTestId('revisit-submit').click();
        await expect
          .poll(() => page.getByTestId('revisit-tasks-notice').textContent())
          .toContain(`工单 ${number} 已记录回访`);
        expect(await task.count()).toBe(0);
        const row = await db().query('SELECT status FROM tickets WHERE id = $1', [ticketId]);
        expect(row.rows[0]).toEqual({ status: 'closed' });
        await page.goto(`${platform.url}/#/tickets/${ticketId}`);
        await expect
          .poll(() => page.getByTestId('ticket-revisit').textContent())
          .toContain(`人工回访 by ${agent.name}`);
      },
      () => page.close(),
      () => db().query('DELETE FROM tickets WHERE id = $1', [ticketId]),
    );
  });
});
