// One inbound call as a state machine: what the caller hears and what the system does, event by event.
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import type { PopArrear, PopOwner } from '../../core/index.ts';
import {
  feesSpeech,
  newInboundCall,
  step,
  type CallEvent,
  type Effect,
  type InboundCall,
  type InboundCallSettings,
  type Step,
} from '../../ivr/inbound-call.ts';

const SETTINGS: InboundCallSettings = {
  digitTimeoutMs: 6000,
  menuRetries: 3,
  holdAnnounceS: 20,
  queue: 'property',
};

const OWNER: PopOwner = {
  id: 1,
  name: '张伟',
  vip: false,
  language: 'zh',
  units: [{ unitId: 11, roomCode: 'B3-1502', building: '3号楼', estate: '翠湖花园' }],
};

const OWNER_TWO_UNITS: PopOwner = {
  id: 2,
  name: '李娜',
  vip: true,
  language: 'zh',
  units: [
    { unitId: 21, roomCode: 'B1-0801', building: '1号楼', estate: '翠湖花园' },
    { unitId: 22, roomCode: 'B2-1203', building: '2号楼', estate: '翠湖花园' },
  ],
};

const ENGLISH_OWNER: PopOwner = {
  id: 4,
  name: 'John Smith',
  vip: false,
  language: 'en',
  units: [{ unitId: 41, roomCode: 'B5-0302', building: '5号楼', estate: '翠湖花园' }],
};

const PROPERTY_FEE: PopArrear = {
  unitId: 11,
  roomCode: 'B3-1502',
  kind: 'property',
  amountFen: 123450,
  dueDate: '2026-10-31',
};
const WATER_FEE: PopArrear = {
  unitId: 11,
  roomCode: 'B3-1502',
  kind: 'water',
  amountFen: 8620,
  dueDate: '2026-11-15',
};

function arrive(callerNumber: string | null = '13800138000'): Step {
  return newInboundCall({ callId: 'c1', channelId: 'ch1', callerNumber, dialled: '4008001234' });
}

/** Feeds events one after another; returns the last step (its state and the effects of the last event). */
function drive(state: InboundCall, ...events: CallEvent[]): Step {
  let last: Step = { state, effects: [] };
  for (const event of events) last = step(SETTINGS, last.state, event);
  return last;
}

/** A known owner who has heard the welcome and the menu; the digit timer is running. */
function atMenu(owner: PopOwner = OWNER): InboundCall {
  return drive(
    arrive().state,
    { kind: 'answered' },
    { kind: 'identified', owner },
    { kind: 'playback-finished', playbackId: 'c1:1' },
  ).state;
}

/** An owner who pressed 0; the "to-agent" prompt (c1:2) is playing. */
function queued(): InboundCall {
  return drive(atMenu(), { kind: 'dtmf', digit: '0' }).state;
}

/** An owner in the queue with hold music on: to-agent (c1:2) and please-hold (c1:3) have been played. */
function onHold(): InboundCall {
  return drive(
    queued(),
    { kind: 'playback-finished', playbackId: 'c1:2' },
    { kind: 'playback-finished', playbackId: 'c1:3' },
  ).state;
}

function plays(effects: Effect[]): Extract<Effect, { do: 'play' }>[] {
  return effects.filter((e): e is Extract<Effect, { do: 'play' }> => e.do === 'play');
}

function indexOf(effects: Effect[], kind: Effect['do']): number {
  return effects.findIndex((e) => e.do === kind);
}

describe('a call arriving', () => {
  it('is answered and the caller is looked up', () => {
    const { state, effects } = arrive();
    expect(effects).toEqual([{ do: 'answer' }, { do: 'identify' }]);
    expect(state.phase).toBe('arrived');
    expect(state.callerNumber).toBe('13800138000');
    expect(state.plays).toBe(0);
    expect(state.path).toEqual([]);
  });

  it('records that the IVR answered', () => {
    const { effects } = drive(arrive().state, { kind: 'answered' });
    expect(effects).toEqual([{ do: 'record', event: 'ivr-answered' }]);
  });
});

describe('a known owner', () => {
  it('hears the welcome, the owner greeting and the main menu', () => {
    const { state, effects } = drive(arrive().state, { kind: 'identified', owner: OWNER });
    expect(state.phase).toBe('menu');
    expect(state.owner?.id).toBe(1);
    expect(effects).toEqual([
      { do: 'record', event: 'identified', detail: { ownerId: 1 } },
      { do: 'play', playbackId: 'c1:1', prompts: ['welcome', 'welcome-owner', 'menu-main'], lang: 'zh' },
    ]);
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
    expect(effects).toContainEqual({ do: 'enqueue', queue: 'property', intent: 'agent' });
  });
});

describe('key 1: fees', () => {
  it('looks up the arrears of all the owner’s units', () => {
    const { state, effects } = drive(atMenu(OWNER_TWO_UNITS), { kind: 'dtmf', digit: '1' });
    expect(state.phase).toBe('fees');
    expect(state.intent).toBe('fees');
    expect(state.path).toEqual(['menu:1']);
    expect(effects).toEqual([
      { do: 'cancel-timer', timer: 'digit' },
      { do: 'record', event: 'menu', detail: { key: '1', choice: 'fees' } },
      { do: 'lookup-arrears', unitIds: [21, 22] },
    ]);
  });

  it('then speaks the fees and afterwards plays the menu again', () => {
    const lookingUp = drive(atMenu(), { kind: 'dtmf', digit: '1' }).state;
    const spoken = drive(lookingUp, { kind: 'arrears', items: [PROPERTY_FEE] });
    expect(spoken.state.path).toEqual(['menu:1', 'fees']);
    expect(spoken.effects).toEqual([
      { do: 'record', event: 'self-service', detail: { service: 'fees', items: 1 } },
      {
        do: 'play',
        playbackId: 'c1:2',
        lang: 'zh',
        // 您的房屋 三号楼一五零二室 欠费金额 一千二百三十四元五角 缴费截止日期 二零二六年十月三十一日
        prompts: [
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
        ],
      },
    ]);

    const back = drive(spoken.state, { kind: 'playback-finished', playbackId: 'c1:2' });
    expect(back.state.phase).toBe('menu');
    expect(back.effects).toEqual([{ do: 'play', playbackId: 'c1:3', prompts: ['menu-main'], lang: 'zh' }]);

    const waiting = drive(back.state, { kind: 'playback-finished', playbackId: 'c1:3' });
    expect(waiting.effects).toEqual([{ do: 'start-timer', timer: 'digit', ms: 6000 }]);
  });

  it('ignores keys pressed while the fees are looked up or spoken', () => {
    const lookingUp = drive(atMenu(), { kind: 'dtmf', digit: '1' }).state;
    expect(drive(lookingUp, { kind: 'dtmf', digit: '0' }).effects).toEqual([]);
    const speaking = drive(lookingUp, { kind: 'arrears', items: [PROPERTY_FEE] }).state;
    expect(drive(speaking, { kind: 'dtmf', digit: '0' }).effects).toEqual([]);
  });
});

describe('key 0: an agent', () => {
  it('joins the queue at once, records it and hears "connecting you to an agent"', () => {
    const { state, effects } = drive(atMenu(), { kind: 'dtmf', digit: '0' });
    expect(state.phase).toBe('queued');
    expect(state.intent).toBe('agent');
    expect(state.path).toEqual(['menu:0']);
    expect(effects).toContainEqual({ do: 'record', event: 'menu', detail: { key: '0', choice: 'agent' } });
    expect(effects).toContainEqual({ do: 'enqueue', queue: 'property', intent: 'agent' });
    expect(effects).toContainEqual({
      do: 'record',
      event: 'queued',
      detail: { queue: 'property', intent: 'agent' },
    });
    expect(plays(effects)).toEqual([{ do: 'play', playbackId: 'c1:2', prompts: ['to-agent'], lang: 'zh' }]);
    // the agent's phone may ring while the prompt plays
    expect(indexOf(effects, 'enqueue')).toBeLessThan(indexOf(effects, 'play'));
    expect(effects).toContainEqual({ do: 'cancel-timer', timer: 'digit' });
  });

  it('then hears "please hold", then music with a timer for the next announcement', () => {
    const hold = drive(queued(), { kind: 'playback-finished', playbackId: 'c1:2' });
    expect(hold.effects).toEqual([{ do: 'play', playbackId: 'c1:3', prompts: ['please-hold'], lang: 'zh' }]);

    const music = drive(hold.state, { kind: 'playback-finished', playbackId: 'c1:3' });
    expect(music.state.onHold).toBe(true);
    expect(music.effects).toEqual([
      { do: 'hold-music', on: true },
      { do: 'start-timer', timer: 'hold', ms: 20000 },
    ]);
  });

  it('on each hold tick the music stops and "please hold" is played again', () => {
    const { state, effects } = drive(onHold(), { kind: 'hold-tick' });
    expect(state.onHold).toBe(false);
    expect(effects).toEqual([
      { do: 'hold-music', on: false },
      { do: 'play', playbackId: 'c1:4', prompts: ['please-hold'], lang: 'zh' },
    ]);
    const again = drive(state, { kind: 'playback-finished', playbackId: 'c1:4' });
    expect(again.effects).toEqual([
      { do: 'hold-music', on: true },
      { do: 'start-timer', timer: 'hold', ms: 20000 },
    ]);
  });

  it('a hold tick while a prompt is still playing changes nothing', () => {
    expect(drive(queued(), { kind: 'hold-tick' }).effects).toEqual([]);
  });

  it('keys pressed while waiting are ignored', () => {
    const waiting = onHold();
    const { state, effects } = drive(waiting, { kind: 'dtmf', digit: '1' });
    expect(effects).toEqual([]);
    expect(state.phase).toBe('queued');
    expect(state.path).toEqual(['menu:0']);
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
    expect(effects).toContainEqual({ do: 'record', event: 'identified', detail: { ownerId: null } });
    expect(effects).toContainEqual({ do: 'enqueue', queue: 'property', intent: 'agent' });
    expect(plays(effects)).toEqual([
      { do: 'play', playbackId: 'c1:1', prompts: ['welcome', 'unknown-caller'], lang: 'zh' },
    ]);
  });
});

describe('menu mistakes', () => {
  it('an invalid key is counted and the menu is played again after "invalid key"', () => {
    const { state, effects } = drive(atMenu(), { kind: 'dtmf', digit: '5' });
    expect(state.phase).toBe('menu');
    expect(state.menuFailures).toBe(1);
    expect(state.path).toEqual(['menu:invalid:5']);
    expect(effects).toEqual([
      { do: 'cancel-timer', timer: 'digit' },
      { do: 'record', event: 'menu', detail: { key: '5', choice: 'invalid' } },
      { do: 'play', playbackId: 'c1:2', prompts: ['invalid-key', 'menu-main'], lang: 'zh' },
    ]);
  });

  it('no key before the timer runs out is counted and the menu is played again after "no input"', () => {
    const { state, effects } = drive(atMenu(), { kind: 'digit-timeout' });
    expect(state.menuFailures).toBe(1);
    expect(state.path).toEqual(['menu:no-input']);
    expect(effects).toEqual([
      { do: 'play', playbackId: 'c1:2', prompts: ['no-input', 'menu-main'], lang: 'zh' },
    ]);
  });

  it('a digit timeout while the menu is still playing is ignored', () => {
    const replaying = drive(atMenu(), { kind: 'dtmf', digit: '5' }).state;
    const { state, effects } = drive(replaying, { kind: 'digit-timeout' });
    expect(effects).toEqual([]);
    expect(state.menuFailures).toBe(1);
  });

  it('after three mistakes the caller is passed to an agent', () => {
    const { state, effects } = drive(
      atMenu(),
      { kind: 'dtmf', digit: '5' },
      { kind: 'playback-finished', playbackId: 'c1:2' },
      { kind: 'digit-timeout' },
      { kind: 'playback-finished', playbackId: 'c1:3' },
      { kind: 'dtmf', digit: '#' },
    );
    expect(state.phase).toBe('queued');
    expect(state.intent).toBe('agent');
    expect(state.path).toEqual(['menu:invalid:5', 'menu:no-input', 'menu:invalid:#', 'menu:fallback']);
    expect(effects).toContainEqual({ do: 'enqueue', queue: 'property', intent: 'agent' });
    expect(plays(effects)).toEqual([
      { do: 'play', playbackId: 'c1:4', prompts: ['invalid-key', 'to-agent'], lang: 'zh' },
    ]);
  });

  it('with one retry allowed, the first silence goes to an agent', () => {
    const oneTry = { ...SETTINGS, menuRetries: 1 };
    const { state, effects } = step(oneTry, atMenu(), { kind: 'digit-timeout' });
    expect(state.phase).toBe('queued');
    expect(state.path).toEqual(['menu:no-input', 'menu:fallback']);
    expect(plays(effects)[0]?.prompts).toEqual(['no-input', 'to-agent']);
  });

  it('two mistakes then fees start the count again', () => {
    const { state } = drive(
      atMenu(),
      { kind: 'dtmf', digit: '7' },
      { kind: 'dtmf', digit: '8' },
      { kind: 'dtmf', digit: '1' },
    );
    expect(state.phase).toBe('fees');
    expect(state.menuFailures).toBe(0);
  });
});

describe('an agent', () => {
  it('being offered the call moves it to offering', () => {
    const { state, effects } = drive(onHold(), { kind: 'agent-offered', agentId: 5, legChannelId: 'leg1' });
    expect(state.phase).toBe('offering');
    expect(state.agent).toEqual({ agentId: 5, legChannelId: 'leg1' });
    expect(effects).toEqual([{ do: 'record', event: 'offered', detail: { agentId: 5 } }]);
  });

  it('answering stops the hold music and bridges the caller', () => {
    const offering = drive(onHold(), { kind: 'agent-offered', agentId: 5, legChannelId: 'leg1' }).state;
    const { state, effects } = drive(offering, { kind: 'agent-answered', legChannelId: 'leg1' });
    expect(state.phase).toBe('connected');
    expect(state.onHold).toBe(false);
    expect(effects).toEqual([
      { do: 'cancel-timer', timer: 'hold' },
      { do: 'hold-music', on: false },
      { do: 'bridge', legChannelId: 'leg1' },
      { do: 'record', event: 'agent-answered', detail: { agentId: 5 } },
    ]);
  });

  it('answering while "to-agent" is still playing stops the prompt before bridging', () => {
    const offering = drive(queued(), { kind: 'agent-offered', agentId: 5, legChannelId: 'leg1' }).state;
    const { state, effects } = drive(offering, { kind: 'agent-answered', legChannelId: 'leg1' });
    expect(state.playback).toBeNull();
    expect(effects).toEqual([
      { do: 'stop-playback', playbackId: 'c1:2' },
      { do: 'cancel-timer', timer: 'hold' },
      { do: 'bridge', legChannelId: 'leg1' },
      { do: 'record', event: 'agent-answered', detail: { agentId: 5 } },
    ]);
    // the stopped prompt's end no longer leads anywhere
    expect(drive(state, { kind: 'playback-finished', playbackId: 'c1:2' }).effects).toEqual([]);
  });

  it('answering on another leg than the one offered is ignored', () => {
    const offering = drive(onHold(), { kind: 'agent-offered', agentId: 5, legChannelId: 'leg1' }).state;
    const { state, effects } = drive(offering, { kind: 'agent-answered', legChannelId: 'leg9' });
    expect(effects).toEqual([]);
    expect(state.phase).toBe('offering');
  });

  it('not answering puts the caller back in the queue', () => {
    const offering = drive(onHold(), { kind: 'agent-offered', agentId: 5, legChannelId: 'leg1' }).state;
    const { state, effects } = drive(offering, {
      kind: 'agent-lost',
      legChannelId: 'leg1',
      reason: 'no-answer',
    });
    expect(state.phase).toBe('queued');
    expect(state.agent).toBeNull();
    expect(effects).toEqual([{ do: 'record', event: 'agent-no-answer', detail: { agentId: 5 } }]);
  });

  it('whose phone fails is recorded as failed', () => {
    const offering = drive(onHold(), { kind: 'agent-offered', agentId: 5, legChannelId: 'leg1' }).state;
    const { effects } = drive(offering, { kind: 'agent-lost', legChannelId: 'leg1', reason: 'failed' });
    expect(effects).toEqual([{ do: 'record', event: 'agent-failed', detail: { agentId: 5 } }]);
  });

  it('can be offered the call again after one agent did not answer', () => {
    const { state } = drive(
      onHold(),
      { kind: 'agent-offered', agentId: 5, legChannelId: 'leg1' },
      { kind: 'agent-lost', legChannelId: 'leg1', reason: 'no-answer' },
      { kind: 'agent-offered', agentId: 6, legChannelId: 'leg2' },
      { kind: 'agent-answered', legChannelId: 'leg2' },
    );
    expect(state.phase).toBe('connected');
    expect(state.agent).toEqual({ agentId: 6, legChannelId: 'leg2' });
  });
});

describe('the end of a call', () => {
  function connected(): InboundCall {
    return drive(
      onHold(),
      { kind: 'agent-offered', agentId: 5, legChannelId: 'leg1' },
      { kind: 'agent-answered', legChannelId: 'leg1' },
    ).state;
  }

  it('a caller hanging up in the queue leaves it and the call is abandoned', () => {
    const { state, effects } = drive(onHold(), { kind: 'caller-hangup', cause: 'normal' });
    expect(state.phase).toBe('ended');
    expect(effects).toContainEqual({ do: 'dequeue' });
    expect(effects).toContainEqual({ do: 'cancel-timer', timer: 'hold' });
    expect(effects.at(-1)).toEqual({
      do: 'finish',
      hangupBy: 'caller',
      cause: 'normal',
      outcome: 'abandoned',
    });
  });

  it('a caller hanging up while an agent’s phone rings also hangs up that phone', () => {
    const offering = drive(onHold(), { kind: 'agent-offered', agentId: 5, legChannelId: 'leg1' }).state;
    const { effects } = drive(offering, { kind: 'caller-hangup', cause: 'normal' });
    expect(effects).toContainEqual({ do: 'dequeue' });
    expect(effects).toContainEqual({ do: 'hangup-leg', legChannelId: 'leg1' });
    expect(effects.at(-1)).toEqual({
      do: 'finish',
      hangupBy: 'caller',
      cause: 'normal',
      outcome: 'abandoned',
    });
  });

  it('a caller hanging up while talking to an agent ends an answered call', () => {
    const { state, effects } = drive(connected(), { kind: 'caller-hangup', cause: 'normal' });
    expect(state.phase).toBe('ended');
    expect(effects).not.toContainEqual({ do: 'dequeue' });
    expect(effects).toContainEqual({ do: 'hangup-leg', legChannelId: 'leg1' });
    expect(effects.at(-1)).toEqual({
      do: 'finish',
      hangupBy: 'caller',
      cause: 'normal',
      outcome: 'answered',
    });
  });

  it('an agent hanging up hangs up the caller and ends an answered call', () => {
    const { state, effects } = drive(connected(), { kind: 'agent-hangup', cause: 'normal' });
    expect(state.phase).toBe('ended');
    expect(effects).toEqual([
      { do: 'hangup-caller' },
      { do: 'finish', hangupBy: 'agent', cause: 'normal', outcome: 'answered' },
    ]);
  });

  it('an agent hang-up before the call is connected is ignored', () => {
    expect(drive(onHold(), { kind: 'agent-hangup', cause: 'normal' }).effects).toEqual([]);
  });

  it('a caller hanging up in the menu after hearing the fees was served by self-service', () => {
    const { effects } = drive(
      atMenu(),
      { kind: 'dtmf', digit: '1' },
      { kind: 'arrears', items: [PROPERTY_FEE] },
      { kind: 'playback-finished', playbackId: 'c1:2' },
      { kind: 'caller-hangup', cause: 'normal' },
    );
    expect(effects).not.toContainEqual({ do: 'dequeue' });
    expect(effects.at(-1)).toEqual({
      do: 'finish',
      hangupBy: 'caller',
      cause: 'normal',
      outcome: 'self-service',
    });
  });

  it('a caller hanging up in the menu without choosing anything is an IVR hang-up', () => {
    const { effects } = drive(atMenu(), { kind: 'caller-hangup', cause: 'normal' });
    expect(effects.at(-1)).toEqual({
      do: 'finish',
      hangupBy: 'caller',
      cause: 'normal',
      outcome: 'ivr-hangup',
    });
  });

  it('losing the PBX while queued leaves the queue and the call failed', () => {
    const { state, effects } = drive(onHold(), { kind: 'pbx-lost' });
    expect(state.phase).toBe('ended');
    expect(effects).toEqual([
      { do: 'cancel-timer', timer: 'digit' },
      { do: 'cancel-timer', timer: 'hold' },
      { do: 'dequeue' },
      { do: 'finish', hangupBy: 'system', cause: 'pbx-lost', outcome: 'failed' },
    ]);
  });

  it('losing the PBX in the menu fails the call without touching the queue', () => {
    const { effects } = drive(atMenu(), { kind: 'pbx-lost' });
    expect(effects).not.toContainEqual({ do: 'dequeue' });
    expect(effects.at(-1)).toEqual({
      do: 'finish',
      hangupBy: 'system',
      cause: 'pbx-lost',
      outcome: 'failed',
    });
  });

  it('after the end, nothing that happens leads to any effect', () => {
    const ended = drive(onHold(), { kind: 'caller-hangup', cause: 'normal' }).state;
    const late: CallEvent[] = [
      { kind: 'caller-hangup', cause: 'normal' },
      { kind: 'agent-hangup', cause: 'normal' },
      { kind: 'pbx-lost' },
      { kind: 'dtmf', digit: '0' },
      { kind: 'hold-tick' },
      { kind: 'playback-finished', playbackId: 'c1:3' },
      { kind: 'agent-offered', agentId: 5, legChannelId: 'leg1' },
      { kind: 'identified', owner: OWNER },
    ];
    for (const event of late) {
      const { state, effects } = step(SETTINGS, ended, event);
      expect(effects).toEqual([]);
      expect(state.phase).toBe('ended');
    }
  });
});

describe('playbacks', () => {
  it('are numbered <callId>:<n>, one after another', () => {
    const welcome = drive(arrive().state, { kind: 'identified', owner: OWNER });
    const invalid = step(SETTINGS, welcome.state, { kind: 'dtmf', digit: '5' });
    const invalidAgain = step(SETTINGS, invalid.state, { kind: 'dtmf', digit: '6' });
    const toAgent = step(SETTINGS, invalidAgain.state, { kind: 'dtmf', digit: '0' });
    const ids = [welcome, invalid, invalidAgain, toAgent].map((s) => plays(s.effects)[0]?.playbackId);
    expect(ids).toEqual(['c1:1', 'c1:2', 'c1:3', 'c1:4']);
  });

  it('carry the id of their own call', () => {
    const other = newInboundCall({
      callId: 'call-42',
      channelId: 'ch42',
      callerNumber: null,
      dialled: '4008001234',
    });
    const { effects } = step(SETTINGS, other.state, { kind: 'identified', owner: OWNER });
    expect(plays(effects)[0]?.playbackId).toBe('call-42:1');
  });

  it('the end of a playback that is no longer the current one is ignored', () => {
    const replaying = drive(atMenu(), { kind: 'dtmf', digit: '5' }).state; // now c1:2 plays
    const { state, effects } = drive(replaying, { kind: 'playback-finished', playbackId: 'c1:1' });
    expect(effects).toEqual([]);
    expect(state.playback?.id).toBe('c1:2');
  });

  it('the end of a playback of another call is ignored', () => {
    const identified = drive(arrive().state, { kind: 'identified', owner: OWNER }).state;
    expect(drive(identified, { kind: 'playback-finished', playbackId: 'c2:1' }).effects).toEqual([]);
  });
});

describe('the state', () => {
  it('of the previous step is left as it was', () => {
    const before = atMenu();
    const snapshot = structuredClone(before);
    drive(before, { kind: 'dtmf', digit: '0' });
    expect(before).toEqual(snapshot);
  });
});

describe('the fees speech', () => {
  it('for one unit with two fee items says the unit’s total and the earliest due date', () => {
    // later due date first, to show the earliest is chosen, not the first
    const speech = feesSpeech(OWNER, [WATER_FEE, PROPERTY_FEE], 'zh');
    // 您的房屋 三号楼一五零二室 欠费金额 一千三百二十元七角 缴费截止日期 二零二六年十月三十一日
    expect(speech).toEqual([
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
      'digit-3',
      'hundred',
      'digit-2',
      'ten',
      'yuan',
      'digit-7',
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
    ]);
  });

  it('for one unit that owes nothing says so', () => {
    expect(feesSpeech(OWNER, [], 'zh')).toEqual([
      'fees-unit',
      'digit-3',
      'building',
      'digit-1',
      'digit-5',
      'digit-0',
      'digit-2',
      'room',
      'fees-none',
    ]);
  });

  it('for two units, one without arrears, says each unit and then the total', () => {
    const electricity: PopArrear = {
      unitId: 22,
      roomCode: 'B2-1203',
      kind: 'electricity',
      amountFen: 24500,
      dueDate: '2026-09-30',
    };
    expect(feesSpeech(OWNER_TWO_UNITS, [electricity], 'zh')).toEqual([
      // 您的房屋 一号楼零八零一室 没有欠费
      'fees-unit',
      'digit-1',
      'building',
      'digit-0',
      'digit-8',
      'digit-0',
      'digit-1',
      'room',
      'fees-none',
      // 您的房屋 二号楼一二零三室 欠费金额 二百四十五元整 缴费截止日期 二零二六年九月三十日
      'fees-unit',
      'digit-2',
      'building',
      'digit-1',
      'digit-2',
      'digit-0',
      'digit-3',
      'room',
      'fees-owed',
      'digit-2',
      'hundred',
      'digit-4',
      'ten',
      'digit-5',
      'yuan',
      'zheng',
      'fees-due',
      'digit-2',
      'digit-0',
      'digit-2',
      'digit-6',
      'year',
      'digit-9',
      'month',
      'digit-3',
      'ten',
      'day',
      // 合计欠费 二百四十五元整
      'fees-total',
      'digit-2',
      'hundred',
      'digit-4',
      'ten',
      'digit-5',
      'yuan',
      'zheng',
    ]);
  });

  it('for two units that both owe says a total of both', () => {
    const items: PopArrear[] = [
      { unitId: 21, roomCode: 'B1-0801', kind: 'property', amountFen: 10000, dueDate: '2026-10-31' },
      { unitId: 22, roomCode: 'B2-1203', kind: 'electricity', amountFen: 24500, dueDate: '2026-09-30' },
    ];
    const speech = feesSpeech(OWNER_TWO_UNITS, items, 'zh');
    const total = speech.slice(speech.indexOf('fees-total'));
    // 合计欠费 三百四十五元整
    expect(total).toEqual(['fees-total', 'digit-3', 'hundred', 'digit-4', 'ten', 'digit-5', 'yuan', 'zheng']);
  });

  it('for two units that owe nothing says no total', () => {
    const speech = feesSpeech(OWNER_TWO_UNITS, [], 'zh');
    expect(speech.filter((id) => id === 'fees-none')).toHaveLength(2);
    expect(speech).not.toContain('fees-total');
  });

  it('for an English-speaking owner uses the English prompts', () => {
    const water: PopArrear = {
      unitId: 41,
      roomCode: 'B5-0302',
      kind: 'water',
      amountFen: 8620,
      dueDate: '2026-11-15',
    };
    // For your home at building five room zero three zero two the amount owed is eighty six yuan and
    // twenty fen due by November fifteen two thousand twenty six
    expect(feesSpeech(ENGLISH_OWNER, [water], 'en')).toEqual([
      'fees-unit',
      'building',
      'n-5',
      'room',
      'n-0',
      'n-3',
      'n-0',
      'n-2',
      'fees-owed',
      'n-80',
      'n-6',
      'yuan',
      'and',
      'n-20',
      'fen',
      'fees-due',
      'month-11',
      'n-15',
      'n-2',
      'thousand',
      'n-20',
      'n-6',
    ]);
  });
});

describe('every prompt the call plays', () => {
  /** The ids with a text in that language's column of ivr/prompts/catalogue.tsv (id, zh, en). */
  function catalogue(lang: string): Set<string> {
    const text = readFileSync(new URL('../../ivr/prompts/catalogue.tsv', import.meta.url), 'utf8');
    const column = lang === 'zh' ? 1 : 2;
    return new Set(
      text
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('#') && !line.startsWith('id\t'))
        .map((line) => line.split('\t'))
        .filter((cells) => (cells[column] ?? '').trim() !== '')
        .map((cells) => cells[0]!),
    );
  }

  it('is in the catalogue of its language', () => {
    const journeys: Step[][] = [];
    for (const owner of [OWNER, OWNER_TWO_UNITS, ENGLISH_OWNER]) {
      let state = arrive().state;
      const steps: Step[] = [];
      const events: CallEvent[] = [
        { kind: 'identified', owner },
        { kind: 'dtmf', digit: '9' },
        { kind: 'playback-finished', playbackId: 'c1:2' },
        { kind: 'digit-timeout' },
        { kind: 'dtmf', digit: '1' },
        {
          kind: 'arrears',
          items: [
            ...owner.units.map((u) => ({ ...PROPERTY_FEE, unitId: u.unitId, roomCode: u.roomCode })),
            { ...WATER_FEE, unitId: owner.units[0]!.unitId, roomCode: owner.units[0]!.roomCode },
          ],
        },
        { kind: 'playback-finished', playbackId: 'c1:4' },
        { kind: 'dtmf', digit: '0' },
        { kind: 'playback-finished', playbackId: 'c1:6' },
        { kind: 'playback-finished', playbackId: 'c1:7' },
        { kind: 'hold-tick' },
      ];
      for (const event of events) {
        const next = step(SETTINGS, state, event);
        steps.push(next);
        state = next.state;
      }
      journeys.push(steps);
    }
    journeys.push([drive(arrive().state, { kind: 'identified', owner: null })]);
    journeys.push([step({ ...SETTINGS, menuRetries: 1 }, atMenu(ENGLISH_OWNER), { kind: 'digit-timeout' })]);

    const played = journeys.flat().flatMap((s) => plays(s.effects));
    // the journeys really went everywhere: fees, queue, hold, both languages
    expect(played.length).toBeGreaterThanOrEqual(20);
    const missing = played.flatMap((p) => {
      const known = catalogue(p.lang);
      return p.prompts.filter((id) => !known.has(id)).map((id) => `${p.lang}/${id}`);
    });
    expect(missing).toEqual([]);
  });
});
