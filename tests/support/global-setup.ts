// Runs once before the suite: the stack must be up (npm test starts it) and the schema current.
import { DEFAULT_TRUNK } from '../../core/index.ts';
import { createPool, migrate } from '../../db/index.ts';
import { ariGet, env, stackConfig } from './env.ts';

export default async function setup(): Promise<void> {
  if (!env.HOTLINE_DATABASE_URL) {
    throw new Error('The private stack is not running: use "npm test", or "npm run stack start" first.');
  }
  const pool = createPool(stackConfig().databaseUrl, 1);
  try {
    await migrate(pool);
    // The default trunk (created by the workers role from HOTLINE_OUTSIDE_DIAL when missing) dials an endpoint
    // Asterisk does not have: the automatic revisits of tickets other tests resolve reach no test's phone (the
    // carrier phone of the transfer and callback tests). A test that needs it points it at its own phone.
    await pool.query(
      `INSERT INTO trunks (code, name, dial, caller_id, max_channels, calls_per_second)
       VALUES ($1, 'main (tests: dials nowhere)', 'PJSIP/nowhere/sip:{number}@127.0.0.1:9', '4008200000', 30, 10)
       ON CONFLICT (code) DO UPDATE SET dial = EXCLUDED.dial, active = true`,
      [DEFAULT_TRUNK],
    );
  } finally {
    await pool.end();
  }
  const info = await ariGet('/asterisk/info');
  if (info.status !== 200) throw new Error(`Asterisk's ARI does not answer (HTTP ${info.status})`);
}
