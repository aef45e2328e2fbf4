// The desk header: who is logged in, their state badge, and the state buttons.
import type { AgentStatus } from '../../core/contracts.ts';
import { h, replace, uid } from './dom.ts';
import { AGENT_STATE_LABELS, NOT_READY_REASONS, agentStateText, formatTime } from './format.ts';
import { createQueueBoardLink } from './queue-board-link.ts';
import type { AgentIdentity, StateChange } from '../../core/contracts.ts';

export type Connection = 'connecting' | 'connected' | 'disconnected';

export interface HeaderActions {
  /** Ask for a state; rejects with a message to show (e.g. 409 during a call). */
  setState(change: StateChange): Promise<void>;
  logout(): Promise<void>;
}

export interface Header {
  readonly root: HTMLElement;
  setAgent(agent: AgentIdentity | null): void;
  setStatus(status: AgentStatus | null): void;
  setConnection(connection: Connection): void;
  /** An error line under the buttons (empty string clears it). */
  showError(message: string): void;
}

const CONNECTION_TEXT: Record<Connection, string> = {
  connecting: '连接中 Connecting…',
  connected: '已连接 Connected',
  disconnected: '连接中断，正在重连 Reconnecting…',
};

export function createHeader(actions: HeaderActions, describeError: (err: unknown) => string): Header {
  const name = h('span', { class: 'agent-name', testid: 'agent-name' });
  const number = h('span', { class: 'agent-number', testid: 'agent-number' });
  const badge = h('span', {
    class: 'state-badge',
    testid: 'agent-state',
    attrs: { 'data-state': 'offline' },
  });
  const since = h('span', { class: 'state-since' });
  const connection = h('span', {
    class: 'connection',
    testid: 'connection',
    attrs: { 'data-connection': 'connecting' },
  });

  const reasonId = uid('reason');
  const reasonSelect = h(
    'select',
    { testid: 'not-ready-reason', attrs: { id: reasonId, name: 'reason' } },
    ...NOT_READY_REASONS.map((r) => h('option', { attrs: { value: r.code } }, r.text)),
  );

  const btnAvailable = h(
    'button',
    {
      class: 'btn btn-available',
      testid: 'btn-available',
      attrs: { type: 'button', 'aria-pressed': 'false' },
    },
    '空闲 Available',
  );
  const btnNotReady = h(
    'button',
    {
      class: 'btn btn-not-ready',
      testid: 'btn-not-ready',
      attrs: { type: 'button', 'aria-pressed': 'false' },
    },
    '示忙 Not ready',
  );
  const btnLogout = h(
    'button',
    { class: 'btn btn-logout', testid: 'btn-logout', attrs: { type: 'button' } },
    '签出 Log out',
  );
  const error = h('p', { class: 'header-error', testid: 'state-error', attrs: { role: 'alert' } });
  error.hidden = true;
  // admins only (the API refuses the others anyway)
  const queueBoard = createQueueBoardLink((message) => showError(message), describeError);

  const root = h(
    'header',
    { class: 'desk-header' },
    h(
      'div',
      { class: 'who' },
      h('span', { class: 'brand' }, '坐席工作台 ', h('span', { class: 'en' }, 'Agent desk')),
      h('span', { class: 'agent' }, name, h('span', { class: 'agent-number-label' }, '工号 No. '), number),
    ),
    h(
      'div',
      { class: 'status', attrs: { 'aria-live': 'polite' } },
      h('span', { class: 'visually-hidden' }, '当前状态 Current state: '),
      badge,
      since,
      connection,
    ),
    h(
      'div',
      { class: 'actions', attrs: { role: 'group', 'aria-label': '状态 State' } },
      btnAvailable,
      h(
        'span',
        { class: 'reason' },
        h('label', { attrs: { for: reasonId } }, '示忙原因 Reason'),
        reasonSelect,
      ),
      btnNotReady,
      queueBoard,
      btnLogout,
    ),
    error,
  );

  const buttons = [btnAvailable, btnNotReady, btnLogout];
  const run = (action: () => Promise<void>): void => {
    showError('');
    for (const b of buttons) b.disabled = true;
    action()
      .catch((err: unknown) => showError(describeError(err)))
      .finally(() => {
        for (const b of buttons) b.disabled = false;
      });
  };

  btnAvailable.addEventListener('click', () => run(() => actions.setState({ state: 'available' })));
  btnNotReady.addEventListener('click', () =>
    run(() => actions.setState({ state: 'not-ready', reason: reasonSelect.value })),
  );
  btnLogout.addEventListener('click', () => run(() => actions.logout()));

  function showError(message: string): void {
    error.textContent = message;
    error.hidden = !message;
  }

  return {
    root,
    setAgent(agent) {
      name.textContent = agent?.name ?? '';
      number.textContent = agent?.agentNumber ?? '';
      queueBoard.hidden = agent?.role !== 'admin';
    },
    setStatus(status) {
      const state = status?.state ?? 'offline';
      // A refusal ("not during a call") is stale once the state has moved on.
      if (badge.dataset.state !== state) showError('');
      if (
        state === 'not-ready' &&
        status?.reason &&
        NOT_READY_REASONS.some((r) => r.code === status.reason)
      ) {
        reasonSelect.value = status.reason;
      }
      badge.dataset.state = state;
      badge.textContent = status ? agentStateText(status.state, status.reason) : AGENT_STATE_LABELS.offline;
      replace(since, status?.since ? `自 ${formatTime(status.since)} since` : '');
      btnAvailable.setAttribute('aria-pressed', String(state === 'available'));
      btnNotReady.setAttribute('aria-pressed', String(state === 'not-ready'));
    },
    setConnection(value) {
      connection.dataset.connection = value;
      connection.textContent = CONNECTION_TEXT[value];
    },
    showError,
  };
}
