// A ticket's revisit record on its page (回访记录): each revisit, by the dialer or by a person, with its time, score,
// whether the owner was satisfied, who made it (自动 automated, or the agent) and the owner's spoken comment, played
// through a short-lived link as call recordings are.
import type { TicketRevisitView } from '../../core/campaigns/desk.ts';
import { h, replace } from './dom.ts';
import { formatDate } from './format.ts';
import { outcomeLabel } from './outbound-labels.ts';

export interface RevisitRecordActions {
  revisits(ticketId: number): Promise<TicketRevisitView[]>;
  commentLink(ticketId: number, revisitId: number): Promise<{ url: string }>;
  describeError(err: unknown): string;
}

export function createRevisitRecord(actions: RevisitRecordActions) {
  const list = h('ol', { class: 'plain-list', testid: 'ticket-revisits' });
  const root = h('section', { class: 'pop-section' }, h('h3', {}, '回访记录 Revisits'), list);
  let seq = 0;

  function item(ticketId: number, r: TicketRevisitView): HTMLElement {
    const player = h('span', {});
    const play = h(
      'button',
      { class: 'btn', testid: 'revisit-comment-play', attrs: { type: 'button' } },
      '播放留言 Play the comment',
    );
    play.addEventListener('click', () => {
      play.disabled = true;
      actions.commentLink(ticketId, r.id).then(
        (link) => {
          replace(
            player,
            h('audio', {
              testid: 'revisit-comment-audio',
              attrs: { controls: true, src: link.url, 'aria-label': '回访留言 Revisit comment' },
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
    const outcome = r.result === 'scored' ? (r.satisfied ? 'satisfied' : 'unsatisfied') : r.result;
    return h(
      'li',
      { testid: 'ticket-revisit' },
      `第 ${r.attemptNo} 次 #${r.attemptNo} · `,
      h('time', { attrs: { datetime: r.at } }, formatDate(r.at)),
      ` · ${outcomeLabel(outcome)}`,
      r.score !== null ? ` · 评分 score ${r.score}` : '',
      ` · ${r.automated ? '自动回访 automated' : `人工回访 by ${r.byAgent ?? '—'}`}`,
      ' ',
      r.hasComment ? play : null,
      player,
    );
  }

  return {
    root,
    load(ticketId: number): void {
      const mine = ++seq;
      replace(list);
      actions.revisits(ticketId).then(
        (revisits) => {
          if (mine !== seq) return;
          replace(list, ...revisits.map((r) => item(ticketId, r)));
          if (revisits.length === 0) replace(list, h('li', { class: 'muted' }, '尚未回访 Not revisited yet'));
        },
        (err: unknown) =>
          mine === seq && replace(list, h('li', { class: 'form-error' }, actions.describeError(err))),
      );
    },
  };
}
export type RevisitRecord = ReturnType<typeof createRevisitRecord>;
