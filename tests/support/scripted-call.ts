// An owner's call played by sipp, keyed by the test: sipp dials the hotline and then waits; each `press()` lets
// it send the next group of keys (SIP INFO or RFC 2833 telephone-events), so a test presses keys when it has seen
// (through ARI) that the caller is hearing the right prompt, rather than after guessed delays.
//
// How the test reaches sipp: the call's Call-ID is chosen with -cid_str (sipp routes messages by the Call-ID it
// generated, so the scenario must use [call_id]); the test sends a SIP NOTIFY in that dialog to sipp's port, which the scenario waits for before each group (and before hanging
// up). Asterisk hanging up first (the flow ended) is answered at any of those points.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, PORT_SHIFT } from './env.ts';
import type { AriObserver } from './ari-observer.ts';
import type { SippResult } from './phones.ts';
import { writeKeyPcap } from './rtp-events.ts';

const SIP_PORT = Number(env.HOTLINE_SIP_PORT ?? 5160);
/** Debian's sip-tester ships a recording of G.711 audio, sent before the first RFC 2833 key. */
const PCAP_DIR = '/usr/share/sip-tester';

/** Scripted owners use SIP ports 5600-5690 and media ports from 16000 (moved by PORT_SHIFT). */
const SCRIPTED_BASE = 5600 + PORT_SHIFT;
let nextPort = SCRIPTED_BASE;

export interface ScriptedCall {
  /** sipp's Call-ID, to find the call in Asterisk. */
  readonly sipCallId: string;
  /** Lets sipp send the next group of keys. */
  press(): Promise<void>;
  /** Lets sipp hang up (after the groups were pressed). */
  hangup(): Promise<void>;
  /** sipp's exit: 0 when the call went as scripted, including a hang-up by the hotline. */
  readonly done: Promise<SippResult>;
  stop(): void;
}

export function scriptedCall(opts: {
  /** The caller's number, or 'anonymous' for a withheld one. */
  caller: string;
  dialled: string;
  /** The key groups, in order: ['1', '31502#', '8000#']. */
  keys: string[];
  dtmf: 'info' | 'rfc2833';
  /** Longest the call may last, in seconds. */
  limitS?: number;
  /** The Asterisk's SIP port (the second node's); the first's by default. */
  sipPort?: number;
}): ScriptedCall {
  nextPort = nextPort >= SCRIPTED_BASE + 90 ? SCRIPTED_BASE : nextPort + 2;
  const port = nextPort;
  const tag = `scripted-${randomUUID()}`;
  // sipp fills %u with the call number: 1, the only call of this sipp
  const sipCallId = `${tag}-1@127.0.0.1`;
  const dir = mkdtempSync(join(tmpdir(), 'hotline-call-'));
  const file = join(dir, 'call.xml');
  writeFileSync(file, scenario(opts, dir));
  const child = spawn(
    'sipp',
    [
      `127.0.0.1:${opts.sipPort ?? SIP_PORT}`,
      ...['-sf', file, '-s', opts.dialled, '-i', '127.0.0.1', '-p', String(port)],
      ...['-mi', '127.0.0.1', '-mp', String(16000 + PORT_SHIFT * 5 + (port - SCRIPTED_BASE) * 5)],
      ...['-cid_str', `${tag}-%u@%s`],
      ...['-m', '1', '-nostdin', '-timeout', `${opts.limitS ?? 90}s`, '-timeout_error'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const done = new Promise<SippResult>((resolve) => {
    child.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: code ?? -1, output });
    });
  });
  let cseq = 100;
  const notify = async (what: string) => {
    const socket = createSocket('udp4');
    const message = [
      `NOTIFY sip:${opts.caller}@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port + 1000};branch=z9hG4bK-${randomUUID()}`,
      `From: <sip:test@127.0.0.1>;tag=test`,
      `To: <sip:${opts.caller}@127.0.0.1>`,
      `Call-ID: ${sipCallId}`,
      `CSeq: ${++cseq} NOTIFY`,
      `Event: hotline-test;what=${what}`,
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    await new Promise<void>((resolve, reject) =>
      socket.send(message, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
    socket.close();
  };
  return {
    sipCallId,
    press: () => notify('press'),
    hangup: () => notify('hangup'),
    done,
    stop: () => child.kill('SIGKILL'),
  };
}

/** A test file's scripted calls: each is found in Asterisk when placed, and all are stopped by `stopAll`. */
export class ScriptedCalls {
  readonly #observer: () => AriObserver;
  readonly #calls: ScriptedCall[] = [];

  /** `observer` is asked for at each call (test files connect theirs in beforeAll). */
  constructor(observer: () => AriObserver) {
    this.#observer = observer;
  }

  /** Places the call and finds the caller's channel in Asterisk. */
  async dial(opts: Parameters<typeof scriptedCall>[0]): Promise<{ call: ScriptedCall; channel: string }> {
    const observer = this.#observer();
    const mark = observer.mark();
    const call = scriptedCall(opts);
    this.#calls.push(call);
    return { call, channel: await observer.callerChannel(opts.caller, mark) };
  }

  stopAll(): void {
    for (const call of this.#calls.splice(0)) call.stop();
  }
}

function scenario(opts: { caller: string; keys: string[]; dtmf: 'info' | 'rfc2833' }, dir: string): string {
  const from = `"${opts.caller}" <sip:${opts.caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]`;
  let cseq = 1;
  const inDialog = (method: string, extra: string[] = [], body = '') => `
  <send retrans="500">
    <![CDATA[

      ${method} sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: ${from}
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: ${++cseq} ${method}
      Contact: <sip:${opts.caller}@[local_ip]:[local_port]>
      Max-Forwards: 70
${extra.map((h) => `      ${h}\n`).join('')}      Content-Length: [len]

${body}
    ]]>
  </send>`;
  const ok = `
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>`;
  const waitForTest = `
  <recv request="BYE" optional="true" next="hotline-hung-up"/>
  <recv request="NOTIFY"/>${ok}`;
  let presses = 0;
  const key = (k: string) => {
    if (opts.dtmf === 'info') {
      return `${inDialog('INFO', ['Content-Type: application/dtmf-relay'], `      Signal=${k}\n      Duration=160\n`)}
  <recv response="200"/>`;
    }
    const pcap = join(dir, `key-${presses}.pcap`);
    writeKeyPcap(pcap, k, presses++);
    return `
  <nop><action><exec play_pcap_audio="${pcap}"/></action></nop>`;
  };
  // Keys of a group are spaced as a person presses them (an RFC 2833 press lasts 160 ms); no pause after the
  // last key, as sipp takes a NOTIFY that arrives during a pause for an unexpected message and fails the call.
  const spaced = (group: string) =>
    [...group].map(
      (k, i) => `${i > 0 ? `\n  <pause milliseconds="${opts.dtmf === 'info' ? 120 : 300}"/>` : ''}${key(k)}`,
    );
  const groups = opts.keys.map((group) => `${waitForTest}${spaced(group).join('')}`).join('');
  // RFC 2833 keys travel in RTP: send audio first (as a phone does), so Asterisk has learnt the caller's media
  // source (strictrtp) before the first telephone-event; otherwise the first key can be taken for probation.
  const audio =
    opts.dtmf === 'rfc2833'
      ? `<nop><action><exec play_pcap_audio="${PCAP_DIR}/g711a.pcap"/></action></nop>`
      : '';
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="Scripted owner call">
  <send retrans="500">
    <![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: ${from}
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:${opts.caller}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=sendrecv

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[

      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: ${from}
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:${opts.caller}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  ${audio}
${groups}
${waitForTest}
${inDialog('BYE')}
  <recv response="200" next="end"/>

  <label id="hotline-hung-up"/>${ok}
  <label id="end"/>
</scenario>
`;
}
