// The campaigns' scheduler (issue 6, workers role): reacts to campaign status changes and keeps the dial queues
// in step with the database. The API only writes campaign rows; migration 017's trigger NOTIFYs
// `hotline_campaigns` (the campaign's id) on each status change, and 'revisits' when a ticket that needs a revisit
// becomes resolved.
//
//   scheduled  -> running when starts_at comes (a delayed job wakes the scheduler then)
//   running    -> the targets are picked (once), the due attempts created and their jobs queued (dialer.ts runs
//                 them); after a pause, the queued attempts' jobs are queued again
//   paused     -> the jobs of queued attempts are removed (calls up finish); nothing new is dialled
//   cancelled  -> the queued attempts are dropped `cancelled` and their jobs removed
//
// Nothing depends on a notice being heard: the reconciliation (at start, when the database or Redis comes back,
// every 5 minutes) starts the due campaigns, queues every queued attempt's job again (a job id is the attempt's,
// so a job still there is not doubled) and a job for every attempt left dialling (the dialer finds out whether its
// call is still up), and takes the revisits that are due.
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  CAMPAIGNS_CHANNEL,
  CAMPAIGNS_QUEUE,
  DEFAULT_TRUNK,
  localTime,
  systemClock,
  type Clock,
  type Logger,
} from '../core/index.ts';
import {
  activeTrunks,
  campaignById,
  campaignsToReconcile,
  cancelCampaignAttempts,
  createDueAttempts,
  liveAttempts,
  nextScheduledStart,
  queuedAttempts,
  startCampaign,
  startDueCampaigns,
  takeDueRevisits,
  getTrunk,
  type Pool,
} from '../db/index.ts';
import { DialQueues, ProgressReporter } from './dial-queues.ts';
import { listen } from './listen.ts';

const RECONCILE_EVERY_MS = 5 * 60_000;
const PAGE = 5000;

type SchedulerJob =
  | { name: 'campaign'; data: { campaignId: number } }
  | { name: 'revisits'; data: Record<string, never> }
  | { name: 'reconcile'; data: { why: string } };

export interface CampaignScheduler {
  queue: Queue;
  /** Handles one campaign's status now (the jobs do the same). */
  campaignChanged(campaignId: number): Promise<void>;
  reconcile(why: string): Promise<void>;
  close(): Promise<void>;
}

export async function startCampaignScheduler(deps: {
  connection: ConnectionOptions;
  redis: Redis;
  db: Pool;
  log: Logger;
  clock?: Clock;
  /** The trunk whose standing revisit campaign takes the automatic revisits (HOTLINE_REVISIT_TRUNK). */
  revisitTrunk?: string;
}): Promise<CampaignScheduler> {
  const { db } = deps;
  const revisitTrunk = deps.revisitTrunk ?? DEFAULT_TRUNK;
  const clock = deps.clock ?? systemClock;
  const log = deps.log.child({ component: 'campaigns' });
  const dialQueues = new DialQueues(deps.connection);
  const progress = new ProgressReporter(deps.redis, db, log);
  const queue = new Queue(CAMPAIGNS_QUEUE, {
    connection: deps.connection,
    defaultJobOptions: {
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
    },
  });
  // Redis away: logged here, not printed by BullMQ (a queue without an error listener prints every failed reconnection)
  queue.on('error', (err) => log.warn({ err: err.message }, 'campaign queue problem'));
  const enqueue = (job: SchedulerJob, opts?: { jobId?: string; delay?: number }) =>
    void queue
      .add(job.name, job.data, opts)
      .catch((err: unknown) => log.warn({ err, job }, 'could not add a job'));

  /** The jobs of attempts left dialling by a run that may have died (the dialer finds out). */
  async function requeueLive(campaignId: number): Promise<void> {
    const campaign = await campaignById(db, campaignId);
    if (campaign) await dialQueues.enqueue(campaign, await liveAttempts(db, campaignId), clock.now());
  }

  /** Every queued attempt's id, a page at a time. */
  async function queuedIds(campaignId: number): Promise<number[]> {
    const ids: number[] = [];
    for (let after = 0; ;) {
      const page = await queuedAttempts(db, campaignId, after, PAGE);
      if (page.length === 0) return ids;
      ids.push(...page.map((a) => a.id));
      after = page.at(-1)!.id;
    }
  }

  async function campaignChanged(campaignId: number): Promise<void> {
    const campaign = await campaignById(db, campaignId);
    if (!campaign) return;
    const now = clock.now();
    switch (campaign.status) {
      case 'scheduled': {
        if (campaign.startsAt && Date.parse(campaign.startsAt) <= now.getTime()) {
          await startDueCampaigns(db, now); // the trigger announces 'running'
        } else if (campaign.startsAt) {
          const at = Date.parse(campaign.startsAt);
          enqueue(
            { name: 'campaign', data: { campaignId } },
            { jobId: `start-${campaignId}-${at}`, delay: Math.max(0, at - now.getTime()) },
          );
        }
        return;
      }
      case 'running': {
        const trunk = await getTrunk(db, campaign.trunkCode);
        if (trunk) await dialQueues.pace(trunk);
        const started = await startCampaign(db, campaignId, localTime(now, campaign.timeZone).date);
        if (!started) return;
        if (started.selected > 0)
          log.info({ campaignId, targets: started.selected }, 'campaign targets picked');
        // the first jobs (after a pause, or a Redis that lost them: again); the dialer tops them up
        await dialQueues.feed(db, campaignId, now);
        progress.changed(campaignId);
        return;
      }
      case 'paused': {
        await dialQueues.remove(campaign.trunkCode, await queuedIds(campaignId));
        progress.changed(campaignId);
        return;
      }
      case 'cancelled': {
        const dropped = await cancelCampaignAttempts(db, campaignId);
        await dialQueues.remove(campaign.trunkCode, dropped);
        log.info({ campaignId, dropped: dropped.length }, 'campaign cancelled');
        progress.changed(campaignId);
        return;
      }
      default:
        progress.changed(campaignId);
    }
  }

  async function takeRevisits(): Promise<void> {
    if (!(await getTrunk(db, revisitTrunk))) {
      log.warn({ trunk: revisitTrunk }, 'no trunk for the automatic revisits: they wait');
      return;
    }
    for (;;) {
      const taken = await takeDueRevisits(db, revisitTrunk);
      if (!taken) return;
      const campaign = await campaignById(db, taken.campaignId);
      if (!campaign) return;
      if (campaign.status === 'running') {
        await createDueAttempts(db, campaign.id);
        await dialQueues.feed(db, campaign.id, clock.now());
      }
      log.info({ campaignId: campaign.id, added: taken.added }, 'automatic revisits queued');
      progress.changed(campaign.id);
    }
  }

  async function reconcile(why: string): Promise<void> {
    const now = clock.now();
    for (const trunk of await activeTrunks(db)) await dialQueues.pace(trunk);
    await startDueCampaigns(db, now);
    for (const c of await campaignsToReconcile(db, now)) {
      if (c.status !== 'running') continue;
      await campaignChanged(c.id);
      await requeueLive(c.id);
    }
    await takeRevisits();
    const next = await nextScheduledStart(db, now);
    if (next)
      enqueue(
        { name: 'reconcile', data: { why: 'scheduled start' } },
        { jobId: `next-start-${next.getTime()}`, delay: next.getTime() - now.getTime() },
      );
    log.debug({ why }, 'campaigns reconciled');
  }

  const worker = new Worker(
    CAMPAIGNS_QUEUE,
    async (job) => {
      const j = { name: job.name, data: job.data as unknown } as SchedulerJob;
      switch (j.name) {
        case 'campaign':
          return campaignChanged(j.data.campaignId);
        case 'revisits':
          return takeRevisits();
        case 'reconcile':
          return reconcile(j.data.why);
      }
    },
    // one at a time: a campaign's changes are handled in the order they came
    { connection: deps.connection, concurrency: 1 },
  );
  worker.on('failed', (job, err) =>
    log.warn({ err: err.message, job: job?.name, data: job?.data }, 'campaign job failed'),
  );
  worker.on('error', (err) => log.warn({ err: err.message }, 'campaign worker problem'));

  let redisSeenReady = deps.redis.status === 'ready';
  const onRedisReady = () => {
    if (!redisSeenReady) {
      redisSeenReady = true;
      return;
    }
    enqueue({ name: 'reconcile', data: { why: 'redis back' } });
  };
  deps.redis.on('ready', onRedisReady);

  const listener = listen(db, log, CAMPAIGNS_CHANNEL, {
    notified: (payload) => {
      if (payload === 'revisits') return enqueue({ name: 'revisits', data: {} });
      const campaignId = Number(payload);
      if (Number.isSafeInteger(campaignId) && campaignId > 0)
        enqueue({ name: 'campaign', data: { campaignId } });
    },
    reconnected: () => enqueue({ name: 'reconcile', data: { why: 'database connection back' } }),
  });
  await listener.ready;
  await queue.upsertJobScheduler(
    'reconcile',
    { every: RECONCILE_EVERY_MS },
    { name: 'reconcile', data: { why: 'periodic' } },
  );
  await queue.add('reconcile', { why: 'start' });

  return {
    queue,
    campaignChanged,
    reconcile,
    async close() {
      deps.redis.off('ready', onRedisReady);
      listener.stop();
      await worker.close();
      await queue.close();
      progress.close();
      await dialQueues.close();
    },
  };
}
