// A complaint's severity on the real database and API (issue 5): computed when it is filed and when its facts
// change, for the other open cases of the same issue as well; each raise warns the supervisors (socket.io
// `ticket:escalated`) and its timeline names who may see it; a supervisor sets 危机 with a note; the periodic
// review raises the complaints unresolved for 7 days. Each threshold is tried just below and just at.
import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketEscalated } from '../../core/index.ts';
import { SEVERITY_QUEUE, SEVERITY_REVIEW_JOB } from '../../workers/index.ts';
import { AgentClient } from '../support/agent-client.ts';
import { eventually, stackConfig } from '../support/env.ts';
import {
  closeDb,
  createAgent,
  createOrganisation,
  createOwner,
  db,
  type TestAgent,
  type TestOrganisation,
  type TestOwner,
} from '../support/fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let property: TestOrganisation;
let leaderAccount: TestAgent;
let otherLeaderAccount: TestAgent;
let agentAccount: TestAgent;
let leader: AgentClient;
/** A team leader of another organisation: sees none of these tickets, so hears none of their warnings. */
let otherLeader: AgentClient;
let agent: AgentClient;
const redis: Redis[] = [];

interface SeverityBody {
  level: string;
  zh: string;
  en: string;
  reasons: { code: string; level: string; zh: string; en: string }[];
  dismissed: string[];
}
interface Filed {
  id: number;
  number: string;
  severity: SeverityBody | null;
}
interface Step {
  kind: string;
  by: { role: string; name: string | null };
  from: string | null;
  to: string;
  detail: Record<string, unknown>;
}

beforeAll(async () => {
  platform = await startTestPlatform();
  property = await createOrganisation({ kind: 'property-company' });
  const elsewhere = await createOrganisation({ kind: 'property-company' });
  leaderAccount = await createAgent({ seat: null, role: 'supervisor', organisationId: property.id });
  otherLeaderAccount = await createAgent({ seat: null, role: 'supervisor', organisationId: elsewhere.id });
  leader = await AgentClient.signIn(platform.url, leaderAccount);
  otherLeader = await AgentClient.signIn(platform.url, otherLeaderAccount);
  agentAccount = await createAgent({ seat: null });
  agent = await AgentClient.signIn(platform.url, agentAccount);
}, 60_000);

afterAll(async () => {
  await agent?.close();
  await otherLeader?.close();
  await leader?.close();
  await platform?.close();
  for (const r of redis) r.disconnect();
  await closeDb();
});

/** An estate of the property company with the first owner; `neighbour` adds owners of the same estate. */
async function estate(): Promise<{ first: TestOwner; neighbour: (roomCode: string) => Promise<TestOwner> }> {
  const first = await createOwner({
    name: '周一',
    rooms: [{ roomCode: 'B1-0101' }],
    propertyCompanyId: property.id,
  });
  // the agent serves the estate: its tickets are the agent's to update
  await db().query('INSERT INTO agent_estates (agent_id, estate_id) VALUES ($1, $2)', [
    agentAccount.agentId,
    first.estateId,
  ]);
  return {
    first,
    neighbour: async (roomCode) => {
      const q = db();
      const building = roomCode.split('-')[0]!;
      const b = await q.query<{ id: number }>(
        `INSERT INTO buildings (estate_id, code, name) VALUES ($1, $2, $3)
         ON CONFLICT (estate_id, code) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
        [first.estateId, building, `${building.slice(1)}号楼`],
      );
      const unit = await q.query<{ id: number }>(
        `INSERT INTO units (building_id, room_code, delivery_date) VALUES ($1, $2, '2021-06-30') RETURNING id`,
        [b.rows[0]!.id, roomCode],
      );
      const name = `业主${randomBytes(2).toString('hex')}`;
      const owner = await q.query<{ id: number }>('INSERT INTO owners (name) VALUES ($1) RETURNING id', [
        name,
      ]);
      await q.query('INSERT INTO owner_units (owner_id, unit_id) VALUES ($1, $2)', [
        owner.rows[0]!.id,
        unit.rows[0]!.id,
      ]);
      return {
        ownerId: owner.rows[0]!.id,
        estateId: first.estateId,
        name,
        phone: '',
        units: [{ unitId: unit.rows[0]!.id, roomCode }],
      };
    },
  };
}

async function file(
  owner: TestOwner,
  description: string,
  extra: Record<string, unknown> = {},
): Promise<Filed> {
  const res = await agent.request('POST', '/api/tickets', {
    ownerId: owner.ownerId,
    unitId: owner.units[0]!.unitId,
    type: 'complaint',
    complaintCategory: '工程质量',
    description,
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Filed;
}

async function view(id: number): Promise<{ severity: SeverityBody; timeline: Step[] }> {
  const res = await leader.request('GET', `/api/tickets/${id}`);
  expect(res.status).toBe(200);
  return res.body as { severity: SeverityBody; timeline: Step[] };
}

const warningsFor = (number: string): TicketEscalated[] =>
  leader.events('ticket:escalated').filter((e) => e.ticketNumber === number);

const warningFor = (number: string): Promise<TicketEscalated> =>
  eventually(() => warningsFor(number)[0], `the escalation warning of ticket ${number}`);

describe('same issue, three owners (热点)', () => {
  it('the third owner of one building reporting 渗漏 within 30 days makes all three cases hot and warns once per case', async () => {
    const { first, neighbour } = await estate();
    const second = await neighbour('B1-0202');
    const third = await neighbour('B1-0303');
    const fourth = await neighbour('B1-0404');
    const otherBuilding = await neighbour('B2-0101');

    const a = await file(first, '卫生间漏水,楼下天花板湿了');
    expect(a.severity).toMatchObject({ level: 'ordinary', zh: '一般', reasons: [] });
    // two owners only: just below
    const b = await file(second, '厨房天花板渗水');
    expect(b.severity!.level).toBe('ordinary');
    // another building's leak is another issue
    const elsewhere = await file(otherBuilding, '楼上漏水');
    expect(elsewhere.severity!.level).toBe('ordinary');
    expect((await view(a.id)).severity.level).toBe('ordinary');

    // the third different owner: just at
    const c = await file(third, '墙面渗漏发霉');
    expect(c.severity).toMatchObject({ level: 'hot', zh: '热点', en: 'hot' });
    expect(c.severity!.reasons).toEqual([
      expect.objectContaining({ code: 'repeated', level: 'hot', zh: '30 天内 3 位业主反映同一问题' }),
    ]);
    for (const t of [a, b]) {
      const seen = await view(t.id);
      expect(seen.severity).toMatchObject({ level: 'hot', zh: '热点' });
      expect(seen.severity.reasons.map((r) => r.code)).toEqual(['repeated']);
    }
    expect((await view(elsewhere.id)).severity.level).toBe('ordinary');
    // the team leader finds them under 热点
    const listed = await leader.request('GET', '/api/tickets?severity=hot,major&limit=200');
    const hotIds = (listed.body as { tickets: { id: number; severity: string }[] }).tickets.map((t) => t.id);
    expect(hotIds).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    expect(hotIds).not.toContain(elsewhere.id);

    for (const t of [a, b, c]) {
      const warning = await warningFor(t.number);
      expect(warning).toMatchObject({
        ticketId: t.id,
        from: { level: 'ordinary', zh: '一般' },
        to: { level: 'hot', zh: '热点' },
        by: { role: 'system' },
      });
      expect(warning.reasons.map((r) => r.code)).toEqual(['repeated']);
      expect(warning.warning).toContain(`投诉升级预警:工单 ${t.number} 由「一般」升为「热点」`);
      expect(warning.warning).toContain('3 owners reported the same issue within 30 days');

      // the timeline says who was warned: the supervisors who may see the ticket
      const steps = (await view(t.id)).timeline.filter((s) => s.kind === 'escalate');
      expect(steps).toHaveLength(1);
      expect(steps[0]).toMatchObject({ by: { role: 'system' }, from: 'registered', to: 'registered' });
      expect(steps[0]!.detail).toMatchObject({ from: 'ordinary', to: 'hot' });
      const warned = steps[0]!.detail.warned as { id: number; name: string }[];
      expect(warned).toContainEqual({ id: leaderAccount.agentId, name: leaderAccount.name });
      expect(warned.map((w) => w.id)).not.toContain(otherLeaderAccount.agentId);
    }

    // a fourth owner's case (filed without its unit: the owner's only one) is hot at once; the first three stay
    // hot and are not warned again
    const d = await file(fourth, '阳台漏雨', { unitId: undefined });
    expect(d.severity!.level).toBe('hot');
    await warningFor(d.number);
    for (const t of [a, b, c, d]) expect(warningsFor(t.number)).toHaveLength(1);
    expect(warningsFor(elsewhere.number)).toHaveLength(0);
    // sent in the same emits as the leader's: another organisation's leader heard none of them
    expect(otherLeader.events('ticket:escalated')).toEqual([]);
  });

  it('two complaints filed at once with an earlier one still make all three hot', async () => {
    const { first, neighbour } = await estate();
    const [second, third] = [await neighbour('B1-0505'), await neighbour('B1-0606')];
    const a = await file(first, '外墙渗水');
    // Both filings are held just before their assessment (recording the ticket's estate waits for the estate's
    // row), then let go together: without the estate's severity lock, each would miss the other.
    const hold = await db().connect();
    await hold.query('BEGIN');
    await hold.query('SELECT 1 FROM estates WHERE id = $1 FOR UPDATE', [first.estateId]);
    const both = Promise.all([file(second, '窗边漏水'), file(third, '卧室渗漏')]);
    try {
      await eventually(async () => {
        const { rows } = await db().query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE tickets SET estate_id%'`,
        );
        return rows[0]!.n === 2;
      }, 'both filings to wait for the estate');
    } finally {
      await hold.query('COMMIT');
      hold.release();
    }
    const [b, c] = await both;
    expect([b.severity!.level, c.severity!.level].sort()).toEqual(['hot', 'ordinary']);
    for (const t of [a, b, c]) {
      expect((await view(t.id)).severity.level).toBe('hot');
      await warningFor(t.number);
    }
  });

  it('a complaint needs its category, and complaint facts belong to complaints only', async () => {
    const { first } = await estate();
    const noCategory = await agent.request('POST', '/api/tickets', {
      ownerId: first.ownerId,
      type: 'complaint',
      description: '楼道灯不亮',
    });
    expect(noCategory.status).toBe(400);
    expect((noCategory.body as { message: string }).message).toContain('请选择投诉类别');
    const repairWithFacts = await agent.request('POST', '/api/tickets', {
      ownerId: first.ownerId,
      type: 'repair',
      repairKind: 'other',
      description: '门锁坏了',
      litigation: 'filed',
    });
    expect(repairWithFacts.status).toBe(400);
    expect((repairWithFacts.body as { message: string }).message).toContain('only for a complaint');
  });
});

describe('compensation asked (重大)', () => {
  it('exactly 20,000 CNY for one household is not major; 20,000.01 is, when filed or when the facts change', async () => {
    const { first, neighbour } = await estate();
    const atLimit = await file(first, '装修质量差要求赔偿', {
      type: 'compensation',
      compensationAskedYuan: 20000,
    });
    expect(atLimit.severity!.level).toBe('ordinary');

    const over = await file(await neighbour('B3-0101'), '地板开裂要求退款', {
      type: 'compensation',
      compensationAskedYuan: 20000.01,
    });
    expect(over.severity).toMatchObject({ level: 'major', zh: '重大' });
    expect(over.severity!.reasons[0]).toMatchObject({
      code: 'compensation',
      zh: '每户索赔 20,000.01 元,超过 20,000 元',
    });
    expect((await warningFor(over.number)).to).toMatchObject({ level: 'major', zh: '重大' });

    // the agent records that the owner now asks a cent more
    const patched = await agent.request('PATCH', `/api/tickets/${atLimit.id}/facts`, {
      compensationAskedYuan: 20000.01,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ level: 'major', facts: { compensationAskedYuan: 20000.01 } });
    expect((await warningFor(atLimit.number)).from.level).toBe('ordinary');
    const steps = (await view(atLimit.id)).timeline.map((s) => s.kind);
    expect(steps).toEqual(['register', 'facts', 'escalate']);

    const fraction = await agent.request('PATCH', `/api/tickets/${atLimit.id}/facts`, {
      compensationAskedYuan: 1.005,
    });
    expect(fraction.status).toBe(400);
    expect((fraction.body as { message: string }).message).toContain('more than 2 decimals');
  });
});

describe('a supervisor sets the severity', () => {
  it('sets 危机 with a note; an agent is refused; a note is needed', async () => {
    const { first } = await estate();
    const t = await file(first, '电梯困人,业主受伤');

    const byAgent = await agent.request('POST', `/api/tickets/${t.id}/severity`, {
      level: 'crisis',
      note: '媒体已报道',
    });
    expect(byAgent.status).toBe(403);
    expect((byAgent.body as { message: string }).message).toBe(
      '只有客服主管可以调整严重程度 / Only a supervisor may set the severity.',
    );
    const noNote = await leader.request('POST', `/api/tickets/${t.id}/severity`, {
      level: 'crisis',
      note: ' ',
    });
    expect(noNote.status).toBe(400);
    expect((noNote.body as { message: string }).message).toContain('Say why the severity changes');

    const set = await leader.request('POST', `/api/tickets/${t.id}/severity`, {
      level: 'crisis',
      note: '业主受伤送医,媒体已到现场',
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ level: 'crisis', zh: '危机' });
    const warning = await warningFor(t.number);
    expect(warning).toMatchObject({
      to: { level: 'crisis', zh: '危机' },
      by: { role: 'supervisor', id: leaderAccount.agentId },
      note: '业主受伤送医,媒体已到现场',
    });
    const step = (await view(t.id)).timeline.find((s) => s.kind === 'severity')!;
    expect(step.by).toMatchObject({ role: 'supervisor', name: leaderAccount.name });
    expect(step.detail).toMatchObject({ from: 'ordinary', to: 'crisis', note: '业主受伤送医,媒体已到现场' });

    const again = await leader.request('POST', `/api/tickets/${t.id}/severity`, {
      level: 'crisis',
      note: '再次确认',
    });
    expect(again.status).toBe(409);
    expect((again.body as { message: string }).message).toContain('The severity is already crisis');
  });
});

describe('a supervisor lowers the severity', () => {
  it('dismisses the reasons above the new level: a fourth owner does not raise it again', async () => {
    const { first, neighbour } = await estate();
    const a = await file(first, '电梯经常故障');
    await file(await neighbour('B1-0707'), '电梯停运');
    await file(await neighbour('B1-0808'), '电梯困人');
    expect((await view(a.id)).severity.level).toBe('hot');
    await warningFor(a.number);

    const lowered = await leader.request('POST', `/api/tickets/${a.id}/severity`, {
      level: 'ordinary',
      note: '核实为同一次停电引起,已恢复',
    });
    expect(lowered.status).toBe(200);
    expect(lowered.body).toMatchObject({
      level: 'ordinary',
      zh: '一般',
      reasons: [],
      dismissed: ['repeated'],
    });

    const fourth = await file(await neighbour('B1-0909'), '电梯异响');
    expect(fourth.severity!.level).toBe('hot');
    await warningFor(fourth.number);
    const seen = await view(a.id);
    expect(seen.severity).toMatchObject({ level: 'ordinary', dismissed: ['repeated'] });
    expect(seen.timeline.map((s) => s.kind)).toEqual(['register', 'escalate', 'severity']);
    expect(warningsFor(a.number)).toHaveLength(1);
  });
});

describe('unresolved for 7 days', () => {
  it('the periodic review raises a complaint open 7 days after intake, not one a little younger', async () => {
    const { first, neighbour } = await estate();
    const old = await file(first, '小区大门门禁失灵');
    const younger = await file(await neighbour('B4-0101'), '单元门禁坏了');
    // intake moved back: 7 days and a minute ago, and 7 days less an hour ago
    const backdate = async (id: number, interval: string) => {
      await db().query(`UPDATE tickets SET created_at = now() - $2::interval WHERE id = $1`, [id, interval]);
      await db().query(`UPDATE ticket_events SET at = now() - $2::interval WHERE ticket_id = $1`, [
        id,
        interval,
      ]);
    };
    await backdate(old.id, '7 days 1 minute');
    await backdate(younger.id, '6 days 23 hours');

    const connection = new Redis(stackConfig().redisUrl, { maxRetriesPerRequest: null });
    redis.push(connection);
    const queue = new Queue(SEVERITY_QUEUE, { connection });
    const events = new QueueEvents(SEVERITY_QUEUE, { connection: connection.duplicate() });
    try {
      await events.waitUntilReady();
      const job = await queue.add(SEVERITY_REVIEW_JOB, {});
      await job.waitUntilFinished(events, 30_000);
    } finally {
      await events.close();
      await queue.close();
    }

    const raised = await view(old.id);
    expect(raised.severity).toMatchObject({ level: 'hot', zh: '热点' });
    expect(raised.severity.reasons).toEqual([
      expect.objectContaining({ code: 'unresolved', zh: '受理 7 天仍未解决' }),
    ]);
    expect(raised.timeline.filter((s) => s.kind === 'escalate')).toHaveLength(1);
    expect((await warningFor(old.number)).reasons.map((r) => r.code)).toEqual(['unresolved']);
    expect((await view(younger.id)).severity.level).toBe('ordinary');
  });
});
