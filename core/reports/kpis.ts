// The figures the managers watch (DOMAIN.md "Figures the managers watch", issue 7 "Reports"): each KPI's id, its
// name, target and exact definition in Chinese and English (shown next to the figure), and the rules of a report's
// period. Pure: db/reports.ts counts, this module says what the counts mean.
//
// Every rate comes with its numerator and denominator (a manager sees 47/50, not only 94 %) and is null when the
// denominator is 0. Periods are whole days [from, to) in Asia/Shanghai.
import { addDays } from '../calendar.ts';

export const REPORT_TIME_ZONE = 'Asia/Shanghai';
/** Short abandons: a caller who hangs up within this many seconds of entering the queue. */
export const SHORT_ABANDON_S = 5;
/** The default service-level threshold X (queues.service_level_s): three rings. */
export const DEFAULT_SERVICE_LEVEL_S = 15;
/** First-call resolution: the owner does not call again within this many days. */
export const FCR_DAYS = 7;
/** The longest period a report covers, in days. */
export const MAX_REPORT_DAYS = 366;

export const KPI_IDS = [
  'service-level',
  'asa',
  'abandonment',
  'short-abandons',
  'aht',
  'occupancy',
  'first-call-resolution',
  'complaint-first-reply',
  'complaint-revisit',
  'repair-timeliness',
  'owner-satisfaction',
  'fee-reminder-coverage',
  'repeat-repair',
] as const;
export type KpiId = (typeof KPI_IDS)[number];

export type KpiFilter = 'estate' | 'queue' | 'agent';
export type KpiUnit = 'ratio' | 'seconds' | 'count';

export interface Words {
  zh: string;
  en: string;
}

export interface KpiTarget {
  /** at-least: value ≥ target; at-most: value ≤ target; low: lower is better, no figure set. */
  kind: 'at-least' | 'at-most' | 'low';
  value: number | null;
}

export interface KpiDefinition {
  id: KpiId;
  name: Words;
  unit: KpiUnit;
  target: KpiTarget;
  /** The filters the figure honours; the others are ignored for it (and said so in the answer). */
  filters: readonly KpiFilter[];
  definition: Words;
}

const CALL_BASE: Words = {
  zh: '进入队列并已结束的呼入电话(按来电日期计)',
  en: 'inbound calls that entered a queue and have ended (by the day they started)',
};

export const KPI_DEFINITIONS: Record<KpiId, KpiDefinition> = {
  'service-level': {
    id: 'service-level',
    name: { zh: '三声接听率(服务水平)', en: 'Service level (answered within 3 rings)' },
    unit: 'ratio',
    target: { kind: 'at-least', value: 1 },
    filters: ['estate', 'queue'],
    definition: {
      zh:
        `分子:进入队列后 X 秒内(含)由座席接听的电话;分母:呈现给座席的电话 = ${CALL_BASE.zh},` +
        `不含 ${SHORT_ABANDON_S} 秒内放弃的短放弃。X 为队列的服务水平阈值,默认 ${DEFAULT_SERVICE_LEVEL_S} 秒。`,
      en:
        `Numerator: calls an agent answered within X s (inclusive) of entering the queue. Denominator: calls ` +
        `offered = ${CALL_BASE.en}, short abandons (hung up within ${SHORT_ABANDON_S} s) excluded. X is the ` +
        `queue's service-level threshold, ${DEFAULT_SERVICE_LEVEL_S} s by default.`,
    },
  },
  asa: {
    id: 'asa',
    name: { zh: '平均应答时间', en: 'Average speed of answer (ASA)' },
    unit: 'seconds',
    target: { kind: 'at-most', value: DEFAULT_SERVICE_LEVEL_S },
    filters: ['estate', 'queue', 'agent'],
    definition: {
      zh: '分子:已接听电话从进入队列到座席接听的等待秒数之和;分母:已接听电话数。',
      en: 'Numerator: the seconds answered calls waited from entering the queue to the agent answering. Denominator: answered calls.',
    },
  },
  abandonment: {
    id: 'abandonment',
    name: { zh: '放弃率', en: 'Abandonment rate' },
    unit: 'ratio',
    target: { kind: 'low', value: null },
    filters: ['estate', 'queue'],
    definition: {
      zh:
        `分子:来电者在座席接听前挂断、且已等待 ${SHORT_ABANDON_S} 秒或以上的电话;分母:呈现给座席的电话` +
        `(不含短放弃)。系统结束的电话(如转入留言)计入分母,不算放弃。`,
      en:
        `Numerator: calls the caller hung up before an agent answered, after waiting ${SHORT_ABANDON_S} s or more. ` +
        `Denominator: calls offered (short abandons excluded). Calls the system ended (e.g. sent to voicemail) ` +
        `count as offered, not abandoned.`,
    },
  },
  'short-abandons': {
    id: 'short-abandons',
    name: { zh: '短放弃', en: 'Short abandons' },
    unit: 'ratio',
    target: { kind: 'low', value: null },
    filters: ['estate', 'queue'],
    definition: {
      zh: `分子:进入队列后 ${SHORT_ABANDON_S} 秒内来电者挂断的电话(单独报告,不计入服务水平和放弃率);分母:${CALL_BASE.zh}。`,
      en: `Numerator: calls the caller hung up within ${SHORT_ABANDON_S} s of entering the queue (reported apart, out of the service level and the abandonment rate). Denominator: ${CALL_BASE.en}.`,
    },
  },
  aht: {
    id: 'aht',
    name: { zh: '平均处理时长', en: 'Average handle time (AHT)' },
    unit: 'seconds',
    target: { kind: 'low', value: null },
    filters: ['estate', 'queue', 'agent'],
    definition: {
      zh: '分子:已接听电话从座席接听到话后处理完成的秒数之和(通话 + 保持 + 话后处理;未做话后处理的算到挂机);分母:已接听电话数。',
      en: 'Numerator: the seconds of answered calls from the agent answering to the end of wrap-up (talk + hold + wrap-up; to the hang-up when no wrap-up was recorded). Denominator: answered calls.',
    },
  },
  occupancy: {
    id: 'occupancy',
    name: { zh: '座席占用率', en: 'Occupancy' },
    unit: 'ratio',
    target: { kind: 'low', value: null },
    filters: ['agent'],
    definition: {
      zh: '分子:座席处于通话中和话后处理状态的秒数;分母:座席在岗秒数 = 空闲 + 振铃 + 通话中 + 话后处理(不含小休/未就绪和离线)。',
      en: 'Numerator: the seconds agents were on a call or wrapping up. Denominator: the seconds they were staffed = available + ringing + on a call + wrapping up (not-ready pauses and offline left out).',
    },
  },
  'first-call-resolution': {
    id: 'first-call-resolution',
    name: { zh: '一次解决率', en: 'First-call resolution' },
    unit: 'ratio',
    target: { kind: 'at-least', value: null },
    filters: ['estate', 'queue', 'agent'],
    definition: {
      zh: `分子:已接听且来电业主已识别的电话中,该业主其后 ${FCR_DAYS} 天内未再来电的;分母:已接听且业主已识别的电话。最近 ${FCR_DAYS} 天的电话结果尚可能下降。`,
      en: `Numerator: answered calls from an identified owner after which that owner did not call again within ${FCR_DAYS} days. Denominator: answered calls from identified owners. The figure for the last ${FCR_DAYS} days may still fall.`,
    },
  },
  'complaint-first-reply': {
    id: 'complaint-first-reply',
    name: { zh: '第一时间回复率', en: 'Complaint first-reply rate' },
    unit: 'ratio',
    target: { kind: 'at-least', value: 1 },
    filters: ['estate', 'agent'],
    definition: {
      zh: '期内登记的投诉和索赔:分子:首轮在答复时限(默认 4 个工作日)内答复结果(解决或认定无效)的;分母:首轮已答复或答复时限已超期的(时限未到且未答复的不计)。',
      en: "Complaints and compensation claims registered in the period. Numerator: those whose outcome (resolved, or found invalid) was given within the first round's reply limit (4 working days by default). Denominator: those replied to or past that limit (those still within it are not counted yet).",
    },
  },
  'complaint-revisit': {
    id: 'complaint-revisit',
    name: { zh: '投诉回访率', en: 'Complaint revisit rate (48 h)' },
    unit: 'ratio',
    target: { kind: 'at-least', value: 1 },
    filters: ['estate', 'agent'],
    definition: {
      zh: '期内登记的有效投诉和索赔中已处理完成的:分子:首次完成后在回访时限(默认 48 小时)内回访的;分母:已回访或回访时限已超期的。',
      en: 'Valid complaints and compensation claims registered in the period and resolved. Numerator: those revisited within the revisit limit (48 h by default) of their first resolution. Denominator: those revisited or past that limit.',
    },
  },
  'repair-timeliness': {
    id: 'repair-timeliness',
    name: { zh: '维修及时率', en: 'Repair timeliness' },
    unit: 'ratio',
    target: { kind: 'at-least', value: 0.95 },
    filters: ['estate', 'agent'],
    definition: {
      zh: '期内登记的报修:分子:首轮到场(紧急 15 分钟、一般 30 分钟)和修复(紧急 6 小时、一般 1 个工作日)均未超时且已修复的;分母:已修复或到场/修复时限已超期的。',
      en: "Repairs registered in the period. Numerator: those fixed with neither the first round's on-site limit (15 min urgent, 30 min others) nor its fix limit (6 h urgent, 1 working day others) run out. Denominator: those fixed or past either limit.",
    },
  },
  'owner-satisfaction': {
    id: 'owner-satisfaction',
    name: { zh: '业主满意度', en: 'Owner satisfaction' },
    unit: 'ratio',
    target: { kind: 'at-least', value: 0.9 },
    filters: ['estate', 'agent'],
    definition: {
      zh: '期内登记的工单的回访:分子:回答“满意”的回访;分母:有评价的回访(未接通或未评分的不计)。',
      en: 'Revisits of the tickets registered in the period. Numerator: revisits answered "satisfied". Denominator: revisits with an answer (not reached or no score left out).',
    },
  },
  'fee-reminder-coverage': {
    id: 'fee-reminder-coverage',
    name: { zh: '管理费催缴率', en: 'Fee-reminder coverage' },
    unit: 'ratio',
    target: { kind: 'at-least', value: 1 },
    filters: ['estate'],
    definition: {
      zh: '所选小区、期初所在月份的缴费周期:分子:该周期催缴电话已听到提醒的欠费户;分母:欠费户(含已提醒的)。须选择小区。',
      en: 'The selected estate, billing cycle of the month the period starts in. Numerator: households in arrears that heard a reminder of the cycle. Denominator: households in arrears (those reminded included). Needs an estate.',
    },
  },
  'repeat-repair': {
    id: 'repeat-repair',
    name: { zh: '返修率', en: 'Repeat-repair rate' },
    unit: 'ratio',
    target: { kind: 'low', value: null },
    filters: ['estate', 'agent'],
    definition: {
      zh: '期内登记的报修:分子:修复后因回访不满意而重新打开的;分母:已修复的。',
      en: 'Repairs registered in the period. Numerator: those reopened after being fixed (an unsatisfied revisit). Denominator: those fixed.',
    },
  },
};

export interface KpiFigure extends KpiDefinition {
  value: number | null;
  numerator: number;
  denominator: number;
  /** The value meets the target; null without a target figure or a value. */
  met: boolean | null;
  /** Filters of the request this figure does not honour. */
  ignoredFilters: KpiFilter[];
  /** Why there is no figure, when it is not a zero denominator. */
  note: Words | null;
}

/** A fraction rounded to 4 places (seconds to 1 place); null when the denominator is 0. */
export function kpiValue(unit: KpiUnit, numerator: number, denominator: number): number | null {
  if (denominator === 0) return null;
  const places = unit === 'ratio' ? 10_000 : 10;
  return Math.round((numerator / denominator) * places) / places;
}

export function targetMet(target: KpiTarget, value: number | null): boolean | null {
  if (value === null || target.value === null) return null;
  return target.kind === 'at-least' ? value >= target.value : value <= target.value;
}

/** One KPI's figure from its counts, with the filters of the request it ignores. */
export function kpiFigure(
  id: KpiId,
  numerator: number,
  denominator: number,
  requested: readonly KpiFilter[],
  note: Words | null = null,
): KpiFigure {
  const definition = KPI_DEFINITIONS[id];
  const value = note === null ? kpiValue(definition.unit, numerator, denominator) : null;
  return {
    ...definition,
    value,
    numerator,
    denominator,
    met: targetMet(definition.target, value),
    ignoredFilters: requested.filter((f) => !definition.filters.includes(f)),
    note,
  };
}

// ---------------------------------------------------------------------------------------------- periods

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function dayNumber(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / DAY_MS;
}
function dayOf(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** A report period's days [from, to): words for what is wrong with it, or null. */
export function periodProblem(from: string, to: string): Words | null {
  for (const day of [from, to]) {
    if (!DATE.test(day) || dayOf(dayNumber(day)) !== day) {
      return { zh: `日期「${day}」无效,格式为 YYYY-MM-DD`, en: `"${day}" is not a date (YYYY-MM-DD)` };
    }
  }
  const days = dayNumber(to) - dayNumber(from);
  if (days <= 0) {
    return { zh: '结束日期须晚于开始日期', en: 'The end of the period (to) must be after its start (from)' };
  }
  if (days > MAX_REPORT_DAYS) {
    return {
      zh: `统计期最长 ${MAX_REPORT_DAYS} 天(一年)`,
      en: `A report covers at most ${MAX_REPORT_DAYS} days (a year)`,
    };
  }
  return null;
}

export type ReportPeriodKind = 'day' | 'week' | 'month';

/**
 * The report period a day belongs to, by its first day and label:
 *  - day: the day itself;
 *  - week: Monday to Sunday, labelled by its Monday ("every Monday": the report of the week before is due then);
 *  - month: the 26th of one month to the 25th of the next, labelled by the month it closes in ("by the 25th": the
 *    monthly report is closed on the 25th, as the property companies' statistics months run 26th-25th).
 */
export function reportPeriodOf(
  day: string,
  kind: ReportPeriodKind,
): { start: string; end: string; label: string } {
  if (kind === 'day') return { start: day, end: addDays(day, 1), label: day };
  if (kind === 'week') {
    const weekday = (new Date(dayNumber(day) * DAY_MS).getUTCDay() + 6) % 7; // Monday 0
    const start = addDays(day, -weekday);
    return { start, end: addDays(start, 7), label: start };
  }
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const close = d <= 25 ? [y, m] : m === 12 ? [y + 1, 1] : [y, m + 1];
  return reportMonth(`${close[0]}-${String(close[1]).padStart(2, '0')}`);
}

/** The statistics month closing on the 25th of `month` (YYYY-MM): 26th of the month before to the 25th. */
export function reportMonth(month: string): { start: string; end: string; label: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const before = m === 1 ? [y - 1, 12] : [y, m - 1];
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    start: `${before[0]}-${pad(before[1]!)}-26`,
    end: `${y}-${pad(m)}-26`,
    label: month,
  };
}

/** The README's "Figures" section, from the definitions above. */
export function figuresMarkdown(): string {
  const target = (t: KpiTarget, unit: KpiUnit) =>
    t.value === null
      ? t.kind === 'low'
        ? 'low / 越低越好'
        : '—'
      : `${t.kind === 'at-least' ? '≥' : '≤'} ${unit === 'ratio' ? `${t.value * 100} %` : `${t.value} s`}`;
  const rows = KPI_IDS.map((id) => {
    const k = KPI_DEFINITIONS[id];
    return `| \`${id}\` | ${k.name.zh} / ${k.name.en} | ${target(k.target, k.unit)} | ${k.filters.join(', ')} | ${k.definition.en} ${k.definition.zh} |`;
  });
  return ['| id | KPI | target | filters | definition |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The billing cycle (YYYY-MM) of the month a period starts in: the fee-reminder coverage's cycle. */
export function feeCycleOf(day: string): string {
  return day.slice(0, 7);
}
