// One ticket's page (#/tickets/<id>): what it is about and whose it is, what the reader may do now (the server's
// `allowed`, one button each, with the fields that action needs), and its timeline. Every action's answer is the
// ticket as it now stands, drawn in place.
import type {
  RecordingLink,
  TicketAttachment,
  TicketCall,
  TicketClockView,
  TicketSeverityInfo,
  TicketTimelineStep,
  TicketView,
} from '../../core/contracts.ts';
import { h, replace } from './dom.ts';
import { createComplaintFactsPanel, type ComplaintFactsActions } from './complaint-facts.ts';
import { callPageHash } from './call-page.ts';
import type { RevisitRecord } from './revisit-record.ts';
import { createTicketActions, createTicketNote, type TicketActionDeps } from './ticket-actions.ts';
import {
  bilingual,
  directionLabel,
  formatDate,
  formatDuration,
  label,
  ticketActionLabel,
  ticketStatusLabel,
  ticketTypeLabel,
} from './format.ts';

export interface TicketPageActions extends ComplaintFactsActions, TicketActionDeps {
  ticket(id: number): Promise<TicketView>;
  addNote(id: number, text: string): Promise<unknown>;
  attach(id: number, file: File): Promise<unknown>;
  attachment(id: number, attachmentId: number): Promise<Blob>;
  recordingLink(callId: string): Promise<RecordingLink>;
  /** The ticket's revisit record (回访记录), drawn with the ticket. */
  revisitRecord: RevisitRecord;
  describeError(err: unknown): string;
}

export interface TicketPage {
  readonly root: HTMLElement;
  show(id: number): void;
  hide(): void;
}

export const ticketPageHash = (id: number): string => `#/tickets/${id}`;
export function ticketIdInHash(hash: string): number | null {
  const match = /^#\/tickets\/([1-9][0-9]{0,15})$/.exec(hash);
  return match ? Number(match[1]) : null;
}

/** Steps beside the lifecycle's actions. */
const OTHER_STEPS: Readonly<Record<string, string>> = {
  register: '登记 Registered',
  note: '备注 Note',
  attach: '附件 File attached',
  overdue: '超时 Overdue',
  escalate: '升级预警 Escalation warning',
  severity: '调整严重程度 Severity set',
  facts: '投诉情况更新 Complaint facts updated',
};
/** A timeline step's name (中文 English). */
export const stepLabel = (kind: string): string =>
  Object.hasOwn(OTHER_STEPS, kind) ? label(OTHER_STEPS, kind) : ticketActionLabel(kind);

/** Who took a step, when it has no name (the system). */
export const ROLES: Readonly<Record<string, string>> = {
  agent: '坐席 Agent',
  department: '部门 Department',
  supervisor: '主管 Team leader',
  system: '系统 System',
};

const CLOCK_STATES: Readonly<Record<string, string>> = {
  running: '计时中 Running',
  paused: '暂停(等待业主) Paused, waiting for the owner',
  overdue: '已超时 Overdue',
  met: '按时完成 Met',
  missed: '超时完成 Missed',
  cancelled: '已取消 Cancelled',
};

const OUTCOMES: Readonly<Record<string, string>> = {
  answered: '已接听 Answered',
  abandoned: '放弃 Abandoned',
  'self-service': '自助服务 Self-service',
  voicemail: '留言 Voicemail',
  failed: '未接通 Failed',
};

/** 2_300_000 → "2.2 MB". */
function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A complaint's severity: its level, and the rules that hold now. */
function severityNode(severity: TicketSeverityInfo): HTMLElement {
  return h(
    'span',
    { class: `severity level-${severity.level}` },
    h('strong', { testid: 'ticket-severity-level' }, `${severity.zh} ${severity.en}`),
    severity.reasons.length > 0
      ? h(
          'ul',
          { class: 'severity-reasons', testid: 'ticket-severity-reasons' },
          ...severity.reasons.map((r) => h('li', {}, `${r.zh} / ${r.en}`)),
        )
      : null,
  );
}

/** What a step says besides its kind: the department, plan, resolution, answer, note... */
export function stepDetail(step: TicketTimelineStep): string {
  const d = step.detail;
  const parts: string[] = [];
  for (const key of ['department', 'plan', 'resolution', 'note', 'text', 'name', 'message', 'warning']) {
    if (typeof d[key] === 'string' && d[key]) parts.push(d[key]);
  }
  // an escalation's warning went to these team leaders (db/ticket-severity.ts)
  if (Array.isArray(d.warned) && d.warned.length > 0) {
    const names = (d.warned as { name?: unknown }[])
      .map((w) => (typeof w.name === 'string' ? w.name : ''))
      .join('、');
    parts.push(`已通知 Warned: ${names}`);
  }
  if (d.satisfaction === 'satisfied') parts.push('满意 Satisfied');
  if (d.satisfaction === 'unsatisfied') parts.push('不满意 Unsatisfied');
  if (typeof d.score === 'number') parts.push(`${d.score}/5`);
  return parts.join(' · ');
}

export function createTicketPage(actions: TicketPageActions): TicketPage {
  const title = h('h2', { attrs: { id: 'ticket-page-title' }, testid: 'ticket-title' });
  const error = h('p', { class: 'form-error', testid: 'ticket-page-error', attrs: { role: 'alert' } });
  const facts = h('dl', { class: 'pop-meta', testid: 'ticket-facts' });
  const description = h('p', { class: 'ticket-description', testid: 'ticket-page-description' });
  const timeline = h('ol', { class: 'plain-list ticket-timeline', testid: 'ticket-timeline' });
  const factsPanel = createComplaintFactsPanel(actions);
  const ticketActions = createTicketActions(actions, {
    done: (view) => draw(view),
    error: (message) => {
      error.textContent = message;
    },
  });
  const clocks = h('div', { testid: 'ticket-clocks' });
  const calls = h('ul', { class: 'plain-list', testid: 'ticket-calls' });
  const files = h('ul', { class: 'plain-list', testid: 'ticket-files' });
  const fileInput = h('input', {
    testid: 'ticket-file-input',
    attrs: {
      type: 'file',
      accept: 'image/jpeg,image/png,image/webp,image/heic,application/pdf',
      'aria-label': '选择文件 Choose a file',
    },
  });
  const uploadButton = h(
    'button',
    { class: 'btn', testid: 'ticket-upload', attrs: { type: 'button' } },
    '上传 Upload',
  );
  const note = createTicketNote(
    actions,
    { text: 'ticket-note-text', button: 'ticket-add-note' },
    {
      added: (id) => reload(id, seq),
      error: (message) => {
        error.textContent = message;
      },
    },
  );
  const root = h(
    'main',
    { class: 'ticket-page', testid: 'ticket-page', attrs: { 'aria-labelledby': 'ticket-page-title' } },
    h(
      'p',
      {},
      h('a', { testid: 'ticket-page-back', attrs: { href: '#/tickets' } }, '← 工单列表 All tickets'),
    ),
    title,
    error,
    facts,
    description,
    factsPanel.root,
    h(
      'section',
      { class: 'pop-section' },
      h('h3', {}, '处理 Actions'),
      ticketActions.buttons,
      ticketActions.form,
    ),
    h('section', { class: 'pop-section' }, h('h3', {}, '时限 Time limits'), clocks),
    h('section', { class: 'pop-section' }, h('h3', {}, '通话 Calls'), calls),
    actions.revisitRecord.root,
    h(
      'section',
      { class: 'pop-section' },
      h('h3', {}, '附件 Files'),
      files,
      h('p', { class: 'ticket-upload-row' }, fileInput, uploadButton),
      h('p', { class: 'muted' }, '照片(JPEG、PNG、WebP、HEIC)或 PDF Photos or PDFs'),
    ),
    h(
      'section',
      { class: 'pop-section' },
      h('h3', {}, '处理过程 Timeline'),
      timeline,
      note.text,
      note.button,
    ),
  );
  root.hidden = true;
  let seq = 0;
  let current: TicketView | null = null;

  const meta = (term: string, value: string | Node, testid: string): HTMLElement[] => [
    h('dt', {}, term),
    h('dd', { testid }, value),
  ];

  function draw(view: TicketView): void {
    note.setTicket(view.id);
    if (current?.id !== view.id) actions.revisitRecord.load(view.id);
    current = view;
    const s = view.summary;
    root.dataset.ticketId = String(view.id);
    root.dataset.status = view.ticket.status;
    replace(title, `工单 ${s.number} `, h('span', { class: 'en' }, `Ticket ${s.number}`));
    replace(
      facts,
      ...meta('类型 Type', `${ticketTypeLabel(s.type)}${s.urgent ? ' · 紧急 Urgent' : ''}`, 'ticket-type'),
      ...meta('状态 Status', ticketStatusLabel(view.ticket.status), 'ticket-status'),
      ...(s.complaintCategory ? meta('投诉类别 Category', s.complaintCategory, 'ticket-category') : []),
      ...(view.severity ? meta('严重程度 Severity', severityNode(view.severity), 'ticket-severity') : []),
      ...meta('业主 Owner', s.ownerName ?? '未识别业主 Owner not identified', 'ticket-owner'),
      ...meta('房号 Room', [s.estate, s.roomCode].filter(Boolean).join(' ') || '—', 'ticket-room'),
      ...meta('责任单位 Responsible', s.responsibleOrganisation ?? '—', 'ticket-responsible'),
      ...meta('处理部门 Department', s.departmentName ?? '未派单 Not dispatched', 'ticket-department'),
      ...meta('登记时间 Registered', formatDate(s.createdAt), 'ticket-created'),
      ...(s.createdFromCall
        ? meta(
            '来电 Call',
            h(
              'a',
              { testid: 'ticket-call-link', attrs: { href: callPageHash(s.createdFromCall) } },
              '通话详情 Call details',
            ),
            'ticket-call',
          )
        : []),
      ...(view.ticket.waitingSince
        ? meta('等待业主 Waiting for the owner', formatDate(view.ticket.waitingSince), 'ticket-waiting')
        : []),
    );
    description.textContent = s.description;
    ticketActions.draw(view);
    replace(
      timeline,
      ...view.timeline.map((step) =>
        h(
          'li',
          { testid: 'ticket-step', attrs: { 'data-kind': step.kind } },
          h('time', { attrs: { datetime: step.at } }, formatDate(step.at)),
          ' ',
          h('span', { class: 'timeline-kind' }, stepLabel(step.kind)),
          ' · ',
          step.by.name ?? label(ROLES, step.by.role),
          step.from !== step.to && step.from !== null
            ? h(
                'span',
                { class: 'muted' },
                ` ${ticketStatusLabel(step.from)} → ${ticketStatusLabel(step.to)}`,
              )
            : null,
          stepDetail(step) ? h('div', { class: 'step-detail' }, stepDetail(step)) : null,
        ),
      ),
    );
    drawClocks(view.clocks, view.calendarWarnings);
    factsPanel.draw(
      view,
      () => reload(view.id, seq),
      (err) => {
        error.textContent = actions.describeError(err);
      },
    );
    replace(
      calls,
      ...(view.calls.length ? view.calls.map(callItem) : [h('li', { class: 'empty' }, '无 None')]),
    );
    replace(
      files,
      ...(view.attachments.length
        ? view.attachments.map(fileItem)
        : [h('li', { class: 'empty' }, '无 None')]),
    );
  }

  function drawClocks(list: readonly TicketClockView[], warnings: readonly string[]): void {
    const rows = list.map((c) =>
      h(
        'tr',
        { testid: 'ticket-clock', attrs: { 'data-clock': c.clock, 'data-state': c.state } },
        h('td', {}, bilingual(c.label), c.round > 1 ? ` (第 ${c.round} 轮 round ${c.round})` : ''),
        h('td', {}, c.dueAt ? formatDate(c.dueAt) : '—'),
        h('td', {}, label(CLOCK_STATES, c.state)),
      ),
    );
    replace(
      clocks,
      ...warnings.map((w) => h('p', { class: 'form-error', testid: 'ticket-calendar-warning' }, w)),
      rows.length === 0
        ? h('p', { class: 'empty' }, '无 None')
        : h(
            'table',
            { class: 'ticket-table' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['时限 Limit', '截止 Due', '状态 State'].map((t) =>
                  h('th', { attrs: { scope: 'col' } }, t),
                ),
              ),
            ),
            h('tbody', {}, ...rows),
          ),
    );
  }

  function callItem(call: TicketCall): HTMLElement {
    const player = h('span', { class: 'ticket-call-player' });
    const play = h(
      'button',
      { class: 'btn', testid: 'ticket-call-play', attrs: { type: 'button' } },
      '播放录音 Play the recording',
    );
    play.addEventListener('click', () => {
      play.disabled = true;
      actions.recordingLink(call.callId).then(
        (link) => {
          replace(
            player,
            h('audio', {
              testid: 'ticket-call-audio',
              attrs: {
                controls: true,
                autoplay: true,
                src: link.url,
                'aria-label': '通话录音 Call recording',
              },
            }),
          );
          play.remove();
        },
        (err: unknown) => {
          play.disabled = false;
          replace(player, h('span', { class: 'form-error' }, actions.describeError(err)));
        },
      );
    });
    const recording = call.recordingPurged
      ? h('span', { class: 'muted' }, '录音已过保存期 Recording removed after the retention period')
      : call.hasRecording
        ? play
        : h('span', { class: 'muted' }, '无录音 No recording');
    return h(
      'li',
      { testid: 'ticket-call', attrs: { 'data-call-id': call.callId } },
      h('time', { attrs: { datetime: call.startedAt } }, formatDate(call.startedAt)),
      ` · ${directionLabel(call.direction === 'outbound' ? 'outbound' : 'inbound')}`,
      ` · ${call.agentName ?? '无坐席 No agent'}`,
      call.talkS === null ? '' : ` · ${formatDuration(call.talkS * 1000)}`,
      call.outcome ? ` · ${label(OUTCOMES, call.outcome)}` : '',
      call.createdFrom ? h('span', { class: 'tag' }, '来源通话 Filed from this call') : null,
      ' ',
      h('a', { attrs: { href: callPageHash(call.callId) } }, '通话详情 Call details'),
      ' ',
      recording,
      player,
    );
  }

  function fileItem(file: TicketAttachment): HTMLElement {
    const open = h(
      'button',
      { class: 'btn btn-link', testid: 'ticket-file-open', attrs: { type: 'button' } },
      file.name,
    );
    open.addEventListener('click', () => {
      const view = current;
      if (!view) return;
      actions.attachment(view.id, file.id).then(
        (blob) => {
          // the file through a local link: the browser cannot send the sign-in header itself
          const url = URL.createObjectURL(blob);
          const a = h('a', { attrs: { href: url, download: file.name } });
          a.click();
          setTimeout(() => URL.revokeObjectURL(url), 60_000);
        },
        (err: unknown) => {
          error.textContent = actions.describeError(err);
        },
      );
    });
    return h(
      'li',
      { testid: 'ticket-file', attrs: { 'data-type': file.type } },
      open,
      h(
        'span',
        { class: 'muted' },
        ` ${formatSize(file.size)} · ${file.uploadedBy.name} · ${formatDate(file.uploadedAt)}`,
      ),
    );
  }

  /** After a note or a file: the ticket as it now stands. */
  function reload(id: number, mine: number): void {
    actions.ticket(id).then(
      (view) => {
        if (mine === seq) draw(view);
      },
      (err: unknown) => {
        if (mine === seq) error.textContent = actions.describeError(err);
      },
    );
  }

  uploadButton.addEventListener('click', () => {
    const view = current;
    const file = fileInput.files?.[0];
    if (!view) return;
    if (!file) {
      error.textContent = '请先选择文件 Choose a file first';
      return;
    }
    const mine = seq;
    error.textContent = '';
    uploadButton.disabled = true;
    actions
      .attach(view.id, file)
      .then(
        () => {
          fileInput.value = '';
          reload(view.id, mine);
        },
        (err: unknown) => {
          if (mine === seq) error.textContent = actions.describeError(err);
        },
      )
      .finally(() => {
        uploadButton.disabled = false;
      });
  });

  return {
    root,
    show(id) {
      const mine = ++seq;
      current = null;
      error.textContent = '';
      replace(facts);
      ticketActions.clear();
      replace(timeline);
      replace(clocks);
      replace(calls);
      replace(files);
      title.textContent = '加载中 Loading…';
      root.hidden = false;
      actions.ticket(id).then(
        (view) => {
          if (mine === seq) draw(view);
        },
        (err: unknown) => {
          if (mine !== seq) return;
          title.textContent = '工单 Ticket';
          error.textContent = actions.describeError(err);
        },
      );
    },
    hide() {
      seq++;
      note.setTicket(null);
      root.hidden = true;
      delete root.dataset.ticketId;
    },
  };
}
