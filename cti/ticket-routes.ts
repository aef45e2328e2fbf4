// The ticket's life over HTTP: read a ticket with its timeline and what the reader may do next, and take an action
// (verify, dispatch, plan, start, resolve, revisit, close, invalidate, force-close, wait, resume...). The rules
// are core/tickets/lifecycle.ts; a refusal comes back with its Chinese and English message and the actions
// allowed now.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import {
  ACTION_KINDS,
  allowedActions,
  BadRequest,
  COMPLAINT_CATEGORIES,
  SEVERITY_LEVELS,
  TICKET_TYPES,
  Unauthorized,
  calendarWarnings,
  CLOCK_LABELS,
  clocksOfTicket,
  Conflict,
  Forbidden,
  NotFound,
  TICKET_STATUSES,
  type RefusalCode,
  type Logger,
  type Role,
  type TicketAction,
  type TicketView,
  type TicketStatus,
  type TicketType,
  type ComplaintCategory,
  type SeverityLevel,
} from '../core/index.ts';
import {
  actOnTicket,
  canSeeTicket,
  departmentIsActive,
  estatesFor,
  listDepartments,
  searchTickets,
  staffMember,
  ticketActorOf,
  ticketAttachments,
  ticketCalls,
  ticketLimits,
  ticketSeverity,
  ticketState,
  ticketTimeline,
  type Staff,
  type TicketSearch,
  ticketSummary,
} from '../db/index.ts';
import { attachmentListBody, stepBody, ticketCallListBody } from './evidence-routes.ts';
import { severityView, severityViewBody } from './severity-routes.ts';

type Authenticate = (roles?: Role[]) => (req: FastifyRequest) => Promise<void>;

/** Everyone who works with tickets: department staff too. */
const TICKET_ROLES: Role[] = ['agent', 'department', 'supervisor', 'admin'];

/** The same answer for a ticket that does not exist and one the reader may not see: existence is not revealed. */
const noTicket = (id: number): NotFound =>
  new NotFound(`工单 ${id} 不存在或您无权查看 / There is no ticket ${id} that you may see.`);

/** A refusal's HTTP error: the ticket is not in a state for it (409), not the caller's to do (403), bad data (400). */
const REFUSAL_ERRORS: Record<RefusalCode, new (message: string) => Error> = {
  'not-allowed-now': Conflict,
  'out-of-order': Conflict,
  'not-your-role': Forbidden,
  'not-your-department': Forbidden,
  'missing-data': BadRequest,
  'invalid-data': BadRequest,
};

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });

const actionBody = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: [...ACTION_KINDS] },
    department: text(100),
    plan: text(4000),
    resolution: text(4000),
    satisfaction: { type: 'string', enum: ['satisfied', 'unsatisfied'] },
    score: { type: 'integer', minimum: 1, maximum: 5 },
    note: text(4000),
    closure: {
      type: 'object',
      properties: {
        reason: { type: 'string', enum: ['court-or-arbitration', 'registered-mail'] },
        filedOn: { type: 'string', format: 'date' },
        deliveredOn: { type: 'string', format: 'date' },
        evidence: { type: 'array', items: text(500), maxItems: 20 },
      },
      required: ['reason', 'evidence'],
      additionalProperties: false,
    },
  },
  required: ['kind'],
  additionalProperties: false,
} as const;

/** A ticket as lists show it (TicketSummary). */
const summaryBody = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    number: { type: 'string' },
    type: { type: 'string' },
    status: { type: 'string' },
    complaintCategory: { type: ['string', 'null'] },
    urgent: { type: 'boolean' },
    overdue: { type: 'boolean' },
    severity: { type: 'string' },
    description: { type: 'string' },
    department: { type: ['string', 'null'] },
    departmentName: { type: ['string', 'null'] },
    estate: { type: ['string', 'null'] },
    responsibleOrganisation: { type: ['string', 'null'] },
    roomCode: { type: ['string', 'null'] },
    ownerId: { type: ['integer', 'null'] },
    ownerName: { type: ['string', 'null'] },
    createdFromCall: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

const stateBody = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    urgent: { type: 'boolean' },
    status: { type: 'string', enum: [...TICKET_STATUSES] },
    department: { type: ['string', 'null'] },
    plan: { type: ['string', 'null'] },
    resolution: { type: ['string', 'null'] },
    satisfaction: { type: ['string', 'null'] },
    reopenCount: { type: 'integer' },
    waitingSince: { type: ['string', 'null'] },
    forcedClosure: { type: ['object', 'null'], additionalProperties: true },
    registeredAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

const viewBody = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    summary: summaryBody,
    ticket: stateBody,
    severity: severityViewBody,
    allowed: { type: 'array', items: { type: 'string' } },
    timeline: { type: 'array', items: stepBody },
    calls: ticketCallListBody,
    attachments: attachmentListBody,
    clocks: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          clock: { type: 'string' },
          label: {
            type: 'object',
            properties: { zh: { type: 'string' }, en: { type: 'string' } },
            required: ['zh', 'en'],
          },
          round: { type: 'integer' },
          startedAt: { type: 'string' },
          dueAt: { type: ['string', 'null'] },
          stoppedAt: { type: ['string', 'null'] },
          state: { type: 'string', enum: ['running', 'paused', 'overdue', 'met', 'missed', 'cancelled'] },
        },
        required: ['clock', 'label', 'round', 'startedAt', 'dueAt', 'stoppedAt', 'state'],
      },
    },
    calendarWarnings: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** A filter given once (`?status=dispatched`), several times, or comma-separated (`?status=dispatched,planned`). */
function listOf<T extends string>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',') as T[]).filter(Boolean);
}

type OneOrMany<T> = T | T[];
interface TicketSearchQuery {
  status?: OneOrMany<TicketStatus>;
  type?: OneOrMany<TicketType>;
  category?: OneOrMany<ComplaintCategory>;
  severity?: OneOrMany<SeverityLevel>;
  estate?: number;
  department?: string;
  owner?: number;
  open?: boolean;
  overdue?: boolean;
  q?: string;
  limit?: number;
  before?: string;
}

/** Enumerated filters, one or several (comma-separated). The values hold no pattern characters but '-'. */
const oneOrMany = (values: readonly string[]) => {
  const pattern = `^(${values.join('|')})(,(${values.join('|')}))*$`;
  return {
    anyOf: [
      { type: 'string', pattern },
      { type: 'array', items: { type: 'string', pattern }, maxItems: 20 },
    ],
  };
};

const searchQuery = {
  type: 'object',
  properties: {
    status: oneOrMany(TICKET_STATUSES),
    type: oneOrMany(TICKET_TYPES),
    category: oneOrMany(COMPLAINT_CATEGORIES),
    severity: oneOrMany(SEVERITY_LEVELS),
    estate: { type: 'integer', minimum: 1 },
    department: { type: 'string', minLength: 1, maxLength: 32 },
    owner: { type: 'integer', minimum: 1 },
    open: { type: 'boolean' },
    overdue: { type: 'boolean' },
    q: { type: 'string', maxLength: 100 },
    limit: { type: 'integer', minimum: 1, maximum: 200 },
    /** Paging: the `next` cursor of the previous page. */
    before: { type: 'string', pattern: '^[0-9]{1,20}$' },
  },
  additionalProperties: false,
} as const;

const searchBody = {
  type: 'object',
  properties: {
    tickets: { type: 'array', items: summaryBody },
    /** The cursor of the next page; null on the last. */
    next: { type: ['string', 'null'] },
  },
} as const;

const estatesBody = {
  type: 'object',
  properties: {
    estates: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'integer' }, code: { type: 'string' }, name: { type: 'string' } },
      },
    },
  },
} as const;

const departmentsBody = {
  type: 'object',
  properties: {
    departments: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          code: { type: 'string' },
          name: { type: 'string' },
          organisation: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              code: { type: 'string' },
              name: { type: 'string' },
              kind: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const;

export function registerTicketRoutes(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>,
  deps: { db: pg.Pool; authenticate: Authenticate; errorBody: object },
): void {
  const { db, authenticate, errorBody } = deps;
  const params = {
    type: 'object',
    properties: { id: { type: 'integer', minimum: 1 } },
    required: ['id'],
  } as const;

  /** The signed-in member of staff as the database has them now (a deactivated login is refused). */
  async function staffOf(req: FastifyRequest): Promise<Staff> {
    const staff = await staffMember(db, req.user.sub);
    if (!staff) throw new Unauthorized('请重新登录 / Please sign in again.');
    return staff;
  }

  async function view(id: number, staff: Staff): Promise<TicketView> {
    const [ticket, summary] = await Promise.all([ticketState(db, id), ticketSummary(db, id)]);
    if (!ticket || !summary || !(await canSeeTicket(db, id, staff))) throw noTicket(id);
    const [timeline, calls, attachments, limits] = await Promise.all([
      ticketTimeline(db, id),
      ticketCalls(db, id),
      ticketAttachments(db, id),
      ticketLimits(db, id),
    ]);
    const clocks = limits ? clocksOfTicket(ticket, timeline, limits.limits, new Date()) : [];
    return {
      id,
      summary,
      ticket,
      allowed: allowedActions(ticket, ticketActorOf(staff)),
      timeline,
      calls,
      attachments,
      clocks: clocks.map((c) => ({
        clock: c.clock,
        label: CLOCK_LABELS[c.clock],
        round: c.round,
        startedAt: c.startedAt,
        dueAt: c.dueAt,
        stoppedAt: c.stoppedAt,
        state: c.state,
      })),
      calendarWarnings: calendarWarnings(clocks),
      severity: severityView(await ticketSeverity(db, id)),
    };
  }

  app.get<{ Params: { id: number } }>(
    '/api/tickets/:id',
    {
      onRequest: authenticate(TICKET_ROLES),
      schema: { params, response: { 200: viewBody, 401: errorBody, 403: errorBody, 404: errorBody } },
    },
    async (req) => view(req.params.id, await staffOf(req)),
  );

  app.post<{ Params: { id: number }; Body: TicketAction }>(
    '/api/tickets/:id/actions',
    {
      onRequest: authenticate(TICKET_ROLES),
      schema: {
        params,
        body: actionBody,
        response: {
          200: viewBody,
          400: errorBody,
          401: errorBody,
          403: errorBody,
          404: errorBody,
          409: errorBody,
        },
      },
    },
    async (req) => {
      const { id } = req.params;
      const staff = await staffOf(req);
      if (!(await canSeeTicket(db, id, staff))) throw noTicket(id);
      const action = req.body;
      if (
        (action.kind === 'dispatch' || action.kind === 'redispatch') &&
        !(await departmentIsActive(db, action.department))
      ) {
        throw new BadRequest(
          `没有编号为「${action.department}」的部门 / There is no department "${action.department}".`,
        );
      }
      const result = await actOnTicket(db, id, action, ticketActorOf(staff), new Date());
      if (!result.ok) {
        if ('notFound' in result) throw noTicket(id);
        throw new REFUSAL_ERRORS[result.refusal.code](result.refusal.message);
      }
      req.log.info({ ticketId: id, action: action.kind, to: result.ticket.status }, 'ticket action');
      return view(id, staff);
    },
  );

  app.get<{ Querystring: TicketSearchQuery }>(
    '/api/tickets',
    {
      onRequest: authenticate(TICKET_ROLES),
      schema: {
        querystring: searchQuery,
        response: { 200: searchBody, 400: errorBody, 401: errorBody, 403: errorBody },
      },
    },
    async (req) => {
      const staff = await staffOf(req);
      const q = req.query;
      const search: TicketSearch = {
        statuses: listOf(q.status),
        types: listOf(q.type),
        categories: listOf(q.category),
        severities: listOf(q.severity),
        estateId: q.estate ?? null,
        department: q.department ?? null,
        ownerId: q.owner ?? null,
        open: q.open ?? null,
        overdue: q.overdue ?? null,
        text: q.q?.trim() || null,
        limit: q.limit ?? 50,
        before: q.before ?? null,
      };
      return searchTickets(db, staff, search);
    },
  );

  app.get(
    '/api/estates',
    {
      onRequest: authenticate(TICKET_ROLES),
      schema: { response: { 200: estatesBody, 401: errorBody, 403: errorBody } },
    },
    async (req) => ({ estates: await estatesFor(db, await staffOf(req)) }),
  );

  app.get(
    '/api/departments',
    {
      onRequest: authenticate(TICKET_ROLES),
      schema: { response: { 200: departmentsBody, 401: errorBody, 403: errorBody } },
    },
    async () => ({ departments: await listDepartments(db) }),
  );
}
