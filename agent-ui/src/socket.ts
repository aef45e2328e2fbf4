// The socket.io connection: typed events from core/contracts.ts, token in the handshake.
import { io, type Socket } from 'socket.io-client';
import type { CampaignProgress } from '../../core/campaigns/desk.ts';
import type {
  AgentStatus,
  CallAnswered,
  CallEnded,
  CallHeld,
  CallMonitored,
  CallOffered,
  CallResumed,
  CallConsulting,
  ClientToServerEvents,
  ServerToClientEvents,
  TicketEscalated,
  TicketOverdue,
  SupervisorOverview,
} from '../../core/contracts.ts';

export interface SocketHandlers {
  /** After every connect and reconnect: re-read the truth from the server. */
  connected(): void;
  disconnected(): void;
  /** The server refused the token (connect_error "unauthorized"). */
  unauthorized(): void;
  offered(pop: CallOffered): void;
  answered(event: CallAnswered): void;
  ended(event: CallEnded): void;
  held(event: CallHeld): void;
  resumed(event: CallResumed): void;
  /** The agent's consultation or conference (`call:consulting`, `call:conference`). */
  consulting(event: CallConsulting): void;
  agentState(status: AgentStatus): void;
  /** Team leaders: someone started, changed or ended listening in on a call. */
  monitored(event: CallMonitored): void;
  /** Team leaders: a complaint's severity went up (投诉升级预警). */
  escalated(event: TicketEscalated): void;
  overdue(event: TicketOverdue): void;
  /** Team leaders: a campaign's targets moved on (the dialer's progress). */
  campaignProgress(event: CampaignProgress): void;
  /** Team leaders: the wallboard changed (pushed by the gateway, cti/wallboard.ts). */
  overview(overview: SupervisorOverview): void;
}

export interface DeskSocket {
  close(): void;
}

const RETRY_MS = 5000;

export function connectSocket(token: string, handlers: SocketHandlers): DeskSocket {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
    auth: { token },
    transports: ['websocket'],
  });
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const reconnectLater = (): void => {
    clearTimeout(retry);
    retry = setTimeout(() => {
      if (!closed && !socket.connected) socket.connect();
    }, RETRY_MS);
  };

  socket.on('connect', () => handlers.connected());
  socket.on('disconnect', (reason) => {
    handlers.disconnected();
    // The client only reconnects by itself after transport failures; when the server closed the
    // socket, ask again a little later (a refused token then ends the session via connect_error).
    if (reason === 'io server disconnect') reconnectLater();
  });
  socket.on('connect_error', (err) => {
    if (err.message === 'unauthorized') {
      handlers.unauthorized();
      return;
    }
    handlers.disconnected();
    // Errors from server middleware stop the client's own retries (socket.active is false).
    if (!socket.active) reconnectLater();
  });

  socket.on('call:offered', (pop) => {
    handlers.offered(pop);
    // drawn: tell the ACD it may ring the phone now
    socket.emit('call:seen', pop.callId);
  });
  socket.on('call:answered', (event) => handlers.answered(event));
  socket.on('call:ended', (event) => handlers.ended(event));
  socket.on('agent:state', (status) => handlers.agentState(status));
  socket.on('call:held', (event) => handlers.held(event));
  socket.on('call:resumed', (event) => handlers.resumed(event));
  socket.on('call:monitored', (event) => handlers.monitored(event));
  socket.on('ticket:escalated', (event) => handlers.escalated(event));
  socket.on('ticket:overdue', (event) => handlers.overdue(event));
  socket.on('campaign:progress', (event) => handlers.campaignProgress(event));
  socket.on('supervisor:overview', (overview) => handlers.overview(overview));
  socket.on('call:consulting', (event) => handlers.consulting(event));
  socket.on('call:conference', (event) => handlers.consulting(event));

  return {
    close() {
      closed = true;
      clearTimeout(retry);
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
}
