// The team leader's 监听 Listen / 耳语 Whisper / 强插 Barge / 结束 Stop buttons on the team overview, in real
// headless Chromium, with sipp phones on all sides: an owner talks to an agent (signed in on their own page); the
// team leader (a supervisor with a desk phone) clicks 监听 on the agent's row, their phone rings and answers and
// the row says they are listening; 耳语 and 强插 change the mode on the same ring of the phone; 结束 ends it; when
// the call ends while they listen, the row drops the session by itself; a leader without a desk phone is told
// why. The agent's page never shows any of it.
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AriObserver } from '../support/ari-observer.ts';
import { launchBrowser } from '../support/browser.ts';
import { ariDelete, ariGet, eventually } from '../support/env.ts';
import { closeDb, createAgent, createOwner, type TestAgent, type TestOwner } from '../support/fixtures.ts';
import { ownerCall, startAgentPhone, type AgentPhone, type SippResult } from '../support/phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const AGENT_SEAT = 4;
const LEADER_SEAT = 5;
let platform: TestPlatform;
let ari: AriObserver;
let browser: Browser;
let agentPage: Page;
let leaderPage: Page;
const phones: AgentPhone[] = [];
let agent: TestAgent;
let leader: TestAgent;
let owner: TestOwner;
let call: Promise<SippResult> | null = null;
let callerChannel: string | null = null;

interface AriChannel {
  id: string;
  name: string;
  state: string;
}
interface AriBridge {
  id: string;
  channels: string[];
}
const channels = async () => (await ariGet('/channels')).body as AriChannel[];
const bridges = async () => (await ariGet('/bridges')).body as AriBridge[];

async function signIn(page: Page, who: TestAgent): Promise<void> {
  await page.goto(platform.url);
  await page.getByTestId('login-input').fill(who.login);
  await page.getByTestId('password-input').fill(who.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('agent-name').filter({ hasText: who.name }).waitFor();
}

beforeAll(async () => {
  platform = await startTestPlatform({ HOTLINE_POP_SEEN_TIMEOUT_MS: '4000' });
  ari = await AriObserver.connect();
  owner = await createOwner({ name: '赵敏', rooms: [{ roomCode: 'C2-0801' }] });
  // the leader's phone answers after 3 s, so the page has time to show it ringing
  phones.push(await startAgentPhone(AGENT_SEAT), await startAgentPhone(LEADER_SEAT, { answerAfterMs: 3000 }));
  agent = await createAgent({ seat: AGENT_SEAT, name: '客服小赵' });
  leader = await createAgent({ seat: LEADER_SEAT, role: 'supervisor', name: '王组长', skills: {} });
  browser = await launchBrowser();
  agentPage = await browser.newPage();
  leaderPage = await browser.newPage();
  await signIn(agentPage, agent);
  await signIn(leaderPage, leader);
});

afterEach(async () => {
  if (callerChannel) await ariDelete(`/channels/${callerChannel}`);
  await call;
  call = null;
  callerChannel = null;
  // the next test's call must find the agent free and the leader's phone idle
  await eventually(
    async () => !/通话中|振铃/.test((await agentPage.getByTestId('agent-state').textContent()) ?? ''),
    'the agent off the call',
  );
  await eventually(async () => (await leaderLegs()).length === 0, 'the leader’s phone idle');
});

afterAll(async () => {
  // sign the agent out so no later call reaches this seat
  await agentPage
    ?.getByTestId('btn-logout')
    .click()
    .catch(() => undefined);
  await browser?.close();
  for (const phone of phones) await phone.stop();
  await ari?.close();
  await platform?.close();
  await closeDb();
});

/** The agent's row on the leader's team overview, and its monitoring buttons. */
const agentRow = (page = leaderPage): Locator => page.getByTestId(`overview-agent-${agent.login}`);
const button = (name: 'listen' | 'whisper' | 'barge' | 'stop', page = leaderPage): Locator =>
  agentRow(page).getByTestId(`monitor-${name}`);
/** Which of 监听 耳语 强插 结束 the leader can click now on the agent's row. */
async function enabledButtons(page = leaderPage): Promise<string[]> {
  const enabled: string[] = [];
  for (const name of ['listen', 'whisper', 'barge', 'stop'] as const) {
    if (await button(name, page).isEnabled()) enabled.push(name);
  }
  return enabled;
}
/** What the row says about a team leader listening in ('' when nobody is). */
async function monitoredBy(page = leaderPage): Promise<string> {
  const by = agentRow(page).getByTestId('monitored-by');
  return (await by.count()) === 0 ? '' : ((await by.textContent()) ?? '');
}
/** When the page asked for the team overview (GET /api/supervisor/overview), in ms. */
function overviewReads(page: Page): number[] {
  const at: number[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/supervisor/overview')) at.push(Date.now());
  });
  return at;
}

/** The leader's desk phone legs (PJSIP/agent5) now. */
async function leaderLegs(): Promise<AriChannel[]> {
  return (await channels()).filter((c) => c.name.startsWith(`PJSIP/agent${LEADER_SEAT}-`));
}
/** How many times the leader's phone was dialled since `mark` (ARI ChannelCreated for PJSIP/agent5). */
function leaderDialled(mark: number): number {
  return ari.events
    .slice(mark)
    .filter(
      (e) => e.type === 'ChannelCreated' && e.channel?.name.startsWith(`PJSIP/agent${LEADER_SEAT}-`) === true,
    ).length;
}
/** The snoop channels now on `channelId` (Asterisk names them Snoop/<the snooped channel's id>-N). */
async function snoopsOn(channelId: string): Promise<AriChannel[]> {
  return (await channels()).filter((c) => c.name.startsWith(`Snoop/${channelId}-`));
}

/** The agent's page must not offer monitoring in any form: no team overview, no 监听 button anywhere. */
async function agentSeesNoMonitoring(): Promise<void> {
  expect(await agentPage.getByTestId('team-overview').isHidden()).toBe(true);
  expect(await agentPage.locator('[data-testid^="monitor"]').count()).toBe(0);
  expect(await agentPage.locator('body').innerText()).not.toMatch(/监听|耳语|强插|Listen|Whisper|Barge/);
}

/** The agent goes available on their page, the owner calls the fees line, presses 0 and talks to the agent. */
async function ownerTalkingToAgent(): Promise<{ ownerChannel: string; agentChannel: string }> {
  await agentPage.getByTestId('btn-available').click();
  await expect
    .poll(() => agentPage.getByTestId('agent-state').textContent(), { timeout: 5000 })
    .toContain('Available');
  const mark = ari.mark();
  call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 90_000 });
  callerChannel = await ari.callerChannel(owner.phone, mark);
  const ownerChannel = callerChannel;
  await expect
    .poll(() => agentPage.getByTestId('call-state').textContent(), { timeout: 20_000 })
    .toContain('通话中');
  const bridge = await eventually(
    async () => (await bridges()).find((b) => b.channels.includes(ownerChannel) && b.channels.length === 2),
    'the owner and the agent in one bridge',
  );
  return { ownerChannel, agentChannel: bridge.channels.find((c) => c !== ownerChannel)! };
}

describe("the team overview's monitoring buttons", () => {
  it('the leader listens, whispers on the same ring of their phone and stops; the agent sees none of it', async () => {
    const reads = overviewReads(leaderPage);
    const { ownerChannel, agentChannel } = await ownerTalkingToAgent();
    // the leader sees the agent on the call, with 监听 耳语 强插 to click and nobody listening in yet
    await expect
      .poll(() => agentRow().getByTestId('state').textContent(), { timeout: 10_000 })
      .toBe('通话中 On call');
    await expect.poll(() => enabledButtons(), { timeout: 5000 }).toEqual(['listen', 'whisper', 'barge']);
    expect(await monitoredBy()).toBe('');
    // the owner's screen pop is the agent's, not the leader's: the leader's own desk stays idle
    expect(await leaderPage.getByTestId('pop-idle').isVisible()).toBe(true);
    await agentSeesNoMonitoring();

    // 监听 Listen: the leader's phone rings (the row says so, with only 结束 to click), then answers
    const mark = ari.mark();
    await button('listen').click();
    await expect.poll(() => monitoredBy(), { timeout: 2500 }).toBe('王组长 监听 Listen (振铃 ringing)');
    expect(await enabledButtons()).toEqual(['stop']);
    await expect.poll(() => monitoredBy(), { timeout: 10_000 }).toBe('王组长 监听 Listen');
    await expect.poll(() => enabledButtons(), { timeout: 5000 }).toEqual(['whisper', 'barge', 'stop']);
    const [leg] = await leaderLegs();
    expect(leg).toMatchObject({ state: 'Up' });
    await eventually(
      async () => (await snoopsOn(ownerChannel)).length === 1,
      'the leader listening on the owner',
    );
    expect(await leaderPage.getByTestId('overview-status').textContent()).toBe('');
    await agentSeesNoMonitoring();

    // 耳语 Whisper: the row says so at once; the leader's phone is not dialled again
    await button('whisper').click();
    await expect.poll(() => monitoredBy(), { timeout: 5000 }).toBe('王组长 耳语 Whisper');
    await expect.poll(() => enabledButtons(), { timeout: 5000 }).toEqual(['listen', 'barge', 'stop']);
    await eventually(
      async () => (await snoopsOn(agentChannel)).length === 1,
      'the leader whispering to the agent',
    );
    await eventually(async () => (await snoopsOn(ownerChannel)).length === 0, 'the listening snoop gone');
    expect((await leaderLegs()).map((c) => c.id)).toEqual([leg!.id]);
    expect(leaderDialled(mark)).toBe(1);
    await agentSeesNoMonitoring();
    expect(await agentPage.getByTestId('call-state').textContent()).toContain('通话中');

    // 强插 Barge: the leader's phone joins the call's own bridge, still on the one ring
    await button('barge').click();
    await expect.poll(() => monitoredBy(), { timeout: 5000 }).toBe('王组长 强插 Barge');
    await expect.poll(() => enabledButtons(), { timeout: 5000 }).toEqual(['listen', 'whisper', 'stop']);
    await eventually(
      async () =>
        (await bridges()).find(
          (b) =>
            b.channels.length === 3 &&
            [ownerChannel, agentChannel, leg!.id].every((c) => b.channels.includes(c)),
        ),
      'the owner, the agent and the leader in one bridge',
    );
    await eventually(async () => (await snoopsOn(agentChannel)).length === 0, 'the whispering snoop gone');
    expect(leaderDialled(mark)).toBe(1);
    await agentSeesNoMonitoring();

    // 结束 Stop: the leader's phone is hung up, the row no longer shows the session, the call goes on
    await button('stop').click();
    await expect.poll(() => monitoredBy(), { timeout: 5000 }).toBe('');
    await expect.poll(() => enabledButtons(), { timeout: 5000 }).toEqual(['listen', 'whisper', 'barge']);
    await eventually(async () => (await leaderLegs()).length === 0, 'the leader’s phone hung up');
    await eventually(
      async () => (await bridges()).some((b) => b.channels.length === 2 && b.channels.includes(ownerChannel)),
      'the owner and the agent alone in their bridge',
    );
    expect(await agentRow().getByTestId('state').textContent()).toBe('通话中 On call');
    expect(await agentPage.getByTestId('call-state').textContent()).toContain('通话中');
    expect(leaderDialled(mark)).toBe(1);
    await agentSeesNoMonitoring();

    // every click and call:monitored event redrew the row at once, yet the page still reads the overview every
    // 2 s in one loop, not one more loop per redraw
    const quietFrom = Date.now();
    await new Promise((r) => setTimeout(r, 6500));
    expect(reads.filter((at) => at >= quietFrom).length).toBeLessThanOrEqual(4);
  });

  it('the call ending while the leader listens ends the session on the page by itself', async () => {
    const { ownerChannel } = await ownerTalkingToAgent();
    await expect.poll(() => enabledButtons(), { timeout: 10_000 }).toEqual(['listen', 'whisper', 'barge']);
    await button('listen').click();
    await expect.poll(() => monitoredBy(), { timeout: 10_000 }).toBe('王组长 监听 Listen');

    // the owner hangs up
    await ariDelete(`/channels/${ownerChannel}`);
    callerChannel = null;
    await expect.poll(() => monitoredBy(), { timeout: 10_000 }).toBe('');
    // (the agent's new state shows with the next read of the overview, every 2 s)
    await expect
      .poll(() => agentRow().getByTestId('state').textContent(), { timeout: 5000 })
      .not.toBe('通话中 On call');
    expect(await enabledButtons()).toEqual([]);
    await eventually(async () => (await leaderLegs()).length === 0, 'the leader’s phone hung up');
    expect(await leaderPage.getByTestId('overview-status').textContent()).toBe('');
    await agentSeesNoMonitoring();
  });

  it('a team leader without a desk phone is told why on clicking 监听, and the message stays on screen', async () => {
    const phoneless = await createAgent({ seat: null, role: 'supervisor', name: '李主管', skills: {} });
    const page = await browser.newPage();
    try {
      await signIn(page, phoneless);
      await ownerTalkingToAgent();
      await expect
        .poll(() => enabledButtons(page), { timeout: 10_000 })
        .toEqual(['listen', 'whisper', 'barge']);
      await button('listen', page).click();
      const status = page.getByTestId('overview-status');
      const noPhone =
        '您的账号没有配置话机,无法监听 / You have no desk phone set up, so you cannot listen in on calls.';
      await expect.poll(() => status.textContent(), { timeout: 5000 }).toBe(noPhone);
      // the overview is read and drawn again after the click: the message stays
      await page.waitForResponse((r) => r.url().endsWith('/api/supervisor/overview'));
      expect(await status.textContent()).toBe(noPhone);
      expect(await monitoredBy(page)).toBe('');
      expect(await enabledButtons(page)).toEqual(['listen', 'whisper', 'barge']);
    } finally {
      await page.close();
    }
  });
});
