// Writes to the call records in order, and keeps them while PostgreSQL is away: a write that fails waits in a
// backlog, with every write after it, and the backlog is retried until the database answers again. A caller
// never waits for the records, and a database restart loses none of them (a controller crash during an outage
// still loses its backlog: it is in memory).
import type { Logger } from '../core/index.ts';

export type RecordWrite = () => Promise<void>;

export class CallRecordWriter {
  readonly #backlog: RecordWrite[] = [];
  readonly #log: Logger;
  readonly #retryMs: number;
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;

  constructor(log: Logger, retryMs = 1000) {
    this.#log = log.child({ component: 'call-records' });
    this.#retryMs = retryMs;
  }

  get backlog(): number {
    return this.#backlog.length;
  }

  /** Runs the write now, or queues it behind earlier writes that are waiting for the database. */
  async write(work: RecordWrite): Promise<void> {
    if (this.#backlog.length > 0) {
      this.#backlog.push(work);
      return;
    }
    try {
      await work();
    } catch (err) {
      this.#backlog.push(work);
      this.#log.warn(
        { err: (err as Error).message },
        'call record not written; kept until the database is back',
      );
      this.#schedule();
    }
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#drain();
    }, this.#retryMs);
  }

  #drain(): Promise<void> {
    this.#flushing ??= (async () => {
      try {
        while (this.#backlog.length > 0) {
          await this.#backlog[0]!();
          this.#backlog.shift();
        }
        this.#log.info('call records written after the database came back');
      } catch {
        this.#schedule();
      } finally {
        this.#flushing = null;
      }
    })();
    return this.#flushing;
  }

  /** Tries to write the backlog for up to `timeoutMs` (at shutdown). */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#backlog.length > 0 && Date.now() < deadline) {
      await this.#drain();
      if (this.#backlog.length > 0) await new Promise((r) => setTimeout(r, 200));
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#backlog.length > 0) {
      this.#log.error({ lost: this.#backlog.length }, 'call records could not be written before shutdown');
    }
  }
}

/**
 * Collects items and writes them together: one write at a time; an item waits up to `lingerMs` for others to
 * join it, and the items added while a write runs go into the next one. A call's events are a handful spread
 * over half a minute, so without the wait nearly every event would be an INSERT of its own; with it, the events
 * of all the calls in progress share one. `add` resolves once the write that took the item is done; `flush`
 * writes what is waiting now (at shutdown).
 */
export class BatchWriter<T> {
  readonly #write: (items: T[]) => Promise<void>;
  readonly #lingerMs: number;
  #items: T[] = [];
  #running: Promise<void> = Promise.resolve();
  #next: Promise<void> | null = null;
  #go: (() => void) | null = null;

  constructor(write: (items: T[]) => Promise<void>, lingerMs = 0) {
    this.#write = write;
    this.#lingerMs = lingerMs;
  }

  add(item: T): Promise<void> {
    this.#items.push(item);
    if (this.#next === null) {
      const lingered = new Promise<void>((resolve) => {
        const timer = setTimeout(() => go(), this.#lingerMs);
        const go = () => {
          clearTimeout(timer);
          this.#go = null;
          resolve();
        };
        this.#go = go;
      });
      const next = Promise.all([lingered, this.#running]).then(() => {
        this.#next = null;
        const items = this.#items;
        this.#items = [];
        return this.#write(items);
      });
      this.#next = next;
      this.#running = next.catch(() => undefined);
    }
    return this.#next;
  }

  /** Writes the items that are waiting without waiting any longer; resolves when everything added is written. */
  async flush(): Promise<void> {
    this.#go?.();
    await this.#running;
  }
}
