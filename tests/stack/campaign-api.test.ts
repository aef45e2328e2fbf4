// Outbound campaigns through the API on the real database (issue 6): a team leader creates a campaign of each kind,
// bad settings are refused in words, the campaign moves draft -> running -> paused -> running -> cancelled and
// nothing else, agents may read but not manage; trunks are an admin's, the do-not-call list masks numbers, an agent
// records a revisit task's result on the ticket, and the fee-reminder coverage counts households reached.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { closeDb, createAgent, createOwner, db, testPhone, type TestOwner } from '../support/fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let leader: AgentClient;
let agent: AgentClient;
let admin: AgentClient;
let owner: TestOwner;
let neighbour: TestOwner;
const clients: AgentClient[] = [];
const tag = randomBytes(3).toString('hex');
const trunk = `t-${tag}`;
const campaignIds: number[] = [];

const message = (res: { body: unknown }): string => (res.body as { message: string }).message;
type View = {
  id: number;
  status: string;
  kind: string;
  commands: string[];
  total: number;
  counts: Record<string, number>;
  coverage: { householdsInArrears: number; householdsReminded: number; coverage: number | null } | null;
};

async function signIn(spec: Parameters<typeof createAgent>[0]) {
  const client = await AgentClient.signIn(platform.url, await createAgent(spec));
  clients.push(client);
  return client;
}

async function create(body: Record<string, unknown>, who = leader) {
  const res = await who.request('POST', '/api/campaigns', { trunk, name: `测试活动${tag}`, ...body });
  if (res.status === 201) campaignIds.push((res.body as View).id);
  return res as { status: number; body: View };
}

beforeAll(async () => {
  platform = await startTestPlatform();
  owner = await createOwner({
    name: '柳青',
    rooms: [{ roomCode: 'C2-0801', fees: [{ kind: 'property', amountFen: 150000, dueDate: '2026-10-31' }] }],
  });
  // a second household in arrears in the same estate
  neighbour = await createOwner({ name: '柳岸', rooms: [{ roomCode: 'C2-0802' }] });
  await db().query(
    'UPDATE units SET building_id = (SELECT building_id FROM units WHERE id = $1) WHERE id = $2',
    [owner.units[0]!.unitId, neighbour.units[0]!.unitId],
  );
  await db().query(
    `INSERT INTO fee_items (unit_id, kind, amount_fen, due_date) VALUES ($1, 'property', 90000, '2026-10-31')`,
    [neighbour.units[0]!.unitId],
  );
  leader = await signIn({ seat: null, role: 'supervisor' });
  agent = await signIn({ seat: null, role: 'agent', estates: [owner.estateId] });
  admin = await signIn({ seat: null, role: 'admin' });
  expect(
    (
      await admin.request('POST', '/api/admin/trunks', {
        code: trunk,
        name: `测试线路${tag}`,
        dial: 'PJSIP/outside/sip:{number}@127.0.0.1:5999',
        callerId: '4008200000',
        maxChannels: 4,
        callsPerSecond: 2,
      })
    ).status,
  ).toBe(201);
}, 60_000);

afterAll(async () => {
  if (campaignIds.length) await db().query('DELETE FROM campaigns WHERE id = ANY($1)', [campaignIds]);
  await db().query('DELETE FROM trunks WHERE code = $1', [trunk]);
  for (const c of clients) await c.close();
  await platform?.close();
  await closeDb();
});

describe('creating campaigns', () => {
  it('creates a fee reminder, a notice to a list of owners and a revisit, each with the settings of its kind', async () => {
    const building = (
      await db().query<{ id: number }>('SELECT building_id AS id FROM units WHERE id = $1', [
        owner.units[0]!.unitId,
      ])
    ).rows[0]!.id;
    const fee = await create({
      kind: 'fee-reminder',
      estateId: owner.estateId,
      buildingIds: [building],
      minArrearsYuan: 500.5,
      overdueDays: 30,
      cycle: '2026-11',
      maxAttempts: 4,
      retrySpacingS: 600,
    });
    expect(fee.status).toBe(201);
    expect(fee.body).toMatchObject({
      kind: 'fee-reminder',
      status: 'draft',
      minArrearsYuan: 500.5,
      overdueDays: 30,
      cycle: '2026-11',
      skipHolidays: true,
      window: { start: '09:00', end: '20:00' },
      maxAttempts: 4,
      commands: ['start', 'cancel'],
    });
    const notice = await create({
      kind: 'notice',
      ownerIds: [owner.ownerId, neighbour.ownerId],
      notice: { kind: 'water-cut', text: '明天 9:00-12:00 停水', emergency: false },
      start: 'now',
      window: { start: '08:00', end: '21:30' },
    });
    expect(notice.status).toBe(201);
    expect(notice.body).toMatchObject({ kind: 'notice', status: 'running', skipHolidays: false });
    const revisit = await create({
      kind: 'revisit',
      scaleMax: 5,
      unsatisfiedMax: 2,
      start: 'at',
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(revisit.status).toBe(201);
    expect(revisit.body).toMatchObject({ kind: 'revisit', status: 'scheduled', scaleMax: 5 });
  });

  it('refuses bad settings and says what is wrong', async () => {
    const noEstate = await create({ kind: 'fee-reminder' });
    expect(noEstate.status).toBe(400);
    expect(message(noEstate)).toBe(
      '欠费催缴需要选择小区 / A fee reminder needs the estate whose households are called.',
    );
    const negative = await create({ kind: 'fee-reminder', estateId: owner.estateId, minArrearsYuan: -1 });
    expect(negative.status).toBe(400);
    expect(message(negative)).toContain('最低欠费(元) minArrearsYuan');
    const noTrunk = await create({ kind: 'fee-reminder', estateId: owner.estateId, trunk: 'nowhere-9' });
    expect(message(noTrunk)).toBe('没有编号为「nowhere-9」的线路 / There is no trunk "nowhere-9".');
    const window = await create({
      kind: 'notice',
      estateId: owner.estateId,
      notice: { kind: 'storm', text: '台风' },
      window: { start: '20:00', end: '09:00' },
    });
    expect(message(window)).toContain('The calling window must start (20:00) before it ends (09:00)');
    const both = await create({
      kind: 'notice',
      estateId: owner.estateId,
      ownerIds: [owner.ownerId],
      notice: { kind: 'other', text: 'x' },
    });
    expect(message(both)).toContain('choose one');
    const past = await create({ kind: 'revisit', start: 'at', startsAt: '2020-01-01T00:00:00Z' });
    expect(message(past)).toContain('The start time has passed');
    const scale = await create({ kind: 'revisit', scaleMax: 3, unsatisfiedMax: 3 });
    expect(message(scale)).toContain('must be below the top of the scale (3)');
  });
});

describe('a campaign through its life', () => {
  it('starts, pauses, resumes and is cancelled; a command out of turn is refused with the reason', async () => {
    const { body } = await create({ kind: 'fee-reminder', estateId: owner.estateId });
    const go = (command: string, b?: unknown) =>
      leader.request('POST', `/api/campaigns/${body.id}/${command}`, b);
    expect(message(await go('pause'))).toBe(
      '只有进行中的活动可以暂停,此活动草稿 / Only a running campaign can be paused; this one is draft.',
    );
    const later = await go('start', { startsAt: new Date(Date.now() + 600_000).toISOString() });
    expect((later.body as View).status).toBe('scheduled');
    const started = await go('start');
    expect(started.status).toBe(200);
    expect((started.body as View).commands).toEqual(['pause', 'cancel']);
    expect((await go('start')).status).toBe(409);
    expect(((await go('pause')).body as View).status).toBe('paused');
    const again = await go('pause');
    expect(again.status).toBe(409);
    expect(message(again)).toBe('活动已经暂停 / The campaign is already paused.');
    expect(((await go('resume')).body as View).status).toBe('running');
    expect(((await go('cancel')).body as View).status).toBe('cancelled');
    const dead = await go('resume');
    expect(dead.status).toBe(409);
    expect(message(dead)).toBe(
      '只有已暂停的活动可以继续,此活动已取消 / Only a paused campaign can be resumed; this one is cancelled.',
    );
    const row = await db().query<{ started_at: Date | null; finished_at: Date | null }>(
      'SELECT started_at, finished_at FROM campaigns WHERE id = $1',
      [body.id],
    );
    expect(row.rows[0]!.started_at).not.toBeNull();
    expect(row.rows[0]!.finished_at).not.toBeNull();
  });

  it('lets agents read campaigns and their targets with numbers masked, never manage them', async () => {
    const { body } = await create({ kind: 'fee-reminder', estateId: owner.estateId, cycle: '2026-11' });
    const target = await db().query<{ id: number }>(
      `INSERT INTO campaign_targets (campaign_id, owner_id, unit_id, phone, arrears_fen, status, done, attempts, reached_at, outcome)
       VALUES ($1, $2, $3, $4, 150000, 'completed', true, 1, now(), 'acknowledged') RETURNING id`,
      [body.id, owner.ownerId, owner.units[0]!.unitId, owner.phone],
    );
    await db().query(
      `INSERT INTO call_attempts (target_id, campaign_id, attempt_no, status, result, due_at, dialled_at, answered_at, ended_at, hangup_cause, hangup_cause_text, outcome, keys)
       VALUES ($1, $2, 1, 'ended', 'answered', now(), now(), now(), now(), 16, 'Normal Clearing', 'acknowledged', '1')`,
      [target.rows[0]!.id, body.id],
    );
    await db().query(
      `INSERT INTO campaign_targets (campaign_id, owner_id, unit_id, phone, arrears_fen) VALUES ($1, $2, $3, $4, 90000)`,
      [body.id, neighbour.ownerId, neighbour.units[0]!.unitId, neighbour.phone],
    );
    const denied = await agent.request('POST', `/api/campaigns/${body.id}/start`);
    expect(denied.status).toBe(403);
    expect(message(denied)).toBe(
      '只有班长和系统管理员可以管理外呼活动 / Only team leaders and admins may manage campaigns.',
    );
    expect(
      (await agent.request('POST', '/api/campaigns', { kind: 'revisit', name: 'x', trunk })).status,
    ).toBe(403);
    const seen = (await agent.request('GET', `/api/campaigns/${body.id}`)).body as View;
    expect(seen).toMatchObject({ total: 2, commands: [] });
    expect(seen.counts).toMatchObject({ completed: 1, queued: 1 });
    // both households owe fees due in the cycle, one heard the reminder
    expect(seen.coverage).toMatchObject({ householdsInArrears: 2, householdsReminded: 1, coverage: 0.5 });
    const masked = (await agent.request('GET', `/api/campaigns/${body.id}/targets?status=completed`))
      .body as {
      targets: { id: number; phone: string }[];
      total: number;
    };
    expect(masked.total).toBe(1);
    expect(masked.targets[0]!.phone).toBe(`${owner.phone.slice(0, 3)}****${owner.phone.slice(-4)}`);
    const full = (await leader.request('GET', `/api/campaigns/${body.id}/targets`)).body as {
      targets: { phone: string }[];
    };
    expect(full.targets.map((t) => t.phone)).toEqual([owner.phone, neighbour.phone]);
    const attempts = (
      await agent.request('GET', `/api/campaigns/${body.id}/targets/${masked.targets[0]!.id}/attempts`)
    ).body as { attempts: { result: string; hangupCause: number; outcome: string }[] };
    expect(attempts.attempts).toEqual([
      expect.objectContaining({ result: 'answered', hangupCause: 16, outcome: 'acknowledged' }),
    ]);
    const list = (await agent.request('GET', '/api/campaigns?kind=fee-reminder&status=draft')).body as {
      campaigns: View[];
    };
    expect(list.campaigns.find((c) => c.id === body.id)).toMatchObject({ total: 2 });
  });
});

describe('trunks and the do-not-call list', () => {
  it('keeps trunks to admins and refuses removing one a campaign uses', async () => {
    const res = await leader.request('POST', '/api/admin/trunks', {
      code: `x-${tag}`,
      name: 'x',
      dial: 'PJSIP/{number}',
      callerId: '123',
      maxChannels: 1,
      callsPerSecond: 1,
    });
    expect(res.status).toBe(403);
    const bad = await admin.request('POST', '/api/admin/trunks', {
      code: `x-${tag}`,
      name: 'x',
      dial: 'PJSIP/outside',
      callerId: '123',
      maxChannels: 1,
      callsPerSecond: 1,
    });
    expect(bad.status).toBe(400);
    expect(message(bad)).toContain('拨号串 dial');
    expect((await admin.request('PATCH', `/api/admin/trunks/${trunk}`, { maxChannels: 8 })).status).toBe(200);
    const used = await admin.request('DELETE', `/api/admin/trunks/${trunk}`);
    expect(used.status).toBe(409);
    expect(message(used)).toContain('deactivate it instead');
  });

  it('lets an agent add an owner who asks, shows the number masked, and only an admin removes it', async () => {
    const phone = testPhone();
    expect((await agent.request('POST', '/api/do-not-call', { phone: `+86 ${phone}` })).status).toBe(201);
    const twice = await agent.request('POST', '/api/do-not-call', { phone });
    expect(twice.status).toBe(409);
    const seen = (await agent.request('GET', '/api/do-not-call?limit=500')).body as {
      entries: { phone: string; source: string }[];
    };
    expect(seen.entries).toContainEqual(
      expect.objectContaining({ phone: `${phone.slice(0, 3)}****${phone.slice(-4)}`, source: 'agent' }),
    );
    expect(seen.entries.some((e) => e.phone === phone)).toBe(false);
    expect((await agent.request('DELETE', `/api/do-not-call/${phone}`)).status).toBe(403);
    expect((await admin.request('DELETE', `/api/do-not-call/${phone}`)).status).toBe(200);
    expect((await admin.request('DELETE', `/api/do-not-call/${phone}`)).status).toBe(404);
  });
});

describe('revisit tasks', () => {
  it('an agent who serves the estate records the revisit: the ticket closes and its record says by whom', async () => {
    const ticket = await db().query<{ id: number }>(
      `INSERT INTO tickets (owner_id, unit_id, estate_id, type, description, status, department, resolution)
       VALUES ($1, $2, $3, 'repair', '厨房漏水', 'resolved', NULL, '已更换水管') RETURNING id`,
      [owner.ownerId, owner.units[0]!.unitId, owner.estateId],
    );
    const ticketId = ticket.rows[0]!.id;
    const task = await db().query<{ id: number }>(
      `INSERT INTO revisit_tasks (ticket_id, reason) VALUES ($1, 'not-reached') RETURNING id`,
      [ticketId],
    );
    const stranger = await signIn({ seat: null, role: 'agent' });
    const hers = (await agent.request('GET', '/api/revisit-tasks')).body as {
      tasks: { id: number; phone: string }[];
    };
    expect(hers.tasks).toContainEqual(expect.objectContaining({ id: task.rows[0]!.id, phone: owner.phone }));
    const theirs = (await stranger.request('GET', '/api/revisit-tasks')).body as { tasks: { id: number }[] };
    expect(theirs.tasks.some((t) => t.id === task.rows[0]!.id)).toBe(false);
    expect(
      (await stranger.request('POST', `/api/revisit-tasks/${task.rows[0]!.id}/revisit`, { score: 5 })).status,
    ).toBe(404);
    const tooHigh = await agent.request('POST', `/api/revisit-tasks/${task.rows[0]!.id}/revisit`, {
      score: 6,
    });
    expect(message(tooHigh)).toBe('评分为 1-5 分 / The score is 1 to 5, not 6.');
    const done = await agent.request('POST', `/api/revisit-tasks/${task.rows[0]!.id}/revisit`, {
      score: 5,
      note: '业主满意',
    });
    expect(done.body).toMatchObject({ ticketStatus: 'closed', satisfied: true });
    const record = (await agent.request('GET', `/api/tickets/${ticketId}/revisits`)).body as {
      revisits: unknown[];
    };
    expect(record.revisits).toEqual([
      expect.objectContaining({ score: 5, satisfied: true, automated: false, result: 'scored' }),
    ]);
    expect((await agent.request('GET', '/api/revisit-tasks')).body).not.toMatchObject({
      tasks: [expect.objectContaining({ id: task.rows[0]!.id })],
    });
    await db().query('DELETE FROM tickets WHERE id = $1', [ticketId]);
  });
});
