// Notices about tickets that arrive over socket.io, newest first, each linking to its ticket's page: the escalation
// warnings (投诉升级预警, `ticket:escalated`, team leaders) and the time limits that ran out (超时提醒,
// `ticket:overdue`, team leaders and the department the ticket is with). A list shows once its first notice
// arrives in this session and keeps the last NOTICES_KEPT; the tickets and their timelines keep them all.
import type { TicketEscalated, TicketOverdue } from '../../core/contracts.ts';
import { h, replace, type Child } from './dom.ts';
import { formatTime } from './format.ts';
import { ticketPageHash } from './ticket-page.ts';

export const NOTICES_KEPT = 20;

interface Notice {
  key: string;
  at: string;
  ticketId: number;
  ticketNumber: string;
  /** Extra classes of the item (a severity level). */
  class: string;
  headline: string;
  lines: Child[];
}

export interface NoticeList<T> {
  readonly root: HTMLElement;
  add(event: T): void;
  /** Signed out: empty and hidden. */
  clear(): void;
}

function createNoticeList<T>(
  spec: { testid: string; itemTestid: string; zh: string; en: string },
  noticeOf: (event: T) => Notice,
): NoticeList<T> {
  const titleId = `${spec.testid}-title`;
  const list = h('ol', { class: 'escalation-items' });
  const root = h(
    'section',
    {
      class: 'escalations',
      testid: spec.testid,
      attrs: { 'aria-live': 'polite', 'aria-labelledby': titleId },
    },
    h('h2', { attrs: { id: titleId } }, `${spec.zh} `, h('span', { class: 'en' }, spec.en)),
    list,
  );
  root.hidden = true;
  let items: Notice[] = [];

  const draw = (): void => {
    replace(
      list,
      ...items.map((n) =>
        h(
          'li',
          { class: `escalation ${n.class}`, testid: `${spec.itemTestid}-${n.ticketNumber}` },
          h('span', { class: 'escalation-time' }, formatTime(n.at)),
          h('a', { class: 'escalation-levels', attrs: { href: ticketPageHash(n.ticketId) } }, n.headline),
          ...n.lines.map((line) => (line ? h('p', {}, line) : null)),
        ),
      ),
    );
  };

  return {
    root,
    add(event) {
      const notice = noticeOf(event);
      items = [notice, ...items.filter((n) => n.key !== notice.key)].slice(0, NOTICES_KEPT);
      draw();
      root.hidden = false;
    },
    clear() {
      items = [];
      draw();
      root.hidden = true;
    },
  };
}

/** The escalation warnings a team leader receives. */
export const createEscalationList = (): NoticeList<TicketEscalated> =>
  createNoticeList<TicketEscalated>(
    { testid: 'escalations', itemTestid: 'escalation', zh: '投诉升级预警', en: 'Escalation warnings' },
    (e) => ({
      key: `${e.ticketNumber}@${e.at}`,
      at: e.at,
      ticketId: e.ticketId,
      ticketNumber: e.ticketNumber,
      class: `level-${e.to.level}`,
      headline: `${e.ticketNumber}: ${e.from.zh} → ${e.to.zh} (${e.from.en} → ${e.to.en})`,
      lines: [e.warning, e.note ? `${e.by.name ?? ''}: ${e.note}` : null],
    }),
  );

/** The time limits that ran out, for team leaders and the department the ticket is with. */
export const createOverdueList = (): NoticeList<TicketOverdue> =>
  createNoticeList<TicketOverdue>(
    { testid: 'overdue-notices', itemTestid: 'overdue', zh: '超时提醒', en: 'Time limits run out' },
    (o) => ({
      key: `${o.ticketId}:${o.clock}:${o.round}`,
      at: o.at,
      ticketId: o.ticketId,
      ticketNumber: o.ticketNumber,
      class: 'level-major',
      headline: `${o.ticketNumber}: ${o.label.zh} ${o.label.en}`,
      lines: [o.message],
    }),
  );
