// A ticket's life through the API on the real database (issue 5): an agent files a complaint from the desk and
// verifies and dispatches it; the team leader agrees the plan, has it worked on and resolved; an unsatisfied
// revisit sends it back to the same department; what is not allowed now, or not the caller's to do, is refused
// with a message in Chinese and English naming what may be done; two people acting at once are put in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import {
  closeDb,
  createAgent,
  createOrganisation,
  createOwner,
  db,
  type TestOrganisation,
  type TestOwner,
} from '../support/fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let agent: AgentClient;
let leader: AgentClient;
let owner: TestOwner;
let company: TestOrganisation;
/** Department codes. */
let engineering: string;
let serviceCentre: string;

interface View {
  id: number;
  ticket: { status: string; department: string | null; plan: string | null; reopenCount: number };
  allowed: string[];
  timeline: { kind: string; by: { role: string; name: string | null }; from: string | null; to: string }[];
}

beforeAll(async () => {
  platform = await startTestPlatform();
  agent = await AgentClient.signIn(platform.url, await createAgent({ seat: null }));
  leader = await AgentClient.signIn(platform.url, await createAgent({ seat: null, role: 'supervisor' }));
  company = await createOrganisation({ kind: 'property-company', departments: ['工程部', '物业服务中心'] });
  engineering = company.departments['工程部']!;
  serviceCentre = company.departments['物业服务中心']!;
  owner = await createOwner({
    name: '孙丽',
    rooms: [{ roomCode: 'T5-0808' }],
    propertyCompanyId: company.id,
  });
}, 60_000);

afterAll(async () => {
  await agent?.close();
  await leader?.close();
  await platform?.close();
  await closeDb();
});

async function fileComplaint(): Promise<number> {
  const filed = await agent.request('POST', '/api/tickets', {
    ownerId: owner.ownerId,
    type: 'complaint',
    complaintCategory: '工程质量',
    description: '楼上漏水,天花板发霉',
  });
  expect(filed.status).toBe(201);
  return (filed.body as { id: number }).id;
}

async function act(by: AgentClient, id: number, action: Record<string, unknown>) {
  const res = await by.request('POST', `/api/tickets/${id}/actions`, action);
  return { status: res.status, view: res.body as View, message: (res.body as { message?: string }).message };
}

describe('a ticket’s life', () => {
  it('goes from registered to a revisit; an unsatisfied owner sends it back to the same department', async () => {
    const id = await fileComplaint();
    expect((await act(agent, id, { kind: 'verify' })).view.ticket.status).toBe('verified');
    const dispatched = await act(agent, id, { kind: 'dispatch', department: engineering });
    expect(dispatched.view.ticket).toMatchObject({ status: 'dispatched', department: engineering });
    // an agent does not plan or work on the ticket: the department or a team leader does
    expect(dispatched.view.allowed).not.toContain('plan');

    const planned = await act(leader, id, { kind: 'plan', plan: '三日内上门检修楼上防水层' });
    expect(planned.view.ticket).toMatchObject({ status: 'planned', plan: '三日内上门检修楼上防水层' });
    await act(leader, id, { kind: 'start' });
    const resolved = await act(leader, id, { kind: 'resolve', resolution: '已重做防水层' });
    expect(resolved.view.ticket.status).toBe('resolved');
    const reopened = await act(agent, id, { kind: 'revisit', satisfaction: 'unsatisfied', score: 2 });
    expect(reopened.view.ticket).toMatchObject({
      status: 'reopened',
      department: engineering,
      plan: null,
      reopenCount: 1,
    });

    // the timeline: every step with who took it
    const { body } = await agent.request('GET', `/api/tickets/${id}`);
    expect((body as View).timeline.map((s) => `${s.kind}:${s.by.role}:${s.to}`)).toEqual([
      'register:agent:registered',
      'verify:agent:verified',
      'dispatch:agent:dispatched',
      'plan:supervisor:planned',
      'start:supervisor:in-progress',
      'resolve:supervisor:resolved',
      'revisit:agent:reopened',
    ]);
    const stored = await db().query<{ status: string; department: string }>(
      'SELECT status, department FROM tickets WHERE id = $1',
      [id],
    );
    expect(stored.rows[0]).toEqual({ status: 'reopened', department: engineering });
  });

  it('refuses what is not allowed now, or not the caller’s to do, and says what may be done', async () => {
    const id = await fileComplaint();
    const tooEarly = await act(agent, id, { kind: 'close' });
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.message).toContain('工单当前状态为「已登记」');
    expect(tooEarly.message).toContain('Allowed now: verify');

    await act(agent, id, { kind: 'verify' });
    await act(agent, id, { kind: 'dispatch', department: serviceCentre });
    const notAgents = await act(agent, id, { kind: 'plan', plan: '上门查看' });
    expect(notAgents.status).toBe(403);

    // a complaint's plan is agreed with the owner before work starts
    const noPlan = await act(leader, id, { kind: 'start' });
    expect(noPlan.status).toBe(409);
    expect(noPlan.message).toContain(
      'A complaint or compensation claim needs a plan agreed with the owner first',
    );

    const emptyPlan = await act(leader, id, { kind: 'plan', plan: '   ' });
    expect(emptyPlan.status).toBe(400);
    const unknown = await act(leader, id, { kind: 'teleport' });
    expect(unknown.status).toBe(400);
    expect(unknown.message).toContain('kind');
    const nowhere = await act(leader, 987654321, { kind: 'verify' });
    expect(nowhere.status).toBe(404);
    expect(nowhere.message).toContain('There is no ticket 987654321');

    // nothing of the refusals was written
    const { body } = await leader.request('GET', `/api/tickets/${id}`);
    expect((body as View).ticket.status).toBe('dispatched');
    expect((body as View).timeline).toHaveLength(3);
  });

  it('puts two people acting at once in order: the second is judged on the ticket as the first left it', async () => {
    const id = await fileComplaint();
    const [a, b] = await Promise.all([
      act(agent, id, { kind: 'verify' }),
      act(leader, id, { kind: 'verify' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const { body } = await leader.request('GET', `/api/tickets/${id}`);
    expect((body as View).timeline.map((s) => s.kind)).toEqual(['register', 'verify']);
  });

  it('a force-closure needs a team leader, a reason and its evidence', async () => {
    const id = await fileComplaint();
    const closure = { reason: 'registered-mail', deliveredOn: '2026-11-20', evidence: ['EMS 1234567890'] };
    expect((await act(agent, id, { kind: 'force-close', closure })).status).toBe(403);
    const noEvidence = await act(leader, id, { kind: 'force-close', closure: { ...closure, evidence: [] } });
    expect(noEvidence.status).toBe(400);
    const closed = await act(leader, id, { kind: 'force-close', closure });
    expect(closed.status).toBe(200);
    expect(closed.view.ticket.status).toBe('closed');
    expect(closed.view.allowed).toEqual([]);
  });
});
