// Formatting and labels: money in fen, dates, durations, and the bilingual words the desk shows.
import type { AgentState, CallEnded, CallPhase, Fen } from '../../core/contracts.ts';
import type { Disposition, PauseReason, TicketType } from '../../core/contracts.ts';
import { PAUSE_REASONS } from '../../core/contracts.ts';
import {
  ACTION_LABELS,
  TICKET_STATUS_LABELS,
  TICKET_TYPE_LABELS as CORE_TICKET_TYPE_LABELS,
} from '../../core/tickets/types.ts';

/** 123450 → "¥1,234.50" (integer arithmetic only; fen are never floats). */
export function formatFen(fen: Fen): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(fen));
  const yuan = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (abs % 100).toString().padStart(2, '0');
  return `${sign}¥${yuan}.${cents}`;
}

const pad2 = (n: number): string => n.toString().padStart(2, '0');

/** "2024-05-01" stays as is; a timestamp becomes local "2024-05-01 14:03"; anything else is shown raw. */
export function formatDate(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return (
    `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ` +
    `${pad2(date.getHours())}:${pad2(date.getMinutes())}`
  );
}

/** Local "14:03" for a timestamp. */
export function formatTime(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
}

/** 65_000 → "01:05"; an hour or more → "1:01:05". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return hours > 0 ? `${hours}:${pad2(minutes)}:${pad2(seconds)}` : `${pad2(minutes)}:${pad2(seconds)}`;
}

export function formatIvrPath(path: readonly string[]): string {
  return path.length ? path.join(' → ') : '—';
}

/** Look a code up in a label table; unknown codes are shown as given. */
export function label(table: Readonly<Record<string, string>>, code: string): string {
  return Object.hasOwn(table, code) ? (table[code] ?? code) : code;
}

const ARREAR_KINDS: Readonly<Record<string, string>> = {
  property: '物业费',
  water: '水费',
  electricity: '电费',
  gas: '燃气费',
  parking: '停车费',
};
export const arrearKindLabel = (kind: string): string => label(ARREAR_KINDS, kind);

export const AGENT_STATE_LABELS: Readonly<Record<AgentState, string>> = {
  offline: '离线 Offline',
  available: '空闲 Available',
  'not-ready': '示忙 Not ready',
  ringing: '振铃 Ringing',
  'on-call': '通话中 On call',
  'wrap-up': '话后整理 Wrap-up',
};

const PAUSE_REASON_LABELS: Readonly<Record<PauseReason, string>> = {
  break: '小休 Break',
  lunch: '用餐 Lunch',
  meeting: '会议 Meeting',
  training: '培训 Training',
  coaching: '辅导 Coaching',
  admin: '事务处理 Admin work',
};
/** Reasons the agent can pick when going not-ready (sent as `reason`), in the server's order. */
export const NOT_READY_REASONS: readonly { code: PauseReason; text: string }[] = PAUSE_REASONS.map(
  (code) => ({
    code,
    text: PAUSE_REASON_LABELS[code],
  }),
);

const REASONS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(NOT_READY_REASONS.map((r) => [r.code, r.text])),
  'no-answer': '未接听 No answer',
  'phone-unreachable': '话机不可达 Phone unreachable',
  'call-lost': '通话中断 Call lost',
};
export const reasonLabel = (reason: string): string => label(REASONS, reason);

export function agentStateText(state: AgentState, reason: string | null): string {
  const text = AGENT_STATE_LABELS[state];
  return state === 'not-ready' && reason ? `${text} · ${reasonLabel(reason)}` : text;
}

/** "投诉 Complaint": a domain label (中文 first, English beside it) as the page shows it. */
export const bilingual = (l: { zh: string; en: string }): string =>
  `${l.zh} ${l.en.charAt(0).toUpperCase()}${l.en.slice(1)}`;

const labelsOf = (table: Readonly<Record<string, { zh: string; en: string }>>): Record<string, string> =>
  Object.fromEntries(Object.entries(table).map(([code, l]) => [code, bilingual(l)]));

export const TICKET_TYPE_LABELS = labelsOf(CORE_TICKET_TYPE_LABELS) as Readonly<Record<TicketType, string>>;
export const ticketTypeLabel = (type: string): string => label(TICKET_TYPE_LABELS, type);

const TICKET_STATUSES = labelsOf(TICKET_STATUS_LABELS);
export const ticketStatusLabel = (status: string): string => label(TICKET_STATUSES, status);

const TICKET_ACTIONS = labelsOf(ACTION_LABELS);
export const ticketActionLabel = (kind: string): string => label(TICKET_ACTIONS, kind);

/** How the agent closes a call at wrap-up (the order of DISPOSITIONS is the order of the select). */
export const DISPOSITION_LABELS: Readonly<Record<Disposition, string>> = {
  resolved: '已解决 Resolved',
  ticket: '已建或关联工单 Ticket',
  'follow-up': '需跟进 Follow-up',
  information: '咨询已答复 Information given',
  'wrong-number': '打错电话 Wrong number',
  nuisance: '骚扰电话 Nuisance',
};
export const dispositionLabel = (disposition: string): string => label(DISPOSITION_LABELS, disposition);

export const directionLabel = (direction: 'inbound' | 'outbound'): string =>
  direction === 'inbound' ? '呼入 Inbound' : '呼出 Outbound';

const HANGUP_BY: Readonly<Record<CallEnded['hangupBy'], string>> = {
  caller: '客户挂机 Caller hung up',
  agent: '坐席挂机 Agent hung up',
  system: '系统结束 Ended by system',
};

export function callPhaseText(phase: CallPhase, ended: CallEnded | null): string {
  if (phase === 'offered') return '来电振铃中 Ringing';
  if (phase === 'on-call') return '通话中 On call';
  if (phase === 'held') return '保持中 On hold';
  if (!ended) return '已结束 Ended';
  const cause = ended.cause ? ` (${ended.cause})` : '';
  return `已结束 Ended — ${HANGUP_BY[ended.hangupBy] ?? ended.hangupBy}${cause} · ${formatTime(ended.at)}`;
}
