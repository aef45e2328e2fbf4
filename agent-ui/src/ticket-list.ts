// The tickets page (#/tickets): search and filter the tickets the signed-in member of staff may see (the server
// decides which: their estates, their department, their organisation), newest first, a page at a time.
import {
  TICKET_TYPES,
  type DepartmentInfo,
  type TicketSearchResult,
  type TicketSummary,
} from '../../core/contracts.ts';
import { COMPLAINT_CATEGORIES, TICKET_STATUSES } from '../../core/tickets/types.ts';
import { h, replace, uid } from './dom.ts';
import { bilingual, formatDate, ticketStatusLabel, ticketTypeLabel } from './format.ts';
import { SEVERITY_LABELS, SEVERITY_LEVELS, type SeverityLevel } from '../../core/tickets/severity.ts';
import { ticketPageHash } from './ticket-page.ts';

export interface TicketListActions {
  /** GET /api/tickets with these query parameters. */
  search(query: URLSearchParams): Promise<TicketSearchResult>;
  estates(): Promise<{ id: number; name: string }[]>;
  departments(): Promise<DepartmentInfo[]>;
  describeError(err: unknown): string;
}

export interface TicketList {
  readonly root: HTMLElement;
  /** Show the page and run the search as the filters stand. */
  show(): void;
  hide(): void;
}

export const TICKET_LIST_HASH = '#/tickets';

export function createTicketList(actions: TicketListActions): TicketList {
  const field = (label: string, control: HTMLElement): HTMLElement => {
    const id = uid('ticket-filter');
    control.id = id;
    return h('div', { class: 'field' }, h('label', { attrs: { for: id } }, label), control);
  };
  const choice = (name: string, options: readonly string[], labelOf: (v: string) => string) =>
    h(
      'select',
      { testid: `filter-${name}`, attrs: { name } },
      h('option', { attrs: { value: '' } }, '全部 All'),
      ...options.map((o) => h('option', { attrs: { value: o } }, labelOf(o))),
    );
  const text = h('input', {
    testid: 'filter-q',
    attrs: {
      name: 'q',
      type: 'search',
      maxlength: '100',
      placeholder: '工单号、描述、业主、房号 Number, words, owner, room',
    },
  });
  const status = choice('status', TICKET_STATUSES, ticketStatusLabel);
  const type = choice('type', TICKET_TYPES, ticketTypeLabel);
  const category = choice('category', COMPLAINT_CATEGORIES, (c) => c);
  const severity = choice('severity', SEVERITY_LEVELS, (l) => bilingual(SEVERITY_LABELS[l as SeverityLevel]));
  const open = h(
    'select',
    { testid: 'filter-open', attrs: { name: 'open' } },
    h('option', { attrs: { value: 'true' } }, '未结 Open'),
    h('option', { attrs: { value: 'false' } }, '已结 Closed'),
    h('option', { attrs: { value: '' } }, '全部 All'),
  );
  // estates and departments come from the server, once, when the page is first shown
  const estate = choice('estate', [], (v) => v);
  const department = choice('department', [], (v) => v);
  let choicesLoaded = false;
  async function loadChoices(): Promise<void> {
    if (choicesLoaded) return;
    choicesLoaded = true;
    try {
      const [estates, departments] = await Promise.all([actions.estates(), actions.departments()]);
      estate.append(...estates.map((e) => h('option', { attrs: { value: String(e.id) } }, e.name)));
      department.append(
        ...departments.map((d) =>
          h('option', { attrs: { value: d.code } }, `${d.organisation.name} · ${d.name}`),
        ),
      );
    } catch (err) {
      choicesLoaded = false;
      error.textContent = actions.describeError(err);
    }
  }
  const overdue = h('input', { testid: 'filter-overdue', attrs: { name: 'overdue', type: 'checkbox' } });
  const form = h(
    'form',
    { class: 'ticket-filters', testid: 'ticket-filters', attrs: { role: 'search' } },
    field('查找 Search', text),
    field('状态 Status', status),
    field('类型 Type', type),
    field('投诉类别 Category', category),
    field('严重程度 Severity', severity),
    field('小区 Estate', estate),
    field('部门 Department', department),
    field('范围 Scope', open),
    field('已超时 Overdue only', overdue),
    h(
      'button',
      { class: 'btn btn-primary', testid: 'ticket-search', attrs: { type: 'submit' } },
      '查询 Search',
    ),
  );
  const error = h('p', { class: 'form-error', testid: 'ticket-list-error', attrs: { role: 'alert' } });
  const rows = h('tbody', { testid: 'ticket-rows' });
  const table = h(
    'table',
    { class: 'ticket-table', testid: 'ticket-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...[
          '工单号 Number',
          '类型 Type',
          '状态 Status',
          '业主 Owner',
          '房号 Room',
          '小区 Estate',
          '部门 Department',
          '登记 Registered',
        ].map((t) => h('th', { attrs: { scope: 'col' } }, t)),
      ),
    ),
    rows,
  );
  const empty = h(
    'p',
    { class: 'empty', testid: 'ticket-list-empty' },
    '没有符合条件的工单 No tickets match',
  );
  const more = h('button', { class: 'btn', testid: 'ticket-more', attrs: { type: 'button' } }, '更多 More');
  const root = h(
    'main',
    { class: 'ticket-list', testid: 'ticket-list', attrs: { 'aria-labelledby': 'ticket-list-title' } },
    h('h2', { attrs: { id: 'ticket-list-title' } }, '工单 ', h('span', { class: 'en' }, 'Tickets')),
    form,
    error,
    table,
    empty,
    more,
  );
  root.hidden = true;
  empty.hidden = true;
  more.hidden = true;
  /** Bumped by every search, so a late page of an older search is not drawn. */
  let seq = 0;
  let next: string | null = null;

  const row = (t: TicketSummary): HTMLElement =>
    h(
      'tr',
      { testid: 'ticket-row', attrs: { 'data-ticket-id': String(t.id), 'data-status': t.status } },
      h('td', {}, h('a', { testid: 'ticket-link', attrs: { href: ticketPageHash(t.id) } }, t.number)),
      h(
        'td',
        {},
        ticketTypeLabel(t.type),
        t.severity !== 'ordinary'
          ? h(
              'span',
              { class: `tag severity-tag level-${t.severity}`, testid: 'ticket-severity' },
              bilingual(SEVERITY_LABELS[t.severity]),
            )
          : null,
        t.urgent ? h('span', { class: 'tag tag-urgent' }, '紧急 Urgent') : null,
      ),
      h(
        'td',
        {},
        ticketStatusLabel(t.status),
        t.overdue ? h('span', { class: 'tag tag-urgent', testid: 'ticket-overdue' }, '已超时 Overdue') : null,
      ),
      h('td', {}, t.ownerName ?? '—'),
      h('td', {}, t.roomCode ?? '—'),
      h('td', {}, t.estate ?? '—'),
      h('td', {}, t.departmentName ?? '—'),
      h('td', {}, h('time', { attrs: { datetime: t.createdAt } }, formatDate(t.createdAt))),
    );

  function query(): URLSearchParams {
    const q = new URLSearchParams();
    if (text.value.trim()) q.set('q', text.value.trim());
    for (const select of [status, type, category, severity, estate, department, open])
      if (select.value) q.set(select.name, select.value);
    if (overdue.checked) q.set('overdue', 'true');
    return q;
  }

  async function load(append: boolean): Promise<void> {
    const mine = ++seq;
    const q = query();
    if (append && next) q.set('before', next);
    error.textContent = '';
    more.disabled = true;
    try {
      const page = await actions.search(q);
      if (mine !== seq) return;
      if (!append) replace(rows);
      rows.append(...page.tickets.map(row));
      next = page.next;
      empty.hidden = rows.childElementCount > 0;
      more.hidden = next === null;
    } catch (err) {
      if (mine === seq) error.textContent = actions.describeError(err);
    } finally {
      if (mine === seq) more.disabled = false;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load(false);
  });
  more.addEventListener('click', () => void load(true));

  return {
    root,
    show() {
      root.hidden = false;
      void loadChoices();
      void load(false);
    },
    hide() {
      seq++;
      root.hidden = true;
    },
  };
}
