// The campaigns page (#/campaigns, team leaders and admins): every campaign with its kind, status and a progress
// bar, and the form that creates one, its fields following the kind chosen (a fee reminder's arrears, a notice's
// text, a revisit's score scale). Progress moves live with `campaign:progress` (the dialer's events).
import type {
  CampaignProgress,
  CampaignSummary,
  CampaignView,
  NoticeRecordingView,
} from '../../core/campaigns/desk.ts';
import { NOTICE_KINDS, NOTICE_LABELS } from '../../core/campaigns/desk.ts';
import { CAMPAIGN_KINDS } from '../../core/campaigns/types.ts';
import { h, replace, uid } from './dom.ts';
import { bilingual, formatDate, formatDuration } from './format.ts';
import { campaignKindLabel, campaignStatusLabel } from './outbound-labels.ts';

export const CAMPAIGNS_HASH = '#/campaigns';
export const campaignPageHash = (id: number): string => `#/campaigns/${id}`;
export function campaignIdInHash(hash: string): number | null {
  const m = /^#\/campaigns\/(\d+)$/.exec(hash);
  return m ? Number(m[1]) : null;
}

export interface CampaignListActions {
  list(): Promise<CampaignSummary[]>;
  create(body: Record<string, unknown>): Promise<CampaignView>;
  /** Notice recordings: the uploaded ones, an upload (a WAV file), one's audio for the preview. */
  recordings(): Promise<NoticeRecordingView[]>;
  uploadRecording(file: File): Promise<NoticeRecordingView>;
  recordingAudio(id: number): Promise<Blob>;
  estates(): Promise<{ id: number; name: string }[]>;
  /** The estate's buildings, for a campaign to some of them only. */
  buildings(estateId: number): Promise<{ id: number; name: string }[]>;
  trunks(): Promise<{ code: string; name: string; active: boolean }[]>;
  describeError(err: unknown): string;
}

/** A progress bar: done of total, with the figures beside it. */
export function progressBar(done: number, total: number, testid: string): HTMLElement {
  const pct = total === 0 ? 0 : Math.round((done / total) * 100);
  return h(
    'div',
    {
      class: 'campaign-progress',
      testid,
      attrs: {
        role: 'progressbar',
        'aria-valuemin': '0',
        'aria-valuemax': String(total),
        'aria-valuenow': String(done),
        'aria-label': '进度 Progress',
      },
    },
    h('span', { class: 'campaign-progress-bar', attrs: { style: `width: ${pct}%` } }),
    h('span', { class: 'campaign-progress-text' }, `${done} / ${total} (${pct}%)`),
  );
}

export function createCampaignList(actions: CampaignListActions) {
  const error = h('p', { class: 'form-error', testid: 'campaigns-error', attrs: { role: 'alert' } });
  const body = h('tbody', { testid: 'campaign-rows' });
  const form = h('form', { class: 'campaign-form', testid: 'campaign-form' });
  const formError = h('p', { class: 'form-error', testid: 'campaign-form-error', attrs: { role: 'alert' } });
  const rows = new Map<number, { row: HTMLElement; bar: HTMLElement }>();
  const root = h(
    'main',
    { class: 'campaigns-page', testid: 'campaigns-page', attrs: { 'aria-labelledby': 'campaigns-title' } },
    h('h2', { attrs: { id: 'campaigns-title' } }, '外呼活动 ', h('span', { class: 'en' }, 'Campaigns')),
    error,
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
            '活动 Campaign',
            '类型 Kind',
            '状态 Status',
            '小区 Estate',
            '进度 Progress',
            '创建 Created',
          ].map((t) => h('th', { attrs: { scope: 'col' } }, t)),
        ),
      ),
      body,
    ),
    h('section', { class: 'pop-section' }, h('h3', {}, '新建活动 New campaign'), form, formError),
  );
  root.hidden = true;

  const field = (labelText: string, control: HTMLElement, testid?: string): HTMLElement => {
    const id = uid('campaign-field');
    control.id = id;
    return h('div', { class: 'field', testid }, h('label', { attrs: { for: id } }, labelText), control);
  };
  const input = (name: string, attrs: Record<string, string> = {}) =>
    h('input', { testid: `campaign-${name}`, attrs: { name, ...attrs } });
  const select = (name: string, options: [string, string][]) =>
    h(
      'select',
      { testid: `campaign-${name}`, attrs: { name } },
      ...options.map(([v, t]) => h('option', { attrs: { value: v } }, t)),
    );

  const kind = select(
    'kind',
    CAMPAIGN_KINDS.map((k) => [k, campaignKindLabel(k)]),
  );
  const estate = select('estate', []);
  const buildings = h('select', {
    testid: 'campaign-buildings',
    attrs: { name: 'buildings', multiple: true, size: '4', 'aria-describedby': 'campaign-buildings-hint' },
  });
  const buildingsHint = h(
    'small',
    { class: 'muted', attrs: { id: 'campaign-buildings-hint' } },
    '不选则为整个小区 None chosen: the whole estate',
  );
  estate.addEventListener('change', () => {
    replace(buildings);
    if (!estate.value) return;
    const chosen = estate.value;
    actions.buildings(Number(chosen)).then(
      (list) => {
        if (estate.value !== chosen) return;
        replace(buildings, ...list.map((b) => h('option', { attrs: { value: String(b.id) } }, b.name)));
      },
      (err: unknown) => (formError.textContent = actions.describeError(err)),
    );
  });
  const trunk = select('trunk', []);
  const feeFields = h(
    'div',
    { testid: 'campaign-fee-fields' },
    field(
      '最低欠费(元) Minimum arrears (yuan)',
      input('minArrearsYuan', { type: 'number', min: '0', step: '0.01', value: '0' }),
    ),
    field('逾期天数 Overdue by (days)', input('overdueDays', { type: 'number', min: '0', max: '3650' })),
    field('账期 Cycle', input('cycle', { type: 'month' })),
  );
  // a notice's recording: one uploaded before, or a WAV uploaded here; heard in the preview before it is chosen
  const recording = select('noticeRecording', []);
  const recordingFile = input('noticeRecordingFile', { type: 'file', accept: '.wav,audio/wav,audio/x-wav' });
  const recordingStatus = h('p', {
    class: 'hint',
    testid: 'campaign-recording-status',
    attrs: { role: 'status' },
  });
  const preview = h('audio', { testid: 'campaign-recording-preview', attrs: { controls: 'true' } });
  preview.hidden = true;
  let previewUrl: string | null = null;
  const recordingOption = (r: NoticeRecordingView) =>
    h(
      'option',
      { attrs: { value: String(r.id) } },
      `${r.name} (${formatDuration(r.durationMs)}, ${r.uploadedBy.name})`,
    );
  function showRecordings(list: NoticeRecordingView[], chosen = recording.value): void {
    replace(
      recording,
      h('option', { attrs: { value: '' } }, '不用录音,朗读通知内容 None: the text is spoken'),
      ...list.map(recordingOption),
    );
    recording.value = list.some((r) => String(r.id) === chosen) ? chosen : '';
    showPreview();
  }
  function showPreview(): void {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
    preview.removeAttribute('src');
    preview.hidden = recording.value === '';
    if (recording.value === '') return;
    const id = Number(recording.value);
    actions.recordingAudio(id).then(
      (blob) => {
        if (recording.value !== String(id)) return;
        previewUrl = URL.createObjectURL(blob);
        preview.src = previewUrl;
      },
      (err: unknown) => (recordingStatus.textContent = actions.describeError(err)),
    );
  }
  recording.addEventListener('change', showPreview);
  recordingFile.addEventListener('change', () => {
    const file = recordingFile.files?.[0];
    if (!file) return;
    recordingStatus.textContent = `正在上传 Uploading ${file.name}…`;
    actions
      .uploadRecording(file)
      .then(async (added) => {
        recordingStatus.textContent = `已上传 Uploaded: ${added.name} (${formatDuration(added.durationMs)})`;
        showRecordings(await actions.recordings(), String(added.id));
      })
      .catch((err: unknown) => (recordingStatus.textContent = actions.describeError(err)))
      .finally(() => (recordingFile.value = ''));
  });

  const noticeFields = h(
    'div',
    { testid: 'campaign-notice-fields' },
    field(
      '通知类型 Notice',
      select(
        'noticeKind',
        NOTICE_KINDS.map((k) => [k, bilingual(NOTICE_LABELS[k])]),
      ),
    ),
    field(
      '通知内容 Text',
      h('textarea', {
        testid: 'campaign-noticeText',
        attrs: { name: 'noticeText', rows: '2', maxlength: '500' },
      }),
    ),
    field('通知录音 Recording', recording),
    field('上传录音(WAV)Upload a recording (WAV)', recordingFile),
    recordingStatus,
    preview,
    field('紧急 Emergency', input('emergency', { type: 'checkbox' })),
    field('业主名单(编号,逗号分隔)Owner list (ids)', input('ownerIds', { placeholder: '12, 34' })),
  );
  const revisitFields = h(
    'div',
    { testid: 'campaign-revisit-fields' },
    field('评分满分 Scale top', input('scaleMax', { type: 'number', min: '2', max: '9', value: '5' })),
    field(
      '不满意最高分 Unsatisfied at most',
      input('unsatisfiedMax', { type: 'number', min: '1', max: '8', value: '2' }),
    ),
  );
  const start = select('start-mode', [
    ['draft', '暂不开始(草稿)Not yet (draft)'],
    ['now', '立即开始 Start now'],
    ['at', '定时开始 Start at'],
  ]);
  const startsAt = input('startsAt', { type: 'datetime-local' });
  const submit = h(
    'button',
    { class: 'btn btn-primary', testid: 'campaign-create', attrs: { type: 'submit' } },
    '创建 Create',
  );
  replace(
    form,
    field('类型 Kind', kind),
    field('名称 Name', input('name', { required: 'true', maxlength: '200' })),
    field('线路 Trunk', trunk),
    field('小区 Estate', estate),
    field('楼栋 Buildings', buildings),
    buildingsHint,
    feeFields,
    noticeFields,
    revisitFields,
    field('呼叫时段开始 Window from', input('windowStart', { type: 'time', value: '09:00' })),
    field('呼叫时段结束 Window to', input('windowEnd', { type: 'time', value: '20:00' })),
    field('节假日不呼叫 Not on public holidays', input('skipHolidays', { type: 'checkbox' })),
    field(
      '最多呼叫次数 Attempts at most',
      input('maxAttempts', { type: 'number', min: '1', max: '10', value: '3' }),
    ),
    field(
      '重呼间隔(分钟)Retry after (min)',
      input('retryMinutes', { type: 'number', min: '1', max: '10080', value: '30' }),
    ),
    field(
      '振铃时长(秒)Ring for (s)',
      input('ringTimeoutS', { type: 'number', min: '5', max: '120', value: '30' }),
    ),
    field('开始 Start', start),
    field('开始时间 Starts at', startsAt),
    submit,
  );

  function showKindFields(): void {
    feeFields.hidden = kind.value !== 'fee-reminder';
    noticeFields.hidden = kind.value !== 'notice';
    revisitFields.hidden = kind.value !== 'revisit';
    (form.elements.namedItem('skipHolidays') as HTMLInputElement).checked = kind.value === 'fee-reminder';
  }
  kind.addEventListener('change', showKindFields);
  showKindFields();

  function bodyOf(): Record<string, unknown> {
    const data = new FormData(form);
    const text = (n: string) => {
      const v = data.get(n);
      return typeof v === 'string' ? v.trim() : '';
    };
    const num = (n: string) => (text(n) === '' ? undefined : Number(text(n)));
    const body: Record<string, unknown> = {
      kind: kind.value,
      name: text('name'),
      trunk: trunk.value,
      window: { start: text('windowStart'), end: text('windowEnd') },
      skipHolidays: data.get('skipHolidays') !== null,
      maxAttempts: num('maxAttempts'),
      retrySpacingS: (num('retryMinutes') ?? 30) * 60,
      ringTimeoutS: num('ringTimeoutS'),
      start: start.value,
    };
    const ownerIds = text('ownerIds')
      .split(/[,，\s]+/)
      .filter(Boolean)
      .map(Number);
    if (!(kind.value === 'notice' && ownerIds.length) && estate.value) {
      body.estateId = Number(estate.value);
      const chosen = [...buildings.selectedOptions].map((o) => Number(o.value));
      if (chosen.length && kind.value !== 'revisit') body.buildingIds = chosen;
    }
    if (kind.value === 'fee-reminder') {
      body.minArrearsYuan = num('minArrearsYuan') ?? 0;
      if (num('overdueDays') !== undefined) body.overdueDays = num('overdueDays');
      if (text('cycle')) body.cycle = text('cycle');
    } else if (kind.value === 'notice') {
      body.notice = {
        kind: text('noticeKind'),
        text: text('noticeText'),
        emergency: data.get('emergency') !== null,
        ...(recording.value ? { recording: Number(recording.value) } : {}),
      };
      if (ownerIds.length) body.ownerIds = ownerIds;
    } else {
      body.scaleMax = num('scaleMax');
      body.unsatisfiedMax = num('unsatisfiedMax');
    }
    if (start.value === 'at' && text('startsAt')) body.startsAt = new Date(text('startsAt')).toISOString();
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    return body;
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    formError.textContent = '';
    submit.disabled = true;
    actions.create(bodyOf()).then(
      (view) => {
        submit.disabled = false;
        location.hash = campaignPageHash(view.id);
      },
      (err: unknown) => {
        submit.disabled = false;
        formError.textContent = actions.describeError(err);
      },
    );
  });

  function draw(list: CampaignSummary[]): void {
    rows.clear();
    replace(
      body,
      ...list.map((c) => {
        const bar = progressBar(c.done, c.total, 'campaign-row-progress');
        const row = h(
          'tr',
          { testid: 'campaign-row', attrs: { 'data-campaign-id': String(c.id) } },
          h('td', {}, h('a', { attrs: { href: campaignPageHash(c.id) } }, c.name)),
          h('td', {}, campaignKindLabel(c.kind)),
          h('td', { testid: 'campaign-row-status' }, campaignStatusLabel(c.status)),
          h('td', {}, c.estate ?? '—'),
          h('td', {}, bar),
          h('td', {}, formatDate(c.createdAt)),
        );
        rows.set(c.id, { row, bar });
        return row;
      }),
    );
    if (list.length === 0)
      replace(body, h('tr', {}, h('td', { attrs: { colspan: '6' } }, '还没有外呼活动 No campaigns yet')));
  }

  let seq = 0;
  return {
    root,
    show(): void {
      const mine = ++seq;
      root.hidden = false;
      error.textContent = '';
      actions.list().then(
        (list) => mine === seq && draw(list),
        (err: unknown) => mine === seq && (error.textContent = actions.describeError(err)),
      );
      actions.recordings().then(
        (list) => mine === seq && showRecordings(list),
        (err: unknown) => (recordingStatus.textContent = actions.describeError(err)),
      );
      Promise.all([actions.estates(), actions.trunks()]).then(
        ([estates, trunks]) => {
          replace(
            estate,
            h('option', { attrs: { value: '' } }, '—'),
            ...estates.map((e) => h('option', { attrs: { value: String(e.id) } }, e.name)),
          );
          replace(
            trunk,
            ...trunks
              .filter((t) => t.active)
              .map((t) => h('option', { attrs: { value: t.code } }, `${t.name} (${t.code})`)),
          );
        },
        (err: unknown) => (formError.textContent = actions.describeError(err)),
      );
    },
    hide(): void {
      seq++;
      root.hidden = true;
    },
    progress(event: CampaignProgress): void {
      const r = rows.get(Number(event.campaignId));
      if (!r) return;
      const bar = progressBar(event.done, event.total, 'campaign-row-progress');
      r.bar.replaceWith(bar);
      r.bar = bar;
    },
  };
}
export type CampaignList = ReturnType<typeof createCampaignList>;
