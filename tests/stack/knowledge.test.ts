// The standard answers (统一答复口径) on the real platform: an admin writes them on #/knowledge; an agent on a
// call finds one from the desk (Alt+K, a keyword) and reads it; answers for one estate reach only its agents;
// agents and team leaders cannot change them; bad input is refused in words.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { launchBrowser, signedInPage } from '../support/browser.ts';
import { closeDb, createAgent, createOwner, db, type TestAgent } from '../support/fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let browser: Browser;
let admin: TestAgent;
let adminDesk: AgentClient;
let leaderDesk: AgentClient;
let agentDesk: AgentClient;
let otherAgentDesk: AgentClient;
let agent: TestAgent;
let estateA: number;
let estateB: number;
/** A word of this run's own, so answers other runs left are never found. */
const tag = `口径${process.pid}`;

interface Answer {
  id: number;
  title: string;
  body: string;
  keywords: string[];
  estateId: number | null;
  estate: string | null;
  updatedBy: string | null;
}

beforeAll(async () => {
  platform = await startTestPlatform();
  estateA = (await createOwner({ name: '业主甲', rooms: [{ roomCode: 'K1-0101' }] })).estateId;
  estateB = (await createOwner({ name: '业主乙', rooms: [{ roomCode: 'K2-0202' }] })).estateId;
  admin = await createAgent({ seat: null, role: 'admin', name: '口径管理员' });
  // a seat of its own: an agent goes available at a phone (no call reaches it here)
  agent = await createAgent({ seat: 7, name: '客服小周', estates: [estateA] });
  adminDesk = await AgentClient.signIn(platform.url, admin);
  leaderDesk = await AgentClient.signIn(platform.url, await createAgent({ seat: null, role: 'supervisor' }));
  agentDesk = await AgentClient.signIn(platform.url, agent);
  otherAgentDesk = await AgentClient.signIn(
    platform.url,
    await createAgent({ seat: null, estates: [estateB] }),
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([adminDesk, leaderDesk, agentDesk, otherAgentDesk].map((d) => d?.close()));
  await db().query(`DELETE FROM knowledge_answers WHERE title LIKE $1`, [`%${tag}%`]);
  await platform?.close();
  await closeDb();
});

const search = async (desk: AgentClient, q: string) => {
  const res = await desk.request('GET', `/api/knowledge?q=${encodeURIComponent(q)}`);
  expect(res.status).toBe(200);
  return (res.body as { answers: Answer[] }).answers;
};
const add = async (body: Record<string, unknown>) => {
  const res = await adminDesk.request('POST', '/api/admin/knowledge', body);
  expect(res.status).toBe(201);
  return res.body as Answer;
};
const message = (body: unknown) => (body as { message: string }).message;

describe('the API', () => {
  it('finds an answer by any of its words, best first, and each estate’s answers only for its agents', async () => {
    const general = await add({
      title: `${tag} 停水什么时候恢复`,
      body: '请告知业主:计划停水以物业公告为准,一般当日 18:00 前恢复供水。',
      keywords: ['停水', '供水'],
    });
    const forA = await add({
      title: `${tag} A 区二次供水`,
      body: 'A 区水箱清洗期间停水 4 小时。',
      keywords: ['水箱'],
      estateId: estateA,
    });
    expect(general).toMatchObject({ estateId: null, estate: null, updatedBy: '口径管理员' });

    // the title's word ranks first; every word of the query must be found
    expect((await search(agentDesk, `${tag} 停水`)).map((a) => a.id)).toEqual([general.id, forA.id]);
    expect((await search(agentDesk, `${tag} 水箱`)).map((a) => a.id)).toEqual([forA.id]);
    // another estate's agent sees the general answer only; a team leader sees both
    expect((await search(otherAgentDesk, `${tag} 停水`)).map((a) => a.id)).toEqual([general.id]);
    expect((await search(leaderDesk, `${tag}`)).map((a) => a.id).sort()).toEqual(
      [general.id, forA.id].sort(),
    );
    // wildcards are letters like any other
    expect(await search(agentDesk, `${tag} %`)).toHaveLength(2);
    expect(await search(agentDesk, `${tag}_x`)).toEqual([]);
  });

  it('rewrites and removes an answer; a removed one is found no more', async () => {
    const a = await add({ title: `${tag} 装修时间`, body: '工作日 8:00-12:00', keywords: ['装修'] });
    const put = await adminDesk.request('PUT', `/api/admin/knowledge/${a.id}`, {
      title: `${tag} 装修时间规定`,
      body: '工作日 8:00-12:00、14:00-18:00,节假日不得施工。',
      keywords: ['装修', '施工'],
    });
    expect(put.status).toBe(200);
    expect((await search(agentDesk, `${tag} 施工`))[0]).toMatchObject({
      id: a.id,
      title: `${tag} 装修时间规定`,
    });
    expect((await adminDesk.request('DELETE', `/api/admin/knowledge/${a.id}`)).status).toBe(204);
    expect(await search(agentDesk, `${tag} 施工`)).toEqual([]);
    const again = await adminDesk.request('PUT', `/api/admin/knowledge/${a.id}`, { title: 'x', body: 'y' });
    expect(again.status).toBe(404);
    expect(message(again.body)).toContain('There is no standard answer');
  });

  it('lets only admins write: agents and team leaders are refused', async () => {
    for (const desk of [agentDesk, leaderDesk]) {
      const res = await desk.request('POST', '/api/admin/knowledge', {
        title: `${tag} 越权`,
        body: '不应保存',
      });
      expect(res.status).toBe(403);
      expect(message(res.body)).toContain('Only an admin may change the standard answers');
    }
    expect(await search(leaderDesk, `${tag} 越权`)).toEqual([]);
  });

  it('says what is wrong with a bad answer', async () => {
    const post = (body: unknown) => adminDesk.request('POST', '/api/admin/knowledge', body);
    const cases: [unknown, string][] = [
      [{ title: '   ', body: '有内容' }, 'The question needs a title'],
      [{ title: `${tag} 无内容`, body: '' }, 'The answer needs 1 to 4000 characters'],
      [{ title: `${tag} 无小区`, body: '有', estateId: 99_999_999 }, 'There is no estate 99999999'],
      [
        { title: `${tag} 关键词`, body: '有', keywords: Array.from({ length: 21 }, (_, i) => `词${i}`) },
        'At most 20 keywords',
      ],
      [{ body: '有' }, '问题标题 title'],
    ];
    for (const [body, words] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(message(res.body)).toContain(words);
    }
    expect((await agentDesk.request('GET', '/api/knowledge?limit=0')).status).toBe(400);
  });
});

describe('the pages', () => {
  it('an admin writes an answer on #/knowledge; an agent finds it from the desk with Alt+K and a keyword', async () => {
    const adminPage = await signedInPage(browser, platform.url, admin);
    await adminPage.getByTestId('nav-knowledge').click();
    await adminPage.getByTestId('answer-form').waitFor();
    await adminPage.getByTestId('answer-title').fill(`${tag} 电梯停运怎么办`);
    await adminPage.getByTestId('answer-body').fill('请安抚业主,告知维保单位 30 分钟内到场,并登记报修工单。');
    await adminPage.getByTestId('answer-keywords').fill('电梯, 困人');
    await adminPage.getByTestId('answer-save').click();
    // the list shows it, from the admin's own search
    const list = adminPage.getByTestId('knowledge-list');
    await list.getByTestId('knowledge-search').fill(`${tag} 电梯`);
    await expect
      .poll(() => list.getByTestId('knowledge-title').allTextContents())
      .toEqual([`${tag} 电梯停运怎么办 全部小区 Every estate`]);
    // a rejected save says why and keeps what was typed
    await adminPage.getByTestId('answer-new').click();
    await adminPage.getByTestId('answer-title').fill(`${tag} 空白`);
    await adminPage.getByTestId('answer-body').fill('   ');
    await adminPage.getByTestId('answer-save').click();
    await expect
      .poll(() => adminPage.getByTestId('answer-error').textContent())
      .toContain('The answer needs');
    expect(await adminPage.getByTestId('answer-title').inputValue()).toBe(`${tag} 空白`);
    await adminPage.close();

    const page = await signedInPage(browser, platform.url, agent);
    // the agent has no form, only the search
    await page.keyboard.press('Alt+K');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('knowledge-search');
    await page.keyboard.type(`${tag} 困人`);
    const panel = page.getByTestId('knowledge-panel');
    await expect
      .poll(() => panel.getByTestId('knowledge-body').allTextContents())
      .toEqual(['请安抚业主,告知维保单位 30 分钟内到场,并登记报修工单。']);
    expect(await panel.getByTestId('knowledge-status').textContent()).toBe('找到 1 条 1 found');
    await panel.getByTestId('knowledge-search').fill(`${tag} 不存在的词`);
    await expect
      .poll(() => panel.getByTestId('knowledge-status').textContent())
      .toBe(`没有找到「${tag} 不存在的词」的答复口径 No standard answer for "${tag} 不存在的词"`);
    // the shortcuts are listed on the desk
    expect(await page.getByTestId('shortcut-legend').textContent()).toContain(
      'Alt+K 搜索答复口径 Search answers',
    );
    await page.getByTestId('nav-knowledge').click();
    await page.getByTestId('knowledge-page').waitFor();
    expect(await page.getByTestId('answer-form').isVisible()).toBe(false);
    await page.close();
  });

  it('Alt+R makes the agent ready from the keyboard', async () => {
    const page = await signedInPage(browser, platform.url, agent);
    await page.getByTestId('agent-state').waitFor();
    await page.keyboard.press('Alt+R');
    await expect
      .poll(
        async () =>
          `${await page.getByTestId('agent-state').textContent()} ${await page.getByTestId('state-error').textContent()}`,
      )
      .toContain('Available');
    await page.keyboard.press('Alt+P');
    await expect.poll(() => page.getByTestId('agent-state').textContent()).not.toContain('Available');
    await page.getByTestId('btn-logout').click();
    await page.close();
  });
});
