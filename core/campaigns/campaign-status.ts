// What a person may do to a campaign in each of its states (the campaign page's buttons and the API's answer),
// pure: the API writes the new status in one UPDATE guarded by the status read here, and the dialer reacts to
// the change (a trigger NOTIFYs `hotline_campaigns`). `completed` is the dialer's to set, never a person's.
//
//   draft ──start──▶ running            draft / scheduled ──start at a later time──▶ scheduled
//   running ──pause──▶ paused ──resume──▶ running
//   draft, scheduled, running, paused ──cancel──▶ cancelled        completed, cancelled: final
import type { CampaignStatus } from './types.ts';

export const CAMPAIGN_COMMANDS = ['start', 'pause', 'resume', 'cancel'] as const;
export type CampaignCommand = (typeof CAMPAIGN_COMMANDS)[number];

export type CampaignStep =
  { ok: true; status: CampaignStatus } | { ok: false; reason: string; allowed: CampaignCommand[] };

const STATUS_ZH: Record<CampaignStatus, string> = {
  draft: '草稿',
  scheduled: '已排期',
  running: '进行中',
  paused: '已暂停',
  completed: '已完成',
  cancelled: '已取消',
};

const FROM: Record<CampaignCommand, readonly CampaignStatus[]> = {
  start: ['draft', 'scheduled'],
  pause: ['running'],
  resume: ['paused'],
  cancel: ['draft', 'scheduled', 'running', 'paused'],
};

/** Why a command is refused in a state, in words (Chinese / English). */
const REFUSALS: Record<CampaignCommand, (s: CampaignStatus) => string> = {
  start: (s) =>
    s === 'running' || s === 'paused'
      ? `活动已经开始(${STATUS_ZH[s]}),无需再次开始 / The campaign has already started (${s}).`
      : `活动${STATUS_ZH[s]},不能再开始 / A ${s} campaign cannot be started again.`,
  pause: (s) =>
    s === 'paused'
      ? '活动已经暂停 / The campaign is already paused.'
      : `只有进行中的活动可以暂停,此活动${STATUS_ZH[s]} / Only a running campaign can be paused; this one is ${s}.`,
  resume: (s) =>
    s === 'running'
      ? '活动正在进行,无需继续 / The campaign is already running.'
      : `只有已暂停的活动可以继续,此活动${STATUS_ZH[s]} / Only a paused campaign can be resumed; this one is ${s}.`,
  cancel: (s) =>
    `活动${STATUS_ZH[s]},不能再取消 / A ${s} campaign cannot be cancelled: it has already ended.`,
};

/** The commands a person may give a campaign in this state (the page shows these buttons only). */
export function campaignCommands(status: CampaignStatus): CampaignCommand[] {
  return CAMPAIGN_COMMANDS.filter((c) => FROM[c].includes(status));
}

/**
 * The status a command leads to. `start` with a time after `now` schedules the campaign; without one (or with a
 * time already past) it runs now.
 */
export function campaignStep(
  status: CampaignStatus,
  command: CampaignCommand,
  opts: { now: Date; startsAt?: Date | null } = { now: new Date() },
): CampaignStep {
  if (!FROM[command].includes(status))
    return { ok: false, reason: REFUSALS[command](status), allowed: campaignCommands(status) };
  switch (command) {
    case 'start':
      return {
        ok: true,
        status: opts.startsAt && opts.startsAt.getTime() > opts.now.getTime() ? 'scheduled' : 'running',
      };
    case 'pause':
      return { ok: true, status: 'paused' };
    case 'resume':
      return { ok: true, status: 'running' };
    case 'cancel':
      return { ok: true, status: 'cancelled' };
  }
}
