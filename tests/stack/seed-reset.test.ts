// `npm run seed -- --reset` (what the demo runs when its logins file is missing) empties the demo data and writes it
// again, but keeps the configuration: the queues (with their settings) and the work calendar with an admin's
// entries. It once emptied the queues, leaving the demo's ACD without any. Run on a scratch database of the
// stack's PostgreSQL, so the suite's own data is untouched.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackConfig } from '../support/env.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const name = `hotline_reset_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: stackConfig().databaseUrl });
let scratchUrl: string;
let scratch: pg.Client;

async function npm(script: string, ...args: string[]): Promise<void> {
  await run(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, HOTLINE_DATABASE_URL: scratchUrl },
  });
}

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(stackConfig().databaseUrl);
  url.pathname = `/${name}`;
  scratchUrl = url.toString();
  await npm('db/migrate.ts');
  scratch = new pg.Client({ connectionString: scratchUrl });
  await scratch.connect();
}, 60_000);

afterAll(async () => {
  await scratch?.end();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe('seed --reset', () => {
  it('writes the demo data again and keeps the queues, their settings and the admin’s calendar entries', async () => {
    const logins = join(mkdtempSync(join(tmpdir(), 'hotline-seed-')), 'logins.json');
    await npm('db/seed.ts', '--owners', '50', '--logins-file', logins);
    await scratch.query("UPDATE queues SET wrap_up_s = 45 WHERE name = 'complaints'");
    await scratch.query(
      `INSERT INTO work_calendar_days (day, kind, name, source) VALUES ('2027-01-01', 'holiday', '元旦', 'admin')`,
    );

    await npm('db/seed.ts', '--reset', '--owners', '40', '--logins-file', logins);

    const owners = await scratch.query<{ n: string }>('SELECT count(*) AS n FROM owners');
    expect(Number(owners.rows[0]!.n)).toBe(40);
    const queues = await scratch.query<{ name: string; wrap_up_s: number | null }>(
      'SELECT name, wrap_up_s FROM queues ORDER BY name',
    );
    expect(queues.rows).toEqual([
      { name: 'complaints', wrap_up_s: 45 },
      { name: 'emergency', wrap_up_s: null },
      { name: 'fees', wrap_up_s: null },
      { name: 'general', wrap_up_s: null },
      { name: 'repairs', wrap_up_s: null },
    ]);
    const newYear = await scratch.query("SELECT name FROM work_calendar_days WHERE day = '2027-01-01'");
    expect(newYear.rows).toEqual([{ name: '元旦' }]);
  }, 120_000);
});
