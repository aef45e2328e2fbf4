// The shipped outbound flows (ivr/flows/outbound-*.yaml) through the simulator: the owner answers, already
// identified from the campaign's target, and hears the campaign's message in their language; what they press
// becomes the call's outcome (and the effects the controller writes: do-not-call, ticket, revisit record).
import { describe, expect, it } from 'vitest';
import type { PopOwner } from '../../core/index.ts';
import { simulate, type SimulationLine } from '../../ivr/flow/simulate.ts';
import { outboundFinish } from '../../ivr/outbound-call.ts';
import type { SelfServicePort, TicketRequest } from '../../ivr/self-service.ts';
import { sayAmount, sayDate, sayTicket, type PromptId } from '../../ivr/speech.ts';
import { loadFlowFiles } from '../../ivr/flow/load.ts';
import { load, reminderMessage, SETTINGS, shippedText, SMITH, ZH, ZHANG } from '../support/flow-fixtures.ts';

const FEE_REMINDER = load('ivr/flows/outbound-fee-reminder.yaml', shippedText('outbound-fee-reminder'));
const REVISIT = load('ivr/flows/outbound-revisit.yaml', shippedText('outbound-revisit'));
const NOTICE = load('ivr/flows/outbound-notice.yaml', shippedText('outbound-notice'));

const CAMPAIGN = {
  'campaign.id': '7',
  'campaign.kind': 'fee-reminder',
  'campaign.name': '2026年12月催缴',
  'attempt.id': '70',
  'attempt.no': '1',
  'arrears.total': '123450',
  'arrears.due_date': '2026-10-31',
  'arrears.items': '2',
  'revisit.scale_max': '5',
  'revisit.unsatisfied_max': '2',
};

function service(tickets: TicketRequest[] = []): SelfServicePort {
  const never = () => Promise.reject(new Error('an outbound flow asks nothing else'));
  return {
    identifyCaller: never,
    lookup: never,
    verifyRoomPin: never,
    hours: never,
    fileTicket: (request) => {
      tickets.push(request);
      return Promise.resolve({ number: '20260042', expectedDoneAt: null });
    },
    rememberLanguage: () => Promise.resolve(),
  };
}

async function answer(
  flow: typeof FEE_REMINDER,
  keys: string,
  opts: { owner?: PopOwner; vars?: Record<string, string>; tickets?: TicketRequest[] } = {},
) {
  const owner = opts.owner ?? ZHANG;
  const result = await simulate({
    flow,
    settings: SETTINGS,
    service: service(opts.tickets),
    from: '13800138000',
    dialled: '4008200000',
    keys,
    outbound: { owner, unitId: owner.units[0]!.unitId, vars: { ...CAMPAIGN, ...opts.vars } },
  });
  const heard = result.lines
    .filter((l): l is Extract<SimulationLine, { kind: 'heard' }> => l.kind === 'heard')
    .map((l) => l.prompts);
  return { ...result, heard, finish: outboundFinish(result.state) };
}

describe('the fee reminder', () => {
  it('says who is calling, the unit, the amount owed and the due date, then offers the choices', async () => {
    const { heard } = await answer(FEE_REMINDER, '1');
    expect(heard[0]).toEqual([...reminderMessage('B3-1502', 123450, '2026-10-31', 'zh'), 'menu-reminder']);
  });

  it('is spoken in the owner’s language', async () => {
    const { heard, state } = await answer(FEE_REMINDER, '1', { owner: SMITH });
    expect(state.lang).toBe('en');
    expect(heard[0]).toContain('reminder-owed');
    expect(heard[0]!.join(' ')).toContain(sayAmount(123450, 'en').join(' '));
  });

  it.each([
    ['1', 'acknowledged', 'reminder-acknowledged'],
    ['9', 'opted-out', 'opted-out'],
  ])('%s: %s, and the owner hears it confirmed', async (key, outcome, confirmation) => {
    const { finish, heard, end, lines } = await answer(FEE_REMINDER, key);
    expect(finish.outcome).toBe(outcome);
    expect(heard.at(-1)).toEqual([confirmation]);
    expect(end).toEqual({ kind: 'hung-up-by-flow' });
    expect(lines).toContainEqual({ kind: 'outcome', outcome, value: null });
  });

  it('2: to the fees desk (the screen pop says why)', async () => {
    const { finish, end } = await answer(FEE_REMINDER, '2');
    expect(finish.outcome).toBe('fees-desk');
    expect(end).toEqual({ kind: 'queued', queue: 'fees', priority: 'normal', intent: 'fee-reminder' });
  });

  it('3: a dispute ticket for the fees team, and its number read out', async () => {
    const tickets: TicketRequest[] = [];
    const { finish, heard } = await answer(FEE_REMINDER, '3', { tickets });
    expect(finish.outcome).toBe('disputed');
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ type: 'inquiry', ownerId: ZHANG.id, unitId: 11 });
    expect(tickets[0]!.description).toContain('fee dispute');
    expect(tickets[0]!.description).toContain('owed_fen: 123450');
    expect(heard.at(-1)).toEqual(['reminder-disputed', ...sayTicket('20260042', 'zh'), 'goodbye']);
  });

  it('no key at all after hearing the amount: heard', async () => {
    const { finish, path } = await answer(FEE_REMINDER, '-,-,-');
    expect(path).toContain('menu:fallback');
    expect(finish.outcome).toBe('heard');
  });

  it('a garbage key gets the menu again, then the choice counts', async () => {
    const { finish, heard } = await answer(FEE_REMINDER, '7,1');
    expect(heard[1]).toEqual(['invalid-key', 'menu-reminder']);
    expect(finish.outcome).toBe('acknowledged');
  });

  it('hanging up before the message is through: no-input', async () => {
    const state = (await answer(FEE_REMINDER, '')).state;
    // the simulator hears every playback in full; a hang-up during the first one is the state before it ended
    expect(
      outboundFinish({ ...state, outbound: { ...state.outbound!, heard: false, outcome: null } }).outcome,
    ).toBe('no-input');
  });
});

describe('the revisit', () => {
  const ticket = { 'campaign.kind': 'revisit', 'ticket.number': '20260007', 'ticket.type': 'repair' };

  it('names the ticket, asks for a score on the campaign’s scale, then a comment', async () => {
    const { heard, finish, lines } = await answer(REVISIT, '4', { vars: ticket });
    expect(heard[0]).toEqual([
      'revisit-intro',
      ...sayTicket('20260007', 'zh'),
      'revisit-type-repair',
      'revisit-score-ask',
      'digit-5',
      'revisit-score-ask-end',
    ]);
    expect(heard[1]).toEqual(['revisit-comment']);
    expect(lines).toContainEqual({ kind: 'outcome', outcome: 'score', value: '4 (satisfied)' });
    expect(finish).toMatchObject({ outcome: 'satisfied', score: 4, commentRecording: 'voicemail-simulated' });
  });

  it('a score at or under unsatisfied_max is unsatisfied', async () => {
    const { finish } = await answer(REVISIT, '2', { vars: ticket });
    expect(finish).toMatchObject({ outcome: 'unsatisfied', score: 2 });
  });

  it('a key off the scale is asked again', async () => {
    const { finish, path } = await answer(REVISIT, '8,5', { vars: { ...ticket, 'revisit.scale_max': '5' } });
    expect(path).toContain('score:invalid:8');
    expect(finish).toMatchObject({ outcome: 'satisfied', score: 5 });
  });

  it('no score at all: no-input', async () => {
    const { finish } = await answer(REVISIT, '-,-,-', { vars: ticket });
    expect(finish).toMatchObject({ outcome: 'no-input', score: null });
  });
});

describe('the notice', () => {
  const water = {
    'campaign.kind': 'notice',
    'notice.kind': 'water-cut',
    'notice.date': '2026-12-20',
    'notice.time': '09:00',
  };

  it('plays the kind, its date and time; heard', async () => {
    const { heard, finish } = await answer(NOTICE, '-', { vars: water });
    expect(heard[0]!.slice(0, 2)).toEqual(['notice-intro', 'notice-water-cut']);
    expect(heard[0]!.join(' ')).toContain(sayDate('2026-12-20', 'zh').join(' '));
    expect(finish.outcome).toBe('heard');
  });

  it('1 plays it again', async () => {
    const { heard } = await answer(NOTICE, '1,-', { vars: water });
    const kinds = heard.flat().filter((p: PromptId) => p === 'notice-water-cut');
    expect(kinds).toHaveLength(2);
  });
});

describe('outbound flow files', () => {
  it('bind to a campaign kind, one flow per kind, and only they may have outcome nodes', () => {
    const file = (name: string, body: string) => ({ file: `flows/${name}.yaml`, text: body });
    const flow = (extra: string) =>
      `name: NAME\n${extra}\nstart: a\nnodes:\n  a: { kind: outcome, outcome: heard, next: b }\n  b: { kind: hangup }\n`;
    const set = loadFlowFiles(
      [
        file('a', flow('outbound: notice').replace('NAME', 'a')),
        file('b', flow('outbound: notice').replace('NAME', 'b')),
        file('c', flow("numbers: ['4008200009']").replace('NAME', 'c')),
      ],
      ZH,
    );
    expect(set.byOutbound.get('notice')?.name).toBe('a');
    expect(set.errors.map((e) => `${e.file}:${e.line}: ${e.message}`)).toEqual([
      'flows/b.yaml:2: the notice calls already run the flow in flows/a.yaml',
      'flows/c.yaml:5: is an `outcome` node, which only an outbound flow (`outbound: <campaign kind>`) has',
    ]);
  });
});
