// LISTEN on a PostgreSQL channel on a connection of its own, taken again after it is lost: the ticket clocks
// (migration 013) and the campaigns (migration 017) hear of changes this way. Announcements made while the
// connection was away are lost, so `reconnected` tells the caller to reconcile.
import type pg from 'pg';
import type { Logger } from '../core/index.ts';
import type { Pool } from '../db/index.ts';

/** The LISTEN connection is tried again after this long, doubling up to 30 s. */
const LISTEN_RETRY_MS = 1000;

/** `ready` settles once the first LISTEN is in place or failed. */
export function listen(
  db: Pool,
  log: Logger,
  channel: string,
  on: { notified: (payload: string) => void; reconnected: () => void },
): { ready: Promise<void>; stop: () => void } {
  let stopped = false;
  let client: pg.PoolClient | null = null;
  let timer: NodeJS.Timeout | undefined;
  let retryMs = LISTEN_RETRY_MS;
  let connectedOnce = false;

  const onNotification = (msg: pg.Notification) => {
    if (msg.channel === channel) on.notified(msg.payload ?? '');
  };

  const drop = (c: pg.PoolClient, err?: Error) => {
    if (client !== c) return;
    client = null;
    c.off('notification', onNotification);
    c.release(err ?? true);
    if (stopped) return;
    log.warn({ err: err?.message, channel }, 'lost the database connection we listen on; trying again');
    timer = setTimeout(() => void connect(), retryMs);
    retryMs = Math.min(retryMs * 2, 30_000);
  };

  async function connect(): Promise<void> {
    if (stopped) return;
    let c: pg.PoolClient;
    try {
      c = await db.connect();
    } catch (err) {
      log.warn({ err: (err as Error).message, channel }, 'cannot listen for changes yet; trying again');
      timer = setTimeout(() => void connect(), retryMs);
      retryMs = Math.min(retryMs * 2, 30_000);
      return;
    }
    client = c;
    c.on('notification', onNotification);
    c.on('error', (err: Error) => drop(c, err));
    c.on('end', () => drop(c, new Error('connection ended')));
    try {
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      drop(c, err as Error);
      return;
    }
    if (stopped) {
      drop(c);
      return;
    }
    retryMs = LISTEN_RETRY_MS;
    if (connectedOnce) on.reconnected();
    connectedOnce = true;
  }

  return {
    ready: connect(),
    stop() {
      stopped = true;
      clearTimeout(timer);
      if (client) drop(client);
    },
  };
}
