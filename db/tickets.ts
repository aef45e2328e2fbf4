// Tickets: the row, its life (core/tickets/lifecycle.ts applied under a row lock) and its timeline.
import type pg from 'pg';
import { inTransaction, type Queryable } from './pool.ts';
import { assignTicketOwnership } from './organisations.ts';
import {
  assessFiledComplaint,
  hasSeverity,
  NO_COMPLAINT_FACTS,
  type ComplaintFacts,
} from './ticket-severity.ts';
import {
  registerTicket,
  transition,
  type ActionKind,
  type TicketAction,
  type TicketActor,
  type TicketEscalated,
  type TicketRefusal,
  type TicketState,
  type TicketStatus,
  type TicketTimelineEntry,
  type TicketTimelineStep,
  type RepairKind,
  type TicketType,
} from '../core/index.ts';

export interface NewTicket {
  ownerId: number | null;
  unitId: number | null;
  type: TicketType;
  description: string;
  createdFromCall: string | null;
  createdByAgent: number | null;
  /** A repair's kind (tickets.category, as the IVR writes it); null for other types. */
  repairKind: RepairKind | null;
  urgent: boolean;
  /** A complaint's or compensation claim's facts for its severity (db/ticket-severity.ts). */
  complaint?: ComplaintFacts;
}

export interface Ticket {
  id: number;
  number: string;
  ownerId: number | null;
  unitId: number | null;
  type: TicketType;
  description: string;
  status: string;
  createdFromCall: string | null;
  createdAt: string;
}

/**
 * Files a ticket filed by an agent, with the first step of its timeline (registered by that agent); a complaint's
 * severity is assessed in the same transaction, with the escalations to emit once it is committed.
 */
export async function createTicket(
  pool: pg.Pool,
  t: NewTicket,
): Promise<Ticket & { escalations: TicketEscalated[] }> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<Ticket & { createdAt: Date }>(
      `INSERT INTO tickets (owner_id, unit_id, type, description, created_from_call, created_by_agent, category,
                            urgent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING id, number, owner_id AS "ownerId", unit_id AS "unitId", type, description, status,
                 created_from_call AS "createdFromCall", created_at AS "createdAt"`,
      [
        t.ownerId,
        t.unitId,
        t.type,
        t.description,
        t.createdFromCall,
        t.createdByAgent,
        t.repairKind,
        t.urgent,
      ],
    );
    const row = rows[0]!;
    await assignTicketOwnership(client, row.id, { unitId: t.unitId, ownerId: t.ownerId, at: row.createdAt });
    const by: TicketActor = { role: 'agent', id: t.createdByAgent };
    await addTicketEvent(
      client,
      row.id,
      registerTicket({ type: t.type, urgent: t.urgent }, by, row.createdAt).entry,
    );
    const escalations = hasSeverity(t.type)
      ? await assessFiledComplaint(client, row.id, t.complaint ?? NO_COMPLAINT_FACTS)
      : [];
    return { ...row, createdAt: row.createdAt.toISOString(), escalations };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The ticket's life
// ---------------------------------------------------------------------------------------------------------------

const STATE_COLUMNS = `type, urgent, status, department, plan, resolution, satisfaction, reopen_count AS "reopenCount",
  waiting_since AS "waitingSince", forced_closure AS "forcedClosure", created_at AS "registeredAt",
  updated_at AS "updatedAt"`;

/** A ticket's life as PostgreSQL gives it: instants as Dates. */
type StateRow = Omit<TicketState, 'waitingSince' | 'registeredAt' | 'updatedAt'> & {
  waitingSince: Date | null;
  registeredAt: Date;
  updatedAt: Date;
};

function toState(row: StateRow): TicketState {
  return {
    ...row,
    waitingSince: row.waitingSince?.toISOString() ?? null,
    registeredAt: row.registeredAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Writes one step of a ticket's timeline. */
export async function addTicketEvent(
  db: Queryable,
  ticketId: number,
  entry: TicketTimelineEntry,
): Promise<void> {
  const { kind, ...detail } = entry.action;
  await db.query(
    `INSERT INTO ticket_events (ticket_id, at, kind, by_role, by_id, by_name, from_status, to_status, wait_ended,
                                detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      ticketId,
      entry.at,
      kind,
      entry.by.role,
      entry.by.id,
      entry.by.name ?? null,
      entry.from,
      entry.to,
      entry.waitEnded,
      JSON.stringify(detail),
    ],
  );
}

/** The ticket's life as the state machine sees it; null when there is no such ticket. */
export async function ticketState(db: Queryable, ticketId: number): Promise<TicketState | null> {
  const { rows } = await db.query<StateRow>(`SELECT ${STATE_COLUMNS} FROM tickets WHERE id = $1`, [ticketId]);
  return rows[0] ? toState(rows[0]) : null;
}

export type TicketActionResult =
  | { ok: true; ticket: TicketState; entry: TicketTimelineEntry }
  | { ok: false; refusal: TicketRefusal }
  | { ok: false; notFound: true };

/**
 * Takes an action on a ticket: under the row's lock, so two people acting at once are put in order and the second
 * is judged on the ticket as the first left it. The new state and its timeline step are written together.
 */
export async function actOnTicket(
  pool: pg.Pool,
  ticketId: number,
  action: TicketAction,
  by: TicketActor,
  at: Date,
): Promise<TicketActionResult> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<StateRow>(
      `SELECT ${STATE_COLUMNS} FROM tickets WHERE id = $1 FOR UPDATE`,
      [ticketId],
    );
    if (!rows[0]) return { ok: false, notFound: true };
    const result = transition(toState(rows[0]), action, by, at);
    if (!result.ok) return result;
    const t = result.ticket;
    await client.query(
      `UPDATE tickets SET status = $2, department = $3, plan = $4, resolution = $5, satisfaction = $6,
              reopen_count = $7, waiting_since = $8, forced_closure = $9, updated_at = $10
        WHERE id = $1`,
      [
        ticketId,
        t.status,
        t.department,
        t.plan,
        t.resolution,
        t.satisfaction,
        t.reopenCount,
        t.waitingSince,
        t.forcedClosure === null ? null : JSON.stringify(t.forcedClosure),
        t.updatedAt,
      ],
    );
    await addTicketEvent(client, ticketId, result.entry);
    return result;
  });
}

/** The ticket's timeline, oldest first. */
export async function ticketTimeline(db: Queryable, ticketId: number): Promise<TicketTimelineStep[]> {
  const { rows } = await db.query<{
    at: Date;
    kind: ActionKind | 'register';
    byRole: TicketActor['role'];
    byId: number | null;
    byName: string | null;
    from: TicketStatus | null;
    to: TicketStatus;
    waitEnded: boolean;
    detail: Record<string, unknown>;
  }>(
    `SELECT at, kind, by_role AS "byRole", by_id AS "byId", by_name AS "byName", from_status AS "from",
            to_status AS "to", wait_ended AS "waitEnded", detail
       FROM ticket_events WHERE ticket_id = $1 ORDER BY at, id`,
    [ticketId],
  );
  return rows.map((r) => ({
    at: r.at.toISOString(),
    kind: r.kind,
    by: { role: r.byRole, id: r.byId, name: r.byName },
    from: r.from,
    to: r.to,
    waitEnded: r.waitEnded,
    detail: r.detail,
  }));
}

/** Does the unit belong to the owner? (An agent may only file a ticket for the caller's own unit.) */
export async function unitBelongsToOwner(db: Queryable, unitId: number, ownerId: number): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM owner_units WHERE unit_id = $1 AND owner_id = $2', [
    unitId,
    ownerId,
  ]);
  return (rowCount ?? 0) > 0;
}

export async function findTicketByNumber(
  db: Queryable,
  number: string,
): Promise<{ id: number; ownerId: number | null } | null> {
  const { rows } = await db.query<{ id: number; ownerId: number | null }>(
    'SELECT id, owner_id AS "ownerId" FROM tickets WHERE number = $1',
    [number],
  );
  return rows[0] ?? null;
}
