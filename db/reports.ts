// The managers' figures (issue 7 "Reports"; core/reports/kpis.ts defines each one): per-day aggregates
// (migration 021) recomputed from the raw rows for each day a change marked dirty, then summed over a period with
// the estate, queue and agent filters. The aggregate SQL below is the definition in SQL: a day's rows are always
// what it gives on the raw rows of that day, never patched.
import {
  feeCycleOf,
  kpiFigure,
  REPORT_TIME_ZONE,
  SHORT_ABANDON_S,
  DEFAULT_SERVICE_LEVEL_S,
  FCR_DAYS,
  type KpiFigure,
  type KpiFilter,
} from '../core/index.ts';
import { feeCoverage } from './outbound.ts';
import type { Pool, Queryable } from './pool.ts';

export interface ReportFilters {
  /** [from, to) as YYYY-MM-DD days in Asia/Shanghai */
  from: string;
  to: string;
  estateId: number | null;
  queue: string | null;
  agentId: number | null;
}

const DAYS = `d AS (
  SELECT day, (day::timestamp AT TIME ZONE '${REPORT_TIME_ZONE}') AS lo,
         ((day + 1)::timestamp AT TIME ZONE '${REPORT_TIME_ZONE}') AS hi
    FROM unnest($1::date[]) AS day)`;

/** The calls the call figures count: inbound, entered a queue, ended. */
const CALL_COUNTED = `c.direction = 'inbound' AND c.queued_at IS NOT NULL AND c.ended_at IS NOT NULL`;

/** One counted call's facts (from \`calls c LEFT JOIN queues q\`): answered, its wait, whether the caller gave up. */
const CALL_FACTS = `c.agent_answered_at IS NOT NULL AS answered,
         extract(epoch FROM coalesce(c.agent_answered_at, c.ended_at) - c.queued_at) AS wait_s,
         c.agent_answered_at IS NULL AND c.hangup_by = 'caller' AS gave_up,
         coalesce(q.service_level_s, ${DEFAULT_SERVICE_LEVEL_S}) AS sl_s`;

/**
 * The call figures' sums over CALL_FACTS rows: queued, short abandoned, offered, answered, answered within the
 * service level, answer wait, abandoned (core/reports/kpis.ts defines each).
 */
const CALL_SUMS = `count(*),
       count(*) FILTER (WHERE gave_up AND wait_s < ${SHORT_ABANDON_S}),
       count(*) FILTER (WHERE NOT (gave_up AND wait_s < ${SHORT_ABANDON_S})),
       count(*) FILTER (WHERE answered),
       count(*) FILTER (WHERE answered AND wait_s <= sl_s),
       coalesce(sum(wait_s) FILTER (WHERE answered), 0),
       count(*) FILTER (WHERE gave_up AND wait_s >= ${SHORT_ABANDON_S})`;

/** Inbound calls that entered a queue and ended, per day, estate, queue and agent. */
const CALL_DAYS = `
WITH ${DAYS},
c AS (
  SELECT d.day, coalesce(c.estate_id, 0) AS estate_id, coalesce(c.queue, '') AS queue,
         coalesce(c.agent_id, 0) AS agent_id, ${CALL_FACTS},
         extract(epoch FROM coalesce(c.wrapped_up_at, c.ended_at) - c.agent_answered_at) AS handle_s,
         c.owner_id IS NOT NULL AS identified,
         c.owner_id IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM calls n
            WHERE n.owner_id = c.owner_id AND n.direction = 'inbound' AND n.started_at > c.started_at
              AND n.started_at <= c.started_at + interval '${FCR_DAYS} days') AS no_repeat
    FROM d JOIN calls c ON c.started_at >= d.lo AND c.started_at < d.hi
    LEFT JOIN queues q ON q.name = c.queue
   WHERE ${CALL_COUNTED})
INSERT INTO kpi_call_days (day, estate_id, queue, agent_id, queued, short_abandoned, offered, answered,
                           answered_in_sl, answer_wait_s, abandoned, handle_s, fcr_calls, fcr_resolved)
SELECT day, estate_id, queue, agent_id, ${CALL_SUMS},
       coalesce(sum(handle_s) FILTER (WHERE answered), 0),
       count(*) FILTER (WHERE answered AND identified),
       count(*) FILTER (WHERE answered AND no_repeat)
  FROM c GROUP BY 1, 2, 3, 4`;

const overdue = (clock: string) => `bool_or(e.kind = 'overdue' AND e.detail->>'clock' = '${clock}'
                                                AND e.detail->>'round' = '1')`;

/** Tickets registered per day, estate, registering agent, type and complaint category, as they stand now. */
const TICKET_DAYS = `
WITH ${DAYS},
t AS (
  SELECT d.day, coalesce(t.estate_id, 0) AS estate_id, coalesce(t.created_by_agent, 0) AS agent_id, t.type,
         coalesce(t.complaint_category, '') AS category, t.type IN ('complaint', 'compensation') AS complaint,
         t.status = 'invalid' AS invalid, t.reopen_count > 0 AS reopened,
         coalesce(ev.resolved, false) AS resolved, coalesce(ev.replied, false) AS replied,
         coalesce(ev.revisited, false) AS revisited, coalesce(ev.od_reply, false) AS od_reply,
         coalesce(ev.od_revisit, false) AS od_revisit, coalesce(ev.od_repair, false) AS od_repair,
         rv.answers, rv.satisfied
    FROM d JOIN tickets t ON t.created_at >= d.lo AND t.created_at < d.hi
    LEFT JOIN LATERAL (
      SELECT bool_or(e.kind = 'resolve') AS resolved,
             bool_or(e.kind IN ('resolve', 'invalidate')) AS replied,
             bool_or(e.kind = 'revisit') AS revisited,
             ${overdue('reply')} AS od_reply,
             ${overdue('revisit')} AS od_revisit,
             ${overdue('on-site')} OR ${overdue('fix')} AS od_repair
        FROM ticket_events e WHERE e.ticket_id = t.id) ev ON true
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE r.satisfied IS NOT NULL) AS answers,
             count(*) FILTER (WHERE r.satisfied) AS satisfied
        FROM ticket_revisits r WHERE r.ticket_id = t.id) rv ON true)
INSERT INTO kpi_ticket_days (day, estate_id, agent_id, type, category, registered, resolved, invalid,
                             reply_decided, reply_in_time, revisit_decided, revisit_in_time, repair_decided,
                             repair_in_time, repair_reopened, revisit_answers, revisit_satisfied)
SELECT day, estate_id, agent_id, type, category,
       count(*),
       count(*) FILTER (WHERE resolved),
       count(*) FILTER (WHERE invalid),
       count(*) FILTER (WHERE complaint AND (replied OR od_reply)),
       count(*) FILTER (WHERE complaint AND replied AND NOT od_reply),
       count(*) FILTER (WHERE complaint AND NOT invalid AND resolved AND (revisited OR od_revisit)),
       count(*) FILTER (WHERE complaint AND NOT invalid AND resolved AND revisited AND NOT od_revisit),
       count(*) FILTER (WHERE type = 'repair' AND (resolved OR od_repair)),
       count(*) FILTER (WHERE type = 'repair' AND resolved AND NOT od_repair),
       count(*) FILTER (WHERE type = 'repair' AND resolved AND reopened),
       coalesce(sum(answers), 0),
       coalesce(sum(satisfied), 0)
  FROM t GROUP BY 1, 2, 3, 4, 5`;

/** Agents' staffed and handling seconds per day (the state running now counts to now). */
const AGENT_DAYS = `
WITH ${DAYS},
s AS (
  SELECT d.day, d.lo, d.hi, x.agent_id, x.state, x.at, x.id
    FROM d JOIN agent_state_changes x ON x.at >= d.lo AND x.at < d.hi
  UNION ALL
  SELECT d.day, d.lo, d.hi, p.agent_id, p.state, p.at, p.id
    FROM d CROSS JOIN agents a
    CROSS JOIN LATERAL (SELECT y.agent_id, y.state, y.at, y.id FROM agent_state_changes y
                         WHERE y.agent_id = a.id AND y.at < d.lo ORDER BY y.at DESC, y.id DESC LIMIT 1) p),
iv AS (
  SELECT day, agent_id, state, greatest(at, lo) AS since,
         least(coalesce(lead(at) OVER (PARTITION BY day, agent_id ORDER BY at, id), hi), hi, now()) AS until
    FROM s)
INSERT INTO kpi_agent_days (day, agent_id, staffed_s, handling_s)
SELECT day, agent_id,
       coalesce(sum(extract(epoch FROM until - since))
                  FILTER (WHERE state IN ('available', 'ringing', 'on-call', 'wrap-up')), 0),
       coalesce(sum(extract(epoch FROM until - since)) FILTER (WHERE state IN ('on-call', 'wrap-up')), 0)
  FROM iv WHERE until > since GROUP BY 1, 2`;

const ROLLUPS = [
  { kind: 'calls', table: 'kpi_call_days', sql: CALL_DAYS },
  { kind: 'tickets', table: 'kpi_ticket_days', sql: TICKET_DAYS },
  { kind: 'agents', table: 'kpi_agent_days', sql: AGENT_DAYS },
] as const;

/**
 * Recomputes the days of [from, to) that changes marked dirty (and, for agents, today: the state running now
 * keeps counting). One report at a time: an advisory lock on the connection is taken first, then the marks, so a
 * report that finds no marks knows no other report is still rewriting the days whose marks it took (two reports at
 * once, e.g. the reports page asking the KPIs and the complaints together, once summed a day the other had claimed
 * but not yet rewritten). The marks are claimed in a statement of their own (autocommit) and deleted in the
 * transaction that writes the recomputed days (migration 027): the calls and tickets that mark a day never wait
 * for a report's recomputation (claimed marks are outside the unique key they insert against), a change committed
 * after the claim marks its day again for the next report, and a report that fails or dies before its commit
 * leaves its marks claimed, for the next report to claim again. Returns the days recomputed.
 */
export async function refreshKpiDays(pool: Pool, from: string, to: string): Promise<number> {
  const client = await pool.connect();
  let recomputed = 0;
  let locked = false;
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext('hotline_kpi_days'))`);
    locked = true;
    // with the lock held, a mark claimed already is one whose report died: it is claimed again
    const { rows } = await client.query<{ kind: string; days: string[] }>(
      `WITH marked AS (
         UPDATE kpi_dirty_days SET claimed = true WHERE day >= $1::date AND day < $2::date RETURNING kind, day)
       SELECT kind, array_agg(DISTINCT day::text) AS days
         FROM (SELECT kind, day FROM marked
               UNION ALL
               SELECT 'agents', today FROM (SELECT (now() AT TIME ZONE '${REPORT_TIME_ZONE}')::date AS today) x
                WHERE today >= $1::date AND today < $2::date) m
        GROUP BY kind`,
      [from, to],
    );
    const claimed = new Map(rows.map((r) => [r.kind, r.days]));
    if (claimed.size === 0) return 0;
    await client.query('BEGIN');
    // A day is a few index lookups per row: compiling the statement (JIT, for its high estimated cost) took
    // longer than running it (about 0.5-0.9 s a statement in bench/kpi-report.ts)
    await client.query('SET LOCAL jit = off');
    for (const { kind, table, sql } of ROLLUPS) {
      const days = claimed.get(kind);
      if (!days) continue;
      await client.query(`DELETE FROM ${table} WHERE day = ANY($1::date[])`, [days]);
      await client.query(sql, [days]);
      recomputed += days.length;
    }
    await client.query(`DELETE FROM kpi_dirty_days WHERE claimed AND day >= $1::date AND day < $2::date`, [
      from,
      to,
    ]);
    await client.query('COMMIT');
    return recomputed;
  } catch (err) {
    // the marks stay claimed: the next report claims them again
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    // a lock left behind (the unlock failed) ends with the connection: released broken, not back to the pool
    const unlocked = !locked
      ? true
      : await client.query(`SELECT pg_advisory_unlock(hashtext('hotline_kpi_days'))`).then(
          () => true,
          () => false,
        );
    client.release(unlocked ? undefined : true);
  }
}

/** Recomputes every day of [from, to) from the raw rows (after a bulk load that bypassed the triggers). */
export async function rebuildKpiDays(pool: Pool, from: string, to: string): Promise<void> {
  await pool.query(
    `INSERT INTO kpi_dirty_days (kind, day)
     SELECT k, d::date FROM unnest(ARRAY['calls', 'tickets', 'agents']) AS k,
            generate_series($1::date, $2::date - 1, interval '1 day') AS d
     ON CONFLICT DO NOTHING`,
    [from, to],
  );
  await refreshKpiDays(pool, from, to);
}

interface CallSums {
  queued: number;
  shortAbandoned: number;
  offered: number;
  answeredInSl: number;
  abandoned: number;
  answered: number;
  answerWaitS: number;
  handleS: number;
  fcrCalls: number;
  fcrResolved: number;
  /** answered calls regardless of the agent filter */
  answeredAll: number;
}

export interface TicketSums {
  registered: number;
  resolved: number;
  invalid: number;
  replyDecided: number;
  replyInTime: number;
  revisitDecided: number;
  revisitInTime: number;
  repairDecided: number;
  repairInTime: number;
  repairReopened: number;
  repairResolved: number;
  revisitAnswers: number;
  revisitSatisfied: number;
}

const n = (v: unknown) => Number(v ?? 0);

/** The call figures of a period: offered, answered... with the agent filter only where it applies. */
async function callSums(db: Queryable, f: ReportFilters): Promise<CallSums> {
  const { rows } = await db.query(
    `SELECT sum(queued) AS queued, sum(short_abandoned) AS short, sum(offered) AS offered,
            sum(answered_in_sl) AS in_sl, sum(abandoned) AS abandoned, sum(answered) AS answered_all,
            sum(answered) FILTER (WHERE mine) AS answered, sum(answer_wait_s) FILTER (WHERE mine) AS wait_s,
            sum(handle_s) FILTER (WHERE mine) AS handle_s, sum(fcr_calls) FILTER (WHERE mine) AS fcr_calls,
            sum(fcr_resolved) FILTER (WHERE mine) AS fcr_resolved
       FROM (SELECT *, ($5::int IS NULL OR agent_id = $5) AS mine FROM kpi_call_days
              WHERE day >= $1::date AND day < $2::date AND ($3::int IS NULL OR estate_id = $3)
                AND ($4::text IS NULL OR queue = $4)) x`,
    [f.from, f.to, f.estateId, f.queue, f.agentId],
  );
  const r = rows[0] as Record<string, unknown>;
  return {
    queued: n(r.queued),
    shortAbandoned: n(r.short),
    offered: n(r.offered),
    answeredInSl: n(r.in_sl),
    abandoned: n(r.abandoned),
    answeredAll: n(r.answered_all),
    answered: n(r.answered),
    answerWaitS: n(r.wait_s),
    handleS: n(r.handle_s),
    fcrCalls: n(r.fcr_calls),
    fcrResolved: n(r.fcr_resolved),
  };
}

const TICKET_SUMS = `sum(registered) AS registered, sum(resolved) AS resolved, sum(invalid) AS invalid,
  sum(reply_decided) AS reply_decided, sum(reply_in_time) AS reply_in_time,
  sum(revisit_decided) AS revisit_decided, sum(revisit_in_time) AS revisit_in_time,
  sum(repair_decided) AS repair_decided, sum(repair_in_time) AS repair_in_time,
  sum(repair_reopened) AS repair_reopened, sum(resolved) FILTER (WHERE type = 'repair') AS repair_resolved,
  sum(revisit_answers) AS revisit_answers, sum(revisit_satisfied) AS revisit_satisfied`;

function ticketSumsOf(r: Record<string, unknown>): TicketSums {
  return {
    registered: n(r.registered),
    resolved: n(r.resolved),
    invalid: n(r.invalid),
    replyDecided: n(r.reply_decided),
    replyInTime: n(r.reply_in_time),
    revisitDecided: n(r.revisit_decided),
    revisitInTime: n(r.revisit_in_time),
    repairDecided: n(r.repair_decided),
    repairInTime: n(r.repair_in_time),
    repairReopened: n(r.repair_reopened),
    repairResolved: n(r.repair_resolved),
    revisitAnswers: n(r.revisit_answers),
    revisitSatisfied: n(r.revisit_satisfied),
  };
}

const TICKET_WHERE = `day >= $1::date AND day < $2::date AND ($3::int IS NULL OR estate_id = $3)
  AND ($4::int IS NULL OR agent_id = $4)`;

async function ticketSums(db: Queryable, f: ReportFilters): Promise<TicketSums> {
  const { rows } = await db.query(`SELECT ${TICKET_SUMS} FROM kpi_ticket_days WHERE ${TICKET_WHERE}`, [
    f.from,
    f.to,
    f.estateId,
    f.agentId,
  ]);
  return ticketSumsOf(rows[0] as Record<string, unknown>);
}

/** The KPIs of a period (core/reports/kpis.ts KPI_IDS order), after recomputing its dirty days. */
export async function kpiReport(pool: Pool, f: ReportFilters): Promise<KpiFigure[]> {
  await refreshKpiDays(pool, f.from, f.to);
  const requested: KpiFilter[] = [];
  if (f.estateId !== null) requested.push('estate');
  if (f.queue !== null) requested.push('queue');
  if (f.agentId !== null) requested.push('agent');
  const [calls, tickets, agents, fees] = await Promise.all([
    callSums(pool, f),
    ticketSums(pool, f),
    pool.query<{ staffed: number | null; handling: number | null }>(
      `SELECT sum(staffed_s) AS staffed, sum(handling_s) AS handling FROM kpi_agent_days
        WHERE day >= $1::date AND day < $2::date AND ($3::int IS NULL OR agent_id = $3)`,
      [f.from, f.to, f.agentId],
    ),
    f.estateId === null
      ? null
      : feeCoverage(pool, { estateId: f.estateId, buildingIds: null, cycle: feeCycleOf(f.from) }),
  ]);
  const staffed = Math.round(n(agents.rows[0]?.staffed));
  const handling = Math.round(n(agents.rows[0]?.handling));
  return [
    kpiFigure('service-level', calls.answeredInSl, calls.offered, requested),
    kpiFigure('asa', Math.round(calls.answerWaitS), calls.answered, requested),
    kpiFigure('abandonment', calls.abandoned, calls.offered, requested),
    kpiFigure('short-abandons', calls.shortAbandoned, calls.queued, requested),
    kpiFigure('aht', Math.round(calls.handleS), calls.answered, requested),
    kpiFigure('occupancy', handling, staffed, requested),
    kpiFigure('first-call-resolution', calls.fcrResolved, calls.fcrCalls, requested),
    kpiFigure('complaint-first-reply', tickets.replyInTime, tickets.replyDecided, requested),
    kpiFigure('complaint-revisit', tickets.revisitInTime, tickets.revisitDecided, requested),
    kpiFigure('repair-timeliness', tickets.repairInTime, tickets.repairDecided, requested),
    kpiFigure('owner-satisfaction', tickets.revisitSatisfied, tickets.revisitAnswers, requested),
    fees === null
      ? kpiFigure('fee-reminder-coverage', 0, 0, requested, {
          zh: '请选择小区:催缴率按小区和缴费周期计算',
          en: 'Choose an estate: coverage is counted per estate and billing cycle',
        })
      : kpiFigure('fee-reminder-coverage', fees.householdsReminded, fees.householdsInArrears, requested),
    kpiFigure('repeat-repair', tickets.repairReopened, tickets.repairResolved, requested),
  ];
}

export interface TicketDayRow extends TicketSums {
  day: string;
  type: string;
  category: string;
}

/** Ticket counts per day, type and complaint category (for the complaint and work reports). */
export async function ticketDays(pool: Pool, f: ReportFilters): Promise<TicketDayRow[]> {
  await refreshKpiDays(pool, f.from, f.to);
  const { rows } = await pool.query(
    `SELECT day::text AS day, type, category, ${TICKET_SUMS} FROM kpi_ticket_days WHERE ${TICKET_WHERE}
      GROUP BY day, type, category ORDER BY day, type, category`,
    [f.from, f.to, f.estateId, f.agentId],
  );
  return rows.map((r: Record<string, unknown>) => ({
    day: String(r.day),
    type: String(r.type),
    category: String(r.category),
    ...ticketSumsOf(r),
  }));
}

/** The call totals of a period (the work report): answered, offered, within the service level. */
export async function callTotals(
  pool: Pool,
  f: ReportFilters,
): Promise<{ offered: number; answered: number; answeredInSl: number; abandoned: number }> {
  await refreshKpiDays(pool, f.from, f.to);
  const c = await callSums(pool, f);
  return {
    offered: c.offered,
    answered: c.answeredAll,
    answeredInSl: c.answeredInSl,
    abandoned: c.abandoned,
  };
}

/** Whether an estate, a queue, an agent exist (a report on an unknown one is a mistake, not zeros). */
export async function reportScopeExists(
  db: Queryable,
  f: Pick<ReportFilters, 'estateId' | 'queue' | 'agentId'>,
): Promise<{ estate: boolean; queue: boolean; agent: boolean }> {
  const { rows } = await db.query<{ estate: boolean; queue: boolean; agent: boolean }>(
    `SELECT ($1::int IS NULL OR EXISTS (SELECT 1 FROM estates WHERE id = $1)) AS estate,
            ($2::text IS NULL OR EXISTS (SELECT 1 FROM queues WHERE name = $2)) AS queue,
            ($3::int IS NULL OR EXISTS (SELECT 1 FROM agents WHERE id = $3)) AS agent`,
    [f.estateId, f.queue, f.agentId],
  );
  return rows[0]!;
}

/** Today's call sums of one queue, for the wallboard (the same sums as the reports'). */
export interface QueueCallSums {
  queue: string;
  queued: number;
  shortAbandoned: number;
  offered: number;
  answered: number;
  answeredInSl: number;
  answerWaitS: number;
  abandoned: number;
}

/**
 * Today's (Asia/Shanghai) call figures per queue, straight from today's calls: CALL_FACTS and CALL_SUMS, the
 * reports' own definitions, without the day rollup (the wallboard reads them every few seconds, while today's
 * calls keep changing; recomputing the rollup each time would also redo its slower figures).
 */
export async function queuesToday(db: Queryable, now: Date): Promise<QueueCallSums[]> {
  const { rows } = await db.query<[string, ...string[]]>({
    text: `WITH c AS (
             SELECT coalesce(c.queue, '') AS queue, ${CALL_FACTS}
               FROM calls c LEFT JOIN queues q ON q.name = c.queue
              WHERE c.started_at >= (($1::timestamptz AT TIME ZONE '${REPORT_TIME_ZONE}')::date::timestamp
                                     AT TIME ZONE '${REPORT_TIME_ZONE}')
                AND ${CALL_COUNTED})
           SELECT queue, ${CALL_SUMS} FROM c GROUP BY queue`,
    values: [now],
    rowMode: 'array',
  });
  return rows.map(([queue, ...sums]) => {
    const [queued, shortAbandoned, offered, answered, answeredInSl, answerWaitS, abandoned] =
      sums.map(Number);
    return {
      queue,
      queued: queued!,
      shortAbandoned: shortAbandoned!,
      offered: offered!,
      answered: answered!,
      answeredInSl: answeredInSl!,
      answerWaitS: answerWaitS!,
      abandoned: abandoned!,
    };
  });
}

/** Open tickets with a clock run out (the wallboard's alert count). */
export async function overdueTicketCount(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM tickets WHERE overdue AND status NOT IN ('closed', 'invalid')`,
  );
  return rows[0]!.n;
}

/** Every agent a report can be filtered by (active ones first; not department staff), by name and number. */
export async function reportAgents(
  db: Queryable,
): Promise<{ id: number; name: string; agentNumber: string; active: boolean }[]> {
  const { rows } = await db.query<{ id: number; name: string; agentNumber: string; active: boolean }>(
    `SELECT id, name, agent_number AS "agentNumber", active FROM agents
      WHERE role <> 'department' ORDER BY active DESC, agent_number, id`,
  );
  return rows;
}
