// The team leaders' wallboard, pushed (issue 7: "updates within 1 s of the event"). Each API gateway looks at the
// overview (GET /api/supervisor/overview's answer: queues, agents, monitors, today's figures) every
// WALLBOARD_SAMPLE_MS while one of its own sockets is a team leader's, and sends it to them when it changed.
// Sampling on the gateway rather than emitting on every event keeps the cost flat under load: at 50 calls/s the
// board is read four times a second per gateway (today's figures from PostgreSQL at most twice), not hundreds of
// times, and a change reaches a leader within one sample, the figures' age and the read (bench:wallboard). Each
// gateway sends only to its own sockets (`local`): the Redis adapter would otherwise deliver every gateway's copy
// to every leader.
import { setTimeout as delay } from 'node:timers/promises';
import type { Server as SocketServer } from 'socket.io';
import { overdueTicketCount, queuesToday, type Pool, type QueueCallSums } from '../db/index.ts';
import {
  kpiValue,
  rooms,
  type QueueToday,
  type ClientToServerEvents,
  type Logger,
  type ServerToClientEvents,
  type SupervisorOverview,
} from '../core/index.ts';

export const WALLBOARD_SAMPLE_MS = 250;
/** Today's figures per queue are read from PostgreSQL at most this often by a gateway. */
export const TODAY_EVERY_MS = 500;
/** The live board does not wait longer than this for today's figures (the last ones read stand in). */
export const TODAY_WAIT_MS = 300;

/** A queue's figures today from its sums (db/reports.ts queuesToday), as core/reports/kpis.ts defines them. */
export function queueToday(sums: Omit<QueueCallSums, 'queue' | 'queued'> | undefined): QueueToday {
  const s = sums ?? {
    offered: 0,
    answered: 0,
    answeredInSl: 0,
    answerWaitS: 0,
    abandoned: 0,
    shortAbandoned: 0,
  };
  return {
    offered: s.offered,
    answered: s.answered,
    answeredInSl: s.answeredInSl,
    serviceLevel: kpiValue('ratio', s.answeredInSl, s.offered),
    asaS: kpiValue('seconds', s.answerWaitS, s.answered),
    abandoned: s.abandoned,
    abandonment: kpiValue('ratio', s.abandoned, s.offered),
    shortAbandoned: s.shortAbandoned,
  };
}

/** Today's figures per queue (by queue name) and the open overdue tickets. */
export interface TodayFigures {
  queues: Map<string, QueueCallSums>;
  overdueTickets: number;
}

/**
 * Today's figures for the board, read from PostgreSQL at most every TODAY_EVERY_MS. The live board (Redis) never
 * waits on them: a read slower than TODAY_WAIT_MS, or one that failed (PostgreSQL restarting), gives the last
 * figures read, and the next board asks again.
 */
export class TodayFiguresCache {
  private last: TodayFigures = { queues: new Map(), overdueTickets: 0 };
  private read: { at: number; figures: Promise<TodayFigures> } | null = null;

  private readonly db: Pool;
  private readonly log: Logger;

  constructor(db: Pool, log: Logger) {
    this.db = db;
    this.log = log;
  }

  get(): Promise<TodayFigures> {
    if (!this.read || Date.now() - this.read.at >= TODAY_EVERY_MS) {
      const figures: Promise<TodayFigures> = Promise.all([
        queuesToday(this.db, new Date()),
        overdueTicketCount(this.db),
      ]).then(
        ([queues, overdueTickets]) =>
          (this.last = { queues: new Map(queues.map((q) => [q.queue, q])), overdueTickets }),
        (err: unknown) => {
          this.log.debug({ err: (err as Error).message }, "could not read today's figures for the board");
          if (this.read?.figures === figures) this.read = null;
          return this.last;
        },
      );
      this.read = { at: Date.now(), figures };
    }
    return Promise.race([
      this.read.figures,
      delay(TODAY_WAIT_MS, undefined, { ref: false }).then(() => this.last),
    ]);
  }
}

export class WallboardPush {
  readonly #io: SocketServer<ClientToServerEvents, ServerToClientEvents>;
  readonly #read: () => Promise<SupervisorOverview>;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;
  /** What the leaders were sent last, without its time (`at` changes on every read). */
  #last = '';
  #reading = false;

  constructor(deps: {
    io: SocketServer<ClientToServerEvents, ServerToClientEvents>;
    read: () => Promise<SupervisorOverview>;
    log: Logger;
    everyMs?: number;
  }) {
    this.#io = deps.io;
    this.#read = deps.read;
    this.#log = deps.log.child({ component: 'wallboard' });
    this.#timer = setInterval(() => void this.#sample(), deps.everyMs ?? WALLBOARD_SAMPLE_MS);
    this.#timer.unref();
  }

  /** A team leader's socket joined: the next sample is sent to them even if nothing changed. */
  leaderJoined(): void {
    this.#last = '';
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #sample(): Promise<void> {
    const leaders = this.#io.of('/').adapter.rooms.get(rooms.supervisors)?.size ?? 0;
    if (leaders === 0 || this.#reading) {
      if (leaders === 0) this.#last = '';
      return;
    }
    this.#reading = true;
    try {
      const overview = await this.#read();
      const seen = JSON.stringify({ ...overview, at: null });
      if (seen === this.#last) return;
      this.#last = seen;
      this.#io.local.to(rooms.supervisors).emit('supervisor:overview', overview);
    } catch (err) {
      // Redis or PostgreSQL away: the page keeps its last board and its own slow reads say what is wrong
      this.#log.debug({ err: (err as Error).message }, 'could not read the wallboard');
    } finally {
      this.#reading = false;
    }
  }
}
