// The live flows of an IVR process: an edit of a flow file takes effect for the next call without a restart; a
// broken edit keeps the last good version running and says what is wrong; a broken new file never goes live.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FlowStatus } from '../../core/contracts.ts';
import { createLogger } from '../../core/logger.ts';
import { FlowLibrary } from '../../ivr/flow/library.ts';
import { promptIds } from '../../ivr/flow/load.ts';

const SHIPPED = new URL('../../ivr/flows/', import.meta.url);
const FEES_LINE = readFileSync(new URL('fees-line.yaml', SHIPPED), 'utf8');

let dir: string;
let library: FlowLibrary | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flows-'));
  copyFileSync(new URL('default.yaml', SHIPPED), join(dir, 'default.yaml'));
  writeFileSync(join(dir, 'fees-line.yaml'), FEES_LINE);
});
afterEach(() => {
  library?.close();
  library = null;
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<FlowLibrary> {
  library = new FlowLibrary({ dir, catalogue: await promptIds(), log: createLogger('silent', 'test') });
  await library.start({ watch: true });
  return library;
}

/** The line of fees-line.yaml with `text` on it (the first). */
function lineOf(text: string): number {
  return FEES_LINE.split('\n').findIndex((l) => l.includes(text)) + 1;
}

/** Resolves with the status of the next reload the watcher makes. */
function nextReload(flows: FlowLibrary): Promise<FlowStatus> {
  return new Promise((resolve) => {
    const stop = flows.onReload((status) => {
      stop();
      resolve(status);
    });
  });
}

describe('the flow library', () => {
  it('binds each dialled number to its flow and every other number to the default flow', async () => {
    const flows = await start();
    expect(flows.forDialled('4008200001')?.name).toBe('fees-line');
    expect(flows.forDialled('400-820-0001')?.name).toBe('fees-line');
    expect(flows.forDialled('4008200000')?.name).toBe('default');
    expect(flows.forDialled('02100000000')?.name).toBe('default');
    expect(flows.status.errors).toEqual([]);
    expect(flows.status.flows.map((f) => [f.name, f.numbers, f.isDefault])).toEqual([
      ['default', [], true],
      ['fees-line', ['4008200001'], false],
    ]);
  });

  it('takes an edit live for the next call without a restart', async () => {
    const flows = await start();
    const reloaded = nextReload(flows);
    writeFileSync(join(dir, 'fees-line.yaml'), FEES_LINE.replace('prompts: [welcome]', 'prompts: [goodbye]'));
    expect((await reloaded).errors).toEqual([]);
    const welcome = flows.forDialled('4008200001')!.nodes.get('welcome');
    expect(welcome).toMatchObject({ kind: 'play', prompts: [{ prompt: 'goodbye' }] });
  });

  it('keeps the last good version of a broken edit live and reports the error with file, line and node', async () => {
    const flows = await start();
    const reloaded = nextReload(flows);
    writeFileSync(join(dir, 'fees-line.yaml'), FEES_LINE.replace('1: fees', '1: feez'));
    const status = await reloaded;
    expect(status.errors).toEqual([
      `${join(dir, 'fees-line.yaml')}:${lineOf('1: fees')}: node \`main-menu\` key \`1\` goes to \`feez\`, which does not ` +
        'exist; did you mean `fees`?',
    ]);
    // the calls of 4008200001 still get the flow as it was before the edit
    const menu = flows.forDialled('4008200001')!.nodes.get('main-menu');
    expect(menu).toMatchObject({
      kind: 'menu',
      keys: [
        { key: '1', next: 'fees' },
        { key: '0', next: 'agent' },
      ],
    });
    expect(flows.status.flows.map((f) => f.name)).toEqual(['default', 'fees-line']);

    // repairing the file clears the error
    const repaired = nextReload(flows);
    writeFileSync(join(dir, 'fees-line.yaml'), FEES_LINE);
    expect((await repaired).errors).toEqual([]);
  });

  it('never takes a broken new file live; its number keeps going to the default flow', async () => {
    const flows = await start();
    const reloaded = nextReload(flows);
    writeFileSync(
      join(dir, 'repairs-line.yaml'),
      FEES_LINE.replace('name: fees-line', 'name: repairs-line')
        .replace("numbers: ['4008200001']", "numbers: ['4008200002']")
        .replace('kind: lookup', 'kind: lokup'),
    );
    const status = await reloaded;
    const file = join(dir, 'repairs-line.yaml');
    expect(status.errors).toEqual([
      `${file}:${lineOf('kind: lookup')}: node \`fees\` has kind \`lokup\`, which is not a node kind; did you mean ` +
        '`lookup`?',
      // the lookup is not live, so neither is the variable it would set
      `${file}:${lineOf('${fees}')}: node \`read-fees\` reads \`\${fees}\`, which is neither built in nor set by ` +
        'the flow',
    ]);
    expect(flows.forDialled('4008200002')?.name).toBe('default');
  });

  it('drops a deleted flow: its number goes to the default flow', async () => {
    const flows = await start();
    const reloaded = nextReload(flows);
    unlinkSync(join(dir, 'fees-line.yaml'));
    await reloaded;
    expect(flows.forDialled('4008200001')?.name).toBe('default');
  });

  it('refuses to start with no usable flow, saying why', async () => {
    rmSync(join(dir, 'default.yaml'));
    writeFileSync(join(dir, 'fees-line.yaml'), 'name: [');
    const flows = new FlowLibrary({ dir, catalogue: await promptIds(), log: createLogger('silent', 'test') });
    await expect(flows.start({ watch: false })).rejects.toThrow(/^no usable IVR flow in .*fees-line\.yaml:1/);
  });
});
