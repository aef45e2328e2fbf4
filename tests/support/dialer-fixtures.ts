// The dialer's stack tests' own data: an owing owner (and more households in their estate), a trunk of the test's
// own to its sipp owner phone with a fee-reminder campaign on it written running (as the API writes it), the
// attempts recorded, and what the owner's phone saw.
import { randomBytes } from 'node:crypto';
import { createOwner, db, type TestOwner } from './fixtures.ts';
import type { OwnerPhone } from './owner-phones.ts';

export interface Attempt {
  attemptNo: number;
  status: string;
  result: string | null;
  cause: number | null;
  dialledAt: Date | null;
  endedAt: Date | null;
  dueAt: Date;
}

export async function owingOwner(): Promise<TestOwner> {
  return createOwner({
    name: '王芳',
    rooms: [{ roomCode: 'B2-0801', fees: [{ kind: 'property', amountFen: 38_000, dueDate: '2026-01-31' }] }],
  });
}

/** A trunk of the test's own to its owner phone, and a fee-reminder campaign on it, written running. */
export async function runCampaign(
  phone: OwnerPhone,
  owner: TestOwner,
  spec: {
    maxAttempts?: number;
    retrySpacingS?: number;
    ringTimeoutS?: number;
    window?: [string, string];
    maxChannels?: number;
    callsPerSecond?: number;
    /** false: the trunk switched off, so the campaign's attempts are queued and nothing is dialled yet */
    trunkActive?: boolean;
  } = {},
): Promise<{ campaignId: number; trunkCode: string }> {
  const trunkCode = `t-${randomBytes(5).toString('hex')}`;
  await db().query(
    `INSERT INTO trunks (code, name, dial, caller_id, max_channels, calls_per_second, active)
     VALUES ($1, $2, $3, '4008200000', $4, $5, $6)`,
    [
      trunkCode,
      `测试线路 ${trunkCode}`,
      phone.dial,
      spec.maxChannels ?? 5,
      spec.callsPerSecond ?? 5,
      spec.trunkActive ?? true,
    ],
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

export async function dropCampaign(c: { campaignId: number; trunkCode: string }): Promise<void> {
  await db().query(`UPDATE campaigns SET status = 'cancelled' WHERE id = $1 AND status <> 'completed'`, [
    c.campaignId,
  ]);
  await db().query(
    'DELETE FROM do_not_call WHERE attempt_id IN (SELECT id FROM call_attempts WHERE campaign_id = $1)',
    [c.campaignId],
  );
  await db().query('DELETE FROM campaigns WHERE id = $1', [c.campaignId]);
  await db().query('DELETE FROM trunks WHERE code = $1', [c.trunkCode]);
}

export async function attemptsOf(campaignId: number): Promise<Attempt[]> {
  const { rows } = await db().query<Attempt>(
    `SELECT attempt_no AS "attemptNo", status, result, hangup_cause AS cause, dialled_at AS "dialledAt",
            ended_at AS "endedAt", due_at AS "dueAt"
       FROM call_attempts WHERE campaign_id = $1 ORDER BY attempt_no`,
    [campaignId],
  );
  return rows;
}

export const invitesIn = (messages: string) => (messages.match(/^INVITE sip:/gm) ?? []).length;

/** `extra` more households owing a fee in the owner's estate, each owner with a phone of their own. */
export async function moreOwingHouseholds(owner: TestOwner, extra: number): Promise<void> {
  const base = 20_000_000 + Math.floor(Math.random() * 70_000_000);
  await db().query(
    `WITH b AS (SELECT u.building_id FROM units u WHERE u.id = $1),
          u AS (INSERT INTO units (building_id, room_code, delivery_date)
                SELECT b.building_id, 'X-' || g, '2021-06-30' FROM b, generate_series(1, $2::int) g RETURNING id),
          un AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM u),
          o AS (INSERT INTO owners (name) SELECT '业主' || g FROM generate_series(1, $2::int) g RETURNING id),
          onr AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM o),
          p AS (INSERT INTO owner_phones (owner_id, number) SELECT id, '146' || (n + $3::bigint)::text FROM onr),
          f AS (INSERT INTO fee_items (unit_id, kind, amount_fen, due_date)
                SELECT id, 'property', 20000, '2026-01-31' FROM un)
     INSERT INTO owner_units (owner_id, unit_id) SELECT onr.id, un.id FROM onr JOIN un USING (n)`,
    [owner.units[0]!.unitId, extra, base],
  );
}

/** The most attempts up at once, from their dialled..ended intervals. */
export async function mostAtOnce(campaignId: number): Promise<number> {
  const { rows } = await db().query<{ n: number }>(
    `WITH e AS (SELECT dialled_at AS at, 1 AS d FROM call_attempts WHERE campaign_id = $1 AND dialled_at IS NOT NULL
                UNION ALL
                SELECT ended_at, -1 FROM call_attempts WHERE campaign_id = $1 AND dialled_at IS NOT NULL)
     SELECT COALESCE(max(s), 0)::int AS n FROM (SELECT sum(d) OVER (ORDER BY at, d) AS s FROM e) x`,
    [campaignId],
  );
  return rows[0]!.n;
}
