// Removes call recordings older than the retention period (HOTLINE_RECORDING_RETENTION_DAYS). A repeatable
// BullMQ job runs it every hour on whichever worker process takes it; the call record stays and notes when its
// recording was removed. Deleting is idempotent, so a worker dying mid-job only means the next run finishes it.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from '../core/index.ts';
import { markRecordingPurged, recordingsOlderThan, type Pool } from '../db/index.ts';

export const MAINTENANCE_QUEUE = 'hotline-maintenance';
const JOB = 'purge-recordings';
const BATCH = 500;

export interface RetentionSettings {
  recordingDir: string;
  retentionDays: number;
}

/** Removes the recordings of calls older than the retention period; returns how many were removed. */
export async function purgeOldRecordings(
  db: Pool,
  settings: RetentionSettings,
  now = new Date(),
): Promise<number> {
  const before = new Date(now.getTime() - settings.retentionDays * 86_400_000);
  let removed = 0;
  for (;;) {
    const batch = await recordingsOlderThan(db, before, BATCH);
    for (const call of batch) {
      // the name comes from our own records, but never let it reach outside the folder
      const file = join(settings.recordingDir, `${call.recording.replace(/[^A-Za-z0-9_-]/g, '')}.wav`);
      await rm(file, { force: true });
      await markRecordingPurged(db, call.id, now);
      removed++;
    }
    if (batch.length < BATCH) return removed;
  }
}

export interface RetentionWorker {
  queue: Queue;
  close(): Promise<void>;
}

/** Schedules the hourly purge (once for the whole cluster) and processes it in this process. */
export async function startRecordingRetention(deps: {
  connection: ConnectionOptions;
  db: Pool;
  log: Logger;
  settings: RetentionSettings;
}): Promise<RetentionWorker> {
  const log = deps.log.child({ component: 'recording-retention' });
  const queue = new Queue(MAINTENANCE_QUEUE, { connection: deps.connection });
  // Redis away: logged here, not printed by BullMQ (a queue without an error listener prints every failed reconnection)
  queue.on('error', (err) => log.warn({ err: err.message }, 'maintenance queue problem'));
  await queue.upsertJobScheduler(JOB, { every: 3_600_000 }, { name: JOB });
  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async (job) => {
      if (job.name !== JOB) return 0;
      const removed = await purgeOldRecordings(deps.db, deps.settings);
      if (removed > 0)
        log.info({ removed, retentionDays: deps.settings.retentionDays }, 'old recordings removed');
      return removed;
    },
    { connection: deps.connection, concurrency: 1 },
  );
  worker.on('failed', (job, err) => log.warn({ err: err.message, job: job?.name }, 'maintenance job failed'));
  // Redis away (a restart): logged, not printed bare by BullMQ; the worker reconnects by itself
  worker.on('error', (err) => log.warn({ err: err.message }, 'maintenance worker problem'));
  return {
    queue,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
