// Outbound campaigns in the database (migrations 016, 017): picking the targets (bulk INSERT ... SELECT, never row
// by row), the attempts the dialer works through, what it checks before each dial, what it writes after, and the
// campaign's progress. The rules (window, retries, statuses) are core/campaigns/rules.ts; the dialer and the
// scheduler are workers/dialer.ts and workers/campaigns.ts.
import {
  DEFAULT_TRUNK,
  reachedBy,
  targetStatusAfter,
  targetStatusOfDrop,
  type CallOutcome,
  type CampaignKind,
  type CampaignStatus,
  type DialResult,
  type DropReason,
  type OutboundCallEnd,
  type TargetStatus,
} from '../core/index.ts';
import { getTrunk, listTrunks, type Trunk } from './outbound.ts';
import { inTransaction, type Pool, type Queryable } from './pool.ts';

/** Who a campaign calls (the create form's fields). */
export interface TargetCriteria {
  kind: CampaignKind;
  estateId: number | null;
  buildingIds: number[] | null;
  ownerIds: number[] | null;
  minArrearsFen: number | null;
  overdueDays: number | null;
}

export interface Campaign extends TargetCriteria {
  id: number;
  name: string;
  status: CampaignStatus;
  trunkCode: string;
  notice: { kind?: string; text?: string; recording?: number; emergency?: boolean } | null;
  windowStart: string;
  windowEnd: string;
  timeZone: string;
  skipHolidays: boolean;
  maxAttempts: number;
  retrySpacingS: number;
  ringTimeoutS: number;
  startsAt: string | null;
  targetsAt: string | null;
}

const CAMPAIGN_COLUMNS = `id, kind, name, status, trunk_code AS "trunkCode", estate_id AS "estateId",
  building_ids AS "buildingIds", owner_ids AS "ownerIds", min_arrears_fen AS "minArrearsFen",
  overdue_days AS "overdueDays", notice, window_start::text AS "windowStart", window_end::text AS "windowEnd",
  time_zone AS "timeZone", skip_holidays AS "skipHolidays", max_attempts AS "maxAttempts",
  retry_spacing_s AS "retrySpacingS", ring_timeout_s AS "ringTimeoutS", starts_at AS "startsAt",
  targets_at AS "targetsAt"`;

export async function campaignById(db: Queryable, id: number): Promise<Campaign | null> {
  const { rows } = await db.query<Campaign>(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** The trunks the dialer dials on (db/outbound.ts keeps them for the API). */
export async function activeTrunks(db: Queryable): Promise<Trunk[]> {
  return (await listTrunks(db)).filter((t) => t.active);
}

// ---------------------------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------------------------
//
// One SELECT per kind yields (owner_id, unit_id, ticket_id, phone, arrears_fen); the preview counts it, the
// selection inserts it. The number dialled is the owner's first phone: a mobile before a landline, then the
// lowest number (owner_phones has no order of its own).

const FIRST_PHONE = `JOIN LATERAL (SELECT number FROM owner_phones p WHERE p.owner_id = o.owner_id
                       ORDER BY (p.label <> 'mobile'), p.number LIMIT 1) ph ON true`;

/** A SELECT of (owner_id, unit_id, ticket_id, phone, arrears_fen) for the criteria, with its values. */
function targetsQuery(c: TargetCriteria, today: string): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (v: unknown, type: string) => {
    values.push(v);
    return `$${values.length}::${type}`;
  };
  const buildings = c.buildingIds && c.buildingIds.length > 0 ? c.buildingIds : null;
  const owners = c.ownerIds && c.ownerIds.length > 0 ? c.ownerIds : null;
  switch (c.kind) {
    case 'fee-reminder': {
      // one target per household (unit) in arrears, dialled on the first phone of its owner (the lowest id when
      // a unit has several owners)
      const overdue =
        c.overdueDays === null
          ? ''
          : `AND f.due_date <= ${param(today, 'date')} - ${param(c.overdueDays, 'int')}`;
      const text = `
        WITH arrears AS (
          SELECT f.unit_id, sum(f.amount_fen)::bigint AS fen
            FROM fee_items f JOIN units u ON u.id = f.unit_id JOIN buildings b ON b.id = u.building_id
           WHERE f.paid_at IS NULL AND b.estate_id = ${param(c.estateId, 'int')}
             ${buildings ? `AND b.id = ANY (${param(buildings, 'int[]')})` : ''} ${overdue}
           GROUP BY f.unit_id
          HAVING sum(f.amount_fen) >= ${param(Math.max(c.minArrearsFen ?? 1, 1), 'bigint')}
        ), o AS (
          SELECT DISTINCT ON (a.unit_id) a.unit_id, a.fen, ou.owner_id
            FROM arrears a JOIN owner_units ou ON ou.unit_id = a.unit_id
           WHERE EXISTS (SELECT 1 FROM owner_phones p WHERE p.owner_id = ou.owner_id)
           ORDER BY a.unit_id, ou.owner_id
        )
        SELECT o.owner_id, o.unit_id, NULL::bigint AS ticket_id, ph.number AS phone, o.fen AS arrears_fen
          FROM o ${FIRST_PHONE}`;
      return { text, values };
    }
    case 'notice': {
      // one target per owner: the list, or the owners of the estate's (buildings') units
      const scope = owners
        ? `SELECT ow.id AS owner_id, NULL::int AS unit_id FROM owners ow WHERE ow.id = ANY (${param(owners, 'bigint[]')})`
        : `SELECT ou.owner_id, min(ou.unit_id) AS unit_id
             FROM owner_units ou JOIN units u ON u.id = ou.unit_id JOIN buildings b ON b.id = u.building_id
            WHERE b.estate_id = ${param(c.estateId, 'int')}
              ${buildings ? `AND b.id = ANY (${param(buildings, 'int[]')})` : ''}
            GROUP BY ou.owner_id`;
      const text = `
        WITH o AS (${scope})
        SELECT o.owner_id, o.unit_id, NULL::bigint AS ticket_id, ph.number AS phone, NULL::bigint AS arrears_fen
          FROM o ${FIRST_PHONE}`;
      return { text, values };
    }
    case 'revisit': {
      // resolved tickets that need a revisit (core/tickets/types.ts needsRevisit) in the estate (all estates when
      // none), not already waiting in a revisit campaign that runs
      const text = `
        WITH o AS (
          SELECT t.owner_id, t.unit_id, t.id AS ticket_id
            FROM tickets t
           WHERE t.status = 'resolved' AND t.type IN ('complaint', 'compensation', 'repair')
             AND t.owner_id IS NOT NULL
             ${c.estateId !== null ? `AND t.estate_id = ${param(c.estateId, 'int')}` : ''}
             ${owners ? `AND t.owner_id = ANY (${param(owners, 'bigint[]')})` : ''}
             AND NOT EXISTS (SELECT 1 FROM campaign_targets ct JOIN campaigns c ON c.id = ct.campaign_id
                              WHERE ct.ticket_id = t.id AND NOT ct.done AND c.status IN ('running', 'paused'))
        )
        SELECT o.owner_id, o.unit_id, o.ticket_id, ph.number AS phone, NULL::bigint AS arrears_fen
          FROM o ${FIRST_PHONE}`;
      return { text, values };
    }
  }
}

/** What a campaign with these criteria would call: how many targets, and (fee reminders) the arrears in all. */
export async function previewTargets(
  db: Queryable,
  criteria: TargetCriteria,
  today: string,
): Promise<{ count: number; arrearsFen: number }> {
  const q = targetsQuery(criteria, today);
  const { rows } = await db.query<{ count: number; arrearsFen: number }>(
    `SELECT count(*)::int AS count, COALESCE(sum(arrears_fen), 0)::bigint AS "arrearsFen" FROM (${q.text}) t`,
    q.values,
  );
  return rows[0]!;
}

/**
 * Picks a campaign's targets (once: a campaign whose targets were picked keeps them), in one INSERT ... SELECT.
 * Returns how many were added.
 */
export async function selectTargets(db: Queryable, campaign: Campaign, today: string): Promise<number> {
  const q = targetsQuery(campaign, today);
  const { rowCount } = await db.query(
    `INSERT INTO campaign_targets (campaign_id, owner_id, unit_id, ticket_id, phone, arrears_fen)
     SELECT $${q.values.length + 1}::bigint, owner_id, unit_id, ticket_id, phone, arrears_fen FROM (${q.text}) t
     ON CONFLICT DO NOTHING`,
    [...q.values, campaign.id],
  );
  await db.query('UPDATE campaigns SET targets_at = now() WHERE id = $1', [campaign.id]);
  return rowCount ?? 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Campaign lifecycle
// ---------------------------------------------------------------------------------------------------------------

export interface QueuedAttempt {
  id: number;
  dueAt: Date;
}

/**
 * A campaign that runs: picks its targets if not yet, marks it started, and creates the next attempt of every
 * target that is not done and has none waiting or up. Returns the new attempts (their jobs are the caller's).
 * A campaign that does not run (any more) gets nothing.
 */
export async function startCampaign(
  pool: Pool,
  campaignId: number,
  today: string,
): Promise<{ campaign: Campaign; selected: number; attempts: number } | null> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT 1 FROM campaigns WHERE id = $1 FOR UPDATE', [campaignId]);
    const campaign = await campaignById(client, campaignId);
    if (!campaign || campaign.status !== 'running') return null;
    const selected = campaign.targetsAt ? 0 : await selectTargets(client, campaign, today);
    await client.query('UPDATE campaigns SET started_at = COALESCE(started_at, now()) WHERE id = $1', [
      campaignId,
    ]);
    const attempts = await createDueAttempts(client, campaignId);
    // nothing to call at all: done at once
    await completeIfDone(client, campaignId);
    return { campaign, selected, attempts };
  });
}

/**
 * The next attempt of every target of the campaign that is not done and has no attempt waiting or up; returns how
 * many were created (the feeder queues their jobs, dueAttempts).
 */
export async function createDueAttempts(db: Queryable, campaignId: number): Promise<number> {
  const { rowCount } = await db.query(
    // one pass over the campaign's attempts (hash join), never a lookup per target: the planner's estimates
    // for rows that just arrived are no guide
    `INSERT INTO call_attempts (target_id, campaign_id, attempt_no, due_at)
     SELECT t.id, t.campaign_id, COALESCE(m.last_no, 0) + 1, GREATEST(COALESCE(t.next_attempt_at, now()), now())
       FROM campaign_targets t
       LEFT JOIN (SELECT target_id, max(attempt_no) AS last_no,
                         bool_or(status IN ('queued', 'dialling', 'answered')) AS open
                    FROM call_attempts WHERE campaign_id = $1 GROUP BY target_id) m ON m.target_id = t.id
      WHERE t.campaign_id = $1 AND NOT t.done AND NOT COALESCE(m.open, false)
     ON CONFLICT DO NOTHING`,
    [campaignId],
  );
  return rowCount ?? 0;
}

/**
 * The queued attempts that come up first (by due time): the dial jobs are fed this far ahead of the dialer, not
 * for the whole campaign at once (a 100,000-target campaign would take Redis seconds to queue, and as long again
 * to pause or cancel).
 */
export async function dueAttempts(
  db: Queryable,
  campaignId: number,
  limit: number,
  offset = 0,
): Promise<QueuedAttempt[]> {
  const { rows } = await db.query<QueuedAttempt>(
    `SELECT id, due_at AS "dueAt" FROM call_attempts
      WHERE campaign_id = $1 AND status = 'queued' ORDER BY due_at, id LIMIT $2 OFFSET $3`,
    [campaignId, limit, offset],
  );
  return rows;
}

/** The queued attempts of a campaign, a page at a time (the reconciliation adds their jobs again). */
export async function queuedAttempts(
  db: Queryable,
  campaignId: number,
  afterId: number,
  limit: number,
): Promise<QueuedAttempt[]> {
  const { rows } = await db.query<QueuedAttempt>(
    `SELECT id, due_at AS "dueAt" FROM call_attempts
      WHERE campaign_id = $1 AND status = 'queued' AND id > $2 ORDER BY id LIMIT $3`,
    [campaignId, afterId, limit],
  );
  return rows;
}

/** Attempts dialled by a run that may have died (the reconciliation checks them). */
export async function liveAttempts(db: Queryable, campaignId: number): Promise<QueuedAttempt[]> {
  const { rows } = await db.query<QueuedAttempt>(
    `SELECT id, due_at AS "dueAt" FROM call_attempts
      WHERE campaign_id = $1 AND status IN ('dialling', 'answered')`,
    [campaignId],
  );
  return rows;
}

/**
 * A cancelled campaign: its queued attempts are dropped 'cancelled' and its targets without a call up are done
 * (cancelled). Returns the dropped attempts' ids (their jobs are removed by the caller).
 */
export async function cancelCampaignAttempts(pool: Pool, campaignId: number): Promise<number[]> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: number }>(
      `UPDATE call_attempts SET status = 'dropped', result = 'cancelled', ended_at = now()
        WHERE campaign_id = $1 AND status = 'queued' RETURNING id`,
      [campaignId],
    );
    await client.query(
      `UPDATE campaign_targets SET status = 'cancelled', done = true, next_attempt_at = NULL, updated_at = now()
        WHERE campaign_id = $1 AND NOT done AND status NOT IN ('dialling', 'answered')`,
      [campaignId],
    );
    await client.query(
      `UPDATE campaigns SET finished_at = COALESCE(finished_at, now()) WHERE id = $1 AND status = 'cancelled'`,
      [campaignId],
    );
    return rows.map((r) => r.id);
  });
}

/** Campaigns the scheduler looks after: running or paused ones, and scheduled ones that are due. */
export async function campaignsToReconcile(
  db: Queryable,
  now: Date,
): Promise<{ id: number; status: CampaignStatus; trunkCode: string }[]> {
  const { rows } = await db.query<{ id: number; status: CampaignStatus; trunkCode: string }>(
    `SELECT id, status, trunk_code AS "trunkCode" FROM campaigns
      WHERE status IN ('running', 'paused') OR (status = 'scheduled' AND starts_at <= $1)
      ORDER BY id`,
    [now],
  );
  return rows;
}

/** The next scheduled start after `now`, if any (the scheduler wakes then). */
export async function nextScheduledStart(db: Queryable, now: Date): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>(
    `SELECT min(starts_at) AS at FROM campaigns WHERE status = 'scheduled' AND starts_at > $1`,
    [now],
  );
  return rows[0]?.at ?? null;
}

/** scheduled -> running once starts_at has come (the trigger announces it). */
export async function startDueCampaigns(db: Queryable, now: Date): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `UPDATE campaigns SET status = 'running' WHERE status = 'scheduled' AND starts_at <= $1 RETURNING id`,
    [now],
  );
  return rows.map((r) => r.id);
}

async function completeIfDone(db: Queryable, campaignId: number): Promise<boolean> {
  // a standing revisit campaign never completes: resolved tickets keep coming
  const { rowCount } = await db.query(
    `UPDATE campaigns SET status = 'completed', finished_at = now()
      WHERE id = $1 AND status IN ('running', 'paused') AND NOT standing
        AND NOT EXISTS (SELECT 1 FROM campaign_targets WHERE campaign_id = $1 AND NOT done)`,
    [campaignId],
  );
  return (rowCount ?? 0) > 0;
}

// ---------------------------------------------------------------------------------------------------------------
// One dial
// ---------------------------------------------------------------------------------------------------------------

export interface DialContext {
  attempt: {
    id: number;
    attemptNo: number;
    status: 'queued' | 'dialling' | 'answered' | 'ended' | 'dropped';
    dueAt: Date;
    dialledAt: Date | null;
    channelId: string | null;
  };
  target: {
    id: number;
    ownerId: number;
    unitId: number | null;
    ticketId: number | null;
    phone: string;
    attempts: number;
  };
  campaign: Campaign;
  trunk: Trunk;
}

/** Everything the dialer needs for one attempt; null when the attempt is gone (its campaign was deleted). */
export async function dialContext(db: Queryable, attemptId: number): Promise<DialContext | null> {
  const { rows } = await db.query<{
    a: DialContext['attempt'];
    t: DialContext['target'];
    campaignId: number;
  }>(
    `SELECT json_build_object('id', a.id, 'attemptNo', a.attempt_no, 'status', a.status, 'dueAt', a.due_at,
                              'dialledAt', a.dialled_at, 'channelId', a.channel_id) AS a,
            json_build_object('id', t.id, 'ownerId', t.owner_id, 'unitId', t.unit_id, 'ticketId', t.ticket_id,
                              'phone', t.phone, 'attempts', t.attempts) AS t,
            a.campaign_id AS "campaignId"
       FROM call_attempts a JOIN campaign_targets t ON t.id = a.target_id
      WHERE a.id = $1`,
    [attemptId],
  );
  const row = rows[0];
  if (!row) return null;
  const campaign = await campaignById(db, row.campaignId);
  if (!campaign) return null;
  const trunk = await getTrunk(db, campaign.trunkCode);
  if (!trunk) return null;
  return {
    attempt: {
      ...row.a,
      dueAt: new Date(row.a.dueAt),
      dialledAt: row.a.dialledAt === null ? null : new Date(row.a.dialledAt),
    },
    target: row.t,
    campaign,
    trunk,
  };
}

export async function onDoNotCallList(db: Queryable, phone: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM do_not_call WHERE phone = $1', [phone]);
  return rows.length > 0;
}

/** A unit's unpaid fees now (only those overdue by `overdueDays` when given), in fen. */
export async function unitArrearsFen(
  db: Queryable,
  unitId: number,
  overdueDays: number | null,
  today: string,
): Promise<number> {
  const { rows } = await db.query<{ fen: number }>(
    `SELECT COALESCE(sum(amount_fen), 0)::bigint AS fen FROM fee_items
      WHERE unit_id = $1 AND paid_at IS NULL AND ($2::int IS NULL OR due_date <= $3::date - $2::int)`,
    [unitId, overdueDays, today],
  );
  return rows[0]!.fen;
}

export async function revisitTicketStatus(db: Queryable, ticketId: number): Promise<string | null> {
  const { rows } = await db.query<{ status: string }>('SELECT status FROM tickets WHERE id = $1', [ticketId]);
  return rows[0]?.status ?? null;
}

/**
 * Is the owner on a call now: an inbound (or any) call of theirs not ended, or an attempt of another target of
 * theirs (another campaign) up? Never two calls to one owner at once.
 */
export async function ownerOnCall(db: Queryable, ownerId: number, attemptId: number): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM calls WHERE owner_id = $1 AND ended_at IS NULL
     UNION ALL
     SELECT 1 FROM campaign_targets t JOIN call_attempts a ON a.target_id = t.id
      WHERE t.owner_id = $1 AND a.status IN ('dialling', 'answered') AND a.id <> $2
     LIMIT 1`,
    [ownerId, attemptId],
  );
  return rows.length > 0;
}

/**
 * The idempotency guard: queued -> dialling in one statement. `claimed` when this run took the attempt; `taken`
 * when another did (it is dialled at most once); `owner-busy` when the owner is on another call (ownerOnCall),
 * checked under a lock per owner, so two dialers with attempts of two campaigns for one owner never both dial.
 */
export async function claimAttempt(
  pool: Pool,
  attempt: { id: number; ownerId: number },
  at: Date,
): Promise<'claimed' | 'taken' | 'owner-busy'> {
  const { id: attemptId, ownerId } = attempt;
  return inTransaction(pool, async (client) => {
    // held until the commit: the other dialer's check then sees this attempt dialling
    await client.query(
      `SELECT pg_advisory_xact_lock(hashtextextended('hotline-owner-call:' || $1::text, 0))`,
      [ownerId],
    );
    if (await ownerOnCall(client, ownerId, attemptId)) return 'owner-busy';
    const { rows } = await client.query<{ targetId: number }>(
      `UPDATE call_attempts SET status = 'dialling', dialled_at = $2
        WHERE id = $1 AND status = 'queued' RETURNING target_id AS "targetId"`,
      [attemptId, at],
    );
    const taken = rows[0];
    if (!taken) return 'taken';
    await client.query(
      `UPDATE campaign_targets SET status = 'dialling', attempts = attempts + 1, next_attempt_at = NULL,
              updated_at = now()
        WHERE id = $1`,
      [taken.targetId],
    );
    return 'claimed';
  });
}

export async function recordChannel(db: Queryable, attemptId: number, channelId: string): Promise<void> {
  await db.query('UPDATE call_attempts SET channel_id = $2 WHERE id = $1', [attemptId, channelId]);
}

export interface AttemptWritten {
  campaignId: number;
  targetId: number;
  targetStatus: TargetStatus;
  /** No further attempt will be made for the target. */
  targetDone: boolean;
  /** The next attempt, created in the same transaction (its job is the caller's). */
  next: QueuedAttempt | null;
  /** Every target of the campaign is done: it was marked completed. */
  completed: boolean;
  /** A revisit that reached nobody: a person's revisit task was opened. */
  revisitTask: boolean;
}

/**
 * Writes how a dialled attempt ended (or that it was interrupted) and moves its target on: the next attempt at
 * `nextDueAt` while the campaign is running or paused (null, or a campaign cancelled or completed meanwhile: the
 * target is done). An attempt already ended is left as it is (null).
 */
export async function finishAttempt(
  pool: Pool,
  attemptId: number,
  end: OutboundCallEnd & { answeredAt?: Date | null },
  endedAt: Date,
  nextDueAt: Date | null,
): Promise<AttemptWritten | null> {
  const written = await inTransaction(pool, async (client) => {
    const { rows } = await client.query<{
      targetId: number;
      campaignId: number;
      attemptNo: number;
      campaignStatus: CampaignStatus;
    }>(
      `UPDATE call_attempts
          SET status = 'ended', result = $2, hangup_cause = $3, hangup_cause_text = $4,
              channel_id = COALESCE($5, channel_id), call_id = $6, outcome = $7, keys = $8, score = $9,
              comment_recording = $10, ended_at = $11,
              answered_at = CASE WHEN $2 = 'answered'
                                 THEN COALESCE(answered_at, $12, (SELECT started_at FROM calls WHERE id = $6), $11)
                                 ELSE answered_at END
        WHERE id = $1 AND status IN ('dialling', 'answered')
        RETURNING target_id AS "targetId", campaign_id AS "campaignId", attempt_no AS "attemptNo",
                  (SELECT status FROM campaigns c WHERE c.id = call_attempts.campaign_id) AS "campaignStatus"`,
      [
        attemptId,
        end.result,
        end.causeCode,
        end.causeText,
        end.channelId,
        end.callId,
        end.outcome,
        end.keys,
        end.score,
        end.commentRecording,
        endedAt,
        end.answeredAt ?? null,
      ],
    );
    const row = rows[0];
    if (!row) return null;
    const status = targetStatusAfter(end.result, end.outcome);
    // a cancelled or completed campaign gets no retry
    const retryAt = ['running', 'paused'].includes(row.campaignStatus) ? nextDueAt : null;
    const done = retryAt === null;
    await client.query(
      `UPDATE campaign_targets
          SET status = $2, done = $3, next_attempt_at = $4, outcome = COALESCE($5, outcome),
              reached_at = CASE WHEN $6 THEN COALESCE(reached_at, $7) ELSE reached_at END, updated_at = now()
        WHERE id = $1`,
      [row.targetId, status, done, retryAt, end.outcome, reachedBy(end.result, end.outcome), endedAt],
    );
    let next: QueuedAttempt | null = null;
    if (retryAt) {
      const inserted = await client.query<QueuedAttempt>(
        `INSERT INTO call_attempts (target_id, campaign_id, attempt_no, due_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING id, due_at AS "dueAt"`,
        [row.targetId, row.campaignId, row.attemptNo + 1, retryAt],
      );
      next = inserted.rows[0] ?? null;
    }
    const revisitTask =
      done && end.result !== 'answered'
        ? await revisitNotReached(client, row.targetId, attemptId, row.attemptNo)
        : false;
    return {
      campaignId: row.campaignId,
      targetId: row.targetId,
      targetStatus: status,
      targetDone: done,
      next,
      completed: false,
      revisitTask,
    };
  });
  // after the commit: concurrent ends of the campaign's last targets each see the others' (the last one to commit
  // sees every target done)
  if (written?.targetDone) written.completed = await completeIfDone(pool, written.campaignId);
  return written;
}

/**
 * After a revisit's last unanswered attempt: the ticket's revisit record says not reached, a person's revisit
 * task is opened (reason not-reached) and the ticket's timeline says so. The 48-hour revisit clock keeps running.
 */
async function revisitNotReached(
  db: Queryable,
  targetId: number,
  attemptId: number,
  attemptNo: number,
): Promise<boolean> {
  const { rows } = await db.query<{ ticketId: number; status: string }>(
    `SELECT t.ticket_id AS "ticketId", tk.status FROM campaign_targets t
       JOIN campaigns c ON c.id = t.campaign_id JOIN tickets tk ON tk.id = t.ticket_id
      WHERE t.id = $1 AND c.kind = 'revisit'`,
    [targetId],
  );
  const found = rows[0];
  if (!found) return false;
  await db.query(
    `INSERT INTO ticket_revisits (ticket_id, attempt_id, attempt_no, result, automated)
     VALUES ($1, $2, $3, 'not-reached', true)`,
    [found.ticketId, attemptId, attemptNo],
  );
  const task = await db.query(
    `INSERT INTO revisit_tasks (ticket_id, target_id, reason) VALUES ($1, $2, 'not-reached')
     ON CONFLICT DO NOTHING`,
    [found.ticketId, targetId],
  );
  await db.query(
    `INSERT INTO ticket_events (ticket_id, at, kind, by_role, from_status, to_status, detail)
     VALUES ($1, now(), 'note', 'system', $2, $2, $3)`,
    [
      found.ticketId,
      found.status,
      JSON.stringify({
        text: `自动回访 ${attemptNo} 次未接通,已转人工回访 / The automatic revisit reached nobody after ${attemptNo} attempts; a person will call the owner.`,
      }),
    ],
  );
  return (task.rowCount ?? 0) > 0;
}

/**
 * Drops a queued attempt without dialling it: the target is done with the drop's status. Null when the attempt
 * was no longer queued.
 */
export async function dropAttempt(
  pool: Pool,
  attemptId: number,
  reason: DropReason,
): Promise<AttemptWritten | null> {
  const written = await inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ targetId: number; campaignId: number }>(
      `UPDATE call_attempts SET status = 'dropped', result = $2, ended_at = now()
        WHERE id = $1 AND status = 'queued' RETURNING target_id AS "targetId", campaign_id AS "campaignId"`,
      [attemptId, reason],
    );
    const row = rows[0];
    if (!row) return null;
    const status = targetStatusOfDrop(reason);
    await client.query(
      `UPDATE campaign_targets SET status = $2, done = true, next_attempt_at = NULL,
              outcome = CASE WHEN $2 = 'opted-out' THEN COALESCE(outcome, 'opted-out') ELSE outcome END,
              updated_at = now()
        WHERE id = $1`,
      [row.targetId, status],
    );
    return {
      campaignId: row.campaignId,
      targetId: row.targetId,
      targetStatus: status,
      targetDone: true,
      next: null,
      completed: false,
      revisitTask: false,
    };
  });
  if (written) written.completed = await completeIfDone(pool, written.campaignId);
  return written;
}

/** A queued attempt comes up later (window, the owner on a call): its due time moves, its target waits. */
export async function postponeAttempt(db: Queryable, attemptId: number, dueAt: Date): Promise<void> {
  await db.query(
    `WITH a AS (UPDATE call_attempts SET due_at = $2 WHERE id = $1 AND status = 'queued' RETURNING target_id)
     UPDATE campaign_targets SET next_attempt_at = $2 FROM a WHERE campaign_targets.id = a.target_id`,
    [attemptId, dueAt],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Progress
// ---------------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------------
// Automatic revisits
// ---------------------------------------------------------------------------------------------------------------

/** The trunk's standing revisit campaign (running or paused), created running when missing. */
export async function standingRevisitCampaign(db: Queryable, trunkCode: string): Promise<number> {
  await db.query(
    `INSERT INTO campaigns (kind, name, status, trunk_code, standing, targets_at, started_at)
     VALUES ('revisit', $2, 'running', $1, true, now(), now())
     ON CONFLICT (trunk_code) WHERE kind = 'revisit' AND status IN ('running', 'paused') DO NOTHING`,
    [trunkCode, `自动回访 Automatic revisits (${trunkCode})`],
  );
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM campaigns WHERE trunk_code = $1 AND kind = 'revisit' AND status IN ('running', 'paused')`,
    [trunkCode],
  );
  return rows[0]!.id;
}

/**
 * Tickets marked revisit_due (migration 017's trigger) get a target in the standing revisit campaign of
 * `trunkCode`, and their mark is cleared, in one transaction. Returns the campaign and how many targets were
 * added (0: nothing was due).
 */
export async function takeDueRevisits(
  pool: Pool,
  trunkCode: string,
): Promise<{ campaignId: number; added: number } | null> {
  return inTransaction(pool, async (client) => {
    const due = await client.query<{ id: number }>(
      // FOR UPDATE, not SKIP LOCKED: the ticket clocks lock a ticket whose status just changed, from the same
      // commit's NOTIFY; a row skipped then would wait for the next notice or the reconciliation (5 minutes).
      // Waiting is short, and a ticket another scheduler took meanwhile no longer matches once the lock is had.
      `SELECT id FROM tickets WHERE revisit_due ORDER BY id LIMIT 1000 FOR UPDATE`,
    );
    if (due.rows.length === 0) return null;
    const ids = due.rows.map((r) => r.id);
    const campaignId = await standingRevisitCampaign(client, trunkCode);
    const { rowCount } = await client.query(
      `INSERT INTO campaign_targets (campaign_id, owner_id, unit_id, ticket_id, phone)
       SELECT $1, t.owner_id, t.unit_id, t.id, ph.number
         FROM tickets t JOIN LATERAL (SELECT number FROM owner_phones p WHERE p.owner_id = t.owner_id
                                       ORDER BY (p.label <> 'mobile'), p.number LIMIT 1) ph ON true
        WHERE t.id = ANY ($2::bigint[]) AND t.status = 'resolved'
       ON CONFLICT (campaign_id, owner_id, COALESCE(unit_id, 0), COALESCE(ticket_id, 0))
       DO UPDATE SET status = 'queued', done = false, attempts = 0, next_attempt_at = NULL, outcome = NULL,
                     reached_at = NULL, updated_at = now()
        WHERE campaign_targets.done`,
      [campaignId, ids],
    );
    await client.query('UPDATE tickets SET revisit_due = false WHERE id = ANY ($1::bigint[])', [ids]);
    return { campaignId, added: rowCount ?? 0 };
  });
}

export type { CallOutcome, DialResult };

/**
 * The default trunk 'main' (the seed, the workers at start): dialled through HOTLINE_OUTSIDE_DIAL with the caps
 * from the configuration. An existing row is left as an admin set it. Nothing without an outside line.
 */
export async function ensureDefaultTrunk(
  db: Queryable,
  settings: { dial: string | null; callerId: string; maxChannels: number; callsPerSecond: number },
): Promise<boolean> {
  if (!settings.dial) return false;
  const { rowCount } = await db.query(
    `INSERT INTO trunks (code, name, dial, caller_id, max_channels, calls_per_second)
     VALUES ($1, '主线路 Main trunk', $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING`,
    [DEFAULT_TRUNK, settings.dial, settings.callerId, settings.maxChannels, settings.callsPerSecond],
  );
  return (rowCount ?? 0) > 0;
}
