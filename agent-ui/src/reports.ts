// 报表 Reports (#/reports, issue 7; the figures are cti/report-routes.ts): team leaders and admins pick a period
// and optionally an estate, queue or agent, and read each KPI with its value, numerator / denominator, target and
// its exact definition beside it; the complaint report by the six categories is a bar chart per day, week or month
// (each bar's count written on it); both download as CSV or XLSX (made on the server).
import {
  complaintCategoryText,
  kpiMetText,
  kpiTargetText,
  kpiValueText,
  PERIOD_KIND_LABELS,
  workTable,
  type ComplaintReport,
  type KpiRow,
  type WorkReport,
} from '../../core/reports/tables.ts';
import { h, replace, uid } from './dom.ts';
import { createScheduleSection, type ScheduleActions } from './report-schedules.ts';

export const REPORTS_HASH = '#/reports';

export type ReportPeriodKind = 'day' | 'week' | 'month';

export interface ReportQuery {
  from: string;
  to: string;
  estateId?: number;
  queue?: string;
  agentId?: number;
}

export interface ReportAgent {
  id: number;
  name: string;
  agentNumber: string;
  active: boolean;
}

export interface ReportsActions {
  kpis(q: ReportQuery): Promise<{ kpis: KpiRow[] }>;
  complaints(q: ReportQuery & { period: ReportPeriodKind }): Promise<ComplaintReport>;
  work(q: { month: string; estateId?: number }): Promise<WorkReport>;
  estates(): Promise<{ id: number; name: string }[]>;
  /** The agents a report can be filtered by (GET /api/reports/agents). */
  agents(): Promise<ReportAgent[]>;
  /** Downloads an export (the server makes the file); resolves with its file name. */
  download(path: string): Promise<string>;
  describeError(err: unknown): string;
  /** The scheduled reports (their section of the page). */
  schedules: Omit<ScheduleActions, 'download' | 'describeError'>;
}

/** Today's date in Shanghai, and the day `days` after a date. */
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const addDays = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The query string of a report's filters (empty filters left out). */
export function reportQueryString(q: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
  return params.toString();
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(
  tag: string,
  attrs: Record<string, string | number>,
  ...children: (Node | string)[]
): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

const BAR_COLOURS = ['#2f6fb3', '#7a5cb8', '#c2185b', '#e07b00', '#2e8b57', '#6b7280'];

/** A bar chart's frame: the svg, its base line and the scale's top (`max`) and 0. */
function chartFrame(f: {
  width: number;
  height: number;
  left: number;
  top: number;
  baseY: number;
  max: number;
  label: string;
  testid: string;
}): SVGElement {
  const chart = svg('svg', {
    width: f.width,
    height: f.height,
    viewBox: `0 0 ${f.width} ${f.height}`,
    role: 'img',
    'aria-label': f.label,
    'data-testid': f.testid,
    class: 'report-chart',
  });
  chart.append(
    svg('line', { x1: f.left - 4, y1: f.baseY, x2: f.width - 4, y2: f.baseY, stroke: '#9aa3ad' }),
    svg('text', { x: f.left - 8, y: f.top + 4, 'text-anchor': 'end', class: 'axis' }, String(f.max)),
    svg('text', { x: f.left - 8, y: f.baseY, 'text-anchor': 'end', class: 'axis' }, '0'),
  );
  return chart;
}

/** The complaint chart: per period a group of six bars (one per category), each with its count above it. */
export function complaintChart(report: ComplaintReport): SVGElement {
  const barW = 22;
  const gap = 4;
  const groupGap = 28;
  const plotH = 160;
  const top = 20;
  const left = 36;
  const n = report.categories.length;
  const groupW = n * barW + (n - 1) * gap;
  const max = Math.max(1, ...report.periods.flatMap((p) => p.categories.map((c) => c.registered)));
  const width = left + report.periods.length * (groupW + groupGap) + 8;
  const baseY = top + plotH;
  const chart = chartFrame({
    width,
    height: baseY + 48,
    left,
    top,
    baseY,
    max,
    label: '投诉分类统计 Complaints by category',
    testid: 'complaint-chart',
  });
  report.periods.forEach((p, i) => {
    const x0 = left + i * (groupW + groupGap);
    const group = svg('g', {
      'data-testid': 'complaint-period',
      'data-period': p.label,
      'data-registered': p.registered,
    });
    p.categories.forEach((c, j) => {
      const barH = Math.round((c.registered / max) * plotH);
      const x = x0 + j * (barW + gap);
      const label = `${complaintCategoryText(c.category)}: ${c.registered}`;
      group.append(
        svg(
          'rect',
          {
            x,
            y: baseY - barH,
            width: barW,
            height: Math.max(barH, 1),
            fill: BAR_COLOURS[j % BAR_COLOURS.length]!,
            'data-testid': 'complaint-bar',
            'data-category': c.category,
            'data-count': c.registered,
          },
          svg('title', {}, `${p.label} ${label}`),
        ),
        svg(
          'text',
          { x: x + barW / 2, y: baseY - barH - 4, 'text-anchor': 'middle', class: 'bar-count' },
          String(c.registered),
        ),
      );
    });
    group.append(
      svg('text', { x: x0 + groupW / 2, y: baseY + 16, 'text-anchor': 'middle', class: 'axis' }, p.label),
      svg(
        'text',
        { x: x0 + groupW / 2, y: baseY + 32, 'text-anchor': 'middle', class: 'axis' },
        `合计 Total ${p.registered}`,
      ),
    );
    chart.append(group);
  });
  return chart;
}

function chartLegend(categories: readonly string[]): HTMLElement {
  return h(
    'ul',
    { class: 'report-legend', testid: 'complaint-legend' },
    ...categories.map((c, j) =>
      h(
        'li',
        {},
        h('span', {
          class: 'swatch',
          attrs: { style: `background:${BAR_COLOURS[j % BAR_COLOURS.length]}` },
        }),
        complaintCategoryText(c),
      ),
    ),
  );
}

function kpiRow(k: KpiRow): HTMLElement {
  const notes: string[] = [];
  if (k.note) notes.push(`${k.note.zh} ${k.note.en}`);
  if (k.ignoredFilters?.length) notes.push(`不按此筛选 Not filtered by: ${k.ignoredFilters.join(', ')}`);
  return h(
    'tr',
    { testid: 'kpi-row', attrs: { 'data-kpi-id': k.id } },
    h('th', { attrs: { scope: 'row' } }, k.name.zh, h('br'), h('span', { class: 'en' }, k.name.en)),
    h('td', { testid: 'kpi-value' }, kpiValueText(k.unit, k.value)),
    h('td', { testid: 'kpi-fraction' }, `${k.numerator} / ${k.denominator}`),
    h('td', { testid: 'kpi-target' }, kpiTargetText(k.target, k.unit)),
    h(
      'td',
      { testid: 'kpi-met', class: k.met === false ? 'kpi-missed' : k.met ? 'kpi-met' : undefined },
      kpiMetText(k.met),
    ),
    h(
      'td',
      { class: 'kpi-definition', testid: 'kpi-definition' },
      h('p', {}, k.definition.zh),
      h('p', { class: 'en' }, k.definition.en),
      ...notes.map((n) => h('p', { class: 'muted' }, n)),
    ),
  );
}

/** The work report's problem types: a bar per ticket type (registered), its count written above it. */
export function workChart(report: WorkReport): SVGElement {
  // wide enough for the longest English label (compensation claim) under its bar
  const barW = 50;
  const gap = 64;
  const plotH = 140;
  const top = 20;
  const left = 36;
  const max = Math.max(1, ...report.tickets.map((t) => t.registered));
  const baseY = top + plotH;
  const chart = chartFrame({
    width: left + report.tickets.length * (barW + gap) + 8,
    height: baseY + 44,
    left,
    top,
    baseY,
    max,
    label: '问题类型 Problem types',
    testid: 'work-chart',
  });
  report.tickets.forEach((t, i) => {
    const x = left + i * (barW + gap);
    const barH = Math.round((t.registered / max) * plotH);
    chart.append(
      svg(
        'rect',
        {
          x,
          y: baseY - barH,
          width: barW,
          height: Math.max(barH, 1),
          fill: BAR_COLOURS[i % BAR_COLOURS.length]!,
          'data-testid': 'work-bar',
          'data-type': t.type,
          'data-count': t.registered,
        },
        svg('title', {}, `${t.label.zh} ${t.label.en}: ${t.registered}`),
      ),
      svg(
        'text',
        { x: x + barW / 2, y: baseY - barH - 4, 'text-anchor': 'middle', class: 'bar-count' },
        String(t.registered),
      ),
      svg('text', { x: x + barW / 2, y: baseY + 16, 'text-anchor': 'middle', class: 'axis' }, t.label.zh),
      svg('text', { x: x + barW / 2, y: baseY + 32, 'text-anchor': 'middle', class: 'axis' }, t.label.en),
    );
  });
  return chart;
}

/** The work report as a table: the rows of the CSV / XLSX files (core/reports/tables.ts workTable), shown. */
function workTableElement(report: WorkReport): HTMLElement {
  const [header, ...rows] = workTable(report);
  return h(
    'table',
    { class: 'ticket-table work-table', testid: 'work-table' },
    h('thead', {}, h('tr', {}, ...header!.map((t) => h('th', { attrs: { scope: 'col' } }, String(t))))),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h(
          'tr',
          { testid: 'work-row', attrs: { 'data-section': String(r[0]), 'data-item': String(r[1]) } },
          ...r.map((c, i) =>
            i === 1
              ? h('th', { attrs: { scope: 'row' } }, String(c))
              : h('td', {}, c === null ? '' : String(c)),
          ),
        ),
      ),
    ),
  );
}

/** The statistics month (YYYY-MM) that closed last: the month of yesterday's 25th or before. */
function lastClosedMonth(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const closed = d >= 26 ? [y, m] : m === 1 ? [y - 1, 12] : [y, m - 1];
  return `${closed[0]}-${String(closed[1]).padStart(2, '0')}`;
}

export function createReportsPage(actions: ReportsActions) {
  const field = (labelText: string, input: HTMLElement & { id: string }) =>
    h('label', { class: 'field', attrs: { for: input.id } }, labelText, input);
  const from = h('input', { testid: 'report-from', attrs: { id: uid('report-from'), type: 'date' } });
  const to = h('input', { testid: 'report-to', attrs: { id: uid('report-to'), type: 'date' } });
  const estate = h(
    'select',
    { testid: 'report-estate', attrs: { id: uid('report-estate') } },
    h('option', { attrs: { value: '' } }, '全部小区 Every estate'),
  );
  const queue = h('input', {
    testid: 'report-queue',
    attrs: { id: uid('report-queue'), type: 'text', maxlength: '32', placeholder: '全部 All' },
  });
  const agent = h(
    'select',
    { testid: 'report-agent', attrs: { id: uid('report-agent') } },
    h('option', { attrs: { value: '' } }, '全部座席 Every agent'),
  );
  const show = h(
    'button',
    { class: 'btn btn-primary', testid: 'report-show', attrs: { type: 'submit' } },
    '查询 Show',
  );
  const filters = h(
    'form',
    { class: 'ticket-filters', testid: 'report-filters' },
    field('开始日期 From', from),
    field('结束日期(不含)To (exclusive)', to),
    field('小区 Estate', estate),
    field('队列 Queue', queue),
    field('座席 Agent', agent),
    show,
  );
  const error = h('p', { class: 'form-error', testid: 'report-error', attrs: { role: 'alert' } });
  const status = h('p', { class: 'muted', testid: 'report-status', attrs: { role: 'status' } });

  const exportButton = (testid: string, text: string, path: () => string) => {
    const b = h('button', { class: 'btn', testid, attrs: { type: 'button' } }, text);
    b.addEventListener('click', () => {
      b.disabled = true;
      status.textContent = '';
      actions.download(path()).then(
        (name) => {
          b.disabled = false;
          status.textContent = `已下载 Downloaded ${name}`;
        },
        (err: unknown) => {
          b.disabled = false;
          error.textContent = actions.describeError(err);
        },
      );
    });
    return b;
  };

  const kpiBody = h('tbody', { testid: 'kpi-rows' });
  const kpiSection = h(
    'section',
    { class: 'pop-section', testid: 'kpi-section' },
    h('h3', {}, '指标 KPIs'),
    h(
      'div',
      { class: 'actions' },
      exportButton('kpi-csv', '导出 CSV Export CSV', () => `/api/reports/kpis.csv?${scopeQuery()}`),
      exportButton('kpi-xlsx', '导出 Excel Export XLSX', () => `/api/reports/kpis.xlsx?${scopeQuery()}`),
    ),
    h(
      'table',
      { class: 'ticket-table kpi-table', testid: 'kpi-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...[
            '指标 KPI',
            '数值 Value',
            '分子/分母 Numerator / denominator',
            '目标 Target',
            '达标 Met',
            '定义 Definition',
          ].map((t) => h('th', { attrs: { scope: 'col' } }, t)),
        ),
      ),
      kpiBody,
    ),
  );

  const periodKind = h(
    'select',
    { testid: 'complaint-period-kind', attrs: { id: uid('complaint-period') } },
    ...(['day', 'week', 'month'] as const).map((k) =>
      h('option', { attrs: { value: k } }, PERIOD_KIND_LABELS[k]),
    ),
  );
  periodKind.value = 'week';
  const chartBox = h('div', { class: 'report-chart-box', testid: 'complaint-chart-box' });
  const complaintSection = h(
    'section',
    { class: 'pop-section', testid: 'complaint-section' },
    h('h3', {}, '投诉分类统计 Complaints by category'),
    h(
      'div',
      { class: 'actions' },
      field('周期 Period ', periodKind),
      exportButton(
        'complaint-csv',
        '导出 CSV Export CSV',
        () => `/api/reports/complaints.csv?${complaintQuery()}`,
      ),
      exportButton(
        'complaint-xlsx',
        '导出 Excel Export XLSX',
        () => `/api/reports/complaints.xlsx?${complaintQuery()}`,
      ),
    ),
    chartBox,
  );

  const month = h('input', {
    testid: 'work-month',
    attrs: { id: uid('work-month'), type: 'month', pattern: '\\d{4}-\\d{2}' },
  });
  const workBox = h('div', { class: 'report-chart-box', testid: 'work-box' });
  const workStatus = h('p', { class: 'muted', testid: 'work-status', attrs: { role: 'status' } });
  const workQuery = () =>
    reportQueryString({ month: month.value, estateId: estate.value ? Number(estate.value) : undefined });
  const workSection = h(
    'section',
    { class: 'pop-section', testid: 'work-section' },
    h('h3', {}, '月度工作报告 Monthly work report'),
    h(
      'p',
      { class: 'muted' },
      '统计月为上月26日至本月25日,按上方小区筛选 The statistics month runs from the 26th to the 25th; the estate above applies',
    ),
    h(
      'div',
      { class: 'actions' },
      field('统计月 Month ', month),
      exportButton('work-csv', '导出 CSV Export CSV', () => `/api/reports/work.csv?${workQuery()}`),
      exportButton('work-xlsx', '导出 Excel Export XLSX', () => `/api/reports/work.xlsx?${workQuery()}`),
    ),
    workStatus,
    workBox,
  );

  const schedules = createScheduleSection({
    ...actions.schedules,
    download: (path) => actions.download(path),
    describeError: (err) => actions.describeError(err),
  });

  const root = h(
    'main',
    {
      class: 'knowledge-page reports-page',
      testid: 'reports-page',
      attrs: { 'aria-labelledby': 'reports-page-title' },
    },
    h('h2', { attrs: { id: 'reports-page-title' } }, '报表 ', h('span', { class: 'en' }, 'Reports')),
    filters,
    error,
    status,
    kpiSection,
    complaintSection,
    workSection,
    schedules.root,
  );
  root.hidden = true;
  let seq = 0;

  function scope(): ReportQuery {
    return {
      from: from.value,
      to: to.value,
      estateId: estate.value ? Number(estate.value) : undefined,
      queue: queue.value.trim() || undefined,
      agentId: agent.value ? Number(agent.value) : undefined,
    };
  }
  const scopeQuery = () => reportQueryString({ ...scope() });
  // the complaint report is by estate (and registering agent); queues do not apply to tickets
  const complaintQuery = () => {
    const s = scope();
    return reportQueryString({
      period: periodKind.value,
      from: s.from,
      to: s.to,
      estateId: s.estateId,
      agentId: s.agentId,
    });
  };

  function loadComplaints(mine: number): void {
    const s = scope();
    actions
      .complaints({
        period: periodKind.value as ReportPeriodKind,
        from: s.from,
        to: s.to,
        estateId: s.estateId,
        agentId: s.agentId,
      })
      .then(
        (report) => {
          if (mine !== seq) return;
          replace(chartBox, complaintChart(report), chartLegend(report.categories));
        },
        (err: unknown) => {
          if (mine === seq) error.textContent = actions.describeError(err);
        },
      );
  }

  function loadWork(mine: number): void {
    if (!month.value) return;
    const asked = month.value;
    workStatus.textContent = '查询中 Loading…';
    actions.work({ month: asked, estateId: estate.value ? Number(estate.value) : undefined }).then(
      (report) => {
        if (mine !== seq) return;
        workStatus.textContent = `${report.month}: ${report.period.from} – ${report.period.to}`;
        replace(workBox, workChart(report), workTableElement(report));
      },
      (err: unknown) => {
        if (mine !== seq) return;
        workStatus.textContent = '';
        error.textContent = actions.describeError(err);
      },
    );
  }

  function load(): void {
    const mine = ++seq;
    const asked = scope();
    error.textContent = '';
    status.textContent = '查询中 Loading…';
    actions.kpis(asked).then(
      (r) => {
        if (mine !== seq) return;
        replace(kpiBody, ...r.kpis.map(kpiRow));
        // the period the figures are of (the fields may have changed since)
        status.textContent = `${asked.from} – ${asked.to}`;
      },
      (err: unknown) => {
        if (mine !== seq) return;
        status.textContent = '';
        error.textContent = actions.describeError(err);
      },
    );
    loadComplaints(mine);
    loadWork(mine);
  }

  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  month.addEventListener('change', () => {
    error.textContent = '';
    loadWork(++seq);
  });
  periodKind.addEventListener('change', () => {
    error.textContent = '';
    loadComplaints(++seq);
  });

  return {
    root,
    show(): void {
      root.hidden = false;
      if (!from.value) {
        to.value = addDays(today(), 1);
        from.value = addDays(to.value, -7);
        month.value = lastClosedMonth(today());
      }
      if (agent.options.length === 1) {
        actions.agents().then(
          (list) => {
            agent.append(
              ...list.map((a) =>
                h(
                  'option',
                  { attrs: { value: String(a.id) } },
                  `${a.name} (${a.agentNumber})${a.active ? '' : ' 已停用 inactive'}`,
                ),
              ),
            );
            schedules.setChoices(estate, agent);
          },
          (err: unknown) => (error.textContent = actions.describeError(err)),
        );
      }
      if (estate.options.length === 1) {
        actions.estates().then(
          (list) => {
            estate.append(...list.map((e) => h('option', { attrs: { value: String(e.id) } }, e.name)));
            schedules.setChoices(estate, agent);
          },
          (err: unknown) => (error.textContent = actions.describeError(err)),
        );
      }
      load();
      schedules.show();
    },
    hide(): void {
      seq++;
      schedules.hide();
      root.hidden = true;
    },
  };
}
