// Entry point: login ⇄ desk, the session token, the socket, and re-reading GET /api/me. The location's hash picks
// the page: a call's page (#/calls/<id>), the tickets (#/tickets) or one ticket (#/tickets/<id>) take the desk's
// place; the desk keeps running behind them. Department staff take no calls: their home is the tickets page.
import { ApiError, SessionExpiredError, api, setSessionExpiredHandler, tokenStore } from './api.ts';
import { callIdInHash, createCallPage } from './call-page.ts';
import { createDesk } from './desk.ts';
import { createLoginView } from './login.ts';
import { connectSocket, type DeskSocket } from './socket.ts';
import { createEscalationList, createOverdueList } from './ticket-notices.ts';
import { createTeamOverview } from './team-overview.ts';
import { h } from './dom.ts';
import { createTicketList, TICKET_LIST_HASH } from './ticket-list.ts';
import { createTicketPage, ticketIdInHash } from './ticket-page.ts';
import type { AgentIdentity, LoginResponse } from '../../core/contracts.ts';
import { campaignIdInHash, CAMPAIGNS_HASH, createCampaignList } from './campaigns.ts';
import { createCampaignPage } from './campaign-page.ts';
import { createRevisitRecord } from './revisit-record.ts';
import { createRevisitTasks, REVISIT_TASKS_HASH } from './revisit-tasks.ts';
import { createKnowledgePage, createKnowledgePanel, KNOWLEDGE_HASH } from './knowledge.ts';
import { deskShortcuts, installShortcuts, shortcutLegend } from './shortcuts.ts';
import { createQualityPage, QUALITY_HASH } from './quality.ts';
import { createReportsPage, reportQueryString, REPORTS_HASH } from './reports.ts';

const SESSION_EXPIRED = '登录已过期 Session expired';

function describeError(err: unknown): string {
  return err instanceof ApiError ? err.message : '操作失败 Something went wrong';
}

const app = document.getElementById('app');
if (!app) throw new Error('#app is missing from index.html');

let socket: DeskSocket | null = null;
let inSession = false;
/** The signed-in agent's id, once known (a team leader's socket hears every agent's offers). */
let myId: number | null = null;
/** The signed-in role, once known. */
let myRole: AgentIdentity['role'] | null = null;
/** Bumped by every socket event, so a /api/me answer older than an event is not drawn over it. */
let eventSeq = 0;
/** Bumped by every refresh and session change; only the latest refresh may draw. */
let refreshSeq = 0;

const desk = createDesk({
  describeError,
  async setState(change) {
    desk.applyStatus(await api.setState(change));
  },
  async logout() {
    try {
      await api.logout();
    } catch (err) {
      if (err instanceof SessionExpiredError) return; // already back at the login form
      if (err instanceof ApiError && err.status === 409) throw err; // e.g. during a call: stay
      // Server unreachable: log out locally anyway; the server times the session out.
    }
    endSession('');
  },
  createTicket: (ticket) => api.createTicket(ticket),
  ticket: (id) => api.ticket(id),
  act: (id, action) => api.actOnTicket(id, action),
  departments: () => api.departments(),
  addNote: (id, text) => api.addNote(id, text),
  wrapUp: (callId, body) => api.wrapUp(callId, body),
  hold: (callId) => api.hold(callId),
  resume: (callId) => api.resume(callId),
  transfer: (callId, body) => api.transfer(callId, body),
  consult: (callId, body) => api.consult(callId, body),
  completeConsult: (callId) => api.completeConsult(callId),
  cancelConsult: (callId) => api.cancelConsult(callId),
  conference: (callId) => api.conference(callId),
  hangUp: (callId) => api.hangUp(callId),
  availableAgents: () => api.availableAgents(),
});
const login = createLoginView((result: LoginResponse) => {
  tokenStore.set(result.token);
  startSession(result.agent);
});
const overview = createTeamOverview(
  () => api.overview(),
  describeError,
  {
    start: (callId, mode) => api.monitor(callId, mode),
    change: (callId, mode) => api.changeMonitor(callId, mode),
    stop: (callId) => api.stopMonitor(callId),
  },
  (agentId, change) => api.setAgentState(agentId, change),
);
const callPage = createCallPage({
  call: (callId) => api.call(callId),
  recordingLink: (callId) => api.recordingLink(callId),
  describeError,
});
const ticketList = createTicketList({
  search: (query) => api.searchTickets(query),
  estates: () => api.estates(),
  departments: () => api.departments(),
  describeError,
});
const ticketPage = createTicketPage({
  ticket: (id) => api.ticket(id),
  act: (id, action) => api.actOnTicket(id, action),
  departments: () => api.departments(),
  addNote: (id, text) => api.addNote(id, text),
  attach: (id, file) => api.attach(id, file),
  attachment: (id, attachmentId) => api.attachment(id, attachmentId),
  recordingLink: (callId) => api.recordingLink(callId),
  revisitRecord: createRevisitRecord({
    revisits: (id) => api.ticketRevisits(id),
    commentLink: (id, revisitId) => api.revisitCommentLink(id, revisitId),
    describeError,
  }),
  updateFacts: (id, facts) => api.updateFacts(id, facts),
  setSeverity: (id, level, note) => api.setSeverity(id, level, note),
  role: () => myRole,
  describeError,
});
const campaignList = createCampaignList({
  list: () => api.campaigns(),
  create: (body) => api.createCampaign(body),
  recordings: () => api.noticeRecordings(),
  uploadRecording: (file) => api.uploadNoticeRecording(file),
  recordingAudio: (id) => api.noticeRecordingAudio(id),
  estates: () => api.estates(),
  buildings: (estateId) => api.estateBuildings(estateId),
  trunks: () => api.trunks(),
  describeError,
});
const campaignPage = createCampaignPage({
  campaign: (id) => api.campaign(id),
  targets: (id, page) => api.campaignTargets(id, page),
  attempts: (id, targetId) => api.targetAttempts(id, targetId),
  command: (id, command) => api.campaignCommand(id, command),
  describeError,
});
const revisitTasks = createRevisitTasks({
  tasks: () => api.revisitTasks(),
  record: (taskId, score, note) => api.recordRevisit(taskId, score, note),
  describeError,
});
const knowledgePanel = createKnowledgePanel({ search: (q) => api.knowledge(q), describeError });
const knowledgePage = createKnowledgePage({
  search: (q) => api.knowledge(q),
  estates: () => api.estates(),
  add: (answer) => api.addAnswer(answer),
  update: (id, answer) => api.updateAnswer(id, answer),
  remove: (id) => api.removeAnswer(id),
  describeError,
});
const qualityPage = createQualityPage({
  draw: (date) => api.qaDraw(date),
  samples: (scored) => api.qaSamples(scored),
  score: (id, scores, comment) => api.qaScore(id, scores, comment),
  scores: () => api.qaScores(),
  form: () => api.qaForm(),
  saveForm: (items) => api.qaSaveForm(items),
  settings: () => api.qaSettings(),
  saveSettings: (settings) => api.qaSaveSettings(settings),
  recordingLink: (callId) => api.recordingLink(callId),
  describeError,
});
const reportsPage = createReportsPage({
  kpis: (q) => api.reportKpis(reportQueryString({ ...q })),
  complaints: (q) => api.reportComplaints(reportQueryString({ ...q })),
  work: (q) => api.reportWork(reportQueryString({ ...q })),
  estates: () => api.estates(),
  agents: () => api.reportAgents(),
  schedules: {
    schedules: () => api.reportSchedules(),
    create: (body) => api.createReportSchedule(body),
    update: (id, body) => api.updateReportSchedule(id, body),
    remove: (id) => api.deleteReportSchedule(id),
    runNow: (id, period) => api.runReportSchedule(id, period),
  },
  async download(path) {
    const file = await api.reportFile(path);
    const link = h('a', { attrs: { href: URL.createObjectURL(file.blob), download: file.name } });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    return file.name;
  },
  describeError,
});
const reportsLink = h('a', { testid: 'nav-reports', attrs: { href: REPORTS_HASH } }, '报表 Reports');
const qualityLink = h('a', { testid: 'nav-qa', attrs: { href: QUALITY_HASH } }, '质检 Quality');
const campaignsLink = h(
  'a',
  { testid: 'nav-campaigns', attrs: { href: CAMPAIGNS_HASH } },
  '外呼活动 Campaigns',
);
const revisitsLink = h(
  'a',
  { testid: 'nav-revisits', attrs: { href: REVISIT_TASKS_HASH } },
  '回访任务 Revisit tasks',
);
const deskLink = h('a', { testid: 'nav-desk', attrs: { href: '#/' } }, '工作台 Desk');
const staffName = h('span', { class: 'agent-name', testid: 'nav-name' });
const navLogout = h(
  'button',
  { class: 'btn btn-logout', testid: 'nav-logout', attrs: { type: 'button' } },
  '退出 Log out',
);
const nav = h(
  'nav',
  { class: 'page-nav', testid: 'page-nav', attrs: { 'aria-label': '页面 Pages' } },
  deskLink,
  h('a', { testid: 'nav-tickets', attrs: { href: TICKET_LIST_HASH } }, '工单 Tickets'),
  revisitsLink,
  h('a', { testid: 'nav-knowledge', attrs: { href: KNOWLEDGE_HASH } }, '答复口径 Answers'),
  campaignsLink,
  qualityLink,
  reportsLink,
  staffName,
  navLogout,
);
navLogout.addEventListener('click', () => {
  // Server unreachable: sign out here anyway; the token runs out by itself
  void api
    .logout()
    .catch(() => undefined)
    .finally(() => endSession(''));
});
const escalations = createEscalationList();
const overdueNotices = createOverdueList();
const deskView = document.createElement('div');
const shortcuts = deskShortcuts(() => {
  knowledgePanel.focus();
  return true;
});
knowledgePanel.root.append(shortcutLegend(shortcuts));
deskView.append(desk.root, knowledgePanel.root, overview.root);
installShortcuts(shortcuts, () => inSession && !deskView.hidden);
// the notices show above whichever page is open (department staff have no desk)
app.append(
  login.root,
  nav,
  escalations.root,
  overdueNotices.root,
  deskView,
  callPage.root,
  ticketList.root,
  ticketPage.root,
  campaignList.root,
  campaignPage.root,
  revisitTasks.root,
  knowledgePage.root,
  qualityPage.root,
  reportsPage.root,
);

type Page =
  | 'desk'
  | 'call'
  | 'tickets'
  | 'ticket'
  | 'campaigns'
  | 'campaign'
  | 'revisits'
  | 'knowledge'
  | 'qa'
  | 'reports';

/** The page the location names (signed in only); department staff have no desk. */
function route(): void {
  const hash = location.hash;
  const callId = callIdInHash(hash);
  const ticketId = ticketIdInHash(hash);
  const campaignId = campaignIdInHash(hash);
  let page: Page =
    callId !== null
      ? 'call'
      : ticketId !== null
        ? 'ticket'
        : campaignId !== null
          ? 'campaign'
          : hash === TICKET_LIST_HASH
            ? 'tickets'
            : hash === CAMPAIGNS_HASH
              ? 'campaigns'
              : hash === REVISIT_TASKS_HASH
                ? 'revisits'
                : hash === KNOWLEDGE_HASH
                  ? 'knowledge'
                  : hash === QUALITY_HASH
                    ? 'qa'
                    : hash === REPORTS_HASH
                      ? 'reports'
                      : 'desk';
  if (page === 'desk' && myRole === 'department') page = 'tickets';
  // campaigns are managed by team leaders and admins; department staff make no revisits
  const manager = myRole === 'supervisor' || myRole === 'admin';
  if ((page === 'campaigns' || page === 'campaign') && !manager) page = 'desk';
  if (page === 'revisits' && myRole === 'department') page = 'tickets';
  if (page === 'qa' && myRole === 'department') page = 'tickets';
  if (page === 'reports' && !manager) page = myRole === 'department' ? 'tickets' : 'desk';
  if (!inSession) page = 'desk';
  nav.hidden = !inSession;
  const department = myRole === 'department';
  deskLink.hidden = department;
  campaignsLink.hidden = !manager;
  revisitsLink.hidden = department;
  qualityLink.hidden = department;
  reportsLink.hidden = !manager;
  // the desk's header has the agent's own sign-out; department staff have only this one
  navLogout.hidden = !department;
  staffName.hidden = !department;
  deskView.hidden = page !== 'desk' || department;
  if (page !== 'call') callPage.hide();
  else if (callPage.root.dataset.callId !== callId) callPage.show(callId!);
  if (page !== 'tickets') ticketList.hide();
  else if (ticketList.root.hidden) ticketList.show();
  if (page !== 'campaigns') campaignList.hide();
  else if (campaignList.root.hidden) campaignList.show();
  if (page !== 'campaign') campaignPage.hide();
  else if (campaignPage.root.dataset.campaignId !== String(campaignId)) campaignPage.show(campaignId!);
  if (page !== 'qa') qualityPage.hide();
  else if (qualityPage.shownFor() !== manager) qualityPage.show(myRole);
  if (page !== 'reports') reportsPage.hide();
  else if (reportsPage.root.hidden) reportsPage.show();
  if (page !== 'knowledge') knowledgePage.hide();
  else if (knowledgePage.root.hidden || knowledgePage.editing() !== (myRole === 'admin'))
    knowledgePage.show(myRole === 'admin');
  if (page !== 'revisits') revisitTasks.hide();
  else if (revisitTasks.root.hidden) revisitTasks.show();
  if (page !== 'ticket') ticketPage.hide();
  else if (ticketPage.root.dataset.ticketId !== String(ticketId)) ticketPage.show(ticketId!);
}
window.addEventListener('hashchange', route);

/** Back to the desk (a new call is offered: its pop must be seen). */
function showDesk(): void {
  if (!deskView.hidden) return;
  history.pushState(null, '', '#/');
  route();
}

/** Re-read the server's view and draw it, unless socket events overtook the answer (then ask again). */
async function refresh(): Promise<void> {
  const mine = ++refreshSeq;
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = eventSeq;
    try {
      const me = await api.me();
      if (mine !== refreshSeq || !inSession) return;
      if (before !== eventSeq && attempt < 2) continue;
      desk.showError('');
      myId = me.agent.id;
      staffName.textContent = me.agent.name;
      if (myRole !== me.agent.role) {
        myRole = me.agent.role;
        route();
      }
      desk.applyMe(me);
      if (me.agent.role === 'agent' || me.agent.role === 'department') overview.stop();
      else overview.start(me.agent.id);
      return;
    } catch (err) {
      if (mine !== refreshSeq || !inSession || err instanceof SessionExpiredError) return;
      desk.showError(describeError(err));
      return;
    }
  }
}

const onEvent =
  <T>(handle: (value: T) => void) =>
  (value: T): void => {
    eventSeq++;
    handle(value);
  };

function startSession(agent: AgentIdentity | null): void {
  const token = tokenStore.get();
  if (!token) {
    login.show();
    return;
  }
  inSession = true;
  myId = agent?.id ?? null;
  myRole = agent?.role ?? null;
  staffName.textContent = agent?.name ?? '';
  login.hide();
  desk.reset();
  desk.show(agent);
  route();
  socket?.close();
  socket = connectSocket(token, {
    connected: () => {
      desk.setConnection('connected');
      void refresh();
    },
    disconnected: () => desk.setConnection('disconnected'),
    unauthorized: () => endSession(SESSION_EXPIRED),
    offered: onEvent((pop) => {
      if (myId === null || pop.agentId === myId) showDesk();
      desk.offered(pop);
    }),
    answered: onEvent((event) => desk.answered(event)),
    ended: onEvent((event) => desk.ended(event)),
    agentState: onEvent((status) => desk.applyStatus(status)),
    held: onEvent((event) => desk.held(event)),
    resumed: onEvent((event) => desk.resumed(event)),
    monitored: () => overview.refreshNow(),
    escalated: (event) => escalations.add(event),
    overdue: (event) => overdueNotices.add(event),
    campaignProgress: (event) => {
      campaignPage.progress(event);
      campaignList.progress(event);
    },
    consulting: onEvent((event) => desk.consulting(event)),
    overview: (o) => overview.apply(o),
  });
  void refresh();
}

function endSession(message: string): void {
  if (!inSession) return; // already at the login form (e.g. a late 401 after logging out)
  inSession = false;
  myRole = null;
  refreshSeq++;
  socket?.close();
  socket = null;
  tokenStore.clear();
  overview.stop();
  escalations.clear();
  overdueNotices.clear();
  knowledgePanel.clear();
  desk.reset();
  desk.hide();
  route();
  login.show(message);
}

setSessionExpiredHandler(() => endSession(SESSION_EXPIRED));

if (tokenStore.get()) startSession(null);
else login.show();
