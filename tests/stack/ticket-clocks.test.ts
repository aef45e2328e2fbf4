// Ticket clocks on the real database and Redis (issue 5): a ticket whose estate allows a few seconds for a step
// becomes overdue: the team leaders' pages are told (and the department's, once dispatched), its timeline shows the
// overdue step, it is flagged overdue, once only. The clock survives the workers stopping and starting again,
// Redis restarting, and Redis emptied while the workers were down. Admins set the limits of organisations and
// estates, and new limits apply to the tickets already open; so do edits of the work calendar. Tickets the IVR
// files run their clocks like the agents' (the database tells the workers of every change).
//
// The API and the workers run as two platforms in this process (no IVR), so the workers can stop while the API
// stays up.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockDueJobId, TICKET_CLOCKS_QUEUE, type TicketOverdue } from '../../core/index.ts';
import { createIvrTicket } from '../../db/index.ts';
import type { Platform } from '../../main.ts';
import { AgentClient } from '../support/agent-client.ts';
import { eventually, stackConfig } from '../support/env.ts';
import {
  closeDb,
  createAgent,
  createOrganisation,
  createOwner,
  db,
  type TestOrganisation,
  type TestOwner,
} from '../support/fixtures.ts';
import { startTestRoles } from '../support/platform.ts';
import { stack } from '../support/stack-control.ts';

let api: Platform & { url: string };
let workers: Platform | null = null;
let company: TestOrganisation;
let engineering: string;
let agent: AgentClient;
let leader: AgentClient;
let admin: AgentClient;
let engineer: AgentClient;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  api = (await startTestRoles(['cti'])) as Platform & { url: string };
  workers = await startTestRoles(['workers']);
  company = await createOrganisation({ kind: 'property-company', departments: ['工程部'] });
  engineering = company.departments['工程部']!;
  agent = await AgentClient.signIn(api.url, await createAgent({ seat: null }));
  leader = await AgentClient.signIn(api.url, await createAgent({ seat: null, role: 'supervisor' }));
  admin = await AgentClient.signIn(api.url, await createAgent({ seat: null, role: 'admin' }));
  engineer = await AgentClient.signIn(
    api.url,
    await createAgent({
      seat: null,
      role: 'department',
      organisationId: company.id,
      department: engineering,
    }),
  );
  redis = new Redis(stackConfig().redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  queue = new Queue(TICKET_CLOCKS_QUEUE, { connection: redis });
}, 60_000);

afterAll(async () => {
  stack('redis-start');
  await queue?.close();
  redis?.disconnect();
  // none of them took calls; the last test emptied Redis, agents' states included: no signing out
  for (const client of [agent, leader, admin, engineer]) client?.disconnect();
  await workers?.close();
  await api?.close();
  await closeDb();
});

/** An owner of an estate of their own, looked after by the test's property company, with the estate's limits. */
async function ownerWithLimits(name: string, limits: Record<string, unknown>): Promise<TestOwner> {
  const owner = await createOwner({ name, rooms: [{ roomCode: 'K2-0301' }], propertyCompanyId: company.id });
  const set = await admin.request('PUT', `/api/admin/estates/${owner.estateId}/ticket-limits`, limits);
  expect(set.status).toBe(200);
  return owner;
}

async function fileComplaint(owner: TestOwner): Promise<{ id: number; number: string }> {
  const filed = await agent.request('POST', '/api/tickets', {
    ownerId: owner.ownerId,
    unitId: owner.units[0]!.unitId,
    type: 'complaint',
    complaintCategory: '工程质量',
    description: '电梯每天早上停运半小时',
  });
  expect(filed.status).toBe(201);
  return filed.body as { id: number; number: string };
}

async function act(id: number, action: Record<string, unknown>): Promise<void> {
  const res = await agent.request('POST', `/api/tickets/${id}/actions`, action);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

interface View {
  ticket: { status: string };
  timeline: { kind: string; by: { role: string }; detail: Record<string, unknown> }[];
  clocks: {
    clock: string;
    label: { zh: string; en: string };
    round: number;
    dueAt: string | null;
    state: string;
  }[];
  calendarWarnings: string[];
}

async function viewOf(id: number): Promise<View> {
  const res = await leader.request('GET', `/api/tickets/${id}`);
  expect(res.status).toBe(200);
  return res.body as View;
}

/** The `ticket:overdue` notices a page received about the ticket. */
function notices(client: AgentClient, ticketId: number): TicketOverdue[] {
  return client.received
    .filter((r) => r.event === 'ticket:overdue' && (r.payload as TicketOverdue).ticketId === ticketId)
    .map((r) => r.payload as TicketOverdue);
}

async function ticketRow(id: number) {
  const { rows } = await db().query<{ overdue: boolean; nextDueAt: Date | null; stale: boolean }>(
    'SELECT overdue, next_due_at AS "nextDueAt", clocks_stale AS stale FROM tickets WHERE id = $1',
    [id],
  );
  return rows[0]!;
}

/** Waits until the worker has reviewed the ticket and its next due job is in Redis; returns its instant. */
async function scheduled(id: number): Promise<number> {
  return eventually(async () => {
    const row = await ticketRow(id);
    if (row.stale || !row.nextDueAt) return undefined;
    const job = await queue.getJob(clockDueJobId(id, row.nextDueAt.toISOString()));
    return job && (await job.isDelayed()) ? row.nextDueAt.getTime() : undefined;
  }, 'the ticket’s next due time to be scheduled');
}

/** Waits until the clock queue has nothing waiting or running (every review done). */
async function queueSettled(): Promise<void> {
  await eventually(async () => {
    const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
    return Object.values(counts).every((n) => n === 0);
  }, 'the clock reviews to be done');
}

/** The one notice the team leader received about the ticket, and its one overdue step: once only. */
async function expectOverdueOnce(id: number, dueMs: number): Promise<TicketOverdue> {
  await queueSettled();
  const [notice, ...more] = notices(leader, id);
  expect(more).toEqual([]);
  expect(Date.parse(notice!.at)).toBeGreaterThan(dueMs);
  const steps = (await viewOf(id)).timeline.filter((s) => s.kind === 'overdue');
  expect(steps).toHaveLength(1);
  expect((await ticketRow(id)).overdue).toBe(true);
  return notice!;
}

describe('time limits', () => {
  it('admins set an estate’s and an organisation’s; a bad one is refused in words; others may not', async () => {
    const owner = await createOwner({
      name: '吴敏',
      rooms: [{ roomCode: 'K1-0101' }],
      propertyCompanyId: company.id,
    });
    const bad = await admin.request('PUT', `/api/admin/estates/${owner.estateId}/ticket-limits`, {
      fix: { amount: -2, unit: 'hours' },
    });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toBe(
      '时限「维修修复」(fix)须为正数,单位为 minutes(分钟)、hours(小时)或 working-days(工作日) / Time limit ' +
        '"fix" must be a positive number of minutes, hours or working-days.',
    );
    const byAgent = await agent.request('PUT', `/api/admin/organisations/${company.code}/ticket-limits`, {});
    expect(byAgent.status).toBe(403);
    const nowhere = await admin.request('GET', '/api/admin/organisations/no-such-org/ticket-limits');
    expect(nowhere.status).toBe(404);

    const org = await admin.request('PUT', `/api/admin/organisations/${company.code}/ticket-limits`, {
      reply: { amount: 3, unit: 'working-days' },
    });
    expect(org.status).toBe(200);
    expect(org.body).toMatchObject({
      limits: { reply: { amount: 3, unit: 'working-days' } },
      effective: { reply: { amount: 3, unit: 'working-days' }, dispatch: { amount: 24, unit: 'hours' } },
    });
    const estate = await admin.request('PUT', `/api/admin/estates/${owner.estateId}/ticket-limits`, {
      dispatch: { amount: 12, unit: 'hours' },
    });
    expect(estate.body).toMatchObject({
      limits: { dispatch: { amount: 12, unit: 'hours' } },
      effective: {
        propertyCompany: {
          dispatch: { amount: 12, unit: 'hours' },
          reply: { amount: 3, unit: 'working-days' },
        },
      },
    });
    // the company's limit back to the default for the other tests
    const reset = await admin.request('PUT', `/api/admin/organisations/${company.code}/ticket-limits`, {});
    expect(reset.body).toMatchObject({ limits: {} });
  });
});

describe('a clock that runs out', () => {
  it('of a ticket already open when its estate gets a shorter limit: team leaders are told once, the timeline shows it, the ticket is flagged', async () => {
    const owner = await ownerWithLimits('郑强', {});
    const ticket = await fileComplaint(owner);
    const before = await viewOf(ticket.id);
    const dispatch = before.clocks.find((c) => c.clock === 'dispatch')!;
    expect(dispatch).toMatchObject({ label: { zh: '派单', en: 'dispatch' }, round: 1, state: 'running' });
    expect(before.calendarWarnings).toEqual([]);

    // 3 seconds to dispatch, for this estate: the open ticket is rescheduled
    await admin.request('PUT', `/api/admin/estates/${owner.estateId}/ticket-limits`, {
      dispatch: { amount: 0.05, unit: 'minutes' },
    });
    await eventually(() => notices(leader, ticket.id)[0], 'the team leader to be told', 30_000);
    const dueMs = Date.parse((await viewOf(ticket.id)).clocks.find((c) => c.clock === 'dispatch')!.dueAt!);
    const notice = await expectOverdueOnce(ticket.id, dueMs);
    expect(notice).toMatchObject({
      ticketNumber: ticket.number,
      clock: 'dispatch',
      round: 1,
      label: { zh: '派单', en: 'dispatch' },
      department: null,
    });
    expect(notice.message).toContain(`工单 ${ticket.number}「派单」已超时`);
    expect(notice.message).toContain(`Ticket ${ticket.number} is overdue: "dispatch" was due by`);

    const view = await viewOf(ticket.id);
    expect(view.clocks.find((c) => c.clock === 'dispatch')?.state).toBe('overdue');
    const step = view.timeline.find((s) => s.kind === 'overdue')!;
    expect(step.by.role).toBe('system');
    expect(step.detail).toEqual({ clock: 'dispatch', round: 1, dueAt: notice.dueAt, department: null });
    // the overdue step leaves the ticket's life as it was
    expect(view.ticket.status).toBe('registered');

    // dispatched late: the clock is missed (the KPI counts it), the ticket no longer overdue, nobody told again
    await act(ticket.id, { kind: 'verify' });
    await act(ticket.id, { kind: 'dispatch', department: engineering });
    await eventually(async () => !(await ticketRow(ticket.id)).overdue, 'the overdue flag to be cleared');
    await queueSettled();
    expect((await viewOf(ticket.id)).clocks.find((c) => c.clock === 'dispatch')?.state).toBe('missed');
    expect(notices(leader, ticket.id)).toHaveLength(1);
    expect(notices(engineer, ticket.id)).toEqual([]);
  });

  it('of a dispatched ticket: its department’s staff are told too', async () => {
    const owner = await ownerWithLimits('冯洁', { plan: { amount: 0.1, unit: 'minutes' } });
    const ticket = await fileComplaint(owner);
    await act(ticket.id, { kind: 'verify' });
    await act(ticket.id, { kind: 'dispatch', department: engineering });
    const [notice] = await eventually(
      () => (notices(engineer, ticket.id).length > 0 ? notices(engineer, ticket.id) : undefined),
      'the department to be told',
      30_000,
    );
    expect(notice).toMatchObject({
      ticketNumber: ticket.number,
      clock: 'plan',
      label: { zh: '回复处理方案', en: 'reply with a plan' },
      department: engineering,
    });
    expect(notice!.message).toContain(`(处理部门 ${engineering})`);
    await expectOverdueOnce(ticket.id, Date.parse(notice!.dueAt));
    expect(notices(engineer, ticket.id)).toHaveLength(1);
  });

  it('of a repair the IVR filed: an urgent one not on site in time', async () => {
    const owner = await ownerWithLimits('沈冰', { onSiteUrgent: { amount: 0.05, unit: 'minutes' } });
    const filed = await createIvrTicket(db(), {
      ownerId: owner.ownerId,
      unitId: owner.units[0]!.unitId,
      type: 'repair',
      category: 'water',
      urgent: true,
      description: '厨房水管爆裂',
      channel: 'ivr',
      recording: null,
      callId: null,
    });
    const notice = await eventually(() => notices(leader, filed.id)[0], 'the team leader to be told', 30_000);
    expect(notice).toMatchObject({
      ticketNumber: filed.number,
      clock: 'on-site',
      label: { zh: '到场', en: 'on site' },
    });
    await expectOverdueOnce(filed.id, Date.parse(notice.dueAt));
  });
});

describe('an edit of the work calendar', () => {
  it('moves a working-day due time: a holiday on the day a plan is due makes it due a working day later', async () => {
    const owner = await ownerWithLimits('蒋涛', {});
    const ticket = await fileComplaint(owner);
    await act(ticket.id, { kind: 'verify' });
    await act(ticket.id, { kind: 'dispatch', department: engineering });
    const dueMs = await scheduled(ticket.id);
    expect((await viewOf(ticket.id)).clocks.find((c) => c.clock === 'plan')?.dueAt).toBe(
      new Date(dueMs).toISOString(),
    );
    // the working day the plan is due on (its end, 24:00, is the next day's 00:00)
    const day = new Date(dueMs - 1 + 8 * 3_600_000).toISOString().slice(0, 10);
    const calendar = await admin.request('GET', `/api/calendar?year=${day.slice(0, 4)}`);
    const before = (calendar.body as { days: { date: string; kind: string; name: string }[] }).days.find(
      (d) => d.date === day,
    );
    const set = await admin.request('PUT', `/api/admin/calendar/days/${day}`, {
      kind: 'holiday',
      name: '测试假日',
    });
    expect(set.status).toBe(200);
    try {
      const later = await eventually(async () => {
        const due = await scheduled(ticket.id);
        return due > dueMs ? due : undefined;
      }, 'the plan to be due later');
      expect(later - dueMs).toBeGreaterThanOrEqual(86_400_000);
      expect((await viewOf(ticket.id)).clocks.find((c) => c.clock === 'plan')?.dueAt).toBe(
        new Date(later).toISOString(),
      );
    } finally {
      // the day as it was (a make-up working Saturday stays one)
      const restored = before
        ? await admin.request('PUT', `/api/admin/calendar/days/${day}`, {
            kind: before.kind,
            name: before.name,
          })
        : await admin.request('DELETE', `/api/admin/calendar/days/${day}`);
      expect(restored.status).toBeLessThan(300);
    }
    await eventually(async () => (await scheduled(ticket.id)) === dueMs, 'the plan to be due as before');
  });
});

describe('a clock survives', () => {
  it('the workers stopping before it is due and starting after: it fires then, once', async () => {
    const owner = await ownerWithLimits('陈刚', { dispatch: { amount: 0.15, unit: 'minutes' } });
    const ticket = await fileComplaint(owner);
    const dueMs = await scheduled(ticket.id);
    await workers!.close();
    workers = null;
    expect(Date.now(), 'the workers stopped before the due time').toBeLessThan(dueMs);
    await eventually(() => Date.now() > dueMs + 1000, 'the due time to pass', 30_000, 200);
    expect(notices(leader, ticket.id)).toEqual([]); // nobody to fire it

    workers = await startTestRoles(['workers']);
    await eventually(() => notices(leader, ticket.id)[0], 'the team leader to be told', 30_000);
    await expectOverdueOnce(ticket.id, dueMs);
  });

  it('Redis restarting between scheduling and the due time', async () => {
    const owner = await ownerWithLimits('褚亮', { dispatch: { amount: 0.2, unit: 'minutes' } });
    const ticket = await fileComplaint(owner);
    const dueMs = await scheduled(ticket.id);
    stack('redis-stop');
    stack('redis-start');
    expect(Date.now(), 'Redis was back before the due time').toBeLessThan(dueMs);
    await eventually(() => notices(leader, ticket.id)[0], 'the team leader to be told', 40_000);
    await expectOverdueOnce(ticket.id, dueMs);
  });

  it('Redis emptied while the workers were down: they schedule it again from the database when they start', async () => {
    const owner = await ownerWithLimits('卫红', { dispatch: { amount: 0.2, unit: 'minutes' } });
    const ticket = await fileComplaint(owner);
    const dueMs = await scheduled(ticket.id);
    await workers!.close();
    workers = null;
    await redis.flushall();
    expect(await queue.getJob(clockDueJobId(ticket.id, new Date(dueMs).toISOString()))).toBeUndefined();

    workers = await startTestRoles(['workers']);
    expect(await scheduled(ticket.id)).toBe(dueMs);
    expect(Date.now(), 'scheduled again before the due time').toBeLessThan(dueMs);
    await eventually(() => notices(leader, ticket.id)[0], 'the team leader to be told', 40_000);
    await expectOverdueOnce(ticket.id, dueMs);
  });

  it('Redis emptied under running processes: the agents’ state history goes on being stored', async () => {
    await redis.flushall();
    // nobody restarts: the API's state-log reader must make its lost consumer group again
    const fresh = await createAgent({ seat: null });
    const desk = await AgentClient.signIn(api.url, fresh);
    await desk.setState('not-ready', 'break');
    await eventually(
      async () =>
        (
          await db().query('SELECT 1 FROM agent_state_changes WHERE agent_id = $1 AND state = $2', [
            fresh.agentId,
            'not-ready',
          ])
        ).rowCount,
      'the state change stored',
      15_000,
    );
    await desk.close();
  });
});
