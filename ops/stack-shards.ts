// Splits the real-stack test files between N stacks that run side by side (ops/test.sh), so that each stack's
// share takes about as long: longest file first, each to the stack with the least work so far. The weights are
// seconds measured in a run of the suite on two stacks side by side (two cores); a file not listed counts as
// DEFAULT_S. A file in SOLO runs after the shares, alone on the first stack: it measures how the platform keeps
// up under a load of its own, which a second stack's calls on the same two cores would distort.
//
// Prints one line per stack, the files separated by spaces, then one line of the solo files.
//
//   node ops/stack-shards.ts 2
import { readdirSync } from 'node:fs';

const DEFAULT_S = 30;

/** Seconds per file, measured (the suite prints each file's time: update when a file grows or a new one is long). */
const MEASURED_S: Record<string, number> = {
  'ivr-flows': 380,
  'campaign-recovery': 141,
  'inbound-call': 133,
  'campaign-dialer': 122,
  'campaign-pages': 102,
  'outbound-flows': 99,
  callback: 86,
  'pbx-restart': 84,
  'agent-page': 60,
  'ticket-clocks': 55,
  outages: 50,
  'flow-reload': 50,
  'full-call': 45,
  supervision: 47,
  'team-overview-monitor': 39,
  'notice-recording': 39,
  consult: 36,
  'call-control': 30,
  'ticket-evidence': 28,
  'ops-pages': 26,
  'wrap-up': 25,
  'ticket-pages': 25,
  'outbound-call': 19,
};

/** 200 calls through two controllers at once, with a bound on how long a call may wait while an agent is free. */
const SOLO = new Set(['two-nodes']);

const nameOf = (file: string): string => file.replace(/^.*\/|\.test\.ts$/g, '');

function splitFiles(files: string[], stacks: number): string[][] {
  const weight = (file: string): number => MEASURED_S[nameOf(file)] ?? DEFAULT_S;
  const shares = Array.from({ length: stacks }, () => ({ files: [] as string[], seconds: 0 }));
  const ordered = [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
  for (const file of ordered) {
    const least = shares.reduce((min, share) => (share.seconds < min.seconds ? share : min));
    least.files.push(file);
    least.seconds += weight(file);
  }
  return shares.map((share) => share.files.sort());
}

const stacks = Number(process.argv[2] ?? '2');
if (!Number.isInteger(stacks) || stacks < 1) {
  console.error(`usage: node ops/stack-shards.ts <number of stacks ≥ 1>, not "${process.argv[2]}"`);
  process.exit(2);
}
const files = readdirSync('tests/stack')
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => `tests/stack/${name}`);
for (const share of splitFiles(
  files.filter((f) => !SOLO.has(nameOf(f))),
  stacks,
))
  console.log(share.join(' '));
console.log(files.filter((f) => SOLO.has(nameOf(f))).join(' '));
