// Whole calls run through the simulator (ivr/flow/simulate.ts): the flow interpreter against a fake self-service
// port and a keypad script. What the caller hears (prompt ids, one list per playback), where the call ends and
// the call path, for the shipped hotline flow (ivr/flows/default.yaml) and for small flows written here, one per
// node kind and edge case.
import { describe, expect, it } from 'vitest';
import type { PopArrear, PopOwner } from '../../core/index.ts';
import { newFlowCall, stepFlow, type FlowCallSettings, type HoursState } from '../../ivr/flow/interpreter.ts';
import { loadFlow } from '../../ivr/flow/load.ts';
import type { FeeKindTotal, NoticeReadout, TicketStatusReadout } from '../../ivr/flow/readouts.ts';
import { simulate, type SimulationLine, type SimulationResult } from '../../ivr/flow/simulate.ts';
import type { Flow } from '../../ivr/flow/types.ts';
import type { LookupRequest, SelfServicePort, TicketRequest } from '../../ivr/self-service.ts';
import type { Language, PromptId } from '../../ivr/speech.ts';
import { LI, load, SETTINGS, shippedText, SMITH, ZH, ZHANG } from '../support/flow-fixtures.ts';

const SHIPPED = loadFlow('ivr/flows/default.yaml', shippedText('default'), ZH);
/** The shipped hotline flow. */
const DEFAULT: Flow = load('ivr/flows/default.yaml', shippedText('default'));

/** Sunday 15 November 2026, 14:30 in Shanghai. */
const AT = new Date('2026-11-15T06:30:00Z');
const DIALLED = '4008001234';

// ---------------------------------------------------------------------------------------------------------
// The world the fake self-service port answers from.

const ZHANG_PHONE = '13800138000';
const LI_PHONE = '13900139000';
const SMITH_PHONE = '13700137000';
const UNKNOWN_PHONE = '02161234567';

const OWNERS_BY_NUMBER: Record<string, PopOwner> = {
  [ZHANG_PHONE]: ZHANG,
  [LI_PHONE]: LI,
  [SMITH_PHONE]: SMITH,
};

/** Room code as keyed (digits of B3-1502) and PIN → owner and unit. */
const ROOM_PINS = [
  { room: '31502', pin: '8000', owner: ZHANG, unitId: 11 },
  { room: '21203', pin: '2468', owner: LI, unitId: 22 },
];

const FEE_ITEMS: PopArrear[] = [
  { unitId: 11, roomCode: 'B3-1502', kind: 'property', amountFen: 123450, dueDate: '2026-10-31' },
  { unitId: 11, roomCode: 'B3-1502', kind: 'water', amountFen: 5600, dueDate: '2026-11-20' },
  { unitId: 21, roomCode: 'B1-0801', kind: 'property', amountFen: 200000, dueDate: '2026-09-30' },
];

const BILLS_BY_UNIT: Record<number, FeeKindTotal[]> = {
  11: [
    { kind: 'property', amountFen: 123450, items: 1 },
    { kind: 'water', amountFen: 5600, items: 1 },
    { kind: 'parking', amountFen: 0, items: 0 },
  ],
  21: [{ kind: 'property', amountFen: 200000, items: 1 }],
};

const TICKETS: TicketStatusReadout[] = [
  { number: '10000007', status: 'dispatched', expectedDoneAt: '2026-11-16T10:00:00Z' },
];

const WATER_CUT: NoticeReadout = {
  kind: 'water-cut',
  building: '3号楼',
  startsAt: '2026-11-24T01:00:00Z',
  endsAt: '2026-11-24T09:00:00Z',
};

/** What the flow asked of the outside world. */
interface Asked {
  lookups: LookupRequest[];
  pins: { roomKeys: string; pin: string }[];
  hours: { estate: string | null; unitId: number | null }[];
  tickets: TicketRequest[];
  languages: { ownerId: number; language: Language }[];
}

function fakeService(world: { hours: HoursState; notices: NoticeReadout[] }): {
  service: SelfServicePort;
  asked: Asked;
} {
  const asked: Asked = { lookups: [], pins: [], hours: [], tickets: [], languages: [] };
  let nextTicket = 10000041;
  const service: SelfServicePort = {
    identifyCaller: (callerNumber) =>
      Promise.resolve(callerNumber === null ? null : (OWNERS_BY_NUMBER[callerNumber] ?? null)),
    lookup: (request) => {
      asked.lookups.push(request);
      switch (request.what) {
        case 'fee_balance':
          return Promise.resolve({
            what: 'fee_balance',
            items: FEE_ITEMS.filter((i) => request.unitIds.includes(i.unitId)),
          });
        case 'bills': {
          const byKind = new Map<string, FeeKindTotal>();
          for (const k of request.unitIds.flatMap((id) => BILLS_BY_UNIT[id] ?? [])) {
            const sum = byKind.get(k.kind) ?? { kind: k.kind, amountFen: 0, items: 0 };
            byKind.set(k.kind, {
              ...sum,
              amountFen: sum.amountFen + k.amountFen,
              items: sum.items + k.items,
            });
          }
          return Promise.resolve({ what: 'bills', byKind: [...byKind.values()] });
        }
        case 'ticket_status':
          return Promise.resolve({
            what: 'ticket_status',
            ticket: TICKETS.find((t) => t.number === request.ticket) ?? null,
          });
        case 'notices':
          return Promise.resolve({ what: 'notices', notices: world.notices });
      }
    },
    verifyRoomPin: (roomKeys, pin) => {
      asked.pins.push({ roomKeys, pin });
      const found = ROOM_PINS.find((r) => r.room === roomKeys && r.pin === pin);
      return Promise.resolve(found ? { owner: found.owner, unitId: found.unitId } : null);
    },
    hours: (estate, unitId) => {
      asked.hours.push({ estate, unitId });
      return Promise.resolve(world.hours);
    },
    fileTicket: (request) => {
      asked.tickets.push(request);
      return Promise.resolve({ number: String(nextTicket++), expectedDoneAt: null });
    },
    rememberLanguage: (ownerId, language) => {
      asked.languages.push({ ownerId, language });
      return Promise.resolve();
    },
  };
  return { service, asked };
}

interface Call extends SimulationResult {
  /** What the caller heard, one list of prompt ids per playback. */
  heard: PromptId[][];
  /** The language of each playback. */
  langs: Language[];
  asked: Asked;
}

async function call(opts: {
  flow?: Flow;
  from: string | null;
  keys?: string;
  hours?: HoursState;
  notices?: NoticeReadout[];
  settings?: FlowCallSettings;
}): Promise<Call> {
  const { service, asked } = fakeService({ hours: opts.hours ?? 'open', notices: opts.notices ?? [] });
  const result = await simulate({
    flow: opts.flow ?? DEFAULT,
    settings: opts.settings ?? SETTINGS,
    service,
    from: opts.from,
    dialled: DIALLED,
    keys: opts.keys ?? '',
    at: AT,
  });
  const playbacks = result.lines.filter(
    (l): l is Extract<SimulationLine, { kind: 'heard' }> => l.kind === 'heard',
  );
  return { ...result, heard: playbacks.map((l) => l.prompts), langs: playbacks.map((l) => l.lang), asked };
}

// ---------------------------------------------------------------------------------------------------------
// What is read out, in Chinese unless said otherwise.

/** 三号楼 一五零二室 */
const ROOM_B3_1502 = ['digit-3', 'building', 'digit-1', 'digit-5', 'digit-0', 'digit-2', 'room'];
/** 一号楼 零八零一室 */
const ROOM_B1_0801 = ['digit-1', 'building', 'digit-0', 'digit-8', 'digit-0', 'digit-1', 'room'];
/** 二号楼 一二零三室 */
const ROOM_B2_1203 = ['digit-2', 'building', 'digit-1', 'digit-2', 'digit-0', 'digit-3', 'room'];
/** 二零二六年十月三十一日 */
const DATE_2026_10_31 = [
  ...['digit-2', 'digit-0', 'digit-2', 'digit-6', 'year'],
  ...['ten', 'month', 'digit-3', 'ten', 'digit-1', 'day'],
];
/** 二零二六年九月三十日 */
const DATE_2026_09_30 = [
  ...['digit-2', 'digit-0', 'digit-2', 'digit-6', 'year'],
  ...['digit-9', 'month', 'digit-3', 'ten', 'day'],
];
/** 一千二百九十元五角 */
const YUAN_1290_50 = [
  'digit-1',
  'thousand',
  'digit-2',
  'hundred',
  'digit-9',
  'ten',
  'yuan',
  'digit-5',
  'jiao',
];
/** 一千二百三十四元五角 */
const YUAN_1234_50 = [
  ...['digit-1', 'thousand', 'digit-2', 'hundred', 'digit-3', 'ten', 'digit-4', 'yuan'],
  ...['digit-5', 'jiao'],
];
/** 五十六元整 */
const YUAN_56 = ['digit-5', 'ten', 'digit-6', 'yuan', 'zheng'];
/** 两千元整 */
const YUAN_2000 = ['liang', 'thousand', 'yuan', 'zheng'];

/** B3-1502 owes 1,290.50 yuan, due 31 October 2026 (the earliest of its two bills). */
const FEES_B3_1502 = [
  'fees-unit',
  ...ROOM_B3_1502,
  'fees-owed',
  ...YUAN_1290_50,
  'fees-due',
  ...DATE_2026_10_31,
];
/** Of which: property fee 1,234.50 yuan, water 56 yuan (parking, at nothing, is not read). */
const BILLS_B3_1502 = ['fees-breakdown', 'fee-kind-property', ...YUAN_1234_50, 'fee-kind-water', ...YUAN_56];

/** A ticket number digit by digit, 1 as 幺: the fake files 10000041 first, then 10000042, ... */
const TICKET_10000041 = [
  ...['digit-1-yao', 'digit-0', 'digit-0', 'digit-0', 'digit-0', 'digit-0'],
  ...['digit-4', 'digit-1-yao'],
];
const TICKET_10000042 = [
  ...['digit-1-yao', 'digit-0', 'digit-0', 'digit-0', 'digit-0', 'digit-0'],
  ...['digit-4', 'digit-2'],
];
const TICKET_10000007 = [
  ...['digit-1-yao', 'digit-0', 'digit-0', 'digit-0', 'digit-0', 'digit-0'],
  ...['digit-0', 'digit-7'],
];

/** Welcome, then the owner's greeting: played with what follows the opening hours, as one playback. */
const GREETING = ['welcome', 'welcome-owner'];
/** The main menu, then the other language offered in that language (9). */
const MAIN_MENU = ['menu-main-full', 'press-9-other-language'];
/** The after-hours menu, with the same offer. */
const AFTER_HOURS_MENU = ['menu-after-hours', 'press-9-other-language'];

// ---------------------------------------------------------------------------------------------------------
// The shipped hotline flow.

describe('the hotline (ivr/flows/default.yaml)', () => {
  it('loads without errors', () => {
    expect(SHIPPED.errors).toEqual([]);
  });

  it('a known owner presses 1 and hears the arrears of unit B3-1502 then the breakdown by kind', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '1' });
    expect(c.lines[0]).toEqual({ kind: 'identified', owner: ZHANG, by: 'caller-id' });
    expect(c.heard).toEqual([
      [...GREETING, ...MAIN_MENU],
      [...FEES_B3_1502, ...BILLS_B3_1502, 'menu-fees'],
    ]);
    expect(c.asked.lookups.map((l) => [l.what, l.unitIds])).toEqual([
      ['fee_balance', [11]],
      ['bills', [11]],
    ]);
    expect(c.path).toEqual(['identified:caller-id', 'hours:open', 'menu:1', 'fees', 'bills']);
    expect(c.end).toEqual({ kind: 'caller-hung-up' });
  });

  it('an unknown number keys room 31502# and PIN 8000# and reaches the main menu', async () => {
    const c = await call({ from: UNKNOWN_PHONE, keys: '31502#,8000#' });
    expect(c.heard).toEqual([['welcome', 'enter-room'], ['enter-pin'], ['welcome-owner', ...MAIN_MENU]]);
    expect(c.asked.pins).toEqual([{ roomKeys: '31502', pin: '8000' }]);
    expect(c.lines).toContainEqual({ kind: 'identified', owner: ZHANG, by: 'room-pin' });
    expect(c.asked.hours).toEqual([{ estate: null, unitId: 11 }]);
    expect(c.path).toEqual(['unknown-caller', 'verified:room-pin', 'hours:open']);
    expect(c.state.vars).toMatchObject({ 'owner.name': '张伟', 'unit.room': 'B3-1502' });
  });

  it('a withheld number is asked for the room code at once, without a caller-ID lookup', async () => {
    const c = await call({ from: null, keys: '31502#,8000#,0' });
    expect(c.lines.filter((l) => l.kind === 'identified')).toEqual([
      { kind: 'identified', owner: ZHANG, by: 'room-pin' },
    ]);
    expect(c.heard[0]).toEqual(['welcome', 'enter-room']);
    expect(c.end).toEqual({ kind: 'queued', queue: 'general', priority: 'normal', intent: 'agent' });
  });

  it('room code and PIN keyed in one go, during the prompts, count the same (barge-in)', async () => {
    const c = await call({ from: UNKNOWN_PHONE, keys: '31502#8000#' });
    expect(c.asked.pins).toEqual([{ roomKeys: '31502', pin: '8000' }]);
    expect(c.path).toEqual(['unknown-caller', 'verified:room-pin', 'hours:open']);
  });

  it('a PIN wrong three times leaves the caller unverified, put through to an agent as such', async () => {
    const c = await call({ from: UNKNOWN_PHONE, keys: '31502#,1111#,31502#,2222#,31502#,3333#' });
    expect(c.heard).toEqual([
      ['welcome', 'enter-room'],
      ['enter-pin'],
      ['wrong-pin', 'enter-room'],
      ['enter-pin'],
      ['wrong-pin', 'enter-room'],
      ['enter-pin'],
      ['wrong-pin', 'verify-failed-agent'],
    ]);
    expect(c.asked.pins).toHaveLength(3);
    expect(c.path).toEqual(['unknown-caller', 'unverified', 'hours:open']);
    expect(c.end).toEqual({ kind: 'queued', queue: 'general', priority: 'normal', intent: 'unverified' });
    expect(c.state.owner).toBeNull();
  });

  it('a caller who keys nothing for the room code is asked again after "no input"', async () => {
    const c = await call({ from: UNKNOWN_PHONE, keys: '-,31502#,8000#' });
    expect(c.heard.slice(0, 3)).toEqual([
      ['welcome', 'enter-room'],
      ['no-input', 'enter-room'],
      ['enter-pin'],
    ]);
    expect(c.path).toEqual(['unknown-caller', 'verified:room-pin', 'hours:open']);
  });

  it('after hours, 1 → voicemail → a complaint ticket with the recording, number read back', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '1', hours: 'closed' });
    expect(c.heard).toEqual([
      [...GREETING, 'after-hours', ...AFTER_HOURS_MENU],
      ['leave-message'],
      ['message-saved', ...TICKET_10000041, 'goodbye'],
    ]);
    expect(c.lines).toContainEqual({ kind: 'recorded', name: 'voicemail-simulated' });
    expect(c.lines).toContainEqual({ kind: 'ticket', number: '10000041', type: 'complaint', urgent: false });
    expect(c.asked.tickets).toEqual([
      {
        do: 'create-ticket',
        type: 'complaint',
        category: 'after-hours voicemail',
        urgent: false,
        description: 'after-hours voicemail',
        recording: 'voicemail-simulated',
        ownerId: 1,
        unitId: 11,
      },
    ]);
    expect(c.path).toEqual([
      'identified:caller-id',
      'hours:closed',
      'menu:1',
      'voicemail',
      'ticket:10000041',
    ]);
    expect(c.end).toEqual({ kind: 'hung-up-by-flow' });
  });

  it('on a public holiday the caller hears the holiday prompt, then the after-hours menu', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '8', hours: 'holiday' });
    expect(c.heard).toEqual([[...GREETING, 'holiday', ...AFTER_HOURS_MENU], ['to-emergency']]);
    expect(c.path).toEqual(['identified:caller-id', 'hours:holiday', 'menu:8']);
    expect(c.end).toEqual({ kind: 'queued', queue: 'emergency', priority: 'emergency', intent: 'emergency' });
  });

  it('after hours, silence in the menu ends in a voicemail all the same (its fallback)', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '-,-,-', hours: 'closed' });
    expect(c.heard.slice(1)).toEqual([
      ['no-input', ...AFTER_HOURS_MENU],
      ['no-input', ...AFTER_HOURS_MENU],
      ['no-input', 'leave-message'],
      ['message-saved', ...TICKET_10000041, 'goodbye'],
    ]);
    expect(c.asked.tickets[0]?.type).toBe('complaint');
  });

  it('2,1,1 files an urgent water repair and queues to repairs at emergency priority with the ticket number read first', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '2,1,1' });
    expect(c.heard).toEqual([
      [...GREETING, ...MAIN_MENU],
      ['menu-repair-kind'],
      ['menu-repair-urgent'],
      ['repair-registered', 'ticket-number-is', ...TICKET_10000041, 'repair-urgent-agent'],
    ]);
    expect(c.lines).toContainEqual({ kind: 'ticket', number: '10000041', type: 'repair', urgent: true });
    expect(c.asked.tickets).toHaveLength(1);
    expect(c.asked.tickets[0]).toMatchObject({ type: 'repair', urgent: true, ownerId: 1, unitId: 11 });
    expect(c.asked.tickets[0]?.description).toContain('reported: by phone (IVR), urgent\nunit: B3-1502');
    expect(c.path).toEqual([
      'identified:caller-id',
      'hours:open',
      'menu:2',
      'menu:1',
      'menu:1',
      'ticket:10000041',
    ]);
    expect(c.end).toEqual({
      kind: 'queued',
      queue: 'repairs',
      priority: 'emergency',
      intent: 'urgent-repair',
    });
  });

  it('the repair ticket is filed under the kind of repair the caller chose (category ${repair})', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '2,1,1' });
    expect(c.asked.tickets[0]?.category).toBe('water');
    expect(c.asked.tickets[0]?.description.split('\n')[0]).toBe('water');
  });

  it('2,3,2 files a gas repair that is not urgent, reads its number back and returns to the main menu', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '2,3,2' });
    expect(c.heard.at(-1)).toEqual([
      'repair-registered',
      'ticket-number-is',
      ...TICKET_10000041,
      ...MAIN_MENU,
    ]);
    expect(c.asked.tickets[0]).toMatchObject({ type: 'repair', urgent: false, recording: null });
    expect(c.end).toEqual({ kind: 'caller-hung-up' });
  });

  it('keys pressed while a menu prompt plays count: 21 at once reaches the urgency question', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '21' });
    expect(c.heard.slice(1)).toEqual([['menu-repair-kind'], ['menu-repair-urgent']]);
    expect(c.path).toEqual(['identified:caller-id', 'hours:open', 'menu:2', 'menu:1']);
  });

  it('9 switches a Chinese-speaking owner to English and the choice is saved', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '9' });
    // the menu offers English in English (press-9-other-language's Chinese column), then everything is English
    expect(c.heard).toEqual([
      [...GREETING, ...MAIN_MENU],
      ['language-switched', ...MAIN_MENU],
    ]);
    expect(c.langs).toEqual(['zh', 'en']);
    expect(c.lines).toContainEqual({ kind: 'language-saved', language: 'en' });
    expect(c.asked.languages).toEqual([{ ownerId: 1, language: 'en' }]);
    expect(c.path).toEqual(['identified:caller-id', 'hours:open', 'menu:9', 'language:en']);
  });

  it('9 switches an owner whose saved language is English back to Chinese, and that is saved', async () => {
    const c = await call({ from: SMITH_PHONE, keys: '9' });
    // the English menu offers Chinese in Mandarin (the English column), then everything is Chinese
    expect(c.heard).toEqual([
      [...GREETING, ...MAIN_MENU],
      ['language-switched', ...MAIN_MENU],
    ]);
    expect(c.langs).toEqual(['en', 'zh']);
    expect(c.lines).toContainEqual({ kind: 'language-saved', language: 'zh' });
    expect(c.asked.languages).toEqual([{ ownerId: 4, language: 'zh' }]);
    expect(c.path).toEqual(['identified:caller-id', 'hours:open', 'menu:9', 'language:zh']);
  });

  it('9 twice goes to English and back to Chinese, each choice saved', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '9,9' });
    expect(c.langs).toEqual(['zh', 'en', 'zh']);
    expect(c.asked.languages).toEqual([
      { ownerId: 1, language: 'en' },
      { ownerId: 1, language: 'zh' },
    ]);
    expect(c.path.slice(2)).toEqual(['menu:9', 'language:en', 'menu:9', 'language:zh']);
  });

  it('after hours, 9 switches the language too and comes back to the after-hours menu', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '9,1', hours: 'closed' });
    expect(c.heard.slice(0, 3)).toEqual([
      [...GREETING, 'after-hours', ...AFTER_HOURS_MENU],
      ['language-switched', ...AFTER_HOURS_MENU],
      ['leave-message'],
    ]);
    expect(c.langs.slice(0, 3)).toEqual(['zh', 'en', 'en']);
    expect(c.asked.languages).toEqual([{ ownerId: 1, language: 'en' }]);
    expect(c.path).toEqual([
      'identified:caller-id',
      'hours:closed',
      'menu:9',
      'language:en',
      'menu:1',
      'voicemail',
      'ticket:10000041',
    ]);
  });

  it('an owner registered as English speaking hears the hotline in English, and nothing is saved', async () => {
    const c = await call({ from: SMITH_PHONE, keys: '1' });
    expect(c.langs.every((l) => l === 'en')).toBe(true);
    // building five, room zero three zero two: no fees owed; nothing by kind either, so straight to the menu
    expect(c.heard.slice(1)).toEqual([
      ['fees-unit', 'building', 'n-5', 'room', 'n-0', 'n-3', 'n-0', 'n-2', 'fees-none', 'menu-fees'],
    ]);
    expect(c.asked.languages).toEqual([]);
  });

  it('3 and a ticket number read the ticket’s status and expected completion', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '3,10000007#' });
    expect(c.heard.slice(1)).toEqual([
      ['enter-ticket'],
      [
        ...['ticket-number-is', ...TICKET_10000007],
        ...['ticket-status-is', 'ticket-status-dispatched'],
        // 十一月十六日 十八点
        ...[
          'ticket-expected',
          'ten',
          'digit-1',
          'month',
          'ten',
          'digit-6',
          'day',
          'ten',
          'digit-8',
          'o-clock',
        ],
        ...MAIN_MENU,
      ],
    ]);
    expect(c.asked.lookups).toMatchObject([{ what: 'ticket_status', ticket: '10000007' }]);
    expect(c.path).toEqual([
      'identified:caller-id',
      'hours:open',
      'menu:3',
      'gather:ticket-number',
      'ticket_status',
    ]);
  });

  it('a ticket number that does not exist reads "ticket not found"', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '3,999999#' });
    expect(c.heard.at(-1)).toEqual(['ticket-not-found', ...MAIN_MENU]);
  });

  it('too few digits for a ticket number are a wrong entry; three of them go back to the main menu', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '3,123#,45#,-' });
    expect(c.heard.slice(1)).toEqual([
      ['enter-ticket'],
      ['invalid-key', 'enter-ticket'],
      ['invalid-key', 'enter-ticket'],
      ['no-input', ...MAIN_MENU],
    ]);
    expect(c.asked.lookups).toEqual([]);
    expect(c.path).toEqual(['identified:caller-id', 'hours:open', 'menu:3', 'gather:fallback']);
  });

  it('4 reads the current notices of the estate', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '4', notices: [WATER_CUT] });
    // 停水 三号楼 从 十一月二十四日 九点 到 十一月二十四日 十七点
    const nov24 = ['ten', 'digit-1', 'month', 'digit-2', 'ten', 'digit-4', 'day'];
    expect(c.heard.at(-1)).toEqual([
      ...['notices-intro', 'notice-water-cut', 'digit-3', 'building'],
      ...['from', ...nov24, 'digit-9', 'o-clock'],
      ...['to', ...nov24, 'ten', 'digit-7', 'o-clock'],
      ...MAIN_MENU,
    ]);
    expect(c.path).toEqual(['identified:caller-id', 'hours:open', 'menu:4', 'notices']);
  });

  it('4 without any notice says there are none', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '4' });
    expect(c.heard.at(-1)).toEqual(['notices-none', ...MAIN_MENU]);
  });

  it('5 reaches the complaints desk, 0 a general agent, 8 the emergency line', async () => {
    expect((await call({ from: ZHANG_PHONE, keys: '5' })).end).toEqual({
      kind: 'queued',
      queue: 'complaints',
      priority: 'normal',
      intent: 'complaint',
    });
    expect((await call({ from: ZHANG_PHONE, keys: '0' })).end).toEqual({
      kind: 'queued',
      queue: 'general',
      priority: 'normal',
      intent: 'agent',
    });
    const emergency = await call({ from: ZHANG_PHONE, keys: '8' });
    expect(emergency.heard.at(-1)).toEqual(['to-emergency']);
    expect(emergency.end).toEqual({
      kind: 'queued',
      queue: 'emergency',
      priority: 'emergency',
      intent: 'emergency',
    });
  });

  it('a wrong key in the main menu is answered with "invalid key" and the menu again', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '7' });
    expect(c.heard).toEqual([
      [...GREETING, ...MAIN_MENU],
      ['invalid-key', ...MAIN_MENU],
    ]);
    expect(c.path).toEqual(['identified:caller-id', 'hours:open', 'menu:invalid:7']);
  });

  it('silence three times in the main menu puts the caller through to an agent', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '-,-,-' });
    expect(c.lines.filter((l) => l.kind === 'silence')).toHaveLength(3);
    expect(c.heard).toEqual([
      [...GREETING, ...MAIN_MENU],
      ['no-input', ...MAIN_MENU],
      ['no-input', ...MAIN_MENU],
      ['no-input', 'to-agent'],
    ]);
    expect(c.path).toEqual([
      'identified:caller-id',
      'hours:open',
      'menu:no-input',
      'menu:no-input',
      'menu:no-input',
      'menu:fallback',
    ]);
    expect(c.end).toEqual({ kind: 'queued', queue: 'general', priority: 'normal', intent: 'agent' });
  });

  it('the fees menu: 1 reads the fees again, * returns to the main menu', async () => {
    const c = await call({ from: ZHANG_PHONE, keys: '1,1,*' });
    expect(c.heard.slice(1)).toEqual([
      [...FEES_B3_1502, ...BILLS_B3_1502, 'menu-fees'],
      [...FEES_B3_1502, ...BILLS_B3_1502, 'menu-fees'],
      MAIN_MENU,
    ]);
  });

  describe('an owner with two units (a VIP)', () => {
    const choices = [
      'unit-press',
      'digit-1',
      'unit-for',
      ...ROOM_B1_0801,
      'unit-press',
      'digit-2',
      'unit-for',
      ...ROOM_B2_1203,
    ];

    it('picks B2-1203 by key and is then greeted', async () => {
      const c = await call({ from: LI_PHONE, keys: '2' });
      expect(c.heard).toEqual([
        ['welcome', 'pick-unit', ...choices],
        ['welcome-owner', ...MAIN_MENU],
      ]);
      expect(c.path).toEqual(['identified:caller-id', 'unit:B2-1203', 'hours:open']);
      expect(c.asked.hours).toEqual([{ estate: null, unitId: 22 }]);
    });

    it('pressing a key no unit has is a wrong key and the units are offered again', async () => {
      const c = await call({ from: LI_PHONE, keys: '7,0,1' });
      expect(c.heard.slice(0, 3)).toEqual([
        ['welcome', 'pick-unit', ...choices],
        ['invalid-key', 'pick-unit', ...choices],
        ['invalid-key', 'pick-unit', ...choices],
      ]);
      expect(c.path).toEqual(['identified:caller-id', 'unit:B1-0801', 'hours:open']);
    });

    it('pressing * while picking a unit is a wrong key, not silence', async () => {
      const c = await call({ from: LI_PHONE, keys: '*,1' });
      expect(c.heard[1]).toEqual(['invalid-key', 'pick-unit', ...choices]);
    });

    it('who picks B2-1203 and presses 1 hears only that unit’s fees', async () => {
      const c = await call({ from: LI_PHONE, keys: '2,1' });
      expect(c.asked.lookups.map((l) => l.unitIds)).toEqual([[22], [22]]);
      expect(c.heard.slice(2)).toEqual([['fees-unit', ...ROOM_B2_1203, 'fees-none', 'menu-fees']]);
    });

    it('who picks none hears the fees of both units and the total', async () => {
      const c = await call({ from: LI_PHONE, keys: '-,-,-,1' });
      expect(c.path).toEqual(['identified:caller-id', 'hours:open', 'menu:1', 'fees', 'bills']);
      expect(c.asked.lookups.map((l) => l.unitIds)).toEqual([
        [21, 22],
        [21, 22],
      ]);
      expect(c.heard.at(-1)).toEqual([
        ...['fees-unit', ...ROOM_B1_0801, 'fees-owed', ...YUAN_2000, 'fees-due', ...DATE_2026_09_30],
        ...['fees-unit', ...ROOM_B2_1203, 'fees-none'],
        ...['fees-total', ...YUAN_2000],
        ...['fees-breakdown', 'fee-kind-property', ...YUAN_2000, 'menu-fees'],
      ]);
    });

    it('is queued at VIP priority for an agent, and at emergency priority for an emergency', async () => {
      expect((await call({ from: LI_PHONE, keys: '1,0' })).end).toEqual({
        kind: 'queued',
        queue: 'general',
        priority: 'vip',
        intent: 'agent',
      });
      expect((await call({ from: LI_PHONE, keys: '1,8' })).end).toMatchObject({ priority: 'emergency' });
    });

    it('verified by room code and PIN, has the unit of that room without picking', async () => {
      const c = await call({ from: UNKNOWN_PHONE, keys: '21203#,2468#' });
      expect(c.path).toEqual(['unknown-caller', 'verified:room-pin', 'hours:open']);
      expect(c.state.vars['unit.room']).toBe('B2-1203');
      expect(c.heard.slice(2)).toEqual([['welcome-owner', ...MAIN_MENU]]);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Small flows, one node kind or edge case each.

let flows = 0;
/** A flow of the given nodes, starting at the first; bound to a number of its own. */
function flow(nodes: string, language: Language = 'zh'): Flow {
  flows++;
  const start = /^ {2}([A-Za-z][\w-]*):/m.exec(nodes)![1]!;
  return load(
    `flows/test-${flows}.yaml`,
    `name: test-${flows}\nnumbers: ['40082009${String(flows).padStart(2, '0')}']\nlanguage: ${language}\nstart: ${start}\nnodes:\n${nodes}`,
  );
}

describe('play and say', () => {
  /** Sets `x` to `value`, says it as `as`, says goodbye. */
  const sayFlow = (as: string, value: string) =>
    flow(`  values: { kind: set, variables: { x: '${value}' }, next: read }
  read: { kind: say, say: ${as}, value: '\${x}', next: bye }
  bye: { kind: hangup, prompt: [goodbye] }
`);

  it.each([
    ['number', '1502', ['digit-1', 'thousand', 'digit-5', 'hundred', 'digit-0', 'digit-2']],
    ['digits', '1380', ['digit-1-yao', 'digit-3', 'digit-8', 'digit-0']],
    ['amount', '200', ['liang', 'yuan', 'zheng']],
    ['date', '2026-10-31', DATE_2026_10_31],
    ['time', '14:30', ['ten', 'digit-4', 'o-clock', 'digit-3', 'ten', 'minute']],
    ['ticket', '10000041', TICKET_10000041],
    ['room', 'B3-1502', ROOM_B3_1502],
  ])('say %s of %s', async (as, value, expected) => {
    const c = await call({ flow: sayFlow(as, value), from: UNKNOWN_PHONE });
    expect(c.heard).toEqual([[...expected, 'goodbye']]);
    expect(c.end).toEqual({ kind: 'hung-up-by-flow' });
  });

  it.each([
    ['number', 'many'],
    ['amount', '-5'],
    ['date', '2026-02-30'],
    ['time', '25:00'],
    ['room', 'lobby'],
  ])('a value that cannot be said as %s (%s) is left out', async (as, value) => {
    const c = await call({ flow: sayFlow(as, value), from: UNKNOWN_PHONE });
    expect(c.heard).toEqual([['goodbye']]);
  });

  it('play mixes recorded prompts with values, and the date and time of the call are built in', async () => {
    const c = await call({
      flow: flow(`  hello:
    kind: play
    prompts: [welcome, { say: date, value: '\${now.date}' }, { say: time, value: '\${now.time}' }]
    next: bye
  bye: { kind: hangup }
`),
      from: UNKNOWN_PHONE,
    });
    // 二零二六年十一月十五日 十四点三十分
    expect(c.heard).toEqual([
      [
        'welcome',
        ...[
          'digit-2',
          'digit-0',
          'digit-2',
          'digit-6',
          'year',
          'ten',
          'digit-1',
          'month',
          'ten',
          'digit-5',
          'day',
        ],
        ...['ten', 'digit-4', 'o-clock', 'digit-3', 'ten', 'minute'],
      ],
    ]);
    expect(c.end).toEqual({ kind: 'hung-up-by-flow' });
  });

  it('say reads in English for an English flow', async () => {
    const c = await call({
      flow: flow(
        `  read: { kind: say, say: amount, value: '123450', next: bye }
  bye: { kind: hangup }
`,
        'en',
      ),
      from: UNKNOWN_PHONE,
    });
    expect(c.langs).toEqual(['en']);
    expect(c.heard).toEqual([
      ['n-1', 'thousand', 'n-2', 'hundred', 'n-30', 'n-4', 'yuan', 'and', 'n-50', 'fen'],
    ]);
  });
});

describe('lookups, found and not found', () => {
  const lookups = flow(`  who: { kind: identify, by: [caller_id], identified: menu, unverified: menu }
  menu:
    kind: menu
    prompt: [menu-main]
    keys: { 1: fees, 2: bills, 3: ticket-no, 4: notices }
    fallback: bye
  fees: { kind: lookup, what: fee_balance, into: fees, found: fees-say, not_found: none }
  fees-say:
    kind: play
    prompts: [{ say: fee_balance, value: '\${fees}' }, fees-total, { say: amount, value: '\${fees.total}' }]
    next: menu
  bills: { kind: lookup, what: bills, into: bills, found: bills-say, not_found: none }
  bills-say:
    kind: play
    prompts: [{ say: bills, value: '\${bills}' }, { say: number, value: '\${bills.count}' }]
    next: menu
  ticket-no:
    kind: gather
    prompt: [enter-ticket]
    max_digits: 8
    into: ticket_no
    next: status
    fallback: menu
  status: { kind: lookup, what: ticket_status, ticket: '\${ticket_no}', into: status, found: status-say, not_found: no-ticket }
  status-say:
    kind: play
    prompts: [{ say: ticket_status, value: '\${status}' }, { say: date, value: '\${status.expected}' }]
    next: menu
  no-ticket: { kind: play, prompts: [ticket-not-found], next: menu }
  notices: { kind: lookup, what: notices, into: notices, found: notices-say, not_found: no-notices }
  notices-say:
    kind: play
    prompts: [{ say: notices, value: '\${notices}' }, { say: number, value: '\${notices.count}' }]
    next: menu
  no-notices: { kind: play, prompts: [notices-none], next: menu }
  none: { kind: play, prompts: [fees-none], next: menu }
  bye: { kind: hangup, prompt: [goodbye] }
`);

  it('fee_balance found: the readout, then its total as a field', async () => {
    const c = await call({ flow: lookups, from: ZHANG_PHONE, keys: '1' });
    expect(c.heard[1]).toEqual([...FEES_B3_1502, 'fees-total', ...YUAN_1290_50, 'menu-main']);
    expect(c.state.vars).toMatchObject({
      'fees.total': '129050',
      'fees.due': '2026-10-31',
      'fees.units': '1',
    });
    expect(c.path).toEqual(['identified:caller-id', 'menu:1', 'fees']);
  });

  it('fee_balance of an owner who owes nothing goes to not_found', async () => {
    const c = await call({ flow: lookups, from: SMITH_PHONE, keys: '1' });
    expect(c.heard[1]).toEqual(['fees-none', 'menu-main']);
    expect(c.path).toEqual(['identified:caller-id', 'menu:1', 'fees']);
  });

  it('fee_balance for a caller nobody identified goes to not_found without asking', async () => {
    const c = await call({ flow: lookups, from: UNKNOWN_PHONE, keys: '1' });
    expect(c.asked.lookups).toEqual([]);
    expect(c.heard[1]).toEqual(['fees-none', 'menu-main']);
    expect(c.path).toEqual(['unknown-caller', 'menu:1']);
  });

  it('bills found: by kind, then the number of bills as a field', async () => {
    const c = await call({ flow: lookups, from: ZHANG_PHONE, keys: '2' });
    expect(c.heard[1]).toEqual([...BILLS_B3_1502, 'digit-2', 'menu-main']);
    expect(c.state.vars).toMatchObject({ 'bills.count': '2', 'bills.total': '129050' });
    expect(c.path).toEqual(['identified:caller-id', 'menu:2', 'bills']);
  });

  it('bills of an owner who owes nothing go to not_found', async () => {
    const c = await call({ flow: lookups, from: SMITH_PHONE, keys: '2' });
    expect(c.heard[1]).toEqual(['fees-none', 'menu-main']);
  });

  it('ticket_status found: the status, then the expected date as a field', async () => {
    const c = await call({ flow: lookups, from: UNKNOWN_PHONE, keys: '3,10000007' });
    expect(c.heard[2]).toEqual([
      ...['ticket-number-is', ...TICKET_10000007, 'ticket-status-is', 'ticket-status-dispatched'],
      ...['ticket-expected', 'ten', 'digit-1', 'month', 'ten', 'digit-6', 'day', 'ten', 'digit-8', 'o-clock'],
      ...[
        'digit-2',
        'digit-0',
        'digit-2',
        'digit-6',
        'year',
        'ten',
        'digit-1',
        'month',
        'ten',
        'digit-6',
        'day',
      ],
      'menu-main',
    ]);
    expect(c.state.vars).toMatchObject({ 'status.status': 'dispatched', 'status.expected': '2026-11-16' });
    expect(c.path).toEqual(['unknown-caller', 'menu:3', 'gather:ticket-no', 'ticket_status']);
  });

  it('ticket_status not found goes to not_found', async () => {
    const c = await call({ flow: lookups, from: UNKNOWN_PHONE, keys: '3,42#' });
    expect(c.asked.lookups).toMatchObject([{ what: 'ticket_status', ticket: '42' }]);
    expect(c.heard[2]).toEqual(['ticket-not-found', 'menu-main']);
  });

  it('notices found: each notice, then how many as a field', async () => {
    const c = await call({ flow: lookups, from: ZHANG_PHONE, keys: '4', notices: [WATER_CUT, WATER_CUT] });
    expect(c.heard[1]).toContain('notice-next');
    expect(c.heard[1]?.slice(-2)).toEqual(['digit-2', 'menu-main']);
    expect(c.state.vars['notices.count']).toBe('2');
  });

  it('notices: none goes to not_found', async () => {
    const c = await call({ flow: lookups, from: ZHANG_PHONE, keys: '4' });
    expect(c.heard[1]).toEqual(['notices-none', 'menu-main']);
    expect(c.path).toEqual(['identified:caller-id', 'menu:4', 'notices']);
  });
});

describe('menu', () => {
  const menu = flow(`  ask:
    kind: menu
    prompt: [menu-main]
    keys: { 1: one, '#': hash }
    tries: 2
    invalid: [invalid-key]
    no_input: [no-input]
    fallback: fallback
  one: { kind: hangup, prompt: [thank-you] }
  hash: { kind: hangup, prompt: [goodbye] }
  fallback: { kind: queue, skill: general, prompt: [to-agent] }
`);

  it('a key goes where the menu says, # included', async () => {
    expect((await call({ flow: menu, from: UNKNOWN_PHONE, keys: '1' })).heard).toEqual([
      ['menu-main'],
      ['thank-you'],
    ]);
    const hash = await call({ flow: menu, from: UNKNOWN_PHONE, keys: '#' });
    expect(hash.heard).toEqual([['menu-main'], ['goodbye']]);
    expect(hash.path).toEqual(['menu:#']);
  });

  it('with tries: 2, a wrong key then silence go to the fallback, with the last failure prompt first', async () => {
    const c = await call({ flow: menu, from: UNKNOWN_PHONE, keys: '*,-' });
    expect(c.heard).toEqual([['menu-main'], ['invalid-key', 'menu-main'], ['no-input', 'to-agent']]);
    expect(c.path).toEqual(['menu:invalid:*', 'menu:no-input', 'menu:fallback']);
    expect(c.end).toEqual({ kind: 'queued', queue: 'general', priority: 'normal', intent: 'general' });
  });

  it('a wrong key then a right one is a choice like any other', async () => {
    const c = await call({ flow: menu, from: UNKNOWN_PHONE, keys: '5,1' });
    expect(c.path).toEqual(['menu:invalid:5', 'menu:1']);
    expect(c.end).toEqual({ kind: 'hung-up-by-flow' });
  });

  it('a menu without failure prompts plays itself again; the platform’s retries apply without tries', async () => {
    const bare = flow(`  ask: { kind: menu, prompt: [menu-main], keys: { 1: bye }, fallback: bye }
  bye: { kind: hangup, prompt: [goodbye] }
`);
    const c = await call({
      flow: bare,
      from: UNKNOWN_PHONE,
      keys: '-,-,-',
      settings: { ...SETTINGS, menuRetries: 3 },
    });
    expect(c.heard).toEqual([['menu-main'], ['menu-main'], ['menu-main'], ['goodbye']]);
  });

  it('the caller hanging up in a menu (the script runs out) ends the call there', async () => {
    const c = await call({ flow: menu, from: UNKNOWN_PHONE, keys: '' });
    expect(c.end).toEqual({ kind: 'caller-hung-up' });
    expect(c.state.phase).toBe('ended');
  });
});

describe('gather', () => {
  const gather = (terminator: string) =>
    flow(`  ask:
    kind: gather
    prompt: [enter-ticket]
    min_digits: 4
    max_digits: 6
    terminator: ${terminator}
    tries: 2
    invalid: [invalid-key]
    no_input: [no-input]
    into: code
    next: read
    fallback: agent
  read: { kind: say, say: digits, value: '\${code}', next: bye }
  bye: { kind: hangup, prompt: [goodbye] }
  agent: { kind: queue, skill: general, prompt: [to-agent] }
`);
  const ONE_FIVE_ZERO_TWO = ['digit-1-yao', 'digit-5', 'digit-0', 'digit-2'];

  it('digits ended by the terminator go into the variable', async () => {
    const c = await call({ flow: gather("'#'"), from: UNKNOWN_PHONE, keys: '1502#' });
    expect(c.heard).toEqual([['enter-ticket'], [...ONE_FIVE_ZERO_TWO, 'goodbye']]);
    expect(c.state.vars['code']).toBe('1502');
    expect(c.path).toEqual(['gather:ask']);
  });

  it('without a terminator, silence after enough digits ends them', async () => {
    const c = await call({ flow: gather('none'), from: UNKNOWN_PHONE, keys: '1502,-' });
    expect(c.state.vars['code']).toBe('1502');
    expect(c.heard.at(-1)).toEqual([...ONE_FIVE_ZERO_TWO, 'goodbye']);
  });

  it('the max_digits-th digit ends them at once', async () => {
    const c = await call({ flow: gather('none'), from: UNKNOWN_PHONE, keys: '123456' });
    expect(c.state.vars['code']).toBe('123456');
    expect(c.lines.filter((l) => l.kind === 'silence')).toEqual([]);
  });

  it('too few digits are a failure: "invalid key" and the prompt again; then silence; then the fallback', async () => {
    const c = await call({ flow: gather("'#'"), from: UNKNOWN_PHONE, keys: '12#,-' });
    expect(c.heard).toEqual([['enter-ticket'], ['invalid-key', 'enter-ticket'], ['no-input', 'to-agent']]);
    expect(c.path).toEqual(['gather:fallback']);
    expect(c.state.vars['code']).toBeUndefined();
    expect(c.end).toMatchObject({ kind: 'queued', queue: 'general' });
  });

  it('too few digits ended by silence are a wrong entry, not "no input"', async () => {
    const c = await call({ flow: gather('none'), from: UNKNOWN_PHONE, keys: '12,-,1502,-' });
    expect(c.heard.slice(0, 2)).toEqual([['enter-ticket'], ['invalid-key', 'enter-ticket']]);
    expect(c.state.vars['code']).toBe('1502');
  });

  it('* in the middle of the digits is a wrong entry and the caller starts again', async () => {
    const c = await call({ flow: gather("'#'"), from: UNKNOWN_PHONE, keys: '15*,1502#' });
    expect(c.heard.slice(0, 2)).toEqual([['enter-ticket'], ['invalid-key', 'enter-ticket']]);
    expect(c.state.vars['code']).toBe('1502');
  });

  it('digits keyed in one go with the menu key that leads to the gather count (barge-in)', async () => {
    const lead = flow(`  ask: { kind: menu, prompt: [menu-main], keys: { 3: code }, fallback: bye }
  code: { kind: gather, prompt: [enter-ticket], max_digits: 8, into: code, next: bye, fallback: bye }
  bye: { kind: hangup, prompt: [goodbye] }
`);
    const c = await call({ flow: lead, from: UNKNOWN_PHONE, keys: '310000007#' });
    expect(c.state.vars['code']).toBe('10000007');
    expect(c.path).toEqual(['menu:3', 'gather:code']);
  });
});

describe('identify', () => {
  const byCallerId = flow(`  who:
    kind: identify
    by: [caller_id]
    identified: hello
    several_units: several
    unverified: stranger
  hello: { kind: play, prompts: [welcome-owner], next: bye }
  several: { kind: play, prompts: [pick-unit], next: bye }
  stranger: { kind: play, prompts: [unknown-caller], next: bye }
  bye: { kind: hangup }
`);

  it('by caller ID: a known number is the owner, with the unit when there is one', async () => {
    const c = await call({ flow: byCallerId, from: ZHANG_PHONE });
    expect(c.heard).toEqual([['welcome-owner']]);
    expect(c.path).toEqual(['identified:caller-id']);
    expect(c.state.vars).toMatchObject({
      'owner.id': '1',
      'owner.name': '张伟',
      'owner.vip': 'no',
      'owner.units': '1',
      'unit.id': '11',
      'unit.room': 'B3-1502',
      'unit.estate': '翠湖花园',
    });
  });

  it('by caller ID only: an unknown number goes to unverified, with the path word unknown-caller', async () => {
    const c = await call({ flow: byCallerId, from: UNKNOWN_PHONE });
    expect(c.lines[0]).toEqual({ kind: 'identified', owner: null, by: 'caller-id' });
    expect(c.heard).toEqual([['unknown-caller']]);
    expect(c.path).toEqual(['unknown-caller']);
    expect(c.state.owner).toBeNull();
  });

  it('an owner with several units goes to several_units when the node has one', async () => {
    const c = await call({ flow: byCallerId, from: LI_PHONE });
    expect(c.heard).toEqual([['pick-unit']]);
    expect(c.state.vars['unit.id']).toBeUndefined();
  });

  it('an English owner hears the flow in English, and nothing is saved', async () => {
    const c = await call({ flow: byCallerId, from: SMITH_PHONE });
    expect(c.langs).toEqual(['en']);
    expect(c.asked.languages).toEqual([]);
  });

  it('a language the caller chose before being identified is kept, and saved for the owner', async () => {
    const chosen = flow(`  english: { kind: set, variables: { language: en }, next: who }
  who: { kind: identify, by: [caller_id], identified: hello, unverified: hello }
  hello: { kind: play, prompts: [welcome-owner], next: bye }
  bye: { kind: hangup }
`);
    const c = await call({ flow: chosen, from: ZHANG_PHONE });
    expect(c.langs).toEqual(['en']);
    expect(c.asked.languages).toEqual([{ ownerId: 1, language: 'en' }]);
    expect(c.lines).toContainEqual({ kind: 'language-saved', language: 'en' });
    expect(c.path).toEqual(['language:en', 'identified:caller-id']);
  });

  it('by room and PIN with tries: 2: two wrong PINs go to unverified after "wrong PIN"', async () => {
    const pin = flow(`  who:
    kind: identify
    by: [room_pin]
    tries: 2
    room_prompt: [enter-room]
    pin_prompt: [enter-pin]
    wrong_prompt: [wrong-pin]
    identified: hello
    unverified: agent
  hello: { kind: hangup, prompt: [welcome-owner] }
  agent: { kind: queue, skill: general, prompt: [verify-failed-agent] }
`);
    const c = await call({ flow: pin, from: ZHANG_PHONE, keys: '31502#,0000#,31502#,9999#' });
    expect(c.lines.filter((l) => l.kind === 'identified')).toEqual([
      { kind: 'identified', owner: null, by: 'room-pin' },
      { kind: 'identified', owner: null, by: 'room-pin' },
    ]);
    expect(c.heard).toEqual([
      ['enter-room'],
      ['enter-pin'],
      ['wrong-pin', 'enter-room'],
      ['enter-pin'],
      ['wrong-pin', 'verify-failed-agent'],
    ]);
    expect(c.path).toEqual(['unknown-caller', 'unverified']);
    expect(c.end).toMatchObject({ kind: 'queued', intent: 'general' });
  });

  it('a PIN of too few digits is wrong without being checked', async () => {
    const c = await call({ from: UNKNOWN_PHONE, keys: '31502#,12#,31502#,8000#' });
    expect(c.asked.pins).toEqual([{ roomKeys: '31502', pin: '8000' }]);
    expect(c.heard[2]).toEqual(['wrong-pin', 'enter-room']);
  });
});

describe('hours', () => {
  const hours = flow(`  welcome: { kind: play, prompts: [welcome], next: who }
  who: { kind: identify, by: [caller_id], identified: open-yet, unverified: open-yet }
  open-yet: { kind: hours, estate: '\${unit.estate}', open: open, closed: closed }
  open: { kind: hangup, prompt: [menu-main] }
  closed: { kind: hangup, prompt: [after-hours] }
`);

  it.each([
    ['open', ['menu-main']],
    ['closed', ['after-hours']],
    ['holiday', ['after-hours']],
  ] as const)(
    '%s: the welcome and the way for it in one playback (a holiday without its own way is closed)',
    async (state, then) => {
      const c = await call({ flow: hours, from: ZHANG_PHONE, hours: state });
      expect(c.heard).toEqual([['welcome', ...then]]);
      expect(c.lines).toContainEqual({ kind: 'hours', state });
      expect(c.path).toEqual(['identified:caller-id', `hours:${state}`]);
    },
  );

  it('asks for the estate the flow names, with the unit', async () => {
    const c = await call({ flow: hours, from: ZHANG_PHONE });
    expect(c.asked.hours).toEqual([{ estate: '翠湖花园', unitId: 11 }]);
  });

  it('an estate that renders empty is left to the port (the dialled number’s)', async () => {
    const c = await call({ flow: hours, from: UNKNOWN_PHONE });
    expect(c.asked.hours).toEqual([{ estate: null, unitId: null }]);
  });
});

describe('record and ticket', () => {
  const voicemail =
    flow(`  urgency: { kind: set, variables: { urgent: 'yes', calm: 'no', where: 'lift lobby' }, next: message }
  message: { kind: record, max_s: 60, beep: false, into: msg, next: file }
  file:
    kind: ticket
    type: inquiry
    fields: { place: '\${where}', from: '\${caller}' }
    recording: '\${msg}'
    urgent: '\${urgent}'
    next: saved
  saved: { kind: play, prompts: [message-saved, { say: ticket, value: '\${ticket.number}' }], next: second }
  second: { kind: ticket, type: suggestion, urgent: '\${calm}', next: bye }
  bye: { kind: hangup, prompt: [{ say: ticket, value: '\${ticket.number}' }] }
`);

  it('a record node without a prompt starts recording at once; its name goes into the variable', async () => {
    const c = await call({ flow: voicemail, from: UNKNOWN_PHONE });
    expect(c.lines[0]).toEqual({ kind: 'recorded', name: 'voicemail-simulated' });
    expect(c.state.vars['msg']).toBe('voicemail-simulated');
    expect(c.path[0]).toBe('voicemail');
  });

  it('a ticket carries the recording, its fields, urgency from a variable, and its number is read back', async () => {
    const c = await call({ flow: voicemail, from: UNKNOWN_PHONE });
    expect(c.asked.tickets[0]).toEqual({
      do: 'create-ticket',
      type: 'inquiry',
      category: null,
      urgent: true,
      description: `inquiry\nplace: lift lobby\nfrom: ${UNKNOWN_PHONE}`,
      recording: 'voicemail-simulated',
      ownerId: null,
      unitId: null,
    });
    // the second ticket (not urgent: its variable is no) is filed before the first number is read out (the
    // database answers in milliseconds); both numbers are heard in one playback
    expect(c.heard).toEqual([['message-saved', ...TICKET_10000041, ...TICKET_10000042]]);
    expect(c.asked.tickets[1]).toMatchObject({ type: 'suggestion', urgent: false, recording: null });
    expect(c.lines.filter((l) => l.kind === 'ticket')).toEqual([
      { kind: 'ticket', number: '10000041', type: 'inquiry', urgent: true },
      { kind: 'ticket', number: '10000042', type: 'suggestion', urgent: false },
    ]);
    expect(c.path).toEqual(['voicemail', 'ticket:10000041', 'ticket:10000042']);
    expect(c.end).toEqual({ kind: 'hung-up-by-flow' });
  });

  it('${ticket.number} is the number of the last ticket filed', async () => {
    const c = await call({ flow: voicemail, from: UNKNOWN_PHONE });
    expect(c.state.vars['ticket.number']).toBe('10000042');
  });

  it('a ticket for an identified owner names the owner and the unit', async () => {
    const owned = flow(`  who: { kind: identify, by: [caller_id], identified: file, unverified: file }
  file: { kind: ticket, type: repair, category: lift, next: bye }
  bye: { kind: hangup }
`);
    const c = await call({ flow: owned, from: ZHANG_PHONE });
    expect(c.asked.tickets).toEqual([
      {
        do: 'create-ticket',
        type: 'repair',
        category: 'lift',
        urgent: false,
        description: 'lift',
        recording: null,
        ownerId: 1,
        unitId: 11,
      },
    ]);
  });
});

describe('queue', () => {
  const queues = flow(`  who: { kind: identify, by: [caller_id], identified: ask, unverified: ask }
  ask:
    kind: menu
    prompt: [menu-main]
    keys: { 1: normal, 2: vip, 3: emergency, 4: silent }
    fallback: normal
  normal: { kind: queue, skill: fees, prompt: [to-agent] }
  vip: { kind: queue, skill: general, priority: vip, intent: concierge, prompt: [to-agent] }
  emergency: { kind: queue, skill: emergency, priority: emergency, prompt: [to-emergency] }
  silent: { kind: queue, skill: general }
`);

  it.each([
    ['1', ZHANG_PHONE, { queue: 'fees', priority: 'normal', intent: 'fees' }],
    ['2', ZHANG_PHONE, { queue: 'general', priority: 'vip', intent: 'concierge' }],
    ['3', ZHANG_PHONE, { queue: 'emergency', priority: 'emergency', intent: 'emergency' }],
    ['1', LI_PHONE, { queue: 'fees', priority: 'vip', intent: 'fees' }],
    ['3', LI_PHONE, { queue: 'emergency', priority: 'emergency', intent: 'emergency' }],
  ])('key %s from %s: %o (a VIP owner’s normal priority is vip)', async (key, from, queued) => {
    const c = await call({ flow: queues, from, keys: key });
    expect(c.end).toEqual({ kind: 'queued', ...queued });
  });

  it('the queue prompt is heard as the call joins the queue', async () => {
    const c = await call({ flow: queues, from: ZHANG_PHONE, keys: '3' });
    expect(c.heard).toEqual([['menu-main'], ['to-emergency']]);
  });

  it('a queue without a prompt, with nothing to hear before it, plays nothing', async () => {
    const c = await call({ flow: queues, from: ZHANG_PHONE, keys: '4' });
    expect(c.end).toMatchObject({ kind: 'queued', queue: 'general' });
    // nothing to hear on joining the queue; where the caller stands while waiting is the ACD's, not simulated
    expect(c.heard).toEqual([['menu-main']]);
  });
});

describe('branch', () => {
  const byVip = flow(`  who: { kind: identify, by: [caller_id], identified: vip, unverified: vip }
  vip:
    kind: branch
    value: '\${owner.vip}'
    cases: { yes: concierge, no: general }
    default: stranger
  concierge: { kind: hangup, prompt: [to-agent] }
  general: { kind: hangup, prompt: [menu-main] }
  stranger: { kind: hangup, prompt: [unknown-caller] }
`);

  it.each([
    ['a VIP owner', LI_PHONE, ['to-agent']],
    ['an owner who is no VIP', ZHANG_PHONE, ['menu-main']],
    ['an unknown caller (owner.vip unset: default)', UNKNOWN_PHONE, ['unknown-caller']],
  ])('goes on at the case the value renders to: %s', async (_who, from, heard) => {
    const c = await call({ flow: byVip, from });
    expect(c.heard).toEqual([heard]);
    expect(c.end).toEqual({ kind: 'hung-up-by-flow' });
  });

  const byKeys = flow(`  ask:
    kind: gather
    prompt: [menu-main]
    max_digits: 2
    tries: 1
    into: choice
    next: pick
    fallback: pick
  pick:
    kind: branch
    value: '\${choice}'
    cases:
      1: fees
      '01': agent # quoted: YAML reads 01 as the number 1
    default: bye
  fees: { kind: hangup, prompt: [fees-none] }
  agent: { kind: queue, skill: general, prompt: [to-agent] }
  bye: { kind: hangup, prompt: [goodbye] }
`);

  it.each([
    ['1#', ['fees-none']],
    ['01', ['to-agent']],
    ['7#', ['goodbye']],
    ['-', ['goodbye']],
  ])(
    'compares the value as text with each case; no case, or a variable never set, goes to default: %s',
    async (keys, heard) => {
      const c = await call({ flow: byKeys, from: UNKNOWN_PHONE, keys });
      expect(c.heard).toEqual([['menu-main'], heard]);
    },
  );

  it('needs nothing from the caller: what is heard before and after it is one playback', async () => {
    const c = await call({
      flow: flow(`  hello: { kind: play, prompts: [welcome], next: lang }
  lang: { kind: branch, value: '\${language}', cases: { en: english }, default: chinese }
  english: { kind: hangup, prompt: [goodbye] }
  chinese: { kind: hangup, prompt: [thank-you, goodbye] }
`),
      from: UNKNOWN_PHONE,
    });
    expect(c.heard).toEqual([['welcome', 'thank-you', 'goodbye']]);
    expect(c.path).toEqual([]);
  });

  it('compares the value without the spaces around it', async () => {
    const c = await call({
      flow: flow(`  spaced: { kind: set, variables: { x: ' en ' }, next: lang }
  lang: { kind: branch, value: '\${x}', cases: { en: english }, default: bye }
  english: { kind: hangup, prompt: [thank-you] }
  bye: { kind: hangup, prompt: [goodbye] }
`),
      from: UNKNOWN_PHONE,
    });
    expect(c.heard).toEqual([['thank-you']]);
  });
});

describe('set, goto and hangup', () => {
  it('set language switches the caller to English, after what was collected is heard in Chinese', async () => {
    const c = await call({
      flow: flow(`  hello: { kind: play, prompts: [welcome], next: english }
  english: { kind: set, variables: { language: en, topic: fees }, next: jump }
  jump: { kind: goto, node: bye }
  bye: { kind: hangup, prompt: [goodbye] }
`),
      from: UNKNOWN_PHONE,
    });
    expect(c.heard).toEqual([['welcome'], ['goodbye']]);
    expect(c.langs).toEqual(['zh', 'en']);
    expect(c.state.vars['topic']).toBe('fees');
    expect(c.path).toEqual(['language:en']);
    // nobody identified: nothing to save
    expect(c.asked.languages).toEqual([]);
  });

  it('set language to the language already spoken changes nothing', async () => {
    const c = await call({
      flow: flow(`  chinese: { kind: set, variables: { language: zh }, next: bye }
  bye: { kind: hangup, prompt: [goodbye] }
`),
      from: UNKNOWN_PHONE,
    });
    expect(c.path).toEqual([]);
    expect(c.langs).toEqual(['zh']);
  });

  it('set language from a variable: a value that is not a language is ignored', async () => {
    const c = await call({
      flow: flow(`  lang: { kind: set, variables: { choice: fr }, next: switch }
  switch: { kind: set, variables: { language: '\${choice}' }, next: bye }
  bye: { kind: hangup, prompt: [goodbye] }
`),
      from: UNKNOWN_PHONE,
    });
    expect(c.langs).toEqual(['zh']);
    expect(c.path).toEqual([]);
  });

  it('hangup without a prompt hangs up at once', async () => {
    const c = await call({ flow: flow(`  bye: { kind: hangup }\n`), from: UNKNOWN_PHONE });
    expect(c.heard).toEqual([]);
    expect(c.end).toEqual({ kind: 'hung-up-by-flow' });
    expect(c.state.phase).toBe('ended');
  });

  const loop = flow(`  welcome: { kind: play, prompts: [welcome], next: check }
  check: { kind: identify, by: [caller_id], identified: again, unverified: bye }
  again: { kind: goto, node: check }
  bye: { kind: hangup, prompt: [goodbye] }
`);

  it('a flow whose gotos loop forever ends in the queue with a flow-error', async () => {
    const c = await call({ flow: loop, from: ZHANG_PHONE });
    // what the looping walk collected is dropped: the caller hears only that a person takes over
    expect(c.heard).toEqual([['to-agent']]);
    expect(c.end).toEqual({ kind: 'queued', queue: 'property', priority: 'normal', intent: 'agent' });
    expect(c.path).toEqual(['identified:caller-id']);
  });

  it('a loop that passes a prompt does not make the caller hear it over and over before the agent', async () => {
    const noisy = flow(`  check: { kind: identify, by: [caller_id], identified: again, unverified: bye }
  again: { kind: play, prompts: [welcome], next: check }
  bye: { kind: hangup, prompt: [goodbye] }
`);
    const c = await call({ flow: noisy, from: ZHANG_PHONE });
    expect(c.end).toEqual({ kind: 'queued', queue: 'property', priority: 'normal', intent: 'agent' });
    expect(c.heard.flat().filter((p) => p === 'welcome').length).toBeLessThanOrEqual(1);
  });

  it('the loop guard records a flow-error naming the flow', () => {
    const arrived = newFlowCall(SETTINGS, loop, {
      callId: 'c1',
      channelId: 'ch1',
      callerNumber: ZHANG_PHONE,
      dialled: DIALLED,
      now: { date: '2026-11-15', time: '14:30' },
    });
    const { effects } = stepFlow(SETTINGS, loop, arrived.state, { kind: 'identified', owner: ZHANG });
    const error = effects.find((e) => e.do === 'record' && e.event === 'flow-error');
    expect(error).toMatchObject({ detail: { flow: loop.name } });
    expect(effects).toContainEqual({ do: 'enqueue', queue: 'property', intent: 'agent', priority: 'normal' });
  });
});
