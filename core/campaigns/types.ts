// Outbound campaigns (issue 6): the vocabulary shared by the dialer (workers/), the outbound call (ivr/) and the
// API and pages (cti/, agent-ui/). The tables are db/migrations/016_campaigns.sql.
//
// One campaign calls many targets (a household in arrears, a resolved ticket's owner, an owner to tell about a
// water cut); each target is reached through attempts, one BullMQ job and at most one dial each.

export const CAMPAIGN_KINDS = ['fee-reminder', 'revisit', 'notice'] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];

export const CAMPAIGN_STATUSES = [
  'draft',
  'scheduled',
  'running',
  'paused',
  'completed',
  'cancelled',
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** A target's progress, as the campaign page counts it. */
export const TARGET_STATUSES = [
  'queued',
  'dialling',
  'answered',
  'no-answer',
  'busy',
  'failed',
  'completed',
  'opted-out',
  'skipped',
  'cancelled',
] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];

/** How a dialled attempt ended. */
export const DIAL_RESULTS = [
  'answered',
  'busy',
  'no-answer',
  'congestion',
  'rejected',
  'failed',
  'interrupted',
] as const;
export type DialResult = (typeof DIAL_RESULTS)[number];

/** Why an attempt was dropped without dialling. */
export const DROP_REASONS = ['paid', 'do-not-call', 'cancelled', 'ticket-closed'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** What the owner chose on an answered call. */
export const CALL_OUTCOMES = [
  // fee reminder: 1, 2, 3, 9
  'acknowledged',
  'fees-desk',
  'disputed',
  'opted-out',
  // revisit
  'satisfied',
  'unsatisfied',
  // answered, heard the message, pressed nothing (a notice is done then; a reminder counts as reached)
  'heard',
  // answered but hung up before the message was through
  'no-input',
] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export const CAMPAIGN_LABELS = {
  kind: {
    'fee-reminder': { zh: '欠费催缴', en: 'fee reminder' },
    revisit: { zh: '回访', en: 'revisit' },
    notice: { zh: '通知', en: 'notice' },
  },
  status: {
    draft: { zh: '草稿', en: 'draft' },
    scheduled: { zh: '已排期', en: 'scheduled' },
    running: { zh: '进行中', en: 'running' },
    paused: { zh: '已暂停', en: 'paused' },
    completed: { zh: '已完成', en: 'completed' },
    cancelled: { zh: '已取消', en: 'cancelled' },
  },
  target: {
    queued: { zh: '排队中', en: 'queued' },
    dialling: { zh: '拨号中', en: 'dialling' },
    answered: { zh: '已接听', en: 'answered' },
    'no-answer': { zh: '无人接听', en: 'no answer' },
    busy: { zh: '占线', en: 'busy' },
    failed: { zh: '失败', en: 'failed' },
    completed: { zh: '已完成', en: 'completed' },
    'opted-out': { zh: '拒绝再呼', en: 'opted out' },
    skipped: { zh: '已跳过', en: 'skipped' },
    cancelled: { zh: '已取消', en: 'cancelled' },
  },
  /** How an attempt ended (DIAL_RESULTS) or why it was dropped (DROP_REASONS). */
  result: {
    answered: { zh: '已接听', en: 'answered' },
    busy: { zh: '占线', en: 'busy' },
    'no-answer': { zh: '无人接听', en: 'no answer' },
    congestion: { zh: '线路拥塞', en: 'congestion' },
    rejected: { zh: '拒接', en: 'rejected' },
    failed: { zh: '失败', en: 'failed' },
    interrupted: { zh: '中断', en: 'interrupted' },
    paid: { zh: '已缴清', en: 'paid' },
    'do-not-call': { zh: '免打扰', en: 'do not call' },
    cancelled: { zh: '已取消', en: 'cancelled' },
    'ticket-closed': { zh: '工单已关闭', en: 'ticket closed' },
  },
  /** What the owner chose (CALL_OUTCOMES), and a revisit record's result when no score was given. */
  outcome: {
    acknowledged: { zh: '已知悉', en: 'acknowledged' },
    'fees-desk': { zh: '转缴费专席', en: 'fees desk' },
    disputed: { zh: '有异议', en: 'disputed' },
    'opted-out': { zh: '拒绝再呼', en: 'opted out' },
    satisfied: { zh: '满意', en: 'satisfied' },
    unsatisfied: { zh: '不满意', en: 'unsatisfied' },
    heard: { zh: '已收听', en: 'heard' },
    'no-input': { zh: '未按键', en: 'no input' },
    'no-score': { zh: '未评分', en: 'no score' },
    'not-reached': { zh: '未接通', en: 'not reached' },
  },
} as const satisfies Record<string, Record<string, { zh: string; en: string }>>;

/** Q.850 hang-up causes of an unanswered dial, as the retry rules group them. */
export function dialResultOfCause(cause: number): Exclude<DialResult, 'answered' | 'interrupted'> {
  switch (cause) {
    case 17:
      return 'busy';
    case 18:
    case 19:
    case 20:
      return 'no-answer';
    case 21:
      return 'rejected';
    case 34:
    case 38:
    case 41:
    case 42:
    case 44:
      return 'congestion';
    default:
      return 'failed';
  }
}

/**
 * One dial, as the dialer hands it to the PBX side (ivr/): everything the outbound call needs to run its flow
 * without asking the database first.
 */
export interface OutboundDial {
  attemptId: string;
  attemptNo: number;
  targetId: string;
  campaignId: string;
  kind: CampaignKind;
  ownerId: string;
  unitId: number | null;
  ticketId: string | null;
  /** Normalised number to dial. */
  phone: string;
  /** The trunk's Asterisk dial string with `{number}`, and the number shown to the owner. */
  dial: string;
  callerId: string;
  ringTimeoutS: number;
}

/** How the dial went, reported when the owner's channel is gone. */
export interface OutboundCallEnd {
  result: DialResult;
  /** Asterisk's hang-up cause; null when the originate itself failed. */
  causeCode: number | null;
  causeText: string | null;
  channelId: string | null;
  /** The call record of an answered call. */
  callId: string | null;
  outcome: CallOutcome | null;
  keys: string | null;
  score: number | null;
  commentRecording: string | null;
}

/**
 * The port the dialer places calls through (implemented by the IVR controller of the Asterisk node the dialer
 * runs beside). `place` resolves when the owner's channel is gone, never earlier: the trunk's channel count
 * depends on it. `onDialled` is called once Asterisk created the channel, so the dialer can record the channel id
 * before the owner answers.
 */
export interface OutboundCalls {
  place(dial: OutboundDial, hooks: { onDialled(channelId: string): void }): Promise<OutboundCallEnd>;
  /** Is this channel still up on this node? (A dialer that restarted checks the calls of its dead run.) */
  isUp(channelId: string): Promise<boolean>;
}

/** PostgreSQL channel of campaign status changes (migration 017): payload the campaign id, or 'revisits'. */
export const CAMPAIGNS_CHANNEL = 'hotline_campaigns';
/** The scheduler's BullMQ queue (workers/campaigns.ts). */
export const CAMPAIGNS_QUEUE = 'hotline-campaigns';
/** One dial queue per trunk: the trunk's cap and calls/s are set on it. */
export const dialQueueName = (trunkCode: string): string => `hotline-dial-${trunkCode}`;
/** One job per attempt: adding it twice is harmless. */
export const attemptJobId = (attemptId: number | string): string => `attempt-${attemptId}`;
/** The trunk seeded from HOTLINE_OUTSIDE_DIAL; automatic revisits go out through it. */
export const DEFAULT_TRUNK = 'main';
