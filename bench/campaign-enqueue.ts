// Enqueueing a fee-reminder campaign (issue 6: 100,000 targets in at most 10 s): an estate of N households, each
// owing a fee, is seeded in a few INSERT ... SELECT statements; then the campaign goes running and the scheduler
// (workers/campaigns.ts, woken by migration 017's NOTIFY) picks the targets, creates every target's first attempt
// and feeds the first dial jobs (FEED_AHEAD; the dialer tops them up as attempts end). Timed from the status
// change to those jobs in Redis. Nobody dials: the trunk is the benchmark's own and no
// dialer runs it. Everything it made is removed at the end.
//
//   npm run bench:enqueue -- [--targets 100000]
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createLogger, dialQueueName } from '../core/index.ts';
import { addTrunk } from '../db/index.ts';
import { closeDb, db } from '../tests/support/fixtures.ts';
import { eventually, stackConfig } from '../tests/support/env.ts';
import { FEED_AHEAD, startCampaignScheduler } from '../workers/index.ts';
import { Queue } from 'bullmq';
import { seedHouseholds, removeHouseholds } from './households.ts';
import { appendResult } from './results.ts';

const { values } = parseArgs({ options: { targets: { type: 'string', default: '100000' } } });
const N = Number(values.targets);
const TARGET_S = 10;

const q = db();
const tag = randomBytes(3).toString('hex');
const trunkCode = `bench-${tag}`;
const config = stackConfig();
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
const log = createLogger('warn');

const { estateId, seedS } = await seedHouseholds(q, N, tag);
await addTrunk(q, {
  active: true,
  code: trunkCode,
  name: 'bench',
  dial: 'PJSIP/trunk/sip:{number}@127.0.0.1:9',
  callerId: '4008200000',
  maxChannels: 10,
  callsPerSecond: 10,
});
const campaign = await q.query<{ id: number }>(
  `INSERT INTO campaigns (kind, name, trunk_code, estate_id, min_arrears_fen, window_start, window_end)
   VALUES ('fee-reminder', $1, $2, $3, 100, '00:00', '23:59') RETURNING id`,
  [`压测催缴 ${tag}`, trunkCode, estateId],
);
const campaignId = campaign.rows[0]!.id;
const schedulerConnection = redis.duplicate();
const scheduler = await startCampaignScheduler({ connection: schedulerConnection, redis, db: q, log });
const dialConnection = redis.duplicate();
const dialQueue = new Queue(dialQueueName(trunkCode), { connection: dialConnection });
// the scheduler's own start-up reconciliation first
await eventually(
  async () => {
    const c = await scheduler.queue.getJobCounts('active', 'wait');
    return (c.active ?? 0) + (c.wait ?? 0) === 0;
  },
  'the scheduler to be idle',
  60_000,
);

// what the API does: the status; the trigger's NOTIFY reaches the scheduler
const start = performance.now();
await q.query(`UPDATE campaigns SET status = 'running' WHERE id = $1`, [campaignId]);
const jobCount = async () => {
  const c = await dialQueue.getJobCounts('delayed', 'wait', 'prioritized');
  return (c.delayed ?? 0) + (c.wait ?? 0) + (c.prioritized ?? 0);
};
const firstJobs = Math.min(N, FEED_AHEAD);
await eventually(async () => (await jobCount()) >= firstJobs, 'the first dial jobs', 120_000, 20);
const enqueueS = (performance.now() - start) / 1000;
const jobs = await jobCount();
const targets = await q.query<{ n: number; a: number }>(
  `SELECT (SELECT count(*)::int FROM campaign_targets WHERE campaign_id = $1) AS n,
          (SELECT count(*)::int FROM call_attempts WHERE campaign_id = $1) AS a`,
  [campaignId],
);
const row = targets.rows[0]!;
console.log(
  `seeded ${N} households in ${seedS.toFixed(1)} s; running -> ${row.n} targets, ${row.a} queued attempts and the first ${jobs} dial jobs in ${enqueueS.toFixed(2)} s (target <= ${TARGET_S} s)`,
);
appendResult(
  'Campaign enqueue (bench/campaign-enqueue.ts)',
  '| date | households | targets | attempts | first jobs | running -> queued, s | target | machine |',
  `| ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC | ${N} | ${row.n} | ${row.a} | ${jobs} | ${enqueueS.toFixed(2)} | <= ${TARGET_S} s | ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, load ${loadavg()[0]!.toFixed(1)}; node ${process.version} |`,
);

// clean up: the jobs, the campaign, the households
await scheduler.close();
await dialQueue.obliterate({ force: true });
await dialQueue.close();
schedulerConnection.disconnect();
dialConnection.disconnect();
await q.query('DELETE FROM campaigns WHERE id = $1', [campaignId]);
await q.query('DELETE FROM trunks WHERE code = $1', [trunkCode]);
await removeHouseholds(q, estateId);
redis.disconnect();
await closeDb();
process.exitCode = enqueueS <= TARGET_S && row.a === N ? 0 : 1;
