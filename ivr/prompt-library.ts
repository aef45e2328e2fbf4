// The prompts the IVR plays: the catalogue (ivr/prompts/catalogue.tsv: id, Chinese text, English text) and the
// sound files behind each id.
//
// `bash ops/stack.sh prompts` speaks the catalogue into <promptDir>/<lang>/<id>.{wav,ulaw,alaw}. A company's
// studio recordings live in a folder of the same layout (HOTLINE_STUDIO_PROMPT_DIR, <dir>/<lang>/<id>.<ext>,
// any of wav, ulaw, alaw, sln, gsm) and win id by id: `PromptLibrary.media` names the studio file when there is
// one for that id and language, the generated one otherwise. Asterisk gets the path without its extension and
// picks, among the files of that name, the format that needs the least translation for the caller's codec;
// so a studio recording kept as .ulaw and .alaw beside its .wav is played to G.711 callers without transcoding.
import { closeSync, openSync, readdirSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Language, PromptId } from './speech.ts';
import { NOTICE_AUDIO_ID } from './flow/types.ts';

const LANGUAGES: readonly Language[] = ['zh', 'en'];

// ---------------------------------------------------------------------------------------------------------
// The catalogue.

/** One line of the catalogue. An empty text: the prompt does not exist in that language. */
export interface CataloguePrompt {
  id: PromptId;
  zh: string;
  en: string;
  /** The line of the catalogue file. */
  line: number;
}

/** A catalogue file that cannot be used; the message names the file and the line. */
export class CatalogueError extends Error {}

export const CATALOGUE_HEADER = 'id\tzh\ten';
const PROMPT_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** A text that is a tone, not speech: `[tone 1000 Hz 250 ms]` (made with sox by ops/stack.sh). */
export const TONE_TEXT = /^\[tone ([1-9][0-9]*) Hz ([1-9][0-9]*) ms\]$/;

/**
 * Reads the catalogue: comment lines (`#`) and blank lines are skipped; the first other line is the header
 * `id<TAB>zh<TAB>en`; then one prompt per line, three tab-separated cells, a unique id, at least one text.
 */
export function parseCatalogue(text: string, file = 'catalogue.tsv'): CataloguePrompt[] {
  const prompts: CataloguePrompt[] = [];
  const seen = new Map<string, number>();
  let header = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    const line = i + 1;
    const fail = (message: string) => new CatalogueError(`${file}:${line}: ${message}`);
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    if (!header) {
      if (raw !== CATALOGUE_HEADER) {
        throw fail('the first line that is not a comment must be the header `id<TAB>zh<TAB>en`');
      }
      header = true;
      continue;
    }
    const cells = raw.split('\t');
    if (cells.length !== 3) {
      throw fail(`a prompt needs 3 cells separated by tabs (id, zh, en), found ${cells.length}`);
    }
    const [id, zh, en] = cells.map((c) => c.trim()) as [string, string, string];
    if (!PROMPT_ID.test(id)) {
      throw fail(`\`${id}\` is not a prompt id: lower-case letters and digits, words joined by '-'`);
    }
    const before = seen.get(id);
    if (before !== undefined) throw fail(`prompt \`${id}\` is already on line ${before}`);
    if (zh === '' && en === '') throw fail(`prompt \`${id}\` has no text in either language`);
    for (const t of [zh, en]) {
      if (t.startsWith('[') && !TONE_TEXT.test(t)) {
        throw fail(`\`${t}\` is neither speech nor a tone such as \`[tone 1000 Hz 250 ms]\``);
      }
    }
    seen.set(id, line);
    prompts.push({ id, zh, en, line });
  }
  if (!header) throw new CatalogueError(`${file}: no header line \`id<TAB>zh<TAB>en\``);
  return prompts;
}

/** The ids that exist in one language: those with a text in its column. */
export function catalogueIds(prompts: readonly CataloguePrompt[], lang: Language): Set<PromptId> {
  return new Set(prompts.filter((p) => p[lang] !== '').map((p) => p.id));
}

// ---------------------------------------------------------------------------------------------------------
// The files.

/** The file formats Asterisk plays a prompt from (format_wav, format_pcm, format_sln, format_gsm). */
export const PROMPT_EXTENSIONS = ['wav', 'ulaw', 'alaw', 'sln', 'gsm'] as const;
export type PromptExtension = (typeof PROMPT_EXTENSIONS)[number];

export interface PromptLibraryOptions {
  /** Made by ops/stack.sh: <dir>/<lang>/<id>.<ext> (HOTLINE_PROMPT_DIR). */
  generatedDir: string;
  /** A company's recordings, same layout (HOTLINE_STUDIO_PROMPT_DIR); none when undefined or ''. */
  studioDir?: string | undefined;
}

/** Where the file of one prompt comes from. */
export type PromptSource = 'studio' | 'generated';

/** What a scan found, for the start-up log. */
export interface PromptScan {
  generated: Record<Language, number>;
  studio: Record<Language, number>;
  /** Studio files Asterisk could not play (they are ignored: the generated prompt is played), missing folders. */
  problems: string[];
}

/**
 * The prompt files on disk, scanned once at construction (synchronously) and again by `rescan()`, e.g. after a
 * company dropped new recordings in. Looking up is then in memory.
 */
export class PromptLibrary {
  readonly generatedDir: string;
  readonly studioDir: string | undefined;
  /** `<lang>/<id>` -> the formats found. */
  #generated = new Map<string, Set<PromptExtension>>();
  #studio = new Map<string, Set<PromptExtension>>();
  #scan: PromptScan = emptyScan();

  constructor(options: PromptLibraryOptions) {
    this.generatedDir = options.generatedDir;
    this.studioDir = options.studioDir === '' ? undefined : options.studioDir;
    this.rescan();
  }

  /** Reads both folders again; returns what it found. */
  rescan(): PromptScan {
    const scan = emptyScan();
    const generated = scanFolder(this.generatedDir, 'prompt folder', scan.problems, false);
    const studio =
      this.studioDir === undefined
        ? new Map<string, Set<PromptExtension>>()
        : scanFolder(this.studioDir, 'studio prompt folder', scan.problems, true);
    const count = (files: Map<string, unknown>, into: Record<Language, number>) => {
      for (const key of files.keys()) into[key.split('/')[0] as Language]++;
    };
    count(generated, scan.generated);
    count(studio, scan.studio);
    this.#generated = generated;
    this.#studio = studio;
    this.#scan = scan;
    return scan;
  }

  /**
   * Rescans whenever a file in the studio folder changes (a company dropping in recordings), `settleMs` after
   * the last change, and tells `onScan`. Returns a function that stops watching. Nothing to watch without a
   * studio folder, or when it does not exist (the scan reported that).
   */
  watchStudio(onScan: (scan: PromptScan) => void, settleMs = 500): () => void {
    if (this.studioDir === undefined) return () => undefined;
    let watcher: FSWatcher;
    let timer: NodeJS.Timeout | undefined;
    try {
      watcher = watch(this.studioDir, { recursive: true }, () => {
        clearTimeout(timer);
        timer = setTimeout(() => onScan(this.rescan()), settleMs);
      });
    } catch {
      return () => undefined;
    }
    watcher.on('error', () => undefined);
    return () => {
      clearTimeout(timer);
      watcher.close();
    };
  }

  /** What the last scan found. */
  get scan(): PromptScan {
    return this.#scan;
  }

  /** Which file plays `id` in `lang`; undefined when there is none (Asterisk would fail that playback). */
  source(lang: Language, id: PromptId): PromptSource | undefined {
    const key = `${lang}/${id}`;
    if (this.#studio.has(key)) return 'studio';
    if (this.#generated.has(key)) return 'generated';
    return undefined;
  }

  /** The ids of `ids` with no file in either folder. */
  missing(lang: Language, ids: readonly PromptId[]): PromptId[] {
    return ids.filter((id) => this.source(lang, id) === undefined);
  }

  /**
   * Media URIs for Asterisk, one per id: `sound:<dir>/<lang>/<id>` without extension, from the studio folder
   * when it has that prompt, else from the generated one (also for an id with no file at all).
   */
  media(lang: Language, ids: readonly PromptId[]): string[] {
    return ids.map((id) => {
      // a notice's text spoken on this node (ivr/notice-speech.ts), the same in every language
      if (NOTICE_AUDIO_ID.test(id)) return `sound:${join(this.generatedDir, id)}`;
      const dir = this.source(lang, id) === 'studio' ? this.studioDir! : this.generatedDir;
      return `sound:${join(dir, lang, id)}`;
    });
  }
}

function emptyScan(): PromptScan {
  return { generated: { zh: 0, en: 0 }, studio: { zh: 0, en: 0 }, problems: [] };
}

/** `<lang>/<id>` -> formats, for the files of `<dir>/zh` and `<dir>/en` Asterisk can play. */
function scanFolder(
  dir: string,
  what: string,
  problems: string[],
  check: boolean,
): Map<string, Set<PromptExtension>> {
  const found = new Map<string, Set<PromptExtension>>();
  const unplayable = new Set<string>();
  try {
    if (!statSync(dir).isDirectory()) {
      problems.push(`the ${what} ${dir} is not a folder`);
      return found;
    }
  } catch {
    problems.push(`the ${what} ${dir} does not exist`);
    return found;
  }
  for (const lang of LANGUAGES) {
    let names: string[];
    try {
      names = readdirSync(join(dir, lang));
    } catch {
      continue; // no prompts in that language
    }
    for (const name of names.sort()) {
      const dot = name.lastIndexOf('.');
      const id = name.slice(0, dot);
      const ext = name.slice(dot + 1) as PromptExtension;
      if (dot <= 0 || !PROMPT_EXTENSIONS.includes(ext) || !PROMPT_ID.test(id)) continue;
      const key = `${lang}/${id}`;
      const file = join(dir, lang, name);
      const problem = check ? unplayableBecause(file, ext) : null;
      if (problem !== null) {
        problems.push(`${file}: ${problem}; the generated prompt is played instead`);
        unplayable.add(key);
        continue;
      }
      const formats = found.get(key) ?? new Set<PromptExtension>();
      formats.add(ext);
      found.set(key, formats);
    }
  }
  // One bad file spoils the id: Asterisk might pick it over the good one for some codec.
  for (const key of unplayable) found.delete(key);
  return found;
}

/** Why Asterisk could not play this file, or null. A .wav must be 8 kHz mono 16-bit PCM (format_wav). */
function unplayableBecause(file: string, ext: PromptExtension): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n === 0) return 'the file is empty';
    if (ext !== 'wav') return null;
    if (n < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') {
      return 'not a WAV file';
    }
    for (let at = 12; at + 8 <= n;) {
      const chunk = head.toString('latin1', at, at + 4);
      const size = head.readUInt32LE(at + 4);
      if (chunk === 'fmt ') {
        if (at + 24 > n) break;
        const format = head.readUInt16LE(at + 8);
        const channels = head.readUInt16LE(at + 10);
        const rate = head.readUInt32LE(at + 12);
        const bits = head.readUInt16LE(at + 22);
        if (format !== 1 || channels !== 1 || rate !== 8000 || bits !== 16) {
          return (
            `${rate} Hz, ${channels} channel(s), ${bits}-bit${format === 1 ? '' : ' compressed'}; Asterisk plays ` +
            `8 kHz mono 16-bit PCM WAV: convert it with \`sox <in> -r 8000 -c 1 -b 16 <id>.wav\``
          );
        }
        return null;
      }
      at += 8 + size + (size % 2);
    }
    return 'no format chunk in its first 4 KiB';
  } catch (err) {
    return `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
