// A call without a phone: runs a flow through the same interpreter Asterisk calls use, against a self-service
// port (the real database in `npm run flow -- simulate`, a fake in unit tests), with a keypad script for the
// caller. Every playback counts as heard in full; the caller presses the next keys when the flow waits for them.
//
// The keypad script: groups of keys separated by commas, one group each time the flow waits for the caller
// ("1,31502#,5678#"). A group may be `-` (the caller says nothing: the wait times out, which also ends digits
// keyed without a terminator: "1502,-"). When the script runs out
// and the flow waits for a key, the caller hangs up. A `record` node hears the caller speak and press #.
import type { PopOwner } from '../../core/index.ts';
import { localDateTimeAt, type Language, type PromptId } from '../speech.ts';
import type { SelfServicePort } from '../self-service.ts';
import {
  newFlowCall,
  newOutboundCall,
  stepFlow,
  type FlowCall,
  type FlowCallSettings,
  type FlowEffect,
  type FlowEvent,
} from './interpreter.ts';
import type { Flow } from './types.ts';

/** One line of what happened, in order. */
export type SimulationLine =
  | { kind: 'heard'; lang: Language; prompts: PromptId[] }
  | { kind: 'pressed'; keys: string }
  | { kind: 'silence' }
  | { kind: 'identified'; owner: PopOwner | null; by: 'caller-id' | 'room-pin' }
  | { kind: 'looked-up'; what: string; summary: string }
  | { kind: 'hours'; state: string }
  | { kind: 'recorded'; name: string }
  | { kind: 'ticket'; number: string; type: string; urgent: boolean }
  | { kind: 'language-saved'; language: Language }
  /** An outbound call's `outcome` node: what the owner chose (a score, a comment's recording). */
  | { kind: 'outcome'; outcome: string; value: string | null };

/** Where the call ended up. */
export type SimulationEnd =
  | { kind: 'queued'; queue: string; priority: string; intent: string }
  | { kind: 'hung-up-by-flow' }
  | { kind: 'caller-hung-up' }
  | { kind: 'stuck'; reason: string };

export interface SimulationResult {
  lines: SimulationLine[];
  end: SimulationEnd;
  /** The call path, as the screen pop shows it. */
  path: string[];
  state: FlowCall;
}

/** A guard against flows that never stop talking to a silent caller. */
const MAX_EVENTS = 500;

export async function simulate(opts: {
  flow: Flow;
  settings: FlowCallSettings;
  service: SelfServicePort;
  from: string | null;
  dialled: string;
  keys: string;
  at?: Date;
  /**
   * An outbound flow: the owner who answers (`from` is their number), the unit and the campaign's variables
   * (ivr/flow/variables.ts OUTBOUND_VARIABLES). Without it the call is an inbound one from `from`.
   */
  outbound?: { owner: PopOwner; unitId: number | null; vars: Record<string, string> };
}): Promise<SimulationResult> {
  const { flow, settings, service } = opts;
  const at = opts.at ?? new Date();
  const script = opts.keys
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
  const lines: SimulationLine[] = [];
  const queue: FlowEvent[] = [];
  let end: SimulationEnd | null = null;

  const call = { callId: 'simulated', channelId: 'simulated', now: localDateTimeAt(at) };
  const first = opts.outbound
    ? newOutboundCall(settings, flow, {
        ...call,
        phone: opts.from ?? '',
        callerId: opts.dialled,
        ...opts.outbound,
      })
    : newFlowCall(settings, flow, { ...call, callerNumber: opts.from, dialled: opts.dialled });
  let state = first.state;

  const perform = async (effect: FlowEffect): Promise<void> => {
    switch (effect.do) {
      case 'answer':
        queue.push({ kind: 'answered' });
        return;
      case 'identify': {
        const owner = await service.identifyCaller(state.callerNumber);
        lines.push({ kind: 'identified', owner, by: 'caller-id' });
        queue.push({ kind: 'identified', owner });
        return;
      }
      case 'play':
        lines.push({ kind: 'heard', lang: effect.lang, prompts: effect.prompts });
        queue.push({ kind: 'playback-finished', playbackId: effect.playbackId });
        return;
      case 'lookup': {
        const result = await service.lookup(effect, opts.dialled);
        lines.push({ kind: 'looked-up', what: effect.what, summary: summary(result) });
        queue.push({ kind: 'looked-up', into: effect.into, result });
        return;
      }
      case 'check-pin': {
        const found = await service.verifyRoomPin(effect.roomKeys, effect.pin, opts.dialled);
        lines.push({ kind: 'identified', owner: found?.owner ?? null, by: 'room-pin' });
        queue.push({ kind: 'pin-checked', owner: found?.owner ?? null, unitId: found?.unitId ?? null });
        return;
      }
      case 'check-hours': {
        const hours = await service.hours(effect.estate, effect.unitId, opts.dialled, at);
        lines.push({ kind: 'hours', state: hours });
        queue.push({ kind: 'hours-checked', state: hours });
        return;
      }
      case 'record-message':
        lines.push({ kind: 'recorded', name: effect.name });
        queue.push({ kind: 'recorded', name: effect.name, durationS: 5 });
        return;
      case 'create-ticket': {
        const ticket = await service.fileTicket(effect, null);
        lines.push({ kind: 'ticket', number: ticket.number, type: effect.type, urgent: effect.urgent });
        queue.push({ kind: 'ticket-created', ...ticket });
        return;
      }
      case 'save-language':
        await service.rememberLanguage(effect.ownerId, effect.language);
        lines.push({ kind: 'language-saved', language: effect.language });
        return;
      case 'enqueue':
        end = { kind: 'queued', queue: effect.queue, priority: effect.priority, intent: effect.intent };
        return;
      case 'outcome':
        lines.push({
          kind: 'outcome',
          outcome: effect.outcome,
          value:
            effect.score !== undefined
              ? `${effect.score} (${effect.satisfied ? 'satisfied' : 'unsatisfied'})`
              : (effect.comment ?? null),
        });
        return;
      case 'finish':
        end ??= effect.hangupBy === 'caller' ? { kind: 'caller-hung-up' } : { kind: 'hung-up-by-flow' };
        return;
      case 'start-timer':
      case 'cancel-timer':
      case 'stop-playback':
      case 'dequeue':
      case 'queue-status': // the simulation ends in the queue (see 'enqueue')
      case 'hold-music':
      case 'bridge':
      case 'hangup-leg':
      case 'hangup-caller':
      case 'record':
        return;
    }
  };

  for (const effect of first.effects) await perform(effect);
  for (let n = 0; n < MAX_EVENTS && !end; n++) {
    let event = queue.shift();
    if (!event) {
      // nothing more from the world: the flow waits for the caller
      if (state.phase !== 'menu' && state.phase !== 'collect') {
        end = { kind: 'stuck', reason: `the flow waits in phase ${state.phase} with nothing to wait for` };
        break;
      }
      const group = script.shift();
      if (group === undefined) {
        event = { kind: 'caller-hangup', cause: 'normal' };
      } else if (group === '-') {
        lines.push({ kind: 'silence' });
        event = { kind: 'digit-timeout' };
      } else {
        lines.push({ kind: 'pressed', keys: group });
        for (const digit of group) queue.push({ kind: 'dtmf', digit });
        event = queue.shift()!;
      }
    }
    const next = stepFlow(settings, flow, state, event);
    state = next.state;
    for (const effect of next.effects) await perform(effect);
  }
  return {
    lines,
    end: end ?? { kind: 'stuck', reason: `more than ${MAX_EVENTS} steps` },
    path: state.path,
    state,
  };
}

function summary(result: Awaited<ReturnType<SelfServicePort['lookup']>>): string {
  switch (result.what) {
    case 'fee_balance':
      return `${result.items.length} unpaid item(s), ${yuan(result.items.reduce((s, i) => s + i.amountFen, 0))}`;
    case 'bills':
      return result.byKind.map((k) => `${k.kind} ${yuan(k.amountFen)}`).join(', ') || 'nothing owed';
    case 'ticket_status':
      return result.ticket ? `ticket ${result.ticket.number}: ${result.ticket.status}` : 'no such ticket';
    case 'notices':
      return `${result.notices.length} current notice(s)`;
  }
}

function yuan(fen: number): string {
  return `¥${(fen / 100).toFixed(2)}`;
}
