// Owners, their units and what they owe: what the IVR needs to identify a caller and what the screen pop shows.
import type { PopArrear, PopCall, PopOwner, PopTicket } from '../core/index.ts';
import type { Queryable } from './pool.ts';

/** An owner with their units (room order), in one query: it runs at the start of every call. */
const OWNER_WITH_UNITS = `
  SELECT o.id, o.name, o.vip, o.language,
         COALESCE((SELECT json_agg(json_build_object('unitId', u.id, 'roomCode', u.room_code,
                                                     'building', b.name, 'estate', e.name,
                                                     'estateId', e.id)
                                   ORDER BY u.room_code)
                     FROM owner_units ou
                     JOIN units u ON u.id = ou.unit_id
                     JOIN buildings b ON b.id = u.building_id
                     JOIN estates e ON e.id = b.estate_id
                    WHERE ou.owner_id = o.id), '[]') AS units
    FROM owners o`;

/** The owner registered for a phone number, with their units; null when the number is unknown. */
export async function findOwnerByPhone(db: Queryable, number: string): Promise<PopOwner | null> {
  const { rows } = await db.query<PopOwner>(
    `${OWNER_WITH_UNITS}
      WHERE o.id = (SELECT p.owner_id FROM owner_phones p WHERE p.number = $1 ORDER BY p.owner_id LIMIT 1)`,
    [number],
  );
  return rows[0] ?? null;
}

export async function findOwnerById(db: Queryable, ownerId: number): Promise<PopOwner | null> {
  const { rows } = await db.query<PopOwner>(`${OWNER_WITH_UNITS} WHERE o.id = $1`, [ownerId]);
  return rows[0] ?? null;
}

/** Unpaid fee items of the given units, oldest due date first. */
export async function arrearsOfUnits(db: Queryable, unitIds: number[]): Promise<PopArrear[]> {
  if (unitIds.length === 0) return [];
  const { rows } = await db.query<PopArrear>(
    `SELECT f.unit_id AS "unitId", u.room_code AS "roomCode", f.kind, f.amount_fen AS "amountFen",
            f.due_date AS "dueDate"
       FROM fee_items f JOIN units u ON u.id = f.unit_id
      WHERE f.unit_id = ANY($1::int[]) AND f.paid_at IS NULL
      ORDER BY f.due_date, f.id`,
    [unitIds],
  );
  return rows;
}

export async function openTicketsOfOwner(db: Queryable, ownerId: number, limit = 5): Promise<PopTicket[]> {
  const { rows } = await db.query<PopTicket & { createdAt: Date }>(
    `SELECT id, number, type, status, description, created_at AS "createdAt"
       FROM tickets
      WHERE owner_id = $1 AND status <> 'closed'
      ORDER BY created_at DESC LIMIT $2`,
    [ownerId, limit],
  );
  return rows.map((t) => ({ ...t, createdAt: new Date(t.createdAt).toISOString() }));
}

export async function lastCallsOfOwner(db: Queryable, ownerId: number, limit = 5): Promise<PopCall[]> {
  const { rows } = await db.query<{
    id: string;
    startedAt: Date;
    direction: 'inbound' | 'outbound';
    outcome: string | null;
    agentName: string | null;
  }>(
    `SELECT c.id, c.started_at AS "startedAt", c.direction, c.outcome, a.name AS "agentName"
       FROM calls c LEFT JOIN agents a ON a.id = c.agent_id
      WHERE c.owner_id = $1 AND c.ended_at IS NOT NULL
      ORDER BY c.started_at DESC LIMIT $2`,
    [ownerId, limit],
  );
  return rows.map((c) => ({ ...c, startedAt: c.startedAt.toISOString(), outcome: c.outcome ?? 'unknown' }));
}
