// What the IVR says, as lists of prompt ids: numbers, amounts in yuan, dates, times, digit strings, room
// codes, in Chinese or English, read by concatenating the prompts of ivr/prompts/catalogue.tsv. Pure functions
// (no clock, no files); bad input throws a RangeError. The controller turns prompt ids into media URIs with
// `PromptLibrary.media` (prompt-library.ts), which lets studio recordings win.
//
// Decisions, where Mandarin or English offers a choice:
//   - 两 for a leading 2 before a measure word or 千/万/亿: 两千, 两万, 两元整, 两角, 两分, 两点 (2 o'clock); 二
//     after it (两千二百二十二, 二百二十二元二角二分) and before 十/百 (二十元, 二百元).
//   - Digit strings (ticket numbers, phone numbers) in Chinese say 1 as 幺, as Chinese telephone services do
//     (幺零零零零零幺二); room numbers keep 一 (一五零二室), as owners say them.
//   - Times in Chinese use the 24-hour clock, as notices do (十四点三十分, 零点三十分); in English the 12-hour
//     clock with a m / p m (two thirty p m, twelve oh five p m, twelve noon, twelve midnight).
//   - A date and time (`sayDateTime`) is month, day and time in the hotline's time zone, never the year: the
//     times read out (a ticket's expected completion, a notice's water cut) are days away, and leaving the year
//     out keeps the function free of a clock.
import { localTime } from '../core/calendar.ts';

export type Language = 'zh' | 'en';

/** A prompt id from ivr/prompts/catalogue.tsv. */
export type PromptId = string;

/** Chinese reading of a whole number below 10^12, e.g. 1234 -> 一千二百三十四, 10005 -> 一万零五. */
export function zhNumber(n: number): PromptId[] {
  if (!Number.isInteger(n) || n < 0 || n >= 1e12) throw new RangeError(`cannot say ${n}`);
  if (n === 0) return ['digit-0'];
  const out: PromptId[] = [];
  const groups = [
    { value: Math.floor(n / 1e8), unit: 'hundred-million' },
    { value: Math.floor(n / 1e4) % 1e4, unit: 'ten-thousand' },
    { value: n % 1e4, unit: '' },
  ];
  let started = false;
  let pendingZero = false;
  for (const { value, unit } of groups) {
    if (value === 0) {
      if (started) pendingZero = true;
      continue;
    }
    if (started && (pendingZero || value < 1000)) out.push('digit-0');
    // a lone 2 before 万 or 亿 is 两: 两万, 两亿
    if (value === 2 && unit) out.push('liang');
    else out.push(...zhBelowTenThousand(value, !started));
    if (unit) out.push(unit);
    started = true;
    pendingZero = false;
  }
  return out;
}

function zhBelowTenThousand(n: number, leading: boolean): PromptId[] {
  const out: PromptId[] = [];
  const places: [number, PromptId][] = [
    [1000, 'thousand'],
    [100, 'hundred'],
    [10, 'ten'],
    [1, ''],
  ];
  let zero = false;
  let any = false;
  for (const [place, unit] of places) {
    const d = Math.floor(n / place) % 10;
    if (d === 0) {
      if (any) zero = true;
      continue;
    }
    if (zero) out.push('digit-0');
    zero = false;
    // 2 before 千 is 两 (两千); before 百 and 十, and as a last digit, it stays 二 (二百, 二十, 十二)
    if (d === 2 && place === 1000) {
      out.push('liang', unit);
      any = true;
      continue;
    }
    // 10-19 at the start of a number read 十, 十一 ... rather than 一十
    if (!(place === 10 && d === 1 && leading && !any)) out.push(`digit-${d}`);
    if (unit) out.push(unit);
    any = true;
  }
  return out;
}

/** English reading of a whole number below 10^9, e.g. 1234 -> one thousand two hundred thirty four. */
export function enNumber(n: number): PromptId[] {
  if (!Number.isInteger(n) || n < 0 || n >= 1e9) throw new RangeError(`cannot say ${n}`);
  if (n === 0) return ['n-0'];
  const out: PromptId[] = [];
  const millions = Math.floor(n / 1e6);
  const thousands = Math.floor(n / 1e3) % 1e3;
  const rest = n % 1e3;
  if (millions) out.push(...enBelowThousand(millions), 'million');
  if (thousands) out.push(...enBelowThousand(thousands), 'thousand');
  if (rest) out.push(...enBelowThousand(rest));
  return out;
}

function enBelowThousand(n: number): PromptId[] {
  const out: PromptId[] = [];
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds) out.push(`n-${hundreds}`, 'hundred');
  if (rest >= 20) {
    out.push(`n-${rest - (rest % 10)}`);
    if (rest % 10) out.push(`n-${rest % 10}`);
  } else if (rest > 0) {
    out.push(`n-${rest}`);
  }
  return out;
}

export function sayNumber(n: number, lang: Language): PromptId[] {
  return lang === 'zh' ? zhNumber(n) : enNumber(n);
}

/**
 * An amount in fen: 123450 -> 一千二百三十四元五角, 200 -> 两元整, 22222 -> 二百二十二元二角二分 / one thousand two
 * hundred thirty four yuan and fifty fen.
 */
export function sayAmount(fen: number, lang: Language): PromptId[] {
  if (!Number.isInteger(fen) || fen < 0) throw new RangeError(`not an amount in fen: ${fen}`);
  const yuan = Math.floor(fen / 100);
  const cents = fen % 100;
  if (lang === 'en') {
    if (yuan === 0 && cents > 0) return [...enNumber(cents), 'fen'];
    const out = [...enNumber(yuan), 'yuan'];
    if (cents) out.push('and', ...enNumber(cents), 'fen');
    return out;
  }
  const jiao = Math.floor(cents / 10);
  const fenDigit = cents % 10;
  const out: PromptId[] = [];
  // a lone 2 leading the amount is 两: 两元, 两角, 两分 (but 十二元, 二十元, and 二 after it: 两元二角二分)
  const count = (n: number): PromptId[] => (n === 2 && out.length === 0 ? ['liang'] : zhNumber(n));
  if (yuan > 0 || cents === 0) out.push(...count(yuan), 'yuan'); // 零元整 for nothing at all
  if (cents === 0) out.push('zheng');
  if (jiao) out.push(...count(jiao), 'jiao');
  if (fenDigit) {
    if (yuan > 0 && !jiao) out.push('digit-0');
    out.push(...count(fenDigit), 'fen');
  }
  return out;
}

/** A calendar date 'YYYY-MM-DD': 二零二六年十月三十一日 / October thirty one two thousand twenty six. */
export function sayDate(isoDate: string, lang: Language): PromptId[] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) throw new RangeError(`not a date: ${isoDate}`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new RangeError(`not a date: ${isoDate}`);
  }
  if (lang === 'en') return [`month-${month}`, ...enNumber(day), ...enNumber(year)];
  return [
    ...[...String(year)].map((d) => `digit-${d}`),
    'year',
    ...zhNumber(month),
    'month',
    ...zhNumber(day),
    'day',
  ];
}

/** A room code such as B3-1502: 三号楼 一五零二室 / building three, room one five zero two. */
export function sayRoom(roomCode: string, lang: Language): PromptId[] {
  const m = /^[A-Za-z]*(\d+)-(\d+)$/.exec(roomCode);
  if (!m) throw new RangeError(`not a room code: ${roomCode}`);
  const building = Number(m[1]);
  const roomDigits = [...(m[2] ?? '')];
  if (lang === 'en') {
    return ['building', ...enNumber(building), 'room', ...roomDigits.map((d) => `n-${d}`)];
  }
  return [...zhNumber(building), 'building', ...roomDigits.map((d) => `digit-${d}`), 'room'];
}

/** A time 'HH:MM' (24-hour): 14:30 -> 十四点三十分, 02:00 -> 两点 / two thirty p m, two a m. */
export function sayTime(time: string, lang: Language): PromptId[] {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!m) throw new RangeError(`not a time: ${time}`);
  const [hour, minute] = [Number(m[1]), Number(m[2])];
  if (lang === 'zh') {
    const out: PromptId[] = hour === 2 ? ['liang'] : zhNumber(hour);
    out.push('o-clock');
    if (minute === 0) return out;
    if (minute < 10) out.push('digit-0');
    return [...out, ...zhNumber(minute), 'minute'];
  }
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  if (minute === 0 && hour === 12) return ['n-12', 'noon'];
  if (minute === 0 && hour === 0) return ['n-12', 'midnight'];
  const out = enNumber(h12);
  if (minute > 0 && minute < 10) out.push('oh');
  if (minute > 0) out.push(...enNumber(minute));
  out.push(hour < 12 ? 'am' : 'pm');
  return out;
}

/**
 * Digits one by one, for ticket and phone numbers: '10000012' -> 幺零零零零零幺二 / one zero zero zero zero zero
 * one two. Only the digits 0-9.
 */
export function sayDigits(digits: string, lang: Language): PromptId[] {
  if (!/^\d+$/.test(digits)) throw new RangeError(`not a string of digits: ${digits}`);
  return [...digits].map((d) => (lang === 'en' ? `n-${d}` : d === '1' ? 'digit-1-yao' : `digit-${d}`));
}

/** A ticket number, digit by digit (ticket numbers are digits only: ticket_number_seq). */
export function sayTicket(ticketNumber: string, lang: Language): PromptId[] {
  return sayDigits(ticketNumber, lang);
}

/**
 * The date 'YYYY-MM-DD' and time 'HH:MM' an instant falls on in `timeZone`. `iso` is an ISO 8601 timestamp
 * with its offset ('2026-11-15T06:30:00Z', '2026-11-15T14:30:00+08:00'); one without is refused, since it does
 * not name an instant.
 */
export function localDateTimeOf(iso: string, timeZone = 'Asia/Shanghai'): { date: string; time: string } {
  const m =
    /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/.exec(
      iso,
    );
  if (!m) throw new RangeError(`not a timestamp with a time zone offset: ${iso}`);
  sayDate(m[1]!, 'zh'); // refuses 30 February
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) throw new RangeError(`not a timestamp with a time zone offset: ${iso}`);
  return localDateTimeAt(at, timeZone);
}

/** The date 'YYYY-MM-DD' and time 'HH:MM' of an instant in `timeZone` (see localDateTimeOf). */
export function localDateTimeAt(at: Date, timeZone = 'Asia/Shanghai'): { date: string; time: string } {
  const { date, minutes } = localTime(at, timeZone);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  return { date, time: `${hh}:${String(minutes % 60).padStart(2, '0')}` };
}

/**
 * Month, day and time of an instant in the hotline's time zone, without the year (see the top of the file):
 * '2026-11-15T06:30:00Z' -> 十一月十五日 十四点三十分 / November fifteen at two thirty p m.
 */
export function sayDateTime(iso: string, lang: Language, timeZone = 'Asia/Shanghai'): PromptId[] {
  const { date, time } = localDateTimeOf(iso, timeZone);
  const [month, day] = date.slice(5).split('-').map(Number) as [number, number];
  if (lang === 'en') return [`month-${month}`, ...enNumber(day), 'at', ...sayTime(time, 'en')];
  return [...zhNumber(month), 'month', ...zhNumber(day), 'day', ...sayTime(time, 'zh')];
}

/**
 * One choice of a menu of the caller's homes: key 1 for B3-1502 -> 按1查询 三号楼 一五零二室 / For building
 * three, room one five zero two, press one.
 */
export function sayUnitChoice(key: string, roomCode: string, lang: Language): PromptId[] {
  if (!/^\d$/.test(key)) throw new RangeError(`not a menu key: ${key}`);
  if (lang === 'en') return ['unit-for', ...sayRoom(roomCode, 'en'), 'unit-press', `n-${key}`];
  return ['unit-press', `digit-${key}`, 'unit-for', ...sayRoom(roomCode, 'zh')];
}
