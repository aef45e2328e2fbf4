// The demo-data generator: deterministic, realistic enough, and consistent with the fixtures the demo relies on.
import { describe, it, expect } from 'vitest';
import { normalizePhone } from '../../core/phone.ts';
import {
  DEMO_AGENTS,
  DEMO_ESTATE,
  DEMO_FIXTURE_OWNERS,
  DEMO_HOTLINE_NUMBER,
  DEMO_OWNER,
  DEMO_OWNER_NO_ARREARS,
  DEMO_OWNER_TWO_UNITS,
  DEMO_WATER_CUT,
  DEMO_WORKS,
  estateIdentity,
  fixtureBatch,
  randomBatches,
  type DemoBatch,
} from '../../db/demo-data.ts';

const AS_OF = new Date('2026-11-23T04:00:00Z'); // 12:00 in Shanghai
const SAMPLE_OWNERS = 20_000;
const MOBILE = /^1(3\d|5[0-35-9]|7[35-8]|8\d|9[89])\d{8}$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DAY_MS = 86_400_000;

/** All rows of a list of batches, table by table. */
function merge(batches: readonly DemoBatch[]): DemoBatch {
  const all = fixtureBatch(AS_OF);
  for (const key of Object.keys(all) as (keyof DemoBatch)[]) all[key] = [];
  for (const batch of batches) {
    for (const key of Object.keys(all) as (keyof DemoBatch)[]) (all[key] as unknown[]).push(...batch[key]);
  }
  return all;
}

const sampleBatches = [...randomBatches({ owners: SAMPLE_OWNERS + 3, seed: 42, asOf: AS_OF })];
const sample = merge(sampleBatches);

describe('the demo-data generator', () => {
  it('gives the same batches for the same seed and different ones for another seed', () => {
    const firstBatch = (owners: number, seed: number) => {
      const [first] = randomBatches({ owners, seed, asOf: AS_OF });
      return first;
    };
    expect(firstBatch(5000, 7)).toEqual(firstBatch(5000, 7));
    expect(firstBatch(5000, 7)?.owners).toHaveLength(4997);
    expect(firstBatch(5000, 8)).not.toEqual(firstBatch(5000, 7));
    expect(sampleBatches[0]).toEqual(firstBatch(SAMPLE_OWNERS + 3, 42));
  });

  it('makes exactly the number of owners asked for, the three fixtures included', () => {
    expect(sample.owners).toHaveLength(SAMPLE_OWNERS);
    expect(sample.owners[0]?.id).toBe(4);
    expect(sample.owners.at(-1)?.id).toBe(SAMPLE_OWNERS + 3);
  });

  it('gives owners valid, normalised, unique mainland mobile numbers, one or two each', () => {
    const numbers = sample.ownerPhones.map((p) => p.number);
    for (const n of numbers) {
      expect(n).toMatch(MOBILE);
      expect(normalizePhone(n)).toBe(n);
    }
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const fixture of DEMO_FIXTURE_OWNERS) expect(numbers).not.toContain(fixture.phone);
    const perOwner = countBy(sample.ownerPhones.map((p) => p.ownerId));
    expect(Math.max(...perOwner.values())).toBe(2);
    expect(perOwner.size).toBe(SAMPLE_OWNERS);
  });

  it('names owners with common Chinese names, a few with compound surnames', () => {
    for (const o of sample.owners) expect(o.name).toMatch(/^[\u4e00-\u9fff]{2,4}$/);
    const compound = sample.owners.filter((o) => /^(欧阳|司马|上官|诸葛|东方|皇甫|慕容)/.test(o.name));
    expect(compound.length).toBeGreaterThan(0);
    expect(share(sample.owners, (o) => o.vip)).toBeCloseTo(0.03, 1);
    expect(share(sample.owners, (o) => o.language === 'en')).toBeCloseTo(0.05, 1);
  });

  it('writes room codes as building-floor+room, never repeating a fixture room in the first estate', () => {
    const estateOfBuilding = new Map(
      [...fixtureBatch(AS_OF).buildings, ...sample.buildings].map((b) => [b.id, b.estateId]),
    );
    const seen = new Set<string>();
    for (const u of sample.units) {
      expect(u.roomCode).toMatch(/^B\d+-\d{4}$/);
      const floor = Number(u.roomCode.slice(-4, -2));
      const room = Number(u.roomCode.slice(-2));
      expect(floor).toBeGreaterThanOrEqual(1);
      expect(floor).toBeLessThanOrEqual(33);
      expect(room).toBeGreaterThanOrEqual(1);
      expect(room).toBeLessThanOrEqual(4);
      const key = `${estateOfBuilding.get(u.buildingId)}/${u.roomCode}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
    for (const fixture of DEMO_FIXTURE_OWNERS) {
      for (const unit of fixture.units) expect(seen.has(`${DEMO_ESTATE.id}/${unit.roomCode}`)).toBe(false);
    }
  });

  it('sizes estates at about 2,000 units and spreads deliveries over six years, some in the last three months', () => {
    expect(sample.estates.length).toBeGreaterThanOrEqual(8);
    expect(sample.estates.length).toBeLessThanOrEqual(14);
    for (const e of sample.estates) expect(e.hotlineNumber).toBe(DEMO_HOTLINE_NUMBER);
    const ages = sample.units.map((u) => (AS_OF.getTime() - Date.parse(u.deliveryDate)) / DAY_MS);
    expect(Math.max(...ages)).toBeLessThanOrEqual(6 * 366 + 540);
    expect(ages.some((a) => a < 90)).toBe(true);
    expect(ages.some((a) => a > 4 * 365)).toBe(true);
  });

  it('gives about one owner in ten a second unit and most units exactly one owner', () => {
    const unitsPerOwner = countBy(sample.ownerUnits.map((ou) => ou.ownerId));
    expect(share([...unitsPerOwner.values()], (n) => n === 2)).toBeCloseTo(0.1, 1);
    const ownersPerUnit = countBy(sample.ownerUnits.map((ou) => ou.unitId));
    expect(Math.max(...ownersPerUnit.values())).toBe(2);
    expect(share([...ownersPerUnit.values()], (n) => n === 1)).toBeGreaterThan(0.95);
    expect(ownersPerUnit.size).toBe(sample.units.length);
  });

  it('leaves 12-18 % of units with unpaid fees, of realistic amounts, due 1-9 months ago', () => {
    const unpaid = sample.feeItems.filter((f) => f.paidAt === null);
    const unitsInArrears = new Set(unpaid.map((f) => f.unitId));
    const arrearsShare = unitsInArrears.size / sample.units.length;
    expect(arrearsShare).toBeGreaterThanOrEqual(0.12);
    expect(arrearsShare).toBeLessThanOrEqual(0.18);
    for (const f of unpaid) {
      const [min, max] = f.kind === 'property' ? [100_000, 600_000] : [3_000, 60_000];
      expect(f.amountFen).toBeGreaterThanOrEqual(min);
      expect(f.amountFen).toBeLessThanOrEqual(max);
      expect(Number.isInteger(f.amountFen)).toBe(true);
      const monthsAgo = (AS_OF.getTime() - Date.parse(f.dueDate)) / (30.4 * DAY_MS);
      expect(monthsAgo).toBeGreaterThan(0.2);
      expect(monthsAgo).toBeLessThan(10);
    }
    expect(sample.feeItems.some((f) => f.paidAt !== null)).toBe(true);
  });

  it('records about one call per two owners and one ticket per ten owners, over the past 90 days', () => {
    expect(sample.calls.length / SAMPLE_OWNERS).toBeGreaterThan(0.4);
    expect(sample.calls.length / SAMPLE_OWNERS).toBeLessThan(0.6);
    expect(sample.tickets.length / SAMPLE_OWNERS).toBeGreaterThan(0.08);
    expect(sample.tickets.length / SAMPLE_OWNERS).toBeLessThan(0.12);
    const ids = sample.calls.map((c) => c.id);
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of sample.calls) {
      const daysAgo = (AS_OF.getTime() - Date.parse(c.startedAt)) / DAY_MS;
      expect(daysAgo).toBeGreaterThan(0);
      expect(daysAgo).toBeLessThanOrEqual(91);
      expect(Date.parse(c.endedAt)).toBeGreaterThan(Date.parse(c.startedAt));
      if (c.outcome === 'answered' && c.direction === 'inbound') {
        expect(c.agentId).not.toBeNull();
        expect(c.agentAnsweredAt).not.toBeNull();
      }
    }
    expect(sample.calls.some((c) => c.agentId !== null)).toBe(true);
  });

  it('with a longer history gives each owner N times the calls and tickets, over N times 90 days', () => {
    const owners = 6000;
    const history = 3;
    const batches = [...randomBatches({ owners: owners + 3, seed: 42, asOf: AS_OF, history })];
    const long = merge(batches);
    expect(long.owners).toHaveLength(owners);
    expect(long.calls.length / owners).toBeGreaterThan(history * 0.4);
    expect(long.calls.length / owners).toBeLessThan(history * 0.6);
    expect(long.tickets.length / owners).toBeGreaterThan(history * 0.08);
    expect(long.tickets.length / owners).toBeLessThan(history * 0.12);
    // each period of 90 days is as busy as the last one, the older calls further back
    const daysAgo = (iso: string) => (AS_OF.getTime() - Date.parse(iso)) / DAY_MS;
    const perPeriod = [0, 0, 0];
    for (const c of long.calls) {
      const d = daysAgo(c.startedAt);
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThanOrEqual(history * 90 + 1);
      perPeriod[Math.min(history - 1, Math.floor(d / 90))]!++;
    }
    for (const n of perPeriod) expect(n / long.calls.length).toBeCloseTo(1 / history, 1);
    for (const t of long.tickets) expect(daysAgo(t.createdAt)).toBeLessThanOrEqual(history * 90 + 1);
    expect(long.tickets.some((t) => daysAgo(t.createdAt) > 180)).toBe(true);
    // the same seed gives the same data; batches hold fewer owners, so about as many calls as with one period
    expect(batches[0]).toEqual(
      randomBatches({ owners: owners + 3, seed: 42, asOf: AS_OF, history }).next().value,
    );
    expect(batches[0]!.owners.length).toBeLessThan(sampleBatches[0]!.owners.length);
  });

  it('makes one period of history by default, and refuses a history that is not 1 to 50 periods', () => {
    const [withOne] = randomBatches({ owners: 5000, seed: 7, asOf: AS_OF, history: 1 });
    const [byDefault] = randomBatches({ owners: 5000, seed: 7, asOf: AS_OF });
    expect(withOne).toEqual(byDefault);
    for (const history of [0, 51, 2.5]) {
      expect(() => randomBatches({ owners: 5000, seed: 7, asOf: AS_OF, history }).next()).toThrow(
        /history must be a whole number of periods from 1 to 50/,
      );
    }
  });

  it('gives every call a timeline from arrival (or origination) to its end', () => {
    const eventsByCall = new Map<string, string[]>();
    for (const e of sample.callEvents)
      eventsByCall.set(e.callId, [...(eventsByCall.get(e.callId) ?? []), e.kind]);
    for (const c of sample.calls) {
      const kinds = eventsByCall.get(c.id) ?? [];
      expect(kinds[0]).toBe(c.direction === 'inbound' ? 'arrived' : 'originated');
      expect(kinds.at(-1)).toBe('ended');
      if (c.agentId !== null)
        expect(kinds).toEqual([
          'arrived',
          'ivr-answered',
          'menu',
          'queued',
          'offered',
          'agent-answered',
          'ended',
        ]);
    }
  });

  it('writes tickets with Chinese descriptions, known types and statuses, linked to the owner and their unit', () => {
    const unitsOfOwner = new Map<number, Set<number>>();
    for (const ou of sample.ownerUnits)
      unitsOfOwner.set(ou.ownerId, (unitsOfOwner.get(ou.ownerId) ?? new Set()).add(ou.unitId));
    const callIds = new Set(sample.calls.map((c) => c.id));
    for (const t of sample.tickets) {
      expect(['complaint', 'repair', 'inquiry', 'suggestion']).toContain(t.type);
      expect(['registered', 'dispatched', 'resolved', 'closed']).toContain(t.status);
      expect(t.description).toMatch(/[\u4e00-\u9fff]/);
      expect(t.number).toBe(String(10_000_000 + t.id));
      expect(unitsOfOwner.get(t.ownerId)?.has(t.unitId)).toBe(true);
      if (t.createdFromCall) expect(callIds.has(t.createdFromCall)).toBe(true);
    }
    expect(sample.tickets.some((t) => t.createdFromCall !== null)).toBe(true);
  });

  it('keeps each batch self-contained, so batches can be written in parallel', () => {
    const fixtures = fixtureBatch(AS_OF);
    const agentIds = new Set(DEMO_AGENTS.map((a) => a.id));
    const fixtureBuildings = new Set(fixtures.buildings.map((b) => b.id));
    for (const [i, batch] of sampleBatches.entries()) {
      const estates = new Set([...batch.estates.map((e) => e.id), ...(i === 0 ? [DEMO_ESTATE.id] : [])]);
      const buildings = new Set([...batch.buildings.map((b) => b.id), ...(i === 0 ? fixtureBuildings : [])]);
      const units = new Set(batch.units.map((u) => u.id));
      const owners = new Set(batch.owners.map((o) => o.id));
      const calls = new Set(batch.calls.map((c) => c.id));
      for (const b of batch.buildings) expect(estates.has(b.estateId)).toBe(true);
      for (const u of batch.units) expect(buildings.has(u.buildingId)).toBe(true);
      for (const ou of batch.ownerUnits) expect(owners.has(ou.ownerId) && units.has(ou.unitId)).toBe(true);
      for (const f of batch.feeItems) expect(units.has(f.unitId)).toBe(true);
      for (const c of batch.calls) {
        if (c.ownerId !== null) expect(owners.has(c.ownerId)).toBe(true);
        if (c.agentId !== null) expect(agentIds.has(c.agentId)).toBe(true);
      }
      for (const e of batch.callEvents) expect(calls.has(e.callId)).toBe(true);
      for (const t of batch.tickets) expect(owners.has(t.ownerId) && units.has(t.unitId)).toBe(true);
    }
    if (sampleBatches.length > 1) expect(sampleBatches[1]?.estates.length).toBeGreaterThan(0);
  });

  it('hands out ids after the fixtures, without gaps or repeats', () => {
    const fixtures = fixtureBatch(AS_OF);
    const expectRun = (ids: number[], after: number) => expect(ids).toEqual(ids.map((_, i) => after + 1 + i));
    expectRun(
      sample.estates.map((e) => e.id),
      fixtures.estates.length,
    );
    expectRun(
      sample.buildings.map((b) => b.id),
      fixtures.buildings.length,
    );
    expectRun(
      sample.units.map((u) => u.id),
      fixtures.units.length,
    );
    expectRun(
      sample.feeItems.map((f) => f.id),
      fixtures.feeItems.length,
    );
    expectRun(
      sample.callEvents.map((e) => e.id),
      0,
    );
    expectRun(
      sample.tickets.map((t) => t.id),
      0,
    );
  });
});

describe('the demo fixtures', () => {
  const fixtures = fixtureBatch(AS_OF);
  const unitByRoom = new Map(fixtures.units.map((u) => [u.roomCode, u]));
  const unpaidOf = (unitId: number) =>
    fixtures.feeItems
      .filter((f) => f.unitId === unitId && f.paidAt === null)
      .map((f) => [f.kind, f.amountFen, f.dueDate]);

  it('start with 翠湖花园 (CH) on the hotline 4008200000', () => {
    expect(fixtures.estates).toEqual([{ id: 1, code: 'CH', name: '翠湖花园', hotlineNumber: '4008200000' }]);
    expect(fixtures.buildings.map((b) => `${b.code} ${b.name}`)).toEqual([
      'B1 1号楼',
      'B2 2号楼',
      'B3 3号楼',
      'B4 4号楼',
      'B5 5号楼',
    ]);
  });

  it('have 张伟 at 13800138000 owing 1,234.50 property and 86.20 water on B3-1502', () => {
    expect(DEMO_OWNER).toMatchObject({ id: 1, name: '张伟', phone: '13800138000' });
    const unit = unitByRoom.get('B3-1502')!;
    expect(fixtures.ownerUnits).toContainEqual({ ownerId: DEMO_OWNER.id, unitId: unit.id });
    expect(unpaidOf(unit.id)).toEqual([
      ['property', 123450, '2026-10-31'],
      ['water', 8620, '2026-11-15'],
    ]);
  });

  it('have 李娜 at 13900139000 with two units, owing 245.00 electricity on B2-1203 only', () => {
    expect(DEMO_OWNER_TWO_UNITS).toMatchObject({ id: 2, name: '李娜', phone: '13900139000' });
    const owned = fixtures.ownerUnits
      .filter((ou) => ou.ownerId === DEMO_OWNER_TWO_UNITS.id)
      .map((ou) => ou.unitId);
    expect(owned).toEqual([unitByRoom.get('B1-0801')!.id, unitByRoom.get('B2-1203')!.id]);
    expect(unpaidOf(unitByRoom.get('B1-0801')!.id)).toEqual([]);
    expect(unpaidOf(unitByRoom.get('B2-1203')!.id)).toEqual([['electricity', 24500, '2026-09-30']]);
  });

  it('have 王芳 at 13700137000 on B5-0302 with nothing owed', () => {
    expect(DEMO_OWNER_NO_ARREARS).toMatchObject({ id: 3, name: '王芳', phone: '13700137000' });
    expect(unpaidOf(unitByRoom.get('B5-0302')!.id)).toEqual([]);
  });

  it('keep the constants and the rows in step', () => {
    for (const owner of DEMO_FIXTURE_OWNERS) {
      expect(fixtures.ownerPhones).toContainEqual({
        ownerId: owner.id,
        number: owner.phone,
        label: 'mobile',
      });
      for (const unit of owner.units) {
        expect(unitByRoom.get(unit.roomCode)?.id).toBe(unit.id);
        expect(unpaidOf(unit.id)).toEqual(unit.arrears.map((f) => [f.kind, f.amountFen, f.dueDate]));
      }
    }
  });

  it('staff the hotline of 翠湖花园 08:00-20:00 every day', () => {
    expect(fixtures.estateHours).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ estateId: 1, weekday, opens: '08:00', closes: '20:00' })),
    );
  });

  it('announce a water cut in 3号楼 tomorrow 09:00-17:00 and road works across the estate, both current', () => {
    // seeded at 2026-11-23 12:00 in Shanghai
    const b3 = fixtures.buildings.find((b) => b.code === 'B3')!;
    expect(fixtures.notices).toEqual([
      expect.objectContaining({
        id: DEMO_WATER_CUT.id,
        estateId: DEMO_ESTATE.id,
        buildingId: b3.id,
        kind: 'water-cut',
        startsAt: '2026-11-24T01:00:00.000Z',
        endsAt: '2026-11-24T09:00:00.000Z',
      }),
      expect.objectContaining({
        id: DEMO_WORKS.id,
        estateId: DEMO_ESTATE.id,
        buildingId: null,
        kind: 'works',
        startsAt: '2026-11-22T00:00:00.000Z',
        endsAt: '2026-11-28T10:00:00.000Z',
      }),
    ]);
    for (const n of fixtures.notices) expect(n.title).toMatch(/[\u4e00-\u9fff]/);
    // the random bulk adds none: notices are fixtures only
    expect(sample.notices).toEqual([]);
    expect(sample.estateHours).toEqual([]);
  });

  it('are the same on every call, and estates beyond the name list get unique phase names', () => {
    expect(fixtureBatch(AS_OF)).toEqual(fixtures);
    const codes = Array.from({ length: 600 }, (_, i) => estateIdentity(i).code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(estateIdentity(0)).toEqual({ name: '翠湖花园', code: 'CH' });
    expect(estateIdentity(52)).toEqual({ name: '翠湖花园二期', code: 'CH2' });
  });
});

function countBy<T>(values: readonly T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

function share<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  return items.filter(predicate).length / items.length;
}
