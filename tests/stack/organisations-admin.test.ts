// An admin sets up who owns and who sees tickets (issue 5), through the API on the real database: adds a developer
// and a property company with their departments, gives an estate both, and puts staff to work for them; the
// tickets filed afterwards go to the right organisation and are seen by the right people. Every refusal is in
// words; only admins may do any of it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { closeDb, createAgent, createOwner, type TestOwner } from '../support/fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let admin: AgentClient;
let owner: TestOwner;
const clients: AgentClient[] = [];
const tag = randomBytes(3).toString('hex');
const dev = `dev-${tag}`;
const pm = `pm-${tag}`;

const message = (res: { body: unknown }): string => (res.body as { message: string }).message;

async function signIn(spec: Parameters<typeof createAgent>[0]) {
  const who = await createAgent(spec);
  const client = await AgentClient.signIn(platform.url, who);
  clients.push(client);
  return { who, client };
}

beforeAll(async () => {
  platform = await startTestPlatform();
  admin = (await signIn({ seat: null, role: 'admin' })).client;
  owner = await createOwner({ name: '韩梅', rooms: [{ roomCode: 'Q1-0505' }] });
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await platform?.close();
  await closeDb();
});

describe('setting up organisations', () => {
  it('adds organisations and departments, gives an estate its two, and files the next case under them', async () => {
    expect(
      (
        await admin.request('POST', '/api/admin/organisations', {
          code: dev,
          name: `青山置业${tag}`,
          kind: 'developer',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await admin.request('POST', '/api/admin/organisations', {
          code: pm,
          name: `青山物业${tag}`,
          kind: 'property-company',
        })
      ).status,
    ).toBe(201);
    const again = await admin.request('POST', '/api/admin/organisations', {
      code: dev,
      name: 'x',
      kind: 'developer',
    });
    expect(again.status).toBe(409);
    expect(message(again)).toBe(`编号「${dev}」已被使用 / The code "${dev}" is already taken.`);
    expect(
      (
        await admin.request('POST', `/api/admin/organisations/${pm}/departments`, {
          code: `${pm}-eng`,
          name: '工程部',
        })
      ).status,
    ).toBe(201);
    const orphan = await admin.request('POST', '/api/admin/organisations/nobody-here/departments', {
      code: `${pm}-x`,
      name: '无',
    });
    expect(orphan.status).toBe(404);

    const swapped = await admin.request('PUT', `/api/admin/estates/${owner.estateId}/organisations`, {
      developer: pm,
      propertyCompany: dev,
    });
    expect(swapped.status).toBe(400);
    expect(message(swapped)).toBe(`「${pm}」不是开发商 / "${pm}" is not a developer.`);
    expect(
      (
        await admin.request('PUT', `/api/admin/estates/${owner.estateId}/organisations`, {
          developer: dev,
          propertyCompany: pm,
        })
      ).status,
    ).toBe(200);

    const listed = await admin.request('GET', '/api/admin/organisations');
    const mine = (listed.body as { organisations: { code: string; departments: { code: string }[] }[] })
      .organisations;
    expect(mine.find((o) => o.code === pm)?.departments.map((d) => d.code)).toEqual([`${pm}-eng`]);

    // the unit was delivered in 2021: the property company's case
    const { client: agent, who } = await signIn({ seat: null });
    expect(
      (
        await admin.request('PUT', `/api/admin/agents/${who.agentId}/scope`, {
          organisation: null,
          department: null,
          estates: [owner.estateId],
        })
      ).status,
    ).toBe(200);
    const filed = await agent.request('POST', '/api/tickets', {
      ownerId: owner.ownerId,
      type: 'complaint',
      complaintCategory: '物业管理',
      description: '电梯噪音',
    });
    const id = (filed.body as { id: number }).id;
    const view = await agent.request('GET', `/api/tickets/${id}`);
    expect(
      (view.body as { summary: { responsibleOrganisation: string } }).summary.responsibleOrganisation,
    ).toBe(`青山物业${tag}`);
  });

  it('puts department staff in their department, and refuses what does not fit', async () => {
    const { who, client } = await signIn({ seat: null, role: 'department', department: `${pm}-eng` });
    const wrongDept = await admin.request('PUT', `/api/admin/agents/${who.agentId}/scope`, {
      organisation: dev,
      department: `${pm}-eng`,
      estates: [],
    });
    expect(wrongDept.status).toBe(400);
    expect(message(wrongDept)).toBe(
      `「${pm}-eng」不是该组织的部门 / "${pm}-eng" is not a department of that organisation.`,
    );
    const noDept = await admin.request('PUT', `/api/admin/agents/${who.agentId}/scope`, {
      organisation: pm,
      department: null,
      estates: [],
    });
    expect(noDept.status).toBe(400);
    expect(message(noDept)).toBe(
      '部门人员必须属于一个部门,其他角色不属于部门 / Department staff belong to a department; other roles do not.',
    );
    const noEstate = await admin.request('PUT', `/api/admin/agents/${who.agentId}/scope`, {
      organisation: pm,
      department: `${pm}-eng`,
      estates: [987654321],
    });
    expect(noEstate.status).toBe(400);
    expect(message(noEstate)).toBe('有的小区不存在 / Some of those estates do not exist.');

    // a department switched off takes no new dispatch; the answer says how many open tickets it still holds
    const off = await admin.request('PATCH', `/api/admin/departments/${pm}-eng`, { active: false });
    expect(off.body).toEqual({ ok: true, openTickets: 0 });
    const departments = await client.request('GET', '/api/departments');
    expect(
      (departments.body as { departments: { code: string }[] }).departments.map((d) => d.code),
    ).not.toContain(`${pm}-eng`);
  });

  it('lets only admins change the organisations', async () => {
    const { client: leader } = await signIn({ seat: null, role: 'supervisor' });
    const res = await leader.request('POST', '/api/admin/organisations', {
      code: `x-${tag}`,
      name: 'x',
      kind: 'developer',
    });
    expect(res.status).toBe(403);
    expect(message(res)).toBe('只有系统管理员可以维护组织架构 / Only an admin may change the organisations.');
    const bad = await admin.request('POST', '/api/admin/organisations', {
      code: 'Not A Code',
      name: 'x',
      kind: 'bank',
    });
    expect(bad.status).toBe(400);
  });
});
