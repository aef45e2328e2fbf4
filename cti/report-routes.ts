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
  type Cell,
  COMPLAINT_CATEGORIES,
  complaintTable,
  contentDisposition,
  kpiTable,
  kpiFigure,
  periodProblem,
  reportMonth,
  reportFileName,
  reportPeriodOf,
  REPORT_TIME_ZONE,
  TICKET_TYPE_LABELS,
  TICKET_TYPES,
  toCsv,
  type Logger,
  type ReportPeriodKind,
} from '../core/index.ts';
import {
  callTotals,
  kpiReport,
  reportScopeExists,
  ticketDays,
  type Pool,
  type ReportFilters,
  type TicketDayRow,
} from '../db/index.ts';
import { CSV_TYPE, XLSX_TYPE, xlsxOf } from './report-export.ts';
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

const COMPLAINT_TYPES = new Set(['complaint', 'compensation']);

function complaintTotals(rows: TicketDayRow[]) {
  return COMPLAINT_CATEGORIES.map((category) => {
    const of = rows.filter((r) => COMPLAINT_TYPES.has(r.type) && r.category === category);
    const sum = (k: keyof TicketDayRow) => of.reduce((s, r) => s + Number(r[k]), 0);
    return {
      category,
      registered: sum('registered'),
      resolved: sum('resolved'),
      invalid: sum('invalid'),
      repliedInTime: sum('replyInTime'),
      replyDecided: sum('replyDecided'),
    };
  });
}

export function registerReportRoutes(
  app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger>,
  deps: { db: Pool; authenticate: Authenticate; errorBody: object },
): void {
  const { db, authenticate, errorBody } = deps;
  const errors = { 400: errorBody, 401: errorBody, 403: errorBody };
  const onRequest = authenticate(['supervisor', 'admin'], LEADERS_ONLY);

  /** The filters of a request, checked: a period in order and at most a year, an estate, queue, agent that exist. */
  async function filters(from: string, to: string, q: ScopeQuery): Promise<ReportFilters> {
    const problem = periodProblem(from, to);
    if (problem) throw new BadRequest(`${problem.zh} / ${problem.en}.`);
    const f: ReportFilters = {
      from,
      to,
      estateId: q.estateId ?? null,
      queue: q.queue ?? null,
      agentId: q.agentId ?? null,
    };
    const found = await reportScopeExists(db, f);
    if (!found.estate) throw new BadRequest(`项目 ${f.estateId} 不存在 / There is no estate ${f.estateId}.`);
    if (!found.queue) throw new BadRequest(`队列「${f.queue}」不存在 / There is no queue "${f.queue}".`);
    if (!found.agent) throw new BadRequest(`座席 ${f.agentId} 不存在 / There is no agent ${f.agentId}.`);
    return f;
  }

  async function kpisOf(q: ScopeQuery & { from: string; to: string }) {
    const f = await filters(q.from, q.to, q);
    return {
      period: { from: f.from, to: f.to, timeZone: REPORT_TIME_ZONE },
      filters: { estateId: f.estateId, queue: f.queue, agentId: f.agentId },
      kpis: await kpiReport(db, f),
    };
  }

  async function complaintsOf(q: ComplaintQuery) {
    const kind = q.period;
    // whole periods: from the start of the one `from` is in to the end of the one before `to`
    const from = reportPeriodOf(q.from, kind).start;
    const last = reportPeriodOf(q.to, kind);
    const to = last.start === q.to ? q.to : last.end;
    const f = await filters(from, to, q);
    const rows = await ticketDays(db, f);
    const periods: { label: string; start: string; end: string }[] = [];
    for (let p = reportPeriodOf(from, kind); p.start < to; p = reportPeriodOf(p.end, kind)) periods.push(p);
    return {
      period: kind,
      from,
      to,
      timeZone: REPORT_TIME_ZONE,
      categories: [...COMPLAINT_CATEGORIES],
      periods: periods.map((p) => {
        const categories = complaintTotals(rows.filter((r) => r.day >= p.start && r.day < p.end));
        return { ...p, categories, registered: categories.reduce((s, c) => s + c.registered, 0) };
      }),
    };
  }

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
  for (const ext of ['csv', 'xlsx'] as const) {
    const send = async (reply: FastifyReply, sheet: string, rows: Cell[][], name: string) =>
      reply
        .type(ext === 'csv' ? CSV_TYPE : XLSX_TYPE)
        .header('content-disposition', contentDisposition('attachment', name))
        .header('cache-control', 'private, no-store')
        .send(ext === 'csv' ? Buffer.from(toCsv(rows), 'utf8') : await xlsxOf(sheet, rows));
    app.get<{ Querystring: ScopeQuery & { from: string; to: string } }>(
      `/api/reports/kpis.${ext}`,
      exportSchema(kpiQuery, `The KPI table as ${ext.toUpperCase()}`),
      async (req, reply) => {
        const r = await kpisOf(req.query);
        return send(reply, 'KPI', kpiTable(r.kpis), reportFileName('kpis', r.period, ext));
      },
    );
    app.get<{ Querystring: ComplaintQuery }>(
      `/api/reports/complaints.${ext}`,
      exportSchema(complaintQuery, `The complaint report by category as ${ext.toUpperCase()}`),
      async (req, reply) => {
        const r = await complaintsOf(req.query);
        return send(reply, '投诉 Complaints', complaintTable(r), reportFileName('complaints', r, ext));
      },
    );
  }

  app.get<{ Querystring: { month: string; estateId?: number } }>(
    '/api/reports/work',
    {
      onRequest,
      schemaErrorFormatter: queryError,
      schema: {
        querystring: {
          type: 'object',
          properties: {
            month: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' },
            estateId: scopeQuery.estateId,
          },
          required: ['month'],
          additionalProperties: false,
        },
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
    async (req) => {
      const month = reportMonth(req.query.month);
      const f = await filters(month.start, month.end, { estateId: req.query.estateId });
      const [calls, rows] = await Promise.all([callTotals(db, f), ticketDays(db, f)]);
      const sum = (of: TicketDayRow[], k: keyof TicketDayRow) => of.reduce((s, r) => s + Number(r[k]), 0);
      const requested = f.estateId === null ? [] : (['estate'] as const);
      return {
        month: month.label,
        period: { from: f.from, to: f.to, timeZone: REPORT_TIME_ZONE },
        estateId: f.estateId,
        calls: {
          offered: calls.offered,
          answered: calls.answered,
          answeredInServiceLevel: calls.answeredInSl,
          abandoned: calls.abandoned,
        },
        tickets: TICKET_TYPES.map((type) => {
          const of = rows.filter((r) => r.type === type);
          return {
            type,
            label: TICKET_TYPE_LABELS[type],
            registered: sum(of, 'registered'),
            resolved: sum(of, 'resolved'),
          };
        }),
        timeliness: [
          kpiFigure('complaint-first-reply', sum(rows, 'replyInTime'), sum(rows, 'replyDecided'), requested),
          kpiFigure('repair-timeliness', sum(rows, 'repairInTime'), sum(rows, 'repairDecided'), requested),
          kpiFigure('complaint-revisit', sum(rows, 'revisitInTime'), sum(rows, 'revisitDecided'), requested),
        ],
        complaintCategories: complaintTotals(rows),
      };
    },
  );
}
