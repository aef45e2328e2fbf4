// What a ticket is about: its type (core/contracts.ts TICKET_TYPES), a complaint's content category, a repair's
// kind and urgency, its statuses and actions, and the labels the agent page shows (中文 first, English beside it).
// No imports but the contracts: the agent page takes its labels from here.
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

export const TICKET_STATUSES = [
  'registered',
  'verified',
  'dispatched',
  'planned',
  'in-progress',
  'resolved',
  'revisited',
  'reopened',
  'closed',
  'invalid',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const FINAL_STATUSES: readonly TicketStatus[] = ['closed', 'invalid'];
export const isOpenStatus = (status: TicketStatus): boolean => !FINAL_STATUSES.includes(status);

export const TICKET_STATUS_LABELS: Record<TicketStatus, { zh: string; en: string }> = {
  registered: { zh: '已登记', en: 'registered' },
  verified: { zh: '已核实', en: 'verified' },
  dispatched: { zh: '已派单', en: 'dispatched' },
  planned: { zh: '方案已确认', en: 'planned' },
  'in-progress': { zh: '处理中', en: 'in progress' },
  resolved: { zh: '已处理', en: 'resolved' },
  revisited: { zh: '已回访', en: 'revisited' },
  reopened: { zh: '重新处理', en: 'reopened' },
  closed: { zh: '已关闭', en: 'closed' },
  invalid: { zh: '无效', en: 'invalid' },
};

/** What may be done to a ticket (lifecycle.ts TicketAction). */
export const ACTION_KINDS = [
  'verify',
  'dispatch',
  'redispatch',
  'plan',
  'start',
  'resolve',
  'answer',
  'revisit',
  'close',
  'invalidate',
  'force-close',
  'wait',
  'resume',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const ACTION_LABELS: Record<ActionKind, { zh: string; en: string }> = {
  verify: { zh: '核实', en: 'verify' },
  dispatch: { zh: '派单', en: 'dispatch' },
  redispatch: { zh: '改派', en: 'redispatch' },
  plan: { zh: '确认处理方案', en: 'plan' },
  start: { zh: '开始处理', en: 'start' },
  resolve: { zh: '处理完成', en: 'resolve' },
  answer: { zh: '当场答复', en: 'answer' },
  revisit: { zh: '回访', en: 'revisit' },
  close: { zh: '关闭', en: 'close' },
  invalidate: { zh: '判为无效', en: 'invalidate' },
  'force-close': { zh: '强制关闭', en: 'force-close' },
  wait: { zh: '等待业主', en: 'wait for the owner' },
  resume: { zh: '恢复处理', en: 'resume' },
};
