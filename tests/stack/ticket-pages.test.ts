// The tickets pages of the agent page (issue 5), in real headless Chromium against the real API and database: an
// agent finds a complaint on 工单 Tickets, opens it, verifies it and dispatches it to a department picked from the
// list; the department's member signs in, lands on the tickets page (no desk: they take no calls), opens the ticket
// and records the plan agreed with the owner; a plan of blanks is refused in words; the timeline shows each step
// with who took it.
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.ts';
import { AgentClient } from '../support/agent-client.ts';
import {
  closeDb,
  createAgent,
  createOrganisation,
  createOwner,
  type TestAgent,
  type TestOrganisation,
  type TestOwner,
} from '../support/fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let browser: Browser;
let company: TestOrganisation;
let owner: TestOwner;
let agent: TestAgent;
let engineer: TestAgent;
let ticket: { id: number; number: string };
const COMPANY = `页面测试物业${randomBytes(3).toString('hex')}`;

async function signIn(page: Page, who: TestAgent): Promise<void> {
  await page.goto(platform.url);
  await page.getByTestId('login-input').fill(who.login);
  await page.getByTestId('password-input').fill(who.password);
  await page.getByTestId('login-submit').click();
}

beforeAll(async () => {
  platform = await startTestPlatform();
  company = await createOrganisation({
    kind: 'property-company',
    // a name of its own: the department is picked by its label, and earlier runs' organisations stay
    name: COMPANY,
    departments: ['工程维修部', '安保部'],
  });
  owner = await createOwner({
    name: '冯雪',
    rooms: [{ roomCode: 'P7-1203' }],
    propertyCompanyId: company.id,
  });
  agent = await createAgent({ seat: null, name: '客服小冯', estates: [owner.estateId] });
  engineer = await createAgent({
    seat: null,
    role: 'department',
    name: '维修刘师傅',
    department: company.departments['工程维修部'],
  });
  // filed over the API as the desk's form would during a call
  const filer = await AgentClient.signIn(platform.url, agent);
  const filed = await filer.request('POST', '/api/tickets', {
    ownerId: owner.ownerId,
    unitId: owner.units[0]!.unitId,
    type: 'complaint',
    complaintCategory: '工程质量',
    description: '客厅天花板渗水,墙皮脱落',
  });
  expect(filed.status).toBe(201);
  ticket = filed.body as { id: number; number: string };
  await filer.close();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
  await closeDb();
});

describe('the tickets pages', () => {
  it('lets an agent find a complaint, verify it and dispatch it to a department', async () => {
    const page = await browser.newPage();
    await signIn(page, agent);
    await page.getByTestId('agent-name').filter({ hasText: agent.name }).waitFor();
    await page.getByTestId('nav-tickets').click();
    await page.getByTestId('filter-q').fill('冯雪');
    await page.getByTestId('ticket-search').click();
    const row = page.getByTestId('ticket-row').filter({ hasText: ticket.number });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('投诉 Complaint');
    expect(await row.textContent()).toContain('P7-1203');

    // the same by the estate it is about
    await page.getByTestId('filter-q').fill('');
    await page.getByTestId('filter-estate').selectOption(String(owner.estateId));
    await page.getByTestId('ticket-search').click();
    await expect.poll(() => page.getByTestId('ticket-row').count()).toBe(1);
    expect(await page.getByTestId('ticket-row').textContent()).toContain(ticket.number);

    await row.getByTestId('ticket-link').click();
    await page.getByTestId('ticket-title').filter({ hasText: ticket.number }).waitFor();
    expect(await page.getByTestId('ticket-status').textContent()).toBe('已登记 Registered');
    expect(await page.getByTestId('ticket-responsible').textContent()).toBe(COMPANY);
    expect(await page.getByTestId('ticket-page-description').textContent()).toBe('客厅天花板渗水,墙皮脱落');

    await page.getByTestId('ticket-action-verify').click();
    await page.getByTestId('ticket-action-submit').click();
    await page.getByTestId('ticket-status').filter({ hasText: '已核实 Verified' }).waitFor();

    await page.getByTestId('ticket-action-dispatch').click();
    await page.getByTestId('ticket-field-department').selectOption({ label: `${COMPANY} · 工程维修部` });
    await page.getByTestId('ticket-action-submit').click();
    await page.getByTestId('ticket-status').filter({ hasText: '已派单 Dispatched' }).waitFor();
    expect(await page.getByTestId('ticket-department').textContent()).toBe('工程维修部');
    // an agent does not plan the work: no such button
    expect(await page.getByTestId('ticket-action-plan').count()).toBe(0);
    const steps = await page.getByTestId('ticket-step').allTextContents();
    expect(steps).toHaveLength(3);
    expect(steps[0]).toContain('登记 Registered');
    expect(steps[1]).toContain('核实 Verify');
    expect(steps[2]).toContain('派单 Dispatch');
    expect(steps[2]).toContain('客服小冯');
    await page.close();
  });

  it('brings department staff to their tickets, where they record the plan agreed with the owner', async () => {
    const page = await browser.newPage();
    await signIn(page, engineer);
    // no desk: the tickets page is their home
    await page.getByTestId('ticket-list').waitFor();
    expect(await page.getByTestId('nav-desk').isHidden()).toBe(true);
    expect(await page.getByTestId('nav-name').textContent()).toBe('维修刘师傅');
    const row = page.getByTestId('ticket-row').filter({ hasText: ticket.number });
    await expect.poll(() => row.count()).toBe(1);
    // the department filter lists the departments by organisation
    await page.getByTestId('filter-department').selectOption({ label: `${COMPANY} · 工程维修部` });
    await page.getByTestId('ticket-search').click();
    await expect.poll(() => page.getByTestId('ticket-row').count()).toBe(1);
    await row.getByTestId('ticket-link').click();
    await page.getByTestId('ticket-status').filter({ hasText: '已派单 Dispatched' }).waitFor();

    await page.getByTestId('ticket-action-plan').click();
    await page.getByTestId('ticket-field-plan').fill('   ');
    await page.getByTestId('ticket-action-submit').click();
    await expect
      .poll(() => page.getByTestId('ticket-page-error').textContent())
      .toBe('请填写与业主确认的处理方案 / Write down the handling plan agreed with the owner.');

    await page.getByTestId('ticket-field-plan').fill('周三上午上门检查楼上卫生间防水');
    await page.getByTestId('ticket-action-submit').click();
    await page.getByTestId('ticket-status').filter({ hasText: '方案已确认 Planned' }).waitFor();
    const last = (await page.getByTestId('ticket-step').allTextContents()).at(-1)!;
    expect(last).toContain('确认处理方案 Plan');
    expect(last).toContain('维修刘师傅');
    expect(last).toContain('周三上午上门检查楼上卫生间防水');

    await page.getByTestId('nav-logout').click();
    await page.getByTestId('login-input').waitFor();
    await page.close();
  });

  it('shows the time limits, and takes notes and files from the department', async () => {
    const page = await browser.newPage();
    await signIn(page, engineer);
    await page.goto(`${platform.url}/#/tickets/${ticket.id}`);
    await page.getByTestId('ticket-status').filter({ hasText: '方案已确认 Planned' }).waitFor();
    // dispatched and planned in time; the outcome is still due, 4 working days after intake
    const clock = (name: string) =>
      page.getByTestId('ticket-clock').and(page.locator(`[data-clock="${name}"]`));
    expect(await clock('dispatch').getAttribute('data-state')).toBe('met');
    expect(await clock('plan').getAttribute('data-state')).toBe('met');
    expect(await clock('reply').getAttribute('data-state')).toBe('running');
    expect(await clock('reply').textContent()).toContain('答复处理结果 Reply with the outcome');

    await page.getByTestId('ticket-note-text').fill('业主周三上午在家,已约好');
    await page.getByTestId('ticket-add-note').click();
    await expect
      .poll(async () => (await page.getByTestId('ticket-step').allTextContents()).at(-1))
      .toContain('业主周三上午在家,已约好');

    const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    await page
      .getByTestId('ticket-file-input')
      .setInputFiles({ name: '维修单.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.getByTestId('ticket-upload').click();
    const file = page.getByTestId('ticket-file').filter({ hasText: '维修单.pdf' });
    await file.waitFor();
    expect(await file.getAttribute('data-type')).toBe('application/pdf');
    expect(await file.textContent()).toContain('维修刘师傅');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      file.getByTestId('ticket-file-open').click(),
    ]);
    expect(download.suggestedFilename()).toBe('维修单.pdf');
    const saved = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of saved) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(pdf)).toBe(true);

    // a file that is neither a photo nor a PDF is refused in words
    await page
      .getByTestId('ticket-file-input')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await page.getByTestId('ticket-upload').click();
    await expect.poll(() => page.getByTestId('ticket-page-error').textContent()).toContain('PDF');
    expect(await page.getByTestId('ticket-file').count()).toBe(1);
    await page.close();
  });

  it('tells the department on its page, whatever page is open, when a time limit of its ticket runs out', async () => {
    // an estate whose plan must be agreed within three seconds
    const hurried = await createOrganisation({
      kind: 'property-company',
      departments: ['物业服务中心'],
      ticketLimits: { plan: { amount: 0.05, unit: 'minutes' } },
    });
    const resident = await createOwner({
      name: '卫东',
      rooms: [{ roomCode: 'P8-0101' }],
      propertyCompanyId: hurried.id,
    });
    const desk = await createAgent({ seat: null, estates: [resident.estateId] });
    const member = await createAgent({
      seat: null,
      role: 'department',
      name: '服务中心小卫',
      department: hurried.departments['物业服务中心'],
    });
    const page = await browser.newPage();
    await signIn(page, member);
    await page.getByTestId('ticket-list').waitFor();
    expect(await page.getByTestId('overdue-notices').isHidden()).toBe(true);

    const filer = await AgentClient.signIn(platform.url, desk);
    const filed = await filer.request('POST', '/api/tickets', {
      ownerId: resident.ownerId,
      type: 'complaint',
      complaintCategory: '物业管理',
      description: '楼道灯坏了一个月',
    });
    const { id, number } = filed.body as { id: number; number: string };
    await filer.request('POST', `/api/tickets/${id}/actions`, { kind: 'verify' });
    await filer.request('POST', `/api/tickets/${id}/actions`, {
      kind: 'dispatch',
      department: hurried.departments['物业服务中心'],
    });
    await filer.close();

    const notice = page.getByTestId(`overdue-${number}`);
    await notice.waitFor({ timeout: 20_000 });
    expect(await notice.textContent()).toContain('回复处理方案 reply with a plan');
    await notice.getByRole('link').click();
    await page.getByTestId('ticket-title').filter({ hasText: number }).waitFor();
    expect(
      await page
        .getByTestId('ticket-clock')
        .and(page.locator('[data-clock="plan"]'))
        .getAttribute('data-state'),
    ).toBe('overdue');
    await page.close();
  });

  it('takes a complaint’s facts from the agent and its level from a team leader', async () => {
    const page = await browser.newPage();
    await signIn(page, agent);
    await page.getByTestId('agent-name').filter({ hasText: agent.name }).waitFor();
    await page.goto(`${platform.url}/#/tickets/${ticket.id}`);
    await page.getByTestId('facts-form').waitFor();
    expect(await page.getByTestId('ticket-severity-level').textContent()).toBe('一般 ordinary');
    // only team leaders set the level by hand
    expect(await page.getByTestId('severity-form').count()).toBe(0);
    await page.getByTestId('facts-complainants').fill('3');
    await page.getByTestId('facts-save').click();
    await page.getByTestId('ticket-severity-level').filter({ hasText: '热点 hot' }).waitFor();
    expect(await page.getByTestId('ticket-severity-reasons').textContent()).toContain('3 人联名投诉');
    await page.close();

    const leader = await createAgent({ seat: null, role: 'supervisor', name: '页面组长' });
    const leaderPage = await browser.newPage();
    await signIn(leaderPage, leader);
    await leaderPage.getByTestId('agent-name').filter({ hasText: leader.name }).waitFor();
    await leaderPage.goto(`${platform.url}/#/tickets/${ticket.id}`);
    await leaderPage.getByTestId('severity-form').waitFor();
    await leaderPage.getByTestId('severity-level').selectOption('crisis');
    await leaderPage.getByTestId('severity-note').fill('业主已联系电视台');
    await leaderPage.getByTestId('severity-set').click();
    await leaderPage.getByTestId('ticket-severity-level').filter({ hasText: '危机 crisis' }).waitFor();
    const last = (await leaderPage.getByTestId('ticket-step').allTextContents()).at(-1)!;
    expect(last).toContain('调整严重程度 Severity set');
    expect(last).toContain('业主已联系电视台');
    await leaderPage.close();
  });

  it('says in words when a ticket is not the reader’s to see', async () => {
    const stranger = await createAgent({ seat: null, name: '别处客服' });
    const page = await browser.newPage();
    await signIn(page, stranger);
    await page.getByTestId('agent-name').filter({ hasText: stranger.name }).waitFor();
    await page.goto(`${platform.url}/#/tickets/${ticket.id}`);
    await expect
      .poll(() => page.getByTestId('ticket-page-error').textContent())
      .toBe(`工单 ${ticket.id} 不存在或您无权查看 / There is no ticket ${ticket.id} that you may see.`);
    await page.close();
  });
});
