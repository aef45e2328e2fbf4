// Scheduled reports (issue 7 "Reports"; migration 026, core/reports/schedule.ts): a repeatable BullMQ tick, every
// 5 minutes on whichever worker process takes it, queues the due period of every enabled schedule (daily: the day
// before; weekly: from Monday 00:00 Shanghai, the week before; monthly: from the 26th, the month closing on the
// 25th) unless its run exists, enqueues one job per (schedule, period) with that pair as the job id, and deletes
// the runs older than 13 months. A job makes the file with the export routes' code (db/report-documents.ts) and
// stores it on the run. A failed attempt retries with backoff and the run keeps the error in words; a worker that
// dies mid-job leaves its job to BullMQ's stalled-job recovery, and the run row (unique per period) to the next
// attempt, so a period ends with one run, made once.
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import {
  BadRequest,
  duePeriod,
  reportRunJobId,
  runsExpireBefore,
  type Logger,
  type ReportPeriodKind,
} from '../core/index.ts';
import {
  deleteExpiredReportRuns,
  ensureDueReportRuns,
  failReportRun,
  finishReportRun,
  pendingReportRuns,
  reportFile,
  startReportRun,
  type Pool,
  type ReportFileQuery,
  type StartedReportRun,
} from '../db/index.ts';

export const REPORTS_QUEUE = 'hotline-reports';
const TICK_JOB = 'report-tick';
const RUN_JOB = 'make-report';
const TICK_EVERY_MS = 5 * 60_000;
/** Attempts of a run's job before the run is failed (a team leader can run it again). */
const ATTEMPTS = 4;
/** The first retry after 1 minute, then 2, 4. */
const BACKOFF_MS = 60_000;

export interface ReportRunJob {
  scheduleId: number;
  from: string;
}

/** Enqueues the job of a run: one per schedule and period, whoever asks (a tick, "run now", another process). */
export async function enqueueReportRun(queue: Queue, run: ReportRunJob): Promise<void> {
  await queue.add(RUN_JOB, run, {
    jobId: reportRunJobId(run.scheduleId, run.from),
    attempts: ATTEMPTS,
    backoff: { type: 'report-backoff' },
    // gone once over, so that "run now" can enqueue the same period again
    removeOnComplete: true,
    removeOnFail: true,
  });
}

/** One tick: the due runs queued, the pending ones enqueued, the old ones deleted. */
export async function reportTick(
  db: Pool,
  queue: Queue,
  now = new Date(),
): Promise<{ enqueued: number; deleted: number }> {
  await ensureDueReportRuns(db, (s) => duePeriod(s.cadence, now));
  const pending = await pendingReportRuns(db);
  for (const run of pending) await enqueueReportRun(queue, run);
  return { enqueued: pending.length, deleted: await deleteExpiredReportRuns(db, runsExpireBefore(now)) };
}

const PERIOD_KIND: Record<StartedReportRun['cadence'], ReportPeriodKind> = {
  daily: 'day',
  weekly: 'week',
  monthly: 'month',
};

/** What file a run makes: its kind over its period, with the filters that kind honours. */
export function reportFileQuery(run: StartedReportRun): ReportFileQuery {
  const { estateId, queue, agentId } = run.filters;
  if (run.kind === 'work') return { kind: 'work', month: run.label, estateId };
  if (run.kind === 'complaints') {
    return {
      kind: 'complaints',
      period: PERIOD_KIND[run.cadence],
      from: run.from,
      to: run.to,
      estateId,
      agentId,
    };
  }
  return { kind: 'kpis', from: run.from, to: run.to, estateId, queue, agentId };
}

const FAILED = '生成报表时出错,将自动重试 / The report could not be made; it will be tried again.';
const GAVE_UP =
  '生成报表多次出错,请稍后点「立即生成」重试 / The report could not be made; use "Run now" to try again.';

export interface ReportJobs {
  queue: Queue;
  close(force?: boolean): Promise<void>;
}

export async function startReportJobs(deps: {
  connection: ConnectionOptions;
  db: Pool;
  log: Logger;
  /** For tests: the retry delay, the lock of a job (a dead worker's job stalls after it), the stalled checks. */
  backoffMs?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  tickEveryMs?: number;
  /** For tests: called as an attempt starts making a run's file. */
  beforeMake?: (run: StartedReportRun) => Promise<void>;
}): Promise<ReportJobs> {
  const log = deps.log.child({ component: 'report-jobs' });
  const queue = new Queue(REPORTS_QUEUE, { connection: deps.connection });
  // Redis away: logged here, not printed by BullMQ (a queue without an error listener prints every failed reconnection)
  queue.on('error', (err) => log.warn({ err: err.message }, 'report queue problem'));
  await queue.upsertJobScheduler(TICK_JOB, { every: deps.tickEveryMs ?? TICK_EVERY_MS }, { name: TICK_JOB });
  const backoffMs = deps.backoffMs ?? BACKOFF_MS;

  async function makeRun(job: Job<ReportRunJob>): Promise<string> {
    const run = await startReportRun(deps.db, job.data.scheduleId, job.data.from);
    if (!run) return 'done already';
    const runLog = log.child({ runId: run.runId, scheduleId: job.data.scheduleId, period: run.label });
    try {
      await deps.beforeMake?.(run);
      const file = await reportFile(deps.db, reportFileQuery(run), run.format);
      const stored = await finishReportRun(deps.db, run, file);
      runLog.info({ file: file.name, bytes: file.data.length, attempt: run.attempt, stored }, 'report made');
      return file.name;
    } catch (err) {
      // a filter that no longer holds (an estate deleted) will not mend by retrying: say so and stop
      const final = err instanceof BadRequest || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const words = err instanceof BadRequest ? err.message : final ? GAVE_UP : FAILED;
      await failReportRun(deps.db, run, words, final);
      runLog.warn(
        { err: err instanceof Error ? err.message : String(err), attempt: run.attempt },
        'report failed',
      );
      if (err instanceof BadRequest) throw new UnrecoverableError(err.message);
      throw err;
    }
  }

  const worker = new Worker<ReportRunJob | Record<string, never>>(
    REPORTS_QUEUE,
    async (job) => {
      if (job.name === TICK_JOB) {
        const r = await reportTick(deps.db, queue);
        if (r.deleted > 0) log.info(r, 'old report runs deleted');
        return r.enqueued;
      }
      return makeRun(job as Job<ReportRunJob>);
    },
    {
      connection: deps.connection,
      concurrency: 2,
      // (left out unless given: an undefined option would replace BullMQ's default)
      ...(deps.lockDurationMs ? { lockDuration: deps.lockDurationMs } : {}),
      ...(deps.stalledIntervalMs ? { stalledInterval: deps.stalledIntervalMs } : {}),
      settings: { backoffStrategy: (attemptsMade: number) => backoffMs * 2 ** Math.max(0, attemptsMade - 1) },
    },
  );
  worker.on('error', (err) => log.warn({ err: err.message }, 'report worker problem'));
  return {
    queue,
    async close(force = false) {
      await worker.close(force);
      await queue.close();
    },
  };
}
