// The dial queues (one BullMQ queue per trunk, `hotline-dial-<code>`, one job per call attempt) and the campaign
// progress events, shared by the scheduler (workers role: adds the jobs) and the dialer (ivr role: runs them).
//
// Pacing is the queue's: `setGlobalConcurrency(max_channels)` caps the jobs active at once across every dialer
// process, and a job stays active exactly as long as its call is up (OutboundCalls.place resolves when the owner's
// channel is gone), so the calls up never exceed the cap; `setGlobalRateLimit` paces the starts (calls_per_second
// spread over windows of about 250 ms: core dialPacing). A job that waits (window, paused, the owner on a call) is
// moved to delayed and holds no slot.
import { Emitter } from '@socket.io/redis-emitter';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  attemptJobId,
  campaignWindow,
  dialPacing,
  dialQueueName,
  nextDialTime,
  ProgressThrottle,
  rooms,
  type Logger,
  type ServerToClientEvents,
} from '../core/index.ts';
import type { CampaignProgress } from '../core/index.ts';
import {
  campaignById,
  campaignProgress,
  dueAttempts,
  type Campaign,
  type Pool,
  type QueuedAttempt,
  type Trunk,
} from '../db/index.ts';

/** A dial job's data: the attempt (everything else is read when it runs). */
export interface DialJob {
  attemptId: number;
}

const BULK = 2000;
/**
 * Dial jobs are fed this many attempts ahead of the dialer per campaign (by due time), topped up as attempts end
 * (at most once a second per campaign, once fewer than half are left ready) and by the scheduler's reconciliation.
 * A job's id is its attempt's, so feeding one twice does nothing.
 */
export const FEED_AHEAD = 2000;
const FEED_EVERY_MS = 1000;
/** The ETA's rate: attempts ended in this many seconds. */

export class DialQueues {
  readonly #queues = new Map<string, Queue<DialJob>>();
  readonly #connection: ConnectionOptions;
  constructor(connection: ConnectionOptions) {
    this.#connection = connection;
  }

  queue(trunkCode: string): Queue<DialJob> {
    let q = this.#queues.get(trunkCode);
    if (!q) {
      q = new Queue<DialJob>(dialQueueName(trunkCode), {
        connection: this.#connection,
        // a job is a dial's turn: once done or given up, the database holds the attempt (the reconciliation adds
        // a job for a queued attempt again)
        defaultJobOptions: {
          removeOnComplete: true,
          removeOnFail: true,
          attempts: 5,
          backoff: { type: 'exponential', delay: 2000 },
        },
      });
      // Redis away: the trunk's dial worker logs it (dialer.ts); without a listener BullMQ prints every failed
      // reconnection
      q.on('error', () => undefined);
      this.#queues.set(trunkCode, q);
    }
    return q;
  }

  /** The trunk's cap and calls/s on its queue (again after an admin's edit or a Redis that came back empty). */
  async pace(trunk: Trunk): Promise<void> {
    const q = this.queue(trunk.code);
    await q.setGlobalConcurrency(trunk.maxChannels);
    const { max, durationMs } = dialPacing(trunk.callsPerSecond);
    await q.setGlobalRateLimit(max, durationMs);
  }

  /**
   * Adds the jobs of queued attempts, each delayed to its due time moved into the campaign's window. Adding a job
   * whose id is there does nothing.
   */
  async enqueue(campaign: Campaign, attempts: readonly QueuedAttempt[], now = new Date()): Promise<void> {
    const q = this.queue(campaign.trunkCode);
    const window = campaignWindow(campaign);
    for (let i = 0; i < attempts.length; i += BULK) {
      await q.addBulk(
        attempts.slice(i, i + BULK).map((a) => {
          const at = nextDialTime(window, a.dueAt > now ? a.dueAt : now);
          return {
            name: 'dial',
            data: { attemptId: a.id },
            opts: { jobId: attemptJobId(a.id), delay: Math.max(0, at.getTime() - now.getTime()) },
          };
        }),
      );
    }
  }

  /** Removes the jobs of attempts (paused or cancelled campaigns); a job that is running stays. */
  async remove(trunkCode: string, attemptIds: readonly number[]): Promise<void> {
    const q = this.queue(trunkCode);
    for (let i = 0; i < attemptIds.length; i += BULK) {
      await Promise.all(attemptIds.slice(i, i + BULK).map((id) => q.remove(attemptJobId(id)).catch(() => 0)));
    }
  }

  /** Feeds the jobs of the campaign's next queued attempts now (a running campaign only). */
  async feed(db: Pool, campaignId: number, now = new Date()): Promise<number> {
    const campaign = await campaignById(db, campaignId);
    if (!campaign || campaign.status !== 'running') return 0;
    const attempts = await dueAttempts(db, campaignId, FEED_AHEAD);
    await this.enqueue(campaign, attempts, now);
    return attempts.length;
  }

  /**
   * Feeds the campaign's next jobs when its trunk's queue runs low (fewer than half of FEED_AHEAD ready to run),
   * after the `ready` earliest queued attempts (those are the jobs there), up to FEED_AHEAD again. Feeding the
   * whole FEED_AHEAD after every end added nothing but cost Redis an add script per job, 2,000 a second, and
   * stalled the dials. An attempt skipped (other campaigns' jobs on the trunk) is fed once the queue drains.
   */
  async topUp(db: Pool, campaignId: number, now = new Date()): Promise<number> {
    const campaign = await campaignById(db, campaignId);
    if (!campaign || campaign.status !== 'running') return 0;
    const c = await this.queue(campaign.trunkCode).getJobCounts('wait', 'prioritized');
    const ready = (c.wait ?? 0) + (c.prioritized ?? 0);
    if (ready >= FEED_AHEAD / 2) return 0;
    const attempts = await dueAttempts(db, campaignId, FEED_AHEAD - ready, ready);
    await this.enqueue(campaign, attempts, now);
    return attempts.length;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    this.#queues.clear();
  }
}

/**
 * Runs `run(campaignId)` at most once per `intervalMs` per campaign after changes; a change inside the interval is
 * run at its end (the last change always counts).
 */
class Throttled {
  readonly #throttle: ProgressThrottle;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #run: (campaignId: number) => Promise<void>;
  readonly #failed: (err: unknown, campaignId: number) => void;
  constructor(
    intervalMs: number,
    run: (campaignId: number) => Promise<void>,
    failed: (err: unknown, campaignId: number) => void,
  ) {
    this.#throttle = new ProgressThrottle(intervalMs);
    this.#run = run;
    this.#failed = failed;
  }

  changed(campaignId: number): void {
    const key = String(campaignId);
    const wait = this.#throttle.changed(key, Date.now());
    if (wait === null) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#throttle.sent(key, Date.now());
      void this.#run(campaignId).catch((err: unknown) => this.#failed(err, campaignId));
    }, wait);
    this.#timers.add(timer);
  }

  /** Closed: runs still under way finish without their last step (see ProgressReporter). */
  protected closed = false;

  close(): void {
    this.closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}

/** Tops a campaign's jobs up after its attempts moved on, at most once a second per campaign, when they run low. */
export class Feeder extends Throttled {
  constructor(queues: DialQueues, db: Pool, log: Logger) {
    super(
      FEED_EVERY_MS,
      async (campaignId) => void (await queues.topUp(db, campaignId)),
      (err, campaignId) => log.warn({ err, campaignId }, 'could not feed the dial jobs'),
    );
  }
}

/** `campaign:progress` to the supervisors, at most twice a second per campaign (the last change always sent). */
export class ProgressReporter extends Throttled {
  readonly #db: Pool;
  constructor(redis: Redis, db: Pool, log: Logger) {
    const emitter = new Emitter<ServerToClientEvents>(redis);
    super(
      500,
      async (campaignId) => {
        const p = await this.progress(campaignId);
        // the emitter's publish is not awaited: on a connection closed meanwhile (the dialer stopping) its
        // rejection would go unhandled
        if (this.closed || redis.status !== 'ready') return;
        emitter.to(rooms.supervisors).emit('campaign:progress', p);
      },
      (err, campaignId) => log.warn({ err, campaignId }, 'could not send the campaign progress'),
    );
    this.#db = db;
  }

  /** The same figures as the campaign page loads (`GET /api/campaigns/:id`). */
  async progress(campaignId: number): Promise<CampaignProgress> {
    const { counts, total, done, etaS } = await campaignProgress(this.#db, campaignId, new Date());
    return { campaignId, counts, total, done, etaS };
  }
}
