// Bad input at the API and the socket gateway gets a clear answer in words a user understands.
import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { eventually } from '../support/env.ts';
import {
  closeDb,
  createAgent,
  createOwner,
  db,
  type TestAgent,
  type TestOwner,
} from '../support/fixtures.ts';
import { ownerCall } from '../support/phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import type { SupervisorOverview } from '../../core/index.ts';

let platform: TestPlatform;
let agent: TestAgent;
let signedIn: AgentClient;
let owner: TestOwner;
let anonymous: AgentClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  agent = await createAgent({ seat: 1 });
  signedIn = await AgentClient.signIn(platform.url, agent);
  anonymous = new AgentClient(platform.url);
  owner = await createOwner({ name: '赵敏', rooms: [{ roomCode: 'B1-0101' }] });
});

afterAll(async () => {
  await signedIn?.close();
  await platform?.close();
  await closeDb();
});

const message = (body: unknown) => (body as { message: string }).message;

describe('signing in', () => {
  it('says the login or the password is wrong, without telling which', async () => {
    const wrongPassword = await anonymous.request('POST', '/api/auth/login', {
      login: agent.login,
      password: 'nope',
    });
    const noSuchLogin = await anonymous.request('POST', '/api/auth/login', {
      login: 'nobody',
      password: 'nope',
    });
    expect(wrongPassword.status).toBe(401);
    expect(message(wrongPassword.body)).toBe('The login or the password is wrong.');
    expect(noSuchLogin).toEqual(wrongPassword);
  });

  it('says what is missing from a malformed request', async () => {
    const missing = await anonymous.request('POST', '/api/auth/login', { login: agent.login });
    expect(missing.status).toBe(400);
    expect(message(missing.body)).toContain("must have required property 'password'");
    const garbage = await anonymous.request('POST', '/api/auth/login', '{"login": ');
    expect(garbage.status).toBe(400);
    expect(message(garbage.body)).toMatch(/JSON/i);
  });

  it('stops guessing after five wrong passwords for a login', async () => {
    const victim = await createAgent({ seat: null });
    for (let i = 0; i < 5; i++) {
      await anonymous.request('POST', '/api/auth/login', { login: victim.login, password: `guess${i}` });
    }
    const locked = await anonymous.request('POST', '/api/auth/login', {
      login: victim.login,
      password: victim.password,
    });
    expect(locked.status).toBe(429);
    expect(message(locked.body)).toContain('wait five minutes');
  });
});

describe('every route and socket needs a session', () => {
  it('refuses requests without a valid token', async () => {
    expect((await anonymous.request('GET', '/api/me')).status).toBe(401);
    const forged = new AgentClient(platform.url);
    forged.token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.forged';
    const res = await forged.request('GET', '/api/me');
    expect(res.status).toBe(401);
    expect(message(res.body)).toContain('sign in again');
  });

  it('refuses a socket without a token', async () => {
    const socket = io(platform.url, { transports: ['websocket'], reconnection: false, auth: {} });
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    socket.disconnect();
    expect(error.message).toBe('unauthorized');
  });

  it('lets an agent see only the calls they handled', async () => {
    const callId = randomUUID();
    await db().query(
      "INSERT INTO calls (id, direction, caller_number, dialled_number) VALUES ($1, 'inbound', $2, '4008200000')",
      [callId, owner.phone],
    );
    const res = await signedIn.request('GET', `/api/calls/${callId}`);
    expect(res.status).toBe(403);
    expect((await signedIn.request('GET', '/api/calls/not-a-uuid')).status).toBe(400);
  });
});

describe('agent state', () => {
  it('stores every change with its time and reason', async () => {
    const agentId = (await signedIn.status()).agentId;
    await signedIn.setState('available');
    await signedIn.setState('not-ready', 'lunch');
    await signedIn.setState('offline');
    const rows = await eventually(async () => {
      const { rows } = await db().query<{ state: string; reason: string | null; at: Date }>(
        'SELECT state, reason, at FROM agent_state_changes WHERE agent_id = $1 ORDER BY at, id',
        [agentId],
      );
      return rows.length >= 3 ? rows : undefined;
    }, 'the state history');
    expect(rows.map((r) => [r.state, r.reason])).toEqual([
      ['available', null],
      ['not-ready', 'lunch'],
      ['offline', null],
    ]);
    expect(rows[0]!.at.getTime()).toBeLessThanOrEqual(rows[2]!.at.getTime());
  });

  it('refuses a state that does not exist', async () => {
    const res = await signedIn.request('PUT', '/api/agents/me/state', { state: 'sleeping' });
    expect(res.status).toBe(400);
    expect(message(res.body)).toContain('must be equal to one of the allowed values');
  });

  it('refuses a pause reason that does not exist, and names the ones there are', async () => {
    const res = await signedIn.request('PUT', '/api/agents/me/state', { state: 'not-ready', reason: 'nap' });
    expect(res.status).toBe(400);
    expect(message(res.body)).toBe(
      'There is no pause reason "nap"; choose one of: break, lunch, meeting, training, coaching, admin.',
    );
    expect((await signedIn.status()).state).not.toBe('not-ready');
  });

  it('does not let staff without a phone take calls', async () => {
    const leader = await AgentClient.signIn(
      platform.url,
      await createAgent({ seat: null, role: 'supervisor' }),
    );
    const res = await leader.request('PUT', '/api/agents/me/state', { state: 'available' });
    expect(res.status).toBe(400);
    expect(message(res.body)).toBe('You have no phone assigned, so you cannot take calls.');
    await leader.close();
  });
});

describe("the team leaders' overview", () => {
  it('shows every queue with its waiting calls and every agent with their state; agents may not see it', async () => {
    await signedIn.setState('not-ready', 'meeting');
    const leader = await AgentClient.signIn(
      platform.url,
      await createAgent({ seat: null, role: 'supervisor' }),
    );
    try {
      // a caller the fees line does not know waits in the general queue: nobody takes calls
      const stranger = `0217${String(Date.now()).slice(-7)}`;
      const call = ownerCall({ caller: stranger, digit: '0', stayMs: 9_000 });
      const overview = await eventually(async () => {
        const res = await leader.request('GET', '/api/supervisor/overview');
        expect(res.status).toBe(200);
        const body = res.body as SupervisorOverview;
        return body.queues.some((q) => q.name === 'general' && q.waiting > 0) ? body : undefined;
      }, 'the waiting call in the overview');
      expect(overview.queues.map((q) => q.name).sort()).toEqual(
        expect.arrayContaining(['complaints', 'emergency', 'fees', 'general', 'repairs']),
      );
      const general = overview.queues.find((q) => q.name === 'general')!;
      expect(general).toMatchObject({
        labelZh: '综合服务',
        labelEn: 'General',
        waiting: 1,
        agentsAvailable: 0,
      });
      expect(general.longestWaitS).toBeGreaterThanOrEqual(0);
      expect(overview.agents.find((a) => a.login === agent.login)).toMatchObject({
        state: 'not-ready',
        reason: 'meeting',
        queues: ['fees', 'general'],
        callId: null,
      });
      expect((await signedIn.request('GET', '/api/supervisor/overview')).status).toBe(403);

      // the leader sends the agent on a break, then signs them out; an agent may not change another's state
      const agentId = (await signedIn.status()).agentId;
      const onBreak = await leader.request('PUT', `/api/supervisor/agents/${agentId}/state`, {
        state: 'not-ready',
        reason: 'training',
      });
      expect(onBreak.status).toBe(200);
      expect(await signedIn.status()).toMatchObject({ state: 'not-ready', reason: 'training' });
      const bad = await leader.request('PUT', `/api/supervisor/agents/${agentId}/state`, {
        state: 'not-ready',
        reason: 'holiday',
      });
      expect(bad.status).toBe(400);
      expect(message(bad.body)).toContain('There is no pause reason "holiday"');
      expect(
        (await leader.request('PUT', '/api/supervisor/agents/999999/state', { state: 'offline' })).status,
      ).toBe(404);
      const self = (await leader.status()).agentId;
      expect(
        (await signedIn.request('PUT', `/api/supervisor/agents/${self}/state`, { state: 'offline' })).status,
      ).toBe(403);
      expect((await anonymous.request('GET', '/api/supervisor/overview')).status).toBe(401);
      expect((await call).code).toBe(0);
    } finally {
      await leader.close();
    }
  });
});

describe('tickets', () => {
  it('creates a ticket for an owner and refuses a unit that is not theirs or an unknown call', async () => {
    const ok = await signedIn.request('POST', '/api/tickets', {
      ownerId: owner.ownerId,
      unitId: owner.units[0]!.unitId,
      type: 'inquiry',
      description: '咨询停车位租赁',
    });
    expect(ok.status).toBe(201);
    expect((ok.body as { number: string }).number).toMatch(/^\d{8}$/);

    const other = await createOwner({ name: '孙丽', rooms: [{ roomCode: 'B1-0102' }] });
    const wrongUnit = await signedIn.request('POST', '/api/tickets', {
      ownerId: owner.ownerId,
      unitId: other.units[0]!.unitId,
      type: 'repair',
      repairKind: 'other',
      description: '门锁坏了',
    });
    expect(wrongUnit.status).toBe(400);
    expect(message(wrongUnit.body)).toBe('That unit does not belong to the owner.');

    const unknownCall = await signedIn.request('POST', '/api/tickets', {
      callId: randomUUID(),
      type: 'repair',
      repairKind: 'other',
      description: '门锁坏了',
    });
    expect(unknownCall.status).toBe(404);

    const blank = await signedIn.request('POST', '/api/tickets', { type: 'repair', description: '   ' });
    expect(blank.status).toBe(400);
    expect(message(blank.body)).toBe('Please describe what the owner reported.');

    const badType = await signedIn.request('POST', '/api/tickets', { type: 'wish', description: 'x' });
    expect(badType.status).toBe(400);
  });

  it('files a repair with its kind and urgency: water, power and gas are urgent unless the agent says not', async () => {
    const file = (body: Record<string, unknown>) =>
      signedIn.request('POST', '/api/tickets', { ownerId: owner.ownerId, description: '报修', ...body });
    const stored = async (res: { body: unknown }) =>
      (
        await db().query<{ category: string | null; urgent: boolean }>(
          'SELECT category, urgent FROM tickets WHERE id = $1',
          [(res.body as { id: number }).id],
        )
      ).rows[0];
    expect(await stored(await file({ type: 'repair', repairKind: 'water' }))).toEqual({
      category: 'water',
      urgent: true,
    });
    expect(await stored(await file({ type: 'repair', repairKind: 'power', urgent: false }))).toEqual({
      category: 'power',
      urgent: false,
    });
    expect(await stored(await file({ type: 'repair', repairKind: 'structure' }))).toEqual({
      category: 'structure',
      urgent: false,
    });
    const noKind = await file({ type: 'repair' });
    expect(noKind.status).toBe(400);
    expect(message(noKind.body)).toBe(
      '请选择报修类别(水、电、燃气、房屋结构、其他) / Say what the repair is about: water, power, gas, structure or other.',
    );
    const kindOnComplaint = await file({ type: 'complaint', repairKind: 'water' });
    expect(kindOnComplaint.status).toBe(400);
    expect(message(kindOnComplaint.body)).toBe(
      '只有报修工单有报修类别和紧急程度 / Only a repair has a kind and an urgency.',
    );
    expect((await file({ type: 'repair', repairKind: 'lift' })).status).toBe(400);
  });
});

describe('health', () => {
  it('reports ready when the database, Redis and Asterisk answer', async () => {
    const res = await anonymous.request('GET', '/readyz');
    expect(res).toEqual({
      status: 200,
      body: { ready: true, database: true, redis: true, asterisk: true, problems: [] },
    });
  });
});
