// One campaign (#/campaigns/<id>): its settings, live progress (targets queued, dialling, answered, no answer,
// busy, failed, completed, opted out; a progress bar and the time left), the buttons its state allows (start,
// pause, resume, cancel) and its targets, each with its attempts (time, result, hang-up cause, outcome, score).
// The counts come from GET /api/campaigns/:id, then from the dialer's `campaign:progress` events.
import type {
  CallAttemptView,
  CampaignProgress,
  CampaignTargetView,
  CampaignView,
} from '../../core/campaigns/desk.ts';
import type { CampaignCommand } from '../../core/campaigns/campaign-status.ts';
import { TARGET_STATUSES, type TargetStatus } from '../../core/campaigns/types.ts';
import { h, replace } from './dom.ts';
import { formatDate, formatDuration, formatFen } from './format.ts';
import { progressBar, CAMPAIGNS_HASH } from './campaigns.ts';
import {
  campaignKindLabel,
  campaignStatusLabel,
  dialResultLabel,
  outcomeLabel,
  targetStatusLabel,
  timeLeftText,
} from './outbound-labels.ts';

export interface CampaignPageActions {
  campaign(id: number): Promise<CampaignView>;
  /** A page of the campaign's targets, in the order they were picked; `status` narrows them to one status. */
  targets(
    id: number,
    page: { offset: number; limit: number; status: TargetStatus | null },
  ): Promise<{ targets: CampaignTargetView[]; total: number }>;
  attempts(id: number, targetId: number): Promise<CallAttemptView[]>;
  command(id: number, command: CampaignCommand): Promise<CampaignView>;
  describeError(err: unknown): string;
}

/** Targets shown at once; the pager moves through the rest. */
const PAGE_SIZE = 50;

/** The counts the page shows, in this order (skipped and cancelled targets only count as done). */
const SHOWN = TARGET_STATUSES.filter((s) => s !== 'skipped' && s !== 'cancelled');

const COMMAND_LABELS: Record<CampaignCommand, string> = {
  start: '开始 Start',
  pause: '暂停 Pause',
  resume: '继续 Resume',
  cancel: '取消活动 Cancel',
};

export function createCampaignPage(actions: CampaignPageActions) {
  const title = h('h2', { testid: 'campaign-title', attrs: { id: 'campaign-page-title' } });
  const error = h('p', { class: 'form-error', testid: 'campaign-error', attrs: { role: 'alert' } });
  const status = h('p', { testid: 'campaign-status' });
  const settings = h('dl', { class: 'pop-meta', testid: 'campaign-settings' });
  const counts = h('dl', { class: 'campaign-counts', testid: 'campaign-counts' });
  const barSlot = h('div', {});
  const eta = h('p', { testid: 'campaign-eta' });
  const coverage = h('p', { testid: 'campaign-coverage' });
  const buttons = h('div', { class: 'actions', testid: 'campaign-commands' });
  const targets = h('tbody', { testid: 'campaign-targets' });
  const targetFilter = h(
    'select',
    { testid: 'targets-status', attrs: { 'aria-label': '按状态筛选 Filter by status' } },
    h('option', { attrs: { value: '' } }, '全部状态 Every status'),
    ...TARGET_STATUSES.map((s) => h('option', { attrs: { value: s } }, targetStatusLabel(s))),
  );
  const pageText = h('span', { testid: 'targets-range', attrs: { 'aria-live': 'polite' } });
  const previous = h(
    'button',
    { class: 'btn', testid: 'targets-previous', attrs: { type: 'button' } },
    '上一页 Previous',
  );
  const next = h(
    'button',
    { class: 'btn', testid: 'targets-next', attrs: { type: 'button' } },
    '下一页 Next',
  );
  const root = h(
    'main',
    { class: 'campaign-page', testid: 'campaign-page', attrs: { 'aria-labelledby': 'campaign-page-title' } },
    h('p', {}, h('a', { attrs: { href: CAMPAIGNS_HASH } }, '← 外呼活动 All campaigns')),
    title,
    error,
    status,
    buttons,
    h('section', { class: 'pop-section' }, h('h3', {}, '进度 Progress'), barSlot, counts, eta, coverage),
    h('section', { class: 'pop-section' }, h('h3', {}, '设置 Settings'), settings),
    h(
      'section',
      { class: 'pop-section' },
      h('h3', {}, '呼叫对象 Targets'),
      h('div', { class: 'actions' }, targetFilter, previous, pageText, next),
      h(
        'table',
        { class: 'ticket-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              '业主 Owner',
              '电话 Phone',
              '房号/工单 Unit / ticket',
              '欠费 Owed',
              '状态 Status',
              '次数 Attempts',
              '结果 Outcome',
              '',
            ].map((t) => h('th', { attrs: { scope: 'col' } }, t)),
          ),
        ),
        targets,
      ),
    ),
  );
  root.hidden = true;
  let seq = 0;
  let currentId: number | null = null;
  let offset = 0;
  /** Loads of the target list: only the latest one draws. */
  let targetSeq = 0;

  function drawTargets(page: { targets: CampaignTargetView[]; total: number }, id: number): void {
    replace(targets, ...page.targets.flatMap((t) => targetRow(t, id)));
    pageText.textContent =
      page.total === 0
        ? '没有呼叫对象 No targets'
        : `第 ${offset + 1}–${offset + page.targets.length} 个,共 ${page.total} 个 ${offset + 1}–${offset + page.targets.length} of ${page.total}`;
    previous.disabled = offset === 0;
    next.disabled = offset + page.targets.length >= page.total;
  }

  function loadTargets(): void {
    const id = currentId;
    if (id === null) return;
    const mine = ++targetSeq;
    const status = (targetFilter.value || null) as TargetStatus | null;
    actions.targets(id, { offset, limit: PAGE_SIZE, status }).then(
      (page) => {
        if (mine === targetSeq && currentId === id) drawTargets(page, id);
      },
      (err: unknown) => {
        if (mine === targetSeq) error.textContent = actions.describeError(err);
      },
    );
  }
  targetFilter.addEventListener('change', () => {
    offset = 0;
    loadTargets();
  });
  previous.addEventListener('click', () => {
    offset = Math.max(0, offset - PAGE_SIZE);
    loadTargets();
  });
  next.addEventListener('click', () => {
    offset += PAGE_SIZE;
    loadTargets();
  });

  function drawProgress(p: {
    counts: Partial<Record<string, number>>;
    total: number;
    done: number;
    etaS: number | null;
  }): void {
    replace(barSlot, progressBar(p.done, p.total, 'campaign-progress'));
    replace(
      counts,
      ...SHOWN.flatMap((s) => [
        h('dt', {}, targetStatusLabel(s)),
        h('dd', { testid: `count-${s}` }, String(p.counts[s] ?? 0)),
      ]),
    );
    eta.textContent = `剩余时间 Time left: ${timeLeftText(p.etaS)}`;
  }

  function draw(view: CampaignView): void {
    root.dataset.campaignId = String(view.id);
    replace(title, `${view.name} `, h('span', { class: 'tag' }, campaignKindLabel(view.kind)));
    status.textContent = `状态 Status: ${campaignStatusLabel(view.status)}`;
    status.dataset.status = view.status;
    drawProgress(view);
    coverage.textContent = view.coverage
      ? `${view.coverage.cycle} 催缴覆盖率 Coverage: ${view.coverage.householdsReminded} / ${view.coverage.householdsInArrears} 户 households` +
        (view.coverage.coverage === null ? '' : ` (${Math.round(view.coverage.coverage * 1000) / 10}%)`)
      : '';
    coverage.hidden = !view.coverage;
    const meta = (term: string, value: string) => [h('dt', {}, term), h('dd', {}, value)];
    replace(
      settings,
      ...meta('线路 Trunk', view.trunk),
      ...meta('小区 Estate', view.estate ?? (view.ownerIds ? `${view.ownerIds.length} 位业主 owners` : '—')),
      ...(view.buildingIds ? meta('楼栋 Buildings', `${view.buildingIds.length} 个楼栋 buildings`) : []),
      ...(view.minArrearsYuan !== null
        ? meta('最低欠费 Minimum arrears', formatFen(Math.round(view.minArrearsYuan * 100)))
        : []),
      ...(view.notice
        ? meta('通知 Notice', view.notice.text + (view.notice.emergency ? ' (紧急 emergency)' : ''))
        : []),
      ...(view.notice?.recording !== undefined
        ? meta(
            '通知录音 Recording',
            view.notice.recordingName !== undefined
              ? `${view.notice.recordingName} (${formatDuration(view.notice.recordingDurationMs ?? 0)})`
              : `#${view.notice.recording} (已删除 deleted)`,
          )
        : []),
      ...meta(
        '呼叫时段 Window',
        `${view.window.start}–${view.window.end} ${view.timeZone}${view.skipHolidays ? ',节假日不呼 not on holidays' : ''}`,
      ),
      ...meta(
        '重呼 Retries',
        `${view.maxAttempts} 次 attempts, ${Math.round(view.retrySpacingS / 60)} 分钟 min apart, ${view.ringTimeoutS} s`,
      ),
      ...(view.kind === 'revisit'
        ? meta('评分 Scale', `1–${view.scaleMax}, ≤ ${view.unsatisfiedMax} 不满意 unsatisfied`)
        : []),
      ...(view.startsAt ? meta('开始时间 Starts at', formatDate(view.startsAt)) : []),
    );
    replace(
      buttons,
      ...view.commands.map((c) => {
        const b = h(
          'button',
          {
            class: c === 'cancel' ? 'btn btn-danger' : 'btn btn-primary',
            testid: `campaign-${c}`,
            attrs: { type: 'button' },
          },
          COMMAND_LABELS[c],
        );
        b.addEventListener('click', () => {
          if (c === 'cancel' && !confirm('确定取消这个活动?Cancel this campaign for good?')) return;
          b.disabled = true;
          error.textContent = '';
          actions.command(view.id, c).then(draw, (err: unknown) => {
            b.disabled = false;
            error.textContent = actions.describeError(err);
          });
        });
        return b;
      }),
    );
  }

  function attemptList(list: CallAttemptView[]): HTMLElement {
    if (list.length === 0) return h('p', { class: 'muted' }, '尚未呼叫 Not dialled yet');
    return h(
      'ol',
      { class: 'plain-list', testid: 'target-attempts' },
      ...list.map((a) =>
        h(
          'li',
          { testid: 'target-attempt' },
          `#${a.attemptNo} `,
          h('time', { attrs: { datetime: a.dialledAt ?? a.dueAt } }, formatDate(a.dialledAt ?? a.dueAt)),
          ` · ${a.result ? dialResultLabel(a.result) : a.status === 'queued' ? '等待中 waiting' : '通话中 in progress'}`,
          a.hangupCause !== null
            ? ` · 挂机原因 cause ${a.hangupCause}${a.hangupCauseText ? ` ${a.hangupCauseText}` : ''}`
            : '',
          a.outcome ? ` · ${outcomeLabel(a.outcome)}` : '',
          a.score !== null ? ` · 评分 score ${a.score}` : '',
        ),
      ),
    );
  }

  function targetRow(t: CampaignTargetView, campaignId: number): HTMLElement[] {
    const detail = h('td', { attrs: { colspan: '8' } });
    const detailRow = h('tr', { class: 'target-attempts-row' }, detail);
    detailRow.hidden = true;
    const open = h(
      'button',
      { class: 'btn btn-link', testid: 'target-show-attempts', attrs: { type: 'button' } },
      '呼叫记录 Attempts',
    );
    open.addEventListener('click', () => {
      if (!detailRow.hidden) {
        detailRow.hidden = true;
        return;
      }
      open.disabled = true;
      actions.attempts(campaignId, t.id).then(
        (list) => {
          open.disabled = false;
          replace(detail, attemptList(list));
          detailRow.hidden = false;
        },
        (err: unknown) => {
          open.disabled = false;
          replace(detail, h('span', { class: 'form-error' }, actions.describeError(err)));
          detailRow.hidden = false;
        },
      );
    });
    return [
      h(
        'tr',
        { testid: 'campaign-target', attrs: { 'data-target-id': String(t.id) } },
        h('td', {}, t.ownerName),
        h('td', {}, t.phone),
        h(
          'td',
          {},
          [t.roomCode, t.ticketNumber && `工单 ${t.ticketNumber}`].filter(Boolean).join(' · ') || '—',
        ),
        h('td', {}, t.arrearsFen === null ? '—' : formatFen(t.arrearsFen)),
        h('td', { testid: 'target-status' }, targetStatusLabel(t.status)),
        h('td', {}, String(t.attempts)),
        h('td', {}, outcomeLabel(t.outcome)),
        h('td', {}, open),
      ),
      detailRow,
    ];
  }

  return {
    root,
    show(id: number): void {
      const mine = ++seq;
      currentId = id;
      root.dataset.campaignId = String(id);
      root.hidden = false;
      error.textContent = '';
      title.textContent = '加载中 Loading…';
      replace(targets);
      offset = 0;
      targetFilter.value = '';
      pageText.textContent = '';
      const targetLoad = ++targetSeq;
      Promise.all([
        actions.campaign(id),
        actions.targets(id, { offset: 0, limit: PAGE_SIZE, status: null }),
      ]).then(
        ([view, page]) => {
          if (mine !== seq) return;
          draw(view);
          if (targetLoad === targetSeq) drawTargets(page, id);
        },
        (err: unknown) => {
          if (mine !== seq) return;
          title.textContent = '外呼活动 Campaign';
          error.textContent = actions.describeError(err);
        },
      );
    },
    hide(): void {
      seq++;
      currentId = null;
      root.hidden = true;
      delete root.dataset.campaignId;
    },
    /** A `campaign:progress` event: redraw the counts if it is this campaign's. */
    progress(event: CampaignProgress): void {
      if (root.hidden || currentId === null || Number(event.campaignId) !== currentId) return;
      drawProgress(event);
    },
  };
}
export type CampaignPage = ReturnType<typeof createCampaignPage>;
