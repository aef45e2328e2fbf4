// Runs once before the suite: the stack must be up (npm test starts it) and the schema current.
import { createPool, migrate } from '../../db/index.ts';
import { ariGet, env, stackConfig } from './env.ts';

export default async function setup(): Promise<void> {
  if (!env.HOTLINE_DATABASE_URL) {
    throw new Error('The private stack is not running: use "npm test", or "npm run stack start" first.');
  }
  const pool = createPool(stackConfig().databaseUrl, 1);
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  const info = await ariGet('/asterisk/info');
  if (info.status !== 200) throw new Error(`Asterisk's ARI does not answer (HTTP ${info.status})`);
}
