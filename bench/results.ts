// Appends a row to a table of bench/RESULTS.md, under its heading (made with the table's header when missing).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const RESULTS = new URL('./RESULTS.md', import.meta.url);

export function appendResult(heading: string, header: string, row: string): void {
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n';
  const title = `## ${heading}`;
  const at = text.indexOf(title);
  if (at < 0) {
    const separator = header.replace(/[^|]+/g, '---');
    text = `${text.trimEnd()}\n\n${title}\n\n${header}\n${separator}\n${row}\n`;
  } else {
    // the end of the section's table: the first blank line after its header row
    const tableStart = text.indexOf('\n|', at);
    let end = text.indexOf('\n\n', tableStart);
    if (end < 0) end = text.trimEnd().length;
    text = `${text.slice(0, end)}\n${row}${text.slice(end)}`;
  }
  writeFileSync(RESULTS, text);
}
