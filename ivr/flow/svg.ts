// A flow's Mermaid flowchart drawn as SVG (`hotline-flow graph <flow> --svg FILE`). Mermaid lays diagrams out
// with the browser's text measurement, so it runs where it was made to run: the `mermaid` package's own bundle,
// in headless Chromium (Debian's, the one the tests use) driven by playwright-core, with no network.
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

/**
 * The Mermaid text as a standalone SVG document (labels as SVG text, so any SVG viewer shows them). The browser is
 * Debian's Chromium, unless HOTLINE_CHROMIUM names another Chromium or Chrome.
 */
export async function mermaidToSvg(
  mermaidText: string,
  executablePath = process.env.HOTLINE_CHROMIUM ?? '/usr/bin/chromium',
): Promise<string> {
  await access(executablePath).catch(() => {
    throw new Error(
      `drawing SVG needs Chromium, and there is none at ${executablePath} ` +
        '(apt-get install chromium, or set HOTLINE_CHROMIUM to a Chromium or Chrome)',
    );
  });
  const bundle = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: bundle });
    const svg = await page.evaluate(async (text) => {
      const mermaid = (
        globalThis as unknown as {
          mermaid: {
            initialize(config: object): void;
            render(id: string, text: string): Promise<{ svg: string }>;
          };
        }
      ).mermaid;
      mermaid.initialize({
        startOnLoad: false,
        securityLevel: 'strict',
        htmlLabels: false,
        flowchart: { htmlLabels: false },
      });
      // mermaid gives HTML text (<br> unclosed); an SVG file must be XML
      const holder = document.createElement('div');
      holder.innerHTML = (await mermaid.render('flow', text)).svg;
      return new XMLSerializer().serializeToString(holder.firstElementChild!);
    }, mermaidText);
    return `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`;
  } finally {
    await browser.close();
  }
}
