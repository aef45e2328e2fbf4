// A team leader listening in on an agent's call with their own desk phone, with sipp phones on all sides: the
// owner talks to agent1; the leader's phone (seat 3) rings and answers; listen is a snoop on the owner's channel
// bridged with the leader, whisper a snoop on the agent's channel, barge the leader in the call's own bridge;
// stopping or the leader hanging up leaves the call as it was; the owner hanging up leaves no channel behind.
// What an agent, a leader without a phone and anyone acting on a call that is not live are told. One session per
// leader on every controller: the claim in Redis (cti/monitor-claims.ts), and one a dead controller left behind.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallMonitored, ScreenPop } from '../../core/index.ts';
import { MONITOR_CLAIM_TTL_MS, monitorClaimKey, parseClaim } from '../../cti/index.ts';
import { AgentClient } from '../support/agent-client.ts';
import { AriObserver } from '../support/ari-observer.ts';
import { ariDelete, ariGet, eventually, stackConfig } from '../support/env.ts';
import { closeDb, createAgent, createOwner, db, type TestOwner } from '../support/fixtures.ts';
import { ownerCall, startAgentPhone, type AgentPhone, type SippResult } from '../support/phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let ari: AriObserver;
let redis: Redis;
let owner: TestOwner;
/** A second owner, talking to agent2 at the same time. */
let owner2: TestOwner;
const phones: AgentPhone[] = [];
let agent1: AgentClient;
let agent2: AgentClient;
/** A team leader with a desk phone (seat 3), and one without. */
let leader: AgentClient;
let leaderId: number;
let phoneless: AgentClient;
/** The owners' calls of the test, hung up after it (a channel already gone is no harm). */
const live: { call: Promise<SippResult>; channel: string | null }[] = [];

interface AriChannel {
  id: string;
  name: string;
}
interface AriBridge {
  id: string;
  channels: string[];
}

const message = (body: unknown) => (body as { message: string }).message;
const channels = async () => (await ariGet('/channels')).body as AriChannel[];
const bridges = async () => (await ariGet('/bridges')).body as AriBridge[];
const monitorPath = (callId: string) => `/api/supervisor/calls/${callId}/monitor`;

beforeAll(async () => {
  platform = await startTestPlatform({ HOTLINE_WRAP_UP_S: '0' });
  ari = await AriObserver.connect();
  redis = new Redis(stackConfig().redisUrl);
  owner = await createOwner({ name: '林芳', rooms: [{ roomCode: 'D1-1203' }] });
  owner2 = await createOwner({ name: '何军', rooms: [{ roomCode: 'D2-0402' }] });
  phones.push(await startAgentPhone(1), await startAgentPhone(2), await startAgentPhone(3));
  agent1 = await AgentClient.signIn(platform.url, await createAgent({ seat: 1, skills: { general: 5 } }));
  agent2 = await AgentClient.signIn(platform.url, await createAgent({ seat: 2, skills: { general: 5 } }));
  const leaderRow = await createAgent({ seat: 3, role: 'supervisor', name: '王组长', skills: {} });
  leaderId = leaderRow.agentId;
  leader = await AgentClient.signIn(platform.url, leaderRow);
  phoneless = await AgentClient.signIn(
    platform.url,
    await createAgent({ seat: null, role: 'admin', skills: {} }),
  );
});

afterEach(async () => {
  for (const { channel } of live) if (channel) await ariDelete(`/channels/${channel}`);
  await Promise.all(live.map((l) => l.call));
  live.length = 0;
  for (const agent of [agent1, agent2]) {
    await eventually(
      async () => !['ringing', 'on-call'].includes((await agent.status()).state),
      'the agents to be off their calls',
    );
    if ((await agent.status()).state === 'available') await agent.setState('not-ready', 'break');
  }
});

afterAll(async () => {
  for (const agent of [agent1, agent2, leader, phoneless]) await agent?.close();
  for (const phone of phones) await phone.stop();
  redis?.disconnect();
  await ari?.close();
  await platform?.close();
  await closeDb();
});

/** The owner calls the fees line, presses 0 and talks to the agent (the only one available). */
async function ownerTalkingTo(
  agent: AgentClient,
  caller: TestOwner,
): Promise<{
  pop: ScreenPop;
  ownerChannel: string;
  agentChannel: string;
}> {
  await agent.setState('available');
  const mark = ari.mark();
  const before = agent.pops().length;
  const call: (typeof live)[number] = {
    call: ownerCall({ caller: caller.phone, digit: '0', stayMs: 90_000 }),
    channel: null,
  };
  live.push(call);
  const ownerChannel = await ari.callerChannel(caller.phone, mark);
  call.channel = ownerChannel;
  await eventually(() => agent.pops().length > before, 'the screen pop');
  const pop = agent.pops().at(-1)!;
  await eventually(async () => (await agent.status()).state === 'on-call', 'the agent on the call');
  const bridge = await eventually(
    async () => (await bridges()).find((b) => b.channels.includes(ownerChannel) && b.channels.length === 2),
    'the owner and the agent in one bridge',
  );
  return { pop, ownerChannel, agentChannel: bridge.channels.find((c) => c !== ownerChannel)! };
}

/** 林芳 talks to agent1. */
const ownerTalkingToAgent1 = () => ownerTalkingTo(agent1, owner);

/** The leader's socket saw the session of this call reach `state` (after `from` events). */
function monitored(callId: string, state: CallMonitored['state'], from = 0): Promise<CallMonitored> {
  return eventually(() => {
    const hit = leader.received
      .slice(from)
      .find(
        (r) =>
          r.event === 'call:monitored' &&
          (r.payload as CallMonitored).callId === callId &&
          (r.payload as CallMonitored).state === state,
      );
    return hit?.payload as CallMonitored | undefined;
  }, `call:monitored ${state}`);
}

/** The leader's phone leg (their desk phone, PJSIP/agent3) now, if any. */
async function leaderLeg(): Promise<AriChannel | undefined> {
  return (await channels()).find((c) => c.name.startsWith('PJSIP/agent3-'));
}

/** The snoop channels now on `channelId` (Asterisk names them Snoop/<the snooped channel's id>-N). */
async function snoopsOn(channelId: string): Promise<AriChannel[]> {
  return (await channels()).filter((c) => c.name.startsWith(`Snoop/${channelId}-`));
}

/** The bridge holding exactly these channels (in any order), once it does. */
function bridgeWith(ids: string[], what: string): Promise<AriBridge> {
  return eventually(
    async () =>
      (await bridges()).find(
        (b) => b.channels.length === ids.length && ids.every((id) => b.channels.includes(id)),
      ),
    what,
  );
}

/** The leader's claim in Redis: one monitoring session at a time, on every controller. */
const claimKey = () => monitorClaimKey(leaderId);
const claimNow = async () => parseClaim(await redis.get(claimKey()));

async function timeline(callId: string): Promise<{ kind: string; detail: Record<string, unknown> }[]> {
  const { rows } = await db().query<{ kind: string; detail: Record<string, unknown> }>(
    "SELECT kind, detail FROM call_events WHERE call_id = $1 AND kind LIKE 'monitor-%' ORDER BY at, id",
    [callId],
  );
  return rows;
}

describe('a team leader listening in on an agent call', () => {
  it('listens, whispers and barges on one ring of their phone, then stops: the call goes on', async () => {
    const { pop, ownerChannel, agentChannel } = await ownerTalkingToAgent1();
    const seen = leader.received.length;

    // listen: the leader's phone rings and answers; a snoop on the owner's channel is bridged with it
    const started = await leader.request('POST', monitorPath(pop.callId), { mode: 'listen' });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ callId: pop.callId, mode: 'listen', state: 'ringing' });
    await monitored(pop.callId, 'ringing', seen);
    const active = await monitored(pop.callId, 'active', seen);
    expect(active).toMatchObject({ leaderId, leaderName: '王组长', mode: 'listen' });
    const leg = (await leaderLeg())!;
    expect(leg).toBeDefined();
    const [listenSnoop] = await snoopsOn(ownerChannel);
    expect(listenSnoop).toBeDefined();
    await bridgeWith([leg.id, listenSnoop!.id], 'the leader’s phone bridged with the snoop on the owner');
    // the call's own bridge still has only the owner and the agent
    await bridgeWith([ownerChannel, agentChannel], 'the owner and the agent, unchanged');
    const overview = await leader.request('GET', '/api/supervisor/overview');
    expect((overview.body as { monitors: CallMonitored[] }).monitors).toContainEqual(
      expect.objectContaining({ callId: pop.callId, leaderId, mode: 'listen', state: 'active' }),
    );

    // again on the same call: refused with who is listening
    const twice = await leader.request('POST', monitorPath(pop.callId), { mode: 'barge' });
    expect(twice.status).toBe(409);
    expect(message(twice.body)).toBe(
      '组长王组长已在监听这通电话 / Team leader 王组长 is already monitoring this call.',
    );

    // whisper: the snoop moves to the agent's channel (what the agent hears); the phone is not dialled again
    const whisper = await leader.request('PUT', monitorPath(pop.callId), { mode: 'whisper' });
    expect(whisper.status).toBe(200);
    expect(whisper.body).toMatchObject({ mode: 'whisper', state: 'active' });
    const whisperSnoop = await eventually(
      async () => (await snoopsOn(agentChannel))[0],
      'a snoop on the agent',
    );
    await bridgeWith([leg.id, whisperSnoop.id], 'the leader’s phone bridged with the snoop on the agent');
    await eventually(async () => (await snoopsOn(ownerChannel)).length === 0, 'the listen snoop gone');
    expect((await leaderLeg())?.id).toBe(leg.id);

    // barge: the leader is in the call's bridge with both, and no snoop is left
    expect((await leader.request('PUT', monitorPath(pop.callId), { mode: 'barge' })).status).toBe(200);
    await bridgeWith([ownerChannel, agentChannel, leg.id], 'owner, agent and leader in one bridge');
    await eventually(async () => (await snoopsOn(agentChannel)).length === 0, 'the whisper snoop gone');

    // back to listening, out of the call's bridge
    expect((await leader.request('PUT', monitorPath(pop.callId), { mode: 'listen' })).status).toBe(200);
    await bridgeWith([ownerChannel, agentChannel], 'the call’s bridge without the leader');
    const backSnoop = await eventually(async () => (await snoopsOn(ownerChannel))[0], 'a snoop on the owner');
    await bridgeWith([leg.id, backSnoop.id], 'the leader listening again');
    expect((await leaderLeg())?.id).toBe(leg.id);

    // stop: the leader's phone is hung up, the snoop goes, the owner and agent talk on
    const stopped = await leader.request('DELETE', monitorPath(pop.callId));
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ state: 'ended', mode: null });
    expect(await redis.exists(claimKey())).toBe(0);
    await eventually(async () => (await leaderLeg()) === undefined, 'the leader’s phone hung up');
    await eventually(async () => (await snoopsOn(ownerChannel)).length === 0, 'the snoop gone');
    await bridgeWith([ownerChannel, agentChannel], 'the call going on');
    expect((await agent1.status()).state).toBe('on-call');
    expect((await leader.request('DELETE', monitorPath(pop.callId))).status).toBe(409);

    // the timeline says who listened, whispered and barged, and when
    await eventually(async () => (await timeline(pop.callId)).length === 5, 'the monitoring in the timeline');
    const events = await timeline(pop.callId);
    expect(events.map((e) => [e.kind, e.detail.mode])).toEqual([
      ['monitor-started', 'listen'],
      ['monitor-changed', 'whisper'],
      ['monitor-changed', 'barge'],
      ['monitor-changed', 'listen'],
      ['monitor-ended', 'listen'],
    ]);
    expect(events.at(-1)!.detail.reason).toBe('stopped');
    expect(events.every((e) => e.detail.leaderId === leaderId && e.detail.leaderName === '王组长')).toBe(
      true,
    );
  });

  it('the leader hanging up their phone ends the session; the call goes on', async () => {
    const { pop, ownerChannel, agentChannel } = await ownerTalkingToAgent1();
    const seen = leader.received.length;
    expect((await leader.request('POST', monitorPath(pop.callId), { mode: 'whisper' })).status).toBe(200);
    await monitored(pop.callId, 'active', seen);
    const leg = (await leaderLeg())!;
    await ariDelete(`/channels/${leg.id}`); // the leader puts the receiver down
    const ended = await monitored(pop.callId, 'ended', seen);
    expect(ended.reason).toBe('leader-hung-up');
    await eventually(async () => (await redis.exists(claimKey())) === 0, 'the leader free to listen again');
    await eventually(async () => (await snoopsOn(agentChannel)).length === 0, 'the snoop gone');
    await bridgeWith([ownerChannel, agentChannel], 'the call going on');
    expect((await agent1.status()).state).toBe('on-call');
  });

  it('the owner hanging up ends the session: no channel is left in Asterisk', async () => {
    const { pop, ownerChannel } = await ownerTalkingToAgent1();
    const seen = leader.received.length;
    expect((await leader.request('POST', monitorPath(pop.callId), { mode: 'listen' })).status).toBe(200);
    await monitored(pop.callId, 'active', seen);
    expect(await snoopsOn(ownerChannel)).toHaveLength(1);
    await ariDelete(`/channels/${ownerChannel}`);
    const ended = await monitored(pop.callId, 'ended', seen);
    expect(ended.reason).toBe('call-ended');
    await eventually(async () => (await redis.exists(claimKey())) === 0, 'the leader free to listen again');
    await eventually(async () => (await channels()).length === 0, 'no channel left in Asterisk');
    await eventually(
      async () => (await bridges()).every((b) => b.channels.length === 0),
      'no bridge with a channel left',
    );
    // the call is over: monitoring it again is refused
    const again = await leader.request('POST', monitorPath(pop.callId), { mode: 'listen' });
    expect(again.status).toBe(409);
    expect(message(again.body)).toBe('这通电话已经结束 / The call has already ended.');
    await eventually(
      async () => (await timeline(pop.callId)).some((e) => e.kind === 'monitor-ended'),
      'the end',
    );
    expect((await timeline(pop.callId)).at(-1)!.detail.reason).toBe('call-ended');
  });

  it('tells an agent, a leader without a phone and a leader asking for a call that does not exist why not', async () => {
    const { pop } = await ownerTalkingToAgent1();
    const agentAsks = await agent1.request('POST', monitorPath(pop.callId), { mode: 'listen' });
    expect(agentAsks.status).toBe(403);
    expect(message(agentAsks.body)).toBe(
      '只有组长和管理员可以监听通话 / Only team leaders and admins may listen in on calls.',
    );
    const noPhone = await phoneless.request('POST', monitorPath(pop.callId), { mode: 'listen' });
    expect(noPhone.status).toBe(409);
    expect(message(noPhone.body)).toBe(
      '您的账号没有配置话机,无法监听 / You have no desk phone set up, so you cannot listen in on calls.',
    );
    const unknown = await leader.request('POST', monitorPath(randomUUID()), { mode: 'listen' });
    expect(unknown.status).toBe(404);
    expect(message(unknown.body)).toBe('找不到这通电话 / That call does not exist.');
    const badMode = await leader.request('POST', monitorPath(pop.callId), { mode: 'record' });
    expect(badMode.status).toBe(400);
    const notMonitoring = await leader.request('PUT', monitorPath(pop.callId), { mode: 'barge' });
    expect(notMonitoring.status).toBe(409);
    expect(message(notMonitoring.body)).toBe('您没有在监听这通电话 / You are not monitoring this call.');
    expect(await leaderLeg()).toBeUndefined();
  });
});

describe('one monitoring session per team leader, on every controller', () => {
  const busy =
    '您正在监听另一通电话,请先结束那一通 / You are already monitoring another call; stop that one first.';

  // Both sessions run in this one controller, yet this proves the rule across controllers: whether the leader
  // is monitoring another call is asked of Redis only (the per-process check is gone), the same SET NX on the
  // same key a controller on another Asterisk node makes; there is no other path for the second start to take.
  it('a leader listening to one call is refused a second one, and their phone is not rung again', async () => {
    const first = await ownerTalkingToAgent1();
    const second = await ownerTalkingTo(agent2, owner2);
    const seen = leader.received.length;
    const mark = ari.mark();
    expect((await leader.request('POST', monitorPath(first.pop.callId), { mode: 'listen' })).status).toBe(
      200,
    );
    await monitored(first.pop.callId, 'active', seen);
    // the claim names the session's call, and lives at most its time to live unless refreshed
    expect(await claimNow()).toMatchObject({ callId: first.pop.callId });
    const ttl = await redis.pttl(claimKey());
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(MONITOR_CLAIM_TTL_MS);

    const refused = await leader.request('POST', monitorPath(second.pop.callId), { mode: 'whisper' });
    expect(refused.status).toBe(409);
    expect(message(refused.body)).toBe(busy);
    // one leg to the leader's phone, no snoop on the second call, the first session as it was
    const dialled = ari.events
      .slice(mark)
      .filter((e) => e.type === 'ChannelCreated' && e.channel?.name.startsWith('PJSIP/agent3-') === true);
    expect(dialled).toHaveLength(1);
    expect(await snoopsOn(second.ownerChannel)).toHaveLength(0);
    expect(await snoopsOn(second.agentChannel)).toHaveLength(0);
    expect(await snoopsOn(first.ownerChannel)).toHaveLength(1);
    expect(await claimNow()).toMatchObject({ callId: first.pop.callId });
    expect(
      leader.received.slice(seen).some((r) => (r.payload as CallMonitored).callId === second.pop.callId),
    ).toBe(false);

    // while the session lasts its controller keeps the claim alive
    let last = await redis.pttl(claimKey());
    await eventually(
      async () => {
        const now = await redis.pttl(claimKey());
        const refreshed = now > last;
        last = now;
        return refreshed;
      },
      'the claim refreshed',
      MONITOR_CLAIM_TTL_MS,
    );

    // stopping the first lets the leader go: the second call can be listened to now
    expect((await leader.request('DELETE', monitorPath(first.pop.callId))).status).toBe(200);
    expect(await redis.exists(claimKey())).toBe(0);
    await eventually(async () => (await leaderLeg()) === undefined, 'the leader’s phone hung up');
    const next = leader.received.length;
    expect((await leader.request('POST', monitorPath(second.pop.callId), { mode: 'whisper' })).status).toBe(
      200,
    );
    await monitored(second.pop.callId, 'active', next);
    expect(await claimNow()).toMatchObject({ callId: second.pop.callId });
    expect((await leader.request('DELETE', monitorPath(second.pop.callId))).status).toBe(200);
    expect(await redis.exists(claimKey())).toBe(0);
  });

  it('a claim left by a controller that died holds the leader back only until it lapses', async () => {
    const { pop } = await ownerTalkingToAgent1();
    // a controller on another node died with the leader listening in, 13.5 s after its last refresh
    const dead = { session: randomUUID(), callId: randomUUID(), node: 'hotline2-dead' };
    await redis.set(claimKey(), JSON.stringify(dead), 'PX', 1500);
    const refused = await leader.request('POST', monitorPath(pop.callId), { mode: 'listen' });
    expect(refused.status).toBe(409);
    expect(message(refused.body)).toBe(busy);
    expect(await leaderLeg()).toBeUndefined();

    await eventually(
      async () => (await redis.exists(claimKey())) === 0,
      'the dead controller’s claim to lapse',
    );
    const seen = leader.received.length;
    expect((await leader.request('POST', monitorPath(pop.callId), { mode: 'listen' })).status).toBe(200);
    await monitored(pop.callId, 'active', seen);
    expect(await claimNow()).toMatchObject({ callId: pop.callId });
    expect((await leader.request('DELETE', monitorPath(pop.callId))).status).toBe(200);
    expect(await redis.exists(claimKey())).toBe(0);
  });
});
