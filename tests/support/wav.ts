// WAV files made in a test: a RIFF/WAVE header with one `fmt ` chunk and one `data` chunk, and tone bursts as
// 16-bit PCM, so a test knows exactly what a recorded notice holds and can look for it in what an owner hears.

/** A WAV file's bytes: `fmt` fields as given, `data` as given (its declared size may differ: a cut file). */
export function wavFile(opts: {
  format?: number;
  channels?: number;
  sampleRate?: number;
  bits?: number;
  data: Buffer;
  /** The data chunk's declared size (defaults to the data's length). */
  declaredDataBytes?: number;
  /** A LIST chunk before the data (as editors write), of this many bytes. */
  listBytes?: number;
}): Buffer {
  const format = opts.format ?? 1;
  const channels = opts.channels ?? 1;
  const rate = opts.sampleRate ?? 8000;
  const bits = opts.bits ?? 16;
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'ascii');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(format, 8);
  fmt.writeUInt16LE(channels, 10);
  fmt.writeUInt32LE(rate, 12);
  fmt.writeUInt32LE((rate * channels * bits) / 8, 16);
  fmt.writeUInt16LE((channels * bits) / 8, 20);
  fmt.writeUInt16LE(bits, 22);
  const list = opts.listBytes ? Buffer.alloc(8 + opts.listBytes + (opts.listBytes % 2)) : Buffer.alloc(0);
  if (opts.listBytes) {
    list.write('LIST', 0, 'ascii');
    list.writeUInt32LE(opts.listBytes, 4);
  }
  const dataHead = Buffer.alloc(8);
  dataHead.write('data', 0, 'ascii');
  dataHead.writeUInt32LE(opts.declaredDataBytes ?? opts.data.length, 4);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'ascii');
  riff.writeUInt32LE(4 + fmt.length + list.length + dataHead.length + opts.data.length, 4);
  riff.write('WAVE', 8, 'ascii');
  return Buffer.concat([riff, fmt, list, dataHead, opts.data]);
}

/**
 * 16-bit mono PCM at `sampleRate`: `bursts` times a tone of `hz` for `onMs` then silence for `offMs` (the
 * pattern a test recognises in the RTP an owner receives).
 */
export function toneBursts(opts: {
  hz: number;
  onMs: number;
  offMs: number;
  bursts: number;
  sampleRate?: number;
  amplitude?: number;
}): Buffer {
  const rate = opts.sampleRate ?? 8000;
  const on = Math.round((rate * opts.onMs) / 1000);
  const off = Math.round((rate * opts.offMs) / 1000);
  const samples = Buffer.alloc((on + off) * opts.bursts * 2);
  let i = 0;
  for (let b = 0; b < opts.bursts; b++) {
    for (let n = 0; n < on; n++, i++)
      samples.writeInt16LE(
        Math.round((opts.amplitude ?? 12000) * Math.sin((2 * Math.PI * opts.hz * n) / rate)),
        i * 2,
      );
    i += off;
  }
  return samples;
}

/** `seconds` of silence, 8 kHz 16-bit mono, as Asterisk records a call or a comment. */
export function silentWav(seconds: number): Buffer {
  return wavFile({ data: Buffer.alloc(Math.round(8000 * seconds) * 2) });
}
