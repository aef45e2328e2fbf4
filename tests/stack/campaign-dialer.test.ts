// The dialer against the real Asterisk: a campaign written as the API writes it (a row, status running) is picked
// up by the scheduler through migration 017's NOTIFY, its targets dialled through the test's own trunk to a sipp
// owner phone at the carrier's side. What the owner's phone sees (INVITEs) is held against the attempts recorded.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { attemptJobId, dialQueueName } from '../../core/index.ts';
import { eventually, stackConfig, withCleanUp } from '../support/env.ts';
import { closeDb, createOwner, db, type TestOwner } from '../support/fixtures.ts';
import { startOwnerPhone, type OwnerPhone, type OwnerPhoneKind } from '../support/owner-phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform();
});

afterAll(async () => {
  await platform?.close();
  await closeDb();
});

interface Attempt {
  attemptNo: number;
  status: string;
  result: string | null;
  cause: number | null;
  dialledAt: Date | null;
  endedAt: Date | null;
  dueAt: Date;
}

async function owingOwner(): Promise<TestOwner> {
  return createOwner({
    name: '王芳',
    rooms: [{ roomCode: 'B2-0801', fees: [{ kind: 'property', amountFen: 38_000, dueDate: '2026-01-31' }] }],
  });
}

/** A trunk of the test's own to its owner phone, and a fee-reminder campaign on it, written running. */
async function runCampaign(
  phone: OwnerPhone,
  owner: TestOwner,
  spec: { maxAttempts?: number; retrySpacingS?: number; ringTimeoutS?: number; window?: [string, string] } = {},
): Promise<{ campaignId: number; trunkCode: string }> {
  const trunkCode = `t-${randomBytes(5).toString('hex')}`;
  await db().query(
    `INSERT INTO trunks (code, name, dial, caller_id, max_channels, calls_per_second)
     VALUES ($1, $2, $3, '4008200000', 5, 5)`,
    [trunkCode, `测试线路 ${trunkCode}`, phone.dial],
  );
  const [start, end] = spec.window ?? ['00:00', '23:59'];
  const { rows } = await db().query<{ id: number }>(
    `INSERT INTO campaigns (kind, name, status, trunk_code, estate_id, min_arrears_fen, max_attempts,
                            retry_spacing_s, ring_timeout_s, window_start, window_end)
     VALUES ('fee-reminder', $1, 'running', $2, $3, 100, $4, $5, $6, $7, $8) RETURNING id`,
    [
      `催缴 ${trunkCode}`,
      trunkCode,
      owner.estateId,
      spec.maxAttempts ?? 2,
      spec.retrySpacingS ?? 10,
      spec.ringTimeoutS ?? 5,
      start,
      end,
    ],
  );
  return { campaignId: rows[0]!.id, trunkCode };
}

async function dropCampaign(c: { campaignId: number; trunkCode: string }): Promise<void> {
  await db().query(`UPDATE campaigns SET status = 'cancelled' WHERE id = $1 AND status <> 'completed'`, [
    c.campaignId,
  ]);
  await db().query('DELETE FROM do_not_call WHERE attempt_id IN (SELECT id FROM call_attempts WHERE campaign_id = $1)', [
    c.campaignId,
  ]);
  await db().query('DELETE FROM campaigns WHERE id = $1', [c.campaignId]);
  await db().query('DELETE FROM trunks WHERE code = $1', [c.trunkCode]);
}

async function attemptsOf(campaignId: number): Promise<Attempt[]> {
  const { rows } = await db().query<Attempt>(
    `SELECT attempt_no AS "attemptNo", status, result, hangup_cause AS cause, dialled_at AS "dialledAt",
            ended_at AS "endedAt", due_at AS "dueAt"
       FROM call_attempts WHERE campaign_id = $1 ORDER BY attempt_no`,
    [campaignId],
  );
  return rows;
}

async function targetOf(campaignId: number) {
  const { rows } = await db().query<{ status: string; done: boolean; attempts: number }>(
    'SELECT status, done, attempts FROM campaign_targets WHERE campaign_id = $1',
    [campaignId],
  );
  return rows[0];
}

const invitesIn = (messages: string) => (messages.match(/^INVITE sip:/gm) ?? []).length;

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
          expect(await targetOf(campaign.campaignId)).toEqual({ status: targetStatus, done: true, attempts: 2 });
          // what the owner's phone saw: exactly one INVITE per attempt
          const sipp = await phone.done;
          expect(invitesIn(sipp.messages)).toBe(2);
          // every target done: the campaign completed
          const { rows } = await db().query('SELECT status FROM campaigns WHERE id = $1', [campaign.campaignId]);
          expect(rows[0]).toEqual({ status: 'completed' });
        },
        () => phone.stop(),
        () => dropCampaign(campaign),
      );
    },
    90_000,
  );
});

describe('the calling window', () => {
  it('outside its window a target is not dialled: its dial job waits for the next opening', async () => {
    const owner = await owingOwner();
    const phone = await startOwnerPhone('busy');
    // a window that opened and closed hours ago (Asia/Shanghai)
    const local = new Date(Date.now() + 8 * 3600_000 - 6 * 3600_000);
    const hh = String(local.getUTCHours()).padStart(2, '0');
    const window: [string, string] = [`${hh}:00`, `${hh}:30`];
    const campaign = await runCampaign(phone, owner, { window });
    await withCleanUp(
      async () => {
        // the attempt's dial job waits, delayed to the next opening
        const queue = new Queue(dialQueueName(campaign.trunkCode), { connection: { url: stackConfig().redisUrl } });
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
          // at the window's start, Shanghai time, within the next day and a half (a holiday aside)
          const opening = new Date(job.timestamp + job.delay + 8 * 3600_000);
          const hhmm = `${String(opening.getUTCHours()).padStart(2, '0')}:${String(opening.getUTCMinutes()).padStart(2, '0')}`;
          expect(hhmm).toBe(window[0]);
          expect(job.timestamp + job.delay).toBeGreaterThan(Date.now());
        } finally {
          await queue.close();
        }
        expect(invitesIn(phone.messages())).toBe(0);
      },
      () => phone.stop(),
      () => dropCampaign(campaign),
    );
  }, 40_000);
});
