// The work calendar kept in the database (migration 011): mainland public holidays, make-up working days and
// the years whose schedule is known.
//
// Seeding. seedWorkCalendar copies the chinese-days package's days and years in at every start of the platform
// (and `npm run migrate`), so a newer package reaches the database by itself: idempotent, in one transaction under
// an advisory lock (processes starting together take turns), and never over an admin's word: a day or a year an
// admin set (source 'admin') stays as they set it, a day an admin removed from the package's list stays removed
// (kind 'ordinary'). Package rows follow the package: changed when it changes, removed when it drops them (a year
// the package no longer covers is no longer covered, unless an admin said so).
// It is not in the migration because a migration runs once, and the package changes after it.
//
// Each process works with a WorkCalendar loaded from here (loadWorkCalendar), installed as the process's current
// calendar (core/calendar.ts setWorkCalendar); main.ts reloads it when an admin edit is announced on Redis.
import {
  packageCalendarDays,
  PACKAGE_CALENDAR_SOURCE,
  WorkCalendar,
  type CalendarDay,
  type CalendarDayKind,
} from '../core/index.ts';
import { inTransaction, type Pool, type Queryable } from './pool.ts';

const SEED_LOCK_ID = 7_400_820_011;

/** How a day or a year got its value: from the package, or from an admin. */
export type CalendarSource = 'package' | 'admin';

export interface CalendarChange {
  source: CalendarSource;
  /** The package version that wrote it (source 'package'). */
  packageVersion: string | null;
  /** The admin who changed it (source 'admin'), with their name at the time. */
  changedBy: { id: number; name: string } | null;
  changedAt: string;
}

export type StoredCalendarDay = CalendarDay & CalendarChange & { weekday: number };

export interface CalendarYear {
  year: number;
  covered: boolean;
  /** Who said whether it is covered; null when nobody has (not covered). */
  coverage: CalendarChange | null;
  /** Its holidays and make-up working days, in date order. */
  days: StoredCalendarDay[];
  /** Days the package lists that an admin removed (they count as ordinary days). */
  cleared: ({ date: string; weekday: number } & CalendarChange)[];
}

/**
 * Copies the package's calendar in (see the top of the file). `days`, `years` and `version` are the package's
 * unless given (tests). Returns how many rows it wrote.
 */
export async function seedWorkCalendar(
  pool: Pool,
  source: { days: CalendarDay[]; years: number[]; version: string } = packageSource(),
): Promise<{ days: number; years: number }> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK_ID]);
    const dates = source.days.map((d) => d.date);
    const written = await client.query(
      `INSERT INTO work_calendar_days (day, kind, name, source, package_version)
       SELECT d.day, d.kind, d.name, 'package', $4
         FROM unnest($1::date[], $2::text[], $3::text[]) AS d (day, kind, name)
       ON CONFLICT (day) DO UPDATE
          SET kind = EXCLUDED.kind, name = EXCLUDED.name, package_version = EXCLUDED.package_version,
              changed_at = now()
        WHERE work_calendar_days.source = 'package'
          AND (work_calendar_days.kind, work_calendar_days.name, work_calendar_days.package_version)
              IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.name, EXCLUDED.package_version)`,
      [dates, source.days.map((d) => d.kind), source.days.map((d) => d.name), source.version],
    );
    const dropped = await client.query(
      "DELETE FROM work_calendar_days WHERE source = 'package' AND day <> ALL ($1::date[])",
      [dates],
    );
    const years = await client.query(
      `INSERT INTO work_calendar_years (year, covered, source, package_version)
       SELECT y, true, 'package', $2 FROM unnest($1::integer[]) AS y
       ON CONFLICT (year) DO UPDATE SET covered = true, package_version = EXCLUDED.package_version, changed_at = now()
        WHERE work_calendar_years.source = 'package'
          AND (NOT work_calendar_years.covered
               OR work_calendar_years.package_version IS DISTINCT FROM EXCLUDED.package_version)`,
      [source.years, source.version],
    );
    const forgotten = await client.query(
      "DELETE FROM work_calendar_years WHERE source = 'package' AND year <> ALL ($1::integer[])",
      [source.years],
    );
    return {
      days: (written.rowCount ?? 0) + (dropped.rowCount ?? 0),
      years: (years.rowCount ?? 0) + (forgotten.rowCount ?? 0),
    };
  });
}

function packageSource(): { days: CalendarDay[]; years: number[]; version: string } {
  const days = packageCalendarDays();
  const years = [...new Set(days.filter((d) => d.kind === 'holiday').map((d) => Number(d.date.slice(0, 4))))];
  return { days, years, version: PACKAGE_CALENDAR_SOURCE };
}

/** The calendar as the database has it now. */
export async function loadWorkCalendar(db: Queryable): Promise<WorkCalendar> {
  const [days, years] = await Promise.all([
    db.query<CalendarDay>(
      `SELECT day AS date, kind, name FROM work_calendar_days WHERE kind <> 'ordinary' ORDER BY day`,
    ),
    db.query<{ year: number }>('SELECT year FROM work_calendar_years WHERE covered'),
  ]);
  return new WorkCalendar(
    days.rows,
    years.rows.map((r) => r.year),
  );
}

/** The years whose schedule is known. */
export async function coveredCalendarYears(db: Queryable): Promise<Set<number>> {
  const { rows } = await db.query<{ year: number }>('SELECT year FROM work_calendar_years WHERE covered');
  return new Set(rows.map((r) => r.year));
}

interface ChangeRow {
  source: CalendarSource;
  packageVersion: string | null;
  changedById: number | null;
  changedByName: string | null;
  changedAt: Date;
}

function changeOf(row: ChangeRow): CalendarChange {
  return {
    source: row.source,
    packageVersion: row.packageVersion,
    changedBy:
      row.changedById === null
        ? null
        : { id: row.changedById, name: row.changedByName ?? String(row.changedById) },
    changedAt: row.changedAt.toISOString(),
  };
}

const CHANGE_COLUMNS = `c.source, c.package_version AS "packageVersion", c.changed_by AS "changedById",
  c.changed_by_name AS "changedByName", c.changed_at AS "changedAt"`;

/** One year's calendar, as an admin or a supervisor sees it. */
export async function calendarYear(db: Queryable, year: number): Promise<CalendarYear> {
  const [days, coverage] = await Promise.all([
    db.query<ChangeRow & { date: string; kind: CalendarDayKind | 'ordinary'; name: string; weekday: number }>(
      `SELECT c.day AS date, c.kind, c.name, extract(isodow FROM c.day)::int AS weekday, ${CHANGE_COLUMNS}
         FROM work_calendar_days c
        WHERE c.day >= make_date($1, 1, 1) AND c.day < make_date($1 + 1, 1, 1)
        ORDER BY c.day`,
      [year],
    ),
    db.query<ChangeRow & { covered: boolean }>(
      `SELECT c.covered, ${CHANGE_COLUMNS}
         FROM work_calendar_years c WHERE c.year = $1`,
      [year],
    ),
  ]);
  const row = coverage.rows[0];
  return {
    year,
    covered: row?.covered ?? false,
    coverage: row ? changeOf(row) : null,
    days: days.rows
      .filter((d) => d.kind !== 'ordinary')
      .map((d) => ({
        date: d.date,
        kind: d.kind as CalendarDayKind,
        name: d.name,
        weekday: d.weekday,
        ...changeOf(d),
      })),
    cleared: days.rows
      .filter((d) => d.kind === 'ordinary')
      .map((d) => ({ date: d.date, weekday: d.weekday, ...changeOf(d) })),
  };
}

/** An admin sets a day's kind and name (checked by core's calendarDayProblem before). */
export async function setCalendarDay(db: Queryable, day: CalendarDay & { by: number }): Promise<void> {
  await db.query(
    `INSERT INTO work_calendar_days (day, kind, name, source, changed_by, changed_by_name)
     VALUES ($1, $2, $3, 'admin', $4, (SELECT name FROM agents WHERE id = $4))
     ON CONFLICT (day) DO UPDATE
        SET kind = EXCLUDED.kind, name = EXCLUDED.name, source = 'admin', package_version = NULL,
            changed_by = EXCLUDED.changed_by, changed_by_name = EXCLUDED.changed_by_name, changed_at = now()`,
    [day.date, day.kind, day.name, day.by],
  );
}

/**
 * An admin makes a special day an ordinary one again. The row stays, as kind 'ordinary', so the seed does not
 * bring a package day back. False when the day was not a holiday or a make-up working day.
 */
export async function clearCalendarDay(db: Queryable, date: string, by: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE work_calendar_days
        SET kind = 'ordinary', name = '', source = 'admin', package_version = NULL, changed_by = $2,
            changed_by_name = (SELECT name FROM agents WHERE id = $2), changed_at = now()
      WHERE day = $1 AND kind <> 'ordinary'`,
    [date, by],
  );
  return (rowCount ?? 0) > 0;
}

/** How many holidays a year has (an admin marks a year covered only once they entered some). */
export async function holidaysInYear(db: Queryable, year: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM work_calendar_days
      WHERE kind = 'holiday' AND day >= make_date($1, 1, 1) AND day < make_date($1 + 1, 1, 1)`,
    [year],
  );
  return rows[0]!.n;
}

/** An admin says whether a year's schedule is fully entered. The seed leaves this year alone from now on. */
export async function setCalendarYearCovered(
  db: Queryable,
  year: number,
  covered: boolean,
  by: number,
): Promise<void> {
  await db.query(
    `INSERT INTO work_calendar_years (year, covered, source, changed_by, changed_by_name)
     VALUES ($1, $2, 'admin', $3, (SELECT name FROM agents WHERE id = $3))
     ON CONFLICT (year) DO UPDATE
        SET covered = EXCLUDED.covered, source = 'admin', package_version = NULL,
            changed_by = EXCLUDED.changed_by, changed_by_name = EXCLUDED.changed_by_name, changed_at = now()`,
    [year, covered, by],
  );
}
