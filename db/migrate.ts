// npm run migrate: apply pending migrations to HOTLINE_DATABASE_URL.
import { loadConfig } from '../core/index.ts';
import { createPool } from './pool.ts';
import { migrate } from './migrations.ts';

const pool = createPool(loadConfig().databaseUrl, 1);
try {
  const applied = await migrate(pool);
  console.log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');
} finally {
  await pool.end();
}
