// The PostgreSQL pool. Repositories take a Queryable so they work on the pool or inside a transaction.
import pg from 'pg';
import { Timeout } from '../core/index.ts';

export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;
export type Pool = pg.Pool;

// bigint (int8) columns hold ids and fen amounts well inside Number.MAX_SAFE_INTEGER: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// dates stay as 'YYYY-MM-DD' text: a due date has no time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export function createPool(databaseUrl: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 5000 });
  // An idle client losing its connection (PostgreSQL restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * The same database, with every query given up after `ms`, waiting for a free connection included: for the
 * work a caller waits on in silence. A connection whose query timed out is closed by the pool (a hung server
 * keeps it busy forever otherwise). A write that times out may still have been done.
 */
export function timeBoxed(db: Queryable, ms: number): Queryable {
  const query = (text: string | pg.QueryConfig, values?: unknown[]) => {
    const config = typeof text === 'string' ? { text, values } : text;
    const answer = (db as pg.Pool).query({ ...config, query_timeout: ms } as pg.QueryConfig);
    answer.catch(() => undefined); // when the deadline wins, its later failure is nobody's business
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout(`the database did not answer in ${ms} ms`)), ms);
    });
    return Promise.race([answer, deadline]).finally(() => clearTimeout(timer));
  };
  return { query } as unknown as Queryable;
}

export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
