// Shapes of the HTTP API the desk talks to (the socket.io payloads live in core/contracts.ts).
import type { AgentSelectableState, AgentStatus, Role, ScreenPop } from '../../core/contracts.ts';

export interface Agent {
  id: number;
  login: string;
  name: string;
  agentNumber: string;
  role: Role;
}

export interface LoginResponse {
  token: string;
  agent: Agent;
}

export type CallPhase = 'offered' | 'on-call' | 'ended';

export interface MeResponse {
  agent: Agent;
  status: AgentStatus;
  currentCall: ScreenPop | null;
  callState: CallPhase | null;
}

export interface StateChange {
  state: AgentSelectableState;
  reason?: string;
}

export const TICKET_TYPES = ['complaint', 'repair', 'inquiry', 'suggestion', 'compensation'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];

export interface TicketRequest {
  callId?: string;
  ownerId?: number;
  unitId?: number;
  type: TicketType;
  description: string;
}

export interface TicketCreated {
  id: number;
  number: string;
  type: string;
  status: string;
  description: string;
  createdAt: string;
}
