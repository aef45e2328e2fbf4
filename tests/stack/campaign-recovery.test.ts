// The dialer through failures, on the real stack (issue 6): the API and the workers run in this process, the
// dialer in a child process `node main.ts start --role ivr` (with the IVR controller it dials through), so that a
// test can kill it with SIGKILL in the middle of calls and start it again. Redis is stopped and started under
// running calls; a campaign is paused and resumed through the API. What the sipp owner phone saw (one INVITE per
// dial) is held against the attempts recorded: every attempt accounted for, no number dialled twice for one
// attempt, the campaign completed.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../main.ts';
import { AgentClient } from '../support/agent-client.ts';
import { dropCampaign, moreOwingHouseholds, owingOwner, runCampaign } from '../support/dialer-fixtures.ts';
import { ariGet, eventually, withCleanUp } from '../support/env.ts';
import { dropCampaign as dropOwnCampaign } from '../support/campaign-fixtures.ts';
import { closeDb, createAgent, createOrganisation, createOwner, db } from '../support/fixtures.ts';
import { startOwnerPhone, type OwnerPhone, type OwnerPhoneKind } from '../support/owner-phones.ts';
import { startTestRoles } from '../support/platform.ts';
import { stack } from '../support/stack-control.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let roles: Platform;
let dialer: { child: ChildProcess; output: () => string } | null = null;

/** The ivr role (controller and dialer) as a process of its own, ready once it says it started. */
async function startDialerProcess(): Promise<void> {
  let output = '';
  const child = spawn(process.execPath, ['main.ts', 'start', '--role', 'ivr'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOTLINE_WRAP_UP_S: '0',
      HOTLINE_RING_TIMEOUT_S: '6',
      HOTLINE_DIGIT_TIMEOUT_MS: '4000',
      HOTLINE_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  dialer = { child, output: () => output };
  await eventually(
    () => output.includes('"platform started"') || child.exitCode !== null,
    'the dialer process to start',
    30_000,
  );
  if (child.exitCode !== null) throw new Error(`the dialer process exited: ${output.slice(-2000)}`);
}

async function stopDialerProcess(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const d = dialer;
  dialer = null;
  if (!d || d.child.exitCode !== null || d.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => d.child.once('exit', () => resolve()));
  d.child.kill(signal);
  await exited;
}

/** The trunk this file's automatic revisits are dialled on (its workers' HOTLINE_REVISIT_TRUNK). */
const REVISIT_TRUNK = `revisits-${process.pid}`;

beforeAll(async () => {
  roles = await startTestRoles(['cti', 'workers'], { HOTLINE_REVISIT_TRUNK: REVISIT_TRUNK });
  await startDialerProcess();
}, 60_000);

afterAll(async () => {
  await stopDialerProcess();
  await roles?.close();
  await closeDb();
}, 60_000);

interface AttemptRow {
  id: number;
  targetId: number;
  attemptNo: number;
  status: string;
  result: string | null;
  dialled: boolean;
  phone: string;
}

async function attemptRows(campaignId: number): Promise<AttemptRow[]> {
  const { rows } = await db().query<AttemptRow>(
    `SELECT a.id::int, a.target_id::int AS "targetId", a.attempt_no AS "attemptNo", a.status, a.result,
            a.dialled_at IS NOT NULL AS dialled, t.phone
       FROM call_attempts a JOIN campaign_targets t ON t.id = a.target_id
      WHERE a.campaign_id = $1 ORDER BY a.target_id, a.attempt_no`,
    [campaignId],
  );
  return rows;
}

/** The calls (distinct Call-IDs) the owner phone received: the number dialled and when (sipp's trace, local time). */
function invites(messages: string): { number: string; at: number }[] {
  const calls = new Map<string, { number: string; at: number }>();
  const re =
    /^-+ (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})\d*\s+.*\s+^INVITE sip:([^@;\s]+)@[\s\S]*?^Call-ID:\s*(\S+)/gim;
  for (const m of messages.matchAll(re))
    if (!calls.has(m[4]!)) calls.set(m[4]!, { number: m[3]!, at: new Date(`${m[1]}T${m[2]}`).getTime() });
  return [...calls.values()];
}

function invitesPerNumber(messages: string): Map<string, number> {
  const per = new Map<string, number>();
  for (const { number } of invites(messages)) per.set(number, (per.get(number) ?? 0) + 1);
  return per;
}

async function campaignStatus(campaignId: number): Promise<string | undefined> {
  const { rows } = await db().query<{ status: string }>('SELECT status FROM campaigns WHERE id = $1', [
    campaignId,
  ]);
  return rows[0]?.status;
}

/**
 * The campaign completed and every attempt accounted for: ended with a result or dropped, an interrupted one
 * followed by the target's next attempt; every target answered in the end; the phone got exactly one call per
 * attempt dialled, for every number. Returns the attempts.
 */
async function expectAccountedFor(
  campaignId: number,
  phone: OwnerPhone,
  targets: number,
): Promise<{ attempts: AttemptRow[]; messages: string }> {
  await eventually(
    async () => (await campaignStatus(campaignId)) === 'completed',
    'the campaign to complete',
    150_000,
    500,
  );
  const attempts = await attemptRows(campaignId);
  expect(attempts.filter((a) => !['ended', 'dropped'].includes(a.status))).toEqual([]);
  for (const a of attempts.filter((x) => x.result === 'interrupted'))
    expect(
      attempts.some((b) => b.targetId === a.targetId && b.attemptNo === a.attemptNo + 1),
      `interrupted attempt ${a.id} followed by the next one`,
    ).toBe(true);
  const { rows: done } = await db().query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM campaign_targets WHERE campaign_id = $1 AND done GROUP BY status`,
    [campaignId],
  );
  expect(done).toEqual([{ status: 'completed', n: targets }]);
  // what the owner's phone saw, once sipp has written it all
  const dialled = new Map<string, number>();
  for (const a of attempts.filter((x) => x.dialled)) dialled.set(a.phone, (dialled.get(a.phone) ?? 0) + 1);
  const messages = await phone.finish();
  const seen = invitesPerNumber(messages);
  expect(Object.fromEntries([...seen].sort())).toEqual(Object.fromEntries([...dialled].sort()));
  return { attempts, messages };
}

/** The trunk's channels Asterisk has up (answered) now. */
async function trunkChannelsUp(): Promise<number> {
  const { body } = await ariGet('/channels');
  return (body as { name: string; state: string }[]).filter(
    (c) => c.name.startsWith('PJSIP/trunk-') && c.state === 'Up',
  ).length;
}

/** `n` households owing fees, each owner's own number ringing the test's phone that hangs up after `listenMs`. */
async function owingHouseholdsCampaign(n: number, listenMs: number, spec: Parameters<typeof runCampaign>[2]) {
  const owner = await owingOwner();
  await moreOwingHouseholds(owner, n - 1);
  const phone = await startOwnerPhone('hangs-up', { calls: 100, listenMs });
  const campaign = await runCampaign(phone, owner, { callsPerSecond: 5, ...spec });
  return { phone, campaign };
}

const LIVE = ['dialling', 'answered'];

describe('the dialer killed in the middle of calls', () => {
  it('SIGKILL with calls up, then started again: every attempt accounted for, none dialled twice, the campaign completes', async () => {
    const N = 6;
    const { phone, campaign } = await owingHouseholdsCampaign(N, 5000, { maxAttempts: 3, maxChannels: 3 });
    await withCleanUp(
      async () => {
        await eventually(async () => (await trunkChannelsUp()) >= 2, 'two calls up', 30_000, 50);
        await stopDialerProcess('SIGKILL');
        const cut = (await attemptRows(campaign.campaignId)).filter((a) => LIVE.includes(a.status));
        expect(cut.length).toBeGreaterThanOrEqual(2);
        await startDialerProcess();
        const { attempts } = await expectAccountedFor(campaign.campaignId, phone, N);
        // the calls the kill cut were written interrupted (never dialled again), their owners called once more
        for (const c of cut)
          expect(attempts.find((a) => a.id === c.id)).toMatchObject({
            status: 'ended',
            result: 'interrupted',
          });
      },
      () => (dialer ? undefined : startDialerProcess()),
      () => phone.stop(),
      () => dropCampaign(campaign),
    );
  }, 200_000);
});

describe('Redis restarted in the middle of a campaign', () => {
  it('no attempt lost, none dialled twice, the campaign completes', async () => {
    const N = 8;
    const { phone, campaign } = await owingHouseholdsCampaign(N, 3000, { maxAttempts: 3, maxChannels: 2 });
    await withCleanUp(
      async () => {
        // some owners called, calls up, others still waiting their turn
        await eventually(
          async () => {
            const a = await attemptRows(campaign.campaignId);
            return a.some((x) => x.status === 'ended') && a.some((x) => x.status === 'queued');
          },
          'a call ended and others waiting',
          60_000,
          100,
        );
        stack('redis-stop');
        stack('redis-start');
        await expectAccountedFor(campaign.campaignId, phone, N);
      },
      () => stack('redis-start'),
      () => phone.stop(),
      () => dropCampaign(campaign),
    );
  }, 200_000);
});

describe('pause and resume through the API', () => {
  it('paused: no new call while paused; resumed: the rest are called, each once', async () => {
    const N = 6;
    const owner = await owingOwner();
    await moreOwingHouseholds(owner, N - 1);
    const leader = await AgentClient.signIn(
      roles.url!,
      await createAgent({ seat: null, role: 'supervisor' }),
    );
    const phone = await startOwnerPhone('hangs-up', { calls: 100, listenMs: 1500 });
    const campaign = await runCampaign(phone, owner, { maxAttempts: 1, maxChannels: 1, callsPerSecond: 5 });
    const command = async (c: 'pause' | 'resume') => {
      const res = await leader.request('POST', `/api/campaigns/${campaign.campaignId}/${c}`);
      expect(res.status).toBe(200);
      return (res.body as { status: string }).status;
    };
    await withCleanUp(
      async () => {
        await eventually(
          async () => (await attemptRows(campaign.campaignId)).filter((a) => a.dialled).length >= 2,
          'two owners called',
          30_000,
          100,
        );
        expect(await command('pause')).toBe('paused');
        // the call up when paused finishes; then nothing more is dialled
        await eventually(
          async () => (await attemptRows(campaign.campaignId)).every((a) => !LIVE.includes(a.status)),
          'the call up to finish',
          20_000,
          100,
        );
        const quietFrom = Date.now();
        const dialledBefore = (await attemptRows(campaign.campaignId)).filter((a) => a.dialled).length;
        expect(dialledBefore).toBeLessThan(N);
        // three times as long as a call takes on this trunk's one channel: a running campaign would have dialled
        await new Promise((r) => setTimeout(r, 8000));
        expect((await attemptRows(campaign.campaignId)).filter((a) => a.dialled).length).toBe(dialledBefore);
        expect(await campaignStatus(campaign.campaignId)).toBe('paused');

        const resumedAt = Date.now();
        expect(await command('resume')).toBe('running');
        const { attempts, messages } = await expectAccountedFor(campaign.campaignId, phone, N);
        expect(attempts.filter((a) => a.dialled).length).toBe(N);
        // the owner phones saw no call while paused, and the rest after the resume
        const calls = invites(messages);
        expect(calls.filter((c) => c.at > quietFrom && c.at < resumedAt)).toEqual([]);
        expect(calls.filter((c) => c.at < quietFrom).length).toBe(dialledBefore);
        expect(calls.filter((c) => c.at >= resumedAt).length).toBe(N - dialledBefore);
      },
      () => leader.close(),
      () => phone.stop(),
      () => dropCampaign(campaign),
    );
  }, 120_000);
});

describe('automatic revisits on the stack', () => {
  /**
   * The revisits' trunk of this file (HOTLINE_REVISIT_TRUNK) dialling the test's owner phone, and its standing
   * revisit campaign calling all day, `maxAttempts` times 10 s apart. Returns the steps that take both away.
   */
  async function standingRevisitsTo(
    phone: OwnerPhone,
    maxAttempts: number,
  ): Promise<(() => Promise<unknown>)[]> {
    // tickets other test files resolved and nobody has taken for a revisit yet would ring this test's phone
    await db().query('UPDATE tickets SET revisit_due = false WHERE revisit_due');
    await db().query(
      `INSERT INTO trunks (code, name, dial, caller_id, max_channels, calls_per_second)
       VALUES ($1, '回访测试线路', $2, '4008200000', 5, 5)`,
      [REVISIT_TRUNK, phone.dial],
    );
    const { rows } = await db().query<{ id: number }>(
      `INSERT INTO campaigns (kind, name, status, trunk_code, standing, targets_at, started_at, max_attempts,
                              retry_spacing_s, ring_timeout_s, window_start, window_end)
       VALUES ('revisit', '自动回访 Automatic revisits (test)', 'running', $1, true, now(), now(), $2, 10, 5,
               '00:00', '23:59') RETURNING id`,
      [REVISIT_TRUNK, maxAttempts],
    );
    const campaign = { campaignId: String(rows[0]!.id), trunkCode: REVISIT_TRUNK };
    return [() => dropOwnCampaign(campaign)];
  }

  /** A repair of the owner's, dispatched, worked on and resolved through the API. */
  async function resolvedRepair(name: string) {
    const company = await createOrganisation({ kind: 'property-company', departments: ['工程部'] });
    const department = company.departments['工程部']!;
    const owner = await createOwner({
      name,
      rooms: [{ roomCode: 'R3-0606' }],
      propertyCompanyId: company.id,
    });
    const agent = await AgentClient.signIn(
      roles.url!,
      await createAgent({ seat: null, estates: [owner.estateId] }),
    );
    const leader = await AgentClient.signIn(
      roles.url!,
      await createAgent({ seat: null, role: 'supervisor' }),
    );
    const filed = await agent.request('POST', '/api/tickets', {
      ownerId: owner.ownerId,
      unitId: owner.units[0]!.unitId,
      type: 'repair',
      repairKind: 'other',
      description: '卫生间门锁坏了',
    });
    expect(filed.status).toBe(201);
    const id = (filed.body as { id: number }).id;
    const act = async (by: AgentClient, action: Record<string, unknown>) =>
      expect((await by.request('POST', `/api/tickets/${id}/actions`, action)).status).toBe(200);
    await act(agent, { kind: 'verify' });
    await act(agent, { kind: 'dispatch', department });
    await act(leader, { kind: 'plan', plan: '明日上门更换门锁' });
    await act(leader, { kind: 'start' });
    await act(leader, { kind: 'resolve', resolution: '已更换门锁' });
    const close = async () => {
      for (const c of [agent, leader]) await c.close();
    };
    return { owner, ticketId: id, agent, leader, close };
  }

  async function ticketStatus(id: number): Promise<string> {
    const { rows } = await db().query<{ status: string }>('SELECT status FROM tickets WHERE id = $1', [id]);
    return rows[0]!.status;
  }

  async function revisitTargets(ticketId: number) {
    const { rows } = await db().query<{ status: string; attempts: number }>(
      `SELECT t.status, t.attempts FROM campaign_targets t JOIN campaigns c ON c.id = t.campaign_id
        WHERE t.ticket_id = $1 AND c.standing`,
      [ticketId],
    );
    return rows;
  }

  async function withStandingRevisits(
    kind: OwnerPhoneKind,
    opts: Parameters<typeof startOwnerPhone>[1],
    maxAttempts: number,
    body: (phone: OwnerPhone) => Promise<void>,
  ): Promise<void> {
    const phone = await startOwnerPhone(kind, opts);
    const restore = await standingRevisitsTo(phone, maxAttempts);
    await withCleanUp(
      () => body(phone),
      () => phone.stop(),
      ...restore,
    );
  }

  it('a repair resolved through the API: the standing revisit campaign calls its owner, who presses 5: the ticket is closed', async () => {
    await withStandingRevisits('comment', { digit: '5', commentAfterMs: 7000, calls: 20 }, 2, async () => {
      const t = await resolvedRepair('吴敏');
      await withCleanUp(async () => {
        await eventually(
          async () => (await ticketStatus(t.ticketId)) === 'closed',
          'the ticket closed',
          60_000,
          200,
        );
        // the call ends after the owner's comment: then the target is done, reached on the first dial
        await eventually(
          async () => (await revisitTargets(t.ticketId))[0]?.status === 'completed',
          'the revisit target done',
          30_000,
          200,
        );
        expect(await revisitTargets(t.ticketId)).toEqual([{ status: 'completed', attempts: 1 }]);
        const { rows } = await db().query(
          'SELECT result, score, satisfied, automated FROM ticket_revisits WHERE ticket_id = $1',
          [t.ticketId],
        );
        expect(rows).toEqual([{ result: 'scored', score: 5, satisfied: true, automated: true }]);
      }, t.close);
    });
  }, 90_000);

  it('an owner not reached on every attempt: a revisit task for a person (not-reached) and a step on the timeline', async () => {
    await withStandingRevisits('noanswer', { calls: 20 }, 2, async () => {
      const t = await resolvedRepair('郑强');
      await withCleanUp(async () => {
        const task = await eventually(
          async () => {
            const res = await t.leader.request('GET', '/api/revisit-tasks');
            expect(res.status).toBe(200);
            const tasks = (
              res.body as { tasks: { ticketId: number; reason: string; phone: string | null }[] }
            ).tasks;
            return tasks.find((x) => x.ticketId === t.ticketId);
          },
          'the revisit task',
          90_000,
          500,
        );
        expect(task).toMatchObject({ reason: 'not-reached', phone: t.owner.phone });
        expect(await revisitTargets(t.ticketId)).toEqual([{ status: 'no-answer', attempts: 2 }]);
        expect(await ticketStatus(t.ticketId)).toBe('resolved');
        const view = await t.leader.request('GET', `/api/tickets/${t.ticketId}`);
        const timeline = (
          view.body as { timeline: { kind: string; by: { role: string }; detail?: { text?: string } }[] }
        ).timeline;
        expect(timeline.at(-1)).toMatchObject({ kind: 'note', by: { role: 'system' } });
        expect(timeline.at(-1)!.detail?.text).toContain('自动回访 2 次未接通');
      }, t.close);
    });
  }, 120_000);
});
