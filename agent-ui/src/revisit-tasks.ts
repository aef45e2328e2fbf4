// 回访任务 Revisit tasks (#/revisits): the revisits the dialer could not make (the owner never answered), of the
// tickets the signed-in agent may see, oldest first. The agent calls the owner and records the score and a note:
// the ticket's revisit record gets it (by the agent, not automated) and the ticket closes or reopens as the
// dialer's revisit would.
import type { RevisitTaskView } from '../../core/campaigns/desk.ts';
import { h, replace, uid } from './dom.ts';
import { formatDate } from './format.ts';
import { ticketPageHash } from './ticket-page.ts';

export const REVISIT_TASKS_HASH = '#/revisits';

export interface RevisitTaskActions {
  tasks(): Promise<RevisitTaskView[]>;
  record(
    taskId: number,
    score: number,
    note: string,
  ): Promise<{ ticketStatus: string | null; satisfied: boolean; refusal: string | null }>;
  describeError(err: unknown): string;
}

const REASONS: Record<string, string> = {
  'not-reached': '多次未接通 Not reached',
  'no-score': '接通未评分 Answered, no score',
  asked: '业主要求人工回访 Owner asked for a person',
};

export function createRevisitTasks(actions: RevisitTaskActions) {
  const error = h('p', { class: 'form-error', testid: 'revisit-tasks-error', attrs: { role: 'alert' } });
  const notice = h('p', { testid: 'revisit-tasks-notice', attrs: { role: 'status' } });
  const list = h('ul', { class: 'plain-list', testid: 'revisit-tasks' });
  const root = h(
    'main',
    {
      class: 'revisit-tasks-page',
      testid: 'revisit-tasks-page',
      attrs: { 'aria-labelledby': 'revisit-tasks-title' },
    },
    h(
      'h2',
      { attrs: { id: 'revisit-tasks-title' } },
      '回访任务 ',
      h('span', { class: 'en' }, 'Revisit tasks'),
    ),
    error,
    notice,
    list,
  );
  root.hidden = true;
  let seq = 0;

  function item(task: RevisitTaskView): HTMLElement {
    const scoreId = uid('revisit-score');
    const noteId = uid('revisit-note');
    const score = h(
      'select',
      { testid: 'revisit-score', attrs: { id: scoreId, name: 'score' } },
      h('option', { attrs: { value: '' } }, '—'),
      ...Array.from({ length: task.scaleMax }, (_, i) => task.scaleMax - i).map((n) =>
        h('option', { attrs: { value: String(n) } }, String(n)),
      ),
    );
    const note = h('input', {
      testid: 'revisit-note',
      attrs: { id: noteId, name: 'note', maxlength: '2000' },
    });
    const submit = h(
      'button',
      { class: 'btn btn-primary', testid: 'revisit-submit', attrs: { type: 'submit' } },
      '记录回访 Record',
    );
    const formError = h('span', { class: 'form-error', attrs: { role: 'alert' } });
    const form = h(
      'form',
      { class: 'revisit-form' },
      h('label', { attrs: { for: scoreId } }, `满意度 1–${task.scaleMax} Score `),
      score,
      ' ',
      h('label', { attrs: { for: noteId } }, '备注 Note '),
      note,
      ' ',
      submit,
      formError,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!score.value) {
        formError.textContent = '请选择满意度评分 Choose the score the owner gave';
        return;
      }
      submit.disabled = true;
      actions.record(task.id, Number(score.value), note.value.trim()).then(
        (r) => {
          notice.textContent =
            `工单 ${task.ticketNumber} 已记录回访(${r.satisfied ? '满意 satisfied' : '不满意,已退回部门 unsatisfied, reopened'})Revisit recorded` +
            (r.refusal ? `;工单未变更 The ticket did not change: ${r.refusal}` : '');
          li.remove();
        },
        (err: unknown) => {
          submit.disabled = false;
          formError.textContent = actions.describeError(err);
        },
      );
    });
    const li = h(
      'li',
      { testid: 'revisit-task', attrs: { 'data-ticket-number': task.ticketNumber } },
      h('a', { attrs: { href: ticketPageHash(task.ticketId) } }, `工单 Ticket ${task.ticketNumber}`),
      ` · ${task.ownerName ?? '—'} · `,
      h('a', { testid: 'revisit-phone', attrs: { href: `tel:${task.phone ?? ''}` } }, task.phone ?? '—'),
      ` · ${[task.estate, task.roomCode].filter(Boolean).join(' ')} · ${REASONS[task.reason] ?? task.reason} · ${formatDate(task.createdAt)}`,
      form,
    );
    return li;
  }

  return {
    root,
    show(): void {
      const mine = ++seq;
      root.hidden = false;
      error.textContent = '';
      notice.textContent = '';
      actions.tasks().then(
        (tasks) => {
          if (mine !== seq) return;
          replace(list, ...tasks.map(item));
          if (tasks.length === 0)
            replace(list, h('li', { class: 'muted' }, '没有待办的回访 No revisits waiting'));
        },
        (err: unknown) => mine === seq && (error.textContent = actions.describeError(err)),
      );
    },
    hide(): void {
      seq++;
      root.hidden = true;
    },
  };
}
