// What an owner's phone hears, as sound: tcpdump captures the RTP packets Asterisk sends to the phone's media port
// on loopback, and the G.711 A-law (PCMA, what the owner scenarios offer) payload is decoded and measured in 20 ms
// frames: how much of each frame's energy lies at a given frequency. A test plays a tone pattern in a recording
// and finds that pattern in what the phone received.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './env.ts';

export class RtpCapture {
  readonly #child: ChildProcess;
  readonly #dir: string;
  readonly #file: string;
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess, dir: string, file: string) {
    this.#child = child;
    this.#dir = dir;
    this.#file = file;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Starts capturing UDP packets to `port` on loopback; resolves once tcpdump listens. */
  static async start(port: number): Promise<RtpCapture> {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-rtp-'));
    const file = join(dir, 'rtp.pcap');
    const child = spawn(
      'tcpdump',
      ['-i', 'lo', '-n', '-U', '-s', '0', '-w', file, `udp and dst port ${port}`],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await eventually(() => stderr.includes('listening on'), 'tcpdump to listen', 10_000, 20).catch(() => {
      throw new Error(`tcpdump did not start: ${stderr}`);
    });
    return new RtpCapture(child, dir, file);
  }

  /** Stops the capture and gives the audio received: 8 kHz linear samples, in RTP sequence order. */
  async stop(): Promise<Int16Array> {
    if (this.#child.exitCode === null) this.#child.kill('SIGINT');
    await this.#exited;
    try {
      return decodePcma(rtpPayloads(readFileSync(this.#file), 8));
    } finally {
      rmSync(this.#dir, { recursive: true, force: true });
    }
  }
}

/** The payloads of the RTP packets of `payloadType` in a pcap file, in sequence-number order. */
function rtpPayloads(pcap: Buffer, payloadType: number): Buffer[] {
  const linkType = pcap.readUInt32LE(20);
  // Ethernet (what Linux gives for lo), Linux cooked v1, v2
  const linkBytes = linkType === 1 ? 14 : linkType === 113 ? 16 : linkType === 276 ? 20 : -1;
  if (linkBytes < 0) throw new Error(`pcap link type ${linkType} not read here`);
  const packets: { seq: number; payload: Buffer }[] = [];
  for (let at = 24; at + 16 <= pcap.length;) {
    const captured = pcap.readUInt32LE(at + 8);
    const frame = pcap.subarray(at + 16, at + 16 + captured);
    at += 16 + captured;
    const ip = frame.subarray(linkBytes);
    if (ip.length < 28 || ip[0]! >> 4 !== 4 || ip[9] !== 17) continue;
    const udp = ip.subarray((ip[0]! & 0x0f) * 4);
    const rtp = udp.subarray(8);
    if (rtp.length < 12 || rtp[0]! >> 6 !== 2 || (rtp[1]! & 0x7f) !== payloadType) continue;
    let header = 12 + (rtp[0]! & 0x0f) * 4;
    if (rtp[0]! & 0x10) header += 4 + rtp.readUInt16BE(header + 2) * 4;
    packets.push({ seq: rtp.readUInt16BE(2), payload: rtp.subarray(header) });
  }
  // sequence numbers may wrap: order by the distance from the first
  const first = packets[0]?.seq ?? 0;
  return packets
    .sort((a, b) => ((a.seq - first) & 0xffff) - ((b.seq - first) & 0xffff))
    .map((p) => p.payload);
}

/** G.711 A-law to 16-bit linear. */
function alaw(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a & 0x70) >> 4;
  let mantissa = (a & 0x0f) << 4;
  mantissa += 8;
  if (exponent !== 0) mantissa += 0x100;
  if (exponent > 1) mantissa <<= exponent - 1;
  return a & 0x80 ? mantissa : -mantissa;
}

function decodePcma(payloads: Buffer[]): Int16Array {
  const samples = new Int16Array(payloads.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of payloads) for (const b of p) samples[i++] = alaw(b);
  return samples;
}

/**
 * Per 20 ms frame of 8 kHz audio: true when the frame is loud (RMS above `minRms`) and most of its energy lies at
 * `hz` (Goertzel), i.e. the frame is that tone.
 */
export function toneFrames(samples: Int16Array, hz: number, minRms = 500): boolean[] {
  const N = 160;
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / 8000);
  const frames: boolean[] = [];
  for (let start = 0; start + N <= samples.length; start += N) {
    let s1 = 0;
    let s2 = 0;
    let energy = 0;
    for (let n = 0; n < N; n++) {
      const x = samples[start + n]!;
      energy += x * x;
      const s0 = x + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const power = s1 * s1 + s2 * s2 - coeff * s1 * s2; // |X(hz)|^2
    // a pure tone of amplitude A: energy N·A²/2, power (N·A/2)²: the share is power·2/(N·energy)
    const share = energy === 0 ? 0 : (2 * power) / (N * energy);
    frames.push(Math.sqrt(energy / N) >= minRms && share > 0.6);
  }
  return frames;
}

/** The runs of tone frames: [first frame, length in frames]. */
export function toneRuns(frames: boolean[]): { at: number; frames: number }[] {
  const runs: { at: number; frames: number }[] = [];
  frames.forEach((on, i) => {
    if (!on) return;
    const last = runs.at(-1);
    if (last && last.at + last.frames === i) last.frames++;
    else runs.push({ at: i, frames: 1 });
  });
  return runs;
}
