// A complaint's severity over HTTP (db/ticket-severity.ts): the facts an agent records when filing it (the fields
// POST /api/tickets accepts for a complaint or compensation claim), updating them later, and a supervisor setting
// the level (危机 only this way). Every raise is sent to the supervisors' room as `ticket:escalated`.
//
//   PATCH /api/tickets/:id/facts     agent, supervisor, admin   { complaintCategory, complainants,
//                                                                compensationAskedYuan, litigation, media,
//                                                                wholeEstate } (any of them)
//   POST  /api/tickets/:id/severity  supervisor, admin          { level, note }
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  BadRequest,
  COMPLAINT_CATEGORIES,
  Conflict,
  NotFound,
  SEVERITY_LEVELS,
  SEVERITY_REASON_CODES,
  Unauthorized,
  type ComplaintCategory,
  type Fen,
  type Logger,
  type Role,
  type SeverityLevel,
  type TicketActor,
  type TicketEscalated,
  type TicketSeverityInfo,
  type TicketType,
} from '../core/index.ts';
import {
  canSeeTicket,
  changeSeverity,
  hasSeverity,
  LITIGATION_STATES,
  MEDIA_STATES,
  NO_COMPLAINT_FACTS,
  staffMember,
  ticketActorOf,
  ticketLeaderRooms,
  ticketSeverity,
  updateComplaintFacts,
  type ComplaintFacts,
  type Pool,
  type TicketSeverityView,
} from '../db/index.ts';
import type { Notifier } from './notifier.ts';

type Authenticate = (roles?: Role[], forbidden?: string) => (req: FastifyRequest) => Promise<void>;

/** The most compensation one case may ask, in yuan (a typo guard: ten billion). */
const COMPENSATION_MAX_YUAN = 10_000_000_000;

/** The complaint's fields as a request carries them. */
export interface ComplaintFields {
  complaintCategory?: ComplaintCategory;
  complainants?: number;
  /** Yuan, at most 2 decimals (fen); null (update only) when no longer asked. */
  compensationAskedYuan?: number | null;
  litigation?: ComplaintFacts['litigation'];
  media?: ComplaintFacts['media'];
  wholeEstate?: boolean;
}

/** The JSON schema properties of the complaint's fields (POST /api/tickets and the facts update). */
export const complaintFieldProperties = {
  complaintCategory: { type: 'string', enum: [...COMPLAINT_CATEGORIES] },
  complainants: { type: 'integer', minimum: 1, maximum: 100_000 },
  compensationAskedYuan: { type: 'number', exclusiveMinimum: 0, maximum: COMPENSATION_MAX_YUAN },
  litigation: { type: 'string', enum: [...LITIGATION_STATES] },
  media: { type: 'string', enum: [...MEDIA_STATES] },
  wholeEstate: { type: 'boolean' },
} as const;

const COMPLAINT_FIELDS = Object.keys(complaintFieldProperties) as (keyof ComplaintFields)[];

/** Yuan to fen, refusing fractions of a fen. */
function fenOf(yuan: number): Fen {
  const fen = Math.round(yuan * 100);
  if (Math.abs(yuan * 100 - fen) > 1e-6) {
    throw new BadRequest(
      `索赔金额 ${yuan} 元超过两位小数 / The compensation asked (${yuan} CNY) has more than 2 decimals.`,
    );
  }
  return fen;
}

/**
 * The complaint's facts from a new ticket's request: for a complaint or compensation claim, which needs its
 * category; undefined for other types, which may not carry them.
 */
export function complaintFactsOf(type: TicketType, body: ComplaintFields): ComplaintFacts | undefined {
  const given = COMPLAINT_FIELDS.filter((f) => body[f] !== undefined);
  if (!hasSeverity(type)) {
    if (given.length > 0) {
      throw new BadRequest(
        `投诉情况(${given.join(', ')})只用于投诉和索赔 / ${given.join(', ')}: only for a complaint or a compensation claim.`,
      );
    }
    return undefined;
  }
  if (body.complaintCategory === undefined) {
    throw new BadRequest(
      `请选择投诉类别(${COMPLAINT_CATEGORIES.join('、')}) / A complaint needs its category ` +
        `(complaintCategory: ${COMPLAINT_CATEGORIES.join(', ')}).`,
    );
  }
  return {
    complaintCategory: body.complaintCategory,
    complainants: body.complainants ?? NO_COMPLAINT_FACTS.complainants,
    compensationAskedFen: body.compensationAskedYuan ? fenOf(body.compensationAskedYuan) : null,
    litigation: body.litigation ?? 'none',
    media: body.media ?? 'none',
    wholeEstate: body.wholeEstate ?? false,
  };
}

const labelled = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    level: { type: 'string' },
    zh: { type: 'string' },
    en: { type: 'string' },
  },
} as const;

/** A ticket's severity in the ticket view (null for the types without one). */
export const severityViewBody = {
  type: ['object', 'null'],
  properties: {
    level: { type: 'string', enum: [...SEVERITY_LEVELS] },
    zh: { type: 'string' },
    en: { type: 'string' },
    reasons: { type: 'array', items: labelled },
    dismissed: { type: 'array', items: { type: 'string', enum: [...SEVERITY_REASON_CODES] } },
    facts: {
      type: 'object',
      properties: {
        complaintCategory: { type: ['string', 'null'] },
        complainants: { type: 'integer' },
        compensationAskedYuan: { type: ['number', 'null'] },
        litigation: { type: 'string' },
        media: { type: 'string' },
        wholeEstate: { type: 'boolean' },
      },
    },
    issueKey: { type: ['string', 'null'] },
    assessedAt: { type: ['string', 'null'] },
  },
} as const;

/** The severity as the API shows it: the compensation in yuan. */
export function severityView(view: TicketSeverityView | null): TicketSeverityInfo | null {
  if (view === null) return null;
  const { compensationAskedFen, ...facts } = view.facts;
  return {
    ...view,
    facts: {
      ...facts,
      compensationAskedYuan: compensationAskedFen === null ? null : compensationAskedFen / 100,
    },
  };
}

export function registerSeverityRoutes(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>,
  deps: { db: Pool; authenticate: Authenticate; errorBody: object; notifier: Notifier },
): void {
  const { db, authenticate, errorBody, notifier } = deps;
  const params = {
    type: 'object',
    properties: { id: { type: 'integer', minimum: 1 } },
    required: ['id'],
  } as const;
  const noTicket = (id: number) => new NotFound(`工单 ${id} 不存在 / There is no ticket ${id}.`);

  /** Who acts, read from the database; a ticket the reader may not see is not there for them. */
  async function actorFor(req: FastifyRequest, ticketId: number): Promise<TicketActor> {
    const staff = await staffMember(db, req.user.sub);
    if (!staff) throw new Unauthorized('请重新登录 / Please sign in again: your account is not active.');
    if (!(await canSeeTicket(db, ticketId, staff))) throw noTicket(ticketId);
    return ticketActorOf(staff);
  }

  const warn = async (req: FastifyRequest, escalations: TicketEscalated[]): Promise<void> => {
    for (const e of escalations) {
      notifier.ticketEscalated(e, await ticketLeaderRooms(db, e.ticketId));
      req.log.info({ ticketId: e.ticketId, from: e.from.level, to: e.to.level }, 'ticket escalated');
    }
  };

  app.patch<{ Params: { id: number }; Body: ComplaintFields }>(
    '/api/tickets/:id/facts',
    {
      onRequest: authenticate(),
      schema: {
        params,
        body: {
          type: 'object',
          properties: {
            ...complaintFieldProperties,
            compensationAskedYuan: {
              ...complaintFieldProperties.compensationAskedYuan,
              type: ['number', 'null'],
            },
          },
          additionalProperties: false,
          minProperties: 1,
        },
        response: {
          200: severityViewBody,
          400: errorBody,
          401: errorBody,
          403: errorBody,
          404: errorBody,
          409: errorBody,
        },
      },
    },
    async (req) => {
      const id = req.params.id;
      const by = await actorFor(req, id);
      const { compensationAskedYuan, ...rest } = req.body;
      const change: Partial<ComplaintFacts> = { ...rest };
      if (compensationAskedYuan !== undefined) {
        change.compensationAskedFen = compensationAskedYuan === null ? null : fenOf(compensationAskedYuan);
      }
      const result = await updateComplaintFacts(db, id, change, by);
      if (!result.ok) {
        if ('notFound' in result) throw noTicket(id);
        throw new Conflict(result.conflict);
      }
      await warn(req, result.escalations);
      return severityView(await ticketSeverity(db, id));
    },
  );

  const onlySupervisors = '只有客服主管可以调整严重程度 / Only a supervisor may set the severity.';
  app.post<{ Params: { id: number }; Body: { level: SeverityLevel; note: string } }>(
    '/api/tickets/:id/severity',
    {
      onRequest: authenticate(['supervisor', 'admin'], onlySupervisors),
      schema: {
        params,
        body: {
          type: 'object',
          properties: {
            level: { type: 'string', enum: [...SEVERITY_LEVELS] },
            note: { type: 'string', maxLength: 2000 },
          },
          required: ['level', 'note'],
          additionalProperties: false,
        },
        response: {
          200: severityViewBody,
          400: errorBody,
          401: errorBody,
          403: errorBody,
          404: errorBody,
          409: errorBody,
        },
      },
    },
    async (req) => {
      const id = req.params.id;
      const by = await actorFor(req, id);
      const result = await changeSeverity(db, id, req.body, by);
      if (!result.ok) {
        if ('notFound' in result) throw noTicket(id);
        throw result.conflict ? new Conflict(result.refused) : new BadRequest(result.refused);
      }
      req.log.info({ ticketId: id, from: result.from, to: result.to }, 'severity set by a supervisor');
      await warn(req, result.escalations);
      return severityView(await ticketSeverity(db, id));
    },
  );
}
