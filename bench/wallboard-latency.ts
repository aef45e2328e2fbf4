// Wallboard update latency (issue 7: ≤ 1 s under a load of 50 calls/s). The platform runs (every role, on the
// stack); calls are written at --rate calls/s as the controller writes them (a row when the call arrives and is
// queued, the answer and the end 4-20 s later: today's figures and the day rollups' dirty marks move with them),
// while a team leader's socket.io client listens for the pushed board (supervisor:overview). Every second one of
// the bench agents changes state through the API, and every 2 s a marker call ends in the bench's own queue; the
// latency is from the change being made to the first pushed board that shows it (the agent's new state; the
// marker queue's `offered` one higher).
//
//   npm run bench:wallboard -- [--rate 50] [--seconds 60] [--no-write]
//
// The load is written into PostgreSQL directly, not placed with sipp: what is measured is the board's path
// (Redis states, today's figures from PostgreSQL, the gateway's sampling and push) under the database's write
// load, not the IVR's capacity (bench:ivr measures that).
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { SupervisorOverview } from '../core/index.ts';
import { AgentClient, preciseNow } from '../tests/support/agent-client.ts';
import { closeDb, createAgent, db } from '../tests/support/fixtures.ts';
import { startTestPlatform } from '../tests/support/platform.ts';
import { appendResult } from './results.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '60' },
    'no-write': { type: 'boolean', default: false },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const TARGET_MS = 1000;
const MARKER_QUEUE = `wbb-${process.pid}`;
const AGENTS = 8;

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const calls: string[] = [];
// the marker queue first: the platform's queue book reads the queues when it starts
await db().query(
  `INSERT INTO queues (name, label_zh, label_en) VALUES ($1, '看板基准', 'Wallboard bench') ON CONFLICT DO NOTHING`,
  [MARKER_QUEUE],
);
const running = await startTestPlatform();
const leader = await AgentClient.signIn(
  running.url,
  await createAgent({ seat: null, role: 'supervisor', name: '基准组长' }),
);
const boards: { at: number; board: SupervisorOverview }[] = [];
leader.socket().on('supervisor:overview', (board) => boards.push({ at: preciseNow(), board }));
const agents = await Promise.all(
  Array.from({ length: AGENTS }, async (_, i) =>
    AgentClient.signIn(running.url, await createAgent({ seat: 60 + i, name: `基准坐席${i + 1}` })),
  ),
);

/** The first board pushed after `since` that `shows`; its latency. */
async function pushedWithin(since: number, shows: (b: SupervisorOverview) => boolean): Promise<number> {
  for (let waited = 0; waited < 10_000; waited += 5) {
    const hit = boards.find((b) => b.at >= since && shows(b.board));
    if (hit) return hit.at - since;
    await sleep(5);
  }
  return Number.POSITIVE_INFINITY;
}

// ---- the load: RATE calls/s, each answered and ended 4-20 s after it arrived ----
let stop = false;
let written = 0;
async function load(): Promise<void> {
  const ends: { id: string; at: number }[] = [];
  const tickMs = 100;
  let owed = 0;
  while (!stop) {
    const started = Date.now();
    owed += (RATE * tickMs) / 1000;
    const n = Math.floor(owed);
    owed -= n;
    const ids = Array.from({ length: n }, () => randomUUID());
    if (n > 0) {
      await db().query(
        `INSERT INTO calls (id, direction, caller_number, dialled_number, queue, started_at, queued_at)
         SELECT id, 'inbound', '13700000000', '4008200000', 'general', now(), now() FROM unnest($1::uuid[]) id`,
        [ids],
      );
      written += n;
      calls.push(...ids);
      for (const id of ids) ends.push({ id, at: started + 4000 + Math.random() * 16_000 });
    }
    const due = ends.filter((e) => e.at <= Date.now());
    if (due.length) {
      await db().query(
        `UPDATE calls SET agent_answered_at = queued_at + interval '6 seconds', ended_at = now(), hangup_by = 'caller',
                          outcome = 'answered'
          WHERE id = ANY($1::uuid[])`,
        [due.map((e) => e.id)],
      );
      for (const e of due) ends.splice(ends.indexOf(e), 1);
    }
    await sleep(Math.max(0, tickMs - (Date.now() - started)));
  }
}

const stateLatencies: number[] = [];
const figureLatencies: number[] = [];
const loading = load();
await sleep(3000);
const until = Date.now() + SECONDS * 1000;
let i = 0;
while (Date.now() < until) {
  const tick = Date.now();
  // an agent's state change
  const agent = agents[i % AGENTS]!;
  const to = (i / AGENTS) % 2 < 1 ? 'available' : 'not-ready';
  const t0 = preciseNow();
  const status = await agent.setState(to, to === 'not-ready' ? 'meeting' : undefined);
  stateLatencies.push(
    await pushedWithin(t0, (b) => b.agents.some((a) => a.agentId === status.agentId && a.state === to)),
  );
  // every other second, a marker call ends in the bench's queue
  if (i % 2 === 0) {
    const before = boards.at(-1)?.board.queues.find((q) => q.name === MARKER_QUEUE)?.today.offered ?? 0;
    const id = randomUUID();
    calls.push(id);
    const t1 = preciseNow();
    await db().query(
      `INSERT INTO calls (id, direction, caller_number, dialled_number, queue, started_at, queued_at, agent_answered_at,
                          ended_at, hangup_by, outcome)
       VALUES ($1, 'inbound', '13700000001', '4008200000', $2, now() - interval '20 seconds',
               now() - interval '20 seconds', now() - interval '12 seconds', now(), 'caller', 'answered')`,
      [id, MARKER_QUEUE],
    );
    figureLatencies.push(
      await pushedWithin(
        t1,
        (b) => (b.queues.find((q) => q.name === MARKER_QUEUE)?.today.offered ?? 0) > before,
      ),
    );
  }
  i++;
  await sleep(Math.max(0, 1000 - (Date.now() - tick)));
}
stop = true;
await loading;

for (const a of agents) await a.setState('offline').catch(() => undefined);
await Promise.all([...agents, leader].map((c) => c.close()));
await running.close();
await db().query('DELETE FROM calls WHERE id = ANY($1::uuid[])', [calls]);
await db().query('DELETE FROM queues WHERE name = $1', [MARKER_QUEUE]);
await closeDb();

const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), max: s.at(-1) ?? NaN, n: s.length };
};
const st = summary(stateLatencies);
const fig = summary(figureLatencies);
const fmt = (n: number) => (Number.isFinite(n) ? String(Math.round(n)) : '∞');
const met = st.max <= TARGET_MS && fig.max <= TARGET_MS ? 'yes' : 'no';
const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
const machine = `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, load ${loadavg()[0]!.toFixed(1)}`;
const row =
  `| ${new Date().toISOString().slice(0, 16).replace('T', ' ')} | ${rev} | ${machine} | ${RATE} calls/s × ${SECONDS} s (${written} calls) | ` +
  `${fmt(st.p50)} / ${fmt(st.p95)} / ${fmt(st.max)} (${st.n}) | ${fmt(fig.p50)} / ${fmt(fig.p95)} / ${fmt(fig.max)} (${fig.n}) | ≤ ${TARGET_MS} ms: ${met} |`;
console.log(row);
if (!values['no-write'])
  appendResult(
    'Wallboard update latency (bench/wallboard-latency.ts)',
    '| when (UTC) | rev | machine | load | agent state → board, ms p50 / p95 / max (n) | call ended → today’s figures, ms p50 / p95 / max (n) | target |',
    row,
  );
