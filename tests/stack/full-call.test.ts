// One whole call as the people at the desks see it, in real headless Chromium on the real stack: an owner calls
// from a sipp phone and asks for an agent; the first agent's page pops the owner, the agent updates the owner's
// open complaint beside the call (verifies it, adds a note), files a new repair ticket, and transfers the owner to
// a colleague with a note; the colleague's page pops the same owner with both tickets and the note, and hangs up.
// Meanwhile the team leader's wallboard follows: the queue's available agents drop as each agent takes the call,
// each agent's row shows their state, and today's calls of the queue count one more once the call has ended.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { launchBrowser, signedInPage } from '../support/browser.ts';
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

const SEAT_FIRST = 7;
const SEAT_SECOND = 8;
let platform: TestPlatform;
let browser: Browser;
let phones: AgentPhone[] = [];
let first: TestAgent;
let second: TestAgent;
let leader: TestAgent;
let owner: TestOwner;
let complaint: { id: number; number: string };
const pages: Page[] = [];

beforeAll(async () => {
  // the pop must be on the page before the phone rings (see agent-page.test.ts); agents wrap up after a call, as
  // in production, until they submit the wrap-up form
  platform = await startTestPlatform({ HOTLINE_POP_SEEN_TIMEOUT_MS: '4000', HOTLINE_WRAP_UP_S: '60' });
  phones = [
    await startAgentPhone(SEAT_FIRST, { answerAfterMs: 1000 }),
    await startAgentPhone(SEAT_SECOND, { answerAfterMs: 1000 }),
  ];
  owner = await createOwner({ name: '何丽', rooms: [{ roomCode: 'C2-0801' }] });
  first = await createAgent({ seat: SEAT_FIRST, name: '客服一号', estates: [owner.estateId] });
  second = await createAgent({ seat: SEAT_SECOND, name: '客服二号', estates: [owner.estateId] });
  leader = await createAgent({ seat: null, role: 'supervisor', name: '组长何' });
  // the owner complained last week (filed over the API, as a desk would)
  const desk = await AgentClient.signIn(platform.url, first);
  const filed = await desk.request('POST', '/api/tickets', {
    ownerId: owner.ownerId,
    unitId: owner.units[0]!.unitId,
    type: 'complaint',
    complaintCategory: '客户服务',
    description: '前台人员态度差,不予登记访客',
  });
  expect(filed.status).toBe(201);
  complaint = filed.body as { id: number; number: string };
  await desk.close();
  browser = await launchBrowser();
});

afterAll(async () => {
  // sign the agents out so no later call reaches these seats
  for (const page of pages) {
    await page
      .getByTestId('btn-logout')
      .click()
      .catch(() => undefined);
  }
  await browser?.close();
  for (const phone of phones) await phone.stop();
  await platform?.close();
  await closeDb();
});

/** "40% (2/5)" → 5: the queue's calls today on the board (service level cell). */
const offeredOf = (text: string | null): number => Number(/\/(\d+)\)/.exec(text ?? '')?.[1] ?? 0);

describe('a whole call, desk to desk, with the wallboard watching', () => {
  it('pops the owner, updates and files tickets beside the call, transfers, and the board follows', async () => {
    const board = await signedInPage(browser, platform.url, leader);
    const agentOne = await signedInPage(browser, platform.url, first);
    const agentTwo = await signedInPage(browser, platform.url, second);
    pages.push(agentOne, agentTwo);
    const general = board.getByTestId('overview-queue-general');
    const rowOf = (who: TestAgent) => board.getByTestId(`overview-agent-${who.login}`);
    await expect.poll(() => general.isVisible(), { timeout: 10_000 }).toBe(true);

    for (const page of [agentOne, agentTwo]) {
      await page.getByTestId('btn-available').click();
      await expect.poll(() => page.getByTestId('agent-state').textContent()).toContain('Available');
    }
    await expect.poll(() => rowOf(second).getByTestId('state').textContent()).toContain('Available');
    const available = Number(await general.getByTestId('available').textContent());
    expect(available).toBeGreaterThanOrEqual(2);
    const offeredBefore = offeredOf(await general.getByTestId('service-level').textContent());

    // the owner calls and asks for an agent; the first agent's page pops them with the open complaint
    const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 90_000, untilHangUp: true });
    const one = (id: string) => agentOne.getByTestId(id);
    await expect.poll(() => one('pop-owner').textContent(), { timeout: 20_000 }).toBe('何丽');
    await expect.poll(() => one('call-state').textContent(), { timeout: 15_000 }).toContain('通话中');
    await expect.poll(() => rowOf(first).getByTestId('state').textContent()).toContain('On call');
    expect(Number(await general.getByTestId('available').textContent())).toBe(available - 1);
    expect(await one('pop-tickets').textContent()).toContain(complaint.number);

    // the complaint, updated beside the call: the call stays on screen
    await one('pop-ticket-update').click();
    const panel = agentOne.getByTestId('desk-ticket');
    await expect.poll(() => panel.getByTestId('desk-ticket-title').textContent()).toContain(complaint.number);
    expect(await panel.getByTestId('desk-ticket-status').textContent()).toBe('已登记 Registered');
    expect(await one('pop-card').isVisible()).toBe(true);
    expect(await one('call-controls').isVisible()).toBe(true);
    await panel.getByTestId('ticket-action-verify').click();
    await panel.getByTestId('ticket-field-note').fill('业主来电确认投诉属实');
    await panel.getByTestId('ticket-action-submit').click();
    await expect.poll(() => panel.getByTestId('desk-ticket-status').textContent()).toBe('已核实 Verified');
    // the pop card's list follows
    await expect.poll(() => one('pop-tickets').textContent()).toContain('已核实 Verified');
    // a note without a text is refused in words; a note with one shows among the latest steps
    await panel.getByTestId('desk-ticket-add-note').click();
    expect(await panel.getByTestId('desk-ticket-error').textContent()).toBe(
      '请填写备注 Write the note first',
    );
    await panel.getByTestId('desk-ticket-note').fill('业主要求本周内答复');
    await panel.getByTestId('desk-ticket-add-note').click();
    await expect
      .poll(() => panel.getByTestId('desk-ticket-steps').textContent())
      .toContain('业主要求本周内答复');
    const steps = await db().query<{ kind: string }>(
      `SELECT kind FROM ticket_events WHERE ticket_id = $1 ORDER BY at, id`,
      [complaint.id],
    );
    expect(steps.rows.map((s) => s.kind)).toEqual(['register', 'verify', 'note']);

    // a new repair ticket from the same call
    await one('ticket-type').selectOption('repair');
    await one('ticket-repair-kind').selectOption('power');
    await one('ticket-description').fill('客厅插座无电');
    await one('ticket-submit').click();
    await expect.poll(() => one('ticket-result').textContent()).toMatch(/Ticket created: \d{8}/);
    const repairNumber = /Ticket created: (\d{8})/.exec(
      (await one('ticket-result').textContent()) ?? '',
    )![1]!;

    // transferred to the colleague with a note
    await one('transfer-kind').selectOption('agent');
    await expect
      .poll(() => one('transfer-agent').locator('option').allTextContents())
      .toContain('08 客服二号');
    await one('transfer-agent').selectOption({ label: '08 客服二号' });
    await one('transfer-note').fill('业主插座无电,已建报修单');
    await one('call-transfer').click();

    // the colleague's page pops the same owner, with both tickets and the note
    const two = (id: string) => agentTwo.getByTestId(id);
    await expect.poll(() => two('pop-owner').textContent(), { timeout: 20_000 }).toBe('何丽');
    expect(await two('pop-transferred-from').textContent()).toBe('客服一号: 业主插座无电,已建报修单');
    const tickets = await two('pop-tickets').textContent();
    expect(tickets).toContain(repairNumber);
    expect(tickets).toContain(complaint.number);
    await expect.poll(() => two('call-state').textContent(), { timeout: 15_000 }).toContain('通话中');

    // the board: the colleague is on the call, the first agent wraps up, two fewer agents available
    await expect.poll(() => rowOf(second).getByTestId('state').textContent()).toContain('On call');
    await expect.poll(() => rowOf(first).getByTestId('state').textContent()).toContain('Wrap-up');
    expect(Number(await general.getByTestId('available').textContent())).toBe(available - 2);

    // the colleague ends the call: the owner's line closes, and today's calls of the queue count it
    await two('call-hangup').click();
    await expect.poll(() => two('call-state').textContent()).toContain('已结束');
    expect((await call).code).toBe(0);
    await expect
      .poll(async () => offeredOf(await general.getByTestId('service-level').textContent()))
      .toBe(offeredBefore + 1);
    await expect.poll(() => rowOf(second).getByTestId('state').textContent()).toContain('Wrap-up');

    // each agent closes their part with the ticket filed during the call, and is available again
    for (const [page, who] of [
      [agentOne, first],
      [agentTwo, second],
    ] as const) {
      expect(await page.getByTestId('wrap-up-ticket').inputValue()).toBe(
        page === agentOne ? repairNumber : '',
      );
      if (page === agentTwo) await page.getByTestId('wrap-up-ticket').fill(repairNumber);
      await page.getByTestId('wrap-up-disposition').selectOption('ticket');
      await page.getByTestId('wrap-up-submit').click();
      await expect.poll(() => page.getByTestId('wrap-up-result').textContent()).toContain('Wrap-up done');
      await expect.poll(() => rowOf(who).getByTestId('state').textContent()).toContain('Available');
    }
    await expect
      .poll(async () => Number(await general.getByTestId('available').textContent()))
      .toBe(available);
  });
});
