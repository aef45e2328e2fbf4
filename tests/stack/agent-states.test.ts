// Agent states in the real Redis: reserving is atomic across processes, and illegal changes are refused.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStates } from '../../cti/agent-states.ts';
import { stackConfig } from '../support/env.ts';
import { resetAcd } from '../support/platform.ts';

const redis: Redis[] = [];
let states: AgentStates[];
const FIRST = 900_000 + Math.floor(Math.random() * 50_000);
const AGENTS = Array.from({ length: 10 }, (_, i) => FIRST + i);

beforeAll(async () => {
  await resetAcd();
  // four connections, as four controller processes would have
  for (let i = 0; i < 4; i++) redis.push(new Redis(stackConfig().redisUrl));
  states = redis.map((r) => new AgentStates(r));
  for (const agentId of AGENTS) {
    await states[0]!.register(
      {
        agentId,
        login: `bench${agentId}`,
        name: `客服${agentId}`,
        agentNumber: '01',
        role: 'agent',
        endpoint: `PJSIP/agent1`,
        skills: { general: 5 },
      },
      new Map(),
    );
  }
});

afterAll(async () => {
  for (const agentId of AGENTS) {
    await states[0]!
      .transition(agentId, { to: 'offline', from: ['available', 'ringing', 'not-ready'] })
      .catch(() => 0);
    await redis[0]!.del(`hotline:agent:${agentId}`);
  }
  for (const r of redis) r.disconnect();
});

describe('reserving agents', () => {
  it('never gives one agent to two calls, however many controllers ask at once', async () => {
    for (const agentId of AGENTS) {
      await states[0]!.transition(agentId, { to: 'available', from: ['offline', 'not-ready'] });
    }
    const calls = Array.from({ length: 60 }, (_, i) => `call-${FIRST}-${i}`);
    const picks = await Promise.all(calls.map((callId, i) => states[i % 4]!.reserve('general', callId)));
    const ours = picks.filter((id): id is number => id !== null && AGENTS.includes(id));
    expect(ours.sort()).toEqual([...AGENTS].sort());
    for (const agentId of AGENTS) expect((await states[0]!.get(agentId)).state).toBe('ringing');
  });

  it('gives the call to the agent who has been idle longest', async () => {
    for (const agentId of AGENTS) {
      await states[0]!.transition(agentId, { to: 'not-ready', from: ['ringing', 'available'] });
    }
    const [a, b] = [AGENTS[3]!, AGENTS[7]!];
    await states[0]!.transition(b, { to: 'available', from: ['not-ready'] }, new Date(Date.now() - 60_000));
    await states[0]!.transition(a, { to: 'available', from: ['not-ready'] });
    expect(await states[1]!.reserve('general', `call-${FIRST}-x`)).toBe(b);
    expect(await states[2]!.reserve('general', `call-${FIRST}-y`)).toBe(a);
  });

  it('refuses a change the agent cannot make now, and says why', async () => {
    const agentId = AGENTS[0]!;
    await states[0]!.transition(agentId, { to: 'on-call', from: ['ringing', 'not-ready'] });
    await expect(
      states[0]!.transition(agentId, {
        to: 'available',
        from: ['offline', 'available', 'not-ready', 'wrap-up'],
      }),
    ).rejects.toThrow('The state cannot be changed now: you are on a call.');
  });
});

describe('skills and levels', () => {
  const MIN_LEVELS = new Map([['complaints', 3]]);
  const profile = (agentId: number, skills: Record<string, number>) => ({
    agentId,
    login: `bench${agentId}`,
    name: `客服${agentId}`,
    agentNumber: '01',
    role: 'agent' as const,
    endpoint: null,
    skills,
  });

  it("offers a queue's calls only to agents with its skill at the queue's minimum level", async () => {
    for (const agentId of AGENTS) {
      await states[0]!.transition(agentId, {
        to: 'not-ready',
        from: ['ringing', 'available', 'on-call', 'not-ready'],
      });
    }
    const [novice, expert, feesOnly] = [AGENTS[1]!, AGENTS[2]!, AGENTS[5]!];
    await states[0]!.register(profile(novice, { complaints: 2, general: 5 }), MIN_LEVELS);
    await states[0]!.register(profile(expert, { complaints: 7 }), MIN_LEVELS);
    await states[0]!.register(profile(feesOnly, { fees: 9 }), MIN_LEVELS);
    // the novice has waited longest, but is below the complaints queue's level 3
    const longAgo = new Date(Date.now() - 120_000);
    await states[0]!.transition(novice, { to: 'available', from: ['not-ready'] }, longAgo);
    await states[0]!.transition(feesOnly, { to: 'available', from: ['not-ready'] }, longAgo);
    await states[0]!.transition(expert, { to: 'available', from: ['not-ready'] });
    expect(await states[1]!.reserve('complaints', `call-${FIRST}-c1`)).toBe(expert);
    expect(await states[1]!.reserve('complaints', `call-${FIRST}-c2`)).toBeNull();
    expect(await states[1]!.reserve('general', `call-${FIRST}-g1`)).toBe(novice);
    expect(await states[1]!.reserve('repairs', `call-${FIRST}-r1`)).toBeNull();
    expect(await states[1]!.reserve('fees', `call-${FIRST}-f1`)).toBe(feesOnly);
    expect((await states[0]!.get(expert)).queue).toBe('complaints');
  });

  it('takes new skills at the next sign-in, also while the agent is available', async () => {
    const agentId = AGENTS[8]!;
    await states[0]!.register(profile(agentId, { general: 5 }), MIN_LEVELS);
    await states[0]!.transition(agentId, { to: 'available', from: ['offline', 'not-ready', 'available'] });
    expect(await states[0]!.reserve('repairs', `call-${FIRST}-r2`)).toBeNull();
    await states[0]!.register(profile(agentId, { repairs: 4 }), MIN_LEVELS);
    expect(await states[0]!.reserve('general', `call-${FIRST}-g2`)).toBeNull();
    expect(await states[0]!.reserve('repairs', `call-${FIRST}-r3`)).toBe(agentId);
  });
});
