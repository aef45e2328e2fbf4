// The KPI definitions and report periods (core/reports/kpis.ts): what a manager reads next to each figure.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  feeCycleOf,
  figuresMarkdown,
  KPI_DEFINITIONS,
  KPI_IDS,
  kpiFigure,
  kpiValue,
  periodProblem,
  reportMonth,
  reportPeriodOf,
  targetMet,
} from '../../core/index.ts';

describe('a KPI figure', () => {
  it('keeps numerator and denominator and has no value over nothing', () => {
    expect(kpiFigure('service-level', 47, 50, [])).toMatchObject({
      numerator: 47,
      denominator: 50,
      value: 0.94,
    });
    expect(kpiFigure('service-level', 0, 0, [])).toMatchObject({
      numerator: 0,
      denominator: 0,
      value: null,
      met: null,
    });
  });

  it('rounds rates to 4 places and seconds to 1', () => {
    expect(kpiValue('ratio', 2, 3)).toBe(0.6667);
    expect(kpiValue('seconds', 100, 3)).toBe(33.3);
  });

  it('says whether the target is met, and has none for "low" figures', () => {
    expect(kpiFigure('service-level', 50, 50, []).met).toBe(true);
    expect(kpiFigure('service-level', 49, 50, []).met).toBe(false);
    expect(kpiFigure('repair-timeliness', 95, 100, []).met).toBe(true);
    expect(kpiFigure('owner-satisfaction', 89, 100, []).met).toBe(false);
    expect(kpiFigure('repeat-repair', 1, 100, []).met).toBeNull();
    expect(targetMet({ kind: 'at-most', value: 15 }, 15)).toBe(true);
  });

  it('names the filters of the request a figure does not honour', () => {
    expect(kpiFigure('occupancy', 1, 2, ['estate', 'queue', 'agent']).ignoredFilters).toEqual([
      'estate',
      'queue',
    ]);
    expect(kpiFigure('service-level', 1, 2, ['estate', 'queue', 'agent']).ignoredFilters).toEqual(['agent']);
    expect(kpiFigure('aht', 1, 2, ['estate', 'queue', 'agent']).ignoredFilters).toEqual([]);
  });

  it('has no value but a note when it cannot be counted', () => {
    const f = kpiFigure('fee-reminder-coverage', 0, 0, [], { zh: '请选择小区', en: 'Choose an estate' });
    expect(f).toMatchObject({ value: null, note: { en: 'Choose an estate' } });
  });

  it('defines every KPI in Chinese and English, with the short-abandon rule where calls are counted', () => {
    for (const id of KPI_IDS) {
      const k = KPI_DEFINITIONS[id];
      expect(k.id).toBe(id);
      expect(
        k.name.zh.length * k.name.en.length * k.definition.zh.length * k.definition.en.length,
      ).toBeGreaterThan(0);
      expect(k.definition.en).toMatch(/Numerator|numerator/);
    }
    expect(KPI_DEFINITIONS['service-level'].definition.en).toContain('within 5 s');
    expect(KPI_DEFINITIONS.abandonment.definition.zh).toContain('5 秒');
    expect(figuresMarkdown().split('\n')).toHaveLength(KPI_IDS.length + 2);
  });

  it('is defined in the README as in the code', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const id of KPI_IDS) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${id}\``));
      expect(row, id).toContain(KPI_DEFINITIONS[id].definition.en);
      expect(row, id).toContain(KPI_DEFINITIONS[id].definition.zh);
    }
  });
});

describe('a report period', () => {
  it('is whole days, in order, at most a year', () => {
    expect(periodProblem('2026-11-01', '2026-12-01')).toBeNull();
    expect(periodProblem('2026-12-01', '2026-12-01')?.en).toContain('must be after');
    expect(periodProblem('2026-12-02', '2026-12-01')?.zh).toContain('结束日期须晚于开始日期');
    expect(periodProblem('2025-01-01', '2026-01-03')?.en).toContain('at most 366 days');
    expect(periodProblem('2025-01-01', '2026-01-03')).not.toBeNull();
    expect(periodProblem('2024-01-01', '2025-01-01')).toBeNull(); // a leap year: 366 days
    expect(periodProblem('2026-02-30', '2026-03-02')?.en).toContain('is not a date');
  });

  it('puts a week from Monday to Sunday', () => {
    expect(reportPeriodOf('2026-12-07', 'week')).toEqual({
      start: '2026-12-07',
      end: '2026-12-14',
      label: '2026-12-07',
    });
    expect(reportPeriodOf('2026-12-13', 'week').start).toBe('2026-12-07'); // a Sunday
    expect(reportPeriodOf('2027-01-01', 'week').start).toBe('2026-12-28');
  });

  it('closes a month on the 25th', () => {
    expect(reportPeriodOf('2026-12-25', 'month')).toEqual({
      start: '2026-11-26',
      end: '2026-12-26',
      label: '2026-12',
    });
    expect(reportPeriodOf('2026-12-26', 'month')).toEqual({
      start: '2026-12-26',
      end: '2027-01-26',
      label: '2027-01',
    });
    expect(reportMonth('2026-01')).toEqual({ start: '2025-12-26', end: '2026-01-26', label: '2026-01' });
    expect(reportPeriodOf('2026-03-01', 'day')).toEqual({
      start: '2026-03-01',
      end: '2026-03-02',
      label: '2026-03-01',
    });
  });

  it('counts fee-reminder coverage in the billing cycle of the month the period starts in', () => {
    expect(feeCycleOf('2026-11-26')).toBe('2026-11');
  });
});
