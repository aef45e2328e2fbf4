// Attended transfer, three-way conference and hang-up from the agent desk, with sipp phones on every side: the
// owner waits with music while agent1 talks to agent2 (or an outside number) alone, then agent1 hands the call
// over, takes it back, or brings the three together; what agent1 is told when the other side is busy; what an
// agent may not do.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallConsulting, MeResponse, ScreenPop } from '../../core/index.ts';
import { AgentClient } from '../support/agent-client.ts';
import { AmiObserver } from '../support/ami-observer.ts';
import { AriObserver } from '../support/ari-observer.ts';
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
/** agent1 takes the general queue; agent2 complaints only (so the ACD never offers them the owner's call). */
let agent1: AgentClient;
let agent2: AgentClient;
let who: { agent1: TestAgent; agent2: TestAgent };
let call: Promise<SippResult> | null = null;
let callerChannel: string | null = null;

const message = (body: unknown) => (body as { message: string }).message;

beforeAll(async () => {
  platform = await startTestPlatform({ HOTLINE_WRAP_UP_S: '120' });
  [ari, ami] = await Promise.all([AriObserver.connect(), AmiObserver.connect()]);
  owner = await createOwner({ name: '李娜', rooms: [{ roomCode: 'D5-1203' }] });
  phones.push(await startAgentPhone(1), await startAgentPhone(2));
  who = {
    agent1: await createAgent({ seat: 1, skills: { general: 5 } }),
    agent2: await createAgent({ seat: 2, skills: { complaints: 5 } }),
  };
  agent1 = await AgentClient.signIn(platform.url, who.agent1);
  agent2 = await AgentClient.signIn(platform.url, who.agent2);
});

afterEach(async () => {
  if (callerChannel) await ariDelete(`/channels/${callerChannel}`);
  await call;
  call = null;
  callerChannel = null;
  for (const agent of [agent1, agent2]) await agent.offCallOnBreak();
});

afterAll(async () => {
  for (const agent of [agent1, agent2]) await agent?.close();
  for (const phone of phones) await phone.stop();
  ami?.close();
  await ari?.close();
  await platform?.close();
  await closeDb();
});

interface Talking {
  pop: ScreenPop;
  /** The owner's channel, agent1's leg, and the call's bridge (the one recording). */
  channel: string;
  agentLeg: string;
  bridge: string;
}

/** The owner calls the fees line and presses 0; agent1 answers. */
async function ownerTalkingToAgent1(stayMs = 60_000): Promise<Talking> {
  await agent1.setState('available');
  const mark = ari.mark();
  const before = agent1.pops().length;
  call = ownerCall({ caller: owner.phone, digit: '0', stayMs });
  callerChannel = await ari.callerChannel(owner.phone, mark);
  const channel = callerChannel;
  await eventually(() => agent1.pops().length > before, 'the screen pop');
  const pop = agent1.pops().at(-1)!;
  const entered = await ari.bridgeMove(channel, mark, 'entered');
  const bridge = (entered.bridge as { id: string }).id;
  const both = await bridged(bridge, (c) => c.length === 2, 'agent1 to be bridged with the owner');
  await eventually(async () => (await agent1.status()).state === 'on-call', 'agent1 to be on the call');
  return { pop, channel, agentLeg: both.find((c) => c !== channel)!, bridge };
}

/** The channels in the call's bridge once `ok` says they are what the test waits for. */
function bridged(bridge: string, ok: (channels: string[]) => boolean, what: string): Promise<string[]> {
  return eventually(async () => {
    const { body } = await ariGet(`/bridges/${bridge}`);
    const channels = (body as { channels?: string[] } | null)?.channels ?? [];
    return ok(channels) && channels;
  }, what);
}

/** agent1 consults agent2 (available); resolves once agent2 answered and talks with agent1 alone. */
async function consultAgent2(t: Talking, note = '业主想改缴费方式,请你确认'): Promise<string> {
  await agent2.setState('available');
  const mohMark = ami.mark();
  const sent = await agent1.request('POST', `/api/calls/${t.pop.callId}/consult`, {
    agentId: who.agent2.agentId,
    note,
  });
  expect(sent.status).toBe(200);
  expect(sent.body).toMatchObject({ callId: t.pop.callId, state: 'consulting' });
  await ami.musicOnHold(t.channel, true, mohMark);
  const pair = await bridged(
    t.bridge,
    (c) => c.length === 2 && c.includes(t.agentLeg) && !c.includes(t.channel),
    'agent2 to talk with agent1 alone',
  );
  await eventually(async () => (await agent2.status()).state === 'on-call', 'agent2 on the consultation');
  return pair.find((c) => c !== t.agentLeg)!;
}

function consulting(agent: AgentClient, state: CallConsulting['state']): Promise<CallConsulting> {
  return eventually(
    () =>
      agent.received.find(
        (r) =>
          (r.event === 'call:consulting' || r.event === 'call:conference') &&
          (r.payload as CallConsulting).state === state,
      )?.payload as CallConsulting | undefined,
    `call:consulting ${state} on agent1's page`,
  );
}

async function timeline(callId: string): Promise<string[]> {
  const { rows } = await db().query<{ kind: string }>(
    'SELECT kind FROM call_events WHERE call_id = $1 ORDER BY at, id',
    [callId],
  );
  return rows.map((r) => r.kind);
}

describe('attended transfer, conference and hang-up from the agent desk', () => {
  it('consults agent2 while the owner hears music, then hands the owner over with the pop and the note', async () => {
    const t = await ownerTalkingToAgent1();
    const before = agent2.pops().length;
    const note = '业主想改缴费方式,请你确认';
    const agent2Leg = await consultAgent2(t, note);
    // agent2's page showed the owner, whom it is from and the note, before their phone rang
    const pop = agent2
      .pops()
      .slice(before)
      .find((p) => p.callId === t.pop.callId);
    expect(pop?.owner?.id).toBe(owner.ownerId);
    expect(pop?.transferredFrom).toMatchObject({ agentId: who.agent1.agentId, note });
    expect((await consulting(agent1, 'answered')).target).toMatchObject({
      agentId: who.agent2.agentId,
      name: who.agent2.name,
    });
    expect((await agent1.request('GET', '/api/me')).body).toMatchObject({
      callState: 'held',
      consult: { state: 'answered' },
    });

    const mohMark = ami.mark();
    const done = await agent1.request('POST', `/api/calls/${t.pop.callId}/consult/complete`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ state: 'transferred' });
    await ami.musicOnHold(t.channel, false, mohMark);
    await bridged(
      t.bridge,
      (c) => c.length === 2 && c.includes(t.channel) && c.includes(agent2Leg),
      'the owner to be bridged with agent2',
    );
    await eventually(async () => (await agent1.status()).state === 'wrap-up', 'agent1 to wrap up');
    expect((await agent2.status()).state).toBe('on-call');
    const events = await eventually(async () => {
      const kinds = await timeline(t.pop.callId);
      return kinds.includes('transferred') && kinds;
    }, 'the transfer in the timeline');
    expect(events).toEqual(expect.arrayContaining(['consult-started', 'consult-answered', 'transferred']));
  });

  it('a reload shows each agent their own pop: agent1 the owner as offered, agent2 the owner with agent1’s note, also after the hand-over', async () => {
    const t = await ownerTalkingToAgent1();
    const before = agent2.pops().length;
    const note = '业主要求减免滞纳金,请你跟进';
    await consultAgent2(t, note);
    const consultPop = agent2
      .pops()
      .slice(before)
      .find((p) => p.callId === t.pop.callId)!;
    expect(consultPop.transferredFrom).toMatchObject({ agentId: who.agent1.agentId, note });

    // during the consultation: agent1 keeps the owner's pop (on hold, consulting agent2) ...
    const agent1Reloaded = await eventually(async () => {
      const me = (await agent1.request('GET', '/api/me')).body as MeResponse;
      return me.consult?.state === 'answered' && me;
    }, 'agent1’s consultation to be answered');
    expect(agent1Reloaded.currentCall).toEqual(t.pop);
    expect(agent1Reloaded.currentCall?.transferredFrom ?? null).toBeNull();
    expect(agent1Reloaded).toMatchObject({
      callState: 'held',
      consult: { agentId: who.agent1.agentId, target: { agentId: who.agent2.agentId } },
    });
    // ... and agent2 the pop they were offered: the same owner and history, whom it is from and the note
    const agent2Reloaded = (await agent2.request('GET', '/api/me')).body as MeResponse;
    expect(agent2Reloaded.currentCall).toEqual(consultPop);
    expect(agent2Reloaded.currentCall).toMatchObject({
      owner: t.pop.owner,
      arrears: t.pop.arrears,
      openTickets: t.pop.openTickets,
      lastCalls: t.pop.lastCalls,
    });
    // agent2 talks with agent1: the owner's hold is agent1's, and so is the consultation
    expect(agent2Reloaded).toMatchObject({ callState: 'on-call', heldSince: null, consult: null });

    // agent1 hands the owner over: agent2 owns the call with the note, agent1 wraps up with their own pop
    expect((await agent1.request('POST', `/api/calls/${t.pop.callId}/consult/complete`)).status).toBe(200);
    await eventually(async () => (await agent1.status()).state === 'wrap-up', 'agent1 to wrap up');
    const agent1After = (await agent1.request('GET', '/api/me')).body as MeResponse;
    expect(agent1After.currentCall).toEqual(t.pop);
    expect(agent1After).toMatchObject({ callState: 'ended', consult: null });
    const agent2After = (await agent2.request('GET', '/api/me')).body as MeResponse;
    expect(agent2After.currentCall).toEqual(consultPop);
    expect(agent2After).toMatchObject({
      status: { state: 'on-call', callId: t.pop.callId },
      callState: 'on-call',
      currentCall: { owner: { id: owner.ownerId }, transferredFrom: { agentId: who.agent1.agentId, note } },
    });
  });

  it('cancels the consultation: agent2 is hung up and free, the owner is back with agent1', async () => {
    const t = await ownerTalkingToAgent1();
    await consultAgent2(t);
    const mohMark = ami.mark();
    const cancelled = await agent1.request('POST', `/api/calls/${t.pop.callId}/consult/cancel`);
    expect(cancelled.status).toBe(200);
    await ami.musicOnHold(t.channel, false, mohMark);
    await bridged(
      t.bridge,
      (c) => c.length === 2 && c.includes(t.channel) && c.includes(t.agentLeg),
      'the owner back with agent1',
    );
    await eventually(async () => (await agent2.status()).state === 'available', 'agent2 free again');
    expect((await agent1.status()).state).toBe('on-call');
    await consulting(agent1, 'cancelled');
    await eventually(
      async () => (await timeline(t.pop.callId)).includes('consult-cancelled'),
      'the timeline',
    );
  });

  it('tells agent1 when the outside number is busy; the owner stays on hold until agent1 resumes', async () => {
    const outside = await startOutsidePhone({ busy: true });
    try {
      const t = await ownerTalkingToAgent1();
      const mohMark = ami.mark();
      const sent = await agent1.request('POST', `/api/calls/${t.pop.callId}/consult`, {
        number: '139-8765-4321',
      });
      expect(sent.status).toBe(200);
      const failed = await consulting(agent1, 'failed');
      expect(failed.target.number).not.toContain('87654321');
      await ami.musicOnHold(t.channel, true, mohMark);
      expect(await bridged(t.bridge, (c) => c.length === 1, 'agent1 alone in the bridge')).toEqual([
        t.agentLeg,
      ]);
      expect((await agent1.request('GET', '/api/me')).body).toMatchObject({
        callState: 'held',
        consult: null,
      });
      const resumed = await agent1.request('POST', `/api/calls/${t.pop.callId}/resume`);
      expect(resumed.status).toBe(200);
      await bridged(t.bridge, (c) => c.length === 2 && c.includes(t.channel), 'the owner back with agent1');
      expect(await timeline(t.pop.callId)).toContain('consult-failed');
    } finally {
      await outside.stop();
    }
  });

  it('brings the three together; agent1 leaves and the owner stays with agent2', async () => {
    const t = await ownerTalkingToAgent1();
    const agent2Leg = await consultAgent2(t);
    const conf = await agent1.request('POST', `/api/calls/${t.pop.callId}/conference`);
    expect(conf.status).toBe(200);
    expect(conf.body).toMatchObject({ state: 'conference' });
    await bridged(t.bridge, (c) => c.length === 3, 'owner, agent1 and agent2 in one bridge');
    await consulting(agent1, 'conference');
    const left = await agent1.request('POST', `/api/calls/${t.pop.callId}/consult/complete`);
    expect(left.status).toBe(200);
    expect(
      await bridged(t.bridge, (c) => c.length === 2 && !c.includes(t.agentLeg), 'agent1 out of the bridge'),
    ).toEqual(expect.arrayContaining([t.channel, agent2Leg]));
    await eventually(async () => (await agent1.status()).state === 'wrap-up', 'agent1 to wrap up');
    expect((await agent2.status()).state).toBe('on-call');
    // still one recording for the whole call
    const { rows } = await db().query<{ recording: string }>('SELECT recording FROM calls WHERE id = $1', [
      t.pop.callId,
    ]);
    expect(rows[0]!.recording).toBe(`call-${t.pop.callId}`);
  });

  it('in a conference, agent2 hanging up leaves the owner with agent1', async () => {
    const t = await ownerTalkingToAgent1();
    await consultAgent2(t);
    expect((await agent1.request('POST', `/api/calls/${t.pop.callId}/conference`)).status).toBe(200);
    await bridged(t.bridge, (c) => c.length === 3, 'the conference');
    const gone = await agent2.request('POST', `/api/calls/${t.pop.callId}/hangup`);
    expect(gone.status).toBe(200);
    await bridged(
      t.bridge,
      (c) => c.length === 2 && c.includes(t.channel) && c.includes(t.agentLeg),
      'the owner with agent1',
    );
    await eventually(async () => (await agent2.status()).state === 'wrap-up', 'agent2 to wrap up');
    expect((await agent1.status()).state).toBe('on-call');
    await consulting(agent1, 'target-left');
  });

  it('hangs up from the page: the owner gets a BYE, agent1 wraps up, the record says the agent hung up', async () => {
    const t = await ownerTalkingToAgent1(40_000);
    const started = Date.now();
    const hung = await agent1.request('POST', `/api/calls/${t.pop.callId}/hangup`);
    expect(hung.status).toBe(200);
    expect(hung.body).toMatchObject({ state: 'ended' });
    const owners = await call!;
    // the owner's phone was hung up on long before it meant to hang up itself
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(owners.output).toMatch(/BYE/);
    callerChannel = null;
    await eventually(async () => (await agent1.status()).state === 'wrap-up', 'agent1 to wrap up');
    const record = await eventually(async () => {
      const { rows } = await db().query<{ hangup_by: string; hangup_cause: string }>(
        'SELECT hangup_by, hangup_cause FROM calls WHERE id = $1 AND ended_at IS NOT NULL',
        [t.pop.callId],
      );
      return rows[0];
    }, 'the call record to end');
    expect(record).toEqual({ hangup_by: 'agent', hangup_cause: 'hung up by agent' });
  });

  it('an owner hanging up during a consultation leaves nobody stuck', async () => {
    const t = await ownerTalkingToAgent1();
    await consultAgent2(t);
    await ariDelete(`/channels/${t.channel}`);
    callerChannel = null;
    await eventually(async () => (await agent1.status()).state === 'wrap-up', 'agent1 to wrap up');
    await eventually(async () => (await agent2.status()).state === 'available', 'agent2 free again');
  });

  it('refuses what does not apply, in words an agent understands', async () => {
    const outside = await startOutsidePhone({ answerAfterMs: 8000 });
    try {
      const t = await ownerTalkingToAgent1();
      const id = t.pop.callId;
      // agent2 is not on this call
      const stranger = await agent2.request('POST', `/api/calls/${id}/consult`, {
        agentId: who.agent1.agentId,
      });
      expect(stranger.status).toBe(403);
      expect(message(stranger.body)).toBe('您不在这通电话上 / You are not on this call.');
      expect((await agent2.request('POST', `/api/calls/${id}/hangup`)).status).toBe(403);
      // malformed: both targets, neither, a wrong type
      for (const body of [{ agentId: who.agent2.agentId, number: '13912345678' }, {}, { agentId: 'two' }]) {
        expect((await agent1.request('POST', `/api/calls/${id}/consult`, body)).status).toBe(400);
      }
      const self = await agent1.request('POST', `/api/calls/${id}/consult`, { agentId: who.agent1.agentId });
      expect(message(self.body)).toBe('不能咨询自己 / You cannot consult yourself.');
      const busy = await agent1.request('POST', `/api/calls/${id}/consult`, { agentId: who.agent2.agentId });
      expect(busy.status).toBe(409);
      expect(message(busy.body)).toBe('该坐席不在空闲状态 / That agent is not available.');
      const nothing = await agent1.request('POST', `/api/calls/${id}/consult/complete`);
      expect(nothing.status).toBe(409);
      expect(message(nothing.body)).toBe('这通电话没有进行中的咨询 / There is no consultation on this call.');
      // the outside number still rings: no conference yet, no hold either
      expect(
        (await agent1.request('POST', `/api/calls/${id}/consult`, { number: '13912345678' })).status,
      ).toBe(200);
      const early = await agent1.request('POST', `/api/calls/${id}/conference`);
      expect(early.status).toBe(409);
      expect(message(early.body)).toBe(
        '对方还没有接听 / The person you are consulting has not answered yet.',
      );
      const hold = await agent1.request('POST', `/api/calls/${id}/hold`);
      expect(message(hold.body)).toBe('请先完成或取消咨询 / Complete or cancel the consultation first.');
      expect((await agent1.request('POST', `/api/calls/${id}/consult/cancel`)).status).toBe(200);
      await bridged(t.bridge, (c) => c.length === 2 && c.includes(t.channel), 'the owner back with agent1');
    } finally {
      await outside.stop();
    }
  });
});
