// The queues' settings (db/queues.ts), read from PostgreSQL at most once a minute: an edit reaches sign-ins and
// wrap-ups within a minute, and a database outage keeps the last settings read (or the defaults) in use.
import type { Logger } from '../core/index.ts';
import { listQueues, timeBoxed, type QueueSettings, type Queryable } from '../db/index.ts';

const REFRESH_MS = 60_000;
/** A sign-in or a wrap-up does not wait longer than this for the settings. */
const READ_TIMEOUT_MS = 2_000;

export class QueueSettingsBook {
  readonly #db: Queryable;
  readonly #log: Logger;
  #byName = new Map<string, QueueSettings>();
  #readAt = -Infinity;
  #reading: Promise<void> | null = null;

  constructor(db: Queryable, log: Logger) {
    this.#db = timeBoxed(db, READ_TIMEOUT_MS);
    this.#log = log.child({ component: 'queue-settings' });
  }

  async #current(): Promise<Map<string, QueueSettings>> {
    if (Date.now() - this.#readAt >= REFRESH_MS) {
      this.#reading ??= listQueues(this.#db)
        .then((queues) => {
          this.#byName = new Map(queues.map((q) => [q.name, q]));
          this.#readAt = Date.now();
        })
        .catch((err: unknown) => {
          this.#log.warn({ err: (err as Error).message }, 'queue settings not read; using the last ones');
        })
        .finally(() => (this.#reading = null));
      await this.#reading;
    }
    return this.#byName;
  }

  /** Every queue, by name. */
  async all(): Promise<QueueSettings[]> {
    return [...(await this.#current()).values()];
  }

  /** Each queue's minimum skill level (a queue that is not listed needs level 1). */
  async minLevels(): Promise<Map<string, number>> {
    return new Map([...(await this.#current()).values()].map((q) => [q.name, q.minLevel]));
  }

  /** The wrap-up time after a call of the queue, or `fallbackS` when the queue has none. */
  async wrapUpS(queue: string | null, fallbackS: number): Promise<number> {
    const settings = queue === null ? undefined : (await this.#current()).get(queue);
    return settings?.wrapUpS ?? fallbackS;
  }
}
