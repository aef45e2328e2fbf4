// Ticket clocks in the database (migration 013): the time limits of organisations and estates, a ticket's
// limits, and the clock worker's review of a ticket under its row lock (the 'overdue' steps it writes, the
// ticket's `overdue` flag and next due time), with the lists the worker reconciles from.
import type pg from 'pg';
import { inTransaction, type Queryable } from './pool.ts';
import { ticketTimeline } from './tickets.ts';
import {
  clockLimits,
  reviewClocks,
  type ClockLimits,
  type ClockReview,
  type ClockStatus,
  type OverdueDetail,
  type TicketStatus,
  type TicketType,
} from '../core/index.ts';

/** Limit overrides as stored (jsonb): checked by clockLimits when they are set. */
export type LimitOverrides = Partial<ClockLimits>;

/**
 * The limits of a ticket: the defaults, then its organisation's, then its estate's. Overrides that no longer pass
 * the check (written by hand) are left out, each on its own, and named in `problems`.
 */
export function mergeLimits(
  organisation: LimitOverrides | null,
  estate: LimitOverrides | null,
): { limits: ClockLimits; problems: string[] } {
  const problems: string[] = [];
  const usable = [organisation, estate].map((overrides) => {
    try {
      clockLimits(overrides);
      return overrides;
    } catch (err) {
      problems.push((err as Error).message);
      return null;
    }
  });
  return { limits: clockLimits(...usable), problems };
}

/** The limits that apply to a ticket; null when there is no such ticket. */
export async function ticketLimits(
  db: Queryable,
  ticketId: number,
): Promise<{ limits: ClockLimits; problems: string[] } | null> {
  const { rows } = await db.query<{ organisation: LimitOverrides | null; estate: LimitOverrides | null }>(
    `SELECT o.ticket_limits AS organisation, e.ticket_limits AS estate
       FROM tickets t LEFT JOIN organisations o ON o.id = t.responsible_org_id
       LEFT JOIN estates e ON e.id = t.estate_id
      WHERE t.id = $1`,
    [ticketId],
  );
  return rows[0] ? mergeLimits(rows[0].organisation, rows[0].estate) : null;
}

export interface OrganisationLimits {
  organisation: { id: number; code: string; name: string; kind: 'developer' | 'property-company' };
  /** Its overrides of the defaults. */
  limits: LimitOverrides;
}

export async function organisationLimits(db: Queryable, code: string): Promise<OrganisationLimits | null> {
  const { rows } = await db.query<OrganisationLimits['organisation'] & { limits: LimitOverrides }>(
    'SELECT id, code, name, kind, ticket_limits AS limits FROM organisations WHERE code = $1',
    [code],
  );
  const row = rows[0];
  return row
    ? { organisation: { id: row.id, code: row.code, name: row.name, kind: row.kind }, limits: row.limits }
    : null;
}

/** Replaces an organisation's overrides (checked by the caller); false when there is no such organisation. */
export async function setOrganisationLimits(
  db: Queryable,
  code: string,
  limits: LimitOverrides,
): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE organisations SET ticket_limits = $2 WHERE code = $1', [
    code,
    JSON.stringify(limits),
  ]);
  return (rowCount ?? 0) > 0;
}

export interface EstateLimits {
  estate: { id: number; code: string; name: string };
  limits: LimitOverrides;
  /** The overrides of its developer and its property company (null: none recorded). */
  developer: LimitOverrides | null;
  propertyCompany: LimitOverrides | null;
}

export async function estateLimits(db: Queryable, estateId: number): Promise<EstateLimits | null> {
  const { rows } = await db.query<{
    id: number;
    code: string;
    name: string;
    limits: LimitOverrides;
    developer: LimitOverrides | null;
    propertyCompany: LimitOverrides | null;
  }>(
    `SELECT e.id, e.code, e.name, e.ticket_limits AS limits, d.ticket_limits AS developer,
            p.ticket_limits AS "propertyCompany"
       FROM estates e LEFT JOIN organisations d ON d.id = e.developer_id
       LEFT JOIN organisations p ON p.id = e.property_company_id
      WHERE e.id = $1`,
    [estateId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    estate: { id: row.id, code: row.code, name: row.name },
    limits: row.limits,
    developer: row.developer,
    propertyCompany: row.propertyCompany,
  };
}

/** Replaces an estate's overrides (checked by the caller); false when there is no such estate. */
export async function setEstateLimits(
  db: Queryable,
  estateId: number,
  limits: LimitOverrides,
): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE estates SET ticket_limits = $2 WHERE id = $1', [
    estateId,
    JSON.stringify(limits),
  ]);
  return (rowCount ?? 0) > 0;
}

/** A clock the review marked overdue, with what its notice needs. */
export interface MarkedOverdue {
  ticketId: number;
  ticketNumber: string;
  status: TicketStatus;
  department: string | null;
  clock: ClockStatus;
}

export interface TicketClockReview extends ClockReview {
  ticketNumber: string;
  /** The clocks marked overdue by this review (their timeline steps are written). */
  marked: MarkedOverdue[];
  /** Limits that did not pass the check and were left out. */
  limitProblems: string[];
}

/**
 * Reviews a ticket's clocks at `now` under its row lock: writes an 'overdue' step (by the system) for each clock
 * that ran out and was not marked yet, sets the ticket's `overdue` flag and next due time, and clears
 * `clocks_stale`. Two reviews of one ticket at once are put in order, so a clock is marked once. Null when there
 * is no such ticket.
 */
export async function reviewTicketClocks(
  pool: pg.Pool,
  ticketId: number,
  now: Date,
): Promise<TicketClockReview | null> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{
      number: string;
      type: TicketType;
      urgent: boolean;
      status: TicketStatus;
      department: string | null;
      organisation: LimitOverrides | null;
      estate: LimitOverrides | null;
    }>(
      `SELECT t.number, t.type, t.urgent, t.status, t.department, o.ticket_limits AS organisation,
              e.ticket_limits AS estate
         FROM tickets t LEFT JOIN organisations o ON o.id = t.responsible_org_id
         LEFT JOIN estates e ON e.id = t.estate_id
        WHERE t.id = $1
          FOR UPDATE OF t`,
      [ticketId],
    );
    const ticket = rows[0];
    if (!ticket) return null;
    const { limits, problems } = mergeLimits(ticket.organisation, ticket.estate);
    const steps = await ticketTimeline(client, ticketId);
    const review = reviewClocks(ticket, steps, limits, now);
    // a step is never dated before the last one (the timeline is read in time order)
    const lastAt = steps.at(-1)?.at ?? now.toISOString();
    const at = new Date(Math.max(now.getTime(), Date.parse(lastAt))).toISOString();
    const marked: MarkedOverdue[] = [];
    for (const clock of review.newlyOverdue) {
      const detail: OverdueDetail = {
        clock: clock.clock,
        round: clock.round,
        dueAt: clock.dueAt!,
        department: ticket.department,
      };
      await client.query(
        `INSERT INTO ticket_events (ticket_id, at, kind, by_role, by_id, by_name, from_status, to_status, detail)
         VALUES ($1, $2, 'overdue', 'system', NULL, 'clocks', $3, $3, $4)`,
        [ticketId, at, ticket.status, JSON.stringify(detail)],
      );
      marked.push({
        ticketId,
        ticketNumber: ticket.number,
        status: ticket.status,
        department: ticket.department,
        clock,
      });
    }
    await client.query(
      'UPDATE tickets SET overdue = $2, next_due_at = $3, clocks_stale = false WHERE id = $1',
      [ticketId, review.overdue, review.nextDueAt],
    );
    return { ...review, ticketNumber: ticket.number, marked, limitProblems: problems };
  });
}

/** Tickets whose clocks must be reviewed (changed while no worker listened), by id, from `afterId`. */
export async function staleClockTickets(db: Queryable, afterId: number, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    'SELECT id FROM tickets WHERE clocks_stale AND id > $1 ORDER BY id LIMIT $2',
    [afterId, limit],
  );
  return rows.map((r) => r.id);
}

/** Tickets with a clock running and when it is due, by id, from `afterId`: the jobs there must be. */
export async function ticketDueTimes(
  db: Queryable,
  afterId: number,
  limit: number,
): Promise<{ ticketId: number; dueAt: string }[]> {
  const { rows } = await db.query<{ ticketId: number; dueAt: Date }>(
    `SELECT id AS "ticketId", next_due_at AS "dueAt" FROM tickets
      WHERE next_due_at IS NOT NULL AND id > $1 ORDER BY id LIMIT $2`,
    [afterId, limit],
  );
  return rows.map((r) => ({ ticketId: r.ticketId, dueAt: r.dueAt.toISOString() }));
}
