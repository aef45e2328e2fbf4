// The recorded notice's WAV reader (core/notice-wav.ts) on hand-made files: what it takes, how long it says the
// recording is, and the words of each refusal.
import { describe, expect, it } from 'vitest';
import { readNoticeWav } from '../../core/notice-wav.ts';
import { toneBursts, wavFile } from '../support/wav.ts';

describe('a recorded notice’s WAV file', () => {
  it('16-bit PCM mono at 8 kHz: its duration from the data chunk', () => {
    const wav = wavFile({ data: toneBursts({ hz: 1000, onMs: 400, offMs: 600, bursts: 3 }) });
    expect(readNoticeWav(wav)).toEqual({
      ok: true,
      wav: {
        encoding: 'pcm',
        channels: 1,
        sampleRate: 8000,
        bitsPerSample: 16,
        dataBytes: 48000,
        durationMs: 3000,
      },
    });
  });

  it('A-law and mu-law (8 bit), 8-bit PCM; a LIST chunk before the data is skipped', () => {
    const second = Buffer.alloc(8000, 0xd5);
    expect(readNoticeWav(wavFile({ format: 6, bits: 8, data: second }))).toMatchObject({
      ok: true,
      wav: { encoding: 'alaw', durationMs: 1000 },
    });
    expect(readNoticeWav(wavFile({ format: 7, bits: 8, data: second, listBytes: 27 }))).toMatchObject({
      ok: true,
      wav: { encoding: 'mulaw', durationMs: 1000 },
    });
    expect(readNoticeWav(wavFile({ bits: 8, data: second }))).toMatchObject({
      ok: true,
      wav: { encoding: 'pcm', bitsPerSample: 8, durationMs: 1000 },
    });
  });

  it('stereo at 44.1 kHz: frames of four bytes', () => {
    const wav = wavFile({ channels: 2, sampleRate: 44100, data: Buffer.alloc(44100 * 4 * 2) });
    expect(readNoticeWav(wav)).toMatchObject({
      ok: true,
      wav: { channels: 2, sampleRate: 44100, durationMs: 2000, dataBytes: 352800 },
    });
  });

  it('a file cut short: the audio it holds counts; one cut before its data is refused (400)', () => {
    const whole = wavFile({ data: Buffer.alloc(16000) });
    expect(readNoticeWav(whole.subarray(0, 44 + 8000))).toMatchObject({ ok: true, wav: { durationMs: 500 } });
    const cut = readNoticeWav(whole.subarray(0, 30));
    expect(cut).toMatchObject({ ok: false, status: 400 });
    expect(cut.ok || cut.message).toContain('cut short');
    expect(readNoticeWav(whole.subarray(0, 44))).toMatchObject({ ok: false, status: 400 });
  });

  it('MP3 bytes, a text file, an MP3 inside a WAV, 32-bit float: refused as not taken (415), in words', () => {
    const mp3 = Buffer.from([0x49, 0x44, 0x33, 0x04, 0, 0, 0, 0, 0, 0x21, 0xff, 0xfb, 0x90, 0x64]);
    const notWav = readNoticeWav(mp3);
    expect(notWav).toMatchObject({ ok: false, status: 415 });
    expect(notWav.ok || notWav.message).toContain('This is not a WAV file');
    expect(readNoticeWav(Buffer.from('停水通知:3号楼明天停水\n'))).toMatchObject({ ok: false, status: 415 });
    const mp3InWav = readNoticeWav(wavFile({ format: 0x55, bits: 0, data: mp3 }));
    expect(mp3InWav).toMatchObject({ ok: false, status: 415 });
    expect(mp3InWav.ok || mp3InWav.message).toContain('MP3');
    const float = readNoticeWav(wavFile({ format: 3, bits: 32, data: Buffer.alloc(32000) }));
    expect(float).toMatchObject({ ok: false, status: 415 });
    expect(float.ok || float.message).toContain('32-bit float');
  });

  it('sample rates outside 8–48 kHz and 24-bit PCM are refused (415)', () => {
    expect(readNoticeWav(wavFile({ sampleRate: 96000, data: Buffer.alloc(1920) }))).toMatchObject({
      ok: false,
      status: 415,
    });
    expect(readNoticeWav(wavFile({ bits: 24, data: Buffer.alloc(2400) }))).toMatchObject({
      ok: false,
      status: 415,
    });
  });

  it('empty, no audio, longer than 3 minutes: refused (400)', () => {
    expect(readNoticeWav(Buffer.alloc(0))).toMatchObject({ ok: false, status: 400 });
    expect(readNoticeWav(wavFile({ data: Buffer.alloc(0) }))).toMatchObject({ ok: false, status: 400 });
    // four minutes declared and present, 8-bit A-law keeps it small
    const long = readNoticeWav(wavFile({ format: 6, bits: 8, data: Buffer.alloc(240 * 8000) }));
    expect(long).toMatchObject({ ok: false, status: 400 });
    expect(long.ok || long.message).toContain('at most 3 minutes');
  });
});
