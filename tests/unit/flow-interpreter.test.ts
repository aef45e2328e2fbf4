// The fees line (ivr/flows/fees-line.yaml, the flow of the walking skeleton) run by the flow interpreter, event by
// event: the prompts, the path words, the queue and hang-up handling. The whole hotline flow (default.yaml) and
// every node kind are run through the simulator in flow-simulate.test.ts.
import { describe, it, expect } from 'vitest';
import type { PopArrear, PopOwner } from '../../core/index.ts';
import {
  newFlowCall,
  stepFlow,
  type FlowCall,
  type FlowCallSettings,
  type FlowEffect,
  type FlowEvent,
  type FlowStep,
  type CommandRefusal,
  type ConsultTarget,
} from '../../ivr/flow/interpreter.ts';
import type { Flow } from '../../ivr/flow/types.ts';
import {
  LI as OWNER_TWO_UNITS,
  load,
  SETTINGS,
  shippedText,
  SMITH as ENGLISH_OWNER,
  ZHANG as OWNER,
} from '../support/flow-fixtures.ts';

const FEES_LINE = load('ivr/flows/fees-line.yaml', shippedText('fees-line'));

const PROPERTY_FEE: PopArrear = {
  unitId: 11,
  roomCode: 'B3-1502',
  kind: 'property',
  amountFen: 123450,
  dueDate: '2026-10-31',
};

const FEES_LOOKED_UP: FlowEvent = {
  kind: 'looked-up',
  into: 'fees',
  result: { what: 'fee_balance', items: [PROPERTY_FEE] },
};

function arrive(callerNumber: string | null = '13800138000', flow: Flow = FEES_LINE): FlowStep {
  return newFlowCall(SETTINGS, flow, {
    callId: 'c1',
    channelId: 'ch1',
    callerNumber,
    dialled: '4008200001',
    now: { date: '2026-11-15', time: '14:30' },
  });
}

/** Feeds events one after another; returns the last step (its state and the effects of the last event). */
function drive(state: FlowCall, ...events: FlowEvent[]): FlowStep {
  return driveWith(SETTINGS, FEES_LINE, state, ...events);
}

function driveWith(
  settings: FlowCallSettings,
  flow: Flow,
  state: FlowCall,
  ...events: FlowEvent[]
): FlowStep {
  let last: FlowStep = { state, effects: [] };
  for (const event of events) last = stepFlow(settings, flow, last.state, event);
  return last;
}

/** A known owner who has heard the welcome and the menu (one playback, c1:1); the digit timer is running. */
function atMenu(owner: PopOwner = OWNER): FlowCall {
  return drive(
    arrive().state,
    { kind: 'answered' },
    { kind: 'identified', owner },
    { kind: 'playback-finished', playbackId: 'c1:1' },
  ).state;
}

/** An owner who pressed 0; the "to-agent" prompt (c1:2) is playing. */
function queued(): FlowCall {
  return drive(atMenu(), { kind: 'dtmf', digit: '0' }).state;
}

/**
 * An owner in the queue with hold music on: to-agent (c1:2) and where they stand (c1:3, 2 ahead, no estimate)
 * have been played.
 */
function onHold(): FlowCall {
  return drive(
    queued(),
    { kind: 'playback-finished', playbackId: 'c1:2' },
    { kind: 'queue-status', status: { ahead: 2, waitS: null } },
    { kind: 'playback-finished', playbackId: 'c1:3' },
  ).state;
}

function plays(effects: FlowEffect[]): Extract<FlowEffect, { do: 'play' }>[] {
  return effects.filter((e): e is Extract<FlowEffect, { do: 'play' }> => e.do === 'play');
}

// 您的房屋 三号楼一五零二室 欠费金额 一千二百三十四元五角 缴费截止日期 二零二六年十月三十一日
const FEES_B3_1502: string[] = [
  'fees-unit',
  'digit-3',
  'building',
  'digit-1',
  'digit-5',
  'digit-0',
  'digit-2',
  'room',
  'fees-owed',
  'digit-1',
  'thousand',
  'digit-2',
  'hundred',
  'digit-3',
  'ten',
  'digit-4',
  'yuan',
  'digit-5',
  'jiao',
  'fees-due',
  'digit-2',
  'digit-0',
  'digit-2',
  'digit-6',
  'year',
  'ten',
  'month',
  'digit-3',
  'ten',
  'digit-1',
  'day',
];

describe('a call arriving', () => {
  it('is answered and the caller is looked up by caller ID', () => {
    const { state, effects } = arrive();
    expect(effects).toEqual([{ do: 'answer' }, { do: 'identify' }]);
    expect(state.phase).toBe('arrived');
    expect(state.plays).toBe(0);
    expect(state.path).toEqual([]);
    expect(state.vars).toEqual({
      caller: '13800138000',
      dialled: '4008200001',
      'call.id': 'c1',
      'now.date': '2026-11-15',
      'now.time': '14:30',
    });
  });

  it('records that the IVR answered', () => {
    const { effects } = drive(arrive().state, { kind: 'answered' });
    expect(effects).toEqual([{ do: 'record', event: 'ivr-answered' }]);
  });
});

describe('a known owner', () => {
  it('hears welcome, welcome-owner and menu-main as one playback, as with the fixed flow', () => {
    const { state, effects } = drive(arrive().state, { kind: 'identified', owner: OWNER });
    expect(state.phase).toBe('menu');
    expect(state.node).toBe('main-menu');
    expect(state.owner?.id).toBe(1);
    expect(state.path).toEqual(['identified:caller-id']);
    expect(state.vars).toMatchObject({ 'owner.name': '张伟', 'unit.room': 'B3-1502', 'unit.id': '11' });
    expect(effects).toEqual([
      { do: 'record', event: 'identified', detail: { ownerId: 1 } },
      { do: 'play', playbackId: 'c1:1', prompts: ['welcome', 'welcome-owner', 'menu-main'], lang: 'zh' },
    ]);
  });

  it('with several units has no unit.* variables', () => {
    const { state } = drive(arrive().state, { kind: 'identified', owner: OWNER_TWO_UNITS });
    expect(state.vars['owner.units']).toBe('2');
    expect(state.vars['unit.id']).toBeUndefined();
  });

  it('has six seconds to press a key once the menu prompt has finished', () => {
    const identified = drive(arrive().state, { kind: 'identified', owner: OWNER }).state;
    const { effects } = drive(identified, { kind: 'playback-finished', playbackId: 'c1:1' });
    expect(effects).toEqual([{ do: 'start-timer', timer: 'digit', ms: 6000 }]);
  });

  it('who speaks English hears the prompts in English', () => {
    const { state, effects } = drive(arrive().state, { kind: 'identified', owner: ENGLISH_OWNER });
    expect(state.lang).toBe('en');
    expect(plays(effects)).toEqual([
      { do: 'play', playbackId: 'c1:1', prompts: ['welcome', 'welcome-owner', 'menu-main'], lang: 'en' },
    ]);
  });

  it('who presses a key during the welcome stops the prompt', () => {
    const identified = drive(arrive().state, { kind: 'identified', owner: OWNER }).state;
    const { effects } = drive(identified, { kind: 'dtmf', digit: '0' });
    expect(effects[0]).toEqual({ do: 'stop-playback', playbackId: 'c1:1' });
    expect(effects).toContainEqual({ do: 'enqueue', queue: 'general', intent: 'agent', priority: 'normal' });
  });
});

describe('key 1: fees', () => {
  it('looks up the fee balance of all the owner’s units', () => {
    const { state, effects } = drive(atMenu(OWNER_TWO_UNITS), { kind: 'dtmf', digit: '1' });
    expect(state.phase).toBe('waiting');
    expect(state.intent).toBe('fees');
    expect(state.path).toEqual(['identified:caller-id', 'menu:1']);
    expect(effects).toEqual([
      { do: 'cancel-timer', timer: 'digit' },
      { do: 'record', event: 'menu', detail: { key: '1', choice: 'fees' } },
      { do: 'lookup', what: 'fee_balance', into: 'fees', unitIds: [21, 22], ticket: null },
    ]);
  });

  it('then speaks the fees followed by the menu in one playback, and waits for a key again', () => {
    const lookingUp = drive(atMenu(), { kind: 'dtmf', digit: '1' }).state;
    const spoken = drive(lookingUp, FEES_LOOKED_UP);
    expect(spoken.state.path).toEqual(['identified:caller-id', 'menu:1', 'fees']);
    expect(spoken.state.phase).toBe('menu');
    expect(spoken.state.vars).toMatchObject({
      'fees.total': '123450',
      'fees.due': '2026-10-31',
      'fees.units': '1',
    });
    expect(spoken.effects).toEqual([
      { do: 'record', event: 'self-service', detail: { service: 'fees', found: true } },
      { do: 'play', playbackId: 'c1:2', lang: 'zh', prompts: [...FEES_B3_1502, 'menu-main'] },
    ]);
    const waiting = drive(spoken.state, { kind: 'playback-finished', playbackId: 'c1:2' });
    expect(waiting.effects).toEqual([{ do: 'start-timer', timer: 'digit', ms: 6000 }]);
  });

  it('reads each unit even when nothing is owed (not_found goes to the same reading)', () => {
    const lookingUp = drive(atMenu(), { kind: 'dtmf', digit: '1' }).state;
    const spoken = drive(lookingUp, {
      kind: 'looked-up',
      into: 'fees',
      result: { what: 'fee_balance', items: [] },
    });
    expect(plays(spoken.effects)[0]?.prompts).toEqual([
      'fees-unit',
      'digit-3',
      'building',
      'digit-1',
      'digit-5',
      'digit-0',
      'digit-2',
      'room',
      'fees-none',
      'menu-main',
    ]);
  });

  it('ignores keys pressed while the fees are looked up, and a result for another variable', () => {
    const lookingUp = drive(atMenu(), { kind: 'dtmf', digit: '1' }).state;
    expect(drive(lookingUp, { kind: 'dtmf', digit: '0' }).effects).toEqual([]);
    expect(
      drive(lookingUp, { kind: 'looked-up', into: 'bills', result: { what: 'fee_balance', items: [] } })
        .effects,
    ).toEqual([]);
  });

  it('a key during the fees reading is a menu choice (the menu prompt is part of that playback)', () => {
    const speaking = drive(atMenu(), { kind: 'dtmf', digit: '1' }, FEES_LOOKED_UP).state;
    const { state, effects } = drive(speaking, { kind: 'dtmf', digit: '0' });
    expect(effects[0]).toEqual({ do: 'stop-playback', playbackId: 'c1:2' });
    expect(state.path).toEqual(['identified:caller-id', 'menu:1', 'fees', 'menu:0']);
    expect(state.phase).toBe('queued');
  });
});

describe('key 0: an agent', () => {
  it('joins the general queue at once, records it and hears "connecting you to an agent"', () => {
    const { state, effects } = drive(atMenu(), { kind: 'dtmf', digit: '0' });
    expect(state.phase).toBe('queued');
    expect(state.intent).toBe('agent');
    expect(state.path).toEqual(['identified:caller-id', 'menu:0']);
    expect(effects).toEqual([
      { do: 'cancel-timer', timer: 'digit' },
      { do: 'record', event: 'menu', detail: { key: '0', choice: 'agent' } },
      { do: 'cancel-timer', timer: 'digit' },
      { do: 'enqueue', queue: 'general', intent: 'agent', priority: 'normal' },
      { do: 'record', event: 'queued', detail: { queue: 'general', intent: 'agent', priority: 'normal' } },
      { do: 'play', playbackId: 'c1:2', prompts: ['to-agent'], lang: 'zh' },
    ]);
  });

  it('then hears how many callers are ahead and the expected wait, then music with a timer for the next', () => {
    const asking = drive(queued(), { kind: 'playback-finished', playbackId: 'c1:2' });
    expect(asking.effects).toEqual([{ do: 'queue-status' }]);
    const told = drive(asking.state, { kind: 'queue-status', status: { ahead: 3, waitS: 230 } });
    expect(told.effects).toEqual([
      {
        do: 'play',
        playbackId: 'c1:3',
        prompts: [
          'queue-ahead',
          'digit-3',
          'queue-ahead-callers',
          'queue-wait',
          'digit-4',
          'queue-wait-minutes',
          // the fees line's agent queue offers a callback to a caller whose number is known
          'callback-offer',
        ],
        lang: 'zh',
      },
    ]);
    const music = drive(told.state, { kind: 'playback-finished', playbackId: 'c1:3' });
    expect(music.state.onHold).toBe(true);
    expect(music.effects).toEqual([
      { do: 'hold-music', on: true },
      { do: 'start-timer', timer: 'hold', ms: 20000 },
    ]);
  });

  it.each([
    [{ ahead: 0, waitS: 40 }, ['queue-next', 'queue-wait-under-minute']],
    [{ ahead: 1, waitS: null }, ['queue-one-ahead']],
    [
      { ahead: 12, waitS: 600 },
      ['queue-ahead', 'ten', 'digit-2', 'queue-ahead-callers', 'queue-wait', 'ten', 'queue-wait-minutes'],
    ],
    [null, ['please-hold']],
  ])('where the caller stands %j is said as %j', (status, prompts) => {
    const asking = drive(queued(), { kind: 'playback-finished', playbackId: 'c1:2' });
    expect(plays(drive(asking.state, { kind: 'queue-status', status }).effects)[0]?.prompts).toEqual([
      ...prompts,
      'callback-offer',
    ]);
  });

  it('on each hold tick the music stops and the caller hears where they stand again', () => {
    const { state, effects } = drive(onHold(), { kind: 'hold-tick' });
    expect(effects).toEqual([{ do: 'hold-music', on: false }, { do: 'queue-status' }]);
    const told = drive(state, { kind: 'queue-status', status: { ahead: 1, waitS: null } });
    expect(told.effects).toEqual([
      { do: 'play', playbackId: 'c1:4', prompts: ['queue-one-ahead', 'callback-offer'], lang: 'zh' },
    ]);
    expect(drive(told.state, { kind: 'playback-finished', playbackId: 'c1:4' }).effects).toEqual([
      { do: 'hold-music', on: true },
      { do: 'start-timer', timer: 'hold', ms: 20000 },
    ]);
  });

  it('a call whose agent is ringing hears "please hold" instead of its place in the queue', () => {
    const asking = drive(queued(), { kind: 'playback-finished', playbackId: 'c1:2' }).state;
    const ringing = drive(asking, { kind: 'agent-offered', agentId: 7, legChannelId: 'leg1' }).state;
    const { effects } = drive(ringing, { kind: 'queue-status', status: { ahead: 0, waitS: null } });
    expect(plays(effects)[0]?.prompts).toEqual(['please-hold']);
  });

  it('a VIP owner pressing 0 is queued at VIP priority', () => {
    const { effects } = drive(atMenu(OWNER_TWO_UNITS), { kind: 'dtmf', digit: '0' });
    expect(effects).toContainEqual({ do: 'enqueue', queue: 'general', intent: 'agent', priority: 'vip' });
  });

  it('keys pressed while waiting are ignored (but 1 for a callback)', () => {
    const { state, effects } = drive(onHold(), { kind: 'dtmf', digit: '5' });
    expect(effects).toEqual([]);
    expect(state.path).toEqual(['identified:caller-id', 'menu:0']);
  });
});

describe('an unknown caller', () => {
  it('is welcomed, told the number is not recognised and queued for an agent', () => {
    const { state, effects } = drive(arrive('02161234567').state, { kind: 'identified', owner: null });
    expect(state.phase).toBe('queued');
    expect(state.owner).toBeNull();
    expect(state.lang).toBe('zh');
    expect(state.intent).toBe('agent');
    expect(state.path).toEqual(['unknown-caller']);
    expect(effects).toEqual([
      { do: 'record', event: 'identified', detail: { ownerId: null } },
      { do: 'cancel-timer', timer: 'digit' },
      { do: 'enqueue', queue: 'general', intent: 'agent', priority: 'normal' },
      { do: 'record', event: 'queued', detail: { queue: 'general', intent: 'agent', priority: 'normal' } },
      { do: 'play', playbackId: 'c1:1', prompts: ['welcome', 'unknown-caller'], lang: 'zh' },
    ]);
  });
});

describe('menu mistakes', () => {
  it('an invalid key is counted and the menu is played again after "invalid key"', () => {
    const { state, effects } = drive(atMenu(), { kind: 'dtmf', digit: '5' });
    expect(state.phase).toBe('menu');
    expect(state.failures).toBe(1);
    expect(state.path).toEqual(['identified:caller-id', 'menu:invalid:5']);
    expect(effects).toEqual([
      { do: 'cancel-timer', timer: 'digit' },
      { do: 'record', event: 'menu', detail: { key: '5', choice: 'invalid' } },
      { do: 'play', playbackId: 'c1:2', prompts: ['invalid-key', 'menu-main'], lang: 'zh' },
    ]);
  });

  it('no key before the timer runs out is counted and the menu is played again after "no input"', () => {
    const { state, effects } = drive(atMenu(), { kind: 'digit-timeout' });
    expect(state.path).toEqual(['identified:caller-id', 'menu:no-input']);
    expect(effects).toEqual([
      { do: 'play', playbackId: 'c1:2', prompts: ['no-input', 'menu-main'], lang: 'zh' },
    ]);
  });

  it('a digit timeout while the menu is still playing is ignored', () => {
    const playing = drive(arrive().state, { kind: 'identified', owner: OWNER }).state;
    expect(drive(playing, { kind: 'digit-timeout' }).effects).toEqual([]);
  });

  it('after three mistakes the caller is passed to an agent', () => {
    const { state, effects } = drive(
      atMenu(),
      { kind: 'dtmf', digit: '5' },
      { kind: 'playback-finished', playbackId: 'c1:2' },
      { kind: 'digit-timeout' },
      { kind: 'playback-finished', playbackId: 'c1:3' },
      { kind: 'digit-timeout' },
    );
    expect(state.phase).toBe('queued');
    expect(state.path).toEqual([
      'identified:caller-id',
      'menu:invalid:5',
      'menu:no-input',
      'menu:no-input',
      'menu:fallback',
    ]);
    expect(effects).toEqual([
      { do: 'cancel-timer', timer: 'digit' },
      { do: 'enqueue', queue: 'general', intent: 'agent', priority: 'normal' },
      { do: 'record', event: 'queued', detail: { queue: 'general', intent: 'agent', priority: 'normal' } },
      { do: 'play', playbackId: 'c1:4', prompts: ['no-input', 'to-agent'], lang: 'zh' },
    ]);
  });

  it('with one retry allowed, the first silence goes to an agent', () => {
    const one = { ...SETTINGS, menuRetries: 1 };
    const { state, effects } = driveWith(one, FEES_LINE, atMenu(), { kind: 'digit-timeout' });
    expect(state.path).toEqual(['identified:caller-id', 'menu:no-input', 'menu:fallback']);
    expect(plays(effects)).toEqual([
      { do: 'play', playbackId: 'c1:2', prompts: ['no-input', 'to-agent'], lang: 'zh' },
    ]);
  });

  it('two mistakes then fees start the count again', () => {
    const { state } = drive(
      atMenu(),
      { kind: 'dtmf', digit: '5' },
      { kind: 'dtmf', digit: '6' },
      { kind: 'dtmf', digit: '1' },
      FEES_LOOKED_UP,
      { kind: 'dtmf', digit: '7' },
    );
    expect(state.failures).toBe(1);
    expect(state.phase).toBe('menu');
  });
});

describe('an agent', () => {
  it('being offered the call moves it to offering', () => {
    const { state, effects } = drive(onHold(), { kind: 'agent-offered', agentId: 7, legChannelId: 'leg1' });
    expect(state.phase).toBe('offering');
    expect(effects).toEqual([{ do: 'record', event: 'offered', detail: { agentId: 7 } }]);
  });

  it('answering stops the hold music and bridges the caller', () => {
    const { state, effects } = drive(
      onHold(),
      { kind: 'agent-offered', agentId: 7, legChannelId: 'leg1' },
      { kind: 'agent-answered', legChannelId: 'leg1' },
    );
    expect(state.phase).toBe('connected');
    expect(effects).toEqual([
      { do: 'cancel-timer', timer: 'hold' },
      { do: 'hold-music', on: false },
      { do: 'bridge', legChannelId: 'leg1' },
      { do: 'record', event: 'agent-answered', detail: { agentId: 7 } },
    ]);
  });

  it('not answering puts the caller back in the queue', () => {
    const { state, effects } = drive(
      onHold(),
      { kind: 'agent-offered', agentId: 7, legChannelId: 'leg1' },
      { kind: 'agent-lost', legChannelId: 'leg1', reason: 'no-answer' },
    );
    expect(state.phase).toBe('queued');
    expect(state.agent).toBeNull();
    expect(effects).toEqual([{ do: 'record', event: 'agent-no-answer', detail: { agentId: 7 } }]);
  });
});

describe('the end of a call', () => {
  it('a caller hanging up in the queue leaves it and the call is abandoned', () => {
    const { state, effects } = drive(onHold(), { kind: 'caller-hangup', cause: 'normal' });
    expect(state.phase).toBe('ended');
    expect(effects).toEqual([
      { do: 'cancel-timer', timer: 'digit' },
      { do: 'cancel-timer', timer: 'hold' },
      { do: 'cancel-timer', timer: 'record' },
      { do: 'dequeue' },
      { do: 'finish', hangupBy: 'caller', cause: 'normal', outcome: 'abandoned' },
    ]);
  });

  it('a caller hanging up while an agent’s phone rings also hangs up that phone', () => {
    const { effects } = drive(
      onHold(),
      { kind: 'agent-offered', agentId: 7, legChannelId: 'leg1' },
      { kind: 'caller-hangup', cause: 'normal' },
    );
    expect(effects).toContainEqual({ do: 'hangup-leg', legChannelId: 'leg1' });
    expect(effects).toContainEqual({
      do: 'finish',
      hangupBy: 'caller',
      cause: 'normal',
      outcome: 'abandoned',
    });
  });

  it('a caller hanging up while talking to an agent ends an answered call', () => {
    const { effects } = drive(
      onHold(),
      { kind: 'agent-offered', agentId: 7, legChannelId: 'leg1' },
      { kind: 'agent-answered', legChannelId: 'leg1' },
      { kind: 'caller-hangup', cause: 'normal' },
    );
    expect(effects).not.toContainEqual({ do: 'dequeue' });
    expect(effects).toContainEqual({
      do: 'finish',
      hangupBy: 'caller',
      cause: 'normal',
      outcome: 'answered',
    });
  });

  it('an agent hanging up hangs up the caller and ends an answered call', () => {
    const { effects } = drive(
      onHold(),
      { kind: 'agent-offered', agentId: 7, legChannelId: 'leg1' },
      { kind: 'agent-answered', legChannelId: 'leg1' },
      { kind: 'agent-hangup', cause: 'normal' },
    );
    expect(effects).toEqual([
      { do: 'hangup-caller' },
      { do: 'finish', hangupBy: 'agent', cause: 'normal', outcome: 'answered' },
    ]);
  });

  it('a caller hanging up in the menu after hearing the fees was served by self-service', () => {
    const { effects } = drive(atMenu(), { kind: 'dtmf', digit: '1' }, FEES_LOOKED_UP, {
      kind: 'caller-hangup',
      cause: 'normal',
    });
    expect(effects).toContainEqual({
      do: 'finish',
      hangupBy: 'caller',
      cause: 'normal',
      outcome: 'self-service',
    });
  });

  it('a caller hanging up in the menu without choosing anything is an IVR hang-up', () => {
    const { effects } = drive(atMenu(), { kind: 'caller-hangup', cause: 'normal' });
    expect(effects).not.toContainEqual({ do: 'dequeue' });
    expect(effects).toContainEqual({
      do: 'finish',
      hangupBy: 'caller',
      cause: 'normal',
      outcome: 'ivr-hangup',
    });
  });

  it('losing the PBX while queued leaves the queue and the call failed', () => {
    const { effects } = drive(onHold(), { kind: 'pbx-lost' });
    expect(effects).toContainEqual({ do: 'dequeue' });
    expect(effects).toContainEqual({
      do: 'finish',
      hangupBy: 'system',
      cause: 'pbx-lost',
      outcome: 'failed',
    });
  });

  it('after the end, nothing that happens leads to any effect', () => {
    const ended = drive(onHold(), { kind: 'caller-hangup', cause: 'normal' }).state;
    expect(drive(ended, { kind: 'hold-tick' }, { kind: 'dtmf', digit: '1' }).effects).toEqual([]);
  });
});

describe('the state', () => {
  it('of the previous step is left as it was', () => {
    const before = atMenu();
    const copy = structuredClone(before);
    drive(before, { kind: 'dtmf', digit: '1' }, FEES_LOOKED_UP);
    expect(before).toEqual(copy);
  });
});

/** A flow written in the test: reads a number and a date, sets and jumps, and says goodbye. */
const SMALL = load(
  'flows/small.yaml',
  `name: small
numbers: ['4008200000']
language: zh
start: count
nodes:
  count:
    kind: set
    variables: { visits: '1502', when: '2026-10-31' }
    next: jump
  jump: { kind: goto, node: read }
  read:
    kind: play
    prompts:
      - welcome
      - { say: number, value: '\${visits}' }
      - { say: date, value: '\${when}' }
    next: english
  english: { kind: set, variables: { language: en }, next: bye }
  bye: { kind: hangup, prompt: [goodbye] }
`,
);

describe('a flow without identify', () => {
  it('starts at once: sets, jumps, reads a number and a date, then says goodbye in English', () => {
    const { state, effects } = arrive('13800138000', SMALL);
    expect(state.vars).toMatchObject({ visits: '1502', when: '2026-10-31' });
    expect(effects).toEqual([
      { do: 'answer' },
      { do: 'record', event: 'identified', detail: { ownerId: null } },
      {
        do: 'play',
        playbackId: 'c1:1',
        lang: 'zh',
        // 欢迎 一千五百零二 二零二六年十月三十一日: played before the switch to English
        prompts: [
          'welcome',
          'digit-1',
          'thousand',
          'digit-5',
          'hundred',
          'digit-0',
          'digit-2',
          'digit-2',
          'digit-0',
          'digit-2',
          'digit-6',
          'year',
          'ten',
          'month',
          'digit-3',
          'ten',
          'digit-1',
          'day',
        ],
      },
    ]);
    const bye = driveWith(SETTINGS, SMALL, state, { kind: 'playback-finished', playbackId: 'c1:1' });
    expect(bye.state.lang).toBe('en');
    expect(bye.state.phase).toBe('ending');
    expect(bye.effects).toEqual([{ do: 'play', playbackId: 'c1:2', prompts: ['goodbye'], lang: 'en' }]);
    const end = driveWith(SETTINGS, SMALL, bye.state, { kind: 'playback-finished', playbackId: 'c1:2' });
    expect(end.state.phase).toBe('ended');
    expect(end.effects).toEqual([
      { do: 'hangup-caller' },
      { do: 'finish', hangupBy: 'system', cause: 'flow-hangup', outcome: 'ivr-hangup' },
    ]);
  });
});

describe('an hours node', () => {
  const flow = load(
    'flows/hours.yaml',
    `name: hours
numbers: ['4008200001']
language: zh
start: welcome
nodes:
  welcome: { kind: play, prompts: [welcome], next: open }
  open: { kind: hours, open: bye, closed: closed }
  closed: { kind: hangup, prompt: [after-hours] }
  bye: { kind: hangup, prompt: [goodbye] }
`,
  );

  it('asks for the opening hours first and plays the welcome with what the answer leads to, as one playback', () => {
    const arrived = arrive('13800138000', flow);
    expect(arrived.state.phase).toBe('waiting');
    expect(arrived.effects).toEqual([
      { do: 'answer' },
      { do: 'record', event: 'identified', detail: { ownerId: null } },
      { do: 'check-hours', estate: null, unitId: null },
    ]);
    const closed = driveWith(SETTINGS, flow, arrived.state, { kind: 'hours-checked', state: 'closed' });
    expect(closed.state.path).toEqual(['hours:closed']);
    expect(closed.effects).toEqual([
      { do: 'play', playbackId: 'c1:1', prompts: ['welcome', 'after-hours'], lang: 'zh' },
    ]);
  });

  it('plays the welcome and the way for an open estate together', () => {
    const arrived = arrive('13800138000', flow);
    const open = driveWith(SETTINGS, flow, arrived.state, { kind: 'hours-checked', state: 'open' });
    expect(open.effects).toEqual([
      { do: 'play', playbackId: 'c1:1', prompts: ['welcome', 'goodbye'], lang: 'zh' },
    ]);
  });
});

describe('a branch after the caller hung up during a voicemail', () => {
  const flow = load(
    'flows/voicemail.yaml',
    `name: voicemail
numbers: ['4008200002']
language: zh
start: topic
nodes:
  topic: { kind: set, variables: { topic: repair }, next: message }
  message: { kind: record, prompt: [leave-message], max_s: 60, into: msg, next: which }
  which:
    kind: branch
    value: '\${topic}'
    cases: { repair: repair-ticket }
    default: complaint-ticket
  repair-ticket: { kind: ticket, type: repair, recording: '\${msg}', next: saved }
  complaint-ticket: { kind: ticket, type: complaint, recording: '\${msg}', next: saved }
  saved: { kind: play, prompts: [message-saved], next: bye }
  bye: { kind: hangup, prompt: [goodbye] }
`,
  );

  it('still runs, like set and goto, so the message is filed as the ticket its case names', () => {
    const recording = driveWith(SETTINGS, flow, arrive('13800138000', flow).state, {
      kind: 'playback-finished',
      playbackId: 'c1:1',
    });
    expect(recording.state.phase).toBe('recording');
    const gone = driveWith(SETTINGS, flow, recording.state, { kind: 'caller-hangup', cause: 'normal' });
    expect(gone.state.callerGone).toEqual({ cause: 'normal' });
    const saved = driveWith(SETTINGS, flow, gone.state, {
      kind: 'recorded',
      name: 'voicemail-c1',
      durationS: 12,
    });
    expect(saved.effects).toContainEqual({
      do: 'create-ticket',
      type: 'repair',
      category: null,
      urgent: false,
      description: 'repair',
      recording: 'voicemail-c1',
      ownerId: null,
      unitId: null,
    });
    const filed = driveWith(SETTINGS, flow, saved.state, {
      kind: 'ticket-created',
      number: '10000041',
      expectedDoneAt: null,
    });
    // nobody is left to hear "message saved" or "goodbye": the call ends as a voicemail
    expect(plays(filed.effects)).toEqual([]);
    expect(filed.effects).toContainEqual({
      do: 'finish',
      hangupBy: 'caller',
      cause: 'normal',
      outcome: 'voicemail',
    });
    expect(filed.state.path).toEqual(['voicemail', 'ticket:10000041']);
  });
});

describe('a queue with a longest wait (max_wait_s, overflow)', () => {
  const WAITS = load(
    'flows/waits.yaml',
    `name: waits
numbers: ['4008200009']
start: welcome
nodes:
  welcome: { kind: play, prompts: [welcome], next: desk }
  desk: { kind: queue, skill: complaints, prompt: [to-complaints], max_wait_s: 60, overflow: sorry }
  sorry: { kind: hangup, prompt: [queue-overflow] }
`,
  );
  const run = (state: FlowCall, ...events: FlowEvent[]) => driveWith(SETTINGS, WAITS, state, ...events);
  /** In the queue from the start: the welcome and "to-complaints" play (c1:1). */
  const waiting = () =>
    newFlowCall(SETTINGS, WAITS, {
      callId: 'c1',
      channelId: 'ch1',
      callerNumber: null,
      dialled: '4008200009',
      now: { date: '2026-11-15', time: '14:30' },
    });

  it('starts the clock as the call joins the queue', () => {
    const { state, effects } = waiting();
    expect(state.phase).toBe('queued');
    expect(effects).toContainEqual({ do: 'start-timer', timer: 'overflow', ms: 60_000 });
  });

  it('takes the call out of the queue to the overflow node when no agent answered in time', () => {
    const { state, effects } = run(waiting().state, { kind: 'overflow-timeout' });
    expect(effects).toEqual([
      { do: 'stop-playback', playbackId: 'c1:1' },
      { do: 'cancel-timer', timer: 'hold' },
      { do: 'dequeue' },
      { do: 'record', event: 'overflowed', detail: { queue: 'complaints', to: 'sorry' } },
      { do: 'play', playbackId: 'c1:2', prompts: ['queue-overflow'], lang: 'zh' },
    ]);
    expect(state.phase).toBe('ending');
    expect(state.path).toContain('overflow:complaints');
  });

  it('lets the agent whose phone rings answer; the call overflows only if they do not', () => {
    const ringing = run(waiting().state, { kind: 'agent-offered', agentId: 7, legChannelId: 'leg1' });
    const late = run(ringing.state, { kind: 'overflow-timeout' });
    expect(late.effects).toEqual([]);
    const answered = run(late.state, { kind: 'agent-answered', legChannelId: 'leg1' });
    expect(answered.state.phase).toBe('connected');
    expect(answered.effects).toContainEqual({ do: 'cancel-timer', timer: 'overflow' });
    const lost = run(late.state, { kind: 'agent-lost', legChannelId: 'leg1', reason: 'no-answer' });
    expect(lost.effects).toContainEqual({ do: 'dequeue' });
    expect(plays(lost.effects).at(-1)?.prompts).toEqual(['queue-overflow']);
  });
});

describe('call control by the agent', () => {
  /** The owner talking to agent 7 (leg1). */
  const talking = (): FlowCall =>
    drive(
      onHold(),
      { kind: 'agent-offered', agentId: 7, legChannelId: 'leg1' },
      { kind: 'agent-answered', legChannelId: 'leg1' },
    ).state;
  const BY = { agentId: 7, note: '业主反映楼上漏水,已登记' };

  it('hold takes the owner out of the bridge to music; resume puts them back', () => {
    const held = drive(talking(), { kind: 'hold' });
    expect(held.state.phase).toBe('held');
    expect(held.effects).toEqual([
      { do: 'caller-in-bridge', in: false },
      { do: 'hold-music', on: true },
      { do: 'record', event: 'held', detail: { agentId: 7 } },
    ]);
    const resumed = drive(held.state, { kind: 'resume' });
    expect(resumed.state.phase).toBe('connected');
    expect(resumed.effects).toEqual([
      { do: 'hold-music', on: false },
      { do: 'caller-in-bridge', in: true },
      { do: 'record', event: 'resumed', detail: { agentId: 7 } },
    ]);
  });

  it('refuses hold and transfer before an agent answered, and resume when not on hold', () => {
    const ringing = drive(onHold(), { kind: 'agent-offered', agentId: 7, legChannelId: 'leg1' }).state;
    for (const event of [
      { kind: 'hold' },
      { kind: 'transfer', target: { to: 'queue', queue: 'fees' }, by: BY },
    ]) {
      const step = drive(ringing, event as FlowEvent);
      expect(step.refused).toBe('not-connected');
      expect(step.effects).toEqual([]);
      expect(step.state).toBe(ringing);
    }
    expect(drive(talking(), { kind: 'resume' }).refused).toBe('not-held');
    expect(drive(talking(), { kind: 'hold' }, { kind: 'hold' }).refused).toBe('already-held');
  });

  it('a transfer to a queue releases the agent and queues the owner again at their priority, with the note', () => {
    const { state, effects } = drive(talking(), {
      kind: 'transfer',
      target: { to: 'queue', queue: 'complaints' },
      by: BY,
    });
    expect(state.phase).toBe('queued');
    expect(state.agent).toBeNull();
    expect(effects.slice(0, 4)).toEqual([
      { do: 'caller-in-bridge', in: false },
      { do: 'release-agent', agentId: 7, legChannelId: 'leg1' },
      {
        do: 'record',
        event: 'transferred',
        detail: { to: 'queue', queue: 'complaints', fromAgentId: 7, note: BY.note },
      },
      { do: 'cancel-timer', timer: 'digit' },
    ]);
    expect(effects).toContainEqual({
      do: 'enqueue',
      queue: 'complaints',
      intent: 'agent',
      priority: 'normal',
      transferredBy: BY,
    });
    // the owner hears where they stand, then music, as any waiting caller
    expect(effects.at(-1)).toEqual({ do: 'queue-status' });
  });

  it('a VIP owner transferred from hold keeps the VIP priority, and the music stops for the queue prompts', () => {
    const vip = { ...OWNER, vip: true };
    const start = drive(
      drive(atMenu(vip), { kind: 'dtmf', digit: '0' }).state,
      { kind: 'agent-offered', agentId: 7, legChannelId: 'leg1' },
      { kind: 'agent-answered', legChannelId: 'leg1' },
      { kind: 'hold' },
    ).state;
    const { effects } = drive(start, { kind: 'transfer', target: { to: 'agent', agentId: 9 }, by: BY });
    expect(effects).not.toContainEqual({ do: 'caller-in-bridge', in: false });
    expect(effects).toContainEqual({ do: 'hold-music', on: false });
    expect(effects).toContainEqual({
      do: 'enqueue',
      queue: 'general',
      intent: 'agent',
      priority: 'vip',
      transferredBy: BY,
      agentId: 9,
    });
  });

  it('a transfer to a number dials it with music for the owner and bridges the outside party', () => {
    const sent = drive(talking(), {
      kind: 'transfer',
      target: { to: 'number', number: '13912345678' },
      by: BY,
    });
    expect(sent.state.phase).toBe('transferring');
    expect(sent.effects).toContainEqual({ do: 'hold-music', on: true });
    expect(sent.effects.at(-1)).toEqual({ do: 'dial-outside', number: '13912345678' });
    const answered = drive(
      sent.state,
      { kind: 'outside-ringing', legChannelId: 'out1' },
      { kind: 'outside-answered', legChannelId: 'out1' },
    );
    expect(answered.state.phase).toBe('connected');
    expect(answered.effects).toEqual([
      { do: 'hold-music', on: false },
      { do: 'bridge', legChannelId: 'out1' },
      { do: 'record', event: 'outside-answered', detail: { number: '13912345678' } },
    ]);
    // the owner hanging up hangs up the outside party too
    const ended = drive(answered.state, { kind: 'caller-hangup', cause: 'normal' });
    expect(ended.effects).toContainEqual({ do: 'hangup-leg', legChannelId: 'out1' });
    // and the outside party hanging up ends the call
    const farEnd = drive(answered.state, { kind: 'agent-hangup', cause: 'normal clearing' });
    expect(farEnd.effects).toEqual([
      { do: 'hangup-caller' },
      { do: 'finish', hangupBy: 'system', cause: 'outside party: normal clearing', outcome: 'answered' },
    ]);
  });

  it('an outside number that does not answer sends the owner back to the queue they came from', () => {
    const { state, effects } = drive(
      talking(),
      { kind: 'transfer', target: { to: 'number', number: '13912345678' }, by: BY },
      { kind: 'outside-ringing', legChannelId: 'out1' },
      { kind: 'outside-lost', legChannelId: 'out1', cause: 'user busy' },
    );
    expect(state.phase).toBe('queued');
    expect(effects).toContainEqual({
      do: 'record',
      event: 'outside-failed',
      detail: { number: '13912345678', cause: 'user busy' },
    });
    expect(effects).toContainEqual({
      do: 'enqueue',
      queue: 'general',
      intent: 'agent',
      priority: 'normal',
      transferredBy: BY,
    });
  });

  it('an owner hanging up on hold ends an answered call and hangs up the agent’s phone', () => {
    const { state, effects } = drive(talking(), { kind: 'hold' }, { kind: 'caller-hangup', cause: 'normal' });
    expect(state.phase).toBe('ended');
    expect(effects).toContainEqual({ do: 'hangup-leg', legChannelId: 'leg1' });
    expect(effects).toContainEqual({
      do: 'finish',
      hangupBy: 'caller',
      cause: 'normal',
      outcome: 'answered',
    });
  });

  describe('attended transfer, conference and hang-up', () => {
    const AGENT2 = { to: 'agent', agentId: 9 } as const;
    const NUMBER = { to: 'number', number: '13912345678' } as const;
    /** agent 7 consults `target`; the target's leg is c1 and rings. */
    const ringingConsult = (target: ConsultTarget = AGENT2, from = talking()): FlowStep =>
      drive(from, { kind: 'consult', target, by: BY }, { kind: 'consult-ringing', legChannelId: 'c1' });
    const consulting = (target: ConsultTarget = AGENT2): FlowCall =>
      drive(ringingConsult(target).state, { kind: 'consult-answered', legChannelId: 'c1' }).state;
    const conference = (): FlowCall => drive(consulting(), { kind: 'conference' }).state;

    it('a consultation puts the owner on hold with music and rings the target; the agent hears it rings', () => {
      const { state, effects } = drive(talking(), { kind: 'consult', target: AGENT2, by: BY });
      expect(state.phase).toBe('consulting');
      expect(state.onHold).toBe(true);
      expect(effects).toEqual([
        { do: 'caller-in-bridge', in: false },
        { do: 'hold-music', on: true },
        { do: 'record', event: 'consult-started', detail: { ...AGENT2, fromAgentId: 7, note: BY.note } },
        { do: 'dial-consult', target: AGENT2, by: BY },
        { do: 'tell-agent', agentId: 7, news: 'ringing', target: AGENT2 },
      ]);
      // from hold the owner is already out of the bridge with music
      const fromHold = drive(talking(), { kind: 'hold' }, { kind: 'consult', target: NUMBER, by: BY });
      expect(fromHold.effects[0]).toEqual({
        do: 'record',
        event: 'consult-started',
        detail: { ...NUMBER, fromAgentId: 7, note: BY.note },
      });
    });

    it('the answered target joins the bridge with the agent, the owner still on hold', () => {
      const { state, effects } = drive(ringingConsult().state, {
        kind: 'consult-answered',
        legChannelId: 'c1',
      });
      expect(state.consult).toMatchObject({ answered: true, legChannelId: 'c1' });
      expect(state.onHold).toBe(true);
      expect(effects).toEqual([
        { do: 'join-bridge', legChannelId: 'c1', agentId: 9 },
        { do: 'record', event: 'consult-answered', detail: AGENT2 },
        { do: 'tell-agent', agentId: 7, news: 'answered', target: AGENT2 },
      ]);
      // another leg's answer is not the target's
      expect(drive(ringingConsult().state, { kind: 'consult-answered', legChannelId: 'x' }).effects).toEqual(
        [],
      );
      const outside = drive(ringingConsult(NUMBER).state, { kind: 'consult-answered', legChannelId: 'c1' });
      expect(outside.effects[0]).toEqual({ do: 'join-bridge', legChannelId: 'c1', agentId: null });
    });

    it('complete hands the owner to the consulted agent and releases the first to wrap up', () => {
      const { state, effects } = drive(consulting(), { kind: 'consult-complete' });
      expect(state.phase).toBe('connected');
      expect(state.agent).toEqual({ agentId: 9, legChannelId: 'c1' });
      expect(state.consult).toBeNull();
      expect(effects).toEqual([
        { do: 'release-agent', agentId: 7, legChannelId: 'leg1' },
        { do: 'hold-music', on: false },
        { do: 'caller-in-bridge', in: true },
        {
          do: 'record',
          event: 'transferred',
          detail: { ...AGENT2, fromAgentId: 7, note: BY.note, attended: true, from: 'consulting' },
        },
        { do: 'take-over', agentId: 9 },
      ]);
      // to a number: the outside party has the call, as after a blind transfer
      const outside = drive(consulting(NUMBER), { kind: 'consult-complete' }).state;
      expect(outside.agent).toBeNull();
      expect(outside.transfer).toEqual({ by: BY, number: NUMBER.number, legChannelId: 'c1' });
    });

    it('cancel hangs up the target, frees them, and puts the owner back with the agent', () => {
      for (const from of [ringingConsult().state, consulting()]) {
        const { state, effects } = drive(from, { kind: 'consult-cancel' });
        expect(state.phase).toBe('connected');
        expect(state.agent?.agentId).toBe(7);
        expect(state.onHold).toBe(false);
        expect(effects).toEqual([
          { do: 'end-consult', legChannelId: 'c1', agentId: 9, end: 'consult-over', cause: 'cancelled' },
          { do: 'hold-music', on: false },
          { do: 'caller-in-bridge', in: true },
          { do: 'record', event: 'consult-cancelled', detail: AGENT2 },
          { do: 'tell-agent', agentId: 7, news: 'cancelled', target: AGENT2 },
        ]);
      }
    });

    it('a busy or silent target ends the consultation: the agent is told, the owner stays on hold', () => {
      const lost = drive(ringingConsult(NUMBER).state, {
        kind: 'consult-lost',
        legChannelId: 'c1',
        cause: 'User busy',
        reason: 'no-answer',
      });
      expect(lost.state.phase).toBe('held');
      expect(lost.state.onHold).toBe(true);
      expect(lost.effects).toEqual([
        { do: 'record', event: 'consult-failed', detail: { ...NUMBER, cause: 'User busy' } },
        { do: 'end-consult', legChannelId: null, agentId: null, end: 'no-answer', cause: 'User busy' },
        { do: 'tell-agent', agentId: 7, news: 'failed', target: NUMBER, cause: 'User busy' },
      ]);
      // the agent takes the owner back as from any hold
      expect(drive(lost.state, { kind: 'resume' }).state.phase).toBe('connected');
      // a consulted agent who hangs up after talking is free at once; the owner still waits for the agent
      const hungUp = drive(consulting(), {
        kind: 'consult-lost',
        legChannelId: 'c1',
        cause: 'Normal Clearing',
        reason: 'no-answer',
      });
      expect(hungUp.state.phase).toBe('held');
      expect(hungUp.effects).toContainEqual({
        do: 'end-consult',
        legChannelId: null,
        agentId: 9,
        end: 'consult-over',
        cause: 'Normal Clearing',
      });
      expect(hungUp.effects.at(-1)).toMatchObject({ do: 'tell-agent', news: 'ended' });
      // a leg that could not be dialled at all
      const notDialled = drive(
        talking(),
        { kind: 'consult', target: AGENT2, by: BY },
        {
          kind: 'consult-lost',
          legChannelId: null,
          cause: 'no phone',
          reason: 'failed',
        },
      );
      expect(notDialled.state.phase).toBe('held');
    });

    it('conference brings the owner back into the bridge with both; the agent leaves, the target stays', () => {
      const conf = drive(consulting(), { kind: 'conference' });
      expect(conf.state.phase).toBe('conference');
      expect(conf.effects).toEqual([
        { do: 'hold-music', on: false },
        { do: 'caller-in-bridge', in: true },
        { do: 'record', event: 'conference', detail: { ...AGENT2, agentId: 7 } },
        { do: 'tell-agent', agentId: 7, news: 'conference', target: AGENT2 },
      ]);
      const left = drive(conf.state, { kind: 'consult-complete' });
      expect(left.state.phase).toBe('connected');
      expect(left.state.agent).toEqual({ agentId: 9, legChannelId: 'c1' });
      expect(left.effects).not.toContainEqual({ do: 'caller-in-bridge', in: true });
      expect(left.effects[0]).toEqual({ do: 'release-agent', agentId: 7, legChannelId: 'leg1' });
    });

    it('in a conference the target hanging up leaves the owner with the agent; the target wraps up', () => {
      const { state, effects } = drive(conference(), {
        kind: 'consult-lost',
        legChannelId: 'c1',
        cause: 'Normal Clearing',
        reason: 'no-answer',
      });
      expect(state.phase).toBe('connected');
      expect(state.agent?.agentId).toBe(7);
      expect(effects).toEqual([
        { do: 'record', event: 'conference-left', detail: { ...AGENT2, cause: 'Normal Clearing' } },
        { do: 'end-consult', legChannelId: null, agentId: 9, end: 'left-call', cause: 'Normal Clearing' },
        { do: 'tell-agent', agentId: 7, news: 'target-left', target: AGENT2, cause: 'Normal Clearing' },
      ]);
    });

    it('the agent hanging up their phone completes an answered consultation, and ends the call while it rings', () => {
      const completed = drive(consulting(), { kind: 'agent-hangup', cause: 'normal', legChannelId: 'leg1' });
      expect(completed.state.agent?.agentId).toBe(9);
      expect(completed.effects).toContainEqual({ do: 'take-over', agentId: 9 });
      const ended = drive(ringingConsult().state, {
        kind: 'agent-hangup',
        cause: 'normal',
        legChannelId: 'leg1',
      });
      expect(ended.state.phase).toBe('ended');
      expect(ended.effects).toEqual([
        { do: 'end-consult', legChannelId: 'c1', agentId: 9, end: 'consult-over', cause: 'normal' },
        { do: 'hangup-caller' },
        { do: 'finish', hangupBy: 'agent', cause: 'normal', outcome: 'answered' },
      ]);
    });

    it('the owner hanging up ends the consultation too: nobody is left on the line', () => {
      const during = drive(consulting(), { kind: 'caller-hangup', cause: 'normal' });
      expect(during.state.phase).toBe('ended');
      expect(during.effects).toContainEqual({
        do: 'end-consult',
        legChannelId: 'c1',
        agentId: 9,
        end: 'consult-over',
        cause: 'normal',
      });
      expect(during.effects).toContainEqual({ do: 'hangup-leg', legChannelId: 'leg1' });
      expect(during.effects.at(-1)).toEqual({
        do: 'finish',
        hangupBy: 'caller',
        cause: 'normal',
        outcome: 'answered',
      });
      // in a conference the consulted agent talked with the owner: they wrap up
      const conf = drive(conference(), { kind: 'caller-hangup', cause: 'normal' });
      expect(conf.effects).toContainEqual(expect.objectContaining({ do: 'end-consult', end: 'left-call' }));
    });

    it('hang-up from the page ends the call by the agent, whatever they were doing', () => {
      const { state, effects } = drive(talking(), { kind: 'hang-up' });
      expect(state.phase).toBe('ended');
      expect(effects).toEqual([
        { do: 'hangup-leg', legChannelId: 'leg1' },
        { do: 'hangup-caller' },
        { do: 'finish', hangupBy: 'agent', cause: 'hung up by agent', outcome: 'answered' },
      ]);
      expect(drive(conference(), { kind: 'hang-up' }).effects[0]).toEqual({
        do: 'end-consult',
        legChannelId: 'c1',
        agentId: 9,
        end: 'left-call',
        cause: 'hung up by agent',
      });
      expect(drive(talking(), { kind: 'hold' }, { kind: 'hang-up' }).state.phase).toBe('ended');
    });

    it('refuses what does not apply and changes nothing', () => {
      const ringing = drive(onHold(), { kind: 'agent-offered', agentId: 7, legChannelId: 'leg1' }).state;
      const cases: [FlowCall, FlowEvent, CommandRefusal][] = [
        [ringing, { kind: 'consult', target: AGENT2, by: BY }, 'not-connected'],
        [ringing, { kind: 'hang-up' }, 'not-connected'],
        [talking(), { kind: 'consult-complete' }, 'not-consulting'],
        [talking(), { kind: 'consult-cancel' }, 'not-consulting'],
        [talking(), { kind: 'conference' }, 'not-consulting'],
        [ringingConsult().state, { kind: 'conference' }, 'consult-ringing'],
        [ringingConsult().state, { kind: 'consult-complete' }, 'consult-ringing'],
        [consulting(), { kind: 'consult', target: NUMBER, by: BY }, 'consulting'],
        [consulting(), { kind: 'hold' }, 'consulting'],
        [consulting(), { kind: 'resume' }, 'consulting'],
        [consulting(), { kind: 'transfer', target: { to: 'queue', queue: 'fees' }, by: BY }, 'consulting'],
        [conference(), { kind: 'conference' }, 'in-conference'],
        [conference(), { kind: 'consult-cancel' }, 'in-conference'],
        [conference(), { kind: 'hold' }, 'in-conference'],
      ];
      for (const [state, event, refusal] of cases) {
        const step = drive(state, event);
        expect({ event: event.kind, refused: step.refused }).toEqual({ event: event.kind, refused: refusal });
        expect(step.effects).toEqual([]);
        expect(step.state).toBe(state);
      }
    });
  });
});
