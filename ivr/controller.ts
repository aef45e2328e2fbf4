// The IVR controller: keeps the registry of live calls (by channel id), runs each call's flow (the one bound to
// the dialled number) through the flow interpreter, feeding it PBX events one at a time, and carries out the
// effects it asks for through the call-control port, the database and the ACD. One controller per Asterisk node.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/index.ts';
import { ChannelGone, OriginateFailed, maskPhone, normalizePhone } from '../core/index.ts';
import type { CallConsulting, ScreenPop, TransferredFrom } from '../core/index.ts';
import {
  addCallEvents,
  createInboundCall,
  createOutboundCall,
  outboundCallContext,
  endLeftCalls,
  updateCall,
  type CallEventKind,
  type CallEventRow,
  type Pool,
  type Queryable,
  timeBoxed,
} from '../db/index.ts';
import {
  buildPopBase,
  CALL_ENDED,
  type Acd,
  type CallCommandRequest,
  type CallCommandResult,
  type OfferedAgent,
  type OfferOutcome,
  type PopBase,
  type QueueEntry,
  type CallbackRecord,
} from '../cti/routing.ts';
import type { CallControl, OriginateRequest, PbxEvent } from './call-control.ts';
import {
  newFlowCall,
  newOutboundCall,
  stepFlow,
  type FlowCall,
  type FlowCallSettings,
  type FlowEffect,
  type FlowEvent,
  type FlowStep,
  type CommandRefusal,
  type HoursState,
  type Timer,
  type TransferredBy,
  adoptedCallback,
  waitsForCallback,
} from './flow/interpreter.ts';
import type { FlowLibrary } from './flow/library.ts';
import type { Flow, QueuePriority } from './flow/types.ts';
import { BatchWriter, CallRecordWriter } from './call-record-writer.ts';
import { CALLER_WAIT_MS, type SelfServicePort } from './self-service.ts';
import type { PromptLibrary } from './prompt-library.ts';
import { localDateTimeAt } from './speech.ts';
import { Supervision, type SupervisableCall } from './supervision.ts';
import { CAMPAIGN_PURPOSE, OutboundDialler, type Placement } from './outbound.ts';
import type { NoticeAudio } from './notice-audio.ts';
import type { NoticeSpeech } from './notice-speech.ts';
import {
  outboundFinish,
  OutboundOutcomes,
  outboundPop,
  outboundVariables,
  type TicketNotices,
} from './outbound-call.ts';
import type { OutboundCalls } from '../core/campaigns/types.ts';

export interface ControllerSettings extends FlowCallSettings {
  /** Which file plays each prompt id: a studio recording when there is one, else the generated prompt. */
  prompts: Pick<PromptLibrary, 'media'>;
  ringTimeoutS: number;
  /** How an outside number is dialled for a transfer (`{number}` stands for it); null: not possible. */
  outsideDial: string | null;
  outsideRingTimeoutS: number;
}

/** What the agent reads when a call-control command does not apply to the call now. */
const REFUSALS: Record<CommandRefusal, string> = {
  'not-connected': '这通电话还没有接通坐席 / The call is not connected to an agent.',
  'not-held': '这通电话不在保持中 / The call is not on hold.',
  'already-held': '这通电话已在保持中 / The call is already on hold.',
  consulting: '请先完成或取消咨询 / Complete or cancel the consultation first.',
  'in-conference': '会议进行中,请先退出会议或挂断 / The call is in a conference: leave it or hang up first.',
  'not-consulting': '这通电话没有进行中的咨询 / There is no consultation on this call.',
  'consult-ringing': '对方还没有接听 / The person you are consulting has not answered yet.',
};
const NOT_THE_CONSULTING_AGENT =
  '只有发起咨询的坐席可以这样操作 / Only the agent who started the consultation can do this.';
const AGENT_NOT_AVAILABLE = '该坐席不在空闲状态 / That agent is not available.';

/** The ACD's priority for a queue node's: emergency above VIP above normal. */
const ACD_PRIORITY: Record<QueuePriority, number> = { emergency: 9, vip: 5, normal: 0 };

interface LiveCall {
  state: FlowCall;
  /** The flow the call started with; an edit of the file takes effect for the next call. */
  flow: Flow;
  log: Logger;
  /** Events are handled one after another per call. */
  mailbox: Promise<void>;
  timers: Map<Timer, NodeJS.Timeout>;
  bridgeId: string | null;
  /** The agent whose leg was answered (for the call record and wrap-up). */
  answeredBy: number | null;
  /** Did the call go to the ACD (a queue, or an agent)? Only then has the ACD anything to release at its end. */
  reachedAcd: boolean;
  /** The insert of the call record (its events and the tickets it files refer to it). */
  inserted: Promise<void>;
  /** Every write to the call record and timeline asked so far, done (or in the writer's backlog) in order. */
  records: Promise<void>;
  /** The screen pop as built when the call first joined a queue: it follows the call through transfers. */
  pop: PopBase | null;
  /** Since when the owner is on hold (ms), and the hold time of the call so far. */
  heldAt: number | null;
  heldMs: number;
  /** A campaign call (ivr/outbound.ts): the dial it answers. */
  outbound?: Placement;
}

/** A call the controller has just taken on: nothing written, queued or bridged yet. */
function newLiveCall(state: FlowCall, flow: Flow, log: Logger): LiveCall {
  return {
    state,
    flow,
    log,
    mailbox: Promise.resolve(),
    timers: new Map(),
    bridgeId: null,
    answeredBy: null,
    reachedAcd: false,
    inserted: Promise.resolve(),
    records: Promise.resolve(),
    pop: null,
    heldAt: null,
    heldMs: 0,
  };
}

/** The owner waits with music, out of the bridge: on hold, and while the agent consults someone. */
const ownerWaits = (state: FlowCall): boolean => state.phase === 'held' || state.phase === 'consulting';

const TIMER_EVENTS: Record<Timer, FlowEvent> = {
  digit: { kind: 'digit-timeout' },
  hold: { kind: 'hold-tick' },
  record: { kind: 'record-timeout' },
  overflow: { kind: 'overflow-timeout' },
  callback: { kind: 'callback-due' },
};

/** How long a call event waits for others to share its INSERT (see #events). */
const EVENT_LINGER_MS = 200;
/**
 * A write to the call records is given up after this long and retried from the writer's backlog (a hung
 * database must not hold the writer; the writes are idempotent, but for an event batch the database wrote and
 * could not confirm, which is then written twice).
 */
const RECORD_WRITE_TIMEOUT_MS = 10_000;
/** Why a transfer or a consultation cannot be made, whatever the call's phase. */
const HAND_ON_REFUSALS = {
  transfer: {
    noOutsideLine: '外线转接未开通 / Transfers to outside numbers are not set up on this hotline.',
    self: '不能转给自己 / You cannot transfer the call to yourself.',
  },
  consult: {
    noOutsideLine: '外线咨询未开通 / Calls to outside numbers are not set up on this hotline.',
    self: '不能咨询自己 / You cannot consult yourself.',
  },
} as const;
/**
 * What an agent hears while the owner's phone rings for a callback: the ringback tone as callers in China know it
 * (zone `cn` of ops/asterisk/indications.conf), played until stopped.
 */
const RINGBACK_TONE = 'tone:ring;tonezone=cn';
/** Hang-up causes of an agent leg that mean "rang, nobody took it" rather than "could not ring". */
const NO_ANSWER_CAUSES = new Set([0, 16, 17, 18, 19, 21]);

/** The screen pop of a call whose owner history could not be read (or was never read): who and what only. */
function popWithoutHistory(s: FlowCall, intent: string) {
  return {
    callId: s.callId,
    callerNumber: s.callerNumber,
    dialledNumber: s.dialled,
    ivrPath: s.path,
    intent,
    owner: s.owner,
    arrears: [],
    arrearsTotalFen: 0,
    openTickets: [],
    lastCalls: [],
    lastRevisits: [],
    lastAttempts: [],
  };
}

export class IvrController {
  readonly #calls = new Map<string, LiveCall>();
  /** Calls taken since the start, for /metrics (inbound: arrived; outbound: answered by the owner). */
  readonly #taken = { inbound: 0, outbound: 0 };
  /** agent leg channel id -> caller channel id */
  readonly #legs = new Map<string, string>();
  /**
   * Channels whose end was reported while no call knew them, with the cause: a leg that fails at once (an
   * outside number answering busy) can end before the originate that created it has answered.
   */
  readonly #endedUnknown = new Map<string, string>();
  readonly #pbx: CallControl;
  /** For the call records, which no caller waits for. */
  readonly #writes: Queryable;
  /** For what a caller waits for in silence (the screen pop's history before queueing). */
  readonly #reads: Queryable;
  readonly #acd: Acd;
  readonly #log: Logger;
  readonly #settings: ControllerSettings;
  readonly #unsubscribe: () => void;
  readonly #records: CallRecordWriter;
  /**
   * Call events go to the database in batches (one INSERT for what the calls in progress did in the last
   * EVENT_LINGER_MS). The call does not wait for them, except at its end: a record with an end has its events.
   */
  readonly #events: BatchWriter<CallEventRow>;
  readonly #flows: FlowLibrary;
  readonly #service: SelfServicePort;
  readonly #outbound: OutboundDialler;
  readonly #outcomes: OutboundOutcomes;

  constructor(deps: {
    pbx: CallControl;
    db: Pool;
    acd: Acd;
    flows: FlowLibrary;
    service: SelfServicePort;
    log: Logger;
    settings: ControllerSettings;
    /** Tells the department's and the team leaders' pages about a ticket an unsatisfied revisit reopened. */
    notifier?: TicketNotices | null;
    /** Speaks a notice campaign's text before its calls are dialled; without it the text is not spoken. */
    noticeSpeech?: NoticeSpeech | null;
    /** Makes a notice campaign's uploaded recording a prompt before its calls are dialled. */
    noticeAudio?: NoticeAudio | null;
  }) {
    this.#pbx = deps.pbx;
    this.#flows = deps.flows;
    this.#service = deps.service;
    this.#writes = timeBoxed(deps.db, RECORD_WRITE_TIMEOUT_MS);
    this.#reads = timeBoxed(deps.db, CALLER_WAIT_MS);
    this.#acd = deps.acd;
    this.#log = deps.log.child({ component: 'ivr' });
    this.#settings = deps.settings;
    this.#records = new CallRecordWriter(this.#log);
    this.#events = new BatchWriter(
      (rows) => this.#records.write(() => addCallEvents(this.#writes, rows)),
      EVENT_LINGER_MS,
    );
    this.#unsubscribe = this.#pbx.onEvent((e) => this.#onPbxEvent(e));
    this.#outcomes = new OutboundOutcomes({ db: deps.db, notifier: deps.notifier ?? null });
    this.#outbound = new OutboundDialler({
      pbx: this.#pbx,
      log: this.#log,
      read: async (dial) => {
        const context = await outboundCallContext(this.#reads, dial);
        const notice = context?.campaign.notice;
        // the recording if it has one and it can be played here, else the text spoken
        if (notice && notice.recording !== null && deps.noticeAudio)
          notice.audio = await deps.noticeAudio.prepare(notice.recording);
        if (notice?.text && !notice.audio && deps.noticeSpeech)
          notice.audio = await deps.noticeSpeech.prepare(notice.text);
        return context;
      },
      answered: (placement, channelId, at) => this.#startOutboundCall(placement, channelId, at),
    });
    this.#acd.onOffer((entry, agent) => this.#ringAgent(entry, agent));
    this.#acd.onAdopt((record) => this.#adoptCallback(record));
  }

  /** The dialer's port on this node (core/campaigns/types.ts): campaign calls run their outbound flow here. */
  get outbound(): OutboundCalls {
    return this.#outbound;
  }

  /** The calls this controller runs now, by direction (for /metrics). */
  liveCalls(): { inbound: number; outbound: number } {
    let outbound = 0;
    for (const call of this.#calls.values()) if (call.outbound) outbound += 1;
    return { inbound: this.#calls.size - outbound, outbound };
  }

  /** The calls this controller took since it started, by direction (for /metrics). */
  callsTaken(): { inbound: number; outbound: number } {
    return { ...this.#taken };
  }

  /**
   * At start: clears what a controller of this Asterisk node left when it died (kill -9, a crash). Asterisk keeps
   * its channels in our Stasis app with nobody serving them (a caller would hear silence until they give up) and
   * never replays their events, so they are hung up; their call records, and those of calls that ended while no
   * controller ran, are ended (`controller-lost` in the timeline). The ACD of a surviving controller has already
   * taken those calls out of the queues and released their agents (Acd#reap).
   */
  async clearLeftovers(settleMs = 200): Promise<{ hungUp: number; recordsEnded: number }> {
    const startedBefore = new Date();
    const [node, channels] = await Promise.all([this.#pbx.nodeName(), this.#pbx.listChannels()]);
    // a call that arrived just before the list is announced by its StasisStart within this time
    await new Promise((r) => setTimeout(r, settleMs));
    // what this node's dead controller left: calls in our app, and the legs it was still dialling (an agent's
    // phone, a campaign call of a dialer that died with it): nobody would take them if they answered
    const left = channels.filter(
      (ch) =>
        (ch.appArgs.length > 0 || ch.originating === true) &&
        !this.#calls.has(ch.channelId) &&
        !this.#legs.has(ch.channelId) &&
        !this.#outbound.owns(ch.channelId),
    );
    for (const ch of left) await this.#pbx.hangup(ch.channelId).catch(() => undefined);
    const ended = await endLeftCalls(this.#writes, {
      channelPrefix: node === '' ? '' : `${node}-`,
      startedBefore,
      live: [...this.#calls.keys()],
    });
    if (left.length > 0 || ended.length > 0)
      this.#log.warn(
        { channels: left.length, records: ended.length },
        'cleared the calls a previous controller of this node left',
      );
    return { hungUp: left.length, recordsEnded: ended.length };
  }

  /**
   * Stops taking events after ending the calls in progress: waits up to `graceMs` for them to finish by
   * themselves, hangs up the rest, and lets their records be written.
   */
  async close(graceMs = 0): Promise<void> {
    const wait = async (ms: number) => {
      const deadline = Date.now() + ms;
      while (this.#calls.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    // a callback waiting for its turn has no channel: it stays in Redis for the next controller to take over
    for (const [key, call] of this.#calls) {
      if (call.state.phase === 'callback-waiting') {
        this.#calls.delete(key);
        for (const t of call.timers.values()) clearTimeout(t);
      }
    }
    await wait(graceMs);
    for (const call of this.#calls.values())
      await this.#pbx.hangup(call.state.channelId).catch(() => undefined);
    await wait(3000);
    await Promise.all([...this.#calls.values()].map((c) => c.mailbox));
    await this.#outbound.close();
    await this.#events.flush();
    await this.#records.flush(5000);
    this.#unsubscribe();
    for (const call of this.#calls.values()) for (const t of call.timers.values()) clearTimeout(t);
  }

  #onPbxEvent(e: PbxEvent): void {
    switch (e.type) {
      case 'inbound':
        this.#startCall(e);
        return;
      case 'leg-answered': {
        if (Supervision.owns(e.purpose)) return; // a team leader's phone or snoop: ivr/supervision.ts
        if (e.purpose.startsWith(CAMPAIGN_PURPOSE)) return this.#outbound.legAnswered(e);
        const callChannel = this.#legs.get(e.channelId);
        const call = callChannel ? this.#calls.get(callChannel) : undefined;
        if (!call) {
          void this.#pbx.hangup(e.channelId).catch(() => undefined);
          return;
        }
        if (e.purpose.startsWith('callback:')) {
          this.#feed(call, { kind: 'owner-answered', legChannelId: e.channelId });
          return;
        }
        this.#feed(
          call,
          e.purpose.startsWith('outside:')
            ? { kind: 'outside-answered', legChannelId: e.channelId }
            : e.purpose.startsWith('consult:')
              ? { kind: 'consult-answered', legChannelId: e.channelId }
              : { kind: 'agent-answered', legChannelId: e.channelId },
        );
        return;
      }
      case 'dtmf':
        this.#feedChannel(e.channelId, { kind: 'dtmf', digit: e.digit });
        return;
      case 'playback-finished':
        this.#feedChannel(e.channelId, {
          kind: 'playback-finished',
          playbackId: e.playbackId,
          complete: e.complete,
        });
        return;
      case 'recording-finished':
        this.#feedChannel(e.channelId, { kind: 'recorded', name: e.name, durationS: e.durationS ?? 0 });
        return;
      case 'recording-failed':
        this.#feedChannel(e.channelId, { kind: 'recorded', name: null, durationS: 0 });
        return;
      case 'hangup': {
        const callChannel = this.#legs.get(e.channelId);
        if (callChannel) {
          this.#legs.delete(e.channelId);
          const call = this.#calls.get(callChannel);
          if (!call) return;
          const cause = e.causeText || String(e.cause);
          if (call.state.phase.startsWith('callback-')) {
            this.#callbackLegEnded(call, e.channelId, e.cause, cause);
            return;
          }
          const consulting = call.state.phase === 'consulting' || call.state.phase === 'conference';
          if (consulting && call.state.agent?.legChannelId !== e.channelId) {
            // the consulted party's leg (its id may still be on its way to the state: ask by the agent's)
            const reason = NO_ANSWER_CAUSES.has(e.cause) ? 'no-answer' : 'failed';
            this.#feed(call, { kind: 'consult-lost', legChannelId: e.channelId, cause, reason });
          } else if (consulting) {
            this.#feed(call, { kind: 'agent-hangup', cause, legChannelId: e.channelId });
          } else if (call.state.phase === 'connected' || call.state.phase === 'held') {
            this.#feed(call, { kind: 'agent-hangup', cause });
          } else if (call.state.phase === 'transferring') {
            this.#feed(call, { kind: 'outside-lost', legChannelId: e.channelId, cause });
          } else if (call.state.phase === 'offering' && call.state.agent?.legChannelId === e.channelId) {
            const reason = NO_ANSWER_CAUSES.has(e.cause) ? 'no-answer' : 'failed';
            const agentId = call.state.agent.agentId;
            this.#feed(call, { kind: 'agent-lost', legChannelId: e.channelId, reason });
            void this.#acd
              .legLost(call.state.callId, agentId, reason === 'no-answer' ? 'no-answer' : 'phone-unreachable')
              .catch((err: unknown) => call.log.error({ err }, 'could not requeue the call'));
          }
          return;
        }
        if (!this.#calls.has(e.channelId)) {
          this.#endedUnknown.set(e.channelId, e.causeText || String(e.cause));
          // only the last few seconds matter: the originate of a leg answers in milliseconds
          if (this.#endedUnknown.size > 1000)
            this.#endedUnknown.delete(this.#endedUnknown.keys().next().value!);
          return;
        }
        this.#feedChannel(e.channelId, { kind: 'caller-hangup', cause: e.causeText || String(e.cause) });
        return;
      }
      case 'reconnected':
        this.#reconcile(new Set(e.channels.map((c) => c.channelId)), e.channels);
        return;
      case 'leg-ringing':
      case 'disconnected':
        return;
    }
  }

  /** After a reconnect: calls whose channels are gone ended with the PBX; unknown channels in our app are hung up. */
  #reconcile(live: Set<string>, channels: { channelId: string; appArgs: string[] }[]): void {
    for (const [channelId, call] of this.#calls) {
      if (waitsForCallback(call.state.phase)) continue; // no channel of its own: its legs are below
      if (!live.has(channelId)) {
        this.#feed(call, { kind: 'pbx-lost' });
      } else if (call.state.playback) {
        // The end of a playback may have been missed while the connection was down: carry on.
        this.#feed(call, { kind: 'playback-finished', playbackId: call.state.playback.id });
      }
    }
    for (const legChannel of [...this.#legs.keys()]) if (!live.has(legChannel)) this.#legs.delete(legChannel);
    for (const ch of channels) {
      if (
        ch.appArgs.length > 0 &&
        !this.#calls.has(ch.channelId) &&
        !this.#legs.has(ch.channelId) &&
        !this.#outbound.owns(ch.channelId)
      ) {
        this.#log.warn({ channelId: ch.channelId }, 'hanging up a channel this controller does not know');
        void this.#pbx.hangup(ch.channelId).catch(() => undefined);
      }
    }
    this.#log.info({ liveCalls: this.#calls.size, channels: live.size }, 'reconciled live calls');
  }

  #startCall(e: Extract<PbxEvent, { type: 'inbound' }>): void {
    const callId = randomUUID();
    const flow = this.#flows.forDialled(e.dialled);
    if (!flow) {
      // FlowLibrary.start refuses to start without a usable flow, so this is a number no flow serves
      this.#log.error({ dialled: e.dialled }, 'no IVR flow for the dialled number; rejecting the call');
      void this.#pbx.hangup(e.channelId, 'congestion').catch(() => undefined);
      return;
    }
    const first = newFlowCall(this.#settings, flow, {
      callId,
      channelId: e.channelId,
      callerNumber: e.callerNumber,
      dialled: e.dialled,
      now: localDateTimeAt(e.at),
    });
    const call = newLiveCall(
      first.state,
      flow,
      this.#log.child({ callId, channelId: e.channelId, caller: e.callerNumber ?? 'withheld' }),
    );
    this.#calls.set(e.channelId, call);
    this.#taken.inbound += 1;
    call.log.info({ dialled: e.dialled, flow: flow.name }, 'inbound call');
    call.inserted = this.#store(call, (db) =>
      createInboundCall(db, {
        id: callId,
        callerNumber: normalizePhone(e.callerNumber) ?? e.callerNumber,
        dialledNumber: e.dialled,
        channelId: e.channelId,
        startedAt: e.at,
      }),
    );
    void this.#record(call, 'arrived', { dialled: e.dialled, flow: flow.name }, e.at);
    call.mailbox = (async () => {
      for (const effect of first.effects) await this.#perform(call, effect);
    })();
  }

  /** The owner answered a campaign call: it becomes a call like an inbound one, running its kind's outbound flow. */
  #startOutboundCall(placement: Placement, channelId: string, at: Date): void {
    const { dial, context } = placement;
    const flow = this.#flows.forOutbound(dial.kind);
    const callId = randomUUID();
    if (!flow) {
      placement.log.error({ kind: dial.kind }, 'no outbound flow for the campaign kind; hanging up');
      void this.#pbx.hangup(channelId).catch(() => undefined);
      this.#outbound.finished(placement, {
        callId: null,
        outcome: null,
        score: null,
        commentRecording: null,
      });
      return;
    }
    const first = newOutboundCall(this.#settings, flow, {
      callId,
      channelId,
      phone: dial.phone,
      callerId: dial.callerId,
      now: localDateTimeAt(at),
      owner: context.owner,
      unitId: dial.unitId,
      vars: outboundVariables(dial, context),
    });
    const call: LiveCall = {
      ...newLiveCall(first.state, flow, placement.log.child({ callId, channelId })),
      outbound: placement,
    };
    this.#calls.set(channelId, call);
    this.#taken.outbound += 1;
    call.log.info({ flow: flow.name }, 'outbound call answered');
    call.inserted = this.#store(call, (db) =>
      createOutboundCall(db, {
        id: callId,
        callerId: dial.callerId,
        phone: dial.phone,
        channelId,
        ownerId: dial.ownerId,
        startedAt: at,
      }),
    );
    const detail = {
      campaignId: dial.campaignId,
      attemptId: dial.attemptId,
      kind: dial.kind,
      flow: flow.name,
    };
    void this.#record(call, 'arrived', detail, at);
    call.mailbox = (async () => {
      for (const effect of first.effects) await this.#perform(call, effect);
    })();
  }

  #feedChannel(channelId: string, event: FlowEvent): void {
    const call = this.#calls.get(channelId);
    if (call) this.#feed(call, event);
  }

  #feed(call: LiveCall, event: FlowEvent): void {
    call.mailbox = call.mailbox.then(() =>
      this.#apply(call, stepFlow(this.#settings, call.flow, call.state, event)),
    );
  }

  /** Takes the interpreter's step: the new state (and the hold clock), then its effects in order. */
  async #apply(call: LiveCall, next: FlowStep): Promise<void> {
    const prev = call.state;
    call.state = next.state;
    const agentId = prev.agent?.agentId ?? next.state.agent?.agentId;
    // the owner waits with music on hold, and out of the bridge, also while the agent consults someone
    const wasHeld = ownerWaits(prev);
    const isHeld = ownerWaits(next.state);
    if (!wasHeld && isHeld && agentId !== undefined) {
      call.heldAt = Date.now();
      void this.#acd
        .callHeld(prev.callId, agentId, new Date(call.heldAt))
        .catch((err: unknown) => call.log.warn({ err }, 'could not show the hold on the agent page'));
    } else if (wasHeld && !isHeld && call.heldAt !== null) {
      const now = Date.now();
      const heldMs = now - call.heldAt;
      call.heldMs += heldMs;
      call.heldAt = null;
      const holdS = Math.round(call.heldMs / 1000);
      void this.#store(call, (db) => updateCall(db, prev.callId, { holdS }));
      if (agentId !== undefined) {
        void this.#acd
          .callResumed(prev.callId, agentId, new Date(now), Math.round(heldMs / 1000))
          .catch((err: unknown) => call.log.warn({ err }, 'could not show the resume on the agent page'));
      }
    }
    for (const effect of next.effects) await this.#perform(call, effect);
  }

  /**
   * A call-control command from an agent's page (through the API and the node's command channel): hold,
   * resume, or a blind transfer. Runs in the call's mailbox, between its PBX events; a command that does not
   * apply now changes nothing and says why.
   */
  command(request: CallCommandRequest): Promise<CallCommandResult> {
    const call = [...this.#calls.values()].find((c) => c.state.callId === request.callId);
    if (!call) return Promise.resolve({ ok: false, error: 'Conflict', message: CALL_ENDED });
    const done = call.mailbox.then(() => this.#command(call, request));
    call.mailbox = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  async #command(call: LiveCall, request: CallCommandRequest): Promise<CallCommandResult> {
    const s = call.state;
    const refused = (
      message: string,
      error: 'Conflict' | 'BadRequest' | 'Forbidden' = 'Conflict',
    ): CallCommandResult => ({
      ok: false,
      error,
      message,
    });
    if (s.phase === 'ended' || s.phase === 'ending' || s.callerGone) return refused(CALL_ENDED);
    const { command } = request;
    let event: FlowEvent;
    if (command.kind === 'transfer' || command.kind === 'consult') {
      const words = HAND_ON_REFUSALS[command.kind];
      const target = command.target;
      if (target.to === 'number' && this.#settings.outsideDial === null) return refused(words.noOutsideLine);
      if (target.to === 'agent' && target.agentId === s.agent?.agentId)
        return refused(words.self, 'BadRequest');
      const by = { agentId: s.agent?.agentId ?? request.by.agentId, note: command.note };
      event =
        command.kind === 'transfer'
          ? { kind: 'transfer', target: command.target, by }
          : { kind: 'consult', target: command.target, by };
    } else {
      event = { kind: command.kind };
    }
    const consulted = s.consult?.target.to === 'agent' ? s.consult.target.agentId : null;
    if (request.by.role === 'agent' && consulted === request.by.agentId) {
      // the consulted agent: they may only hang up their own part (as with their phone's hang-up key)
      if (command.kind !== 'hang-up') return refused(NOT_THE_CONSULTING_AGENT, 'Forbidden');
      if (s.consult?.legChannelId) await this.#pbx.hangup(s.consult.legChannelId);
      return { ok: true, at: new Date().toISOString() };
    }
    const next = stepFlow(this.#settings, call.flow, s, event);
    if (next.refused) return refused(REFUSALS[next.refused]);
    const named =
      (command.kind === 'transfer' || command.kind === 'consult') && command.target.to === 'agent'
        ? command.target.agentId
        : null;
    if (named !== null) {
      // the named agent is reserved for the call before anything changes: if they are not free, nothing does
      const queue = s.queued?.queue ?? this.#settings.queue;
      if (!(await this.#acd.reserveAgent(named, queue, s.callId))) {
        return refused(AGENT_NOT_AVAILABLE);
      }
    }
    call.log.info({ command: command.kind, by: request.by.agentId }, 'call control');
    await this.#apply(call, next);
    return { ok: true, at: new Date().toISOString() };
  }

  async #perform(call: LiveCall, effect: FlowEffect): Promise<void> {
    const s = call.state;
    try {
      switch (effect.do) {
        case 'answer':
          await this.#pbx.answer(s.channelId);
          this.#feed(call, { kind: 'answered' });
          return;
        case 'identify': {
          let owner = null;
          try {
            owner = await this.#service.identifyCaller(s.callerNumber);
          } catch (err) {
            // Without the database the caller still gets through, as an unknown caller.
            call.log.error({ err }, 'owner lookup failed; treating the caller as unknown');
          }
          // the owner goes into the call record with its next write (the timeline's `identified` has it now)
          this.#feed(call, { kind: 'identified', owner });
          return;
        }
        case 'play':
          try {
            await this.#pbx.play(
              s.channelId,
              effect.playbackId,
              this.#settings.prompts.media(effect.lang, effect.prompts),
            );
          } catch (err) {
            if (err instanceof ChannelGone) return;
            call.log.error({ err }, 'playback failed; going on as if it had finished');
            this.#feed(call, { kind: 'playback-finished', playbackId: effect.playbackId });
          }
          return;
        case 'stop-playback':
          await this.#pbx.stopPlayback(effect.playbackId);
          return;
        case 'start-timer': {
          clearTimeout(call.timers.get(effect.timer));
          const event: FlowEvent = TIMER_EVENTS[effect.timer];
          call.timers.set(
            effect.timer,
            setTimeout(() => this.#feed(call, event), effect.ms),
          );
          return;
        }
        case 'cancel-timer':
          clearTimeout(call.timers.get(effect.timer));
          call.timers.delete(effect.timer);
          return;
        case 'lookup':
          try {
            const result = await this.#service.lookup(effect, s.dialled);
            this.#feed(call, { kind: 'looked-up', into: effect.into, result });
          } catch (err) {
            call.log.error({ err, what: effect.what }, 'lookup failed');
            this.#feed(call, { kind: 'lookup-failed', into: effect.into });
          }
          return;
        case 'check-pin': {
          let found = null;
          try {
            found = await this.#service.verifyRoomPin(effect.roomKeys, effect.pin, s.dialled);
          } catch (err) {
            call.log.error({ err }, 'room code and PIN check failed; counting it as not verified');
          }
          this.#feed(call, {
            kind: 'pin-checked',
            owner: found?.owner ?? null,
            unitId: found?.unitId ?? null,
          });
          return;
        }
        case 'check-hours': {
          let state: HoursState = 'open';
          try {
            state = await this.#service.hours(effect.estate, effect.unitId, s.dialled, new Date());
          } catch (err) {
            // Without the database the estate counts as open: a person is better than a mailbox.
            call.log.error({ err }, 'opening hours unknown; treating the estate as open');
          }
          this.#feed(call, { kind: 'hours-checked', state });
          return;
        }
        case 'record-message':
          try {
            await this.#pbx.recordChannel(s.channelId, effect.name, { maxS: effect.maxS, beep: effect.beep });
          } catch (err) {
            if (err instanceof ChannelGone) return; // the hang-up ends it
            call.log.error({ err }, 'could not start the voicemail recording');
            this.#feed(call, { kind: 'recorded', name: null, durationS: 0 });
          }
          return;
        case 'create-ticket': {
          // the voicemail belongs to the call record whether or not the ticket can be filed: nothing is lost
          const recording = effect.recording;
          if (recording) void this.#store(call, (db) => updateCall(db, s.callId, { recording }));
          try {
            await call.inserted; // the ticket names the call it came from
            const ticket = await this.#service.fileTicket(effect, s.callId);
            call.log.info(
              { ticket: ticket.number, type: effect.type, urgent: effect.urgent },
              'ticket filed by the IVR',
            );
            this.#feed(call, { kind: 'ticket-created', ...ticket });
          } catch (err) {
            call.log.error({ err, recording }, 'could not file the ticket');
            this.#feed(call, { kind: 'ticket-failed' });
          }
          return;
        }
        case 'save-language': {
          const { ownerId, language } = effect;
          void this.#store(call, () => this.#service.rememberLanguage(ownerId, language));
          return;
        }
        case 'enqueue': {
          const enqueuedAt = new Date();
          const buildStarted = performance.now();
          const built = call.pop === null;
          const by = effect.transferredBy;
          // a call handed on reads the owner's history again: the next agent sees the tickets filed or updated
          // during the call
          const pop = call.pop && !by ? call.pop : await this.#popWithHistory(call, effect.intent);
          // from joining the queue to the pop being ready: the owner history's queries (bench/screen-pop.ts)
          const popBuildMs = built ? Math.round((performance.now() - buildStarted) * 10) / 10 : null;
          call.pop = call.outbound ? { ...pop, outbound: outboundPop(call.outbound) } : pop;
          const transferredFrom = by && (await this.#transferredFrom(by, enqueuedAt));
          call.reachedAcd = true;
          const ownerId = s.owner?.id;
          void this.#store(call, (db) =>
            updateCall(db, s.callId, {
              ownerId,
              queue: effect.queue,
              intent: effect.intent,
              queuedAt: enqueuedAt,
              ivrPath: s.path,
            }),
          );
          await this.#acd.enqueue(
            {
              callId: s.callId,
              queue: effect.queue,
              priority: ACD_PRIORITY[effect.priority],
              enqueuedAt,
              pop: transferredFrom ? { ...call.pop, transferredFrom } : call.pop,
            },
            { agentId: effect.agentId },
          );
          call.log.info({ queue: effect.queue, intent: effect.intent, popBuildMs }, 'call queued');
          return;
        }
        case 'dequeue':
          await this.#acd.dequeue(s.callId);
          return;
        case 'queue-status': {
          const status = await this.#acd.queueStatus(s.callId).catch((err: unknown) => {
            call.log.warn({ err }, 'queue position unknown; the caller hears "please hold"');
            return null;
          });
          this.#feed(call, { kind: 'queue-status', status });
          return;
        }
        case 'hold-music':
          if (effect.on) await this.#pbx.startMusicOnHold(s.channelId);
          else await this.#pbx.stopMusicOnHold(s.channelId);
          return;
        case 'bridge': {
          const agentId = s.agent?.agentId ?? null;
          call.answeredBy = agentId;
          if (call.bridgeId) {
            // after a transfer: the call's bridge (and its one recording) takes the owner and the next party
            await this.#pbx.addToBridge(call.bridgeId, [s.channelId, effect.legChannelId]);
          } else {
            await this.#bridgeAndRecord(call, [s.channelId, effect.legChannelId]);
          }
          if (agentId !== null) await this.#agentAnswered(call, agentId);
          return;
        }
        case 'caller-in-bridge':
          if (!call.bridgeId) return;
          if (effect.in) await this.#pbx.addToBridge(call.bridgeId, [s.channelId]);
          else await this.#pbx.removeFromBridge(call.bridgeId, s.channelId);
          return;
        case 'release-agent':
          // the leg's hang-up is no longer the call's business
          this.#legs.delete(effect.legChannelId);
          call.answeredBy = null;
          await this.#pbx.hangup(effect.legChannelId).catch((err: unknown) => {
            call.log.warn({ err }, 'could not hang up the transferring agent’s phone');
          });
          await this.#acd.agentReleased(s.callId, effect.agentId, 'agent', 'transferred');
          return;
        case 'dial-outside':
          await this.#dialLeg(
            call,
            {
              endpoint: this.#outside(effect.number),
              // the outside party sees the owner calling
              callerId: s.callerNumber ?? 'anonymous',
              ringTimeoutS: this.#settings.outsideRingTimeoutS,
              purpose: `outside:${s.callId}`,
            },
            (legChannelId) => ({ kind: 'outside-ringing', legChannelId }),
            (legChannelId, cause) => ({ kind: 'outside-lost', legChannelId, cause }),
          );
          return;
        case 'dial-consult': {
          const { target } = effect;
          let endpoint = target.to === 'number' ? this.#outside(target.number) : null;
          if (target.to === 'agent') {
            // the consulted agent's page shows the owner (and whom it is from, with the note) before the phone rings
            const phone = await this.#acd.consultOffer(
              target.agentId,
              await this.#consultPop(call, effect.by),
            );
            endpoint = phone?.endpoint ?? null;
          }
          if (endpoint === null) {
            this.#feed(call, {
              kind: 'consult-lost',
              legChannelId: null,
              cause: 'no phone',
              reason: 'failed',
            });
            return;
          }
          await this.#dialLeg(
            call,
            {
              endpoint,
              callerId: s.callerNumber ?? 'anonymous',
              ringTimeoutS:
                target.to === 'agent' ? this.#settings.ringTimeoutS : this.#settings.outsideRingTimeoutS,
              purpose: `consult:${s.callId}`,
              ...(target.to === 'agent' && { variables: { 'PJSIP_HEADER(add,X-Hotline-Call)': s.callId } }),
            },
            (legChannelId) => ({ kind: 'consult-ringing', legChannelId }),
            (legChannelId, cause) => ({ kind: 'consult-lost', legChannelId, cause, reason: 'failed' }),
          );
          return;
        }
        case 'join-bridge':
          if (call.bridgeId) await this.#pbx.addToBridge(call.bridgeId, [effect.legChannelId]);
          if (effect.agentId !== null) await this.#acd.legAnswered(s.callId, effect.agentId);
          return;
        case 'end-consult': {
          if (effect.legChannelId) {
            this.#legs.delete(effect.legChannelId);
            await this.#pbx.hangup(effect.legChannelId);
          }
          const agentId = effect.agentId;
          if (agentId === null) return;
          if (effect.end === 'no-answer' || effect.end === 'failed') {
            await this.#acd.legLost(
              s.callId,
              agentId,
              effect.end === 'no-answer' ? 'no-answer' : 'phone-unreachable',
            );
          } else if (effect.end === 'consult-over') {
            await this.#acd.consultEnded(s.callId, agentId, 'consultation ended');
          } else {
            await this.#acd.agentReleased(s.callId, agentId, 'agent', 'left the conference');
          }
          return;
        }
        case 'take-over': {
          // the consulted party has the call now; the record names the last agent who took it
          call.answeredBy = effect.agentId;
          const agentId = effect.agentId;
          if (agentId !== null) void this.#store(call, (db) => updateCall(db, s.callId, { agentId }));
          return;
        }
        case 'tell-agent': {
          const t = effect.target;
          const event: CallConsulting = {
            callId: s.callId,
            agentId: effect.agentId,
            at: new Date().toISOString(),
            state: effect.news,
            target: {
              agentId: t.to === 'agent' ? t.agentId : null,
              name: t.to === 'agent' ? (await this.#acd.states.get(t.agentId)).name : null,
              number: t.to === 'number' ? maskPhone(t.number) : null,
            },
            ...(effect.cause !== undefined && { cause: effect.cause }),
          };
          await this.#acd.callConsulting(event);
          return;
        }
        case 'hangup-leg':
          await this.#pbx.hangup(effect.legChannelId);
          return;
        case 'hangup-caller':
          await this.#pbx.hangup(s.channelId);
          return;
        case 'record':
          void this.#record(call, effect.event as CallEventKind, effect.detail ?? {});
          return;
        case 'outcome':
          if (call.outbound) await this.#outcomes.apply(call.outbound, s.callId, effect, call.inserted);
          return;
        case 'callback-request':
        case 'callback-waiting':
        case 'callback-agent-answered':
        case 'play-leg':
        case 'ringback':
        case 'dial-owner':
        case 'bridge-legs':
        case 'callback-not-reached':
        case 'callback-release-agent':
        case 'callback-requeue':
        case 'callback-done':
          await this.#performCallback(call, effect);
          return;
        case 'finish': {
          this.#calls.delete(s.channelId);
          for (const t of call.timers.values()) clearTimeout(t);
          if (call.bridgeId) await this.#pbx.destroyBridge(call.bridgeId).catch(() => undefined);
          const agentId = call.answeredBy ?? s.agent?.agentId ?? null;
          if (call.reachedAcd) await this.#acd.callEnded(s.callId, agentId, effect.hangupBy, effect.cause);
          void this.#record(call, 'ended', { hangupBy: effect.hangupBy, cause: effect.cause });
          const endedAt = new Date();
          const ownerId = s.owner?.id;
          // the end is written after every event of the call: a record with an end has its whole timeline
          const written = this.#store(call, (db) =>
            updateCall(db, s.callId, {
              endedAt,
              hangupBy: effect.hangupBy,
              hangupCause: effect.cause,
              // a campaign call's record says what the owner chose (acknowledged, opted-out, heard, ...)
              outcome: call.outbound ? (outboundFinish(s).outcome ?? effect.outcome) : effect.outcome,
              ivrPath: s.path,
              // after a transfer outside the record keeps the last agent who answered
              agentId: agentId ?? undefined,
              ownerId,
            }),
          );
          if (call.outbound) {
            // the dialer's attempt row names the call record: let it be written first (not forever)
            const placement = call.outbound;
            this.#outcomes.forget(s.callId);
            const timeout = new Promise((r) => setTimeout(r, RECORD_WRITE_TIMEOUT_MS).unref());
            void Promise.race([written, timeout]).then(() =>
              this.#outbound.finished(placement, outboundFinish(s)),
            );
          }
          await written;
          call.log.info(
            { outcome: effect.outcome, hangupBy: effect.hangupBy, cause: effect.cause },
            'call ended',
          );
          return;
        }
      }
    } catch (err) {
      if (err instanceof ChannelGone) return; // the hang-up event follows and ends the call
      call.log.error({ err, effect: effect.do }, 'effect failed');
    }
  }

  /** How an outside number is dialled (the command refuses numbers when HOTLINE_OUTSIDE_DIAL is not set). */
  #outside(number: string): string {
    return this.#settings.outsideDial!.replaceAll('{number}', number);
  }

  /**
   * Dials a leg for the call (an outside number, a consulted party): `ringing` once it exists, `lost` when it
   * cannot be dialled or ended before the originate answered (an outside number answering busy).
   */
  async #dialLeg(
    call: LiveCall,
    request: OriginateRequest,
    ringing: (legChannelId: string) => FlowEvent,
    lost: (legChannelId: string | null, cause: string) => FlowEvent,
  ): Promise<void> {
    try {
      const legChannelId = await this.#pbx.originate(request);
      this.#feed(call, ringing(legChannelId));
      const endedAlready = this.#endedUnknown.get(legChannelId);
      if (endedAlready === undefined) this.#legs.set(legChannelId, call.state.channelId);
      else this.#feed(call, lost(legChannelId, endedAlready));
    } catch (err) {
      call.log.warn(
        { err: (err as Error).message, purpose: request.purpose },
        'the leg could not be dialled',
      );
      this.#feed(call, lost(null, 'not dialled'));
    }
  }

  /** Who handed the call on, with their note, for the next agent's screen pop. */
  async #transferredFrom(by: TransferredBy, at: Date): Promise<TransferredFrom> {
    return {
      agentId: by.agentId,
      agentName: (await this.#acd.states.get(by.agentId)).name,
      note: by.note,
      at: at.toISOString(),
    };
  }

  /**
   * The screen pop with the owner's history as it is now (units, arrears, tickets, calls, revisits). When the
   * history cannot be read, the pop read before stands in, or one without history.
   */
  async #popWithHistory(call: LiveCall, intent: string): Promise<PopBase> {
    const s = call.state;
    return buildPopBase(this.#reads, {
      callId: s.callId,
      callerNumber: s.callerNumber,
      dialledNumber: s.dialled,
      owner: s.owner,
      ivrPath: s.path,
      intent,
    }).catch((err: unknown) => {
      call.log.error({ err }, 'could not read the owner history for the screen pop');
      return call.pop ?? popWithoutHistory(s, intent);
    });
  }

  /** The screen pop for a consulted agent: the owner's history now, with whom it is from and their note. */
  async #consultPop(call: LiveCall, by: TransferredBy): Promise<ScreenPop> {
    const s = call.state;
    const now = new Date();
    const pop = await this.#popWithHistory(call, s.intent ?? 'agent');
    return {
      ...(call.outbound ? { ...pop, outbound: outboundPop(call.outbound) } : pop),
      queue: s.queued?.queue ?? this.#settings.queue,
      waitedMs: 0,
      offeredAt: now.toISOString(),
      transferredFrom: await this.#transferredFrom(by, now),
    };
  }

  /** Puts the channels in the call's bridge and records it: every agent call is recorded, both parties mixed. */
  async #bridgeAndRecord(call: LiveCall, channelIds: string[]): Promise<void> {
    const callId = call.state.callId;
    call.bridgeId = await this.#pbx.bridge(channelIds);
    const recording = `call-${callId}`;
    await this.#pbx
      .recordBridge(call.bridgeId, recording)
      .then(() => this.#store(call, (db) => updateCall(db, callId, { recording })))
      .catch((err: unknown) => call.log.error({ err }, 'could not start recording the call'));
  }

  /** The agent took the call: they are on it for the ACD, and the record names them. */
  async #agentAnswered(call: LiveCall, agentId: number): Promise<void> {
    const callId = call.state.callId;
    const answeredAt = new Date();
    await this.#acd.legAnswered(callId, agentId);
    void this.#store(call, (db) => updateCall(db, callId, { agentId, agentAnsweredAt: answeredAt }));
  }

  /** A leg of a callback ended: the agent's phone that was ringing, or either party of the callback. */
  #callbackLegEnded(call: LiveCall, legChannelId: string, causeCode: number, cause: string): void {
    const s = call.state;
    if (s.phase === 'callback-agent' && s.agent?.legChannelId === legChannelId) {
      const reason = NO_ANSWER_CAUSES.has(causeCode) ? 'no-answer' : 'failed';
      const agentId = s.agent.agentId;
      this.#feed(call, { kind: 'agent-lost', legChannelId, reason });
      void this.#acd
        .legLost(s.callId, agentId, reason === 'no-answer' ? 'no-answer' : 'phone-unreachable')
        .catch((err: unknown) => call.log.error({ err }, 'could not put the callback back in its queue'));
      return;
    }
    this.#feed(call, { kind: 'callback-leg-ended', legChannelId, cause });
  }

  /** The effects of a callback instead of waiting (see the end of ivr/flow/interpreter.ts). */
  async #performCallback(call: LiveCall, effect: FlowEffect): Promise<void> {
    const s = call.state;
    switch (effect.do) {
      case 'callback-request': {
        const queued = s.queued!;
        await this.#acd.requestCallback({
          callId: s.callId,
          number: effect.number,
          callerNumber: s.callerNumber,
          dialled: s.dialled,
          lang: s.lang,
          ownerId: s.owner?.id ?? null,
          intent: queued.intent,
          priorityName: queued.priority,
        });
        call.log.info(
          { number: effect.number, queue: queued.queue },
          'callback requested; the caller keeps their place',
        );
        return;
      }
      case 'callback-waiting':
        // the caller's line is gone but the call goes on: not abandoned, not ended
        void this.#store(call, (db) =>
          updateCall(db, s.callId, { outcome: 'callback-requested', ivrPath: s.path }),
        );
        return;
      case 'callback-agent-answered':
        call.answeredBy = effect.agentId;
        await this.#agentAnswered(call, effect.agentId);
        return;
      case 'play-leg':
        await this.#pbx
          .play(effect.legChannelId, randomUUID(), this.#settings.prompts.media(effect.lang, effect.prompts))
          .catch((err: unknown) => call.log.warn({ err }, 'could not play to the agent'));
        return;
      case 'ringback':
        // queued by Asterisk behind the prompt the agent hears; it lasts until the interpreter stops it
        await this.#pbx
          .play(effect.legChannelId, effect.playbackId, [RINGBACK_TONE])
          .catch((err: unknown) => call.log.warn({ err }, 'could not play the ringback to the agent'));
        return;
      case 'dial-owner': {
        const ringS = this.#settings.outsideRingTimeoutS;
        if (
          this.#settings.outsideDial === null ||
          !(await this.#acd.takeCallbackDial(s.callId, (ringS + 15) * 1000))
        ) {
          call.log.warn('the owner is being called already (or cannot be): this try does not dial');
          this.#feed(call, { kind: 'callback-leg-ended', legChannelId: null, cause: 'not dialled' });
          return;
        }
        await this.#dialLeg(
          call,
          {
            endpoint: this.#outside(effect.number),
            // the owner sees the hotline they called calling back
            callerId: s.dialled,
            ringTimeoutS: ringS,
            purpose: `callback:${s.callId}`,
          },
          (legChannelId) => ({ kind: 'owner-ringing', legChannelId }),
          (legChannelId, cause) => ({ kind: 'callback-leg-ended', legChannelId, cause }),
        );
        return;
      }
      case 'bridge-legs':
        await this.#bridgeAndRecord(call, [effect.agentLegChannelId, effect.ownerLegChannelId]);
        return;
      case 'callback-not-reached':
        call.log.info(
          { attempt: effect.attempt, cause: effect.cause, retryInS: effect.retryInS },
          'callback: owner not reached',
        );
        await this.#acd.callbackNotReached(
          s.callId,
          effect.agentId,
          effect.attempt,
          effect.cause,
          effect.retryInS,
        );
        return;
      case 'callback-release-agent':
        this.#legs.delete(effect.legChannelId);
        call.answeredBy = null;
        await this.#pbx.hangup(effect.legChannelId).catch(() => undefined);
        await this.#acd.agentReleased(s.callId, effect.agentId, 'system', effect.cause);
        return;
      case 'callback-requeue':
        await this.#acd.requeueCallback(s.callId);
        return;
      case 'callback-done': {
        await this.#acd.callbackDone(s.callId);
        if (!effect.failed) return;
        // given up: a ticket the team follows up (call the owner by hand, or write to them)
        const tries = s.callback?.attempts ?? 0;
        try {
          await call.inserted;
          const ticket = await this.#service.fileTicket(
            {
              do: 'create-ticket',
              type: 'inquiry',
              category: 'callback',
              urgent: false,
              description: `回拨${tries}次未接通,请跟进 / Callback not answered after ${tries} tries: please follow up (${s.callback?.number ?? ''}).`,
              recording: null,
              ownerId: s.owner?.id ?? null,
              unitId: null,
            },
            s.callId,
          );
          void this.#record(call, 'ticket', { number: ticket.number, type: 'inquiry', callback: true });
          call.log.warn({ ticket: ticket.number, tries }, 'callback given up; ticket filed');
        } catch (err) {
          call.log.error({ err }, 'could not file the ticket of a failed callback');
        }
        return;
      }
    }
  }

  /** A callback of a controller that stopped is ours now: it waits here for its turn (or its next try). */
  #adoptCallback(record: CallbackRecord): void {
    if ([...this.#calls.values()].some((c) => c.state.callId === record.callId)) return;
    const flow = this.#flows.forDialled(record.dialled);
    if (!flow) {
      this.#log.error({ callId: record.callId }, 'no flow for an adopted callback; it is left in Redis');
      return;
    }
    const channelId = `callback:${record.callId}`;
    const state = adoptedCallback({
      callId: record.callId,
      channelId,
      callerNumber: record.callerNumber,
      dialled: record.dialled,
      number: record.number,
      attempts: record.attempts,
      lang: record.lang,
      queued: { queue: record.entry.queue, intent: record.intent, priority: record.priorityName },
    });
    const call: LiveCall = {
      state,
      flow,
      log: this.#log.child({ callId: record.callId, caller: record.number }),
      mailbox: Promise.resolve(),
      timers: new Map(),
      bridgeId: null,
      answeredBy: null,
      reachedAcd: true,
      inserted: Promise.resolve(),
      records: Promise.resolve(),
      pop: record.entry.pop,
      heldAt: null,
      heldMs: 0,
    };
    this.#calls.set(channelId, call);
    void this.#record(call, 'callback-adopted', { attempts: record.attempts, retryAt: record.retryAt });
    if (record.retryAt !== null) {
      const ms = Math.max(0, Date.parse(record.retryAt) - Date.now());
      call.timers.set(
        'callback',
        setTimeout(() => this.#feed(call, { kind: 'callback-due' }), ms),
      );
    }
    call.log.warn({ retryAt: record.retryAt }, 'took over a callback');
  }

  /** The ACD chose an agent for this call: ring their phone. */
  async #ringAgent(entry: QueueEntry, agent: OfferedAgent): Promise<OfferOutcome> {
    const call = [...this.#calls.values()].find((c) => c.state.callId === entry.callId);
    if (!call || (call.state.phase !== 'queued' && call.state.phase !== 'callback-waiting'))
      return 'call-gone';
    try {
      const legChannelId = await this.#pbx.originate({
        endpoint: agent.endpoint,
        callerId: call.state.callerNumber ?? 'unknown',
        ringTimeoutS: this.#settings.ringTimeoutS,
        purpose: `agent:${entry.callId}:${agent.agentId}`,
        // lets a phone (and the tests) tie the INVITE to the call record
        variables: { 'PJSIP_HEADER(add,X-Hotline-Call)': entry.callId },
      });
      const endedAlready = this.#endedUnknown.get(legChannelId);
      if (endedAlready !== undefined) {
        // the phone refused the call before the originate answered: as if it could not be rung
        call.log.warn({ agentId: agent.agentId, cause: endedAlready }, 'agent phone could not be rung');
        void this.#record(call, 'agent-failed', { agentId: agent.agentId, reason: endedAlready });
        return 'phone-unreachable';
      }
      this.#legs.set(legChannelId, call.state.channelId);
      this.#feed(call, { kind: 'agent-offered', agentId: agent.agentId, legChannelId });
      call.log.info({ agentId: agent.agentId, legChannelId }, 'ringing agent');
      return 'ringing';
    } catch (err) {
      if (err instanceof OriginateFailed) {
        call.log.warn({ agentId: agent.agentId, err: err.message }, 'agent phone could not be rung');
        void this.#record(call, 'agent-failed', { agentId: agent.agentId, reason: err.message });
        return 'phone-unreachable';
      }
      throw err;
    }
  }

  /**
   * Adds an event to the call's timeline, in a batch with other calls' events once the call record is in; the
   * call's later writes come after it. The promise is for the write, and never rejects (see #store).
   */
  #record(call: LiveCall, kind: CallEventKind, detail: Record<string, unknown>, at?: Date): Promise<void> {
    const row = { callId: call.state.callId, kind, detail, at: at ?? new Date() };
    const written = call.inserted.then(() => this.#events.add(row));
    call.records = Promise.all([call.records, written]).then(() => undefined);
    return written;
  }

  /**
   * Writes to the call record after the call's earlier writes. The call does not wait for them: a slow or hung
   * database never keeps a caller in silence, and a write the database refuses or does not answer in time waits
   * in the writer's backlog (in order) until it is back. The closure must not read the clock: it may run later.
   */
  #store(call: LiveCall, write: (db: Queryable) => Promise<void>): Promise<void> {
    call.records = call.records.then(() => this.#records.write(() => write(this.#writes)));
    return call.records;
  }

  /** The live call with this id as a team leader's supervision sees it (ivr/supervision.ts); null if none. */
  supervisable(callId: string): SupervisableCall | null {
    const call = [...this.#calls.values()].find((c) => c.state.callId === callId);
    if (!call || call.state.callerGone) return null;
    const s = call.state;
    return {
      callId,
      phase: s.phase,
      ownerChannelId: s.channelId,
      agentId: s.agent?.agentId ?? null,
      agentChannelId: s.agent?.legChannelId ?? null,
      bridgeId: call.bridgeId,
    };
  }
}
