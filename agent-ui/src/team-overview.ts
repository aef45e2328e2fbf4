// The team leader's live view, under the desk of a supervisor or an admin: every queue (calls waiting, the
// longest wait, agents at work and free) and every agent (state, reason, for how long, queues). Read from
// the `supervisor:overview` the gateway pushes whenever it changes (cti/wallboard.ts: sampled every 250 ms), and
// from GET /api/supervisor/overview when shown and every OVERVIEW_REFRESH_MS in case a push was missed. Per agent on a call, the leader can
// listen (监听), whisper to the agent (耳语), barge (强插) on their own desk phone and stop (结束); the row says
// who is listening in.
import { callPageHash } from './call-page.ts';
import type {
  AgentOverview,
  CallMonitored,
  MonitorMode,
  StateChange,
  SupervisorOverview,
} from '../../core/contracts.ts';
import { h, replace } from './dom.ts';
import { agentStateText, formatDuration, NOT_READY_REASONS } from './format.ts';

export const OVERVIEW_REFRESH_MS = 10_000;

const SERVICE_LEVEL_HINT =
  '今日在队列服务水平阈值(默认 15 秒)内接听的电话 ÷ 呈现的电话(不含 5 秒内的短放弃) / Answered within the queue’s threshold (15 s by default) ÷ offered today (short abandons under 5 s left out)';
const ABANDON_HINT =
  '等待 5 秒以上后挂断 ÷ 呈现的电话;5 秒内挂断的短放弃另计 / Hung up after waiting 5 s or more ÷ offered; short abandons under 5 s counted apart';
const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;
/** How long the answer to a click that was refused stays on screen (redraws do not wipe it). */
export const ACTION_MESSAGE_MS = 30_000;

export interface MonitorActions {
  start(callId: string, mode: MonitorMode): Promise<unknown>;
  change(callId: string, mode: MonitorMode): Promise<unknown>;
  stop(callId: string): Promise<unknown>;
}

const MODE_LABELS: Record<MonitorMode, string> = {
  listen: '监听 Listen',
  whisper: '耳语 Whisper',
  barge: '强插 Barge',
};

/**
 * Which monitoring buttons apply to an agent's row for leader `me`: a call with nobody listening in can be
 * listened to in any mode; the leader's own session can change to another mode once their phone answered, and
 * be stopped; someone else's session, a call not yet answered by the agent, or the leader's own call: none.
 */
export function monitorButtons(
  agent: Pick<AgentOverview, 'agentId' | 'state' | 'callId'>,
  session: Pick<CallMonitored, 'leaderId' | 'mode' | 'state'> | undefined,
  me: number | null,
): Record<MonitorMode | 'stop', boolean> {
  const none = { listen: false, whisper: false, barge: false, stop: false };
  if (agent.state !== 'on-call' || agent.callId === null || agent.agentId === me) return none;
  if (!session) return { listen: true, whisper: true, barge: true, stop: false };
  if (session.leaderId !== me) return none;
  const answered = session.state === 'active';
  return {
    listen: answered && session.mode !== 'listen',
    whisper: answered && session.mode !== 'whisper',
    barge: answered && session.mode !== 'barge',
    stop: true,
  };
}

export interface TeamOverview {
  readonly root: HTMLElement;
  /** Shows the view and reads it every few seconds (team leader `me` signed in). */
  start(me?: number): void;
  /** Reads it again now (a `call:monitored` event arrived). */
  refreshNow(): void;
  /** The board the gateway pushed: drawn at once. */
  apply(overview: SupervisorOverview): void;
  /** Hides it and stops reading (an agent, or signed out). */
  stop(): void;
}

/** A team leader changes an agent's state from the board (PUT /api/supervisor/agents/:id/state). */
export type SetAgentState = (agentId: number, change: StateChange) => Promise<unknown>;

export function createTeamOverview(
  read: () => Promise<SupervisorOverview>,
  describeError: (err: unknown) => string,
  monitor?: MonitorActions,
  setAgentState?: SetAgentState,
): TeamOverview {
  let me: number | null = null;
  let busy = false;
  /** Why the last click was refused, and since when; why the last read failed. */
  let actionError = '';
  let actionErrorAt = 0;
  let readError = '';
  /** Bumped by every read: only the latest may draw and schedule the next, so one loop runs, never a stale draw. */
  let readSeq = 0;
  const queuesBody = h('tbody');
  const agentsBody = h('tbody');
  const status = h('p', {
    class: 'overview-status',
    testid: 'overview-status',
    attrs: { 'aria-live': 'polite' },
  });
  const overdue = h('p', { class: 'form-error', testid: 'overview-overdue', attrs: { role: 'status' } });
  overdue.hidden = true;
  const th = (text: string, num = false) =>
    h('th', { class: num ? 'num' : undefined, attrs: { scope: 'col' } }, text);
  const root = h(
    'section',
    { class: 'team-overview', testid: 'team-overview', attrs: { 'aria-label': '班组监控 Team overview' } },
    h('h2', {}, '班组监控 Team overview'),
    status,
    overdue,
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
          th('今日服务水平 Service level today', true),
          th('平均应答 ASA', true),
          th('放弃 Abandoned', true),
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
          th('改状态 Set state'),
          th('监听 Monitor'),
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
          h(
            'td',
            { class: 'num', testid: 'longest-wait' },
            q.longestWaitS === null ? '–' : formatDuration(q.longestWaitS * 1000),
          ),
          h('td', { class: 'num', testid: 'serving' }, q.agentsServing),
          h('td', { class: 'num', testid: 'available' }, q.agentsAvailable),
          h(
            'td',
            { class: 'num', testid: 'service-level', attrs: { title: SERVICE_LEVEL_HINT } },
            q.today.serviceLevel === null
              ? '–'
              : `${percent(q.today.serviceLevel)} (${q.today.answeredInSl}/${q.today.offered})`,
          ),
          h(
            'td',
            { class: 'num', testid: 'asa' },
            q.today.asaS === null ? '–' : `${Math.round(q.today.asaS)} s`,
          ),
          h(
            'td',
            { class: 'num', testid: 'abandoned', attrs: { title: ABANDON_HINT } },
            q.today.abandonment === null
              ? '–'
              : `${percent(q.today.abandonment)} (${q.today.abandoned}/${q.today.offered})` +
                  (q.today.shortAbandoned ? ` +${q.today.shortAbandoned} 短 short` : ''),
          ),
        ),
      ),
    );
    overdue.textContent = o.overdueTickets ? `超时工单 Overdue tickets: ${o.overdueTickets}` : '';
    overdue.hidden = !o.overdueTickets;
    replace(
      agentsBody,
      ...o.agents.map((a) =>
        h(
          'tr',
          { testid: `overview-agent-${a.login}` },
          h('td', {}, a.agentNumber),
          h(
            'th',
            { attrs: { scope: 'row' } },
            a.name,
            // the call the agent is on (or wrapping up): its page, with the recording once it has ended
            a.callId
              ? h(
                  'a',
                  {
                    class: 'overview-call-link',
                    testid: 'call-link',
                    attrs: { href: callPageHash(a.callId) },
                  },
                  '通话详情 Call details',
                )
              : null,
          ),
          h('td', { testid: 'state' }, agentStateText(a.state, a.reason)),
          h('td', { class: 'num' }, formatDuration(now - Date.parse(a.since))),
          h('td', {}, a.queues.join(', ')),
          stateCell(a),
          monitorCell(
            a,
            o.monitors.find((m) => m.callId === a.callId),
          ),
        ),
      ),
    );
  };

  const showStatus = (): void => {
    status.textContent = actionError || readError;
  };

  const act = async (work: () => Promise<unknown>): Promise<void> => {
    busy = true;
    // one click at a time: a second 监听 before the first is answered would be refused as a session already there
    for (const b of agentsBody.querySelectorAll('button, select')) (b as HTMLButtonElement).disabled = true;
    actionError = '';
    showStatus();
    try {
      await work();
    } catch (err) {
      actionError = describeError(err);
      actionErrorAt = Date.now();
    } finally {
      busy = false;
      showStatus();
      refreshNow();
    }
  };

  /** The leader sets the agent available, not ready (with a reason) or signed out; not while a call rings or runs. */
  function stateCell(a: AgentOverview): HTMLElement {
    if (!setAgentState) return h('td', {});
    const choice = h(
      'select',
      { testid: 'set-state', attrs: { 'aria-label': `改变 ${a.name} 的状态 Set ${a.name}'s state` } },
      h('option', { attrs: { value: '' } }, '—'),
      h('option', { attrs: { value: 'available' } }, '空闲 Available'),
      ...NOT_READY_REASONS.map((r) =>
        h('option', { attrs: { value: `not-ready:${r.code}` } }, `示忙 Not ready · ${r.text}`),
      ),
      h('option', { attrs: { value: 'offline' } }, '签出 Sign out'),
    );
    choice.disabled = busy || a.state === 'ringing' || a.state === 'on-call';
    choice.addEventListener('change', () => {
      const [state, reason] = choice.value.split(':') as [StateChange['state'], string | undefined];
      if (!state) return;
      const change = (reason ? { state, reason } : { state }) as StateChange;
      void act(() => setAgentState(a.agentId, change));
    });
    return h('td', {}, choice);
  }

  function monitorCell(a: AgentOverview, session: CallMonitored | undefined): HTMLElement {
    const can = monitorButtons(a, session, me);
    const callId = a.callId;
    const button = (testid: string, label: string, enabled: boolean, onClick: () => Promise<unknown>) => {
      const b = h(
        'button',
        { testid, attrs: { type: 'button', disabled: !enabled || busy || !monitor || callId === null } },
        label,
      );
      b.addEventListener('click', () => void act(onClick));
      return b;
    };
    const modeButton = (mode: MonitorMode) =>
      button(`monitor-${mode}`, MODE_LABELS[mode], can[mode], () =>
        session ? monitor!.change(callId!, mode) : monitor!.start(callId!, mode),
      );
    const who = session
      ? `${session.leaderName} ${MODE_LABELS[session.mode]}${session.state === 'ringing' ? ' (振铃 ringing)' : ''}`
      : '';
    return h(
      'td',
      { class: 'monitor', testid: 'monitor' },
      modeButton('listen'),
      modeButton('whisper'),
      modeButton('barge'),
      button('monitor-stop', '结束 Stop', can.stop, () => monitor!.stop(callId!)),
      who && h('span', { class: 'monitored-by', testid: 'monitored-by' }, who),
    );
  }

  function refreshNow(): void {
    if (running) void tick();
  }

  const tick = async (): Promise<void> => {
    const mine = ++readSeq;
    if (timer) clearTimeout(timer);
    timer = null;
    try {
      const o = await read();
      if (!running || mine !== readSeq) return;
      draw(o);
      readError = '';
      if (actionError && Date.now() - actionErrorAt > ACTION_MESSAGE_MS) actionError = '';
    } catch (err) {
      if (!running || mine !== readSeq) return;
      readError = describeError(err);
    }
    showStatus();
    timer = setTimeout(() => void tick(), OVERVIEW_REFRESH_MS);
  };

  return {
    root,
    refreshNow,
    apply(o) {
      if (!running) return;
      // a read under way answers with an older board: it does not draw
      readSeq++;
      draw(o);
      readError = '';
      showStatus();
      if (!timer) timer = setTimeout(() => void tick(), OVERVIEW_REFRESH_MS);
    },
    start(leader) {
      me = leader ?? me;
      root.hidden = false;
      if (running) return;
      running = true;
      void tick();
    },
    stop() {
      running = false;
      readSeq++;
      if (timer) clearTimeout(timer);
      timer = null;
      actionError = readError = '';
      showStatus();
      root.hidden = true;
      replace(queuesBody);
      replace(agentsBody);
    },
  };
}
