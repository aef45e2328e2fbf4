// Organisations, their departments, and who may see which ticket (migration 012).
//
// Who sees a ticket (the same rule for reading one, listing them, and the files and calls on them):
// | role       | sees                                                                                          |
// |------------|-----------------------------------------------------------------------------------------------|
// | agent      | tickets of the estates the agent serves (agent_estates), and those the agent registered        |
// | department | tickets dispatched to the member's department                                                  |
// | supervisor | of an organisation: the tickets it is responsible for, and, as the developer, every ticket of   |
// |            | its estates (the developer supervises the property company); without one: every ticket         |
// | admin      | every ticket                                                                                   |
// A supervisor without an organisation is the hotline's own team leader, who serves every estate.
import { responsibilityFor, type ResponsibleParty, type Role } from '../core/index.ts';
import type { Queryable } from './pool.ts';

/** A member of staff as the ticket rules need them: read from the database on each request, not from the token. */
export interface Staff {
  id: number;
  role: Role;
  name: string;
  organisationId: number | null;
  /** A department member's department (code); null for other roles. */
  department: string | null;
}

export async function staffMember(db: Queryable, agentId: number): Promise<Staff | null> {
  const { rows } = await db.query<Staff>(
    `SELECT a.id, a.role, a.name, a.organisation_id AS "organisationId", d.code AS department
       FROM agents a LEFT JOIN departments d ON d.id = a.department_id
      WHERE a.id = $1 AND a.active`,
    [agentId],
  );
  return rows[0] ?? null;
}

/**
 * The condition (SQL, on tickets aliased `t`) that a ticket is visible to `staff`, with its parameters numbered
 * from `$${first}`.
 */
export function ticketVisibility(staff: Staff, first: number): { sql: string; params: unknown[] } {
  const p = (n: number): string => `$${first + n}`;
  switch (staff.role) {
    case 'admin':
      return { sql: 'true', params: [] };
    case 'supervisor':
      if (staff.organisationId === null) return { sql: 'true', params: [] };
      return {
        sql: `(t.responsible_org_id = ${p(0)} OR t.estate_id IN (SELECT id FROM estates WHERE developer_id = ${p(0)}))`,
        params: [staff.organisationId],
      };
    case 'department':
      return { sql: `t.department = ${p(0)}`, params: [staff.department] };
    case 'agent':
      return {
        sql: `(t.created_by_agent = ${p(0)} OR t.estate_id IN (SELECT estate_id FROM agent_estates WHERE agent_id = ${p(0)}))`,
        params: [staff.id],
      };
  }
}

/** May `staff` see the ticket? False as well when there is no such ticket. */
export async function canSeeTicket(db: Queryable, ticketId: number, staff: Staff): Promise<boolean> {
  const visible = ticketVisibility(staff, 2);
  const { rowCount } = await db.query(`SELECT 1 FROM tickets t WHERE t.id = $1 AND ${visible.sql}`, [
    ticketId,
    ...visible.params,
  ]);
  return (rowCount ?? 0) > 0;
}

export interface TicketOwnership {
  estateId: number;
  party: ResponsibleParty;
  /** The organisation of that party for the estate; null when the estate has none recorded. */
  organisationId: number | null;
}

/** Whose case a ticket about the unit is, registered at `at` (core/tickets/responsibility.ts). */
export async function ticketOwnership(
  db: Queryable,
  unitId: number,
  at: Date,
): Promise<TicketOwnership | null> {
  const { rows } = await db.query<{
    estateId: number;
    deliveryDate: string;
    developerId: number | null;
    propertyCompanyId: number | null;
    months: number | null;
  }>(
    `SELECT b.estate_id AS "estateId", to_char(u.delivery_date, 'YYYY-MM-DD') AS "deliveryDate",
            e.developer_id AS "developerId", e.property_company_id AS "propertyCompanyId",
            dev.developer_months AS months
       FROM units u JOIN buildings b ON b.id = u.building_id JOIN estates e ON e.id = b.estate_id
       LEFT JOIN organisations dev ON dev.id = e.developer_id
      WHERE u.id = $1`,
    [unitId],
  );
  const row = rows[0];
  if (!row) return null;
  const { party } = responsibilityFor(row.deliveryDate, at, row.months ?? undefined);
  return {
    estateId: row.estateId,
    party,
    organisationId: party === 'developer' ? row.developerId : row.propertyCompanyId,
  };
}

/**
 * Records a new ticket's estate and the organisation responsible for it, from its unit (or the owner's only unit).
 * A ticket without either (an unidentified caller) has neither: the hotline's team leaders see it.
 */
export async function assignTicketOwnership(
  db: Queryable,
  ticketId: number,
  about: { unitId: number | null; ownerId: number | null; at: Date },
): Promise<TicketOwnership | null> {
  let unitId = about.unitId;
  if (unitId === null && about.ownerId !== null) {
    const { rows } = await db.query<{ unitId: number }>(
      'SELECT unit_id AS "unitId" FROM owner_units WHERE owner_id = $1 LIMIT 2',
      [about.ownerId],
    );
    if (rows.length === 1) unitId = rows[0]!.unitId;
  }
  if (unitId === null) return null;
  const ownership = await ticketOwnership(db, unitId, about.at);
  if (ownership) {
    await db.query('UPDATE tickets SET estate_id = $2, responsible_org_id = $3 WHERE id = $1', [
      ticketId,
      ownership.estateId,
      ownership.organisationId,
    ]);
  }
  return ownership;
}

export interface Department {
  code: string;
  name: string;
  organisation: { id: number; code: string; name: string; kind: 'developer' | 'property-company' };
}

/** The active departments, by organisation then name (the dispatch list). */
export async function listDepartments(db: Queryable): Promise<Department[]> {
  const { rows } = await db.query<{
    code: string;
    name: string;
    orgId: number;
    orgCode: string;
    orgName: string;
    orgKind: 'developer' | 'property-company';
  }>(
    `SELECT d.code, d.name, o.id AS "orgId", o.code AS "orgCode", o.name AS "orgName", o.kind AS "orgKind"
       FROM departments d JOIN organisations o ON o.id = d.organisation_id
      WHERE d.active ORDER BY o.kind, o.name, d.name`,
  );
  return rows.map((r) => ({
    code: r.code,
    name: r.name,
    organisation: { id: r.orgId, code: r.orgCode, name: r.orgName, kind: r.orgKind },
  }));
}

/** Is there an active department with this code? */
export async function departmentIsActive(db: Queryable, code: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM departments WHERE code = $1 AND active', [code]);
  return (rowCount ?? 0) > 0;
}
