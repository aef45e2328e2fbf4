// Sees SIP packets arrive at the agents' phones, with the kernel's timestamp, using tcpdump on loopback.
// sipp buffers its own message trace, so the capture is the honest "when did the phone receive the INVITE".
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { eventually, PHONE_BASE_PORT } from './env.ts';

export interface CapturedInvite {
  /** epoch ms, microsecond precision */
  at: number;
  port: number;
  callId: string | null;
}

export class SipCapture {
  readonly invites: CapturedInvite[] = [];
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.#child = child;
    let current: CapturedInvite | null = null;
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const header = /^(\d+\.\d+) IP \S+ > [\d.]+\.(\d+): UDP/.exec(line);
      if (header) {
        current = { at: Number(header[1]) * 1000, port: Number(header[2]), callId: null };
        return;
      }
      if (!current) return;
      if (line.includes('INVITE sip:') && !this.invites.includes(current)) this.invites.push(current);
      const id = /X-Hotline-Call:\s*([0-9a-f-]{36})/i.exec(line);
      if (id) current.callId = id[1]!;
    });
  }

  /** Starts capturing packets to the phone ports of seats 1..9; resolves once tcpdump listens. */
  static async start(): Promise<SipCapture> {
    const child = spawn(
      'tcpdump',
      [
        '-i',
        'lo',
        '-l',
        '-n',
        '-tt',
        '-A',
        '-s',
        '0',
        `udp and dst portrange ${PHONE_BASE_PORT + 1}-${PHONE_BASE_PORT + 9}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await eventually(() => stderr.includes('listening on'), 'tcpdump to listen', 10_000, 20).catch(() => {
      throw new Error(`tcpdump did not start: ${stderr}`);
    });
    return new SipCapture(child);
  }

  /** When the INVITE of the call reached the phone of the given seat. */
  async inviteFor(seat: number, callId: string, timeoutMs = 15_000): Promise<number> {
    const invite = await eventually(
      () => this.invites.find((i) => i.port === PHONE_BASE_PORT + seat && i.callId === callId),
      `an INVITE for call ${callId} at agent${seat}'s phone`,
      timeoutMs,
      20,
    );
    return invite.at;
  }

  stop(): void {
    this.#child.kill('SIGTERM');
  }
}
