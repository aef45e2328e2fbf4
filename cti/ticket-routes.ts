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
  Conflict,
  Forbidden,
  NotFound,
  TICKET_STATUSES,
  type ActionKind,
  type RefusalCode,
  type Logger,
  type Role,
  type TicketAction,
  type TicketActor,
  type TicketState,
} from '../core/index.ts';
import { actOnTicket, ticketState, ticketTimeline, type TicketTimelineStep } from '../db/index.ts';

type Authenticate = (roles?: Role[]) => (req: FastifyRequest) => Promise<void>;

/** Who acts, as the lifecycle knows them: team leaders and admins act as supervisors. */
function actorOf(user: { sub: number; role: Role; login: string }): TicketActor {
  return { role: user.role === 'agent' ? 'agent' : 'supervisor', id: user.sub, name: user.login };
}

/** A refusal's HTTP error: the ticket is not in a state for it (409), not the caller's to do (403), bad data (400). */
const REFUSAL_ERRORS: Record<RefusalCode, new (message: string) => Error> = {
  'not-allowed-now': Conflict,
  'out-of-order': Conflict,
  'not-your-role': Forbidden,
  'not-your-department': Forbidden,
  'missing-data': BadRequest,
  'invalid-data': BadRequest,
};

export interface TicketView {
  id: number;
  ticket: TicketState;
  /** What the reader may do now (the page's buttons). */
  allowed: ActionKind[];
  timeline: TicketTimelineStep[];
}

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
    ticket: stateBody,
    allowed: { type: 'array', items: { type: 'string' } },
    timeline: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          at: { type: 'string' },
          kind: { type: 'string' },
          by: {
            type: 'object',
            properties: {
              role: { type: 'string' },
              id: { type: ['integer', 'null'] },
              name: { type: ['string', 'null'] },
            },
          },
          from: { type: ['string', 'null'] },
          to: { type: 'string' },
          waitEnded: { type: 'boolean' },
          detail: { type: 'object', additionalProperties: true },
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

  async function view(id: number, actor: TicketActor): Promise<TicketView> {
    const ticket = await ticketState(db, id);
    if (!ticket) throw new NotFound(`工单 ${id} 不存在 / There is no ticket ${id}.`);
    return { id, ticket, allowed: allowedActions(ticket, actor), timeline: await ticketTimeline(db, id) };
  }

  app.get<{ Params: { id: number } }>(
    '/api/tickets/:id',
    {
      onRequest: authenticate(),
      schema: { params, response: { 200: viewBody, 401: errorBody, 404: errorBody } },
    },
    (req) => view(req.params.id, actorOf(req.user)),
  );

  app.post<{ Params: { id: number }; Body: TicketAction }>(
    '/api/tickets/:id/actions',
    {
      onRequest: authenticate(),
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
      const actor = actorOf(req.user);
      const result = await actOnTicket(db, req.params.id, req.body, actor, new Date());
      if (!result.ok) {
        if ('notFound' in result)
          throw new NotFound(`工单 ${req.params.id} 不存在 / There is no ticket ${req.params.id}.`);
        throw new REFUSAL_ERRORS[result.refusal.code](result.refusal.message);
      }
      req.log.info(
        { ticketId: req.params.id, action: req.body.kind, to: result.ticket.status },
        'ticket action',
      );
      return view(req.params.id, actor);
    },
  );
}
