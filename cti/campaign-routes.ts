// Outbound campaigns over HTTP (issue 6): create, list, read, start / schedule, pause, resume and cancel a campaign;
// its targets and their attempts. Team leaders and admins manage campaigns, agents read them. The API writes the
// campaign's row and status only: the dialer (workers/) reacts to the status change (the campaigns trigger NOTIFYs
// hotline_campaigns) and never hears from here otherwise. Which command is allowed when is
// core/campaigns/campaign-status.ts; a refusal says why, with the commands allowed now.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import {
  BadRequest,
  CAMPAIGN_COMMANDS,
  CAMPAIGN_KINDS,
  CAMPAIGN_STATUSES,
  Conflict,
  NOTICE_KINDS,
  NotFound,
  TARGET_STATUSES,
  campaignCommands,
  campaignStep,
  checkCampaignRequest,
  maskPhone,
  type CampaignCommand,
  type CampaignKind,
  type CampaignRequest,
  type CampaignStatus,
  type CampaignView,
  type Logger,
  type Role,
  type TargetStatus,
} from '../core/index.ts';
import {
  campaignProgress,
  campaignScopeProblem,
  campaignTargets,
  feeCoverage,
  estateBuildings,
  getCampaignRow,
  insertCampaign,
  listCampaigns,
  noticeRecording,
  setCampaignStatus,
  targetAttempts,
} from '../db/index.ts';
import type { Authenticate } from './route-kit.ts';

const MANAGERS: Role[] = ['supervisor', 'admin'];
const READERS: Role[] = ['agent', 'supervisor', 'admin'];
const MANAGERS_ONLY =
  '只有班长和系统管理员可以管理外呼活动 / Only team leaders and admins may manage campaigns.';
/** Who sees owners' numbers in full on the campaign pages (the others see 138****5678). */
export const maySeePhones = (role: Role): boolean => role === 'supervisor' || role === 'admin';

const noCampaign = (id: number) => new NotFound(`没有编号为 ${id} 的外呼活动 / There is no campaign ${id}.`);

const TIME = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' } as const;
const ID = { type: 'integer', minimum: 1, maximum: 2147483647 } as const;
const nullable = (type: string) => ({ type: [type, 'null'] }) as const;
const csvOf = (values: readonly string[]) =>
  ({ type: 'string', pattern: `^(${values.join('|')})(,(${values.join('|')}))*$` }) as const;

/** What a notice plays (the schema's description, README "Notices"). */
const NOTICE_RECORDING_RULE =
  'A notice needs its text, or an uploaded recording (`recording`: the id from POST /api/notice-recordings), or ' +
  'both: with a recording the owners hear the recording (the text is not spoken) and the text is what agents ' +
  'and the campaign page read. Without one, the text is spoken by the Asterisk node.';

const createBody = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: [...CAMPAIGN_KINDS] },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    trunk: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$' },
    estateId: ID,
    buildingIds: { type: 'array', items: ID, maxItems: 500 },
    ownerIds: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 10000 },
    minArrearsYuan: { type: 'number', minimum: 0, maximum: 10000000 },
    overdueDays: { type: 'integer', minimum: 0, maximum: 3650 },
    cycle: { type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' },
    notice: {
      type: 'object',
      properties: {
        kind: { type: 'string', enum: [...NOTICE_KINDS] },
        text: { type: 'string', maxLength: 500, default: '' },
        emergency: { type: 'boolean' },
        recording: { ...ID, description: NOTICE_RECORDING_RULE },
      },
      required: ['kind'],
      description: NOTICE_RECORDING_RULE,
      additionalProperties: false,
    },
    window: {
      type: 'object',
      properties: { start: TIME, end: TIME },
      required: ['start', 'end'],
      additionalProperties: false,
    },
    skipHolidays: { type: 'boolean' },
    maxAttempts: { type: 'integer', minimum: 1, maximum: 10 },
    retrySpacingS: { type: 'integer', minimum: 10, maximum: 604800 },
    ringTimeoutS: { type: 'integer', minimum: 5, maximum: 120 },
    scaleMax: { type: 'integer', minimum: 2, maximum: 9 },
    unsatisfiedMax: { type: 'integer', minimum: 1, maximum: 8 },
    start: { type: 'string', enum: ['draft', 'now', 'at'] },
    startsAt: { type: 'string', format: 'date-time' },
  },
  required: ['kind', 'name', 'trunk'],
  additionalProperties: false,
} as const;

/** What each field is, in words, for the schema errors ("最低欠费 minArrearsYuan must be >= 0"). */
const FIELD_NAMES: Record<string, string> = {
  kind: '活动类型 kind',
  name: '活动名称 name',
  trunk: '线路 trunk',
  estateId: '小区 estateId',
  buildingIds: '楼栋 buildingIds',
  ownerIds: '业主名单 ownerIds',
  minArrearsYuan: '最低欠费(元) minArrearsYuan',
  overdueDays: '逾期天数 overdueDays',
  cycle: '账期 cycle (YYYY-MM)',
  notice: '通知 notice',
  window: '呼叫时段 window (HH:MM)',
  maxAttempts: '最多呼叫次数 maxAttempts (1-10)',
  retrySpacingS: '重呼间隔(秒) retrySpacingS (10-604800)',
  ringTimeoutS: '振铃时长(秒) ringTimeoutS (5-120)',
  scaleMax: '评分满分 scaleMax (2-9)',
  unsatisfiedMax: '不满意最高分 unsatisfiedMax',
  start: '开始方式 start (draft / now / at)',
  startsAt: '开始时间 startsAt',
};

/**
 * A schema error that names the field in Chinese and English (`names`: field -> its words), for a route's
 * schemaErrorFormatter: "最低欠费(元) minArrearsYuan 不正确 / 最低欠费(元) minArrearsYuan: must be >= 0."
 */
export function fieldError(names: Record<string, string>) {
  return (errors: { instancePath: string; message?: string; params?: unknown }[]): Error => {
    const e = errors[0]!;
    const p = e.params as { missingProperty?: string; additionalProperty?: string } | undefined;
    if (p?.additionalProperty)
      return new BadRequest(
        `不认识的字段「${p.additionalProperty}」 / Unknown field "${p.additionalProperty}".`,
      );
    const field = e.instancePath.split('/')[1] ?? p?.missingProperty ?? '';
    const named = names[field] ?? (field || '请求 request');
    return new BadRequest(
      `${named} 不正确 / ${named}: ${e.message ?? 'not valid'}${e.instancePath.split('/').length > 2 ? ` (${e.instancePath})` : ''}.`,
    );
  };
}

const countsBody = {
  type: 'object',
  properties: Object.fromEntries(TARGET_STATUSES.map((s) => [s, { type: 'integer' }])),
} as const;

const summaryProps = {
  id: { type: 'integer' },
  kind: { type: 'string' },
  name: { type: 'string' },
  status: { type: 'string' },
  trunk: { type: 'string' },
  estate: nullable('string'),
  total: { type: 'integer' },
  done: { type: 'integer' },
  createdAt: { type: 'string' },
  startsAt: nullable('string'),
} as const;

const campaignBody = {
  type: 'object',
  properties: {
    ...summaryProps,
    estateId: nullable('integer'),
    buildingIds: { type: ['array', 'null'], items: { type: 'integer' } },
    ownerIds: { type: ['array', 'null'], items: { type: 'integer' } },
    minArrearsYuan: nullable('number'),
    overdueDays: nullable('integer'),
    cycle: nullable('string'),
    notice: {
      type: ['object', 'null'],
      properties: {
        kind: { type: 'string' },
        text: { type: 'string' },
        emergency: { type: 'boolean' },
        recording: { type: 'integer' },
        /** The recording's name and length, for the campaign page. */
        recordingName: { type: 'string' },
        recordingDurationMs: { type: 'integer' },
      },
    },
    window: { type: 'object', properties: { start: { type: 'string' }, end: { type: 'string' } } },
    timeZone: { type: 'string' },
    skipHolidays: { type: 'boolean' },
    maxAttempts: { type: 'integer' },
    retrySpacingS: { type: 'integer' },
    ringTimeoutS: { type: 'integer' },
    scaleMax: { type: 'integer' },
    unsatisfiedMax: { type: 'integer' },
    startedAt: nullable('string'),
    finishedAt: nullable('string'),
    createdBy: nullable('string'),
    counts: countsBody,
    reached: { type: 'integer' },
    etaS: nullable('integer'),
    coverage: {
      type: ['object', 'null'],
      properties: {
        cycle: { type: 'string' },
        householdsInArrears: { type: 'integer' },
        householdsReminded: { type: 'integer' },
        coverage: nullable('number'),
      },
    },
    commands: { type: 'array', items: { type: 'string' } },
  },
  required: ['id', 'kind', 'name', 'status', 'counts', 'total', 'done', 'commands'],
} as const;

const targetBody = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    ownerId: { type: 'integer' },
    ownerName: { type: 'string' },
    phone: { type: 'string' },
    roomCode: nullable('string'),
    ticketNumber: nullable('string'),
    arrearsFen: nullable('integer'),
    status: { type: 'string' },
    done: { type: 'boolean' },
    attempts: { type: 'integer' },
    nextAttemptAt: nullable('string'),
    reachedAt: nullable('string'),
    outcome: nullable('string'),
  },
} as const;

const attemptBody = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    attemptNo: { type: 'integer' },
    status: { type: 'string' },
    result: nullable('string'),
    dueAt: { type: 'string' },
    dialledAt: nullable('string'),
    answeredAt: nullable('string'),
    endedAt: nullable('string'),
    hangupCause: nullable('integer'),
    hangupCauseText: nullable('string'),
    outcome: nullable('string'),
    keys: nullable('string'),
    score: nullable('integer'),
    callId: nullable('string'),
  },
} as const;

const idParams = { type: 'object', properties: { id: ID }, required: ['id'] } as const;

export function registerCampaignRoutes(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>,
  deps: { db: pg.Pool; authenticate: Authenticate; errorBody: object; now?: () => Date },
): void {
  const { db, authenticate, errorBody } = deps;
  const now = deps.now ?? (() => new Date());
  const managers = authenticate(MANAGERS, MANAGERS_ONLY);
  const readers = authenticate(READERS);
  const refusals = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

  async function campaignView(id: number, role: Role): Promise<CampaignView> {
    const row = await getCampaignRow(db, id);
    if (!row) throw noCampaign(id);
    const at = now();
    const recordingId = row.notice?.recording;
    const [progress, coverage, recording] = await Promise.all([
      campaignProgress(db, id, at),
      row.kind === 'fee-reminder' && row.estateId !== null && row.cycle !== null
        ? feeCoverage(db, { estateId: row.estateId, buildingIds: row.buildingIds, cycle: row.cycle })
        : Promise.resolve(null),
      recordingId === undefined ? Promise.resolve(null) : noticeRecording(db, Number(recordingId)),
    ]);
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      status: row.status,
      trunk: row.trunk,
      estate: row.estate,
      estateId: row.estateId,
      buildingIds: row.buildingIds,
      ownerIds: row.ownerIds,
      minArrearsYuan: row.minArrearsFen === null ? null : row.minArrearsFen / 100,
      overdueDays: row.overdueDays,
      cycle: row.cycle,
      notice:
        row.notice && recording
          ? { ...row.notice, recordingName: recording.name, recordingDurationMs: recording.durationMs }
          : row.notice,
      window: { start: row.windowStart, end: row.windowEnd },
      timeZone: row.timeZone,
      skipHolidays: row.skipHolidays,
      maxAttempts: row.maxAttempts,
      retrySpacingS: row.retrySpacingS,
      ringTimeoutS: row.ringTimeoutS,
      scaleMax: row.scaleMax,
      unsatisfiedMax: row.unsatisfiedMax,
      createdAt: row.createdAt.toISOString(),
      startsAt: iso(row.startsAt),
      startedAt: iso(row.startedAt),
      finishedAt: iso(row.finishedAt),
      createdBy: row.createdBy,
      ...progress,
      coverage,
      commands: MANAGERS.includes(role) ? campaignCommands(row.status) : [],
    };
  }

  app.get<{ Querystring: { status?: string; kind?: string; limit?: number } }>(
    '/api/campaigns',
    {
      onRequest: readers,
      schema: {
        querystring: {
          type: 'object',
          properties: {
            status: csvOf(CAMPAIGN_STATUSES),
            kind: csvOf(CAMPAIGN_KINDS),
            limit: { type: 'integer', minimum: 1, maximum: 500 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { campaigns: { type: 'array', items: { type: 'object', properties: summaryProps } } },
          },
          ...refusals,
        },
      },
    },
    async (req) => ({
      campaigns: await listCampaigns(db, {
        status: req.query.status?.split(',') as CampaignStatus[] | undefined,
        kind: req.query.kind?.split(',') as CampaignKind[] | undefined,
        limit: req.query.limit ?? 100,
      }),
    }),
  );

  app.post<{ Body: CampaignRequest }>(
    '/api/campaigns',
    {
      onRequest: managers,
      schema: { body: createBody, response: { 201: campaignBody, ...refusals } },
      schemaErrorFormatter: fieldError(FIELD_NAMES),
    },
    async (req, reply) => {
      const checked = checkCampaignRequest(req.body, now());
      if (!checked.ok) throw new BadRequest(checked.reason);
      const recording = checked.settings.notice?.recording;
      if (recording !== undefined && !(await noticeRecording(db, recording)))
        throw new BadRequest(
          `没有编号为 ${recording} 的通知录音,请重新选择或上传 / There is no notice recording ${recording}: choose another or upload it again.`,
        );
      const problem = await campaignScopeProblem(db, checked.settings);
      if (problem) throw new BadRequest(problem);
      const id = await insertCampaign(db, checked.settings, req.user.sub).catch((err: unknown) => {
        throw standingRevisitTaken(err) ?? err;
      });
      req.log.info(
        { campaign: id, kind: checked.settings.kind, status: checked.settings.status, by: req.user.sub },
        'campaign created',
      );
      return reply.code(201).send(await campaignView(id, req.user.role));
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/estates/:id/buildings',
    {
      onRequest: managers,
      schema: {
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              buildings: {
                type: 'array',
                items: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } },
              },
            },
          },
          ...refusals,
        },
      },
    },
    async (req) => ({ buildings: await estateBuildings(db, req.params.id) }),
  );

  app.get<{ Params: { id: number } }>(
    '/api/campaigns/:id',
    { onRequest: readers, schema: { params: idParams, response: { 200: campaignBody, ...refusals } } },
    async (req) => campaignView(req.params.id, req.user.role),
  );

  app.get<{ Params: { id: number }; Querystring: { status?: string; offset?: number; limit?: number } }>(
    '/api/campaigns/:id/targets',
    {
      onRequest: readers,
      schema: {
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            status: csvOf(TARGET_STATUSES),
            offset: { type: 'integer', minimum: 0, maximum: 10000000 },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              targets: { type: 'array', items: targetBody },
              total: { type: 'integer' },
              offset: { type: 'integer' },
              limit: { type: 'integer' },
            },
          },
          ...refusals,
        },
      },
    },
    async (req) => {
      if (!(await getCampaignRow(db, req.params.id))) throw noCampaign(req.params.id);
      const offset = req.query.offset ?? 0;
      const limit = req.query.limit ?? 50;
      const page = await campaignTargets(db, req.params.id, {
        status: req.query.status?.split(',') as TargetStatus[] | undefined,
        offset,
        limit,
      });
      const full = maySeePhones(req.user.role);
      return {
        ...page,
        targets: page.targets.map((t) => ({ ...t, phone: full ? t.phone : maskPhone(t.phone) })),
        offset,
        limit,
      };
    },
  );

  app.get<{ Params: { id: number; targetId: number } }>(
    '/api/campaigns/:id/targets/:targetId/attempts',
    {
      onRequest: readers,
      schema: {
        params: { type: 'object', properties: { id: ID, targetId: ID }, required: ['id', 'targetId'] },
        response: {
          200: { type: 'object', properties: { attempts: { type: 'array', items: attemptBody } } },
          ...refusals,
        },
      },
    },
    async (req) => {
      const attempts = await targetAttempts(db, req.params.id, req.params.targetId);
      if (!attempts)
        throw new NotFound(
          `活动 ${req.params.id} 没有对象 ${req.params.targetId} / Campaign ${req.params.id} has no target ${req.params.targetId}.`,
        );
      return { attempts };
    },
  );

  for (const command of CAMPAIGN_COMMANDS) {
    app.post<{ Params: { id: number }; Body: { startsAt?: string } | undefined }>(
      `/api/campaigns/:id/${command}`,
      {
        onRequest: managers,
        schema: {
          params: idParams,
          ...(command === 'start'
            ? {
                body: {
                  type: ['object', 'null'],
                  properties: { startsAt: { type: 'string', format: 'date-time' } },
                  additionalProperties: false,
                },
              }
            : {}),
          response: { 200: campaignBody, ...refusals },
        },
      },
      async (req) => {
        await changeStatus(req.params.id, command, req.body?.startsAt, req.user.sub, req.log);
        return campaignView(req.params.id, req.user.role);
      },
    );
  }

  async function changeStatus(
    id: number,
    command: CampaignCommand,
    startsAtText: string | undefined,
    by: number,
    log: Logger,
  ): Promise<void> {
    const row = await getCampaignRow(db, id);
    if (!row) throw noCampaign(id);
    const at = now();
    const startsAt = startsAtText === undefined ? null : new Date(startsAtText);
    if (startsAt && startsAt.getTime() <= at.getTime())
      throw new BadRequest(
        '开始时间已过,请选择将来的时间或立即开始 / The start time has passed: choose a later time, or start now.',
      );
    const step = campaignStep(row.status, command, { now: at, startsAt });
    if (!step.ok) throw new Conflict(step.reason);
    const moved = await setCampaignStatus(db, id, row.status, step.status, startsAt).catch((err: unknown) => {
      throw standingRevisitTaken(err) ?? err;
    });
    if (!moved)
      throw new Conflict(
        '活动状态刚刚被他人或外呼程序改变,请刷新后重试 / The campaign changed meanwhile (someone else, or the dialer): reload and try again.',
      );
    log.info({ campaign: id, from: row.status, to: step.status, by }, `campaign ${command}`);
  }
}

/** The partial unique index of 016: one running or paused revisit campaign per trunk. */
function standingRevisitTaken(err: unknown): Conflict | null {
  const e = err as { code?: string; constraint?: string };
  if (e.code === '23505' && e.constraint === 'campaigns_standing_revisit')
    return new Conflict(
      '这条线路已有进行中或暂停的回访活动,请先结束它 / This trunk already has a running or paused revisit campaign: end that one first.',
    );
  return null;
}
