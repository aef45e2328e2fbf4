// The ACD's choices on the real Redis: which waiting call an agent gets when several wait in the queues they
// take, and which agent a call gets. The phones are not rung here (the offer handler records the offers); the
// calls from sipp through the IVR to the agent's phone are in inbound-call.test.ts.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/index.ts';
import { Acd, NODE_TTL_MS, Notifier, QueueSettingsBook, type QueueEntry } from '../../cti/index.ts';
import { eventually, stackConfig } from '../support/env.ts';
import { closeDb, db } from '../support/fixtures.ts';
import { resetAcd } from '../support/platform.ts';

const FIRST = 800_000 + Math.floor(Math.random() * 50_000);
let redis: Redis;
let acd: Acd;
const offers: { callId: string; agentId: number }[] = [];

beforeAll(async () => {
  await resetAcd();
  redis = new Redis(stackConfig().redisUrl);
  const log = createLogger('silent');
  acd = new Acd({
    redis,
    notifier: new Notifier(redis),
    log,
    settings: { wrapUpS: 0, popSeenTimeoutMs: 0 },
    queues: new QueueSettingsBook(db(), log),
  });
  acd.onOffer((entry, agent) => {
    offers.push({ callId: entry.callId, agentId: agent.agentId });
    return Promise.resolve('ringing');
  });
});

afterAll(async () => {
  await resetAcd();
  redis.disconnect();
  await closeDb();
});

async function signIn(agentId: number, skills: Record<string, number>, idleSince: Date): Promise<void> {
  await acd.states.register(
    {
      agentId,
      login: `acd${agentId}`,
      name: `客服${agentId}`,
      agentNumber: '01',
      role: 'agent',
      endpoint: `PJSIP/agent${agentId}`,
      skills,
    },
    await new QueueSettingsBook(db(), createLogger('silent')).minLevels(),
  );
  await acd.states.transition(agentId, { to: 'available', from: ['offline'] }, idleSince);
}

function entry(callId: string, queue: string, priority: number, enqueuedAt: Date): QueueEntry {
  return { callId, queue, priority, enqueuedAt, pop: {} as QueueEntry['pop'] };
}

/** The offers made once there are `n`, or after `waitMs` (a dispatch round takes a few milliseconds). */
async function offersSettled(n: number, waitMs = 2000): Promise<{ callId: string; agentId: number }[]> {
  for (let i = 0; i < waitMs / 10 && offers.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  return offers.splice(0);
}

describe('the ACD', () => {
  it('gives a free agent the most urgent call of their queues: emergency, then VIP, then the longest wait', async () => {
    const t = Date.now() - 60_000;
    // calls wait before anybody is free; the agent takes fees, complaints and emergency
    await acd.enqueue(entry(`fees-old-${FIRST}`, 'fees', 0, new Date(t)));
    await acd.enqueue(entry(`complaint-${FIRST}`, 'complaints', 0, new Date(t + 1000)));
    await acd.enqueue(entry(`vip-fees-${FIRST}`, 'fees', 5, new Date(t + 2000)));
    await acd.enqueue(entry(`emergency-${FIRST}`, 'emergency', 9, new Date(t + 3000)));
    await acd.enqueue(entry(`repairs-${FIRST}`, 'repairs', 9, new Date(t)));
    expect(await offersSettled(1, 300)).toEqual([]);

    const agentId = FIRST;
    await signIn(agentId, { fees: 5, complaints: 5, emergency: 5 }, new Date());
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      acd.dispatch();
      const [offer] = await offersSettled(1);
      expect(offer?.agentId).toBe(agentId);
      order.push(offer!.callId);
      await acd.legAnswered(offer!.callId, agentId);
      await acd.callEnded(offer!.callId, agentId, 'caller', 'normal clearing');
    }
    expect(order).toEqual([
      `emergency-${FIRST}`,
      `vip-fees-${FIRST}`,
      `fees-old-${FIRST}`,
      `complaint-${FIRST}`,
    ]);
    // nobody takes repairs: that call still waits, however urgent
    acd.dispatch();
    expect(await offersSettled(1, 300)).toEqual([]);
    await acd.dequeue(`repairs-${FIRST}`);
    await acd.states.transition(agentId, { to: 'offline', from: ['available'] });
  });

  it('gives a call to the longest-idle agent who takes its queue at its level', async () => {
    const now = Date.now();
    const [longIdleNovice, idleExpert, justFree] = [FIRST + 1, FIRST + 2, FIRST + 3];
    // complaints need level 3 (db/migrations/008)
    await signIn(longIdleNovice, { complaints: 2, general: 5 }, new Date(now - 300_000));
    await signIn(idleExpert, { complaints: 6 }, new Date(now - 120_000));
    await signIn(justFree, { complaints: 9 }, new Date(now));
    await acd.enqueue(entry(`complaint-a-${FIRST}`, 'complaints', 0, new Date()));
    expect(await offersSettled(1)).toEqual([{ callId: `complaint-a-${FIRST}`, agentId: idleExpert }]);
    await acd.enqueue(entry(`complaint-b-${FIRST}`, 'complaints', 0, new Date()));
    expect(await offersSettled(1)).toEqual([{ callId: `complaint-b-${FIRST}`, agentId: justFree }]);
    await acd.enqueue(entry(`general-${FIRST}`, 'general', 0, new Date()));
    expect(await offersSettled(1)).toEqual([{ callId: `general-${FIRST}`, agentId: longIdleNovice }]);
  });

  it("tells a waiting call how many are ahead and estimates the wait from the queue's handle times", async () => {
    const agentId = FIRST + 10;
    await signIn(agentId, { repairs: 5 }, new Date());
    // one call handled for about a second sets the queue's handle time
    await acd.enqueue(entry(`repair-1-${FIRST}`, 'repairs', 0, new Date()));
    expect(await offersSettled(1)).toEqual([{ callId: `repair-1-${FIRST}`, agentId }]);
    await acd.legAnswered(`repair-1-${FIRST}`, agentId);
    await new Promise((r) => setTimeout(r, 1000));
    await acd.callEnded(`repair-1-${FIRST}`, agentId, 'caller', 'normal clearing');
    // the agent talks on the next call while two more wait
    await acd.enqueue(entry(`repair-2-${FIRST}`, 'repairs', 0, new Date()));
    expect(await offersSettled(1)).toEqual([{ callId: `repair-2-${FIRST}`, agentId }]);
    await acd.legAnswered(`repair-2-${FIRST}`, agentId);
    const t = Date.now();
    await acd.enqueue(entry(`repair-3-${FIRST}`, 'repairs', 0, new Date(t)));
    await acd.enqueue(entry(`repair-4-${FIRST}`, 'repairs', 0, new Date(t + 1)));
    // the handle time is whole seconds: 1, or more on a slow machine; each call ahead adds one
    const third = await acd.queueStatus(`repair-3-${FIRST}`);
    expect(third?.ahead).toBe(0);
    expect(third?.waitS).toBeGreaterThanOrEqual(1);
    expect(await acd.queueStatus(`repair-4-${FIRST}`)).toEqual({ ahead: 1, waitS: 2 * third!.waitS! });
    expect(await acd.queueStatus(`repair-2-${FIRST}`)).toBeNull(); // answered: not waiting any more
    // nobody at work on the queue: no estimate, only the place
    await acd.callEnded(`repair-2-${FIRST}`, agentId, 'caller', 'normal clearing');
    await acd.states.transition(agentId, { to: 'offline', from: ['available'] });
    expect(await acd.queueStatus(`repair-4-${FIRST}`)).toEqual({ ahead: 1, waitS: null });
    await acd.dequeue(`repair-3-${FIRST}`);
    await acd.dequeue(`repair-4-${FIRST}`);
  });

  it('releases what a controller that stopped left: its calls leave the queues, its agents are freed', async () => {
    const log = createLogger('silent');
    const other = new Acd({
      redis,
      notifier: new Notifier(redis),
      log,
      settings: { wrapUpS: 0, popSeenTimeoutMs: 0 },
      queues: new QueueSettingsBook(db(), log),
    });
    other.onOffer(() => Promise.resolve('ringing'));
    await other.tick(); // the other controller is alive
    const [ringing, talking] = [FIRST + 20, FIRST + 21];
    const t = Date.now() - 10_000;
    await signIn(talking, { fees: 5 }, new Date(t));
    await other.enqueue(entry(`lost-talk-${FIRST}`, 'fees', 0, new Date(t)));
    await eventually(
      async () => (await other.states.get(talking)).state === 'ringing',
      'the first reservation',
    );
    await other.legAnswered(`lost-talk-${FIRST}`, talking);
    await signIn(ringing, { fees: 5 }, new Date(t));
    await other.enqueue(entry(`lost-ring-${FIRST}`, 'fees', 0, new Date(t + 1)));
    await eventually(
      async () => (await other.states.get(ringing)).state === 'ringing',
      'the second reservation',
    );
    await other.enqueue(entry(`lost-wait-${FIRST}`, 'fees', 0, new Date(t + 2)));
    // one of ours waits behind the other controller's waiting call
    await acd.enqueue(entry(`ours-${FIRST}`, 'fees', 0, new Date(t + 3)));
    expect((await acd.queueStatus(`ours-${FIRST}`))?.ahead).toBe(1);

    // the other controller stops (no more heartbeats); once its heartbeat is gone we release what it left
    await acd.tick();
    expect((await acd.states.get(talking)).state).toBe('on-call');
    await new Promise((r) => setTimeout(r, NODE_TTL_MS + 200));
    await acd.tick();
    expect(await acd.states.get(talking)).toMatchObject({ state: 'not-ready', reason: 'call-lost' });
    expect((await acd.queueStatus(`ours-${FIRST}`))?.ahead).toBe(0);
    acd.dispatch();
    expect(await offersSettled(1)).toEqual([{ callId: `ours-${FIRST}`, agentId: ringing }]);
  }, 20_000);
});
