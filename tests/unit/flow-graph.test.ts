// A flow drawn as a Mermaid flowchart, and the ways out of each node the drawing and the loader share.
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { exits, toMermaid } from '../../ivr/flow/graph.ts';
import { format, loadFlow, promptCatalogue } from '../../ivr/flow/load.ts';
import type { Flow } from '../../ivr/flow/types.ts';

const ZH = promptCatalogue(readFileSync(new URL('../../ivr/prompts/catalogue.tsv', import.meta.url), 'utf8'));

const FEES_LINE = [
  'name: fees-line',
  "numbers: ['4008200009']",
  'start: welcome',
  'nodes:',
  '  welcome: { kind: play, prompts: [welcome], next: who }',
  '  who: { kind: identify, by: caller_id, identified: main, unverified: agent }',
  '  main:',
  '    kind: menu',
  '    prompt: [menu-main]',
  "    keys: { 1: fees, 0: agent, '#': end }",
  '    fallback: agent',
  '  fees: { kind: lookup, what: fee_balance, into: fees, found: read, not_found: main }',
  '  read: { kind: say, say: amount, value: "${fees.total}", next: main }',
  '  agent: { kind: queue, skill: fees, priority: vip, prompt: [to-agent] }',
  '  end: { kind: hangup, prompt: [goodbye] }',
].join('\n');

function load(text: string): Flow {
  const result = loadFlow('flows/fees-line.yaml', text, ZH);
  expect(result.errors.map(format)).toEqual([]);
  return result.flow!;
}

describe('the Mermaid drawing of a flow', () => {
  it('has one box per node in file order, then the edges labelled by key or outcome', () => {
    expect(toMermaid(load(FEES_LINE))).toBe(
      [
        'flowchart TD',
        '  welcome["welcome<br/>play: welcome"]',
        '  who{"who<br/>identify: caller_id"}',
        '  main{"main<br/>menu: menu-main"}',
        '  fees{"fees<br/>lookup: fee_balance into fees"}',
        '  read["read<br/>say: amount ${fees.total}"]',
        '  agent(["agent<br/>queue: fees, vip"])',
        '  end_(["end<br/>hangup: goodbye"])',
        '  welcome --> who',
        '  who -->|"identified"| main',
        '  who -->|"unverified"| agent',
        '  main -->|"1"| fees',
        '  main -->|"0"| agent',
        '  main -->|"#35;"| end_',
        '  main -->|"fallback"| agent',
        '  fees -->|"found"| read',
        '  fees -->|"not_found"| main',
        '  read --> main',
        '  style welcome stroke-width:3px',
        '',
      ].join('\n'),
    );
  });

  it('is the same text every time', () => {
    expect(toMermaid(load(FEES_LINE))).toBe(toMermaid(load(FEES_LINE)));
  });

  it('turns ids Mermaid cannot take into ones it can, keeping them apart', () => {
    const flow = load(
      [
        'name: ids',
        "numbers: ['4008200009']",
        'start: say-bye',
        'nodes:',
        '  say-bye: { kind: goto, node: say_bye }',
        '  say_bye: { kind: hangup, prompt: [goodbye] }',
      ].join('\n'),
    );
    expect(toMermaid(flow)).toBe(
      [
        'flowchart TD',
        '  say_bye["say-bye<br/>goto"]',
        '  say_bye_2(["say_bye<br/>hangup: goodbye"])',
        '  say_bye --> say_bye_2',
        '  style say_bye stroke-width:3px',
        '',
      ].join('\n'),
    );
  });
});

const LANGUAGES = [
  'name: languages',
  "numbers: ['4008200009']",
  'start: lang',
  'nodes:',
  '  lang:',
  '    kind: branch',
  "    value: '${language}'",
  '    cases: { zh: english, en: chinese, next: english }',
  '    default: bye',
  '  english: { kind: set, variables: { language: en }, next: bye }',
  '  chinese: { kind: set, variables: { language: zh }, next: bye }',
  '  bye: { kind: hangup, prompt: [goodbye] }',
].join('\n');

describe('the Mermaid drawing of a branch', () => {
  it('is a decision with one edge per case labelled with its value, then the default edge', () => {
    expect(toMermaid(load(LANGUAGES))).toBe(
      [
        'flowchart TD',
        '  lang{"lang<br/>branch: ${language}"}',
        '  english["english<br/>set: language = en"]',
        '  chinese["chinese<br/>set: language = zh"]',
        '  bye(["bye<br/>hangup: goodbye"])',
        '  lang -->|"zh"| english',
        '  lang -->|"en"| chinese',
        // a case whose value is `next` keeps its label
        '  lang -->|"next"| english',
        '  lang -->|"default"| bye',
        '  english --> bye',
        '  chinese --> bye',
        '  style lang stroke-width:3px',
        '',
      ].join('\n'),
    );
  });
});

describe('the ways out of a node', () => {
  it('lists branch cases as written, then the default', () => {
    expect(exits(load(LANGUAGES).nodes.get('lang')!)).toEqual([
      { label: 'zh', to: 'english' },
      { label: 'en', to: 'chinese' },
      { label: 'next', to: 'english' },
      { label: 'default', to: 'bye' },
    ]);
  });

  it('lists menu keys as written, then the fallback', () => {
    expect(exits(load(FEES_LINE).nodes.get('main')!)).toEqual([
      { label: '1', to: 'fees' },
      { label: '0', to: 'agent' },
      { label: '#', to: 'end' },
      { label: 'fallback', to: 'agent' },
    ]);
  });

  it('has none for a queue without overflow or a hang-up', () => {
    const flow = load(FEES_LINE);
    expect(exits(flow.nodes.get('agent')!)).toEqual([]);
    expect(exits(flow.nodes.get('end')!)).toEqual([]);
  });
});
