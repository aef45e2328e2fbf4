// Sustained outbound dialling (issue 6: calls per second into owner phones, every result written, the trunk's cap
// held exactly; target >= 50 calls/s on this machine). The real platform runs as two processes as in production:
// `node main.ts start --role ivr` (the controller and its dialer) and `--role workers` (the campaigns' scheduler).
// N households owing a fee are seeded with SQL; a fee-reminder campaign on a trunk of the benchmark's own (a cap of
// --cap channels, --cps calls a second) goes running; the trunk leads to one sipp owner phone that answers after
// 300 ms of ringing and hangs up --listen ms later (ops/sipp/owner_phone_hangs_up.xml), during the reminder.
//
// Measured: dials a second over the steady middle (the 10th to the 90th percentile of the attempts' dialled_at),
// attempts with a result written, INVITEs the phone saw, the most trunk channels up at once (ARI, polled every
// 100 ms) and the most attempts whose dialled..ended intervals overlap, against the cap; CPU of the two node
// processes, Asterisk, PostgreSQL and sipp over the run. Everything it made is removed at the end.
//
//   npm run bench:dial -- [--targets 3000] [--cap 150] [--cps 60] [--listen 1000] [--no-write] [--profile DIR]
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ariGet, env, eventually } from '../tests/support/env.ts';
import { closeDb, db } from '../tests/support/fixtures.ts';
import { startOwnerPhone } from '../tests/support/owner-phones.ts';
import { removeHouseholds, seedHouseholds } from './households.ts';
import { appendResult } from './results.ts';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '3000' },
    cap: { type: 'string', default: '150' },
    cps: { type: 'string', default: '60' },
    listen: { type: 'string', default: '1000' },
    'no-write': { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const N = Number(values.targets);
const CAP = Number(values.cap);
const CPS = Number(values.cps);
const TARGET_CPS = 50;
const ROOT = new URL('..', import.meta.url).pathname;
const stackDir = env.HOTLINE_STACK_DIR ?? join(ROOT, '.stack');
const q = db();
const tag = randomBytes(3).toString('hex');
const trunkCode = `bench-${tag}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------- CPU from /proc
const HZ = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
function cpuSeconds(pid: number, withChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0)) / HZ;
  } catch {
    return 0;
  }
}
/** The PostgreSQL cluster: the postmaster, its children and the children it has reaped. */
function postgresSeconds(): number {
  const postmaster = Number(readFileSync(join(stackDir, 'pg/data/postmaster.pid'), 'utf8').split('\n')[0]);
  let total = cpuSeconds(postmaster, true);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster)
        total += cpuSeconds(+name);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
/** sipp's CPU: its process while it runs, and this process's reaped children's once it exited (it is the only one). */
const sippSeconds = () => cpuSeconds(phone.pid) + childrenSeconds();
function childrenSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / HZ;
}
const asteriskPid = Number(readFileSync(join(stackDir, 'asterisk/asterisk.pid'), 'utf8'));

// ------------------------------------------------------------------------------------------- the platform
function startRole(role: 'ivr' | 'workers') {
  const out = openSync(join(stackDir, `bench-dial-${role}.log`), 'w');
  const profile = values.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${values.profile}`];
  const proc = spawn(process.execPath, [...profile, 'main.ts', 'start', '--role', role], {
    cwd: ROOT,
    env: { ...process.env, HOTLINE_STACK_DIR: stackDir, HOTLINE_ENV_FILE: join(stackDir, 'stack.env') },
    stdio: ['ignore', out, out],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    pid: proc.pid!,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      if (!(await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]))) {
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
}

const { estateId, seedS } = await seedHouseholds(q, N, tag);
console.log(`seeded ${N} households in ${seedS.toFixed(1)} s`);
const phone = await startOwnerPhone('hangs-up', {
  calls: N,
  listenMs: Number(values.listen),
  timeoutS: Math.ceil(N / 20) + 300,
});
await q.query(
  `INSERT INTO trunks (code, name, dial, caller_id, max_channels, calls_per_second)
   VALUES ($1, $2, $3, '4008200000', $4, $5)`,
  [trunkCode, `压测线路 ${tag}`, phone.dial, CAP, CPS],
);
const ivr = startRole('ivr');
const workers = startRole('workers');
let campaignId: number | null = null;
let watching = true;
try {
  await eventually(
    async () => (await ariGet(`/applications/${env.HOTLINE_ARI_APP ?? 'hotline'}`)).status === 200,
    'the controller to register its Stasis app',
    30_000,
  );
  await sleep(3000); // both roles settle (the scheduler's start-up reconciliation)

  // Asterisk's own count of the trunk's channels
  let peakUp = 0;
  const watcher = (async () => {
    while (watching) {
      const { body } = await ariGet('/channels');
      const up = (body as { name: string }[]).filter((c) => c.name.startsWith('PJSIP/trunk-')).length;
      peakUp = Math.max(peakUp, up);
      await sleep(100);
    }
  })();

  const cpu0 = {
    ivr: cpuSeconds(ivr.pid),
    workers: cpuSeconds(workers.pid),
    asterisk: cpuSeconds(asteriskPid),
    postgres: postgresSeconds(),
    sipp: sippSeconds(),
  };
  const t0 = performance.now();
  // what the API does: a campaign row, running; migration 017's NOTIFY wakes the scheduler
  const campaign = await q.query<{ id: number }>(
    `INSERT INTO campaigns (kind, name, status, trunk_code, estate_id, min_arrears_fen, max_attempts,
                            ring_timeout_s, window_start, window_end)
     VALUES ('fee-reminder', $1, 'running', $2, $3, 100, 1, 20, '00:00', '23:59') RETURNING id`,
    [`压测催缴 ${tag}`, trunkCode, estateId],
  );
  campaignId = campaign.rows[0]!.id;
  await eventually(
    async () => {
      const { rows } = await q.query<{ status: string }>('SELECT status FROM campaigns WHERE id = $1', [
        campaignId,
      ]);
      return rows[0]?.status === 'completed';
    },
    'the campaign to complete',
    (N / 10 + 120) * 1000,
    500,
  );
  const wallS = (performance.now() - t0) / 1000;
  const cpu = {
    ivr: cpuSeconds(ivr.pid) - cpu0.ivr,
    workers: cpuSeconds(workers.pid) - cpu0.workers,
    asterisk: cpuSeconds(asteriskPid) - cpu0.asterisk,
    postgres: postgresSeconds() - cpu0.postgres,
    sipp: sippSeconds() - cpu0.sipp,
  };
  watching = false;
  await watcher;

  const results = await q.query<{ result: string | null; n: number }>(
    `SELECT result, count(*)::int AS n FROM call_attempts WHERE campaign_id = $1 GROUP BY result ORDER BY n DESC`,
    [campaignId],
  );
  const written = results.rows.filter((r) => r.result !== null).reduce((s, r) => s + r.n, 0);
  const times = await q.query<{ dialled: Date; ended: Date | null }>(
    `SELECT dialled_at AS dialled, ended_at AS ended FROM call_attempts
      WHERE campaign_id = $1 AND dialled_at IS NOT NULL ORDER BY dialled_at`,
    [campaignId],
  );
  const dials = times.rows.map((r) => r.dialled.getTime());
  const lo = Math.floor(dials.length * 0.1);
  const hi = Math.floor(dials.length * 0.9);
  const sustained = (hi - lo) / ((dials[hi]! - dials[lo]!) / 1000);
  const callS =
    times.rows.filter((r) => r.ended).reduce((s, r) => s + (r.ended!.getTime() - r.dialled.getTime()), 0) /
    times.rows.filter((r) => r.ended).length /
    1000;
  const overlap = await q.query<{ n: number }>(
    `WITH e AS (SELECT dialled_at AS at, 1 AS d FROM call_attempts WHERE campaign_id = $1 AND dialled_at IS NOT NULL
                UNION ALL
                SELECT ended_at, -1 FROM call_attempts WHERE campaign_id = $1 AND dialled_at IS NOT NULL)
     SELECT COALESCE(max(s), 0)::int AS n FROM (SELECT sum(d) OVER (ORDER BY at, d) AS s FROM e) x`,
    [campaignId],
  );
  const mostAtOnce = overlap.rows[0]!.n;
  // dials in each whole second of the middle part
  const perSecond: number[] = [];
  for (let t = dials[lo]!; t + 1000 <= dials[hi]!; t += 1000)
    perSecond.push(dials.filter((d) => d >= t && d < t + 1000).length);
  console.log(`dials per second over the middle: ${perSecond.join(' ')}`);
  // the most dials within any one second (the trunk's calls/s as a carrier would count them)
  let burst = 0;
  for (let i = 0, j = 0; i < dials.length; i++) {
    while (dials[i]! - dials[j]! >= 1000) j++;
    burst = Math.max(burst, i - j + 1);
  }
  const invites = (phone.messages().match(/^INVITE sip:/gm) ?? []).length;
  const dialS = (dials.at(-1)! - dials[0]!) / 1000;
  const pct = (s: number) => `${Math.round((s / dialS) * 100)}%`;
  const cpuText = `${pct(cpu.ivr)} / ${pct(cpu.workers)} / ${pct(cpu.asterisk)} / ${pct(cpu.postgres)} / ${pct(cpu.sipp)}`;
  const met = sustained >= TARGET_CPS && written === N && invites === N && peakUp <= CAP && mostAtOnce <= CAP;
  const resultText = results.rows.map((r) => `${r.result ?? 'none'} ${r.n}`).join(', ');
  console.log(
    `${N} targets, trunk cap ${CAP} / ${CPS} calls/s: sustained ${sustained.toFixed(1)} dials/s (middle 80 %), at most ${burst} in a second, ` +
      `all dials in ${dialS.toFixed(1)} s, campaign done in ${wallS.toFixed(1)} s; results ${resultText}; ` +
      `${invites} INVITEs; peak channels ${peakUp}, peak overlap ${mostAtOnce}; call ${callS.toFixed(2)} s; ` +
      `CPU (of one core) ivr node / workers node / Asterisk / PostgreSQL / sipp ${cpuText}; target ${met ? 'met' : 'not met'}`,
  );
  if (!values['no-write'])
    appendResult(
      'Outbound dial rate (bench/outbound-rate.ts)',
      '| date | targets | cap / calls/s | call s | sustained dials/s | most in 1 s | results written | INVITEs | peak channels (ARI) / overlap | CPU ivr node / workers node / Asterisk / PostgreSQL / sipp | target | machine |',
      `| ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC | ${N} | ${CAP} / ${CPS} | ${callS.toFixed(2)} | ${sustained.toFixed(1)} | ${burst} | ${written} (${resultText}) | ${invites} | ${peakUp} / ${mostAtOnce} | ${cpuText} | ≥ ${TARGET_CPS}/s, cap held: ${met ? 'met' : 'not met'} | ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, load ${loadavg()[0]!.toFixed(1)}; node ${process.version} |`,
    );
  process.exitCode = met ? 0 : 1;
} finally {
  watching = false;
  if (campaignId !== null)
    await q.query(`UPDATE campaigns SET status = 'cancelled' WHERE id = $1 AND status <> 'completed'`, [
      campaignId,
    ]);
  await ivr.stop();
  await workers.stop();
  await phone.stop();
  if (campaignId !== null) await q.query('DELETE FROM campaigns WHERE id = $1', [campaignId]);
  // the campaign calls' records (their events and attempts go with them)
  await q.query(
    `DELETE FROM calls WHERE owner_id IN (SELECT ou.owner_id FROM owner_units ou JOIN units u ON u.id = ou.unit_id
                                           JOIN buildings b ON b.id = u.building_id WHERE b.estate_id = $1)`,
    [estateId],
  );
  await q.query('DELETE FROM trunks WHERE code = $1', [trunkCode]);
  await removeHouseholds(q, estateId);
  await closeDb();
}
