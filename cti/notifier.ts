// Sends socket.io events into rooms from any process, through Redis (the socket.io Redis emitter); the HTTP
// server's Redis adapter delivers them to the connected agent pages.
import { Emitter } from '@socket.io/redis-emitter';
import type { Redis } from 'ioredis';
import type {
  AgentStatus,
  CallAnswered,
  CallConsulting,
  CallbackNotReached,
  CallEnded,
  CallHeld,
  CallMonitored,
  CallResumed,
  ScreenPop,
  ServerToClientEvents,
  TicketEscalated,
  TicketReopened,
} from '../core/index.ts';
import { rooms } from '../core/index.ts';

/** Redis hash: call id → the `CallMonitored` of the team leader listening in on it now. */
export const MONITORS_KEY = 'hotline:monitors';

export class Notifier {
  readonly #emitter: Emitter<ServerToClientEvents>;
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
    this.#emitter = new Emitter<ServerToClientEvents>(redis);
  }

  /**
   * Sends the screen pop to the agent and resolves once Redis has passed it on to the API servers, so that the
   * caller can ring the agent's phone only after the pop is on its way.
   */
  async screenPop(agentId: number, pop: ScreenPop): Promise<void> {
    this.#emitter
      .to(rooms.agent(agentId))
      .to(rooms.supervisors)
      .emit('call:offered', { ...pop, agentId });
    // Commands on one connection run in order: when PING answers, the PUBLISH before it was delivered.
    await this.#redis.ping();
  }

  agentState(status: AgentStatus): void {
    this.#emitter.to(rooms.agent(status.agentId)).to(rooms.supervisors).emit('agent:state', status);
  }

  callAnswered(event: CallAnswered): void {
    this.#emitter.to(rooms.agent(event.agentId)).to(rooms.supervisors).emit('call:answered', event);
  }

  callHeld(event: CallHeld): void {
    this.#emitter.to(rooms.agent(event.agentId)).to(rooms.supervisors).emit('call:held', event);
  }

  callResumed(event: CallResumed): void {
    this.#emitter.to(rooms.agent(event.agentId)).to(rooms.supervisors).emit('call:resumed', event);
  }

  /**
   * A team leader's listen, whisper or barge, to the supervisors only; the sessions going on are kept in Redis
   * (MONITORS_KEY) for the overview a page reads after a reconnect.
   */
  callMonitored(event: CallMonitored): void {
    // saved first: commands on one connection run in order, so a page that reads the overview when the event
    // reaches it finds the session as the event says
    const saved =
      event.state === 'ended'
        ? this.#redis.hdel(MONITORS_KEY, event.callId)
        : this.#redis.hset(MONITORS_KEY, event.callId, JSON.stringify(event));
    void saved.catch(() => undefined);
    this.#emitter.to(rooms.supervisors).emit('call:monitored', event);
  }

  /** The consulting agent's page: `call:conference` when the three are together, else `call:consulting`. */
  callConsulting(event: CallConsulting): void {
    this.#emitter
      .to(rooms.agent(event.agentId))
      .to(rooms.supervisors)
      .emit(event.state === 'conference' ? 'call:conference' : 'call:consulting', event);
  }

  callbackNotReached(event: CallbackNotReached): void {
    this.#emitter.to(rooms.agent(event.agentId)).to(rooms.supervisors).emit('callback:not-reached', event);
  }

  /** The escalation warning (投诉升级预警), to the team leaders who may see the ticket (db ticketLeaderRooms). */
  ticketEscalated(event: TicketEscalated, leaderRooms: readonly string[]): void {
    this.#emitter.to([...leaderRooms]).emit('ticket:escalated', event);
  }

  /** An unsatisfied revisit reopened a ticket: its team leaders (db ticketLeaderRooms) and its department. */
  ticketReopened(event: TicketReopened, leaderRooms: readonly string[]): void {
    let to = this.#emitter.to([...leaderRooms]);
    if (event.department) to = to.to(rooms.department(event.department));
    to.emit('ticket:reopened', event);
  }

  callEnded(event: CallEnded): void {
    this.#emitter.to(rooms.agent(event.agentId)).to(rooms.supervisors).emit('call:ended', event);
  }
}
