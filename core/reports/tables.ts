// The reports as tables (issue 7 "Reports"): the KPI table and the complaint report by the six categories, as
// rows of cells the reports page shows and the CSV and XLSX exports hold, so the page and the files say the same.
// Pure; the CSV is UTF-8 with a byte-order mark, so Excel opens the Chinese correctly. No phone number is ever a
// cell: figures, categories, names and definitions only.
import { COMPLAINT_CATEGORY_LABELS, type ComplaintCategory } from '../tickets/types.ts';
import type { KpiTarget, KpiUnit, Words } from './kpis.ts';

/** A KPI figure as the API answers it (GET /api/reports/kpis). */
export interface KpiRow {
  id: string;
  name: Words;
  unit: KpiUnit;
  target: KpiTarget;
  definition: Words;
  value: number | null;
  numerator: number;
  denominator: number;
  met: boolean | null;
  ignoredFilters?: string[];
  note?: Words | null;
}

/** The complaint report as the API answers it (GET /api/reports/complaints). */
export interface ComplaintReport {
  period: string;
  from: string;
  to: string;
  categories: string[];
  periods: {
    label: string;
    start: string;
    end: string;
    registered: number;
    categories: {
      category: string;
      registered: number;
      resolved: number;
      invalid: number;
      repliedInTime: number;
      replyDecided: number;
    }[];
  }[];
}

export type Cell = string | number | null;

/** A value as shown: a percentage with one decimal, seconds, or a count; a dash without a figure. */
export function kpiValueText(unit: KpiUnit, value: number | null): string {
  if (value === null) return '—';
  if (unit === 'ratio') return `${(value * 100).toFixed(1)}%`;
  if (unit === 'seconds') return `${value} 秒 s`;
  return String(value);
}

export function kpiTargetText(target: KpiTarget, unit: KpiUnit): string {
  if (target.value === null) return target.kind === 'low' ? '越低越好 Lower is better' : '—';
  const sign = target.kind === 'at-least' ? '≥' : '≤';
  return `${sign} ${kpiValueText(unit, target.value)}`;
}

export function kpiMetText(met: boolean | null): string {
  return met === null ? '—' : met ? '达标 Met' : '未达标 Not met';
}

export const KPI_TABLE_HEADER: readonly string[] = [
  '编号 Id',
  '指标 KPI',
  'KPI',
  '数值 Value',
  '显示 Shown',
  '分子 Numerator',
  '分母 Denominator',
  '目标 Target',
  '达标 Met',
  '定义 Definition',
  'Definition',
];

/** The KPI table: a header row, then one row per KPI (value as a number: a fraction for ratios). */
export function kpiTable(kpis: readonly KpiRow[]): Cell[][] {
  return [
    [...KPI_TABLE_HEADER],
    ...kpis.map((k) => [
      k.id,
      k.name.zh,
      k.name.en,
      k.value,
      kpiValueText(k.unit, k.value),
      k.numerator,
      k.denominator,
      kpiTargetText(k.target, k.unit),
      kpiMetText(k.met),
      k.definition.zh,
      k.definition.en,
    ]),
  ];
}

export const PERIOD_KIND_LABELS: Readonly<Record<string, string>> = {
  day: '每天 Day',
  week: '每周 Week (Mon–Sun)',
  month: '每月 Month (26th–25th)',
};

/** A complaint category in both languages: 工程质量 construction quality. */
export function complaintCategoryText(category: string): string {
  const en = COMPLAINT_CATEGORY_LABELS[category as ComplaintCategory];
  return en ? `${category} ${en}` : category;
}

export const COMPLAINT_TABLE_HEADER: readonly string[] = [
  '周期 Period',
  '开始 From',
  '结束(不含) To (exclusive)',
  '类别 Category',
  '登记 Registered',
  '已解决 Resolved',
  '无效 Invalid',
  '按时首次答复 Replied in time',
  '答复已定 Reply decided',
];

/** The complaint report: a header row, then one row per period and category (the six, in their order). */
export function complaintTable(report: ComplaintReport): Cell[][] {
  return [
    [...COMPLAINT_TABLE_HEADER],
    ...report.periods.flatMap((p) =>
      p.categories.map((c) => [
        p.label,
        p.start,
        p.end,
        complaintCategoryText(c.category),
        c.registered,
        c.resolved,
        c.invalid,
        c.repliedInTime,
        c.replyDecided,
      ]),
    ),
  ];
}

function csvCell(cell: Cell): string {
  const text = cell === null ? '' : String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV text (RFC 4180, CRLF) with a byte-order mark first, so Excel reads it as UTF-8. */
export function toCsv(rows: readonly (readonly Cell[])[]): string {
  return `\uFEFF${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/**
 * The file name of an export: kpis-2025-03-10_2025-03-11.csv, complaints-week-2025-03-10_2025-03-17.xlsx,
 * work-2025-03.xlsx (the work report by its statistics month).
 */
export function reportFileName(
  report: 'kpis' | 'complaints' | 'work',
  q: { from: string; to: string; period?: string; month?: string },
  ext: 'csv' | 'xlsx',
): string {
  if (report === 'work' && q.month) return `work-${q.month}.${ext}`;
  const kind = report === 'complaints' && q.period ? `-${q.period}` : '';
  return `${report}${kind}-${q.from}_${q.to}.${ext}`;
}

/** The monthly hotline work report as the API answers it (GET /api/reports/work). */
export interface WorkReport {
  month: string;
  period: { from: string; to: string; timeZone: string };
  estateId: number | null;
  calls: { offered: number; answered: number; answeredInServiceLevel: number; abandoned: number };
  tickets: { type: string; label: Words; registered: number; resolved: number }[];
  timeliness: KpiRow[];
  complaintCategories: ComplaintReport['periods'][number]['categories'];
}

export const WORK_TABLE_HEADER: readonly string[] = [
  '部分 Section',
  '项目 Item',
  '数量 Count',
  '已解决 Resolved',
  '分子 Numerator',
  '分母 Denominator',
  '数值 Value',
  '显示 Shown',
];

const CALL_ITEMS: readonly [keyof WorkReport['calls'], string][] = [
  ['offered', '进线 Offered'],
  ['answered', '接听 Answered'],
  ['answeredInServiceLevel', '及时接听 Answered within the service level'],
  ['abandoned', '放弃 Abandoned'],
];

/**
 * The work report: a header row, then the calls (offered, answered, within the service level, abandoned), the
 * tickets by type (registered, resolved), the handling timeliness (the three KPIs with numerator / denominator)
 * and the complaints by the six categories (the problem types).
 */
export function workTable(report: WorkReport): Cell[][] {
  const calls = '来电 Calls';
  const tickets = '工单 Tickets';
  const timely = '处理及时率 Handling timeliness';
  const problems = '投诉问题类型 Complaint problem types';
  return [
    [...WORK_TABLE_HEADER],
    ...CALL_ITEMS.map(([k, item]) => [
      calls,
      item,
      report.calls[k],
      null,
      null,
      null,
      null,
      String(report.calls[k]),
    ]),
    ...report.tickets.map((t) => [
      tickets,
      `${t.label.zh} ${t.label.en}`,
      t.registered,
      t.resolved,
      null,
      null,
      null,
      `${t.resolved} / ${t.registered}`,
    ]),
    ...report.timeliness.map((k) => [
      timely,
      `${k.name.zh} ${k.name.en}`,
      null,
      null,
      k.numerator,
      k.denominator,
      k.value,
      kpiValueText(k.unit, k.value),
    ]),
    ...report.complaintCategories.map((c) => [
      problems,
      complaintCategoryText(c.category),
      c.registered,
      c.resolved,
      null,
      null,
      null,
      `${c.resolved} / ${c.registered}`,
    ]),
  ];
}
