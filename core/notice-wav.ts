// A recorded notice (issue 6): the WAV file a team leader uploads for a notice campaign, judged by its bytes (never
// by the type the browser claims). What is taken: a RIFF/WAVE file whose `fmt ` chunk says PCM (8 or 16 bit),
// A-law or mu-law, mono or stereo, 8,000 to 48,000 Hz, with a `data` chunk of at least one frame, at most
// MAX_NOTICE_SECONDS long. The Asterisk node makes it an 8 kHz mono prompt with sox (ivr/notice-audio.ts).
// Pure: no I/O.

/** The longest recording taken (a notice is a short announcement; the call's flow offers to hear it again). */
export const MAX_NOTICE_SECONDS = 180;
/**
 * The largest upload taken. Three minutes fit in it as 16-bit mono up to 22,050 Hz (7.9 MB) or A-law at any rate
 * up to 44.1 kHz; a CD-quality stereo export (10.6 MB a minute) does not: the refusal says to save it as mono.
 */
export const MAX_NOTICE_MB = 8;

/** WAVE format codes taken (`fmt ` chunk): PCM, A-law, mu-law; WAVE_FORMAT_EXTENSIBLE with one of them. */
const PCM = 1;
const ALAW = 6;
const MULAW = 7;
const EXTENSIBLE = 0xfffe;

export type NoticeWavEncoding = 'pcm' | 'alaw' | 'mulaw';

export interface NoticeWav {
  encoding: NoticeWavEncoding;
  channels: 1 | 2;
  sampleRate: number;
  bitsPerSample: number;
  /** Bytes of audio (the data chunk, as far as the file holds it). */
  dataBytes: number;
  durationMs: number;
}

/** Why a file is refused: `type` (415: not a WAV, or a WAV this product does not play) or `content` (400). */
export type NoticeWavCheck = { ok: true; wav: NoticeWav } | { ok: false; status: 400 | 415; message: string };

const NOT_WAV =
  '这不是 WAV 录音文件,请上传 WAV 格式(PCM、A-law 或 μ-law)/ This is not a WAV file: upload a WAV recording (PCM, A-law or mu-law).';

const refuse = (status: 400 | 415, message: string): NoticeWavCheck => ({ ok: false, status, message });

const ascii = (bytes: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...bytes.subarray(from, to));

/** The name of a WAVE format code that is not taken, for the refusal. */
function formatName(code: number): string {
  switch (code) {
    case 3:
      return '32 位浮点 / 32-bit float';
    case 0x55:
      return 'MP3';
    case 2:
    case 0x11:
      return 'ADPCM';
    case 0x31:
      return 'GSM 6.10';
    default:
      return `0x${code.toString(16)}`;
  }
}

/** Reads a WAV file's chunks and says whether it is a recording a notice can play, and how long it is. */
export function readNoticeWav(bytes: Uint8Array): NoticeWavCheck {
  const totalBytes = bytes.length;
  if (totalBytes === 0) return refuse(400, '文件为空 / The file is empty: there is no recording in it.');
  if (bytes.length < 12 || ascii(bytes, 0, 4) !== 'RIFF' || ascii(bytes, 8, 12) !== 'WAVE')
    return refuse(415, NOT_WAV);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: { code: number; channels: number; rate: number; blockAlign: number; bits: number } | null = null;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = ascii(bytes, at, at + 4);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) return refuse(415, NOT_WAV);
      if (body + 16 > bytes.length) break;
      let code = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID
      if (code === EXTENSIBLE && size >= 40 && body + 26 <= bytes.length)
        code = view.getUint16(body + 24, true);
      fmt = {
        code,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) return refuse(415, NOT_WAV);
      return checkFormat(fmt, Math.min(size, totalBytes - body));
    }
    at = body + size + (size % 2); // chunks are padded to an even length
  }
  return refuse(400, '录音文件不完整(没有音频数据)/ The WAV file is cut short: it has no audio data.');
}

function checkFormat(
  fmt: { code: number; channels: number; rate: number; blockAlign: number; bits: number },
  dataBytes: number,
): NoticeWavCheck {
  const encoding: NoticeWavEncoding | null =
    fmt.code === PCM ? 'pcm' : fmt.code === ALAW ? 'alaw' : fmt.code === MULAW ? 'mulaw' : null;
  if (!encoding)
    return refuse(
      415,
      `不支持此录音编码(${formatName(fmt.code)}),请另存为 PCM 16 位 WAV / This WAV encoding (${formatName(fmt.code)}) is not taken: save it as 16-bit PCM WAV.`,
    );
  const bitsOk = encoding === 'pcm' ? fmt.bits === 8 || fmt.bits === 16 : fmt.bits === 8;
  if (!bitsOk)
    return refuse(
      415,
      `不支持 ${fmt.bits} 位采样,请另存为 16 位 PCM WAV / ${fmt.bits}-bit samples are not taken: save it as 16-bit PCM WAV.`,
    );
  if (fmt.channels !== 1 && fmt.channels !== 2)
    return refuse(
      415,
      `不支持 ${fmt.channels} 声道,请用单声道或立体声 / ${fmt.channels} channels are not taken: use mono or stereo.`,
    );
  if (fmt.rate < 8000 || fmt.rate > 48000)
    return refuse(
      415,
      `采样率 ${fmt.rate} Hz 不支持(8000–48000 Hz)/ A sample rate of ${fmt.rate} Hz is not taken (8,000 to 48,000 Hz).`,
    );
  const frameBytes = (fmt.bits / 8) * fmt.channels;
  const frames = Math.floor(Math.max(0, dataBytes) / frameBytes);
  if (frames === 0) return refuse(400, '录音没有声音数据 / The recording is empty: it holds no audio.');
  const durationMs = Math.round((frames * 1000) / fmt.rate);
  if (durationMs > MAX_NOTICE_SECONDS * 1000)
    return refuse(
      400,
      `录音过长(${Math.round(durationMs / 1000)} 秒),最长 ${MAX_NOTICE_SECONDS / 60} 分钟 / The recording is too long (${Math.round(durationMs / 1000)} s): at most ${MAX_NOTICE_SECONDS / 60} minutes.`,
    );
  return {
    ok: true,
    wav: {
      encoding,
      channels: fmt.channels,
      sampleRate: fmt.rate,
      bitsPerSample: fmt.bits,
      dataBytes: frames * frameBytes,
      durationMs,
    },
  };
}
