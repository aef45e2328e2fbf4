// The ticket clocks (issue 5, DOMAIN.md "Time limits"): each open ticket's next due time is a BullMQ delayed job;
// when it fires, the ticket's clocks are reviewed, and a clock that ran out marks the ticket overdue, writes an
// 'overdue' step on its timeline (once per clock and round) and tells the supervisors and the ticket's department
// over socket.io (`ticket:overdue`, through the Redis emitter).
//
// How changes reach the clocks (migration 013): every change that moves a due time (a step on the timeline, the
// ticket's type or urgency, new limits for its organisation or estate, an edit of the work calendar) marks the
// ticket `clocks_stale` in the database, in the change's own transaction, and NOTIFYs `hotline_ticket_clocks`.
// The worker LISTENs and reviews the ticket at once. Nothing is lost while no worker listens: a reconciliation
// reviews every stale ticket and schedules the job of every ticket's recorded next due time (`next_due_at`)
// again. It runs when a worker starts, when its database or Redis connection comes back (a Redis restarted empty
// has lost the delayed jobs), when limits or the calendar change, and every 10 minutes. Jobs are idempotent: a
// due job's id is the ticket and the instant, and a review of an unchanged ticket changes nothing; reviews of one
// ticket are put in order by its row lock.
//
// Pausing (waiting for the owner) needs nothing here: a paused clock has no due time (core/tickets/clocks.ts), so
// no job is scheduled for it, and `resume` is a step like any other, which reschedules.
import { Emitter } from '@socket.io/redis-emitter';
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  CLOCK_LABELS,
  clockDueJobId,
  overdueMessage,
  rooms,
  setWorkCalendar,
  TICKET_CLOCKS_CHANNEL,
  TICKET_CLOCKS_QUEUE,
  type Logger,
  type ServerToClientEvents,
  type TicketClockJobName,
  type TicketClockJobs,
  type TicketOverdue,
} from '../core/index.ts';
import {
  loadWorkCalendar,
  reviewTicketClocks,
  staleClockTickets,
  ticketDueTimes,
  ticketLeaderRooms,
  type MarkedOverdue,
  type Pool,
  type TicketClockReview,
} from '../db/index.ts';
import { listen } from './listen.ts';

const RECONCILE_EVERY_MS = 10 * 60_000;
const BATCH = 500;
/** The reconciliation after an edit of the work calendar. */
const CALENDAR_CHANGED = 'calendar changed';

type ClockJob = Job<TicketClockJobs[TicketClockJobName], unknown, TicketClockJobName>;

export interface TicketClocksWorker {
  queue: Queue;
  /** Reviews one ticket now (the tests; the jobs do the same). */
  review(ticketId: number, now?: Date): Promise<TicketClockReview | null>;
  close(): Promise<void>;
}

/** The `ticket:overdue` notice of a clock the review marked. */
export function overdueNotice(marked: MarkedOverdue, at: Date): TicketOverdue {
  const { clock } = marked;
  return {
    ticketId: marked.ticketId,
    ticketNumber: marked.ticketNumber,
    clock: clock.clock,
    round: clock.round,
    label: CLOCK_LABELS[clock.clock],
    dueAt: clock.dueAt!,
    department: marked.department,
    message: overdueMessage(marked.ticketNumber, clock, marked.department),
    at: at.toISOString(),
  };
}

export async function startTicketClocks(deps: {
  /** BullMQ's connection. */
  connection: ConnectionOptions;
  /** For the socket.io emitter; its coming back after an outage starts a reconciliation. */
  redis: Redis;
  db: Pool;
  log: Logger;
}): Promise<TicketClocksWorker> {
  const { db } = deps;
  const log = deps.log.child({ component: 'ticket-clocks' });
  const emitter = new Emitter<ServerToClientEvents>(deps.redis);
  const queue = new Queue<TicketClockJobs[TicketClockJobName], unknown, TicketClockJobName>(
    TICKET_CLOCKS_QUEUE,
    {
      connection: deps.connection,
      defaultJobOptions: {
        removeOnComplete: true,
        // a failed job is dropped, so that the reconciliation can schedule its id again
        removeOnFail: true,
        attempts: 8,
        backoff: { type: 'exponential', delay: 1000 },
      },
    },
  );
  // Redis away: logged here, not printed by BullMQ (a queue without an error listener prints every failed reconnection)
  queue.on('error', (err) => log.warn({ err: err.message }, 'ticket clock queue problem'));
  const add = <N extends TicketClockJobName>(
    name: N,
    data: TicketClockJobs[N],
    opts?: { jobId?: string; delay?: number },
  ) => queue.add(name, data, opts);
  const enqueue = <N extends TicketClockJobName>(name: N, data: TicketClockJobs[N]) =>
    void add(name, data).catch((err: unknown) =>
      log.warn({ err, job: name, data }, 'could not add a clock job'),
    );
  const scheduleReconcile = () =>
    queue.upsertJobScheduler(
      'reconcile',
      { every: RECONCILE_EVERY_MS },
      { name: 'reconcile', data: { why: 'periodic' } },
    );

  async function schedule(ticketId: number, dueAt: string): Promise<void> {
    await add(
      'clock-due',
      { ticketId, dueAt },
      // due means "by then": overdue from the next millisecond on
      { jobId: clockDueJobId(ticketId, dueAt), delay: Math.max(0, Date.parse(dueAt) + 1 - Date.now()) },
    );
  }

  async function review(ticketId: number, now = new Date()): Promise<TicketClockReview | null> {
    const result = await reviewTicketClocks(db, ticketId, now);
    if (!result) return null;
    if (result.limitProblems.length > 0) {
      log.warn(
        { ticketId, problems: result.limitProblems },
        'time limits left out: they do not pass the check',
      );
    }
    for (const marked of result.marked) {
      const notice = overdueNotice(marked, now);
      let to = emitter.to(await ticketLeaderRooms(db, ticketId));
      if (marked.department) to = to.to(rooms.department(marked.department));
      to.emit('ticket:overdue', notice);
      log.info(
        {
          ticketId,
          clock: notice.clock,
          round: notice.round,
          dueAt: notice.dueAt,
          department: notice.department,
        },
        'ticket overdue',
      );
    }
    if (result.nextDueAt) await schedule(ticketId, result.nextDueAt);
    return result;
  }

  async function reconcile(why: string): Promise<void> {
    // the due times of the stale tickets move with the calendar: review them on the calendar as edited, even if
    // this process has not reloaded it yet (main.ts does on the same edit)
    if (why === CALENDAR_CHANGED) setWorkCalendar(await loadWorkCalendar(db));
    let stale = 0;
    for (let after = 0; ;) {
      const ids = await staleClockTickets(db, after, BATCH);
      if (ids.length === 0) break;
      // one waiting review per stale ticket is enough: it reads the ticket as it is when it runs
      await queue.addBulk(
        ids.map((ticketId) => ({
          name: 'ticket-changed',
          data: { ticketId },
          opts: { jobId: `stale-${ticketId}` },
        })),
      );
      stale += ids.length;
      after = ids.at(-1)!;
    }
    let due = 0;
    for (let after = 0; ;) {
      const rows = await ticketDueTimes(db, after, BATCH);
      if (rows.length === 0) break;
      const now = Date.now();
      // a job that is still there keeps its id: adding it again does nothing
      await queue.addBulk(
        rows.map(({ ticketId, dueAt }) => ({
          name: 'clock-due' as const,
          data: { ticketId, dueAt },
          opts: { jobId: clockDueJobId(ticketId, dueAt), delay: Math.max(0, Date.parse(dueAt) + 1 - now) },
        })),
      );
      due += rows.length;
      after = rows.at(-1)!.ticketId;
    }
    log.debug({ why, stale, due }, 'ticket clocks reconciled');
  }

  const worker = new Worker<TicketClockJobs[TicketClockJobName], unknown, TicketClockJobName>(
    TICKET_CLOCKS_QUEUE,
    async (job: ClockJob) => {
      switch (job.name) {
        case 'ticket-changed':
          await review((job.data as TicketClockJobs['ticket-changed']).ticketId);
          return;
        case 'clock-due': {
          const { ticketId, dueAt } = job.data as TicketClockJobs['clock-due'];
          // judged just after the due time even if the job runs a hair early
          await review(ticketId, new Date(Math.max(Date.now(), Date.parse(dueAt) + 1)));
          return;
        }
        case 'reconcile':
          await reconcile((job.data as TicketClockJobs['reconcile']).why);
          return;
      }
    },
    { connection: deps.connection, concurrency: 4 },
  );
  worker.on('failed', (job, err) =>
    log.warn({ err: err.message, job: job?.name, data: job?.data }, 'ticket clock job failed'),
  );
  worker.on('error', (err) => log.warn({ err: err.message }, 'ticket clock worker problem'));

  // Redis back after an outage: it may have come back empty (no delayed jobs, no scheduler)
  let redisSeenReady = deps.redis.status === 'ready';
  const onRedisReady = () => {
    if (!redisSeenReady) {
      redisSeenReady = true;
      return;
    }
    void scheduleReconcile().catch((err: unknown) =>
      log.warn({ err }, 'could not schedule the reconciliation'),
    );
    enqueue('reconcile', { why: 'redis back' });
  };
  deps.redis.on('ready', onRedisReady);

  const listener = listen(db, log, TICKET_CLOCKS_CHANNEL, {
    notified: (payload) => {
      if (payload === '*') return enqueue('reconcile', { why: 'limits changed' });
      if (payload === 'calendar') return enqueue('reconcile', { why: CALENDAR_CHANGED });
      const ticketId = Number(payload);
      if (Number.isSafeInteger(ticketId) && ticketId > 0) enqueue('ticket-changed', { ticketId });
    },
    reconnected: () => enqueue('reconcile', { why: 'database connection back' }),
  });
  await listener.ready;
  await scheduleReconcile();
  // what changed while no worker listened
  await add('reconcile', { why: 'start' });

  return {
    queue,
    review,
    async close() {
      deps.redis.off('ready', onRedisReady);
      listener.stop();
      await worker.close();
      await queue.close();
    },
  };
}
