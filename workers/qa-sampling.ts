// Draws the QA samples (core/quality.ts) of the period that just ended, for every agent: a repeatable BullMQ job
// every hour on whichever worker process takes it. Drawing tops each agent up to the settings' number and never
// draws a call twice, so running it again (another process, a retry after a worker died) changes nothing.
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { previousQaPeriod, type Logger } from '../core/index.ts';
import { drawQaSamples, qaSettings, type Pool } from '../db/index.ts';

export const QA_QUEUE = 'hotline-qa';
const JOB = 'draw-samples';

/** Draws the samples of the period before the one holding `now`; returns the period and how many were drawn. */
export async function drawLastPeriod(db: Pool, now = new Date()): Promise<{ period: string; drawn: number }> {
  const settings = await qaSettings(db);
  const period = previousQaPeriod(settings.period, now);
  return { period: period.label, drawn: await drawQaSamples(db, period, settings.perAgent) };
}

export async function startQaSampling(deps: {
  connection: ConnectionOptions;
  db: Pool;
  log: Logger;
}): Promise<{ close(): Promise<void> }> {
  const log = deps.log.child({ component: 'qa-sampling' });
  const queue = new Queue(QA_QUEUE, { connection: deps.connection });
  // Redis away: logged here, not printed by BullMQ (a queue without an error listener prints every failed reconnection)
  queue.on('error', (err) => log.warn({ err: err.message }, 'QA sampling queue problem'));
  await queue.upsertJobScheduler(JOB, { every: 3_600_000 }, { name: JOB });
  const worker = new Worker(
    QA_QUEUE,
    async () => {
      const { period, drawn } = await drawLastPeriod(deps.db);
      if (drawn > 0) log.info({ period, drawn }, 'QA samples drawn');
      return drawn;
    },
    { connection: deps.connection, concurrency: 1 },
  );
  worker.on('failed', (job, err) => log.warn({ err: err.message, job: job?.name }, 'QA sampling failed'));
  worker.on('error', (err) => log.warn({ err: err.message }, 'QA sampling worker problem'));
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
