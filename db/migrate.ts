// npm run migrate: apply pending migrations to HOTLINE_DATABASE_URL, then seed the work calendar from the
// chinese-days package (the platform does the same at every start; neither overwrites an admin's edits).
import { loadConfig } from '../core/index.ts';
import { createPool } from './pool.ts';
import { migrate } from './migrations.ts';
import { seedWorkCalendar } from './work-calendar.ts';

const pool = createPool(loadConfig().databaseUrl, 1);
try {
  const applied = await migrate(pool);
  console.log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');
  const seeded = await seedWorkCalendar(pool);
  console.log(`work calendar: ${seeded.days} days and ${seeded.years} years written from the package`);
} finally {
  await pool.end();
}
