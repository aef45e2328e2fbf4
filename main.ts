#!/usr/bin/env node
// The composition root: starts the roles of the platform in this process.
//   node main.ts start                  every role (single machine)
//   node main.ts start --role ivr       the ARI controller and ACD for one Asterisk node
//   node main.ts start --role cti       the HTTP API and socket.io gateway (several behind a load balancer)
//   node main.ts start --role workers   BullMQ workers (maintenance jobs, ticket clocks; campaigns later)
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import {
  createLogger,
  currentWorkCalendar,
  FLOW_STATUS_KEY,
  loadConfig,
  setWorkCalendar,
  WORK_CALENDAR_CHANNEL,
  type Config,
  type FlowStatus,
  type Logger,
} from './core/index.ts';
import {
  Acd,
  createServer,
  Notifier,
  PhoneMonitor,
  POP_SEEN_CHANNEL,
  QueueSettingsBook,
  RedisLeaderClaims,
  serveCallCommands,
  StateLogRecorder,
  WAKE_CHANNEL,
} from './cti/index.ts';
import {
  createPool,
  ensureDefaultTrunk,
  loadWorkCalendar,
  migrate,
  seedWorkCalendar,
  type Pool,
} from './db/index.ts';
import {
  AriCallControl,
  catalogueIds,
  FlowLibrary,
  IvrController,
  NoticeAudio,
  NoticeSpeech,
  PromptLibrary,
  readCatalogue,
  SelfService,
  Supervision,
  type PromptScan,
} from './ivr/index.ts';
import type { OutboundCalls } from './core/campaigns/types.ts';
import { createMetricsRegistry, registerIvrMetrics, serveMetrics } from './cti/metrics.ts';
import {
  startCampaignScheduler,
  startDialer,
  startQaSampling,
  startReportJobs,
  startRecordingRetention,
  startSeverityReview,
  startTicketClocks,
} from './workers/index.ts';

export type Role = 'ivr' | 'cti' | 'workers';
const ROLES: readonly Role[] = ['ivr', 'cti', 'workers'];

export interface Platform {
  /** The base URL of the HTTP API and agent page (cti role). */
  url: string | null;
  /** This process's own metrics listener (HOTLINE_METRICS_PORT), if any. */
  metricsUrl: string | null;
  acd: Acd | null;
  /** The ivr role's port for the dialer (campaign calls through this node's Asterisk); null without the role. */
  outbound: OutboundCalls | null;
  close(): Promise<void>;
}

/** The work calendar is reloaded this often even without an announced change (a message lost on the way). */
const CALENDAR_RELOAD_MS = 10 * 60_000;

/**
 * Seeds the work calendar from the chinese-days package (announcing it when that changed anything), installs the
 * database's calendar as this process's (core/calendar.ts setWorkCalendar: the IVR's hours, ticket due times,
 * expected completion all use it) and keeps it current: reloaded when an admin edit is announced on Redis (WORK_CALENDAR_CHANNEL), when the subscription
 * comes back after a Redis outage (messages sent meanwhile are lost), and every 10 minutes. A reload that fails
 * (database away) keeps the calendar it had. Returns the stop function, which puts the package's calendar back
 * (unless another platform in the process installed its own since).
 */
async function keepWorkCalendar(db: Pool, redis: Redis, log: Logger): Promise<() => void> {
  const seeded = await seedWorkCalendar(db);
  if (seeded.days + seeded.years > 0) {
    log.info(seeded, 'work calendar seeded from the package');
    // processes still running an older version (a rolling update) take the new days too
    await redis
      .publish(WORK_CALENDAR_CHANNEL, JSON.stringify({ at: new Date().toISOString(), by: 'package' }))
      .catch((err: unknown) => log.warn({ err }, 'could not announce the seeded work calendar'));
  }
  let installed = await loadWorkCalendar(db);
  setWorkCalendar(installed);
  let stopped = false;
  const reload = (why: string) =>
    void loadWorkCalendar(db)
      .then((calendar) => {
        if (stopped) return;
        installed = calendar;
        setWorkCalendar(calendar);
        log.debug({ why }, 'work calendar reloaded');
      })
      .catch((err: unknown) =>
        log.warn({ err, why }, 'could not reload the work calendar; keeping the last one'),
      );
  const sub = redis.duplicate();
  sub.on('error', () => undefined);
  let subscribedOnce = false;
  sub.on('ready', () => {
    if (subscribedOnce) reload('redis back');
    subscribedOnce = true;
  });
  await sub.subscribe(WORK_CALENDAR_CHANNEL);
  sub.on('message', (channel: string) => {
    if (channel === WORK_CALENDAR_CHANNEL) reload('changed by an admin');
  });
  const timer = setInterval(() => reload('periodic'), CALENDAR_RELOAD_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    sub.disconnect();
    // another platform in this process (tests) may have installed its own since
    if (currentWorkCalendar() === installed) setWorkCalendar(null);
  };
}

export async function startPlatform(
  config: Config,
  opts: { roles?: Role[]; log?: Logger; signal?: AbortSignal } = {},
): Promise<Platform> {
  const roles = new Set(opts.roles ?? ROLES);
  const log = opts.log ?? createLogger(config.logLevel);
  const db = createPool(config.databaseUrl);
  db.on('error', (err) => log.warn({ err: err.message }, 'database connection lost'));
  await migrate(db);
  const redisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true } as const;
  const redis = new Redis(config.redisUrl, redisOptions);
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection problem'));
  const closers: (() => Promise<void> | void)[] = [];
  closers.push(await keepWorkCalendar(db, redis, log));
  // this process's metrics (cti/metrics.ts): at /metrics of the API, and on a listener of its own when configured
  const metrics = createMetricsRegistry();
  const node = `${hostname()}-${process.pid}`;

  let url: string | null = null;
  if (roles.has('cti')) {
    const { app } = await createServer({
      db,
      redis,
      log,
      jwtSecret: config.http.jwtSecret,
      recordingDir: config.recordingDir,
      attachments: config.attachments,
      metrics: { registry: metrics, token: config.metrics.token, node },
      ari: config.ari,
    });
    url = await app.listen({ host: config.http.host, port: config.http.port });
    log.info({ url }, 'agent page and API listening');
    const recorder = new StateLogRecorder({ redis, db, log, consumer: `${hostname()}-${process.pid}` });
    await recorder.start();
    closers.push(
      () => app.close(),
      () => recorder.stop(),
    );
  }

  let acd: Acd | null = null;
  let outbound: OutboundCalls | null = null;
  if (roles.has('ivr')) {
    const ivrNode = `${hostname()}-${process.pid}`;
    const notifier = new Notifier(redis);
    acd = new Acd({
      redis,
      notifier,
      log,
      settings: { wrapUpS: config.acd.wrapUpS, popSeenTimeoutMs: config.acd.popSeenTimeoutMs },
      queues: new QueueSettingsBook(db, log),
    });
    // One read of the prompt catalogue: flows are checked against its Chinese ids, the prompt files against both.
    const catalogue = await readCatalogue();
    const promptIdsOf = { zh: [...catalogueIds(catalogue, 'zh')], en: [...catalogueIds(catalogue, 'en')] };
    const flows = new FlowLibrary({ dir: config.ivr.flowDir, catalogue: new Set(promptIdsOf.zh), log });
    // Every IVR process reports what it runs, so the admin API shows a broken edit wherever it happened.
    const publishFlows = (status: FlowStatus) =>
      void redis
        .hset(FLOW_STATUS_KEY, ivrNode, JSON.stringify(status))
        .catch((err: unknown) => log.warn({ err }, 'could not publish the flow status'));
    flows.onReload(publishFlows);
    await flows.start({ watch: true });
    publishFlows(flows.status);
    const prompts = new PromptLibrary({
      generatedDir: config.ivr.promptDir,
      studioDir: config.ivr.studioPromptDir,
    });
    const reportPrompts = (scan: PromptScan) => {
      for (const problem of scan.problems) log.warn({ problem }, 'prompt file problem');
      const missing = {
        zh: prompts.missing('zh', promptIdsOf.zh),
        en: prompts.missing('en', promptIdsOf.en),
      };
      if (missing.zh.length + missing.en.length > 0) {
        log.error(
          { missing },
          'prompts of the catalogue have no sound file; run `bash ops/stack.sh prompts`',
        );
      }
      log.info({ generated: scan.generated, studio: scan.studio }, 'prompt files scanned');
    };
    reportPrompts(prompts.scan);
    const stopWatchingPrompts = prompts.watchStudio(reportPrompts);
    const pbx = await AriCallControl.connect(config.ari, log, opts.signal);
    const controller = new IvrController({
      pbx,
      db,
      acd,
      flows,
      service: new SelfService(db),
      log,
      notifier,
      noticeSpeech: new NoticeSpeech(config.ivr.promptDir, log),
      noticeAudio: new NoticeAudio(config.ivr.promptDir, db, log),
      settings: {
        digitTimeoutMs: config.ivr.digitTimeoutMs,
        menuRetries: config.ivr.menuRetries,
        holdAnnounceS: config.acd.holdAnnounceS,
        queue: 'general',
        prompts,
        ringTimeoutS: config.acd.ringTimeoutS,
        outsideDial: config.acd.outsideDial,
        outsideRingTimeoutS: config.acd.outsideRingTimeoutS,
        // a callback dials the owner through the outside line: offered only when there is one
        callbacks: config.acd.outsideDial !== null,
        callbackRetries: config.acd.callbackRetries,
        callbackRetryS: config.acd.callbackRetryS,
      },
    });
    outbound = controller.outbound;
    await controller
      .clearLeftovers()
      .catch((err: unknown) => log.warn({ err }, 'could not clear what a previous controller left'));
    // the campaigns' dial jobs of every trunk, placed through this node's Asterisk (workers/dialer.ts)
    const dialConnection = redis.duplicate();
    const dialer = await startDialer({
      connection: dialConnection,
      redis,
      db,
      log,
      calls: controller.outbound,
    });
    // call control from the agent pages (hold, transfer) for the calls of this node
    // team leaders listening in on this node's calls (their own module: the call's flow does not change)
    const supervision = new Supervision({
      pbx,
      db,
      log,
      findCall: (callId) => controller.supervisable(callId),
      notify: (event) => notifier.callMonitored(event),
      claims: new RedisLeaderClaims(redis),
      node: acd.nodeId,
    });
    registerIvrMetrics(metrics, {
      node: acd.nodeId,
      liveCalls: () => controller.liveCalls(),
      callsTaken: () => controller.callsTaken(),
      attemptsEnded: () => dialer.attemptsEnded(),
    });
    const stopCommands = await serveCallCommands({
      redis,
      nodeId: acd.nodeId,
      log,
      handle: (request) => {
        const { command } = request;
        return command.kind === 'monitor'
          ? supervision.command(request.callId, command)
          : controller.command({ ...request, command });
      },
    });
    // Agents becoming available anywhere wake this ACD; a tick catches anything missed and ends wrap-ups.
    const sub = redis.duplicate();
    sub.on('error', () => undefined);
    await sub.subscribe(WAKE_CHANNEL, POP_SEEN_CHANNEL);
    const theAcd = acd;
    sub.on('message', (channel: string, message: string) => {
      if (channel === WAKE_CHANNEL) return theAcd.dispatch();
      try {
        const { callId, agentId } = JSON.parse(message) as { callId: string; agentId: number };
        theAcd.popSeen(callId, agentId);
      } catch {
        // not ours
      }
    });
    // desk phones going unreachable make their agents not ready (AMI, per Asterisk node)
    const phones = new PhoneMonitor(config.ami, log, (status) => {
      theAcd
        .phoneStatus(status.endpoint, status.reachable)
        .catch((err: unknown) => log.warn({ err }, 'could not apply a phone status'));
    });
    const tick = setInterval(() => {
      theAcd.tick().catch((err: unknown) => log.warn({ err }, 'ACD tick failed'));
      theAcd.dispatch();
    }, 1000);
    closers.push(async () => {
      await dialer.close();
      dialConnection.disconnect();
      clearInterval(tick);
      stopCommands();
      phones.close();
      await supervision.close();
      await controller.close();
      await theAcd.leave().catch(() => undefined);
      await pbx.close();
      flows.close();
      stopWatchingPrompts();
      await redis.hdel(FLOW_STATUS_KEY, ivrNode).catch(() => undefined);
      sub.disconnect();
    });
  }

  if (roles.has('workers')) {
    const bullConnection = redis.duplicate();
    const retention = await startRecordingRetention({
      connection: bullConnection,
      db,
      log,
      settings: { recordingDir: config.recordingDir, retentionDays: config.recordingRetentionDays },
    });
    const clocks = await startTicketClocks({ connection: bullConnection, redis, db, log });
    // complaints unresolved for 7 days become 热点: the periodic review raises them
    const severityReview = await startSeverityReview({ connection: bullConnection, redis, db, log });
    // every agent's QA sample of the period just ended
    const qaSampling = await startQaSampling({ connection: bullConnection, db, log });
    // the scheduled reports' files (a tick every 5 minutes makes each due period once)
    const reportJobs = await startReportJobs({ connection: bullConnection, db, log });
    // outbound campaigns: the default trunk, then the scheduler (status changes, automatic revisits)
    await ensureDefaultTrunk(db, {
      dial: config.acd.outsideDial,
      callerId: config.outbound.callerId,
      maxChannels: config.outbound.trunkMaxChannels,
      callsPerSecond: config.outbound.trunkCps,
    });
    const campaigns = await startCampaignScheduler({
      connection: bullConnection,
      redis,
      db,
      log,
      revisitTrunk: config.outbound.revisitTrunk,
    });
    closers.push(async () => {
      await campaigns.close();
      await severityReview.close();
      await qaSampling.close();
      await reportJobs.close();
      await clocks.close();
      await retention.close();
      bullConnection.disconnect();
    });
  }

  let metricsUrl: string | null = null;
  if (config.metrics.port !== null && config.metrics.token !== null) {
    const listener = await serveMetrics(metrics, {
      ...config.metrics,
      port: config.metrics.port,
      token: config.metrics.token,
      log,
    });
    metricsUrl = listener.url;
    log.info({ url: metricsUrl, roles: [...roles] }, 'metrics listening');
    closers.push(() => new Promise<void>((resolve) => listener.server.close(() => resolve())));
  }

  return {
    url,
    metricsUrl,
    acd,
    outbound,
    async close() {
      for (const close of closers.reverse()) await close();
      redis.disconnect();
      await db.end();
    },
  };
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string', multiple: true } },
  });
  if (positionals[0] !== 'start') {
    console.error('usage: estate-hotline start [--role ivr|cti|workers]...');
    process.exit(2);
  }
  const requested = values.role ?? [...ROLES];
  const unknown = requested.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) {
    console.error(`unknown role "${unknown.join(', ')}": use ${ROLES.join(', ')}`);
    process.exit(2);
  }
  const roles = requested as Role[];
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const abort = new AbortController();
  let platform: Platform | null = null;
  const stop = async (signal: string) => {
    log.info({ signal }, 'stopping');
    abort.abort();
    await platform?.close();
    process.exit(0);
  };
  process.once('SIGINT', (s) => void stop(s));
  process.once('SIGTERM', (s) => void stop(s));
  platform = await startPlatform(config, { roles, log, signal: abort.signal });
  log.info({ roles }, 'platform started');
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
