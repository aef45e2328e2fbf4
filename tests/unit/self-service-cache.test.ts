// Estate hours and the estate of a unit are asked on nearly every call: the IVR keeps them for a minute instead
// of asking PostgreSQL each time, and does not keep a failed answer.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Queryable } from '../../db/index.ts';
import { SelfService } from '../../ivr/self-service.ts';

/** A database that knows one unit (7) in one estate (3), open 09:00-18:00 on weekdays; counts its queries. */
function fakeDb(opts: { failFirst?: boolean } = {}) {
  const queries: string[] = [];
  let fail = opts.failFirst ?? false;
  const query = (sql: string) => {
    queries.push(sql.includes('estate_hours') ? 'hours' : sql.includes('FROM units') ? 'unit' : 'other');
    if (fail) {
      fail = false;
      return Promise.reject(new Error('connection terminated'));
    }
    if (sql.includes('estate_hours')) {
      const rows = [1, 2, 3, 4, 5].map((weekday) => ({
        timeZone: 'Asia/Shanghai',
        openOnHolidays: false,
        weekday,
        opens: '09:00:00',
        closes: '18:00:00',
      }));
      return Promise.resolve({ rows });
    }
    if (sql.includes('FROM units')) return Promise.resolve({ rows: [{ estateId: 3 }] });
    return Promise.resolve({ rows: [] });
  };
  return { db: { query } as unknown as Queryable, queries };
}

// Tuesday 2026-11-24 10:00 and 19:00 in Shanghai
const MORNING = new Date('2026-11-24T02:00:00Z');
const EVENING = new Date('2026-11-24T11:00:00Z');

afterEach(() => {
  vi.useRealTimers();
});

describe('estate hours in the IVR', () => {
  it('asks the database once a minute, not once a call', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(MORNING);
    const { db, queries } = fakeDb();
    const service = new SelfService(db);
    expect(await service.hours(null, 7, '4008200000', MORNING)).toBe('open');
    expect(await service.hours(null, 7, '4008200000', EVENING)).toBe('closed');
    expect(queries).toEqual(['unit', 'hours']);
    vi.setSystemTime(new Date(MORNING.getTime() + 61_000));
    expect(await service.hours(null, 7, '4008200000', MORNING)).toBe('open');
    expect(queries).toEqual(['unit', 'hours', 'unit', 'hours']);
  });

  it('asks again after a failed query instead of keeping the failure', async () => {
    const { db, queries } = fakeDb({ failFirst: true });
    const service = new SelfService(db);
    await expect(service.hours(null, 7, '4008200000', MORNING)).rejects.toThrow('connection terminated');
    expect(await service.hours(null, 7, '4008200000', MORNING)).toBe('open');
    expect(queries).toEqual(['unit', 'unit', 'hours']);
  });
});
