// Contracts between the folders: the screen-pop payload, agent states, and the socket.io event maps.
// agent-ui imports these types only (type-only imports vanish at build time).
import type {
  ActionKind,
  ActorRole,
  ClockState,
  ComplaintCategory,
  RepairKind,
  SeverityLevel,
  SeverityReason,
  SeverityReasonCode,
  TicketState,
  TicketStatus,
} from './tickets/index.ts';
import type { AttachmentType } from './attachments.ts';
import type { CampaignProgress, PopAttempt } from './campaigns/desk.ts';

export const AGENT_STATES = ['offline', 'available', 'not-ready', 'ringing', 'on-call', 'wrap-up'] as const;
export type AgentState = (typeof AGENT_STATES)[number];
/** States an agent may choose for themself; the rest are set by the ACD. */
export const AGENT_SELECTABLE_STATES = ['available', 'not-ready', 'offline'] as const;
export type AgentSelectableState = (typeof AGENT_SELECTABLE_STATES)[number];
/**
 * Why an agent is not ready, as they pick it (kept with every state change, for occupancy reports). The system
 * sets three more: `no-answer` (a call rang out on their phone), `phone-unreachable`, and `call-lost` (the
 * controller of their call stopped; cti/acd.ts).
 */
export const PAUSE_REASONS = ['break', 'lunch', 'meeting', 'training', 'coaching', 'admin'] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];

/** Staff roles: agents take calls; department staff work the tickets dispatched to their department; team leaders
 * (supervisor) and admins oversee. */
export type Role = 'agent' | 'department' | 'supervisor' | 'admin';

export interface AgentStatus {
  agentId: number;
  login: string;
  state: AgentState;
  /** Why the agent is not ready: chosen by the agent, or set by the ACD ("no-answer", "phone-unreachable"). */
  reason: string | null;
  since: string;
  callId: string | null;
}

/** A queue as a team leader sees it live (`GET /api/supervisor/overview`). */
export interface QueueOverview {
  name: string;
  labelZh: string;
  labelEn: string;
  /** Calls waiting (not yet offered to an agent). */
  waiting: number;
  /** How long the call waiting longest has waited, in seconds; null when none waits. */
  longestWaitS: number | null;
  /** Agents who take the queue and are at work on calls (available, ringing, talking, wrapping up). */
  agentsServing: number;
  agentsAvailable: number;
  /** Today's figures (Asia/Shanghai) as the reports define them (core/reports/kpis.ts). */
  today: QueueToday;
}

/** A queue's calls today: counts, and the figures they give (null when nothing to divide by). */
export interface QueueToday {
  /** Calls offered (short abandons left out), answered, answered within the queue's service level. */
  offered: number;
  answered: number;
  answeredInSl: number;
  /** answeredInSl ÷ offered. */
  serviceLevel: number | null;
  /** Average speed of answer, seconds. */
  asaS: number | null;
  /** Callers who hung up after waiting 5 s or more; ÷ offered. */
  abandoned: number;
  abandonment: number | null;
  /** Hung up within 5 s (apart from the rest). */
  shortAbandoned: number;
}

/** An agent as a team leader sees them live. */
export interface AgentOverview extends AgentStatus {
  name: string;
  agentNumber: string;
  /** The queue of the call they ring for, talk on or wrap up. */
  queue: string | null;
  /** The queues whose calls they take. */
  queues: string[];
}

export interface SupervisorOverview {
  at: string;
  queues: QueueOverview[];
  agents: AgentOverview[];
  /** The calls team leaders are listening in on now, by call id. */
  monitors: CallMonitored[];
  /** Open tickets with a clock run out (the alerts below the board list each one as it happens). */
  overdueTickets: number;
}

/** A money amount in fen (1/100 yuan): integers only, never floats. */
export type Fen = number;

export interface PopUnit {
  unitId: number;
  roomCode: string;
  building: string;
  estate: string;
  /** The estate's id: its opening hours and notices are the ones that apply to the unit. */
  estateId: number;
}

export interface PopArrear {
  unitId: number;
  roomCode: string;
  kind: string;
  amountFen: Fen;
  dueDate: string;
}

export interface PopTicket {
  id: number;
  number: string;
  type: string;
  status: string;
  description: string;
  createdAt: string;
}

export interface PopCall {
  id: string;
  startedAt: string;
  direction: 'inbound' | 'outbound';
  outcome: string;
  agentName: string | null;
}

export interface PopOwner {
  id: number;
  name: string;
  vip: boolean;
  language: 'zh' | 'en';
  units: PopUnit[];
}

/** The `call:offered` payload: everything the agent sees when a call is offered. */
export interface ScreenPop {
  callId: string;
  /** The caller's number as presented, or null when withheld. */
  callerNumber: string | null;
  dialledNumber: string;
  /** What the caller did in the IVR, in order, e.g. ["greeting", "menu:0"]. */
  ivrPath: string[];
  /** The caller's intent as chosen in the IVR ("agent", "fees", ...). */
  intent: string;
  queue: string;
  waitedMs: number;
  offeredAt: string;
  /** null when the caller could not be identified ("unknown caller"). */
  owner: PopOwner | null;
  arrears: PopArrear[];
  arrearsTotalFen: Fen;
  openTickets: PopTicket[];
  lastCalls: PopCall[];
  /** The owner's last revisit results (all their tickets): outcome satisfied, unsatisfied, no-score, not-reached. */
  lastRevisits: { ticketNumber: string; at: string; score: number | null; outcome: string }[];
  /** The owner's last outbound attempts (fee reminders, revisits, notices), newest first. */
  lastAttempts: PopAttempt[];
  /** The call was transferred to this agent or queue: by whom, and what they noted for the next agent. */
  transferredFrom?: TransferredFrom | null;
  /** The owner asked to be called back instead of waiting: the agent is connected first, then the owner dialled. */
  callback?: boolean;
  /** An outbound campaign call the owner took to an agent (a fee reminder's 2): why the owner was called. */
  outbound?: OutboundPop | null;
}

/** Why an owner on an outbound call was called (the screen pop of a fee reminder's "talk to the fees desk"). */
export interface OutboundPop {
  campaignId: string;
  /** fee-reminder, revisit, notice (core/campaigns/types.ts CAMPAIGN_KINDS). */
  kind: string;
  campaignName: string;
  /** What the unit owed when the owner was called, in fen. */
  arrearsFen: Fen;
  attemptNo: number;
}

/**
 * `call:offered` as sent: the pop and the agent it is offered to. The supervisors' room gets every agent's pops, so
 * a team leader's own desk shows only those offered to them.
 */
export interface CallOffered extends ScreenPop {
  agentId: number;
}

export interface TransferredFrom {
  agentId: number;
  agentName: string;
  note: string | null;
  at: string;
}

/** Where an agent sends a call (blind transfer): a queue, a named agent, an outside number. */
export type TransferTarget =
  { to: 'queue'; queue: string } | { to: 'agent'; agentId: number } | { to: 'number'; number: string };

/** Whom an agent consults before handing the call on (attended transfer): a named agent or an outside number. */
export type ConsultTarget = { to: 'agent'; agentId: number } | { to: 'number'; number: string };

/** Queues a call can be transferred to (the skills). */
export const TRANSFER_QUEUES = ['fees', 'repairs', 'complaints', 'emergency', 'general'] as const;

/** `POST /api/calls/:id/transfer`: exactly one of queue, agentId, number. */
export interface TransferRequest {
  queue?: (typeof TRANSFER_QUEUES)[number];
  agentId?: number;
  number?: string;
  note?: string;
}

/** `POST /api/calls/:id/consult` (attended transfer): exactly one of agentId, number; `note?` goes with the pop. */
export interface ConsultRequest {
  agentId?: number;
  number?: string;
  note?: string;
}

/**
 * The consultation of the agent's call (`call:consulting`, and `consult` in `GET /api/me`): whom they consult
 * (an agent by name, or a masked number) and where it stands. `failed`: busy or no answer; `ended`: the
 * target hung up; `target-left`: the target left the conference. After those and `cancelled` the owner is
 * on hold (failed, ended) or back with the agent (cancelled, target-left).
 */
export interface CallConsulting {
  callId: string;
  agentId: number;
  at: string;
  state: 'ringing' | 'answered' | 'failed' | 'cancelled' | 'ended' | 'conference' | 'target-left';
  target: { agentId: number | null; name: string | null; number: string | null };
  cause?: string;
}

/** An agent a call can be transferred to (`GET /api/agents/available`). */
export interface AvailableAgent {
  id: number;
  name: string;
  agentNumber: string;
  queues: string[];
}

/** What the call-control routes answer: the call and what it is doing now. */
export interface CallControlResponse {
  callId: string;
  state: 'held' | 'connected' | 'transferred' | 'consulting' | 'conference' | 'ended';
  at: string;
}

export interface CallHeld {
  callId: string;
  agentId: number;
  at: string;
}
export interface CallResumed extends CallHeld {
  /** How long the owner was on hold this time. */
  heldS: number;
}

/** How a team leader listens in on a call: hear both (listen), talk to the agent only (whisper), join (barge). */
export const MONITOR_MODES = ['listen', 'whisper', 'barge'] as const;
export type MonitorMode = (typeof MONITOR_MODES)[number];

/** A team leader listening in on an agent's call: what the board shows ("being monitored by X"). */
export interface CallMonitored {
  callId: string;
  /** The agent on the call. */
  agentId: number | null;
  leaderId: number;
  leaderName: string;
  mode: MonitorMode;
  /** `ringing`: the leader's phone rings; `active`: they hear the call; `ended`: the session is over. */
  state: 'ringing' | 'active' | 'ended';
  /** Why it ended: stopped, leader-hung-up, call-ended, not-answered, failed. */
  reason?: string;
  at: string;
}

export interface MonitorResponse {
  callId: string;
  mode: MonitorMode | null;
  state: 'ringing' | 'active' | 'ended';
  at: string;
}

export interface CallAnswered {
  callId: string;
  agentId: number;
  at: string;
}
export interface CallEnded {
  callId: string;
  /** The agent whose part of the call ended (the supervisors' room hears every agent's). */
  agentId: number;
  at: string;
  hangupBy: 'caller' | 'agent' | 'system';
  cause: string;
}

export interface ServerToClientEvents {
  'call:offered': (pop: CallOffered) => void;
  'call:answered': (event: CallAnswered) => void;
  'call:ended': (event: CallEnded) => void;
  'agent:state': (status: AgentStatus) => void;
  /** The owner is on hold (music), and back. */
  'call:held': (event: CallHeld) => void;
  'call:resumed': (event: CallResumed) => void;
  /** Supervisors' room only: a team leader's listen, whisper or barge on a call started, changed or ended. */
  'call:monitored': (event: CallMonitored) => void;
  /** The agent's consultation (attended transfer): ringing, answered, failed, cancelled, ended. */
  'call:consulting': (event: CallConsulting) => void;
  /** The owner, the agent and the consulted party are in one conference (same payload, state `conference`). */
  'call:conference': (event: CallConsulting) => void;
  /** A callback's owner did not answer: the agent goes to wrap-up; retryAt null: no more tries (a ticket). */
  'callback:not-reached': (event: CallbackNotReached) => void;
  /** Supervisors' room, and the department's when the ticket is dispatched: a ticket's clock ran out. */
  'ticket:overdue': (event: TicketOverdue) => void;
  /** Supervisors' room: a complaint's severity went up (投诉升级预警), by the rules or set by a supervisor. */
  'ticket:escalated': (event: TicketEscalated) => void;
  /** The ticket's team leaders and its department: an unsatisfied revisit reopened the ticket. */
  'ticket:reopened': (event: TicketReopened) => void;
  /** Supervisors' room: a campaign's targets moved on (emitted by the dialer, at most a few times a second). */
  'campaign:progress': (event: CampaignProgress) => void;
  /** Supervisors' room: the wallboard (GET /api/supervisor/overview's answer) when it changed (cti/wallboard.ts). */
  'supervisor:overview': (overview: SupervisorOverview) => void;
}

/** `ticket:reopened`: the owner was not satisfied at the revisit, and the ticket went back to its department. */
export interface TicketReopened {
  ticketId: number;
  ticketNumber: string;
  department: string | null;
  /** The revisit's keypad score, and whether it was the dialer's automated revisit. */
  score: number;
  automated: boolean;
  /** The notice to show: 中文 / English. */
  message: string;
  at: string;
}

/** A severity level with its labels (core/tickets/severity.ts SEVERITY_LABELS). */
export interface SeverityLabel {
  level: SeverityLevel;
  zh: string;
  en: string;
}

/** The escalation warning (投诉升级预警): a complaint's severity went up. */
export interface TicketEscalated {
  ticketId: number;
  ticketNumber: string;
  from: SeverityLabel;
  to: SeverityLabel;
  /** The rules that raised it (those above the old level); none when a supervisor set it. */
  reasons: SeverityReason[];
  /** The warning as the supervisors read it (severity.ts escalationWarning), 中文 / English. */
  warning: string;
  /** The system (the rules), or the supervisor who set it. */
  by: { role: 'system' | 'supervisor'; id: number | null; name: string | null };
  /** The supervisor's note when set by hand. */
  note: string | null;
  at: string;
}

/** A ticket's time limit ran out (workers/ticket-clocks.ts): sent once per clock and round. */
export interface TicketOverdue {
  ticketId: number;
  ticketNumber: string;
  /** core/tickets/clocks.ts ClockName: dispatch, plan, reply, on-site, fix, revisit. */
  clock: string;
  /** 1 for the first handling, 2 after the first reopening... */
  round: number;
  /** The clock's name for people (CLOCK_LABELS). */
  label: { zh: string; en: string };
  dueAt: string;
  /** The department the ticket is with; null before dispatch. */
  department: string | null;
  /** The notice to show: 中文 / English. */
  message: string;
  at: string;
}

export interface CallbackNotReached {
  callId: string;
  agentId: number;
  attempt: number;
  cause: string;
  retryAt: string | null;
  at: string;
}

export interface ClientToServerEvents {
  /** The agent's page has drawn the pop of this call; the ACD rings the agent's phone after this (or a short
   * deadline), so the page shows the caller before the phone rings. */
  'call:seen': (callId: string) => void;
}

// ---- HTTP API shapes (cti/server.ts answers them, agent-ui uses them)
/** Who is signed in, as the API returns it. */
export interface AgentIdentity {
  id: number;
  login: string;
  name: string;
  agentNumber: string;
  role: Role;
}

export interface LoginResponse {
  token: string;
  agent: AgentIdentity;
}

export type CallPhase = 'offered' | 'on-call' | 'held' | 'ended';

export interface MeResponse {
  agent: AgentIdentity;
  status: AgentStatus;
  currentCall: ScreenPop | null;
  callState: CallPhase | null;
  /** While the owner is on hold: since when (the page's hold timer). */
  heldSince?: string | null;
  /** The agent's consultation or conference in progress, if any. */
  consult?: CallConsulting | null;
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
  /** A repair's kind (required for a repair, refused for other types). */
  repairKind?: RepairKind;
  /** An urgent repair (the shorter repair clocks); by default water, power and gas are urgent. */
  urgent?: boolean;
  /** A complaint's or compensation claim's content category (required for those types). */
  complaintCategory?: ComplaintCategory;
}

/** A ticket as created: the same shape the screen pop lists open tickets in. */
export type TicketCreated = PopTicket;

/** A ticket as lists show it (GET /api/tickets) and at the head of its page. */
export interface TicketSummary {
  id: number;
  number: string;
  type: TicketType;
  status: TicketStatus;
  complaintCategory: ComplaintCategory | null;
  urgent: boolean;
  /** A clock has run out and has not stopped (the workers' flag). */
  overdue: boolean;
  /** How serious a complaint is (core/tickets/severity.ts); 'ordinary' for other types. */
  severity: SeverityLevel;
  description: string;
  /** The department it is dispatched to (its code) and that department's name. */
  department: string | null;
  departmentName: string | null;
  estate: string | null;
  /** The organisation that owns the case (developer or property company). */
  responsibleOrganisation: string | null;
  roomCode: string | null;
  ownerId: number | null;
  ownerName: string | null;
  /** The call it was filed in, if any. */
  createdFromCall: string | null;
  createdAt: string;
  updatedAt: string;
}

/** GET /api/tickets: one page, newest first; `next` is the cursor of the following page (null on the last). */
export interface TicketSearchResult {
  tickets: TicketSummary[];
  next: string | null;
}

/** One step of a ticket's timeline as the API gives it. */
export interface TicketTimelineStep {
  at: string;
  /** A lifecycle action (ActionKind), 'register', or a step beside the lifecycle (a note, a file...). */
  kind: string;
  by: { role: ActorRole; id: number | null; name: string | null };
  from: TicketStatus | null;
  to: TicketStatus;
  waitEnded: boolean;
  detail: Record<string, unknown>;
}

/** A call about a ticket, as the ticket's page lists it. */
export interface TicketCall {
  callId: string;
  /** The ticket was filed from this call (`tickets.created_from_call`). */
  createdFrom: boolean;
  /** The agent named the ticket when wrapping the call up (`calls.ticket_id`). */
  linkedAtWrapUp: boolean;
  startedAt: string;
  direction: string;
  /** The (last) agent who answered; null when no agent did (a voicemail, an abandoned call). */
  agentName: string | null;
  /** Seconds from the agent's answer to the end (hold included, as in the recording); null until then. */
  talkS: number | null;
  outcome: string | null;
  disposition: string | null;
  /** Play it through POST /api/calls/:id/recording-link (the file may still be being written just after the end). */
  hasRecording: boolean;
  /** The retention job removed the recording (the call record stays). */
  recordingPurged: boolean;
}

/** A file attached to a ticket (a photo, a signed form); GET /api/tickets/:id/attachments/:attachmentId gives it. */
export interface TicketAttachment {
  id: number;
  ticketId: number;
  /** The name it was uploaded with (without folders). */
  name: string;
  /** What its first bytes say it is. */
  type: AttachmentType;
  size: number;
  sha256: string;
  uploadedBy: { id: number; name: string };
  uploadedAt: string;
}

/** GET /api/tickets/:id (and the answer to an action): the ticket, what the reader may do now, its timeline. */
export interface TicketView {
  id: number;
  summary: TicketSummary;
  ticket: TicketState;
  /** What the reader may do now (the page's buttons). */
  allowed: ActionKind[];
  timeline: TicketTimelineStep[];
  /** The calls about it (filed from, linked at wrap-up), oldest first. */
  calls: TicketCall[];
  /** Files attached to it, oldest first. */
  attachments: TicketAttachment[];
  /** Its time limits now (core/tickets/clocks.ts), round by round. */
  clocks: TicketClockView[];
  /** Due times in a year the holiday calendar does not cover yet (中文 / English), for team leaders to check. */
  calendarWarnings: string[];
  /** A complaint's or compensation claim's severity; null for the other types. */
  severity: TicketSeverityInfo | null;
}

/** A complaint's severity as the API shows it (db/ticket-severity.ts): the level, its label, why, and the facts. */
export interface TicketSeverityInfo {
  level: SeverityLevel;
  zh: string;
  en: string;
  /** The rules that hold (at the last assessment), highest level first, without the dismissed ones. */
  reasons: SeverityReason[];
  /** The reasons a supervisor dismissed by lowering the level. */
  dismissed: SeverityReasonCode[];
  facts: {
    complaintCategory: ComplaintCategory | null;
    complainants: number;
    compensationAskedYuan: number | null;
    litigation: 'none' | 'threatened' | 'filed';
    media: 'none' | 'threatened' | 'reported';
    wholeEstate: boolean;
  };
  /** The same-issue key (category | building | keyword); null when the case is not compared with others. */
  issueKey: string | null;
  assessedAt: string | null;
}

/** One of a ticket's clocks (core/tickets/clocks.ts ClockStatus) as the ticket's view shows it. */
export interface TicketClockView {
  /** ClockName: dispatch, plan, reply, on-site, fix, revisit. */
  clock: string;
  label: { zh: string; en: string };
  /** 1 for the first handling, 2 after the first reopening... */
  round: number;
  startedAt: string;
  /** Null while paused (waiting for the owner) before it was due. */
  dueAt: string | null;
  stoppedAt: string | null;
  state: ClockState;
}

/** GET /api/departments: where a ticket may be dispatched. */
export interface DepartmentInfo {
  code: string;
  name: string;
  organisation: { id: number; code: string; name: string; kind: 'developer' | 'property-company' };
}

/** How an agent closes a call at wrap-up (shown as 中文 English on the page). */
export const DISPOSITIONS = [
  'resolved', // 已解决
  'ticket', // 已建/关联工单
  'follow-up', // 需跟进
  'information', // 咨询已答复
  'wrong-number', // 打错电话
  'nuisance', // 骚扰电话
] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export interface WrapUpRequest {
  disposition: Disposition;
  note?: string;
  /** The ticket this call was about (created during the call or an existing one). */
  ticketNumber?: string;
}

export interface WrapUpResponse {
  callId: string;
  disposition: Disposition;
  ticketNumber: string | null;
  /** The agent's state after the wrap-up (available when it ended their wrap-up time). */
  agentState: AgentState;
}

/** GET /api/calls/:id: the call record (times as ISO strings) and its timeline, oldest first. */
export interface CallDetails {
  id: string;
  direction: 'inbound' | 'outbound';
  /** The caller's number as the API gives it; null when withheld. */
  callerNumber: string | null;
  dialledNumber: string;
  ownerId: number | null;
  ownerName: string | null;
  agentId: number | null;
  agentName: string | null;
  intent: string | null;
  queue: string | null;
  ivrPath: string[];
  startedAt: string;
  agentAnsweredAt: string | null;
  endedAt: string | null;
  hangupBy: string | null;
  hangupCause: string | null;
  outcome: string | null;
  disposition: string | null;
  wrapUpNote: string | null;
  ticketId: number | null;
  holdS: number;
  timeline: { at: string; kind: string; detail: Record<string, unknown> }[];
}

/** POST /api/calls/:id/recording-link: a link to the call's recording that works without the sign-in header. */
export interface RecordingLink {
  url: string;
  expiresAt: string;
}

/** Socket.io rooms. */
export const rooms = {
  agent: (agentId: number) => `agent:${agentId}`,
  queue: (queue: string) => `queue:${queue}`,
  supervisors: 'supervisors',
  /** The staff of a department (by its code): the tickets dispatched to it. */
  department: (code: string) => `department:${code}`,
  /**
   * The team leaders who see an organisation's tickets (db/organisations.ts ticketVisibility), for the notices about
   * them (ticket:overdue, ticket:escalated); `null`: those who see every ticket (the hotline's own leaders, admins).
   */
  ticketLeaders: (organisationId: number | null) => `ticket-leaders:${organisationId ?? 'all'}`,
} as const;

/**
 * Redis channel: an admin changed the work calendar (PUT or DELETE /api/admin/calendar/...); every process reloads it
 * from the database (main.ts); also sent by a start whose seed from the package changed something. The message is
 * `{at, by}` as JSON (by: the admin's id, or 'package'), for the log only.
 */
export const WORK_CALENDAR_CHANNEL = 'hotline:calendar:changed';

/** Redis hash: IVR process → the flows it runs (`FlowStatus` as JSON); the admin API reads it. */
export const FLOW_STATUS_KEY = 'hotline:flows:status';

/** What one IVR process runs, and what is wrong with its flows folder (GET /api/admin/flows). */
export interface FlowStatus {
  checkedAt: string;
  flows: { name: string; file: string; numbers: string[]; isDefault: boolean }[];
  /** `file:line: node `id` message`, for every file that is not live as written. */
  errors: string[];
  warnings: string[];
}
