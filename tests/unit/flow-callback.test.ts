// A callback instead of waiting, as the pure interpreter runs it on the shipped fees line (its agent queue has
// `callback: true`): offered only to a caller whose number is known; 1 confirms the number and hangs up keeping
// the place; at its turn the agent is connected first, then the owner dialled and bridged; an owner who does not
// answer is tried again later, then given up with a ticket. And how a flow file's `callback` field is checked.
import { describe, expect, it } from 'vitest';
import {
  CALLBACK_TELL_AGENT_MS,
  newFlowCall,
  stepFlow,
  type FlowCall,
  type FlowEffect,
  type FlowEvent,
  type FlowStep,
} from '../../ivr/flow/interpreter.ts';
import { format, loadFlow } from '../../ivr/flow/load.ts';
import { load, SETTINGS, shippedText, ZH, ZHANG as OWNER } from '../support/flow-fixtures.ts';

const FEES_LINE = load('ivr/flows/fees-line.yaml', shippedText('fees-line'));
const CALLBACK_SETTINGS = { ...SETTINGS, callbackRetries: 2, callbackRetryS: 300 };

function drive(state: FlowCall, ...events: FlowEvent[]): FlowStep {
  let last: FlowStep = { state, effects: [] };
  for (const event of events) last = stepFlow(CALLBACK_SETTINGS, FEES_LINE, last.state, event);
  return last;
}

function arrive(callerNumber: string | null): FlowCall {
  return newFlowCall(CALLBACK_SETTINGS, FEES_LINE, {
    callId: 'c1',
    channelId: 'ch1',
    callerNumber,
    dialled: '4008200001',
    now: { date: '2026-11-15', time: '14:30' },
  }).state;
}

const plays = (effects: FlowEffect[]) =>
  effects.flatMap((e) => (e.do === 'play' || e.do === 'play-leg' ? [e.prompts] : []));

/** A known owner calling from +86 138-0013-5678 pressed 0 and has heard where they stand: music is on. */
function waiting(): FlowCall {
  return drive(
    arrive('+86 138-0013-5678'),
    { kind: 'answered' },
    { kind: 'identified', owner: OWNER },
    { kind: 'playback-finished', playbackId: 'c1:1' },
    { kind: 'dtmf', digit: '0' },
    { kind: 'playback-finished', playbackId: 'c1:2' },
    { kind: 'queue-status', status: { ahead: 2, waitS: null } },
    { kind: 'playback-finished', playbackId: 'c1:3' },
  ).state;
}

/** The owner pressed 1, heard the confirmation and was hung up: the callback waits for its turn. */
function callbackWaiting(): FlowCall {
  return drive(
    waiting(),
    { kind: 'dtmf', digit: '1' },
    { kind: 'playback-finished', playbackId: 'c1:4' },
    { kind: 'caller-hangup', cause: 'Normal Clearing' },
  ).state;
}

/** Its turn came: agent 7's phone rang and was answered; the owner's number rings on leg "owner1". */
function ownerRinging(from: FlowCall = callbackWaiting()): FlowCall {
  return drive(
    from,
    { kind: 'agent-offered', agentId: 7, legChannelId: 'agent7' },
    { kind: 'agent-answered', legChannelId: 'agent7' },
    { kind: 'owner-ringing', legChannelId: 'owner1' },
  ).state;
}

describe('a callback instead of waiting', () => {
  it('is offered with the place in the queue to a caller whose number is known', () => {
    const told = drive(
      waiting(),
      { kind: 'hold-tick' },
      { kind: 'queue-status', status: { ahead: 1, waitS: null } },
    );
    expect(plays(told.effects)).toEqual([['queue-one-ahead', 'callback-offer']]);
  });

  it('is not offered to a caller whose number is withheld, and 1 then does nothing', () => {
    // withheld: the fees line sends the unknown caller to its agent queue at once
    const queued = drive(
      arrive(null),
      { kind: 'answered' },
      { kind: 'playback-finished', playbackId: 'c1:1' },
    );
    const told = drive(queued.state, { kind: 'queue-status', status: { ahead: 0, waitS: null } });
    expect(plays(told.effects)).toEqual([['queue-next']]);
    const pressed = drive(told.state, { kind: 'dtmf', digit: '1' });
    expect(pressed.effects).toEqual([]);
    expect(pressed.state.phase).toBe('queued');
  });

  it('on 1: the caller hears the number ending 5678 confirmed and is hung up, keeping their place', () => {
    const pressed = drive(waiting(), { kind: 'dtmf', digit: '1' });
    expect(pressed.state.phase).toBe('callback-confirming');
    expect(pressed.effects).toEqual([
      { do: 'cancel-timer', timer: 'hold' },
      { do: 'hold-music', on: false },
      { do: 'callback-request', number: '13800135678' },
      { do: 'record', event: 'callback-requested', detail: { number: '13800135678', queue: 'general' } },
      {
        do: 'play',
        playbackId: 'c1:4',
        prompts: ['callback-confirm', 'digit-5', 'digit-6', 'digit-7', 'digit-8', 'callback-confirm-end'],
        lang: 'zh',
      },
    ]);
    const confirmed = drive(pressed.state, { kind: 'playback-finished', playbackId: 'c1:4' });
    expect(confirmed.effects).toEqual([{ do: 'hangup-caller' }]);
    const gone = drive(confirmed.state, { kind: 'caller-hangup', cause: 'Normal Clearing' });
    expect(gone.state.phase).toBe('callback-waiting');
    // the ACD entry stays (no dequeue) and the call is not finished: nothing abandoned
    expect(gone.effects).toEqual([
      { do: 'record', event: 'caller-left', detail: { cause: 'Normal Clearing' } },
      { do: 'callback-waiting' },
    ]);
    expect(gone.state.path).toContain('callback');
  });

  it('at its turn the agent is connected first, hears "calling the owner back" and the ringing, then the owner is dialled and bridged', () => {
    const offered = drive(callbackWaiting(), { kind: 'agent-offered', agentId: 7, legChannelId: 'agent7' });
    expect(offered.state.phase).toBe('callback-agent');
    expect(offered.effects).not.toContainEqual(expect.objectContaining({ do: 'dial-owner' }));
    const answered = drive(offered.state, { kind: 'agent-answered', legChannelId: 'agent7' });
    expect(answered.state.phase).toBe('callback-dialling');
    expect(answered.effects).toEqual([
      { do: 'callback-agent-answered', agentId: 7 },
      { do: 'record', event: 'agent-answered', detail: { agentId: 7, callback: true } },
      { do: 'play-leg', legChannelId: 'agent7', prompts: ['callback-calling-owner'], lang: 'zh' },
      { do: 'ringback', legChannelId: 'agent7', playbackId: 'c1:5' },
      { do: 'dial-owner', number: '13800135678' },
      { do: 'record', event: 'callback-dialled', detail: { attempt: 1 } },
    ]);
    const ringing = drive(answered.state, { kind: 'owner-ringing', legChannelId: 'owner1' });
    expect(ringing.effects).toEqual([]);
    const bridged = drive(ringing.state, { kind: 'owner-answered', legChannelId: 'owner1' });
    expect(bridged.state.phase).toBe('callback-connected');
    // the ringing stops, then the agent talks with the owner
    expect(bridged.effects.slice(0, 2)).toEqual([
      { do: 'stop-playback', playbackId: 'c1:5' },
      { do: 'bridge-legs', agentLegChannelId: 'agent7', ownerLegChannelId: 'owner1' },
    ]);
    expect(bridged.state.callback?.ringback).toBeNull();
    const ended = drive(bridged.state, {
      kind: 'callback-leg-ended',
      legChannelId: 'owner1',
      cause: 'Normal Clearing',
    });
    expect(ended.effects).toEqual([
      { do: 'hangup-leg', legChannelId: 'agent7' },
      { do: 'callback-done', failed: false },
      { do: 'finish', hangupBy: 'caller', cause: 'Normal Clearing', outcome: 'callback-answered' },
    ]);
  });

  it('an agent whose phone is not answered leaves the callback waiting in its place', () => {
    const offered = drive(callbackWaiting(), { kind: 'agent-offered', agentId: 7, legChannelId: 'agent7' });
    const lost = drive(offered.state, { kind: 'agent-lost', legChannelId: 'agent7', reason: 'no-answer' });
    expect(lost.state.phase).toBe('callback-waiting');
    expect(lost.state.agent).toBeNull();
  });

  it('an owner who is busy: the agent is told and wraps up, the callback is tried again 5 minutes later', () => {
    const busy = drive(ownerRinging(), {
      kind: 'callback-leg-ended',
      legChannelId: 'owner1',
      cause: 'User busy',
    });
    expect(busy.state.phase).toBe('callback-releasing');
    expect(busy.effects).toEqual([
      { do: 'stop-playback', playbackId: 'c1:5' },
      {
        do: 'record',
        event: 'callback-not-reached',
        detail: { attempt: 1, cause: 'User busy', retryInS: 300 },
      },
      { do: 'callback-not-reached', agentId: 7, attempt: 1, retryInS: 300, cause: 'User busy' },
      { do: 'play-leg', legChannelId: 'agent7', prompts: ['callback-owner-not-reached'], lang: 'zh' },
      { do: 'start-timer', timer: 'callback', ms: CALLBACK_TELL_AGENT_MS },
    ]);
    const released = drive(busy.state, { kind: 'callback-due' });
    expect(released.state.phase).toBe('callback-waiting');
    expect(released.effects).toEqual([
      { do: 'cancel-timer', timer: 'callback' },
      { do: 'callback-release-agent', agentId: 7, legChannelId: 'agent7', cause: 'owner not reached' },
      { do: 'start-timer', timer: 'callback', ms: 300_000 },
    ]);
    expect(drive(released.state, { kind: 'callback-due' }).effects).toEqual([{ do: 'callback-requeue' }]);
  });

  it('the agent hears the ringing until the owner is not reached, or they hang up; each try rings anew', () => {
    const ringbacks = (effects: FlowEffect[]) => effects.filter((e) => e.do === 'ringback');
    const stops = (effects: FlowEffect[]) => effects.filter((e) => e.do === 'stop-playback');
    // not reached: the ringing stops before the agent hears that the owner did not answer
    const busy = drive(ownerRinging(), {
      kind: 'callback-leg-ended',
      legChannelId: 'owner1',
      cause: 'User busy',
    });
    const order = busy.effects.map((e) => e.do);
    expect(order.indexOf('stop-playback')).toBeLessThan(order.indexOf('play-leg'));
    // not dialled at all (another dial of it is under way): the same
    const notDialled = drive(
      callbackWaiting(),
      { kind: 'agent-offered', agentId: 7, legChannelId: 'agent7' },
      { kind: 'agent-answered', legChannelId: 'agent7' },
      { kind: 'callback-leg-ended', legChannelId: null, cause: 'not dialled' },
    );
    expect(stops(notDialled.effects)).toEqual([{ do: 'stop-playback', playbackId: 'c1:5' }]);
    // the agent hangs up while the owner's phone rings
    const gaveUp = drive(ownerRinging(), {
      kind: 'callback-leg-ended',
      legChannelId: 'agent7',
      cause: 'Normal Clearing',
    });
    expect(stops(gaveUp.effects)).toEqual([{ do: 'stop-playback', playbackId: 'c1:5' }]);
    expect(gaveUp.state.callback?.ringback).toBeNull();
    // the next try, with the next agent: a ringback of its own, stopped when that owner's leg is not reached
    const released = drive(busy.state, { kind: 'callback-due' }, { kind: 'callback-due' });
    const again = drive(
      released.state,
      { kind: 'agent-offered', agentId: 8, legChannelId: 'agent8' },
      { kind: 'agent-answered', legChannelId: 'agent8' },
    );
    expect(ringbacks(again.effects)).toEqual([
      { do: 'ringback', legChannelId: 'agent8', playbackId: 'c1:6' },
    ]);
    const noAnswer = drive(
      again.state,
      { kind: 'owner-ringing', legChannelId: 'owner2' },
      { kind: 'callback-leg-ended', legChannelId: 'owner2', cause: 'No answer' },
    );
    expect(stops(noAnswer.effects)).toEqual([{ do: 'stop-playback', playbackId: 'c1:6' }]);
    // once the ringing is over, nothing else stops it again (the agent's hang-up after the not-reached prompt)
    const after = drive(busy.state, {
      kind: 'callback-leg-ended',
      legChannelId: 'agent7',
      cause: 'Normal Clearing',
    });
    expect(stops(after.effects)).toEqual([]);
  });

  it('after the first try and 2 more unanswered, the callback is given up: a ticket, the record says failed', () => {
    let state = callbackWaiting();
    let last: FlowStep | null = null;
    for (let attempt = 1; attempt <= 3; attempt++) {
      state = drive(ownerRinging(state), {
        kind: 'callback-leg-ended',
        legChannelId: 'owner1',
        cause: 'No answer',
      }).state;
      last = drive(state, { kind: 'callback-due' });
      state = last.state;
    }
    expect(state.phase).toBe('ended');
    expect(last!.effects).toContainEqual({ do: 'callback-done', failed: true });
    expect(last!.effects).toContainEqual({
      do: 'finish',
      hangupBy: 'system',
      cause: 'owner not reached',
      outcome: 'callback-failed',
    });
  });

  it('an agent hanging up before the owner answers puts the callback back at once, the try not counted', () => {
    const gaveUp = drive(ownerRinging(), {
      kind: 'callback-leg-ended',
      legChannelId: 'agent7',
      cause: 'Normal Clearing',
    });
    expect(gaveUp.state.phase).toBe('callback-waiting');
    expect(gaveUp.state.callback?.attempts).toBe(0);
    expect(gaveUp.effects).toContainEqual({ do: 'hangup-leg', legChannelId: 'owner1' });
    expect(gaveUp.effects).toContainEqual({ do: 'callback-requeue' });
  });

  it('hold, transfer, consultation and conference do not apply to a callback: refused, nothing done', () => {
    const bridged = drive(ownerRinging(), { kind: 'owner-answered', legChannelId: 'owner1' });
    const by = { agentId: 7, note: null };
    const commands: FlowEvent[] = [
      { kind: 'hold' },
      { kind: 'transfer', target: { to: 'queue', queue: 'fees' }, by },
      { kind: 'consult', target: { to: 'number', number: '13900001111' }, by },
      { kind: 'consult-complete' },
      { kind: 'consult-cancel' },
      { kind: 'conference' },
    ];
    for (const command of commands) {
      const step = stepFlow(CALLBACK_SETTINGS, FEES_LINE, bridged.state, command);
      expect(step.refused, command.kind).toBeTruthy();
      expect(step.effects, command.kind).toEqual([]);
    }
  });

  it("hang-up from the agent's page ends the agent's leg, as their phone's key would, while the owner rings or talks", () => {
    for (const state of [
      ownerRinging(),
      drive(ownerRinging(), { kind: 'owner-answered', legChannelId: 'owner1' }).state,
    ]) {
      const step = stepFlow(CALLBACK_SETTINGS, FEES_LINE, state, { kind: 'hang-up' });
      expect(step.refused).toBeUndefined();
      expect(step.effects).toEqual([{ do: 'hangup-leg', legChannelId: 'agent7' }]);
    }
    // waiting for its turn, there is nobody to hang up on
    expect(stepFlow(CALLBACK_SETTINGS, FEES_LINE, callbackWaiting(), { kind: 'hang-up' }).refused).toBe(
      'not-connected',
    );
  });

  it('is not offered when the hotline has no outside line to call back on', () => {
    const noLine = { ...CALLBACK_SETTINGS, callbacks: false };
    let step: FlowStep = { state: arrive('13800135678'), effects: [] };
    for (const event of [
      { kind: 'answered' },
      { kind: 'identified', owner: OWNER },
      { kind: 'playback-finished', playbackId: 'c1:1' },
      { kind: 'dtmf', digit: '0' },
      { kind: 'playback-finished', playbackId: 'c1:2' },
      { kind: 'queue-status', status: { ahead: 0, waitS: null } },
    ] satisfies FlowEvent[])
      step = stepFlow(noLine, FEES_LINE, step.state, event);
    expect(plays(step.effects)).toEqual([['queue-next']]);
  });
});

describe('the `callback` field of a queue node', () => {
  const check = (node: string) =>
    loadFlow(
      'flows/main.yaml',
      `name: main\nnumbers: ['4008200001']\nstart: desk\nnodes:\n  desk:\n${node}`,
      ZH,
    ).errors.map(format);

  it('takes true or false', () => {
    expect(check('    kind: queue\n    skill: fees\n    callback: true\n')).toEqual([]);
    expect(check('    kind: queue\n    skill: fees\n    callback: yes please\n')).toEqual([
      'flows/main.yaml:8: node `desk` field `callback` must be true or false, got "yes please"',
    ]);
  });

  it('is refused on an emergency queue', () => {
    expect(
      check('    kind: queue\n    skill: emergency\n    priority: emergency\n    callback: true\n'),
    ).toEqual([
      'flows/main.yaml:9: node `desk` `callback` is not offered on an emergency queue: an emergency caller stays on the line until an agent answers',
    ]);
  });
});
