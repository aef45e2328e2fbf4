// The prompt catalogue file and the prompt library: a company's studio recording is played instead of the
// generated prompt with the same id, and a recording Asterisk could not play is reported, not played.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogueError, catalogueIds, parseCatalogue, PromptLibrary } from '../../ivr/prompt-library.ts';

/** A WAV header (and a little silence) with the given format. */
function wav(rate: number, channels = 1, bits = 16): Buffer {
  const data = Buffer.alloc(160);
  const head = Buffer.alloc(44);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(36 + data.length, 4);
  head.write('WAVE', 8, 'latin1');
  head.write('fmt ', 12, 'latin1');
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20);
  head.writeUInt16LE(channels, 22);
  head.writeUInt32LE(rate, 24);
  head.writeUInt32LE((rate * channels * bits) / 8, 28);
  head.writeUInt16LE((channels * bits) / 8, 32);
  head.writeUInt16LE(bits, 34);
  head.write('data', 36, 'latin1');
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'prompt-library-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Writes files under the temp folder: { 'generated/zh/welcome.ulaw': contents }. */
function files(tree: Record<string, Buffer | string>): void {
  for (const [path, contents] of Object.entries(tree)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), contents);
  }
}

const G711 = Buffer.alloc(800, 0xff);

describe('prompt library', () => {
  it('plays the generated prompt, by its path without extension, when there is no studio folder', () => {
    files({ 'generated/zh/welcome.wav': wav(8000), 'generated/zh/welcome.ulaw': G711 });
    const library = new PromptLibrary({ generatedDir: join(root, 'generated') });
    expect(library.media('zh', ['welcome'])).toEqual([`sound:${root}/generated/zh/welcome`]);
    expect(library.source('zh', 'welcome')).toBe('generated');
    expect(library.scan).toEqual({ generated: { zh: 1, en: 0 }, studio: { zh: 0, en: 0 }, problems: [] });
  });

  it("plays a company's studio recording instead of the generated prompt with the same id and language", () => {
    files({
      'generated/zh/welcome.ulaw': G711,
      'generated/zh/goodbye.ulaw': G711,
      'generated/en/welcome.ulaw': G711,
      'studio/zh/welcome.alaw': G711,
      'studio/zh/welcome.wav': wav(8000),
    });
    const library = new PromptLibrary({
      generatedDir: join(root, 'generated'),
      studioDir: join(root, 'studio'),
    });
    expect(library.media('zh', ['welcome', 'goodbye'])).toEqual([
      `sound:${root}/studio/zh/welcome`,
      `sound:${root}/generated/zh/goodbye`,
    ]);
    expect(library.media('en', ['welcome'])).toEqual([`sound:${root}/generated/en/welcome`]);
    expect(library.scan.studio).toEqual({ zh: 1, en: 0 });
  });

  it('takes every format Asterisk plays (wav, ulaw, alaw, sln, gsm) and ignores other files', () => {
    files({
      'studio/en/a.sln': G711,
      'studio/en/b.gsm': G711,
      'studio/en/c.ulaw': G711,
      'studio/en/d.mp3': G711,
      'studio/en/notes.txt': 'script',
      'studio/en/E.wav': wav(8000),
      'generated/en/.source-sha1': 'x',
    });
    const library = new PromptLibrary({
      generatedDir: join(root, 'generated'),
      studioDir: join(root, 'studio'),
    });
    expect(['a', 'b', 'c', 'd', 'notes', 'E'].map((id) => library.source('en', id))).toEqual([
      'studio',
      'studio',
      'studio',
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('names the prompts that have no file at all, and still gives the generated path for them', () => {
    files({ 'generated/zh/welcome.wav': wav(8000) });
    const library = new PromptLibrary({ generatedDir: join(root, 'generated') });
    expect(library.missing('zh', ['welcome', 'menu-main-full'])).toEqual(['menu-main-full']);
    expect(library.media('zh', ['menu-main-full'])).toEqual([`sound:${root}/generated/zh/menu-main-full`]);
  });

  it('sees recordings dropped in after construction only after rescan()', () => {
    files({ 'generated/zh/welcome.wav': wav(8000) });
    const library = new PromptLibrary({
      generatedDir: join(root, 'generated'),
      studioDir: join(root, 'studio'),
    });
    expect(library.scan.problems).toEqual([`the studio prompt folder ${root}/studio does not exist`]);
    files({ 'studio/zh/welcome.wav': wav(8000) });
    expect(library.source('zh', 'welcome')).toBe('generated');
    expect(library.rescan().problems).toEqual([]);
    expect(library.source('zh', 'welcome')).toBe('studio');
  });

  it('plays a recording dropped into the watched studio folder from the next prompt on', async () => {
    files({ 'generated/zh/welcome.wav': wav(8000), 'studio/zh/goodbye.wav': wav(8000) });
    const library = new PromptLibrary({
      generatedDir: join(root, 'generated'),
      studioDir: join(root, 'studio'),
    });
    const scanned = new Promise<number>((resolve) => {
      const stop = library.watchStudio((scan) => {
        stop();
        resolve(scan.studio.zh);
      }, 20);
    });
    files({ 'studio/zh/welcome.wav': wav(8000) });
    expect(await scanned).toBe(2);
    expect(library.media('zh', ['welcome'])).toEqual([`sound:${root}/studio/zh/welcome`]);
  });

  it('plays the generated prompt instead of a studio WAV Asterisk cannot play, and says why', () => {
    files({
      'generated/zh/welcome.ulaw': G711,
      'generated/zh/goodbye.ulaw': G711,
      'generated/zh/holiday.ulaw': G711,
      'studio/zh/welcome.wav': wav(44100, 2),
      'studio/zh/welcome.alaw': G711,
      'studio/zh/goodbye.wav': 'not a wav',
      'studio/zh/holiday.ulaw': '',
    });
    const library = new PromptLibrary({
      generatedDir: join(root, 'generated'),
      studioDir: join(root, 'studio'),
    });
    expect(library.media('zh', ['welcome', 'goodbye', 'holiday'])).toEqual([
      `sound:${root}/generated/zh/welcome`,
      `sound:${root}/generated/zh/goodbye`,
      `sound:${root}/generated/zh/holiday`,
    ]);
    expect(library.scan.problems).toEqual([
      `${root}/studio/zh/goodbye.wav: not a WAV file; the generated prompt is played instead`,
      `${root}/studio/zh/holiday.ulaw: the file is empty; the generated prompt is played instead`,
      `${root}/studio/zh/welcome.wav: 44100 Hz, 2 channel(s), 16-bit; Asterisk plays 8 kHz mono 16-bit PCM WAV: ` +
        'convert it with `sox <in> -r 8000 -c 1 -b 16 <id>.wav`; the generated prompt is played instead',
    ]);
  });

  it('treats an empty studio setting as none', () => {
    files({ 'generated/zh/welcome.wav': wav(8000) });
    const library = new PromptLibrary({ generatedDir: join(root, 'generated'), studioDir: '' });
    expect(library.studioDir).toBeUndefined();
    expect(library.scan.problems).toEqual([]);
  });

  it('reports a missing generated folder (the prompts were never generated)', () => {
    const library = new PromptLibrary({ generatedDir: join(root, 'nothing') });
    expect(library.scan.problems).toEqual([`the prompt folder ${root}/nothing does not exist`]);
  });
});

describe('prompt catalogue file', () => {
  const HEADER = '# comment\nid\tzh\ten\n';

  it('reads id, Chinese and English; an empty cell means the prompt does not exist in that language', () => {
    const prompts = parseCatalogue(`${HEADER}welcome\t您好\tHello\n# zh only\njiao\t角\t\nand\t\tand\n`);
    expect(prompts).toEqual([
      { id: 'welcome', zh: '您好', en: 'Hello', line: 3 },
      { id: 'jiao', zh: '角', en: '', line: 5 },
      { id: 'and', zh: '', en: 'and', line: 6 },
    ]);
    expect([...catalogueIds(prompts, 'zh')]).toEqual(['welcome', 'jiao']);
    expect([...catalogueIds(prompts, 'en')]).toEqual(['welcome', 'and']);
  });

  it('says which line is wrong and how', () => {
    const cases: [string, string][] = [
      ['welcome\t您好\tHello\n', 'catalogue.tsv:1: the first line that is not a comment must be the header'],
      [
        `${HEADER}welcome\t您好\n`,
        'catalogue.tsv:3: a prompt needs 3 cells separated by tabs (id, zh, en), found 2',
      ],
      [`${HEADER}Welcome\t您好\tHello\n`, 'catalogue.tsv:3: `Welcome` is not a prompt id'],
      [`${HEADER}a\t一\tone\na\t一\tone\n`, 'catalogue.tsv:4: prompt `a` is already on line 3'],
      [`${HEADER}a\t\t\n`, 'catalogue.tsv:3: prompt `a` has no text in either language'],
      [`${HEADER}beep\t[tone 1 kHz]\t\n`, 'catalogue.tsv:3: `[tone 1 kHz]` is neither speech nor a tone'],
      ['# only comments\n', 'catalogue.tsv: no header line'],
    ];
    for (const [text, message] of cases) {
      expect(() => parseCatalogue(text), message).toThrow(CatalogueError);
      expect(() => parseCatalogue(text), message).toThrow(message);
    }
  });
});
