// A callback instead of waiting, with sipp on every side: an owner waiting in the fees line's queue with nobody
// free presses 1, hears their number confirmed and is hung up, and keeps their place ahead of a later caller;
// when an agent becomes free their phone rings first with a pop saying "callback", and once they answer the
// owner's phone (the carrier's sipp) rings showing the hotline's number and is bridged with the agent. An owner
// who is busy: the agent is told and wraps up, the callback is tried again, then given up with a ticket.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { AriObserver, type AriEvent } from '../support/ari-observer.ts';
import { ariDelete, ariGet, eventually, stackConfig } from '../support/env.ts';
import { closeDb, createAgent, createOwner, db, type TestOwner } from '../support/fixtures.ts';
import {
  FEES_LINE_NUMBER,
  ownerCall,
  startAgentPhone,
  startOutsidePhone,
  type AgentPhone,
  type SippResult,
} from '../support/phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ScriptedCalls } from '../support/scripted-call.ts';
import { sayDigits } from '../../ivr/speech.ts';

let platform: TestPlatform;
let ari: AriObserver;
let redis: Redis;
let phone: AgentPhone;
let agent: AgentClient;
let first: TestOwner;
let second: TestOwner;
const calls = new ScriptedCalls(() => ari);
const hangUpLater: string[] = [];
let secondCall: Promise<SippResult> | null = null;

beforeAll(async () => {
  platform = await startTestPlatform({
    HOTLINE_WRAP_UP_S: '120',
    HOTLINE_CALLBACK_RETRIES: '1',
    HOTLINE_CALLBACK_RETRY_S: '5',
    HOTLINE_OUTSIDE_RING_TIMEOUT_S: '10',
  });
  ari = await AriObserver.connect();
  redis = new Redis(stackConfig().redisUrl);
  first = await createOwner({ name: '王芳', rooms: [{ roomCode: 'D1-0101' }] });
  second = await createOwner({ name: '赵磊', rooms: [{ roomCode: 'D1-0202' }] });
  phone = await startAgentPhone(1);
  agent = await AgentClient.signIn(platform.url, await createAgent({ seat: 1, skills: { general: 5 } }));
  await agent.setState('not-ready', 'break');
}, 60_000);

afterEach(async () => {
  for (const channel of hangUpLater.splice(0)) await ariDelete(`/channels/${channel}`);
  await secondCall;
  secondCall = null;
  calls.stopAll();
  await eventually(async () => (await agent.status()).state !== 'on-call', 'the agent to be off the call');
  const status = await agent.status();
  if (status.state === 'wrap-up' && status.callId) {
    await agent.request('POST', `/api/calls/${status.callId}/wrap-up`, { disposition: 'resolved' });
  }
  await agent.setState('not-ready', 'break');
});

afterAll(async () => {
  calls.stopAll();
  await agent?.close();
  await phone?.stop();
  redis?.disconnect();
  await ari?.close();
  await platform?.close();
  await closeDb();
});

/** The owner calls the fees line, presses 0 for an agent, hears the callback offer and presses 1. */
async function askForCallback(
  owner: TestOwner,
): Promise<{ callId: string; hungUp: Promise<SippResult>; heard: string[] }> {
  const { call, channel } = await calls.dial({
    caller: owner.phone,
    dialled: FEES_LINE_NUMBER,
    keys: ['0', '1'],
    dtmf: 'info',
    limitS: 120,
  });
  await ari.hearing(channel, 'menu-main');
  await call.press();
  await ari.hearing(channel, 'callback-offer');
  await call.press();
  await ari.heard(channel, 'callback-confirm-end');
  const { rows } = await db().query<{ id: string }>('SELECT id FROM calls WHERE channel_id = $1', [channel]);
  return { callId: rows[0]!.id, hungUp: call.done, heard: ari.heardPrompts(channel) };
}

async function timeline(callId: string): Promise<{ kind: string; detail: Record<string, unknown> }[]> {
  const { rows } = await db().query<{ kind: string; detail: Record<string, unknown> }>(
    'SELECT kind, detail FROM call_events WHERE call_id = $1 ORDER BY at, id',
    [callId],
  );
  return rows;
}

async function outcome(callId: string): Promise<string | null> {
  const { rows } = await db().query<{ outcome: string | null }>('SELECT outcome FROM calls WHERE id = $1', [
    callId,
  ]);
  return rows[0]?.outcome ?? null;
}

describe('a callback instead of waiting', () => {
  it('the owner presses 1, hears the number confirmed, is hung up, keeps their place; the agent is connected first, then the owner', async () => {
    const outside = await startOutsidePhone();
    try {
      const asked = await askForCallback(first);
      // the hotline hung up on the owner after the confirmation: sipp's call ended as scripted
      expect((await asked.hungUp).code).toBe(0);
      // 我们将回拨尾号 <the number's last four digits> 的号码 …
      const confirm = asked.heard.indexOf('callback-confirm');
      expect(asked.heard.slice(confirm, confirm + 6)).toEqual([
        'callback-confirm',
        ...sayDigits(first.phone.slice(-4), 'zh'),
        'callback-confirm-end',
      ]);
      await eventually(
        async () => (await outcome(asked.callId)) === 'callback-requested',
        'the record to say so',
      );
      const kinds = (await timeline(asked.callId)).map((e) => e.kind);
      expect(kinds).toEqual(expect.arrayContaining(['queued', 'callback-requested', 'caller-left']));

      // a second owner queues after them, and stays behind them
      const mark = ari.mark();
      secondCall = ownerCall({ caller: second.phone, digit: '0', stayMs: 60_000 });
      const secondChannel = await ari.callerChannel(second.phone, mark);
      hangUpLater.push(secondChannel);
      await ari.hearing(secondChannel, 'to-agent');
      const waiting = await redis.zrange('hotline:queue:general:waiting', '0', '-1');
      const secondId = (
        await db().query<{ id: string }>('SELECT id FROM calls WHERE channel_id = $1', [secondChannel])
      ).rows[0]!.id;
      expect(waiting.indexOf(asked.callId)).toBeGreaterThanOrEqual(0);
      expect(waiting.indexOf(asked.callId)).toBeLessThan(waiting.indexOf(secondId));

      // an agent becomes free: their phone rings first, with the pop saying it is a callback
      const bridgedMark = ari.mark();
      await agent.setState('available');
      const { pop } = await agent.nextPop((p) => p.callId === asked.callId);
      expect(pop.callback).toBe(true);
      expect(pop.owner?.name).toBe('王芳');
      // the owner's phone rings showing the hotline's number, answers, and is bridged with the agent
      const entered = await ari.waitFor(
        (e) =>
          ari.events.indexOf(e) >= bridgedMark &&
          e.type === 'ChannelEnteredBridge' &&
          e.channel?.name.startsWith('PJSIP/trunk') === true,
        30_000,
        'the owner to be bridged',
      );
      const members = await bridgeMembers(entered);
      expect(members.some((name) => name.startsWith('PJSIP/agent1'))).toBe(true);
      const invite = outside
        .messages()
        .split(/^-{10,}/m)
        .find((m) => m.includes(`INVITE sip:${first.phone}@`));
      expect(invite).toMatch(new RegExp(`From: .*<sip:${FEES_LINE_NUMBER}@`));
      const order = await eventually(async () => {
        const kinds = (await timeline(asked.callId)).map((e) => e.kind);
        return kinds.includes('callback-answered') && kinds;
      }, 'the timeline of the callback');
      expect(order.indexOf('agent-answered')).toBeLessThan(order.indexOf('callback-dialled'));
      expect(order.indexOf('callback-dialled')).toBeLessThan(order.indexOf('callback-answered'));
      expect((await agent.status()).state).toBe('on-call');

      // the owner hangs up: the agent wraps up, the record says the callback was answered
      const ownerLeg = entered.channel!.id;
      await ariDelete(`/channels/${ownerLeg}`);
      await eventually(async () => (await agent.status()).state === 'wrap-up', 'the agent to wrap up');
      await eventually(
        async () => (await outcome(asked.callId)) === 'callback-answered',
        'the record to end',
      );
    } finally {
      await outside.stop();
    }
  }, 120_000);

  it('the agent hears "calling the owner back", then the owner’s phone ringing until the owner answers, not silence', async () => {
    // the owner answers after 6 s: the prompt (about 2 s) is over, the ringing has gone on for a while
    const outside = await startOutsidePhone({ answerAfterMs: 6000 });
    try {
      const asked = await askForCallback(first);
      await asked.hungUp;
      const mark = ari.mark();
      const after = (e: AriEvent) => ari.events.indexOf(e) >= mark;
      await agent.setState('available');
      await agent.nextPop((p) => p.callId === asked.callId);
      const prompt = await ari.waitFor(
        (e) =>
          after(e) &&
          e.type === 'PlaybackFinished' &&
          e.playback?.media_uri.endsWith('/callback-calling-owner') === true,
        30_000,
        'the agent to hear "calling the owner back"',
      );
      const agentChannel = prompt.playback!.target_uri;
      const ringback = await ari.waitFor(
        (e) =>
          after(e) &&
          e.type === 'PlaybackStarted' &&
          e.playback?.target_uri === agentChannel &&
          e.playback.media_uri === 'tone:ring;tonezone=cn',
        10_000,
        'the ringback on the agent’s phone',
      );
      expect(ari.events.indexOf(ringback)).toBeGreaterThan(ari.events.indexOf(prompt));
      const ownerAnswered = await ari.waitFor(
        (e) =>
          after(e) &&
          e.type === 'ChannelStateChange' &&
          e.channel?.name.startsWith('PJSIP/trunk') === true &&
          e.channel.state === 'Up',
        15_000,
        'the owner to answer',
      );
      const stopped = await ari.waitFor(
        (e) => e.type === 'PlaybackFinished' && e.playback?.id === ringback.playback!.id,
        10_000,
        'the ringback to stop',
      );
      // it rang until the owner answered, and stopped then: the agent talks with the owner
      expect(ari.events.indexOf(stopped)).toBeGreaterThan(ari.events.indexOf(ownerAnswered));
      expect(Date.parse(stopped.timestamp) - Date.parse(ringback.timestamp)).toBeGreaterThan(2000);
      const agentEntered = await ari.bridgeMove(
        agentChannel.replace(/^channel:/, ''),
        mark,
        'entered',
        'the agent to be bridged with the owner',
      );
      expect(ari.events.indexOf(agentEntered)).toBeGreaterThan(ari.events.indexOf(stopped));
      const members = await bridgeMembers(agentEntered);
      expect(members.some((name) => name.startsWith('PJSIP/trunk'))).toBe(true);
      // nothing else played to the agent after the ringing stopped
      expect(
        ari.events.filter(
          (e) =>
            ari.events.indexOf(e) > ari.events.indexOf(stopped) &&
            e.type === 'PlaybackStarted' &&
            e.playback?.target_uri === agentChannel,
        ),
      ).toEqual([]);
      await ariDelete(`/channels/${ownerAnswered.channel!.id}`);
      await eventually(
        async () => (await outcome(asked.callId)) === 'callback-answered',
        'the record to end',
      );
    } finally {
      await outside.stop();
    }
  }, 120_000);

  it('an owner who is busy: the agent is told and wraps up, the callback is tried again, then given up with a ticket', async () => {
    const outside = await startOutsidePhone({ busy: true });
    try {
      const asked = await askForCallback(first);
      await asked.hungUp;
      await agent.setState('available');
      await agent.nextPop((p) => p.callId === asked.callId);
      await eventually(
        () => agent.received.some((r) => r.event === 'callback:not-reached'),
        'the agent page to hear that the owner was not reached',
        30_000,
      );
      await eventually(
        async () => (await agent.status()).state === 'wrap-up',
        'the agent to wrap up',
        20_000,
      );
      const notReached = (await timeline(asked.callId)).find((e) => e.kind === 'callback-not-reached');
      expect(notReached?.detail).toMatchObject({ attempt: 1, retryInS: 5 });

      // the agent ends their wrap-up; 5 s later the callback is back in its place and tried again: busy again
      const status = await agent.status();
      await agent.request('POST', `/api/calls/${status.callId}/wrap-up`, { disposition: 'resolved' });
      await agent.setState('available');
      await eventually(
        async () => (await outcome(asked.callId)) === 'callback-failed',
        'the callback to fail',
        60_000,
      );
      const kinds = (await timeline(asked.callId)).map((e) => e.kind);
      expect(kinds.filter((k) => k === 'callback-not-reached')).toHaveLength(2);
      expect(kinds).toContain('callback-failed');
      await eventually(async () => {
        const { rows } = await db().query('SELECT 1 FROM tickets WHERE created_from_call = $1', [
          asked.callId,
        ]);
        return rows.length === 1;
      }, 'a ticket to follow the callback up');
    } finally {
      await outside.stop();
    }
  }, 120_000);
});

/** The channel names in the bridge an ARI event names, once two parties are in it. */
async function bridgeMembers(event: AriEvent): Promise<string[]> {
  const bridge = event.bridge as { id: string };
  const ids = await eventually(async () => {
    const { body } = await ariGet(`/bridges/${bridge.id}`);
    const channels = (body as { channels: string[] }).channels;
    return channels.length >= 2 && channels;
  }, 'both parties in the bridge');
  const names: string[] = [];
  for (const id of ids) names.push(((await ariGet(`/channels/${id}`)).body as { name: string }).name);
  return names;
}
