// Campaign rows a test owns (migration 016): a trunk whose dial string reaches the test's owner phone, a
// campaign, a target and its attempt, and the `OutboundDial` the dialer would hand to the port for it. Until the
// dialer places the calls, the tests call the platform's port with this dial themselves.
import { randomBytes } from 'node:crypto';
import type { CampaignKind, OutboundDial } from '../../core/campaigns/types.ts';
import { db } from './fixtures.ts';

export interface TestCampaign {
  campaignId: string;
  trunkCode: string;
}

export async function createCampaign(spec: {
  kind: CampaignKind;
  /** The trunk's dial string (an owner phone's `dial`). */
  dial: string;
  name?: string;
  scaleMax?: number;
  unsatisfiedMax?: number;
  notice?: Record<string, unknown>;
}): Promise<TestCampaign> {
  const trunkCode = `t-${randomBytes(5).toString('hex')}`;
  await db().query(
    `INSERT INTO trunks (code, name, dial, caller_id, max_channels, calls_per_second)
     VALUES ($1, $2, $3, '4008200000', 10, 5)`,
    [trunkCode, `测试线路 ${trunkCode}`, spec.dial],
  );
  const { rows } = await db().query<{ id: string }>(
    `INSERT INTO campaigns (kind, name, status, trunk_code, scale_max, unsatisfied_max, notice)
     VALUES ($1, $2, 'running', $3, $4, $5, $6) RETURNING id`,
    [
      spec.kind,
      spec.name ?? `测试${spec.kind} ${trunkCode}`,
      trunkCode,
      spec.scaleMax ?? 5,
      spec.unsatisfiedMax ?? 2,
      spec.notice ? JSON.stringify(spec.notice) : null,
    ],
  );
  return { campaignId: String(rows[0]!.id), trunkCode };
}

/**
 * A statement retried while PostgreSQL picks it as a deadlock's victim: the campaigns' scheduler, reacting to the
 * campaign written running, locks the campaign and its targets while the test writes its own target and attempt
 * (seen once in CI). A victim's statement is rolled back whole, so writing it again is safe.
 */
async function retriedOnDeadlock<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if ((err as { code?: string }).code !== '40P01' || attempt >= 5) throw err;
    }
  }
}

/** A target and its first attempt (dialling), and the dial the dialer would place for it. */
export async function createAttempt(
  campaign: TestCampaign & { kind: CampaignKind; dial: string },
  target: { ownerId: number; phone: string; unitId?: number | null; ticketId?: string | null },
  ringTimeoutS = 10,
): Promise<OutboundDial> {
  // one statement: the campaigns' scheduler (the campaign is running) gives every target without an open
  // attempt its next one, so a target written alone could get an attempt 1 of the scheduler's in between
  const { rows } = await retriedOnDeadlock(() =>
    db().query<{ targetId: string; attemptId: string }>(
      `WITH target AS (
         INSERT INTO campaign_targets (campaign_id, owner_id, unit_id, ticket_id, phone, status)
         VALUES ($1, $2, $3, $4, $5, 'dialling') RETURNING id)
       INSERT INTO call_attempts (target_id, campaign_id, attempt_no, status, due_at, dialled_at)
       SELECT id, $1, 1, 'dialling', now(), now() FROM target
       RETURNING target_id AS "targetId", id AS "attemptId"`,
      [campaign.campaignId, target.ownerId, target.unitId ?? null, target.ticketId ?? null, target.phone],
    ),
  );
  const { targetId, attemptId } = rows[0]!;
  return {
    attemptId: String(attemptId),
    attemptNo: 1,
    targetId: String(targetId),
    campaignId: campaign.campaignId,
    kind: campaign.kind,
    ownerId: String(target.ownerId),
    unitId: target.unitId ?? null,
    ticketId: target.ticketId ?? null,
    phone: target.phone,
    dial: campaign.dial,
    callerId: '4008200000',
    ringTimeoutS,
  };
}

/** Removes a campaign, its targets and attempts, the revisit records and do-not-call rows of its attempts. */
export async function dropCampaign(c: TestCampaign): Promise<void> {
  const q = db();
  await q.query(
    `DELETE FROM ticket_revisits WHERE attempt_id IN (SELECT id FROM call_attempts WHERE campaign_id = $1)`,
    [c.campaignId],
  );
  await q.query(
    `DELETE FROM do_not_call WHERE attempt_id IN (SELECT id FROM call_attempts WHERE campaign_id = $1)`,
    [c.campaignId],
  );
  await q.query(
    `DELETE FROM revisit_tasks WHERE target_id IN (SELECT id FROM campaign_targets WHERE campaign_id = $1)`,
    [c.campaignId],
  );
  await q.query(`DELETE FROM campaigns WHERE id = $1`, [c.campaignId]);
  await q.query(`DELETE FROM trunks WHERE code = $1`, [c.trunkCode]);
}
