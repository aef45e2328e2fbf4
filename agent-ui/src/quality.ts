// 质检 Quality (#/qa, core/quality.ts): a team leader draws each agent's random sample of recorded calls for a
// period, listens to a call and scores it on the form, and reads every agent's scores period by period; an admin
// also edits the form and the sampling settings; an agent sees their own scores and scored calls.
import type {
  QaAgentPeriod,
  QaForm,
  QaItem,
  QaPeriodKind,
  QaSample,
  QaSettings,
} from '../../core/quality.ts';
import { QA_LIMITS } from '../../core/quality.ts';
import { h, replace, uid } from './dom.ts';
import { formatDate, formatDuration } from './format.ts';

export const QUALITY_HASH = '#/qa';

export interface QualityActions {
  draw(date: string): Promise<{ period: string; perAgent: number; drawn: number }>;
  samples(scored: boolean): Promise<QaSample[]>;
  score(id: number, scores: number[], comment: string): Promise<QaSample>;
  scores(): Promise<{ kind: QaPeriodKind; periods: string[]; agents: QaAgentPeriod[] }>;
  form(): Promise<QaForm>;
  saveForm(items: QaItem[]): Promise<QaForm>;
  settings(): Promise<QaSettings>;
  saveSettings(settings: QaSettings): Promise<QaSettings>;
  recordingLink(callId: string): Promise<{ url: string }>;
  describeError(err: unknown): string;
}

const PERIOD_LABELS: Record<QaPeriodKind, string> = {
  day: '每天 Day',
  week: '每周 Week',
  month: '每月 Month',
};
const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

export function createQualityPage(actions: QualityActions) {
  const error = h('p', { class: 'form-error', testid: 'qa-error', attrs: { role: 'alert' } });
  const section = (title: string, testid: string, ...children: HTMLElement[]) =>
    h('section', { class: 'pop-section', testid }, h('h3', {}, title), ...children);

  // ---- drawing (team leaders) ----
  const dateId = uid('qa-date');
  const date = h('input', { testid: 'qa-draw-date', attrs: { id: dateId, type: 'date' } });
  const drawButton = h(
    'button',
    { class: 'btn btn-primary', testid: 'qa-draw', attrs: { type: 'button' } },
    '抽取 Draw',
  );
  const drawResult = h('p', { testid: 'qa-draw-result', attrs: { role: 'status' } });
  const drawSection = section(
    '抽检 Draw a sample',
    'qa-draw-section',
    h(
      'div',
      { class: 'actions' },
      h('label', { attrs: { for: dateId } }, '含此日期的周期 The period holding'),
      date,
      drawButton,
    ),
    drawResult,
  );

  // ---- to score ----
  const pending = h('tbody', { testid: 'qa-pending' });
  const pendingSection = section(
    '待评分 To score',
    'qa-pending-section',
    h(
      'table',
      { class: 'ticket-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['坐席 Agent', '周期 Period', '接听 Answered', '队列 Queue', '通话 Talk', ''].map((t) =>
            h('th', { attrs: { scope: 'col' } }, t),
          ),
        ),
      ),
      pending,
    ),
  );
  const scoring = h('form', {
    class: 'pop-section qa-scoring',
    testid: 'qa-scoring',
    // the server's words say which item is wrong, in both languages
    attrs: { novalidate: true },
  });
  scoring.hidden = true;

  // ---- scores ----
  const scoresTable = h('table', { class: 'ticket-table qa-scores', testid: 'qa-scores' });
  const scored = h('ol', { class: 'plain-list', testid: 'qa-scored' });
  const scoresSection = section(
    '成绩 Scores',
    'qa-scores-section',
    scoresTable,
    h('h4', {}, '已评分的通话 Scored calls'),
    scored,
  );

  // ---- admin: form and settings ----
  const formRows = h('div', { testid: 'qa-form-items' });
  const addItem = h(
    'button',
    { class: 'btn', testid: 'qa-form-add', attrs: { type: 'button' } },
    '添加一项 Add an item',
  );
  const saveForm = h(
    'button',
    { class: 'btn btn-primary', testid: 'qa-form-save', attrs: { type: 'submit' } },
    '保存评分表 Save the form',
  );
  const formResult = h('p', { testid: 'qa-form-result', attrs: { role: 'status' } });
  const formEditor = h(
    'form',
    { class: 'pop-section', testid: 'qa-form-editor' },
    h('h3', {}, '评分表 Scoring form'),
    formRows,
    h('div', { class: 'actions' }, addItem, saveForm),
    formResult,
  );
  const perAgent = h('input', {
    testid: 'qa-per-agent',
    attrs: { type: 'number', min: '1', max: String(QA_LIMITS.perAgent) },
  });
  const periodKind = h(
    'select',
    { testid: 'qa-period-kind' },
    ...Object.entries(PERIOD_LABELS).map(([v, t]) => h('option', { attrs: { value: v } }, t)),
  );
  const saveSettings = h(
    'button',
    { class: 'btn btn-primary', testid: 'qa-settings-save', attrs: { type: 'submit' } },
    '保存设置 Save',
  );
  const settingsResult = h('p', { testid: 'qa-settings-result', attrs: { role: 'status' } });
  const settingsEditor = h(
    'form',
    { class: 'pop-section', testid: 'qa-settings' },
    h('h3', {}, '抽检设置 Sampling'),
    h(
      'div',
      { class: 'actions' },
      h('label', {}, '每位坐席 Calls per agent ', perAgent),
      h('label', {}, '周期 Period ', periodKind),
      saveSettings,
    ),
    settingsResult,
  );

  const root = h(
    'main',
    { class: 'knowledge-page', testid: 'qa-page', attrs: { 'aria-labelledby': 'qa-page-title' } },
    h('h2', { attrs: { id: 'qa-page-title' } }, '质检 ', h('span', { class: 'en' }, 'Quality')),
    error,
    drawSection,
    pendingSection,
    scoring,
    scoresSection,
    formEditor,
    settingsEditor,
  );
  root.hidden = true;
  let seq = 0;
  let leader = false;

  const fail = (where: HTMLElement) => (err: unknown) => {
    where.textContent = actions.describeError(err);
  };

  function openScoring(sample: QaSample): void {
    const audio = h('audio', { testid: 'qa-audio', attrs: { controls: true, preload: 'none' } });
    actions.recordingLink(sample.callId).then(
      (link) => (audio.src = link.url),
      (err: unknown) => audio.replaceWith(h('p', { class: 'form-error' }, actions.describeError(err))),
    );
    const inputs = sample.form.items.map((item, i) =>
      h('input', {
        testid: 'qa-item-score',
        attrs: {
          type: 'number',
          min: '0',
          max: String(item.points),
          required: true,
          'aria-label': item.label,
          name: `item${i}`,
        },
      }),
    );
    const comment = h('textarea', {
      testid: 'qa-comment',
      attrs: { rows: '2', maxlength: String(QA_LIMITS.comment), 'aria-label': '评语 Comment' },
    });
    const result = h('p', { class: 'form-error', testid: 'qa-score-error', attrs: { role: 'alert' } });
    const submit = h(
      'button',
      { class: 'btn btn-primary', testid: 'qa-score-save', attrs: { type: 'submit' } },
      '提交评分 Save the score',
    );
    replace(
      scoring,
      h(
        'h3',
        { testid: 'qa-scoring-title' },
        `评分 Score: ${sample.agentName} (${sample.agentNumber}) · ${sample.answeredAt ? formatDate(sample.answeredAt) : '—'}`,
      ),
      audio,
      h(
        'table',
        { class: 'ticket-table' },
        h(
          'tbody',
          {},
          ...sample.form.items.map((item, i) =>
            h('tr', {}, h('td', {}, item.label), h('td', {}, inputs[i], ` / ${item.points}`)),
          ),
        ),
      ),
      comment,
      result,
      submit,
    );
    scoring.hidden = false;
    scoring.onsubmit = (e) => {
      e.preventDefault();
      submit.disabled = true;
      result.textContent = '';
      actions
        .score(
          sample.id,
          inputs.map((x) => (x.value === '' ? NaN : Number(x.value))),
          comment.value,
        )
        .then(
          () => {
            scoring.hidden = true;
            load();
          },
          (err: unknown) => {
            submit.disabled = false;
            result.textContent = actions.describeError(err);
          },
        );
    };
  }

  function drawPending(list: QaSample[]): void {
    replace(
      pending,
      ...list.map((s) => {
        const open = h(
          'button',
          { class: 'btn btn-link', testid: 'qa-open', attrs: { type: 'button' } },
          '评分 Score',
        );
        open.addEventListener('click', () => openScoring(s));
        return h(
          'tr',
          { testid: 'qa-pending-row', attrs: { 'data-sample-id': String(s.id) } },
          h('td', {}, `${s.agentName} (${s.agentNumber})`),
          h('td', {}, s.period),
          h('td', {}, s.answeredAt ? formatDate(s.answeredAt) : '—'),
          h('td', {}, s.queue ?? '—'),
          h('td', {}, s.talkS === null ? '—' : formatDuration(s.talkS)),
          h('td', {}, open),
        );
      }),
    );
    if (list.length === 0)
      replace(
        pending,
        h('tr', {}, h('td', { attrs: { colspan: '6' } }, '没有待评分的通话 Nothing to score')),
      );
  }

  function drawScores(data: { periods: string[]; agents: QaAgentPeriod[] }): void {
    const byAgent = new Map<number, QaAgentPeriod[]>();
    for (const row of data.agents) byAgent.set(row.agentId, [...(byAgent.get(row.agentId) ?? []), row]);
    replace(
      scoresTable,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { attrs: { scope: 'col' } }, '坐席 Agent'),
          ...data.periods.map((p) => h('th', { attrs: { scope: 'col' } }, p)),
        ),
      ),
      h(
        'tbody',
        {},
        ...[...byAgent.values()].map((rows) =>
          h(
            'tr',
            { testid: 'qa-score-row', attrs: { 'data-agent-id': String(rows[0]!.agentId) } },
            h('th', { attrs: { scope: 'row' } }, `${rows[0]!.agentName} (${rows[0]!.agentNumber})`),
            ...data.periods.map((p) => {
              const cell = rows.find((r) => r.period === p);
              if (!cell) return h('td', {}, '—');
              return h(
                'td',
                { testid: 'qa-score-cell', attrs: { 'data-period': p } },
                h('span', { class: 'qa-bar', attrs: { style: `width: ${Math.round(cell.share * 60)}px` } }),
                ` ${percent(cell.share)} (${cell.scored})`,
              );
            }),
          ),
        ),
      ),
    );
  }

  function drawScored(list: QaSample[]): void {
    replace(
      scored,
      ...list.map((s) =>
        h(
          'li',
          { testid: 'qa-scored-item' },
          `${s.agentName} · ${s.answeredAt ? formatDate(s.answeredAt) : '—'} · ${s.total} / ${s.outOf}`,
          s.comment ? ` · ${s.comment}` : '',
          s.reviewer ? ` · 评分人 by ${s.reviewer}` : '',
        ),
      ),
    );
  }

  function itemRow(item: QaItem): HTMLElement {
    const remove = h(
      'button',
      { class: 'btn btn-link', testid: 'qa-form-remove', attrs: { type: 'button' } },
      '删除 Remove',
    );
    const row = h(
      'div',
      { class: 'actions', testid: 'qa-form-item' },
      h('input', {
        testid: 'qa-form-label',
        attrs: { value: item.label, maxlength: String(QA_LIMITS.label), 'aria-label': '评分项 Item' },
      }),
      h('input', {
        testid: 'qa-form-points',
        attrs: {
          type: 'number',
          min: '1',
          max: String(QA_LIMITS.points),
          value: String(item.points),
          'aria-label': '分值 Points',
        },
      }),
      remove,
    );
    remove.addEventListener('click', () => row.remove());
    return row;
  }
  addItem.addEventListener('click', () => formRows.append(itemRow({ label: '', points: 10 })));
  formEditor.addEventListener('submit', (e) => {
    e.preventDefault();
    const items = [...formRows.querySelectorAll('[data-testid="qa-form-item"]')].map((row) => ({
      label: (row.querySelector('[data-testid="qa-form-label"]') as HTMLInputElement).value,
      points: Number((row.querySelector('[data-testid="qa-form-points"]') as HTMLInputElement).value),
    }));
    formResult.textContent = '';
    actions.saveForm(items).then((form) => {
      formResult.textContent = `已保存,满分 ${form.items.reduce((a, b) => a + b.points, 0)} Saved: out of ${form.items.reduce((a, b) => a + b.points, 0)}`;
    }, fail(formResult));
  });
  settingsEditor.addEventListener('submit', (e) => {
    e.preventDefault();
    actions
      .saveSettings({ perAgent: Number(perAgent.value), period: periodKind.value as QaPeriodKind })
      .then(
        (s) => (settingsResult.textContent = `已保存 Saved: ${s.perAgent} · ${PERIOD_LABELS[s.period]}`),
        fail(settingsResult),
      );
  });
  drawButton.addEventListener('click', () => {
    drawButton.disabled = true;
    drawResult.textContent = '';
    actions.draw(date.value || today()).then(
      (r) => {
        drawButton.disabled = false;
        drawResult.textContent = `${r.period}:抽取了 ${r.drawn} 通(每人最多 ${r.perAgent} 通)Drew ${r.drawn} calls (up to ${r.perAgent} per agent)`;
        load();
      },
      (err: unknown) => {
        drawButton.disabled = false;
        drawResult.textContent = actions.describeError(err);
      },
    );
  });

  function load(): void {
    const mine = ++seq;
    error.textContent = '';
    const keep =
      <T>(draw: (v: T) => void) =>
      (v: T) => {
        if (mine === seq) draw(v);
      };
    const failed = (err: unknown) => {
      if (mine === seq) error.textContent = actions.describeError(err);
    };
    actions.scores().then(keep(drawScores), failed);
    actions.samples(true).then(keep(drawScored), failed);
    if (leader) actions.samples(false).then(keep(drawPending), failed);
  }

  return {
    root,
    show(role: string | null): void {
      leader = role === 'supervisor' || role === 'admin';
      const admin = role === 'admin';
      root.hidden = false;
      drawSection.hidden = pendingSection.hidden = !leader;
      formEditor.hidden = settingsEditor.hidden = !admin;
      scoring.hidden = true;
      date.value = today();
      load();
      if (admin) {
        actions.form().then((f) => replace(formRows, ...f.items.map(itemRow)), fail(formResult));
        actions.settings().then((s) => {
          perAgent.value = String(s.perAgent);
          periodKind.value = s.period;
        }, fail(settingsResult));
      }
    },
    shownFor: () => (root.hidden ? null : leader),
    hide(): void {
      seq++;
      root.hidden = true;
    },
  };
}
