// What the IVR says: numbers, amounts, dates, times, digit strings and room codes as prompt ids, in Chinese and
// English; and the prompt catalogue that has a text for each of them.
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { TICKET_STATUSES } from '../../core/index.ts';
import { catalogueIds, parseCatalogue, TONE_TEXT } from '../../ivr/prompt-library.ts';
import { ticketStatusSpeech } from '../../ivr/flow/readouts.ts';
import {
  enNumber,
  localDateTimeOf,
  sayAmount,
  sayDate,
  sayDateTime,
  sayDigits,
  sayRoom,
  sayTicket,
  sayTime,
  sayUnitChoice,
  zhNumber,
  type Language,
  type PromptId,
} from '../../ivr/speech.ts';

const CATALOGUE = parseCatalogue(
  readFileSync(new URL('../../ivr/prompts/catalogue.tsv', import.meta.url), 'utf8'),
);

/** The prompt ids with a text in that language's column of ivr/prompts/catalogue.tsv. */
function catalogue(lang: Language): Set<string> {
  return catalogueIds(CATALOGUE, lang);
}

describe('Chinese numbers', () => {
  it('says zero and single digits as the digit', () => {
    expect(zhNumber(0)).toEqual(['digit-0']);
    expect(zhNumber(7)).toEqual(['digit-7']);
  });

  it('says ten to nineteen as 十, 十五 rather than 一十', () => {
    expect(zhNumber(10)).toEqual(['ten']);
    expect(zhNumber(15)).toEqual(['ten', 'digit-5']);
  });

  it('says twenty as 二十', () => {
    expect(zhNumber(20)).toEqual(['digit-2', 'ten']);
  });

  it('says a zero inside a number once: 105 is 一百零五', () => {
    expect(zhNumber(105)).toEqual(['digit-1', 'hundred', 'digit-0', 'digit-5']);
  });

  it('says 1010 as 一千零一十, keeping the 一 before 十 inside a number', () => {
    expect(zhNumber(1010)).toEqual(['digit-1', 'thousand', 'digit-0', 'digit-1', 'ten']);
  });

  it('says 1234 as 一千二百三十四', () => {
    expect(zhNumber(1234)).toEqual([
      'digit-1',
      'thousand',
      'digit-2',
      'hundred',
      'digit-3',
      'ten',
      'digit-4',
    ]);
  });

  it('says 10005 as 一万零五', () => {
    expect(zhNumber(10005)).toEqual(['digit-1', 'ten-thousand', 'digit-0', 'digit-5']);
  });

  it('says 100000 as 十万 with no trailing zero', () => {
    expect(zhNumber(100000)).toEqual(['ten', 'ten-thousand']);
  });

  it('says 120034 as 十二万零三十四', () => {
    expect(zhNumber(120034)).toEqual([
      'ten',
      'digit-2',
      'ten-thousand',
      'digit-0',
      'digit-3',
      'ten',
      'digit-4',
    ]);
  });

  it('says a hundred million as 一亿', () => {
    expect(zhNumber(100000000)).toEqual(['digit-1', 'hundred-million']);
  });

  it('refuses negative, fractional and too large numbers', () => {
    expect(() => zhNumber(-1)).toThrow(RangeError);
    expect(() => zhNumber(1.5)).toThrow(RangeError);
    expect(() => zhNumber(1e12)).toThrow(RangeError);
  });
});

describe('English numbers', () => {
  it('says zero and the teens as one word', () => {
    expect(enNumber(0)).toEqual(['n-0']);
    expect(enNumber(13)).toEqual(['n-13']);
  });

  it('says round tens as one word and other tens as two', () => {
    expect(enNumber(40)).toEqual(['n-40']);
    expect(enNumber(99)).toEqual(['n-90', 'n-9']);
  });

  it('says 105 as one hundred five', () => {
    expect(enNumber(105)).toEqual(['n-1', 'hundred', 'n-5']);
  });

  it('says 1234 as one thousand two hundred thirty four', () => {
    expect(enNumber(1234)).toEqual(['n-1', 'thousand', 'n-2', 'hundred', 'n-30', 'n-4']);
  });

  it('says the year 2026 as two thousand twenty six', () => {
    expect(enNumber(2026)).toEqual(['n-2', 'thousand', 'n-20', 'n-6']);
  });

  it('says a million as one million', () => {
    expect(enNumber(1000000)).toEqual(['n-1', 'million']);
  });

  it('refuses negative and too large numbers', () => {
    expect(() => enNumber(-3)).toThrow(RangeError);
    expect(() => enNumber(1e9)).toThrow(RangeError);
  });
});

describe('amounts in fen', () => {
  it('says 1234.50 yuan as 一千二百三十四元五角', () => {
    expect(sayAmount(123450, 'zh')).toEqual([
      'digit-1',
      'thousand',
      'digit-2',
      'hundred',
      'digit-3',
      'ten',
      'digit-4',
      'yuan',
      'digit-5',
      'jiao',
    ]);
  });

  it('says a whole amount with 整: 1000 yuan is 一千元整', () => {
    expect(sayAmount(100000, 'zh')).toEqual(['digit-1', 'thousand', 'yuan', 'zheng']);
  });

  it('says 86.20 yuan as 八十六元二角', () => {
    expect(sayAmount(8620, 'zh')).toEqual(['digit-8', 'ten', 'digit-6', 'yuan', 'digit-2', 'jiao']);
  });

  it('says nothing at all as 零元整 / zero yuan', () => {
    expect(sayAmount(0, 'zh')).toEqual(['digit-0', 'yuan', 'zheng']);
    expect(sayAmount(0, 'en')).toEqual(['n-0', 'yuan']);
  });

  it('says 1.05 yuan as 一元零五分', () => {
    expect(sayAmount(105, 'zh')).toEqual(['digit-1', 'yuan', 'digit-0', 'digit-5', 'fen']);
  });

  it('says 7.35 yuan as 七元三角五分', () => {
    expect(sayAmount(735, 'zh')).toEqual(['digit-7', 'yuan', 'digit-3', 'jiao', 'digit-5', 'fen']);
  });

  it('says an amount under one yuan without 零元: 0.05 is 五分 and 0.50 is 五角', () => {
    expect(sayAmount(5, 'zh')).toEqual(['digit-5', 'fen']);
    expect(sayAmount(50, 'zh')).toEqual(['digit-5', 'jiao']);
  });

  it('says 1234.50 yuan in English as ... yuan and fifty fen', () => {
    expect(sayAmount(123450, 'en')).toEqual([
      'n-1',
      'thousand',
      'n-2',
      'hundred',
      'n-30',
      'n-4',
      'yuan',
      'and',
      'n-50',
      'fen',
    ]);
  });

  it('says a whole amount in English without fen', () => {
    expect(sayAmount(100000, 'en')).toEqual(['n-1', 'thousand', 'yuan']);
  });

  it('says 86.20 yuan in English as eighty six yuan and twenty fen', () => {
    expect(sayAmount(8620, 'en')).toEqual(['n-80', 'n-6', 'yuan', 'and', 'n-20', 'fen']);
  });

  it('says an amount under one yuan in English as just the fen: five fen', () => {
    expect(sayAmount(5, 'en')).toEqual(['n-5', 'fen']);
  });

  it('refuses a negative or fractional amount', () => {
    expect(() => sayAmount(-100, 'zh')).toThrow(RangeError);
    expect(() => sayAmount(12.5, 'en')).toThrow(RangeError);
  });
});

describe('dates', () => {
  it('says 2026-10-31 in Chinese as 二零二六年十月三十一日', () => {
    expect(sayDate('2026-10-31', 'zh')).toEqual([
      'digit-2',
      'digit-0',
      'digit-2',
      'digit-6',
      'year',
      'ten',
      'month',
      'digit-3',
      'ten',
      'digit-1',
      'day',
    ]);
  });

  it('says 2026-10-31 in English as October thirty one two thousand twenty six', () => {
    expect(sayDate('2026-10-31', 'en')).toEqual([
      'month-10',
      'n-30',
      'n-1',
      'n-2',
      'thousand',
      'n-20',
      'n-6',
    ]);
  });

  it('says a single-digit month and day without a leading zero: 2026-09-05 is 九月五日', () => {
    expect(sayDate('2026-09-05', 'zh')).toEqual([
      'digit-2',
      'digit-0',
      'digit-2',
      'digit-6',
      'year',
      'digit-9',
      'month',
      'digit-5',
      'day',
    ]);
  });

  it('refuses text that is not a YYYY-MM-DD date', () => {
    expect(() => sayDate('2026/10/31', 'zh')).toThrow(RangeError);
    expect(() => sayDate('31-10-2026', 'en')).toThrow(RangeError);
    expect(() => sayDate('2026-10-31T00:00:00Z', 'zh')).toThrow(RangeError);
    expect(() => sayDate('', 'en')).toThrow(RangeError);
  });

  it('refuses a date that is not on the calendar (month 13, 30 February)', () => {
    expect(() => sayDate('2026-13-01', 'en')).toThrow(RangeError);
    expect(() => sayDate('2026-02-30', 'zh')).toThrow(RangeError);
  });
});

describe('room codes', () => {
  it('says B3-1502 in Chinese as 三号楼 一五零二室', () => {
    expect(sayRoom('B3-1502', 'zh')).toEqual([
      'digit-3',
      'building',
      'digit-1',
      'digit-5',
      'digit-0',
      'digit-2',
      'room',
    ]);
  });

  it('says B3-1502 in English as building three, room one five zero two', () => {
    expect(sayRoom('B3-1502', 'en')).toEqual(['building', 'n-3', 'room', 'n-1', 'n-5', 'n-0', 'n-2']);
  });

  it('says building 12 as a number and the room digit by digit, leading zero included', () => {
    expect(sayRoom('B12-0801', 'zh')).toEqual([
      'ten',
      'digit-2',
      'building',
      'digit-0',
      'digit-8',
      'digit-0',
      'digit-1',
      'room',
    ]);
    expect(sayRoom('B12-0801', 'en')).toEqual(['building', 'n-12', 'room', 'n-0', 'n-8', 'n-0', 'n-1']);
  });

  it('refuses a code that is not building-room', () => {
    expect(() => sayRoom('1502', 'zh')).toThrow(RangeError);
    expect(() => sayRoom('B3_1502', 'en')).toThrow(RangeError);
    expect(() => sayRoom('B-1502', 'zh')).toThrow(RangeError);
    expect(() => sayRoom('', 'en')).toThrow(RangeError);
  });
});

describe('the prompt catalogue', () => {
  const numbers = [
    0, 1, 2, 7, 10, 11, 15, 19, 20, 21, 99, 100, 101, 105, 110, 999, 1000, 1010, 1234, 2026, 9999, 10000,
    10005, 100000, 120034, 999999, 1000000, 12345678, 100000000,
  ];
  const amounts = [0, 5, 50, 99, 100, 105, 735, 8620, 24500, 100000, 123450, 99999999];
  const dates = [
    '2026-01-01',
    '2026-02-09',
    '2026-09-30',
    '2026-10-31',
    '2026-11-15',
    '2026-12-25',
    '2030-06-20',
  ];
  const rooms = ['B1-0801', 'B3-1502', 'B5-0302', 'B12-0801', 'B20-2309', 'T7-0099'];

  const times = [
    '00:00',
    '00:05',
    '01:10',
    '02:00',
    '09:30',
    '11:59',
    '12:00',
    '12:01',
    '13:45',
    '20:02',
    '23:22',
  ];
  const instants = ['2026-11-15T06:30:00Z', '2026-12-31T16:05:00Z', '2027-06-01T04:00:00Z'];

  function everything(lang: Language): PromptId[] {
    return [
      ...numbers.flatMap((n) => (lang === 'zh' ? zhNumber(n) : enNumber(n))),
      ...amounts.flatMap((fen) => sayAmount(fen, lang)),
      ...dates.flatMap((d) => sayDate(d, lang)),
      ...rooms.flatMap((r) => sayRoom(r, lang)),
      ...times.flatMap((t) => sayTime(t, lang)),
      ...instants.flatMap((t) => sayDateTime(t, lang)),
      ...sayDigits('0123456789', lang),
      ...rooms.flatMap((r, i) => sayUnitChoice(String(i + 1), r, lang)),
    ];
  }

  for (const lang of ['zh', 'en'] as const) {
    it(`has every ${lang} prompt the speech functions produce`, () => {
      const known = catalogue(lang);
      const missing = [...new Set(everything(lang))].filter((id) => !known.has(id));
      expect(missing).toEqual([]);
    });
  }

  it('has every month of the year in English', () => {
    const known = catalogue('en');
    const months = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'];
    const missing = months.flatMap((m) => sayDate(`2026-${m}-01`, 'en')).filter((id) => !known.has(id));
    expect(missing).toEqual([]);
  });
});

describe('两 where Mandarin uses it', () => {
  it('reads a 2 before 千, 万 and 亿 as 两, and keeps 二 before 百 and 十 and at the end', () => {
    expect(zhNumber(2000)).toEqual(['liang', 'thousand']); // 两千
    expect(zhNumber(2222)).toEqual(['liang', 'thousand', 'digit-2', 'hundred', 'digit-2', 'ten', 'digit-2']); // 两千二百二十二
    expect(zhNumber(20000)).toEqual(['liang', 'ten-thousand']); // 两万
    expect(zhNumber(200000000)).toEqual(['liang', 'hundred-million']); // 两亿
    expect(zhNumber(12)).toEqual(['ten', 'digit-2']); // 十二
    expect(zhNumber(200)).toEqual(['digit-2', 'hundred']); // 二百
  });

  it('says 两元, 两角 and 两分 for a lone 2 leading the amount, but 十二元 and 二 after it', () => {
    expect(sayAmount(200, 'zh')).toEqual(['liang', 'yuan', 'zheng']); // 两元整
    expect(sayAmount(1220, 'zh')).toEqual(['ten', 'digit-2', 'yuan', 'digit-2', 'jiao']); // 十二元二角
    expect(sayAmount(2, 'zh')).toEqual(['liang', 'fen']); // 两分
    expect(sayAmount(22, 'zh')).toEqual(['liang', 'jiao', 'digit-2', 'fen']); // 两角二分
    expect(sayAmount(202, 'zh')).toEqual(['liang', 'yuan', 'digit-0', 'digit-2', 'fen']); // 两元零二分
  });

  it("says two o'clock as 两点, and 二 in 十二点 and 二十二点", () => {
    expect(sayTime('02:00', 'zh')).toEqual(['liang', 'o-clock']);
    expect(sayTime('12:00', 'zh')).toEqual(['ten', 'digit-2', 'o-clock']);
    expect(sayTime('22:00', 'zh')).toEqual(['digit-2', 'ten', 'digit-2', 'o-clock']);
  });
});

describe('the catalogue file', () => {
  it('has a Chinese and an English text for every prompt of the self-service flows', () => {
    const both = [
      ...['press-9-other-language', 'language-switched', 'enter-room', 'enter-pin', 'wrong-pin'],
      ...['verify-failed-agent', 'pick-unit', 'unit-press', 'unit-for', 'menu-main-full'],
      ...['fees-breakdown', 'fee-kind-property', 'fee-kind-water', 'fee-kind-electricity'],
      ...['fee-kind-gas', 'fee-kind-parking', 'menu-fees', 'enter-ticket', 'ticket-number-is'],
      ...['ticket-not-found', 'ticket-status-is', 'ticket-status-registered', 'ticket-status-dispatched'],
      ...['ticket-status-resolved', 'ticket-status-closed', 'ticket-expected', 'menu-repair-kind'],
      ...['menu-repair-urgent', 'repair-registered', 'repair-urgent-agent', 'notices-none', 'notices-intro'],
      ...['notice-water-cut', 'notice-power-cut', 'notice-gas-cut', 'notice-works', 'notice-storm'],
      ...['notice-other', 'from', 'to', 'notice-next', 'to-complaints', 'to-emergency', 'after-hours'],
      ...['holiday', 'menu-after-hours', 'leave-message', 'message-saved', 'beep', 'main-menu-back'],
      ...['thank-you', 'goodbye'],
    ];
    const zh = catalogue('zh');
    const en = catalogue('en');
    expect(both.filter((id) => !zh.has(id) || !en.has(id))).toEqual([]);
  });

  it('reads out every status of a ticket, in both languages, and no expected completion once it is done', () => {
    const zh = catalogue('zh');
    const en = catalogue('en');
    for (const status of TICKET_STATUSES) {
      const heard = ticketStatusSpeech(
        { number: '10000042', status, expectedDoneAt: '2026-11-25T10:00:00Z' },
        'zh',
      );
      expect(heard, status).toContain(`ticket-status-${status}`);
      expect(zh.has(`ticket-status-${status}`) && en.has(`ticket-status-${status}`), status).toBe(true);
      expect(heard.includes('ticket-expected'), status).toBe(
        !['resolved', 'revisited', 'closed', 'invalid'].includes(status),
      );
    }
  });

  it('keeps the prompts the hotline played before the catalogue became one file', () => {
    const zh = catalogue('zh');
    const en = catalogue('en');
    const spoken = ['welcome', 'menu-main', 'fees-unit', 'fees-owed', 'fees-due', 'fees-total', 'to-agent'];
    expect(spoken.filter((id) => !zh.has(id) || !en.has(id))).toEqual([]);
    expect(['jiao', 'zheng', 'liang', 'ten-thousand', 'digit-1-yao'].every((id) => zh.has(id))).toBe(true);
    expect(['and', 'million', 'n-13', 'month-12', 'am', 'pm'].every((id) => en.has(id))).toBe(true);
  });

  it('makes the beep a tone, not speech', () => {
    const beep = CATALOGUE.find((p) => p.id === 'beep')!;
    expect(beep.zh).toMatch(TONE_TEXT);
    expect(beep.en).toMatch(TONE_TEXT);
  });

  it('offers the other language in its own voice: English in the Chinese menu, Chinese in the English one', () => {
    const offer = CATALOGUE.find((p) => p.id === 'press-9-other-language')!;
    // a text without a Chinese character is spoken by the English voice, one with by the Mandarin voice
    expect(offer.zh).not.toMatch(/\p{Script=Han}/u);
    expect(offer.en).toMatch(/\p{Script=Han}/u);
    // played once the caller hears the new language: each column confirms its own language
    const switched = CATALOGUE.find((p) => p.id === 'language-switched')!;
    expect(switched.zh).toMatch(/中文/u);
    expect(switched.en).toMatch(/English/);
  });
});

describe('Mandarin and English readings, table', () => {
  // [value, Chinese prompts, English prompts]; the Chinese in the comment is what the caller hears.
  const amounts: [number, PromptId[], PromptId[]][] = [
    [2, ['liang', 'fen'], ['n-2', 'fen']], // 0.02 两分
    [200, ['liang', 'yuan', 'zheng'], ['n-2', 'yuan']], // 2.00 两元整
    [2000, ['digit-2', 'ten', 'yuan', 'zheng'], ['n-20', 'yuan']], // 20.00 二十元整
    [
      150200, // 1502.00 一千五百零二元整
      ['digit-1', 'thousand', 'digit-5', 'hundred', 'digit-0', 'digit-2', 'yuan', 'zheng'],
      ['n-1', 'thousand', 'n-5', 'hundred', 'n-2', 'yuan'],
    ],
    [
      1000505, // 10005.05 一万零五元零五分
      ['digit-1', 'ten-thousand', 'digit-0', 'digit-5', 'yuan', 'digit-0', 'digit-5', 'fen'],
      ['n-10', 'thousand', 'n-5', 'yuan', 'and', 'n-5', 'fen'],
    ],
    [
      20000000, // 200000.00 二十万元整
      ['digit-2', 'ten', 'ten-thousand', 'yuan', 'zheng'],
      ['n-2', 'hundred', 'thousand', 'yuan'],
    ],
    [
      22222, // 222.22 二百二十二元二角二分
      ['digit-2', 'hundred', 'digit-2', 'ten', 'digit-2', 'yuan', 'digit-2', 'jiao', 'digit-2', 'fen'],
      ['n-2', 'hundred', 'n-20', 'n-2', 'yuan', 'and', 'n-20', 'n-2', 'fen'],
    ],
    [
      222000, // 2220.00 两千二百二十元整
      ['liang', 'thousand', 'digit-2', 'hundred', 'digit-2', 'ten', 'yuan', 'zheng'],
      ['n-2', 'thousand', 'n-2', 'hundred', 'n-20', 'yuan'],
    ],
    [20, ['liang', 'jiao'], ['n-20', 'fen']], // 0.20 两角
  ];
  for (const [fen, zh, en] of amounts) {
    it(`reads the amount ${(fen / 100).toFixed(2)} yuan`, () => {
      expect(sayAmount(fen, 'zh')).toEqual(zh);
      expect(sayAmount(fen, 'en')).toEqual(en);
    });
  }

  const dates: [string, PromptId[], PromptId[]][] = [
    [
      '2026-02-02', // 二零二六年二月二日
      ['digit-2', 'digit-0', 'digit-2', 'digit-6', 'year', 'digit-2', 'month', 'digit-2', 'day'],
      ['month-2', 'n-2', 'n-2', 'thousand', 'n-20', 'n-6'],
    ],
    [
      '2030-12-20', // 二零三零年十二月二十日
      [
        'digit-2',
        'digit-0',
        'digit-3',
        'digit-0',
        'year',
        'ten',
        'digit-2',
        'month',
        'digit-2',
        'ten',
        'day',
      ],
      ['month-12', 'n-20', 'n-2', 'thousand', 'n-30'],
    ],
  ];
  for (const [date, zh, en] of dates) {
    it(`reads the date ${date}`, () => {
      expect(sayDate(date, 'zh')).toEqual(zh);
      expect(sayDate(date, 'en')).toEqual(en);
    });
  }

  const times: [string, PromptId[], PromptId[]][] = [
    ['02:00', ['liang', 'o-clock'], ['n-2', 'am']], // 两点
    ['12:05', ['ten', 'digit-2', 'o-clock', 'digit-0', 'digit-5', 'minute'], ['n-12', 'oh', 'n-5', 'pm']], // 十二点零五分
    ['00:30', ['digit-0', 'o-clock', 'digit-3', 'ten', 'minute'], ['n-12', 'n-30', 'am']], // 零点三十分
    ['09:30', ['digit-9', 'o-clock', 'digit-3', 'ten', 'minute'], ['n-9', 'n-30', 'am']], // 九点三十分
    ['09:00', ['digit-9', 'o-clock'], ['n-9', 'am']], // 九点
    ['14:00', ['ten', 'digit-4', 'o-clock'], ['n-2', 'pm']], // 十四点
    ['12:00', ['ten', 'digit-2', 'o-clock'], ['n-12', 'noon']], // 十二点
    ['00:00', ['digit-0', 'o-clock'], ['n-12', 'midnight']], // 零点
    ['10:10', ['ten', 'o-clock', 'ten', 'minute'], ['n-10', 'n-10', 'am']], // 十点十分
    ['20:02', ['digit-2', 'ten', 'o-clock', 'digit-0', 'digit-2', 'minute'], ['n-8', 'oh', 'n-2', 'pm']], // 二十点零二分
    [
      '22:22', // 二十二点二十二分
      ['digit-2', 'ten', 'digit-2', 'o-clock', 'digit-2', 'ten', 'digit-2', 'minute'],
      ['n-10', 'n-20', 'n-2', 'pm'],
    ],
  ];
  for (const [time, zh, en] of times) {
    it(`reads the time ${time}`, () => {
      expect(sayTime(time, 'zh')).toEqual(zh);
      expect(sayTime(time, 'en')).toEqual(en);
    });
  }

  const digits: [string, PromptId[], PromptId[]][] = [
    [
      '10000012', // a ticket number: 幺零零零零零幺二
      ['digit-1-yao', 'digit-0', 'digit-0', 'digit-0', 'digit-0', 'digit-0', 'digit-1-yao', 'digit-2'],
      ['n-1', 'n-0', 'n-0', 'n-0', 'n-0', 'n-0', 'n-1', 'n-2'],
    ],
    ['0', ['digit-0'], ['n-0']],
    ['9527', ['digit-9', 'digit-5', 'digit-2', 'digit-7'], ['n-9', 'n-5', 'n-2', 'n-7']], // 九五二七
  ];
  for (const [text, zh, en] of digits) {
    it(`reads the digits ${text} one by one`, () => {
      expect(sayDigits(text, 'zh')).toEqual(zh);
      expect(sayDigits(text, 'en')).toEqual(en);
      expect(sayTicket(text, 'zh')).toEqual(zh);
      expect(sayTicket(text, 'en')).toEqual(en);
    });
  }

  const instants: [string, PromptId[], PromptId[]][] = [
    [
      '2026-11-15T06:30:00Z', // 14:30 in Shanghai: 十一月十五日 十四点三十分
      [
        'ten',
        'digit-1',
        'month',
        'ten',
        'digit-5',
        'day',
        'ten',
        'digit-4',
        'o-clock',
        'digit-3',
        'ten',
        'minute',
      ],
      ['month-11', 'n-15', 'at', 'n-2', 'n-30', 'pm'],
    ],
    [
      '2026-12-31T16:05:00.000Z', // already New Year's Day in Shanghai: 一月一日 零点零五分
      ['digit-1', 'month', 'digit-1', 'day', 'digit-0', 'o-clock', 'digit-0', 'digit-5', 'minute'],
      ['month-1', 'n-1', 'at', 'n-12', 'oh', 'n-5', 'am'],
    ],
    [
      '2026-03-02T02:00:00+08:00', // 三月二日 两点
      ['digit-3', 'month', 'digit-2', 'day', 'liang', 'o-clock'],
      ['month-3', 'n-2', 'at', 'n-2', 'am'],
    ],
  ];
  for (const [iso, zh, en] of instants) {
    it(`reads the date and time of ${iso} in Shanghai, without the year`, () => {
      expect(sayDateTime(iso, 'zh')).toEqual(zh);
      expect(sayDateTime(iso, 'en')).toEqual(en);
    });
  }
});

describe('times, digits, date-times and unit choices', () => {
  it('refuses a time that is not HH:MM on the 24-hour clock', () => {
    for (const bad of ['24:00', '12:60', '9:30', '1230', '12:30:00', '', 'noon']) {
      expect(() => sayTime(bad, 'zh'), bad).toThrow(RangeError);
      expect(() => sayTime(bad, 'en'), bad).toThrow(RangeError);
    }
  });

  it('refuses digits that are not only 0-9', () => {
    for (const bad of ['', '12a', '1 2', '-1', '1.5', '１２']) {
      expect(() => sayDigits(bad, 'zh'), bad).toThrow(RangeError);
      expect(() => sayTicket(bad, 'en'), bad).toThrow(RangeError);
    }
  });

  it('keeps 一 in room numbers while digit strings say 幺', () => {
    expect(sayRoom('B1-1101', 'zh')).not.toContain('digit-1-yao');
    expect(sayDigits('1101', 'zh')).toEqual(['digit-1-yao', 'digit-1-yao', 'digit-0', 'digit-1-yao']);
  });

  it('reads an instant in the time zone it is given', () => {
    expect(localDateTimeOf('2026-11-15T06:30:00Z')).toEqual({ date: '2026-11-15', time: '14:30' });
    expect(localDateTimeOf('2026-11-15T06:30:00Z', 'UTC')).toEqual({ date: '2026-11-15', time: '06:30' });
    expect(sayDateTime('2026-11-15T14:30:00+08:00', 'en', 'UTC')).toEqual([
      'month-11',
      'n-15',
      'at',
      'n-6',
      'n-30',
      'am',
    ]);
  });

  it('refuses a timestamp without an offset, a bare date, a day not on the calendar and an unknown zone', () => {
    for (const bad of [
      '2026-11-15T14:30:00',
      '2026-11-15',
      '2026-02-30T10:00:00Z',
      '2026-11-15T24:00:00Z',
      'x',
    ]) {
      expect(() => sayDateTime(bad, 'zh'), bad).toThrow(RangeError);
    }
    expect(() => sayDateTime('2026-11-15T06:30:00Z', 'zh', 'Mars/Olympus_Mons')).toThrow(RangeError);
  });

  it('offers a home as 按1查询 三号楼 一五零二室 / For building three, room one five zero two, press one', () => {
    expect(sayUnitChoice('1', 'B3-1502', 'zh')).toEqual([
      'unit-press',
      'digit-1',
      'unit-for',
      'digit-3',
      'building',
      'digit-1',
      'digit-5',
      'digit-0',
      'digit-2',
      'room',
    ]);
    expect(sayUnitChoice('1', 'B3-1502', 'en')).toEqual([
      'unit-for',
      'building',
      'n-3',
      'room',
      'n-1',
      'n-5',
      'n-0',
      'n-2',
      'unit-press',
      'n-1',
    ]);
    expect(() => sayUnitChoice('10', 'B3-1502', 'zh')).toThrow(RangeError);
    expect(() => sayUnitChoice('*', 'B3-1502', 'en')).toThrow(RangeError);
  });
});
