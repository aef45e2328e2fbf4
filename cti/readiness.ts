// Readiness (/readyz): whether this API process can serve, part by part. Each check has its own deadline: a
// Redis client queues commands while it reconnects, and a frozen PostgreSQL never answers.
import type { Redis } from 'ioredis';
import type { Pool } from '../db/index.ts';

const CHECK_TIMEOUT_MS = 2000;

export interface Readiness {
  ready: boolean;
  database: boolean;
  redis: boolean;
  /** Asterisk's ARI answered; null when this process was given none to check. */
  asterisk: boolean | null;
  /** What is down, in words (empty when ready). */
  problems: string[];
}

export const readyBody = {
  type: 'object',
  properties: {
    ready: { type: 'boolean' },
    database: { type: 'boolean' },
    redis: { type: 'boolean' },
    asterisk: { type: ['boolean', 'null'] },
    problems: { type: 'array', items: { type: 'string' } },
  },
  required: ['ready', 'database', 'redis', 'asterisk', 'problems'],
} as const;

async function within(work: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(deps: {
  db: Pool;
  redis: Redis;
  ari?: { url: string; user: string; password: string } | undefined;
}): Promise<Readiness> {
  const { ari } = deps;
  const [database, redis, asterisk] = await Promise.all([
    within(() => deps.db.query('SELECT 1')),
    // not through the shared client's queue: while Redis is away its commands wait for the reconnection
    within(() => (deps.redis.status === 'ready' ? deps.redis.ping() : Promise.reject(new Error('down')))),
    ari
      ? within(async () => {
          const auth = Buffer.from(`${ari.user}:${ari.password}`).toString('base64');
          const res = await fetch(`${ari.url}/ari/asterisk/ping`, {
            headers: { authorization: `Basic ${auth}` },
            signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
          });
          if (!res.ok) throw new Error(`ARI answered ${res.status}`);
        })
      : Promise.resolve(null),
  ]);
  const problems = [
    ...(database ? [] : ['数据库不可用 / PostgreSQL does not answer']),
    ...(redis ? [] : ['Redis 不可用 / Redis does not answer']),
    ...(asterisk === false ? ['Asterisk 不可用 / Asterisk ARI does not answer'] : []),
  ];
  return { ready: problems.length === 0, database, redis, asterisk, problems };
}
