// Outbound campaigns as the API and the pages read and write them (cti/campaign-routes.ts): campaign rows and
// their status, targets and attempts, trunks, the do-not-call list, revisit tasks, a ticket's revisit record and
// an owner's outbound history for the screen pop. The dialer (workers/) picks targets and dials; nothing here
// enqueues a job: a status change reaches the dialer through the campaigns trigger (NOTIFY hotline_campaigns).
import {
  TARGET_STATUSES,
  etaOf,
  type CallAttemptView,
  type CampaignKind,
  type CampaignSettings,
  type CampaignStatus,
  type CampaignSummary,
  type CampaignTargetView,
  type FeeCoverage,
  type PopAttempt,
  type RevisitTaskView,
  type TargetStatus,
  type TicketRevisitView,
} from '../core/index.ts';
import type { Staff } from './organisations.ts';
import { ticketVisibility } from './organisations.ts';
import type { Queryable } from './pool.ts';

// ---- trunks ----

export interface Trunk {
  code: string;
  name: string;
  dial: string;
  callerId: string;
  maxChannels: number;
  callsPerSecond: number;
  active: boolean;
}

const TRUNK_COLUMNS = `code, name, dial, caller_id AS "callerId", max_channels AS "maxChannels",
  calls_per_second AS "callsPerSecond", active`;

export async function listTrunks(db: Queryable): Promise<Trunk[]> {
  return (await db.query<Trunk>(`SELECT ${TRUNK_COLUMNS} FROM trunks ORDER BY code`)).rows;
}

export async function getTrunk(db: Queryable, code: string): Promise<Trunk | null> {
  return (
    (await db.query<Trunk>(`SELECT ${TRUNK_COLUMNS} FROM trunks WHERE code = $1`, [code])).rows[0] ?? null
  );
}

/** Adds a trunk; false when the code is taken. */
export async function addTrunk(db: Queryable, t: Trunk): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO trunks (code, name, dial, caller_id, max_channels, calls_per_second, active)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO NOTHING`,
    [t.code, t.name, t.dial, t.callerId, t.maxChannels, t.callsPerSecond, t.active],
  );
  return (rowCount ?? 0) > 0;
}

/** Changes what is given; false when there is no such trunk. */
export async function updateTrunk(
  db: Queryable,
  code: string,
  t: Partial<Omit<Trunk, 'code'>>,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE trunks SET name = coalesce($2, name), dial = coalesce($3, dial), caller_id = coalesce($4, caller_id),
            max_channels = coalesce($5, max_channels), calls_per_second = coalesce($6, calls_per_second),
            active = coalesce($7, active)
      WHERE code = $1`,
    [
      code,
      t.name ?? null,
      t.dial ?? null,
      t.callerId ?? null,
      t.maxChannels ?? null,
      t.callsPerSecond ?? null,
      t.active ?? null,
    ],
  );
  return (rowCount ?? 0) > 0;
}

/** Removes a trunk no campaign uses: 'removed', 'missing', or 'in-use' (a campaign names it: deactivate it). */
export async function removeTrunk(db: Queryable, code: string): Promise<'removed' | 'missing' | 'in-use'> {
  const used = await db.query('SELECT 1 FROM campaigns WHERE trunk_code = $1 LIMIT 1', [code]);
  if ((used.rowCount ?? 0) > 0) return 'in-use';
  const { rowCount } = await db.query('DELETE FROM trunks WHERE code = $1', [code]);
  return (rowCount ?? 0) > 0 ? 'removed' : 'missing';
}

// ---- campaigns ----

/**
 * What of a new campaign's settings the database must confirm: the trunk is active, the estate exists and the
 * buildings are its, the owners exist. Null when all is well, else the reason in words.
 */
export async function campaignScopeProblem(db: Queryable, s: CampaignSettings): Promise<string | null> {
  const { rows } = await db.query<{
    trunk: boolean | null;
    estate: boolean;
    foreignBuildings: number;
    missingOwners: number;
  }>(
    `SELECT (SELECT active FROM trunks WHERE code = $1) AS trunk,
            $2::int IS NULL OR EXISTS (SELECT 1 FROM estates WHERE id = $2) AS estate,
            (SELECT count(*)::int FROM unnest($3::int[]) b
              WHERE NOT EXISTS (SELECT 1 FROM buildings WHERE id = b AND estate_id = $2)) AS "foreignBuildings",
            (SELECT count(*)::int FROM unnest($4::bigint[]) o
              WHERE NOT EXISTS (SELECT 1 FROM owners WHERE id = o)) AS "missingOwners"`,
    [s.trunk, s.estateId, s.buildingIds ?? [], s.ownerIds ?? []],
  );
  const r = rows[0]!;
  if (r.trunk === null) return `没有编号为「${s.trunk}」的线路 / There is no trunk "${s.trunk}".`;
  if (!r.trunk) return `线路「${s.trunk}」已停用 / The trunk "${s.trunk}" is not in service.`;
  if (!r.estate) return `小区 ${s.estateId} 不存在 / There is no estate ${s.estateId}.`;
  if (r.foreignBuildings > 0)
    return `有 ${r.foreignBuildings} 个楼栋不属于所选小区 / ${r.foreignBuildings} of the buildings are not in the estate chosen.`;
  if (r.missingOwners > 0)
    return `名单中有 ${r.missingOwners} 位业主不存在 / ${r.missingOwners} of the owners on the list do not exist.`;
  return null;
}

/** Stores a new campaign with its first status (draft, scheduled or running); returns its id. */
export async function insertCampaign(db: Queryable, s: CampaignSettings, createdBy: number): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO campaigns (kind, name, status, trunk_code, estate_id, building_ids, owner_ids, min_arrears_fen,
                            overdue_days, cycle, notice, window_start, window_end, skip_holidays, max_attempts,
                            retry_spacing_s, ring_timeout_s, scale_max, unsatisfied_max, starts_at, started_at,
                            created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
             CASE WHEN $3 = 'running' THEN now() END, $21)
     RETURNING id`,
    [
      s.kind,
      s.name,
      s.status,
      s.trunk,
      s.estateId,
      s.buildingIds,
      s.ownerIds,
      s.minArrearsFen,
      s.overdueDays,
      s.cycle,
      s.notice,
      s.windowStart,
      s.windowEnd,
      s.skipHolidays,
      s.maxAttempts,
      s.retrySpacingS,
      s.ringTimeoutS,
      s.scaleMax,
      s.unsatisfiedMax,
      s.startsAt,
      createdBy,
    ],
  );
  return rows[0]!.id;
}

export interface CampaignRow extends Omit<CampaignSettings, 'status' | 'startsAt' | 'trunk'> {
  id: number;
  status: CampaignStatus;
  trunk: string;
  estate: string | null;
  timeZone: string;
  startsAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
  createdBy: string | null;
}

const CAMPAIGN_COLUMNS = `c.id, c.kind, c.name, c.status, c.trunk_code AS trunk, c.estate_id AS "estateId", e.name AS estate,
  c.building_ids AS "buildingIds", c.owner_ids AS "ownerIds", c.min_arrears_fen AS "minArrearsFen",
  c.overdue_days AS "overdueDays", c.cycle, c.notice, to_char(c.window_start, 'HH24:MI') AS "windowStart",
  to_char(c.window_end, 'HH24:MI') AS "windowEnd", c.time_zone AS "timeZone", c.skip_holidays AS "skipHolidays",
  c.max_attempts AS "maxAttempts", c.retry_spacing_s AS "retrySpacingS", c.ring_timeout_s AS "ringTimeoutS",
  c.scale_max AS "scaleMax", c.unsatisfied_max AS "unsatisfiedMax", c.starts_at AS "startsAt",
  c.started_at AS "startedAt", c.finished_at AS "finishedAt", c.created_at AS "createdAt", a.name AS "createdBy"`;
const CAMPAIGN_FROM = `campaigns c LEFT JOIN estates e ON e.id = c.estate_id LEFT JOIN agents a ON a.id = c.created_by`;

export async function getCampaignRow(db: Queryable, id: number): Promise<CampaignRow | null> {
  const { rows } = await db.query<CampaignRow>(
    `SELECT ${CAMPAIGN_COLUMNS} FROM ${CAMPAIGN_FROM} WHERE c.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/** The newest campaigns first (at most `limit`), with how many targets each has and how many are done. */
export async function listCampaigns(
  db: Queryable,
  filter: { status?: CampaignStatus[]; kind?: CampaignKind[]; limit: number },
): Promise<CampaignSummary[]> {
  const { rows } = await db.query<
    Omit<CampaignSummary, 'createdAt' | 'startsAt'> & { createdAt: Date; startsAt: Date | null }
  >(
    `SELECT c.id, c.kind, c.name, c.status, c.trunk_code AS trunk, e.name AS estate, c.created_at AS "createdAt",
            c.starts_at AS "startsAt", n.total, n.done
       FROM campaigns c LEFT JOIN estates e ON e.id = c.estate_id
       CROSS JOIN LATERAL (SELECT count(*)::int AS total, count(*) FILTER (WHERE done)::int AS done
                             FROM campaign_targets t WHERE t.campaign_id = c.id) n
      WHERE ($1::text[] IS NULL OR c.status = ANY($1)) AND ($2::text[] IS NULL OR c.kind = ANY($2))
      ORDER BY c.created_at DESC, c.id DESC LIMIT $3`,
    [filter.status ?? null, filter.kind ?? null, filter.limit],
  );
  return rows.map((r) => ({
    ...r,
    createdAt: r.createdAt.toISOString(),
    startsAt: r.startsAt?.toISOString() ?? null,
  }));
}

export interface CampaignProgressRow {
  counts: Record<TargetStatus, number>;
  total: number;
  done: number;
  reached: number;
  etaS: number | null;
}

/** Targets by status, done and reached, and the time left at the rate of the last 10 minutes. */
export async function campaignProgress(db: Queryable, id: number, now: Date): Promise<CampaignProgressRow> {
  const { rows } = await db.query<{
    status: TargetStatus;
    n: number;
    done: number;
    reached: number;
    recent: number;
  }>(
    `SELECT status, count(*)::int AS n, count(*) FILTER (WHERE done)::int AS done,
            count(reached_at)::int AS reached,
            count(*) FILTER (WHERE done AND updated_at > $2::timestamptz - interval '10 minutes')::int AS recent
       FROM campaign_targets WHERE campaign_id = $1 GROUP BY status`,
    [id, now],
  );
  const counts = Object.fromEntries(TARGET_STATUSES.map((s) => [s, 0])) as Record<TargetStatus, number>;
  let total = 0;
  let done = 0;
  let reached = 0;
  let recent = 0;
  for (const r of rows) {
    counts[r.status] = r.n;
    total += r.n;
    done += r.done;
    reached += r.reached;
    recent += r.recent;
  }
  return { counts, total, done, reached, etaS: etaOf({ total, done, doneInWindow: recent, windowS: 600 }) };
}

/** Fee-reminder coverage of a cycle in an estate or some of its buildings (the definition: core FeeCoverage). */
export async function feeCoverage(
  db: Queryable,
  scope: { estateId: number; buildingIds: number[] | null; cycle: string },
): Promise<FeeCoverage> {
  const { rows } = await db.query<{ reminded: number; inArrears: number }>(
    `WITH scope AS (
       SELECT u.id FROM units u JOIN buildings b ON b.id = u.building_id
        WHERE b.estate_id = $1 AND ($2::int[] IS NULL OR b.id = ANY($2))
     ), reminded AS (
       SELECT DISTINCT t.unit_id FROM campaigns c JOIN campaign_targets t ON t.campaign_id = c.id
        WHERE c.kind = 'fee-reminder' AND c.cycle = $3 AND c.estate_id = $1 AND t.reached_at IS NOT NULL
          AND t.unit_id IN (SELECT id FROM scope)
     ), owing AS (
       SELECT DISTINCT f.unit_id FROM fee_items f
        WHERE f.paid_at IS NULL AND f.unit_id IN (SELECT id FROM scope)
          AND f.due_date <= (to_date($3, 'YYYY-MM') + interval '1 month' - interval '1 day')::date
     )
     SELECT (SELECT count(*)::int FROM reminded) AS reminded,
            (SELECT count(*)::int FROM (SELECT unit_id FROM owing UNION SELECT unit_id FROM reminded) x) AS "inArrears"`,
    [scope.estateId, scope.buildingIds, scope.cycle],
  );
  const { reminded, inArrears } = rows[0]!;
  return {
    cycle: scope.cycle,
    householdsInArrears: inArrears,
    householdsReminded: reminded,
    coverage: inArrears === 0 ? null : Math.round((reminded / inArrears) * 10000) / 10000,
  };
}

/**
 * Moves a campaign from `from` to `to` in one statement; false when its status is no longer `from` (someone or
 * the dialer changed it meanwhile). Started campaigns get started_at, ended ones finished_at.
 */
export async function setCampaignStatus(
  db: Queryable,
  id: number,
  from: CampaignStatus,
  to: CampaignStatus,
  startsAt: Date | null,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE campaigns SET status = $3,
            starts_at = CASE WHEN $3 = 'scheduled' THEN $4 ELSE starts_at END,
            started_at = CASE WHEN $3 = 'running' THEN coalesce(started_at, now()) ELSE started_at END,
            finished_at = CASE WHEN $3 = 'cancelled' THEN now() ELSE finished_at END
      WHERE id = $1 AND status = $2`,
    [id, from, to, startsAt],
  );
  return (rowCount ?? 0) > 0;
}

/** A campaign's targets, a page at a time, in the order they were picked. */
export async function campaignTargets(
  db: Queryable,
  campaignId: number,
  opts: { status?: TargetStatus[]; offset: number; limit: number },
): Promise<{ targets: CampaignTargetView[]; total: number }> {
  const { rows } = await db.query<
    Omit<CampaignTargetView, 'nextAttemptAt' | 'reachedAt'> & {
      nextAttemptAt: Date | null;
      reachedAt: Date | null;
      matching: number;
    }
  >(
    `SELECT t.id, t.owner_id AS "ownerId", o.name AS "ownerName", t.phone, u.room_code AS "roomCode",
            k.number AS "ticketNumber", t.arrears_fen AS "arrearsFen", t.status, t.done, t.attempts,
            t.next_attempt_at AS "nextAttemptAt", t.reached_at AS "reachedAt", t.outcome,
            count(*) OVER ()::int AS matching
       FROM campaign_targets t JOIN owners o ON o.id = t.owner_id
       LEFT JOIN units u ON u.id = t.unit_id LEFT JOIN tickets k ON k.id = t.ticket_id
      WHERE t.campaign_id = $1 AND ($2::text[] IS NULL OR t.status = ANY($2))
      ORDER BY t.id OFFSET $3 LIMIT $4`,
    [campaignId, opts.status ?? null, opts.offset, opts.limit],
  );
  let total = rows[0]?.matching ?? 0;
  if (rows.length === 0 && opts.offset > 0) {
    const c = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM campaign_targets WHERE campaign_id = $1 AND ($2::text[] IS NULL OR status = ANY($2))`,
      [campaignId, opts.status ?? null],
    );
    total = c.rows[0]!.n;
  }
  return {
    total,
    targets: rows.map(({ matching: _m, ...t }) => ({
      ...t,
      nextAttemptAt: t.nextAttemptAt?.toISOString() ?? null,
      reachedAt: t.reachedAt?.toISOString() ?? null,
    })),
  };
}

/** The attempts of a target of the campaign (none when the target is another campaign's). */
export async function targetAttempts(
  db: Queryable,
  campaignId: number,
  targetId: number,
): Promise<CallAttemptView[] | null> {
  const { rows } = await db.query<
    CallAttemptView & {
      dueAt: Date;
      dialledAt: Date | null;
      answeredAt: Date | null;
      endedAt: Date | null;
      ok: boolean;
    }
  >(
    `SELECT a.id, a.attempt_no AS "attemptNo", a.status, a.result, a.due_at AS "dueAt", a.dialled_at AS "dialledAt",
            a.answered_at AS "answeredAt", a.ended_at AS "endedAt", a.hangup_cause AS "hangupCause",
            a.hangup_cause_text AS "hangupCauseText", a.outcome, a.keys, a.score, a.call_id AS "callId"
       FROM call_attempts a WHERE a.target_id = $1 AND a.campaign_id = $2 ORDER BY a.attempt_no`,
    [targetId, campaignId],
  );
  if (rows.length === 0) {
    const t = await db.query('SELECT 1 FROM campaign_targets WHERE id = $1 AND campaign_id = $2', [
      targetId,
      campaignId,
    ]);
    if ((t.rowCount ?? 0) === 0) return null;
  }
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return rows.map((a) => ({
    ...a,
    dueAt: a.dueAt.toISOString(),
    dialledAt: iso(a.dialledAt),
    answeredAt: iso(a.answeredAt),
    endedAt: iso(a.endedAt),
  }));
}

// ---- do-not-call ----

export interface DoNotCallEntry {
  phone: string;
  ownerId: number | null;
  ownerName: string | null;
  source: 'keypad' | 'agent' | 'admin';
  addedBy: string | null;
  addedAt: string;
}

export async function listDoNotCall(
  db: Queryable,
  opts: { offset: number; limit: number },
): Promise<{ entries: DoNotCallEntry[]; total: number }> {
  const { rows } = await db.query<Omit<DoNotCallEntry, 'addedAt'> & { addedAt: Date; n: number }>(
    `SELECT d.phone, d.owner_id AS "ownerId", o.name AS "ownerName", d.source, a.name AS "addedBy",
            d.added_at AS "addedAt", count(*) OVER ()::int AS n
       FROM do_not_call d LEFT JOIN owners o ON o.id = d.owner_id LEFT JOIN agents a ON a.id = d.added_by
      ORDER BY d.added_at DESC, d.phone OFFSET $1 LIMIT $2`,
    [opts.offset, opts.limit],
  );
  return {
    total: rows[0]?.n ?? 0,
    entries: rows.map(({ n: _n, ...e }) => ({ ...e, addedAt: e.addedAt.toISOString() })),
  };
}

/** The owner the number belongs to (the first one), or null. */
export async function ownerOfPhone(db: Queryable, phone: string): Promise<number | null> {
  const { rows } = await db.query<{ ownerId: number }>(
    'SELECT owner_id AS "ownerId" FROM owner_phones WHERE number = $1 ORDER BY owner_id LIMIT 1',
    [phone],
  );
  return rows[0]?.ownerId ?? null;
}

/** Adds a number; false when it is already on the list. */
export async function addDoNotCall(
  db: Queryable,
  entry: { phone: string; ownerId: number | null; source: 'agent' | 'admin'; addedBy: number },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO do_not_call (phone, owner_id, source, added_by) VALUES ($1, $2, $3, $4) ON CONFLICT (phone) DO NOTHING`,
    [entry.phone, entry.ownerId, entry.source, entry.addedBy],
  );
  return (rowCount ?? 0) > 0;
}

export async function removeDoNotCall(db: Queryable, phone: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM do_not_call WHERE phone = $1', [phone]);
  return (rowCount ?? 0) > 0;
}

// ---- revisit tasks and records ----

/** Open revisit tasks of tickets `staff` may see, oldest first. */
export async function openRevisitTasks(db: Queryable, staff: Staff, limit = 200): Promise<RevisitTaskView[]> {
  const visible = ticketVisibility(staff, 2);
  const { rows } = await db.query<Omit<RevisitTaskView, 'createdAt'> & { createdAt: Date }>(
    `SELECT r.id, r.ticket_id AS "ticketId", t.number AS "ticketNumber", t.type AS "ticketType", r.reason,
            r.created_at AS "createdAt", o.name AS "ownerName",
            (SELECT number FROM owner_phones p WHERE p.owner_id = t.owner_id ORDER BY p.number LIMIT 1) AS phone,
            e.name AS estate, u.room_code AS "roomCode",
            coalesce((SELECT c.scale_max FROM campaign_targets ct JOIN campaigns c ON c.id = ct.campaign_id
                       WHERE ct.id = r.target_id), 5) AS "scaleMax"
       FROM revisit_tasks r JOIN tickets t ON t.id = r.ticket_id
       LEFT JOIN owners o ON o.id = t.owner_id LEFT JOIN units u ON u.id = t.unit_id
       LEFT JOIN estates e ON e.id = t.estate_id
      WHERE r.done_at IS NULL AND ${visible.sql}
      ORDER BY r.created_at, r.id LIMIT $1`,
    [limit, ...visible.params],
  );
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
}

/** An open revisit task, with the scale of the campaign that could not reach the owner. */
export interface OpenRevisitTask {
  id: number;
  ticketId: number;
  ticketNumber: string;
  scaleMax: number;
  unsatisfiedMax: number;
  /** The ticket's revisit records so far (the person's is the next attempt). */
  revisits: number;
}

/** An open task with its ticket, if `staff` may see the ticket. */
export async function openRevisitTask(
  db: Queryable,
  taskId: number,
  staff: Staff,
): Promise<OpenRevisitTask | null> {
  const visible = ticketVisibility(staff, 2);
  const { rows } = await db.query<OpenRevisitTask>(
    `SELECT r.id, r.ticket_id AS "ticketId", t.number AS "ticketNumber", coalesce(c.scale_max, 5) AS "scaleMax",
            coalesce(c.unsatisfied_max, 2) AS "unsatisfiedMax",
            (SELECT count(*)::int FROM ticket_revisits v WHERE v.ticket_id = r.ticket_id) AS revisits
       FROM revisit_tasks r JOIN tickets t ON t.id = r.ticket_id
       LEFT JOIN campaign_targets ct ON ct.id = r.target_id LEFT JOIN campaigns c ON c.id = ct.campaign_id
      WHERE r.id = $1 AND r.done_at IS NULL AND ${visible.sql}`,
    [taskId, ...visible.params],
  );
  return rows[0] ?? null;
}

/** Marks the task done by the agent; false when it was already done (someone else recorded it). */
export async function finishRevisitTask(db: Queryable, taskId: number, agentId: number): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE revisit_tasks SET done_at = now(), done_by = $2 WHERE id = $1 AND done_at IS NULL',
    [taskId, agentId],
  );
  return (rowCount ?? 0) > 0;
}

/** A ticket's revisit record, oldest first. */
export async function ticketRevisits(db: Queryable, ticketId: number): Promise<TicketRevisitView[]> {
  const { rows } = await db.query<Omit<TicketRevisitView, 'at'> & { at: Date }>(
    `SELECT r.id, r.attempt_no AS "attemptNo", r.at, r.result, r.score, r.satisfied,
            r.comment_recording IS NOT NULL AS "hasComment", r.automated, a.name AS "byAgent"
       FROM ticket_revisits r LEFT JOIN agents a ON a.id = r.by_agent
      WHERE r.ticket_id = $1 ORDER BY r.at, r.id`,
    [ticketId],
  );
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}

/** The comment recording's file of a revisit of the ticket, or null. */
export async function revisitComment(
  db: Queryable,
  ticketId: number,
  revisitId: number,
): Promise<string | null> {
  const { rows } = await db.query<{ file: string | null }>(
    'SELECT comment_recording AS file FROM ticket_revisits WHERE id = $1 AND ticket_id = $2',
    [revisitId, ticketId],
  );
  return rows[0]?.file ?? null;
}

// ---- the owner's outbound history (screen pop) ----

export interface OwnerOutboundHistory {
  revisits: { ticketNumber: string; at: string; score: number | null; outcome: string }[];
  attempts: PopAttempt[];
}

/**
 * The owner's last revisit results (all their tickets) and last dialled attempts, in one round trip: the screen
 * pop's query for outbound history (indexes tickets_owner, ticket_revisits_ticket, campaign_targets_owner and
 * call_attempts' (target_id, attempt_no)).
 */
export async function ownerOutboundHistory(
  db: Queryable,
  ownerId: number,
  limit = 5,
): Promise<OwnerOutboundHistory> {
  const { rows } = await db.query<OwnerOutboundHistory>(
    `SELECT
       (SELECT coalesce(json_agg(r ORDER BY r.at DESC), '[]'::json) FROM (
          SELECT k.number AS "ticketNumber", v.at, v.score,
                 CASE WHEN v.result = 'not-reached' THEN 'not-reached' WHEN v.result = 'no-score' THEN 'no-score'
                      WHEN v.satisfied THEN 'satisfied' ELSE 'unsatisfied' END AS outcome
            FROM tickets k JOIN ticket_revisits v ON v.ticket_id = k.id
           WHERE k.owner_id = $1 ORDER BY v.at DESC LIMIT $2) r) AS revisits,
       (SELECT coalesce(json_agg(x ORDER BY x.at DESC), '[]'::json) FROM (
          SELECT c.kind AS "campaignKind", c.name AS "campaignName", a.dialled_at AS at, a.result, a.outcome
            FROM campaign_targets t JOIN call_attempts a ON a.target_id = t.id JOIN campaigns c ON c.id = t.campaign_id
           WHERE t.owner_id = $1 AND a.dialled_at IS NOT NULL ORDER BY a.dialled_at DESC LIMIT $2) x) AS attempts`,
    [ownerId, limit],
  );
  const r = rows[0]!;
  // json_agg gives timestamps as PostgreSQL prints them: make them ISO like the rest of the pop
  return {
    revisits: r.revisits.map((v) => ({ ...v, at: new Date(v.at).toISOString() })),
    attempts: r.attempts.map((a) => ({ ...a, at: new Date(a.at).toISOString() })),
  };
}

/** An estate's buildings, for the campaign form's picker (by code: 1号楼, 2号楼, ...). */
export async function estateBuildings(
  db: Queryable,
  estateId: number,
): Promise<{ id: number; name: string }[]> {
  const { rows } = await db.query<{ id: number; name: string }>(
    'SELECT id, name FROM buildings WHERE estate_id = $1 ORDER BY length(code), code',
    [estateId],
  );
  return rows;
}
