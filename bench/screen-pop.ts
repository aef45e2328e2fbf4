// Screen-pop latency through the whole path: sipp owners call and press 0, the ACD picks an agent, the pop
// reaches the agent's socket.io client, then the agent's sipp phone receives the INVITE (seen by tcpdump).
//
//   npm run bench -- [--calls 40] [--agents 4] [--gap-ms 1200]
//
// Owners are drawn at random from the database, so run it once on the default demo data and once after
// `npm run seed -- --reset --owners 1000000 --history 10` (issue 4: 1M owners, 5M calls, 1M tickets). The row
// also gives the calls and tickets in the database and the pop's build time (the owner-history queries, from the
// controller's "call queued" log). Figures go into the screen-pop table of bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { createLogger } from '../core/index.ts';
import { AgentClient } from '../tests/support/agent-client.ts';
import { closeDb, createAgent, db } from '../tests/support/fixtures.ts';
import { agentPhonePort, ownerCall, startAgentPhone, type AgentPhone } from '../tests/support/phones.ts';
import { SipCapture } from '../tests/support/sip-capture.ts';
import { startTestPlatform } from '../tests/support/platform.ts';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '40' },
    agents: { type: 'string', default: '4' },
    'gap-ms': { type: 'string', default: '1200' },
  },
});
const CALLS = Number(values.calls);
const AGENTS = Number(values.agents);
const GAP_MS = Number(values['gap-ms']);
/** Issue 4: pick→pop p99 ≤ 50 ms, and the pop before the agent's phone rings on every call. */
const TARGET_PICK_TO_POP_P99_MS = 50;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}
const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');

async function countRows(table: 'owners' | 'calls' | 'tickets'): Promise<number> {
  const { rows } = await db().query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]!.n);
}

/**
 * The platform's log: the pop build time of each queued call ("call queued", popBuildMs) by call id; warnings and
 * errors go on to stderr as the tests' logger would print them.
 */
function popBuildLog() {
  const buildMs = new Map<string, number>();
  const stream = {
    write(line: string): void {
      const entry = JSON.parse(line) as { level: number; msg?: string; callId?: string; popBuildMs?: number };
      if (entry.msg === 'call queued' && entry.callId && typeof entry.popBuildMs === 'number') {
        buildMs.set(entry.callId, entry.popBuildMs);
      }
      if (entry.level >= 40) process.stderr.write(line);
    },
  };
  return { log: createLogger('info', 'hotline-bench', stream), buildMs };
}

async function main(): Promise<void> {
  // the history in the database, counted before the run adds its own calls
  const owners = await countRows('owners');
  const callsInDb = await countRows('calls');
  const ticketsInDb = await countRows('tickets');
  const callers = (
    await db().query<{ number: string }>(
      `SELECT number FROM owner_phones TABLESAMPLE SYSTEM (least(100, greatest(0.01, 200000.0 / greatest(1, (SELECT count(*) FROM owner_phones)))))
        ORDER BY random() LIMIT $1`,
      [CALLS],
    )
  ).rows.map((r) => r.number);
  if (callers.length < CALLS)
    throw new Error(`only ${callers.length} owner phone numbers in the database; seed first`);

  const { log, buildMs } = popBuildLog();
  const platform = await startTestPlatform({ HOTLINE_WRAP_UP_S: '0' }, { log });
  const sip = await SipCapture.start();
  const phones: AgentPhone[] = [];
  const agents: AgentClient[] = [];
  for (let seat = 1; seat <= AGENTS; seat++) {
    phones.push(await startAgentPhone(seat, { answerAfterMs: 200 }));
    const agent = await AgentClient.signIn(platform.url, await createAgent({ seat }));
    await agent.setState('available');
    agents.push(agent);
  }

  const started = Date.now();
  const runs: Promise<{ code: number }>[] = [];
  for (const caller of callers) {
    runs.push(ownerCall({ caller, digit: '0', stayMs: 3500 }));
    await new Promise((r) => setTimeout(r, GAP_MS));
  }
  const results = await Promise.all(runs);
  await new Promise((r) => setTimeout(r, 1000));

  const pickToPop: number[] = [];
  const popToInvite: number[] = [];
  const popBuild: number[] = [];
  let failures = results.filter((r) => r.code !== 0).length;
  for (const [i, agent] of agents.entries()) {
    const port = agentPhonePort(phones[i]!.seat);
    for (const r of agent.received.filter((x) => x.event === 'call:offered')) {
      const pop = r.payload as { callId: string; offeredAt: string };
      const invite = sip.invites.find((inv) => inv.callId === pop.callId && inv.port === port);
      pickToPop.push(r.at - Date.parse(pop.offeredAt));
      if (invite) popToInvite.push(invite.at - r.at);
      else failures++;
      const built = buildMs.get(pop.callId);
      if (built !== undefined) popBuild.push(built);
    }
  }
  const offered = pickToPop.length;
  failures += Math.max(0, CALLS - offered);
  pickToPop.sort((a, b) => a - b);
  popToInvite.sort((a, b) => a - b);
  popBuild.sort((a, b) => a - b);
  const wallS = (Date.now() - started) / 1000;

  for (const agent of agents) await agent.close();
  for (const phone of phones) await phone.stop();
  sip.stop();
  await platform.close();
  await closeDb();

  const pickToPopP99 = percentile(pickToPop, 99);
  const popFirst = popToInvite.length === offered && offered > 0 && percentile(popToInvite, 0) > 0;
  const met = failures === 0 && pickToPopP99 <= TARGET_PICK_TO_POP_P99_MS && popFirst;
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
  const asterisk = execFileSync('/usr/sbin/asterisk', ['-V']).toString().trim();
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const row =
    `| ${date} UTC | ${owners.toLocaleString('en')} | ${callsInDb.toLocaleString('en')} | ` +
    `${ticketsInDb.toLocaleString('en')} | ${CALLS} | ${offered} | ${failures} | ` +
    `${fmt(percentile(popBuild, 50))} / ${fmt(percentile(popBuild, 99))} | ` +
    `${fmt(percentile(pickToPop, 50))} / ${fmt(pickToPopP99)} | ` +
    `${fmt(percentile(popToInvite, 50))} / ${fmt(percentile(popToInvite, 99))} | ${fmt(percentile(popToInvite, 0))} | ` +
    `${met ? 'met' : 'not met'} | ${wallS.toFixed(0)} s | ${machine}; ${asterisk}; node ${process.version} |`;
  console.log(`machine: ${machine}; ${asterisk}; node ${process.version}`);
  console.log(
    'owners, calls and tickets in the database; pop build ms, pick→pop ms, pop→INVITE ms (p50/p99), min pop→INVITE:',
  );
  console.log(row);
  if (popBuild.length < offered) {
    console.warn(
      `${offered - popBuild.length} offered calls had no "call queued" log with the pop build time`,
    );
  }

  const file = new URL('./RESULTS.md', import.meta.url);
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  writeFileSync(file, withRow(existing, row));
}

// ------------------------------------------------------------------------------------------- RESULTS.md
const SECTION = '## Screen-pop latency (bench/screen-pop.ts)';
const HEADER =
  '| date | owners | calls in database | tickets in database | calls | offered | failures | pop build ms p50 / p99 | ' +
  'pick→pop ms p50 / p99 | pop→INVITE ms p50 / p99 | pop→INVITE min | target | wall | machine |';
const RULE = `|${'---|'.repeat(HEADER.split('|').length - 2)}`;
const DESCRIPTION =
  `N owners (drawn at random from the database) call through sipp and press 0; ${AGENTS} agents with sipp desk phones.\n` +
  `**calls / tickets in database**: the history the pops are built from, counted before the run.\n` +
  `**pop build**: from the call joining the queue to its pop being ready (the owner-history queries; the controller's \`call queued\` log).\n` +
  `**pick→pop**: from the ACD reserving the agent (\`offeredAt\` in the pop) to \`call:offered\` received by the agent's socket.io client.\n` +
  `**pop→INVITE**: from that moment to the INVITE reaching the agent's phone (kernel timestamp from tcpdump); positive means the pop came first.\n` +
  `**target** (issue 4): pick→pop p99 ≤ ${TARGET_PICK_TO_POP_P99_MS} ms and the pop before the INVITE on every call, without failures.\n` +
  'Reproduce: `npm run seed -- --reset --owners 1000000 --history 10`, then `npm run bench -- --calls 100`.\n';

/**
 * RESULTS.md with the row added at the end of the screen-pop table with the current columns. The section is
 * followed by others, so the row is inserted, not appended; a missing section or table is created.
 */
function withRow(text: string, row: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf(SECTION);
  if (start < 0) return `${text.trimEnd()}\n\n${SECTION}\n\n${DESCRIPTION}\n${HEADER}\n${RULE}\n${row}\n`;
  let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  if (end < 0) end = lines.length;
  const header = lines.indexOf(HEADER, start);
  if (header >= 0 && header < end) {
    let last = header + 1;
    while (last + 1 < end && lines[last + 1]!.startsWith('|')) last++;
    lines.splice(last + 1, 0, row);
  } else {
    let at = end;
    while (at > start + 1 && lines[at - 1]!.trim() === '') at--;
    lines.splice(at, 0, '', HEADER, RULE, row);
  }
  return lines.join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
