// The mainland-China calendar and an estate's opening hours: is the hotline staffed now, is a date a working
// day, when do N working days end (ticket clocks). Pure: no I/O, no clock; the time zone comes with the hours,
// the instant with the call.
//
// Public holidays and make-up working days (调休上班) come from the chinese-days package (its data follows the
// State Council's yearly notice, e.g. 国办发明电〔2025〕 for 2026). We read its shipped JSON
// (chinese-days/dist/chinese-days.json: `holidays` and `workdays`, keyed 'YYYY-MM-DD') rather than calling
// isWorkday()/isHoliday(): those build their tables and read their arguments in the process's local time zone,
// and answer a day off in a process running west of UTC (TZ=America/Los_Angeles: 2026-10-07 "a workday",
// 2026-10-10 "not one"). Looking a calendar date up by its text has no time zone at all.
// The data covers the years the package knows (2004-2026 in 1.5.7); later years have weekends only until the
// package is updated after the State Council publishes the next year's schedule (usually in November).
import calendarData from 'chinese-days/dist/chinese-days.json' with { type: 'json' };

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

const DATA: { holidays: Record<string, string>; workdays: Record<string, string> } = calendarData;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function checkDate(date: string): void {
  const m = ISO_DATE.exec(date);
  const valid = m !== null && new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) === date;
  if (!valid) throw new RangeError(`not a calendar date 'YYYY-MM-DD': "${date}"`);
}

/** The ISO weekday of a calendar date 'YYYY-MM-DD'. */
export function weekdayOf(date: string): IsoWeekday {
  checkDate(date);
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return (day === 0 ? 7 : day) as IsoWeekday;
}

/** A mainland public holiday (法定节假日, the whole announced break including its weekend days). */
export function isPublicHoliday(date: string): boolean {
  checkDate(date);
  return Object.hasOwn(DATA.holidays, date);
}

/** A weekend day worked to make up for a holiday (调休上班), e.g. Saturday 2026-10-10. */
export function isMakeUpWorkday(date: string): boolean {
  checkDate(date);
  return Object.hasOwn(DATA.workdays, date);
}

/** A working day: a make-up working day, or Monday to Friday that is not a public holiday. */
export function isWorkingDay(date: string): boolean {
  if (isMakeUpWorkday(date)) return true;
  return weekdayOf(date) <= 5 && !isPublicHoliday(date);
}

/** Does the holiday data know this year? (A later year has weekends only: update chinese-days.) */
export function holidayCalendarCovers(year: number): boolean {
  return Object.keys(DATA.holidays).some((d) => d.startsWith(`${year}-`));
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
export function addWorkingDays(at: Date, workingDays: number, timeZone: string = DEFAULT_TIME_ZONE): Date {
  if (!Number.isInteger(workingDays) || workingDays < 0) {
    throw new RangeError(`workingDays must be a whole number >= 0, got ${workingDays}`);
  }
  const start = localTime(at, timeZone);
  let date = start.date;
  for (let left = workingDays; left > 0;) {
    date = addDays(date, 1);
    if (isWorkingDay(date)) left--;
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

/** Working time between two instants, in milliseconds (0 when `to` is not after `from`). */
export function workingTimeBetween(from: Date, to: Date, timeZone: string = DEFAULT_TIME_ZONE): number {
  const start = wallMs(from, timeZone);
  const end = wallMs(to, timeZone);
  let total = 0;
  for (let date = dateOfWall(start); start < end; date = addDays(date, 1)) {
    const dayStart = Date.parse(`${date}T00:00:00Z`);
    if (dayStart >= end) break;
    if (isWorkingDay(date)) total += Math.min(end, dayStart + DAY_MS) - Math.max(start, dayStart);
  }
  return total;
}

/**
 * The first instant at which `ms` of working time have passed since `at`: 17:00 on Wednesday 2026-09-30 (the
 * eve of the National Day break) plus 2 working days (2 x 24 h) is Friday 2026-10-09 17:00; Saturday 10:00 plus
 * 2 working days is the end of Tuesday (Wednesday 00:00). `ms` 0 is `at` itself.
 */
export function addWorkingTime(at: Date, ms: number, timeZone: string = DEFAULT_TIME_ZONE): Date {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`working time must be >= 0 ms, got ${ms}`);
  if (ms === 0) return at;
  const start = wallMs(at, timeZone);
  let left = ms;
  for (let date = dateOfWall(start); ; date = addDays(date, 1)) {
    if (!isWorkingDay(date)) continue;
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
export function hoursState(hours: OpeningHours, at: Date): HoursState {
  const local = localTime(at, hours.timeZone);
  if (isPublicHoliday(local.date) && !hours.openOnHolidays) return 'holiday';
  const weekday: IsoWeekday = isMakeUpWorkday(local.date) && local.weekday >= 6 ? 1 : local.weekday;
  const day = hours.days.find((d) => d.weekday === weekday);
  if (!day) return 'closed';
  const open = local.minutes >= clockMinutes(day.opens) && local.minutes < clockMinutes(day.closes);
  return open ? 'open' : 'closed';
}
