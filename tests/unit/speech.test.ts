// What the IVR says: numbers, amounts, dates and room codes as prompt ids, in Chinese and English.
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import {
  enNumber,
  promptMedia,
  sayAmount,
  sayDate,
  sayRoom,
  zhNumber,
  type Language,
  type PromptId,
} from '../../ivr/speech.ts';

/** The prompt ids of ivr/prompts/<lang>.tsv: the first column of each line that is not a comment. */
function catalogue(lang: Language): Set<string> {
  const text = readFileSync(new URL(`../../ivr/prompts/${lang}.tsv`, import.meta.url), 'utf8');
  const ids = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    ids.add(line.split('\t')[0]!);
  }
  return ids;
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
    expect(sayAmount(8620, 'zh')).toEqual(['digit-8', 'ten', 'digit-6', 'yuan', 'liang', 'jiao']);
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

describe('prompt media', () => {
  it('turns prompt ids into sound URIs under the prompt folder and language', () => {
    expect(promptMedia('/srv/hotline/sounds', 'zh', ['welcome', 'digit-1'])).toEqual([
      'sound:/srv/hotline/sounds/zh/welcome',
      'sound:/srv/hotline/sounds/zh/digit-1',
    ]);
    expect(promptMedia('/p', 'en', ['n-20'])).toEqual(['sound:/p/en/n-20']);
  });

  it('gives nothing for no prompts', () => {
    expect(promptMedia('/p', 'zh', [])).toEqual([]);
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

  function everything(lang: Language): PromptId[] {
    return [
      ...numbers.flatMap((n) => (lang === 'zh' ? zhNumber(n) : enNumber(n))),
      ...amounts.flatMap((fen) => sayAmount(fen, lang)),
      ...dates.flatMap((d) => sayDate(d, lang)),
      ...rooms.flatMap((r) => sayRoom(r, lang)),
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

  it('says 两元, 两角 and 两分 for a lone 2 before the unit, but 十二元', () => {
    expect(sayAmount(200, 'zh')).toEqual(['liang', 'yuan', 'zheng']); // 两元整
    expect(sayAmount(1220, 'zh')).toEqual(['ten', 'digit-2', 'yuan', 'liang', 'jiao']); // 十二元两角
    expect(sayAmount(2, 'zh')).toEqual(['liang', 'fen']); // 两分
    expect(sayAmount(202, 'zh')).toEqual(['liang', 'yuan', 'digit-0', 'liang', 'fen']); // 两元零两分
  });
});
