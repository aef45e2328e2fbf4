// Call control from the agent's desk, with sipp phones on both sides: an owner on a call with an agent is put on
// hold (music, out of the bridge) and back, blind-transferred to a queue (the next agent gets the pop with the
// first agent's note), to a named agent, and to an outside number; what an agent is told when they may not.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ScreenPop } from '../../core/index.ts';
import { AgentClient } from '../support/agent-client.ts';
import { AmiObserver } from '../support/ami-observer.ts';
import { AriObserver, type AriEvent } from '../support/ari-observer.ts';
import { ariDelete, ariGet, eventually } from '../support/env.ts';
import {
  closeDb,
  createAgent,
  createOwner,
  db,
  type TestAgent,
  type TestOwner,
} from '../support/fixtures.ts';
import {
  ownerCall,
  startAgentPhone,
  startOutsidePhone,
  type AgentPhone,
  type SippResult,
} from '../support/phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let ari: AriObserver;
let ami: AmiObserver;
let owner: TestOwner;
const phones: AgentPhone[] = [];
/** agent1 takes the general queue; agent2 complaints and general; a team leader without a phone. */
let agent1: AgentClient;
let agent2: AgentClient;
let leader: AgentClient;
let who: { agent1: TestAgent; agent2: TestAgent };
let call: Promise<SippResult> | null = null;
let callerChannel: string | null = null;

const message = (body: unknown) => (body as { message: string }).message;

beforeAll(async () => {
  platform = await startTestPlatform({ HOTLINE_WRAP_UP_S: '120' });
  [ari, ami] = await Promise.all([AriObserver.connect(), AmiObserver.connect()]);
  owner = await createOwner({ name: '陈静', rooms: [{ roomCode: 'C2-0801' }] });
  phones.push(await startAgentPhone(1), await startAgentPhone(2));
  who = {
    agent1: await createAgent({ seat: 1, skills: { general: 5 } }),
    agent2: await createAgent({ seat: 2, skills: { complaints: 5, general: 5 } }),
  };
  agent1 = await AgentClient.signIn(platform.url, who.agent1);
  agent2 = await AgentClient.signIn(platform.url, who.agent2);
  leader = await AgentClient.signIn(platform.url, await createAgent({ seat: null, role: 'supervisor' }));
});

afterEach(async () => {
  // the owner hangs up (if still on the line); every agent ends their wrap-up and takes a break
  if (callerChannel) await ariDelete(`/channels/${callerChannel}`);
  await call;
  call = null;
  callerChannel = null;
  for (const agent of [agent1, agent2]) await agent.offCallOnBreak();
});

afterAll(async () => {
  for (const agent of [agent1, agent2, leader]) await agent?.close();
  for (const phone of phones) await phone.stop();
  ami?.close();
  await ari?.close();
  await platform?.close();
  await closeDb();
});

/** The owner calls the fees line and presses 0; `agent` answers. Returns the pop and the owner's channel. */
async function ownerTalkingTo(agent: AgentClient): Promise<{ pop: ScreenPop; channel: string }> {
  await agent.setState('available');
  const mark = ari.mark();
  const before = agent.pops().length;
  call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 60_000 });
  callerChannel = await ari.callerChannel(owner.phone, mark);
  await eventually(() => agent.pops().length > before, 'the screen pop');
  const pop = agent.pops().at(-1)!;
  await ari.bridgeMove(callerChannel, mark, 'entered');
  await eventually(async () => (await agent.status()).state === 'on-call', 'the agent to be on the call');
  return { pop, channel: callerChannel };
}

/** The channels in the bridge the owner's channel entered, once the other party is in it too. */
async function bridgeOf(event: AriEvent): Promise<string[]> {
  const bridge = event.bridge as { id: string };
  return eventually(async () => {
    const { body } = await ariGet(`/bridges/${bridge.id}`);
    const channels = (body as { channels: string[] }).channels;
    return channels.length >= 2 && channels;
  }, 'the other party to join the owner in the bridge');
}

describe('call control from the agent desk', () => {
  it('holds the owner with music out of the bridge and resumes them; the timeline and hold time are kept', async () => {
    const { pop, channel } = await ownerTalkingTo(agent1);
    const heldMark = ari.mark();
    const mohMark = ami.mark();
    const held = await agent1.request('POST', `/api/calls/${pop.callId}/hold`);
    expect(held.status).toBe(200);
    expect(held.body).toMatchObject({ callId: pop.callId, state: 'held' });
    await ari.bridgeMove(channel, heldMark, 'left');
    await ami.musicOnHold(channel, true, mohMark);
    const me = await agent1.request('GET', '/api/me');
    expect(me.body).toMatchObject({ callState: 'held' });
    expect(typeof (me.body as { heldSince: unknown }).heldSince).toBe('string');
    await eventually(() => agent1.received.some((r) => r.event === 'call:held'), 'call:held on the page');

    const again = await agent1.request('POST', `/api/calls/${pop.callId}/hold`);
    expect(again.status).toBe(409);
    expect(message(again.body)).toBe('这通电话已在保持中 / The call is already on hold.');

    const resumeMark = ari.mark();
    const resumed = await agent1.request('POST', `/api/calls/${pop.callId}/resume`);
    expect(resumed.status).toBe(200);
    await ami.musicOnHold(channel, false, mohMark);
    const back = await ari.bridgeMove(channel, resumeMark, 'entered', 'the owner to be back in the bridge');
    expect(await bridgeOf(back)).toHaveLength(2);
    expect((await agent1.status()).state).toBe('on-call');

    await ariDelete(`/channels/${channel}`);
    callerChannel = null;
    await eventually(async () => {
      const { rows } = await db().query<{ kind: string }>(
        "SELECT kind FROM call_events WHERE call_id = $1 AND kind IN ('held', 'resumed', 'ended') ORDER BY at, id",
        [pop.callId],
      );
      return rows.map((r) => r.kind).join(',') === 'held,resumed,ended';
    }, 'the hold in the call timeline');
    const { rows } = await db().query<{ hold_s: number }>('SELECT hold_s FROM calls WHERE id = $1', [
      pop.callId,
    ]);
    expect(rows[0]!.hold_s).toBeGreaterThanOrEqual(0);
  });

  it('refuses what an agent may not do, in words they understand', async () => {
    const { pop } = await ownerTalkingTo(agent1);
    // agent2 is not on this call
    const stranger = await agent2.request('POST', `/api/calls/${pop.callId}/hold`);
    expect(stranger.status).toBe(403);
    expect(message(stranger.body)).toBe('您不在这通电话上 / You are not on this call.');
    // agent2 is on a break: not available for a transfer
    const busy = await agent1.request('POST', `/api/calls/${pop.callId}/transfer`, {
      agentId: who.agent2.agentId,
    });
    expect(busy.status).toBe(409);
    expect(message(busy.body)).toBe('该坐席不在空闲状态 / That agent is not available.');
    const badNumber = await agent1.request('POST', `/api/calls/${pop.callId}/transfer`, { number: '12ab' });
    expect(badNumber.status).toBe(400);
    expect(message(badNumber.body)).toBe(
      '"12ab" 不是可以拨打的号码 / "12ab" is not a number that can be dialled.',
    );
    const two = await agent1.request('POST', `/api/calls/${pop.callId}/transfer`, {
      queue: 'fees',
      number: '13912345678',
    });
    expect(two.status).toBe(400);
    const unknownQueue = await agent1.request('POST', `/api/calls/${pop.callId}/transfer`, {
      queue: 'parking',
    });
    expect(unknownQueue.status).toBe(400);
    const notResumable = await agent1.request('POST', `/api/calls/${pop.callId}/resume`);
    expect(notResumable.status).toBe(409);
    expect(message(notResumable.body)).toBe('这通电话不在保持中 / The call is not on hold.');
    // a team leader may act on any call; the owner is still with agent1 after all of this
    expect((await leader.request('POST', `/api/calls/${pop.callId}/hold`)).status).toBe(200);
    expect((await leader.request('POST', `/api/calls/${pop.callId}/resume`)).status).toBe(200);
    expect((await agent1.status()).state).toBe('on-call');
  });

  it('blind-transfers to the complaints queue: the next agent gets the pop with the note and the same owner', async () => {
    const { pop, channel } = await ownerTalkingTo(agent1);
    await agent2.setState('available');
    const before = agent2.pops().length;
    const mark = ari.mark();
    const note = '业主投诉楼上装修噪音,已安抚,请跟进';
    const sent = await agent1.request('POST', `/api/calls/${pop.callId}/transfer`, {
      queue: 'complaints',
      note,
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ state: 'transferred' });

    await eventually(() => agent2.pops().length > before, 'the pop at the next agent');
    const next = agent2.pops().at(-1)!;
    expect(next.callId).toBe(pop.callId);
    expect(next.queue).toBe('complaints');
    expect(next.owner?.id).toBe(owner.ownerId);
    expect(next.transferredFrom).toMatchObject({
      agentId: who.agent1.agentId,
      agentName: who.agent1.name,
      note,
    });
    const bridged = await ari.bridgeMove(
      channel,
      mark,
      'entered',
      'the owner to be bridged to the next agent',
    );
    expect(await bridgeOf(bridged)).toHaveLength(2);
    await eventually(async () => (await agent2.status()).state === 'on-call', 'agent2 on the call');
    // the first agent was released to wrap up the call, which they still may
    expect((await agent1.status()).state).toBe('wrap-up');
    const ended = agent1.received.find(
      (r) => r.event === 'call:ended' && (r.payload as { callId: string }).callId === pop.callId,
    );
    // it names whose part ended (the supervisors' room hears every agent's); the next agent heard no end
    expect(ended?.payload).toMatchObject({ cause: 'transferred', agentId: (await agent1.status()).agentId });
    expect(
      agent2.received.some(
        (r) => r.event === 'call:ended' && (r.payload as { callId: string }).callId === pop.callId,
      ),
    ).toBe(false);
    const wrap = await agent1.request('POST', `/api/calls/${pop.callId}/wrap-up`, {
      disposition: 'follow-up',
    });
    expect(wrap.status).toBe(200);
  });

  it('blind-transfers to a named agent who is available', async () => {
    const { pop, channel } = await ownerTalkingTo(agent1);
    await agent2.setState('available');
    const mark = ari.mark();
    const sent = await agent1.request('POST', `/api/calls/${pop.callId}/transfer`, {
      agentId: who.agent2.agentId,
    });
    expect(sent.status).toBe(200);
    await agent2.nextPop((p) => p.callId === pop.callId && p.transferredFrom?.agentId === who.agent1.agentId);
    await ari.bridgeMove(channel, mark, 'entered', 'the owner to be bridged to the named agent');
    await eventually(async () => (await agent2.status()).state === 'on-call', 'agent2 on the call');
  });

  it('blind-transfers to an outside number: the phone there rings with the owner’s number and is bridged', async () => {
    const outside = await startOutsidePhone();
    try {
      const { pop, channel } = await ownerTalkingTo(agent1);
      const mark = ari.mark();
      const sent = await agent1.request('POST', `/api/calls/${pop.callId}/transfer`, {
        number: '139-1234-5678',
      });
      expect(sent.status).toBe(200);
      const bridged = await ari.bridgeMove(
        channel,
        mark,
        'entered',
        'the owner to be bridged to the outside number',
      );
      expect(await bridgeOf(bridged)).toHaveLength(2);
      const invite = outside
        .messages()
        .split(/^-{10,}/m)
        .find((m) => m.includes('INVITE sip:13912345678@'));
      expect(invite).toMatch(new RegExp(`From: .*<sip:${owner.phone}@`));
      expect((await agent1.status()).state).toBe('wrap-up');
    } finally {
      if (callerChannel) await ariDelete(`/channels/${callerChannel}`);
      await call;
      await outside.stop();
    }
  });

  it('sends the owner back to their queue when the outside number is busy', async () => {
    const outside = await startOutsidePhone({ busy: true });
    try {
      const { pop, channel } = await ownerTalkingTo(agent1);
      await agent2.setState('available');
      const mark = ari.mark();
      const sent = await agent1.request('POST', `/api/calls/${pop.callId}/transfer`, {
        number: '13912345678',
        note: '业主要找开发商',
      });
      expect(sent.status).toBe(200);
      // agent1 is wrapping up, so the general queue's other agent takes the owner, with agent1's note
      const next = await agent2.nextPop((p) => p.callId === pop.callId);
      expect(next.pop.queue).toBe('general');
      expect(next.pop.transferredFrom?.note).toBe('业主要找开发商');
      await ari.bridgeMove(channel, mark, 'entered', 'the owner to be bridged to the next agent');
      const { rows } = await db().query<{ kind: string }>(
        "SELECT kind FROM call_events WHERE call_id = $1 AND kind = 'outside-failed'",
        [pop.callId],
      );
      expect(rows).toHaveLength(1);
    } finally {
      if (callerChannel) await ariDelete(`/channels/${callerChannel}`);
      await call;
      await outside.stop();
    }
  });

  it('an owner hanging up on hold leaves no agent stuck: the agent wraps up', async () => {
    const { pop, channel } = await ownerTalkingTo(agent1);
    const mohMark = ami.mark();
    expect((await agent1.request('POST', `/api/calls/${pop.callId}/hold`)).status).toBe(200);
    await ami.musicOnHold(channel, true, mohMark);
    await ariDelete(`/channels/${channel}`);
    callerChannel = null;
    await eventually(async () => (await agent1.status()).state === 'wrap-up', 'agent1 to wrap up');
    const ended = await agent1.request('POST', `/api/calls/${pop.callId}/hold`);
    expect(ended.status).toBe(409);
    expect(message(ended.body)).toBe('这通电话已经结束 / The call has already ended.');
    await eventually(async () => {
      const { rows } = await db().query<{ outcome: string; hold_s: number }>(
        'SELECT outcome, hold_s FROM calls WHERE id = $1 AND ended_at IS NOT NULL',
        [pop.callId],
      );
      return rows[0]?.outcome === 'answered';
    }, 'the call record to end as answered');
  });
});
