// Campaigns as the API and the campaign page see them (cti/campaign-routes.ts, agent-ui/src/campaign-*.ts): the
// request that creates one, the settings it is checked against (pure, so the page and a unit test can use the
// same rules), and what the API answers.
import type { CampaignCommand } from './campaign-status.ts';
import type { CampaignKind, CampaignStatus, DialResult, DropReason, TargetStatus } from './types.ts';

export const NOTICE_KINDS = ['water-cut', 'power-cut', 'storm', 'warranty', 'delivery', 'other'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export const NOTICE_LABELS: Record<NoticeKind, { zh: string; en: string }> = {
  'water-cut': { zh: '停水', en: 'water cut' },
  'power-cut': { zh: '停电', en: 'power cut' },
  storm: { zh: '台风暴雨预警', en: 'storm warning' },
  warranty: { zh: '保修到期', en: 'warranty expiry' },
  delivery: { zh: '交付通知', en: 'delivery' },
  other: { zh: '其他', en: 'other' },
};

export interface CampaignNotice {
  kind: NoticeKind;
  /**
   * What the owners hear, spoken by the Asterisk node; may be empty when there is a recording. With both, the
   * recording is played and the text is what agents and the campaign page read.
   */
  text: string;
  /** Safety first: an emergency notice calls numbers on the do-not-call list too. */
  emergency?: boolean;
  /** An uploaded recording (notice_recordings.id, `POST /api/notice-recordings`) played instead of the text. */
  recording?: number;
}

/** An uploaded notice recording as the API lists it (`GET /api/notice-recordings`). */
export interface NoticeRecordingView {
  id: number;
  name: string;
  durationMs: number;
  sha256: string;
  sizeBytes: number;
  uploadedBy: { id: number; name: string };
  uploadedAt: string;
}

/** `POST /api/campaigns`. */
export interface CampaignRequest {
  kind: CampaignKind;
  name: string;
  trunk: string;
  estateId?: number;
  buildingIds?: number[];
  /** A notice to a list of owners instead of an estate. */
  ownerIds?: number[];
  /** Fee reminders: households owing at least this much (yuan, two decimals at most). */
  minArrearsYuan?: number;
  /** Fee reminders: only fees overdue by at least this many days. */
  overdueDays?: number;
  /** Fee reminders: the billing cycle ('2026-12'), for coverage; the current month in Shanghai by default. */
  cycle?: string;
  notice?: CampaignNotice;
  /** Calling window, owners' local time ('09:00'..'20:00'). */
  window?: { start: string; end: string };
  /** Skip public holidays (default: fee reminders yes, the others no). */
  skipHolidays?: boolean;
  maxAttempts?: number;
  retrySpacingS?: number;
  ringTimeoutS?: number;
  /** Revisits: the keypad scale's top, and the highest score that counts as unsatisfied. */
  scaleMax?: number;
  unsatisfiedMax?: number;
  /** 'draft' (the default): set up only; 'now': runs at once; 'at': scheduled for `startsAt`. */
  start?: 'draft' | 'now' | 'at';
  startsAt?: string;
}

/** The row's settings as the database takes them (db/outbound.ts insertCampaign). */
export interface CampaignSettings {
  kind: CampaignKind;
  name: string;
  trunk: string;
  estateId: number | null;
  buildingIds: number[] | null;
  ownerIds: number[] | null;
  minArrearsFen: number | null;
  overdueDays: number | null;
  cycle: string | null;
  notice: CampaignNotice | null;
  windowStart: string;
  windowEnd: string;
  skipHolidays: boolean;
  maxAttempts: number;
  retrySpacingS: number;
  ringTimeoutS: number;
  scaleMax: number;
  unsatisfiedMax: number;
  status: Extract<CampaignStatus, 'draft' | 'scheduled' | 'running'>;
  startsAt: Date | null;
}

export type SettingsCheck = { ok: true; settings: CampaignSettings } | { ok: false; reason: string };

const refuse = (reason: string): SettingsCheck => ({ ok: false, reason });

/** The month ('2026-12') of `at` in Shanghai. */
export function cycleOf(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' })
    .format(at)
    .slice(0, 7);
}

/**
 * Checks a request against the rules of its kind and gives the settings to store, or the reason it is refused in
 * words (Chinese / English). What needs the database (the trunk, the estate's buildings) is checked by the caller.
 */
export function checkCampaignRequest(req: CampaignRequest, now: Date): SettingsCheck {
  const name = req.name.trim();
  if (name === '') return refuse('请填写活动名称 / Please give the campaign a name.');
  const hasList = (req.ownerIds?.length ?? 0) > 0;
  if (req.buildingIds?.length && req.estateId === undefined)
    return refuse('选择楼栋前请先选择小区 / Choose the estate of the buildings.');
  switch (req.kind) {
    case 'fee-reminder':
      if (req.estateId === undefined)
        return refuse('欠费催缴需要选择小区 / A fee reminder needs the estate whose households are called.');
      if (hasList)
        return refuse(
          '欠费催缴按小区欠费选择业主,不能指定业主名单 / A fee reminder calls households in arrears; it takes no list of owners.',
        );
      if (req.notice) return refuse('欠费催缴不播放通知内容 / A fee reminder has no notice text.');
      if (
        req.minArrearsYuan !== undefined &&
        Math.round(req.minArrearsYuan * 100) !== req.minArrearsYuan * 100
      )
        return refuse('最低欠费金额最多两位小数 / The minimum arrears has at most two decimals (fen).');
      break;
    case 'notice':
      if (!req.notice)
        return refuse('通知需要填写通知类型和内容 / A notice needs its kind and the text the owners hear.');
      if (req.notice.text.trim() === '' && req.notice.recording === undefined)
        return refuse('请填写通知内容或选择一段录音 / Please write the notice text, or choose a recording.');
      if (hasList === (req.estateId !== undefined))
        return refuse(
          '通知请选择小区(及楼栋)或业主名单,二选一 / A notice goes to an estate (and buildings) or to a list of owners: choose one.',
        );
      if (req.minArrearsYuan !== undefined || req.overdueDays !== undefined || req.cycle !== undefined)
        return refuse('通知不按欠费选择业主 / A notice does not pick owners by arrears.');
      break;
    case 'revisit':
      if (hasList || req.notice)
        return refuse(
          '回访的对象是待回访的工单,不能指定业主名单或通知 / A revisit calls the owners of tickets due for a revisit; it takes no list of owners and no notice.',
        );
      if (req.minArrearsYuan !== undefined || req.overdueDays !== undefined || req.cycle !== undefined)
        return refuse('回访不按欠费选择业主 / A revisit does not pick owners by arrears.');
      break;
  }
  const scaleMax = req.scaleMax ?? 5;
  const unsatisfiedMax = req.unsatisfiedMax ?? 2;
  if (req.kind !== 'revisit' && (req.scaleMax !== undefined || req.unsatisfiedMax !== undefined))
    return refuse('评分量表只用于回访 / The score scale is for revisits only.');
  if (unsatisfiedMax >= scaleMax)
    return refuse(
      `不满意的最高分(${unsatisfiedMax})必须小于满分(${scaleMax}) / The highest unsatisfied score (${unsatisfiedMax}) must be below the top of the scale (${scaleMax}).`,
    );
  const windowStart = req.window?.start ?? '09:00';
  const windowEnd = req.window?.end ?? '20:00';
  if (windowStart >= windowEnd)
    return refuse(
      `呼叫时段的开始(${windowStart})必须早于结束(${windowEnd}) / The calling window must start (${windowStart}) before it ends (${windowEnd}).`,
    );
  let startsAt: Date | null = null;
  const start = req.start ?? 'draft';
  if (start === 'at') {
    if (!req.startsAt) return refuse('请填写开始时间 / Please give the time the campaign starts.');
    startsAt = new Date(req.startsAt);
    if (startsAt.getTime() <= now.getTime())
      return refuse(
        '开始时间已过,请选择将来的时间或立即开始 / The start time has passed: choose a later time, or start now.',
      );
  } else if (req.startsAt !== undefined) {
    return refuse(
      '只有定时开始需要开始时间 / A start time is only for a campaign that starts at a set time.',
    );
  }
  return {
    ok: true,
    settings: {
      kind: req.kind,
      name,
      trunk: req.trunk,
      estateId: req.estateId ?? null,
      buildingIds: req.buildingIds?.length ? [...new Set(req.buildingIds)] : null,
      ownerIds: hasList ? [...new Set(req.ownerIds)] : null,
      minArrearsFen: req.kind === 'fee-reminder' ? Math.round((req.minArrearsYuan ?? 0) * 100) : null,
      overdueDays: req.kind === 'fee-reminder' ? (req.overdueDays ?? null) : null,
      cycle: req.kind === 'fee-reminder' ? (req.cycle ?? cycleOf(now)) : null,
      notice: req.kind === 'notice' ? { ...req.notice!, text: req.notice!.text.trim() } : null,
      windowStart,
      windowEnd,
      skipHolidays: req.skipHolidays ?? req.kind === 'fee-reminder',
      maxAttempts: req.maxAttempts ?? 3,
      retrySpacingS: req.retrySpacingS ?? 1800,
      ringTimeoutS: req.ringTimeoutS ?? 30,
      scaleMax,
      unsatisfiedMax,
      status: start === 'now' ? 'running' : start === 'at' ? 'scheduled' : 'draft',
      startsAt,
    },
  };
}

/**
 * Fee-reminder coverage of a cycle (DOMAIN KPI 管理费催缴率), for an estate (or some of its buildings):
 *   households in arrears = units with a fee item due on or before the cycle's last day that is still unpaid, plus
 *                           the units reminded in the cycle (they were in arrears when the owner heard it);
 *   households reminded   = units with a target in a fee-reminder campaign of the cycle whose owner heard the
 *                           amount (reached_at set: answered and the message played through);
 *   coverage = reminded ÷ in arrears (null when nobody is in arrears). A household that paid before it was reached
 *   leaves both; every fee-reminder campaign of the cycle in the estate counts, whatever its minimum arrears.
 */
export interface FeeCoverage {
  cycle: string;
  householdsInArrears: number;
  householdsReminded: number;
  coverage: number | null;
}

/** `GET /api/campaigns/:id` and the list's rows. */
export interface CampaignSummary {
  id: number;
  kind: CampaignKind;
  name: string;
  status: CampaignStatus;
  trunk: string;
  estate: string | null;
  total: number;
  done: number;
  createdAt: string;
  startsAt: string | null;
}

/** The settings a campaign's page shows as they were stored. */
export type CampaignStoredSettings = Pick<
  CampaignSettings,
  | 'estateId'
  | 'buildingIds'
  | 'ownerIds'
  | 'overdueDays'
  | 'cycle'
  | 'notice'
  | 'skipHolidays'
  | 'maxAttempts'
  | 'retrySpacingS'
  | 'ringTimeoutS'
  | 'scaleMax'
  | 'unsatisfiedMax'
>;

export interface CampaignView extends CampaignSummary, CampaignStoredSettings {
  /** With the name and length of its recording, if it has one that still exists. */
  notice: (CampaignNotice & { recordingName?: string; recordingDurationMs?: number }) | null;
  minArrearsYuan: number | null;
  window: { start: string; end: string };
  timeZone: string;
  startedAt: string | null;
  finishedAt: string | null;
  createdBy: string | null;
  counts: Record<TargetStatus, number>;
  reached: number;
  /** Seconds left at the rate of the last 10 minutes; null when nothing was done in them, 0 when all is done. */
  etaS: number | null;
  coverage: FeeCoverage | null;
  /** What the reader may do now (the page's buttons). */
  commands: CampaignCommand[];
}

export interface CampaignTargetView {
  id: number;
  ownerId: number;
  ownerName: string;
  /** Masked unless the reader may see numbers (team leaders, admins). */
  phone: string;
  roomCode: string | null;
  ticketNumber: string | null;
  arrearsFen: number | null;
  status: TargetStatus;
  done: boolean;
  attempts: number;
  nextAttemptAt: string | null;
  reachedAt: string | null;
  outcome: string | null;
}

export interface CallAttemptView {
  id: number;
  attemptNo: number;
  status: 'queued' | 'dialling' | 'answered' | 'ended' | 'dropped';
  result: DialResult | DropReason | null;
  dueAt: string;
  dialledAt: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  hangupCause: number | null;
  hangupCauseText: string | null;
  outcome: string | null;
  keys: string | null;
  score: number | null;
  callId: string | null;
}

/** `campaign:progress` (emitted by the dialer to the supervisors' room). */
export interface CampaignProgress {
  campaignId: number | string;
  counts: Partial<Record<TargetStatus, number>>;
  total: number;
  done: number;
  etaS: number | null;
}

/** An owner's outbound attempt, in the screen pop and the owner's history. */
export interface PopAttempt {
  campaignKind: CampaignKind;
  campaignName: string;
  at: string;
  result: string | null;
  outcome: string | null;
}

/** One step of a ticket's revisit record (ticket_revisits). */
export interface TicketRevisitView {
  id: number;
  attemptNo: number;
  at: string;
  result: 'scored' | 'no-score' | 'not-reached';
  score: number | null;
  satisfied: boolean | null;
  hasComment: boolean;
  automated: boolean;
  byAgent: string | null;
}

/** An open revisit task (a person calls the owner). */
export interface RevisitTaskView {
  id: number;
  ticketId: number;
  ticketNumber: string;
  ticketType: string;
  reason: 'not-reached' | 'no-score' | 'asked';
  createdAt: string;
  ownerName: string | null;
  phone: string | null;
  estate: string | null;
  roomCode: string | null;
  scaleMax: number;
}

/**
 * Seconds left for the targets not yet done, at the rate targets were done in the last `windowS` seconds; 0 when
 * all are done, null when none was done in the window (no rate to go by).
 */
export function etaOf(p: {
  total: number;
  done: number;
  doneInWindow: number;
  windowS: number;
}): number | null {
  const left = p.total - p.done;
  if (left <= 0) return 0;
  if (p.doneInWindow <= 0) return null;
  return Math.round(left / (p.doneInWindow / p.windowS));
}
