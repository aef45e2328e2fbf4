// Who sees which ticket (issue 5), through the API on the real database: a case belongs to the developer until
// three months after its unit's delivery and to the property company after that; agents see the tickets of the
// estates they serve, a department what is dispatched to it, a team leader their organisation's (the developer's
// also the property company's cases of its estates); the search filters and pages what the reader may see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { eventually } from '../support/env.ts';
import {
  closeDb,
  createAgent,
  createOrganisation,
  createOwner,
  type TestOrganisation,
  type TestOwner,
} from '../support/fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let developer: TestOrganisation;
let propertyCompany: TestOrganisation;
let elsewhere: TestOrganisation;
/** 李娜: unit delivered in 2021, the property company's cases. */
let longDelivered: TestOwner;
/** 周强: same estate, unit delivered a month ago, the developer's cases. */
let newlyDelivered: TestOwner;
/** 郑敏: another estate with other organisations. */
let otherEstate: TestOwner;
const clients: AgentClient[] = [];

interface Listed {
  id: number;
  number: string;
  status: string;
  estate: string | null;
  responsibleOrganisation: string | null;
  ownerName: string | null;
  departmentName: string | null;
}
interface Page {
  tickets: Listed[];
  next: string | null;
}

async function signIn(spec: Parameters<typeof createAgent>[0]): Promise<AgentClient> {
  const client = await AgentClient.signIn(platform.url, await createAgent(spec));
  clients.push(client);
  return client;
}

function isoDateMonthsAgo(months: number): string {
  const d = new Date();
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.toISOString().slice(0, 10);
}

async function file(by: AgentClient, owner: TestOwner, description: string): Promise<number> {
  const res = await by.request('POST', '/api/tickets', {
    ownerId: owner.ownerId,
    unitId: owner.units[0]!.unitId,
    type: 'complaint',
    complaintCategory: '物业管理',
    description,
  });
  expect(res.status).toBe(201);
  return (res.body as { id: number }).id;
}

async function list(by: AgentClient, query = ''): Promise<Page> {
  const res = await by.request('GET', `/api/tickets${query}`);
  expect(res.status).toBe(200);
  return res.body as Page;
}

let estateAgent: AgentClient;
let otherAgent: AgentClient;
let t1: number;
let t2: number;
let t3: number;

beforeAll(async () => {
  platform = await startTestPlatform();
  developer = await createOrganisation({
    kind: 'developer',
    name: '测试置业',
    departments: ['工程部', '客户关系部'],
  });
  propertyCompany = await createOrganisation({
    kind: 'property-company',
    name: '测试物业',
    departments: ['工程维修部', '安保部'],
  });
  elsewhere = await createOrganisation({ kind: 'property-company', departments: ['工程维修部'] });
  longDelivered = await createOwner({
    name: '李娜',
    rooms: [{ roomCode: 'S1-0101' }],
    developerId: developer.id,
    propertyCompanyId: propertyCompany.id,
  });
  newlyDelivered = await createOwner({
    name: '周强',
    rooms: [{ roomCode: 'S2-0202' }],
    developerId: developer.id,
    propertyCompanyId: propertyCompany.id,
    deliveryDate: isoDateMonthsAgo(1),
  });
  otherEstate = await createOwner({
    name: '郑敏',
    rooms: [{ roomCode: 'S3-0303' }],
    propertyCompanyId: elsewhere.id,
  });
  // one estate per owner (the fixtures' rule): the agent serves both of the first two
  estateAgent = await signIn({ seat: null, estates: [longDelivered.estateId, newlyDelivered.estateId] });
  otherAgent = await signIn({ seat: null, estates: [otherEstate.estateId] });
  t1 = await file(estateAgent, longDelivered, '地下车库渗水');
  t2 = await file(estateAgent, newlyDelivered, '新房墙面开裂');
  t3 = await file(otherAgent, otherEstate, '电梯经常停运');
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await platform?.close();
  await closeDb();
});

describe('who owns and who sees a ticket', () => {
  it('gives a case to the developer within three months of delivery, to the property company after', async () => {
    const page = await list(estateAgent);
    const byId = new Map(page.tickets.map((t) => [t.id, t]));
    expect(byId.get(t1)?.responsibleOrganisation).toBe('测试物业');
    expect(byId.get(t2)?.responsibleOrganisation).toBe('测试置业');
  });

  it('shows an agent the tickets of the estates they serve, and no other', async () => {
    const mine = (await list(estateAgent)).tickets.map((t) => t.id);
    expect(mine).toEqual(expect.arrayContaining([t1, t2]));
    expect(mine).not.toContain(t3);
    expect((await list(otherAgent)).tickets.map((t) => t.id)).toEqual([t3]);
    // the tickets page's estate filter offers an agent the estates they serve
    const estates = await otherAgent.request('GET', '/api/estates');
    expect((estates.body as { estates: { id: number }[] }).estates.map((e) => e.id)).toEqual([
      otherEstate.estateId,
    ]);
    // another estate's ticket is not found, in the same words as one that does not exist
    const res = await otherAgent.request('GET', `/api/tickets/${t1}`);
    expect(res.status).toBe(404);
    expect((res.body as { message: string }).message).toBe(
      `工单 ${t1} 不存在或您无权查看 / There is no ticket ${t1} that you may see.`,
    );
    const acting = await otherAgent.request('POST', `/api/tickets/${t1}/actions`, { kind: 'verify' });
    expect(acting.status).toBe(404);
  });

  it('shows a team leader their organisation’s cases; the developer’s also the property company’s', async () => {
    const pmLeader = await signIn({ seat: null, role: 'supervisor', organisationId: propertyCompany.id });
    const devLeader = await signIn({ seat: null, role: 'supervisor', organisationId: developer.id });
    const pmSees = (await list(pmLeader)).tickets.map((t) => t.id);
    expect(pmSees).toContain(t1);
    expect(pmSees).not.toContain(t2);
    expect(pmSees).not.toContain(t3);
    const devSees = (await list(devLeader)).tickets.map((t) => t.id);
    expect(devSees).toEqual(expect.arrayContaining([t1, t2]));
    expect(devSees).not.toContain(t3);
    expect((await pmLeader.request('GET', `/api/tickets/${t2}`)).status).toBe(404);
  });

  it('lets a department see and work what is dispatched to it, and nothing else', async () => {
    const engineering = propertyCompany.departments['工程维修部']!;
    const security = propertyCompany.departments['安保部']!;
    const engineer = await signIn({ seat: null, role: 'department', department: engineering });
    const guard = await signIn({ seat: null, role: 'department', department: security });
    expect((await list(engineer)).tickets).toEqual([]);

    await estateAgent.request('POST', `/api/tickets/${t1}/actions`, { kind: 'verify' });
    const unknown = await estateAgent.request('POST', `/api/tickets/${t1}/actions`, {
      kind: 'dispatch',
      department: 'no-such-dept',
    });
    expect(unknown.status).toBe(400);
    expect((unknown.body as { message: string }).message).toBe(
      '没有编号为「no-such-dept」的部门 / There is no department "no-such-dept".',
    );
    const dispatched = await estateAgent.request('POST', `/api/tickets/${t1}/actions`, {
      kind: 'dispatch',
      department: engineering,
    });
    expect(dispatched.status).toBe(200);

    const theirs = await list(engineer);
    expect(theirs.tickets.map((t) => [t.id, t.departmentName])).toEqual([[t1, '工程维修部']]);
    const planned = await engineer.request('POST', `/api/tickets/${t1}/actions`, {
      kind: 'plan',
      plan: '明天上午排查车库防水',
    });
    expect(planned.status).toBe(200);
    expect(
      (planned.body as { timeline: { kind: string; by: { role: string } }[] }).timeline.at(-1),
    ).toMatchObject({ kind: 'plan', by: { role: 'department' } });
    expect((await guard.request('GET', `/api/tickets/${t1}`)).status).toBe(404);

    // department staff work tickets: no calls, no team overview; their page knows who they are
    const me = await engineer.request('GET', '/api/me');
    expect(me.status).toBe(200);
    expect((me.body as { agent: { role: string } }).agent.role).toBe('department');
    expect((await engineer.request('GET', '/api/supervisor/overview')).status).toBe(403);
    expect((await engineer.request('PUT', '/api/agents/me/state', { state: 'available' })).status).toBe(403);
  });

  it('filters by status, type and words, and pages with a cursor', async () => {
    const byNumber = await list(
      estateAgent,
      `?q=${(await list(estateAgent)).tickets.find((t) => t.id === t2)!.number}`,
    );
    expect(byNumber.tickets.map((t) => t.id)).toEqual([t2]);
    const byWords = await list(estateAgent, `?q=${encodeURIComponent('开裂')}`);
    expect(byWords.tickets.map((t) => t.id)).toEqual([t2]);
    const byOwner = await list(estateAgent, `?q=${encodeURIComponent('李娜')}`);
    expect(byOwner.tickets.map((t) => t.id)).toEqual([t1]);
    const registered = await list(estateAgent, '?status=registered&type=complaint,repair');
    expect(registered.tickets.map((t) => t.id)).toContain(t2);
    expect(registered.tickets.map((t) => t.id)).not.toContain(t1);

    const first = await list(estateAgent, '?limit=1');
    expect(first.tickets).toHaveLength(1);
    expect(first.next).not.toBeNull();
    const second = await list(estateAgent, `?limit=1&before=${first.next}`);
    expect(second.tickets).toHaveLength(1);
    expect(second.tickets[0]!.id).toBeLessThan(first.tickets[0]!.id);

    // the overdue filter follows the workers' flag: a case of an estate whose dispatch limit is one second
    const hurried = await createOrganisation({
      kind: 'property-company',
      ticketLimits: { dispatch: { amount: 1 / 60, unit: 'minutes' } },
    });
    const late = await createOwner({
      name: '秦朗',
      rooms: [{ roomCode: 'S9-0909' }],
      propertyCompanyId: hurried.id,
    });
    const lateAgent = await signIn({ seat: null, estates: [late.estateId] });
    const lateId = await file(lateAgent, late, '门禁卡失灵');
    expect((await list(lateAgent, '?overdue=false')).tickets.map((t) => t.id)).toEqual([lateId]);
    await eventually(
      async () => (await list(lateAgent, '?overdue=true')).tickets.map((t) => t.id).includes(lateId),
      'the ticket overdue',
      15_000,
    );
    expect((await list(lateAgent, '?overdue=false')).tickets).toEqual([]);

    const bad = await estateAgent.request('GET', '/api/tickets?status=lost');
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toContain('status');
    // a percent sign is a character to look for, not a wildcard
    expect((await list(estateAgent, `?q=${encodeURIComponent('%')}`)).tickets).toEqual([]);
  });
});
