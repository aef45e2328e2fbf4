// One inbound call driven by a loaded flow (ivr/flows/*.yaml), as a pure state machine in the style of
// ivr/inbound-call.ts: `stepFlow(settings, flow, state, event)` returns the next state and the effects to carry
// out. No I/O, no timers, no clock: the controller performs the effects and feeds the results back as events.
//
// Walking the flow. From a node the interpreter goes on by itself through `play`, `say`, `set`, `goto` and
// `identify` (the caller-ID result is fetched when the call arrives) and collects what is to be heard. It stops
// at a node that needs the caller or the outside world, and then starts ONE playback of everything collected:
//   menu    collected + the menu prompt, then waits for a key (a key pressed during it is the choice: barge-in)
//   lookup  collected prompts are played first; then the `lookup` effect, and the walk goes on at its result
//   queue   enqueue at once, collected + the queue prompt, then "please hold" and hold music, as today
//   hangup  collected + its prompt, then the caller is hung up
// So the default flow sounds exactly like the fixed flow: ['welcome', 'welcome-owner', 'menu-main'] is one
// playback, a menu failure going to the fallback queue is ['no-input', 'to-agent'].
// A playback's language is the caller's language when it starts: an `identify` node's switch to the owner's
// language covers prompts collected before it (nothing was heard yet); a `set language` first plays what was
// collected before it in the old language.
//
// The call path (screen pop, call record), the same words as the fixed flow:
//   menu key k            menu:<k>            (whichever menu node; the record event says the node it went to)
//   wrong key d           menu:invalid:<d>
//   no key in time        menu:no-input
//   tries used up         menu:fallback
//   identify unverified   unknown-caller
//   lookup result         fees for `fee_balance`, else the `what` (bills, ticket_status, notices)
//   unsupported node      unsupported:<kind>
// A lookup result counts as self-service: a caller hanging up outside the queue afterwards is 'self-service'.
//
// Not interpreted yet (the call goes to an agent instead, after an `unsupported` effect): hours, record,
// ticket, gather, identify by room_pin when caller ID did not find the owner, say as time or ticket.
import type { PopArrear, PopOwner } from '../../core/index.ts';
import { feesSpeech, type CallEvent, type Effect, type InboundCallSettings } from '../inbound-call.ts';
import { sayAmount, sayDate, sayNumber, sayRoom, type Language, type PromptId } from '../speech.ts';
import type {
  Flow,
  FlowNode,
  LookupWhat,
  MenuNode,
  NodeKind,
  PromptItem,
  QueuePriority,
  SayAs,
  Template,
} from './types.ts';
import { parseTemplate, renderTemplate } from './variables.ts';

export type FlowPhase =
  'arrived' | 'menu' | 'playing' | 'lookup' | 'queued' | 'offering' | 'connected' | 'ending' | 'ended';

/** `queue` is the queue an unsupported node sends the call to; a flow's queue nodes name their own. */
export type FlowCallSettings = InboundCallSettings;

/** What a lookup gave back. `fee_balance`: the arrears of the owner's units; the others: found + fields. */
export type LookupResult =
  | { what: 'fee_balance'; items: PopArrear[] }
  | { what: Exclude<LookupWhat, 'fee_balance'>; found: boolean; fields: Record<string, string> };

export type FlowEvent =
  Exclude<CallEvent, { kind: 'arrears' }> | { kind: 'looked-up'; into: string; result: LookupResult };

export type FlowEffect =
  | Exclude<Effect, { do: 'enqueue' } | { do: 'lookup-arrears' }>
  | { do: 'enqueue'; queue: string; intent: string; priority: QueuePriority }
  /** unitIds: the owner's units (`unit.id` only, once one was picked); ticket: for `ticket_status`. */
  | { do: 'lookup'; what: LookupWhat; into: string; unitIds: number[]; ticket: string | null }
  | { do: 'unsupported'; node: string; kind: NodeKind };

type AfterPlayback =
  | { then: 'wait-for-digit' | 'waiting' | 'hold-music' | 'hangup' }
  /** Go on walking the flow at `node` (a lookup or a language switch waited for the prompts before it). */
  | { then: 'resume'; node: string };

export interface FlowCall {
  readonly callId: string;
  readonly channelId: string;
  readonly callerNumber: string | null;
  readonly dialled: string;
  phase: FlowPhase;
  lang: Language;
  /** The owner once an `identify` node has identified the caller; null before and when unknown. */
  owner: PopOwner | null;
  /** Whether the caller-ID lookup has answered, and whom it found; an `identify` node takes it from here. */
  identified: boolean;
  callerIdOwner: PopOwner | null;
  /** What the caller did, for the screen pop and the call record: ["menu:1", "fees", "menu:0"]. */
  path: string[];
  intent: string | null;
  /** The node the call waits in (menu, lookup); null while walking or in the queue. */
  node: string | null;
  menuFailures: number;
  /** Variables by path: built-ins (caller, owner.name, unit.room, ...), the flow's own, lookup fields. */
  vars: Record<string, string>;
  /** Whole lookup results by their `into` variable, for `say: fee_balance`. */
  results: Record<string, LookupResult>;
  selfService: boolean;
  playback: ({ id: string } & AfterPlayback) | null;
  /** Playbacks started so far; playback ids are `<callId>:<n>`. */
  plays: number;
  agent: { agentId: number; legChannelId: string } | null;
  onHold: boolean;
}

export interface FlowStep {
  state: FlowCall;
  effects: FlowEffect[];
}

/** The most nodes one walk may pass without waiting: a guard against `goto` loops. */
const MAX_WALK = 200;

export function newFlowCall(
  settings: FlowCallSettings,
  flow: Flow,
  init: { callId: string; channelId: string; callerNumber: string | null; dialled: string },
): FlowStep {
  const state: FlowCall = {
    ...init,
    phase: 'arrived',
    lang: flow.language,
    owner: null,
    identified: false,
    callerIdOwner: null,
    path: [],
    intent: null,
    node: null,
    menuFailures: 0,
    vars: {
      caller: init.callerNumber ?? '',
      dialled: init.dialled,
      'call.id': init.callId,
    },
    results: {},
    selfService: false,
    playback: null,
    plays: 0,
    agent: null,
    onHold: false,
  };
  // Caller ID needs nothing from the caller, so it is looked up at once and the walk starts on its answer.
  const byCallerId = [...flow.nodes.values()].some(
    (n) => n.kind === 'identify' && n.by.includes('caller_id'),
  );
  if (byCallerId) return { state, effects: [{ do: 'answer' }, { do: 'identify' }] };
  const started = stepFlow(settings, flow, state, { kind: 'identified', owner: null });
  return { state: started.state, effects: [{ do: 'answer' }, ...started.effects] };
}

export function stepFlow(settings: FlowCallSettings, flow: Flow, prev: FlowCall, event: FlowEvent): FlowStep {
  const s: FlowCall = {
    ...prev,
    path: [...prev.path],
    vars: { ...prev.vars },
    results: { ...prev.results },
  };
  const fx: FlowEffect[] = [];

  const play = (prompts: PromptId[], after: AfterPlayback) => {
    s.plays++;
    const playbackId = `${s.callId}:${s.plays}`;
    s.playback = { id: playbackId, ...after };
    fx.push({ do: 'play', playbackId, prompts, lang: s.lang });
  };
  const stopCurrentPlayback = () => {
    if (s.playback) fx.push({ do: 'stop-playback', playbackId: s.playback.id });
    s.playback = null;
  };
  // The call joins the queue at once, so an agent's phone can ring while the caller still hears the prompt.
  const toAgent = (queue: string, intent: string, priority: QueuePriority, prompts: PromptId[]) => {
    s.phase = 'queued';
    s.node = null;
    s.intent = intent;
    fx.push({ do: 'cancel-timer', timer: 'digit' });
    fx.push({ do: 'enqueue', queue, intent, priority });
    fx.push({ do: 'record', event: 'queued', detail: { queue, intent } });
    play(prompts, { then: 'waiting' });
  };
  const unsupported = (node: FlowNode, pending: PromptId[]) => {
    s.path.push(`unsupported:${node.kind}`);
    fx.push({ do: 'unsupported', node: node.id, kind: node.kind });
    toAgent(settings.queue, 'agent', 'normal', [...pending, 'to-agent']);
  };
  const read = (path: string): string | undefined => (path === 'language' ? s.lang : s.vars[path]);
  const render = (template: Template): string => {
    const parsed = parseTemplate(template);
    return 'parts' in parsed ? renderTemplate(parsed.parts, read) : '';
  };
  /** The prompts reading a value out; null when this interpreter cannot read it that way. */
  const say = (as: SayAs, value: Template): PromptId[] | null => {
    if (as === 'fee_balance') {
      const parsed = parseTemplate(value);
      const only = 'parts' in parsed && parsed.parts.length === 1 ? parsed.parts[0]! : null;
      const result = only && 'variable' in only ? s.results[only.variable] : undefined;
      return result?.what === 'fee_balance' && s.owner ? feesSpeech(s.owner, result.items, s.lang) : [];
    }
    const text = render(value).trim();
    try {
      switch (as) {
        case 'number':
          return /^\d+$/.test(text) ? sayNumber(Number(text), s.lang) : [];
        case 'digits':
          return [...text.replace(/\D/g, '')].map((d) => (s.lang === 'zh' ? `digit-${d}` : `n-${d}`));
        case 'amount':
          return /^\d+$/.test(text) ? sayAmount(Number(text), s.lang) : [];
        case 'date':
          return sayDate(text, s.lang);
        case 'room':
          return sayRoom(text, s.lang);
        case 'time':
        case 'ticket':
          return null;
      }
    } catch {
      return []; // a value that is not what it should be (an empty date, say) is not read out
    }
  };
  const prompts = (items: PromptItem[]): PromptId[] | null => {
    const out: PromptId[] = [];
    for (const item of items) {
      const heard = 'prompt' in item ? [item.prompt] : say(item.say, item.value);
      if (heard === null) return null;
      out.push(...heard);
    }
    return out;
  };
  const identifyAs = (owner: PopOwner | null) => {
    s.owner = owner;
    if (!owner) return;
    s.lang = owner.language;
    Object.assign(s.vars, {
      'owner.id': String(owner.id),
      'owner.name': owner.name,
      'owner.vip': owner.vip ? 'yes' : 'no',
      'owner.language': owner.language,
      'owner.units': String(owner.units.length),
    });
    const [unit] = owner.units;
    if (owner.units.length === 1 && unit) {
      Object.assign(s.vars, {
        'unit.id': String(unit.unitId),
        'unit.room': unit.roomCode,
        'unit.building': unit.building,
        'unit.estate': unit.estate,
      });
    }
  };
  const unitIds = (): number[] => {
    const picked = s.vars['unit.id'];
    if (picked) return [Number(picked)];
    return s.owner?.units.map((u) => u.unitId) ?? [];
  };

  /** Walks from `start` with `pending` prompts collected, until a node that waits (see the top of the file). */
  const walk = (start: string, pending: PromptId[]) => {
    s.phase = 'playing';
    s.node = null;
    let id = start;
    for (let passed = 0; ; passed++) {
      const node = flow.nodes.get(id);
      if (!node || passed >= MAX_WALK) {
        // the loader rejects dangling references; a loop of `goto`s without any wait is what is left
        fx.push({ do: 'record', event: 'flow-error', detail: { node: id, flow: flow.name } });
        toAgent(settings.queue, 'agent', 'normal', [...pending, 'to-agent']);
        return;
      }
      switch (node.kind) {
        case 'play': {
          const heard = prompts(node.prompts);
          if (heard === null) return unsupported(node, pending);
          pending.push(...heard);
          id = node.next;
          continue;
        }
        case 'say': {
          const heard = say(node.say, node.value);
          if (heard === null) return unsupported(node, pending);
          pending.push(...heard);
          id = node.next;
          continue;
        }
        case 'set': {
          const language = node.variables.find((v) => v.name === 'language');
          const to = language ? render(language.value) : s.lang;
          if ((to === 'zh' || to === 'en') && to !== s.lang && pending.length > 0) {
            play(pending, { then: 'resume', node: node.id });
            return;
          }
          for (const v of node.variables) {
            const value = render(v.value);
            if (v.name !== 'language') s.vars[v.name] = value;
            else if (value === 'zh' || value === 'en') s.lang = value;
          }
          id = node.next;
          continue;
        }
        case 'goto':
          id = node.node;
          continue;
        case 'identify': {
          if (!node.by.includes('caller_id') || (!s.callerIdOwner && node.by.includes('room_pin'))) {
            return unsupported(node, pending);
          }
          identifyAs(s.callerIdOwner);
          if (!s.owner) {
            s.path.push('unknown-caller');
            id = node.unverified;
          } else if (s.owner.units.length > 1 && node.severalUnits !== null) {
            id = node.severalUnits;
          } else {
            id = node.identified;
          }
          continue;
        }
        case 'menu': {
          const heard = prompts(node.prompt);
          if (heard === null) return unsupported(node, pending);
          s.phase = 'menu';
          s.node = node.id;
          s.menuFailures = 0;
          play([...pending, ...heard], { then: 'wait-for-digit' });
          return;
        }
        case 'lookup': {
          if (pending.length > 0) {
            play(pending, { then: 'resume', node: node.id });
            return;
          }
          const needsOwner = node.what === 'fee_balance' || node.what === 'bills';
          if (needsOwner && !s.owner) {
            id = node.notFound;
            continue;
          }
          s.phase = 'lookup';
          s.node = node.id;
          s.intent = marker(node.what);
          fx.push({
            do: 'lookup',
            what: node.what,
            into: node.into,
            unitIds: unitIds(),
            ticket: node.ticket === null ? null : render(node.ticket),
          });
          return;
        }
        case 'queue': {
          const heard = prompts(node.prompt);
          if (heard === null) return unsupported(node, pending);
          toAgent(node.skill, node.intent, node.priority, [...pending, ...heard]);
          return;
        }
        case 'hangup': {
          const heard = prompts(node.prompt);
          if (heard === null) return unsupported(node, pending);
          s.phase = 'ending';
          if (pending.length + heard.length > 0) play([...pending, ...heard], { then: 'hangup' });
          else hangUp();
          return;
        }
        case 'gather':
        case 'hours':
        case 'record':
        case 'ticket':
          return unsupported(node, pending);
      }
    }
  };
  const hangUp = () => {
    s.phase = 'ended';
    fx.push({ do: 'hangup-caller' });
    fx.push({
      do: 'finish',
      hangupBy: 'system',
      cause: 'flow-hangup',
      outcome: s.selfService ? 'self-service' : 'ivr-hangup',
    });
  };
  const menuNode = (): MenuNode | null => {
    const node = s.node === null ? undefined : flow.nodes.get(s.node);
    return node?.kind === 'menu' ? node : null;
  };
  const menuFailure = (menu: MenuNode, failure: PromptId[]) => {
    s.menuFailures++;
    if (s.menuFailures >= (menu.tries ?? settings.menuRetries)) {
      s.path.push('menu:fallback');
      walk(menu.fallback, failure);
    } else {
      play([...failure, ...(prompts(menu.prompt) ?? [])], { then: 'wait-for-digit' });
    }
  };

  if (s.phase === 'ended') return { state: s, effects: [] };

  switch (event.kind) {
    case 'answered':
      fx.push({ do: 'record', event: 'ivr-answered' });
      break;

    case 'identified':
      if (s.phase !== 'arrived' || s.identified) break;
      s.identified = true;
      s.callerIdOwner = event.owner;
      fx.push({ do: 'record', event: 'identified', detail: { ownerId: event.owner?.id ?? null } });
      walk(flow.start, []);
      break;

    case 'playback-finished': {
      if (!s.playback || s.playback.id !== event.playbackId) break;
      const after = s.playback;
      s.playback = null;
      if (after.then === 'wait-for-digit') {
        const menu = menuNode();
        fx.push({ do: 'start-timer', timer: 'digit', ms: menu?.timeoutMs ?? settings.digitTimeoutMs });
      } else if (after.then === 'resume') {
        walk(after.node, []);
      } else if (after.then === 'waiting') {
        if (s.phase === 'queued' || s.phase === 'offering') play(['please-hold'], { then: 'hold-music' });
      } else if (after.then === 'hold-music') {
        if (s.phase === 'queued' || s.phase === 'offering') {
          s.onHold = true;
          fx.push({ do: 'hold-music', on: true });
          fx.push({ do: 'start-timer', timer: 'hold', ms: settings.holdAnnounceS * 1000 });
        }
      } else if (after.then === 'hangup') {
        hangUp();
      }
      break;
    }

    case 'dtmf': {
      const menu = s.phase === 'menu' ? menuNode() : null;
      if (!menu) break; // keys pressed while waiting or talking are not menu choices
      stopCurrentPlayback();
      fx.push({ do: 'cancel-timer', timer: 'digit' });
      const choice = menu.keys.find((k) => k.key === event.digit);
      if (choice) {
        s.path.push(`menu:${choice.key}`);
        fx.push({ do: 'record', event: 'menu', detail: { key: choice.key, choice: choice.next } });
        walk(choice.next, []);
      } else {
        s.path.push(`menu:invalid:${event.digit}`);
        fx.push({ do: 'record', event: 'menu', detail: { key: event.digit, choice: 'invalid' } });
        menuFailure(menu, prompts(menu.invalid) ?? []);
      }
      break;
    }

    case 'digit-timeout': {
      const menu = s.phase === 'menu' && !s.playback ? menuNode() : null;
      if (!menu) break;
      s.path.push('menu:no-input');
      menuFailure(menu, prompts(menu.noInput) ?? []);
      break;
    }

    case 'looked-up': {
      const node = s.phase === 'lookup' && s.node !== null ? flow.nodes.get(s.node) : undefined;
      if (node?.kind !== 'lookup' || node.into !== event.into || node.what !== event.result.what) break;
      const result = event.result;
      s.results[node.into] = result;
      s.path.push(marker(node.what));
      s.selfService = true;
      let found: boolean;
      if (result.what === 'fee_balance') {
        found = result.items.length > 0;
        const due = result.items.map((i) => i.dueDate).sort()[0] ?? '';
        s.vars[`${node.into}.total`] = String(result.items.reduce((sum, i) => sum + i.amountFen, 0));
        s.vars[`${node.into}.due`] = due;
        s.vars[`${node.into}.units`] = String(new Set(result.items.map((i) => i.unitId)).size);
        fx.push({
          do: 'record',
          event: 'self-service',
          detail: { service: 'fees', items: result.items.length },
        });
      } else {
        found = result.found;
        for (const [field, value] of Object.entries(result.fields)) s.vars[`${node.into}.${field}`] = value;
        fx.push({ do: 'record', event: 'self-service', detail: { service: node.what, found } });
      }
      walk(found ? node.found : node.notFound, []);
      break;
    }

    case 'hold-tick':
      if ((s.phase === 'queued' || s.phase === 'offering') && s.onHold) {
        s.onHold = false;
        fx.push({ do: 'hold-music', on: false });
        play(['please-hold'], { then: 'hold-music' });
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
      s.phase = 'ended';
      fx.push({ do: 'cancel-timer', timer: 'digit' }, { do: 'cancel-timer', timer: 'hold' });
      if (prev.phase === 'queued' || prev.phase === 'offering') fx.push({ do: 'dequeue' });
      fx.push({ do: 'finish', hangupBy: 'system', cause: 'pbx-lost', outcome: 'failed' });
      break;
  }
  return { state: s, effects: fx };
}

/** The path marker and intent of a lookup: `fees` for the fee balance (the fixed flow's word), else `what`. */
function marker(what: LookupWhat): string {
  return what === 'fee_balance' ? 'fees' : what;
}

function outcomeOf(prev: FlowCall): string {
  switch (prev.phase) {
    case 'connected':
      return 'answered';
    case 'queued':
    case 'offering':
      return 'abandoned';
    default:
      return prev.selfService ? 'self-service' : 'ivr-hangup';
  }
}
