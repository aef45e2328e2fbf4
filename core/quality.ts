// Quality assurance (质检, issue 7): team leaders score a random sample of each agent's recorded calls on a
// scoring form that admins edit; the scores per agent over time are the QA figure. Pure: the periods a sample is
// drawn for, the form's rules, a scored sample's total.
//
// - Sampling: for each agent, `perAgent` of the calls they answered in the period that have a recording still
//   kept, drawn at random; drawing again for a period tops each agent up to `perAgent` and never draws a call
//   twice. The workers draw every agent's sample for the period just ended; a team leader may draw for any period
//   (the current one too) from the QA page.
// - Periods are Asia/Shanghai calendar days, ISO weeks (Monday to Sunday) or calendar months.
// - A form is a list of items, each with the most points it gives; editing the form makes a new version: samples
//   already drawn keep the version they were drawn with, so a score never changes meaning.
// - A score is a whole number from 0 to the item's points for every item; the sample's total is their sum, shown
//   as a share of the form's total points.
import { localTime } from './calendar.ts';

export const QA_PERIOD_KINDS = ['day', 'week', 'month'] as const;
export type QaPeriodKind = (typeof QA_PERIOD_KINDS)[number];

export const QA_TIME_ZONE = 'Asia/Shanghai';

export interface QaItem {
  label: string;
  points: number;
}

/** The form a new installation starts with: the five points of a hotline call. */
export const DEFAULT_QA_ITEMS: readonly QaItem[] = [
  { label: '问候语(报工号)Greeting with agent number', points: 15 },
  { label: '核实业主身份 Identification', points: 15 },
  { label: '问题解决 Solution', points: 40 },
  { label: '服务态度 Courtesy', points: 20 },
  { label: '结束语 Closing', points: 10 },
];

export const QA_LIMITS = { items: 20, label: 60, points: 100, perAgent: 50, comment: 2000 } as const;

export interface QaPeriod {
  kind: QaPeriodKind;
  /** '2026-12-07' (day), '2026-W50' (week), '2026-12' (month). */
  label: string;
  /** The first day, Shanghai ('2026-12-07'). */
  firstDay: string;
  /** The instant it starts and the instant the next one starts. */
  from: Date;
  to: Date;
}

// What the API answers (db/quality.ts reads them).
export interface QaForm {
  id: number;
  items: QaItem[];
  createdAt: string;
}

export interface QaSettings {
  perAgent: number;
  period: QaPeriodKind;
}

export interface QaSample {
  id: number;
  callId: string;
  agentId: number;
  agentName: string;
  agentNumber: string;
  period: string;
  /** When the call was answered, its queue and length in seconds. */
  answeredAt: string | null;
  queue: string | null;
  talkS: number | null;
  form: QaForm;
  scores: number[] | null;
  total: number | null;
  outOf: number | null;
  comment: string | null;
  reviewer: string | null;
  scoredAt: string | null;
}

/** One agent's scored samples in one period. */
export interface QaAgentPeriod {
  agentId: number;
  agentName: string;
  agentNumber: string;
  period: string;
  scored: number;
  /** Sum of totals ÷ sum of the forms' points (0..1). */
  share: number;
}

const DAY_MS = 86_400_000;
/** Shanghai midnight of a calendar date. */
const midnight = (date: string) => new Date(Date.parse(`${date}T00:00:00+08:00`));
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The ISO week label of a Monday ('2026-W50'). */
function isoWeekLabel(monday: string): string {
  const thursday = Date.parse(`${monday}T00:00:00Z`) + 3 * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The period of the kind that holds the instant. */
export function qaPeriodAt(kind: QaPeriodKind, at: Date): QaPeriod {
  const local = localTime(at, QA_TIME_ZONE);
  const day = Date.parse(`${local.date}T00:00:00Z`);
  if (kind === 'day') {
    return {
      kind,
      label: local.date,
      firstDay: local.date,
      from: midnight(local.date),
      to: midnight(dateOf(day + DAY_MS)),
    };
  }
  if (kind === 'week') {
    const monday = dateOf(day - (local.weekday - 1) * DAY_MS);
    return {
      kind,
      label: isoWeekLabel(monday),
      firstDay: monday,
      from: midnight(monday),
      to: midnight(dateOf(Date.parse(`${monday}T00:00:00Z`) + 7 * DAY_MS)),
    };
  }
  const first = `${local.date.slice(0, 7)}-01`;
  const next = new Date(Date.parse(`${first}T00:00:00Z`));
  next.setUTCMonth(next.getUTCMonth() + 1);
  return {
    kind,
    label: local.date.slice(0, 7),
    firstDay: first,
    from: midnight(first),
    to: midnight(dateOf(next.getTime())),
  };
}

/** The period just before the one that holds the instant (what the workers draw). */
export function previousQaPeriod(kind: QaPeriodKind, at: Date): QaPeriod {
  return qaPeriodAt(kind, new Date(qaPeriodAt(kind, at).from.getTime() - 1));
}

/** The form's items as kept, or what is wrong with them, in the admin's words. */
export function checkQaItems(
  items: readonly QaItem[],
): { ok: true; items: QaItem[] } | { ok: false; message: string } {
  if (items.length === 0 || items.length > QA_LIMITS.items)
    return {
      ok: false,
      message: `评分表需要 1 到 ${QA_LIMITS.items} 项 / The form needs 1 to ${QA_LIMITS.items} items.`,
    };
  const kept: QaItem[] = [];
  for (const [i, item] of items.entries()) {
    const label = item.label.trim();
    if (label === '' || label.length > QA_LIMITS.label)
      return {
        ok: false,
        message: `第 ${i + 1} 项需要 1 到 ${QA_LIMITS.label} 个字的名称 / Item ${i + 1} needs a name of 1 to ${QA_LIMITS.label} characters.`,
      };
    if (!Number.isInteger(item.points) || item.points < 1 || item.points > QA_LIMITS.points)
      return {
        ok: false,
        message: `第 ${i + 1} 项的分值应是 1 到 ${QA_LIMITS.points} 的整数 / Item ${i + 1}'s points must be a whole number from 1 to ${QA_LIMITS.points}.`,
      };
    if (kept.some((k) => k.label === label))
      return { ok: false, message: `「${label}」出现了两次 / "${label}" is on the form twice.` };
    kept.push({ label, points: item.points });
  }
  return { ok: true, items: kept };
}

/** A sample's scores checked against its form: their total and the form's, or what is wrong. */
export function scoreQaSample(
  items: readonly QaItem[],
  scores: readonly number[],
): { ok: true; total: number; outOf: number } | { ok: false; message: string } {
  if (scores.length !== items.length)
    return {
      ok: false,
      message: `请为全部 ${items.length} 项打分 / Score each of the ${items.length} items.`,
    };
  for (const [i, item] of items.entries()) {
    const s = scores[i]!;
    if (!Number.isInteger(s) || s < 0 || s > item.points)
      return {
        ok: false,
        message: `「${item.label}」的得分应是 0 到 ${item.points} 的整数 / "${item.label}" takes a whole number from 0 to ${item.points}.`,
      };
  }
  return {
    ok: true,
    total: scores.reduce((a, b) => a + b, 0),
    outOf: items.reduce((a, b) => a + b.points, 0),
  };
}
