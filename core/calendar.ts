// The mainland-China calendar and an estate's opening hours: is the hotline staffed now, is a date a working
// day, when do N working days end (ticket clocks). Pure: no I/O, no clock; the time zone comes with the hours,
// the instant with the call.
//
// Public holidays and make-up working days (调休上班) are a value, `WorkCalendar`: the days and the years whose
// schedule is known. Every function that needs it takes one, by default the process's current calendar
// (`currentWorkCalendar()`): the one built from the chinese-days package until the platform installs the one kept
// in the database (`setWorkCalendar`, db/work-calendar.ts: seeded from the package, edited by admins).
//
// The package's data follows the State Council's yearly notice, e.g. 国办发明电〔2025〕 for 2026. We read its
// shipped JSON (chinese-days/dist/chinese-days.json: `holidays` and `workdays`, keyed 'YYYY-MM-DD', valued
// 'English name,中文名,n') rather than calling isWorkday()/isHoliday(): those build their tables and read their
// arguments in the process's local time zone, and answer a day off in a process running west of UTC
// (TZ=America/Los_Angeles: 2026-10-07 "a workday", 2026-10-10 "not one"). Looking a calendar date up by its text
// has no time zone at all.
// A year is covered when its schedule is known: in the package, the years it has holidays for (2004-2026 in
// 1.5.7); in the database, the years the package covered and those an admin marked covered after entering them.
// A year not covered has weekends only (chinese-days 1.5.7 treats 2027-01-01 as a working day) until the State
// Council publishes its schedule (usually in November) and someone enters it or updates the package.
import calendarData from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import calendarPackage from 'chinese-days/package.json' with { type: 'json' };

/** ISO weekday: Monday = 1 ... Sunday = 7. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** One weekday's opening hours, local wall-clock times 'HH:MM'; open from `opens` up to (not at) `closes`. */
export interface DayHours {
  weekday: IsoWeekday;
  opens: string;
  /** After `opens`; '24:00' is the end of the day. Hours never run past midnight: split them over two days. */
  closes: string;
}

/** When an estate's hotline is staffed (agents on duty); outside these hours the IVR takes voicemail. */
export interface OpeningHours {
  /** IANA time zone the hours are in, e.g. 'Asia/Shanghai'. */
  timeZone: string;
  /** Staffed on mainland public holidays too (with that weekday's hours); otherwise a holiday is 'holiday'. */
  openOnHolidays: boolean;
  /** At most one entry per weekday; a weekday without one is closed all day. */
  days: DayHours[];
}

export type HoursState = 'open' | 'closed' | 'holiday';

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/**
 * The hours of an estate that has set none: 08:00-20:00 every day, so a new estate is reachable (not "always
 * after hours") until someone enters its real hours.
 */
export function defaultOpeningHours(
  timeZone: string = DEFAULT_TIME_ZONE,
  openOnHolidays = false,
): OpeningHours {
  const weekdays: IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7];
  return {
    timeZone,
    openOnHolidays,
    days: weekdays.map((weekday) => ({ weekday, opens: '08:00', closes: '20:00' })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The calendar
// ---------------------------------------------------------------------------------------------------------------

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Is this text a calendar date 'YYYY-MM-DD' (2026-02-30 is not)? */
export function isCalendarDate(date: string): boolean {
  const m = ISO_DATE.exec(date);
  return m !== null && new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) === date;
}

function checkDate(date: string): void {
  if (!isCalendarDate(date)) throw new RangeError(`not a calendar date 'YYYY-MM-DD': "${date}"`);
}

/** The ISO weekday of a calendar date 'YYYY-MM-DD'. */
export function weekdayOf(date: string): IsoWeekday {
  checkDate(date);
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return (day === 0 ? 7 : day) as IsoWeekday;
}

/** A special day: a public holiday (法定节假日) or a make-up working day (调休上班). */
export type CalendarDayKind = 'holiday' | 'make-up-workday';
export const CALENDAR_DAY_KINDS: readonly CalendarDayKind[] = ['holiday', 'make-up-workday'];

export interface CalendarDay {
  /** 'YYYY-MM-DD' */
  date: string;
  kind: CalendarDayKind;
  /** The holiday's name (国庆节); for a make-up working day, the holiday it makes up for. */
  name: string;
}

/** Years an admin may enter days for: a date outside them is a typo. */
export const CALENDAR_YEARS = { first: 2000, last: 2099 } as const;

/**
 * What is wrong with setting `date` to `kind`, in words for the admin (Chinese / English); null when it is fine.
 * A holiday may fall on any day (the announced break includes its weekend days); a make-up working day only on a
 * Saturday or Sunday, since Monday to Friday are working days anyway.
 */
export function calendarDayProblem(date: string, kind: CalendarDayKind): string | null {
  if (!isCalendarDate(date)) {
    return `"${date}" 不是有效的日期,请写成 YYYY-MM-DD,例如 2027-01-01 / "${date}" is not a date on the calendar: write it as YYYY-MM-DD, e.g. 2027-01-01.`;
  }
  const year = Number(date.slice(0, 4));
  if (year < CALENDAR_YEARS.first || year > CALENDAR_YEARS.last) {
    return `${date} 不在 ${CALENDAR_YEARS.first}-${CALENDAR_YEARS.last} 年之间 / ${date} is not between the years ${CALENDAR_YEARS.first} and ${CALENDAR_YEARS.last}.`;
  }
  const weekday = weekdayOf(date);
  if (kind === 'make-up-workday' && weekday <= 5) {
    const zh = ['一', '二', '三', '四', '五'][weekday - 1]!;
    const en = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'][weekday - 1]!;
    return (
      `${date} 是星期${zh},本来就是工作日:只有星期六、星期日可以设为调休上班日 / ${date} is a ${en}, a working ` +
      'day anyway: only a Saturday or a Sunday can be a make-up working day.'
    );
  }
  return null;
}

/** The supervisors' warning for a year whose holiday schedule the calendar does not have. */
export function calendarNotCoveredMessage(year: number): string {
  return `${year} 年的节假日安排尚未录入 / The ${year} holiday schedule has not been entered`;
}

/**
 * The years a supervisor should be warned about on `today` ('YYYY-MM-DD', business time zone) when they are not
 * covered: the current year, and from 1 November the next one (the State Council publishes it around then, and
 * deadlines counted in working days start to fall in it in December).
 */
export function upcomingUncoveredYears(covers: (year: number) => boolean, today: string): number[] {
  checkDate(today);
  const year = Number(today.slice(0, 4));
  const upcoming = today.slice(5) >= '11-01' ? [year, year + 1] : [year];
  return upcoming.filter((y) => !covers(y));
}

/**
 * The work calendar: public holidays, make-up working days and the years whose schedule is known. Immutable; a
 * change is a new calendar.
 */
export class WorkCalendar {
  readonly #holidays = new Map<string, string>();
  readonly #makeUpWorkdays = new Map<string, string>();
  readonly #coveredYears: ReadonlySet<number>;

  /** Throws RangeError for a day that is not a date, or a make-up working day from Monday to Friday. */
  constructor(days: Iterable<CalendarDay>, coveredYears: Iterable<number>) {
    for (const day of days) {
      checkDate(day.date);
      if (day.kind === 'make-up-workday' && weekdayOf(day.date) <= 5) {
        throw new RangeError(`a make-up working day must be a Saturday or Sunday: ${day.date}`);
      }
      const other = day.kind === 'holiday' ? this.#makeUpWorkdays : this.#holidays;
      if (other.has(day.date))
        throw new RangeError(`${day.date} is both a holiday and a make-up working day`);
      (day.kind === 'holiday' ? this.#holidays : this.#makeUpWorkdays).set(day.date, day.name);
    }
    this.#coveredYears = new Set(coveredYears);
  }

  /** A mainland public holiday (法定节假日, the whole announced break including its weekend days). */
  isPublicHoliday(date: string): boolean {
    checkDate(date);
    return this.#holidays.has(date);
  }

  /** A weekend day worked to make up for a holiday (调休上班), e.g. Saturday 2026-10-10. */
  isMakeUpWorkday(date: string): boolean {
    checkDate(date);
    return this.#makeUpWorkdays.has(date);
  }

  /** A working day: a make-up working day, or Monday to Friday that is not a public holiday. */
  isWorkingDay(date: string): boolean {
    if (this.isMakeUpWorkday(date)) return true;
    return weekdayOf(date) <= 5 && !this.#holidays.has(date);
  }

  /** Is this year's schedule known? (A year not covered has weekends only.) */
  covers(year: number): boolean {
    return this.#coveredYears.has(year);
  }

  /** The special days, in date order. */
  days(): CalendarDay[] {
    const all: CalendarDay[] = [
      ...[...this.#holidays].map(([date, name]) => ({ date, kind: 'holiday' as const, name })),
      ...[...this.#makeUpWorkdays].map(([date, name]) => ({ date, kind: 'make-up-workday' as const, name })),
    ];
    return all.sort((a, b) => a.date.localeCompare(b.date));
  }

  get coveredYears(): number[] {
    return [...this.#coveredYears].sort((a, b) => a - b);
  }
}

/** Where the package calendar comes from, e.g. 'chinese-days 1.5.7'. */
export const PACKAGE_CALENDAR_SOURCE = `chinese-days ${calendarPackage.version}`;

/** The special days in the chinese-days package, with their Chinese names. */
export function packageCalendarDays(): CalendarDay[] {
  const data: { holidays: Record<string, string>; workdays: Record<string, string> } = calendarData;
  // values are 'English name,中文名,n'
  const nameOf = (value: string) => value.split(',')[1] ?? value;
  return [
    ...Object.entries(data.holidays).map(([date, v]) => ({
      date,
      kind: 'holiday' as const,
      name: nameOf(v),
    })),
    ...Object.entries(data.workdays).map(([date, v]) => ({
      date,
      kind: 'make-up-workday' as const,
      name: nameOf(v),
    })),
  ];
}

/** The calendar of the chinese-days package: the years it has holidays for are covered. */
export const PACKAGE_CALENDAR: WorkCalendar = (() => {
  const days = packageCalendarDays();
  const years = new Set(days.filter((d) => d.kind === 'holiday').map((d) => Number(d.date.slice(0, 4))));
  return new WorkCalendar(days, years);
})();

let current: WorkCalendar = PACKAGE_CALENDAR;

/** The calendar this process works with now: the database's once the platform has loaded it, else the package's. */
export function currentWorkCalendar(): WorkCalendar {
  return current;
}

/** Installs the calendar every function uses by default from now on; null goes back to the package's. */
export function setWorkCalendar(calendar: WorkCalendar | null): void {
  current = calendar ?? PACKAGE_CALENDAR;
}

/** A mainland public holiday in the current calendar (WorkCalendar.isPublicHoliday). */
export function isPublicHoliday(date: string): boolean {
  return current.isPublicHoliday(date);
}

/** A make-up working day (调休上班) in the current calendar, e.g. Saturday 2026-10-10. */
export function isMakeUpWorkday(date: string): boolean {
  return current.isMakeUpWorkday(date);
}

/** A working day in the current calendar: a make-up working day, or Monday to Friday that is not a holiday. */
export function isWorkingDay(date: string): boolean {
  return current.isWorkingDay(date);
}

/** Does the current calendar know this year's schedule? (A year it does not has weekends only.) */
export function holidayCalendarCovers(year: number): boolean {
  return current.covers(year);
}

/** The calendar date 'YYYY-MM-DD' `days` days after `date` (before it when negative). */
export function addDays(date: string, days: number): string {
  checkDate(date);
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The calendar date 'YYYY-MM-DD' `months` months after `date` (before it when negative). A day the target month
 * lacks becomes that month's last day: 2026-01-31 + 1 month is 2026-02-28, 2025-11-30 + 3 months is 2026-02-28.
 */
export function addMonths(date: string, months: number): string {
  checkDate(date);
  if (!Number.isInteger(months)) throw new RangeError(`months must be a whole number, got ${months}`);
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const m = index - y * 12; // 0..11
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const d = Math.min(day, lastDay);
  return `${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Local time in a zone (Intl, no dependency)
// ---------------------------------------------------------------------------------------------------------------

export interface LocalTime {
  /** 'YYYY-MM-DD' */
  date: string;
  weekday: IsoWeekday;
  /** Minutes since local midnight, 0..1439. */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // throws RangeError for a zone Intl does not know
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Offsets of the zones asked, each with the quarter hour (UTC) it was read for. Every zone's offset has been a whole
 * number of quarter hours since the 1970s, so it can only change at a quarter hour: one Intl read a zone and quarter
 * hour instead of one per instant (Intl's formatToParts costs ~0.1 ms, and the IVR asks on every call).
 */
const QUARTER_HOUR_MS = 900_000;
const offsets = new Map<string, { quarter: number; offsetMs: number }>();

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function offsetMs(at: Date, timeZone: string): number {
  const ms = at.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid Date');
  const quarter = Math.floor(ms / QUARTER_HOUR_MS);
  const known = offsets.get(timeZone);
  if (known?.quarter === quarter) return known.offsetMs;
  const p = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type in p) p[part.type as keyof typeof p] = Number(part.value);
  }
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const offset = wall - Math.floor(ms / 1000) * 1000;
  offsets.set(timeZone, { quarter, offsetMs: offset });
  return offset;
}

/** The wall-clock date, weekday and time of an instant in a time zone. */
export function localTime(at: Date, timeZone: string): LocalTime {
  const wall = new Date(at.getTime() + offsetMs(at, timeZone));
  const date = wall.toISOString().slice(0, 10);
  const day = wall.getUTCDay();
  return {
    date,
    weekday: (day === 0 ? 7 : day) as IsoWeekday,
    minutes: wall.getUTCHours() * 60 + wall.getUTCMinutes(),
  };
}

/**
 * The instant `workingDays` working days after `at`, at the same local wall-clock time: Thursday 2026-09-24
 * 10:00 plus 4 working days is Thursday 2026-10-08 10:00 (the National Day break and its weekend in between).
 */
export function addWorkingDays(
  at: Date,
  workingDays: number,
  timeZone: string = DEFAULT_TIME_ZONE,
  calendar: WorkCalendar = current,
): Date {
  if (!Number.isInteger(workingDays) || workingDays < 0) {
    throw new RangeError(`workingDays must be a whole number >= 0, got ${workingDays}`);
  }
  const start = localTime(at, timeZone);
  let date = start.date;
  for (let left = workingDays; left > 0;) {
    date = addDays(date, 1);
    if (calendar.isWorkingDay(date)) left--;
  }
  // the same wall-clock time on the target date, turned back into an instant (corrected once for an offset that
  // changed in between, where the zone has daylight saving)
  const timeOfDayMs = at.getTime() + offsetMs(at, timeZone) - Date.parse(`${start.date}T00:00:00Z`);
  const wall = Date.parse(`${date}T00:00:00Z`) + timeOfDayMs;
  let guess = wall - offsetMs(at, timeZone);
  guess = wall - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

// ---------------------------------------------------------------------------------------------------------------
// Working time (ticket clocks counted in working days)
// ---------------------------------------------------------------------------------------------------------------
//
// Working time is the wall-clock time inside working days: every working day (isWorkingDay) counts whole, local
// 00:00 to 24:00; weekends and public holidays count nothing. "N working days" is N x 24 h of it. So from an
// instant on a working day, N working days later is the same time of day on the N-th following working day (as
// addWorkingDays); from a weekend or a holiday the count starts at 00:00 of the next working day and ends at the
// end (24:00) of the N-th working day. Wall-clock time: in a zone with daylight saving a working day still
// counts 24 h (Asia/Shanghai has none).

/** The local wall clock of an instant, read as if it were UTC (milliseconds). */
function wallMs(at: Date, timeZone: string): number {
  return at.getTime() + offsetMs(at, timeZone);
}

/** The instant whose local wall clock reads `wall` (corrected once for an offset that differs there). */
function instantOfWall(wall: number, timeZone: string): Date {
  let guess = wall - offsetMs(new Date(wall), timeZone);
  guess = wall - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

const dateOfWall = (wall: number): string => new Date(wall).toISOString().slice(0, 10);

/** The instant a zone's wall clock reads `minutes` past midnight of the local `date` (calling windows). */
export function localInstant(date: string, minutes: number, timeZone: string): Date {
  checkDate(date);
  return instantOfWall(Date.parse(`${date}T00:00:00Z`) + minutes * 60_000, timeZone);
}

/** Working time between two instants, in milliseconds (0 when `to` is not after `from`). */
export function workingTimeBetween(
  from: Date,
  to: Date,
  timeZone: string = DEFAULT_TIME_ZONE,
  calendar: WorkCalendar = current,
): number {
  const start = wallMs(from, timeZone);
  const end = wallMs(to, timeZone);
  let total = 0;
  for (let date = dateOfWall(start); start < end; date = addDays(date, 1)) {
    const dayStart = Date.parse(`${date}T00:00:00Z`);
    if (dayStart >= end) break;
    if (calendar.isWorkingDay(date)) total += Math.min(end, dayStart + DAY_MS) - Math.max(start, dayStart);
  }
  return total;
}

/**
 * The first instant at which `ms` of working time have passed since `at`: 17:00 on Wednesday 2026-09-30 (the
 * eve of the National Day break) plus 2 working days (2 x 24 h) is Friday 2026-10-09 17:00; Saturday 10:00 plus
 * 2 working days is the end of Tuesday (Wednesday 00:00). `ms` 0 is `at` itself.
 */
export function addWorkingTime(
  at: Date,
  ms: number,
  timeZone: string = DEFAULT_TIME_ZONE,
  calendar: WorkCalendar = current,
): Date {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`working time must be >= 0 ms, got ${ms}`);
  if (ms === 0) return at;
  const start = wallMs(at, timeZone);
  let left = ms;
  for (let date = dateOfWall(start); ; date = addDays(date, 1)) {
    if (!calendar.isWorkingDay(date)) continue;
    const from = Math.max(start, Date.parse(`${date}T00:00:00Z`));
    const available = Date.parse(`${date}T00:00:00Z`) + DAY_MS - from;
    if (left <= available) return instantOfWall(from + left, timeZone);
    left -= available;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Opening hours
// ---------------------------------------------------------------------------------------------------------------

const CLOCK = /^([01]\d|2[0-4]):([0-5]\d)$/;

/** 'HH:MM' as minutes since midnight; '24:00' is 1440. */
export function clockMinutes(clock: string): number {
  const m = CLOCK.exec(clock);
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!(minutes <= 1440)) throw new RangeError(`not a time of day 'HH:MM': "${clock}"`);
  return minutes;
}

/**
 * Is the hotline staffed at `at`? Evaluated in the hours' time zone:
 * - a mainland public holiday is 'holiday' (all day), unless `openOnHolidays`, when the weekday's hours apply;
 * - a make-up working weekend day (调休上班) has Monday's hours;
 * - any other day has its weekday's hours;
 * - outside the day's hours (or on a weekday without hours) it is 'closed'.
 */
export function hoursState(hours: OpeningHours, at: Date, calendar: WorkCalendar = current): HoursState {
  const local = localTime(at, hours.timeZone);
  if (calendar.isPublicHoliday(local.date) && !hours.openOnHolidays) return 'holiday';
  const weekday: IsoWeekday = calendar.isMakeUpWorkday(local.date) && local.weekday >= 6 ? 1 : local.weekday;
  const day = hours.days.find((d) => d.weekday === weekday);
  if (!day) return 'closed';
  const open = local.minutes >= clockMinutes(day.opens) && local.minutes < clockMinutes(day.closes);
  return open ? 'open' : 'closed';
}
