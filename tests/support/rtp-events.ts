// RFC 2833 (RFC 4733) telephone-events as pcap files for sipp's play_pcap_audio: one file per key press of a
// call, as a phone sends them. Debian's sip-tester pcaps (dtmf_2833_<key>.pcap) carry a fixed RTP timestamp and
// sequence number per key, so a call pressing 1 twice sends the same event twice and Asterisk takes the second
// for a repeat of the first; here every press gets its own, rising, timestamp and sequence numbers.
import { writeFileSync } from 'node:fs';

/** RFC 4733 event codes of the keypad. */
const EVENT_CODE: Record<string, number> = {
  ...Object.fromEntries([...'0123456789'].map((d) => [d, Number(d)])),
  '*': 10,
  '#': 11,
};

/** The payload type the scripted call's SDP offers for telephone-event. */
const PAYLOAD_TYPE = 101;
const SSRC = 0x0e05384e;
/** 20 ms packets at 8 kHz. */
const STEP = 160;
/** Packets while the key is held (8 × 20 ms = 160 ms), then the end packet, sent three times. */
const HELD_PACKETS = 8;
const END_COPIES = 3;

/**
 * Writes a pcap (Ethernet/IPv4/UDP/RTP, as sipp expects) with the telephone-events of pressing `key`, the
 * `index`-th press of the call (0 for the first): its timestamp and sequence numbers lie after those of every
 * earlier press of the call.
 */
export function writeKeyPcap(file: string, key: string, index: number): void {
  const event = EVENT_CODE[key];
  if (event === undefined) throw new RangeError(`\`${key}\` is not a phone key`);
  const firstSeq = 10_000 + index * 20;
  const timestamp = 200_000 + index * 16_000;
  const packets: Buffer[] = [];
  for (let i = 0; i < HELD_PACKETS + END_COPIES; i++) {
    const end = i >= HELD_PACKETS;
    const n = Math.min(i, HELD_PACKETS); // the end copies repeat the last sequence number and duration
    const seq = firstSeq + n;
    const duration = STEP * n;
    const rtp = Buffer.alloc(16);
    rtp.writeUInt8(0x80, 0); // version 2
    rtp.writeUInt8((i === 0 ? 0x80 : 0) | PAYLOAD_TYPE, 1); // marker on the first packet of the event
    rtp.writeUInt16BE(seq & 0xffff, 2);
    rtp.writeUInt32BE(timestamp, 4);
    rtp.writeUInt32BE(SSRC, 8);
    rtp.writeUInt8(event, 12);
    rtp.writeUInt8((end ? 0x80 : 0) | 10, 13); // end bit, volume -10 dBm0
    rtp.writeUInt16BE(duration, 14);
    // sipp sends packets 20 ms apart by the capture times; the end copies go out together
    packets.push(record(n * 20_000 + (end ? (i - HELD_PACKETS) * 40 : 0), rtp));
  }
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20); // Ethernet
  writeFileSync(file, Buffer.concat([header, ...packets]));
}

/** One captured packet: pcap record header, Ethernet, IPv4 and UDP headers (addresses sipp replaces), RTP. */
function record(atMicroseconds: number, rtp: Buffer): Buffer {
  const udpLength = 8 + rtp.length;
  const ipLength = 20 + udpLength;
  const frame = Buffer.alloc(14 + ipLength);
  frame.writeUInt16BE(0x0800, 12); // IPv4
  const ip = frame.subarray(14);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(ipLength, 2);
  ip.writeUInt8(64, 8); // TTL
  ip.writeUInt8(17, 9); // UDP
  ip.writeUInt32BE(0x7f000001, 12);
  ip.writeUInt32BE(0x7f000001, 16);
  const udp = ip.subarray(20);
  udp.writeUInt16BE(6000, 0);
  udp.writeUInt16BE(6002, 2);
  udp.writeUInt16BE(udpLength, 4);
  rtp.copy(udp, 8);
  const head = Buffer.alloc(16);
  head.writeUInt32LE(Math.floor(atMicroseconds / 1_000_000), 0);
  head.writeUInt32LE(atMicroseconds % 1_000_000, 4);
  head.writeUInt32LE(frame.length, 8);
  head.writeUInt32LE(frame.length, 12);
  return Buffer.concat([head, frame]);
}
