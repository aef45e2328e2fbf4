// What a ticket is about: its type (core/contracts.ts TICKET_TYPES), a complaint's content category, a repair's
// kind and urgency, and the labels the agent page shows (中文 first, English beside it).
import type { TicketType } from '../contracts.ts';

export const TICKET_TYPE_LABELS: Record<TicketType, { zh: string; en: string }> = {
  complaint: { zh: '投诉', en: 'complaint' },
  repair: { zh: '报修', en: 'repair' },
  inquiry: { zh: '咨询', en: 'inquiry' },
  suggestion: { zh: '建议', en: 'suggestion' },
  compensation: { zh: '索赔', en: 'compensation claim' },
};

/** The content categories of a complaint (and of a compensation claim), as the monthly reports group them. */
export const COMPLAINT_CATEGORIES = [
  '工程质量',
  '规划设计',
  '销售管理',
  '客户服务',
  '物业管理',
  '其他',
] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

export const COMPLAINT_CATEGORY_LABELS: Record<ComplaintCategory, string> = {
  工程质量: 'construction quality',
  规划设计: 'planning and design',
  销售管理: 'sales',
  客户服务: 'customer service',
  物业管理: 'property management',
  其他: 'other',
};

/** What a repair is about; the IVR's repair menu offers the same five (ivr/flows/default.yaml). */
export const REPAIR_KINDS = ['water', 'power', 'gas', 'structure', 'other'] as const;
export type RepairKind = (typeof REPAIR_KINDS)[number];

export const REPAIR_KIND_LABELS: Record<RepairKind, { zh: string; en: string }> = {
  water: { zh: '水', en: 'water' },
  power: { zh: '电', en: 'power' },
  gas: { zh: '燃气', en: 'gas' },
  structure: { zh: '房屋结构', en: 'structure' },
  other: { zh: '其他', en: 'other' },
};

/**
 * Is a repair of this kind urgent unless the owner or the agent says otherwise? Water and power (the time limits
 * name them), and gas: a gas fault is an emergency too. Urgency is what the ticket records (`urgent`), chosen
 * by the caller in the IVR or by the agent; this is only the default the agent's form starts from.
 */
export function urgentByDefault(kind: RepairKind): boolean {
  return kind === 'water' || kind === 'power' || kind === 'gas';
}

/** Types whose handling plan must be agreed with the owner before work starts (others may start directly). */
export function needsPlan(type: TicketType): boolean {
  return type === 'complaint' || type === 'compensation';
}

/** Types that are revisited before they close (DOMAIN.md: 100 % of valid complaints and repairs). */
export function needsRevisit(type: TicketType): boolean {
  return type === 'complaint' || type === 'compensation' || type === 'repair';
}

/** Types an agent may answer on the call, without dispatching them to a department. */
export function answerableOnCall(type: TicketType): boolean {
  return type === 'inquiry' || type === 'suggestion';
}
