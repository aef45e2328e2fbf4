// The screen-pop card: who is calling, their units, arrears, tickets, history and IVR path.
// It stays on screen after the call ends, until the next offer replaces it.
import type { CallEnded, PopTicket, ScreenPop } from '../../core/contracts.ts';
import { callPageHash } from './call-page.ts';
import { ticketPageHash } from './ticket-page.ts';
import { h, replace, type Child } from './dom.ts';
import { campaignKindLabel, dialResultLabel, outcomeLabel } from './outbound-labels.ts';
import {
  arrearKindLabel,
  callPhaseText,
  directionLabel,
  formatDate,
  formatDuration,
  formatFen,
  formatIvrPath,
  formatTime,
  ticketStatusLabel,
  ticketTypeLabel,
} from './format.ts';
import type { CallPhase } from '../../core/contracts.ts';

export interface PopCard {
  readonly root: HTMLElement;
  show(pop: ScreenPop): void;
  setPhase(phase: CallPhase, ended: CallEnded | null): void;
  clear(): void;
}

const NONE = '无 None';

function section(title: string, testid: string, body: Node): HTMLElement {
  const heading = h('h3', {}, title);
  return h('section', { class: `pop-section pop-${testid.replace(/^pop-/, '')}` }, heading, body);
}

function list(testid: string, items: readonly Child[][], empty: string = NONE): HTMLElement {
  if (!items.length) return h('p', { class: 'empty', testid }, empty);
  return h('ul', { class: 'plain-list', testid }, ...items.map((children) => h('li', {}, ...children)));
}

function renderUnits(pop: ScreenPop): HTMLElement {
  const units = pop.owner?.units ?? [];
  return list(
    'pop-units',
    units.map((u) => [
      h('span', { class: 'estate' }, u.estate),
      ' · ',
      h('span', { class: 'building' }, u.building),
      ' · ',
      h('span', { class: 'room' }, u.roomCode),
    ]),
    pop.owner ? NONE : '未识别业主 Owner not identified',
  );
}

function renderArrears(pop: ScreenPop): HTMLElement {
  const head = h(
    'thead',
    {},
    h(
      'tr',
      {},
      h('th', { attrs: { scope: 'col' } }, '房号 Room'),
      h('th', { attrs: { scope: 'col' } }, '费用 Kind'),
      h('th', { class: 'num', attrs: { scope: 'col' } }, '金额 Amount'),
      h('th', { attrs: { scope: 'col' } }, '应缴日期 Due'),
    ),
  );
  const rows = pop.arrears.length
    ? pop.arrears.map((a) =>
        h(
          'tr',
          {},
          h('td', {}, a.roomCode),
          h('td', { attrs: { 'data-kind': a.kind } }, arrearKindLabel(a.kind)),
          h('td', { class: 'num' }, formatFen(a.amountFen)),
          h('td', {}, formatDate(a.dueDate)),
        ),
      )
    : [h('tr', {}, h('td', { class: 'empty', attrs: { colspan: '4' } }, '无欠费 No arrears'))];
  const foot = h(
    'tfoot',
    {},
    h(
      'tr',
      {},
      h('th', { attrs: { scope: 'row', colspan: '2' } }, '合计 Total'),
      h(
        'td',
        { class: pop.arrearsTotalFen > 0 ? 'num total owing' : 'num total', testid: 'pop-arrears-total' },
        formatFen(pop.arrearsTotalFen),
      ),
      h('td', {}),
    ),
  );
  return h('table', { class: 'arrears', testid: 'pop-arrears' }, head, h('tbody', {}, ...rows), foot);
}

function renderTickets(tickets: readonly PopTicket[], withUpdate: boolean): HTMLElement {
  return list(
    'pop-tickets',
    tickets.map((t) => [
      withUpdate
        ? h(
            'button',
            {
              class: 'btn btn-small',
              testid: 'pop-ticket-update',
              attrs: {
                type: 'button',
                'data-ticket-id': String(t.id),
                title: `处理工单 Update ticket ${t.number}`,
              },
            },
            '处理 Update',
          )
        : null,
      h(
        'a',
        { class: 'ticket-number', testid: 'pop-ticket-link', attrs: { href: ticketPageHash(t.id) } },
        t.number,
      ),
      h('span', { class: 'tag' }, ticketTypeLabel(t.type)),
      h('span', { class: 'tag tag-status' }, ticketStatusLabel(t.status)),
      h('span', { class: 'muted' }, formatDate(t.createdAt)),
      h('span', { class: 'ticket-description' }, t.description),
    ]),
  );
}

function renderCalls(pop: ScreenPop): HTMLElement {
  return list(
    'pop-calls',
    pop.lastCalls.map((c) => [
      h('span', { class: 'muted' }, formatDate(c.startedAt)),
      h('span', { class: 'tag' }, directionLabel(c.direction)),
      h('span', {}, c.outcome),
      c.agentName ? h('span', { class: 'muted' }, c.agentName) : null,
    ]),
  );
}

function renderRevisits(pop: ScreenPop): HTMLElement {
  return list(
    'pop-revisits',
    pop.lastRevisits.map((r) => [
      h('span', { class: 'ticket-number' }, r.ticketNumber),
      h('span', { class: 'muted' }, formatDate(r.at)),
      h('span', {}, outcomeLabel(r.outcome)),
      r.score === null ? null : h('span', { class: 'tag' }, `评分 Score ${r.score}`),
    ]),
  );
}

/** The owner's last outbound attempts: which campaign, when, how the dial went and what the owner chose. */
function renderAttempts(pop: ScreenPop): HTMLElement {
  return list(
    'pop-attempts',
    (pop.lastAttempts ?? []).map((a) => [
      h('span', { class: 'tag' }, campaignKindLabel(a.campaignKind)),
      h('span', {}, a.campaignName),
      h('span', { class: 'muted' }, formatDate(a.at)),
      h('span', {}, dialResultLabel(a.result)),
      a.outcome ? h('span', { class: 'tag' }, outcomeLabel(a.outcome)) : null,
    ]),
  );
}

function meta(term: string, value: Child, testid?: string): HTMLElement[] {
  return [h('dt', {}, term), h('dd', testid ? { testid } : {}, value)];
}

/** `openTicket`: the agent pressed a ticket's update button (the desk opens it beside the call). */
export function createPopCard(openTicket?: (id: number) => void): PopCard {
  const callState = h('p', {
    class: 'call-state',
    testid: 'call-state',
    attrs: { role: 'status', 'aria-live': 'polite' },
  });
  const caller = h('span', { class: 'caller', testid: 'pop-caller' });
  const owner = h('span', { class: 'owner', testid: 'pop-owner' });
  const vip = h(
    'span',
    { class: 'vip-badge', testid: 'pop-vip', attrs: { title: '贵宾业主 VIP owner' } },
    'VIP',
  );
  const metaList = h('dl', { class: 'pop-meta' });
  const body = h('div', { class: 'pop-body' });
  // once the call has ended: its page, with the timeline and the recording
  const details = h('a', { class: 'call-details-link', testid: 'pop-call-details' }, '通话详情 Call details');
  details.hidden = true;

  const root = h(
    'article',
    {
      class: 'pop-card',
      testid: 'pop-card',
      attrs: { 'aria-labelledby': 'pop-title', 'data-phase': 'offered' },
    },
    h(
      'div',
      { class: 'pop-head' },
      h('h2', { attrs: { id: 'pop-title' } }, '来电 ', h('span', { class: 'en' }, 'Incoming call')),
      callState,
      details,
    ),
    h(
      'div',
      { class: 'pop-identity' },
      h('div', { class: 'identity-line' }, h('span', { class: 'identity-label' }, '主叫 Caller'), caller),
      h('div', { class: 'identity-line' }, h('span', { class: 'identity-label' }, '业主 Owner'), owner, vip),
    ),
    metaList,
    body,
  );
  root.hidden = true;
  body.addEventListener('click', (event) => {
    const id = (event.target as HTMLElement).closest<HTMLElement>('[data-testid="pop-ticket-update"]')
      ?.dataset.ticketId;
    if (id && openTicket) openTicket(Number(id));
  });

  return {
    root,
    show(pop) {
      caller.textContent = pop.callerNumber ?? '号码隐藏 Withheld';
      caller.classList.toggle('withheld', pop.callerNumber === null);
      owner.textContent = pop.owner ? pop.owner.name : '未知来电 Unknown caller';
      owner.classList.toggle('unknown', pop.owner === null);
      vip.hidden = !pop.owner?.vip;
      replace(
        metaList,
        ...meta('队列 Queue', pop.queue),
        ...meta('等待 Waited', formatDuration(pop.waitedMs)),
        ...meta('意图 Intent', pop.intent),
        ...meta('拨入号码 Dialled', pop.dialledNumber),
        ...meta('来电时间 Offered', formatTime(pop.offeredAt)),
        ...meta('按键路径 IVR path', formatIvrPath(pop.ivrPath), 'pop-ivr-path'),
        ...(pop.transferredFrom
          ? meta(
              '转接自 Transferred from',
              `${pop.transferredFrom.agentName}${pop.transferredFrom.note ? `: ${pop.transferredFrom.note}` : ''}`,
              'pop-transferred-from',
            )
          : []),
        ...(pop.callback
          ? meta(
              '回拨 Callback',
              '业主选择回拨,接听后为您拨打业主 / The owner asked for a callback: answer, then the owner is dialled',
              'pop-callback',
            )
          : []),
      );
      replace(
        body,
        section('房屋 Units', 'pop-units', renderUnits(pop)),
        section('欠费 Arrears', 'pop-arrears', renderArrears(pop)),
        section('工单 Tickets', 'pop-tickets', renderTickets(pop.openTickets, openTicket !== undefined)),
        section('最近通话 Recent calls', 'pop-calls', renderCalls(pop)),
        pop.lastRevisits.length ? section('回访 Revisits', 'pop-revisits', renderRevisits(pop)) : null,
        pop.lastAttempts?.length ? section('外呼 Outbound calls', 'pop-attempts', renderAttempts(pop)) : null,
      );
      root.dataset.callId = pop.callId;
      root.hidden = false;
    },
    setPhase(phase, ended) {
      root.dataset.phase = phase;
      callState.dataset.phase = phase;
      callState.textContent = callPhaseText(phase, ended);
      const callId = root.dataset.callId;
      details.hidden = phase !== 'ended' || callId === undefined;
      if (callId !== undefined) details.setAttribute('href', callPageHash(callId));
    },
    clear() {
      root.hidden = true;
      delete root.dataset.callId;
      replace(body);
      replace(metaList);
      callState.textContent = '';
      details.hidden = true;
    },
  };
}
