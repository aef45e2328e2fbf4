// The team leader's live view, under the desk of a supervisor or an admin: every queue (calls waiting, the
// longest wait, agents at work and free) and every agent (state, reason, for how long, queues). Read from
// GET /api/supervisor/overview every OVERVIEW_REFRESH_MS while shown.
import type { SupervisorOverview } from '../../core/contracts.ts';
import { h, replace } from './dom.ts';
import { agentStateText, formatDuration } from './format.ts';

export const OVERVIEW_REFRESH_MS = 2000;

export interface TeamOverview {
  readonly root: HTMLElement;
  /** Shows the view and reads it every few seconds (a team leader signed in). */
  start(): void;
  /** Hides it and stops reading (an agent, or signed out). */
  stop(): void;
}

export function createTeamOverview(
  read: () => Promise<SupervisorOverview>,
  describeError: (err: unknown) => string,
): TeamOverview {
  const queuesBody = h('tbody');
  const agentsBody = h('tbody');
  const status = h('p', {
    class: 'overview-status',
    testid: 'overview-status',
    attrs: { 'aria-live': 'polite' },
  });
  const th = (text: string, num = false) =>
    h('th', { class: num ? 'num' : undefined, attrs: { scope: 'col' } }, text);
  const root = h(
    'section',
    { class: 'team-overview', testid: 'team-overview', attrs: { 'aria-label': '班组监控 Team overview' } },
    h('h2', {}, '班组监控 Team overview'),
    status,
    h(
      'table',
      { class: 'overview', testid: 'overview-queues' },
      h('caption', {}, '队列 Queues'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          th('队列 Queue'),
          th('等待 Waiting', true),
          th('最长等待 Longest wait', true),
          th('在岗 At work', true),
          th('空闲 Free', true),
        ),
      ),
      queuesBody,
    ),
    h(
      'table',
      { class: 'overview', testid: 'overview-agents' },
      h('caption', {}, '坐席 Agents'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          th('工号 No.'),
          th('姓名 Name'),
          th('状态 State'),
          th('持续 For', true),
          th('队列 Queues'),
        ),
      ),
      agentsBody,
    ),
  );
  root.hidden = true;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running = false;

  const draw = (o: SupervisorOverview): void => {
    const now = Date.parse(o.at);
    replace(
      queuesBody,
      ...o.queues.map((q) =>
        h(
          'tr',
          {
            testid: `overview-queue-${q.name}`,
            class: q.waiting > 0 && q.agentsAvailable === 0 ? 'waiting' : undefined,
          },
          h('th', { attrs: { scope: 'row' } }, `${q.labelZh} ${q.labelEn}`),
          h('td', { class: 'num', testid: 'waiting' }, q.waiting),
          h('td', { class: 'num' }, q.longestWaitS === null ? '–' : formatDuration(q.longestWaitS * 1000)),
          h('td', { class: 'num' }, q.agentsServing),
          h('td', { class: 'num' }, q.agentsAvailable),
        ),
      ),
    );
    replace(
      agentsBody,
      ...o.agents.map((a) =>
        h(
          'tr',
          { testid: `overview-agent-${a.login}` },
          h('td', {}, a.agentNumber),
          h('th', { attrs: { scope: 'row' } }, a.name),
          h('td', { testid: 'state' }, agentStateText(a.state, a.reason)),
          h('td', { class: 'num' }, formatDuration(now - Date.parse(a.since))),
          h('td', {}, a.queues.join(', ')),
        ),
      ),
    );
  };

  const tick = async (): Promise<void> => {
    try {
      draw(await read());
      status.textContent = '';
    } catch (err) {
      status.textContent = describeError(err);
    }
    if (running) timer = setTimeout(() => void tick(), OVERVIEW_REFRESH_MS);
  };

  return {
    root,
    start() {
      root.hidden = false;
      if (running) return;
      running = true;
      void tick();
    },
    stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      root.hidden = true;
      replace(queuesBody);
      replace(agentsBody);
    },
  };
}
