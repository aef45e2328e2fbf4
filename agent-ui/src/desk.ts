// The desk after login: header, the screen-pop card, the ticket and wrap-up forms, and the little model
// behind them (agent, status, current call). Socket events and GET /api/me both feed it; /api/me wins.
import type {
  AgentStatus,
  CallAnswered,
  CallEnded,
  CallOffered,
  CallHeld,
  CallResumed,
  CallConsulting,
  PopTicket,
  ScreenPop,
} from '../../core/contracts.ts';
import { createCallControls, type CallControlActions } from './call-controls.ts';
import { createDeskTicket, type DeskTicketActions } from './desk-ticket.ts';
import { h } from './dom.ts';
import { createHeader, type Connection, type HeaderActions } from './header.ts';
import { createPopCard } from './pop-card.ts';
import { createTicketForm } from './ticket-form.ts';
import { createWrapUpForm } from './wrap-up-form.ts';
import type {
  AgentIdentity,
  CallPhase,
  MeResponse,
  TicketCreated,
  TicketRequest,
  WrapUpRequest,
} from '../../core/contracts.ts';

export interface DeskActions extends HeaderActions, CallControlActions, DeskTicketActions {
  createTicket(ticket: TicketRequest): Promise<TicketCreated>;
  /** Close the call with a disposition; the agent's new state arrives as an agent:state event. */
  wrapUp(callId: string, body: WrapUpRequest): Promise<unknown>;
  /** The message to show for a failed action. */
  readonly describeError: (err: unknown) => string;
}

export interface Desk {
  readonly root: HTMLElement;
  show(agent: AgentIdentity | null): void;
  hide(): void;
  /** Forget everything (logout / session expired). */
  reset(): void;
  applyMe(me: MeResponse): void;
  applyStatus(status: AgentStatus): void;
  /** A pop offered to an agent: shown when it is this desk's (a team leader's socket gets every agent's). */
  offered(pop: CallOffered): void;
  answered(event: CallAnswered): void;
  ended(event: CallEnded): void;
  held(event: CallHeld): void;
  resumed(event: CallResumed): void;
  consulting(event: CallConsulting): void;
  setConnection(connection: Connection): void;
  showError(message: string): void;
}

interface CurrentCall {
  pop: ScreenPop;
  phase: CallPhase;
  ended: CallEnded | null;
  /** The agent talked on this call (so it gets a wrap-up); a call that only rang does not. */
  answered: boolean;
  /** Tickets created from this desk during the call, kept when the server redraws the pop. */
  created: PopTicket[];
  /** Since when the owner is on hold; null when they are not. */
  heldSince: string | null;
}

const TITLE = '坐席工作台 Agent desk';

function withCreated(pop: ScreenPop, created: readonly PopTicket[]): ScreenPop {
  const missing = created.filter((t) => !pop.openTickets.some((o) => o.id === t.id));
  return missing.length ? { ...pop, openTickets: [...missing, ...pop.openTickets] } : pop;
}

export function createDesk(actions: DeskActions): Desk {
  const { describeError } = actions;
  const header = createHeader(actions, describeError);
  const popCard = createPopCard((id) => deskTicket.open(id));
  // a ticket of the caller's, updated beside the call: the card shows its new status
  const deskTicket = createDeskTicket(actions, (view) => {
    if (!call) return;
    const status = (t: PopTicket): PopTicket => (t.id === view.id ? { ...t, status: view.ticket.status } : t);
    call.created = call.created.map(status);
    call.pop = { ...call.pop, openTickets: call.pop.openTickets.map(status) };
    popCard.show(call.pop);
  });
  const idle = h(
    'div',
    { class: 'pop-idle', testid: 'pop-idle' },
    h('p', { class: 'idle-title' }, '等待来电 ', h('span', { class: 'en' }, 'Waiting for calls')),
    h(
      'p',
      { class: 'muted' },
      '来电时将在此显示客户信息。 Caller details appear here when a call is offered.',
    ),
  );
  const ticketForm = createTicketForm(
    (ticket) => actions.createTicket(ticket),
    (created, pop) => {
      if (call?.pop.callId !== pop.callId) return;
      call.created.unshift({ ...created });
      call.pop = withCreated(call.pop, call.created);
      popCard.show(call.pop);
      drawWrapUp();
    },
    describeError,
  );
  const wrapUpForm = createWrapUpForm((callId, body) => actions.wrapUp(callId, body), describeError);
  const callControls = createCallControls(actions, describeError);

  const root = h(
    'div',
    { class: 'desk' },
    header.root,
    h(
      'main',
      { class: 'desk-main' },
      h('div', { class: 'call-column' }, idle, callControls.root, popCard.root),
      h('div', { class: 'side-column' }, deskTicket.root, ticketForm.root, wrapUpForm.root),
    ),
  );
  root.hidden = true;

  let agent: AgentIdentity | null = null;
  let call: CurrentCall | null = null;

  const updateTitle = (): void => {
    document.title = call?.phase === 'offered' ? `来电 Incoming call · ${TITLE}` : TITLE;
  };

  /** The wrap-up form belongs to an answered call, with the latest ticket created during it. */
  const drawWrapUp = (): void => {
    if (call?.answered) wrapUpForm.show(call.pop.callId, call.created[0]?.number ?? null);
    else wrapUpForm.clear();
  };

  const drawPhase = (): void => {
    if (call) popCard.setPhase(call.phase, call.ended);
    if (call) callControls.show(call.pop.callId, call.phase, call.phase === 'held' ? call.heldSince : null);
    else callControls.clear();
    drawWrapUp();
    updateTitle();
  };

  /** A call we have not shown yet replaces the card; the same call is redrawn in place. */
  const showCall = (pop: ScreenPop, phase: CallPhase): void => {
    if (call && call.pop.callId === pop.callId) {
      call.pop = withCreated(pop, call.created);
      if (phase !== 'ended') call.ended = null;
      call.phase = phase;
      popCard.show(call.pop);
      ticketForm.update(call.pop);
    } else {
      call = { pop, phase, ended: null, answered: false, created: [], heldSince: null };
      deskTicket.close();
      popCard.show(pop);
      ticketForm.reset(pop);
    }
    // from GET /api/me, "ended" means the agent is in wrap-up for this call, so it was answered too
    if (phase !== 'offered') call.answered = true;
    idle.hidden = true;
    drawPhase();
  };

  /**
   * An event about this desk's agent. A team leader's socket gets every agent's events too: a call the leader took
   * and handed on must not be redrawn by what the next agent does with it.
   */
  const mine = (event: { agentId: number }): boolean => !agent || event.agentId === agent.id;

  const desk: Desk = {
    root,
    show(next) {
      if (next) {
        agent = next;
        header.setAgent(next);
      }
      root.hidden = false;
    },
    hide() {
      root.hidden = true;
    },
    reset() {
      agent = null;
      call = null;
      header.setAgent(null);
      header.setStatus(null);
      header.setConnection('connecting');
      header.showError('');
      popCard.clear();
      deskTicket.close();
      callControls.clear();
      ticketForm.clear();
      wrapUpForm.clear();
      idle.hidden = false;
      updateTitle();
    },
    applyMe(me) {
      agent = me.agent;
      header.setAgent(agent);
      header.setStatus(me.status);
      if (me.currentCall) {
        const known = call?.pop.callId === me.currentCall.callId ? call.phase : 'offered';
        showCall(me.currentCall, me.callState ?? known);
        if (call) call.heldSince = me.heldSince ?? null;
        callControls.consult(me.consult ?? null);
        drawPhase();
      } else if (call && call.phase !== 'ended') {
        // The call ended while we were not listening; keep the card, as after any call.
        call.phase = 'ended';
        drawPhase();
      }
    },
    applyStatus(status) {
      if (agent && status.agentId !== agent.id) return;
      header.setStatus(status);
    },
    offered({ agentId, ...pop }) {
      if (agent && agentId !== agent.id) return;
      showCall(pop, 'offered');
    },
    answered(event) {
      if (call?.pop.callId !== event.callId || !mine(event)) return;
      call.answered = true; // even when the end overtook this event: the agent did talk
      if (call.phase !== 'ended') call.phase = 'on-call';
      drawPhase();
    },
    ended(event) {
      if (call?.pop.callId !== event.callId || !mine(event)) return;
      call.phase = 'ended';
      call.ended = event;
      drawPhase();
    },
    consulting(event) {
      if (call?.pop.callId !== event.callId || !mine(event)) return;
      callControls.consult(event);
    },
    held(event) {
      if (call?.pop.callId !== event.callId || !mine(event) || call.phase === 'ended') return;
      call.phase = 'held';
      call.heldSince = event.at;
      drawPhase();
    },
    resumed(event) {
      if (call?.pop.callId !== event.callId || !mine(event) || call.phase !== 'held') return;
      call.phase = 'on-call';
      call.heldSince = null;
      drawPhase();
    },
    setConnection: (connection) => header.setConnection(connection),
    showError: (message) => header.showError(message),
  };
  desk.reset();
  return desk;
}
