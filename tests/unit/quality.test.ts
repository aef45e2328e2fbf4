// Quality assurance's rules (core/quality.ts): the periods samples are drawn for (Shanghai days, ISO weeks,
// months), the scoring form's rules, a sample's total.
import { describe, expect, it } from 'vitest';
import {
  checkQaItems,
  DEFAULT_QA_ITEMS,
  previousQaPeriod,
  qaPeriodAt,
  scoreQaSample,
} from '../../core/quality.ts';

const at = (iso: string) => new Date(iso);

describe('periods, Asia/Shanghai', () => {
  it('a week runs Monday to Sunday and is named by its ISO week', () => {
    // Monday 2026-12-07 00:30 in Shanghai is still Sunday in UTC
    const p = qaPeriodAt('week', at('2026-12-06T16:30:00Z'));
    expect(p).toMatchObject({ label: '2026-W50', firstDay: '2026-12-07' });
    expect(p.from.toISOString()).toBe('2026-12-06T16:00:00.000Z');
    expect(p.to.toISOString()).toBe('2026-12-13T16:00:00.000Z');
    expect(qaPeriodAt('week', at('2026-12-06T15:59:59Z')).label).toBe('2026-W49');
  });

  it('names the weeks around a new year as ISO does', () => {
    expect(qaPeriodAt('week', at('2026-01-01T04:00:00Z')).label).toBe('2026-W01');
    expect(qaPeriodAt('week', at('2027-01-01T04:00:00Z'))).toMatchObject({
      label: '2026-W53',
      firstDay: '2026-12-28',
    });
    expect(qaPeriodAt('week', at('2021-01-03T04:00:00Z')).label).toBe('2020-W53');
  });

  it('a day and a month are calendar ones', () => {
    expect(qaPeriodAt('day', at('2026-12-06T16:30:00Z'))).toMatchObject({ label: '2026-12-07' });
    const m = qaPeriodAt('month', at('2026-12-31T17:00:00Z'));
    expect(m).toMatchObject({ label: '2027-01', firstDay: '2027-01-01' });
    expect(m.to.toISOString()).toBe('2027-01-31T16:00:00.000Z');
  });

  it('the workers draw the period before the current one', () => {
    expect(previousQaPeriod('week', at('2026-12-07T03:00:00Z')).label).toBe('2026-W49');
    expect(previousQaPeriod('month', at('2026-01-15T03:00:00Z')).label).toBe('2025-12');
    expect(previousQaPeriod('day', at('2026-03-01T03:00:00Z')).label).toBe('2026-02-28');
  });
});

describe('the scoring form', () => {
  it('the default form adds up to 100', () => {
    expect(DEFAULT_QA_ITEMS.reduce((a, b) => a + b.points, 0)).toBe(100);
  });

  it('keeps trimmed items and says what is wrong with a bad one', () => {
    expect(checkQaItems([{ label: ' 问候 ', points: 10 }])).toEqual({
      ok: true,
      items: [{ label: '问候', points: 10 }],
    });
    const problem = (items: { label: string; points: number }[]) => {
      const c = checkQaItems(items);
      return c.ok ? null : c.message;
    };
    expect(problem([])).toContain('The form needs 1 to 20 items');
    expect(problem([{ label: '', points: 5 }])).toContain('Item 1 needs a name');
    expect(problem([{ label: '问候', points: 0 }])).toContain(
      "Item 1's points must be a whole number from 1 to 100",
    );
    expect(problem([{ label: '问候', points: 2.5 }])).toContain('whole number');
    expect(
      problem([
        { label: '问候', points: 5 },
        { label: '问候 ', points: 5 },
      ]),
    ).toContain('"问候" is on the form twice');
  });
});

describe('a scored sample', () => {
  const items = [
    { label: '问候', points: 20 },
    { label: '解决', points: 80 },
  ];
  it('totals the scores out of the form’s points', () => {
    expect(scoreQaSample(items, [15, 70])).toEqual({ ok: true, total: 85, outOf: 100 });
  });
  it('needs every item, each a whole number within its points', () => {
    const problem = (scores: number[]) => {
      const c = scoreQaSample(items, scores);
      return c.ok ? null : c.message;
    };
    expect(problem([15])).toContain('Score each of the 2 items');
    expect(problem([21, 70])).toContain('"问候" takes a whole number from 0 to 20');
    expect(problem([-1, 70])).toContain('from 0 to 20');
    expect(problem([15, 70.5])).toContain('"解决" takes a whole number from 0 to 80');
    expect(problem([15, Number.NaN])).toContain('"解决"');
  });
});
