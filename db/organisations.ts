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
import {
  responsibilityFor,
  rooms,
  type ResponsibleParty,
  type Role,
  type TicketActor,
} from '../core/index.ts';
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

/** Who acts on a ticket, as the lifecycle knows them: team leaders and admins act as supervisors. */
export function ticketActorOf(staff: Staff): TicketActor {
  switch (staff.role) {
    case 'agent':
      return { role: 'agent', id: staff.id, name: staff.name };
    case 'department':
      return {
        role: 'department',
        id: staff.id,
        name: staff.name,
        department: staff.department ?? undefined,
      };
    case 'supervisor':
    case 'admin':
      return { role: 'supervisor', id: staff.id, name: staff.name };
  }
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

/**
 * The socket.io rooms of the team leaders who may see the ticket: those who see every ticket, the responsible
 * organisation's, and the developer's of its estate (who supervises the property company).
 */
export async function ticketLeaderRooms(db: Queryable, ticketId: number): Promise<string[]> {
  const { rows } = await db.query<{ orgs: (number | null)[] }>(
    `SELECT ARRAY[t.responsible_org_id, e.developer_id] AS orgs
       FROM tickets t LEFT JOIN estates e ON e.id = t.estate_id WHERE t.id = $1`,
    [ticketId],
  );
  const orgs = (rows[0]?.orgs ?? []).filter((o): o is number => o !== null);
  return [rooms.ticketLeaders(null), ...new Set(orgs.map((o) => rooms.ticketLeaders(o)))];
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

/** The estates a member of staff works with (the tickets page's filter): an agent's own; everyone else's, all. */
export async function estatesFor(
  db: Queryable,
  staff: Staff,
): Promise<{ id: number; code: string; name: string }[]> {
  const { rows } = await db.query<{ id: number; code: string; name: string }>(
    staff.role === 'agent'
      ? `SELECT e.id, e.code, e.name FROM estates e JOIN agent_estates ae ON ae.estate_id = e.id
          WHERE ae.agent_id = $1 ORDER BY e.name`
      : 'SELECT e.id, e.code, e.name FROM estates e ORDER BY e.name',
    staff.role === 'agent' ? [staff.id] : [],
  );
  return rows;
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

// ---------------------------------------------------------------------------------------------------------------
// Administration: organisations, departments, which organisations an estate has, whom staff work for
// ---------------------------------------------------------------------------------------------------------------

export type OrganisationKind = 'developer' | 'property-company';

export interface Organisation {
  id: number;
  code: string;
  name: string;
  kind: OrganisationKind;
  developerMonths: number;
  departments: { code: string; name: string; active: boolean }[];
}

/** Every organisation with its departments (inactive ones too), developers first. */
export async function listOrganisations(db: Queryable): Promise<Organisation[]> {
  const { rows } = await db.query<Organisation>(
    `SELECT o.id, o.code, o.name, o.kind, o.developer_months AS "developerMonths",
            COALESCE(json_agg(json_build_object('code', d.code, 'name', d.name, 'active', d.active)
                              ORDER BY d.name) FILTER (WHERE d.id IS NOT NULL), '[]') AS departments
       FROM organisations o LEFT JOIN departments d ON d.organisation_id = o.id
      GROUP BY o.id ORDER BY o.kind, o.name`,
  );
  return rows;
}

/** The id of the organisation with this code; null when there is none. */
export async function organisationId(db: Queryable, code: string): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>('SELECT id FROM organisations WHERE code = $1', [code]);
  return rows[0]?.id ?? null;
}

/** Adds an organisation; false when the code is taken. */
export async function addOrganisation(
  db: Queryable,
  o: { code: string; name: string; kind: OrganisationKind; developerMonths: number },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO organisations (code, name, kind, developer_months) VALUES ($1, $2, $3, $4)
     ON CONFLICT (code) DO NOTHING`,
    [o.code, o.name, o.kind, o.developerMonths],
  );
  return (rowCount ?? 0) > 0;
}

/** Renames an organisation or changes its months after delivery; false when there is no such organisation. */
export async function updateOrganisation(
  db: Queryable,
  code: string,
  change: { name?: string; developerMonths?: number },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE organisations SET name = COALESCE($2, name), developer_months = COALESCE($3, developer_months)
      WHERE code = $1`,
    [code, change.name ?? null, change.developerMonths ?? null],
  );
  return (rowCount ?? 0) > 0;
}

/** Adds a department; 'taken' when its code is in use, 'no-organisation' when the organisation does not exist. */
export async function addDepartment(
  db: Queryable,
  organisationCode: string,
  d: { code: string; name: string },
): Promise<'added' | 'taken' | 'no-organisation'> {
  const orgId = await organisationId(db, organisationCode);
  if (orgId === null) return 'no-organisation';
  const { rowCount } = await db.query(
    `INSERT INTO departments (organisation_id, code, name) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING`,
    [orgId, d.code, d.name],
  );
  return (rowCount ?? 0) > 0 ? 'added' : 'taken';
}

/**
 * Renames a department or (de)activates it: an inactive one takes no new dispatches, its tickets stay with it.
 * Null when there is no such department; else how many open tickets it holds.
 */
export async function updateDepartment(
  db: Queryable,
  code: string,
  change: { name?: string; active?: boolean },
): Promise<{ openTickets: number } | null> {
  const { rowCount } = await db.query(
    'UPDATE departments SET name = COALESCE($2, name), active = COALESCE($3, active) WHERE code = $1',
    [code, change.name ?? null, change.active ?? null],
  );
  if (!rowCount) return null;
  const { rows } = await db.query<{ open: number }>(
    `SELECT count(*)::int AS open FROM tickets WHERE department = $1 AND status NOT IN ('closed', 'invalid')`,
    [code],
  );
  return { openTickets: rows[0]!.open };
}

/**
 * Sets an estate's developer and property company (by their codes; null: none). Tickets already filed keep the
 * organisation they were filed under. 'no-estate', or the code that names no organisation of the right kind.
 */
export async function setEstateOrganisations(
  db: Queryable,
  estateId: number,
  codes: { developer: string | null; propertyCompany: string | null },
): Promise<'ok' | 'no-estate' | { wrong: 'developer' | 'propertyCompany' }> {
  const find = async (code: string | null, kind: OrganisationKind): Promise<number | null | undefined> => {
    if (code === null) return null;
    const { rows } = await db.query<{ id: number }>(
      'SELECT id FROM organisations WHERE code = $1 AND kind = $2',
      [code, kind],
    );
    return rows[0]?.id;
  };
  const developer = await find(codes.developer, 'developer');
  if (developer === undefined) return { wrong: 'developer' };
  const propertyCompany = await find(codes.propertyCompany, 'property-company');
  if (propertyCompany === undefined) return { wrong: 'propertyCompany' };
  const { rowCount } = await db.query(
    'UPDATE estates SET developer_id = $2, property_company_id = $3 WHERE id = $1',
    [estateId, developer, propertyCompany],
  );
  return rowCount ? 'ok' : 'no-estate';
}

export interface StaffScope {
  /** The organisation a team leader (or any member of staff) works for; null: the hotline's own. */
  organisation: string | null;
  /** A department member's department; required for role 'department', refused for the others. */
  department: string | null;
  /** The estates an agent serves. */
  estates: number[];
}

/**
 * Sets whom a member of staff works for. Refusals: 'no-agent', or which part names nothing that exists, or a
 * department given to someone who is not department staff (or none to someone who is).
 */
export async function setStaffScope(
  db: Queryable,
  agentId: number,
  scope: StaffScope,
): Promise<'ok' | 'no-agent' | 'organisation' | 'department' | 'department-role' | 'estates'> {
  const { rows } = await db.query<{ role: string }>('SELECT role FROM agents WHERE id = $1', [agentId]);
  const role = rows[0]?.role;
  if (role === undefined) return 'no-agent';
  if ((role === 'department') !== (scope.department !== null)) return 'department-role';
  const orgId = scope.organisation === null ? null : await organisationId(db, scope.organisation);
  if (scope.organisation !== null && orgId === null) return 'organisation';
  let departmentId: number | null = null;
  if (scope.department !== null) {
    const d = await db.query<{ id: number; organisationId: number }>(
      'SELECT id, organisation_id AS "organisationId" FROM departments WHERE code = $1',
      [scope.department],
    );
    if (!d.rows[0] || (orgId !== null && d.rows[0].organisationId !== orgId)) return 'department';
    departmentId = d.rows[0].id;
  }
  const estates = [...new Set(scope.estates)];
  const known = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM estates WHERE id = ANY($1)', [
    estates,
  ]);
  if (known.rows[0]!.n !== estates.length) return 'estates';
  await db.query(
    `UPDATE agents SET organisation_id = COALESCE($2, (SELECT organisation_id FROM departments WHERE id = $3)),
            department_id = $3
      WHERE id = $1`,
    [agentId, orgId, departmentId],
  );
  await db.query('DELETE FROM agent_estates WHERE agent_id = $1', [agentId]);
  if (estates.length > 0) {
    await db.query('INSERT INTO agent_estates (agent_id, estate_id) SELECT $1, unnest($2::int[])', [
      agentId,
      estates,
    ]);
  }
  return 'ok';
}
