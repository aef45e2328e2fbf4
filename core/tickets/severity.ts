// How serious a complaint is (DOMAIN.md "Severity"), computed from facts, never typed in. Pure: the facts go in,
// the level and the reasons (for the escalation warning, 投诉升级预警) come out. The rules, with their defaults
// (SeverityRules, configurable):
//
// 热点 hot, when any of:
//   - repeated:    3+ different owners of the project reported the same issue (same-issue.ts) within 30 days:
//                  some 30-day window [s, s + 30 d) that holds this case holds cases of 3+ owners (this one
//                  included). Callers without an owner (unidentified) are not counted: they may be one person.
//   - joint:       3+ people complain together on this case;
//   - unresolved:  unresolved for 7 days (7 x 24 h) since intake, not counting the time the ticket waited for
//                  the owner ("through the company's fault"; clocks.ts unresolvedTime), at 7 days exactly;
//   - threatened:  the owner threatens a lawsuit or the media.
// 重大 major, when any of:
//   - compensation: the compensation asked exceeds 20,000 CNY per household on the case (total > 20,000 x
//                  households; exactly 20,000 is not major);
//   - households:  20+ households share the issue: distinct units on this case and the same-issue cases, in
//                  a 30-day window holding this case, as for `repeated`;
//   - litigation / media: the case is in litigation, or was reported in the media.
// 重大群诉 major group complaint, when this case is major and 10+ households have major complaints at once:
//   the households of this case and of the open same-issue cases that are major (all of them when the
//   households rule fired: it makes each of them major too).
// 危机 crisis: only a supervisor sets it.
//
// Severity only goes up by itself: the level kept is the higher of the current one and the computed one. A
// supervisor may set any level, up (crisis) or down, always with a note (setSeverity). Lowering dismisses the
// reasons above the new level: the same reasons do not raise it again, a new reason does (a fourth owner keeps
// `repeated` dismissed; reaching 20 households raises it to major).
import type { Fen } from '../contracts.ts';
import type { TicketActor } from './lifecycle.ts';
import { sameIssueKey, type IssueFacts } from './same-issue.ts';

export const SEVERITY_LEVELS = ['ordinary', 'hot', 'major', 'major-group', 'crisis'] as const;
export type SeverityLevel = (typeof SEVERITY_LEVELS)[number];

export const SEVERITY_LABELS: Record<SeverityLevel, { zh: string; en: string }> = {
  ordinary: { zh: '一般', en: 'ordinary' },
  hot: { zh: '热点', en: 'hot' },
  major: { zh: '重大', en: 'major' },
  'major-group': { zh: '重大群诉', en: 'major group complaint' },
  crisis: { zh: '危机', en: 'crisis' },
};

const rank = (level: SeverityLevel): number => SEVERITY_LEVELS.indexOf(level);
const higher = (a: SeverityLevel, b: SeverityLevel): SeverityLevel => (rank(a) >= rank(b) ? a : b);

/** The thresholds (DOMAIN.md's figures by default; configurable per company). */
export interface SeverityRules {
  repeatOwners: number;
  windowDays: number;
  jointComplainants: number;
  unresolvedDays: number;
  compensationPerHouseholdFen: Fen;
  majorHouseholds: number;
  groupHouseholds: number;
}

export const DEFAULT_SEVERITY_RULES: SeverityRules = {
  repeatOwners: 3,
  windowDays: 30,
  jointComplainants: 3,
  unresolvedDays: 7,
  compensationPerHouseholdFen: 2_000_000,
  majorHouseholds: 20,
  groupHouseholds: 10,
};

/**
 * Another case of the same project: registered within the window around this one, or still open. This case may
 * be among them: owners and units are counted once each.
 */
export interface SimilarCase {
  ownerId: number | null;
  unitId: number | null;
  registeredAt: string;
  /** Its same-issue key (sameIssueKey), kept with the case; only cases with this case's key count. */
  issueKey: string;
  open: boolean;
  severity: SeverityLevel;
}

export interface SeverityFacts {
  issue: IssueFacts;
  ownerId: number | null;
  /** The units (households) on this case: the owner's unit, or all of a joint complaint's. */
  units: number[];
  /** People complaining together on this case (1 for one owner). */
  complainants: number;
  registeredAt: string;
  /** Compensation or refund asked, in total for the case, in fen; null when none. */
  compensationAskedFen: Fen | null;
  litigation: 'none' | 'threatened' | 'filed';
  media: 'none' | 'threatened' | 'reported';
  /** Time unresolved since intake, without the waits for the owner (clocks.ts unresolvedTime), ms. */
  unresolvedMs: number;
  /** The project's other cases (any key: the others are ignored). */
  similar: SimilarCase[];
}

export const SEVERITY_REASON_CODES = [
  'repeated',
  'joint',
  'unresolved',
  'threatened',
  'compensation',
  'households',
  'litigation',
  'media',
  'group',
] as const;
export type SeverityReasonCode = (typeof SEVERITY_REASON_CODES)[number];

export interface SeverityReason {
  code: SeverityReasonCode;
  /** The level this reason gives. */
  level: SeverityLevel;
  zh: string;
  en: string;
}

/** A ticket's severity as kept: its level and the reasons a supervisor dismissed. */
export interface TicketSeverity {
  level: SeverityLevel;
  dismissed: readonly SeverityReasonCode[];
}
export const ORDINARY: TicketSeverity = { level: 'ordinary', dismissed: [] };

export interface SeverityAssessment {
  /** The level to keep: the higher of the current one and `computed`. */
  level: SeverityLevel;
  /** What the rules give now, without the dismissed reasons. */
  computed: SeverityLevel;
  /** Every rule that holds and is not dismissed, highest level first. */
  reasons: SeverityReason[];
  /** The level went up: send the escalation warning (escalationWarning). */
  raised: boolean;
}

const DAY_MS = 86_400_000;

/** The most distinct values of `identify` in a `windowMs` window [s, s + windowMs) holding instant `t`. */
function mostInWindow<T>(
  cases: { at: number; item: T }[],
  t: number,
  windowMs: number,
  identify: (item: T) => string[],
): number {
  let most = 0;
  for (const { at: start } of cases) {
    if (start > t || start + windowMs <= t) continue;
    const seen = new Set<string>();
    for (const c of cases)
      if (c.at >= start && c.at < start + windowMs) identify(c.item).forEach((id) => seen.add(id));
    most = Math.max(most, seen.size);
  }
  return most;
}

const yuan = (fen: Fen): string => (fen / 100).toLocaleString('en-US', { maximumFractionDigits: 2 });

/** Which rules hold, before dismissals. */
export function severityReasons(
  facts: SeverityFacts,
  rules: SeverityRules = DEFAULT_SEVERITY_RULES,
): SeverityReason[] {
  const key = sameIssueKey(facts.issue);
  const same = facts.similar.filter((c) => c.issueKey === key);
  const t = Date.parse(facts.registeredAt);
  const windowMs = rules.windowDays * DAY_MS;
  type Case = { ownerId: number | null; units: number[] };
  const cases: { at: number; item: Case }[] = [
    { at: t, item: { ownerId: facts.ownerId, units: facts.units } },
    ...same.map((c) => ({
      at: Date.parse(c.registeredAt),
      item: { ownerId: c.ownerId, units: c.unitId === null ? [] : [c.unitId] },
    })),
  ];
  const owners = mostInWindow(cases, t, windowMs, (c) => (c.ownerId === null ? [] : [String(c.ownerId)]));
  const households = mostInWindow(cases, t, windowMs, (c) => c.units.map(String));

  const reasons: SeverityReason[] = [];
  const add = (code: SeverityReasonCode, level: SeverityLevel, zh: string, en: string): void => {
    reasons.push({ code, level, zh, en });
  };
  const days = rules.windowDays;
  if (owners >= rules.repeatOwners) {
    add(
      'repeated',
      'hot',
      `${days} 天内 ${owners} 位业主反映同一问题`,
      `${owners} owners reported the same issue within ${days} days`,
    );
  }
  if (facts.complainants >= rules.jointComplainants) {
    add('joint', 'hot', `${facts.complainants} 人联名投诉`, `${facts.complainants} people complain together`);
  }
  if (facts.unresolvedMs >= rules.unresolvedDays * DAY_MS) {
    const d = rules.unresolvedDays;
    add('unresolved', 'hot', `受理 ${d} 天仍未解决`, `still unresolved ${d} days after intake`);
  }
  if (facts.litigation === 'threatened' || facts.media === 'threatened') {
    add('threatened', 'hot', '业主表示将起诉或向媒体曝光', 'the owner threatens a lawsuit or the media');
  }
  const perHousehold = Math.max(1, facts.units.length);
  const asked = facts.compensationAskedFen;
  if (asked !== null && asked > rules.compensationPerHouseholdFen * perHousehold) {
    const each = yuan(asked / perHousehold);
    const limit = yuan(rules.compensationPerHouseholdFen);
    add(
      'compensation',
      'major',
      `每户索赔 ${each} 元,超过 ${limit} 元`,
      `${each} CNY asked per household, over ${limit}`,
    );
  }
  if (households >= rules.majorHouseholds) {
    add('households', 'major', `${households} 户反映同一问题`, `${households} households share the issue`);
  }
  if (facts.litigation === 'filed')
    add('litigation', 'major', '已进入诉讼或仲裁', 'in litigation or arbitration');
  if (facts.media === 'reported') add('media', 'major', '已被媒体曝光', 'reported in the media');

  const major = reasons.some((r) => r.level === 'major');
  if (major) {
    const all = reasons.some((r) => r.code === 'households');
    const units = new Set(facts.units);
    for (const c of same) {
      if (c.open && c.unitId !== null && (all || rank(c.severity) >= rank('major'))) units.add(c.unitId);
    }
    if (units.size >= rules.groupHouseholds) {
      add(
        'group',
        'major-group',
        `${units.size} 户同时有重大投诉`,
        `${units.size} households have major complaints at once`,
      );
    }
  }
  return reasons.sort((a, b) => rank(b.level) - rank(a.level));
}

/** The severity to keep for a case, from its facts and its current severity. */
export function assessSeverity(
  facts: SeverityFacts,
  current: TicketSeverity = ORDINARY,
  rules: SeverityRules = DEFAULT_SEVERITY_RULES,
): SeverityAssessment {
  const reasons = severityReasons(facts, rules).filter((r) => !current.dismissed.includes(r.code));
  const computed = reasons.reduce<SeverityLevel>((level, r) => higher(level, r.level), 'ordinary');
  const level = higher(current.level, computed);
  return { level, computed, reasons, raised: rank(level) > rank(current.level) };
}

/** The escalation warning (投诉升级预警) a supervisor gets when a case's severity goes up. */
export function escalationWarning(
  ticketNumber: string,
  from: SeverityLevel,
  to: SeverityLevel,
  reasons: readonly SeverityReason[],
): string {
  const f = SEVERITY_LABELS[from];
  const t = SEVERITY_LABELS[to];
  const why = reasons.filter((r) => rank(r.level) > rank(from));
  const zh = `投诉升级预警:工单 ${ticketNumber} 由「${f.zh}」升为「${t.zh}」`;
  const en = `Escalation warning: ticket ${ticketNumber} raised from ${f.en} to ${t.en}`;
  const zhWhy = why.map((r) => r.zh).join(';');
  const enWhy = why.map((r) => r.en).join('; ');
  return why.length === 0 ? `${zh} / ${en}` : `${zh}(${zhWhy}) / ${en} (${enWhy})`;
}

/**
 * A supervisor sets the severity (危机, or lower after a review), with a note saying why. Lowering dismisses the
 * reasons that now hold above the new level (`reasonsNow`, from severityReasons).
 */
export function setSeverity(
  current: TicketSeverity,
  change: { level: SeverityLevel; note: string },
  by: TicketActor,
  reasonsNow: readonly SeverityReason[],
): { ok: true; severity: TicketSeverity } | { ok: false; message: string } {
  if (by.role !== 'supervisor') {
    return { ok: false, message: '只有客服主管可以调整严重程度 / Only a supervisor may set the severity.' };
  }
  if (!SEVERITY_LEVELS.includes(change.level)) {
    return {
      ok: false,
      message: `未知的严重程度「${String(change.level)}」 / Unknown severity "${String(change.level)}".`,
    };
  }
  if (typeof change.note !== 'string' || change.note.trim() === '') {
    return { ok: false, message: '调整严重程度须说明原因 / Say why the severity changes.' };
  }
  if (change.level === current.level) {
    const l = SEVERITY_LABELS[change.level];
    return { ok: false, message: `严重程度已是「${l.zh}」 / The severity is already ${l.en}.` };
  }
  const dismissed = new Set(current.dismissed);
  for (const r of reasonsNow) if (rank(r.level) > rank(change.level)) dismissed.add(r.code);
  return { ok: true, severity: { level: change.level, dismissed: [...dismissed] } };
}
