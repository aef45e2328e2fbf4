// Asterisk's CPU for playing prompts to G.711 callers, by the format the prompt file is stored in: what storing
// prompts as .ulaw/.alaw beside the .wav (ops/stack.sh prompts) saves.
//
//   flock -o /tmp/hotline-stack.lock npm run bench:prompts -- [--calls 60] [--window 10] [--cycles 4]
//     [--paired-windows 4] [--paired-window 20] [--codec alaw|ulaw]
//     [--print-only]   do not add the figures to bench/RESULTS.md
//
// N listening phones (sipp, ops/sipp/prompt_listener.xml, answering with one G.711 codec: alaw like the owners'
// calls in the tests, or ulaw) are called by Asterisk through an ARI originate into this bench's own Stasis
// app; the calls stay up for the whole bench. Then, in short windows, every call is played one long prompt
// (the Chinese main menu, repeated) stored in one format, the variants taking turns, `cycles` times over in a
// rotating order, so that a change of load on the shared machine spreads over all of them:
//   none  nothing played: the cost of holding the calls, subtracted from the others
//   wav   only long.wav (8 kHz 16-bit): every 20 ms frame is translated slin -> the caller's codec
//   ulaw  only long.ulaw: ulaw -> alaw for an alaw caller, nothing for a ulaw one
//   alaw  only long.alaw: nothing for an alaw caller, alaw -> ulaw for a ulaw one
//   all   .wav, .ulaw and .alaw, as ops/stack.sh writes prompts: Asterisk picks the caller's codec
// Asterisk's CPU is utime + stime of its process (/proc/<pid>/stat) over each window. Each variant records the
// channel's write format during playback (CHANNEL(audiowriteformat): what Asterisk read from disk).
// The load of a shared machine moves between windows by more than the saving, so then come paired windows:
// half the calls hear the .wav prompt and the other half one of ulaw, alaw, all, at the same time (the halves
// swap every window), and the CPU counted is that of each call's own Asterisk thread (found by the threads
// that appear while the call is set up; it runs the Stasis app, reads the file, translates, sends RTP).
// Nothing of the hotline runs (no controller, no dialplan), only the stack's Asterisk (bash ops/stack.sh
// start), which other engineers share: hold the lock, with -o so that sipp does not inherit it. Figures are
// added to bench/RESULTS.md.
import { spawn, execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AriObserver } from '../tests/support/ari-observer.ts';
import { readEnv } from '../core/index.ts';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '60' },
    window: { type: 'string', default: '10' },
    cycles: { type: 'string', default: '4' },
    'paired-windows': { type: 'string', default: '4' },
    'paired-window': { type: 'string', default: '20' },
    codec: { type: 'string', default: 'alaw' },
    'sip-port': { type: 'string', default: '5850' },
    'rtp-port': { type: 'string', default: '8600' },
    'print-only': { type: 'boolean', default: false },
  },
});
const CALLS = Number(values.calls);
const WINDOW_S = Number(values.window);
const CYCLES = Number(values.cycles);
const PAIRED_WINDOWS = Number(values['paired-windows']);
const PAIRED_WINDOW_S = Number(values['paired-window']);
const CODEC = values.codec;
if (CODEC !== 'alaw' && CODEC !== 'ulaw') throw new Error('--codec must be alaw or ulaw');
const SIP_PORT = Number(values['sip-port']);
const RTP_PORT = Number(values['rtp-port']);

const VARIANTS = ['none', 'wav', 'ulaw', 'alaw', 'all'] as const;
type Variant = (typeof VARIANTS)[number];
const FILES: Record<Variant, string[]> = {
  none: [],
  wav: ['wav'],
  ulaw: ['ulaw'],
  alaw: ['alaw'],
  all: ['wav', 'ulaw', 'alaw'],
};

const env = readEnv();
const STACK = resolve(env.HOTLINE_STACK_DIR ?? '.stack');
const ARI_URL = env.HOTLINE_ARI_URL!;
const ARI_AUTH =
  'Basic ' + Buffer.from(`${env.HOTLINE_ARI_USER}:${env.HOTLINE_ARI_PASSWORD}`).toString('base64');
const PID_FILE = env.HOTLINE_ASTERISK_PID_FILE ?? join(STACK, 'asterisk', 'asterisk.pid');
const PROMPT_DIR = resolve(env.HOTLINE_PROMPT_DIR ?? join(STACK, 'sounds'));
const APP = `bench-prompts-${process.pid}`;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds Asterisk has used so far (user + system). */
function asteriskCpu(pid: number): number {
  return asteriskCpuOf(`/proc/${pid}/stat`);
}

/** CPU seconds one thread of Asterisk has used so far; 0 once it is gone. */
function threadCpu(pid: number, tid: number): number {
  try {
    return asteriskCpuOf(`/proc/${pid}/task/${tid}/stat`);
  } catch {
    return 0;
  }
}

/** utime + stime (fields 14 and 15 of proc(5)) of a process or thread, in seconds. */
function asteriskCpuOf(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function threads(pid: number): Set<number> {
  return new Set(readdirSync(`/proc/${pid}/task`).map(Number));
}

async function ari(method: string, path: string): Promise<unknown> {
  const res = await fetch(`${ARI_URL}/ari${path}`, { method, headers: { authorization: ARI_AUTH } });
  const text = await res.text();
  if (!res.ok) throw new Error(`ARI ${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : null;
}

interface Window {
  variant: Variant;
  /** Asterisk CPU seconds per second of the window. */
  load: number;
  writeFormat: string;
}

/** One long prompt per variant folder: <tmp>/<variant>/long.<ext>. */
function preparePrompts(tmp: string): Record<Variant, string> {
  const source = join(PROMPT_DIR, 'zh', 'menu-main-full.wav');
  if (!existsSync(source)) throw new Error(`no ${source}: run \`bash ops/stack.sh prompts\` first`);
  const seconds = Number(execFileSync('soxi', ['-D', source]).toString().trim());
  const long = join(tmp, 'long.wav');
  execFileSync('sox', [source, long, 'repeat', String(Math.ceil((WINDOW_S + 20) / seconds))]);
  const dirs = {} as Record<Variant, string>;
  for (const variant of VARIANTS) {
    const dir = join(tmp, variant);
    mkdirSync(dir);
    for (const ext of FILES[variant]) {
      const type = ext === 'wav' ? 'wav' : ext === 'ulaw' ? 'ul' : 'al';
      execFileSync('sox', [long, '-t', type, join(dir, `long.${ext}`)]);
    }
    dirs[variant] = dir;
  }
  chmodSync(tmp, 0o755);
  return dirs;
}

interface Call {
  channel: string;
  /**
   * The Asterisk threads that appeared while this call was set up and still run: the channel's own thread, which
   * runs the Stasis app, reads the prompt file, translates and writes each frame (RTP included).
   */
  threads: number[];
}

/** Calls the N phones one after the other; resolves once all are up in the bench's app. */
async function callPhones(app: AriObserver, pid: number): Promise<Call[]> {
  const calls: Call[] = [];
  for (let i = 0; i < CALLS; i++) {
    const from = app.events.length;
    const before = threads(pid);
    const endpoint = `PJSIP/trunk/sip:listener${i}@127.0.0.1:${SIP_PORT}`;
    await ari(
      'POST',
      `/channels?endpoint=${encodeURIComponent(endpoint)}&app=${APP}&callerId=bench&timeout=15`,
    );
    const [start] = await app.waitCount(from, (e) => e.type === 'StasisStart', 1, 15_000, 'call answered');
    calls.push({ channel: start!.channel!.id, threads: [...threads(pid)].filter((t) => !before.has(t)) });
  }
  await sleep(500);
  const alive = threads(pid);
  for (const call of calls) call.threads = call.threads.filter((t) => alive.has(t));
  const owned = calls.filter((c) => c.threads.length === 1).length;
  console.log(`${owned} of ${CALLS} calls have exactly one thread of their own`);
  return calls;
}

/** Plays `variant` to every call (nothing for `none`) over one window; stops the playbacks after it. */
async function playWindow(app: AriObserver, pid: number, channels: string[], variant: Variant, dir: string) {
  const from = app.events.length;
  let writeFormat = '–';
  const playbacks: string[] = [];
  if (variant !== 'none') {
    const media = encodeURIComponent(`sound:${dir}/long`);
    for (const id of channels) {
      const playback = (await ari('POST', `/channels/${id}/play?media=${media}`)) as { id: string };
      playbacks.push(playback.id);
    }
    await app.waitCount(from, (e) => e.type === 'PlaybackStarted', CALLS, 20_000, 'playbacks started');
    const format = (await ari(
      'GET',
      `/channels/${channels[0]}/variable?variable=${encodeURIComponent('CHANNEL(audiowriteformat)')}`,
    )) as { value: string };
    writeFormat = format.value;
  }
  await sleep(500);
  const cpu0 = asteriskCpu(pid);
  const t0 = performance.now();
  await sleep(WINDOW_S * 1000);
  const cpu1 = asteriskCpu(pid);
  const load = (cpu1 - cpu0) / ((performance.now() - t0) / 1000);
  const ended = app.events.slice(from).filter((e) => e.type === 'PlaybackFinished').length;
  if (ended > 0) throw new Error(`${ended} playbacks of ${variant} ended within the window`);
  if (playbacks.length > 0) {
    const stopping = app.events.length;
    for (const id of playbacks) await ari('DELETE', `/playbacks/${id}`).catch(() => undefined);
    await app.waitCount(stopping, (e) => e.type === 'PlaybackFinished', CALLS, 20_000, 'playbacks stopped');
  }
  return { variant, load, writeFormat };
}

/**
 * One window in which half the calls hear the .wav prompt and the other half `other`, at the same time: the CPU
 * of each call's own thread, per call-minute, for each half. The same load on the machine for both halves.
 */
async function pairedWindow(
  app: AriObserver,
  pid: number,
  calls: Call[],
  other: Variant,
  dirs: Record<Variant, string>,
  swap: boolean,
): Promise<{ wav: number; other: number }> {
  const measured = calls.filter((c) => c.threads.length === 1);
  const variantOf = (i: number): Variant => ((i % 2 === 0) !== swap ? 'wav' : other);
  const from = app.events.length;
  const playbacks: string[] = [];
  for (const [i, call] of measured.entries()) {
    const media = encodeURIComponent(`sound:${dirs[variantOf(i)]}/long`);
    const playback = (await ari('POST', `/channels/${call.channel}/play?media=${media}`)) as { id: string };
    playbacks.push(playback.id);
  }
  await app.waitCount(
    from,
    (e) => e.type === 'PlaybackStarted',
    measured.length,
    20_000,
    'playbacks started',
  );
  await sleep(500);
  const cpu0 = measured.map((c) => threadCpu(pid, c.threads[0]!));
  const t0 = performance.now();
  await sleep(PAIRED_WINDOW_S * 1000);
  const cpu1 = measured.map((c) => threadCpu(pid, c.threads[0]!));
  const minutes = (performance.now() - t0) / 60_000;
  const ended = app.events.slice(from).filter((e) => e.type === 'PlaybackFinished').length;
  if (ended > 0) throw new Error(`${ended} playbacks ended within the paired window`);
  const stopping = app.events.length;
  for (const id of playbacks) await ari('DELETE', `/playbacks/${id}`).catch(() => undefined);
  await app.waitCount(
    stopping,
    (e) => e.type === 'PlaybackFinished',
    measured.length,
    20_000,
    'playbacks stopped',
  );
  const perCall = (variant: Variant) => {
    const used = measured.flatMap((_, i) => (variantOf(i) === variant ? [cpu1[i]! - cpu0[i]!] : []));
    return (used.reduce((a, b) => a + b, 0) / used.length / minutes) * 1000;
  };
  return { wav: perCall('wav'), other: perCall(other) };
}

async function main(): Promise<void> {
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
  asteriskCpu(pid); // fails now if Asterisk is not running
  const tmp = mkdtempSync(join(tmpdir(), 'hotline-prompt-format-'));
  const scenario = fileURLToPath(new URL('../ops/sipp/prompt_listener.xml', import.meta.url));
  const [pt, name] = CODEC === 'alaw' ? ['8', 'PCMA'] : ['0', 'PCMU'];
  const sipp = spawn(
    'sipp',
    [
      ...['-sf', scenario, '-key', 'pt', pt, '-key', 'codec', name],
      ...['-i', '127.0.0.1', '-p', String(SIP_PORT), '-mi', '127.0.0.1', '-mp', String(RTP_PORT), '-nostdin'],
    ],
    { stdio: 'ignore', cwd: tmp },
  );
  const app = await AriObserver.connect({ app: APP });
  const windows: Window[] = [];
  let calls: Call[];
  let channels: string[] = [];
  let idle = 0;
  const paired: { other: Variant; wav: number[]; otherCpu: number[] }[] = [];
  try {
    const dirs = preparePrompts(tmp);
    await sleep(500);
    const cpu0 = asteriskCpu(pid);
    await sleep(WINDOW_S * 1000);
    idle = (asteriskCpu(pid) - cpu0) / WINDOW_S;
    calls = await callPhones(app, pid);
    channels = calls.map((c) => c.channel);
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // a different order each cycle, so a drift of the machine's load does not favour one variant
      const order = VARIANTS.map((_, i) => VARIANTS[(i + cycle) % VARIANTS.length]!);
      for (const variant of order) {
        const w = await playWindow(app, pid, channels, variant, dirs[variant]);
        console.log(
          `cycle ${cycle + 1} ${variant}: Asterisk ${(w.load * 100).toFixed(1)} % of a core, write format ${w.writeFormat}`,
        );
        windows.push(w);
      }
    }
    for (const other of ['ulaw', 'alaw', 'all'] as const) {
      const pair = { other, wav: [] as number[], otherCpu: [] as number[] };
      for (let w = 0; w < PAIRED_WINDOWS; w++) {
        const r = await pairedWindow(app, pid, calls, other, dirs, w % 2 === 1);
        console.log(
          `paired ${w + 1} wav/${other}: ${r.wav.toFixed(1)} / ${r.other.toFixed(1)} CPU ms per call-minute (call threads)`,
        );
        pair.wav.push(r.wav);
        pair.otherCpu.push(r.other);
      }
      paired.push(pair);
    }
  } finally {
    const from = app.events.length;
    for (const id of channels) await ari('DELETE', `/channels/${id}`).catch(() => undefined);
    await app
      .waitCount(from, (e) => e.type === 'StasisEnd', channels.length, 20_000, 'calls ended')
      .catch((err: unknown) => console.error(err));
    await app.close();
    sipp.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  }

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const stdErr = (xs: number[]) =>
    Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1) / xs.length);
  /** CPU ms per call-minute from a load (CPU s per s). */
  const perCallMinute = (load: number) => ((load * 60) / CALLS) * 1000;
  const none = windows.filter((w) => w.variant === 'none').map((w) => w.load);
  // each playing window paired with the `none` window of the same cycle: the cost of playing, per call-minute
  const playing = (variant: Variant) =>
    windows.filter((w) => w.variant === variant).map((w, cycle) => perCallMinute(w.load - none[cycle]!));
  const wav = mean(playing('wav'));
  const summary = VARIANTS.map((variant) => {
    const runs = windows.filter((w) => w.variant === variant);
    const play = variant === 'none' ? [] : playing(variant);
    return {
      variant,
      total: perCallMinute(mean(runs.map((w) => w.load)) - idle),
      play: play.length ? mean(play) : null,
      playErr: play.length > 1 ? stdErr(play) : null,
      writeFormat: [...new Set(runs.map((w) => w.writeFormat))].join('/'),
    };
  });

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
  const asterisk = execFileSync('/usr/sbin/asterisk', ['-V']).toString().trim();
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const rows = summary.map(
    (s) =>
      `| ${date} UTC | ${CALLS} | ${CODEC} | ${s.variant === 'none' ? 'none (calls held, silent)' : `${s.variant} (${FILES[s.variant].map((e) => `.${e}`).join(' ')})`} | ` +
      `${s.writeFormat} | ${s.total.toFixed(1)} | ` +
      `${s.play === null ? '–' : `${s.play.toFixed(1)} ± ${(s.playErr ?? 0).toFixed(1)}`} | ` +
      `${s.play === null || s.variant === 'wav' ? '–' : `${(((wav - s.play) / wav) * 100).toFixed(0)} %`} | ` +
      `${CYCLES} × ${WINDOW_S} s | ${(idle * 100).toFixed(1)} % | ${machine}; ${asterisk}; node ${process.version} |`,
  );
  const pairedRows = paired.map((p) => {
    // the saving: the mean of the paired differences over the mean .wav cost, ± the standard error of that mean
    const wavMean = mean(p.wav);
    const diffs = p.wav.map((w, i) => w - p.otherCpu[i]!);
    const saving = (mean(diffs) / wavMean) * 100;
    const err = diffs.length > 1 ? (stdErr(diffs) / wavMean) * 100 : 0;
    const format = summary.find((s) => s.variant === p.other)!.writeFormat;
    return (
      `| ${date} UTC | ${CALLS} | ${CODEC} | .wav / ${FILES[p.other].map((e) => `.${e}`).join(' ')} | slin / ${format} | ` +
      `${wavMean.toFixed(1)} | ${mean(p.otherCpu).toFixed(1)} | ${saving.toFixed(1)} % ± ${err.toFixed(1)} | ` +
      `${PAIRED_WINDOWS} × ${PAIRED_WINDOW_S} s | ${machine}; ${asterisk}; node ${process.version} |`
    );
  });
  console.log(`machine: ${machine}; ${asterisk}; node ${process.version}`);
  console.log(
    'Asterisk CPU ms per call-minute: total (minus idle), playing (minus the silent calls) ± std error:',
  );
  for (const row of rows) console.log(row);
  console.log(
    "Paired windows, CPU ms per call-minute of the calls' own threads: .wav half, other half, saving:",
  );
  for (const row of pairedRows) console.log(row);
  if (values['print-only']) return;

  const file = new URL('./RESULTS.md', import.meta.url);
  const heading = '## Prompt format: Asterisk CPU for G.711 callers (bench/prompt-format.ts)';
  const pairedHeading = '**Paired, per call thread.**';
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  if (!text.includes(heading)) {
    const section =
      `${heading}\n\n` +
      `N listening phones (sipp, one G.711 codec) are called by Asterisk into a bench Stasis app (no hotline code) ` +
      `and stay up; in windows taking turns, every call is played one long prompt stored as .wav only (8 kHz ` +
      `16-bit, translated to the caller's codec on every frame), .ulaw only, .alaw only, or all three as ` +
      `\`ops/stack.sh prompts\` writes them, or nothing (\`none\`). Asterisk's CPU is utime + stime of its process ` +
      `(/proc). **total**: CPU ms per call-minute minus Asterisk's idle CPU (no calls); **playing**: minus the ` +
      `silent window of the same cycle, i.e. what playing the prompt costs (mean ± standard error over the cycles). ` +
      `**write format**: \`CHANNEL(audiowriteformat)\` during playback, the format Asterisk read from disk. ` +
      `Reproduce: \`flock -o /tmp/hotline-stack.lock npm run bench:prompts\` (add \`-- --codec ulaw\` for ulaw callers).\n\n` +
      `| date | calls | caller codec | prompt files | write format | total CPU ms per call-minute | playing CPU ms per call-minute | saving on playing vs .wav | windows | Asterisk idle | machine |\n` +
      `|---|---|---|---|---|---|---|---|---|---|---|\n`;
    // right after the title, so that sections which append their rows at the end of the file stay last
    const title = text.indexOf('\n') + 1;
    text = `${text.slice(0, title)}\n${section}\n${text.slice(title).replace(/^\n/, '')}`;
  }
  // the new rows go at the end of this section's first table, the paired ones at the end of its second
  const start = text.indexOf(heading);
  const lines = text.slice(start).split('\n');
  const tableEnd = (after: number) => {
    let i = lines.findIndex((l, n) => n > after && l.startsWith('|---')) + 1;
    while (i < lines.length && lines[i]!.startsWith('|')) i++;
    return i;
  };
  let end = tableEnd(0);
  lines.splice(end, 0, ...rows);
  end += rows.length;
  if (lines.findIndex((l) => l.startsWith(pairedHeading)) < 0) {
    lines.splice(
      end,
      0,
      '',
      `${pairedHeading} The figures above compare windows one after the other, and the machine's load moves ` +
        `between them by more than the saving. Here half the calls hear the .wav prompt and the other half the ` +
        `other format in the same window (the halves swap every window), and the CPU counted is that of each ` +
        `call's own Asterisk thread (the one that reads the file, translates and sends each frame), found when ` +
        `the call was set up.`,
      '',
      '| date | calls | caller codec | prompt files | write format | .wav half: CPU ms per call-minute | other half | saving (± std error) | windows | machine |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
  }
  const pairedAt = lines.findIndex((l) => l.startsWith(pairedHeading));
  lines.splice(tableEnd(pairedAt), 0, ...pairedRows);
  writeFileSync(file, text.slice(0, start) + lines.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
