// After a call the agent is in wrap-up; closing the call with a disposition (and the ticket it concerned) ends
// the wrap-up at once, and the call record keeps both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { eventually } from '../support/env.ts';
import { closeDb, createAgent, createOwner, db, type TestOwner } from '../support/fixtures.ts';
import { ownerCall, startAgentPhone, type AgentPhone } from '../support/phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let owner: TestOwner;
let phone: AgentPhone;
let agent: AgentClient;
let colleague: AgentClient;

beforeAll(async () => {
  platform = await startTestPlatform({ HOTLINE_WRAP_UP_S: '120' });
  owner = await createOwner({ name: '吴芳', rooms: [{ roomCode: 'B4-0702' }] });
  phone = await startAgentPhone(2);
  agent = await AgentClient.signIn(platform.url, await createAgent({ seat: 2 }));
  colleague = await AgentClient.signIn(platform.url, await createAgent({ seat: null }));
});

afterAll(async () => {
  await agent?.close();
  await colleague?.close();
  await phone?.stop();
  await platform?.close();
  await closeDb();
});

describe('wrap-up', () => {
  it('ends with a disposition and the ticket of the call, and frees the agent at once', async () => {
    await agent.setState('available');
    const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 7_000 });
    const { pop } = await agent.nextPop();
    expect((await call).code).toBe(0);
    await eventually(async () => (await agent.status()).state === 'wrap-up', 'wrap-up after the call');

    const ticket = await agent.request('POST', '/api/tickets', {
      callId: pop.callId,
      type: 'complaint',
      complaintCategory: '物业管理',
      description: '楼道灯不亮已两周',
    });
    const ticketNumber = (ticket.body as { number: string }).number;

    const stranger = await colleague.request('POST', `/api/calls/${pop.callId}/wrap-up`, {
      disposition: 'resolved',
    });
    expect(stranger.status).toBe(403);
    const unknownTicket = await agent.request('POST', `/api/calls/${pop.callId}/wrap-up`, {
      disposition: 'ticket',
      ticketNumber: '99999999',
    });
    expect(unknownTicket.status).toBe(404);
    expect((unknownTicket.body as { message: string }).message).toBe('No ticket has the number 99999999.');
    const badCode = await agent.request('POST', `/api/calls/${pop.callId}/wrap-up`, {
      disposition: 'whatever',
    });
    expect(badCode.status).toBe(400);

    const done = await agent.request('POST', `/api/calls/${pop.callId}/wrap-up`, {
      disposition: 'ticket',
      ticketNumber,
      note: '已告知业主三天内维修',
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ disposition: 'ticket', ticketNumber, agentState: 'available' });
    expect((await agent.status()).state).toBe('available');

    const { rows } = await db().query<{ disposition: string; wrap_up_note: string; number: string }>(
      `SELECT c.disposition, c.wrap_up_note, t.number FROM calls c JOIN tickets t ON t.id = c.ticket_id
        WHERE c.id = $1`,
      [pop.callId],
    );
    expect(rows[0]).toEqual({
      disposition: 'ticket',
      wrap_up_note: '已告知业主三天内维修',
      number: ticketNumber,
    });
    const events = await db().query<{ kind: string }>(
      "SELECT kind FROM call_events WHERE call_id = $1 AND kind = 'wrapped-up'",
      [pop.callId],
    );
    expect(events.rowCount).toBe(1);
  });

  it('skips the wrap-up time when the agent wrapped the call up while still talking', async () => {
    await eventually(async () => (await agent.status()).state === 'available', 'the agent to be free');
    const before = agent.pops().length;
    const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 8_000 });
    await eventually(() => agent.pops().length > before, 'the next pop');
    const pop = agent.pops().at(-1)!;
    await eventually(async () => (await agent.status()).state === 'on-call', 'the agent to be on the call');
    const early = await agent.request('POST', `/api/calls/${pop.callId}/wrap-up`, {
      disposition: 'information',
    });
    expect(early.status).toBe(200);
    expect((early.body as { agentState: string }).agentState).toBe('on-call');
    expect((await call).code).toBe(0);
    await eventually(
      async () => (await agent.status()).state === 'available',
      'the agent to be free at once',
      5_000,
    );
  });
});
