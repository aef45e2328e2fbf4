// npm run seed: fill the database with demo data (db/demo-data.ts) and demo agents with generated passwords.
//
//   node db/seed.ts [--owners N] [--history N] [--seed S] [--reset] [--logins-file PATH]
//
// --history N gives every owner N times the calls and tickets of the normal 90 days, over N x 90 days (the
// issue 4 benchmark: --owners 1000000 --history 10 makes about 5.1 million calls and 1.06 million tickets).
// Does nothing (exit code 0) when owners already exist, so a demo can call it on every start; --reset empties
// every data table first. Rows are written in batches with INSERT ... SELECT FROM unnest(...), one transaction
// per batch, two batches at a time. A batch holds 10,000 / history owners (rounded up to a whole estate), so its
// calls and their events, and the memory the run takes, are about the same whatever --history.
import { randomInt } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { hashPassword, loadConfig } from '../core/index.ts';
import { createPool, inTransaction, type Queryable } from './pool.ts';
import {
  DEMO_AGENTS,
  DEMO_DEPARTMENTS,
  DEMO_KNOWLEDGE_ANSWERS,
  DEMO_ORGANISATIONS,
  HISTORY_DAYS,
  MAX_HISTORY,
  fixtureBatch,
  randomBatches,
  type CallEventRow,
  type CallRow,
  type DemoBatch,
  type EstateHoursRow,
  type EstateRow,
  type BuildingRow,
  type FeeItemRow,
  type NoticeRow,
  type OwnerPhoneRow,
  type OwnerRow,
  type OwnerUnitRow,
  type TicketRow,
  type UnitRow,
} from './demo-data.ts';

const USAGE = 'usage: node db/seed.ts [--owners N] [--history N] [--seed S] [--reset] [--logins-file PATH]';
const DEFAULT_OWNERS = 3000;
const DEFAULT_SEED = '1';
const MAX_OWNERS = 10_000_000;
/** Batches written at the same time (each in its own transaction, on its own connection). */
const PARALLEL_BATCHES = 2;
const PROGRESS_EVERY = 100_000;
/** Serialises seed runs (a demo start and a manual run), like the migration lock. */
const SEED_LOCK_ID = 7_400_820_001;

interface SeedOptions {
  owners: number;
  /** Periods of 90 days of calls and tickets per owner. */
  history: number;
  seed: string;
  reset: boolean;
  loginsFile: string | null;
}

class UsageError extends Error {}

function parseOptions(argv: string[]): SeedOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        owners: { type: 'string' },
        history: { type: 'string' },
        seed: { type: 'string' },
        reset: { type: 'boolean', default: false },
        'logins-file': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) throw new UsageError('');
  const owners = values.owners === undefined ? DEFAULT_OWNERS : Number(values.owners.replace(/[_,]/g, ''));
  if (!Number.isInteger(owners) || owners < 3 || owners > MAX_OWNERS) {
    throw new UsageError(`--owners must be a whole number from 3 to ${MAX_OWNERS}, got "${values.owners}"`);
  }
  const history = values.history === undefined ? 1 : Number(values.history);
  if (!Number.isInteger(history) || history < 1 || history > MAX_HISTORY) {
    throw new UsageError(
      `--history must be a whole number from 1 to ${MAX_HISTORY} (periods of ${HISTORY_DAYS} days of calls ` +
        `and tickets), got "${values.history}"`,
    );
  }
  const seed = values.seed ?? DEFAULT_SEED;
  if (seed === '') throw new UsageError('--seed must not be empty');
  return { owners, history, seed, reset: values.reset, loginsFile: values['logins-file'] ?? null };
}

// ---------------------------------------------------------------------------------------------------------------
// Bulk insert: one statement per table and batch, the rows passed as one array per column.
// ---------------------------------------------------------------------------------------------------------------

interface Column<Row> {
  readonly name: string;
  /** The PostgreSQL type of one element of the column's array parameter. */
  readonly type: string;
  readonly value: (row: Row) => unknown;
  /** How the selected value is turned into the column, when the element type is not the column type. */
  readonly expr?: string;
}
interface Table<Row> {
  readonly name: string;
  readonly columns: readonly Column<Row>[];
}

function table<Row>(name: string, columns: readonly Column<Row>[]): Table<Row> {
  return { name, columns };
}

async function insertRows<Row>(client: Queryable, spec: Table<Row>, rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  const names = spec.columns.map((c) => c.name).join(', ');
  const arrays = spec.columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const select = spec.columns.map((c) => c.expr ?? c.name).join(', ');
  const params = spec.columns.map((c) => rows.map(c.value));
  await client.query(
    `INSERT INTO ${spec.name} (${names}) SELECT ${select} FROM unnest(${arrays}) AS t(${names})`,
    params,
  );
}

/** ivr_path is text[]; unnest would flatten an array of arrays, so each path travels as one comma-joined text. */
const IVR_PATH_SEPARATOR = ',';

const TABLES = {
  estates: table<EstateRow>('estates', [
    { name: 'id', type: 'int', value: (r) => r.id },
    { name: 'code', type: 'text', value: (r) => r.code },
    { name: 'name', type: 'text', value: (r) => r.name },
    { name: 'hotline_number', type: 'text', value: (r) => r.hotlineNumber },
  ]),
  estateHours: table<EstateHoursRow>('estate_hours', [
    { name: 'estate_id', type: 'int', value: (r) => r.estateId },
    { name: 'weekday', type: 'smallint', value: (r) => r.weekday },
    { name: 'opens', type: 'time', value: (r) => r.opens },
    { name: 'closes', type: 'time', value: (r) => r.closes },
  ]),
  buildings: table<BuildingRow>('buildings', [
    { name: 'id', type: 'int', value: (r) => r.id },
    { name: 'estate_id', type: 'int', value: (r) => r.estateId },
    { name: 'code', type: 'text', value: (r) => r.code },
    { name: 'name', type: 'text', value: (r) => r.name },
  ]),
  notices: table<NoticeRow>('notices', [
    { name: 'id', type: 'bigint', value: (r) => r.id },
    { name: 'estate_id', type: 'int', value: (r) => r.estateId },
    { name: 'building_id', type: 'int', value: (r) => r.buildingId },
    { name: 'kind', type: 'text', value: (r) => r.kind },
    { name: 'title', type: 'text', value: (r) => r.title },
    { name: 'body', type: 'text', value: (r) => r.body },
    { name: 'starts_at', type: 'timestamptz', value: (r) => r.startsAt },
    { name: 'ends_at', type: 'timestamptz', value: (r) => r.endsAt },
  ]),
  units: table<UnitRow>('units', [
    { name: 'id', type: 'int', value: (r) => r.id },
    { name: 'building_id', type: 'int', value: (r) => r.buildingId },
    { name: 'room_code', type: 'text', value: (r) => r.roomCode },
    { name: 'delivery_date', type: 'date', value: (r) => r.deliveryDate },
  ]),
  owners: table<OwnerRow>('owners', [
    { name: 'id', type: 'bigint', value: (r) => r.id },
    { name: 'name', type: 'text', value: (r) => r.name },
    { name: 'vip', type: 'boolean', value: (r) => r.vip },
    { name: 'language', type: 'text', value: (r) => r.language },
  ]),
  ownerPhones: table<OwnerPhoneRow>('owner_phones', [
    { name: 'owner_id', type: 'bigint', value: (r) => r.ownerId },
    { name: 'number', type: 'text', value: (r) => r.number },
    { name: 'label', type: 'text', value: (r) => r.label },
  ]),
  ownerUnits: table<OwnerUnitRow>('owner_units', [
    { name: 'owner_id', type: 'bigint', value: (r) => r.ownerId },
    { name: 'unit_id', type: 'int', value: (r) => r.unitId },
  ]),
  feeItems: table<FeeItemRow>('fee_items', [
    { name: 'id', type: 'bigint', value: (r) => r.id },
    { name: 'unit_id', type: 'int', value: (r) => r.unitId },
    { name: 'kind', type: 'text', value: (r) => r.kind },
    { name: 'amount_fen', type: 'bigint', value: (r) => r.amountFen },
    { name: 'due_date', type: 'date', value: (r) => r.dueDate },
    { name: 'paid_at', type: 'timestamptz', value: (r) => r.paidAt },
  ]),
  calls: table<CallRow>('calls', [
    { name: 'id', type: 'uuid', value: (r) => r.id },
    { name: 'direction', type: 'text', value: (r) => r.direction },
    { name: 'caller_number', type: 'text', value: (r) => r.callerNumber },
    { name: 'dialled_number', type: 'text', value: (r) => r.dialledNumber },
    { name: 'channel_id', type: 'text', value: (r) => r.channelId },
    { name: 'owner_id', type: 'bigint', value: (r) => r.ownerId },
    { name: 'intent', type: 'text', value: (r) => r.intent },
    { name: 'queue', type: 'text', value: (r) => r.queue },
    { name: 'agent_id', type: 'int', value: (r) => r.agentId },
    {
      name: 'ivr_path',
      type: 'text',
      value: (r) => r.ivrPath.join(IVR_PATH_SEPARATOR),
      expr: `string_to_array(ivr_path, '${IVR_PATH_SEPARATOR}')`,
    },
    { name: 'started_at', type: 'timestamptz', value: (r) => r.startedAt },
    { name: 'queued_at', type: 'timestamptz', value: (r) => r.queuedAt },
    { name: 'agent_answered_at', type: 'timestamptz', value: (r) => r.agentAnsweredAt },
    { name: 'ended_at', type: 'timestamptz', value: (r) => r.endedAt },
    { name: 'hangup_by', type: 'text', value: (r) => r.hangupBy },
    { name: 'hangup_cause', type: 'text', value: (r) => r.hangupCause },
    { name: 'outcome', type: 'text', value: (r) => r.outcome },
  ]),
  callEvents: table<CallEventRow>('call_events', [
    { name: 'id', type: 'bigint', value: (r) => r.id },
    { name: 'call_id', type: 'uuid', value: (r) => r.callId },
    { name: 'at', type: 'timestamptz', value: (r) => r.at },
    { name: 'kind', type: 'text', value: (r) => r.kind },
    { name: 'detail', type: 'jsonb', value: (r) => JSON.stringify(r.detail) },
  ]),
  tickets: table<TicketRow>('tickets', [
    { name: 'id', type: 'bigint', value: (r) => r.id },
    { name: 'number', type: 'text', value: (r) => r.number },
    { name: 'owner_id', type: 'bigint', value: (r) => r.ownerId },
    { name: 'unit_id', type: 'int', value: (r) => r.unitId },
    { name: 'type', type: 'text', value: (r) => r.type },
    { name: 'description', type: 'text', value: (r) => r.description },
    { name: 'status', type: 'text', value: (r) => r.status },
    { name: 'created_from_call', type: 'uuid', value: (r) => r.createdFromCall },
    { name: 'created_by_agent', type: 'int', value: (r) => r.createdByAgent },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
    { name: 'updated_at', type: 'timestamptz', value: (r) => r.updatedAt },
  ]),
};

/** Writes one batch, parents before children (the caller provides the transaction). */
async function insertBatch(client: Queryable, batch: DemoBatch): Promise<void> {
  await insertRows(client, TABLES.estates, batch.estates);
  await insertRows(client, TABLES.estateHours, batch.estateHours);
  await insertRows(client, TABLES.buildings, batch.buildings);
  await insertRows(client, TABLES.notices, batch.notices);
  await insertRows(client, TABLES.units, batch.units);
  await insertRows(client, TABLES.owners, batch.owners);
  await insertRows(client, TABLES.ownerPhones, batch.ownerPhones);
  await insertRows(client, TABLES.ownerUnits, batch.ownerUnits);
  await insertRows(client, TABLES.feeItems, batch.feeItems);
  await insertRows(client, TABLES.calls, batch.calls);
  await insertRows(client, TABLES.callEvents, batch.callEvents);
  await insertRows(client, TABLES.tickets, batch.tickets);
}

// ---------------------------------------------------------------------------------------------------------------
// Database state: already seeded? reset; sequences after explicit ids.
// ---------------------------------------------------------------------------------------------------------------

/**
 * Every table of the schema but the migration bookkeeping and the configuration: the queues (migration 008, with
 * admins' settings), the QA form and sampling settings (migration 025, admins') and the work calendar (seeded from the chinese-days package at every start, with admins'
 * edits; a running platform reloads it). A reset used to empty the queues, leaving the ACD without any.
 */
async function dataTables(client: Queryable): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
        AND table_name NOT IN ('schema_migrations', 'queues', 'work_calendar_days', 'work_calendar_years',
                               'qa_forms', 'qa_settings')
      ORDER BY table_name`,
  );
  return rows.map((r) => r.name);
}

async function countOwners(client: Queryable): Promise<number> {
  const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM owners');
  return rows[0]?.n ?? 0;
}

/** Data tables that hold rows although there are no owners (created by hand, or a run that failed early). */
async function nonEmptyTables(client: Queryable): Promise<string[]> {
  const nonEmpty: string[] = [];
  for (const name of await dataTables(client)) {
    const { rows } = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${name}) AS any`);
    if (rows[0]?.any) nonEmpty.push(name);
  }
  return nonEmpty;
}

async function resetData(client: Queryable): Promise<void> {
  const tables = await dataTables(client);
  if (tables.length > 0) await client.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`);
}

/** Moves every serial sequence (and the ticket numbers) past the ids written explicitly. */
async function syncSequences(client: Queryable): Promise<void> {
  const { rows } = await client.query<{ table: string; column: string; sequence: string }>(
    `SELECT quote_ident(c.table_name) AS table, quote_ident(c.column_name) AS column,
            pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) AS sequence
       FROM information_schema.columns c
      WHERE c.table_schema = current_schema()
        AND pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) IS NOT NULL`,
  );
  for (const r of rows) {
    await client.query(
      `SELECT setval($1, COALESCE((SELECT max(${r.column}) FROM ${r.table}), 0) + 1, false)`,
      [r.sequence],
    );
  }
  await client.query(
    `SELECT setval('ticket_number_seq', GREATEST(COALESCE((SELECT max(number::bigint) FROM tickets), 0) + 1, 10000001), false)`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Agents and their passwords
// ---------------------------------------------------------------------------------------------------------------

interface Login {
  login: string;
  password: string;
  role: string;
  name: string;
}

/** No look-alike characters (0/O, 1/l/I), so a password can be read off a screen and typed. */
const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const PASSWORD_LENGTH = 16;

function generatePassword(): string {
  let password = '';
  for (let i = 0; i < PASSWORD_LENGTH; i++)
    password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return password;
}

async function insertAgents(client: Queryable): Promise<Login[]> {
  const logins: Login[] = [];
  const hashed = await Promise.all(
    DEMO_AGENTS.map(async (agent) => {
      const password = generatePassword();
      return { agent, password, hash: await hashPassword(password) };
    }),
  );
  for (const { agent, password, hash } of hashed) {
    await client.query(
      `INSERT INTO agents (id, login, name, agent_number, password_hash, role, endpoint, skills, department_id,
                           organisation_id)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, d.id, d.organisation_id
         FROM (SELECT 1) one LEFT JOIN departments d ON d.code = $9`,
      [
        agent.id,
        agent.login,
        agent.name,
        agent.agentNumber,
        hash,
        agent.role,
        agent.endpoint,
        agent.skills,
        agent.department ?? null,
      ],
    );
    logins.push({ login: agent.login, password, role: agent.role, name: agent.name });
  }
  return logins;
}

/** The demo organisations and their departments (before the agents, whose departments they are). */
async function insertOrganisations(client: Queryable): Promise<void> {
  for (const o of DEMO_ORGANISATIONS) {
    await client.query('INSERT INTO organisations (id, code, name, kind) VALUES ($1, $2, $3, $4)', [
      o.id,
      o.code,
      o.name,
      o.kind,
    ]);
  }
  for (const d of DEMO_DEPARTMENTS) {
    await client.query('INSERT INTO departments (id, organisation_id, code, name) VALUES ($1, $2, $3, $4)', [
      d.id,
      d.organisationId,
      d.code,
      d.name,
    ]);
  }
}

/**
 * After the bulk rows: every demo estate has the demo developer and property company, the agents serve every
 * estate, and each ticket gets its estate and the organisation responsible when it was registered (the developer
 * until `developer_months` after the unit's delivery, as core/tickets/responsibility.ts decides for new ones).
 */
async function linkOrganisations(client: Queryable): Promise<void> {
  const [developer, propertyCompany] = DEMO_ORGANISATIONS;
  await client.query('UPDATE estates SET developer_id = $1, property_company_id = $2', [
    developer.id,
    propertyCompany.id,
  ]);
  await client.query(
    `INSERT INTO agent_estates (agent_id, estate_id)
     SELECT a.id, e.id FROM agents a CROSS JOIN estates e WHERE a.role = 'agent'`,
  );
  await client.query(
    `UPDATE tickets t
        SET estate_id = b.estate_id,
            responsible_org_id = CASE
              WHEN (t.created_at AT TIME ZONE 'Asia/Shanghai')::date
                   < u.delivery_date + make_interval(months => dev.developer_months)
              THEN e.developer_id ELSE e.property_company_id END
       FROM units u
       JOIN buildings b ON b.id = u.building_id
       JOIN estates e ON e.id = b.estate_id
       JOIN organisations dev ON dev.id = e.developer_id
      WHERE u.id = t.unit_id`,
  );
}

async function writeLogins(file: string, logins: readonly Login[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(logins, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600); // the file may have existed with other permissions
}

// ---------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function elapsed(startedAt: number): string {
  return `${((performance.now() - startedAt) / 1000).toFixed(1)} s`;
}

/** Writes the random batches, PARALLEL_BATCHES at a time; stops at the first failure. */
async function writeBulk(pool: pg.Pool, options: SeedOptions, asOf: Date, startedAt: number): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  // set from the write callbacks; an object, so the type checker does not narrow it to null
  const state: { failure: Error | null } = { failure: null };
  let ownersWritten = 3;
  let nextReport = PROGRESS_EVERY;
  const batches = randomBatches({
    owners: options.owners,
    history: options.history,
    seed: options.seed,
    asOf,
  });
  for (const batch of batches) {
    while (inFlight.size >= PARALLEL_BATCHES) await Promise.race(inFlight);
    if (state.failure) break;
    const write: Promise<void> = inTransaction(pool, (client) => insertBatch(client, batch)).then(
      () => {
        ownersWritten += batch.owners.length;
        if (ownersWritten >= nextReport) {
          console.log(
            `  ${formatCount(ownersWritten)} / ${formatCount(options.owners)} owners (${elapsed(startedAt)})`,
          );
          while (nextReport <= ownersWritten) nextReport += PROGRESS_EVERY;
        }
      },
      (err: unknown) => {
        state.failure ??= err instanceof Error ? err : new Error(String(err));
      },
    );
    const tracked = write.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }
  await Promise.all(inFlight);
  if (state.failure) throw state.failure;
}

async function seed(pool: pg.Pool, options: SeedOptions, loginsFile: string): Promise<number> {
  const startedAt = performance.now();
  const lock = await pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [SEED_LOCK_ID]);
    const existing = await countOwners(lock);
    if (existing > 0 && !options.reset) {
      console.log(
        `Already seeded: ${formatCount(existing)} owners in the database; nothing to do (--reset regenerates). ` +
          `Logins: ${loginsFile}`,
      );
      return 0;
    }
    if (options.reset) {
      await resetData(lock);
      console.log('Reset: all data tables emptied.');
    } else {
      const nonEmpty = await nonEmptyTables(lock);
      if (nonEmpty.length > 0) {
        console.error(
          `There are no owners but ${nonEmpty.join(', ')} hold rows; run again with --reset to start over.`,
        );
        return 1;
      }
    }

    // Agents and fixtures first, in one transaction; the logins file only once they are committed.
    const asOf = new Date();
    const logins = await inTransaction(pool, async (client) => {
      await insertOrganisations(client);
      for (const a of DEMO_KNOWLEDGE_ANSWERS)
        await client.query('INSERT INTO knowledge_answers (title, body, keywords) VALUES ($1, $2, $3)', [
          a.title,
          a.body,
          a.keywords,
        ]);
      const created = await insertAgents(client);
      await insertBatch(client, fixtureBatch(asOf));
      return created;
    });
    await writeLogins(loginsFile, logins);
    console.log(
      `Seeding ${formatCount(options.owners)} owners with ${options.history * HISTORY_DAYS} days of calls and ` +
        `tickets (seed ${options.seed})...`,
    );

    await writeBulk(pool, options, asOf, startedAt);
    await linkOrganisations(lock);
    await syncSequences(lock);
    await lock.query('ANALYZE');
    const counts = await lock.query<{ units: number; calls: number; tickets: number; size: string }>(
      `SELECT (SELECT count(*)::int FROM units) AS units, (SELECT count(*)::int FROM calls) AS calls,
              (SELECT count(*)::int FROM tickets) AS tickets,
              pg_size_pretty(pg_database_size(current_database())) AS size`,
    );
    const c = counts.rows[0];
    console.log(
      `Seeded ${formatCount(options.owners)} owners, ${formatCount(c?.units ?? 0)} units, ` +
        `${formatCount(c?.calls ?? 0)} calls, ${formatCount(c?.tickets ?? 0)} tickets in ${elapsed(startedAt)}; ` +
        `the database takes ${c?.size ?? '?'}.`,
    );
    console.log(`Agent logins (${logins.map((l) => l.login).join(', ')}) written to ${loginsFile}`);
    return 0;
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [SEED_LOCK_ID]).catch(() => undefined);
    lock.release();
  }
}

async function main(): Promise<number> {
  let options: SeedOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (!err.message) {
      console.log(USAGE); // --help
      return 0;
    }
    console.error(`${err.message}\n${USAGE}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  }
  const loginsFile = resolve(options.loginsFile ?? resolve(config.stackDir, 'demo-logins.json'));
  const pool = createPool(config.databaseUrl, PARALLEL_BATCHES + 1);
  try {
    return await seed(pool, options, loginsFile);
  } catch (err) {
    console.error(`Seeding failed: ${(err as Error).message}`);
    console.error(
      'Batches written before the failure stay in the database; run again with --reset to start over.',
    );
    return 1;
  } finally {
    await pool.end();
  }
}

process.exitCode = await main();
