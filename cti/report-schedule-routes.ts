// Scheduled reports over HTTP (issue 7 "Reports"; migration 026, workers/report-jobs.ts makes the files): team
// leaders and admins keep schedules (a report kind, its filters, a cadence, a file format), read each schedule's
// runs, download a run's file, and make a period now. Agents and department staff get a 403. A schedule added or
// enabled queues its due period at once (not at the worker's next tick); "run now" makes an ended period (by
// default the one due now) again.
import { Queue } from 'bullmq';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import {
  askedPeriod,
  BadRequest,
  duePeriod,
  NotFound,
  REPORT_CADENCES,
  REPORT_FORMATS,
  REPORT_KINDS,
  REPORT_RUN_STATUSES,
  scheduleProblem,
  type NewReportSchedule,
} from '../core/index.ts';
import {
  checkReportScope,
  createReportSchedule,
  deleteReportSchedule,
  ensureReportRun,
  getReportSchedule,
  listReportRuns,
  listReportSchedules,
  reportRunFile,
  requeueReportRun,
  updateReportSchedule,
  type Pool,
} from '../db/index.ts';
import { enqueueReportRun, REPORTS_QUEUE } from '../workers/index.ts';
import { sendReportFile } from './report-routes.ts';
import type { Authenticate, RouteApp } from './route-kit.ts';
import { errorCodes, idParams } from './route-kit.ts';

const LEADERS_ONLY =
  '只有班长和管理员可以管理定时报表 / Only team leaders and admins may manage scheduled reports.';

/** What each field must be, in words (the schema's errors name the field). */
const FIELD_RULES: Record<string, string> = {
  name: '名称为 1 到 80 个字 / name: 1 to 80 characters',
  kind: '报表种类为 kpis、complaints 或 work / kind: kpis, complaints or work',
  cadence: '周期为 daily、weekly 或 monthly / cadence: daily, weekly or monthly',
  format: '文件格式为 csv 或 xlsx / format: csv or xlsx',
  filters:
    '筛选条件:estateId、agentId 为正整数或 null,queue 为队列名或 null / filters: estateId and agentId whole ' +
    'numbers from 1 or null, queue a queue name or null',
  enabled: '启用为 true 或 false / enabled: true or false',
  period:
    '统计期为其中一天 YYYY-MM-DD,或(每月报表)统计月 YYYY-MM,留空为最近结束的一期 / period: a day in it ' +
    '(YYYY-MM-DD) or, for a monthly schedule, its month (YYYY-MM); none for the last that ended',
  id: '编号为正整数 / ids are whole numbers from 1',
  runId: '编号为正整数 / ids are whole numbers from 1',
};

function fieldProblem(errors: { instancePath: string; params?: unknown }[]): Error {
  const e = errors[0]!;
  const p = e.params as { missingProperty?: string; additionalProperty?: string } | undefined;
  if (p?.additionalProperty) {
    return new BadRequest(
      `不认识的字段「${p.additionalProperty}」 / Unknown field "${p.additionalProperty}".`,
    );
  }
  const field = e.instancePath.split('/')[1] ?? p?.missingProperty ?? '';
  const rule = FIELD_RULES[field];
  return new BadRequest(rule ? `${rule}.` : '请求有误 / The request is not valid.');
}

const nullableId = { type: ['integer', 'null'], minimum: 1 } as const;
const filtersSchema = {
  type: 'object',
  properties: {
    estateId: nullableId,
    queue: { type: ['string', 'null'], minLength: 1, maxLength: 32 },
    agentId: nullableId,
  },
  additionalProperties: false,
} as const;
const scheduleInput = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 80, pattern: '\\S' },
    kind: { type: 'string', enum: [...REPORT_KINDS] },
    filters: filtersSchema,
    cadence: { type: 'string', enum: [...REPORT_CADENCES] },
    format: { type: 'string', enum: [...REPORT_FORMATS] },
    enabled: { type: 'boolean' },
  },
  required: ['name', 'kind', 'cadence', 'format'],
  additionalProperties: false,
} as const;

const nullableString = { type: ['string', 'null'] } as const;
const runBody = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    scheduleId: { type: 'integer' },
    from: { type: 'string' },
    to: { type: 'string' },
    label: { type: 'string' },
    status: { type: 'string', enum: [...REPORT_RUN_STATUSES] },
    attempts: { type: 'integer' },
    fileName: nullableString,
    contentType: nullableString,
    size: { type: ['integer', 'null'] },
    error: nullableString,
    queuedAt: { type: 'string' },
    startedAt: nullableString,
    finishedAt: nullableString,
  },
  required: [
    'id',
    'scheduleId',
    'from',
    'to',
    'label',
    'status',
    'attempts',
    'fileName',
    'error',
    'queuedAt',
  ],
} as const;
const scheduleBody = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    kind: { type: 'string' },
    filters: {
      type: 'object',
      properties: {
        estateId: { type: ['integer', 'null'] },
        queue: nullableString,
        agentId: { type: ['integer', 'null'] },
      },
      required: ['estateId', 'queue', 'agentId'],
    },
    cadence: { type: 'string' },
    format: { type: 'string' },
    enabled: { type: 'boolean' },
    createdBy: { type: ['integer', 'null'] },
    createdByName: nullableString,
    createdAt: { type: 'string' },
    lastRun: { anyOf: [runBody, { type: 'null' }] },
  },
  required: ['id', 'name', 'kind', 'filters', 'cadence', 'format', 'enabled', 'createdAt', 'lastRun'],
} as const;

const runParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 }, runId: { type: 'integer', minimum: 1 } },
  required: ['id', 'runId'],
} as const;

interface ScheduleInput {
  name: string;
  kind: NewReportSchedule['kind'];
  filters?: { estateId?: number | null; queue?: string | null; agentId?: number | null };
  cadence: NewReportSchedule['cadence'];
  format: NewReportSchedule['format'];
  enabled?: boolean;
}

export function registerReportScheduleRoutes(
  app: RouteApp,
  deps: { db: Pool; redis: Redis; authenticate: Authenticate; errorBody: object },
): void {
  const { db, authenticate, errorBody } = deps;
  const onRequest = authenticate(['supervisor', 'admin'], LEADERS_ONLY);
  const refusals = errorCodes(errorBody, 400, 401, 403, 404);
  // the queue the worker takes the runs from (made on first use: a cti process that never runs a report opens none)
  let queue: Queue | null = null;
  const reports = () =>
    (queue ??= new Queue(REPORTS_QUEUE, { connection: deps.redis.duplicate({ maxRetriesPerRequest: 1 }) }));
  app.addHook('preClose', async () => {
    await queue?.close();
  });

  const noSchedule = (id: number) =>
    new NotFound(`没有编号为 ${id} 的定时报表 / There is no scheduled report ${id}.`);

  /** The input checked beyond its schema: a kind and cadence that go together, filters that name what exists. */
  async function checked(body: ScheduleInput): Promise<NewReportSchedule> {
    const problem = scheduleProblem(body);
    if (problem) throw new BadRequest(`${problem.zh} / ${problem.en}.`);
    const filters = {
      estateId: body.filters?.estateId ?? null,
      queue: body.kind === 'kpis' ? (body.filters?.queue ?? null) : null,
      agentId: body.kind === 'work' ? null : (body.filters?.agentId ?? null),
    };
    if (body.kind !== 'kpis' && body.filters?.queue) {
      throw new BadRequest(
        '只有指标报表可按队列筛选(工单没有队列) / Only the KPI report filters by queue (tickets have no queue).',
      );
    }
    if (body.kind === 'work' && body.filters?.agentId) {
      throw new BadRequest('月度工作报告不按座席筛选 / The work report is not filtered by agent.');
    }
    await checkReportScope(db, filters);
    return {
      name: body.name.trim(),
      kind: body.kind,
      filters,
      cadence: body.cadence,
      format: body.format,
      enabled: body.enabled ?? true,
    };
  }

  /** An enabled schedule's due period is made at once (not at the next tick), unless it is made already. */
  async function makeDuePeriod(s: { id: number; enabled: boolean; cadence: NewReportSchedule['cadence'] }) {
    if (!s.enabled) return;
    const period = duePeriod(s.cadence, new Date());
    if ((await ensureReportRun(db, s.id, period)) !== 'done') {
      await enqueueReportRun(reports(), { scheduleId: s.id, from: period.from });
    }
  }

  app.get(
    '/api/reports/schedules',
    {
      onRequest,
      schema: {
        response: {
          200: {
            type: 'object',
            properties: { schedules: { type: 'array', items: scheduleBody } },
            required: ['schedules'],
          },
          ...refusals,
        },
      },
    },
    async () => ({ schedules: await listReportSchedules(db) }),
  );

  app.post<{ Body: ScheduleInput }>(
    '/api/reports/schedules',
    {
      onRequest,
      schemaErrorFormatter: fieldProblem,
      schema: { body: scheduleInput, response: { 201: scheduleBody, ...refusals } },
    },
    async (req, reply) => {
      const schedule = await createReportSchedule(db, await checked(req.body), req.user.sub);
      req.log.info({ scheduleId: schedule.id, kind: schedule.kind, by: req.user.sub }, 'report scheduled');
      await makeDuePeriod(schedule);
      return reply.code(201).send((await getReportSchedule(db, schedule.id))!);
    },
  );

  app.put<{ Params: { id: number }; Body: ScheduleInput }>(
    '/api/reports/schedules/:id',
    {
      onRequest,
      schemaErrorFormatter: fieldProblem,
      schema: { params: idParams, body: scheduleInput, response: { 200: scheduleBody, ...refusals } },
    },
    async (req) => {
      const before = await getReportSchedule(db, req.params.id);
      if (!before) throw noSchedule(req.params.id);
      // a run is keyed by its period's first day: another cadence's periods would meet the runs made already
      if (before.kind !== req.body.kind || before.cadence !== req.body.cadence) {
        throw new BadRequest(
          '定时报表的报表种类和周期不能修改,请新建一个 / A schedule keeps its report and cadence: add a new one instead.',
        );
      }
      const schedule = await updateReportSchedule(db, req.params.id, await checked(req.body));
      if (!schedule) throw noSchedule(req.params.id);
      req.log.info(
        { scheduleId: schedule.id, enabled: schedule.enabled, by: req.user.sub },
        'report schedule changed',
      );
      await makeDuePeriod(schedule);
      return (await getReportSchedule(db, schedule.id))!;
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/api/reports/schedules/:id',
    {
      onRequest,
      schemaErrorFormatter: fieldProblem,
      schema: { params: idParams, response: { 204: { type: 'null' }, ...refusals } },
    },
    async (req, reply) => {
      if (!(await deleteReportSchedule(db, req.params.id))) throw noSchedule(req.params.id);
      req.log.info({ scheduleId: req.params.id, by: req.user.sub }, 'report schedule deleted');
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/reports/schedules/:id/runs',
    {
      onRequest,
      schemaErrorFormatter: fieldProblem,
      schema: {
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: { runs: { type: 'array', items: runBody } },
            required: ['runs'],
          },
          ...refusals,
        },
      },
    },
    async (req) => {
      if (!(await getReportSchedule(db, req.params.id))) throw noSchedule(req.params.id);
      return { runs: await listReportRuns(db, req.params.id) };
    },
  );

  app.post<{ Params: { id: number }; Body: { period?: string } }>(
    '/api/reports/schedules/:id/runs',
    {
      onRequest,
      schemaErrorFormatter: fieldProblem,
      schema: {
        params: idParams,
        body: {
          type: 'object',
          properties: { period: { type: 'string', maxLength: 10 } },
          additionalProperties: false,
        },
        response: { 202: runBody, ...refusals },
      },
    },
    async (req, reply) => {
      const schedule = await getReportSchedule(db, req.params.id);
      if (!schedule) throw noSchedule(req.params.id);
      // no period: the one due now (the last that ended)
      const asked = req.body.period
        ? askedPeriod(schedule.cadence, req.body.period, new Date())
        : { period: duePeriod(schedule.cadence, new Date()) };
      if ('problem' in asked) throw new BadRequest(`${asked.problem.zh} / ${asked.problem.en}.`);
      const run = await requeueReportRun(db, schedule.id, asked.period);
      await enqueueReportRun(reports(), { scheduleId: schedule.id, from: run.from });
      req.log.info({ scheduleId: schedule.id, period: run.label, by: req.user.sub }, 'report run asked for');
      return reply.code(202).send(run);
    },
  );

  app.get<{ Params: { id: number; runId: number } }>(
    '/api/reports/schedules/:id/runs/:runId/file',
    {
      onRequest,
      schemaErrorFormatter: fieldProblem,
      schema: { description: "A run's report file (CSV or XLSX)", params: runParams, response: refusals },
    },
    async (req, reply: FastifyReply) => {
      const file = await reportRunFile(db, req.params.id, req.params.runId);
      if (!file) {
        throw new NotFound(
          `定时报表 ${req.params.id} 没有已生成的第 ${req.params.runId} 次运行 / Scheduled report ${req.params.id} ` +
            `has no finished run ${req.params.runId}.`,
        );
      }
      return sendReportFile(reply, file);
    },
  );
}
