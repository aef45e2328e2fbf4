// The dialer (issue 6): runs the dial jobs of every active trunk (one BullMQ queue per trunk, one job per call
// attempt) and places the calls through the `OutboundCalls` port of the IVR controller it runs beside (ivr role:
// it needs the PBX). The campaigns' scheduler (workers/campaigns.ts) adds the jobs.
//
// One job, in order:
// 1. The attempt is not 'queued': a run that died dialled it. Its call still up (isUp on its channel) -> looked
//    at again later; otherwise it is written `interrupted` and the target's next attempt scheduled. Never dialled
//    again.
// 2. The campaign paused (or not started) -> delayed; cancelled or completed -> dropped `cancelled`.
// 3. Outside the calling window (holidays for fee reminders) -> delayed to the next opening.
// 4. The number on the do-not-call list (fee reminders, ordinary notices; revisits and emergency notices still
//    call, core/campaigns/rules.ts honoursDoNotCall) -> dropped `do-not-call`. A fee reminder's household that
//    paid (arrears below the campaign's minimum now) -> dropped `paid`; a revisit's ticket no longer resolved ->
//    dropped `ticket-closed`.
// 5. The owner on another call (their inbound call up, another campaign's attempt up) -> delayed 30 s; checked
//    with 6 in one transaction under a lock per owner.
// 6. queued -> dialling in one UPDATE (the idempotency guard), then `place`; the job stays active until the
//    owner's channel is gone, which is what makes the queue's global concurrency the trunk's channel cap.
// 7. The result written (attempt and target), the next attempt created and queued, or the target done; a
//    campaign with every target done is completed.
import { DelayedError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  campaignWindow,
  CAMPAIGNS_CHANNEL,
  dialQueueName,
  honoursDoNotCall,
  localTime,
  maskPhone,
  nextAttemptDue,
  nextDialTime,
  systemClock,
  type Clock,
  type DialResult,
  type Logger,
  type OutboundCallEnd,
  type OutboundCalls,
} from '../core/index.ts';
import {
  activeTrunks,
  claimAttempt,
  dialContext,
  dropAttempt,
  finishAttempt,
  onDoNotCallList,
  postponeAttempt,
  recordChannel,
  revisitTicketStatus,
  unitArrearsFen,
  type AttemptWritten,
  type Campaign,
  type DialContext,
  type Pool,
  type Trunk,
} from '../db/index.ts';
import { DialQueues, Feeder, ProgressReporter, type DialJob } from './dial-queues.ts';
import { listen } from './listen.ts';

/** The owner is on another call: look again this much later. */
const OWNER_BUSY_DELAY_MS = 30_000;
/** A paused campaign's job that ran anyway (the pause removes them): looked at again this much later. */
const PAUSED_DELAY_MS = 60_000;
/** A dialled attempt of a run that may be alive (its call up): looked at again this much later. */
const LIVE_RECHECK_MS = 30_000;
/** Trunks are looked for again this often (new trunk rows, cap edits). */
const TRUNKS_EVERY_MS = 60_000;

export interface Dialer {
  /** The trunks this dialer runs a worker for. */
  trunks(): string[];
  /** Looks for new trunks and applies their caps now. */
  refreshTrunks(): Promise<void>;
  /** Attempts this dialer ended since it started, by result (for /metrics). */
  attemptsEnded(): Readonly<Record<string, number>>;
  close(): Promise<void>;
}

export async function startDialer(deps: {
  connection: ConnectionOptions;
  redis: Redis;
  db: Pool;
  log: Logger;
  calls: OutboundCalls;
  clock?: Clock;
}): Promise<Dialer> {
  const { db, calls } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.log.child({ component: 'dialer' });
  const queues = new DialQueues(deps.connection);
  const progress = new ProgressReporter(deps.redis, db, log);
  const feeder = new Feeder(queues, db, log);
  const workers = new Map<string, Worker<DialJob>>();
  /** Attempts this process is dialling now. */
  const live = new Set<number>();
  const ended: Record<string, number> = {};

  const delay = async (job: Job<DialJob>, token: string | undefined, at: Date, attemptId: number) => {
    await postponeAttempt(db, attemptId, at);
    await job.moveToDelayed(at.getTime(), token);
    throw new DelayedError();
  };

  /** After an attempt's end or drop: the next attempt's job (the campaign as read for this dial), progress. */
  const written = async (w: AttemptWritten | null, campaign: Campaign) => {
    if (!w) return;
    if (w.next) await queues.enqueue(campaign, [w.next], clock.now());
    progress.changed(w.campaignId);
    feeder.changed(w.campaignId);
  };

  async function finish(ctx: DialContext, end: OutboundCallEnd): Promise<void> {
    const endedAt = clock.now();
    // the target's dials so far, this one included (a target armed again counts from 0)
    const dials = ctx.attempt.status === 'queued' ? ctx.target.attempts + 1 : ctx.target.attempts;
    const next = nextAttemptDue(
      { maxAttempts: ctx.campaign.maxAttempts, retrySpacingS: ctx.campaign.retrySpacingS },
      dials,
      end.result,
      endedAt,
    );
    // a retry waits for the window too (enqueue); a campaign cancelled meanwhile gets none (finishAttempt)
    await written(await finishAttempt(db, ctx.attempt.id, end, endedAt, next), ctx.campaign);
  }

  const interrupted = (channelId: string | null): OutboundCallEnd => ({
    result: 'interrupted' satisfies DialResult,
    causeCode: null,
    causeText: 'the dialer stopped during the call',
    channelId,
    callId: null,
    outcome: null,
    keys: null,
    score: null,
    commentRecording: null,
  });

  async function process(job: Job<DialJob>, token: string | undefined): Promise<void> {
    const { attemptId } = job.data;
    const ctx = await dialContext(db, attemptId);
    if (!ctx) return;
    const { attempt, target, campaign, trunk } = ctx;
    const now = clock.now();
    const callLog = log.child({
      attemptId,
      campaignId: campaign.id,
      targetId: target.id,
      phone: maskPhone(target.phone),
    });

    // 1. dialled by a run that died (or still on the line elsewhere)
    if (attempt.status !== 'queued') {
      if (attempt.status === 'ended' || attempt.status === 'dropped' || live.has(attemptId)) return;
      const up = attempt.channelId
        ? await calls.isUp(attempt.channelId).catch(() => true)
        : // no channel yet: the originate may still be under way in a run that is alive
          attempt.dialledAt !== null &&
          now.getTime() - attempt.dialledAt.getTime() < (campaign.ringTimeoutS + 60) * 1000;
      if (up) {
        await job.moveToDelayed(now.getTime() + LIVE_RECHECK_MS, token);
        throw new DelayedError();
      }
      callLog.warn({ channelId: attempt.channelId }, 'attempt of a dialer that stopped: interrupted');
      await finish(ctx, interrupted(attempt.channelId));
      return;
    }

    // 2. the campaign's status
    if (campaign.status === 'cancelled' || campaign.status === 'completed') {
      await written(await dropAttempt(db, attemptId, 'cancelled'), campaign);
      return;
    }
    if (campaign.status !== 'running') {
      await job.moveToDelayed(now.getTime() + PAUSED_DELAY_MS, token);
      throw new DelayedError();
    }

    // 3. the calling window
    const opens = nextDialTime(campaignWindow(campaign), now);
    if (opens > now) await delay(job, token, opens, attemptId);

    // 4. nobody to call any more
    const emergency = campaign.notice?.emergency === true;
    if (honoursDoNotCall(campaign.kind, emergency) && (await onDoNotCallList(db, target.phone))) {
      callLog.info('number on the do-not-call list: dropped');
      await written(await dropAttempt(db, attemptId, 'do-not-call'), campaign);
      return;
    }
    if (campaign.kind === 'fee-reminder' && target.unitId !== null) {
      const today = localTime(now, campaign.timeZone).date;
      const owed = await unitArrearsFen(db, target.unitId, campaign.overdueDays, today);
      if (owed < Math.max(campaign.minArrearsFen ?? 1, 1)) {
        callLog.info({ owed }, 'household paid: dropped');
        await written(await dropAttempt(db, attemptId, 'paid'), campaign);
        return;
      }
    }
    if (campaign.kind === 'revisit' && target.ticketId !== null) {
      if ((await revisitTicketStatus(db, target.ticketId)) !== 'resolved') {
        callLog.info({ ticketId: target.ticketId }, 'ticket no longer resolved: dropped');
        await written(await dropAttempt(db, attemptId, 'ticket-closed'), campaign);
        return;
      }
    }

    // 5 and 6. the guard, never two calls to one owner at once, then the call
    const claim = await claimAttempt(db, { id: attemptId, ownerId: target.ownerId }, clock.now());
    if (claim === 'owner-busy')
      await delay(job, token, new Date(now.getTime() + OWNER_BUSY_DELAY_MS), attemptId);
    if (claim !== 'claimed') return;
    live.add(attemptId);
    progress.changed(campaign.id);
    let end: OutboundCallEnd;
    try {
      end = await calls.place(
        {
          attemptId: String(attemptId),
          attemptNo: attempt.attemptNo,
          targetId: String(target.id),
          campaignId: String(campaign.id),
          kind: campaign.kind,
          ownerId: String(target.ownerId),
          unitId: target.unitId,
          ticketId: target.ticketId === null ? null : String(target.ticketId),
          phone: target.phone,
          dial: trunk.dial,
          callerId: trunk.callerId,
          ringTimeoutS: campaign.ringTimeoutS,
        },
        {
          onDialled: (channelId) =>
            void recordChannel(db, attemptId, channelId).catch((err: unknown) =>
              callLog.warn({ err, channelId }, 'could not record the channel of an attempt'),
            ),
        },
      );
    } catch (err) {
      callLog.warn({ err }, 'the call could not be placed');
      end = { ...interrupted(null), result: 'failed', causeText: (err as Error).message.slice(0, 200) };
    }
    // 7. what happened
    try {
      callLog.info({ result: end.result, cause: end.causeCode, outcome: end.outcome }, 'attempt ended');
      ended[end.result] = (ended[end.result] ?? 0) + 1;
      await finish(ctx, end);
    } finally {
      live.delete(attemptId);
    }
  }

  function startWorker(trunk: Trunk): void {
    if (workers.has(trunk.code)) return;
    const worker = new Worker<DialJob>(dialQueueName(trunk.code), (job, token) => process(job, token), {
      connection: deps.connection,
      // the global concurrency (the trunk's cap) is the limit; this process may run up to all of it
      concurrency: trunk.maxChannels,
      // a call holds its job for minutes: the lock is renewed every 7.5 s meanwhile. A process that died loses
      // it within 15 s and the next stall check (every 15 s) hands the job on: its cut call is written
      // `interrupted` within about 30 s (step 1), and the call counts toward the cap until then.
      lockDuration: 15_000,
      stalledInterval: 15_000,
      maxStalledCount: 5,
    });
    worker.on('error', (err) => log.warn({ err: err.message, trunk: trunk.code }, 'dial worker problem'));
    worker.on('failed', (job, err) =>
      log.warn({ err: err.message, attemptId: job?.data.attemptId }, 'dial job failed'),
    );
    workers.set(trunk.code, worker);
    log.info({ trunk: trunk.code, maxChannels: trunk.maxChannels }, 'dialling for trunk');
  }

  async function refreshTrunks(): Promise<void> {
    for (const trunk of await activeTrunks(db)) {
      await queues.pace(trunk);
      startWorker(trunk);
    }
  }

  await refreshTrunks();
  const timer = setInterval(
    () => void refreshTrunks().catch((err: unknown) => log.warn({ err }, 'could not look for trunks')),
    TRUNKS_EVERY_MS,
  );
  timer.unref();
  // a campaign that starts may be on a trunk new to this dialer
  const listener = listen(db, log, CAMPAIGNS_CHANNEL, {
    notified: () =>
      void refreshTrunks().catch((err: unknown) => log.warn({ err }, 'could not look for trunks')),
    reconnected: () => undefined,
  });
  await listener.ready;

  return {
    trunks: () => [...workers.keys()],
    refreshTrunks,
    attemptsEnded: () => ({ ...ended }),
    async close() {
      clearInterval(timer);
      listener.stop();
      await Promise.all([...workers.values()].map((w) => w.close()));
      workers.clear();
      progress.close();
      feeder.close();
      await queues.close();
    },
  };
}
