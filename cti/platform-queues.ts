// The BullMQ queues the platform uses, for the ops pages (the queue board, the queue depths in /metrics): the
// fixed ones (ticket clocks, severity review, campaigns scheduler, recording retention) and one dial queue per
// active trunk. Trunks come and go: the list is read again from the database when asked (at most every few
// seconds) and every 30 seconds; a queue whose trunk went away leaves the list.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { CAMPAIGNS_QUEUE, dialQueueName, TICKET_CLOCKS_QUEUE, type Logger } from '../core/index.ts';
import { activeTrunks, type Pool } from '../db/index.ts';
import { MAINTENANCE_QUEUE } from '../workers/recording-retention.ts';
import { REPORTS_QUEUE } from '../workers/report-jobs.ts';
import { SEVERITY_QUEUE } from '../workers/severity-review.ts';

/** The queues every installation has, whatever its trunks. */
export const FIXED_QUEUES: readonly string[] = [
  TICKET_CLOCKS_QUEUE,
  SEVERITY_QUEUE,
  CAMPAIGNS_QUEUE,
  MAINTENANCE_QUEUE,
  REPORTS_QUEUE,
];

const REFRESH_EVERY_MS = 30_000;
/** A page load or a scrape reads the trunks again when the last read is older than this. */
const FRESH_MS = 3_000;

export class PlatformQueues {
  readonly #queues = new Map<string, Queue>();
  readonly #db: Pool;
  readonly #connection: Redis;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;
  readonly #listeners: ((queues: Queue[]) => void)[] = [];
  #readAt = 0;
  #reading: Promise<Queue[]> | null = null;

  /** `redis`: duplicated into one connection shared by the queues' handles. */
  constructor(deps: { db: Pool; redis: Redis; log: Logger }) {
    this.#db = deps.db;
    this.#connection = deps.redis.duplicate({ maxRetriesPerRequest: 1 });
    this.#connection.on('error', () => undefined);
    this.#log = deps.log;
    this.#timer = setInterval(() => void this.refresh(true).catch(() => undefined), REFRESH_EVERY_MS);
    this.#timer.unref();
  }

  /** Called with the new list whenever a queue comes or goes. */
  onChange(listener: (queues: Queue[]) => void): void {
    this.#listeners.push(listener);
  }

  list(): Queue[] {
    return [...this.#queues.values()];
  }

  /** The queues now, the trunks read again unless that was done a moment ago (`force`: read them anyway). */
  async refresh(force = false): Promise<Queue[]> {
    if (!force && Date.now() - this.#readAt < FRESH_MS) return this.list();
    this.#reading ??= this.#read().finally(() => (this.#reading = null));
    return this.#reading;
  }

  async #read(): Promise<Queue[]> {
    let names: string[];
    try {
      names = [...FIXED_QUEUES, ...(await activeTrunks(this.#db)).map((t) => dialQueueName(t.code))];
    } catch (err) {
      // the database is away: keep the dial queues known so far
      this.#log.warn({ err }, 'could not read the trunks for the queue list');
      names = [...new Set([...FIXED_QUEUES, ...this.#queues.keys()])];
    }
    this.#readAt = Date.now();
    let changed = false;
    for (const name of names) {
      if (this.#queues.has(name)) continue;
      const queue = new Queue(name, { connection: this.#connection });
      // Redis away: /readyz says so; the board and the scrape fail until it is back
      queue.on('error', () => undefined);
      this.#queues.set(name, queue);
      changed = true;
    }
    for (const [name, queue] of this.#queues) {
      if (names.includes(name)) continue;
      this.#queues.delete(name);
      await queue.close().catch(() => undefined);
      changed = true;
    }
    if (changed) for (const listener of this.#listeners) listener(this.list());
    return this.list();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(this.list().map((q) => q.close().catch(() => undefined)));
    this.#queues.clear();
    this.#connection.disconnect();
  }
}
