// One inbound call as an explicit state machine. Pure: `step(state, event)` returns the next state and the
// effects to carry out (play, enqueue, bridge, ...). The controller performs the effects through the
// call-control port and the database and feeds their results back as events, so this module runs in a unit
// test without a PBX.
//
//   arrived ──identified──▶ menu ──1──▶ fees ──(spoken)──▶ menu
//      │                     │ 0 / retries used up
//      │ unknown caller      ▼
//      └──────────────────▶ queued ◀──agent-lost── offering
//                            │ agent-offered         ▲
//                            └───────────────────────┘──agent-answered──▶ connected ──hangup──▶ ended
import type { PopArrear, PopOwner } from '../core/index.ts';
import { sayAmount, sayDate, sayRoom, type Language, type PromptId } from './speech.ts';

export type Phase = 'arrived' | 'menu' | 'fees' | 'queued' | 'offering' | 'connected' | 'ended';

export interface InboundCallSettings {
  digitTimeoutMs: number;
  menuRetries: number;
  holdAnnounceS: number;
  queue: string;
}

export interface InboundCall {
  readonly callId: string;
  readonly channelId: string;
  readonly callerNumber: string | null;
  readonly dialled: string;
  phase: Phase;
  lang: Language;
  owner: PopOwner | null;
  /** What the caller did, for the screen pop and the call record: ["menu:1", "fees", "menu:0"]. */
  path: string[];
  intent: string | null;
  menuFailures: number;
  /** The playback the machine waits for, and what to do when it ends. */
  playback: { id: string; then: AfterPlayback } | null;
  /** Playbacks started so far; playback ids are `<callId>:<n>`, chosen here so no event can race the id. */
  plays: number;
  agent: { agentId: number; legChannelId: string } | null;
  onHold: boolean;
}

type AfterPlayback = 'wait-for-digit' | 'waiting' | 'menu' | 'hold-music' | 'hangup';

export type CallEvent =
  | { kind: 'answered' }
  | { kind: 'identified'; owner: PopOwner | null }
  | { kind: 'playback-finished'; playbackId: string }
  | { kind: 'dtmf'; digit: string }
  | { kind: 'digit-timeout' }
  | { kind: 'hold-tick' }
  | { kind: 'arrears'; items: PopArrear[] }
  | { kind: 'agent-offered'; agentId: number; legChannelId: string }
  | { kind: 'agent-answered'; legChannelId: string }
  | { kind: 'agent-lost'; legChannelId: string; reason: 'no-answer' | 'failed' }
  | { kind: 'caller-hangup'; cause: string }
  | { kind: 'agent-hangup'; cause: string }
  | { kind: 'pbx-lost' };

export type Effect =
  | { do: 'answer' }
  | { do: 'identify' }
  | { do: 'play'; playbackId: string; prompts: PromptId[]; lang: Language }
  | { do: 'stop-playback'; playbackId: string }
  | { do: 'start-timer'; timer: 'digit' | 'hold'; ms: number }
  | { do: 'cancel-timer'; timer: 'digit' | 'hold' }
  | { do: 'lookup-arrears'; unitIds: number[] }
  | { do: 'enqueue'; queue: string; intent: string }
  | { do: 'dequeue' }
  | { do: 'hold-music'; on: boolean }
  | { do: 'bridge'; legChannelId: string }
  | { do: 'hangup-leg'; legChannelId: string }
  | { do: 'hangup-caller' }
  | { do: 'record'; event: string; detail?: Record<string, unknown> }
  | { do: 'finish'; hangupBy: 'caller' | 'agent' | 'system'; cause: string; outcome: string };

export interface Step {
  state: InboundCall;
  effects: Effect[];
}

export function newInboundCall(init: {
  callId: string;
  channelId: string;
  callerNumber: string | null;
  dialled: string;
}): Step {
  const state: InboundCall = {
    ...init,
    phase: 'arrived',
    lang: 'zh',
    owner: null,
    path: [],
    intent: null,
    menuFailures: 0,
    playback: null,
    plays: 0,
    agent: null,
    onHold: false,
  };
  return { state, effects: [{ do: 'answer' }, { do: 'identify' }] };
}

const MENU: PromptId[] = ['menu-main'];

export function step(settings: InboundCallSettings, prev: InboundCall, event: CallEvent): Step {
  const s: InboundCall = { ...prev, path: [...prev.path] };
  const fx: Effect[] = [];
  const play = (prompts: PromptId[], then: AfterPlayback) => {
    s.plays++;
    const playbackId = `${s.callId}:${s.plays}`;
    s.playback = { id: playbackId, then };
    fx.push({ do: 'play', playbackId, prompts, lang: s.lang });
  };
  const stopCurrentPlayback = () => {
    if (s.playback) fx.push({ do: 'stop-playback', playbackId: s.playback.id });
    s.playback = null;
  };
  // The call joins the queue at once, so an agent's phone can ring while the caller still hears the prompt.
  const toAgent = (intent: string, prompts: PromptId[]) => {
    s.phase = 'queued';
    s.intent = intent;
    fx.push({ do: 'cancel-timer', timer: 'digit' });
    fx.push({ do: 'enqueue', queue: settings.queue, intent });
    fx.push({ do: 'record', event: 'queued', detail: { queue: settings.queue, intent } });
    play(prompts, 'waiting');
  };
  const menuFailure = (prompt: PromptId) => {
    s.menuFailures++;
    if (s.menuFailures >= settings.menuRetries) {
      s.path.push('menu:fallback');
      toAgent('agent', [prompt, 'to-agent']);
    } else {
      play([prompt, ...MENU], 'wait-for-digit');
    }
  };

  if (s.phase === 'ended') return { state: s, effects: [] };

  switch (event.kind) {
    case 'answered':
      fx.push({ do: 'record', event: 'ivr-answered' });
      break;

    case 'identified':
      if (s.phase !== 'arrived') break;
      s.owner = event.owner;
      s.lang = event.owner?.language ?? 'zh';
      fx.push({ do: 'record', event: 'identified', detail: { ownerId: event.owner?.id ?? null } });
      if (event.owner) {
        s.phase = 'menu';
        play(['welcome', 'welcome-owner', ...MENU], 'wait-for-digit');
      } else {
        s.path.push('unknown-caller');
        toAgent('agent', ['welcome', 'unknown-caller']);
      }
      break;

    case 'playback-finished': {
      if (!s.playback || s.playback.id !== event.playbackId) break;
      const then = s.playback.then;
      s.playback = null;
      if (then === 'wait-for-digit')
        fx.push({ do: 'start-timer', timer: 'digit', ms: settings.digitTimeoutMs });
      else if (then === 'menu') {
        s.phase = 'menu';
        play(MENU, 'wait-for-digit');
      } else if (then === 'waiting') {
        if (s.phase === 'queued' || s.phase === 'offering') play(['please-hold'], 'hold-music');
      } else if (then === 'hold-music') {
        if (s.phase === 'queued' || s.phase === 'offering') {
          s.onHold = true;
          fx.push({ do: 'hold-music', on: true });
          fx.push({ do: 'start-timer', timer: 'hold', ms: settings.holdAnnounceS * 1000 });
        }
      } else if (then === 'hangup') {
        fx.push({ do: 'hangup-caller' });
      }
      break;
    }

    case 'dtmf': {
      if (s.phase !== 'menu') break; // keys pressed while waiting or talking are not menu choices
      stopCurrentPlayback();
      fx.push({ do: 'cancel-timer', timer: 'digit' });
      if (event.digit === '1' && s.owner) {
        s.path.push('menu:1');
        s.phase = 'fees';
        s.menuFailures = 0;
        s.intent = 'fees';
        fx.push({ do: 'record', event: 'menu', detail: { key: '1', choice: 'fees' } });
        fx.push({ do: 'lookup-arrears', unitIds: s.owner.units.map((u) => u.unitId) });
      } else if (event.digit === '0') {
        s.path.push('menu:0');
        fx.push({ do: 'record', event: 'menu', detail: { key: '0', choice: 'agent' } });
        toAgent('agent', ['to-agent']);
      } else {
        s.path.push(`menu:invalid:${event.digit}`);
        fx.push({ do: 'record', event: 'menu', detail: { key: event.digit, choice: 'invalid' } });
        menuFailure('invalid-key');
      }
      break;
    }

    case 'digit-timeout':
      if (s.phase !== 'menu' || s.playback) break;
      s.path.push('menu:no-input');
      menuFailure('no-input');
      break;

    case 'arrears':
      if (s.phase !== 'fees' || !s.owner) break;
      s.path.push('fees');
      fx.push({
        do: 'record',
        event: 'self-service',
        detail: { service: 'fees', items: event.items.length },
      });
      play(feesSpeech(s.owner, event.items, s.lang), 'menu');
      break;

    case 'hold-tick':
      if ((s.phase === 'queued' || s.phase === 'offering') && s.onHold) {
        s.onHold = false;
        fx.push({ do: 'hold-music', on: false });
        play(['please-hold'], 'hold-music');
      }
      break;

    case 'agent-offered':
      if (s.phase !== 'queued') break;
      s.phase = 'offering';
      s.agent = { agentId: event.agentId, legChannelId: event.legChannelId };
      fx.push({ do: 'record', event: 'offered', detail: { agentId: event.agentId } });
      break;

    case 'agent-answered':
      if (s.phase !== 'offering' || s.agent?.legChannelId !== event.legChannelId) break;
      s.phase = 'connected';
      stopCurrentPlayback();
      fx.push({ do: 'cancel-timer', timer: 'hold' });
      if (s.onHold) fx.push({ do: 'hold-music', on: false });
      s.onHold = false;
      fx.push({ do: 'bridge', legChannelId: event.legChannelId });
      fx.push({ do: 'record', event: 'agent-answered', detail: { agentId: s.agent.agentId } });
      break;

    case 'agent-lost':
      if (s.phase !== 'offering' || s.agent?.legChannelId !== event.legChannelId) break;
      fx.push({
        do: 'record',
        event: event.reason === 'no-answer' ? 'agent-no-answer' : 'agent-failed',
        detail: { agentId: s.agent.agentId },
      });
      s.agent = null;
      s.phase = 'queued';
      break;

    case 'caller-hangup':
      s.phase = 'ended';
      fx.push({ do: 'cancel-timer', timer: 'digit' }, { do: 'cancel-timer', timer: 'hold' });
      if (prev.phase === 'queued' || prev.phase === 'offering') fx.push({ do: 'dequeue' });
      if (s.agent) fx.push({ do: 'hangup-leg', legChannelId: s.agent.legChannelId });
      fx.push({ do: 'finish', hangupBy: 'caller', cause: event.cause, outcome: outcomeOf(prev) });
      break;

    case 'agent-hangup':
      if (s.phase !== 'connected') break;
      s.phase = 'ended';
      fx.push({ do: 'hangup-caller' });
      fx.push({ do: 'finish', hangupBy: 'agent', cause: event.cause, outcome: 'answered' });
      break;

    case 'pbx-lost':
      // The channel is gone with the PBX; nothing can be played any more.
      s.phase = 'ended';
      fx.push({ do: 'cancel-timer', timer: 'digit' }, { do: 'cancel-timer', timer: 'hold' });
      if (prev.phase === 'queued' || prev.phase === 'offering') fx.push({ do: 'dequeue' });
      fx.push({ do: 'finish', hangupBy: 'system', cause: 'pbx-lost', outcome: 'failed' });
      break;
  }
  return { state: s, effects: fx };
}

function outcomeOf(prev: InboundCall): string {
  switch (prev.phase) {
    case 'connected':
      return 'answered';
    case 'queued':
    case 'offering':
      return 'abandoned';
    default:
      return prev.path.includes('fees') ? 'self-service' : 'ivr-hangup';
  }
}

/** "For your home at building 3 room 1502 the amount owed is ... due by ..." for each unit, with a total. */
export function feesSpeech(owner: PopOwner, items: PopArrear[], lang: Language): PromptId[] {
  const out: PromptId[] = [];
  for (const unit of owner.units) {
    const owed = items.filter((i) => i.unitId === unit.unitId);
    out.push('fees-unit', ...sayRoom(unit.roomCode, lang));
    if (owed.length === 0) {
      out.push('fees-none');
      continue;
    }
    const total = owed.reduce((sum, i) => sum + i.amountFen, 0);
    const earliestDue = owed.map((i) => i.dueDate).sort()[0]!;
    out.push('fees-owed', ...sayAmount(total, lang), 'fees-due', ...sayDate(earliestDue, lang));
  }
  if (owner.units.length > 1 && items.length > 0) {
    out.push(
      'fees-total',
      ...sayAmount(
        items.reduce((sum, i) => sum + i.amountFen, 0),
        lang,
      ),
    );
  }
  return out;
}
