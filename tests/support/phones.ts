// Real SIP phones played by sipp: owners calling the hotline, and agents' desk phones.
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ariGet, env, eventually } from './env.ts';

const SCENARIOS = fileURLToPath(new URL('../../ops/sipp/', import.meta.url));
const PHONE_BASE_PORT = Number(env.HOTLINE_PHONE_BASE_PORT ?? 5170);
const SIP_PORT = Number(env.HOTLINE_SIP_PORT ?? 5160);
/** The estate hotline (ivr/flows/default.yaml: identification, hours, the full self-service menu). */
export const HOTLINE_NUMBER = '4008200000';
/** The fees line (ivr/flows/fees-line.yaml): caller ID, then 1 for the fee balance or 0 for an agent. */
export const FEES_LINE_NUMBER = '4008200001';

let callerPort = 5400;

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
  stayMs: number;
  dialled?: string;
  signal?: AbortSignal;
}): Promise<SippResult> {
  callerPort = callerPort >= 5490 ? 5400 : callerPort + 2;
  const args = [
    `127.0.0.1:${SIP_PORT}`,
    ...['-sf', join(SCENARIOS, 'owner_call.xml'), '-s', opts.dialled ?? FEES_LINE_NUMBER],
    ...['-key', 'caller', opts.caller, '-key', 'digit', opts.digit, '-d', String(opts.stayMs)],
    ...[
      '-i',
      '127.0.0.1',
      '-p',
      String(callerPort),
      '-mi',
      '127.0.0.1',
      '-mp',
      String(6000 + (callerPort - 5400) * 5),
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

export interface AgentPhone {
  seat: number;
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts the desk phone of agent seat N (PJSIP endpoint agentN, port PHONE_BASE + N): it answers after
 * `answerAfterMs`, or never when `answers` is false. Resolves once Asterisk sees it as reachable.
 */
export async function startAgentPhone(
  seat: number,
  opts: { answers?: boolean; answerAfterMs?: number } = {},
): Promise<AgentPhone> {
  const port = PHONE_BASE_PORT + seat;
  const scenario = opts.answers === false ? 'agent_phone_noanswer.xml' : 'agent_phone.xml';
  const child: ChildProcess = spawn(
    'sipp',
    [
      ...['-sf', join(SCENARIOS, scenario), '-i', '127.0.0.1', '-p', String(port)],
      ...[
        '-mi',
        '127.0.0.1',
        '-mp',
        String(7000 + seat * 10),
        '-aa',
        '-d',
        String(opts.answerAfterMs ?? 300),
      ],
      '-nostdin',
    ],
    { stdio: 'ignore', cwd: tmpdir() },
  );
  await eventually(
    async () =>
      ((await ariGet(`/endpoints/PJSIP/agent${seat}`)).body as { state?: string } | null)?.state === 'online',
    `agent${seat}'s phone to be reachable`,
    20_000,
  );
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
