// A complaint's severity kept with the ticket (migration 015): the facts the rules need, the same-issue key, the
// level and its reasons, computed by core/tickets/severity.ts whenever the facts of a case or of its project change:
// a complaint or compensation claim filed, its facts updated, a supervisor's change, the periodic review of the
// unresolved ones (workers/severity-review.ts). Other ticket types have no severity.
//
// Which cases are counted together: the same project (tickets.estate_id) and the same key (core/tickets/
// same-issue.ts: category | building | keyword). The building is the household unit's: the ticket's unit, or the
// owner's only unit; a complaint about the whole estate has '*'. A case without a category (a voicemail not yet
// looked at), without an estate, or without a building while not about the whole estate has no key: it is assessed
// on its own facts (people together, compensation, litigation, media, unresolved) and counts for no other case.
//
// Concurrency: every assessment first takes a transaction advisory lock on the case's estate, then the rows of the
// cases it touches, in id order. Two complaints of one estate filed at once are put in order: the second one's
// assessment starts after the first committed and sees it, so the third owner is never missed. A lifecycle action
// (actOnTicket) locks one row and waits for nothing else, so it cannot deadlock with this.
//
// Assessing a case reassesses the other open cases with its key too (their similar cases changed: a third owner
// makes the two earlier cases hot as well). Each case whose level went up gets a timeline step 'escalate' (by the
// system; detail from, to, reasons, warning, and `warned`: the supervisors and admins who may see the ticket) and
// an escalation (TicketEscalated) that the caller emits to the supervisors' room once the transaction committed.
import {
  ACTION_KINDS,
  assessSeverity,
  COMPLAINT_CATEGORIES,
  DEFAULT_SEVERITY_RULES,
  escalationWarning,
  sameIssueKey,
  SEVERITY_LABELS,
  SEVERITY_LEVELS,
  setSeverity,
  severityReasons,
  unresolvedTime,
  type ComplaintCategory,
  type Fen,
  type SeverityFacts,
  type SeverityLevel,
  type SeverityReason,
  type SeverityReasonCode,
  type SeverityRules,
  type SimilarCase,
  type TicketActor,
  type TicketEscalated,
  type TicketStatus,
  type TicketTimelineEntry,
  type TicketType,
} from '../core/index.ts';
import { inTransaction, type Pool, type Queryable } from './pool.ts';

/** The ticket types that have a severity. */
export const SEVERITY_TICKET_TYPES: readonly TicketType[] = ['complaint', 'compensation'];
export const hasSeverity = (type: TicketType): boolean => SEVERITY_TICKET_TYPES.includes(type);

export const LITIGATION_STATES = ['none', 'threatened', 'filed'] as const;
export const MEDIA_STATES = ['none', 'threatened', 'reported'] as const;

/** What the agent records about a complaint, as the severity rules need it. */
export interface ComplaintFacts {
  complaintCategory: ComplaintCategory | null;
  /** People complaining together (1 for one owner). */
  complainants: number;
  /** Compensation or refund asked, in total for the case, in fen; null when none. */
  compensationAskedFen: Fen | null;
  litigation: (typeof LITIGATION_STATES)[number];
  media: (typeof MEDIA_STATES)[number];
  /** About the whole estate rather than the unit's building. */
  wholeEstate: boolean;
}

export const NO_COMPLAINT_FACTS: ComplaintFacts = {
  complaintCategory: null,
  complainants: 1,
  compensationAskedFen: null,
  litigation: 'none',
  media: 'none',
  wholeEstate: false,
};

/** A ticket's severity as the ticket view shows it. */
export interface TicketSeverityView {
  level: SeverityLevel;
  zh: string;
  en: string;
  /** The rules that hold now (at the last assessment), highest level first, without the dismissed ones. */
  reasons: SeverityReason[];
  dismissed: SeverityReasonCode[];
  facts: ComplaintFacts;
  /** The same-issue key; null when the case is not compared with others. */
  issueKey: string | null;
  assessedAt: string | null;
}

/** A supervisor or admin who may see a ticket, told of its escalation. */
export interface WarnedStaff {
  id: number;
  name: string;
}

// pg_advisory_xact_lock(SEVERITY_LOCK, estate id): one estate's assessments one at a time
const SEVERITY_LOCK = 7_400_821;
const DAY_MS = 86_400_000;
const LIFECYCLE_KINDS: readonly string[] = [...ACTION_KINDS, 'register'];

interface CaseRow {
  id: number;
  number: string;
  type: TicketType;
  status: TicketStatus;
  ownerId: number | null;
  unitId: number | null;
  estateId: number | null;
  description: string;
  createdAt: Date;
  complaintCategory: ComplaintCategory | null;
  complainants: number;
  compensationAskedFen: Fen | null;
  litigation: ComplaintFacts['litigation'];
  media: ComplaintFacts['media'];
  wholeEstate: boolean;
  householdUnitId: number | null;
  issueKey: string | null;
  severity: SeverityLevel;
  dismissed: SeverityReasonCode[];
  reasons: SeverityReason[];
  assessedAt: Date | null;
}

const CASE_COLUMNS = `id, number, type, status, owner_id AS "ownerId", unit_id AS "unitId", estate_id AS "estateId",
  description, created_at AS "createdAt", complaint_category AS "complaintCategory", complainants,
  compensation_asked_fen AS "compensationAskedFen", litigation, media, whole_estate AS "wholeEstate",
  household_unit_id AS "householdUnitId", issue_key AS "issueKey", severity, severity_dismissed AS dismissed,
  severity_reasons AS reasons, severity_assessed_at AS "assessedAt"`;

const factsOf = (row: CaseRow): ComplaintFacts => ({
  complaintCategory: row.complaintCategory,
  complainants: row.complainants,
  compensationAskedFen: row.compensationAskedFen,
  litigation: row.litigation,
  media: row.media,
  wholeEstate: row.wholeEstate,
});

const labelOf = (level: SeverityLevel) => ({ level, ...SEVERITY_LABELS[level] });

async function lockCase(db: Queryable, ticketId: number): Promise<CaseRow | null> {
  const { rows } = await db.query<CaseRow>(`SELECT ${CASE_COLUMNS} FROM tickets WHERE id = $1 FOR UPDATE`, [
    ticketId,
  ]);
  return rows[0] ?? null;
}

/** Takes the estate's severity lock (before any row lock): see the header. */
async function lockEstate(db: Queryable, ticketId: number): Promise<void> {
  await db.query(
    `SELECT pg_advisory_xact_lock($2, estate_id) FROM tickets WHERE id = $1 AND estate_id IS NOT NULL`,
    [ticketId, SEVERITY_LOCK],
  );
}

/** The household (unit) and building a case is about: its unit, or its owner's only unit. */
async function householdOf(
  db: Queryable,
  row: CaseRow,
): Promise<{ unitId: number | null; buildingId: number | null }> {
  const { rows } =
    row.unitId !== null
      ? await db.query<{ unitId: number; buildingId: number }>(
          'SELECT id AS "unitId", building_id AS "buildingId" FROM units WHERE id = $1',
          [row.unitId],
        )
      : await db.query<{ unitId: number; buildingId: number }>(
          `SELECT u.id AS "unitId", u.building_id AS "buildingId"
             FROM owner_units ou JOIN units u ON u.id = ou.unit_id
            WHERE ou.owner_id = $1 AND (SELECT count(*) FROM owner_units WHERE owner_id = $1) = 1`,
          [row.ownerId],
        );
  return rows[0] ?? { unitId: null, buildingId: null };
}

/** The same-issue key of a case as it is now (null: not compared with others; see the header). */
function keyOf(row: CaseRow, buildingId: number | null): string | null {
  if (row.complaintCategory === null || row.estateId === null) return null;
  if (!row.wholeEstate && buildingId === null) return null;
  return sameIssueKey({
    category: row.complaintCategory,
    building: row.wholeEstate ? null : buildingId,
    description: row.description,
  });
}

/** Time unresolved since intake, from the lifecycle steps of the timeline (other steps skipped). */
async function unresolvedMs(db: Queryable, row: CaseRow, now: Date): Promise<number> {
  const { rows } = await db.query<{
    at: Date;
    kind: string;
    from: TicketStatus | null;
    to: TicketStatus;
    waitEnded: boolean;
  }>(
    `SELECT at, kind, from_status AS "from", to_status AS "to", wait_ended AS "waitEnded"
       FROM ticket_events WHERE ticket_id = $1 AND kind = ANY($2) ORDER BY at, id`,
    [row.id, LIFECYCLE_KINDS],
  );
  const system: TicketActor = { role: 'system', id: null };
  const timeline: TicketTimelineEntry[] = rows.map((r) => ({
    at: r.at.toISOString(),
    by: system,
    // the kind is all unresolvedTime reads of an action (a wait starts a pause)
    action: { kind: r.kind } as TicketTimelineEntry['action'],
    from: r.from,
    to: r.to,
    waitEnded: r.waitEnded,
  }));
  // a ticket older than the timeline (migration 010) starts with its row as it is
  if (timeline.length === 0) {
    timeline.push({
      at: row.createdAt.toISOString(),
      by: system,
      action: { kind: 'register' },
      from: null,
      to: row.status,
      waitEnded: false,
    });
  }
  return unresolvedTime(timeline, now);
}

/** The other cases of the project with the key: registered within the window around `at`, or still open. */
async function similarCases(
  db: Queryable,
  row: CaseRow,
  key: string,
  rules: SeverityRules,
): Promise<SimilarCase[]> {
  const windowMs = rules.windowDays * DAY_MS;
  const { rows } = await db.query<{
    ownerId: number | null;
    unitId: number | null;
    registeredAt: Date;
    open: boolean;
    severity: SeverityLevel;
  }>(
    `SELECT owner_id AS "ownerId", household_unit_id AS "unitId", created_at AS "registeredAt",
            status NOT IN ('closed', 'invalid') AS open, severity
       FROM tickets
      WHERE estate_id = $1 AND issue_key = $2 AND id <> $3
        AND (created_at > $4 AND created_at < $5 OR status NOT IN ('closed', 'invalid'))`,
    [
      row.estateId,
      key,
      row.id,
      new Date(row.createdAt.getTime() - windowMs),
      new Date(row.createdAt.getTime() + windowMs),
    ],
  );
  return rows.map((r) => ({ ...r, registeredAt: r.registeredAt.toISOString(), issueKey: key }));
}

/** Everything the rules need about a case, read under its lock; also records its key and household. */
async function severityFacts(
  db: Queryable,
  row: CaseRow,
  now: Date,
  rules: SeverityRules,
): Promise<SeverityFacts> {
  const household = await householdOf(db, row);
  const key = keyOf(row, household.buildingId);
  if (key !== row.issueKey || household.unitId !== row.householdUnitId) {
    await db.query('UPDATE tickets SET issue_key = $2, household_unit_id = $3 WHERE id = $1', [
      row.id,
      key,
      household.unitId,
    ]);
    row.issueKey = key;
    row.householdUnitId = household.unitId;
  }
  return {
    // without a key the category only names the case: no other case is compared with it
    issue: {
      category: row.complaintCategory ?? COMPLAINT_CATEGORIES.at(-1)!,
      building: row.wholeEstate ? null : household.buildingId,
      description: row.description,
    },
    ownerId: row.ownerId,
    units: household.unitId === null ? [] : [household.unitId],
    complainants: row.complainants,
    registeredAt: row.createdAt.toISOString(),
    compensationAskedFen: row.compensationAskedFen,
    litigation: row.litigation,
    media: row.media,
    unresolvedMs: await unresolvedMs(db, row, now),
    similar: key === null ? [] : await similarCases(db, row, key, rules),
  };
}

/** The supervisors and admins who may see the ticket (db/organisations.ts ticketVisibility, for every one). */
export async function supervisorsWhoSee(db: Queryable, ticketId: number): Promise<WarnedStaff[]> {
  const { rows } = await db.query<WarnedStaff>(
    `SELECT a.id, a.name FROM agents a, tickets t
      WHERE t.id = $1 AND a.active
        AND (a.role = 'admin'
             OR a.role = 'supervisor'
                AND (a.organisation_id IS NULL OR a.organisation_id = t.responsible_org_id
                     OR t.estate_id IN (SELECT id FROM estates WHERE developer_id = a.organisation_id)))
      ORDER BY a.id`,
    [ticketId],
  );
  return rows;
}

/** Writes a step of the timeline that is not a lifecycle step: the status stays as it is. */
async function addSeverityStep(
  db: Queryable,
  row: CaseRow,
  step: { at: Date; kind: 'escalate' | 'severity' | 'facts'; by: TicketActor; detail: object },
): Promise<void> {
  await db.query(
    `INSERT INTO ticket_events (ticket_id, at, kind, by_role, by_id, by_name, from_status, to_status, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)`,
    [
      row.id,
      step.at,
      step.kind,
      step.by.role,
      step.by.id,
      step.by.name ?? null,
      row.status,
      JSON.stringify(step.detail),
    ],
  );
}

/** Reassesses one locked case; returns its escalation when the level went up. */
async function reassessLocked(
  db: Queryable,
  row: CaseRow,
  now: Date,
  rules: SeverityRules,
): Promise<TicketEscalated | null> {
  const facts = await severityFacts(db, row, now, rules);
  const current = { level: row.severity, dismissed: row.dismissed };
  const assessment = assessSeverity(facts, current, rules);
  await db.query(
    `UPDATE tickets SET severity = $2, severity_reasons = $3, severity_assessed_at = $4 WHERE id = $1`,
    [row.id, assessment.level, JSON.stringify(assessment.reasons), now],
  );
  if (!assessment.raised) return null;
  const from = row.severity;
  const to = assessment.level;
  const rank = (l: SeverityLevel) => SEVERITY_LEVELS.indexOf(l);
  const reasons = assessment.reasons.filter((r) => rank(r.level) > rank(from));
  const warning = escalationWarning(row.number, from, to, assessment.reasons);
  const warned = await supervisorsWhoSee(db, row.id);
  const by: TicketActor = { role: 'system', id: null };
  await addSeverityStep(db, row, {
    at: now,
    kind: 'escalate',
    by,
    detail: { from, to, reasons, warning, warned },
  });
  row.severity = to;
  return {
    ticketId: row.id,
    ticketNumber: row.number,
    from: labelOf(from),
    to: labelOf(to),
    reasons,
    warning,
    by: { role: 'system', id: null, name: null },
    note: null,
    at: now.toISOString(),
  };
}

/** Reassesses the other open cases with the key of `row`, in id order. */
async function reassessSameIssue(
  db: Queryable,
  row: CaseRow,
  now: Date,
  rules: SeverityRules,
): Promise<TicketEscalated[]> {
  if (row.issueKey === null) return [];
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM tickets
      WHERE estate_id = $1 AND issue_key = $2 AND id <> $3 AND status NOT IN ('closed', 'invalid')
      ORDER BY id`,
    [row.estateId, row.issueKey, row.id],
  );
  const raised: TicketEscalated[] = [];
  for (const { id } of rows) {
    const other = await lockCase(db, id);
    if (!other) continue;
    const escalation = await reassessLocked(db, other, now, rules);
    if (escalation) raised.push(escalation);
  }
  return raised;
}

/** The database's clock (the transaction's instant), as for every created_at. */
async function dbNow(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>('SELECT now() AS now');
  return rows[0]!.now;
}

/**
 * Records a newly filed complaint's facts and assesses it and the open cases of the same issue, inside the
 * transaction that filed it (createTicket). Nothing for other ticket types.
 */
export async function assessFiledComplaint(
  db: Queryable,
  ticketId: number,
  facts: ComplaintFacts,
  rules: SeverityRules = DEFAULT_SEVERITY_RULES,
): Promise<TicketEscalated[]> {
  await db.query(
    `UPDATE tickets SET complaint_category = $2, complainants = $3, compensation_asked_fen = $4, litigation = $5,
            media = $6, whole_estate = $7
      WHERE id = $1 AND type = ANY($8)`,
    [
      ticketId,
      facts.complaintCategory,
      facts.complainants,
      facts.compensationAskedFen,
      facts.litigation,
      facts.media,
      facts.wholeEstate,
      SEVERITY_TICKET_TYPES,
    ],
  );
  return assessInTransaction(db, ticketId, rules);
}

async function assessInTransaction(
  db: Queryable,
  ticketId: number,
  rules: SeverityRules,
): Promise<TicketEscalated[]> {
  await lockEstate(db, ticketId);
  const row = await lockCase(db, ticketId);
  if (!row || !hasSeverity(row.type)) return [];
  const now = await dbNow(db);
  const own = await reassessLocked(db, row, now, rules);
  const others = await reassessSameIssue(db, row, now, rules);
  return own ? [own, ...others] : others;
}

/**
 * Reassesses a case (and the open cases of the same issue) in a transaction of its own: the periodic review of
 * the unresolved ones. Returns the escalations to emit.
 */
export async function reassessTicketSeverity(
  pool: Pool,
  ticketId: number,
  rules: SeverityRules = DEFAULT_SEVERITY_RULES,
): Promise<TicketEscalated[]> {
  return inTransaction(pool, (client) => assessInTransaction(client, ticketId, rules));
}

/**
 * The open complaints the periodic review should reassess: registered at least the unresolved limit ago, not yet
 * found unresolved (nor dismissed for it); by id, after `afterId` (a batch at a time).
 */
export async function complaintsToReview(
  db: Queryable,
  now: Date,
  afterId = 0,
  limit = 500,
  rules: SeverityRules = DEFAULT_SEVERITY_RULES,
): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM tickets
      WHERE type = ANY($1) AND status NOT IN ('resolved', 'revisited', 'closed', 'invalid')
        AND created_at <= $2 AND id > $3
        AND NOT severity_reasons @> '[{"code": "unresolved"}]'
        AND NOT 'unresolved' = ANY(severity_dismissed)
      ORDER BY id LIMIT $4`,
    [SEVERITY_TICKET_TYPES, new Date(now.getTime() - rules.unresolvedDays * DAY_MS), afterId, limit],
  );
  return rows.map((r) => r.id);
}

export type FactsUpdateResult =
  | { ok: true; escalations: TicketEscalated[] }
  | { ok: false; notFound: true }
  | { ok: false; conflict: string };

/**
 * Updates a complaint's facts (what is given), with a timeline step 'facts' by `by` naming what changed, and
 * reassesses it and the open cases of the same issue.
 */
export async function updateComplaintFacts(
  pool: Pool,
  ticketId: number,
  change: Partial<ComplaintFacts>,
  by: TicketActor,
  rules: SeverityRules = DEFAULT_SEVERITY_RULES,
): Promise<FactsUpdateResult> {
  return inTransaction(pool, async (client) => {
    await lockEstate(client, ticketId);
    const row = await lockCase(client, ticketId);
    if (!row) return { ok: false, notFound: true };
    if (!hasSeverity(row.type)) {
      return {
        ok: false,
        conflict: '只有投诉和索赔记录这些情况 / Only complaints and compensation claims have these facts.',
      };
    }
    if (row.status === 'closed' || row.status === 'invalid') {
      return {
        ok: false,
        conflict: `工单 ${row.number} 已结束,不能再修改 / Ticket ${row.number} is finished: its facts can no longer change.`,
      };
    }
    const before = factsOf(row);
    const after: ComplaintFacts = { ...before };
    for (const [name, value] of Object.entries(change) as [keyof ComplaintFacts, never][]) {
      if (value !== undefined) after[name] = value;
    }
    const changed = (Object.keys(after) as (keyof ComplaintFacts)[]).filter((k) => after[k] !== before[k]);
    if (changed.length === 0) return { ok: true, escalations: [] };
    await client.query(
      `UPDATE tickets SET complaint_category = $2, complainants = $3, compensation_asked_fen = $4, litigation = $5,
              media = $6, whole_estate = $7
        WHERE id = $1`,
      [
        ticketId,
        after.complaintCategory,
        after.complainants,
        after.compensationAskedFen,
        after.litigation,
        after.media,
        after.wholeEstate,
      ],
    );
    Object.assign(row, after);
    const now = await dbNow(client);
    const detail = Object.fromEntries(changed.map((k) => [k, { from: before[k], to: after[k] }]));
    await addSeverityStep(client, row, { at: now, kind: 'facts', by, detail });
    const own = await reassessLocked(client, row, now, rules);
    const others = await reassessSameIssue(client, row, now, rules);
    return { ok: true, escalations: own ? [own, ...others] : others };
  });
}

export type SeverityChangeResult =
  | { ok: true; from: SeverityLevel; to: SeverityLevel; escalations: TicketEscalated[] }
  | { ok: false; notFound: true }
  | { ok: false; refused: string; conflict: boolean };

/**
 * A supervisor sets the severity (core/tickets/severity.ts setSeverity: any level, with a note; lowering dismisses
 * the reasons above it). A timeline step 'severity' by the supervisor; raising it warns the supervisors as well.
 */
export async function changeSeverity(
  pool: Pool,
  ticketId: number,
  change: { level: SeverityLevel; note: string },
  by: TicketActor,
  rules: SeverityRules = DEFAULT_SEVERITY_RULES,
): Promise<SeverityChangeResult> {
  return inTransaction(pool, async (client) => {
    await lockEstate(client, ticketId);
    const row = await lockCase(client, ticketId);
    if (!row) return { ok: false, notFound: true };
    if (!hasSeverity(row.type)) {
      return {
        ok: false,
        conflict: true,
        refused: '只有投诉和索赔有严重程度 / Only complaints and compensation claims have a severity.',
      };
    }
    const now = await dbNow(client);
    const facts = await severityFacts(client, row, now, rules);
    const current = { level: row.severity, dismissed: row.dismissed };
    const result = setSeverity(current, change, by, severityReasons(facts, rules));
    if (!result.ok) {
      // the same level again is a conflict with the ticket as it is; the rest is what was asked
      const conflict = change.level === row.severity && change.note.trim() !== '';
      return { ok: false, refused: result.message, conflict };
    }
    const { level, dismissed } = result.severity;
    const reasons = assessSeverity(facts, result.severity, rules).reasons;
    await client.query(
      `UPDATE tickets SET severity = $2, severity_dismissed = $3, severity_reasons = $4, severity_assessed_at = $5
        WHERE id = $1`,
      [row.id, level, dismissed, JSON.stringify(reasons), now],
    );
    const from = row.severity;
    const up = SEVERITY_LEVELS.indexOf(level) > SEVERITY_LEVELS.indexOf(from);
    const warned = up ? await supervisorsWhoSee(client, row.id) : [];
    const note = change.note.trim();
    await addSeverityStep(client, row, {
      at: now,
      kind: 'severity',
      by,
      detail: { from, to: level, note, dismissed, ...(up ? { warned } : {}) },
    });
    row.severity = level;
    const escalations: TicketEscalated[] = [];
    if (up) {
      escalations.push({
        ticketId: row.id,
        ticketNumber: row.number,
        from: labelOf(from),
        to: labelOf(level),
        reasons: [],
        warning: escalationWarning(row.number, from, level, []),
        by: { role: 'supervisor', id: by.id, name: by.name ?? null },
        note,
        at: now.toISOString(),
      });
    }
    // a case now counted as major (or no longer) changes its same-issue cases' group count
    escalations.push(...(await reassessSameIssue(client, row, now, rules)));
    return { ok: true, from, to: level, escalations };
  });
}

/** A ticket's severity for the ticket view; null for the types without one or no such ticket. */
export async function ticketSeverity(db: Queryable, ticketId: number): Promise<TicketSeverityView | null> {
  const { rows } = await db.query<CaseRow>(`SELECT ${CASE_COLUMNS} FROM tickets WHERE id = $1`, [ticketId]);
  const row = rows[0];
  if (!row || !hasSeverity(row.type)) return null;
  return {
    ...labelOf(row.severity),
    reasons: row.reasons,
    dismissed: row.dismissed,
    facts: factsOf(row),
    issueKey: row.issueKey,
    assessedAt: row.assessedAt?.toISOString() ?? null,
  };
}
