// 定时报表 Scheduled reports, a section of #/reports (cti/report-schedule-routes.ts; workers/report-jobs.ts makes
// the files): the schedules with their last run and its download, a form to add one (name, report, filters,
// cadence, format), enable / disable, delete, and "run now" (the last period that ended, or the one asked for).
// While a run is queued or being made the list is read again every 2 seconds, so its file shows when it is ready.
import {
  REPORT_CADENCE_LABELS,
  REPORT_CADENCES,
  REPORT_KIND_LABELS,
  REPORT_KINDS,
  type NewReportSchedule,
  type ReportCadence,
  type ReportFormat,
  type ReportKind,
  type ReportRun,
  type ReportRunStatus,
  type ReportSchedule,
} from '../../core/reports/schedule.ts';
import { h, replace, uid } from './dom.ts';

export interface ScheduleActions {
  schedules(): Promise<ReportSchedule[]>;
  create(body: NewReportSchedule): Promise<ReportSchedule>;
  update(id: number, body: NewReportSchedule): Promise<ReportSchedule>;
  remove(id: number): Promise<void>;
  runNow(id: number, period: string | null): Promise<ReportRun>;
  /** Downloads a file (the server makes it); resolves with its name. */
  download(path: string): Promise<string>;
  describeError(err: unknown): string;
}

const RUN_STATUS_LABELS: Record<ReportRunStatus, string> = {
  queued: '排队中 Queued',
  running: '生成中 Being made',
  done: '已生成 Ready',
  failed: '失败 Failed',
};

const REFRESH_MS = 2_000;

/** The choices of a select: value and label. */
type Choice = [string, string];

function select(testid: string, choices: readonly Choice[]): HTMLSelectElement {
  return h(
    'select',
    { testid, attrs: { id: uid(testid) } },
    ...choices.map(([value, label]) => h('option', { attrs: { value } }, label)),
  );
}

export function createScheduleSection(actions: ScheduleActions) {
  const field = (labelText: string, input: HTMLElement & { id: string }) =>
    h('label', { class: 'field', attrs: { for: input.id } }, labelText, input);
  const name = h('input', {
    testid: 'schedule-name',
    attrs: { id: uid('schedule-name'), type: 'text', maxlength: '80', required: true },
  });
  const kind = select(
    'schedule-kind',
    REPORT_KINDS.map((k): Choice => [k, REPORT_KIND_LABELS[k]]),
  );
  const cadence = select(
    'schedule-cadence',
    REPORT_CADENCES.map((c): Choice => [c, REPORT_CADENCE_LABELS[c]]),
  );
  const format = select('schedule-format', [
    ['csv', 'CSV'],
    ['xlsx', 'Excel (XLSX)'],
  ]);
  // the estate and agent choices: the report filters' lists, handed over when the page has them
  const estate = select('schedule-estate', [['', '全部小区 Every estate']]);
  const agent = select('schedule-agent', [['', '全部座席 Every agent']]);
  const queue = h('input', {
    testid: 'schedule-queue',
    attrs: { id: uid('schedule-queue'), type: 'text', maxlength: '32', placeholder: '全部 All' },
  });
  const add = h(
    'button',
    { class: 'btn btn-primary', testid: 'schedule-add', attrs: { type: 'submit' } },
    '添加 Add',
  );
  const form = h(
    'form',
    { class: 'ticket-filters', testid: 'schedule-form' },
    field('名称 Name', name),
    field('报表 Report', kind),
    field('小区 Estate', estate),
    field('队列(仅指标)Queue (KPIs only)', queue),
    field('座席 Agent', agent),
    field('周期 Cadence', cadence),
    field('格式 Format', format),
    add,
  );
  const period = h('input', {
    testid: 'schedule-period',
    attrs: {
      id: uid('schedule-period'),
      type: 'text',
      maxlength: '10',
      placeholder: 'YYYY-MM-DD / YYYY-MM',
    },
  });
  const error = h('p', { class: 'form-error', testid: 'schedule-error', attrs: { role: 'alert' } });
  const status = h('p', { class: 'muted', testid: 'schedule-status', attrs: { role: 'status' } });
  const rows = h('tbody', { testid: 'schedule-rows' });
  const root = h(
    'section',
    { class: 'pop-section', testid: 'schedule-section' },
    h('h3', {}, '定时报表 Scheduled reports'),
    h(
      'p',
      { class: 'muted' },
      '每期结束后自动生成文件,保留 13 个月 A file is made when each period ends, and kept for 13 months',
    ),
    h(
      'table',
      { class: 'ticket-table', testid: 'schedule-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['名称 Name', '报表 Report', '周期 Cadence', '最近一期 Last run', '操作 Actions'].map((t) =>
            h('th', { attrs: { scope: 'col' } }, t),
          ),
        ),
      ),
      rows,
    ),
    h(
      'div',
      { class: 'actions' },
      field('立即生成的统计期(留空为最近一期)Run now for period (empty: the last)', period),
    ),
    error,
    status,
    h('h4', {}, '添加定时报表 Add a scheduled report'),
    form,
  );

  let shown = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;

  const fail = (err: unknown) => {
    error.textContent = actions.describeError(err);
  };

  function input(s: ReportSchedule, enabled: boolean): NewReportSchedule {
    return { name: s.name, kind: s.kind, filters: s.filters, cadence: s.cadence, format: s.format, enabled };
  }

  function button(testid: string, text: string, run: () => Promise<unknown>): HTMLButtonElement {
    const b = h('button', { class: 'btn', testid, attrs: { type: 'button' } }, text);
    b.addEventListener('click', () => {
      b.disabled = true;
      error.textContent = '';
      run().then(
        () => {
          b.disabled = false;
          load();
        },
        (err: unknown) => {
          b.disabled = false;
          fail(err);
        },
      );
    });
    return b;
  }

  const optionText = (list: HTMLSelectElement, value: number) =>
    [...list.options].find((o) => o.value === String(value))?.textContent ?? null;

  function filterText(f: ReportSchedule['filters']): string {
    const parts: string[] = [];
    if (f.estateId !== null) parts.push(optionText(estate, f.estateId) ?? `小区 Estate ${f.estateId}`);
    if (f.queue) parts.push(`队列 Queue ${f.queue}`);
    if (f.agentId !== null) parts.push(optionText(agent, f.agentId) ?? `座席 Agent ${f.agentId}`);
    return parts.length ? parts.join(', ') : '全部 All';
  }

  function runCell(s: ReportSchedule): HTMLElement {
    const run = s.lastRun;
    if (!run) return h('td', { testid: 'run-cell' }, '—');
    let download: HTMLButtonElement | null = null;
    if (run.status === 'done') {
      download = button('run-download', '下载 Download', async () => {
        const file = await actions.download(`/api/reports/schedules/${s.id}/runs/${run.id}/file`);
        status.textContent = `已下载 Downloaded ${file}`;
      });
      download.title = run.fileName ?? '';
    }
    return h(
      'td',
      { testid: 'run-cell', attrs: { 'data-period': run.label, 'data-status': run.status } },
      h('span', { testid: 'run-period' }, `${run.from} – ${run.to}`),
      ' ',
      h(
        'span',
        { testid: 'run-status', class: run.status === 'failed' ? 'kpi-missed' : undefined },
        RUN_STATUS_LABELS[run.status],
      ),
      run.error ? h('p', { class: 'muted', testid: 'run-error' }, run.error) : null,
      download,
    );
  }

  function row(s: ReportSchedule): HTMLElement {
    return h(
      'tr',
      { testid: 'schedule-row', attrs: { 'data-schedule-id': String(s.id), 'data-name': s.name } },
      h(
        'th',
        { attrs: { scope: 'row' } },
        s.name,
        s.enabled ? null : h('span', { class: 'muted' }, ' 已停用 Disabled'),
      ),
      h('td', {}, REPORT_KIND_LABELS[s.kind], h('br'), h('span', { class: 'muted' }, filterText(s.filters))),
      h('td', {}, REPORT_CADENCE_LABELS[s.cadence], h('br'), s.format.toUpperCase()),
      runCell(s),
      h(
        'td',
        {},
        h(
          'div',
          { class: 'actions schedule-actions' },
          button('schedule-run-now', '立即生成 Run now', async () => {
            const run = await actions.runNow(s.id, period.value.trim() || null);
            status.textContent = `${s.name}: ${run.from} – ${run.to} ${RUN_STATUS_LABELS[run.status]}`;
          }),
          button(
            s.enabled ? 'schedule-disable' : 'schedule-enable',
            s.enabled ? '停用 Disable' : '启用 Enable',
            () => actions.update(s.id, input(s, !s.enabled)),
          ),
          button('schedule-delete', '删除 Delete', () => actions.remove(s.id)),
        ),
      ),
    );
  }

  function load(): void {
    const mine = ++seq;
    if (timer) clearTimeout(timer);
    timer = null;
    actions.schedules().then(
      (list) => {
        if (mine !== seq || !shown) return;
        replace(rows, ...list.map(row));
        if (
          list.some((s) => s.lastRun && (s.lastRun.status === 'queued' || s.lastRun.status === 'running'))
        ) {
          timer = setTimeout(load, REFRESH_MS);
        }
      },
      (err: unknown) => {
        if (mine === seq) fail(err);
      },
    );
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    add.disabled = true;
    const k = kind.value as ReportKind;
    actions
      .create({
        name: name.value.trim(),
        kind: k,
        filters: {
          estateId: estate.value ? Number(estate.value) : null,
          queue: k === 'kpis' && queue.value.trim() ? queue.value.trim() : null,
          agentId: k !== 'work' && agent.value ? Number(agent.value) : null,
        },
        cadence: cadence.value as ReportCadence,
        format: format.value as ReportFormat,
        enabled: true,
      })
      .then(
        (s) => {
          add.disabled = false;
          status.textContent = `已添加 Added ${s.name}`;
          name.value = '';
          load();
        },
        (err: unknown) => {
          add.disabled = false;
          fail(err);
        },
      );
  });
  // the work report is monthly and by estate only
  kind.addEventListener('change', () => {
    if (kind.value === 'work') cadence.value = 'monthly';
    agent.disabled = kind.value === 'work';
    queue.disabled = kind.value !== 'kpis';
  });
  queue.disabled = kind.value !== 'kpis';

  return {
    root,
    /** The estates and agents to choose from (the report filters' lists). */
    setChoices(estates: HTMLSelectElement, agents: HTMLSelectElement): void {
      for (const [mine, theirs] of [
        [estate, estates],
        [agent, agents],
      ] as const) {
        replace(mine, ...[...theirs.options].map((o) => o.cloneNode(true)));
      }
      if (shown) load();
    },
    show(): void {
      shown = true;
      load();
    },
    hide(): void {
      shown = false;
      seq++;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
