// What the IVR's self-service reads and writes (issue 3): a caller identified by room code and PIN, the status of
// a ticket, the estate's notices, the fees owed by kind, tickets filed by the IVR or from a voicemail, the caller's
// language, which estate a call is about, and that estate's opening hours.
// Functions fed with what a caller keyed in never throw on garbage: they answer "not found".
import {
  DEFAULT_CLOCK_LIMITS,
  DEFAULT_TIME_ZONE,
  defaultOpeningHours,
  needsPlan,
  normalizePhone,
  registerTicket,
  ticketClocks,
  type ClockLimits,
  verifyPassword,
  type DayHours,
  type IsoWeekday,
  type OpeningHours,
  type PopArrear,
  type PopOwner,
  type TicketActor,
  type TicketType,
} from '../core/index.ts';
import { arrearsOfUnits, findOwnerById } from './owners.ts';
import { addTicketEvent } from './tickets.ts';
import { assignTicketOwnership } from './organisations.ts';
import type { Queryable } from './pool.ts';

const INT4_MAX = 2_147_483_647;

function isRowId(id: unknown): id is number {
  return typeof id === 'number' && Number.isInteger(id) && id > 0 && id <= Number.MAX_SAFE_INTEGER;
}
function isInt4Id(id: unknown): id is number {
  return isRowId(id) && id <= INT4_MAX;
}

// ---------------------------------------------------------------------------------------------------------------
// Identification by room code and PIN
// ---------------------------------------------------------------------------------------------------------------

/** The room code as keyed: digits only. Longer input is garbage (a room code has well under 16 digits). */
const ROOM_KEYS = /^\d{1,16}$/;
/** The last 4 digits of a registered phone, or the owner's own IVR PIN of 4 to 8 digits. */
const PIN_KEYS = /^\d{4,8}$/;
/**
 * Owners with their own IVR PIN checked (scrypt, tens of milliseconds each) for one keypad code at most; more than
 * this is ambiguous. (Phone digits are compared in SQL, for any number of units with the same keys.)
 */
const MAX_PIN_CHECKS = 20;
/** Candidate rows read at most; more is ambiguous. */
const MAX_CANDIDATE_ROWS = 500;

/**
 * The owner of the unit whose room code the caller keyed (digits only: "31502" for B3-1502), verified by a PIN:
 * the last 4 digits of any phone registered to the owner, or the owner's own IVR PIN (owners.ivr_pin_hash).
 * `estateId` null searches every estate (a hotline shared by several estates).
 *
 * null when nothing matches, when the PIN fits more than one owner (the same keys in several estates or
 * buildings: ambiguous is not verified), and for any garbage input. When the PIN fits one owner through several
 * units (the same keys in two estates of a shared hotline), `unitId` is the first of them by id.
 */
export async function findOwnerByRoomPin(
  db: Queryable,
  input: { roomKeys: string; pin: string; estateId: number | null },
): Promise<{ owner: PopOwner; unitId: number } | null> {
  const keys = typeof input?.roomKeys === 'string' ? input.roomKeys.trim() : '';
  const pin = typeof input?.pin === 'string' ? input.pin.trim() : '';
  const estateId = input?.estateId ?? null;
  if (!ROOM_KEYS.test(keys) || !PIN_KEYS.test(pin)) return null;
  if (estateId !== null && !isInt4Id(estateId)) return null;

  // owners of a unit with these keys whom the PIN may fit: by phone digits (decided here) or by their own PIN
  const { rows } = await db.query<{
    unitId: number;
    ownerId: number;
    pinHash: string | null;
    byPhone: boolean;
  }>(
    `SELECT unit_id AS "unitId", owner_id AS "ownerId", pin_hash AS "pinHash", by_phone AS "byPhone"
       FROM (SELECT u.id AS unit_id, o.id AS owner_id, o.ivr_pin_hash AS pin_hash,
                    (length($3) = 4 AND EXISTS (SELECT 1 FROM owner_phones p
                                                 WHERE p.owner_id = o.id AND right(p.number, 4) = $3)) AS by_phone
               FROM units u
               JOIN buildings b ON b.id = u.building_id
               JOIN owner_units ou ON ou.unit_id = u.id
               JOIN owners o ON o.id = ou.owner_id
              WHERE u.keypad_code = $1 AND ($2::int IS NULL OR b.estate_id = $2::int)) c
      WHERE by_phone OR pin_hash IS NOT NULL
      ORDER BY unit_id, owner_id
      LIMIT ${MAX_CANDIDATE_ROWS + 1}`,
    [keys, estateId, pin],
  );
  if (rows.length > MAX_CANDIDATE_ROWS) return null;
  const byPhone = new Set(rows.filter((r) => r.byPhone).map((r) => r.ownerId));
  if (byPhone.size > 1) return null;
  const toCheck = new Map<number, string>();
  for (const r of rows) if (!r.byPhone && r.pinHash !== null) toCheck.set(r.ownerId, r.pinHash);
  if (toCheck.size > MAX_PIN_CHECKS) return null;
  const checked = await Promise.all(
    [...toCheck].map(async ([ownerId, hash]) => ((await verifyPassword(pin, hash)) ? ownerId : null)),
  );
  const fits = new Set([...byPhone, ...checked.filter((id) => id !== null)]);
  if (fits.size !== 1) return null;
  const [ownerId] = fits;
  const match = rows.find((r) => r.ownerId === ownerId)!; // rows are ordered by unit id
  const owner = await findOwnerById(db, match.ownerId);
  return owner ? { owner, unitId: match.unitId } : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Ticket status and tickets filed by the IVR
// ---------------------------------------------------------------------------------------------------------------

export interface TicketStatusInfo {
  number: string;
  type: TicketType;
  status: string;
  /** ISO 8601 instants. */
  createdAt: string;
  /** When the owner was told the ticket would be done; null when no time was promised. */
  expectedDoneAt: string | null;
  ownerId: number | null;
  urgent: boolean;
  channel: 'agent' | 'ivr' | 'voicemail';
}

/** A ticket by the number the caller keyed; null for an unknown number or anything that is not one. */
export async function ticketStatus(db: Queryable, number: string): Promise<TicketStatusInfo | null> {
  const keyed = typeof number === 'string' ? number.trim() : '';
  if (!/^\d{1,20}$/.test(keyed)) return null;
  const { rows } = await db.query<
    Omit<TicketStatusInfo, 'createdAt' | 'expectedDoneAt'> & { createdAt: Date; expectedDoneAt: Date | null }
  >(
    `SELECT number, type, status, created_at AS "createdAt", expected_done_at AS "expectedDoneAt",
            owner_id AS "ownerId", urgent, channel
       FROM tickets WHERE number = $1`,
    [keyed],
  );
  const t = rows[0];
  if (!t) return null;
  return {
    ...t,
    createdAt: t.createdAt.toISOString(),
    expectedDoneAt: t.expectedDoneAt?.toISOString() ?? null,
  };
}

/**
 * When a new ticket is expected to be done, as the owner is told: the due time of the clock that ends the work
 * (core/tickets/clocks.ts) as it starts at registration, under the limits that apply (the defaults unless given):
 * - repair: `fix` (urgent 6 h, others 1 working day);
 * - complaint and compensation: `reply` with the outcome (4 working days, the mainland calendar with its holidays
 *   and 调休, Asia/Shanghai);
 * - inquiry and suggestion: null (answered on the call, no time promised).
 */
export function expectedCompletion(
  ticket: { type: TicketType; urgent: boolean },
  createdAt: Date,
  limits: ClockLimits = DEFAULT_CLOCK_LIMITS,
  timeZone: string = DEFAULT_TIME_ZONE,
): Date | null {
  const clock = ticket.type === 'repair' ? 'fix' : needsPlan(ticket.type) ? 'reply' : null;
  if (clock === null) return null;
  const { entry } = registerTicket(ticket, { role: 'system', id: null }, createdAt);
  const due = ticketClocks(ticket, [entry], limits, createdAt, timeZone).find(
    (c) => c.clock === clock,
  )?.dueAt;
  return due ? new Date(due) : null;
}

export interface IvrTicketRequest {
  ownerId: number | null;
  unitId: number | null;
  type: TicketType;
  /** Free text chosen in the flow (e.g. "water", "power"); shown to the agent. */
  category: string | null;
  urgent: boolean;
  description: string;
  channel: 'ivr' | 'voicemail';
  /** The voicemail's recording name, as the PBX stored it. */
  recording: string | null;
  /** The call the ticket was filed in (calls.id, created when the call arrived); null from the flow simulator. */
  callId: string | null;
}

const MAX_DESCRIPTION = 4000; // tickets.description CHECK, in characters
const DEFAULT_DESCRIPTION: Record<IvrTicketRequest['channel'], string> = {
  ivr: '电话自助服务提交',
  voicemail: '语音留言（详见录音）',
};

/** Trimmed and cut to what the column takes (in characters, as PostgreSQL counts them); never empty. */
function ticketDescription(text: string, channel: IvrTicketRequest['channel']): string {
  const chars = Array.from(typeof text === 'string' ? text.trim() : '');
  if (chars.length === 0) return DEFAULT_DESCRIPTION[channel];
  return chars.slice(0, MAX_DESCRIPTION).join('');
}

/** Files a ticket from the IVR (self-service repair) or a voicemail, with its expected completion. */
export async function createIvrTicket(
  db: Queryable,
  t: IvrTicketRequest,
): Promise<{ id: number; number: string; expectedDoneAt: string | null }> {
  // the database's clock, as for every other created_at
  const { rows: clock } = await db.query<{ now: Date }>('SELECT now() AS now');
  const createdAt = clock[0]!.now;
  const expected = expectedCompletion(t, createdAt);
  const category = t.category?.trim() ? t.category.trim() : null;
  const { rows } = await db.query<{ id: number; number: string }>(
    `INSERT INTO tickets (owner_id, unit_id, type, category, urgent, description, channel, recording,
                          created_from_call, created_at, updated_at, expected_done_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)
     RETURNING id, number`,
    [
      t.ownerId,
      t.unitId,
      t.type,
      category,
      t.urgent,
      ticketDescription(t.description, t.channel),
      t.channel,
      t.recording,
      t.callId,
      createdAt,
      expected,
    ],
  );
  const row = rows[0]!;
  await assignTicketOwnership(db, row.id, { unitId: t.unitId, ownerId: t.ownerId, at: createdAt });
  const by: TicketActor = { role: 'system', id: null, name: t.channel === 'voicemail' ? 'voicemail' : 'ivr' };
  await addTicketEvent(db, row.id, registerTicket({ type: t.type, urgent: t.urgent }, by, createdAt).entry);
  return { id: row.id, number: row.number, expectedDoneAt: expected?.toISOString() ?? null };
}

// ---------------------------------------------------------------------------------------------------------------
// Notices
// ---------------------------------------------------------------------------------------------------------------

export const NOTICE_KINDS = ['water-cut', 'power-cut', 'gas-cut', 'works', 'storm', 'other'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** An estate notice (停水/停电/施工...). The IVR reads the structured fields; title and body are for agents. */
export interface Notice {
  id: number;
  kind: NoticeKind;
  /** null: the whole estate. */
  buildingId: number | null;
  /** The building's name ("3号楼"), null for the whole estate. */
  building: string | null;
  /** ISO 8601 instants. */
  startsAt: string;
  /** null: until further notice. */
  endsAt: string | null;
  title: string;
  body: string;
}

export interface NewNotice {
  estateId: number;
  buildingId: number | null;
  kind: NoticeKind;
  title: string;
  body: string;
  startsAt: Date;
  endsAt: Date | null;
}

/** How far ahead a coming notice is already read out. */
const NOTICE_LOOKAHEAD = '7 days';

const NOTICE_COLUMNS = `n.id, n.kind, n.building_id AS "buildingId", b.name AS building, n.starts_at AS "startsAt",
  n.ends_at AS "endsAt", n.title, n.body`;

type NoticeRow = Omit<Notice, 'startsAt' | 'endsAt'> & { startsAt: Date; endsAt: Date | null };

function toNotice(r: NoticeRow): Notice {
  return { ...r, startsAt: r.startsAt.toISOString(), endsAt: r.endsAt?.toISOString() ?? null };
}

/**
 * The estate's notices that matter at `at`: not ended yet, and already started or starting within 7 days; the
 * earliest start first. A notice without an end stays current until someone ends it.
 */
export async function currentNotices(db: Queryable, estateId: number, at: Date): Promise<Notice[]> {
  if (!isInt4Id(estateId) || !(at instanceof Date) || Number.isNaN(at.getTime())) return [];
  const { rows } = await db.query<NoticeRow>(
    `SELECT ${NOTICE_COLUMNS}
       FROM notices n LEFT JOIN buildings b ON b.id = n.building_id
      WHERE n.estate_id = $1
        AND n.starts_at <= $2::timestamptz + interval '${NOTICE_LOOKAHEAD}'
        AND (n.ends_at IS NULL OR n.ends_at > $2::timestamptz)
      ORDER BY n.starts_at, n.id`,
    [estateId, at],
  );
  return rows.map(toNotice);
}

/** Publishes a notice (the building, when given, must be the estate's: the database checks it). */
export async function createNotice(db: Queryable, n: NewNotice): Promise<Notice> {
  const { rows } = await db.query<NoticeRow>(
    `WITH n AS (
       INSERT INTO notices (estate_id, building_id, kind, title, body, starts_at, ends_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *)
     SELECT ${NOTICE_COLUMNS} FROM n LEFT JOIN buildings b ON b.id = n.building_id`,
    [n.estateId, n.buildingId, n.kind, n.title, n.body, n.startsAt, n.endsAt],
  );
  return toNotice(rows[0]!);
}

// ---------------------------------------------------------------------------------------------------------------
// Fees by kind
// ---------------------------------------------------------------------------------------------------------------

/** The order fees are read out in. */
export const FEE_KIND_ORDER = ['property', 'water', 'electricity', 'gas', 'parking'] as const;

/** Unpaid fee items of the units, oldest due date first (ids that cannot be a unit's are left out). */
export function unpaidFeesOfUnits(db: Queryable, unitIds: readonly unknown[]): Promise<PopArrear[]> {
  const ids = Array.isArray(unitIds) ? unitIds.filter(isInt4Id) : [];
  return ids.length === 0 ? Promise.resolve([]) : arrearsOfUnits(db, ids);
}

/**
 * Unpaid fee items summed per kind (in fen), property first, then water, electricity, gas, parking, then any
 * other kind by name. Pure: the IVR reads a unit's unpaid items once (arrearsOfUnits) for both the balance and this.
 */
export function feesByKind(
  items: readonly { kind: string; amountFen: number }[],
): { kind: string; amountFen: number; items: number }[] {
  const byKind = new Map<string, { kind: string; amountFen: number; items: number }>();
  for (const item of items) {
    const total = byKind.get(item.kind) ?? { kind: item.kind, amountFen: 0, items: 0 };
    total.amountFen += item.amountFen;
    total.items++;
    byKind.set(item.kind, total);
  }
  const rank = (kind: string) => {
    const i = (FEE_KIND_ORDER as readonly string[]).indexOf(kind);
    return i === -1 ? FEE_KIND_ORDER.length : i;
  };
  return [...byKind.values()].sort((a, b) => rank(a.kind) - rank(b.kind) || a.kind.localeCompare(b.kind));
}

// ---------------------------------------------------------------------------------------------------------------
// The caller's language, the estate of a call, opening hours
// ---------------------------------------------------------------------------------------------------------------

/** Remembers the language the owner chose in the IVR (also what the agent page shows). */
export async function setOwnerLanguage(db: Queryable, ownerId: number, language: 'zh' | 'en'): Promise<void> {
  await db.query('UPDATE owners SET language = $2 WHERE id = $1', [ownerId, language]);
}

/**
 * The estate a dialled number belongs to (estates.hotline_number); null when it is unknown, or shared by several
 * estates (then the caller's unit tells the estate).
 */
export async function estateOfDialled(db: Queryable, dialled: string): Promise<number | null> {
  const raw = typeof dialled === 'string' ? dialled.trim() : '';
  if (raw === '') return null;
  const numbers = [...new Set([raw, normalizePhone(raw) ?? raw])];
  const { rows } = await db.query<{ id: number }>(
    'SELECT id FROM estates WHERE hotline_number = ANY($1::text[]) ORDER BY id LIMIT 2',
    [numbers],
  );
  return rows.length === 1 ? rows[0]!.id : null;
}

/** The estate a flow names, by its code ("CH") or its name ("翠湖花园", as `${unit.estate}` renders); null if none. */
export async function estateOfCode(db: Queryable, code: string): Promise<number | null> {
  if (typeof code !== 'string' || code.trim() === '') return null;
  const { rows } = await db.query<{ id: number }>(
    'SELECT id FROM estates WHERE code = $1 OR name = $1 ORDER BY code = $1 DESC, id LIMIT 1',
    [code.trim()],
  );
  return rows[0]?.id ?? null;
}

export async function estateOfUnit(db: Queryable, unitId: number): Promise<number | null> {
  if (!isInt4Id(unitId)) return null;
  const { rows } = await db.query<{ estateId: number }>(
    `SELECT b.estate_id AS "estateId" FROM units u JOIN buildings b ON b.id = u.building_id WHERE u.id = $1`,
    [unitId],
  );
  return rows[0]?.estateId ?? null;
}

/**
 * When the estate's hotline is staffed: its estate_hours rows in its time zone. An estate without rows (and an
 * unknown estate) has the default, 08:00-20:00 every day (core/calendar.ts defaultOpeningHours), so a new estate
 * is reachable; to close a weekday, give the estate rows for the other days only.
 */
export async function estateHours(db: Queryable, estateId: number): Promise<OpeningHours> {
  if (!isInt4Id(estateId)) return defaultOpeningHours();
  const { rows } = await db.query<{
    timeZone: string;
    openOnHolidays: boolean;
    weekday: number | null;
    opens: string | null;
    closes: string | null;
  }>(
    `SELECT e.timezone AS "timeZone", e.open_on_holidays AS "openOnHolidays", h.weekday,
            h.opens::text AS opens, h.closes::text AS closes
       FROM estates e LEFT JOIN estate_hours h ON h.estate_id = e.id
      WHERE e.id = $1
      ORDER BY h.weekday`,
    [estateId],
  );
  const estate = rows[0];
  if (!estate) return defaultOpeningHours();
  const days: DayHours[] = rows
    .filter((r) => r.weekday !== null && r.opens !== null && r.closes !== null)
    .map((r) => ({
      weekday: r.weekday as IsoWeekday,
      opens: r.opens!.slice(0, 5),
      closes: r.closes!.slice(0, 5),
    }));
  if (days.length === 0) return defaultOpeningHours(estate.timeZone, estate.openOnHolidays);
  return { timeZone: estate.timeZone, openOnHolidays: estate.openOnHolidays, days };
}
