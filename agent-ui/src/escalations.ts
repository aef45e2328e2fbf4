// The escalation warnings (投诉升级预警) a team leader receives (socket.io `ticket:escalated`, supervisors' room):
// the newest first, each with the ticket's number, the level it went from and to, and why. Shown above the team
// overview once the first one arrives in this session; kept to the last ESCALATIONS_KEPT.
import type { TicketEscalated } from '../../core/contracts.ts';
import { h, replace } from './dom.ts';
import { formatTime } from './format.ts';

export const ESCALATIONS_KEPT = 20;

export interface EscalationList {
  readonly root: HTMLElement;
  add(event: TicketEscalated): void;
  /** Signed out: empty and hidden. */
  clear(): void;
}

export function createEscalationList(): EscalationList {
  const list = h('ol', { class: 'escalation-items' });
  const root = h(
    'section',
    {
      class: 'escalations',
      testid: 'escalations',
      attrs: { 'aria-live': 'polite', 'aria-labelledby': 'escalations-title' },
    },
    h(
      'h2',
      { attrs: { id: 'escalations-title' } },
      '投诉升级预警 ',
      h('span', { class: 'en' }, 'Escalation warnings'),
    ),
    list,
  );
  root.hidden = true;
  let items: TicketEscalated[] = [];

  const draw = (): void => {
    replace(
      list,
      ...items.map((e) =>
        h(
          'li',
          { class: `escalation level-${e.to.level}`, testid: `escalation-${e.ticketNumber}` },
          h('span', { class: 'escalation-time' }, formatTime(e.at)),
          h(
            'strong',
            { class: 'escalation-levels' },
            `${e.ticketNumber}: ${e.from.zh} → ${e.to.zh} (${e.from.en} → ${e.to.en})`,
          ),
          h('p', { class: 'escalation-warning' }, e.warning),
          e.note ? h('p', { class: 'escalation-note' }, `${e.by.name ?? ''}: ${e.note}`) : null,
        ),
      ),
    );
  };

  return {
    root,
    add(event) {
      items = [event, ...items.filter((e) => e.ticketNumber !== event.ticketNumber || e.at !== event.at)];
      items = items.slice(0, ESCALATIONS_KEPT);
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
