// The shipped default flow (ivr/flows/default.yaml) end to end: real sipp callers keying DTMF (SIP INFO and
// RFC 2833) into Asterisk, the flow interpreter in the controller, the database behind it. Each test asserts what
// the caller heard (ARI playback events seen by a second connection) and what the hotline recorded.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sayAmount, sayDateTime, sayRoom, sayTicket } from '../../ivr/speech.ts';
import { AriObserver } from '../support/ari-observer.ts';
import { eventually, stackConfig } from '../support/env.ts';
import {
  closeDb,
  createOwner,
  db,
  testPhone,
  type TestOwner,
  ZHANG_WEI_B3_1502,
} from '../support/fixtures.ts';
import { HOTLINE_NUMBER } from '../support/phones.ts';
import { ScriptedCalls } from '../support/scripted-call.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let observer: AriObserver;
const calls = new ScriptedCalls(() => observer);

beforeAll(async () => {
  platform = await startTestPlatform();
  observer = await AriObserver.connect();
});

afterEach(() => calls.stopAll());

afterAll(async () => {
  await observer?.close();
  await platform?.close();
  await closeDb();
});

/** Dials the hotline and finds the caller's channel in Asterisk. */
function dial(caller: string, keys: string[], dtmf: 'info' | 'rfc2833' = 'info') {
  return calls.dial({ caller, dialled: HOTLINE_NUMBER, keys, dtmf });
}

interface CallRow {
  id: string;
  ownerId: number | null;
  queue: string | null;
  intent: string | null;
  ivrPath: string[];
  outcome: string | null;
  recording: string | null;
}

async function callRecord(channel: string): Promise<CallRow> {
  let row: CallRow | undefined;
  await eventually(async () => {
    const { rows } = await db().query<CallRow>(
      `SELECT id, owner_id AS "ownerId", queue, intent, ivr_path AS "ivrPath", outcome, recording
         FROM calls WHERE channel_id = $1`,
      [channel],
    );
    row = rows[0];
    return row !== undefined;
  }, `the call record of ${channel}`);
  return row!;
}

async function endedRecord(channel: string): Promise<CallRow> {
  let row: CallRow | undefined;
  await eventually(async () => {
    row = await callRecord(channel);
    return row.outcome !== null;
  }, 'the call to end');
  return row!;
}

// Every test runs twice: keys as SIP INFO, and as RFC 2833 telephone-events in the RTP stream.
describe.each(['info', 'rfc2833'] as const)('keys sent as %s', (dtmf) => {
  describe('an owner calling the estate hotline from a registered number', () => {
    let owner: TestOwner;
    beforeAll(async () => {
      owner = await createOwner(ZHANG_WEI_B3_1502);
    });

    it('presses 1 and hears the arrears of unit B3-1502, then the breakdown by fee kind', async () => {
      const { call, channel } = await dial(owner.phone, ['1', '*'], dtmf);
      await observer.hearing(channel, 'menu-main-full');
      await call.press();
      await observer.heard(channel, 'menu-fees');
      const heard = observer.heardPrompts(channel);
      const readOut = [
        'fees-unit',
        ...sayRoom('B3-1502', 'zh'),
        'fees-owed',
        ...sayAmount(123450, 'zh'),
        'fees-due',
      ];
      expect(heard.join(' ')).toContain(readOut.join(' '));
      expect(heard.join(' ')).toContain(
        ['fees-breakdown', 'fee-kind-property', ...sayAmount(100000, 'zh'), 'fee-kind-water'].join(' '),
      );
      // * goes back to the main menu
      await call.press();
      await observer.hearing(channel, 'menu-main-full', 2);
      await call.hangup();
      expect((await call.done).code).toBe(0);
      const record = await endedRecord(channel);
      expect(record.ownerId).toBe(owner.ownerId);
      expect(record.ivrPath).toEqual([
        'identified:caller-id',
        'hours:open',
        'menu:1',
        'fees',
        'bills',
        'menu:*',
      ]);
      expect(record.outcome).toBe('self-service');
    });

    it('reports an urgent water repair: a ticket is filed, its number read back, and the call queued to repairs first', async () => {
      const { call, channel } = await dial(owner.phone, ['2', '1', '1'], dtmf);
      await observer.hearing(channel, 'menu-main-full');
      await call.press();
      await observer.heard(channel, 'menu-repair-kind');
      await call.press();
      await observer.heard(channel, 'menu-repair-urgent');
      await call.press();
      await observer.heard(channel, 'repair-urgent-agent');
      const record = await callRecord(channel);
      const { rows } = await db().query<{ number: string; category: string; urgent: boolean; type: string }>(
        'SELECT number, category, urgent, type FROM tickets WHERE created_from_call = $1',
        [record.id],
      );
      expect(rows.map(({ number: _n, ...rest }) => rest)).toEqual([
        { category: 'water', urgent: true, type: 'repair' },
      ]);
      expect(rows[0]!.number).toMatch(/^\d{8,}$/);
      const heard = observer.heardPrompts(channel).join(' ');
      expect(heard).toContain(['ticket-number-is', ...sayTicket(rows[0]!.number, 'zh')].join(' '));
      expect(record.queue).toBe('repairs');
      expect(record.intent).toBe('urgent-repair');
      await call.hangup();
      expect((await call.done).code).toBe(0);
      expect((await endedRecord(channel)).outcome).toBe('abandoned');
    });

    it('presses 3, keys a ticket number and hears its status and expected completion', async () => {
      const { rows } = await db().query<{ number: string }>(
        `INSERT INTO tickets (owner_id, type, description, status, expected_done_at)
         VALUES ($1, 'repair', 'leaking pipe', 'dispatched', '2026-11-25T10:00:00Z') RETURNING number`,
        [owner.ownerId],
      );
      const number = rows[0]!.number;
      const { call, channel } = await dial(owner.phone, ['3', `${number}#`], dtmf);
      await observer.hearing(channel, 'menu-main-full');
      await call.press();
      await observer.heard(channel, 'enter-ticket');
      await call.press();
      await observer.heard(channel, 'menu-main-full', 2);
      const heard = observer.heardPrompts(channel).join(' ');
      expect(heard).toContain(
        ['ticket-number-is', ...sayTicket(number, 'zh'), 'ticket-status-is', 'ticket-status-dispatched'].join(
          ' ',
        ),
      );
      // read in Shanghai time: 25 November, 18:00
      expect(heard).toContain(['ticket-expected', ...sayDateTime('2026-11-25T10:00:00Z', 'zh')].join(' '));
      await call.hangup();
      expect((await call.done).code).toBe(0);
    });
  });

  describe('a caller the hotline does not know', () => {
    it('keys the room code and the PIN (the last 4 digits of the registered phone) and reaches the main menu', async () => {
      const room = `B7-${String(1000 + Math.floor(Math.random() * 8999))}`;
      const owner = await createOwner({ name: '王芳', rooms: [{ roomCode: room }] });
      const stranger = testPhone();
      const { call, channel } = await dial(
        stranger,
        [`${room.replace(/\D/g, '')}#`, `${owner.phone.slice(-4)}#`],
        dtmf,
      );
      await observer.hearing(channel, 'enter-room');
      await call.press();
      await observer.hearing(channel, 'enter-pin');
      await call.press();
      await observer.hearing(channel, 'menu-main-full');
      await call.hangup();
      expect((await call.done).code).toBe(0);
      const record = await endedRecord(channel);
      expect(record.ownerId).toBe(owner.ownerId);
      expect(record.ivrPath.slice(0, 2)).toEqual(['unknown-caller', 'verified:room-pin']);
    });

    it('after three wrong PINs goes to an agent as unverified', async () => {
      const stranger = testPhone();
      // a room code no unit has, so no PIN can fit
      const { call, channel } = await dial(
        stranger,
        ['99999999#', '0000#', '99999999#', '0000#', '99999999#', '0000#'],
        dtmf,
      );
      for (let attempt = 1; attempt <= 3; attempt++) {
        await observer.hearing(channel, 'enter-room', attempt);
        await call.press();
        await observer.hearing(channel, 'enter-pin', attempt);
        await call.press();
      }
      await observer.heard(channel, 'verify-failed-agent');
      expect(observer.heardPrompts(channel).filter((p) => p === 'wrong-pin')).toHaveLength(3);
      const record = await callRecord(channel);
      expect(record.queue).toBe('general');
      expect(record.intent).toBe('unverified');
      await call.hangup();
      expect((await call.done).code).toBe(0);
    });
  });

  describe('choices in the main menu', () => {
    it('9 switches to English, and the choice is remembered for the next call', async () => {
      const owner = await createOwner({ name: 'John Smith', rooms: [{ roomCode: 'B5-0302' }] });
      const { call, channel } = await dial(owner.phone, ['9'], dtmf);
      await observer.hearing(channel, 'menu-main-full');
      await call.press();
      await observer.heard(channel, 'language-switched');
      const english = observer.events.find(
        (e) =>
          e.type === 'PlaybackStarted' &&
          e.playback?.target_uri === `channel:${channel}` &&
          e.playback.media_uri.endsWith('/en/language-switched'),
      );
      expect(english).toBeDefined();
      await call.hangup();
      await call.done;
      await eventually(async () => {
        const { rows } = await db().query<{ language: string }>('SELECT language FROM owners WHERE id = $1', [
          owner.ownerId,
        ]);
        return rows[0]?.language === 'en';
      }, 'the language to be saved');
    });

    it('4 reads the current notices of the estate', async () => {
      const owner = await createOwner({ name: '李娜', rooms: [{ roomCode: 'B3-0801' }] });
      await db().query(
        `INSERT INTO notices (estate_id, building_id, kind, title, body, starts_at, ends_at)
         SELECT b.estate_id, b.id, 'water-cut', '停水通知', '管道维修', now() + interval '1 day', now() + interval '1 day 8 hours'
           FROM units u JOIN buildings b ON b.id = u.building_id WHERE u.id = $1`,
        [owner.units[0]!.unitId],
      );
      const { call, channel } = await dial(owner.phone, ['4'], dtmf);
      await observer.hearing(channel, 'menu-main-full');
      await call.press();
      await observer.heard(channel, 'menu-main-full', 2);
      const heard = observer.heardPrompts(channel).join(' ');
      expect(heard).toContain('notices-intro notice-water-cut digit-3 building from');
      await call.hangup();
      await call.done;
    });

    it('5 (complaint), 8 (emergency) and 0 (agent) go to their queues; a wrong key is told and the menu repeats', async () => {
      const owner = await createOwner({ name: '赵磊', rooms: [{ roomCode: 'B2-0101' }] });
      const complaint = await dial(owner.phone, ['7', '5'], dtmf);
      await observer.hearing(complaint.channel, 'menu-main-full');
      await complaint.call.press();
      await observer.hearing(complaint.channel, 'menu-main-full', 2);
      expect(observer.heardPrompts(complaint.channel)).toContain('invalid-key');
      await complaint.call.press();
      await observer.heard(complaint.channel, 'to-complaints');
      expect((await callRecord(complaint.channel)).queue).toBe('complaints');
      await complaint.call.hangup();
      await complaint.call.done;

      for (const [key, prompt, queue, intent] of [
        ['8', 'to-emergency', 'emergency', 'emergency'],
        ['0', 'to-agent', 'general', 'agent'],
      ] as const) {
        const { call, channel } = await dial(owner.phone, [key], dtmf);
        await observer.hearing(channel, 'menu-main-full');
        await call.press();
        await observer.heard(channel, prompt);
        const record = await callRecord(channel);
        expect([record.queue, record.intent]).toEqual([queue, intent]);
        expect(record.ivrPath).toEqual(['identified:caller-id', 'hours:open', `menu:${key}`]);
        await call.hangup();
        await call.done;
      }
    });
  });

  describe('after hours', () => {
    it('a complaint left as a voicemail becomes a ticket with the recording, and its number is read back', async () => {
      const owner = await createOwner({ name: '孙丽', rooms: [{ roomCode: 'B1-0202' }], staffed: 'never' });
      const { call, channel } = await dial(owner.phone, ['1', '#'], dtmf);
      await observer.heard(channel, 'menu-after-hours');
      await call.press();
      await observer.heard(channel, 'leave-message');
      await observer.waitFor(
        (e) =>
          e.type === 'RecordingStarted' &&
          (e.recording as { target_uri: string }).target_uri === `channel:${channel}`,
        10_000,
        'the voicemail to start recording',
      );
      await new Promise((r) => setTimeout(r, 1500)); // the caller speaks
      await call.press(); // # ends the message
      await observer.heard(channel, 'goodbye');
      expect((await call.done).code).toBe(0);
      const record = await endedRecord(channel);
      expect(record.outcome).toBe('voicemail');
      const { rows } = await db().query<{ number: string; type: string; recording: string; channel: string }>(
        'SELECT number, type, recording, channel FROM tickets WHERE created_from_call = $1',
        [record.id],
      );
      expect(rows.map(({ number: _n, ...rest }) => rest)).toEqual([
        { type: 'complaint', recording: `voicemail-${record.id}`, channel: 'voicemail' },
      ]);
      expect(record.recording).toBe(`voicemail-${record.id}`);
      expect(existsSync(join(stackConfig().recordingDir, `voicemail-${record.id}.wav`))).toBe(true);
      expect(observer.heardPrompts(channel).join(' ')).toContain(
        ['message-saved', ...sayTicket(rows[0]!.number, 'zh')].join(' '),
      );
    });
  });
});
