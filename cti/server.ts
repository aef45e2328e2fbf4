// The HTTP API and the socket.io gateway. Every route but health and login needs a valid token; every socket
// authenticates with the same token and joins its agent's room (and the supervisors' room for team leaders).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyJwt from '@fastify/jwt';
import fastifyStatic from '@fastify/static';
import { createAdapter } from '@socket.io/redis-adapter';
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { Server as SocketServer } from 'socket.io';
import type { ClientToServerEvents, FlowStatus, Logger, Role, ServerToClientEvents } from '../core/index.ts';
import {
  AGENT_SELECTABLE_STATES,
  PAUSE_REASONS,
  BadRequest,
  Conflict,
  FLOW_STATUS_KEY,
  Forbidden,
  HotlineError,
  NotFound,
  Unauthorized,
  DISPOSITIONS,
  rooms,
  REPAIR_KINDS,
  TICKET_TYPES,
  urgentByDefault,
  TRANSFER_QUEUES,
  normalizePhone,
  verifyPassword,
  type AgentStatus,
  type AvailableAgent,
  type CallControlResponse,
  type CallMonitored,
  MONITOR_MODES,
  type MonitorMode,
  type MonitorResponse,
  type TransferRequest,
  type ConsultRequest,
  type ConsultTarget,
  type TransferTarget,
  type StateChange,
  type SupervisorOverview,
  type TicketRequest,
  type WrapUpRequest,
  type WrapUpResponse,
} from '../core/index.ts';
import {
  addCallEvent,
  createTicket,
  findTicketByNumber,
  updateCall,
  findAgentForLogin,
  findOwnerById,
  getAgent,
  staffMember,
  ticketLeaderRooms,
  getCall,
  agentTookCall,
  callOnVisibleTicket,
  ticketSeverity,
  unitBelongsToOwner,
  type Pool,
} from '../db/index.ts';
import { Acd, markWrappedUp, POP_SEEN_CHANNEL, wakeAcds } from './acd.ts';
import { AgentStates } from './agent-states.ts';
import { CALL_ENDED, CallCommandClient, type CallCommand } from './call-commands.ts';
import { registerCalendarRoutes } from './calendar-routes.ts';
import { registerEvidenceRoutes, type EvidenceSettings } from './evidence-routes.ts';
import { MONITORS_KEY, Notifier } from './notifier.ts';
import { registerTicketLimitRoutes } from './ticket-limit-routes.ts';
import {
  complaintFactsOf,
  complaintFieldProperties,
  registerSeverityRoutes,
  severityView,
  severityViewBody,
  type ComplaintFields,
} from './severity-routes.ts';
import { registerTicketRoutes } from './ticket-routes.ts';
import { registerOrganisationRoutes } from './organisation-routes.ts';
import { registerCampaignRoutes } from './campaign-routes.ts';
import { registerNoticeRecordingRoutes } from './notice-recording-routes.ts';
import { registerOutboundRoutes } from './outbound-routes.ts';
import { registerKnowledgeRoutes } from './knowledge-routes.ts';
import { registerQualityRoutes } from './quality-routes.ts';
import { queueToday, TodayFiguresCache, WallboardPush } from './wallboard.ts';
import { registerReportRoutes } from './report-routes.ts';
import { registerReportScheduleRoutes } from './report-schedule-routes.ts';
import { SESSION_TTL_MS, SignOuts } from './sign-outs.ts';
import { QueueSettingsBook } from './queue-settings.ts';
import { httpDurations, registerSharedMetrics } from './metrics.ts';
import { registerApiDocs, registerMetricsRoute, registerQueueBoard, type OpsPass } from './ops-pages.ts';
import { PlatformQueues } from './platform-queues.ts';
import { checkReadiness, readyBody } from './readiness.ts';
import type { Registry } from 'prom-client';

export interface ServerDeps {
  db: Pool;
  redis: Redis;
  log: Logger;
  jwtSecret: string;
  /** Where the built agent page is (default agent-ui/dist). */
  uiDir?: string;
  /** Where the call recordings are. */
  recordingDir: string;
  /** Where files attached to tickets are kept, and the largest one taken (config.attachments). */
  attachments: EvidenceSettings;
  /** This process's metrics (cti/metrics.ts), served at /metrics with the token; none: /metrics is off. */
  metrics?: { registry: Registry; token: string | null; node: string };
  /** Asterisk's ARI, which /readyz checks besides the database and Redis; none: not checked. */
  ari?: { url: string; user: string; password: string };
}

interface TokenClaims {
  sub: number;
  login: string;
  role: Role;
  /** When it was issued (seconds; the JWT's own claim): a sign-out since refuses it (sign-outs.ts). */
  iat?: number;
}

/** A playback link's claims: one call's recording, for the person who asked for the link. */
interface RecordingTicketClaims {
  rec: string;
  sub: number;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims | RecordingTicketClaims | OpsPass;
    user: TokenClaims;
  }
}

/** A sign-in token, as opposed to a playback link's ticket (signed with the same secret). */
function isSessionToken(claims: unknown): claims is TokenClaims {
  const c = claims as Partial<TokenClaims & RecordingTicketClaims> | null;
  return typeof c === 'object' && c !== null && c.rec === undefined && typeof c.role === 'string';
}

const LOGIN_FAILURES_MAX = 5;
const LOGIN_FAILURES_WINDOW_S = 300;
/** How long a recording's playback link works. */
const RECORDING_LINK_TTL = '10m';
const BAD_RECORDING_TICKET =
  '播放链接无效或已过期,请重新打开通话详情 / The playback link is not valid or has expired: open the call details again.';

const errorBody = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
} as const;

const agentBody = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    login: { type: 'string' },
    name: { type: 'string' },
    agentNumber: { type: 'string' },
    role: { type: 'string' },
  },
  required: ['id', 'login', 'name', 'agentNumber', 'role'],
} as const;

const statusBody = {
  type: 'object',
  properties: {
    agentId: { type: 'integer' },
    login: { type: 'string' },
    state: { type: 'string' },
    reason: { type: ['string', 'null'] },
    since: { type: 'string' },
    callId: { type: ['string', 'null'] },
  },
  required: ['agentId', 'state', 'since'],
} as const;

const overviewBody = {
  type: 'object',
  properties: {
    at: { type: 'string' },
    queues: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          labelZh: { type: 'string' },
          labelEn: { type: 'string' },
          waiting: { type: 'integer' },
          longestWaitS: { type: ['integer', 'null'] },
          agentsServing: { type: 'integer' },
          agentsAvailable: { type: 'integer' },
          today: {
            type: 'object',
            properties: {
              offered: { type: 'integer' },
              answered: { type: 'integer' },
              answeredInSl: { type: 'integer' },
              serviceLevel: { type: ['number', 'null'] },
              asaS: { type: ['number', 'null'] },
              abandoned: { type: 'integer' },
              abandonment: { type: ['number', 'null'] },
              shortAbandoned: { type: 'integer' },
            },
          },
        },
      },
    },
    overdueTickets: { type: 'integer' },
    monitors: { type: 'array', items: { $ref: 'callMonitored#' } },
    agents: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...statusBody.properties,
          name: { type: 'string' },
          agentNumber: { type: 'string' },
          queue: { type: ['string', 'null'] },
          queues: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
  required: ['at', 'queues', 'agents'],
} as const;

const callMonitoredSchema = {
  $id: 'callMonitored',
  type: 'object',
  properties: {
    callId: { type: 'string' },
    agentId: { type: ['integer', 'null'] },
    leaderId: { type: 'integer' },
    leaderName: { type: 'string' },
    mode: { type: 'string', enum: [...MONITOR_MODES] },
    state: { type: 'string', enum: ['ringing', 'active', 'ended'] },
    reason: { type: 'string' },
    at: { type: 'string' },
  },
  required: ['callId', 'leaderId', 'leaderName', 'mode', 'state', 'at'],
} as const;

export async function createServer(deps: ServerDeps) {
  const { db, redis, log } = deps;
  const states = new AgentStates(redis);
  const queueSettings = new QueueSettingsBook(db, log);
  // events for the agent pages through Redis, as the other processes send them (the escalation warnings)
  const notifier = new Notifier(redis);
  const app = Fastify({
    loggerInstance: log.child({ component: 'http' }),
    // one log line per request is noise at call-center volumes; errors are logged by the error handler
    logController: new LogController({ disableRequestLogging: true }),
  });

  await app.register(fastifyJwt, { secret: deps.jwtSecret, sign: { expiresIn: SESSION_TTL_MS } });
  // the OpenAPI document collects the routes as they are added: first
  await registerApiDocs(app);
  app.addSchema(callMonitoredSchema);
  const metrics = deps.metrics;
  if (metrics) {
    const durations = httpDurations(metrics.registry);
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      durations.observe(
        { method: req.method, route, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
  }
  const platformQueues = new PlatformQueues({ db, redis, log });

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    // first: a route's own schema error formatter may say what was wrong in words of its own (calendar routes)
    if (err instanceof HotlineError && 'statusCode' in err) {
      return reply.code(err.statusCode as number).send({ error: err.name, message: err.message });
    }
    if (err.validation) {
      return reply
        .code(400)
        .send({ error: 'BadRequest', message: `The request is not valid: ${err.message}.` });
    }
    if (err.statusCode && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: 'BadRequest', message: err.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(503).send({
      error: 'Unavailable',
      message: 'The service could not complete the request; please try again.',
    });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ error: 'NotFound', message: `There is no ${req.method} ${req.url.split('?')[0]}.` }),
  );

  const signOuts = new SignOuts(redis, deps.log);
  /** `forbidden`: what a signed-in user of another role is told (default "Your role may not do this."). */
  const authenticate = (roles: Role[] = ['agent', 'supervisor', 'admin'], forbidden?: string) =>
    async function (req: FastifyRequest): Promise<void> {
      try {
        await req.jwtVerify();
      } catch {
        throw new Unauthorized('Please sign in again: the session is missing or has expired.');
      }
      // a playback link's ticket is signed with the same secret but is no sign-in
      if (!isSessionToken(req.user))
        throw new Unauthorized('Please sign in again: the session is missing or has expired.');
      if (await signOuts.signedOut(req.user.sub, req.user.iat))
        throw new Unauthorized('Please sign in again: you signed out of this session.');
      if (!roles.includes(req.user.role)) throw new Forbidden(forbidden ?? 'Your role may not do this.');
    };

  app.get(
    '/healthz',
    { schema: { response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } } },
    () => ({
      ok: true,
    }),
  );
  app.get('/readyz', { schema: { response: { 200: readyBody, 503: readyBody } } }, async (_req, reply) => {
    const readiness = await checkReadiness({ db, redis, ari: deps.ari });
    return reply.code(readiness.ready ? 200 : 503).send(readiness);
  });
  await registerQueueBoard(app, { db, queues: platformQueues, authenticate, errorBody, signOuts });
  if (metrics) registerMetricsRoute(app, { registry: metrics.registry, token: metrics.token, errorBody });

  app.post<{ Body: { login: string; password: string } }>(
    '/api/auth/login',
    {
      schema: {
        body: {
          type: 'object',
          properties: {
            login: { type: 'string', minLength: 1, maxLength: 64 },
            password: { type: 'string', minLength: 1, maxLength: 200 },
          },
          required: ['login', 'password'],
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { token: { type: 'string' }, agent: agentBody } },
          400: errorBody,
          401: errorBody,
          429: errorBody,
        },
      },
    },
    async (req, reply) => {
      const login = req.body.login.trim().toLowerCase();
      const failuresKey = `hotline:login-failures:${login}`;
      const failures = Number((await redis.get(failuresKey)) ?? 0);
      if (failures >= LOGIN_FAILURES_MAX) {
        return reply.code(429).send({
          error: 'TooManyAttempts',
          message: 'Too many wrong passwords for this login; wait five minutes and try again.',
        });
      }
      const agent = await findAgentForLogin(db, login);
      const ok =
        agent !== null && agent.active && (await verifyPassword(req.body.password, agent.passwordHash));
      if (!agent || !ok) {
        await redis.multi().incr(failuresKey).expire(failuresKey, LOGIN_FAILURES_WINDOW_S).exec();
        throw new Unauthorized('The login or the password is wrong.');
      }
      await redis.del(failuresKey);
      // department staff work tickets, not calls: they never enter the ACD or the team overview
      if (agent.role !== 'department')
        await states.register(
          {
            agentId: agent.id,
            login: agent.login,
            name: agent.name,
            agentNumber: agent.agentNumber,
            role: agent.role,
            endpoint: agent.endpoint,
            skills: agent.skills,
          },
          await queueSettings.minLevels(),
        );
      const token = app.jwt.sign({ sub: agent.id, login: agent.login, role: agent.role });
      return {
        token,
        agent: {
          id: agent.id,
          login: agent.login,
          name: agent.name,
          agentNumber: agent.agentNumber,
          role: agent.role,
        },
      };
    },
  );

  // Sign-out: the agent goes offline (not during a call: 409), then every token of theirs issued before now is
  // refused, on every gateway (sign-outs.ts), and their sockets are closed.
  app.post(
    '/api/auth/logout',
    {
      onRequest: authenticate(['agent', 'department', 'supervisor', 'admin']),
      schema: { response: { 204: { type: 'null' }, 401: errorBody, 409: errorBody } },
    },
    async (req, reply) => {
      const id = req.user.sub;
      if (req.user.role !== 'department' && (await states.get(id)).login)
        await changeState(id, { state: 'offline' }, 'self');
      await signOuts.signOut(id);
      io.in(rooms.agent(id)).disconnectSockets(true);
      return reply.code(204).send();
    },
  );

  /** A department member's /api/me: from the database, never on a call. */
  async function departmentMember(id: number) {
    const agent = await getAgent(db, id);
    if (!agent?.active) throw new Unauthorized('Please sign in again.');
    return {
      agent: { id, login: agent.login, name: agent.name, agentNumber: agent.agentNumber, role: agent.role },
      status: { agentId: id, login: agent.login, state: 'offline', reason: null, since: null, callId: null },
      currentCall: null,
      callState: null,
      heldSince: null,
      consult: null,
    };
  }

  // Served from Redis alone (the profile was copied there at sign-in), so the desk keeps working while
  // PostgreSQL restarts.
  app.get(
    '/api/me',
    { onRequest: authenticate(['agent', 'department', 'supervisor', 'admin']) },
    async (req) => {
      if (req.user.role === 'department') return departmentMember(req.user.sub);
      const status = await states.get(req.user.sub);
      if (!status.login) throw new Unauthorized('Please sign in again.');
      const agent = { id: status.agentId, ...status };
      const currentCall = status.callId ? await Acd.currentPop(redis, status.callId, status.agentId) : null;
      const heldSince =
        status.state === 'on-call' && status.callId
          ? await Acd.heldSince(redis, status.callId, status.agentId)
          : null;
      const consult =
        status.state === 'on-call' && status.callId ? await Acd.consultOf(redis, status.callId) : null;
      const callState =
        status.state === 'ringing'
          ? 'offered'
          : status.state === 'on-call'
            ? heldSince
              ? 'held'
              : 'on-call'
            : currentCall
              ? 'ended'
              : null;
      return {
        agent: {
          id: agent.id,
          login: agent.login,
          name: agent.name,
          agentNumber: agent.agentNumber,
          role: agent.role,
        },
        status: {
          agentId: status.agentId,
          login: status.login,
          state: status.state,
          reason: status.reason,
          since: status.since,
          callId: status.callId,
        },
        currentCall,
        callState,
        heldSince,
        consult: consult?.agentId === status.agentId ? consult : null,
      };
    },
  );

  // What every IVR process runs, and any flow file that did not go live (a broken edit keeps the last good one).
  // Team leaders' live view: every queue and agent (the page asks again every few seconds; agent state changes
  // also arrive at once as `agent:state` in the supervisors' room).
  app.get(
    '/api/supervisor/overview',
    {
      onRequest: authenticate(['supervisor', 'admin']),
      schema: { response: { 200: overviewBody, 401: errorBody, 403: errorBody } },
    },
    readOverview,
  );

  /** The wallboard: every queue and agent now, and the listening-in sessions (also pushed: cti/wallboard.ts). */
  const todayFigures = new TodayFiguresCache(db, deps.log);
  async function readOverview(): Promise<SupervisorOverview> {
    const [live, agents, monitored, today] = await Promise.all([
      queueSettings.all().then((all) => Acd.queueOverview(redis, all)),
      states.list(),
      redis.hvals(MONITORS_KEY),
      todayFigures.get(),
    ]);
    const queues = live.map((q) => ({ ...q, today: queueToday(today.queues.get(q.name)) }));
    // a session of a call no agent is on any more (its controller died) is not shown, and is cleared
    const onCalls = new Set(agents.map((a) => a.callId));
    const sessions = monitored.map((m) => JSON.parse(m) as CallMonitored);
    const monitors = sessions.filter((m) => onCalls.has(m.callId));
    const stale = sessions.filter((m) => !onCalls.has(m.callId)).map((m) => m.callId);
    if (stale.length > 0) void redis.hdel(MONITORS_KEY, ...stale).catch(() => undefined);
    return { at: new Date().toISOString(), queues, agents, monitors, overdueTickets: today.overdueTickets };
  }

  app.get('/api/admin/flows', { onRequest: authenticate(['supervisor', 'admin']) }, async () => {
    const published = await redis.hgetall(FLOW_STATUS_KEY);
    return {
      ivrNodes: Object.entries(published)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([node, json]) => ({ node, ...(JSON.parse(json) as FlowStatus) })),
    };
  });

  // The work calendar: supervisors read it, admins edit it (calendar-routes.ts).
  registerCalendarRoutes(app, { db, redis, log, authenticate });
  // Ticket time limits of organisations and estates: admins (ticket-limit-routes.ts).
  registerTicketLimitRoutes(app, { db, authenticate });

  const stateChangeBody = {
    type: 'object',
    properties: {
      state: { type: 'string', enum: [...AGENT_SELECTABLE_STATES] },
      reason: { type: 'string', maxLength: 64 },
    },
    required: ['state'],
    additionalProperties: false,
  } as const;

  /**
   * The state an agent (or their team leader, `by`) chose: not ready needs one of the pause reasons, available
   * needs a phone; during a call (ringing, talking) nobody changes it.
   */
  async function changeState(
    agentId: number,
    change: StateChange,
    by: 'self' | 'team leader',
  ): Promise<AgentStatus> {
    const { state } = change;
    const reason = change.reason ?? 'break';
    if (state === 'not-ready' && !(PAUSE_REASONS as readonly string[]).includes(reason)) {
      throw new BadRequest(
        `There is no pause reason "${reason}"; choose one of: ${PAUSE_REASONS.join(', ')}.`,
      );
    }
    if (state === 'available' && !(await getAgent(db, agentId))?.endpoint) {
      throw new BadRequest(
        by === 'self'
          ? 'You have no phone assigned, so you cannot take calls.'
          : 'This agent has no phone assigned, so they cannot take calls.',
      );
    }
    try {
      await states.transition(agentId, {
        to: state,
        reason: state === 'not-ready' ? reason : '',
        from: ['offline', 'available', 'not-ready', 'wrap-up'],
      });
    } catch (err) {
      if (!(err instanceof Conflict) || by === 'self') throw err;
      const { state: now } = await states.get(agentId);
      throw new Conflict(`The agent's state cannot be changed now: they are ${now}.`);
    }
    const status = await states.get(agentId);
    io.to(rooms.agent(agentId)).to(rooms.supervisors).emit('agent:state', status);
    if (state === 'available') await wakeAcds(redis);
    return status;
  }

  app.put<{ Body: StateChange }>(
    '/api/agents/me/state',
    {
      onRequest: authenticate(),
      schema: {
        body: stateChangeBody,
        response: { 200: statusBody, 400: errorBody, 401: errorBody, 409: errorBody },
      },
    },
    async (req) => {
      if (!(await states.get(req.user.sub)).login) throw new Unauthorized('Please sign in again.');
      return changeState(req.user.sub, req.body, 'self');
    },
  );

  // A team leader sends an agent on a break, signs them out, or makes them available again.
  app.put<{ Params: { id: number }; Body: StateChange }>(
    '/api/supervisor/agents/:id/state',
    {
      onRequest: authenticate(['supervisor', 'admin']),
      schema: {
        params: {
          type: 'object',
          properties: { id: { type: 'integer', minimum: 1 } },
          required: ['id'],
        },
        body: stateChangeBody,
        response: {
          200: statusBody,
          400: errorBody,
          401: errorBody,
          403: errorBody,
          404: errorBody,
          409: errorBody,
        },
      },
    },
    async (req) => {
      const agentId = req.params.id;
      if (!(await states.get(agentId)).login)
        throw new NotFound('This agent has not signed in to the hotline.');
      const status = await changeState(agentId, req.body, 'team leader');
      req.log.info(
        { agentId, state: status.state, by: req.user.sub },
        'agent state changed by a team leader',
      );
      return status;
    },
  );

  app.post<{
    Body: TicketRequest & ComplaintFields;
  }>(
    '/api/tickets',
    {
      onRequest: authenticate(),
      schema: {
        body: {
          type: 'object',
          properties: {
            callId: { type: 'string', format: 'uuid' },
            ownerId: { type: 'integer', minimum: 1 },
            unitId: { type: 'integer', minimum: 1 },
            type: { type: 'string', enum: [...TICKET_TYPES] },
            description: { type: 'string', minLength: 1, maxLength: 4000 },
            repairKind: { type: 'string', enum: [...REPAIR_KINDS] },
            urgent: { type: 'boolean' },
            ...complaintFieldProperties,
          },
          required: ['type', 'description'],
          additionalProperties: false,
        },
        response: {
          201: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              number: { type: 'string' },
              type: { type: 'string' },
              status: { type: 'string' },
              description: { type: 'string' },
              ownerId: { type: ['integer', 'null'] },
              unitId: { type: ['integer', 'null'] },
              createdFromCall: { type: ['string', 'null'] },
              createdAt: { type: 'string' },
              severity: severityViewBody,
            },
          },
          400: errorBody,
          401: errorBody,
          404: errorBody,
        },
      },
    },
    async (req, reply) => {
      const body = req.body;
      const description = body.description.trim();
      if (!description) throw new BadRequest('Please describe what the owner reported.');
      if (body.type === 'repair' && body.repairKind === undefined) {
        throw new BadRequest(
          '请选择报修类别(水、电、燃气、房屋结构、其他) / Say what the repair is about: water, power, gas, structure or other.',
        );
      }
      if (body.type !== 'repair' && (body.repairKind !== undefined || body.urgent !== undefined)) {
        throw new BadRequest('只有报修工单有报修类别和紧急程度 / Only a repair has a kind and an urgency.');
      }
      const complaint = complaintFactsOf(body.type, body);
      let ownerId = body.ownerId ?? null;
      if (body.callId) {
        const call = await getCall(db, body.callId);
        if (!call) throw new NotFound('That call does not exist.');
        if (ownerId !== null && call.ownerId !== null && ownerId !== call.ownerId) {
          throw new BadRequest('The owner does not match the caller of this call.');
        }
        ownerId = ownerId ?? call.ownerId;
      }
      if (ownerId !== null && !(await findOwnerById(db, ownerId)))
        throw new NotFound('That owner does not exist.');
      if (body.unitId !== undefined) {
        if (ownerId === null) throw new BadRequest('A unit can only be given together with its owner.');
        if (!(await unitBelongsToOwner(db, body.unitId, ownerId))) {
          throw new BadRequest('That unit does not belong to the owner.');
        }
      }
      const ticket = await createTicket(db, {
        ownerId,
        unitId: body.unitId ?? null,
        type: body.type,
        description,
        createdFromCall: body.callId ?? null,
        createdByAgent: req.user.sub,
        repairKind: body.repairKind ?? null,
        urgent: body.repairKind === undefined ? false : (body.urgent ?? urgentByDefault(body.repairKind)),
        complaint,
      });
      for (const escalation of ticket.escalations)
        notifier.ticketEscalated(escalation, await ticketLeaderRooms(db, escalation.ticketId));
      const severity = severityView(await ticketSeverity(db, ticket.id));
      return reply.code(201).send({ ...ticket, severity });
    },
  );

  registerTicketRoutes(app, { db, authenticate, errorBody });
  registerOrganisationRoutes(app, { db, authenticate, errorBody });
  registerCampaignRoutes(app, { db, authenticate, errorBody });
  registerKnowledgeRoutes(app, { db, authenticate, errorBody });
  registerQualityRoutes(app, { db, authenticate, errorBody });
  registerReportRoutes(app, { db, authenticate, errorBody });
  registerReportScheduleRoutes(app, { db, redis, authenticate, errorBody });
  await registerNoticeRecordingRoutes(app, { db, authenticate, errorBody });
  // notes and attachments (evidence-routes.ts)
  await registerEvidenceRoutes(app, { db, authenticate, errorBody, settings: deps.attachments });
  registerSeverityRoutes(app, { db, authenticate, errorBody, notifier });

  app.get<{ Params: { id: string } }>(
    '/api/calls/:id',
    {
      onRequest: authenticate(),
      schema: {
        params: {
          type: 'object',
          properties: { id: { type: 'string', format: 'uuid' } },
          required: ['id'],
        },
      },
    },
    async (req) => {
      const call = await getCall(db, req.params.id);
      if (!call) throw new NotFound('That call does not exist.');
      if (req.user.role === 'agent' && !agentTookCall(call, req.user.sub)) {
        throw new Forbidden('You may only see calls you handled.');
      }
      return call;
    },
  );

  app.post<{ Params: { id: string }; Body: WrapUpRequest }>(
    '/api/calls/:id/wrap-up',
    {
      onRequest: authenticate(),
      schema: {
        params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] },
        body: {
          type: 'object',
          properties: {
            disposition: { type: 'string', enum: [...DISPOSITIONS] },
            note: { type: 'string', maxLength: 2000 },
            ticketNumber: { type: 'string', pattern: '^[0-9]{1,20}$' },
          },
          required: ['disposition'],
          additionalProperties: false,
        },
        response: { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody },
      },
    },
    async (req): Promise<WrapUpResponse> => {
      const call = await getCall(db, req.params.id);
      if (!call) throw new NotFound('That call does not exist.');
      if (req.user.role === 'agent' && !agentTookCall(call, req.user.sub)) {
        throw new Forbidden('You may only wrap up calls you handled.');
      }
      let ticketId: number | null = null;
      if (req.body.ticketNumber) {
        const ticket = await findTicketByNumber(db, req.body.ticketNumber);
        if (!ticket) throw new NotFound(`No ticket has the number ${req.body.ticketNumber}.`);
        if (ticket.ownerId !== null && call.ownerId !== null && ticket.ownerId !== call.ownerId) {
          throw new BadRequest('That ticket belongs to another owner than the caller.');
        }
        ticketId = ticket.id;
      }
      const note = req.body.note?.trim() || null;
      await updateCall(db, call.id, {
        disposition: req.body.disposition,
        wrapUpNote: note,
        ticketId,
        wrappedUpAt: new Date(),
      });
      await addCallEvent(db, call.id, 'wrapped-up', {
        by: req.user.sub,
        disposition: req.body.disposition,
        ticketNumber: req.body.ticketNumber ?? null,
      });
      // wrapping up ends the agent's wrap-up time for this call: they are offered the next call
      const status = await states.get(req.user.sub);
      if (status.state === 'on-call' && status.callId === call.id)
        await markWrappedUp(redis, call.id, req.user.sub);
      if (status.state === 'wrap-up' && status.callId === call.id) {
        await states.transition(req.user.sub, { to: 'available', from: ['wrap-up'], callId: call.id });
        io.to(rooms.agent(req.user.sub))
          .to(rooms.supervisors)
          .emit('agent:state', await states.get(req.user.sub));
        await wakeAcds(redis);
      }
      return {
        callId: call.id,
        disposition: req.body.disposition,
        ticketNumber: req.body.ticketNumber ?? null,
        agentState: (await states.get(req.user.sub)).state,
      };
    },
  );

  // Call control from the agent page: the command goes to the controller that owns the call (another process,
  // maybe), which runs it in the call's state machine and answers; the agent on the call or a team leader.
  const commands = await CallCommandClient.start(redis);
  const callParams = {
    type: 'object',
    properties: { id: { type: 'string', format: 'uuid' } },
    required: ['id'],
  } as const;
  const callControlBody = {
    type: 'object',
    properties: {
      callId: { type: 'string' },
      state: {
        type: 'string',
        enum: ['held', 'connected', 'transferred', 'consulting', 'conference', 'ended'],
      },
      at: { type: 'string' },
    },
    required: ['callId', 'state', 'at'],
  } as const;
  const callControlResponses = {
    200: callControlBody,
    400: errorBody,
    401: errorBody,
    403: errorBody,
    409: errorBody,
    503: errorBody,
  };

  /** A number as keyed by the agent, normalized for dialling; 400 when it cannot be dialled. */
  function dialable(number: string): string {
    const dialled = normalizePhone(number);
    if (dialled === null) {
      throw new BadRequest(
        `"${number}" 不是可以拨打的号码 / "${number}" is not a number that can be dialled.`,
      );
    }
    return dialled;
  }

  async function controlCall(
    req: FastifyRequest<{ Params: { id: string } }>,
    command: CallCommand,
    state: CallControlResponse['state'],
  ): Promise<CallControlResponse> {
    const callId = req.params.id;
    if (req.user.role === 'agent') {
      const status = await states.get(req.user.sub);
      if (status.callId !== callId) throw new Forbidden('您不在这通电话上 / You are not on this call.');
      if (status.state !== 'on-call') throw new Conflict(CALL_ENDED);
    }
    const result = await commands.send(callId, { agentId: req.user.sub, role: req.user.role }, command);
    if (result === null) throw new Error('the call controller did not answer in time');
    if (!result.ok) {
      if (result.error === 'BadRequest') throw new BadRequest(result.message);
      if (result.error === 'Forbidden') throw new Forbidden(result.message);
      throw new Conflict(result.message);
    }
    req.log.info({ callId, command: command.kind, by: req.user.sub }, 'call control');
    return { callId, state, at: result.at };
  }

  // Whom an agent can transfer a call to by name: the agents available now (the caller aside).
  app.get(
    '/api/agents/available',
    {
      onRequest: authenticate(),
      schema: {
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'integer' },
                name: { type: 'string' },
                agentNumber: { type: 'string' },
                queues: { type: 'array', items: { type: 'string' } },
              },
              required: ['id', 'name', 'agentNumber', 'queues'],
            },
          },
          401: errorBody,
        },
      },
    },
    async (req): Promise<AvailableAgent[]> =>
      (await states.list())
        .filter((a) => a.state === 'available' && a.agentId !== req.user.sub)
        .map((a) => ({ id: a.agentId, name: a.name, agentNumber: a.agentNumber, queues: a.queues })),
  );

  app.post<{ Params: { id: string } }>(
    '/api/calls/:id/hold',
    { onRequest: authenticate(), schema: { params: callParams, response: callControlResponses } },
    (req) => controlCall(req, { kind: 'hold' }, 'held'),
  );
  app.post<{ Params: { id: string } }>(
    '/api/calls/:id/resume',
    { onRequest: authenticate(), schema: { params: callParams, response: callControlResponses } },
    (req) => controlCall(req, { kind: 'resume' }, 'connected'),
  );
  /** Whom a transfer or a consultation goes to (a transfer may also name a queue), and the note for them. */
  const handOnTarget = {
    agentId: { type: 'integer', minimum: 1 },
    number: { type: 'string', minLength: 1, maxLength: 32 },
    note: { type: 'string', maxLength: 2000 },
  } as const;
  app.post<{ Params: { id: string }; Body: TransferRequest }>(
    '/api/calls/:id/transfer',
    {
      onRequest: authenticate(),
      schema: {
        params: callParams,
        body: {
          type: 'object',
          properties: { queue: { type: 'string', enum: [...TRANSFER_QUEUES] }, ...handOnTarget },
          additionalProperties: false,
        },
        response: callControlResponses,
      },
    },
    (req) => {
      const { queue, agentId, number } = req.body;
      if ([queue, agentId, number].filter((v) => v !== undefined).length !== 1) {
        throw new BadRequest(
          '请在队列、坐席、号码中选择一个转接目标 / Choose one place to transfer the call to: a queue, an agent or a number.',
        );
      }
      let target: TransferTarget;
      if (queue !== undefined) target = { to: 'queue', queue };
      else if (agentId !== undefined) target = { to: 'agent', agentId };
      else target = { to: 'number', number: dialable(number!) };
      const note = req.body.note?.trim() || null;
      return controlCall(req, { kind: 'transfer', target, note }, 'transferred');
    },
  );

  // Team leaders listening in on a live agent call (listen, whisper, barge) on their own desk phone: the command
  // goes to the controller that owns the call, like hold and transfer, where ivr/supervision.ts runs it.
  const NOT_A_LEADER = '只有组长和管理员可以监听通话 / Only team leaders and admins may listen in on calls.';
  const NO_PHONE =
    '您的账号没有配置话机,无法监听 / You have no desk phone set up, so you cannot listen in on calls.';
  const NO_SUCH_CALL = '找不到这通电话 / That call does not exist.';
  const monitorBody = {
    type: 'object',
    properties: { mode: { type: 'string', enum: [...MONITOR_MODES] } },
    required: ['mode'],
    additionalProperties: false,
  } as const;
  const monitorResponses = {
    200: {
      type: 'object',
      properties: {
        callId: { type: 'string' },
        mode: { type: ['string', 'null'], enum: [...MONITOR_MODES, null] },
        state: { type: 'string', enum: ['ringing', 'active', 'ended'] },
        at: { type: 'string' },
      },
      required: ['callId', 'mode', 'state', 'at'],
    },
    400: errorBody,
    401: errorBody,
    403: errorBody,
    404: errorBody,
    409: errorBody,
    503: errorBody,
  };

  async function monitorCall(
    req: FastifyRequest<{ Params: { id: string } }>,
    action: 'start' | 'change' | 'stop',
    mode: MonitorMode | null,
  ): Promise<MonitorResponse> {
    if (req.user.role === 'agent') throw new Forbidden(NOT_A_LEADER);
    const callId = req.params.id;
    const [call, leader] = await Promise.all([getCall(db, callId), getAgent(db, req.user.sub)]);
    if (!call) throw new NotFound(NO_SUCH_CALL);
    if (call.endedAt) throw new Conflict(CALL_ENDED);
    if (!leader) throw new Unauthorized('Please sign in again: your account no longer exists.');
    if (action === 'start' && !leader.endpoint) throw new Conflict(NO_PHONE);
    const by = { agentId: leader.id, name: leader.name, endpoint: leader.endpoint ?? '' };
    const command =
      action === 'stop'
        ? { kind: 'monitor' as const, leader: by, action }
        : { kind: 'monitor' as const, leader: by, action, mode: mode! };
    const result = await commands.send(callId, { agentId: req.user.sub, role: req.user.role }, command);
    if (result === null) throw new Error('the call controller did not answer in time');
    if (!result.ok)
      throw result.error === 'BadRequest' ? new BadRequest(result.message) : new Conflict(result.message);
    req.log.info({ callId, monitor: action, mode, by: req.user.sub }, 'team leader monitoring');
    const state = action === 'stop' ? 'ended' : action === 'start' ? 'ringing' : 'active';
    return { callId, mode, state, at: result.at };
  }

  app.post<{ Params: { id: string }; Body: { mode: MonitorMode } }>(
    '/api/supervisor/calls/:id/monitor',
    {
      onRequest: authenticate(),
      schema: { params: callParams, body: monitorBody, response: monitorResponses },
    },
    (req) => monitorCall(req, 'start', req.body.mode),
  );
  app.put<{ Params: { id: string }; Body: { mode: MonitorMode } }>(
    '/api/supervisor/calls/:id/monitor',
    {
      onRequest: authenticate(),
      schema: { params: callParams, body: monitorBody, response: monitorResponses },
    },
    (req) => monitorCall(req, 'change', req.body.mode),
  );
  app.delete<{ Params: { id: string } }>(
    '/api/supervisor/calls/:id/monitor',
    { onRequest: authenticate(), schema: { params: callParams, response: monitorResponses } },
    (req) => monitorCall(req, 'stop', null),
  );

  // Attended transfer: the owner waits on hold while the agent talks to a named agent or an outside number, then
  // hands the call over (complete), takes it back (cancel), or brings the three together (conference).
  app.post<{ Params: { id: string }; Body: ConsultRequest }>(
    '/api/calls/:id/consult',
    {
      onRequest: authenticate(),
      schema: {
        params: callParams,
        body: {
          type: 'object',
          properties: handOnTarget,
          additionalProperties: false,
        },
        response: callControlResponses,
      },
    },
    (req) => {
      const { agentId, number } = req.body;
      if ((agentId === undefined) === (number === undefined)) {
        throw new BadRequest('请选择一位坐席或一个号码来咨询 / Choose one agent or one number to consult.');
      }
      const target: ConsultTarget =
        agentId !== undefined ? { to: 'agent', agentId } : { to: 'number', number: dialable(number!) };
      const note = req.body.note?.trim() || null;
      return controlCall(req, { kind: 'consult', target, note }, 'consulting');
    },
  );
  app.post<{ Params: { id: string } }>(
    '/api/calls/:id/consult/complete',
    { onRequest: authenticate(), schema: { params: callParams, response: callControlResponses } },
    (req) => controlCall(req, { kind: 'consult-complete' }, 'transferred'),
  );
  app.post<{ Params: { id: string } }>(
    '/api/calls/:id/consult/cancel',
    { onRequest: authenticate(), schema: { params: callParams, response: callControlResponses } },
    (req) => controlCall(req, { kind: 'consult-cancel' }, 'connected'),
  );
  app.post<{ Params: { id: string } }>(
    '/api/calls/:id/conference',
    { onRequest: authenticate(), schema: { params: callParams, response: callControlResponses } },
    (req) => controlCall(req, { kind: 'conference' }, 'conference'),
  );
  app.post<{ Params: { id: string } }>(
    '/api/calls/:id/hangup',
    { onRequest: authenticate(), schema: { params: callParams, response: callControlResponses } },
    (req) => controlCall(req, { kind: 'hang-up' }, 'ended'),
  );

  // recordings are sent with reply.sendFile (Range requests, so a player can seek); not served as a folder
  await app.register(fastifyStatic, { root: deps.recordingDir, serve: false });
  registerOutboundRoutes(app, { db, authenticate, errorBody, recordingDir: deps.recordingDir, notifier });
  const NOT_YOUR_RECORDING =
    '您只能收听自己接听的通话或您经手工单的通话 / You may only hear calls you handled, or calls about a ticket you handle.';
  /** Who may ask to hear a call: department staff too, for the calls about the tickets they work. */
  const LISTENERS: Role[] = ['agent', 'department', 'supervisor', 'admin'];

  /**
   * The call, if the signed-in person may hear it: the agents who took it, team leaders and admins, and staff who
   * may see a ticket the call is about (filed from it, or linked to it at wrap-up): those handling the case.
   */
  async function audibleCall(callId: string, user: TokenClaims) {
    const call = await getCall(db, callId);
    if (!call) throw new NotFound(NO_SUCH_CALL);
    if (user.role === 'supervisor' || user.role === 'admin') return call;
    if (user.role === 'agent' && agentTookCall(call, user.sub)) return call;
    const staff = await staffMember(db, user.sub);
    if (staff && (await callOnVisibleTicket(db, call.id, staff))) return call;
    throw new Forbidden(NOT_YOUR_RECORDING);
  }

  /** The recording's file name in the recording folder; 404 when the call has none (yet). */
  function recordingFile(call: { recording: string | null }): string {
    const file = call.recording ? `${call.recording}.wav` : null;
    if (!file || !existsSync(join(deps.recordingDir, file))) {
      throw new NotFound(
        '这通电话没有录音 / This call has no recording (it never reached an agent, or it is still being written).',
      );
    }
    return file;
  }

  // An <audio> element cannot send the Authorization header: the page asks for a link that carries a short-lived
  // ticket for this one call's recording instead.
  app.post<{ Params: { id: string } }>(
    '/api/calls/:id/recording-link',
    {
      onRequest: authenticate(LISTENERS),
      schema: {
        params: callParams,
        response: {
          200: {
            type: 'object',
            properties: { url: { type: 'string' }, expiresAt: { type: 'string' } },
            required: ['url', 'expiresAt'],
          },
          401: errorBody,
          403: errorBody,
          404: errorBody,
        },
      },
    },
    async (req) => {
      const call = await audibleCall(req.params.id, req.user);
      recordingFile(call);
      const claims: RecordingTicketClaims = { rec: call.id, sub: req.user.sub };
      const ticket = app.jwt.sign(claims, { expiresIn: RECORDING_LINK_TTL });
      const { exp } = app.jwt.decode<{ exp: number }>(ticket)!;
      const expiresAt = new Date(exp * 1000).toISOString();
      return { url: `/api/calls/${call.id}/recording?ticket=${encodeURIComponent(ticket)}`, expiresAt };
    },
  );

  /** 401 unless the ticket is a playback link's, for this call, and has not expired. */
  function checkTicket(ticket: string, callId: string): void {
    let claims: unknown;
    try {
      claims = app.jwt.verify(ticket);
    } catch {
      throw new Unauthorized(BAD_RECORDING_TICKET);
    }
    const c = claims as Partial<RecordingTicketClaims>;
    if (c.rec !== callId || typeof c.sub !== 'number') throw new Unauthorized(BAD_RECORDING_TICKET);
  }

  app.get<{ Params: { id: string }; Querystring: { ticket?: string; download?: string } }>(
    '/api/calls/:id/recording',
    {
      // the Bearer header, or a playback link's ticket (checked in the handler)
      onRequest: async (req) => {
        const query = req.query as { ticket?: unknown };
        if (typeof query.ticket !== 'string') await authenticate(LISTENERS)(req);
      },
      schema: {
        params: callParams,
        querystring: {
          type: 'object',
          properties: {
            ticket: { type: 'string', minLength: 1, maxLength: 2000 },
            download: { type: 'string', enum: ['0', '1'] },
          },
        },
      },
    },
    async (req, reply) => {
      const { ticket } = req.query;
      if (ticket !== undefined) checkTicket(ticket, req.params.id);
      const call =
        ticket === undefined ? await audibleCall(req.params.id, req.user) : await getCall(db, req.params.id);
      if (!call) throw new NotFound(NO_SUCH_CALL);
      const file = recordingFile(call);
      // a player gets it inline; the download link (or a client without a ticket, as before) as a file
      const disposition =
        req.query.ticket !== undefined && req.query.download !== '1' ? 'inline' : 'attachment';
      return reply
        .header('content-disposition', `${disposition}; filename="${file}"`)
        .type('audio/wav')
        .sendFile(file);
    },
  );

  const uiDir = deps.uiDir ?? fileURLToPath(new URL('../agent-ui/dist/', import.meta.url));
  if (existsSync(uiDir)) {
    await app.register(fastifyStatic, {
      root: uiDir,
      prefix: '/',
      index: ['index.html'],
      decorateReply: false,
    });
  } else {
    app.get('/', (_req, reply: FastifyReply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The agent page is not built yet: run "npm run build:ui".'),
    );
  }

  // socket.io on the same HTTP server; events from other processes arrive through the Redis adapter.
  const adapterPub = redis.duplicate();
  const adapterSub = redis.duplicate();
  // Redis away: the clients reconnect by themselves, and /readyz names Redis (without a handler of ours, the
  // adapter printed a warning on every failed reconnection)
  for (const client of [adapterPub, adapterSub])
    client.on('error', (err: Error) =>
      deps.log.debug({ err: err.message }, 'socket.io adapter: Redis problem'),
    );
  const io = new SocketServer<ClientToServerEvents, ServerToClientEvents>(app.server, {
    adapter: createAdapter(adapterPub, adapterSub),
    serveClient: false,
  });
  const wallboard = new WallboardPush({ io, read: readOverview, log: deps.log });
  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    try {
      if (typeof token !== 'string') throw new Error('no token');
      const claims = app.jwt.verify<TokenClaims>(token);
      if (!isSessionToken(claims)) throw new Error('not a sign-in token');
      socket.data = claims;
    } catch {
      next(new Error('unauthorized'));
      return;
    }
    const claims = socket.data as TokenClaims;
    void (async () => {
      if (await signOuts.signedOut(claims.sub, claims.iat)) {
        next(new Error('unauthorized'));
        return;
      }
      if (claims.role === 'agent') {
        next();
        return;
      }
      // the rooms of the tickets' notices: a department member's department, a team leader's organisation, as
      // the database has them now
      const staff = await staffMember(db, claims.sub).catch((err: unknown) => {
        // the database is away (a restart): connect without the tickets' notices (until the page next
        // connects) rather than sign them out
        log.warn({ err, agentId: claims.sub }, 'ticket notice rooms not joined: the database did not answer');
        return undefined;
      });
      if (staff === undefined) {
        next();
        return;
      }
      if (!staff || (claims.role === 'department' && !staff.department)) {
        next(new Error('unauthorized'));
        return;
      }
      socket.data = { ...claims, department: staff.department, organisationId: staff.organisationId };
      next();
    })();
  });
  io.on('connection', (socket) => {
    const claims = socket.data as TokenClaims;
    void socket.join(rooms.agent(claims.sub));
    if (claims.role === 'supervisor' || claims.role === 'admin') {
      void socket.join(rooms.supervisors);
      wallboard.leaderJoined();
    }
    const { department, organisationId } = socket.data as {
      department?: string | null;
      organisationId?: number | null;
    };
    if (department) void socket.join(rooms.department(department));
    // a team leader without an organisation, and an admin, see every ticket (db/organisations.ts)
    if (claims.role === 'admin') void socket.join(rooms.ticketLeaders(null));
    if (claims.role === 'supervisor') void socket.join(rooms.ticketLeaders(organisationId ?? null));
    socket.on('call:seen', (callId: unknown) => {
      if (typeof callId !== 'string' || !/^[0-9a-f-]{36}$/.test(callId)) return;
      void redis
        .publish(POP_SEEN_CHANNEL, JSON.stringify({ callId, agentId: claims.sub }))
        .catch(() => undefined);
    });
  });
  if (metrics)
    registerSharedMetrics(metrics.registry, {
      agentStates: () => states.list(),
      waiting: async () => Acd.queueOverview(redis, await queueSettings.all()),
      queues: platformQueues,
      socketClients: () => io.engine.clientsCount,
      node: metrics.node,
    });
  app.addHook('preClose', async () => {
    wallboard.close();
    await platformQueues.close();
    io.disconnectSockets(true);
    io.engine.close();
    commands.close();
    // QUIT after what the adapter still sends (disconnectSockets tells the other API nodes through Redis): a
    // disconnect would fail that publish as an unhandled rejection inside the adapter
    await Promise.all([adapterPub.quit(), adapterSub.quit()]).catch(() => undefined);
  });
  return { app, io };
}
