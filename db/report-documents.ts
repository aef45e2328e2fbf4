// The managers' reports as documents (issue 7 "Reports"): the KPIs of a period, the complaint report by the six
// categories and the monthly work report, as the JSON routes answer them (cti/report-routes.ts), and as files
// (CSV / XLSX of the same tables, core/reports/tables.ts). The export routes and the scheduled report jobs
// (workers/report-jobs.ts) make their files here, so a scheduled file holds what the page shows for its period.
import {
  BadRequest,
  COMPLAINT_CATEGORIES,
  complaintTable,
  CSV_TYPE,
  kpiFigure,
  kpiTable,
  periodProblem,
  reportFileName,
  reportMonth,
  reportPeriodOf,
  REPORT_TIME_ZONE,
  TICKET_TYPE_LABELS,
  TICKET_TYPES,
  toCsv,
  workTable,
  xlsxOf,
  XLSX_TYPE,
  type Cell,
  type ComplaintReport,
  type ReportFormat,
  type ReportKind,
  type ReportPeriodKind,
  type WorkReport,
} from '../core/index.ts';
import type { Pool } from './pool.ts';
import {
  callTotals,
  kpiReport,
  reportScopeExists,
  ticketDays,
  type ReportFilters,
  type TicketDayRow,
} from './reports.ts';

export interface ReportScope {
  estateId?: number | null;
  queue?: string | null;
  agentId?: number | null;
}

/** The filters of a request, checked: a period in order and at most a year, an estate, queue, agent that exist. */
export async function checkedReportFilters(
  db: Pool,
  from: string,
  to: string,
  q: ReportScope,
): Promise<ReportFilters> {
  const problem = periodProblem(from, to);
  if (problem) throw new BadRequest(`${problem.zh} / ${problem.en}.`);
  const f: ReportFilters = {
    from,
    to,
    estateId: q.estateId ?? null,
    queue: q.queue ?? null,
    agentId: q.agentId ?? null,
  };
  await checkReportScope(db, f);
  return f;
}

/** The estate, queue and agent of a report exist (a 400 in words for the first that does not). */
export async function checkReportScope(
  db: Pool,
  f: { estateId: number | null; queue: string | null; agentId: number | null },
): Promise<void> {
  const found = await reportScopeExists(db, f);
  if (!found.estate) throw new BadRequest(`项目 ${f.estateId} 不存在 / There is no estate ${f.estateId}.`);
  if (!found.queue) throw new BadRequest(`队列「${f.queue}」不存在 / There is no queue "${f.queue}".`);
  if (!found.agent) throw new BadRequest(`座席 ${f.agentId} 不存在 / There is no agent ${f.agentId}.`);
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

/** The KPIs of [from, to) with the estate, queue and agent filters. */
export async function kpiDocument(db: Pool, q: ReportScope & { from: string; to: string }) {
  const f = await checkedReportFilters(db, q.from, q.to, q);
  return {
    period: { from: f.from, to: f.to, timeZone: REPORT_TIME_ZONE },
    filters: { estateId: f.estateId, queue: f.queue, agentId: f.agentId },
    kpis: await kpiReport(db, f),
  };
}

/** The complaint report of whole periods (day, week, month) over [from, to), by estate and registering agent. */
export async function complaintDocument(
  db: Pool,
  q: {
    period: ReportPeriodKind;
    from: string;
    to: string;
    estateId?: number | null;
    agentId?: number | null;
  },
): Promise<ComplaintReport & { timeZone: string }> {
  const kind = q.period;
  // whole periods: from the start of the one `from` is in to the end of the one before `to`
  const from = reportPeriodOf(q.from, kind).start;
  const last = reportPeriodOf(q.to, kind);
  const to = last.start === q.to ? q.to : last.end;
  const f = await checkedReportFilters(db, from, to, { estateId: q.estateId, agentId: q.agentId });
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

/** The monthly hotline work report of the statistics month closing on the 25th of `month` (YYYY-MM). */
export async function workDocument(
  db: Pool,
  q: { month: string; estateId?: number | null },
): Promise<WorkReport> {
  const month = reportMonth(q.month);
  const f = await checkedReportFilters(db, month.start, month.end, { estateId: q.estateId });
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
}

export interface ReportFile {
  data: Buffer;
  name: string;
  contentType: string;
}

/** A table as a file: CSV (UTF-8 with a BOM, for Excel) or an XLSX of one sheet. */
export async function tableFile(
  format: ReportFormat,
  sheet: string,
  rows: Cell[][],
  name: string,
): Promise<ReportFile> {
  return format === 'csv'
    ? { data: Buffer.from(toCsv(rows), 'utf8'), name, contentType: CSV_TYPE }
    : { data: await xlsxOf(sheet, rows), name, contentType: XLSX_TYPE };
}

/** What a report file is asked for: its kind, the period [from, to) and the filters that kind honours. */
export type ReportFileQuery =
  | ({ kind: 'kpis'; from: string; to: string } & ReportScope)
  | {
      kind: 'complaints';
      period: ReportPeriodKind;
      from: string;
      to: string;
      estateId?: number | null;
      agentId?: number | null;
    }
  | { kind: 'work'; month: string; estateId?: number | null };

export const REPORT_SHEETS: Record<ReportKind, string> = {
  kpis: 'KPI',
  complaints: '投诉 Complaints',
  work: '工作报告 Work report',
};

/** A report as a file, from the same documents and tables as the JSON routes and the page. */
export async function reportFile(db: Pool, q: ReportFileQuery, format: ReportFormat): Promise<ReportFile> {
  const sheet = REPORT_SHEETS[q.kind];
  if (q.kind === 'kpis') {
    const r = await kpiDocument(db, q);
    return tableFile(format, sheet, kpiTable(r.kpis), reportFileName('kpis', r.period, format));
  }
  if (q.kind === 'complaints') {
    const r = await complaintDocument(db, q);
    return tableFile(format, sheet, complaintTable(r), reportFileName('complaints', r, format));
  }
  const r = await workDocument(db, q);
  return tableFile(
    format,
    sheet,
    workTable(r),
    reportFileName('work', { ...r.period, month: r.month }, format),
  );
}
