// Loading IVR flows: the shipped default flow is clean, and a broken flow says exactly what is wrong, where.
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { format, loadFlow, loadFlowFiles, loadFlows, promptCatalogue } from '../../ivr/flow/load.ts';
import { editDistance, suggest } from '../../ivr/flow/suggest.ts';
import { parseTemplate, renderTemplate } from '../../ivr/flow/variables.ts';

const FLOWS_DIR = new URL('../../ivr/flows/', import.meta.url).pathname;

function catalogue(lang: 'zh' | 'en'): Set<string> {
  return promptCatalogue(
    readFileSync(new URL('../../ivr/prompts/catalogue.tsv', import.meta.url), 'utf8'),
    lang,
  );
}
const ZH = catalogue('zh');

/** Removes the indentation of a YAML snippet written inside the test, and its first line break. */
function yaml(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(
    ...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length),
  );
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** The flow's errors and warnings as an engineer reads them. */
function check(text: string): { errors: string[]; warnings: string[] } {
  const result = loadFlow('flows/main.yaml', yaml(text), ZH);
  return { errors: result.errors.map(format), warnings: result.warnings.map(format) };
}

/** Lines 1-4 of every broken flow below; its nodes start on line 5. */
const HEAD = `
  name: main
  numbers: ['4008200001']
  start: welcome
  nodes:`;

describe('the shipped default flow', () => {
  it('loads with no errors or warnings against the Chinese and the English prompts', async () => {
    for (const lang of ['zh', 'en'] as const) {
      const set = await loadFlows(FLOWS_DIR, catalogue(lang));
      expect(set.errors.map(format)).toEqual([]);
      expect(set.warnings.map(format)).toEqual([]);
      expect(set.fallback?.name).toBe('default');
    }
  });

  it('offers the full self-service menu after identification and the hours check', async () => {
    const flow = (await loadFlows(FLOWS_DIR, ZH)).fallback!;
    expect(flow.nodes.get('identify')).toMatchObject({
      kind: 'identify',
      by: ['caller_id', 'room_pin'],
      tries: 3,
      pickUnit: true,
      identified: 'greet-owner',
      unverified: 'hours-unverified',
    });
    const menu = flow.nodes.get('main-menu');
    expect(menu?.kind === 'menu' && menu.keys.map((k) => `${k.key}:${k.next}`)).toEqual([
      '1:fees',
      '2:repair-kind',
      '3:ticket-number',
      '4:notices',
      '5:complaints',
      '8:emergency',
      '0:agent',
      '9:switch-language',
    ]);
    expect(flow.nodes.get('switch-language')).toMatchObject({
      kind: 'branch',
      value: '${language}',
      cases: [
        { value: 'zh', next: 'english' },
        { value: 'en', next: 'chinese' },
      ],
      default: 'main-menu',
    });
    expect(flow.nodes.get('emergency')).toMatchObject({
      kind: 'queue',
      skill: 'emergency',
      priority: 'emergency',
    });
  });

  it('binds the fees line to 4008200001: welcome, caller ID, 1 for the fees and back, 0 or unknown to an agent', async () => {
    const flow = (await loadFlows(FLOWS_DIR, ZH)).byNumber.get('4008200001')!;
    expect(flow.name).toBe('fees-line');
    expect(flow.nodes.get('identify')).toMatchObject({
      kind: 'identify',
      by: ['caller_id'],
      identified: 'greet-owner',
      unverified: 'unknown-caller',
    });
    expect(flow.nodes.get('main-menu')).toMatchObject({
      kind: 'menu',
      keys: [
        { key: '1', next: 'fees' },
        { key: '0', next: 'agent' },
      ],
      fallback: 'agent',
    });
    expect(flow.nodes.get('agent')).toMatchObject({ kind: 'queue', skill: 'general', priority: 'normal' });
  });
});

describe('a broken flow names the file, the line, the node and what is wrong', () => {
  const cases: { what: string; flow: string; error: string }[] = [
    {
      what: 'a menu key going to a node that does not exist, with the likely one',
      flow: `${HEAD}
          welcome: { kind: play, prompts: [welcome], next: fees }
          fees:
            kind: menu
            prompt: [menu-main]
            keys:
              1: report
              3: reprot
            fallback: report
          report: { kind: hangup }`,
      error:
        'flows/main.yaml:11: node `fees` key `3` goes to `reprot`, which does not exist; did you mean `report`?',
    },
    {
      what: 'a timeout that is not a number',
      flow: `${HEAD}
          welcome:
            kind: menu
            prompt: [menu-main]
            keys: { 0: bye }
            timeout_ms: fast
            fallback: bye
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:9: node `welcome` field `timeout_ms` must be a whole number of milliseconds, got "fast"',
    },
    {
      what: 'a kind that does not exist',
      flow: `${HEAD}
          welcome:
            kind: meun
            prompt: [menu-main]`,
      error:
        'flows/main.yaml:6: node `welcome` has kind `meun`, which is not a node kind; did you mean `menu`?',
    },
    {
      what: 'a required field left out, named with what it is for',
      flow: `${HEAD}
          welcome:
            kind: queue
            prompt: [to-agent]`,
      error:
        'flows/main.yaml:5: node `welcome` needs `skill`: the skill of the agents who take the call, such as `general`',
    },
    {
      what: 'a menu key that is not on a phone',
      flow: `${HEAD}
          welcome:
            kind: menu
            prompt: [menu-main]
            keys:
              1: bye
              10: bye
            fallback: bye
          bye: { kind: hangup }`,
      error: 'flows/main.yaml:10: node `welcome` key `10` is not a phone key: use one of 0-9, * and #',
    },
    {
      what: 'a prompt id not in the catalogue, with the likely one',
      flow: `${HEAD}
          welcome:
            kind: hangup
            prompt: [goodbye, welcom]`,
      error:
        'flows/main.yaml:7: node `welcome` prompt `welcom` is not in the prompt catalogue; did you mean `welcome`?',
    },
    {
      what: 'a variable nothing sets, with the likely one',
      flow: `${HEAD}
          welcome: { kind: lookup, what: fee_balance, into: fees, found: total, not_found: bye }
          total:
            kind: say
            say: amount
            value: '\${fess.total}'
            next: bye
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:9: node `total` reads `${fess.total}`, which is neither built in nor set by the flow; did you mean `${fees.total}`?',
    },
    {
      what: 'an expression where only a variable may stand',
      flow: `${HEAD}
          welcome:
            kind: say
            say: number
            value: '\${owner.units + 1}'
            next: bye
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:8: node `welcome` field `value` has `${owner.units + 1}`, which is not a variable: only names such as `${caller}` or `${owner.name}` are allowed, no expressions',
    },
    {
      what: 'a node with no way on (a dead end)',
      flow: `${HEAD}
          welcome:
            kind: play
            prompts: [welcome]`,
      error:
        'flows/main.yaml:5: node `welcome` is a dead end: a `play` node needs `next`, the node to go to afterwards',
    },
    {
      what: 'nodes that go round for ever without reaching a hang-up or a queue',
      flow: `${HEAD}
          welcome: { kind: play, prompts: [welcome], next: again }
          again: { kind: goto, node: welcome }`,
      error:
        'flows/main.yaml:5: node `welcome` is a dead end: from here no `hangup` or `queue` node can be reached, so the call goes round `welcome`, `again` for ever',
    },
    {
      what: 'a start node that does not exist',
      flow: `
          name: main
          numbers: ['4008200001']
          start: welcom
          nodes:
            welcome: { kind: hangup, prompt: [goodbye] }`,
      error: 'flows/main.yaml:3: `start` goes to `welcom`, which does not exist; did you mean `welcome`?',
    },
    {
      what: 'a field the kind does not take, with the likely one',
      flow: `${HEAD}
          welcome:
            kind: menu
            prompt: [menu-main]
            keys: { 0: bye }
            timeout: 5000
            fallback: bye
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:9: node `welcome` has field `timeout`, which a `menu` node does not take; did you mean `timeout_ms`?',
    },
    {
      what: 'setting a variable the call owns',
      flow: `${HEAD}
          welcome:
            kind: set
            variables: { caller: '13800138000' }
            next: bye
          bye: { kind: hangup }`,
      error: 'flows/main.yaml:7: node `welcome` cannot set `caller`: it is built in and set by the call',
    },
    {
      what: 'a ticket-status lookup without the ticket number',
      flow: `${HEAD}
          welcome: { kind: lookup, what: ticket_status, into: status, found: bye, not_found: bye }
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:5: node `welcome` needs `ticket`: the ticket number to look up, such as `${ticket_no}`',
    },
    {
      what: 'two nodes with one id',
      flow: `${HEAD}
          welcome: { kind: hangup }
          welcome: { kind: hangup, prompt: [goodbye] }`,
      error: 'flows/main.yaml:6: `welcome` appears twice in the same map',
    },
    {
      what: 'a terminator # left unquoted (YAML reads a comment)',
      flow: `${HEAD}
          welcome:
            kind: gather
            prompt: [menu-main]
            max_digits: 8
            terminator: #
            into: ticket_no
            next: bye
            fallback: bye
          bye: { kind: hangup }`,
      error:
        "flows/main.yaml:9: node `welcome` field `terminator` must be '#', '*' or none, got nothing (write '#' in quotes: # starts a YAML comment)",
    },
    {
      what: 'a dialled number with other characters than digits',
      flow: `
          name: main
          numbers: ['400-820-0000']
          start: bye
          nodes:
            bye: { kind: hangup }`,
      error: 'flows/main.yaml:2: number "400-820-0000" must be 3 to 20 digits, nothing else',
    },
    {
      what: 'a flow bound to no number that is not the default',
      flow: `
          name: main
          start: bye
          nodes:
            bye: { kind: hangup }`,
      error:
        'flows/main.yaml:1: the flow binds to no number: give it `numbers`, `default: true` to serve every other number, or `outbound: <campaign kind>`',
    },
    {
      what: 'a priority that does not exist',
      flow: `${HEAD}
          welcome: { kind: queue, skill: general, priority: urgent }`,
      error:
        'flows/main.yaml:5: node `welcome` field `priority` must be one of normal, vip, emergency, got "urgent"',
    },
    {
      what: 'fewer digits allowed than required',
      flow: `${HEAD}
          welcome:
            kind: gather
            prompt: [menu-main]
            min_digits: 6
            max_digits: 4
            into: pin
            next: bye
            fallback: bye
          bye: { kind: hangup }`,
      error: 'flows/main.yaml:8: node `welcome` field `min_digits` (6) is more than `max_digits` (4)',
    },
    {
      what: 'a branch case going to a node that does not exist, with the likely one',
      flow: `${HEAD}
          welcome:
            kind: branch
            value: '\${language}'
            cases:
              zh: chinese
              en: englsh
            default: chinese
          chinese: { kind: hangup, prompt: [goodbye] }
          english: { kind: hangup, prompt: [goodbye] }`,
      error:
        'flows/main.yaml:10: node `welcome` case `en` goes to `englsh`, which does not exist; did you mean `english`?',
    },
    {
      what: 'a branch default going to a node that does not exist, with the likely one',
      flow: `${HEAD}
          welcome: { kind: branch, value: '\${language}', cases: { zh: bye }, default: by }
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:5: node `welcome` field `default` goes to `by`, which does not exist; did you mean `bye`?',
    },
    {
      what: 'a branch without cases',
      flow: `${HEAD}
          welcome:
            kind: branch
            value: '\${language}'
            cases: {}
            default: bye
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:8: node `welcome` field `cases` must map values to nodes, such as `en: english`, got an empty map',
    },
    {
      what: 'a branch with no cases field at all',
      flow: `${HEAD}
          welcome: { kind: branch, value: '\${language}', default: bye }
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:5: node `welcome` needs `cases`: the values to branch on and the node each goes to, such as `en: english`',
    },
    {
      what: 'a branch without a default (a dead end)',
      flow: `${HEAD}
          welcome:
            kind: branch
            value: '\${language}'
            cases: { zh: bye, en: bye }
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:5: node `welcome` is a dead end: a `branch` node needs `default`, where the call goes when the value matches no case',
    },
    {
      what: 'a branch on a variable nothing sets, with the likely one',
      flow: `${HEAD}
          welcome:
            kind: branch
            value: '\${langauge}'
            cases: { en: bye }
            default: bye
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:7: node `welcome` reads `${langauge}`, which is neither built in nor set by the flow; did you mean `${language}`?',
    },
    {
      what: 'a branch value with no variable in it',
      flow: `${HEAD}
          welcome:
            kind: branch
            value: language
            cases: { en: bye }
            default: bye
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:7: node `welcome` field `value` reads no variable, so every call would go the same way; did you mean `${language}`?',
    },
    {
      what: 'a field a branch does not take',
      flow: `${HEAD}
          welcome:
            kind: branch
            value: '\${language}'
            cases: { en: bye }
            next: bye
            default: bye
          bye: { kind: hangup }`,
      error: 'flows/main.yaml:9: node `welcome` has field `next`, which a `branch` node does not take',
    },
    {
      what: 'a branch case that names no node',
      flow: `${HEAD}
          welcome:
            kind: branch
            value: '\${language}'
            cases:
              en: [bye]
            default: bye
          bye: { kind: hangup }`,
      error: 'flows/main.yaml:9: node `welcome` case `en` must name the node it goes to, got a list',
    },
    {
      what: 'a branch case for the empty value (which goes to default)',
      flow: `${HEAD}
          welcome:
            kind: branch
            value: '\${language}'
            cases:
              '': bye
            default: bye
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:9: node `welcome` has a case for an empty value: an empty or unset value goes to `default`',
    },
    {
      what: 'a branch case with spaces around it',
      flow: `${HEAD}
          welcome:
            kind: branch
            value: '\${language}'
            cases:
              ' en': bye
            default: bye
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:9: node `welcome` case " en" can never match: the value is compared without spaces around it',
    },
    {
      what: 'a branch whose every way leads round for ever',
      flow: `${HEAD}
          welcome: { kind: play, prompts: [welcome], next: lang }
          lang: { kind: branch, value: '\${language}', cases: { en: welcome }, default: lang }`,
      error:
        'flows/main.yaml:5: node `welcome` is a dead end: from here no `hangup` or `queue` node can be reached, so the call goes round `welcome`, `lang` for ever',
    },
    {
      what: 'reading out fees from something that is not a fee lookup',
      flow: `${HEAD}
          welcome: { kind: set, variables: { fees: '0' }, next: read }
          read: { kind: say, say: fee_balance, value: '\${fees}', next: bye }
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:6: node `read` says `fee_balance` of `${fees}`, which is not the `into` variable of a `fee_balance` lookup',
    },
    {
      what: 'a queue overflow without the longest wait',
      flow: `${HEAD}
          welcome: { kind: queue, skill: general, overflow: bye }
          bye: { kind: hangup }`,
      error:
        'flows/main.yaml:5: node `welcome` `overflow` needs `max_wait_s`: how long, in seconds, the caller waits for an agent before going there',
    },
    {
      what: 'a longest wait in the queue without the overflow',
      flow: `${HEAD}
          welcome: { kind: queue, skill: general, max_wait_s: 120 }`,
      error:
        'flows/main.yaml:5: node `welcome` `max_wait_s` needs `overflow`: the node the caller goes to after waiting that long, such as a voicemail',
    },
    {
      what: 'a longest wait too short to be heard',
      flow: `${HEAD}
          welcome: { kind: queue, skill: general, max_wait_s: 5, overflow: bye }
          bye: { kind: hangup }`,
      error: 'flows/main.yaml:5: node `welcome` field `max_wait_s` must be from 10 to 3600 seconds, got 5',
    },
  ];

  it.each(cases)('$what', ({ flow, error }) => {
    const result = loadFlow('flows/main.yaml', yaml(flow), ZH);
    expect(result.errors.map(format)).toEqual([error]);
    expect(result.flow).toBeUndefined();
  });

  it("the file is not YAML: the line, and the YAML parser's words", () => {
    const { errors } = check(`${HEAD}
      welcome: { kind: hangup`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^flows\/main\.yaml:5: the file is not valid YAML: /);
  });

  it('reports every problem of a file at once, in line order', () => {
    const { errors } = check(`${HEAD}
      welcome: { kind: play, prompts: [welcom], next: mian }
      main: { kind: queue }`);
    expect(errors).toEqual([
      'flows/main.yaml:5: node `welcome` prompt `welcom` is not in the prompt catalogue; did you mean `welcome`?',
      'flows/main.yaml:5: node `welcome` goes to `mian`, which does not exist; did you mean `main`?',
      'flows/main.yaml:6: node `main` needs `skill`: the skill of the agents who take the call, such as `general`',
    ]);
  });

  it('a misspelt branch default: the field with the likely name, and the dead end it leaves', () => {
    const { errors } = check(`${HEAD}
      welcome: { kind: branch, value: '\${language}', cases: { en: bye }, defualt: bye }
      bye: { kind: hangup }`);
    expect(errors).toEqual([
      'flows/main.yaml:5: node `welcome` has field `defualt`, which a `branch` node does not take; did you mean `default`?',
      'flows/main.yaml:5: node `welcome` is a dead end: a `branch` node needs `default`, where the call goes when the value matches no case',
    ]);
  });

  it('does not suggest a name that is not close', () => {
    const { errors } = check(`${HEAD}
      welcome: { kind: play, prompts: [welcome], next: somewhere }
      bye: { kind: hangup }`);
    expect(errors).toEqual(['flows/main.yaml:5: node `welcome` goes to `somewhere`, which does not exist']);
  });
});

describe('warnings', () => {
  it('names a node that is never reached, and the flow still loads', () => {
    const result = loadFlow(
      'flows/main.yaml',
      yaml(`${HEAD}
        welcome: { kind: hangup, prompt: [goodbye] }
        orphan: { kind: hangup }`),
      ZH,
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings.map(format)).toEqual([
      'flows/main.yaml:6: node `orphan` is never reached from `start` (`welcome`)',
    ]);
    expect(result.flow?.nodes.size).toBe(2);
  });

  it('counts a node reached only through a branch case or its default as reached', () => {
    const { errors, warnings } = check(`${HEAD}
      welcome:
        kind: branch
        value: '\${owner.vip}'
        cases: { 'yes': vip }
        default: general
      vip: { kind: queue, skill: general, priority: vip }
      general: { kind: queue, skill: general }`);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('names PIN prompts that will never be asked', () => {
    const { errors, warnings } = check(`${HEAD}
      welcome:
        kind: identify
        by: caller_id
        pin_prompt: [welcome]
        identified: bye
        unverified: bye
      bye: { kind: hangup }`);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      'flows/main.yaml:8: node `welcome` field `pin_prompt` is not used: `by` does not hold room_pin',
    ]);
  });
});

describe('a folder of flows', () => {
  const flow = (name: string, numbers: string, ...more: string[]) =>
    [
      `name: ${name}`,
      `numbers: [${numbers}]`,
      ...more,
      'start: bye',
      'nodes:',
      '  bye: { kind: hangup }',
    ].join('\n');

  it('binds each number to its flow and keeps the default for the rest', () => {
    const set = loadFlowFiles(
      [
        { file: 'flows/b.yaml', text: flow('cuihu', "'4008200002', '02150001234'") },
        { file: 'flows/a.yaml', text: flow('other', "'4008200001'", 'default: true') },
      ],
      ZH,
    );
    expect(set.errors).toEqual([]);
    expect([...set.byNumber].map(([number, f]) => [number, f.name])).toEqual([
      ['4008200001', 'other'],
      ['4008200002', 'cuihu'],
      ['02150001234', 'cuihu'],
    ]);
    expect(set.fallback?.name).toBe('other');
  });

  it('rejects the later of two flows bound to one number, and keeps the earlier one live', () => {
    const set = loadFlowFiles(
      [
        { file: 'flows/b.yaml', text: flow('second', "'4008200001'") },
        { file: 'flows/a.yaml', text: flow('first', "'4008200001'") },
      ],
      ZH,
    );
    expect(set.errors.map(format)).toEqual([
      'flows/b.yaml:2: number `4008200001` is already bound to the flow in flows/a.yaml',
    ]);
    expect(set.flows.map((f) => f.name)).toEqual(['first']);
    expect(set.byNumber.get('4008200001')?.name).toBe('first');
  });

  it('rejects a second default flow and a second flow of the same name', () => {
    const set = loadFlowFiles(
      [
        { file: 'flows/a.yaml', text: flow('default', "'4008200001'") },
        { file: 'flows/b.yaml', text: flow('default', "'4008200002'") },
      ],
      ZH,
    );
    expect(set.errors.map(format)).toEqual([
      'flows/b.yaml:1: flow name `default` is already used by flows/a.yaml',
      'flows/b.yaml:1: this flow is a default flow too, but flows/a.yaml already serves every other number',
    ]);
    expect(set.fallback?.file).toBe('flows/a.yaml');
  });
});

describe('did you mean', () => {
  it('counts a swap of two letters as one edit', () => {
    expect(editDistance('reprot', 'report')).toBe(1);
    expect(editDistance('meun', 'menu')).toBe(1);
    expect(editDistance('fees', 'fees')).toBe(0);
  });

  it('suggests the closest name only when it is close', () => {
    expect(suggest('reprot', ['repair', 'report', 'agent'])).toBe('report');
    expect(suggest('xyz', ['report'])).toBeNull();
  });
});

describe('templates', () => {
  it('fill variables in and read an unset one as nothing', () => {
    const parsed = parseTemplate('room ${unit.room} for ${owner.name}${missing}');
    expect(parsed).toEqual({
      parts: [
        { text: 'room ' },
        { variable: 'unit.room' },
        { text: ' for ' },
        { variable: 'owner.name' },
        { variable: 'missing' },
      ],
    });
    if ('error' in parsed) throw new Error(parsed.error);
    const values: Record<string, string> = { 'unit.room': 'B3-1502', 'owner.name': '张伟' };
    expect(renderTemplate(parsed.parts, (path) => values[path])).toBe('room B3-1502 for 张伟');
  });

  it('refuse an unclosed variable', () => {
    expect(parseTemplate('${caller')).toEqual({ error: '`${caller`, which has no closing `}`' });
  });
});
