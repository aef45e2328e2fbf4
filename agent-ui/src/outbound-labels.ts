// The words of outbound calling, Chinese first with English beside: kinds, statuses, dial results, what the owner
// chose, revisit results (the campaign pages, the screen pop, the ticket's revisit record).
import { CAMPAIGN_LABELS } from '../../core/campaigns/types.ts';
import { bilingual } from './format.ts';

const of = (table: Record<string, { zh: string; en: string }>, code: string | null): string =>
  code === null ? '—' : table[code] ? bilingual(table[code]) : code;

export const campaignKindLabel = (kind: string): string => of(CAMPAIGN_LABELS.kind, kind);
export const campaignStatusLabel = (status: string): string => of(CAMPAIGN_LABELS.status, status);
export const targetStatusLabel = (status: string): string => of(CAMPAIGN_LABELS.target, status);
export const dialResultLabel = (result: string | null): string => of(CAMPAIGN_LABELS.result, result);
export const outcomeLabel = (outcome: string | null): string => of(CAMPAIGN_LABELS.outcome, outcome);

/** 3725 → "1 小时 2 分 1 h 2 min"; under a minute → "不到 1 分钟 under a minute". */
export function timeLeftText(etaS: number | null): string {
  if (etaS === null) return '暂无法估计 Not known yet';
  if (etaS === 0) return '已完成 Done';
  if (etaS < 60) return '不到 1 分钟 Under a minute';
  const h = Math.floor(etaS / 3600);
  const m = Math.round((etaS % 3600) / 60);
  return h > 0 ? `${h} 小时 ${m} 分 ${h} h ${m} min` : `${m} 分钟 ${m} min`;
}
