// The flow command-line tool: `check` a folder of flows, `graph` one of them, and the usage errors.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runFlowCli } from '../../ivr/flow/cli.ts';

const CLI = new URL('../../ivr/flow/cli.ts', import.meta.url).pathname;

/** Runs the tool as `hotline-flow ...argv`, collecting what it prints. */
async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runFlowCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err: err.join('\n') };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder holding the given files. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-flow-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const GOOD = [
  'name: fees-line',
  "numbers: ['4008200009']",
  'start: welcome',
  'nodes:',
  '  welcome: { kind: play, prompts: [welcome], next: agent }',
  '  agent: { kind: queue, skill: fees, prompt: [to-agent] }',
  '',
].join('\n');

const BROKEN = [
  'name: main',
  'default: true',
  'start: menu',
  'nodes:',
  '  menu:',
  '    kind: menu',
  '    prompt: [menu-main]',
  '    keys: { 1: report, 3: reprot }',
  '    fallback: report',
  '  report: { kind: queue, skill: repairs }',
  '',
].join('\n');

describe('hotline-flow check', () => {
  it('passes the shipped flows and says how many it checked', async () => {
    const { code, out, err } = await run('check');
    expect(err).toBe('');
    expect(out).toEqual([expect.stringMatching(/^[1-9][0-9]* flows? checked: 0 errors, 0 warnings$/)]);
    expect(code).toBe(0);
  });

  it('prints each error as file:line: node message, then the summary, and exits 1', async () => {
    const dir = folder({ 'fees-line.yaml': GOOD, 'main.yaml': BROKEN, 'notes.txt': 'not a flow' });
    const { code, out } = await run('check', '--flows', dir);
    expect(out).toEqual([
      `${dir}/main.yaml:8: node \`menu\` key \`3\` goes to \`reprot\`, which does not exist; did you mean \`report\`?`,
      '2 flows checked: 1 error, 0 warnings',
    ]);
    expect(code).toBe(1);
  });

  it('warns, without failing, about a prompt with no English text and about unreachable nodes', async () => {
    const prompts = folder({
      'catalogue.tsv': '# prompts\nid\tzh\ten\nwelcome\t您好\t\nto-agent\t请稍候\tPlease hold.\n',
    });
    const flows = folder({
      'fees-line.yaml': GOOD + "  spare: { kind: hangup, prompt: ['to-agent'] }\n",
    });
    const { code, out } = await run('check', '--flows', flows, '--prompts', prompts);
    expect(out).toEqual([
      `warning: ${flows}/fees-line.yaml:5: node \`welcome\` prompt \`welcome\` has no English text in the catalogue (catalogue.tsv): English callers would not hear it`,
      `warning: ${flows}/fees-line.yaml:7: node \`spare\` is never reached from \`start\` (\`welcome\`)`,
      '1 flow checked: 0 errors, 2 warnings',
    ]);
    expect(code).toBe(0);
  });

  it('names the line of a malformed prompt catalogue, as a usage error', async () => {
    const prompts = folder({ 'catalogue.tsv': 'id\tzh\ten\nwelcome\t您好\n' });
    const flows = folder({ 'fees-line.yaml': GOOD });
    const { code, err } = await run('check', '--flows', flows, '--prompts', prompts);
    expect(err).toBe(
      `hotline-flow: cannot read the prompt catalogue: ${prompts}/catalogue.tsv:2: a prompt needs 3 cells separated by tabs (id, zh, en), found 2`,
    );
    expect(code).toBe(2);
  });

  it('fails on a folder with no flow files', async () => {
    const dir = folder({});
    const { code, err } = await run('check', '--flows', dir);
    expect(err).toBe(`hotline-flow: no flow files (*.yaml) in ${dir}`);
    expect(code).toBe(1);
  });
});

describe('hotline-flow graph', () => {
  it('prints the named flow as a Mermaid flowchart', async () => {
    const { code, out, err } = await run('graph', 'default');
    expect(err).toBe('');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^flowchart TD\n/);
    expect(out[0]).toContain('main_menu -->|"1"| fees');
    expect(code).toBe(0);
  });

  it('draws a flow file given by its path', async () => {
    const dir = folder({ 'fees-line.yaml': GOOD });
    const { code, out } = await run('graph', join(dir, 'fees-line.yaml'));
    expect(out).toEqual([
      [
        'flowchart TD',
        '  welcome["welcome<br/>play: welcome"]',
        '  agent(["agent<br/>queue: fees, normal"])',
        '  welcome --> agent',
        '  style welcome stroke-width:3px',
      ].join('\n'),
    ]);
    expect(code).toBe(0);
  });

  it('prints the errors of a broken flow instead of drawing it, and exits 1', async () => {
    const dir = folder({ 'fees-line.yaml': GOOD, 'main.yaml': BROKEN });
    const { code, out, err } = await run('graph', 'main', '--flows', dir);
    expect(out).toEqual([]);
    expect(err.split('\n')).toEqual([
      `${dir}/main.yaml:8: node \`menu\` key \`3\` goes to \`reprot\`, which does not exist; did you mean \`report\`?`,
      'hotline-flow: the flow `main` is not drawn: it has 1 error',
    ]);
    expect(code).toBe(1);
  });

  it('names the flows there are when there is no flow of that name', async () => {
    const dir = folder({ 'fees-line.yaml': GOOD, 'main.yaml': BROKEN });
    const { code, out, err } = await run('graph', 'fees-lin', '--flows', dir);
    expect(out).toEqual([]);
    expect(err).toBe(
      `hotline-flow: there is no flow named \`fees-lin\` in ${dir}; did you mean \`fees-line\`?\n` +
        'the flows there: `fees-line`, `main`',
    );
    expect(code).toBe(1);

    const shipped = await run('graph', 'nosuchflow');
    expect(shipped.err).toMatch(
      /^hotline-flow: there is no flow named `nosuchflow` in .+\nthe flows there: .*`default`/,
    );
    expect(shipped.code).toBe(1);
  });
});

describe('the command line', () => {
  it('exits 2 with the usage on an unknown command, a missing argument or an unknown option', async () => {
    for (const argv of [
      ['simulte', 'default'],
      ['simulate'],
      [],
      ['graph'],
      ['check', '--flows'],
      ['check', '--verbose'],
    ]) {
      const { code, out, err } = await run(...argv);
      expect(out).toEqual([]);
      expect(err).toMatch(/^hotline-flow: .+\n\nUsage: hotline-flow <command>/);
      expect(code).toBe(2);
    }
    expect((await run('simulte')).err).toMatch(
      /^hotline-flow: unknown command `simulte`; did you mean `simulate`/,
    );
    expect((await run('simulate')).err).toMatch(/^hotline-flow: `simulate` takes one flow/);
    expect((await run('graph')).err).toMatch(/^hotline-flow: `graph` needs a flow/);
  });

  it('prints the usage on --help, with where to render the Mermaid text', async () => {
    const { code, out } = await run('--help');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^Usage: hotline-flow <command>/);
    expect(out[0]).toContain('Mermaid renderer');
    expect(code).toBe(0);
  });

  it('runs as a program: the npm bin and `npm run flow` start this file with node', () => {
    expect(readFileSync(CLI, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(pkg.bin['hotline-flow']).toBe('./ivr/flow/cli.ts');
    expect(pkg.scripts['flow']).toBe('node ivr/flow/cli.ts');
    const out = execFileSync(process.execPath, [CLI, 'check'], { encoding: 'utf8' });
    expect(out).toMatch(/^[1-9][0-9]* flows? checked: 0 errors, 0 warnings\n$/);
  });
});
