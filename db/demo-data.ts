// Deterministic demo data: estates, buildings, units, owners with their phones, fees, past calls and tickets.
// Pure: no I/O, no clock, no Math.random. The same options give the same rows, batch by batch.
// db/seed.ts writes the batches to PostgreSQL; tests and the demo refer to the fixed fixtures exported here.
import type { Role } from '../core/index.ts';

// ---------------------------------------------------------------------------------------------------------------
// Rows, one interface per table (camelCase of the columns). Dates are 'YYYY-MM-DD', timestamps ISO 8601 in UTC.
// ---------------------------------------------------------------------------------------------------------------

export type FeeKind = 'property' | 'water' | 'electricity' | 'gas';
export type TicketType = 'complaint' | 'repair' | 'inquiry' | 'suggestion';
export type TicketStatus = 'registered' | 'dispatched' | 'resolved' | 'closed';
export type CallOutcome = 'self-service' | 'answered' | 'abandoned' | 'failed';
export type HangupBy = 'caller' | 'agent' | 'system';

export interface EstateRow {
  id: number;
  code: string;
  name: string;
  hotlineNumber: string;
}
export interface BuildingRow {
  id: number;
  estateId: number;
  code: string;
  name: string;
}
export interface UnitRow {
  id: number;
  buildingId: number;
  roomCode: string;
  deliveryDate: string;
}
export interface OwnerRow {
  id: number;
  name: string;
  vip: boolean;
  language: 'zh' | 'en';
}
export interface OwnerPhoneRow {
  ownerId: number;
  number: string;
  label: string;
}
export interface OwnerUnitRow {
  ownerId: number;
  unitId: number;
}
export interface FeeItemRow {
  id: number;
  unitId: number;
  kind: FeeKind;
  amountFen: number;
  dueDate: string;
  paidAt: string | null;
}
export interface CallRow {
  id: string;
  direction: 'inbound' | 'outbound';
  callerNumber: string | null;
  dialledNumber: string;
  channelId: string;
  ownerId: number | null;
  intent: string;
  queue: string | null;
  agentId: number | null;
  ivrPath: string[];
  startedAt: string;
  queuedAt: string | null;
  agentAnsweredAt: string | null;
  endedAt: string;
  hangupBy: HangupBy;
  hangupCause: string;
  outcome: CallOutcome;
}
export interface CallEventRow {
  id: number;
  callId: string;
  at: string;
  kind: string;
  detail: Record<string, string | number>;
}
/** Opening hours of an estate for one ISO weekday (Monday = 1), local times 'HH:MM'. */
export interface EstateHoursRow {
  estateId: number;
  weekday: number;
  opens: string;
  closes: string;
}
export interface NoticeRow {
  id: number;
  estateId: number;
  buildingId: number | null;
  kind: 'water-cut' | 'power-cut' | 'gas-cut' | 'works' | 'storm' | 'other';
  title: string;
  body: string;
  startsAt: string;
  endsAt: string | null;
}
export interface TicketRow {
  id: number;
  number: string;
  ownerId: number;
  unitId: number;
  type: TicketType;
  description: string;
  status: TicketStatus;
  createdFromCall: string | null;
  createdByAgent: number | null;
  createdAt: string;
  updatedAt: string;
}

/** Rows for one transaction, in insertion order (parents before children). */
export interface DemoBatch {
  estates: EstateRow[];
  estateHours: EstateHoursRow[];
  buildings: BuildingRow[];
  notices: NoticeRow[];
  units: UnitRow[];
  owners: OwnerRow[];
  ownerPhones: OwnerPhoneRow[];
  ownerUnits: OwnerUnitRow[];
  feeItems: FeeItemRow[];
  calls: CallRow[];
  callEvents: CallEventRow[];
  tickets: TicketRow[];
}

function emptyBatch(): DemoBatch {
  return {
    estates: [],
    estateHours: [],
    buildings: [],
    notices: [],
    units: [],
    owners: [],
    ownerPhones: [],
    ownerUnits: [],
    feeItems: [],
    calls: [],
    callEvents: [],
    tickets: [],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Fixed fixtures: the same rows and ids on every run, whatever the seed. Tests and the demo call these owners.
// ---------------------------------------------------------------------------------------------------------------

/** The one hotline every demo estate is reached on. */
export const DEMO_HOTLINE_NUMBER = '4008200000';

export interface DemoAgent {
  readonly id: number;
  readonly login: string;
  readonly name: string;
  readonly agentNumber: string;
  readonly role: Role;
  /** The agent's phone; null for staff who take no calls. */
  readonly endpoint: string | null;
  /** Skill (queue) -> level 1-9; complaints need level 3 (db/migrations/008). */
  readonly skills: Readonly<Record<string, number>>;
  /** A department member's department (its code). */
  readonly department?: string;
}

/** The demo estates' developer and property company (every demo estate has both). */
// prettier-ignore
export const DEMO_ORGANISATIONS = [
  { id: 1, code: 'cuihu-dev', name: '翠湖置业', kind: 'developer' },
  { id: 2, code: 'cuihu-pm', name: '翠湖物业', kind: 'property-company' },
] as const;

/** Their departments, which dispatched tickets go to (by code). */
// prettier-ignore
export const DEMO_DEPARTMENTS = [
  { id: 1, organisationId: 1, code: 'dev-service', name: '客户服务部' },
  { id: 2, organisationId: 1, code: 'dev-relations', name: '客户关系部' },
  { id: 3, organisationId: 1, code: 'dev-engineering', name: '工程部' },
  { id: 4, organisationId: 1, code: 'dev-sales', name: '销售部' },
  { id: 5, organisationId: 1, code: 'dev-design', name: '设计部' },
  { id: 6, organisationId: 2, code: 'pm-service', name: '物业服务中心' },
  { id: 7, organisationId: 2, code: 'pm-repairs', name: '工程维修部' },
  { id: 8, organisationId: 2, code: 'pm-security', name: '安保部' },
  { id: 9, organisationId: 2, code: 'pm-grounds', name: '环境绿化部' },
] as const;

/** The standard answers (统一答复口径) an agent finds from the desk: for every estate. */
export const DEMO_KNOWLEDGE_ANSWERS = [
  {
    title: '物业费怎么交,什么时候交?',
    body: '物业费按月计收,每月 25 日前缴纳。可在物业服务中心前台、小区公众号或银行代扣缴纳;逾期不收滞纳金以外的费用。如对金额有疑问,可转收费组核对。',
    keywords: ['物业费', '缴费', '收费', '欠费'],
  },
  {
    title: '计划停水、停电什么时候恢复?',
    body: '计划停水停电以物业公告为准,一般当日 18:00 前恢复;公告已通过电话通知和楼栋公告栏发布。非计划停水停电请登记报修,工程部 30 分钟内到场。',
    keywords: ['停水', '停电', '恢复', '通知'],
  },
  {
    title: '电梯困人怎么办?',
    body: '请业主保持冷静,不要强行扒门,按电梯内警铃等待;立即转紧急队列并通知维保单位,维保人员 30 分钟内到场。同时登记紧急报修工单。',
    keywords: ['电梯', '困人', '紧急'],
  },
  {
    title: '装修可以在什么时间施工?',
    body: '工作日 8:00-12:00、14:00-18:00 可以施工;周末和法定节假日不得进行有噪音的施工。装修前需到物业服务中心办理装修登记。',
    keywords: ['装修', '施工', '噪音'],
  },
  {
    title: '投诉多久会有答复?',
    body: '投诉登记后,责任部门 24 小时内首次回复业主,处理完成后 48 小时内回访。紧急或重大投诉会升级处理。',
    keywords: ['投诉', '回复', '时限', '回访'],
  },
] as const;

/** Agents with their ids. Their passwords are generated by db/seed.ts (node:crypto), never stored here. */
// prettier-ignore
export const DEMO_AGENTS: readonly DemoAgent[] = [
  { id: 1, login: 'agent1', name: '客服小王', agentNumber: '01', role: 'agent', endpoint: 'PJSIP/agent1', skills: { general: 5, fees: 8, repairs: 3, emergency: 5 } },
  { id: 2, login: 'agent2', name: '客服小李', agentNumber: '02', role: 'agent', endpoint: 'PJSIP/agent2', skills: { general: 5, fees: 4, repairs: 7, emergency: 5 } },
  { id: 3, login: 'agent3', name: '客服小张', agentNumber: '03', role: 'agent', endpoint: 'PJSIP/agent3', skills: { general: 4, complaints: 7, repairs: 3, emergency: 6 } },
  { id: 4, login: 'agent4', name: '客服小陈', agentNumber: '04', role: 'agent', endpoint: 'PJSIP/agent4', skills: { general: 3, fees: 3, complaints: 4, emergency: 8 } },
  { id: 5, login: 'leader', name: '客服主管周静', agentNumber: '90', role: 'supervisor', endpoint: 'PJSIP/agent5', skills: { general: 9, complaints: 9 } },
  { id: 6, login: 'admin', name: '系统管理员', agentNumber: '99', role: 'admin', endpoint: null, skills: {} },
  { id: 7, login: 'repairs', name: '维修主管刘师傅', agentNumber: '71', role: 'department', endpoint: null, skills: {}, department: 'pm-repairs' },
  { id: 8, login: 'engineering', name: '工程部赵工', agentNumber: '72', role: 'department', endpoint: null, skills: {}, department: 'dev-engineering' },
];

/** Agents that answer calls: past calls and tickets are attributed to them. */
const CALL_TAKER_IDS = DEMO_AGENTS.filter((a) => a.role === 'agent').map((a) => a.id);

export interface DemoFee {
  readonly id: number;
  readonly kind: FeeKind;
  readonly amountFen: number;
  readonly dueDate: string;
}
export interface DemoUnit {
  readonly id: number;
  readonly estateId: number;
  readonly buildingCode: string;
  readonly roomCode: string;
  /** Unpaid fee items of the unit (paid_at null). */
  readonly arrears: readonly DemoFee[];
}
export interface DemoOwner {
  readonly id: number;
  readonly name: string;
  readonly phone: string;
  readonly vip: boolean;
  readonly language: 'zh' | 'en';
  readonly units: readonly DemoUnit[];
}

export const DEMO_ESTATE = { id: 1, code: 'CH', name: '翠湖花园', deliveryDate: '2021-06-30' } as const;

interface BuildingLayout {
  readonly floors: number;
  readonly roomsPerFloor: number;
}
interface FixtureBuilding extends BuildingLayout {
  readonly id: number;
  readonly number: number;
  readonly deliveryDate: string;
}

/** Buildings B1..B5 of the first estate: fixed layouts that hold the fixture units. */
const FIXTURE_BUILDINGS: readonly FixtureBuilding[] = [
  { id: 1, number: 1, floors: 18, roomsPerFloor: 2, deliveryDate: '2021-06-30' },
  { id: 2, number: 2, floors: 26, roomsPerFloor: 4, deliveryDate: '2021-06-30' },
  { id: 3, number: 3, floors: 33, roomsPerFloor: 2, deliveryDate: '2021-06-30' },
  { id: 4, number: 4, floors: 11, roomsPerFloor: 3, deliveryDate: '2022-09-30' },
  { id: 5, number: 5, floors: 6, roomsPerFloor: 2, deliveryDate: '2022-09-30' },
];

/** 张伟: one unit with two unpaid items (1,234.50 + 86.20 yuan). */
export const DEMO_OWNER: DemoOwner = {
  id: 1,
  name: '张伟',
  phone: '13800138000',
  vip: false,
  language: 'zh',
  units: [
    {
      id: 1,
      estateId: DEMO_ESTATE.id,
      buildingCode: 'B3',
      roomCode: 'B3-1502',
      arrears: [
        { id: 1, kind: 'property', amountFen: 123450, dueDate: '2026-10-31' },
        { id: 2, kind: 'water', amountFen: 8620, dueDate: '2026-11-15' },
      ],
    },
  ],
};

/** 李娜: two units, arrears (245.00 yuan electricity) on the second one only. */
export const DEMO_OWNER_TWO_UNITS: DemoOwner = {
  id: 2,
  name: '李娜',
  phone: '13900139000',
  vip: false,
  language: 'zh',
  units: [
    { id: 2, estateId: DEMO_ESTATE.id, buildingCode: 'B1', roomCode: 'B1-0801', arrears: [] },
    {
      id: 3,
      estateId: DEMO_ESTATE.id,
      buildingCode: 'B2',
      roomCode: 'B2-1203',
      arrears: [{ id: 3, kind: 'electricity', amountFen: 24500, dueDate: '2026-09-30' }],
    },
  ],
};

/** 王芳: one unit, nothing owed. */
export const DEMO_OWNER_NO_ARREARS: DemoOwner = {
  id: 3,
  name: '王芳',
  phone: '13700137000',
  vip: false,
  language: 'zh',
  units: [{ id: 4, estateId: DEMO_ESTATE.id, buildingCode: 'B5', roomCode: 'B5-0302', arrears: [] }],
};

export const DEMO_FIXTURE_OWNERS: readonly DemoOwner[] = [
  DEMO_OWNER,
  DEMO_OWNER_TWO_UNITS,
  DEMO_OWNER_NO_ARREARS,
];

/** 翠湖花园's hotline is staffed 08:00-20:00 every day (estate_hours, one row per ISO weekday). */
export const DEMO_ESTATE_HOURS = { opens: '08:00', closes: '20:00' } as const;

/** A local time in Asia/Shanghai relative to the seeding day: `day` days after it, at `time` ('HH:MM'). */
export interface DemoNoticeTime {
  readonly day: number;
  readonly time: string;
}
export interface DemoNotice {
  readonly id: number;
  readonly kind: NoticeRow['kind'];
  /** null: the whole estate. */
  readonly buildingCode: string | null;
  readonly title: string;
  readonly body: string;
  readonly starts: DemoNoticeTime;
  readonly ends: DemoNoticeTime;
}

/** 3号楼 has no water tomorrow from 09:00 to 17:00 (relative to the seeding time). */
export const DEMO_WATER_CUT: DemoNotice = {
  id: 1,
  kind: 'water-cut',
  buildingCode: 'B3',
  title: '3号楼停水通知',
  body: '因二次供水水箱清洗，3号楼明天 09:00 至 17:00 停水，请提前储水。给您带来不便，敬请谅解。',
  starts: { day: 1, time: '09:00' },
  ends: { day: 1, time: '17:00' },
};

/** Road works across the estate, from yesterday 08:00 for a week. */
export const DEMO_WORKS: DemoNotice = {
  id: 2,
  kind: 'works',
  buildingCode: null,
  title: '小区主干道路面维修',
  body: '小区主干道路面维修，施工期间车辆请从南门出入，行人注意安全。',
  starts: { day: -1, time: '08:00' },
  ends: { day: 5, time: '18:00' },
};

export const DEMO_NOTICES: readonly DemoNotice[] = [DEMO_WATER_CUT, DEMO_WORKS];

/** The instant (ISO 8601, UTC) of a notice time for data seeded at `asOf`. */
export function demoNoticeInstant(t: DemoNoticeTime, asOf: Date): string {
  const [hours, minutes] = t.time.split(':').map(Number) as [number, number];
  return isoInstant(shanghaiInstant(shanghaiDay(asOf) + t.day, hours * 3600 + minutes * 60));
}

const RESERVED_PHONES: ReadonlySet<string> = new Set(DEMO_FIXTURE_OWNERS.map((o) => o.phone));
/** Room codes the random generator must not hand out again in the first estate. */
const RESERVED_ROOMS: ReadonlySet<string> = new Set(
  DEMO_FIXTURE_OWNERS.flatMap((o) => o.units.map((u) => u.roomCode)),
);

function buildingName(number: number): string {
  return `${number}号楼`;
}

/**
 * The fixture rows: the first estate with its opening hours, its buildings B1..B5, its two notices (their times
 * relative to `asOf`, the seeding time) and the three fixture owners with their units and fees.
 */
export function fixtureBatch(asOf: Date): DemoBatch {
  const batch = emptyBatch();
  batch.estates.push({
    id: DEMO_ESTATE.id,
    code: DEMO_ESTATE.code,
    name: DEMO_ESTATE.name,
    hotlineNumber: DEMO_HOTLINE_NUMBER,
  });
  for (const b of FIXTURE_BUILDINGS) {
    batch.buildings.push({
      id: b.id,
      estateId: DEMO_ESTATE.id,
      code: `B${b.number}`,
      name: buildingName(b.number),
    });
  }
  for (let weekday = 1; weekday <= 7; weekday++) {
    batch.estateHours.push({ estateId: DEMO_ESTATE.id, weekday, ...DEMO_ESTATE_HOURS });
  }
  for (const n of DEMO_NOTICES) {
    const building = FIXTURE_BUILDINGS.find((b) => `B${b.number}` === n.buildingCode);
    if (n.buildingCode !== null && !building) throw new Error(`notice ${n.id} is in an unknown building`);
    batch.notices.push({
      id: n.id,
      estateId: DEMO_ESTATE.id,
      buildingId: building?.id ?? null,
      kind: n.kind,
      title: n.title,
      body: n.body,
      startsAt: demoNoticeInstant(n.starts, asOf),
      endsAt: demoNoticeInstant(n.ends, asOf),
    });
  }
  for (const owner of DEMO_FIXTURE_OWNERS) {
    batch.owners.push({ id: owner.id, name: owner.name, vip: owner.vip, language: owner.language });
    batch.ownerPhones.push({ ownerId: owner.id, number: owner.phone, label: 'mobile' });
    for (const unit of owner.units) {
      const building = FIXTURE_BUILDINGS.find((b) => `B${b.number}` === unit.buildingCode);
      if (!building) throw new Error(`fixture unit ${unit.roomCode} is in an unknown building`);
      batch.units.push({
        id: unit.id,
        buildingId: building.id,
        roomCode: unit.roomCode,
        deliveryDate: building.deliveryDate,
      });
      batch.ownerUnits.push({ ownerId: owner.id, unitId: unit.id });
      for (const fee of unit.arrears) {
        batch.feeItems.push({ ...fee, unitId: unit.id, paidAt: null });
      }
    }
  }
  return batch;
}

/** The first ids the random generator hands out: right after the fixtures. */
const FIRST_RANDOM_IDS = {
  estate: DEMO_ESTATE.id + 1,
  building: FIXTURE_BUILDINGS.length + 1,
  unit: Math.max(...DEMO_FIXTURE_OWNERS.flatMap((o) => o.units.map((u) => u.id))) + 1,
  owner: Math.max(...DEMO_FIXTURE_OWNERS.map((o) => o.id)) + 1,
  fee:
    Math.max(...DEMO_FIXTURE_OWNERS.flatMap((o) => o.units.flatMap((u) => u.arrears.map((f) => f.id)))) + 1,
  callEvent: 1,
  ticket: 1,
};

/** Ticket numbers are digits only and follow ticket_number_seq (START 10000001). */
export function ticketNumber(ticketId: number): string {
  return String(10_000_000 + ticketId);
}

// ---------------------------------------------------------------------------------------------------------------
// Seeded PRNG
// ---------------------------------------------------------------------------------------------------------------

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An unsigned 32-bit integer. */
  uint32(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** FNV-1a over the seed's text, so `--seed 42` and `--seed demo` both work. */
function hashSeed(seed: number | string): number {
  let h = 0x811c9dc5;
  for (const ch of String(seed)) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counter), its state filled from the seed by splitmix32. */
export function createRng(seed: number | string): Rng {
  let s = hashSeed(seed);
  const splitmix32 = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let counter = 1;
  const uint32 = (): number => {
    const t = (((a + b) | 0) + counter) | 0;
    counter = (counter + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) uint32();
  const next = (): number => uint32() / 4_294_967_296;
  return {
    next,
    uint32,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
  };
}

/** Picks by weight: [value, weight] pairs, weights need not add up to anything in particular. */
function weighted<T>(entries: readonly (readonly [T, number])[]): (rng: Rng) => T {
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  return (rng) => {
    let x = rng.next() * total;
    for (const [value, w] of entries) {
      x -= w;
      if (x < 0) return value;
    }
    return entries[entries.length - 1]![0];
  };
}

/** A version-4 UUID made of PRNG bits (deterministic, unlike crypto.randomUUID). */
function uuidV4(rng: Rng): string {
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const w0 = hex(rng.uint32());
  const w1 = hex(((rng.uint32() & 0xffff0fff) | 0x00004000) >>> 0); // version nibble: 4
  const w2 = hex(((rng.uint32() & 0x3fffffff) | 0x80000000) >>> 0); // variant bits: 10
  const w3 = hex(rng.uint32());
  return `${w0}-${w1.slice(0, 4)}-${w1.slice(4)}-${w2.slice(0, 4)}-${w2.slice(4)}${w3}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Calendar: days are counted since 1970-01-01 in Asia/Shanghai (UTC+8 all year, no daylight saving).
// ---------------------------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

function shanghaiDay(at: Date): number {
  return Math.floor((at.getTime() + SHANGHAI_OFFSET_MS) / DAY_MS);
}
function dayFromIso(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}
function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
/** The instant of a Shanghai wall-clock time, in milliseconds since the epoch. */
function shanghaiInstant(day: number, secondOfDay: number): number {
  return day * DAY_MS + secondOfDay * 1000 - SHANGHAI_OFFSET_MS;
}
function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}
/** The last day of the month `monthsBack` months before the month of `day`. */
function endOfMonthBefore(day: number, monthsBack: number): number {
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - monthsBack + 1, 0) / DAY_MS;
}
/** The 15th of the month `monthsBack` months before the month of `day`. */
function midMonthBefore(day: number, monthsBack: number): number {
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - monthsBack, 15) / DAY_MS;
}

/** When owners call: mostly office hours and evenings, rarely at night. */
// prettier-ignore
const pickCallHour = weighted<number>([
  [0, 0.2], [1, 0.1], [2, 0.1], [3, 0.1], [4, 0.1], [5, 0.2], [6, 0.6], [7, 2], [8, 6], [9, 10], [10, 10],
  [11, 9], [12, 6], [13, 7], [14, 9], [15, 9], [16, 8], [17, 7], [18, 6], [19, 6], [20, 5], [21, 3], [22, 2], [23, 0.6],
]);

function callTime(rng: Rng, day: number): number {
  return shanghaiInstant(day, pickCallHour(rng) * 3600 + rng.int(0, 3599));
}

// ---------------------------------------------------------------------------------------------------------------
// Names: estates and owners
// ---------------------------------------------------------------------------------------------------------------

/** Estate names with a code from the pinyin initials. Beyond the list, later phases: 翠湖花园二期 (CH2). */
// prettier-ignore
const ESTATE_NAMES: readonly (readonly [name: string, code: string])[] = [
  ['翠湖花园', 'CH'], ['金桂苑', 'JG'], ['滨江壹号', 'BJ'], ['锦绣华庭', 'JX'], ['碧水湾', 'BS'],
  ['香樟园', 'XZ'], ['紫荆苑', 'ZJ'], ['御景湾', 'YJ'], ['阳光新城', 'YG'], ['星河湾', 'XH'],
  ['海棠苑', 'HT'], ['东方名都', 'DF'], ['绿城桂语', 'LC'], ['万科城', 'WK'], ['枫林绿洲', 'FL'],
  ['龙湖春江', 'LH'], ['世纪华府', 'SJ'], ['丽景苑', 'LJ'], ['天悦湾', 'TY'], ['融创壹号院', 'RC'],
  ['保利香槟', 'BL'], ['华润橡树湾', 'HR'], ['中海锦苑', 'ZH'], ['招商雍景', 'ZS'], ['盛世豪庭', 'SS'],
  ['书香门第', 'SX'], ['怡海花园', 'YH'], ['湖畔名居', 'HP'], ['银杏苑', 'YX'], ['蓝湾国际', 'LW'],
  ['水岸华庭', 'SA'], ['江南雅苑', 'JN'], ['西溪诚园', 'XX'], ['梧桐里', 'WT'], ['玉兰苑', 'YL'],
  ['凤凰城', 'FH'], ['锦江花园', 'JJ'], ['鹭岛春天', 'LD'], ['半岛豪庭', 'BD'], ['南山雅居', 'NS'],
  ['翡翠城', 'FC'], ['云栖里', 'YQ'], ['康桥水郡', 'KQ'], ['新安家园', 'XA'], ['大华锦绣', 'DH'],
  ['明珠花园', 'MZ'], ['嘉和苑', 'JH'], ['金色家园', 'JS'], ['桃李春风', 'TL'], ['泰禾院子', 'TH'],
  ['长安府', 'CA'], ['清华园', 'QH'],
];

const NUMERALS = '〇一二三四五六七八九';

/** 2 -> 二, 11 -> 十一, 35 -> 三十五 (up to 99; larger numbers stay in digits). */
function chineseNumber(n: number): string {
  if (n < 10) return NUMERALS[n]!;
  if (n >= 100) return String(n);
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : NUMERALS[tens]!}十${ones === 0 ? '' : NUMERALS[ones]!}`;
}

/** The name and code of the estate at a 0-based position; position 0 is the fixture estate 翠湖花园 (CH). */
export function estateIdentity(position: number): { name: string; code: string } {
  const [name, code] = ESTATE_NAMES[position % ESTATE_NAMES.length]!;
  const phase = Math.floor(position / ESTATE_NAMES.length) + 1;
  if (phase === 1) return { name, code };
  return { name: `${name}${chineseNumber(phase)}期`, code: `${code}${phase}` };
}

/** Surnames with rough frequencies (per cent of the population), a few compound surnames among them. */
// prettier-ignore
const pickSurname = weighted<string>([
  ['王', 7.1], ['李', 7.0], ['张', 6.7], ['刘', 5.4], ['陈', 4.5], ['杨', 3.1], ['黄', 2.2], ['赵', 2.0],
  ['吴', 2.0], ['周', 1.9], ['徐', 1.3], ['孙', 1.2], ['马', 1.2], ['朱', 1.1], ['胡', 1.0], ['郭', 1.0],
  ['何', 0.9], ['高', 0.9], ['林', 0.9], ['罗', 0.8], ['郑', 0.8], ['梁', 0.7], ['谢', 0.6], ['宋', 0.6],
  ['唐', 0.6], ['许', 0.5], ['韩', 0.5], ['冯', 0.5], ['邓', 0.5], ['曹', 0.5], ['彭', 0.5], ['曾', 0.5],
  ['肖', 0.4], ['田', 0.4], ['董', 0.4], ['袁', 0.4], ['潘', 0.4], ['于', 0.4], ['蒋', 0.4], ['蔡', 0.4],
  ['余', 0.4], ['杜', 0.4], ['叶', 0.4], ['程', 0.3], ['苏', 0.3], ['魏', 0.3], ['吕', 0.3], ['丁', 0.3],
  ['任', 0.3], ['沈', 0.3], ['姚', 0.3], ['卢', 0.3], ['姜', 0.3], ['崔', 0.3], ['钟', 0.3], ['谭', 0.3],
  ['陆', 0.3], ['汪', 0.3], ['范', 0.3], ['金', 0.3], ['石', 0.3], ['廖', 0.3], ['贾', 0.3], ['夏', 0.2],
  ['韦', 0.2], ['付', 0.2], ['方', 0.2], ['白', 0.2], ['邹', 0.2], ['孟', 0.2], ['熊', 0.2], ['秦', 0.2],
  ['邱', 0.2], ['江', 0.2], ['尹', 0.2], ['薛', 0.2], ['闫', 0.2], ['段', 0.2], ['雷', 0.2], ['侯', 0.2],
  ['龙', 0.2], ['史', 0.2], ['陶', 0.2], ['黎', 0.2], ['贺', 0.2], ['顾', 0.2], ['毛', 0.2], ['郝', 0.2],
  ['龚', 0.2], ['邵', 0.2], ['万', 0.2], ['钱', 0.2], ['严', 0.2], ['武', 0.2], ['戴', 0.2], ['莫', 0.1],
  ['孔', 0.1], ['向', 0.1], ['汤', 0.1], ['欧阳', 0.12], ['司马', 0.03], ['上官', 0.03], ['诸葛', 0.03],
  ['东方', 0.02], ['皇甫', 0.02], ['慕容', 0.01],
]);

/** Common given names: two characters for most people, one for some. */
// prettier-ignore
const GIVEN_NAMES_TWO = [
  '秀英', '桂英', '秀兰', '玉兰', '建华', '建国', '建军', '志强', '志明', '海燕', '丽娟', '晓明', '晓东', '晓红',
  '春梅', '红梅', '国强', '国华', '永强', '文杰', '俊杰', '子涵', '子轩', '浩然', '宇轩', '欣怡', '梓涵', '诗涵',
  '雨桐', '一诺', '思远', '嘉怡', '佳琪', '明轩', '博文', '天佑', '梦瑶', '雅婷', '慧敏', '晓燕', '凤英', '淑珍',
  '德华', '振宇', '鹏飞', '立新', '卫东', '海涛', '瑞华', '婷婷', '丹丹', '莉莉', '亚男', '宏伟', '志刚', '雪梅',
  '家豪', '美玲', '若曦', '晨曦', '欣然', '紫萱', '昊天', '俊熙', '思琪', '一鸣', '天宇', '晓雯', '家乐', '静怡',
] as const;
// prettier-ignore
const GIVEN_NAMES_ONE = [
  '伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '霞',
  '平', '刚', '辉', '鹏', '华', '飞', '鑫', '波', '斌', '宇', '浩', '凯', '健', '俊', '帆', '帅', '旭', '宁',
  '婷', '琳', '颖', '倩', '雪', '慧', '晶', '欣', '瑶', '蕾', '薇', '萍', '红', '玲', '峰', '亮', '阳', '冬',
] as const;

function ownerName(rng: Rng): string {
  const given = rng.chance(0.7) ? rng.pick(GIVEN_NAMES_TWO) : rng.pick(GIVEN_NAMES_ONE);
  return pickSurname(rng) + given;
}

// ---------------------------------------------------------------------------------------------------------------
// Phone numbers: unique mainland mobiles without a set of used numbers. A keyed 32-bit Feistel permutation
// (cycle-walked into the range) maps a counter onto prefix x 8-digit subscriber numbers, so each counter value
// gives a different number.
// ---------------------------------------------------------------------------------------------------------------

/** 130-139, 150-159 (without the unused 154), 173/175-178, 180-189, 198, 199. */
export const MOBILE_PREFIXES: readonly string[] = [
  ...['130', '131', '132', '133', '134', '135', '136', '137', '138', '139'],
  ...['150', '151', '152', '153', '155', '156', '157', '158', '159'],
  ...['173', '175', '176', '177', '178'],
  ...['180', '181', '182', '183', '184', '185', '186', '187', '188', '189'],
  ...['198', '199'],
];
const SUBSCRIBERS_PER_PREFIX = 100_000_000;
const PHONE_SPACE = MOBILE_PREFIXES.length * SUBSCRIBERS_PER_PREFIX; // 3.6e9, below 2^32

function feistel32(value: number, keys: readonly number[]): number {
  let left = value >>> 16;
  let right = value & 0xffff;
  for (const key of keys) {
    let f = Math.imul(right ^ key, 0x9e3779b1);
    f ^= f >>> 15;
    f = Math.imul(f, 0x85ebca6b);
    f ^= f >>> 13;
    const mixed = (left ^ f) & 0xffff;
    left = right;
    right = mixed;
  }
  return ((left << 16) | right) >>> 0;
}

/** Returns a function that hands out a new, never repeated mobile number on each call. */
function createPhoneSource(rng: Rng): () => string {
  const keys = [rng.uint32(), rng.uint32(), rng.uint32(), rng.uint32()];
  let counter = 0;
  return () => {
    for (;;) {
      let v = feistel32(counter++, keys);
      while (v >= PHONE_SPACE) v = feistel32(v, keys);
      const prefix = MOBILE_PREFIXES[Math.floor(v / SUBSCRIBERS_PER_PREFIX)]!;
      const number = prefix + String(v % SUBSCRIBERS_PER_PREFIX).padStart(8, '0');
      if (!RESERVED_PHONES.has(number)) return number;
    }
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Estates, buildings and units: a site plan walked room by room. A new building opens when the current one is
// full, a new estate when the current estate has reached its size (~2,000 units).
// ---------------------------------------------------------------------------------------------------------------

interface EstateState {
  id: number;
  position: number;
  targetUnits: number;
  unitCount: number;
  deliveryDay: number;
  buildingCount: number;
}
interface BuildingState extends BuildingLayout {
  id: number;
  code: string;
  deliveryDate: string;
  floor: number;
  room: number;
}

// prettier-ignore
const pickFloors = weighted<number>([
  [6, 2], [7, 1], [11, 3], [12, 1], [17, 2], [18, 4], [24, 2], [26, 3], [28, 2], [32, 2], [33, 3],
]);

function estateSize(rng: Rng): number {
  return rng.int(1500, 2500);
}

/** Delivery of a building: later phases of an estate follow its first delivery; a few were delivered lately. */
function buildingDeliveryDay(rng: Rng, estate: EstateState, today: number): number {
  if (rng.chance(0.06)) return today - rng.int(7, 85);
  return Math.min(estate.deliveryDay + rng.int(0, 540), today - 100);
}

interface Site {
  estate: EstateState;
  building: BuildingState | null;
}

function buildingFull(building: BuildingState | null): boolean {
  return building === null || building.floor > building.floors;
}

/** True when the next unit would open a new estate: a batch may end here without splitting an estate. */
function atEstateBoundary(site: Site): boolean {
  return buildingFull(site.building) && site.estate.unitCount >= site.estate.targetUnits;
}

function openEstate(g: Generation, batch: DemoBatch): void {
  const position = g.site.estate.position + 1;
  const { name, code } = estateIdentity(position);
  const estate: EstateState = {
    id: g.ids.estate++,
    position,
    targetUnits: estateSize(g.rng),
    unitCount: 0,
    deliveryDay: g.today - g.rng.int(100, 6 * 365),
    buildingCount: 0,
  };
  batch.estates.push({ id: estate.id, code, name, hotlineNumber: DEMO_HOTLINE_NUMBER });
  g.site = { estate, building: null };
}

function openBuilding(g: Generation, batch: DemoBatch): void {
  if (g.site.estate.unitCount >= g.site.estate.targetUnits) openEstate(g, batch);
  const estate = g.site.estate;
  const number = ++estate.buildingCount;
  const fixture =
    estate.id === DEMO_ESTATE.id ? FIXTURE_BUILDINGS.find((b) => b.number === number) : undefined;
  if (fixture) {
    // already written by fixtureBatch(): only walk its rooms
    g.site.building = { ...fixture, code: `B${number}`, floor: 1, room: 1 };
    return;
  }
  const building: BuildingState = {
    id: g.ids.building++,
    code: `B${number}`,
    floors: pickFloors(g.rng),
    roomsPerFloor: g.rng.int(2, 4),
    deliveryDate: isoDate(buildingDeliveryDay(g.rng, estate, g.today)),
    floor: 1,
    room: 1,
  };
  batch.buildings.push({
    id: building.id,
    estateId: estate.id,
    code: building.code,
    name: buildingName(number),
  });
  g.site.building = building;
}

/** "B3-1502": building 3, floor 15, room 02. */
function roomCode(buildingCode: string, floor: number, room: number): string {
  return `${buildingCode}-${String(floor).padStart(2, '0')}${String(room).padStart(2, '0')}`;
}

/** The next unit of the site plan, written to the batch with its fee items. */
function nextUnit(g: Generation, batch: DemoBatch): UnitRow {
  for (;;) {
    if (buildingFull(g.site.building)) openBuilding(g, batch);
    const building = g.site.building!;
    const code = roomCode(building.code, building.floor, building.room);
    if (++building.room > building.roomsPerFloor) {
      building.room = 1;
      building.floor++;
    }
    if (g.site.estate.id === DEMO_ESTATE.id && RESERVED_ROOMS.has(code)) continue;
    const unit: UnitRow = {
      id: g.ids.unit++,
      buildingId: building.id,
      roomCode: code,
      deliveryDate: building.deliveryDate,
    };
    g.site.estate.unitCount++;
    batch.units.push(unit);
    addFees(g, batch, unit);
    return unit;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Fees: ~15 % of units owe something; some units also have paid items from earlier months.
// ---------------------------------------------------------------------------------------------------------------

const ARREARS_SHARE = 0.15;

/** Amount ranges in fen, rounded to 10 fen. Property fees 1,000-6,000 yuan; utilities 30-600 yuan. */
const FEE_RANGES: Record<FeeKind, readonly [number, number]> = {
  property: [100_000, 600_000],
  water: [3_000, 25_000],
  electricity: [8_000, 60_000],
  gas: [3_000, 30_000],
};
const UTILITIES: readonly FeeKind[] = ['water', 'electricity', 'gas'];

function feeAmount(rng: Rng, kind: FeeKind): number {
  const [min, max] = FEE_RANGES[kind];
  return Math.round(rng.int(min, max) / 10) * 10;
}

/** Property fees fall due at the end of a month, utilities on the 15th. */
function feeDueDay(today: number, kind: FeeKind, monthsBack: number): number {
  return kind === 'property' ? endOfMonthBefore(today, monthsBack) : midMonthBefore(today, monthsBack);
}

function addFee(
  g: Generation,
  batch: DemoBatch,
  unit: UnitRow,
  kind: FeeKind,
  dueDay: number,
  paidAt: string | null,
): void {
  batch.feeItems.push({
    id: g.ids.fee++,
    unitId: unit.id,
    kind,
    amountFen: feeAmount(g.rng, kind),
    dueDate: isoDate(dueDay),
    paidAt,
  });
}

function addFees(g: Generation, batch: DemoBatch, unit: UnitRow): void {
  const { rng, today } = g;
  if (rng.chance(ARREARS_SHARE)) {
    let items = 0;
    if (rng.chance(0.75)) {
      const monthsBack = rng.int(1, 8);
      addFee(g, batch, unit, 'property', feeDueDay(today, 'property', monthsBack), null);
      // a quarter of them also missed the period before
      if (rng.chance(0.25))
        addFee(g, batch, unit, 'property', feeDueDay(today, 'property', monthsBack + 1), null);
      items++;
    }
    for (const kind of UTILITIES) {
      if (rng.chance(0.35) || (items === 0 && kind === 'gas')) {
        addFee(g, batch, unit, kind, feeDueDay(today, kind, rng.int(1, 9)), null);
        items++;
      }
    }
  }
  if (rng.chance(0.3)) {
    // a paid item: settled up to three weeks before its due date, during the day
    const kind = rng.chance(0.5) ? 'property' : rng.pick(UTILITIES);
    const dueDay = feeDueDay(today, kind, rng.int(2, 12));
    const paidAt = isoInstant(shanghaiInstant(dueDay - rng.int(0, 20), rng.int(9 * 3600, 21 * 3600)));
    addFee(g, batch, unit, kind, dueDay, paidAt);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Past calls with their timeline (call_events), over the past 90 days; with a longer history (`history` N), over
// N periods of 90 days, each as busy as the first.
// IVR menu of the demo flow: 1 fees, 2 repair, 3 complaint or suggestion, 4 ticket status, 0 agent.
// ---------------------------------------------------------------------------------------------------------------

/** The length of one period of history. */
export const HISTORY_DAYS = 90;
/** Periods of history at most (`history`): 50 periods of 90 days, about 12 years. */
export const MAX_HISTORY = 50;

/** A day in the given period of history: period 0 is the last 90 days before today, period 1 the 90 before. */
function historyDay(g: Generation, period: number): number {
  return g.today - period * HISTORY_DAYS - g.rng.int(1, HISTORY_DAYS);
}

const NORMAL_CLEARING = 'Normal Clearing';

interface InboundIntent {
  readonly intent: string;
  readonly digit: string;
  readonly queue: string;
  /** The IVR node that serves the caller without an agent, if the caller can stay in self-service. */
  readonly selfService: string | null;
}
const INTENTS: Record<'fees' | 'repair' | 'complaint' | 'ticket-status' | 'agent', InboundIntent> = {
  fees: { intent: 'fees', digit: '1', queue: 'fees', selfService: 'fees:balance' },
  repair: { intent: 'repair', digit: '2', queue: 'general', selfService: null },
  complaint: { intent: 'complaint', digit: '3', queue: 'general', selfService: null },
  'ticket-status': { intent: 'ticket-status', digit: '4', queue: 'general', selfService: 'ticket:status' },
  agent: { intent: 'agent', digit: '0', queue: 'general', selfService: null },
};
// prettier-ignore
const pickAgentIntent = weighted<InboundIntent>([
  [INTENTS.fees, 25], [INTENTS.repair, 25], [INTENTS.complaint, 15], [INTENTS.agent, 35],
]);
// prettier-ignore
const pickSelfServiceIntent = weighted<InboundIntent>([
  [INTENTS.fees, 75], [INTENTS['ticket-status'], 25],
]);
const TICKET_INTENT: Record<TicketType, InboundIntent> = {
  repair: INTENTS.repair,
  complaint: INTENTS.complaint,
  suggestion: INTENTS.complaint,
  inquiry: INTENTS.agent,
};

type InboundScenario = 'self-service' | 'answered' | 'abandoned' | 'failed';
// prettier-ignore
const pickInboundScenario = weighted<InboundScenario>([
  ['answered', 55], ['abandoned', 10], ['failed', 2], ['self-service', 33],
]);

/** Builds the timeline of one call: each step moves the clock forward and records an event. */
function timeline(g: Generation, batch: DemoBatch, callId: string, startMs: number) {
  let now = startMs;
  return {
    wait(seconds: number): void {
      now += seconds * 1000;
    },
    event(kind: string, detail: Record<string, string | number> = {}): string {
      const at = isoInstant(now);
      batch.callEvents.push({ id: g.ids.callEvent++, callId, at, kind, detail });
      return at;
    },
  };
}

interface OwnerContext {
  owner: OwnerRow;
  phones: readonly string[];
  units: readonly UnitRow[];
  hasArrears: boolean;
}

/** Asterisk-style channel unique id: "<epoch seconds>.<sequence>". */
function channelId(g: Generation, startMs: number): string {
  return `${Math.floor(startMs / 1000)}.${g.ids.channel++}`;
}

/**
 * One inbound call from an owner, with its timeline. In the 'answered' scenario an agent takes the call
 * (call.agentAnsweredAt is set: a ticket created during the conversation starts from it).
 */
function inboundCall(
  g: Generation,
  batch: DemoBatch,
  who: OwnerContext,
  day: number,
  scenario: InboundScenario,
  intent: InboundIntent,
): CallRow {
  const { rng } = g;
  const id = uuidV4(rng);
  const startMs = callTime(rng, day);
  const withheld = rng.chance(0.02);
  const callerNumber = withheld ? null : rng.chance(0.8) ? who.phones[0]! : rng.pick(who.phones);
  const t = timeline(g, batch, id, startMs);
  const call: CallRow = {
    id,
    direction: 'inbound',
    callerNumber,
    dialledNumber: DEMO_HOTLINE_NUMBER,
    channelId: channelId(g, startMs),
    ownerId: withheld ? null : who.owner.id,
    intent: intent.intent,
    queue: null,
    agentId: null,
    ivrPath: ['greeting'],
    startedAt: t.event('arrived'),
    queuedAt: null,
    agentAnsweredAt: null,
    endedAt: '',
    hangupBy: 'caller',
    hangupCause: NORMAL_CLEARING,
    outcome: scenario,
  };
  if (scenario === 'failed') {
    // the IVR never picked up (no free channel)
    t.wait(rng.int(1, 4));
    call.hangupBy = 'system';
    call.hangupCause = 'Network out of order';
    call.endedAt = t.event('ended', { hangupBy: call.hangupBy, cause: call.hangupCause });
    batch.calls.push(call);
    return call;
  }
  t.wait(1);
  t.event('ivr-answered');
  t.wait(rng.int(6, 20));
  t.event('menu', { digit: intent.digit });
  call.ivrPath.push(`menu:${intent.digit}`);

  if (scenario === 'self-service') {
    call.ivrPath.push(intent.selfService ?? 'info');
    t.wait(rng.int(20, 90));
  } else {
    queueCall(g, t, call, intent, scenario);
  }
  // after a self-service answer the IVR often says goodbye and hangs up itself
  if (call.outcome === 'self-service' && rng.chance(0.3)) call.hangupBy = 'system';
  call.endedAt = t.event('ended', { hangupBy: call.hangupBy, cause: call.hangupCause });
  batch.calls.push(call);
  return call;
}

/** Queue, offer to an agent, and (for 'answered') the conversation. */
function queueCall(
  g: Generation,
  t: ReturnType<typeof timeline>,
  call: CallRow,
  intent: InboundIntent,
  scenario: InboundScenario,
): void {
  const { rng } = g;
  call.queue = intent.queue;
  t.wait(rng.int(1, 3));
  call.queuedAt = t.event('queued', { queue: intent.queue });
  const waited = rng.chance(0.85) ? rng.int(2, 40) : rng.int(40, 240);
  const agentId = rng.pick(CALL_TAKER_IDS);
  if (scenario === 'abandoned') {
    if (rng.chance(0.5)) {
      t.wait(Math.floor(waited / 2));
      t.event('offered', { agentId });
    }
    t.wait(Math.ceil(waited / 2));
    return;
  }
  t.wait(waited);
  t.event('offered', { agentId });
  t.wait(rng.int(2, 12));
  call.agentId = agentId;
  call.agentAnsweredAt = t.event('agent-answered', { agentId });
  t.wait(rng.chance(0.8) ? rng.int(40, 300) : rng.int(300, 900));
  if (rng.chance(0.3)) call.hangupBy = 'agent';
}

/** An outbound reminder or revisit call: the owner answers, or does not. */
function outboundCall(g: Generation, batch: DemoBatch, who: OwnerContext, day: number): void {
  const { rng } = g;
  const id = uuidV4(rng);
  // calling hours are 09:00-20:00
  const startMs = shanghaiInstant(day, rng.int(9 * 3600, 19 * 3600));
  const campaign = who.hasArrears ? 'fee-reminder' : 'revisit';
  const t = timeline(g, batch, id, startMs);
  const answered = rng.chance(0.7);
  const call: CallRow = {
    id,
    direction: 'outbound',
    callerNumber: DEMO_HOTLINE_NUMBER,
    dialledNumber: who.phones[0]!,
    channelId: channelId(g, startMs),
    ownerId: who.owner.id,
    intent: campaign,
    queue: null,
    agentId: null,
    ivrPath: [campaign],
    startedAt: t.event('originated', { campaign }),
    queuedAt: null,
    agentAnsweredAt: null,
    endedAt: '',
    hangupBy: 'system',
    hangupCause: NORMAL_CLEARING,
    outcome: answered ? 'answered' : 'failed',
  };
  if (answered) {
    t.wait(rng.int(5, 25));
    t.event('answered');
    t.wait(rng.int(20, 60));
    const digit = campaign === 'fee-reminder' ? '1' : String(rng.int(3, 5));
    call.ivrPath.push(campaign === 'fee-reminder' ? `ack:${digit}` : `score:${digit}`);
    t.event('menu', { digit });
    t.wait(rng.int(2, 6));
    call.hangupBy = rng.chance(0.5) ? 'caller' : 'system';
  } else {
    t.wait(30);
    call.hangupCause = rng.chance(0.7) ? 'No answer' : 'User busy';
  }
  call.endedAt = t.event('ended', { hangupBy: call.hangupBy, cause: call.hangupCause });
  batch.calls.push(call);
}

// ---------------------------------------------------------------------------------------------------------------
// Tickets: about one for every ten owners in each period of history, many created by an agent during a call.
// ---------------------------------------------------------------------------------------------------------------

// prettier-ignore
const TICKET_DESCRIPTIONS: Record<TicketType, readonly string[]> = {
  repair: [
    '厨房水管漏水', '卫生间下水道堵塞', '客厅吊灯不亮', '入户门锁损坏,钥匙打不开', '阳台推拉窗关不严',
    '空调冷凝水管漏水到楼下', '楼道感应灯不亮', '外墙渗水,卧室墙面发霉', '热水器无法点火', '电梯按键失灵',
    '地漏返臭味', '门禁对讲机没有声音', '地下车库卷帘门无法开启', '卫生间天花板渗水', '入户水表漏水',
    '厨房插座没电', '防盗窗生锈松动', '马桶水箱一直流水',
  ],
  complaint: [
    '电梯经常停运', '楼上装修噪音太大,周末早上七点就开工', '小区垃圾清运不及时,有异味', '地下车库车位被外来车辆占用',
    '门岗保安态度差', '绿化带长期无人修剪', '夜间广场舞噪音扰民', '楼道堆放杂物无人清理', '维修人员上门不准时',
    '小区门禁经常损坏', '有人遛狗不拴绳', '物业费上涨未提前公示', '快递柜经常满柜', '游泳池水质差',
  ],
  inquiry: [
    '咨询物业费缴费方式', '咨询装修申请办理流程', '咨询停车月卡办理', '咨询水电费账单明细', '咨询房屋保修期限',
    '咨询快递柜使用方法', '咨询电子发票开具', '咨询门禁卡补办', '咨询小区停水通知', '咨询宠物登记办法',
  ],
  suggestion: [
    '建议增设电动车充电桩', '建议在儿童游乐区加装遮阳棚', '建议延长游泳池开放时间', '建议增加垃圾分类指引牌',
    '建议在北门增设人行道闸', '建议定期公示物业费收支情况', '建议增加夜间巡逻次数', '建议地下车库加装照明',
  ],
};
// prettier-ignore
const pickTicketType = weighted<TicketType>([
  ['repair', 45], ['complaint', 25], ['inquiry', 20], ['suggestion', 10],
]);

// prettier-ignore
const pickRecentTicketStatus = weighted<TicketStatus>([
  ['registered', 10], ['dispatched', 40], ['resolved', 30], ['closed', 20],
]);
// prettier-ignore
const pickOlderTicketStatus = weighted<TicketStatus>([
  ['registered', 2], ['dispatched', 5], ['resolved', 13], ['closed', 80],
]);

/** Older tickets are further along: registered -> dispatched -> resolved -> closed. */
function ticketStatus(rng: Rng, ageDays: number): TicketStatus {
  if (ageDays <= 1) return rng.chance(0.6) ? 'registered' : 'dispatched';
  return ageDays <= 7 ? pickRecentTicketStatus(rng) : pickOlderTicketStatus(rng);
}

function addTicket(g: Generation, batch: DemoBatch, who: OwnerContext, period: number): void {
  const { rng, today } = g;
  const type = pickTicketType(rng);
  const unit = rng.pick(who.units);
  let createdMs: number;
  let fromCall: CallRow | null = null;
  if (rng.chance(0.6)) {
    // created by the agent during the owner's call about it
    fromCall = inboundCall(g, batch, who, historyDay(g, period), 'answered', TICKET_INTENT[type]);
    createdMs = Date.parse(fromCall.agentAnsweredAt!) + rng.int(30, 120) * 1000;
  } else {
    // entered by an agent from the WeChat account or the front desk
    createdMs = callTime(rng, historyDay(g, period));
  }
  const ageDays = today - shanghaiDay(new Date(createdMs));
  const status = ticketStatus(rng, ageDays);
  const updatedMs =
    status === 'registered'
      ? createdMs
      : createdMs + rng.int(1, Math.max(1, Math.min(ageDays, 5) * 24)) * 3_600_000;
  const id = g.ids.ticket++;
  batch.tickets.push({
    id,
    number: ticketNumber(id),
    ownerId: who.owner.id,
    unitId: unit.id,
    type,
    description: rng.pick(TICKET_DESCRIPTIONS[type]),
    status,
    createdFromCall: fromCall?.id ?? null,
    createdByAgent: fromCall?.agentId ?? rng.pick(CALL_TAKER_IDS),
    createdAt: isoInstant(createdMs),
    updatedAt: isoInstant(Math.min(updatedMs, shanghaiInstant(today, 0))),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Owners
// ---------------------------------------------------------------------------------------------------------------

/** Calls per owner and period besides the ones that led to a ticket: about 0.45 on average (0.5 with those). */
// prettier-ignore
const pickCallCount = weighted<number>([
  [0, 65], [1, 27], [2, 6], [3, 2],
]);

function addOwner(g: Generation, batch: DemoBatch): void {
  const { rng } = g;
  const owner: OwnerRow = {
    id: g.ids.owner++,
    name: ownerName(rng),
    vip: rng.chance(0.03),
    language: rng.chance(0.05) ? 'en' : 'zh',
  };
  batch.owners.push(owner);

  const phones = rng.chance(0.35) ? [g.nextPhone(), g.nextPhone()] : [g.nextPhone()];
  phones.forEach((number, i) =>
    batch.ownerPhones.push({ ownerId: owner.id, number, label: i === 0 ? 'mobile' : 'family' }),
  );

  // A few owners share the previous owner's unit (a couple); about one in ten owns a second unit.
  const feesBefore = batch.feeItems.length;
  const units: UnitRow[] = [];
  const coOwner = g.previousUnit !== null && rng.chance(0.03);
  units.push(coOwner ? g.previousUnit! : nextUnit(g, batch));
  if (rng.chance(0.1)) units.push(nextUnit(g, batch));
  for (const unit of units) batch.ownerUnits.push({ ownerId: owner.id, unitId: unit.id });
  // a shared unit is not shared again: at most two owners per unit
  g.previousUnit = coOwner ? null : units[0]!;

  const hasArrears = batch.feeItems.slice(feesBefore).some((f) => f.paidAt === null);
  const who: OwnerContext = { owner, phones, units, hasArrears };
  // Each period of history draws its calls and tickets as the last 90 days do; with one period (the default) the
  // draws are those of the generator before longer histories existed, so the same seed gives the same data.
  for (let period = 0; period < g.history; period++) addHistory(g, batch, who, period);
}

/** An owner's calls and tickets in one period of history. */
function addHistory(g: Generation, batch: DemoBatch, who: OwnerContext, period: number): void {
  const { rng } = g;
  const calls = pickCallCount(rng);
  for (let i = 0; i < calls; i++) {
    const day = historyDay(g, period);
    if (rng.chance(0.08)) outboundCall(g, batch, who, day);
    else {
      const scenario = pickInboundScenario(rng);
      const intent = scenario === 'self-service' ? pickSelfServiceIntent(rng) : pickAgentIntent(rng);
      inboundCall(g, batch, who, day, scenario, intent);
    }
  }
  const tickets = rng.chance(0.095) ? 1 : rng.chance(0.006) ? 2 : 0;
  for (let i = 0; i < tickets; i++) addTicket(g, batch, who, period);
}

// ---------------------------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------------------------

export interface DemoDataOptions {
  /** Owners in total, the three fixture owners included. */
  owners: number;
  seed: number | string;
  /** "Now" for the generated history: calls and tickets of the days before it, fees due in the months before. */
  asOf: Date;
  /**
   * Periods of 90 days of call and ticket history, 1 to MAX_HISTORY (default 1): N times the calls and tickets
   * per owner, over N times 90 days before `asOf`.
   */
  history?: number;
  /**
   * Owners per batch, rounded up to the end of an estate so batches never refer to each other. Default 10,000
   * divided by `history`, so that a batch holds about as many calls whatever the history.
   */
  batchOwners?: number;
}

/** The generator's running state. */
interface Generation {
  rng: Rng;
  today: number;
  nextPhone: () => string;
  site: Site;
  previousUnit: UnitRow | null;
  /** Periods of history per owner. */
  history: number;
  ids: typeof FIRST_RANDOM_IDS & { channel: number };
}

/**
 * The random bulk after the fixtures, batch by batch. Each batch holds whole estates (except the first, which
 * continues the fixture estate, and the last), so it only refers to its own rows, the fixtures and the agents:
 * batches can be written in parallel.
 */
export function* randomBatches(options: DemoDataOptions): Generator<DemoBatch, void, undefined> {
  const history = options.history ?? 1;
  if (!Number.isInteger(history) || history < 1 || history > MAX_HISTORY) {
    throw new RangeError(
      `history must be a whole number of periods from 1 to ${MAX_HISTORY}, got ${history}`,
    );
  }
  const batchOwners = options.batchOwners ?? Math.ceil(10_000 / history);
  const rng = createRng(options.seed);
  const g: Generation = {
    rng,
    today: shanghaiDay(options.asOf),
    nextPhone: createPhoneSource(rng),
    site: {
      // the fixture estate, with its four fixture units, is filled up first
      estate: {
        id: DEMO_ESTATE.id,
        position: 0,
        targetUnits: estateSize(rng),
        unitCount: RESERVED_ROOMS.size,
        deliveryDay: dayFromIso(DEMO_ESTATE.deliveryDate),
        buildingCount: 0,
      },
      building: null,
    },
    previousUnit: null,
    history,
    ids: { ...FIRST_RANDOM_IDS, channel: 1 },
  };
  let remaining = options.owners - DEMO_FIXTURE_OWNERS.length;
  while (remaining > 0) {
    const batch = emptyBatch();
    g.previousUnit = null;
    while (remaining > 0 && !(batch.owners.length >= batchOwners && atEstateBoundary(g.site))) {
      addOwner(g, batch);
      remaining--;
    }
    yield batch;
  }
}

/** Everything: the fixtures first, then the random bulk. */
export function* demoBatches(options: DemoDataOptions): Generator<DemoBatch, void, undefined> {
  yield fixtureBatch(options.asOf);
  yield* randomBatches(options);
}
