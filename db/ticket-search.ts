// Finding tickets: the list behind the ticket search page, filtered, newest first, only what the reader may see
// (organisations.ts ticketVisibility). Paged by a cursor (the last ticket id of the page), so a page stays an
// index range scan however deep it goes.
import type {
  ComplaintCategory,
  SeverityLevel,
  TicketStatus,
  TicketSummary,
  TicketType,
} from '../core/index.ts';
import { ticketVisibility, type Staff } from './organisations.ts';
import type { Queryable } from './pool.ts';

export interface TicketSearch {
  statuses: TicketStatus[];
  types: TicketType[];
  categories: ComplaintCategory[];
  severities: SeverityLevel[];
  estateId: number | null;
  department: string | null;
  ownerId: number | null;
  /** true: not closed or invalid; false: closed or invalid; null: both. */
  open: boolean | null;
  /** true: a clock has run out and not stopped (the workers' flag); false: none has; null: both. */
  overdue: boolean | null;
  /** A ticket number, or words of the description, the owner's name or the room code. */
  text: string | null;
  limit: number;
  /** The `next` cursor of the previous page. */
  before: string | null;
}

type SummaryRow = Omit<TicketSummary, 'createdAt' | 'updatedAt'> & { createdAt: Date; updatedAt: Date };

const SUMMARY_SELECT = `
  SELECT t.id, t.number, t.type, t.status, t.complaint_category AS "complaintCategory", t.urgent, t.overdue, t.severity,
         t.description,
         t.department, d.name AS "departmentName", e.name AS estate, ro.name AS "responsibleOrganisation",
         u.room_code AS "roomCode", t.owner_id AS "ownerId", o.name AS "ownerName",
         t.created_from_call AS "createdFromCall", t.created_at AS "createdAt", t.updated_at AS "updatedAt"
    FROM tickets t
    LEFT JOIN owners o ON o.id = t.owner_id
    LEFT JOIN units u ON u.id = t.unit_id
    LEFT JOIN estates e ON e.id = t.estate_id
    LEFT JOIN departments d ON d.code = t.department
    LEFT JOIN organisations ro ON ro.id = t.responsible_org_id`;

const toSummary = (r: SummaryRow): TicketSummary => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** One ticket as the list shows it (the head of its page); null when there is no such ticket. */
export async function ticketSummary(db: Queryable, ticketId: number): Promise<TicketSummary | null> {
  const { rows } = await db.query<SummaryRow>(`${SUMMARY_SELECT} WHERE t.id = $1`, [ticketId]);
  return rows[0] ? toSummary(rows[0]) : null;
}

/** `%` and `_` taken literally in a LIKE pattern. */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function searchTickets(
  db: Queryable,
  staff: Staff,
  search: TicketSearch,
): Promise<{ tickets: TicketSummary[]; next: string | null }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const visible = ticketVisibility(staff, params.length + 1);
  where.push(visible.sql);
  params.push(...visible.params);
  if (search.statuses.length > 0) where.push(`t.status = ANY(${param(search.statuses)})`);
  if (search.types.length > 0) where.push(`t.type = ANY(${param(search.types)})`);
  if (search.severities.length > 0) where.push(`t.severity = ANY(${param(search.severities)})`);
  if (search.categories.length > 0) where.push(`t.complaint_category = ANY(${param(search.categories)})`);
  if (search.estateId !== null) where.push(`t.estate_id = ${param(search.estateId)}`);
  if (search.department !== null) where.push(`t.department = ${param(search.department)}`);
  if (search.ownerId !== null) where.push(`t.owner_id = ${param(search.ownerId)}`);
  if (search.open !== null) where.push(`t.status ${search.open ? 'NOT IN' : 'IN'} ('closed', 'invalid')`);
  if (search.overdue !== null) where.push(search.overdue ? 't.overdue' : 'NOT t.overdue');
  if (search.before !== null) where.push(`t.id < ${param(search.before)}`);
  if (search.text !== null) {
    const like = param(`%${likeLiteral(search.text)}%`);
    const byNumber = /^[0-9]+$/.test(search.text) ? `t.number = ${param(search.text)} OR ` : '';
    where.push(
      `(${byNumber}t.description ILIKE ${like} OR o.name ILIKE ${like} OR u.room_code ILIKE ${like})`,
    );
  }
  const { rows } = await db.query<SummaryRow>(
    `${SUMMARY_SELECT} WHERE ${where.join(' AND ')} ORDER BY t.id DESC LIMIT ${param(search.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, search.limit);
  return {
    tickets: page.map(toSummary),
    next: rows.length > search.limit ? String(page.at(-1)!.id) : null,
  };
}
