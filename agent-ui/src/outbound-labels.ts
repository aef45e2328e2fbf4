// The words of outbound calling, Chinese first with English beside: kinds, statuses, dial results, what the owner
// chose, revisit results (the campaign pages, the screen pop, the ticket's revisit record).
import { CAMPAIGN_LABELS } from '../../core/campaigns/types.ts';
import { bilingual } from './format.ts';

const RESULTS: Record<string, { zh: string; en: string }> = {
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
};

const OUTCOMES: Record<string, { zh: string; en: string }> = {
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
};

const of = (table: Record<string, { zh: string; en: string }>, code: string | null): string =>
  code === null ? '—' : table[code] ? bilingual(table[code]) : code;

export const campaignKindLabel = (kind: string): string => of(CAMPAIGN_LABELS.kind, kind);
export const campaignStatusLabel = (status: string): string => of(CAMPAIGN_LABELS.status, status);
export const targetStatusLabel = (status: string): string => of(CAMPAIGN_LABELS.target, status);
export const dialResultLabel = (result: string | null): string => of(RESULTS, result);
export const outcomeLabel = (outcome: string | null): string => of(OUTCOMES, outcome);

/** 3725 → "1 小时 2 分 1 h 2 min"; under a minute → "不到 1 分钟 under a minute". */
export function timeLeftText(etaS: number | null): string {
  if (etaS === null) return '暂无法估计 Not known yet';
  if (etaS === 0) return '已完成 Done';
  if (etaS < 60) return '不到 1 分钟 Under a minute';
  const h = Math.floor(etaS / 3600);
  const m = Math.round((etaS % 3600) / 60);
  return h > 0 ? `${h} 小时 ${m} 分 ${h} h ${m} min` : `${m} 分钟 ${m} min`;
}
