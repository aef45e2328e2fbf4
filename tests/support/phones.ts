// Real SIP phones played by sipp: owners calling the hotline, and agents' desk phones.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ariGet, env, eventually, PHONE_BASE_PORT, PORT_SHIFT } from './env.ts';

const SCENARIOS = fileURLToPath(new URL('../../ops/sipp/', import.meta.url));
const SIP_PORT = Number(env.HOTLINE_SIP_PORT ?? 5160);
/** The estate hotline (ivr/flows/default.yaml: identification, hours, the full self-service menu). */
export const HOTLINE_NUMBER = '4008200000';
/** The fees line (ivr/flows/fees-line.yaml): caller ID, then 1 for the fee balance or 0 for an agent. */
export const FEES_LINE_NUMBER = '4008200001';

/** Owners' phones use SIP ports 5400-5490 and media ports from 6000 (moved by PORT_SHIFT). */
const CALLER_BASE = 5400 + PORT_SHIFT;
let callerPort = CALLER_BASE;

export interface SippResult {
  code: number;
  output: string;
}

/**
 * An owner's call: dials the fees line (or `dialled`) from `caller`, presses `digit` 1.5 s in (during the fees
 * line's menu), hangs up after `stayMs`. Flows with several steps are keyed with `scriptedCall`.
 */
export function ownerCall(opts: {
  caller: string;
  digit: string;
  /** How long the caller stays after the key; with `untilHangUp`, how long they wait at most for the BYE. */
  stayMs: number;
  dialled?: string;
  /** The Asterisk called (its SIP port): the first one unless given. */
  sipPort?: number;
  /** Stay on the line until the hotline hangs up (the agent ended the call), answering its BYE. */
  untilHangUp?: boolean;
  signal?: AbortSignal;
}): Promise<SippResult> {
  callerPort = callerPort >= CALLER_BASE + 90 ? CALLER_BASE : callerPort + 2;
  const scenario = opts.untilHangUp ? 'owner_call_until_bye.xml' : 'owner_call.xml';
  const args = [
    `127.0.0.1:${opts.sipPort ?? SIP_PORT}`,
    ...['-sf', join(SCENARIOS, scenario), '-s', opts.dialled ?? FEES_LINE_NUMBER],
    ...['-key', 'caller', opts.caller, '-key', 'digit', opts.digit, '-d', String(opts.stayMs)],
    ...[
      '-i',
      '127.0.0.1',
      '-p',
      String(callerPort),
      '-mi',
      '127.0.0.1',
      '-mp',
      String(6000 + PORT_SHIFT * 5 + (callerPort - CALLER_BASE) * 5),
    ],
    ...['-m', '1', '-nostdin', '-timeout', `${Math.ceil(opts.stayMs / 1000) + 30}s`, '-timeout_error'],
  ];
  return run('sipp', args, opts.signal);
}

function run(cmd: string, args: string[], signal?: AbortSignal): Promise<SippResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir(), signal });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => (err.name === 'AbortError' ? undefined : reject(err)));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** The SIP port of agent seat N's desk phone. */
export function agentPhonePort(seat: number): number {
  return PHONE_BASE_PORT + seat;
}

/** The stack's qualify timeout (ops/stack.sh, 1 s) and a margin. */
const QUALIFY_SETTLE_MS = 1500;

export interface AgentPhone {
  seat: number;
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts the desk phone of agent seat N (PJSIP endpoint agentN, port PHONE_BASE + N): it answers after
 * `answerAfterMs`, or never when `answers` is false; with `talkMs` the agent hangs up that long after answering.
 * Resolves once Asterisk (each of `ariUrls`, the first Asterisk unless given) sees it as reachable.
 */
export async function startAgentPhone(
  seat: number,
  opts: { answers?: boolean; answerAfterMs?: number; talkMs?: number; ariUrls?: string[] } = {},
): Promise<AgentPhone> {
  const port = agentPhonePort(seat);
  const scenario =
    opts.answers === false
      ? 'agent_phone_noanswer.xml'
      : opts.talkMs !== undefined
        ? 'agent_phone_talks.xml'
        : 'agent_phone.xml';
  const child: ChildProcess = spawn(
    'sipp',
    [
      ...['-sf', join(SCENARIOS, scenario), '-i', '127.0.0.1', '-p', String(port)],
      ...[
        '-mi',
        '127.0.0.1',
        '-mp',
        String(7000 + PORT_SHIFT * 5 + seat * 10),
        '-aa',
        '-d',
        String(opts.answerAfterMs ?? 300),
      ],
      ...(opts.talkMs !== undefined ? ['-key', 'talk_ms', String(opts.talkMs)] : []),
      '-nostdin',
    ],
    { stdio: 'ignore', cwd: tmpdir() },
  );
  const started = Date.now();
  const online = async () => {
    for (const ariUrl of opts.ariUrls ?? [undefined]) {
      await eventually(
        async () =>
          ((await ariGet(`/endpoints/PJSIP/agent${seat}`, ariUrl)).body as { state?: string } | null)
            ?.state === 'online',
        `agent${seat}'s phone to be reachable from ${ariUrl ?? 'Asterisk'}`,
        20_000,
      );
    }
  };
  await online();
  // A qualify OPTIONS Asterisk sent to this port before the phone bound it (the seat's previous phone had just
  // stopped) times out within the qualify timeout and reports the phone unreachable, after the endpoint already
  // looked online; an agent available by then would be made not ready. Let that pass, then look again.
  const settled = started + QUALIFY_SETTLE_MS - Date.now();
  if (settled > 0) await new Promise((r) => setTimeout(r, settled));
  await online();
  return {
    seat,
    endpoint: `PJSIP/agent${seat}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Where the stack dials outside numbers (ops/stack.sh: HOTLINE_OUTSIDE_DIAL goes to this port). */
const CARRIER_PORT = Number(env.HOTLINE_CARRIER_PORT ?? PHONE_BASE_PORT + 20);

export interface OutsidePhone {
  /** The SIP messages the phone received and sent so far (sipp's message trace). */
  messages(): string;
  stop(): Promise<void>;
}

/**
 * The phone of an outside number a call is transferred to, at the carrier's address: it answers after
 * `answerAfterMs` and waits for the BYE, or with `busy` answers 486 Busy Here. Resolves once it listens.
 */
export async function startOutsidePhone(
  opts: { busy?: boolean; answerAfterMs?: number } = {},
): Promise<OutsidePhone> {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-outside-'));
  const trace = join(dir, 'messages.log');
  const child: ChildProcess = spawn(
    'sipp',
    [
      ...['-sf', join(SCENARIOS, opts.busy ? 'outside_busy.xml' : 'agent_phone.xml')],
      ...[
        '-i',
        '127.0.0.1',
        '-p',
        String(CARRIER_PORT),
        '-mi',
        '127.0.0.1',
        '-mp',
        String(7200 + PORT_SHIFT * 5),
      ],
      ...['-d', String(opts.answerAfterMs ?? 300), '-trace_msg', '-message_file', trace, '-nostdin'],
    ],
    { stdio: 'ignore', cwd: tmpdir() },
  );
  await eventually(
    () =>
      execFileSync('ss', ['-Hlun', `sport = :${CARRIER_PORT}`])
        .toString()
        .trim() !== '',
    `the outside phone to listen on port ${CARRIER_PORT}`,
    10_000,
    50,
  );
  return {
    messages: () => {
      try {
        return readFileSync(trace, 'utf8');
      } catch {
        return '';
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
