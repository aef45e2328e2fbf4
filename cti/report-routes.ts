// The managers' reports over HTTP (issue 7 "Reports"; core/reports/kpis.ts defines the figures, db/reports.ts
// counts them): the KPIs of a period with their definitions, the complaint reports by the six categories (daily,
// weekly from Monday, monthly closing on the 25th) and the monthly hotline work report. Team leaders and admins
// only: department staff get a 403 (their tickets are in the ticket lists), agents too. No phone number is ever
// in a report: figures, categories and ids only. The KPI table and the complaint report also download as CSV and
// XLSX (/api/reports/kpis.csv|.xlsx, /api/reports/complaints.csv|.xlsx), the same tables the reports page shows.
import type {
  FastifyInstance,
  FastifyReply,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import {
  BadRequest,
  contentDisposition,
  type Logger,
  type ReportFormat,
  type ReportPeriodKind,
} from '../core/index.ts';
import {
  complaintDocument,
  kpiDocument,
  reportAgents,
  reportFile,
  workDocument,
  type Pool,
  type ReportFile,
  type ReportFileQuery,
} from '../db/index.ts';
import type { Authenticate } from './route-kit.ts';

const LEADERS_ONLY = '只有班长和管理员可以查看报表 / Only team leaders and admins may see the reports.';

const words = {
  type: 'object',
  properties: { zh: { type: 'string' }, en: { type: 'string' } },
  required: ['zh', 'en'],
} as const;
const day = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const nullableInt = { type: ['integer', 'null'] } as const;

const kpiBody = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: words,
    unit: { type: 'string' },
    target: {
      type: 'object',
      properties: { kind: { type: 'string' }, value: { type: ['number', 'null'] } },
      required: ['kind', 'value'],
    },
    filters: { type: 'array', items: { type: 'string' } },
    definition: words,
    value: { type: ['number', 'null'] },
    numerator: { type: 'number' },
    denominator: { type: 'number' },
    met: { type: ['boolean', 'null'] },
    ignoredFilters: { type: 'array', items: { type: 'string' } },
    note: { anyOf: [words, { type: 'null' }] },
  },
  required: [
    'id',
    'name',
    'unit',
    'target',
    'filters',
    'definition',
    'value',
    'numerator',
    'denominator',
    'met',
  ],
} as const;

const periodBody = {
  type: 'object',
  properties: { from: day, to: day, timeZone: { type: 'string' } },
  required: ['from', 'to', 'timeZone'],
} as const;
const filtersBody = {
  type: 'object',
  properties: { estateId: nullableInt, queue: { type: ['string', 'null'] }, agentId: nullableInt },
  required: ['estateId', 'queue', 'agentId'],
} as const;

const scopeQuery = {
  estateId: { type: 'integer', minimum: 1 },
  queue: { type: 'string', maxLength: 32 },
  agentId: { type: 'integer', minimum: 1 },
} as const;

const kpiQuery = {
  type: 'object',
  properties: { from: day, to: day, ...scopeQuery },
  required: ['from', 'to'],
  additionalProperties: false,
} as const;
const complaintQuery = {
  type: 'object',
  properties: {
    period: { type: 'string', enum: ['day', 'week', 'month'] },
    from: day,
    to: day,
    estateId: scopeQuery.estateId,
    agentId: scopeQuery.agentId,
  },
  required: ['period', 'from', 'to'],
  additionalProperties: false,
} as const;

const workQuery = {
  type: 'object',
  properties: {
    month: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' },
    estateId: scopeQuery.estateId,
  },
  required: ['month'],
  additionalProperties: false,
} as const;

interface WorkQuery {
  month: string;
  estateId?: number;
}

const complaintCounts = {
  type: 'object',
  properties: {
    category: { type: 'string' },
    registered: { type: 'integer' },
    resolved: { type: 'integer' },
    invalid: { type: 'integer' },
    repliedInTime: { type: 'integer' },
    replyDecided: { type: 'integer' },
  },
  required: ['category', 'registered', 'resolved', 'invalid', 'repliedInTime', 'replyDecided'],
} as const;

interface ComplaintQuery {
  period: ReportPeriodKind;
  from: string;
  to: string;
  estateId?: number;
  agentId?: number;
}

interface ScopeQuery {
  estateId?: number;
  queue?: string;
  agentId?: number;
}

function queryError(): Error {
  return new BadRequest(
    '查询参数有误:from、to 为 YYYY-MM-DD 日期,estateId、agentId 为正整数,period 为 day、week 或 month,' +
      'month 为 YYYY-MM / Bad query: from and to are YYYY-MM-DD dates, estateId and agentId whole numbers from 1, ' +
      'period day, week or month, month YYYY-MM.',
  );
}

/** A report file as a download: attachment, never cached. */
export function sendReportFile(reply: FastifyReply, file: Pick<ReportFile, 'data' | 'name' | 'contentType'>) {
  return reply
    .type(file.contentType)
    .header('content-disposition', contentDisposition('attachment', file.name))
    .header('cache-control', 'private, no-store')
    .send(file.data);
}

export function registerReportRoutes(
  app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger>,
  deps: { db: Pool; authenticate: Authenticate; errorBody: object },
): void {
  const { db, authenticate, errorBody } = deps;
  const errors = { 400: errorBody, 401: errorBody, 403: errorBody };
  const onRequest = authenticate(['supervisor', 'admin'], LEADERS_ONLY);

  const kpisOf = (q: ScopeQuery & { from: string; to: string }) => kpiDocument(db, q);
  const complaintsOf = (q: ComplaintQuery) => complaintDocument(db, q);

  app.get<{ Querystring: ScopeQuery & { from: string; to: string } }>(
    '/api/reports/kpis',
    {
      onRequest,
      schemaErrorFormatter: queryError,
      schema: {
        querystring: kpiQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              period: periodBody,
              filters: filtersBody,
              kpis: { type: 'array', items: kpiBody },
            },
            required: ['period', 'filters', 'kpis'],
          },
          ...errors,
        },
      },
    },
    async (req) => kpisOf(req.query),
  );

  app.get<{ Querystring: ComplaintQuery }>(
    '/api/reports/complaints',
    {
      onRequest,
      schemaErrorFormatter: queryError,
      schema: {
        querystring: complaintQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              period: { type: 'string' },
              from: day,
              to: day,
              timeZone: { type: 'string' },
              categories: { type: 'array', items: { type: 'string' } },
              periods: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    label: { type: 'string' },
                    start: day,
                    end: day,
                    categories: { type: 'array', items: complaintCounts },
                    registered: { type: 'integer' },
                  },
                  required: ['label', 'start', 'end', 'categories', 'registered'],
                },
              },
            },
            required: ['period', 'from', 'to', 'timeZone', 'categories', 'periods'],
          },
          ...errors,
        },
      },
    },
    async (req) => complaintsOf(req.query),
  );

  // The exports: the same tables as the reports page, as CSV (UTF-8 with a BOM, for Excel) or XLSX.
  const exportSchema = (querystring: object, what: string) => ({
    onRequest,
    schemaErrorFormatter: queryError,
    schema: { description: what, querystring, response: errors },
  });
  for (const ext of ['csv', 'xlsx'] as const satisfies readonly ReportFormat[]) {
    const file = async (reply: FastifyReply, q: ReportFileQuery) =>
      sendReportFile(reply, await reportFile(db, q, ext));
    app.get<{ Querystring: ScopeQuery & { from: string; to: string } }>(
      `/api/reports/kpis.${ext}`,
      exportSchema(kpiQuery, `The KPI table as ${ext.toUpperCase()}`),
      (req, reply) => file(reply, { kind: 'kpis', ...req.query }),
    );
    app.get<{ Querystring: ComplaintQuery }>(
      `/api/reports/complaints.${ext}`,
      exportSchema(complaintQuery, `The complaint report by category as ${ext.toUpperCase()}`),
      (req, reply) => file(reply, { kind: 'complaints', ...req.query }),
    );
    app.get<{ Querystring: WorkQuery }>(
      `/api/reports/work.${ext}`,
      exportSchema(workQuery, `The monthly work report as ${ext.toUpperCase()}`),
      (req, reply) => file(reply, { kind: 'work', ...req.query }),
    );
  }

  // The agents a report can be filtered by (the page's agent select): every agent, by name and agent number.
  app.get(
    '/api/reports/agents',
    {
      onRequest,
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              agents: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    name: { type: 'string' },
                    agentNumber: { type: 'string' },
                    active: { type: 'boolean' },
                  },
                  required: ['id', 'name', 'agentNumber', 'active'],
                },
              },
            },
            required: ['agents'],
          },
          ...errors,
        },
      },
    },
    async () => ({ agents: await reportAgents(db) }),
  );

  app.get<{ Querystring: WorkQuery }>(
    '/api/reports/work',
    {
      onRequest,
      schemaErrorFormatter: queryError,
      schema: {
        querystring: workQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              month: { type: 'string' },
              period: periodBody,
              estateId: nullableInt,
              calls: {
                type: 'object',
                properties: {
                  offered: { type: 'integer' },
                  answered: { type: 'integer' },
                  answeredInServiceLevel: { type: 'integer' },
                  abandoned: { type: 'integer' },
                },
                required: ['offered', 'answered', 'answeredInServiceLevel', 'abandoned'],
              },
              tickets: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    type: { type: 'string' },
                    label: words,
                    registered: { type: 'integer' },
                    resolved: { type: 'integer' },
                  },
                  required: ['type', 'label', 'registered', 'resolved'],
                },
              },
              timeliness: { type: 'array', items: kpiBody },
              complaintCategories: { type: 'array', items: complaintCounts },
            },
            required: [
              'month',
              'period',
              'estateId',
              'calls',
              'tickets',
              'timeliness',
              'complaintCategories',
            ],
          },
          ...errors,
        },
      },
    },
    async (req) => workDocument(db, req.query),
  );
}
