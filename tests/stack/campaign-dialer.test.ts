// The dialer against the real Asterisk: a campaign written as the API writes it (a row, status running) is picked
// up by the scheduler through migration 017's NOTIFY, its targets dialled through the test's own trunk to a sipp
// owner phone at the carrier's side. What the owner's phone sees (INVITEs) is held against the attempts recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { attemptJobId, dialQueueName, isPublicHoliday } from '../../core/index.ts';
import { AgentClient } from '../support/agent-client.ts';
import { ariGet, eventually, stackConfig, withCleanUp } from '../support/env.ts';
import {
  attemptsOf,
  dropCampaign,
  invitesIn,
  moreOwingHouseholds,
  mostAtOnce,
  owingOwner,
  runCampaign,
} from '../support/dialer-fixtures.ts';
import { closeDb, createAgent, db } from '../support/fixtures.ts';
import { startOwnerPhone, type OwnerPhoneKind } from '../support/owner-phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform();
});

afterAll(async () => {
  await platform?.close();
  await closeDb();
});

async function targetOf(campaignId: number) {
  const { rows } = await db().query<{ status: string; done: boolean; attempts: number }>(
    'SELECT status, done, attempts FROM campaign_targets WHERE campaign_id = $1',
    [campaignId],
  );
  return rows[0];
}

describe('retries: an owner not reached is called again after the spacing, up to max attempts', () => {
  it.each([
    ['busy', 'busy', 17, 'busy'],
    ['rejects', 'rejected', 21, 'busy'],
    ['noanswer', 'no-answer', 19, 'no-answer'],
  ] as [OwnerPhoneKind, string, number, string][])(
    'a phone that is %s: two dials 10 s apart, each recorded %s (cause %d), the target done',
    async (kind, result, cause, targetStatus) => {
      const owner = await owingOwner();
      const phone = await startOwnerPhone(kind, { calls: 2 });
      const campaign = await runCampaign(phone, owner);
      await withCleanUp(
        async () => {
          const attempts = await eventually(
            async () => {
              const a = await attemptsOf(campaign.campaignId);
              return a.length === 2 && a.every((x) => x.status === 'ended') && a;
            },
            'two ended attempts',
            60_000,
            200,
          );
          expect(attempts.map((a) => [a.attemptNo, a.result, a.cause])).toEqual([
            [1, result, cause],
            [2, result, cause],
          ]);
          const spacing = attempts[1]!.dialledAt!.getTime() - attempts[0]!.endedAt!.getTime();
          expect(spacing).toBeGreaterThanOrEqual(10_000);
          expect(await targetOf(campaign.campaignId)).toEqual({
            status: targetStatus,
            done: true,
            attempts: 2,
          });
          // what the owner's phone saw: exactly one INVITE per attempt
          const sipp = await phone.done;
          expect(invitesIn(sipp.messages)).toBe(2);
          // every target done: the campaign completed
          const { rows } = await db().query('SELECT status FROM campaigns WHERE id = $1', [
            campaign.campaignId,
          ]);
          expect(rows[0]).toEqual({ status: 'completed' });
        },
        () => phone.stop(),
        () => dropCampaign(campaign),
      );
    },
    90_000,
  );
});

/** The dial job of the campaign's one attempt once it waits, delayed (the attempt still queued). */
async function delayedDialJob(campaign: { campaignId: number; trunkCode: string }) {
  const queue = new Queue(dialQueueName(campaign.trunkCode), {
    connection: { url: stackConfig().redisUrl },
  });
  try {
    const job = await eventually(
      async () => {
        const { rows } = await db().query<{ id: number; status: string }>(
          'SELECT id, status FROM call_attempts WHERE campaign_id = $1',
          [campaign.campaignId],
        );
        const j = rows[0] && (await queue.getJob(attemptJobId(rows[0].id)));
        return j && rows[0]!.status === 'queued' && (await j.getState()) === 'delayed' && j;
      },
      'the delayed dial job of the attempt',
      20_000,
      200,
    );
    return { dueAt: new Date(job.timestamp + job.delay) };
  } finally {
    await queue.close();
  }
}

/** An instant as Shanghai's calendar date and clock ('2026-12-07', '09:00'). */
const shanghai = (at: Date) => {
  const local = new Date(at.getTime() + 8 * 3600_000).toISOString();
  return { date: local.slice(0, 10), hhmm: local.slice(11, 16) };
};

describe('the calling window', () => {
  it('outside its window a target is not dialled: its dial job waits for the next opening', async () => {
    const owner = await owingOwner();
    const phone = await startOwnerPhone('busy');
    // a window that opened and closed hours ago (Asia/Shanghai)
    const hh = shanghai(new Date(Date.now() - 6 * 3600_000)).hhmm.slice(0, 2);
    const window: [string, string] = [`${hh}:00`, `${hh}:30`];
    const campaign = await runCampaign(phone, owner, { window });
    await withCleanUp(
      async () => {
        // the attempt's dial job waits, delayed to the next opening: at the window's start, Shanghai time
        const { dueAt } = await delayedDialJob(campaign);
        expect(shanghai(dueAt).hhmm).toBe(window[0]);
        expect(dueAt.getTime()).toBeGreaterThan(Date.now());
        expect(invitesIn(phone.messages())).toBe(0);
      },
      () => phone.stop(),
      () => dropCampaign(campaign),
    );
  }, 40_000);

  it('a fee reminder is not dialled on a public holiday the admin entered: it waits for the next calling day', async () => {
    // today (Shanghai) entered as a public holiday by an admin, through the API: every process reloads its calendar
    const today = shanghai(new Date()).date;
    const admin = await createAgent({ seat: null, role: 'admin', name: '日历管理员' });
    const adminDesk = await AgentClient.signIn(platform.url, admin);
    const packageHoliday = isPublicHoliday(today);
    if (!packageHoliday) {
      const put = await adminDesk.request('PUT', `/api/admin/calendar/days/${today}`, {
        kind: 'holiday',
        name: '测试假日',
      });
      expect(put.status).toBe(200);
      await eventually(() => isPublicHoliday(today), 'the platform to reload the calendar');
    }
    const owner = await owingOwner();
    const phone = await startOwnerPhone('busy');
    // open all day: only the holiday keeps the owner's phone quiet
    const campaign = await runCampaign(phone, owner, { window: ['00:00', '23:59'] });
    await withCleanUp(
      async () => {
        const { dueAt } = await delayedDialJob(campaign);
        // at the opening of the next day that is no holiday
        const opening = shanghai(dueAt);
        expect(opening.hhmm).toBe('00:00');
        expect(opening.date > today).toBe(true);
        expect(isPublicHoliday(opening.date)).toBe(false);
        expect(isPublicHoliday(shanghai(new Date(dueAt.getTime() - 3600_000)).date)).toBe(true);
        expect(invitesIn(phone.messages())).toBe(0);
      },
      () => phone.stop(),
      () => dropCampaign(campaign),
      async () => {
        if (packageHoliday) return;
        expect((await adminDesk.request('DELETE', `/api/admin/calendar/days/${today}`)).status).toBe(204);
        await eventually(() => !isPublicHoliday(today), 'the platform to reload the calendar');
      },
      () => adminDesk.close(),
    );
  }, 40_000);
});

describe("the trunk's cap", () => {
  it('a burst of 500 targets on a trunk of 25 channels: never more than 25 calls up, every target answered once', async () => {
    const N = 500;
    const CAP = 25;
    const owner = await owingOwner();
    await moreOwingHouseholds(owner, N - 1);
    const phone = await startOwnerPhone('hangs-up', { calls: N, listenMs: 800 });
    // the trunk's cap from its first row: the dialer's worker for it takes its concurrency at start
    const campaign = await runCampaign(phone, owner, {
      maxAttempts: 1,
      maxChannels: CAP,
      callsPerSecond: 60,
    });
    // Asterisk's own count of the trunk's channels, every 50 ms
    let peak = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const { body } = await ariGet('/channels');
        const up = (body as { name: string }[]).filter((c) => c.name.startsWith('PJSIP/trunk-')).length;
        peak = Math.max(peak, up);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await withCleanUp(
      async () => {
        await eventually(
          async () => {
            const { rows } = await db().query<{ status: string }>(
              'SELECT status FROM campaigns WHERE id = $1',
              [campaign.campaignId],
            );
            return rows[0]?.status === 'completed';
          },
          'the campaign to complete',
          180_000,
          500,
        );
        const { rows } = await db().query<{ result: string; n: number }>(
          `SELECT result, count(*)::int AS n FROM call_attempts WHERE campaign_id = $1 GROUP BY result`,
          [campaign.campaignId],
        );
        expect(rows).toEqual([{ result: 'answered', n: N }]);
        expect(await mostAtOnce(campaign.campaignId)).toBeLessThanOrEqual(CAP);
        expect(peak).toBeGreaterThan(0);
        expect(peak).toBeLessThanOrEqual(CAP);
        expect(invitesIn(phone.messages())).toBe(N);
      },
      async () => {
        watching = false;
        await watcher;
      },
      () => phone.stop(),
      () => dropCampaign(campaign),
    );
  }, 240_000);
});

describe('the arrears checked again before the dial', () => {
  it('a household that paid after its reminder was queued is not called', async () => {
    const owner = await owingOwner();
    const phone = await startOwnerPhone('hangs-up', { calls: 1, listenMs: 1000 });
    // the trunk switched off: the reminder is queued, nothing is dialled yet
    const campaign = await runCampaign(phone, owner, { trunkActive: false });
    await withCleanUp(
      async () => {
        await eventually(
          async () => (await attemptsOf(campaign.campaignId))[0]?.status === 'queued',
          'the reminder queued',
          20_000,
          200,
        );
        await db().query('UPDATE fee_items SET paid_at = now() WHERE unit_id = $1 AND paid_at IS NULL', [
          owner.units[0]!.unitId,
        ]);
        // the trunk on again; a campaign's notice makes the dialer look for trunks at once
        await db().query('UPDATE trunks SET active = true WHERE code = $1', [campaign.trunkCode]);
        await db().query(`SELECT pg_notify('hotline_campaigns', $1)`, [String(campaign.campaignId)]);
        const attempts = await eventually(
          async () => {
            const a = await attemptsOf(campaign.campaignId);
            return a[0]?.status === 'dropped' && a;
          },
          'the reminder dropped',
          90_000,
          200,
        );
        expect(attempts.map((a) => [a.status, a.result])).toEqual([['dropped', 'paid']]);
        expect(await targetOf(campaign.campaignId)).toMatchObject({
          status: 'skipped',
          done: true,
          attempts: 0,
        });
        expect(invitesIn(await phone.finish())).toBe(0);
      },
      () => phone.stop(),
      () => dropCampaign(campaign),
    );
  }, 120_000);
});

describe('one call at a time per owner', () => {
  it('two campaigns started together for one owner: the second call waits until the first has ended', async () => {
    const owner = await owingOwner();
    const phone = await startOwnerPhone('hangs-up', { calls: 2, listenMs: 3000 });
    const first = await runCampaign(phone, owner, { maxAttempts: 1 });
    const second = await runCampaign(phone, owner, { maxAttempts: 1 });
    await withCleanUp(
      async () => {
        const { rows } = await eventually(
          async () => {
            const r = await db().query<{ dialledAt: Date; endedAt: Date; result: string }>(
              `SELECT dialled_at AS "dialledAt", ended_at AS "endedAt", result FROM call_attempts
                WHERE campaign_id = ANY($1) AND status = 'ended' ORDER BY dialled_at`,
              [[first.campaignId, second.campaignId]],
            );
            return r.rows.length === 2 && r;
          },
          'both campaigns to have called the owner',
          90_000,
          500,
        );
        expect(rows.map((a) => a.result)).toEqual(['answered', 'answered']);
        expect(rows[1]!.dialledAt.getTime()).toBeGreaterThanOrEqual(rows[0]!.endedAt.getTime());
        expect(invitesIn(phone.messages())).toBe(2);
      },
      () => phone.stop(),
      () => dropCampaign(second),
      () => dropCampaign(first),
    );
  }, 120_000);
});

describe('do-not-call', () => {
  it('an owner who pressed 9 is not called again by the next fee reminder', async () => {
    const owner = await owingOwner();
    const phone = await startOwnerPhone('keys', { digit: '9', calls: 2, listenMs: 6000 });
    const first = await runCampaign(phone, owner);
    let second: Awaited<ReturnType<typeof runCampaign>> | null = null;
    await withCleanUp(
      async () => {
        await eventually(
          async () => (await targetOf(first.campaignId))?.done,
          'the first reminder to be through',
          60_000,
          200,
        );
        expect(await targetOf(first.campaignId)).toMatchObject({
          status: 'opted-out',
          done: true,
          attempts: 1,
        });
        second = await runCampaign(phone, owner);
        const s = second;
        const attempts = await eventually(
          async () => {
            const a = await attemptsOf(s.campaignId);
            return a[0]?.status === 'dropped' && a;
          },
          'the second reminder dropped',
          20_000,
          200,
        );
        expect(attempts.map((a) => [a.status, a.result])).toEqual([['dropped', 'do-not-call']]);
        expect(await targetOf(s.campaignId)).toMatchObject({ status: 'opted-out', done: true, attempts: 0 });
        expect(invitesIn(phone.messages())).toBe(1);
      },
      () => phone.stop(),
      () => (second ? dropCampaign(second) : undefined),
      () => dropCampaign(first),
      () => db().query('DELETE FROM do_not_call WHERE phone = $1', [owner.phone]),
    );
  }, 90_000);
});
