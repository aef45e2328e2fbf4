// An owner's call on the real stack: Asterisk answers, the IVR identifies the owner, reads the fees or puts
// the call through to an agent whose page pops before the phone rings.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { AriObserver } from '../support/ari-observer.ts';
import { eventually } from '../support/env.ts';
import {
  closeDb,
  createAgent,
  createOwner,
  testPhone,
  type TestOwner,
  ZHANG_WEI_B3_1502,
} from '../support/fixtures.ts';
import { ownerCall, startAgentPhone, type AgentPhone } from '../support/phones.ts';
import { SipCapture } from '../support/sip-capture.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let observer: AriObserver;
let sip: SipCapture;
let owner: TestOwner;
const cleanups: (() => Promise<void>)[] = [];

async function phone(seat: number, opts?: Parameters<typeof startAgentPhone>[1]): Promise<AgentPhone> {
  const p = await startAgentPhone(seat, opts);
  cleanups.push(() => p.stop());
  return p;
}

async function agentAt(seat: number | null, name?: string): Promise<AgentClient> {
  const agent = await createAgent({ seat, name });
  const client = await AgentClient.signIn(platform.url, agent);
  cleanups.push(() => client.close());
  return client;
}

beforeAll(async () => {
  platform = await startTestPlatform();
  observer = await AriObserver.connect();
  sip = await SipCapture.start();
  owner = await createOwner(ZHANG_WEI_B3_1502);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await observer?.close();
  sip?.stop();
  await platform?.close();
  await closeDb();
});

describe('an owner calls the hotline', () => {
  it('hears the arrears of unit B3-1502 after pressing 1', async () => {
    const mark = observer.mark();
    const call = ownerCall({ caller: owner.phone, digit: '1', stayMs: 22_000 });
    const channel = await observer.callerChannel(owner.phone, mark);
    expect((await call).code).toBe(0);
    const heard = observer.heardPrompts(channel).join(' ');
    // 您的房屋 三号楼 一五零二室 欠费金额 一千二百三十四元五角 缴费截止日期 二零二六年十月三十一日
    expect(heard).toContain('fees-unit digit-3 building digit-1 digit-5 digit-0 digit-2 room');
    expect(heard).toContain(
      'fees-owed digit-1 thousand digit-2 hundred digit-3 ten digit-4 yuan digit-5 jiao ' +
        'fees-due digit-2 digit-0 digit-2 digit-6 year ten month digit-3 ten digit-1 day',
    );
    // then the menu again
    expect(heard.split('fees-due')[1]).toContain('menu-main');
  });

  it("pops the owner on the agent's page before the agent's phone rings, bridges, and keeps the timeline", async () => {
    const desk = await phone(1);
    const agent = await agentAt(1, '客服小王');
    await agent.setState('available');

    const mark = observer.mark();
    const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 9_000 });
    const { pop, at: poppedAt } = await agent.nextPop();
    expect(pop.owner?.name).toBe('张伟');
    expect(pop.owner?.units.map((u) => u.roomCode)).toEqual(['B3-1502']);
    expect(pop.arrearsTotalFen).toBe(123450);
    expect(pop.arrears.map((a) => [a.kind, a.amountFen, a.dueDate])).toEqual([
      ['property', 100000, '2026-10-31'],
      ['water', 23450, '2026-11-15'],
    ]);
    // the path says how the caller was identified, then what they pressed
    expect(pop.ivrPath).toEqual(['identified:caller-id', 'menu:0']);
    expect(pop.callerNumber).toBe(owner.phone);

    const rangAt = await sip.inviteFor(desk.seat, pop.callId);
    expect(poppedAt).toBeLessThan(rangAt);

    // bridged: the agent's leg and the caller's leg enter one bridge
    const callerChannel = await observer.callerChannel(owner.phone, mark);
    const entered = await observer.waitFor(
      (e) => e.type === 'ChannelEnteredBridge' && e.channel?.id === callerChannel,
      15_000,
      'the caller to be bridged',
    );
    const bridgeId = (entered.bridge as { id: string }).id;
    await observer.waitFor(
      (e) =>
        e.type === 'ChannelEnteredBridge' &&
        (e.bridge as { id: string }).id === bridgeId &&
        e.channel?.name.startsWith('PJSIP/agent1') === true,
      15_000,
      "the agent's leg to be bridged",
    );
    await eventually(async () => (await agent.status()).state === 'on-call', 'the agent to be on the call');
    expect((await call).code).toBe(0);

    const record = await eventually(async () => {
      const res = await agent.request('GET', `/api/calls/${pop.callId}`);
      const body = res.body as { endedAt: string | null };
      return res.status === 200 && body.endedAt ? (res.body as CallRecordBody) : undefined;
    }, 'the finished call record');
    expect(record.timeline.map((e) => e.kind)).toEqual([
      'arrived',
      'ivr-answered',
      'identified',
      'menu',
      'queued',
      'offered',
      'agent-answered',
      'ended',
    ]);
    expect(record.hangupBy).toBe('caller');
    expect(record.hangupCause).toBe('normal clearing');
    expect(record.outcome).toBe('answered');
    expect(record.agentId).toBe((await agent.status()).agentId);

    // the conversation was recorded, and the agent can play it from any point (Range requests)
    const recording = await eventually(async () => {
      const res = await fetch(`${platform.url}/api/calls/${pop.callId}/recording`, {
        headers: { authorization: `Bearer ${agent.token}` },
      });
      return res.status === 200 ? res : undefined;
    }, 'the recording');
    expect(recording.headers.get('content-type')).toBe('audio/wav');
    const wav = Buffer.from(await recording.arrayBuffer());
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.length).toBeGreaterThan(8000); // more than half a second of 8 kHz 16-bit audio
    const part = await fetch(`${platform.url}/api/calls/${pop.callId}/recording`, {
      headers: { authorization: `Bearer ${agent.token}`, range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
  });

  it('puts an unknown number and a withheld number through to an agent as "unknown caller"', async () => {
    await phone(2);
    const agent = await agentAt(2);
    await agent.setState('available');
    const stranger = testPhone();

    expect((await ownerCall({ caller: stranger, digit: '5', stayMs: 7_000 })).code).toBe(0);
    const first = await agent.nextPop((p) => p.callerNumber === stranger);
    expect(first.pop.owner).toBeNull();
    expect(first.pop.ivrPath).toEqual(['unknown-caller']);

    await eventually(async () => (await agent.status()).state === 'available', 'the agent to be free again');
    expect((await ownerCall({ caller: 'anonymous', digit: '5', stayMs: 7_000 })).code).toBe(0);
    const second = await agent.nextPop((p) => p.callerNumber === null);
    expect(second.pop.owner).toBeNull();
    expect(second.pop.arrears).toEqual([]);
  });

  it('moves the call to the next agent when the first does not answer, and makes the first not ready', async () => {
    await phone(3, { answers: false });
    const second = await phone(4);
    const sleepy = await agentAt(3);
    await sleepy.setState('available'); // longest idle: offered first
    const awake = await agentAt(4);
    await awake.setState('available');

    const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 16_000 });
    const firstOffer = await sleepy.nextPop();
    const secondOffer = await awake.nextPop((p) => p.callId === firstOffer.pop.callId, 20_000);
    await sip.inviteFor(second.seat, secondOffer.pop.callId);
    const status = await sleepy.status();
    expect(status.state).toBe('not-ready');
    expect(status.reason).toBe('no-answer');
    await eventually(
      async () => (await awake.status()).state === 'on-call',
      'the second agent to be on the call',
    );
    expect((await call).code).toBe(0);
  });

  it('tells waiting callers where they stand while no agent is free, then connects the first to come', async () => {
    await phone(5);
    const agent = await agentAt(5);
    const mark = observer.mark();
    const first = ownerCall({ caller: owner.phone, digit: '0', stayMs: 20_000 });
    const firstChannel = await observer.callerChannel(owner.phone, mark);
    await eventually(
      () => observer.heardPrompts(firstChannel).includes('queue-next'),
      'the first caller to hear they are next',
    );
    // a caller the hotline does not know goes straight to the same queue, behind the first
    const stranger = `0216${String(Date.now()).slice(-7)}`;
    const second = ownerCall({ caller: stranger, digit: '0', stayMs: 12_000 });
    const secondChannel = await observer.callerChannel(stranger, mark);
    await eventually(
      () => observer.heardPrompts(secondChannel).includes('queue-one-ahead'),
      'the second caller to hear that one caller is ahead',
    );
    expect(agent.pops()).toEqual([]);
    const wentAvailable = Date.now();
    await agent.setState('available');
    const { pop } = await agent.nextPop();
    expect(pop.callerNumber).toBe(owner.phone);
    expect(pop.waitedMs).toBeGreaterThan(3000);
    await eventually(async () => (await agent.status()).state === 'on-call', 'the agent to be on the call');
    expect(Date.now() - wentAvailable).toBeLessThan(5000);
    expect((await first).code).toBe(0);
    expect((await second).code).toBe(0);
  });

  it('passes over an agent whose phone is unreachable without dropping the caller', async () => {
    // seat 6 has no phone running: Asterisk's qualify marks it unreachable and cannot ring it
    const unreachable = await agentAt(6);
    await unreachable.setState('available');
    const desk = await phone(7);
    const agent = await agentAt(7);
    await agent.setState('available');

    const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 10_000 });
    const { pop } = await agent.nextPop();
    await sip.inviteFor(desk.seat, pop.callId);
    const status = await unreachable.status();
    expect(status.state).toBe('not-ready');
    expect(status.reason).toBe('phone-unreachable');
    await eventually(
      async () => (await agent.status()).state === 'on-call',
      'the reachable agent to take the call',
    );
    expect((await call).code).toBe(0);
  });

  it('tells a caller who presses a key that is not on the menu, and offers the menu again', async () => {
    const mark = observer.mark();
    const call = ownerCall({ caller: owner.phone, digit: '7', stayMs: 9_000 });
    const channel = await observer.callerChannel(owner.phone, mark);
    expect((await call).code).toBe(0);
    const heard = observer.heardPrompts(channel).join(' ');
    expect(heard).toContain('invalid-key menu-main');
  });
});

interface CallRecordBody {
  endedAt: string;
  hangupBy: string;
  hangupCause: string;
  outcome: string;
  agentId: number;
  timeline: { kind: string }[];
}
