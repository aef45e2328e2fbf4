// The dialer's port on this Asterisk node (core/campaigns/types.ts `OutboundCalls`): originates a campaign call
// through the trunk's dial string, reports an unanswered end by its hang-up cause, and hands an answered channel
// to the IVR controller, which runs the campaign kind's outbound flow on it like an inbound call. `place`
// resolves once the owner's channel is gone (and, when answered, once the flow's call is finished).
//
//   place ─originate─▶ ringing ─hangup─▶ resolved (busy, no-answer, rejected, congestion, failed by cause)
//                         └─answered (StasisStart `leg,campaign:<attemptId>`)─▶ a call of the controller
//                              ─channel gone + call finished─▶ resolved (answered, outcome, keys, score, ...)
//   originate refused (trunk down, PBX away) ─▶ resolved `failed`, no cause
import type { Logger } from '../core/index.ts';
import { maskPhone } from '../core/index.ts';
import type { CallOutcome, OutboundCallEnd, OutboundCalls, OutboundDial } from '../core/campaigns/types.ts';
import { dialResultOfCause } from '../core/campaigns/types.ts';
import type { OutboundCallContext } from '../db/index.ts';
import type { CallControl, PbxEvent } from './call-control.ts';

/** The purpose of a campaign channel (its Stasis arguments: `leg,campaign:<attemptId>`). */
export const CAMPAIGN_PURPOSE = 'campaign:';

/** One dial of the dialer, from the originate to its resolution. */
export interface Placement {
  dial: OutboundDial;
  context: OutboundCallContext;
  log: Logger;
  channelId: string | null;
  /** When the originate was sent (ms). */
  dialledAt: number;
  answered: boolean;
  /** The keys the owner pressed, in order. */
  keys: string;
  /** The channel is gone (its cause). */
  gone: { cause: number | null; causeText: string } | null;
  /** The controller's call is over (what the owner chose). */
  finished: OutboundFinish | null;
  resolve(end: OutboundCallEnd): void;
  resolved: boolean;
}

/** What the outbound flow's call reports at its end. */
export interface OutboundFinish {
  callId: string | null;
  outcome: CallOutcome | null;
  score: number | null;
  commentRecording: string | null;
}

/** Q.850 19, no answer: what a ring timeout that ran out is reported as. */
const NO_ANSWER = 19;
/** An originate's end this close to its ring timeout is the timeout (Asterisk's timer and ours differ a little). */
const RING_TIMEOUT_SLACK_MS = 300;
/** Channels that ended before their originate answered (a busy line answers in milliseconds). */
const RECENT_ENDS = 1000;

export class OutboundDialler implements OutboundCalls {
  readonly #pbx: CallControl;
  readonly #log: Logger;
  readonly #read: (dial: OutboundDial) => Promise<OutboundCallContext | null>;
  readonly #answered: (placement: Placement, channelId: string, at: Date) => void;
  readonly #byAttempt = new Map<string, Placement>();
  readonly #byChannel = new Map<string, Placement>();
  readonly #recentEnds = new Map<string, { cause: number; causeText: string }>();
  readonly #unsubscribe: () => void;

  constructor(deps: {
    pbx: CallControl;
    log: Logger;
    /** Reads what the flow needs (the owner, the unit's arrears, the ticket, the campaign). */
    read: (dial: OutboundDial) => Promise<OutboundCallContext | null>;
    /** The owner answered: the controller makes the channel one of its calls. */
    answered: (placement: Placement, channelId: string, at: Date) => void;
  }) {
    this.#pbx = deps.pbx;
    this.#log = deps.log.child({ component: 'outbound' });
    this.#read = deps.read;
    this.#answered = deps.answered;
    this.#unsubscribe = this.#pbx.onEvent((e) => this.#onPbxEvent(e));
  }

  async place(dial: OutboundDial, hooks: { onDialled(channelId: string): void }): Promise<OutboundCallEnd> {
    const log = this.#log.child({
      attemptId: dial.attemptId,
      campaignId: dial.campaignId,
      kind: dial.kind,
      phone: maskPhone(dial.phone),
    });
    const notDialled = (causeText: string): OutboundCallEnd => ({
      ...NOTHING,
      result: 'failed',
      causeText,
    });
    let context: OutboundCallContext | null;
    try {
      context = await this.#read(dial);
    } catch (err) {
      log.error({ err }, 'could not read the campaign call’s owner and campaign; not dialled');
      return notDialled('database unavailable');
    }
    if (!context) {
      log.warn('the owner or the campaign is gone; not dialled');
      return notDialled('owner or campaign not found');
    }
    let resolve!: (end: OutboundCallEnd) => void;
    const done = new Promise<OutboundCallEnd>((r) => (resolve = r));
    const placement: Placement = {
      dial,
      context,
      log,
      channelId: null,
      dialledAt: Date.now(),
      answered: false,
      keys: '',
      gone: null,
      finished: null,
      resolved: false,
      resolve: (end) => {
        if (placement.resolved) return;
        placement.resolved = true;
        this.#byAttempt.delete(dial.attemptId);
        if (placement.channelId) this.#byChannel.delete(placement.channelId);
        log.info({ result: end.result, cause: end.causeCode, outcome: end.outcome }, 'campaign call over');
        resolve(end);
      },
    };
    this.#byAttempt.set(dial.attemptId, placement);
    let channelId: string;
    try {
      channelId = await this.#pbx.originate({
        endpoint: dial.dial.replaceAll('{number}', dial.phone),
        callerId: dial.callerId,
        ringTimeoutS: dial.ringTimeoutS,
        purpose: `${CAMPAIGN_PURPOSE}${dial.attemptId}`,
      });
    } catch (err) {
      this.#byAttempt.delete(dial.attemptId);
      log.warn({ err: (err as Error).message }, 'the campaign call could not be dialled');
      return notDialled((err as Error).message);
    }
    placement.channelId ??= channelId;
    this.#byChannel.set(channelId, placement);
    log.info({ channelId }, 'dialling the owner');
    try {
      hooks.onDialled(channelId);
    } catch (err) {
      log.error({ err }, 'the dialer’s onDialled failed');
    }
    const ended = this.#recentEnds.get(channelId);
    if (ended) this.#gone(placement, ended.cause, ended.causeText);
    return done;
  }

  async isUp(channelId: string): Promise<boolean> {
    return (await this.#pbx.listChannels()).some((c) => c.channelId === channelId);
  }

  /** A channel this module dialled and that is not over yet (ringing or answered). */
  owns(channelId: string): boolean {
    return this.#byChannel.has(channelId);
  }

  /** The StasisStart of a campaign channel: the owner answered. Unknown attempts (a dead run's) are hung up. */
  legAnswered(e: Extract<PbxEvent, { type: 'leg-answered' }>): void {
    const placement = this.#byAttempt.get(e.purpose.slice(CAMPAIGN_PURPOSE.length));
    if (!placement || placement.answered || placement.resolved) {
      this.#log.warn(
        { channelId: e.channelId, purpose: e.purpose },
        'a campaign call nobody waits for; hung up',
      );
      void this.#pbx.hangup(e.channelId).catch(() => undefined);
      return;
    }
    placement.answered = true;
    placement.channelId ??= e.channelId;
    this.#byChannel.set(e.channelId, placement);
    placement.log.info({ channelId: e.channelId }, 'the owner answered');
    this.#answered(placement, e.channelId, e.at);
  }

  /** The controller's call of an answered placement is over. */
  finished(placement: Placement, finish: OutboundFinish): void {
    placement.finished = finish;
    this.#settle(placement);
  }

  /** Stops taking events; dials still ringing are hung up and reported interrupted. */
  async close(): Promise<void> {
    this.#unsubscribe();
    for (const p of [...this.#byAttempt.values()]) {
      if (p.channelId) await this.#pbx.hangup(p.channelId).catch(() => undefined);
      p.resolve({
        ...NOTHING,
        result: 'interrupted',
        causeText: 'the IVR stopped',
        channelId: p.channelId,
        keys: p.keys || null,
        ...p.finished,
      });
    }
  }

  #onPbxEvent(e: PbxEvent): void {
    switch (e.type) {
      case 'dtmf': {
        const p = this.#byChannel.get(e.channelId);
        if (p) p.keys += e.digit;
        return;
      }
      case 'hangup': {
        const p = this.#byChannel.get(e.channelId);
        if (p) {
          this.#gone(p, e.cause, e.causeText);
        } else {
          this.#recentEnds.set(e.channelId, { cause: e.cause, causeText: e.causeText });
          if (this.#recentEnds.size > RECENT_ENDS)
            this.#recentEnds.delete(this.#recentEnds.keys().next().value!);
        }
        return;
      }
      case 'reconnected': {
        // a channel that ended while the connection was down reported nothing
        const live = new Set(e.channels.map((c) => c.channelId));
        for (const p of [...this.#byChannel.values()])
          if (p.channelId && !live.has(p.channelId))
            this.#gone(p, null, 'ended while the PBX connection was down');
        return;
      }
      default:
        return;
    }
  }

  #gone(p: Placement, cause: number | null, causeText: string): void {
    if (p.gone) return;
    // Asterisk 16 ends an originate whose ring timeout ran out with cause 0 (unknown): it is a no answer
    const rang = Date.now() - p.dialledAt >= p.dial.ringTimeoutS * 1000 - RING_TIMEOUT_SLACK_MS;
    if (cause === 0 && !p.answered && rang) {
      p.gone = { cause: NO_ANSWER, causeText: 'no answer (ring timeout; Asterisk reports cause 0)' };
    } else {
      p.gone = { cause, causeText };
    }
    this.#settle(p);
  }

  #settle(p: Placement): void {
    if (!p.gone) return;
    const { cause, causeText } = p.gone;
    if (!p.answered) {
      p.resolve({
        ...NOTHING,
        result: cause === null ? 'failed' : dialResultOfCause(cause),
        causeCode: cause,
        causeText,
        channelId: p.channelId,
      });
      return;
    }
    if (!p.finished) return;
    p.resolve({
      result: 'answered',
      causeCode: cause,
      causeText,
      channelId: p.channelId,
      callId: p.finished.callId,
      outcome: p.finished.outcome,
      keys: p.keys === '' ? null : p.keys,
      score: p.finished.score,
      commentRecording: p.finished.commentRecording,
    });
  }
}

const NOTHING: OutboundCallEnd = {
  result: 'failed',
  causeCode: null,
  causeText: null,
  channelId: null,
  callId: null,
  outcome: null,
  keys: null,
  score: null,
  commentRecording: null,
};
