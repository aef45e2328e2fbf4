// Tickets (minimal for now: the tickets issue adds the lifecycle, clocks and severity).
import type { Queryable } from './pool.ts';

import type { TicketType } from '../core/index.ts';

export interface NewTicket {
  ownerId: number | null;
  unitId: number | null;
  type: TicketType;
  description: string;
  createdFromCall: string | null;
  createdByAgent: number | null;
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

export async function createTicket(db: Queryable, t: NewTicket): Promise<Ticket> {
  const { rows } = await db.query<Ticket & { createdAt: Date }>(
    `INSERT INTO tickets (owner_id, unit_id, type, description, created_from_call, created_by_agent)
     VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING id, number, owner_id AS "ownerId", unit_id AS "unitId", type, description, status,
               created_from_call AS "createdFromCall", created_at AS "createdAt"`,
    [t.ownerId, t.unitId, t.type, t.description, t.createdFromCall, t.createdByAgent],
  );
  const row = rows[0]!;
  return { ...row, createdAt: row.createdAt.toISOString() };
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
