// What the IVR says, as lists of prompt ids: amounts in yuan, dates, room codes, in Chinese or English.
// Pure functions; the controller turns prompt ids into media URIs with `promptMedia`.

export type Language = 'zh' | 'en';

/** A prompt id from ivr/prompts/<lang>.tsv. */
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

/** An amount in fen: 123450 -> 一千二百三十四元五角, 200 -> 两元 / one thousand two hundred thirty four yuan and fifty fen. */
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
  // a lone 2 before a measure word is 两: 两元, 两角, 两分 (but 十二元, 二十元)
  const count = (n: number): PromptId[] => (n === 2 ? ['liang'] : zhNumber(n));
  const jiao = Math.floor(cents / 10);
  const fenDigit = cents % 10;
  const out: PromptId[] = [];
  if (yuan > 0) out.push(...count(yuan), 'yuan');
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

/** Media URIs Asterisk can play: generated prompts live in <promptDir>/<lang>/<id>.wav. */
export function promptMedia(promptDir: string, lang: Language, ids: PromptId[]): string[] {
  return ids.map((id) => `sound:${promptDir}/${lang}/${id}`);
}
