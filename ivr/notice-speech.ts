// A notice campaign's own words, spoken: the text a team leader typed ("3号楼明天9点至12点停水检修") is made into
// a sound file on this Asterisk node the first time one of its calls is dialled, with the same voices and sox
// steps as the generated prompts (ops/stack.sh `prompts`: espeak-ng's Mandarin voice cmn-latn-pinyin for a text
// with a Chinese character, en-us otherwise; 8 kHz mono, .wav .alaw .ulaw). The file is named by a hash of the
// text, in `<prompt folder>/notices/`, so an edited text is a new file and every node makes its own.
//
// The flow plays it with `say: announcement` of `${notice.audio}` (ivr/flow/README.md); the prompt library
// names `notices/<hash>` ids as files in that folder.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../core/index.ts';

export const run = promisify(execFile);

/** The longest text spoken (about two minutes of speech). */
const MAX_CHARS = 500;

/**
 * A notice's sound files on this node, `<prompt folder>/notices/<name>.{wav,ulaw,alaw}`: made once per name (two
 * calls of one campaign wait for the same file), under a temporary name renamed when complete, so a call never
 * plays half a file. Shared by the spoken text (NoticeSpeech) and the uploaded recording (ivr/notice-audio.ts).
 */
export class NoticeFiles {
  readonly #dir: string;
  readonly #log: Logger;
  /** Files being made now. */
  readonly #making = new Map<string, Promise<string | null>>();
  /** Files this process has seen complete (no file system look for every call of a campaign). */
  readonly #ready = new Set<string>();

  constructor(promptDir: string, log: Logger) {
    this.#dir = join(promptDir, 'notices');
    this.#log = log;
  }

  /**
   * The prompt id (`notices/<name>`) once the files exist; `make(tmp)` writes `<tmp>.wav` (8 kHz mono 16-bit),
   * the .ulaw and .alaw are made from it. null (logged with `failed`) when they cannot be made.
   */
  async ensure(name: string, make: (tmp: string) => Promise<void>, failed: string): Promise<string | null> {
    const id = `notices/${name}`;
    if (this.#ready.has(name)) return id;
    if (existsSync(join(this.#dir, `${name}.alaw`))) {
      this.#ready.add(name);
      return id;
    }
    let making = this.#making.get(name);
    if (!making) {
      making = this.#make(name, make).then(
        () => {
          this.#ready.add(name);
          return id;
        },
        (err: unknown) => {
          this.#log.error({ err: (err as Error).message, file: name }, failed);
          return null;
        },
      );
      this.#making.set(name, making);
      void making.finally(() => this.#making.delete(name));
    }
    return making;
  }

  async #make(name: string, make: (tmp: string) => Promise<void>): Promise<void> {
    mkdirSync(this.#dir, { recursive: true });
    const tmp = join(this.#dir, `.${name}.${process.pid}`);
    try {
      await make(tmp);
      await run('sox', ['-q', '-V1', `${tmp}.wav`, '-t', 'ul', `${tmp}.ulaw`]);
      await run('sox', ['-q', '-V1', `${tmp}.wav`, '-t', 'al', `${tmp}.alaw`]);
      // the .alaw last: its presence says the set is complete
      for (const ext of ['wav', 'ulaw', 'alaw'])
        renameSync(`${tmp}.${ext}`, join(this.#dir, `${name}.${ext}`));
    } finally {
      for (const ext of ['src.wav', 'wav', 'ulaw', 'alaw']) rmSync(`${tmp}.${ext}`, { force: true });
    }
  }
}

export class NoticeSpeech {
  readonly #files: NoticeFiles;
  readonly #log: Logger;

  /** `promptDir`: the generated prompts' folder (HOTLINE_PROMPT_DIR); the files go into its `notices/`. */
  constructor(promptDir: string, log: Logger) {
    this.#log = log.child({ component: 'notice-speech' });
    this.#files = new NoticeFiles(promptDir, this.#log);
  }

  /**
   * The prompt id (`notices/<hash>`) of the text spoken, made once; null when there is no text or it cannot be
   * spoken here (no espeak-ng or sox): the flow then plays the notice's kind and date only.
   */
  async prepare(text: string): Promise<string | null> {
    const words = text.trim().slice(0, MAX_CHARS);
    if (words === '') return null;
    const hash = createHash('sha1').update(`espeak-ng/sox 1\n${words}`).digest('hex');
    return this.#files.ensure(
      hash,
      async (tmp) => {
        const chinese = /\p{Script=Han}/u.test(words);
        await run('espeak-ng', [
          ...['-v', chinese ? 'cmn-latn-pinyin' : 'en-us', '-s', chinese ? '240' : '180'],
          ...['-w', `${tmp}.src.wav`, words],
        ]);
        await run('sox', [
          ...['-q', '-V1', '-v', '0.8', `${tmp}.src.wav`, '-r', '8000', '-c', '1', '-b', '16', `${tmp}.wav`],
          ...['silence', '1', '0.02', '0.5%', 'reverse', 'silence', '1', '0.02', '0.5%', 'reverse'],
          ...['pad', '0', '0.08'],
        ]);
        this.#log.info({ file: hash, chars: words.length }, 'notice text spoken');
      },
      'could not speak the notice text; playing it without',
    );
  }
}
