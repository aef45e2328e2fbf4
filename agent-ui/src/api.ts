// The HTTP API: JSON in and out, the bearer token from sessionStorage, one error type for the UI.
import type { KnowledgeAnswer, KnowledgeAnswerRequest } from '../../core/knowledge.ts';
import type { NewReportSchedule, ReportRun, ReportSchedule } from '../../core/reports/schedule.ts';
import type { ComplaintReport, KpiRow, WorkReport } from '../../core/reports/tables.ts';

import type {
  QaAgentPeriod,
  QaForm,
  QaItem,
  QaPeriodKind,
  QaSample,
  QaSettings,
} from '../../core/quality.ts';
import type {
  AgentStatus,
  AvailableAgent,
  CallControlResponse,
  CallDetails,
  TransferRequest,
  ConsultRequest,
  LoginResponse,
  MeResponse,
  MonitorMode,
  MonitorResponse,
  RecordingLink,
  StateChange,
  SupervisorOverview,
  DepartmentInfo,
  TicketAttachment,
  TicketCreated,
  TicketRequest,
  TicketSearchResult,
  TicketView,
  WrapUpRequest,
  WrapUpResponse,
} from '../../core/contracts.ts';
import type {
  CallAttemptView,
  CampaignSummary,
  CampaignTargetView,
  CampaignView,
  NoticeRecordingView,
  RevisitTaskView,
  TicketRevisitView,
} from '../../core/campaigns/desk.ts';

const TOKEN_KEY = 'estate-hotline.token';

export const tokenStore = {
  get(): string | null {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear(): void {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // Storage unavailable: nothing to clear.
    }
  },
};

/** A failed request; `message` is ready to show to the agent. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The token was refused (401 on an authenticated request): the agent must log in again. */
export class SessionExpiredError extends ApiError {
  constructor() {
    super(401, 'unauthorized', '登录已过期 Session expired');
    this.name = 'SessionExpiredError';
  }
}

let onSessionExpired: () => void = () => {};

/** Called once, whatever request first meets a 401. */
export function setSessionExpiredHandler(handler: () => void): void {
  onSessionExpired = handler;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Sends a request with the session's token; a 401 ends the session. Resolves with a successful response. */
async function send(
  method: string,
  path: string,
  init: { body?: BodyInit | null; headers?: Record<string, string>; authenticated?: boolean } = {},
): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  const authenticated = init.authenticated ?? true;
  if (authenticated) {
    const token = tokenStore.get();
    if (!token) {
      onSessionExpired();
      throw new SessionExpiredError();
    }
    headers.authorization = `Bearer ${token}`;
  }

  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: init.body ?? null, cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', '无法连接服务器 Cannot reach the server');
  }
  if (response.ok) return response;

  if (response.status === 401 && authenticated) {
    onSessionExpired();
    throw new SessionExpiredError();
  }
  const data = await readJson(response);
  const code = isRecord(data) && typeof data.error === 'string' ? data.error : `http-${response.status}`;
  const message =
    isRecord(data) && typeof data.message === 'string' && data.message
      ? data.message
      : `请求失败 Request failed (HTTP ${response.status})`;
  throw new ApiError(response.status, code, message);
}

async function request<T>(method: string, path: string, body?: unknown, authenticated = true): Promise<T> {
  const response = await send(method, path, {
    body: body === undefined ? null : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    authenticated,
  });
  return (await readJson(response)) as T;
}

export const api = {
  login: (login: string, password: string) =>
    request<LoginResponse>('POST', '/api/auth/login', { login, password }, false),
  me: () => request<MeResponse>('GET', '/api/me'),
  /** Signs out on the server: offline (409 during a call), and this session's token refused from now on. */
  logout: () => request<unknown>('POST', '/api/auth/logout'),
  /** An admin's 15-minute pass for the queue board (an HttpOnly cookie for /admin). */
  opsSession: () => request<{ url: string; expiresAt: string }>('POST', '/api/admin/ops-session'),
  overview: () => request<SupervisorOverview>('GET', '/api/supervisor/overview'),
  setState: (change: StateChange) => request<AgentStatus>('PUT', '/api/agents/me/state', change),
  setAgentState: (agentId: number, change: StateChange) =>
    request<AgentStatus>('PUT', `/api/supervisor/agents/${agentId}/state`, change),
  createTicket: (ticket: TicketRequest) => request<TicketCreated>('POST', '/api/tickets', ticket),
  searchTickets: (query: URLSearchParams) =>
    request<TicketSearchResult>('GET', `/api/tickets?${query.toString()}`),
  ticket: (id: number) => request<TicketView>('GET', `/api/tickets/${id}`),
  actOnTicket: (id: number, action: Record<string, unknown>) =>
    request<TicketView>('POST', `/api/tickets/${id}/actions`, action),
  updateFacts: (id: number, facts: Record<string, unknown>) =>
    request<unknown>('PATCH', `/api/tickets/${id}/facts`, facts),
  setSeverity: (id: number, level: string, note: string) =>
    request<unknown>('POST', `/api/tickets/${id}/severity`, { level, note }),
  addNote: (id: number, text: string) => request<unknown>('POST', `/api/tickets/${id}/notes`, { text }),
  /** Uploads one file as it is; the server tells its type by its first bytes. */
  attach: async (id: number, file: File) =>
    (await readJson(
      await send('POST', `/api/tickets/${id}/attachments`, {
        body: file,
        headers: { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(file.name) },
      }),
    )) as TicketAttachment,
  /** A file attached to a ticket (an <img> or a link cannot send the sign-in header). */
  attachment: async (id: number, attachmentId: number) =>
    (
      await send('GET', `/api/tickets/${id}/attachments/${attachmentId}`, { headers: { accept: '*/*' } })
    ).blob(),
  estates: async () =>
    (await request<{ estates: { id: number; code: string; name: string }[] }>('GET', '/api/estates')).estates,
  departments: async () =>
    (await request<{ departments: DepartmentInfo[] }>('GET', '/api/departments')).departments,
  hold: (callId: string) =>
    request<CallControlResponse>('POST', `/api/calls/${encodeURIComponent(callId)}/hold`),
  resume: (callId: string) =>
    request<CallControlResponse>('POST', `/api/calls/${encodeURIComponent(callId)}/resume`),
  transfer: (callId: string, body: TransferRequest) =>
    request<CallControlResponse>('POST', `/api/calls/${encodeURIComponent(callId)}/transfer`, body),
  monitor: (callId: string, mode: MonitorMode) =>
    request<MonitorResponse>('POST', `/api/supervisor/calls/${encodeURIComponent(callId)}/monitor`, { mode }),
  changeMonitor: (callId: string, mode: MonitorMode) =>
    request<MonitorResponse>('PUT', `/api/supervisor/calls/${encodeURIComponent(callId)}/monitor`, { mode }),
  stopMonitor: (callId: string) =>
    request<MonitorResponse>('DELETE', `/api/supervisor/calls/${encodeURIComponent(callId)}/monitor`),
  consult: (callId: string, body: ConsultRequest) =>
    request<CallControlResponse>('POST', `/api/calls/${encodeURIComponent(callId)}/consult`, body),
  completeConsult: (callId: string) =>
    request<CallControlResponse>('POST', `/api/calls/${encodeURIComponent(callId)}/consult/complete`),
  cancelConsult: (callId: string) =>
    request<CallControlResponse>('POST', `/api/calls/${encodeURIComponent(callId)}/consult/cancel`),
  conference: (callId: string) =>
    request<CallControlResponse>('POST', `/api/calls/${encodeURIComponent(callId)}/conference`),
  hangUp: (callId: string) =>
    request<CallControlResponse>('POST', `/api/calls/${encodeURIComponent(callId)}/hangup`),
  availableAgents: () => request<AvailableAgent[]>('GET', '/api/agents/available'),
  call: (callId: string) => request<CallDetails>('GET', `/api/calls/${encodeURIComponent(callId)}`),
  recordingLink: (callId: string) =>
    request<RecordingLink>('POST', `/api/calls/${encodeURIComponent(callId)}/recording-link`),
  wrapUp: (callId: string, body: WrapUpRequest) =>
    request<WrapUpResponse>('POST', `/api/calls/${encodeURIComponent(callId)}/wrap-up`, body),
  campaigns: async () => (await request<{ campaigns: CampaignSummary[] }>('GET', '/api/campaigns')).campaigns,
  createCampaign: (body: Record<string, unknown>) => request<CampaignView>('POST', '/api/campaigns', body),
  noticeRecordings: async () =>
    (await request<{ recordings: NoticeRecordingView[] }>('GET', '/api/notice-recordings')).recordings,
  /** Uploads a WAV file as it is; the server judges it by its bytes. */
  uploadNoticeRecording: async (file: File) =>
    (await readJson(
      await send('POST', '/api/notice-recordings', {
        body: file,
        headers: { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(file.name) },
      }),
    )) as NoticeRecordingView,
  /** The recording's WAV, for the form's <audio> preview (an <audio src> cannot send the sign-in header). */
  noticeRecordingAudio: async (id: number) =>
    (await send('GET', `/api/notice-recordings/${id}/audio`, { headers: { accept: 'audio/wav' } })).blob(),
  campaign: (id: number) => request<CampaignView>('GET', `/api/campaigns/${id}`),
  campaignTargets: (id: number, page: { offset: number; limit: number; status: string | null }) =>
    request<{ targets: CampaignTargetView[]; total: number }>(
      'GET',
      `/api/campaigns/${id}/targets?offset=${page.offset}&limit=${page.limit}` +
        (page.status ? `&status=${encodeURIComponent(page.status)}` : ''),
    ),
  targetAttempts: async (id: number, targetId: number) =>
    (
      await request<{ attempts: CallAttemptView[] }>(
        'GET',
        `/api/campaigns/${id}/targets/${targetId}/attempts`,
      )
    ).attempts,
  campaignCommand: (id: number, command: string) =>
    request<CampaignView>('POST', `/api/campaigns/${id}/${command}`),
  trunks: async () =>
    (await request<{ trunks: { code: string; name: string; active: boolean }[] }>('GET', '/api/trunks'))
      .trunks,
  revisitTasks: async () => (await request<{ tasks: RevisitTaskView[] }>('GET', '/api/revisit-tasks')).tasks,
  recordRevisit: (taskId: number, score: number, note: string) =>
    request<{ ticketStatus: string | null; satisfied: boolean; refusal: string | null }>(
      'POST',
      `/api/revisit-tasks/${taskId}/revisit`,
      {
        score,
        ...(note ? { note } : {}),
      },
    ),
  ticketRevisits: async (id: number) =>
    (await request<{ revisits: TicketRevisitView[] }>('GET', `/api/tickets/${id}/revisits`)).revisits,
  revisitCommentLink: (id: number, revisitId: number) =>
    request<{ url: string }>('POST', `/api/tickets/${id}/revisits/${revisitId}/comment-link`),
  estateBuildings: async (estateId: number) =>
    (
      await request<{ buildings: { id: number; name: string }[] }>(
        'GET',
        `/api/estates/${estateId}/buildings`,
      )
    ).buildings,
  knowledge: async (query: string) =>
    (
      await request<{ answers: KnowledgeAnswer[] }>(
        'GET',
        `/api/knowledge?q=${encodeURIComponent(query.slice(0, 1000))}`,
      )
    ).answers,
  addAnswer: (answer: KnowledgeAnswerRequest) =>
    request<KnowledgeAnswer>('POST', '/api/admin/knowledge', answer),
  updateAnswer: (id: number, answer: KnowledgeAnswerRequest) =>
    request<KnowledgeAnswer>('PUT', `/api/admin/knowledge/${id}`, answer),
  removeAnswer: async (id: number) => {
    await request<unknown>('DELETE', `/api/admin/knowledge/${id}`);
  },
  qaDraw: (date: string) =>
    request<{ period: string; perAgent: number; drawn: number }>('POST', '/api/qa/draws', { date }),
  qaSamples: async (scored: boolean) =>
    (await request<{ samples: QaSample[] }>('GET', `/api/qa/samples?scored=${scored}`)).samples,
  qaScore: (id: number, scores: number[], comment: string) =>
    request<QaSample>('POST', `/api/qa/samples/${id}/score`, {
      scores,
      ...(comment.trim() ? { comment } : {}),
    }),
  qaScores: () =>
    request<{ kind: QaPeriodKind; periods: string[]; agents: QaAgentPeriod[] }>('GET', '/api/qa/scores'),
  qaForm: () => request<QaForm>('GET', '/api/qa/form'),
  qaSaveForm: (items: QaItem[]) => request<QaForm>('PUT', '/api/admin/qa/form', { items }),
  qaSettings: () => request<QaSettings>('GET', '/api/qa/settings'),
  qaSaveSettings: (settings: QaSettings) => request<QaSettings>('PUT', '/api/admin/qa/settings', settings),
  reportKpis: (query: string) => request<{ kpis: KpiRow[] }>('GET', `/api/reports/kpis?${query}`),
  reportComplaints: (query: string) => request<ComplaintReport>('GET', `/api/reports/complaints?${query}`),
  reportWork: (query: string) => request<WorkReport>('GET', `/api/reports/work?${query}`),
  reportSchedules: async () =>
    (await request<{ schedules: ReportSchedule[] }>('GET', '/api/reports/schedules')).schedules,
  createReportSchedule: (body: NewReportSchedule) =>
    request<ReportSchedule>('POST', '/api/reports/schedules', body),
  updateReportSchedule: (id: number, body: NewReportSchedule) =>
    request<ReportSchedule>('PUT', `/api/reports/schedules/${id}`, body),
  deleteReportSchedule: async (id: number) => {
    await request<null>('DELETE', `/api/reports/schedules/${id}`);
  },
  runReportSchedule: (id: number, period: string | null) =>
    request<ReportRun>('POST', `/api/reports/schedules/${id}/runs`, period ? { period } : {}),
  reportAgents: async () =>
    (
      await request<{ agents: { id: number; name: string; agentNumber: string; active: boolean }[] }>(
        'GET',
        '/api/reports/agents',
      )
    ).agents,
  /** A report export (a link cannot send the sign-in header): the file and its name from Content-Disposition. */
  reportFile: async (path: string) => {
    const response = await send('GET', path, { headers: { accept: '*/*' } });
    const disposition = response.headers.get('content-disposition') ?? '';
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'report';
    return { name, blob: await response.blob() };
  },
};
