// `hotline-flow graph <flow> --svg FILE` draws a shipped flow as an SVG picture with Mermaid's renderer in
// headless Chromium. Here with the stack tests because it needs the Chromium the stack set-up installs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { runFlowCli } from '../../ivr/flow/cli.ts';
import { launchBrowser } from '../support/browser.ts';

const dir = mkdtempSync(join(tmpdir(), 'hotline-flow-svg-'));
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runFlowCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('hotline-flow graph --svg', () => {
  it('draws the fees line as an SVG file a browser shows with every node and key', async () => {
    const file = join(dir, 'fees-line.svg');
    const { code, out, err } = await run('graph', 'fees-line', '--svg', file);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toBe(`wrote ${file}`);
    expect(readFileSync(file, 'utf8')).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg /);

    // opened as a file, an SVG must be well-formed XML (Chromium shows a parser error otherwise)
    const page = await browser.newPage();
    await page.goto(`file://${file}`);
    expect(await page.locator('parsererror').count()).toBe(0);
    const text = (await page.locator('svg').textContent()) ?? '';
    for (const node of ['welcome', 'identify', 'greet-owner', 'main-menu', 'fees', 'read-fees', 'agent'])
      expect(text).toContain(node);
    for (const label of ['identified', 'unverified', 'fallback', 'found', 'not_found'])
      expect(text).toContain(label);
    expect(await page.locator('g.node').count()).toBe(8);
    await page.close();
  });

  it('says what is missing when there is no Chromium, and writes nothing', async () => {
    const file = join(dir, 'none.svg');
    process.env.HOTLINE_CHROMIUM = join(dir, 'no-chromium-here');
    try {
      const { code, err } = await run('graph', 'fees-line', '--svg', file);
      expect(code).toBe(1);
      expect(err).toContain('the flow `fees-line` is not drawn as SVG: drawing SVG needs Chromium');
      expect(err).toContain('apt-get install chromium');
    } finally {
      delete process.env.HOTLINE_CHROMIUM;
    }
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });
});
