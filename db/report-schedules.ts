// Scheduled reports (migration 026; core/reports/schedule.ts the period rules, workers/report-jobs.ts the worker):
// the schedules team leaders keep, and their runs, one per schedule and period (the unique key), each holding the
// file it made. A run is taken by one attempt at a time: `attempt` is the number its start got, and only that
// attempt may finish it (a worker taken for dead whose job went to another cannot overwrite the other's result).
import type {
  NewReportSchedule,
  ReportCadence,
  ReportFormat,
  ReportKind,
  ReportPeriod,
  ReportRun,
  ReportRunStatus,
  ReportSchedule,
  ReportScheduleFilters,
} from '../core/index.ts';
import type { Queryable } from './pool.ts';

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const RUN_COLUMNS = (r: string) => `${r}.id::int AS id, ${r}.schedule_id AS "scheduleId",
  ${r}.period_from::text AS "from", ${r}.period_to::text AS "to", ${r}.period_label AS label, ${r}.status,
  ${r}.attempts, ${r}.file_name AS "fileName", ${r}.content_type AS "contentType",
  octet_length(${r}.file) AS size, ${r}.error, ${iso(`${r}.queued_at`)} AS "queuedAt",
  ${iso(`${r}.started_at`)} AS "startedAt", ${iso(`${r}.finished_at`)} AS "finishedAt"`;

const SCHEDULE_SELECT = `
SELECT s.id, s.name, s.kind, s.cadence, s.format, s.enabled, s.created_by AS "createdBy",
       a.name AS "createdByName", ${iso('s.created_at')} AS "createdAt",
       s.filters,
       (SELECT to_jsonb(x) FROM (SELECT ${RUN_COLUMNS('r')} FROM report_runs r WHERE r.schedule_id = s.id
                                  ORDER BY r.period_from DESC LIMIT 1) x) AS "lastRun"
  FROM report_schedules s LEFT JOIN agents a ON a.id = s.created_by`;

/** A schedule's filters as stored (jsonb: a filter left out is every one). */
function filtersOf(raw: unknown): ReportScheduleFilters {
  const f = (raw ?? {}) as Partial<ReportScheduleFilters>;
  return { estateId: f.estateId ?? null, queue: f.queue ?? null, agentId: f.agentId ?? null };
}

function scheduleOf(row: ReportSchedule): ReportSchedule {
  return { ...row, filters: filtersOf(row.filters) };
}

export async function listReportSchedules(db: Queryable): Promise<ReportSchedule[]> {
  const { rows } = await db.query<ReportSchedule>(`${SCHEDULE_SELECT} ORDER BY s.id`);
  return rows.map(scheduleOf);
}

export async function getReportSchedule(db: Queryable, id: number): Promise<ReportSchedule | null> {
  const { rows } = await db.query<ReportSchedule>(`${SCHEDULE_SELECT} WHERE s.id = $1`, [id]);
  return rows[0] ? scheduleOf(rows[0]) : null;
}

export async function createReportSchedule(
  db: Queryable,
  s: NewReportSchedule,
  by: number,
): Promise<ReportSchedule> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO report_schedules (name, kind, filters, cadence, format, enabled, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [s.name, s.kind, JSON.stringify(s.filters), s.cadence, s.format, s.enabled, by],
  );
  return (await getReportSchedule(db, rows[0]!.id))!;
}

/** Replaces a schedule's settings; null when there is no such schedule. */
export async function updateReportSchedule(
  db: Queryable,
  id: number,
  s: NewReportSchedule,
): Promise<ReportSchedule | null> {
  const { rowCount } = await db.query(
    `UPDATE report_schedules SET name = $2, kind = $3, filters = $4, cadence = $5, format = $6, enabled = $7
      WHERE id = $1`,
    [id, s.name, s.kind, JSON.stringify(s.filters), s.cadence, s.format, s.enabled],
  );
  return rowCount ? getReportSchedule(db, id) : null;
}

/** Deletes a schedule with its runs and their files; false when there was none. */
export async function deleteReportSchedule(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM report_schedules WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

/** The runs of a schedule, the latest period first. */
export async function listReportRuns(db: Queryable, scheduleId: number, limit = 100): Promise<ReportRun[]> {
  const { rows } = await db.query<ReportRun>(
    `SELECT ${RUN_COLUMNS('r')} FROM report_runs r WHERE r.schedule_id = $1 ORDER BY r.period_from DESC LIMIT $2`,
    [scheduleId, limit],
  );
  return rows;
}

/** A finished run's file. */
export async function reportRunFile(
  db: Queryable,
  scheduleId: number,
  runId: number,
): Promise<{ data: Buffer; name: string; contentType: string } | null> {
  const { rows } = await db.query<{ data: Buffer; name: string; contentType: string }>(
    `SELECT file AS data, file_name AS name, content_type AS "contentType" FROM report_runs
      WHERE id = $1 AND schedule_id = $2 AND status = 'done'`,
    [runId, scheduleId],
  );
  return rows[0] ?? null;
}

/** The run of a due period, queued unless it exists already (a period is made once); returns its status. */
export async function ensureReportRun(
  db: Queryable,
  scheduleId: number,
  p: ReportPeriod,
): Promise<ReportRunStatus> {
  const { rows } = await db.query<{ status: ReportRunStatus }>(
    `WITH added AS (
       INSERT INTO report_runs (schedule_id, period_from, period_to, period_label) VALUES ($1, $2, $3, $4)
       ON CONFLICT (schedule_id, period_from) DO NOTHING RETURNING status)
     SELECT status FROM added
     UNION ALL
     SELECT status FROM report_runs WHERE schedule_id = $1 AND period_from = $2
     LIMIT 1`,
    [scheduleId, p.from, p.to, p.label],
  );
  return rows[0]!.status;
}

/**
 * "Run now": the period's run queued again (made anew), or queued for the first time. A run being made is left to
 * the attempt making it (it would not store a file for a run queued under it); the run is returned as it stands.
 */
export async function requeueReportRun(
  db: Queryable,
  scheduleId: number,
  p: ReportPeriod,
): Promise<ReportRun> {
  const { rows } = await db.query<ReportRun>(
    `WITH queued AS (
       INSERT INTO report_runs (schedule_id, period_from, period_to, period_label) VALUES ($1, $2, $3, $4)
       ON CONFLICT (schedule_id, period_from) DO UPDATE
          SET status = 'queued', error = NULL, queued_at = now(), started_at = NULL, finished_at = NULL
        WHERE report_runs.status <> 'running'
       RETURNING *)
     SELECT ${RUN_COLUMNS('queued')} FROM queued
     UNION ALL
     SELECT ${RUN_COLUMNS('r')} FROM report_runs r
      WHERE r.schedule_id = $1 AND r.period_from = $2 AND NOT EXISTS (SELECT 1 FROM queued)`,
    [scheduleId, p.from, p.to, p.label],
  );
  return rows[0]!;
}

/** The due periods of every enabled schedule, queued where not made yet. */
export async function ensureDueReportRuns(
  db: Queryable,
  due: (s: { id: number; cadence: ReportCadence }) => ReportPeriod,
): Promise<void> {
  const { rows } = await db.query<{ id: number; cadence: ReportCadence }>(
    'SELECT id, cadence FROM report_schedules WHERE enabled',
  );
  for (const s of rows) await ensureReportRun(db, s.id, due(s));
}

/** The runs to be made: queued, or running (a worker may have died; the job id keeps them from doubling). */
export async function pendingReportRuns(db: Queryable): Promise<{ scheduleId: number; from: string }[]> {
  const { rows } = await db.query<{ scheduleId: number; from: string }>(
    `SELECT r.schedule_id AS "scheduleId", r.period_from::text AS "from" FROM report_runs r
       JOIN report_schedules s ON s.id = r.schedule_id
      WHERE r.status IN ('queued', 'running') ORDER BY r.queued_at`,
  );
  return rows;
}

export interface StartedReportRun {
  runId: number;
  scheduleId: number;
  attempt: number;
  kind: ReportKind;
  cadence: ReportCadence;
  format: ReportFormat;
  filters: ReportScheduleFilters;
  from: string;
  to: string;
  label: string;
}

/** An attempt takes a run: running, its attempt counted. Null when the run is done already or gone. */
export async function startReportRun(
  db: Queryable,
  scheduleId: number,
  from: string,
): Promise<StartedReportRun | null> {
  const { rows } = await db.query<StartedReportRun>(
    `UPDATE report_runs r SET status = 'running', attempts = r.attempts + 1, started_at = now(), finished_at = NULL
       FROM report_schedules s
      WHERE s.id = r.schedule_id AND r.schedule_id = $1 AND r.period_from = $2 AND r.status <> 'done'
      RETURNING r.id::int AS "runId", r.schedule_id AS "scheduleId", r.attempts AS attempt, s.kind, s.cadence, s.format, s.filters,
                r.period_from::text AS "from", r.period_to::text AS "to", r.period_label AS label`,
    [scheduleId, from],
  );
  const r = rows[0];
  return r ? { ...r, filters: filtersOf(r.filters) } : null;
}

/** The attempt's file stored: the run done. False when another attempt took the run meanwhile. */
export async function finishReportRun(
  db: Queryable,
  run: Pick<StartedReportRun, 'runId' | 'attempt'>,
  file: { data: Buffer; name: string; contentType: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE report_runs SET status = 'done', file = $3, file_name = $4, content_type = $5, error = NULL,
            finished_at = now()
      WHERE id = $1 AND attempts = $2 AND status = 'running'`,
    [run.runId, run.attempt, file.data, file.name, file.contentType],
  );
  return (rowCount ?? 0) > 0;
}

/** The attempt failed: the run waits for its retry (queued) or, when none is left, failed; the error in words. */
export async function failReportRun(
  db: Queryable,
  run: Pick<StartedReportRun, 'runId' | 'attempt'>,
  error: string,
  final: boolean,
): Promise<void> {
  await db.query(
    `UPDATE report_runs SET status = $3, error = $4, finished_at = CASE WHEN $3 = 'failed' THEN now() END
      WHERE id = $1 AND attempts = $2 AND status = 'running'`,
    [run.runId, run.attempt, final ? 'failed' : 'queued', error],
  );
}

/** Deletes the runs (and files) of periods that ended before `before`; returns how many. */
export async function deleteExpiredReportRuns(db: Queryable, before: string): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM report_runs WHERE period_to < $1::date', [before]);
  return rowCount ?? 0;
}
