// A team leader's page shows the escalation warnings (投诉升级预警) as they arrive: a joint complaint of three
// owners is 热点 as soon as it is filed, and 重大 once the owners ask more than 20,000 CNY; the newest on top.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AgentClient } from '../support/agent-client.ts';
import { launchBrowser } from '../support/browser.ts';
import { closeDb, createAgent, createOwner, type TestAgent, type TestOwner } from '../support/fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let browser: Browser;
let page: Page;
let leader: TestAgent;
let agent: AgentClient;
let owner: TestOwner;

beforeAll(async () => {
  platform = await startTestPlatform();
  owner = await createOwner({ name: '钱七', rooms: [{ roomCode: 'D2-0301' }] });
  leader = await createAgent({ seat: null, role: 'supervisor', name: '李组长', skills: {} });
  agent = await AgentClient.signIn(
    platform.url,
    await createAgent({ seat: null, estates: [owner.estateId] }),
  );
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(platform.url);
  await page.getByTestId('login-input').fill(leader.login);
  await page.getByTestId('password-input').fill(leader.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('agent-name').filter({ hasText: leader.name }).waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await agent?.close();
  await platform?.close();
  await closeDb();
});

describe('escalation warnings on the team leader’s page', () => {
  it('shows each raise with the ticket, the levels and why, the newest first', async () => {
    expect(await page.getByTestId('escalations').isHidden()).toBe(true);
    const filed = await agent.request('POST', '/api/tickets', {
      ownerId: owner.ownerId,
      unitId: owner.units[0]!.unitId,
      type: 'complaint',
      complaintCategory: '物业管理',
      description: '小区绿化长期无人打理',
      complainants: 3,
    });
    expect(filed.status).toBe(201);
    const { id, number } = filed.body as { id: number; number: string };

    const hot = page.getByTestId(`escalation-${number}`);
    await hot.waitFor();
    expect(await hot.textContent()).toContain(`${number}: 一般 → 热点 (ordinary → hot)`);
    expect(await hot.textContent()).toContain('3 人联名投诉');

    const patched = await agent.request('PATCH', `/api/tickets/${id}/facts`, {
      compensationAskedYuan: 60000.5,
    });
    expect(patched.status).toBe(200);
    const items = page.getByTestId('escalations').locator('li');
    await items.nth(1).waitFor();
    expect(await items.nth(0).textContent()).toContain(`${number}: 热点 → 重大 (hot → major)`);
    expect(await items.nth(0).textContent()).toContain('每户索赔 60,000.5 元,超过 20,000 元');
    expect(await items.nth(1).textContent()).toContain('一般 → 热点');

    // the ticket's page shows the level, why, and who was warned at each raise
    await page.goto(`${platform.url}/#/tickets/${id}`);
    await page.getByTestId('ticket-page').waitFor();
    expect(await page.getByTestId('ticket-severity-level').textContent()).toBe('重大 major');
    const reasons = (
      await page.getByTestId('ticket-severity-reasons').locator('li').allTextContents()
    ).sort();
    expect(reasons).toEqual([
      '3 人联名投诉 / 3 people complain together',
      '每户索赔 60,000.5 元,超过 20,000 元 / 60,000.5 CNY asked per household, over 20,000',
    ]);
    const steps = page.locator('[data-testid="ticket-step"][data-kind="escalate"]');
    expect(await steps.count()).toBe(2);
    expect(await steps.nth(0).textContent()).toContain('升级预警 Escalation warning');
    expect(await steps.nth(0).textContent()).toContain('系统 System');
    expect(await steps.nth(0).textContent()).toContain(`已通知 Warned: `);
    expect(await steps.nth(0).textContent()).toContain(leader.name);
  });
});
