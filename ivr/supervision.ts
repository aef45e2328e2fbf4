// A team leader listening, whispering or barging on a live agent call, on the controller that owns the call.
// The leader's own desk phone is dialled; once answered it is bridged with a snoop channel on the call (listen,
// whisper) or put into the call's bridge (barge); a mode change swaps the snoop or the bridge, the phone stays
// up. The session ends, leaving the call as it was, when the leader stops or hangs up, and with the call: when
// the owner's or the agent's channel goes, the leader's leg, the snoop and the session's bridge go too.
// Each start, change and end goes into the call's timeline (a quality and a privacy record) and to the
// supervisors' room. A leader has one session at a time across every controller: a start first claims the
// leader in Redis (cti/monitor-claims.ts), refreshed while the session lasts and let go when it ends.
import { randomUUID } from 'node:crypto';
import type { CallMonitored, Logger } from '../core/index.ts';
import { OriginateFailed } from '../core/index.ts';
import { addCallEvent, type CallEventKind, type Queryable } from '../db/index.ts';
import {
  CALL_ENDED,
  MONITOR_CLAIM_REFRESH_MS,
  type CallCommandResult,
  type LeaderClaims,
  type MonitorClaim,
  type MonitorCommand,
} from '../cti/routing.ts';
import type { CallControl, PbxEvent } from './call-control.ts';
import { monitorSteps, SUPERVISABLE_PHASES, type MonitorMode, type MonitorStep } from './monitor-modes.ts';

/** What the supervision needs to know of a live call (IvrController.supervisable). */
export interface SupervisableCall {
  callId: string;
  phase: string;
  ownerChannelId: string;
  agentId: number | null;
  agentChannelId: string | null;
  bridgeId: string | null;
}

export const MONITOR_MESSAGES = {
  notConnected: '这通电话还没有接通坐席 / The call is not connected to an agent.',
  alreadyMonitored: (name: string) =>
    `组长${name}已在监听这通电话 / Team leader ${name} is already monitoring this call.`,
  leaderBusy:
    '您正在监听另一通电话,请先结束那一通 / You are already monitoring another call; stop that one first.',
  claimUnavailable:
    '暂时无法确认您是否在监听其他通话,请稍后再试 / Could not check whether you are already monitoring another call; please try again shortly.',
  ownCall: '不能监听自己的通话 / You cannot monitor your own call.',
  notMonitoring: '您没有在监听这通电话 / You are not monitoring this call.',
  notAnswered: '您的话机还没有接听 / Your phone has not answered yet.',
  phoneUnreachable: '无法拨通您的话机 / Your desk phone could not be rung.',
} as const;

export type MonitorEnd = 'stopped' | 'leader-hung-up' | 'call-ended' | 'not-answered' | 'failed';

interface Session {
  id: string;
  call: SupervisableCall;
  leader: MonitorCommand['leader'];
  mode: MonitorMode;
  /** The mode the leader's phone is in now (null until answered and set up). */
  active: MonitorMode | null;
  leaderChannelId: string | null;
  snoopChannelId: string | null;
  /** The snoop being replaced during a switch between listen and whisper. */
  pendingOld: string | null;
  monitorBridgeId: string | null;
  startedAt: number;
  /** Mode changes and the end run one after another. */
  mailbox: Promise<void>;
  ended: boolean;
  /** The session's claim on its leader (cti/monitor-claims.ts) once made, and the timer refreshing it. */
  claim: MonitorClaim | null;
  refresher: ReturnType<typeof setInterval> | null;
  log: Logger;
}

/** How long the leader's phone rings before the session is given up. */
const LEADER_RING_S = 30;
/** How long a new snoop may take to enter the app before the change is given up. */
const SNOOP_READY_MS = 5000;

export class Supervision {
  readonly #pbx: CallControl;
  readonly #db: Queryable;
  readonly #log: Logger;
  readonly #findCall: (callId: string) => SupervisableCall | null;
  readonly #notify: (event: CallMonitored) => void;
  readonly #claims: LeaderClaims;
  readonly #node: string;
  readonly #sessions = new Map<string, Session>();
  /** Purposes of legs and snoops answered (StasisStart), with who waits for them. */
  readonly #answered = new Set<string>();
  readonly #waiting = new Map<string, () => void>();
  readonly #unsubscribe: () => void;

  constructor(deps: {
    pbx: CallControl;
    db: Queryable;
    log: Logger;
    findCall: (callId: string) => SupervisableCall | null;
    notify: (event: CallMonitored) => void;
    /** One session per leader across every controller. */
    claims: LeaderClaims;
    /** This controller, named in its claims. */
    node: string;
  }) {
    this.#pbx = deps.pbx;
    this.#db = deps.db;
    this.#log = deps.log.child({ component: 'supervision' });
    this.#findCall = deps.findCall;
    this.#notify = deps.notify;
    this.#claims = deps.claims;
    this.#node = deps.node;
    this.#unsubscribe = this.#pbx.onEvent((e) => this.#onPbxEvent(e));
  }

  /** Is this leg (by its purpose) one of supervision's? The controller leaves those alone. */
  static owns(purpose: string): boolean {
    return purpose.startsWith('monitor:');
  }

  /** A command from the API (start, change, stop), for a call of this node. */
  async command(callId: string, command: MonitorCommand): Promise<CallCommandResult> {
    const refused = (message: string): CallCommandResult => ({ ok: false, error: 'Conflict', message });
    const at = () => ({ ok: true as const, at: new Date().toISOString() });
    const mine = this.#sessions.get(callId);
    if (command.action === 'stop' || command.action === 'change') {
      if (!mine || mine.leader.agentId !== command.leader.agentId)
        return refused(MONITOR_MESSAGES.notMonitoring);
      if (command.action === 'stop') {
        await this.#end(mine, 'stopped');
        return at();
      }
      if (mine.active === null) return refused(MONITOR_MESSAGES.notAnswered);
      const mode = command.mode;
      const done = mine.mailbox.then(() => this.#switch(mine, mode));
      mine.mailbox = done.catch(() => undefined);
      await done;
      return mine.ended ? refused(CALL_ENDED) : at();
    }
    const call = this.#findCall(callId);
    if (!call) return refused(CALL_ENDED);
    if (!SUPERVISABLE_PHASES.has(call.phase) || call.agentChannelId === null || call.bridgeId === null) {
      return refused(MONITOR_MESSAGES.notConnected);
    }
    if (call.agentId === command.leader.agentId) return refused(MONITOR_MESSAGES.ownCall);
    if (mine) return refused(MONITOR_MESSAGES.alreadyMonitored(mine.leader.name));
    const session: Session = {
      id: randomUUID(),
      call,
      leader: command.leader,
      mode: command.mode,
      active: null,
      leaderChannelId: null,
      snoopChannelId: null,
      pendingOld: null,
      monitorBridgeId: null,
      startedAt: Date.now(),
      mailbox: Promise.resolve(),
      ended: false,
      claim: null,
      refresher: null,
      log: this.#log.child({ callId, leaderId: command.leader.agentId }),
    };
    // the call is this session's while Redis answers: a second start on it meanwhile is refused above
    this.#sessions.set(callId, session);
    // Whether the leader is monitoring another call is asked of Redis only, for a session on this controller
    // as for one on any other: there is no second, local answer that could disagree.
    const claimed = await this.#claim(session);
    if (claimed !== true) {
      if (this.#sessions.get(callId) === session) this.#sessions.delete(callId);
      session.ended = true;
      return refused(claimed);
    }
    if (session.ended) {
      // the call ended (or the leader stopped) while Redis answered; #end had no claim yet to let go
      await this.#releaseClaim(session);
      return refused(CALL_ENDED);
    }
    session.refresher = setInterval(() => void this.#refreshClaim(session), MONITOR_CLAIM_REFRESH_MS);
    try {
      session.leaderChannelId = await this.#pbx.originate({
        endpoint: command.leader.endpoint,
        // the leader's phone shows which agent's call it is, never the owner's number
        callerId: `"监听 ${call.agentId ?? ''}" <${call.agentId ?? 0}>`,
        ringTimeoutS: LEADER_RING_S,
        purpose: `monitor:${session.id}:leader`,
      });
    } catch (err) {
      this.#sessions.delete(callId);
      session.ended = true;
      await this.#releaseClaim(session);
      if (err instanceof OriginateFailed) {
        session.log.warn({ err: err.message }, 'the team leader’s phone could not be rung');
        return refused(MONITOR_MESSAGES.phoneUnreachable);
      }
      throw err;
    }
    session.log.info(
      { mode: command.mode, leaderChannelId: session.leaderChannelId },
      'ringing the team leader',
    );
    this.#announce(session, 'ringing');
    // the rest happens when the phone answers (or does not)
    session.mailbox = this.#whenAnswered(`monitor:${session.id}:leader`, LEADER_RING_S * 1000 + 5000)
      .then(async (answered) => {
        if (session.ended) return;
        if (!answered) return this.#end(session, 'not-answered');
        await this.#switch(session, session.mode);
        if (session.active !== null) {
          void this.#timeline(session, 'monitor-started', { mode: session.mode });
          session.log.info({ mode: session.mode }, 'team leader is monitoring the call');
        }
      })
      .catch((err: unknown) => {
        session.log.error({ err }, 'could not set up the monitoring');
        return this.#end(session, 'failed');
      });
    return at();
  }

  /** Ends every session (the process is stopping). */
  async close(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => this.#end(s, 'stopped')));
    this.#unsubscribe();
  }

  /** Claims the session's leader: true once claimed, else why the start is refused. */
  async #claim(session: Session): Promise<true | string> {
    const claim = { session: session.id, callId: session.call.callId, node: this.#node };
    try {
      const holder = await this.#claims.claim(session.leader.agentId, claim);
      if (holder !== null) {
        session.log.info({ holder }, 'the team leader is already monitoring another call');
        return MONITOR_MESSAGES.leaderBusy;
      }
    } catch (err) {
      session.log.warn({ err }, 'could not claim the team leader for the monitoring');
      return MONITOR_MESSAGES.claimUnavailable;
    }
    session.claim = claim;
    return true;
  }

  async #refreshClaim(session: Session): Promise<void> {
    const claim = session.claim;
    if (session.ended || claim === null) return;
    let kept: boolean;
    try {
      kept = await this.#claims.refresh(session.leader.agentId, claim);
    } catch (err) {
      // Redis is away: the claim lasts its time to live, the next refresh tries again
      session.log.warn({ err }, 'could not refresh the team leader’s monitoring claim');
      return;
    }
    if (kept || session.ended) return;
    // it lapsed (Redis was out of reach longer than its time to live) and another session took the leader: that
    // one rang their phone last, this one gives way
    session.log.warn('another monitoring session took the team leader; ending this one');
    session.claim = null;
    await this.#end(session, 'failed');
  }

  async #releaseClaim(session: Session): Promise<void> {
    if (session.refresher) clearInterval(session.refresher);
    session.refresher = null;
    const claim = session.claim;
    session.claim = null;
    if (claim === null) return;
    await this.#claims
      .release(session.leader.agentId, claim)
      .catch((err: unknown) =>
        session.log.warn({ err }, 'could not let the team leader’s monitoring claim go; it lapses by itself'),
      );
  }

  #onPbxEvent(e: PbxEvent): void {
    if (e.type === 'leg-answered' && Supervision.owns(e.purpose)) {
      this.#answered.add(e.purpose);
      this.#waiting.get(e.purpose)?.();
      return;
    }
    if (e.type !== 'hangup') return;
    for (const session of this.#sessions.values()) {
      if (e.channelId === session.leaderChannelId) {
        session.leaderChannelId = null;
        void this.#end(session, 'leader-hung-up');
      } else if (e.channelId === session.call.ownerChannelId || e.channelId === session.call.agentChannelId) {
        void this.#end(session, 'call-ended');
      } else if (e.channelId === session.snoopChannelId) {
        // a snoop goes with its channel (the agent released by a transfer): the session goes with it
        session.snoopChannelId = null;
        void this.#end(session, 'call-ended');
      }
    }
  }

  #whenAnswered(purpose: string, timeoutMs: number): Promise<boolean> {
    if (this.#answered.delete(purpose)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(purpose);
        resolve(false);
      }, timeoutMs);
      this.#waiting.set(purpose, () => {
        clearTimeout(timer);
        this.#waiting.delete(purpose);
        this.#answered.delete(purpose);
        resolve(true);
      });
    });
  }

  /** Puts the leader's answered phone into `to`. */
  async #switch(session: Session, to: MonitorMode): Promise<void> {
    if (session.ended || session.leaderChannelId === null) return;
    const from = session.active;
    for (const step of monitorSteps(from, to)) await this.#step(session, step);
    // the call or the leader went meanwhile: #end has told the supervisors, an 'active' now would outlive it
    if (session.ended) return;
    session.active = to;
    session.mode = to;
    if (from !== null && from !== to) {
      void this.#timeline(session, 'monitor-changed', { mode: to, from });
      session.log.info({ from, mode: to }, 'monitoring mode changed');
    }
    this.#announce(session, 'active');
  }

  async #step(session: Session, step: MonitorStep): Promise<void> {
    const leader = session.leaderChannelId!;
    const call = session.call;
    switch (step.do) {
      case 'snoop': {
        const on = step.spec.on === 'owner' ? call.ownerChannelId : call.agentChannelId!;
        const purpose = `monitor:${session.id}:snoop:${randomUUID()}`;
        const snoop = await this.#pbx.snoop(on, { spy: step.spec.spy, whisper: step.spec.whisper }, purpose);
        if (session.ended || !(await this.#whenAnswered(purpose, SNOOP_READY_MS)) || session.ended) {
          // the session ended meanwhile (the call did), or the snoop never came: it must not stay behind
          await this.#pbx.hangup(snoop).catch(() => undefined);
          throw new Error('the snoop channel did not enter the app');
        }
        session.pendingOld = session.snoopChannelId;
        session.snoopChannelId = snoop;
        return;
      }
      case 'join-monitor-bridge':
        if (session.monitorBridgeId === null) {
          session.monitorBridgeId = await this.#pbx.bridge([leader, session.snoopChannelId!]);
        } else {
          await this.#pbx.addToBridge(session.monitorBridgeId, [session.snoopChannelId!]);
          if (session.active === 'barge') await this.#pbx.addToBridge(session.monitorBridgeId, [leader]);
        }
        return;
      case 'leave-monitor-bridge':
        if (session.monitorBridgeId !== null)
          await this.#pbx.removeFromBridge(session.monitorBridgeId, leader);
        return;
      case 'drop-old-snoop': {
        const old = session.pendingOld ?? (session.active !== 'barge' ? session.snoopChannelId : null);
        session.pendingOld = null;
        if (old === session.snoopChannelId) session.snoopChannelId = null;
        if (old) await this.#pbx.hangup(old).catch(() => undefined);
        return;
      }
      case 'join-call-bridge':
        await this.#pbx.addToBridge(call.bridgeId!, [leader]);
        return;
      case 'leave-call-bridge':
        await this.#pbx.removeFromBridge(call.bridgeId!, leader);
        return;
    }
  }

  async #end(session: Session, reason: MonitorEnd): Promise<void> {
    if (session.ended) return;
    session.ended = true;
    if (this.#sessions.get(session.call.callId) === session) this.#sessions.delete(session.call.callId);
    this.#waiting.get(`monitor:${session.id}:leader`)?.();
    const hangups = [session.leaderChannelId, session.snoopChannelId].filter((c): c is string => c !== null);
    await Promise.all(hangups.map((c) => this.#pbx.hangup(c).catch(() => undefined)));
    if (session.monitorBridgeId)
      await this.#pbx.destroyBridge(session.monitorBridgeId).catch(() => undefined);
    // after the leader's phone is hung up: a next session may ring it
    await this.#releaseClaim(session);
    if (session.active !== null) {
      const durationS = Math.round((Date.now() - session.startedAt) / 1000);
      void this.#timeline(session, 'monitor-ended', { mode: session.active, reason, durationS });
    }
    session.log.info({ reason }, 'monitoring ended');
    this.#announce(session, 'ended', reason);
  }

  #announce(session: Session, state: CallMonitored['state'], reason?: MonitorEnd): void {
    try {
      this.#notify({
        callId: session.call.callId,
        agentId: session.call.agentId,
        leaderId: session.leader.agentId,
        leaderName: session.leader.name,
        mode: session.mode,
        state,
        ...(reason ? { reason } : {}),
        at: new Date().toISOString(),
      });
    } catch (err) {
      session.log.warn({ err }, 'could not tell the supervisors about the monitoring');
    }
  }

  #timeline(session: Session, kind: CallEventKind, detail: Record<string, unknown>): Promise<void> {
    return addCallEvent(this.#db, session.call.callId, kind, {
      leaderId: session.leader.agentId,
      leaderName: session.leader.name,
      ...detail,
    }).catch((err: unknown) => session.log.error({ err, kind }, 'could not record the monitoring'));
  }
}
