// Owners' phones answering outbound campaign calls, played by sipp at the carrier's side of the trunk: each
// listens on its own port (derived from the stack's port set), and the trunk's dial string of the test sends
// the call there: PJSIP/trunk/sip:{number}@127.0.0.1:<port>.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, PHONE_BASE_PORT, PORT_SHIFT } from './env.ts';

const SCENARIOS = fileURLToPath(new URL('../../ops/sipp/', import.meta.url));

/**
 * What the owner's phone does (ops/sipp/owner_phone_*.xml): answers and presses a key; answers, scores and says
 * a comment; answers and stays silent; answers and hangs up; is busy (486); rings unanswered; rejects (603).
 */
export type OwnerPhoneKind = 'keys' | 'comment' | 'silent' | 'hangs-up' | 'busy' | 'noanswer' | 'rejects';

/** Owner phones use SIP ports PHONE_BASE + 40..59 and media ports from 7300 (moved by PORT_SHIFT). */
const OWNER_SLOTS = 20;
let slot = 0;

export interface OwnerPhone {
  /** The trunk dial string that reaches this phone. */
  dial: string;
  port: number;
  /** Where the phone takes the call's audio (RTP): what the owner hears arrives here. */
  mediaPort: number;
  /** sipp's process id (a benchmark reads its CPU time). */
  pid: number;
  /** Resolves when sipp is done (exit code 0: the call went as scripted) with the SIP messages it saw. */
  done: Promise<{ code: number; messages: string }>;
  /** The SIP messages so far. */
  messages(): string;
  /**
   * Ends sipp gently (SIGUSR1: no new call taken, the calls up finish) and returns every SIP message it saw:
   * sipp writes its trace through a buffer, so messages() of a running sipp may lack the last calls.
   */
  finish(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts one owner's phone for one call. `digit`: the key pressed (keys, comment); `listenMs`: how long the
 * owner listens before pressing it (or hanging up); `commentAfterMs`: from the score to speaking (comment).
 */
export async function startOwnerPhone(
  kind: OwnerPhoneKind,
  opts: {
    digit?: string;
    listenMs?: number;
    commentAfterMs?: number;
    /** Calls it takes before sipp exits (the dialer's retries, a burst), one at a time unless more come. */
    calls?: number;
    /** sipp gives up (exit code 1) after this many seconds (180 by default). */
    timeoutS?: number;
  } = {},
): Promise<OwnerPhone> {
  const n = slot++ % OWNER_SLOTS;
  const port = PHONE_BASE_PORT + 40 + n;
  const dir = mkdtempSync(join(tmpdir(), 'hotline-owner-'));
  const trace = join(dir, 'messages.log');
  const mediaPort = 7300 + PORT_SHIFT * 5 + n * 10;
  const child: ChildProcess = spawn(
    'sipp',
    [
      ...['-sf', join(SCENARIOS, `owner_phone_${kind.replace('-', '_')}.xml`)],
      ...['-i', '127.0.0.1', '-p', String(port)],
      ...['-mi', '127.0.0.1', '-mp', String(mediaPort)],
      ...['-key', 'digit', opts.digit ?? '1'],
      ...['-key', 'comment_after_ms', String(opts.commentAfterMs ?? 8000)],
      ...['-d', String(opts.listenMs ?? 3000)],
      ...[
        '-m',
        String(opts.calls ?? 1),
        '-nostdin',
        '-timeout',
        `${opts.timeoutS ?? 180}s`,
        '-timeout_error',
      ],
      ...['-trace_msg', '-message_file', trace],
    ],
    { stdio: 'ignore', cwd: dir },
  );
  const messages = () => {
    try {
      return readFileSync(trace, 'utf8');
    } catch {
      return '';
    }
  };
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  await eventually(
    () =>
      child.exitCode !== null ||
      execFileSync('ss', ['-Hlun', `sport = :${port}`])
        .toString()
        .trim() !== '',
    `the owner's phone to listen on port ${port}`,
    10_000,
    50,
  );
  return {
    dial: `PJSIP/trunk/sip:{number}@127.0.0.1:${port}`,
    port,
    mediaPort,
    pid: child.pid!,
    done: exited.then((code) => ({ code, messages: messages() })),
    messages,
    finish: async () => {
      if (child.exitCode === null) child.kill('SIGUSR1');
      await exited;
      return messages();
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
