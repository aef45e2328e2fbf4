// IVR capacity (issue 3): sipp owners call the hotline and go through the default flow (identified by caller ID,
// welcome, main menu, 1, the fee read-out, hang up) at rising rates. Side by side in the same run, the same
// callers go to a bare ARI app (bench/bare-ari-app.ts: answer, play the same prompts, hang up) reached by a
// bench-only extension. Per step: failed calls, peak calls in the flow, time in the flow, and the CPU per call
// of the controller process (node main.ts start --role ivr) and of the bare app, read from /proc.
//
//   npm run bench:ivr -- [--at-once 100,200,300,400 | --rates 5,10,15] [--window-s 30] [--owners 600]
//                        [--apps ivr,bare] [--keep-calls] [--at <git revision>] [--no-write] [--profile DIR]
//
// The step rates are --rates (calls/s), or by default the rates that put --at-once callers in the flow at once
// (rate = callers ÷ the time a call spends in the flow, from the prompts' lengths), rounded to 0.5 calls/s.
//
// --at runs the controller from that revision (exported with git archive into the work folder) instead of the
// working tree, e.g. to measure a commit while the working tree is half-way through a change. Note that the
// controller applies its pending migrations to the stack's database when it starts.
//
// Each app first takes 30 unmeasured calls (the JIT's warm-up). Each step places rate × window calls; an app's
// steps stop after its first step with a failed call. Figures are
// appended to bench/RESULTS.md (only printed with --no-write). The run takes the shared stack's lock
// (/tmp/hotline-stack.lock) itself: it re-runs itself under `flock` unless a parent process already holds it, so
// `flock <lock> npm run bench:ivr` works too. While it runs, the bench extension BARE_NUMBER@from-trunk exists in
// Asterisk's dialplan (added with the CLI, removed at the end). Bench owners (estate BENCH-IVR, open all day,
// phones 1479000xxxx) are created once and reused; the run's call records, tickets and recordings are deleted at
// the end unless --keep-calls.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sayAmount, sayDate, sayRoom, type PromptId } from '../ivr/speech.ts';
import { ariAuthHeader, ariGet, env, eventually, stackConfig } from '../tests/support/env.ts';
import { closeDb, db } from '../tests/support/fixtures.ts';
import { HOTLINE_NUMBER } from '../tests/support/phones.ts';

const LOCK = '/tmp/hotline-stack.lock';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCENARIO = join(ROOT, 'ops/sipp/ivr_capacity.xml');
/** Dialled number of the bench-only extension that sends calls to the bare app. */
const BARE_NUMBER = '4008209999';
const BARE_APP = 'hotline-bare';
const PHONE_PREFIX = '1479000';
const ESTATE_CODE = 'BENCH-IVR';
/** Every bench owner owes the same fee on their own unit, so the read-outs differ only in the room digits. */
const FEE = { kind: 'property', amountFen: 123456, dueDate: '2026-10-31' } as const;
const LANG = 'zh';
// What ivr/flows/default.yaml plays to a bench owner (known number, one unit, one fee, estate open), as prompt ids;
// follow the flow when it changes. Before the menu waits for a key: the welcome, the owner's greeting, the menu
// and its offer of the other language (9).
const BEFORE_KEY: PromptId[] = ['welcome', 'welcome-owner', 'menu-main-full', 'press-9-other-language'];
/** After 1: the fee balance of the owner's unit, then the bills by kind (say: fee_balance, say: bills). */
const afterKey = (o: BenchOwner): PromptId[] => [
  'fees-unit',
  ...sayRoom(o.roomCode, LANG),
  'fees-owed',
  ...sayAmount(FEE.amountFen, LANG),
  'fees-due',
  ...sayDate(FEE.dueDate, LANG),
  'fees-breakdown',
  `fee-kind-${FEE.kind}`,
  ...sayAmount(FEE.amountFen, LANG),
];
/** Then the fees menu, during which the caller hangs up (the bare app plays it too). */
const AFTER_READ_OUT: PromptId[] = ['menu-fees'];
/** The caller presses 1 this long after the menu prompt should have ended. */
const KEY_MARGIN_MS = 400;
/** ... and hangs up this long after the fee read-out should have ended (into the menu played again). */
const STAY_MARGIN_MS = 1500;
const SIPP_PORT = 5300;
/** Calls each app takes before the measured steps (see the warm-up in main). */
const WARM_UP = { rate: 3, calls: 30 };
const SIPP_MEDIA_PORT = 6600;
const RECIPE = { rate: 96.8, concurrent: 199, failed: 0, callS: 1.62 };
const TARGET = { concurrent: 300, cpuRatio: 1.5 };

type AppName = 'ivr' | 'bare';

const { values } = parseArgs({
  options: {
    rates: { type: 'string' },
    'at-once': { type: 'string', default: '100,200,300,400' },
    'window-s': { type: 'string', default: '30' },
    owners: { type: 'string', default: '600' },
    apps: { type: 'string', default: 'ivr,bare' },
    'keep-calls': { type: 'boolean', default: false },
    at: { type: 'string' },
    write: { type: 'boolean', default: true },
    profile: { type: 'string' },
  },
  allowNegative: true,
});
const AT_ONCE = values['at-once'].split(',').map(Number);
const EXPLICIT_RATES = values.rates?.split(',').map(Number) ?? null;
const WINDOW_S = Number(values['window-s']);
const OWNERS = Number(values.owners);
const APPS = values.apps.split(',') as AppName[];
if (
  [...(EXPLICIT_RATES ?? []), ...AT_ONCE].some((r) => !(r > 0)) ||
  !(WINDOW_S > 0) ||
  !(OWNERS > 0 && OWNERS <= 9999) ||
  APPS.some((a) => a !== 'ivr' && a !== 'bare')
) {
  console.error(
    'usage: node bench/ivr-capacity.ts [--at-once 100,200,300,400 | --rates 5,10,15] [--window-s 30] [--owners 1-9999] [--apps ivr,bare] [--keep-calls] [--at REV] [--no-write] [--profile DIR]',
  );
  process.exit(2);
}

// ------------------------------------------------------------------------------------------- the stack lock
function parentPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** True when a parent process is `flock /tmp/hotline-stack.lock ...`. */
function underStackLock(): boolean {
  for (let pid = process.ppid; pid > 1; pid = parentPid(pid)) {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv[0]?.endsWith('flock') && argv.includes(LOCK)) return true;
  }
  return false;
}

if (!underStackLock()) {
  console.log(`waiting for the stack lock ${LOCK} ...`);
  const self = [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  const r = spawnSync('flock', [LOCK, process.execPath, ...self], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

// ------------------------------------------------------------------------------------------- measuring
const HZ = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** CPU seconds of a process (all its threads), with those of its waited-for children when asked. */
function cpuSeconds(pid: number, withChildren = false): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 14-17 of /proc/<pid>/stat (utime, stime, cutime, cstime) are 11-14 here
  const ticks = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
  return ticks / HZ;
}

/** The PostgreSQL cluster's CPU: the postmaster, its children and the children it has reaped. */
function postgresCpuSeconds(postmaster: number): number {
  let total = cpuSeconds(postmaster, true);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (parentPid(Number(name)) === postmaster) total += cpuSeconds(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Length in seconds of a PCM WAV file (its data chunk over its byte rate). */
function wavSeconds(file: string): number {
  const buf = readFileSync(file);
  const byteRate = buf.readUInt32LE(28);
  for (let at = 12; at + 8 <= buf.length;) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    if (id === 'data') return Math.min(size, buf.length - at - 8) / byteRate;
    at += 8 + size + (size % 2);
  }
  throw new Error(`no data chunk in ${file}`);
}

/** "HH:MM:SS:usec" from sipp's statistics file, in milliseconds. */
function sippDurationMs(v: string | undefined): number {
  const m = /^(\d+):(\d+):(\d+)(?::(\d+))?$/.exec(v ?? '');
  if (!m) return NaN;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4] ?? 0) / 1000;
}

function readSippStats(file: string): Record<string, string>[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0]?.split(';') ?? [];
  return lines.slice(1).map((line) => {
    const cells = line.split(';');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

interface AriChannel {
  id: string;
  dialplan?: { app_name?: string; app_data?: string };
}

/** The channels now in the Stasis app `app`, from Asterisk's channel list. */
async function channelIdsInApp(app: string): Promise<string[]> {
  const res = await fetch(`${env.HOTLINE_ARI_URL}/ari/channels`, {
    headers: { authorization: ariAuthHeader() },
  });
  const channels = (await res.json()) as AriChannel[];
  return channels
    .filter(
      (c) => c.dialplan?.app_name?.toLowerCase() === 'stasis' && c.dialplan.app_data?.split(',')[0] === app,
    )
    .map((c) => c.id);
}

async function channelsInApp(app: string): Promise<number> {
  return (await channelIdsInApp(app)).length;
}

/** Hangs up what is left in the app (Asterisk keeps a channel in Stasis when its app goes away). */
async function hangUpLeftovers(app: string): Promise<number> {
  const ids = await channelIdsInApp(app);
  for (const id of ids) {
    await fetch(`${env.HOTLINE_ARI_URL}/ari/channels/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers: { authorization: ariAuthHeader() },
    });
  }
  return ids.length;
}

/** Stasis apps Asterisk keeps besides ours: an inactive app subscribed to everything costs it on every event. */
async function otherStasisApps(): Promise<string[]> {
  const res = await fetch(`${env.HOTLINE_ARI_URL}/ari/applications`, {
    headers: { authorization: ariAuthHeader() },
  });
  const apps = (await res.json()) as { name: string }[];
  return apps.map((a) => a.name).filter((n) => n !== config.ari.app && n !== BARE_APP);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

// ------------------------------------------------------------------------------------------- the stack
const config = stackConfig();
const stackDir = env.HOTLINE_STACK_DIR ?? join(ROOT, '.stack');
const astConf = env.HOTLINE_ASTERISK_CONF ?? join(stackDir, 'asterisk/etc/asterisk.conf');
const asteriskCli = (command: string) =>
  execFileSync('/usr/sbin/asterisk', ['-C', astConf, '-rx', command]).toString();

function asteriskPid(): number {
  return Number(
    readFileSync(env.HOTLINE_ASTERISK_PID_FILE ?? join(stackDir, 'asterisk/asterisk.pid'), 'utf8'),
  );
}

function postmasterPid(): number | null {
  try {
    return Number(readFileSync(join(stackDir, 'pg/data/postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
}

/** Channels Asterisk can give media to: two RTP ports (RTP and RTCP) each, from the rendered rtp.conf. */
function rtpChannelLimit(): number {
  const rtp = readFileSync(join(stackDir, 'asterisk/etc/rtp.conf'), 'utf8');
  const start = Number(/^rtpstart\s*=\s*(\d+)/m.exec(rtp)?.[1]);
  const end = Number(/^rtpend\s*=\s*(\d+)/m.exec(rtp)?.[1]);
  return Math.floor((end - start + 1) / 2);
}

// ------------------------------------------------------------------------------------------- bench owners
interface BenchOwner {
  phone: string;
  roomCode: string;
}

function benchOwner(i: number): BenchOwner {
  // building 7, floors 10.., 40 rooms a floor: every room code has four digits
  const floor = 10 + Math.floor(i / 40);
  const room = 1 + (i % 40);
  return {
    phone: `${PHONE_PREFIX}${String(i).padStart(4, '0')}`,
    roomCode: `B7-${floor}${String(room).padStart(2, '0')}`,
  };
}

/** Creates the bench owners that are missing: one estate, one building, each owner with a unit and a fee. */
async function ensureBenchOwners(count: number): Promise<BenchOwner[]> {
  const q = db();
  const wanted = Array.from({ length: count }, (_, i) => benchOwner(i));
  const have = new Set(
    (
      await q.query<{ number: string }>(`SELECT number FROM owner_phones WHERE number LIKE $1`, [
        `${PHONE_PREFIX}%`,
      ])
    ).rows.map((r) => r.number),
  );
  const missing = wanted.filter((o) => !have.has(o.phone));
  if (missing.length === 0) return wanted;
  console.log(`creating ${missing.length} bench owners (estate ${ESTATE_CODE})`);
  const client = await q.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO estates (code, name, hotline_number) VALUES ($1, '压测花园', $2) ON CONFLICT (code) DO NOTHING`,
      [ESTATE_CODE, HOTLINE_NUMBER],
    );
    const building = await client.query<{ id: number }>(
      `INSERT INTO buildings (estate_id, code, name)
         SELECT id, 'B7', '7号楼' FROM estates WHERE code = $1
       ON CONFLICT (estate_id, code) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [ESTATE_CODE],
    );
    const buildingId = building.rows[0]!.id;
    for (const o of missing) {
      const owner = await client.query<{ id: number }>(
        `INSERT INTO owners (name, language) VALUES ($1, $2) RETURNING id`,
        [`压测业主${o.phone.slice(-4)}`, LANG],
      );
      const ownerId = owner.rows[0]!.id;
      await client.query(`INSERT INTO owner_phones (owner_id, number) VALUES ($1, $2)`, [ownerId, o.phone]);
      const unit = await client.query<{ id: number }>(
        `INSERT INTO units (building_id, room_code, delivery_date) VALUES ($1, $2, '2021-06-30')
         ON CONFLICT (building_id, room_code) DO UPDATE SET room_code = EXCLUDED.room_code RETURNING id`,
        [buildingId, o.roomCode],
      );
      const unitId = unit.rows[0]!.id;
      await client.query(
        `INSERT INTO owner_units (owner_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [ownerId, unitId],
      );
      await client.query(
        `INSERT INTO fee_items (unit_id, kind, amount_fen, due_date)
           SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM fee_items WHERE unit_id = $1 AND paid_at IS NULL)`,
        [unitId, FEE.kind, FEE.amountFen, FEE.dueDate],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
  return wanted;
}

// ------------------------------------------------------------------------------------------- processes
interface Child {
  name: string;
  proc: ChildProcess;
  log: string;
  exited: Promise<number | null>;
}

const children: Child[] = [];

function startChild(
  name: string,
  args: string[],
  extraEnv: Record<string, string>,
  log: string,
  cwd = ROOT,
): Child {
  const out = openSync(log, 'a');
  // --profile DIR: each app writes a V8 CPU profile there when it exits (open it in Chrome's DevTools)
  const profile = values.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${values.profile}`];
  const proc = spawn(process.execPath, [...profile, ...args], {
    cwd,
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', out, out],
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const child = { name, proc, log, exited };
  children.push(child);
  return child;
}

async function stopChild(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const stopped = await Promise.race([child.exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!stopped) {
    console.warn(`${child.name} did not stop in 15 s after SIGTERM; killing it`);
    child.proc.kill('SIGKILL');
    await child.exited;
  }
}

function runSipp(args: string[], cwd: string): { child: ChildProcess; done: Promise<number> } {
  const child = spawn('sipp', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const done = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      writeFileSync(join(cwd, 'sipp.out'), output);
      resolve(code ?? -1);
    });
  });
  return { child, done };
}

// ------------------------------------------------------------------------------------------- one step
interface StepResult {
  app: AppName;
  rate: number;
  calls: number;
  ok: number;
  sippFailed: number;
  failureKinds: string;
  /** IVR only: calls without a finished record that reached the fee read-out. */
  flowFailed: number | null;
  achievedRate: number;
  peakInFlow: number;
  peakSipp: number;
  callLengthS: number;
  answerMs: number;
  appCpuMsPerCall: number;
  appCpuPct: number;
  asteriskCpuMsPerCall: number;
  asteriskCpuPct: number;
  postgresCpuMsPerCall: number;
  logWarnings: number;
  logErrors: number;
  dir: string;
}

interface StepContext {
  workDir: string;
  callersCsv: string;
  menuMs: number;
  maxStayMs: number;
  appPid: number;
  appLog: string;
  /** CPU seconds per wall second of the app, Asterisk and PostgreSQL when no call is placed. */
  idle: { app: number; asterisk: number; postgres: number };
  postmaster: number | null;
  /** Seconds of arrivals; --window-s unless given (the warm-up). */
  windowS?: number;
}

function logLevels(file: string, from: number): { warnings: number; errors: number; samples: string[] } {
  const text = readFileSync(file, 'utf8').slice(from);
  let warnings = 0;
  let errors = 0;
  const samples: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((entry.level ?? 0) >= 50) errors++;
      else if ((entry.level ?? 0) >= 40) warnings++;
      else continue;
      if (samples.length < 5)
        samples.push(`${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`);
    } catch {
      // not a log line
    }
  }
  return { warnings, errors, samples };
}

async function runStep(app: AppName, rate: number, ctx: StepContext): Promise<StepResult> {
  const windowS = ctx.windowS ?? WINDOW_S;
  const calls = Math.max(1, Math.round(rate * windowS));
  const dir = mkdtempSync(join(ctx.workDir, `${app}-r${rate}-`));
  const stasisApp = app === 'ivr' ? config.ari.app : BARE_APP;
  const logFrom = statSync(ctx.appLog).size;
  const astPid = asteriskPid();

  let peakInFlow = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      peakInFlow = Math.max(peakInFlow, await channelsInApp(stasisApp).catch(() => 0));
      await sleep(1000);
    }
  })();

  const startedAt = new Date();
  const t0 = performance.now();
  const app0 = cpuSeconds(ctx.appPid);
  const ast0 = cpuSeconds(astPid);
  const pg0 = ctx.postmaster ? postgresCpuSeconds(ctx.postmaster) : 0;
  const sipp = runSipp(
    [
      `127.0.0.1:${env.HOTLINE_SIP_PORT ?? 5160}`,
      ...['-sf', SCENARIO, '-s', app === 'ivr' ? HOTLINE_NUMBER : BARE_NUMBER],
      ...['-inf', ctx.callersCsv, '-key', 'menu_ms', String(ctx.menuMs)],
      ...['-i', '127.0.0.1', '-p', String(SIPP_PORT), '-mi', '127.0.0.1', '-mp', String(SIPP_MEDIA_PORT)],
      ...['-r', String(rate), '-l', '2000', '-m', String(calls), '-nostdin'],
      ...['-timeout', `${Math.ceil(windowS + (ctx.menuMs + ctx.maxStayMs) / 1000 + 60)}s`, '-timeout_error'],
      ...['-trace_stat', '-stf', join(dir, 'stat.csv'), '-fd', '1'],
      ...['-trace_err', '-error_file', join(dir, 'errors.log')],
    ],
    dir,
  );
  stepSipp = sipp.child;
  const sippExit = await sipp.done;
  stepSipp = null;

  // the calls' last requests and, for the IVR, the call records being finished
  await eventually(
    async () => (await channelsInApp(stasisApp)) === 0,
    `the ${app} calls to end`,
    30_000,
  ).catch((err: unknown) => console.warn(String(err)));
  let flowFailed: number | null = null;
  if (app === 'ivr') {
    const counts = async () =>
      (
        await db().query<{ records: string; ended: string; fees: string }>(
          `SELECT count(*) AS records, count(ended_at) AS ended,
                  count(*) FILTER (WHERE ended_at IS NOT NULL AND 'fees' = ANY (ivr_path)) AS fees
             FROM calls WHERE caller_number LIKE $1 AND dialled_number = $2 AND started_at >= $3`,
          [`${PHONE_PREFIX}%`, HOTLINE_NUMBER, startedAt],
        )
      ).rows[0]!;
    const final = await eventually(
      async () => {
        const c = await counts();
        return Number(c.ended) >= calls ? c : undefined;
      },
      'the call records to be finished',
      15_000,
      250,
    ).catch(() => counts());
    flowFailed = calls - Number(final.fees);
  } else {
    await sleep(1000);
  }
  const wallS = (performance.now() - t0) / 1000;
  const appCpu = cpuSeconds(ctx.appPid) - app0;
  const astCpu = cpuSeconds(astPid) - ast0;
  const pgCpu = ctx.postmaster ? postgresCpuSeconds(ctx.postmaster) - pg0 : NaN;
  polling = false;
  await poller;

  const stats = readSippStats(join(dir, 'stat.csv'));
  const last = stats.at(-1) ?? {};
  const num = (row: Record<string, string>, key: string) => Number(row[key] ?? NaN);
  const firstAllPlaced = stats.findIndex((row) => num(row, 'OutgoingCall(C)') >= calls);
  const placedAfterS =
    firstAllPlaced >= 0 ? sippDurationMs(stats[firstAllPlaced]!['ElapsedTime(C)']) / 1000 : NaN;
  const ok = num(last, 'SuccessfulCall(C)') || 0;
  const failedBySipp = num(last, 'FailedCall(C)') || 0;
  // calls still open when sipp gave up (its -timeout) are neither successful nor failed in its counters
  const unfinished = Math.max(0, calls - ok - failedBySipp);
  const failureKinds = [
    ...Object.entries(last)
      .filter(([k, v]) => /^Failed.*\(C\)$/.test(k) && k !== 'FailedCall(C)' && Number(v) > 0)
      .map(([k, v]) => `${k.replace(/^Failed|\(C\)$/g, '')} ${v}`),
    ...(unfinished > 0 ? [`unfinished when sipp stopped (exit ${sippExit}) ${unfinished}`] : []),
  ].join(', ');
  const levels = logLevels(ctx.appLog, logFrom);
  if (levels.samples.length > 0) {
    const note = `${app} at ${rate}/s, first warnings and errors in its log: ${levels.samples.join(' | ')}`;
    console.log(`  ${note}`);
    runNotes.push(note);
  }
  const errorFile = join(dir, 'errors.log');
  if (existsSync(errorFile)) {
    const kinds = new Map<string, number>();
    for (const line of readFileSync(errorFile, 'utf8').split('\n')) {
      // "<date> <time> <epoch>: Call-Id: 1-16255@127.0.0.1, receive timeout on message ...:9 without label ..."
      const m = /^\S+\s+\S+\s+\d+\.\d+: (.*)$/.exec(line);
      if (!m) continue;
      const kind = m[1]!
        .replace(/Call-Id:? '?[^\s,']+'?,?\s*/gi, '')
        .replace(/IVR capacity: [^:]*:/, '')
        .slice(0, 110);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    if (kinds.size > 0) {
      const note = `${app} at ${rate}/s, sipp errors: ${[...kinds].map(([k, n]) => `${n} × ${k}`).join('; ')}`;
      console.log(`  ${note}`);
      runNotes.push(note);
    }
  }

  return {
    app,
    rate,
    calls,
    ok,
    sippFailed: failedBySipp + unfinished,
    failureKinds,
    flowFailed,
    achievedRate: (calls - 1) / Math.max(placedAfterS - 1, 0.001),
    peakInFlow,
    peakSipp: Math.max(0, ...stats.map((row) => num(row, 'CurrentCall')).filter(Number.isFinite)),
    callLengthS: sippDurationMs(last['CallLength(C)']) / 1000,
    answerMs: sippDurationMs(last['ResponseTimeanswer(C)']),
    appCpuMsPerCall: ((appCpu - ctx.idle.app * wallS) * 1000) / calls,
    appCpuPct: (appCpu / wallS) * 100,
    asteriskCpuMsPerCall: ((astCpu - ctx.idle.asterisk * wallS) * 1000) / calls,
    asteriskCpuPct: (astCpu / wallS) * 100,
    postgresCpuMsPerCall: ((pgCpu - ctx.idle.postgres * wallS) * 1000) / calls,
    logWarnings: levels.warnings,
    logErrors: levels.errors,
    dir,
  };
}

let stepSipp: ChildProcess | null = null;
/** Lines for the run's section in RESULTS.md besides the table. */
const runNotes: string[] = [];

// ------------------------------------------------------------------------------------------- main
async function main(): Promise<void> {
  const runStart = new Date();
  const workDir = mkdtempSync(join(tmpdir(), 'ivr-capacity-'));
  console.log(`work folder: ${workDir}`);

  if ((await ariGet('/asterisk/info').catch(() => ({ status: 0 }))).status !== 200)
    throw new Error('Asterisk is not answering on ARI: start the stack (npm run stack)');
  for (const app of [config.ari.app, BARE_APP]) {
    if ((await ariGet(`/applications/${app}`)).status === 200)
      throw new Error(`something is attached to the ARI app "${app}" already; stop it first`);
  }

  // What callers hear: the prompt lengths decide when they press 1 and when they hang up.
  const promptDir = config.ivr.promptDir;
  const seconds = new Map<PromptId, number>();
  const length = (ids: PromptId[]) =>
    ids.reduce((sum, id) => {
      if (!seconds.has(id)) seconds.set(id, wavSeconds(join(promptDir, LANG, `${id}.wav`)));
      return sum + seconds.get(id)!;
    }, 0);
  const menuMs = Math.round(length(BEFORE_KEY) * 1000) + KEY_MARGIN_MS;

  const owners = await ensureBenchOwners(OWNERS);
  const stays = owners.map((o) => Math.round(length(afterKey(o)) * 1000) + STAY_MARGIN_MS);
  const callersCsv = join(workDir, 'callers.csv');
  writeFileSync(callersCsv, `SEQUENTIAL\n${owners.map((o, i) => `${o.phone};${stays[i]};`).join('\n')}\n`);
  const maxStayMs = Math.max(...stays);
  const meanFlowS = (menuMs + stays.reduce((a, b) => a + b, 0) / stays.length) / 1000;
  const rtpLimit = rtpChannelLimit();
  const rates = EXPLICIT_RATES ?? AT_ONCE.map((n) => Math.max(0.5, Math.round((2 * n) / meanFlowS) / 2));
  console.log(
    `callers press 1 after ${menuMs} ms and stay ${Math.min(...stays)}-${maxStayMs} ms more: ~${fmt(meanFlowS)} s in the flow; ` +
      `expected in the flow at once: ${rates.map((r) => `${r}/s → ${Math.round(r * meanFlowS)}`).join(', ')}` +
      ` (Asterisk's RTP ports allow ${rtpLimit} channels)`,
  );

  const codeDir = values.at ? exportRevision(values.at, workDir) : ROOT;
  const results: StepResult[] = [];
  let extensionAdded = false;
  let ctl: Child | null = null;
  let bare: Child | null = null;
  try {
    // The bare app's extension: an exact match wins over from-trunk's _X. pattern.
    asteriskCli(`dialplan add extension ${BARE_NUMBER},1,Stasis,${BARE_APP} into from-trunk replace`);
    extensionAdded = true;
    if (!asteriskCli(`dialplan show ${BARE_NUMBER}@from-trunk`).includes(`Stasis(${BARE_APP})`))
      throw new Error(`could not add the bench extension ${BARE_NUMBER}@from-trunk`);
    ctl = startChild(
      'controller',
      ['main.ts', 'start', '--role', 'ivr'],
      { HOTLINE_STACK_DIR: stackDir, HOTLINE_ENV_FILE: join(stackDir, 'stack.env') },
      join(workDir, 'controller.log'),
      codeDir,
    );
    bare = startChild(
      'bare app',
      ['bench/bare-ari-app.ts'],
      {
        BARE_APP,
        BARE_MEDIA: JSON.stringify(
          [...BEFORE_KEY, ...afterKey(owners[0]!), ...AFTER_READ_OUT].map(
            (id) => `sound:${promptDir}/${LANG}/${id}`,
          ),
        ),
      },
      join(workDir, 'bare.log'),
    );
    for (const [app, child] of [
      [config.ari.app, ctl],
      [BARE_APP, bare],
    ] as const) {
      await eventually(
        async () => {
          if (child.proc.exitCode !== null) throw new Error(`${child.name} exited; see ${child.log}`);
          return (await ariGet(`/applications/${app}`)).status === 200;
        },
        `the ARI app ${app} to be registered`,
        30_000,
      );
    }
    // the controller has migrated the database by now
    await openAllDay();
    const others = await otherStasisApps();
    if (others.length > 0) {
      const note = `other Stasis apps in Asterisk during the run (an inactive one still gets every event it subscribed to): ${others.join(', ')}`;
      console.warn(note);
      runNotes.push(note);
    }
    const postmaster = postmasterPid();
    // Both apps first take calls that are not measured: the JIT compiles the code of a call on the first calls
    // (far more code in the controller than in the bare app), a one-time cost of a process that would otherwise
    // land on the first step alone.
    for (const app of APPS) {
      console.log(`${app}: warming up with ${WARM_UP.calls} calls (not measured) ...`);
      await runStep(app, WARM_UP.rate, {
        workDir,
        callersCsv,
        menuMs,
        maxStayMs,
        appPid: (app === 'ivr' ? ctl : bare).proc.pid!,
        appLog: (app === 'ivr' ? ctl : bare).log,
        idle: { app: 0, asterisk: 0, postgres: 0 },
        postmaster,
        windowS: WARM_UP.calls / WARM_UP.rate,
      });
    }
    // Idle CPU (timers, ACD ticks, connections, the channel polling of a step), taken off the per-call figures.
    await sleep(2000);
    const [ctlPid, barePid] = [ctl.proc.pid!, bare.proc.pid!];
    const sample = () => ({
      ctl: cpuSeconds(ctlPid),
      bare: cpuSeconds(barePid),
      asterisk: cpuSeconds(asteriskPid()),
      postgres: postmaster ? postgresCpuSeconds(postmaster) : 0,
      t: performance.now(),
    });
    const idle0 = sample();
    for (let i = 0; i < 10; i++) {
      await channelsInApp(config.ari.app);
      await sleep(1000);
    }
    const idle1 = sample();
    const perS = (k: 'ctl' | 'bare' | 'asterisk' | 'postgres') =>
      (idle1[k] - idle0[k]) / ((idle1.t - idle0.t) / 1000);
    const idle = {
      ctl: perS('ctl'),
      bare: perS('bare'),
      asterisk: perS('asterisk'),
      postgres: perS('postgres'),
    };
    const idleText =
      `idle CPU ms/s: controller ${fmt(idle.ctl * 1000)}, bare app ${fmt(idle.bare * 1000)}, ` +
      `Asterisk ${fmt(idle.asterisk * 1000)}, PostgreSQL ${fmt(idle.postgres * 1000)}; ` +
      `load average before the steps ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`;
    console.log(idleText);
    runNotes.push(idleText);

    const stopped = new Set<AppName>();
    for (const rate of rates) {
      for (const app of APPS) {
        if (stopped.has(app) || aborted) continue;
        const isIvr = app === 'ivr';
        console.log(`${app}: ${rate} calls/s, ${Math.round(rate * WINDOW_S)} calls ...`);
        const r = await runStep(app, rate, {
          workDir,
          callersCsv,
          menuMs,
          maxStayMs,
          appPid: (isIvr ? ctl : bare).proc.pid!,
          appLog: (isIvr ? ctl : bare).log,
          idle: { app: isIvr ? idle.ctl : idle.bare, asterisk: idle.asterisk, postgres: idle.postgres },
          postmaster,
        });
        results.push(r);
        const failed = r.sippFailed + (r.flowFailed ?? 0);
        console.log(
          `  ok ${r.ok}, failed ${r.sippFailed}${r.failureKinds ? ` (${r.failureKinds})` : ''}` +
            `${r.flowFailed !== null ? `, without the fee read-out ${r.flowFailed}` : ''}; achieved ${fmt(r.achievedRate)}/s; ` +
            `peak in flow ${r.peakInFlow} (sipp ${r.peakSipp}); ${fmt(r.callLengthS)} s a call; answer ${fmt(r.answerMs)} ms; ` +
            `${app} CPU ${fmt(r.appCpuMsPerCall, 2)} ms/call (${fmt(r.appCpuPct, 0)}% of a core), ` +
            `Asterisk ${fmt(r.asteriskCpuMsPerCall, 1)} ms/call (${fmt(r.asteriskCpuPct, 0)}%), ` +
            `PostgreSQL ${fmt(r.postgresCpuMsPerCall, 2)} ms/call; log warn/err ${r.logWarnings}/${r.logErrors}; ${r.dir}`,
        );
        if (failed > 0) stopped.add(app);
        await sleep(3000);
      }
    }
  } finally {
    if (stepSipp) stepSipp.kill('SIGTERM');
    if (ctl) await stopChild(ctl);
    if (bare) await stopChild(bare);
    if (extensionAdded) {
      try {
        asteriskCli(`dialplan remove extension ${BARE_NUMBER}@from-trunk`);
      } catch (err) {
        console.warn(`could not remove the bench extension: ${String(err)}`);
      }
    }
    for (const app of [config.ari.app, BARE_APP]) {
      const left = await hangUpLeftovers(app).catch(() => 0);
      if (left > 0) {
        const note = `${left} channels were still in ${app} after the run; hung up`;
        console.warn(note);
        runNotes.push(note);
      }
    }
    if (!values['keep-calls']) await deleteRunRecords(runStart);
    await closeDb();
  }

  if (aborted) throw new Error('interrupted; no results written');
  writeResults(results, { meanFlowS, rtpLimit, owners: OWNERS });
}

/** The run's call records, with what the flow made of them: tickets (voicemails) and their recordings. */
async function deleteRunRecords(runStart: Date): Promise<void> {
  const client = await db().connect();
  try {
    await client.query('BEGIN');
    const run = `SELECT id FROM calls WHERE caller_number LIKE $1 AND started_at >= $2`;
    const args = [`${PHONE_PREFIX}%`, runStart];
    const tickets = await client.query<{ id: string; recording: string | null }>(
      `SELECT id, to_jsonb(t) ->> 'recording' AS recording FROM tickets t WHERE created_from_call IN (${run})`,
      args,
    );
    const calls = await client.query<{ recording: string | null }>(
      `SELECT to_jsonb(c) ->> 'recording' AS recording FROM calls c WHERE id IN (${run})`,
      args,
    );
    const ticketIds = tickets.rows.map((t) => t.id);
    if (ticketIds.length > 0) {
      await client.query('UPDATE calls SET ticket_id = NULL WHERE ticket_id = ANY ($1::bigint[])', [
        ticketIds,
      ]);
      await client.query('DELETE FROM tickets WHERE id = ANY ($1::bigint[])', [ticketIds]);
    }
    const gone = await client.query(`DELETE FROM calls WHERE id IN (${run})`, args);
    await client.query('COMMIT');
    const names = new Set(
      [...tickets.rows, ...calls.rows].map((r) => r.recording).filter((r): r is string => !!r),
    );
    let files = 0;
    if (names.size > 0 && existsSync(config.recordingDir)) {
      for (const file of readdirSync(config.recordingDir)) {
        if (!names.has(file.replace(/\.[^.]+$/, ''))) continue;
        rmSync(join(config.recordingDir, file), { force: true });
        files++;
      }
    }
    console.log(
      `deleted the run's ${gone.rowCount} call records, ${ticketIds.length} tickets and ${files} recordings (keep them with --keep-calls)`,
    );
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    console.warn(`could not delete the run's call records: ${String(err)}`);
  } finally {
    client.release();
  }
}

/** With opening hours (migration 007), the bench estate is staffed all day, every day, holidays included. */
async function openAllDay(): Promise<void> {
  const q = db();
  const table = await q.query<{ t: string | null }>(`SELECT to_regclass('estate_hours')::text AS t`);
  if (!table.rows[0]?.t) return;
  await q.query(`UPDATE estates SET open_on_holidays = true WHERE code = $1`, [ESTATE_CODE]);
  await q.query(
    `INSERT INTO estate_hours (estate_id, weekday, opens, closes)
       SELECT e.id, d, '00:00', '24:00' FROM estates e, generate_series(1, 7) d WHERE e.code = $1
     ON CONFLICT (estate_id, weekday) DO UPDATE SET opens = EXCLUDED.opens, closes = EXCLUDED.closes`,
    [ESTATE_CODE],
  );
}

/** The tree of a git revision in <workDir>/code, with the working tree's node_modules. */
function exportRevision(rev: string, workDir: string): string {
  const dir = join(workDir, 'code');
  mkdirSync(dir);
  const archive = execFileSync('git', ['archive', '--format=tar', rev], { cwd: ROOT, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  console.log(`controller from ${rev} (${dir})`);
  return dir;
}

// ------------------------------------------------------------------------------------------- RESULTS.md
function gitState(): string {
  if (values.at) {
    const rev = execFileSync('git', ['rev-parse', '--short', values.at], { cwd: ROOT }).toString().trim();
    return `${rev} (--at ${values.at})`;
  }
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync(
      'git',
      ['status', '--porcelain', '--', 'ivr', 'db', 'core', 'cti', 'main.ts'],
      {
        cwd: ROOT,
      },
    )
      .toString()
      .trimEnd(); // not trim(): the first line's status starts with a space (" M cti/acd.ts")
    return dirty
      ? `${head} + uncommitted changes in ${[...new Set(dirty.split('\n').map((l) => l.slice(3).split('/')[0]))].join(', ')}`
      : head;
  } catch {
    return 'unknown';
  }
}

function writeResults(
  results: StepResult[],
  run: { meanFlowS: number; rtpLimit: number; owners: number },
): void {
  const failedOf = (r: StepResult) => r.sippFailed + (r.flowFailed ?? 0);
  const best = (app: AppName) =>
    results.filter((r) => r.app === app && failedOf(r) === 0).sort((a, b) => b.rate - a.rate)[0];
  const ivrBest = best('ivr');
  const bareBest = best('bare');
  const ratios = results
    .filter((r) => r.app === 'ivr')
    .map((r) => {
      const b = results.find((x) => x.app === 'bare' && x.rate === r.rate);
      return b ? r.appCpuMsPerCall / b.appCpuMsPerCall : NaN;
    })
    .filter(Number.isFinite);
  const worstRatio = ratios.length ? Math.max(...ratios) : NaN;

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
  const asterisk = execFileSync('/usr/sbin/asterisk', ['-V']).toString().trim();
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const summary =
    `IVR: highest rate with 0 failed calls ${ivrBest ? `${ivrBest.rate}/s (achieved ${fmt(ivrBest.achievedRate)}/s), ${ivrBest.peakInFlow} in the flow at once, ${fmt(ivrBest.callLengthS)} s in the flow` : 'none'}; ` +
    `bare app: ${bareBest ? `${bareBest.rate}/s, ${bareBest.peakInFlow} at once` : 'none'}. ` +
    `Target 300 at once with 0 failed: ${ivrBest && ivrBest.peakInFlow >= TARGET.concurrent ? 'met' : 'not met'}. ` +
    `Controller CPU per call ${fmt(worstRatio, 2)}× the bare app's at worst (target ≤ ${TARGET.cpuRatio}×): ${worstRatio <= TARGET.cpuRatio ? 'met' : 'not met'}.`;

  const rows = results.map((r) => {
    const bare = results.find((x) => x.app === 'bare' && x.rate === r.rate);
    const ratio = r.app === 'ivr' && bare ? `${fmt(r.appCpuMsPerCall / bare.appCpuMsPerCall, 2)}×` : '';
    const failed = `${failedOf(r)}${r.failureKinds ? ` (${r.failureKinds})` : ''}${r.flowFailed ? ` (no read-out ${r.flowFailed})` : ''}`;
    return (
      `| ${r.app === 'ivr' ? 'IVR (default flow)' : 'bare app'} | ${r.rate} / ${fmt(r.achievedRate)} | ${r.calls} | ${r.ok} | ${failed} | ` +
      `${r.peakInFlow} | ${fmt(r.callLengthS)} | ${fmt(r.answerMs, 0)} | ${fmt(r.appCpuMsPerCall, 2)} | ${ratio} | ${fmt(r.appCpuPct, 0)}% | ` +
      `${fmt(r.asteriskCpuMsPerCall, 1)} / ${fmt(r.asteriskCpuPct, 0)}% | ${fmt(r.postgresCpuMsPerCall, 2)} | ${r.logWarnings} / ${r.logErrors} |`
    );
  });
  const section =
    `\n### ${date} UTC: ${WINDOW_S} s of arrivals a step, ${run.owners} owners\n\n` +
    `${machine}; ${asterisk}; node ${process.version}; code ${gitState()}. ` +
    `About ${fmt(run.meanFlowS)} s in the flow a call; Asterisk's RTP ports allow ${run.rtpLimit} channels.\n\n` +
    `${summary}\n\n` +
    `${runNotes.map((n) => `- ${n}`).join('\n')}\n\n` +
    `| app | calls/s target / achieved | calls | ok | failed | peak in flow | s in flow | INVITE→200 ms | CPU ms/call (net of idle) | vs bare | app CPU avg | Asterisk ms/call / avg | PostgreSQL ms/call | log warn / err |\n` +
    `|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n` +
    `${rows.join('\n')}\n`;
  console.log(section);

  if (!values.write) return;
  const file = new URL('./RESULTS.md', import.meta.url);
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  if (!existing.includes('## IVR capacity')) {
    appendFileSync(
      file,
      `\n## IVR capacity (bench/ivr-capacity.ts)\n\n` +
        `sipp owners (ops/sipp/ivr_capacity.xml, known caller numbers) call the hotline and go through the default flow: ` +
        `identified by caller ID, welcome and main menu, 1 (SIP INFO) as the menu ends, the fee read-out of their unit, then they hang up ` +
        `during the menu that follows. Each step places rate × window calls; an app's steps stop after its first step with a failure. ` +
        `Side by side in the same run, the same callers go to a bare ARI app (bench/bare-ari-app.ts: answer, play the same prompts as one list, hang up) ` +
        `through a bench-only extension.\n` +
        `**failed**: sipp failures (an unexpected SIP message, a BYE from the PBX included, or a receive timeout) plus, for the IVR, calls whose ` +
        `record does not show the fee read-out (\`fees\` in the IVR path) once ended. **peak in flow**: most channels in the Stasis app at once ` +
        `(ARI channel list, polled every second). **s in flow**: sipp's mean call length. **CPU ms/call**: CPU time of the app's process ` +
        `(the controller runs as \`node main.ts start --role ivr\`) over the step, less its idle CPU for as long, per call; Asterisk's and ` +
        `PostgreSQL's are the whole processes' (PostgreSQL only serves the IVR). sipp, Asterisk, PostgreSQL and both apps share the machine.\n` +
        `Baseline (the recipe's load figures, a bare app that answers, plays hello-world for 1.62 s and hangs up): ` +
        `${RECIPE.rate} calls/s, ${RECIPE.concurrent} concurrent, ${RECIPE.failed} failed. ` +
        `Targets (issue 3): ${TARGET.concurrent} callers in the default flow at once with 0 failed calls (at once = arrival rate × time in the flow); ` +
        `controller CPU per call ≤ ${TARGET.cpuRatio}× the bare app's.\n` +
        `Reproduce: \`npm run bench:ivr\` (takes /tmp/hotline-stack.lock itself; options in bench/ivr-capacity.ts).\n`,
    );
  }
  appendFileSync(file, section);
}

// Ctrl-C ends the step in progress; the run then stops its processes and removes the extension.
let aborted = false;
const onSignal = () => {
  aborted = true;
  if (stepSipp) stepSipp.kill('SIGTERM');
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

main().catch(async (err: unknown) => {
  console.error(err);
  for (const c of children) await stopChild(c);
  process.exit(1);
});
