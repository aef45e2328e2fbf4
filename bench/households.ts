// An estate of N households for the campaign benchmarks, seeded in a few INSERT ... SELECT statements: one estate,
// 100 buildings, N units, each with an owner who has a 147 number and owes one property fee. Removed afterwards.
import type { Pool } from '../db/index.ts';

export interface BenchEstate {
  estateId: number;
  /** Seconds the seeding took. */
  seedS: number;
}

export async function seedHouseholds(q: Pool, n: number, tag: string): Promise<BenchEstate> {
  const start = performance.now();
  const estate = await q.query<{ id: number }>(
    `INSERT INTO estates (code, name, hotline_number) VALUES ($1, $2, '4008200000') RETURNING id`,
    [`BENCH${tag}`, `压测花园${tag}`],
  );
  const estateId = estate.rows[0]!.id;
  await q.query(
    `INSERT INTO buildings (estate_id, code, name) SELECT $1, 'B' || g, g || '号楼' FROM generate_series(1, 100) g`,
    [estateId],
  );
  await q.query(
    `INSERT INTO units (building_id, room_code, delivery_date)
     SELECT b.id, b.code || '-' || g, '2021-06-30' FROM buildings b, generate_series(1, $2::int / 100) g
      WHERE b.estate_id = $1`,
    [estateId, n],
  );
  await q.query(
    `WITH u AS (SELECT u.id, row_number() OVER (ORDER BY u.id) AS n FROM units u JOIN buildings b ON b.id = u.building_id
                 WHERE b.estate_id = $1),
          o AS (INSERT INTO owners (name) SELECT '业主' || n FROM u RETURNING id),
          ob AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM o),
          p AS (INSERT INTO owner_phones (owner_id, number) SELECT id, '147' || lpad((n + $2::bigint)::text, 8, '0') FROM ob),
          f AS (INSERT INTO fee_items (unit_id, kind, amount_fen, due_date) SELECT id, 'property', 12000, '2026-01-01' FROM u)
     INSERT INTO owner_units (owner_id, unit_id) SELECT ob.id, u.id FROM ob JOIN u USING (n)`,
    [estateId, parseInt(tag, 16) % 90_000_000],
  );
  // statistics for the planner, as autovacuum would have them for data that did not just arrive
  await q.query('ANALYZE fee_items, units, buildings, owners, owner_phones, owner_units');
  return { estateId, seedS: (performance.now() - start) / 1000 };
}

export async function removeHouseholds(q: Pool, estateId: number): Promise<void> {
  await q.query(
    `WITH u AS (SELECT u.id FROM units u JOIN buildings b ON b.id = u.building_id WHERE b.estate_id = $1),
          ou AS (DELETE FROM owner_units WHERE unit_id IN (SELECT id FROM u) RETURNING owner_id),
          f AS (DELETE FROM fee_items WHERE unit_id IN (SELECT id FROM u))
     DELETE FROM owners WHERE id IN (SELECT owner_id FROM ou)`,
    [estateId],
  );
  await q.query(`DELETE FROM units WHERE building_id IN (SELECT id FROM buildings WHERE estate_id = $1)`, [
    estateId,
  ]);
  await q.query('DELETE FROM buildings WHERE estate_id = $1', [estateId]);
  await q.query('DELETE FROM estates WHERE id = $1', [estateId]);
}
