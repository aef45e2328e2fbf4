// The desk's ticket panel: one of the caller's tickets, opened from the pop card, to update while the owner is on
// the line: what it is and where it stands, its last steps, the actions the agent may take now (the same buttons
// and forms as the ticket page, ticket-actions.ts) and a note. The call stays on screen; the ticket's full page is
// one link away.
import type { TicketView } from '../../core/contracts.ts';
import { h, replace } from './dom.ts';
import { formatDate, label, ticketStatusLabel, ticketTypeLabel } from './format.ts';
import { createTicketActions, createTicketNote, type TicketActionDeps } from './ticket-actions.ts';
import { ROLES, stepDetail, stepLabel, ticketPageHash } from './ticket-page.ts';

export interface DeskTicketActions extends TicketActionDeps {
  ticket(id: number): Promise<TicketView>;
  addNote(id: number, text: string): Promise<unknown>;
}

export interface DeskTicket {
  readonly root: HTMLElement;
  /** Opens ticket `id` in the panel (the one open before is closed). */
  open(id: number): void;
  close(): void;
}

/** How many of the latest steps the panel shows; the ticket page has them all. */
const LAST_STEPS = 3;

export function createDeskTicket(
  actions: DeskTicketActions,
  /** The ticket changed (an action or a note): the pop card shows its new status. */
  onChanged: (view: TicketView) => void,
): DeskTicket {
  const titleId = 'desk-ticket-title';
  const title = h('h2', { testid: 'desk-ticket-title', attrs: { id: titleId } });
  const status = h('span', { class: 'tag tag-status', testid: 'desk-ticket-status' });
  const facts = h('p', { class: 'muted', testid: 'desk-ticket-facts' });
  const description = h('p', { class: 'ticket-description', testid: 'desk-ticket-description' });
  const steps = h('ol', { class: 'plain-list ticket-timeline', testid: 'desk-ticket-steps' });
  const error = h('p', { class: 'form-error', testid: 'desk-ticket-error', attrs: { role: 'alert' } });
  const fullPage = h('a', { testid: 'desk-ticket-page' }, '完整页面 Full page');
  const closeButton = h(
    'button',
    { class: 'btn btn-link', testid: 'desk-ticket-close', attrs: { type: 'button' } },
    '关闭 Close',
  );
  let seq = 0;

  const draw = (view: TicketView): void => {
    const s = view.summary;
    note.setTicket(view.id);
    root.dataset.ticketId = String(view.id);
    root.dataset.status = view.ticket.status;
    replace(title, `工单 ${s.number} `, h('span', { class: 'en' }, `Ticket ${s.number}`));
    status.textContent = ticketStatusLabel(view.ticket.status);
    facts.textContent = [
      `${ticketTypeLabel(s.type)}${s.urgent ? ' · 紧急 Urgent' : ''}`,
      [s.estate, s.roomCode].filter(Boolean).join(' '),
      s.departmentName ?? '未派单 Not dispatched',
    ]
      .filter(Boolean)
      .join(' · ');
    description.textContent = s.description;
    fullPage.setAttribute('href', ticketPageHash(view.id));
    replace(
      steps,
      ...view.timeline
        .slice(-LAST_STEPS)
        .map((step) =>
          h(
            'li',
            { testid: 'desk-ticket-step', attrs: { 'data-kind': step.kind } },
            h('time', { attrs: { datetime: step.at } }, formatDate(step.at)),
            ' ',
            h('span', { class: 'timeline-kind' }, stepLabel(step.kind)),
            ` · ${step.by.name ?? label(ROLES, step.by.role)}`,
            stepDetail(step) ? h('div', { class: 'step-detail' }, stepDetail(step)) : null,
          ),
        ),
    );
    ticketActions.draw(view);
  };

  const changed = (view: TicketView): void => {
    draw(view);
    onChanged(view);
  };

  const showError = (message: string): void => {
    error.textContent = message;
  };
  const ticketActions = createTicketActions(actions, { done: changed, error: showError });
  const note = createTicketNote(
    actions,
    { text: 'desk-ticket-note', button: 'desk-ticket-add-note' },
    {
      added: (id) => {
        const mine = seq;
        actions.ticket(id).then(
          (next) => {
            if (mine === seq) changed(next);
          },
          (err: unknown) => {
            if (mine === seq) showError(actions.describeError(err));
          },
        );
      },
      error: showError,
    },
  );

  const root = h(
    'section',
    { class: 'desk-ticket', testid: 'desk-ticket', attrs: { 'aria-labelledby': titleId } },
    h('header', { class: 'desk-ticket-head' }, title, status, fullPage, closeButton),
    facts,
    description,
    error,
    h('h3', {}, '最近处理 Latest steps'),
    steps,
    h('h3', {}, '处理 Actions'),
    ticketActions.buttons,
    ticketActions.form,
    h('h3', {}, '备注 Note'),
    note.text,
    note.button,
  );
  root.hidden = true;

  const close = (): void => {
    seq++;
    root.hidden = true;
    delete root.dataset.ticketId;
    ticketActions.clear();
    note.setTicket(null);
  };
  closeButton.addEventListener('click', close);

  return {
    root,
    open(id) {
      const mine = ++seq;
      ticketActions.clear();
      error.textContent = '';
      note.setTicket(null);
      replace(title, '加载中 Loading…');
      status.textContent = '';
      facts.textContent = '';
      description.textContent = '';
      replace(steps);
      root.hidden = false;
      actions.ticket(id).then(
        (view) => {
          if (mine === seq) draw(view);
        },
        (err: unknown) => {
          if (mine !== seq) return;
          replace(title, '工单 Ticket');
          error.textContent = actions.describeError(err);
        },
      );
    },
    close,
  };
}
