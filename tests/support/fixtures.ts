// Test data each test owns: an estate of its own, owners with unique phone numbers, agents with unique logins.
import { randomBytes, randomInt } from 'node:crypto';
import { hashPassword } from '../../core/index.ts';
import { createPool, upsertAgent, type Pool } from '../../db/index.ts';
import { stackConfig } from './env.ts';

let pool: Pool | null = null;
export function db(): Pool {
  pool ??= createPool(stackConfig().databaseUrl, 4);
  return pool;
}
export async function closeDb(): Promise<void> {
  await pool?.end();
  pool = null;
}

/** A mainland mobile number in the 146 range, which the demo data never uses. */
export function testPhone(): string {
  return `146${String(randomInt(0, 1e8)).padStart(8, '0')}`;
}

export interface FeeSpec {
  kind: 'property' | 'water' | 'electricity' | 'gas' | 'parking';
  amountFen: number;
  dueDate: string;
}

export interface TestOwner {
  ownerId: number;
  /** The estate of its own the owner lives in. */
  estateId: number;
  name: string;
  phone: string;
  units: { unitId: number; roomCode: string }[];
}

export async function createOwner(spec: {
  name: string;
  rooms: { roomCode: string; fees?: FeeSpec[] }[];
  language?: 'zh' | 'en';
  vip?: boolean;
  /**
   * When the owner's estate is staffed: 'always' (the default, so a test's call does not depend on the hour it
   * runs at, holidays included) or 'never' (closed all day, every day: after hours).
   */
  staffed?: 'always' | 'never';
  /** The estate's developer and property company (organisations, createOrganisation); none by default. */
  developerId?: number;
  propertyCompanyId?: number;
  /** The units' delivery date (default 2021-06-30: long delivered, the property company's cases). */
  deliveryDate?: string;
}): Promise<TestOwner> {
  const q = db();
  const code = `T${randomBytes(4).toString('hex')}`;
  const estate = await q.query<{ id: number }>(
    `INSERT INTO estates (code, name, hotline_number, open_on_holidays, developer_id, property_company_id)
     VALUES ($1, $2, '4008200000', $3, $4, $5) RETURNING id`,
    [
      code,
      `测试花园${code}`,
      spec.staffed !== 'never',
      spec.developerId ?? null,
      spec.propertyCompanyId ?? null,
    ],
  );
  const estateId = estate.rows[0]!.id;
  // An estate without hours rows has the default hours (08:00-20:00), so 'never' opens only on the weekday three
  // days from today (Shanghai time): closed throughout any test.
  await q.query(
    spec.staffed === 'never'
      ? `INSERT INTO estate_hours (estate_id, weekday, opens, closes)
         VALUES ($1, (extract(isodow FROM now() AT TIME ZONE 'Asia/Shanghai')::int + 2) % 7 + 1, '00:00', '24:00')`
      : `INSERT INTO estate_hours (estate_id, weekday, opens, closes)
         SELECT $1, d, '00:00', '24:00' FROM generate_series(1, 7) d`,
    [estateId],
  );
  const owner = await q.query<{ id: number }>(
    'INSERT INTO owners (name, language, vip) VALUES ($1, $2, $3) RETURNING id',
    [spec.name, spec.language ?? 'zh', spec.vip ?? false],
  );
  const ownerId = owner.rows[0]!.id;
  const phone = testPhone();
  await q.query('INSERT INTO owner_phones (owner_id, number) VALUES ($1, $2)', [ownerId, phone]);
  const units: TestOwner['units'] = [];
  for (const room of spec.rooms) {
    const buildingCode = room.roomCode.split('-')[0]!;
    const building = await q.query<{ id: number }>(
      `INSERT INTO buildings (estate_id, code, name) VALUES ($1, $2, $3)
       ON CONFLICT (estate_id, code) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [estateId, buildingCode, `${buildingCode.replace(/\D/g, '')}号楼`],
    );
    const unit = await q.query<{ id: number }>(
      `INSERT INTO units (building_id, room_code, delivery_date) VALUES ($1, $2, $3) RETURNING id`,
      [building.rows[0]!.id, room.roomCode, spec.deliveryDate ?? '2021-06-30'],
    );
    const unitId = unit.rows[0]!.id;
    await q.query('INSERT INTO owner_units (owner_id, unit_id) VALUES ($1, $2)', [ownerId, unitId]);
    for (const fee of room.fees ?? []) {
      await q.query('INSERT INTO fee_items (unit_id, kind, amount_fen, due_date) VALUES ($1, $2, $3, $4)', [
        unitId,
        fee.kind,
        fee.amountFen,
        fee.dueDate,
      ]);
    }
    units.push({ unitId, roomCode: room.roomCode });
  }
  return { ownerId, estateId, name: spec.name, phone, units };
}

/** The owner the call tests follow: 张伟 of unit B3-1502, who owes property fees and a water bill. */
export const ZHANG_WEI_B3_1502: Parameters<typeof createOwner>[0] = {
  name: '张伟',
  rooms: [
    {
      roomCode: 'B3-1502',
      fees: [
        { kind: 'property', amountFen: 100000, dueDate: '2026-10-31' },
        { kind: 'water', amountFen: 23450, dueDate: '2026-11-15' },
      ],
    },
  ],
};

export interface TestAgent {
  agentId: number;
  login: string;
  password: string;
  name: string;
  seat: number | null;
}

export async function createAgent(spec: {
  seat: number | null;
  name?: string;
  role?: 'agent' | 'department' | 'supervisor' | 'admin';
  /** Skill -> level; general and fees at 5 unless given. */
  skills?: Record<string, number>;
  /** The estates an agent serves (whose tickets the agent sees). */
  estates?: number[];
  organisationId?: number;
  /** A department member's department (its code; role 'department'). */
  department?: string;
}): Promise<TestAgent> {
  const login = `t${randomBytes(5).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  const name = spec.name ?? `测试客服${login.slice(-3)}`;
  const agent = await upsertAgent(db(), {
    login,
    name,
    agentNumber: String(spec.seat ?? 0).padStart(2, '0'),
    passwordHash: await hashPassword(password),
    // a department member is written with their department below (the role needs one)
    role: spec.role === 'department' ? 'agent' : (spec.role ?? 'agent'),
    endpoint: spec.seat === null ? null : `PJSIP/agent${spec.seat}`,
    skills: spec.skills ?? { general: 5, fees: 5 },
  });
  if (spec.organisationId !== undefined || spec.department !== undefined) {
    await db().query(
      `UPDATE agents SET organisation_id = $2, department_id = (SELECT id FROM departments WHERE code = $3),
              role = $4
        WHERE id = $1`,
      [agent.id, spec.organisationId ?? null, spec.department ?? null, spec.role ?? 'agent'],
    );
  }
  for (const estateId of spec.estates ?? []) {
    await db().query('INSERT INTO agent_estates (agent_id, estate_id) VALUES ($1, $2)', [agent.id, estateId]);
  }
  return { agentId: agent.id, login, password, name, seat: spec.seat };
}

export interface TestOrganisation {
  id: number;
  code: string;
  /** Department codes by the name asked for. */
  departments: Record<string, string>;
}

/** An organisation of the test's own with departments (by name: 工程部...), each given a unique code. */
export async function createOrganisation(spec: {
  kind: 'developer' | 'property-company';
  name?: string;
  departments?: string[];
  ticketLimits?: Record<string, unknown>;
}): Promise<TestOrganisation> {
  const code = `o${randomBytes(5).toString('hex')}`;
  const org = await db().query<{ id: number }>(
    `INSERT INTO organisations (code, name, kind, ticket_limits) VALUES ($1, $2, $3, $4) RETURNING id`,
    [
      code,
      spec.name ?? `测试${spec.kind === 'developer' ? '置业' : '物业'}${code}`,
      spec.kind,
      spec.ticketLimits ?? {},
    ],
  );
  const departments: Record<string, string> = {};
  for (const [i, name] of (spec.departments ?? []).entries()) {
    const deptCode = `${code}-d${i}`;
    await db().query('INSERT INTO departments (organisation_id, code, name) VALUES ($1, $2, $3)', [
      org.rows[0]!.id,
      deptCode,
      name,
    ]);
    departments[name] = deptCode;
  }
  return { id: org.rows[0]!.id, code, departments };
}
