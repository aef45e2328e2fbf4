// A notice campaign's uploaded recording (cti/notice-recording-routes.ts), made into a prompt on this Asterisk node:
// before the first call of a campaign with a recording is dialled here, the WAV's bytes are read from the database
// (the nodes share no disk) and sox makes them 8 kHz mono .wav/.ulaw/.alaw in `<prompt folder>/notices/
// rec-<sha256>.*`. A recording never changes under its id, so each node reads it once; its files are named by
// its hash. A recording that is gone or cannot be converted is logged, and the call plays the text instead.
import { writeFileSync } from 'node:fs';
import type { Logger } from '../core/index.ts';
import { noticeRecordingAudio, noticeRecordingSha, type Queryable } from '../db/index.ts';
import { NoticeFiles, run } from './notice-speech.ts';

export class NoticeAudio {
  readonly #db: Queryable;
  readonly #log: Logger;
  readonly #files: NoticeFiles;
  /** Recording id -> its files' name (`rec-<sha256>`), once known. */
  readonly #names = new Map<number, string>();

  constructor(promptDir: string, db: Queryable, log: Logger) {
    this.#db = db;
    this.#log = log.child({ component: 'notice-audio' });
    this.#files = new NoticeFiles(promptDir, this.#log);
  }

  /** The prompt id (`notices/rec-<sha256>`) of the recording, made once; null when it cannot be played. */
  async prepare(recordingId: number): Promise<string | null> {
    let name = this.#names.get(recordingId);
    if (name === undefined) {
      const sha = await noticeRecordingSha(this.#db, recordingId).catch((err: unknown) => {
        this.#log.error(
          { err: (err as Error).message, recording: recordingId },
          'could not read the recording',
        );
        return null;
      });
      if (sha === null) {
        this.#log.error({ recording: recordingId }, 'the notice recording is gone; playing the text instead');
        return null;
      }
      name = `rec-${sha}`;
      this.#names.set(recordingId, name);
    }
    return this.#files.ensure(
      name,
      async (tmp) => {
        const rec = await noticeRecordingAudio(this.#db, recordingId);
        if (!rec) throw new Error(`notice recording ${recordingId} is gone`);
        writeFileSync(`${tmp}.src.wav`, rec.audio);
        // 8 kHz mono 16-bit, as the generated prompts; a stereo recording is mixed down
        await run('sox', [
          ...['-q', '-V1', `${tmp}.src.wav`, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer'],
          `${tmp}.wav`,
        ]);
        this.#log.info(
          { recording: recordingId, file: name, bytes: rec.audio.length },
          'notice recording made',
        );
      },
      'could not make the notice recording into a prompt; playing the text instead',
    );
  }
}
