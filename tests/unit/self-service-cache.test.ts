// Estate hours and the estate of a unit are asked on nearly every call: the IVR keeps them for a minute instead
// of asking PostgreSQL each time (the estate of the caller's units comes with the owner), and does not keep a
// failed answer. A database that does not answer is given up after the caller's wait.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Queryable } from '../../db/index.ts';
import { SelfService } from '../../ivr/self-service.ts';

/**
 * A database that knows one owner with one unit (7) in one estate (3), open 09:00-18:00 on weekdays; counts its
 * queries. `hang`: it never answers.
 */
function fakeDb(opts: { failFirst?: boolean; hang?: boolean } = {}) {
  const queries: string[] = [];
  let fail = opts.failFirst ?? false;
  const query = (q: string | { text: string }) => {
    const sql = typeof q === 'string' ? q : q.text;
    queries.push(
      sql.includes('fee_items')
        ? 'fees'
        : sql.includes('estate_hours')
          ? 'hours'
          : sql.includes('owner_phones')
            ? 'owner'
            : sql.includes('FROM units')
              ? 'unit'
              : 'other',
    );
    if (opts.hang) return new Promise(() => undefined);
    if (sql.includes('owner_phones')) {
      const units = [{ unitId: 7, roomCode: 'B3-1502', building: '3号楼', estate: '翠湖花园', estateId: 3 }];
      return Promise.resolve({ rows: [{ id: 1, name: '张伟', vip: false, language: 'zh', units }] });
    }
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
    if (sql.includes('fee_items')) {
      const rows = [
        { unitId: 7, roomCode: 'B3-1502', kind: 'water', amountFen: 4520, dueDate: '2026-09-15' },
        { unitId: 7, roomCode: 'B3-1502', kind: 'property', amountFen: 123450, dueDate: '2026-09-30' },
        { unitId: 7, roomCode: 'B3-1502', kind: 'water', amountFen: 1000, dueDate: '2026-10-15' },
      ];
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

  it("knows the estate of the caller's units from the owner lookup", async () => {
    const { db, queries } = fakeDb();
    const service = new SelfService(db);
    expect((await service.identifyCaller('13800138000'))?.name).toBe('张伟');
    expect(await service.hours(null, 7, '4008200000', MORNING)).toBe('open');
    expect(queries).toEqual(['owner', 'hours']);
  });

  it('gives up on a database that does not answer after the wait, and asks again next time', async () => {
    const { db, queries } = fakeDb({ hang: true });
    const service = new SelfService(db, 50);
    await expect(service.hours(null, 7, '4008200000', MORNING)).rejects.toThrow(
      'the database did not answer in 50 ms',
    );
    await expect(service.identifyCaller('13800138000')).rejects.toThrow('did not answer');
    await expect(service.hours(null, 7, '4008200000', MORNING)).rejects.toThrow('did not answer');
    expect(queries).toEqual(['unit', 'owner', 'unit']);
  });

  it("reads a unit's unpaid fees once for the balance and the bills that follow it, not for a later call", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(MORNING);
    const { db, queries } = fakeDb();
    const service = new SelfService(db);
    const balance = await service.lookup(
      { do: 'lookup', what: 'fee_balance', into: 'fees', unitIds: [7], ticket: null },
      '',
    );
    expect(balance).toMatchObject({
      what: 'fee_balance',
      items: [{ kind: 'water', amountFen: 4520 }, {}, {}],
    });
    expect(
      await service.lookup({ do: 'lookup', what: 'bills', into: 'bills', unitIds: [7], ticket: null }, ''),
    ).toEqual({
      what: 'bills',
      byKind: [
        { kind: 'property', amountFen: 123450, items: 1 },
        { kind: 'water', amountFen: 5520, items: 2 },
      ],
    });
    expect(queries).toEqual(['fees']);
    vi.setSystemTime(new Date(MORNING.getTime() + 3_001));
    await service.lookup({ do: 'lookup', what: 'bills', into: 'bills', unitIds: [7], ticket: null }, '');
    expect(queries).toEqual(['fees', 'fees']);
  });
});
