// The database side of the IVR's self-service, against the real PostgreSQL: a caller keying room code and PIN is
// recognised (or not), hears the status of a ticket, the estate's notices and the fees by kind; a voicemail
// becomes a ticket with its expected completion; the language chosen is remembered; opening hours are read.
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, hoursState } from '../../core/index.ts';
import {
  createInboundCall,
  createIvrTicket,
  createNotice,
  currentNotices,
  estateHours,
  estateOfCode,
  estateOfDialled,
  estateOfUnit,
  expectedCompletion,
  feesByKind,
  unpaidFeesOfUnits,
  findOwnerById,
  findOwnerByRoomPin,
  setOwnerLanguage,
  ticketStatus,
} from '../../db/index.ts';
import { closeDb, createOwner, db, testPhone, type TestOwner } from '../support/fixtures.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A room code whose keypad form (10 digits) no demo unit and no other test has: "Q482913-0617" keys 4829130617. */
function uniqueRoom(): { roomCode: string; keys: string } {
  const building = randomInt(100_000, 1_000_000);
  const room = String(randomInt(0, 10_000)).padStart(4, '0');
  return { roomCode: `Q${building}-${room}`, keys: `${building}${room}` };
}

async function estateOf(owner: TestOwner): Promise<number> {
  return (await estateOfUnit(db(), owner.units[0]!.unitId))!;
}

async function setIvrPin(ownerId: number, pin: string): Promise<void> {
  await db().query('UPDATE owners SET ivr_pin_hash = $2 WHERE id = $1', [ownerId, await hashPassword(pin)]);
}

async function addPhone(ownerId: number, number: string): Promise<void> {
  await db().query('INSERT INTO owner_phones (owner_id, number) VALUES ($1, $2)', [ownerId, number]);
}

async function newCall(): Promise<string> {
  const id = randomUUID();
  await createInboundCall(db(), {
    id,
    callerNumber: null,
    dialledNumber: '4008200000',
    channelId: `test-${id}`,
    startedAt: new Date(),
  });
  return id;
}

afterAll(async () => {
  await closeDb();
});

describe('an unknown caller keying room code and PIN', () => {
  const room = uniqueRoom();
  let owner: TestOwner;
  let estateId: number;

  beforeAll(async () => {
    owner = await createOwner({ name: '孙丽', rooms: [{ roomCode: room.roomCode }] });
    estateId = await estateOf(owner);
  });

  it('is recognised with the last 4 digits of a registered phone, in the estate or on a shared hotline', async () => {
    const pin = owner.phone.slice(-4);
    for (const scope of [estateId, null]) {
      const found = await findOwnerByRoomPin(db(), { roomKeys: room.keys, pin, estateId: scope });
      expect(found).toEqual({
        owner: {
          id: owner.ownerId,
          name: '孙丽',
          vip: false,
          language: 'zh',
          units: [
            {
              unitId: owner.units[0]!.unitId,
              roomCode: room.roomCode,
              building: expect.stringContaining('号楼') as string,
              estate: expect.stringContaining('测试花园') as string,
              estateId,
            },
          ],
        },
        unitId: owner.units[0]!.unitId,
      });
    }
  });

  it('is recognised by any of their phones, and keys may come with stray spaces', async () => {
    const second = testPhone();
    await addPhone(owner.ownerId, second);
    const found = await findOwnerByRoomPin(db(), {
      roomKeys: ` ${room.keys} `,
      pin: second.slice(-4),
      estateId,
    });
    expect(found?.owner.id).toBe(owner.ownerId);
  });

  it('is recognised with their own IVR PIN, which does not replace the phone digits', async () => {
    await setIvrPin(owner.ownerId, '482016');
    expect((await findOwnerByRoomPin(db(), { roomKeys: room.keys, pin: '482016', estateId }))?.owner.id).toBe(
      owner.ownerId,
    );
    expect(await findOwnerByRoomPin(db(), { roomKeys: room.keys, pin: '482017', estateId })).toBeNull();
    expect(
      (await findOwnerByRoomPin(db(), { roomKeys: room.keys, pin: owner.phone.slice(-4), estateId }))?.owner
        .id,
    ).toBe(owner.ownerId);
  });

  it('is not recognised with a wrong PIN, in another estate, or for another room', async () => {
    const wrong = String((Number(owner.phone.slice(-4)) + 1) % 10_000).padStart(4, '0');
    expect(await findOwnerByRoomPin(db(), { roomKeys: room.keys, pin: wrong, estateId })).toBeNull();
    const other = await createOwner({ name: '周强', rooms: [{ roomCode: uniqueRoom().roomCode }] });
    expect(
      await findOwnerByRoomPin(db(), {
        roomKeys: room.keys,
        pin: owner.phone.slice(-4),
        estateId: await estateOf(other),
      }),
    ).toBeNull();
    expect(
      await findOwnerByRoomPin(db(), { roomKeys: uniqueRoom().keys, pin: owner.phone.slice(-4), estateId }),
    ).toBeNull();
  });

  it('gets "not found", never an error, for garbage keys', async () => {
    const pin = owner.phone.slice(-4);
    const garbage: { roomKeys: string; pin: string; estateId: number | null }[] = [
      { roomKeys: '', pin, estateId },
      { roomKeys: 'B3-1502', pin, estateId },
      { roomKeys: `${room.keys}#`, pin, estateId },
      { roomKeys: '9'.repeat(40), pin, estateId },
      { roomKeys: room.keys, pin: '', estateId },
      { roomKeys: room.keys, pin: '12', estateId },
      { roomKeys: room.keys, pin: 'abcd', estateId },
      { roomKeys: room.keys, pin: '1'.repeat(40), estateId },
      { roomKeys: room.keys, pin, estateId: -1 },
      { roomKeys: room.keys, pin, estateId: 2 ** 40 },
      { roomKeys: room.keys, pin, estateId: Number.NaN },
    ];
    for (const input of garbage) expect(await findOwnerByRoomPin(db(), input)).toBeNull();
  });

  it('is not verified when the same keys and PIN fit owners in two estates, unless the estate is known', async () => {
    const shared = uniqueRoom();
    const first = await createOwner({ name: '郑华', rooms: [{ roomCode: shared.roomCode }] });
    const second = await createOwner({ name: '冯雪', rooms: [{ roomCode: shared.roomCode }] });
    // the second owner has a phone ending in the same 4 digits as the first owner's
    await addPhone(
      second.ownerId,
      `146${String(randomInt(0, 1e4)).padStart(4, '0')}${first.phone.slice(-4)}`,
    );
    const pin = first.phone.slice(-4);
    expect(await findOwnerByRoomPin(db(), { roomKeys: shared.keys, pin, estateId: null })).toBeNull();
    expect(
      (await findOwnerByRoomPin(db(), { roomKeys: shared.keys, pin, estateId: await estateOf(first) }))?.owner
        .id,
    ).toBe(first.ownerId);
    // the same for their own IVR PINs
    await setIvrPin(first.ownerId, '97531');
    await setIvrPin(second.ownerId, '97531');
    expect(
      await findOwnerByRoomPin(db(), { roomKeys: shared.keys, pin: '97531', estateId: null }),
    ).toBeNull();
    expect(
      (
        await findOwnerByRoomPin(db(), {
          roomKeys: shared.keys,
          pin: '97531',
          estateId: await estateOf(second),
        })
      )?.owner.id,
    ).toBe(second.ownerId);
    // a PIN that fits one of them only is not ambiguous
    expect(
      (await findOwnerByRoomPin(db(), { roomKeys: shared.keys, pin: second.phone.slice(-4), estateId: null }))
        ?.owner.id,
    ).toBe(second.ownerId);
  });

  it('tells co-owners of one unit apart by their own phone', async () => {
    const shared = uniqueRoom();
    const first = await createOwner({ name: '何静', rooms: [{ roomCode: shared.roomCode }] });
    const partner = await db().query<{ id: number }>(
      `INSERT INTO owners (name) VALUES ('韩磊') RETURNING id`,
    );
    const partnerId = partner.rows[0]!.id;
    const partnerPhone = testPhone();
    await addPhone(partnerId, partnerPhone);
    await db().query('INSERT INTO owner_units (owner_id, unit_id) VALUES ($1, $2)', [
      partnerId,
      first.units[0]!.unitId,
    ]);
    const found = await findOwnerByRoomPin(db(), {
      roomKeys: shared.keys,
      pin: partnerPhone.slice(-4),
      estateId: null,
    });
    expect(found).toMatchObject({ owner: { id: partnerId, name: '韩磊' }, unitId: first.units[0]!.unitId });
  });
});

describe('a voicemail or IVR ticket and its status', () => {
  let owner: TestOwner;

  beforeAll(async () => {
    owner = await createOwner({ name: '曹敏', rooms: [{ roomCode: uniqueRoom().roomCode }] });
  });

  it('files an urgent repair from a voicemail and reads back its status and expected completion', async () => {
    const callId = await newCall();
    const before = Date.now();
    const ticket = await createIvrTicket(db(), {
      ownerId: owner.ownerId,
      unitId: owner.units[0]!.unitId,
      type: 'repair',
      category: 'water',
      urgent: true,
      description: '  厨房水管爆裂，漏水严重  ',
      channel: 'voicemail',
      recording: `vm-${callId}`,
      callId,
    });
    expect(ticket.number).toMatch(/^\d+$/);
    const status = await ticketStatus(db(), ticket.number);
    expect(status).toEqual({
      number: ticket.number,
      type: 'repair',
      status: 'registered',
      createdAt: expect.any(String) as string,
      expectedDoneAt: ticket.expectedDoneAt,
      ownerId: owner.ownerId,
      urgent: true,
      channel: 'voicemail',
    });
    // urgent repair: 6 hours after it was filed, by the database's clock
    const created = Date.parse(status!.createdAt);
    expect(Math.abs(created - before)).toBeLessThan(60_000);
    expect(Date.parse(status!.expectedDoneAt!) - created).toBe(6 * HOUR);
    const { rows } = await db().query<Record<string, unknown>>(
      `SELECT description, category, recording, created_from_call AS "call", unit_id AS "unitId"
         FROM tickets WHERE id = $1`,
      [ticket.id],
    );
    expect(rows[0]).toEqual({
      description: '厨房水管爆裂，漏水严重',
      category: 'water',
      recording: `vm-${callId}`,
      call: callId,
      unitId: owner.units[0]!.unitId,
    });
  });

  it('files a complaint from an unknown caller with its working-day deadline, an empty or long text made to fit', async () => {
    const empty = await createIvrTicket(db(), {
      ownerId: null,
      unitId: null,
      type: 'complaint',
      category: null,
      urgent: false,
      description: '   ',
      channel: 'voicemail',
      recording: null,
      callId: await newCall(),
    });
    const status = await ticketStatus(db(), empty.number);
    expect(status).toMatchObject({ type: 'complaint', ownerId: null, channel: 'voicemail', urgent: false });
    expect(status!.expectedDoneAt).toBe(
      expectedCompletion({ type: 'complaint', urgent: false }, new Date(status!.createdAt))!.toISOString(),
    );

    const long = await createIvrTicket(db(), {
      ownerId: owner.ownerId,
      unitId: null,
      type: 'suggestion',
      category: '',
      urgent: false,
      description: '建议'.repeat(2500) + '😀',
      channel: 'ivr',
      recording: null,
      callId: await newCall(),
    });
    expect(long.expectedDoneAt).toBeNull();
    const { rows } = await db().query<{ id: number; description: string; category: string | null }>(
      'SELECT id, description, category FROM tickets WHERE id = ANY($1::bigint[]) ORDER BY id',
      [[empty.id, long.id]],
    );
    expect(rows[0]!.description).toBe('语音留言（详见录音）');
    expect(Array.from(rows[1]!.description)).toHaveLength(4000);
    expect(rows[1]!.category).toBeNull();
  });

  it('answers "not found" for an unknown ticket number and for garbage', async () => {
    for (const keyed of ['', '*', 'abc', '1'.repeat(40), '99999999999999', '10000001; DROP TABLE tickets']) {
      expect(await ticketStatus(db(), keyed)).toBeNull();
    }
  });
});

describe("the estate's notices", () => {
  it('reads current and coming notices (7 days ahead), oldest start first, without ended or far ones', async () => {
    const owner = await createOwner({
      name: '许娟',
      rooms: [{ roomCode: 'B3-1502' }, { roomCode: 'B5-0101' }],
    });
    const estateId = await estateOf(owner);
    const { rows } = await db().query<{ id: number }>(
      `SELECT b.id FROM buildings b JOIN units u ON u.building_id = b.id WHERE u.id = $1`,
      [owner.units[0]!.unitId],
    );
    const b3 = rows[0]!.id;
    const now = new Date();
    const at = (ms: number) => new Date(now.getTime() + ms);
    const notice = (
      kind: 'water-cut' | 'works' | 'power-cut' | 'other',
      startsAt: Date,
      endsAt: Date | null,
    ) =>
      createNotice(db(), {
        estateId,
        buildingId: kind === 'water-cut' ? b3 : null,
        kind,
        title: `${kind} 测试通知`,
        body: '测试',
        startsAt,
        endsAt,
      });
    const ongoing = await notice('other', at(-30 * DAY), null);
    const waterTomorrow = await notice('water-cut', at(DAY), at(DAY + 8 * HOUR));
    const worksNow = await notice('works', at(-DAY), at(5 * DAY));
    await notice('power-cut', at(-2 * DAY), at(-HOUR)); // ended
    const nextWeek = await notice('works', at(8 * DAY), at(9 * DAY)); // too far ahead, for now
    const edge = await notice('power-cut', at(7 * DAY - HOUR), at(7 * DAY));

    const current = await currentNotices(db(), estateId, now);
    expect(current.map((n) => n.id)).toEqual([ongoing.id, worksNow.id, waterTomorrow.id, edge.id]);
    expect(current[2]).toEqual({
      id: waterTomorrow.id,
      kind: 'water-cut',
      buildingId: b3,
      building: '3号楼',
      startsAt: at(DAY).toISOString(),
      endsAt: at(DAY + 8 * HOUR).toISOString(),
      title: 'water-cut 测试通知',
      body: '测试',
    });
    expect(current[0]).toMatchObject({ building: null, buildingId: null, endsAt: null });
    // a week later: the one without an end, and the works that were too far ahead
    expect((await currentNotices(db(), estateId, at(7 * DAY + HOUR))).map((n) => n.id)).toEqual([
      ongoing.id,
      nextWeek.id,
    ]);
    // other estates hear nothing of them
    const other = await createOwner({ name: '吕洋', rooms: [{ roomCode: 'B1-0101' }] });
    expect(await currentNotices(db(), await estateOf(other), now)).toEqual([]);
    expect(await currentNotices(db(), -5, now)).toEqual([]);
  });

  it('refuses a notice for a building of another estate', async () => {
    const a = await createOwner({ name: '施敏', rooms: [{ roomCode: 'B1-0101' }] });
    const b = await createOwner({ name: '张婷', rooms: [{ roomCode: 'B2-0101' }] });
    const { rows } = await db().query<{ id: number }>('SELECT building_id AS id FROM units WHERE id = $1', [
      b.units[0]!.unitId,
    ]);
    await expect(
      createNotice(db(), {
        estateId: await estateOf(a),
        buildingId: rows[0]!.id,
        kind: 'water-cut',
        title: '错误的楼栋',
        body: '',
        startsAt: new Date(),
        endsAt: null,
      }),
    ).rejects.toThrow(/foreign key/);
  });
});

describe('fees by kind', () => {
  it('sums the unpaid items of the units per kind, property first, then water, electricity, gas, parking', async () => {
    const owner = await createOwner({
      name: '陈刚',
      rooms: [
        {
          roomCode: 'B2-0801',
          fees: [
            { kind: 'parking', amountFen: 30000, dueDate: '2026-09-30' },
            { kind: 'water', amountFen: 4520, dueDate: '2026-09-15' },
            { kind: 'property', amountFen: 123450, dueDate: '2026-09-30' },
          ],
        },
        {
          roomCode: 'B2-0802',
          fees: [
            { kind: 'property', amountFen: 100000, dueDate: '2026-10-31' },
            { kind: 'gas', amountFen: 8800, dueDate: '2026-10-15' },
            { kind: 'water', amountFen: 1, dueDate: '2026-10-15' },
          ],
        },
      ],
    });
    const [first, second] = owner.units.map((u) => u.unitId) as [number, number];
    await db().query(`UPDATE fee_items SET paid_at = now() WHERE unit_id = $1 AND kind = 'gas'`, [second]);
    expect(feesByKind(await unpaidFeesOfUnits(db(), [first, second]))).toEqual([
      { kind: 'property', amountFen: 223450, items: 2 },
      { kind: 'water', amountFen: 4521, items: 2 },
      { kind: 'parking', amountFen: 30000, items: 1 },
    ]);
    expect(feesByKind(await unpaidFeesOfUnits(db(), [second]))).toEqual([
      { kind: 'property', amountFen: 100000, items: 1 },
      { kind: 'water', amountFen: 1, items: 1 },
    ]);
    expect(feesByKind(await unpaidFeesOfUnits(db(), []))).toEqual([]);
    expect(await unpaidFeesOfUnits(db(), [-1, 1.5, 2 ** 40, 'x'])).toEqual([]);
  });
});

describe('language, estate and opening hours', () => {
  it('remembers the language the owner chose', async () => {
    const owner = await createOwner({ name: '林娜', rooms: [{ roomCode: 'B1-0202' }] });
    await setOwnerLanguage(db(), owner.ownerId, 'en');
    expect((await findOwnerById(db(), owner.ownerId))?.language).toBe('en');
    await setOwnerLanguage(db(), owner.ownerId, 'zh');
    expect((await findOwnerById(db(), owner.ownerId))?.language).toBe('zh');
  });

  it('finds the estate of a dialled number only when the number is its own', async () => {
    const owner = await createOwner({ name: '黄磊', rooms: [{ roomCode: 'B1-0303' }] });
    const estateId = await estateOf(owner);
    const hotline = `400${String(randomInt(0, 1e7)).padStart(7, '0')}`;
    await db().query('UPDATE estates SET hotline_number = $2 WHERE id = $1', [estateId, hotline]);
    expect(await estateOfDialled(db(), hotline)).toBe(estateId);
    expect(await estateOfDialled(db(), ` ${hotline} `)).toBe(estateId);
    // the demo hotline is shared by many estates: the caller's unit has to tell
    expect(await estateOfDialled(db(), '4008200000')).toBeNull();
    expect(await estateOfDialled(db(), '4000000000000')).toBeNull();
    expect(await estateOfDialled(db(), '')).toBeNull();
    const { rows } = await db().query<{ code: string; name: string }>(
      'SELECT code, name FROM estates WHERE id = $1',
      [estateId],
    );
    expect(await estateOfCode(db(), rows[0]!.code)).toBe(estateId);
    // a flow's `estate: ${unit.estate}` renders the estate's name
    expect(await estateOfCode(db(), rows[0]!.name)).toBe(estateId);
    expect(await estateOfCode(db(), 'no-such-estate')).toBeNull();
  });

  it('finds the estate of a unit', async () => {
    const owner = await createOwner({ name: '宋佳', rooms: [{ roomCode: 'B1-0404' }] });
    const { rows } = await db().query<{ estateId: number }>(
      'SELECT b.estate_id AS "estateId" FROM units u JOIN buildings b ON b.id = u.building_id WHERE u.id = $1',
      [owner.units[0]!.unitId],
    );
    expect(await estateOfUnit(db(), owner.units[0]!.unitId)).toBe(rows[0]!.estateId);
    expect(await estateOfUnit(db(), 2_000_000_000)).toBeNull();
    expect(await estateOfUnit(db(), -3)).toBeNull();
  });

  it('opens an estate without hours 08:00-20:00 every day, and one with hours by its own', async () => {
    const owner = await createOwner({ name: '唐伟', rooms: [{ roomCode: 'B1-0505' }] });
    const estateId = await estateOf(owner);
    // start from an estate that has set no hours (createOwner may staff its estate around the clock)
    await db().query('DELETE FROM estate_hours WHERE estate_id = $1', [estateId]);
    await db().query('UPDATE estates SET open_on_holidays = false WHERE id = $1', [estateId]);
    expect(await estateHours(db(), estateId)).toEqual({
      timeZone: 'Asia/Shanghai',
      openOnHolidays: false,
      days: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens: '08:00', closes: '20:00' })),
    });
    await db().query(
      `INSERT INTO estate_hours (estate_id, weekday, opens, closes)
       SELECT $1, d, '09:00', CASE WHEN d = 5 THEN '24:00'::time ELSE '18:30'::time END FROM generate_series(1, 5) d`,
      [estateId],
    );
    await db().query(`UPDATE estates SET open_on_holidays = true WHERE id = $1`, [estateId]);
    const hours = await estateHours(db(), estateId);
    expect(hours.openOnHolidays).toBe(true);
    expect(hours.days).toEqual([
      { weekday: 1, opens: '09:00', closes: '18:30' },
      { weekday: 2, opens: '09:00', closes: '18:30' },
      { weekday: 3, opens: '09:00', closes: '18:30' },
      { weekday: 4, opens: '09:00', closes: '18:30' },
      { weekday: 5, opens: '09:00', closes: '24:00' },
    ]);
    // Tuesday 2026-11-24 18:45 and Friday 2026-11-27 23:00 in Shanghai
    expect(hoursState(hours, new Date('2026-11-24T10:45:00Z'))).toBe('closed');
    expect(hoursState(hours, new Date('2026-11-27T15:00:00Z'))).toBe('open');
    // Thursday 2026-10-01 (National Day) 10:00: open, with Thursday's hours
    expect(hoursState(hours, new Date('2026-10-01T02:00:00Z'))).toBe('open');
    await expect(
      db().query(`INSERT INTO estate_hours VALUES ($1, 6, '20:00', '08:00')`, [estateId]),
    ).rejects.toThrow(/check constraint/);
  });
});
