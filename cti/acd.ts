// The ACD: calls wait in a queue, and when a qualified agent is available the longest-waiting call (highest
// priority first) goes to the longest-idle agent. The ACD reserves the agent atomically in Redis, sends the
// screen pop, and only then asks the call's controller to ring the agent's phone.
//
// Waiting calls are in Redis (`hotline:queue:<name>:waiting`, score = priority band + arrival time), so every
// process sees the queues; each controller dispatches the calls whose channels it owns.
//
// Each controller is a node with a heartbeat (`hotline:acd-node:<id>`, kept alive every second, gone 5 s after
// the last) and the list of its calls (`hotline:acd-node:<id>:calls`, call id -> queue). When a node's heartbeat
// is gone, the first other node to notice takes its calls out of the queues and releases their agents: one
// whose phone was ringing becomes available, one on the call becomes not ready (`call-lost`: the conversation
// may go on in Asterisk, so the agent says when they are free).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { CallConsulting, Logger, QueueOverview, ScreenPop } from '../core/index.ts';
import { AgentStates, PREFIX } from './agent-states.ts';
import type { Notifier } from './notifier.ts';
import type { QueueSettingsBook } from './queue-settings.ts';
import type { PopBase } from './screen-pop.ts';

export interface QueueEntry {
  callId: string;
  queue: string;
  /** 0 = normal, higher first (VIP 5, emergency 9). */
  priority: number;
  enqueuedAt: Date;
  pop: PopBase;
}

export interface OfferedAgent {
  agentId: number;
  name: string;
  endpoint: string;
}

/** What became of an offer: the agent's phone rings, could not be rung at all, or the caller has gone. */
export type OfferOutcome = 'ringing' | 'phone-unreachable' | 'call-gone';

/** Rings the agent's phone for the call. */
export type OfferHandler = (entry: QueueEntry, agent: OfferedAgent) => Promise<OfferOutcome>;

/**
 * A callback waiting for its turn (the caller hung up): kept in Redis (`hotline:callback:<call id>`) so that
 * another controller takes it over when the one that took it stops. `entry` is the ACD entry as first queued.
 */
export interface CallbackRecord {
  callId: string;
  /** The owner's number (normalised) the callback goes to. */
  number: string;
  callerNumber: string | null;
  dialled: string;
  lang: 'zh' | 'en';
  ownerId: number | null;
  intent: string;
  /** The flow's priority name (normal, vip, emergency). */
  priorityName: 'normal' | 'vip' | 'emergency';
  entry: { queue: string; priority: number; enqueuedAt: string; pop: PopBase };
  /** Tries the owner did not answer so far. */
  attempts: number;
  /** When the next try joins the queue again; null: it is in the queue (or being called). */
  retryAt: string | null;
}

/** Takes over a callback whose controller stopped (the controller builds its call from the record). */
export type AdoptHandler = (record: CallbackRecord) => void;

export interface AcdSettings {
  /** Wrap-up time after a call whose queue sets none. */
  wrapUpS: number;
  /** How long to wait for the agent's page to show the pop before ringing the phone anyway. */
  popSeenTimeoutMs: number;
}

const waitingKey = (queue: string) => `${PREFIX}queue:${queue}:waiting`;
/** The screen pop each agent was offered for the call (see `currentPop`). */
const popKey = (callId: string, agentId: number) => `${PREFIX}call:${callId}:pop:${agentId}`;
/** The agent last reserved for the call (set by the reservation, cti/agent-states.ts). */
const callAgentKey = (callId: string) => `${PREFIX}call:${callId}:agent`;
/** The agent wrapped up their part of the call while still talking (per agent: a call may be transferred). */
const wrappedKey = (callId: string, agentId: number) => `${PREFIX}call:${callId}:wrapped-up:${agentId}`;
/**
 * Since when the owner is on hold (the agent page's hold timer after a reload), per agent: the hold is the agent's
 * who put the owner on it (or is consulting someone), not the consulted agent's, who talks with them.
 */
const heldKey = (callId: string, agentId: number) => `${PREFIX}call:${callId}:held-since:${agentId}`;
/** The call's consultation in progress (the agent page reads it after a reconnect). */
const consultKey = (callId: string) => `${PREFIX}call:${callId}:consult`;
/** The handle times (talk + wrap-up, seconds) of the queue's last calls, newest first. */
const handleTimesKey = (queue: string) => `${PREFIX}queue:${queue}:handle-times`;
const HANDLE_TIMES_KEPT = 50;
/** The controller node that owns the call (its channel is on that node's Asterisk): call control goes there. */
const callNodeKey = (callId: string) => `${PREFIX}call:${callId}:node`;
const NODES = `${PREFIX}acd-nodes`;
const callbackKey = (callId: string) => `${PREFIX}callback:${callId}`;
/** Held while the owner's number rings for a callback: never two dials of one callback at once. */
const callbackDialKey = (callId: string) => `${PREFIX}callback:${callId}:dialling`;
/** A callback is kept this long at most (its tries are minutes apart). */
const CALLBACK_TTL_S = 2 * 86_400;
const nodeKey = (node: string) => `${PREFIX}acd-node:${node}`;
const nodeCallsKey = (node: string) => `${PREFIX}acd-node:${node}:calls`;
/** A node whose heartbeat is this old is dead: its calls leave the queues and its agents are released. */
export const NODE_TTL_MS = 5000;

/** Where a waiting call stands: the calls before it in its queue, and the estimated wait (null: no estimate). */
export interface QueueStatus {
  ahead: number;
  waitS: number | null;
}

/** The agent wrapped the call up while still talking: when it ends they skip the wrap-up time. */
export async function markWrappedUp(redis: Redis, callId: string, agentId: number): Promise<void> {
  await redis.set(wrappedKey(callId, agentId), '1', 'EX', 86_400);
}
export const WAKE_CHANNEL = `${PREFIX}acd:wake`;
/** Agent pages report here that they have shown a pop ({callId, agentId}). */
export const POP_SEEN_CHANNEL = `${PREFIX}acd:pop-seen`;
const POP_TTL_S = 86_400;

function score(entry: QueueEntry): number {
  return (9 - Math.min(9, Math.max(0, entry.priority))) * 1e13 + entry.enqueuedAt.getTime();
}

/** Tells every controller that an agent may have become available. */
export async function wakeAcds(redis: Redis): Promise<void> {
  await redis.publish(WAKE_CHANNEL, '1');
}

export class Acd {
  readonly #redis: Redis;
  readonly #states: AgentStates;
  readonly #notifier: Notifier;
  readonly #log: Logger;
  readonly #settings: AcdSettings;
  readonly #queues: QueueSettingsBook;
  /** The calls this process owns that wait or ring an agent, by call id. */
  readonly #entries = new Map<string, QueueEntry>();
  /** The same, per queue, most urgent first (priority band, then arrival): a dispatch reads only the heads. */
  readonly #byQueue = new Map<string, QueueEntry[]>();
  /** Those of them whose offer is under way (an agent reserved, the phone ringing). */
  readonly #offered = new Set<string>();
  #offerHandler: OfferHandler | null = null;
  #adoptHandler: AdoptHandler | null = null;
  /** Offers waiting for the agent's page to show the pop, by call id. */
  readonly #unseen = new Map<string, { agentId: number; seen: () => void }>();
  #running = false;
  #again = false;
  /** This controller's name among the nodes sharing the queues and agents. */
  readonly nodeId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;

  constructor(deps: {
    redis: Redis;
    notifier: Notifier;
    log: Logger;
    settings: AcdSettings;
    queues: QueueSettingsBook;
  }) {
    this.#redis = deps.redis;
    this.#states = new AgentStates(deps.redis);
    this.#notifier = deps.notifier;
    this.#log = deps.log.child({ component: 'acd' });
    this.#settings = deps.settings;
    this.#queues = deps.queues;
  }

  get states(): AgentStates {
    return this.#states;
  }

  onOffer(handler: OfferHandler): void {
    this.#offerHandler = handler;
  }

  onAdopt(handler: AdoptHandler): void {
    this.#adoptHandler = handler;
  }

  /**
   * The caller chose a callback: the call keeps its entry (first enqueue time, priority) and its pop says it is a
   * callback; the record lets another controller take it over.
   */
  async requestCallback(record: Omit<CallbackRecord, 'entry' | 'attempts' | 'retryAt'>): Promise<void> {
    const entry = this.#entries.get(record.callId);
    if (!entry) throw new Error('the call is not waiting in a queue');
    entry.pop = { ...entry.pop, callback: true };
    const full: CallbackRecord = {
      ...record,
      entry: {
        queue: entry.queue,
        priority: entry.priority,
        enqueuedAt: entry.enqueuedAt.toISOString(),
        pop: entry.pop,
      },
      attempts: 0,
      retryAt: null,
    };
    await this.#redis.set(callbackKey(record.callId), JSON.stringify(full), 'EX', CALLBACK_TTL_S);
  }

  static async callback(redis: Redis, callId: string): Promise<CallbackRecord | null> {
    const raw = await redis.get(callbackKey(callId));
    return raw ? (JSON.parse(raw) as CallbackRecord) : null;
  }

  /** A try went unanswered: counted, and when the next one joins the queue (null: none). */
  async callbackNotReached(
    callId: string,
    agentId: number,
    attempt: number,
    cause: string,
    retryInS: number | null,
  ): Promise<void> {
    const now = Date.now();
    const retryAt = retryInS === null ? null : new Date(now + retryInS * 1000).toISOString();
    const record = await Acd.callback(this.#redis, callId);
    if (record) {
      await this.#redis.set(
        callbackKey(callId),
        JSON.stringify({ ...record, attempts: attempt, retryAt }),
        'EX',
        CALLBACK_TTL_S,
      );
    }
    await this.#redis.del(callbackDialKey(callId));
    this.#notifier.callbackNotReached({
      callId,
      agentId,
      attempt,
      cause,
      retryAt,
      at: new Date(now).toISOString(),
    });
  }

  /** The next try: back in the queue at the callback's first place (enqueue time and priority). */
  async requeueCallback(callId: string): Promise<void> {
    const record = await Acd.callback(this.#redis, callId);
    if (!record) throw new Error('the callback is not stored any more');
    await this.#redis.set(
      callbackKey(callId),
      JSON.stringify({ ...record, retryAt: null }),
      'EX',
      CALLBACK_TTL_S,
    );
    await this.enqueue(Acd.#callbackEntry(record));
  }

  static #callbackEntry(record: CallbackRecord): QueueEntry {
    const { entry } = record;
    return { callId: record.callId, ...entry, enqueuedAt: new Date(entry.enqueuedAt) };
  }

  /**
   * Takes the owner's number for one dial of the callback (until `ms` from now or `callbackDone`); false when
   * another dial of it is under way.
   */
  async takeCallbackDial(callId: string, ms: number): Promise<boolean> {
    return (await this.#redis.set(callbackDialKey(callId), this.nodeId, 'PX', ms, 'NX')) === 'OK';
  }

  /** The callback is over (talked, or given up). */
  async callbackDone(callId: string): Promise<void> {
    await this.#redis.del(callbackKey(callId), callbackDialKey(callId));
  }

  /**
   * Puts the call in its queue. With `agentId` (a transfer to a named agent, already reserved with
   * `reserveAgent`) it is offered to that agent at once; if they do not answer it waits in the queue.
   */
  async enqueue(entry: QueueEntry, opts: { agentId?: number } = {}): Promise<void> {
    this.#track(entry);
    const multi = this.#redis
      .multi()
      .hset(nodeCallsKey(this.nodeId), entry.callId, entry.queue)
      .set(callNodeKey(entry.callId), this.nodeId, 'EX', POP_TTL_S);
    if (opts.agentId === undefined) multi.zadd(waitingKey(entry.queue), String(score(entry)), entry.callId);
    await multi.exec();
    if (opts.agentId === undefined) {
      this.dispatch();
      return;
    }
    this.#offered.add(entry.callId);
    void this.#offer(entry, opts.agentId).catch((err: unknown) =>
      this.#log.error({ err, callId: entry.callId }, 'offer to the named agent failed'),
    );
  }

  /** Reserves a named agent for a call of this node (a transfer); false when the agent is not available. */
  reserveAgent(agentId: number, queue: string, callId: string): Promise<boolean> {
    return this.#states.reserveAgent(agentId, queue, callId);
  }

  /** The agent put the owner on hold: the page shows it with a timer. */
  async callHeld(callId: string, agentId: number, at: Date): Promise<void> {
    await this.#redis.set(heldKey(callId, agentId), at.toISOString(), 'EX', POP_TTL_S);
    this.#notifier.callHeld({ callId, agentId, at: at.toISOString() });
  }

  /** The owner is back from hold (resumed, transferred, or the call ended). */
  async callResumed(callId: string, agentId: number, at: Date, heldS: number): Promise<void> {
    await this.#redis.del(heldKey(callId, agentId));
    this.#notifier.callResumed({ callId, agentId, at: at.toISOString(), heldS });
  }

  /** Since when the agent has the owner of the call on hold; null when they do not. */
  static async heldSince(redis: Redis, callId: string, agentId: number): Promise<string | null> {
    return redis.get(heldKey(callId, agentId));
  }

  /** The controller node that owns a call, or null when no node does (the call ended long ago or never was). */
  static async nodeOf(redis: Redis, callId: string): Promise<string | null> {
    return redis.get(callNodeKey(callId));
  }

  /**
   * Keeps this node alive for the others and releases what dead nodes left (run every second by the
   * controller, with the wrap-up sweep).
   */
  async tick(now = Date.now()): Promise<void> {
    await this.#redis
      .multi()
      .set(nodeKey(this.nodeId), String(now), 'PX', NODE_TTL_MS)
      .sadd(NODES, this.nodeId)
      .exec();
    await this.endDueWrapUps();
    for (const node of await this.#redis.smembers(NODES)) {
      if (node === this.nodeId || (await this.#redis.exists(nodeKey(node)))) continue;
      // one node reaps a dead one: the first to take the lock
      if ((await this.#redis.set(`${nodeKey(node)}:reaping`, this.nodeId, 'PX', 30_000, 'NX')) !== 'OK')
        continue;
      await this.#reap(node);
    }
  }

  async #reap(node: string): Promise<void> {
    const calls = await this.#redis.hgetall(nodeCallsKey(node));
    let released = 0;
    const adopted: CallbackRecord[] = [];
    for (const [callId, queue] of Object.entries(calls)) {
      const callback = await Acd.callback(this.#redis, callId);
      if (callback) adopted.push(callback);
      // a callback keeps its place: it stays in the queue for this node to take over
      else await this.#redis.zrem(waitingKey(queue), callId);
      const agentId = await this.#redis.get(callAgentKey(callId));
      if (agentId === null) continue;
      const status = await this.#states.get(Number(agentId));
      if (status.callId !== callId) continue;
      released++;
      if (status.state === 'ringing') {
        await this.#setState(status.agentId, { to: 'available', from: ['ringing'], callId });
      } else if (status.state === 'on-call' || status.state === 'wrap-up') {
        await this.#setState(status.agentId, {
          to: 'not-ready',
          reason: 'call-lost',
          from: ['on-call', 'wrap-up'],
          callId,
        });
      }
    }
    await this.#redis.multi().del(nodeCallsKey(node)).srem(NODES, node).exec();
    for (const record of adopted) await this.#adopt(record);
    this.#log.warn(
      { node, calls: Object.keys(calls).length, agentsReleased: released },
      'a controller stopped; its calls left the queues and its agents were released',
    );
    if (released > 0) await wakeAcds(this.#redis);
  }

  /**
   * Takes over a callback of a stopped controller: this node owns it now. One being called when that controller
   * stopped counts as not reached and waits for its next try (its dial may still ring: the dial lock keeps the
   * owner from a second call meanwhile).
   */
  async #adopt(record: CallbackRecord): Promise<void> {
    const callId = record.callId;
    const inQueue = (await this.#redis.zscore(waitingKey(record.entry.queue), callId)) !== null;
    if (!inQueue && record.retryAt === null) record.retryAt = new Date(Date.now() + 60_000).toISOString();
    await this.#redis
      .multi()
      .set(callbackKey(callId), JSON.stringify(record), 'EX', CALLBACK_TTL_S)
      .hset(nodeCallsKey(this.nodeId), callId, record.entry.queue)
      .set(callNodeKey(callId), this.nodeId, 'EX', POP_TTL_S)
      .exec();
    if (inQueue) this.#track(Acd.#callbackEntry(record));
    this.#log.warn(
      { callId, inQueue, retryAt: record.retryAt },
      'took over a callback of a stopped controller',
    );
    this.#adoptHandler?.(record);
    if (inQueue) this.dispatch();
  }

  /**
   * Leaves the nodes at shutdown, once its calls have ended. Callbacks still waiting for their turn (they have no
   * channel) are left to the other controllers: the node stays listed without its heartbeat, so the next tick of
   * another controller, or of the next one to start, reaps it and takes them over.
   */
  async leave(): Promise<void> {
    const callbacks = await this.#redis.hlen(nodeCallsKey(this.nodeId));
    if (callbacks === 0) {
      await this.#redis.multi().del(nodeKey(this.nodeId)).srem(NODES, this.nodeId).exec();
      return;
    }
    await this.#redis.del(nodeKey(this.nodeId));
    this.#log.info({ callbacks }, 'left the callbacks still waiting to the other controllers');
  }

  /** The caller left (hung up) while waiting or while an agent's phone rang. */
  async dequeue(callId: string): Promise<void> {
    const entry = this.#untrack(callId);
    this.#offered.delete(callId);
    await this.#redis.hdel(nodeCallsKey(this.nodeId), callId);
    if (entry) await this.#redis.zrem(waitingKey(entry.queue), callId);
  }

  /**
   * Where a call this process owns stands in its queue, across every controller: the calls ahead of it (higher
   * priority or longer waiting), and the wait estimated from the queue's recent handle times shared by the
   * agents at work on it. No estimate without handle times or without an agent at work. Null: not waiting.
   */
  async queueStatus(callId: string): Promise<QueueStatus | null> {
    const entry = this.#entries.get(callId);
    if (!entry) return null;
    const [ahead, times, serving] = await Promise.all([
      this.#redis.zrank(waitingKey(entry.queue), callId),
      this.#redis.lrange(handleTimesKey(entry.queue), 0, -1),
      this.#states.serving(entry.queue),
    ]);
    if (ahead === null) return { ahead: 0, waitS: null }; // an agent's phone rings for it
    const handleS = times.map(Number).filter((t) => Number.isFinite(t) && t >= 0);
    if (handleS.length === 0 || serving === 0) return { ahead, waitS: null };
    const averageS = handleS.reduce((a, b) => a + b, 0) / handleS.length;
    return { ahead, waitS: Math.round(((ahead + 1) * averageS) / serving) };
  }

  /** Wakes the dispatcher (an agent became available, a call arrived). Safe to call at any time. */
  dispatch(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void (async () => {
      try {
        do {
          this.#again = false;
          await this.#dispatchOnce();
        } while (this.#again);
      } catch (err) {
        this.#log.error({ err }, 'dispatch failed; will retry on the next tick');
      } finally {
        this.#running = false;
      }
    })();
  }

  /**
   * Offers the waiting calls this process owns to agents, the most urgent first across the queues (priority,
   * then the longest wait): an agent who takes several queues gets the call that matters most. A queue with
   * nobody free is not asked again in the same round.
   */
  async #dispatchOnce(): Promise<void> {
    const full = new Set<string>();
    for (;;) {
      let entry: QueueEntry | null = null;
      for (const [queue, list] of this.#byQueue) {
        if (full.has(queue)) continue;
        const head = list.find((e) => !this.#offered.has(e.callId));
        if (head && (entry === null || score(head) < score(entry))) entry = head;
      }
      if (entry === null) return;
      const agentId = await this.#states.reserve(entry.queue, entry.callId);
      if (agentId === null) {
        full.add(entry.queue);
        continue;
      }
      this.#offered.add(entry.callId);
      await this.#redis.zrem(waitingKey(entry.queue), entry.callId);
      await this.#offer(entry, agentId);
    }
  }

  #track(entry: QueueEntry): void {
    this.#untrack(entry.callId);
    this.#entries.set(entry.callId, entry);
    const list = this.#byQueue.get(entry.queue) ?? [];
    this.#byQueue.set(entry.queue, list);
    const at = score(entry);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (score(list[mid]!) <= at) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, entry);
  }

  #untrack(callId: string): QueueEntry | undefined {
    const entry = this.#entries.get(callId);
    if (!entry) return undefined;
    this.#entries.delete(callId);
    const list = this.#byQueue.get(entry.queue)!;
    list.splice(list.indexOf(entry), 1);
    if (list.length === 0) this.#byQueue.delete(entry.queue);
    return entry;
  }

  async #offer(entry: QueueEntry, agentId: number): Promise<void> {
    const now = new Date();
    const agent = await this.#popFirst(agentId, {
      ...entry.pop,
      queue: entry.queue,
      waitedMs: now.getTime() - entry.enqueuedAt.getTime(),
      offeredAt: now.toISOString(),
    });
    let outcome: OfferOutcome = 'phone-unreachable';
    if (agent.endpoint && this.#offerHandler) {
      outcome = await this.#offerHandler(entry, {
        agentId,
        name: agent.name,
        endpoint: agent.endpoint,
      }).catch((err: unknown): OfferOutcome => {
        this.#log.error({ err, callId: entry.callId, agentId }, 'offer failed');
        return 'phone-unreachable';
      });
    }
    if (outcome === 'phone-unreachable') await this.legLost(entry.callId, agentId, 'phone-unreachable');
    else if (outcome === 'call-gone') await this.callEnded(entry.callId, agentId, 'caller', 'caller left');
  }

  /**
   * Sends the screen pop to an agent reserved for the call and waits until their page shows it: the page shows
   * the caller before the phone rings; a page that is closed or slow does not hold the call up.
   */
  async #popFirst(agentId: number, pop: ScreenPop): ReturnType<AgentStates['get']> {
    const agent = await this.#states.get(agentId);
    await this.#redis.set(popKey(pop.callId, agentId), JSON.stringify(pop), 'EX', POP_TTL_S);
    const seen = this.#whenSeen(pop.callId, agentId);
    await this.#notifier.screenPop(agentId, pop);
    this.#notifier.agentState(agent);
    if (!(await seen))
      this.#log.warn({ callId: pop.callId, agentId }, 'the agent page did not confirm the pop in time');
    return agent;
  }

  /**
   * A consultation with a named agent (reserved with `reserveAgent`): their page gets the pop (with whom it is
   * from and the note), then the caller rings their phone. Returns the phone to ring, null when they have none.
   */
  async consultOffer(agentId: number, pop: ScreenPop): Promise<{ endpoint: string; name: string } | null> {
    const agent = await this.#popFirst(agentId, pop);
    return agent.endpoint ? { endpoint: agent.endpoint, name: agent.name } : null;
  }

  /**
   * A consulted agent's part is over before they took the call: back to available at once (they talked to the
   * agent, not handled the owner), their page told the call is over for them.
   */
  async consultEnded(callId: string, agentId: number, cause: string): Promise<void> {
    this.#notifier.callEnded({ callId, agentId, at: new Date().toISOString(), hangupBy: 'agent', cause });
    const status = await this.#states.get(agentId);
    if (status.callId !== callId || (status.state !== 'ringing' && status.state !== 'on-call')) return;
    await this.#setState(agentId, { to: 'available', from: ['ringing', 'on-call'], callId });
    await wakeAcds(this.#redis);
  }

  /** Where the agent's consultation stands, for their page (kept in Redis while it lasts). */
  async callConsulting(event: CallConsulting): Promise<void> {
    if (['ringing', 'answered', 'conference'].includes(event.state)) {
      await this.#redis.set(consultKey(event.callId), JSON.stringify(event), 'EX', POP_TTL_S);
    } else {
      await this.#redis.del(consultKey(event.callId));
    }
    this.#notifier.callConsulting(event);
  }

  /** The consultation of a call in progress, or null. */
  static async consultOf(redis: Redis, callId: string): Promise<CallConsulting | null> {
    const raw = await redis.get(consultKey(callId));
    return raw ? (JSON.parse(raw) as CallConsulting) : null;
  }

  #whenSeen(callId: string, agentId: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#unseen.delete(callId);
        resolve(false);
      }, this.#settings.popSeenTimeoutMs);
      this.#unseen.set(callId, {
        agentId,
        seen: () => {
          clearTimeout(timer);
          this.#unseen.delete(callId);
          resolve(true);
        },
      });
    });
  }

  /** An agent page reported that it shows the pop (from POP_SEEN_CHANNEL). */
  popSeen(callId: string, agentId: number): void {
    const waiting = this.#unseen.get(callId);
    if (waiting?.agentId === agentId) waiting.seen();
  }

  /** The agent's phone did not answer in time, or could not be rung: the agent becomes not ready, the call waits on. */
  async legLost(callId: string, agentId: number, reason: 'no-answer' | 'phone-unreachable'): Promise<void> {
    await this.#setState(agentId, { to: 'not-ready', reason, from: ['ringing'], callId });
    this.#notifier.callEnded({
      callId,
      agentId,
      at: new Date().toISOString(),
      hangupBy: 'system',
      cause: reason,
    });
    this.#offered.delete(callId);
    const entry = this.#entries.get(callId);
    if (entry) {
      await this.#redis.zadd(waitingKey(entry.queue), String(score(entry)), callId);
      this.dispatch();
    }
  }

  async legAnswered(callId: string, agentId: number): Promise<void> {
    const entry = this.#untrack(callId);
    this.#offered.delete(callId);
    if (entry) await this.#redis.zrem(waitingKey(entry.queue), callId);
    await this.#setState(agentId, { to: 'on-call', from: ['ringing'], callId });
    this.#notifier.callAnswered({ callId, agentId, at: new Date().toISOString() });
  }

  /** The call is over. An agent who talked goes to wrap-up; one whose phone was still ringing is free again. */
  async callEnded(
    callId: string,
    agentId: number | null,
    hangupBy: 'caller' | 'agent' | 'system',
    cause: string,
  ): Promise<void> {
    await this.dequeue(callId);
    if (agentId !== null) await this.agentReleased(callId, agentId, hangupBy, cause);
  }

  /**
   * The agent's part in the call is over (the call ended, or they transferred it): one who talked goes to
   * wrap-up, one whose phone was still ringing is free again.
   */
  async agentReleased(
    callId: string,
    agentId: number,
    hangupBy: 'caller' | 'agent' | 'system',
    cause: string,
  ): Promise<void> {
    this.#notifier.callEnded({ callId, agentId, at: new Date().toISOString(), hangupBy, cause });
    const status = await this.#states.get(agentId);
    if (status.callId !== callId) return;
    if (status.state === 'ringing') {
      await this.#setState(agentId, { to: 'available', from: ['ringing'], callId });
      await wakeAcds(this.#redis);
    } else if (status.state === 'on-call') {
      const alreadyWrappedUp = (await this.#redis.get(wrappedKey(callId, agentId))) !== null;
      const wrapUpS = await this.#queues.wrapUpS(status.queue, this.#settings.wrapUpS);
      if (status.queue !== null) {
        const talkS = Math.max(0, (Date.now() - Date.parse(status.since)) / 1000);
        await this.#redis
          .multi()
          .lpush(handleTimesKey(status.queue), Math.round(talkS + (alreadyWrappedUp ? 0 : wrapUpS)))
          .ltrim(handleTimesKey(status.queue), 0, HANDLE_TIMES_KEPT - 1)
          .exec();
      }
      if (wrapUpS > 0 && !alreadyWrappedUp) {
        await this.#setState(agentId, { to: 'wrap-up', from: ['on-call'], callId, wrapUpS });
      } else {
        await this.#setState(agentId, { to: 'available', from: ['on-call'], callId });
        await wakeAcds(this.#redis);
      }
    }
  }

  /** Ends wrap-ups whose time is over; run periodically by the controller. */
  async endDueWrapUps(): Promise<void> {
    const due = await this.#states.wrapUpsDue();
    for (const agentId of due) await this.#setState(agentId, { to: 'available', from: ['wrap-up'] });
    if (due.length > 0) await wakeAcds(this.#redis);
  }

  /**
   * A desk phone became unreachable (AMI ContactStatus): its agent is no longer offered calls. When it is
   * reachable again the agent decides when to take calls.
   */
  async phoneStatus(endpoint: string, reachable: boolean): Promise<void> {
    const agentId = await this.#states.agentAt(endpoint);
    this.#log.info({ endpoint, reachable, agentId }, 'desk phone status');
    if (agentId === null || reachable) return;
    await this.#setState(agentId, { to: 'not-ready', reason: 'phone-unreachable', from: ['available'] });
  }

  /** The calls waiting in a queue across every controller, the next to be served first (any process can ask). */
  static async waitingCalls(redis: Redis, queue: string): Promise<string[]> {
    return redis.zrange(waitingKey(queue), '0', '-1');
  }

  /** Each queue's waiting calls and agents, for the team leaders' overview (any process can ask). */
  static async queueOverview(
    redis: Redis,
    queues: readonly { name: string; labelZh: string; labelEn: string }[],
    now = Date.now(),
  ): Promise<Omit<QueueOverview, 'today'>[]> {
    const pipeline = redis.pipeline();
    for (const q of queues) {
      pipeline.zrange(waitingKey(q.name), '0', '-1', 'WITHSCORES');
      pipeline.scard(`${PREFIX}queue:${q.name}:serving`);
      pipeline.zcard(`${PREFIX}queue:${q.name}:idle`);
    }
    const replies = ((await pipeline.exec()) ?? []).map(([, r]) => r);
    return queues.map((q, i) => {
      const waiting = (replies[i * 3] as string[] | null) ?? [];
      // a score is the priority band (1e13 apart) plus the arrival time in ms
      const arrivals = waiting.filter((_, k) => k % 2 === 1).map((score) => Number(score) % 1e13);
      const oldest = arrivals.length > 0 ? Math.min(...arrivals) : null;
      return {
        ...q,
        waiting: arrivals.length,
        longestWaitS: oldest === null ? null : Math.max(0, Math.round((now - oldest) / 1000)),
        agentsServing: Number(replies[i * 3 + 1] ?? 0),
        agentsAvailable: Number(replies[i * 3 + 2] ?? 0),
      };
    });
  }

  /**
   * The pop the agent was offered for their call (ringing, talking or wrapping up), for a page that reloads: each
   * agent their own, so a consulting agent keeps theirs while the consulted agent's says whom it is from.
   */
  static async currentPop(redis: Redis, callId: string, agentId: number): Promise<ScreenPop | null> {
    const raw = await redis.get(popKey(callId, agentId));
    return raw ? (JSON.parse(raw) as ScreenPop) : null;
  }

  async #setState(agentId: number, t: Parameters<AgentStates['transition']>[1]): Promise<void> {
    try {
      await this.#states.transition(agentId, t);
      this.#notifier.agentState(await this.#states.get(agentId));
    } catch (err) {
      this.#log.warn({ err: (err as Error).message, agentId, to: t.to }, 'agent state not changed');
    }
  }
}
