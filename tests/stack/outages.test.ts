// PostgreSQL or Redis restarting while the platform runs: callers still reach agents, and nothing is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { eventually } from '../support/env.ts';
import { closeDb, createAgent, createOwner, db, type TestOwner } from '../support/fixtures.ts';
import { ownerCall, startAgentPhone, type AgentPhone } from '../support/phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { stack } from '../support/stack-control.ts';

let platform: TestPlatform;
let owner: TestOwner;
let phone: AgentPhone;
let agent: AgentClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  owner = await createOwner({ name: '周杰', rooms: [{ roomCode: 'B6-1101' }] });
  phone = await startAgentPhone(3);
  agent = await AgentClient.signIn(platform.url, await createAgent({ seat: 3 }));
  await agent.setState('available');
});

afterAll(async () => {
  stack('pg-start');
  stack('redis-start');
  await agent?.close();
  await phone?.stop();
  await platform?.close();
  await closeDb();
});

describe('while PostgreSQL restarts', () => {
  it('puts the caller through as an unknown caller and writes the call record once the database is back', async () => {
    stack('pg-stop');
    let callId: string;
    try {
      const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 8_000 });
      const { pop } = await agent.nextPop();
      callId = pop.callId;
      expect(pop.owner).toBeNull(); // the owner could not be looked up
      expect(pop.callerNumber).toBe(owner.phone);
      await eventually(async () => (await agent.status()).state === 'on-call', 'the agent to take the call');
      expect((await call).code).toBe(0);
    } finally {
      stack('pg-start');
    }

    const record = await eventually(
      async () => {
        const { rows } = await db().query<{ outcome: string; agent_id: number; kinds: string[] }>(
          `SELECT c.outcome, c.agent_id, array_agg(e.kind ORDER BY e.at, e.id) AS kinds
             FROM calls c JOIN call_events e ON e.call_id = c.id
            WHERE c.id = $1 AND c.ended_at IS NOT NULL GROUP BY c.id`,
          [callId],
        );
        return rows[0];
      },
      'the call record to be written after the outage',
      20_000,
    );
    expect(record.outcome).toBe('answered');
    expect(record.kinds).toEqual([
      'arrived',
      'ivr-answered',
      'identified',
      'queued',
      'offered',
      'agent-answered',
      'ended',
    ]);

    // and the next caller is recognised again
    await eventually(async () => (await agent.status()).state === 'available', 'the agent to be free');
    const next = ownerCall({ caller: owner.phone, digit: '0', stayMs: 8_000 });
    const { pop } = await agent.nextPop((p) => p.callId !== callId);
    expect(pop.owner?.name).toBe('周杰');
    expect((await next).code).toBe(0);
  });
});

describe('while PostgreSQL hangs (no answer, connections open)', () => {
  it('puts the caller through without waiting for it, and writes the call record once it answers', async () => {
    await eventually(async () => (await agent.status()).state === 'available', 'the agent to be free');
    const before = new Set(agent.pops().map((p) => p.callId));
    stack('pg-pause');
    let callId: string;
    try {
      const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 8_000 });
      // the owner lookup is given up: the fees line sends a caller it cannot identify to an agent, who is
      // offered the call while the database still hangs
      const { pop } = await agent.nextPop((p) => !before.has(p.callId));
      callId = pop.callId;
      expect(pop.owner).toBeNull();
      expect(pop.callerNumber).toBe(owner.phone);
      expect((await call).code).toBe(0);
    } finally {
      stack('pg-resume');
    }

    const record = await eventually(
      async () => {
        const { rows } = await db().query<{ outcome: string; kinds: string[] }>(
          `SELECT c.outcome, array_agg(e.kind ORDER BY e.at, e.id) AS kinds
             FROM calls c JOIN call_events e ON e.call_id = c.id
            WHERE c.id = $1 AND c.ended_at IS NOT NULL GROUP BY c.id`,
          [callId],
        );
        return rows[0];
      },
      'the call record to be written after the database answers again',
      40_000,
    );
    expect(record.outcome).toBe('answered');
    expect(record.kinds).toEqual([
      'arrived',
      'ivr-answered',
      'identified',
      'queued',
      'offered',
      'agent-answered',
      'ended',
    ]);
  });
});

describe('while Redis restarts', () => {
  it("keeps the agents' states and offers the next call", async () => {
    await eventually(async () => (await agent.status()).state === 'available', 'the agent to be free');
    const before = agent.pops().length;
    stack('redis-stop');
    stack('redis-start');
    expect((await agent.status()).state).toBe('available');
    const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 8_000 });
    await eventually(() => agent.pops().length > before, 'a pop after Redis came back', 30_000);
    await eventually(async () => (await agent.status()).state === 'on-call', 'the agent to take the call');
    expect((await call).code).toBe(0);
  });
});
