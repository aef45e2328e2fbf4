// Scheduled reports (issue 7 "Reports"): which period of a cadence is due at an instant, in Shanghai time, with the
// complaint reports' period rules (core/reports/kpis.ts reportPeriodOf): daily is the day before; weekly is the
// Monday-Sunday week before, due from Monday 00:00; monthly is the statistics month that closed on the 25th, due
// from the 26th 00:00 (the work report's month too: GET /api/reports/work counts the month closing on the 25th).
// Pure: the worker asks with the clock's now, the unit tests with fixed instants.
import { addDays, addMonths, localTime } from '../calendar.ts';
import { reportMonth, reportPeriodOf, REPORT_TIME_ZONE, type ReportPeriodKind, type Words } from './kpis.ts';

export const REPORT_KINDS = ['kpis', 'complaints', 'work'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
export const REPORT_CADENCES = ['daily', 'weekly', 'monthly'] as const;
export type ReportCadence = (typeof REPORT_CADENCES)[number];
export const REPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const REPORT_RUN_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type ReportRunStatus = (typeof REPORT_RUN_STATUSES)[number];

/** A schedule's filters: each null (every one) or the one the report is about. */
export interface ReportScheduleFilters {
  estateId: number | null;
  queue: string | null;
  agentId: number | null;
}

/** A schedule as it is set (POST / PUT /api/reports/schedules). */
export interface NewReportSchedule {
  name: string;
  kind: ReportKind;
  filters: ReportScheduleFilters;
  cadence: ReportCadence;
  format: ReportFormat;
  enabled: boolean;
}

/** A run of a schedule: one per period, with its file once made. */
export interface ReportRun {
  id: number;
  scheduleId: number;
  from: string;
  to: string;
  label: string;
  status: ReportRunStatus;
  attempts: number;
  fileName: string | null;
  contentType: string | null;
  size: number | null;
  error: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ReportSchedule extends NewReportSchedule {
  id: number;
  createdBy: number | null;
  createdByName: string | null;
  createdAt: string;
  lastRun: ReportRun | null;
}

/** A run's files are kept this many months after their period ended, then deleted. */
export const REPORT_RUNS_KEPT_MONTHS = 13;

export const REPORT_KIND_LABELS: Record<ReportKind, string> = {
  kpis: '指标 KPIs',
  complaints: '投诉分类 Complaints by category',
  work: '月度工作报告 Monthly work report',
};
export const REPORT_CADENCE_LABELS: Record<ReportCadence, string> = {
  daily: '每天 Daily (the day before)',
  weekly: '每周一 Weekly, Mondays (the week before)',
  monthly: '每月26日 Monthly, the 26th (the month closing on the 25th)',
};

/** A report period: days [from, to) in Shanghai, and its label (the day, the Monday, the month YYYY-MM). */
export interface ReportPeriod {
  from: string;
  to: string;
  label: string;
}

const PERIOD_KIND: Record<ReportCadence, ReportPeriodKind> = {
  daily: 'day',
  weekly: 'week',
  monthly: 'month',
};

/** The calendar day of an instant in Shanghai. */
export function reportDay(at: Date): string {
  return localTime(at, REPORT_TIME_ZONE).date;
}

/** The period of a cadence holding a day. */
export function cadencePeriodOf(cadence: ReportCadence, day: string): ReportPeriod {
  const p = reportPeriodOf(day, PERIOD_KIND[cadence]);
  return { from: p.start, to: p.end, label: p.label };
}

/** The latest period of a cadence that has ended at `at`: the one before the period holding today (Shanghai). */
export function duePeriod(cadence: ReportCadence, at: Date): ReportPeriod {
  const current = cadencePeriodOf(cadence, reportDay(at));
  return cadencePeriodOf(cadence, addDays(current.from, -1));
}

/** What is wrong with a schedule's kind and cadence together, or null: the work report is monthly only. */
export function scheduleProblem(s: { kind: ReportKind; cadence: ReportCadence }): Words | null {
  if (s.kind === 'work' && s.cadence !== 'monthly') {
    return {
      zh: '月度工作报告只能按月生成(cadence 为 monthly)',
      en: 'The work report is monthly: its cadence must be monthly',
    };
  }
  return null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^(\d{4})-(\d{2})$/;

/**
 * The period a "run now" asks for: 'YYYY-MM-DD' is the period of the cadence holding that day; 'YYYY-MM' (monthly
 * only) the statistics month closing on the 25th of that month. The period must have ended at `at`.
 */
export function askedPeriod(
  cadence: ReportCadence,
  asked: string,
  at: Date,
): { period: ReportPeriod } | { problem: Words } {
  let period: ReportPeriod;
  const month = MONTH.exec(asked);
  if (month) {
    const m = Number(month[2]);
    if (m < 1 || m > 12) {
      return {
        problem: { zh: `月份「${asked}」无效,月为 01 到 12`, en: `"${asked}" is not a month (01 to 12)` },
      };
    }
    if (cadence !== 'monthly') {
      return {
        problem: {
          zh: '按月份生成只适用于每月报表,请填写日期 YYYY-MM-DD',
          en: 'A month is for monthly schedules: give a day (YYYY-MM-DD)',
        },
      };
    }
    const p = reportMonth(asked);
    period = { from: p.start, to: p.end, label: p.label };
  } else if (DAY.test(asked) && !Number.isNaN(Date.parse(`${asked}T00:00:00Z`))) {
    if (new Date(`${asked}T00:00:00Z`).toISOString().slice(0, 10) !== asked)
      return { problem: notADay(asked) };
    period = cadencePeriodOf(cadence, asked);
  } else {
    return { problem: notADay(asked) };
  }
  if (period.to > reportDay(at)) {
    return {
      problem: {
        zh: `统计期 ${period.from} 至 ${addDays(period.to, -1)} 尚未结束`,
        en: `The period ${period.from} to ${addDays(period.to, -1)} has not ended yet`,
      },
    };
  }
  return { period };
}

function notADay(asked: string): Words {
  return {
    zh: `「${asked}」不是日期 YYYY-MM-DD 或月份 YYYY-MM`,
    en: `"${asked}" is not a day (YYYY-MM-DD) or a month (YYYY-MM)`,
  };
}

/** Runs whose period ended before this day (Shanghai) are deleted: REPORT_RUNS_KEPT_MONTHS before today. */
export function runsExpireBefore(at: Date): string {
  return addMonths(reportDay(at), -REPORT_RUNS_KEPT_MONTHS);
}

/** The BullMQ job id of a run: one job per schedule and period, whoever enqueues it. */
export function reportRunJobId(scheduleId: number, from: string): string {
  return `report-run-${scheduleId}-${from}`;
}
