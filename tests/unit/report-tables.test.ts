// The reports as tables (core/reports/tables.ts): what the reports page shows and the CSV / XLSX exports hold.
import { describe, expect, it } from 'vitest';
import {
  complaintTable,
  kpiFigure,
  kpiMetText,
  kpiTable,
  kpiTargetText,
  kpiValueText,
  reportFileName,
  toCsv,
} from '../../core/index.ts';

describe('a KPI as text', () => {
  it('shows ratios as percentages, seconds as seconds and no figure as a dash', () => {
    expect(kpiValueText('ratio', 0.7273)).toBe('72.7%');
    expect(kpiValueText('seconds', 11)).toBe('11 秒 s');
    expect(kpiValueText('count', 3)).toBe('3');
    expect(kpiValueText('ratio', null)).toBe('—');
    expect(kpiTargetText({ kind: 'at-least', value: 0.8 }, 'ratio')).toBe('≥ 80.0%');
    expect(kpiTargetText({ kind: 'at-most', value: 20 }, 'seconds')).toBe('≤ 20 秒 s');
    expect(kpiTargetText({ kind: 'low', value: null }, 'ratio')).toBe('越低越好 Lower is better');
    expect([kpiMetText(true), kpiMetText(false), kpiMetText(null)]).toEqual([
      '达标 Met',
      '未达标 Not met',
      '—',
    ]);
  });

  it('puts each KPI in a row with its numbers as numbers and its definition in both languages', () => {
    const [header, row] = kpiTable([kpiFigure('service-level', 7, 10, [])]);
    expect(header).toHaveLength(row!.length);
    expect(row!.slice(0, 7)).toEqual([
      'service-level',
      '三声接听率(服务水平)',
      'Service level (answered within 3 rings)',
      0.7,
      '70.0%',
      7,
      10,
    ]);
    expect(row![9]).toContain('短放弃');
    expect(row![10]).toContain('short abandons');
  });
});

describe('the complaint report as a table', () => {
  it('has a row per period and category', () => {
    const counts = (category: string, registered: number) => ({
      category,
      registered,
      resolved: 0,
      invalid: 0,
      repliedInTime: 0,
      replyDecided: 0,
    });
    const rows = complaintTable({
      period: 'day',
      from: '2025-04-14',
      to: '2025-04-16',
      categories: ['工程质量', '其他'],
      periods: [
        {
          label: '2025-04-14',
          start: '2025-04-14',
          end: '2025-04-15',
          registered: 2,
          categories: [counts('工程质量', 2), counts('其他', 0)],
        },
        {
          label: '2025-04-15',
          start: '2025-04-15',
          end: '2025-04-16',
          registered: 1,
          categories: [counts('工程质量', 0), counts('其他', 1)],
        },
      ],
    });
    expect(rows.slice(1).map((r) => [r[0], r[3], r[4]])).toEqual([
      ['2025-04-14', '工程质量 construction quality', 2],
      ['2025-04-14', '其他 other', 0],
      ['2025-04-15', '工程质量 construction quality', 0],
      ['2025-04-15', '其他 other', 1],
    ]);
  });
});

describe('CSV', () => {
  it('starts with a byte-order mark, ends lines with CRLF and quotes commas, quotes and line breaks', () => {
    expect(
      toCsv([
        ['a', 1, null],
        ['b,c', 'say "hi"', 'two\nlines'],
      ]),
    ).toBe('\uFEFFa,1,\r\n"b,c","say ""hi""","two\nlines"\r\n');
  });

  it('names the files by report, period kind and dates', () => {
    expect(reportFileName('kpis', { from: '2025-04-14', to: '2025-04-15' }, 'csv')).toBe(
      'kpis-2025-04-14_2025-04-15.csv',
    );
    expect(
      reportFileName('complaints', { from: '2025-04-14', to: '2025-04-21', period: 'week' }, 'xlsx'),
    ).toBe('complaints-week-2025-04-14_2025-04-21.xlsx');
  });
});
