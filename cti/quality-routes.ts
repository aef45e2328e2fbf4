// Quality assurance over HTTP (质检, issue 7; core/quality.ts): team leaders and admins draw samples, score them
// and read the scores of every agent; admins edit the scoring form and the sampling settings; an agent reads
// their own scored samples and scores, never anyone else's and never one not yet scored.
import type { FastifyRequest } from 'fastify';
import {
  BadRequest,
  Forbidden,
  NotFound,
  QA_LIMITS,
  QA_PERIOD_KINDS,
  checkQaItems,
  qaPeriodAt,
  scoreQaSample,
  type QaItem,
  type QaPeriodKind,
  type Role,
} from '../core/index.ts';
import {
  currentQaForm,
  drawQaSamples,
  qaSample,
  qaSamples,
  qaScores,
  qaSettings,
  saveQaForm,
  saveQaSettings,
  scoreQaSampleRow,
  type Pool,
} from '../db/index.ts';
import { fieldError } from './campaign-routes.ts';
import { idParams, type Authenticate, type RouteApp } from './route-kit.ts';

const LEADERS: Role[] = ['supervisor', 'admin'];
const READERS: Role[] = ['agent', 'supervisor', 'admin'];
const LEADERS_ONLY = '只有班长和管理员可以抽检和评分 / Only team leaders and admins draw and score samples.';
const ADMINS_ONLY =
  '只有系统管理员可以修改评分表和抽检设置 / Only an admin may change the QA form and settings.';
const FIELDS = {
  items: '评分项 items',
  perAgent: '每人抽检数 perAgent',
  period: '周期 period',
  date: '日期 date',
  scores: '得分 scores',
  comment: '评语 comment',
  periods: '周期数 periods',
};

const formBody = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    items: {
      type: 'array',
      items: { type: 'object', properties: { label: { type: 'string' }, points: { type: 'integer' } } },
    },
    createdAt: { type: 'string' },
  },
} as const;
const settingsBody = {
  type: 'object',
  properties: { perAgent: { type: 'integer' }, period: { type: 'string' } },
} as const;
const nullable = (type: string) => ({ type: [type, 'null'] });
const sampleBody = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    callId: { type: 'string' },
    agentId: { type: 'integer' },
    agentName: { type: 'string' },
    agentNumber: { type: 'string' },
    period: { type: 'string' },
    answeredAt: nullable('string'),
    queue: nullable('string'),
    talkS: nullable('integer'),
    form: formBody,
    scores: { type: ['array', 'null'], items: { type: 'integer' } },
    total: nullable('integer'),
    outOf: nullable('integer'),
    comment: nullable('string'),
    reviewer: nullable('string'),
    scoredAt: nullable('string'),
  },
} as const;

export function registerQualityRoutes(
  app: RouteApp,
  deps: { db: Pool; authenticate: Authenticate; errorBody: object },
): void {
  const { db, authenticate, errorBody } = deps;
  const leaders = authenticate(LEADERS, LEADERS_ONLY);
  const admins = authenticate(['admin'], ADMINS_ONLY);
  const readers = authenticate(READERS);
  const refusals = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };
  const isLeader = (req: FastifyRequest) => req.user.role === 'supervisor' || req.user.role === 'admin';
  const noSample = (id: number) => new NotFound(`没有编号为 ${id} 的抽检 / There is no QA sample ${id}.`);

  app.get('/api/qa/form', { onRequest: readers, schema: { response: { 200: formBody, ...refusals } } }, () =>
    currentQaForm(db),
  );

  app.put<{ Body: { items: QaItem[] } }>(
    '/api/admin/qa/form',
    {
      onRequest: admins,
      schemaErrorFormatter: fieldError(FIELDS),
      schema: {
        body: {
          type: 'object',
          properties: {
            items: {
              type: 'array',
              maxItems: 100,
              items: {
                type: 'object',
                properties: { label: { type: 'string', maxLength: 1000 }, points: { type: 'integer' } },
                required: ['label', 'points'],
              },
            },
          },
          required: ['items'],
          additionalProperties: false,
        },
        response: { 200: formBody, ...refusals },
      },
    },
    async (req) => {
      const checked = checkQaItems(req.body.items);
      if (!checked.ok) throw new BadRequest(checked.message);
      const form = await saveQaForm(db, checked.items, req.user.sub);
      req.log.info({ formId: form.id, by: req.user.sub }, 'QA form changed');
      return form;
    },
  );

  app.get(
    '/api/qa/settings',
    { onRequest: leaders, schema: { response: { 200: settingsBody, ...refusals } } },
    () => qaSettings(db),
  );

  app.put<{ Body: { perAgent: number; period: QaPeriodKind } }>(
    '/api/admin/qa/settings',
    {
      onRequest: admins,
      schemaErrorFormatter: fieldError(FIELDS),
      schema: {
        body: {
          type: 'object',
          properties: {
            perAgent: { type: 'integer', minimum: 1, maximum: QA_LIMITS.perAgent },
            period: { type: 'string', enum: [...QA_PERIOD_KINDS] },
          },
          required: ['perAgent', 'period'],
          additionalProperties: false,
        },
        response: { 200: settingsBody, ...refusals },
      },
    },
    async (req) => {
      const saved = await saveQaSettings(db, req.body, req.user.sub);
      req.log.info({ ...saved, by: req.user.sub }, 'QA settings changed');
      return saved;
    },
  );

  app.post<{ Body: { date?: string } }>(
    '/api/qa/draws',
    {
      onRequest: leaders,
      schemaErrorFormatter: fieldError(FIELDS),
      schema: {
        body: {
          type: 'object',
          properties: { date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              period: { type: 'string' },
              perAgent: { type: 'integer' },
              drawn: { type: 'integer' },
            },
          },
          ...refusals,
        },
      },
    },
    async (req) => {
      const at = req.body?.date ? new Date(`${req.body.date}T12:00:00+08:00`) : new Date();
      if (Number.isNaN(at.getTime()) || at.getTime() > Date.now() + 86_400_000)
        throw new BadRequest('请选择今天或以前的日期 / Choose today or a day before it.');
      const settings = await qaSettings(db);
      const period = qaPeriodAt(settings.period, at);
      const drawn = await drawQaSamples(db, period, settings.perAgent);
      req.log.info({ period: period.label, drawn, by: req.user.sub }, 'QA samples drawn');
      return { period: period.label, perAgent: settings.perAgent, drawn };
    },
  );

  app.get<{ Querystring: { scored?: boolean; agentId?: number; limit?: number } }>(
    '/api/qa/samples',
    {
      onRequest: readers,
      schema: {
        querystring: {
          type: 'object',
          properties: {
            scored: { type: 'boolean' },
            agentId: { type: 'integer', minimum: 1 },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
          },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { samples: { type: 'array', items: sampleBody } } },
          ...refusals,
        },
      },
    },
    async (req) => {
      const leader = isLeader(req);
      // an agent reads their own scored samples only
      const scored = leader ? (req.query.scored ?? false) : true;
      const agentId = leader ? (req.query.agentId ?? null) : req.user.sub;
      return { samples: await qaSamples(db, { scored, agentId, limit: req.query.limit ?? 100 }) };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/qa/samples/:id',
    { onRequest: readers, schema: { params: idParams, response: { 200: sampleBody, ...refusals } } },
    async (req) => {
      const sample = await qaSample(db, req.params.id);
      if (!sample) throw noSample(req.params.id);
      if (!isLeader(req) && (sample.agentId !== req.user.sub || !sample.scoredAt))
        throw new Forbidden('您只能查看自己已评分的抽检 / You may only see your own scored samples.');
      return sample;
    },
  );

  app.post<{ Params: { id: number }; Body: { scores: number[]; comment?: string } }>(
    '/api/qa/samples/:id/score',
    {
      onRequest: leaders,
      schemaErrorFormatter: fieldError(FIELDS),
      schema: {
        params: idParams,
        body: {
          type: 'object',
          properties: {
            scores: { type: 'array', maxItems: 100, items: { type: 'number' } },
            comment: { type: 'string', maxLength: QA_LIMITS.comment },
          },
          required: ['scores'],
          additionalProperties: false,
        },
        response: { 200: sampleBody, ...refusals },
      },
    },
    async (req) => {
      const sample = await qaSample(db, req.params.id);
      if (!sample) throw noSample(req.params.id);
      if (sample.agentId === req.user.sub)
        throw new Forbidden('不能给自己的通话评分 / You cannot score your own call.');
      const result = scoreQaSample(sample.form.items, req.body.scores);
      if (!result.ok) throw new BadRequest(result.message);
      const comment = req.body.comment?.trim() || null;
      await scoreQaSampleRow(
        db,
        sample.id,
        { scores: req.body.scores, total: result.total, outOf: result.outOf, comment },
        req.user.sub,
      );
      req.log.info({ sampleId: sample.id, total: result.total, by: req.user.sub }, 'QA sample scored');
      return (await qaSample(db, sample.id))!;
    },
  );

  app.get<{ Querystring: { periods?: number } }>(
    '/api/qa/scores',
    {
      onRequest: readers,
      schemaErrorFormatter: fieldError(FIELDS),
      schema: {
        querystring: {
          type: 'object',
          properties: { periods: { type: 'integer', minimum: 1, maximum: 60 } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              kind: { type: 'string' },
              periods: { type: 'array', items: { type: 'string' } },
              agents: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    agentId: { type: 'integer' },
                    agentName: { type: 'string' },
                    agentNumber: { type: 'string' },
                    period: { type: 'string' },
                    scored: { type: 'integer' },
                    share: { type: 'number' },
                  },
                },
              },
            },
          },
          ...refusals,
        },
      },
    },
    async (req) => {
      const { period: kind } = await qaSettings(db);
      // the last `periods` periods of the kind, oldest first, the current one last
      const periods = [qaPeriodAt(kind, new Date())];
      while (periods.length < (req.query.periods ?? 8))
        periods.unshift(qaPeriodAt(kind, new Date(periods[0]!.from.getTime() - 1)));
      const agents = await qaScores(db, {
        kind,
        fromPeriod: periods[0]!.label,
        agentId: isLeader(req) ? null : req.user.sub,
      });
      return { kind, periods: periods.map((p) => p.label), agents };
    },
  );
}
