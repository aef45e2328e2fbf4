// The periodic severity review: a complaint still unresolved 7 days after intake becomes 热点 (core/tickets/
// severity.ts `unresolved`), which no filing or update notices, only time. A repeatable BullMQ job, every 15
// minutes on whichever worker process takes it (once for the cluster), reassesses the open complaints old enough
// to cross it (db/ticket-severity.ts complaintsToReview) and sends each escalation to the supervisors' room through
// the socket.io Redis emitter. Reassessing is idempotent: a worker dying mid-job only means the next run does the
// rest.
import { Emitter } from '@socket.io/redis-emitter';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger, ServerToClientEvents } from '../core/index.ts';
import { complaintsToReview, reassessTicketSeverity, ticketLeaderRooms, type Pool } from '../db/index.ts';

export const SEVERITY_QUEUE = 'hotline-ticket-severity';
export const SEVERITY_REVIEW_JOB = 'review-severity';
const EVERY_MS = 15 * 60_000;
const BATCH = 500;

/** Reassesses the complaints that may have crossed the unresolved limit; returns how many went up. */
export async function reviewSeverities(
  db: Pool,
  emitter: Emitter<ServerToClientEvents>,
  log: Logger,
  now = new Date(),
): Promise<number> {
  let raised = 0;
  let after = 0;
  for (;;) {
    const batch = await complaintsToReview(db, now, after, BATCH);
    for (const ticketId of batch) {
      for (const escalation of await reassessTicketSeverity(db, ticketId)) {
        emitter.to(await ticketLeaderRooms(db, escalation.ticketId)).emit('ticket:escalated', escalation);
        log.info(
          { ticketId: escalation.ticketId, from: escalation.from.level, to: escalation.to.level },
          'ticket escalated',
        );
        raised++;
      }
    }
    if (batch.length < BATCH) return raised;
    after = batch.at(-1)!;
  }
}

export interface SeverityReviewWorker {
  queue: Queue;
  close(): Promise<void>;
}

/**
 * Schedules the review every 15 minutes (once for the whole cluster) and processes it in this process.
 * `connection`: BullMQ's (maxRetriesPerRequest null); `redis`: for the emitter.
 */
export async function startSeverityReview(deps: {
  connection: ConnectionOptions;
  redis: Redis;
  db: Pool;
  log: Logger;
}): Promise<SeverityReviewWorker> {
  const log = deps.log.child({ component: 'severity-review' });
  const emitter = new Emitter<ServerToClientEvents>(deps.redis);
  const queue = new Queue(SEVERITY_QUEUE, { connection: deps.connection });
  // Redis away: logged here, not printed by BullMQ (a queue without an error listener prints every failed reconnection)
  queue.on('error', (err) => log.warn({ err: err.message }, 'severity review queue problem'));
  await queue.upsertJobScheduler(SEVERITY_REVIEW_JOB, { every: EVERY_MS }, { name: SEVERITY_REVIEW_JOB });
  const worker = new Worker(
    SEVERITY_QUEUE,
    async (job) => (job.name === SEVERITY_REVIEW_JOB ? reviewSeverities(deps.db, emitter, log) : 0),
    { connection: deps.connection, concurrency: 1 },
  );
  worker.on('failed', (job, err) => log.warn({ err: err.message, job: job?.name }, 'severity review failed'));
  // Redis away (a restart): logged, not printed bare by BullMQ; the worker reconnects by itself
  worker.on('error', (err) => log.warn({ err: err.message }, 'severity review worker problem'));
  return {
    queue,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
