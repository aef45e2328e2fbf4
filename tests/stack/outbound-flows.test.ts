// The outbound flows on real calls (ivr/flows/outbound-*.yaml): an owner's phone played by sipp answers a fee
// reminder or a revisit placed through the platform's port (the dialer's), hears its message (ARI playback events
// seen by a second connection) and presses keys; the test asserts what the owner heard and what the hotline wrote:
// the do-not-call list, the dispute ticket, the agent's screen pop with the reason for the call, the ticket's
// revisit record and lifecycle, the notices to the department and the team leaders.
// Until the dialer lands, the tests create the campaign, target and attempt rows themselves and call the port.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignKind, OutboundCallEnd } from '../../core/campaigns/types.ts';
import { sayDate, sayTime } from '../../ivr/speech.ts';
import { reminderMessage } from '../support/flow-fixtures.ts';
import { AgentClient } from '../support/agent-client.ts';
import { AriObserver } from '../support/ari-observer.ts';
import {
  createAttempt,
  createCampaign,
  dropCampaign,
  type TestCampaign,
} from '../support/campaign-fixtures.ts';
import { eventually, stackConfig, withCleanUp } from '../support/env.ts';
import {
  closeDb,
  createAgent,
  createOrganisation,
  createOwner,
  db,
  ZHANG_WEI_B3_1502,
  type TestOwner,
} from '../support/fixtures.ts';
import { startOwnerPhone, type OwnerPhoneKind } from '../support/owner-phones.ts';
import { startAgentPhone } from '../support/phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let observer: AriObserver;
/** Dropped at the end (with the do-not-call rows and revisit records of their attempts, which the tests read). */
const campaigns: TestCampaign[] = [];

beforeAll(async () => {
  platform = await startTestPlatform();
  observer = await AriObserver.connect();
});

afterAll(async () => {
  for (const c of campaigns) await dropCampaign(c);
  await observer?.close();
  await platform?.close();
  await closeDb();
});

interface Placed {
  end: OutboundCallEnd;
  heard: string[];
  attemptId: string;
  sipp: { code: number; messages: string };
}

/** Places one call of `kind` to `owner`, whose phone behaves as `phoneKind`; waits until the owner's phone is done. */
async function place(
  kind: CampaignKind,
  owner: TestOwner,
  phoneKind: OwnerPhoneKind,
  opts: {
    digit?: string;
    listenMs?: number;
    commentAfterMs?: number;
    ticketId?: string;
    notice?: Record<string, unknown>;
    /** Runs while the call is up (an agent answering the fees desk). */
    during?: () => Promise<void>;
  } = {},
): Promise<Placed> {
  const phone = await startOwnerPhone(phoneKind, opts);
  const campaign = {
    ...(await createCampaign({ kind, dial: phone.dial, notice: opts.notice })),
    kind,
    dial: phone.dial,
  };
  campaigns.push(campaign);
  let placed!: Placed;
  await withCleanUp(
    async () => {
      const dial = await createAttempt(campaign, {
        ownerId: owner.ownerId,
        phone: owner.phone,
        unitId: owner.units[0]?.unitId ?? null,
        ticketId: opts.ticketId ?? null,
      });
      const ended = platform.outbound!.place(dial, { onDialled: () => undefined });
      await opts.during?.();
      const end = await ended;
      placed = {
        end,
        heard: end.channelId ? observer.heardPrompts(end.channelId) : [],
        attemptId: dial.attemptId,
        sipp: await phone.done,
      };
    },
    () => phone.stop(),
  );
  return placed;
}

describe('a fee reminder', () => {
  it('an owner hears the arrears of their unit and the due date, and presses 1 to acknowledge', async () => {
    const owner = await createOwner(ZHANG_WEI_B3_1502);
    // the message takes about 12.6 s; the owner presses 1 while the choices are offered
    const { end, heard, sipp } = await place('fee-reminder', owner, 'keys', { digit: '1', listenMs: 14_000 });
    expect(sipp.code).toBe(0);
    expect(heard.join(' ')).toContain(reminderMessage('B3-1502', 123450, '2026-10-31', 'zh').join(' '));
    expect(heard.at(-1)).toBe('reminder-acknowledged');
    expect(end).toMatchObject({ result: 'answered', outcome: 'acknowledged', keys: '1' });
  });

  it('9: the number is on the do-not-call list (keypad, this attempt), and the owner hears it confirmed', async () => {
    const owner = await createOwner(ZHANG_WEI_B3_1502);
    const { end, heard, attemptId } = await place('fee-reminder', owner, 'keys', { digit: '9' });
    expect(end).toMatchObject({ result: 'answered', outcome: 'opted-out', keys: '9' });
    expect(heard.at(-1)).toBe('opted-out');
    const { rows } = await db().query(
      `SELECT owner_id::int AS "ownerId", source, attempt_id::text AS "attemptId" FROM do_not_call WHERE phone = $1`,
      [owner.phone],
    );
    expect(rows).toEqual([{ ownerId: owner.ownerId, source: 'keypad', attemptId }]);
  });

  it('3: a dispute ticket for the fees team from the call, its number read out', async () => {
    const owner = await createOwner(ZHANG_WEI_B3_1502);
    const { end, heard } = await place('fee-reminder', owner, 'keys', { digit: '3' });
    expect(end).toMatchObject({ outcome: 'disputed' });
    const { rows } = await db().query<{ number: string; type: string; description: string; unitId: number }>(
      `SELECT number, type, description, unit_id AS "unitId" FROM tickets WHERE created_from_call = $1`,
      [end.callId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'inquiry', unitId: owner.units[0]!.unitId });
    expect(rows[0]!.description).toContain('fee dispute');
    expect(heard).toContain('reminder-disputed');
  });

  it('2: the fees desk agent’s page pops the owner with why they were called', async () => {
    const owner = await createOwner(ZHANG_WEI_B3_1502);
    const desk = await startAgentPhone(1, { talkMs: 1500 });
    const agent = await AgentClient.signIn(platform.url, await createAgent({ seat: 1, skills: { fees: 5 } }));
    await withCleanUp(
      async () => {
        await agent.setState('available');
        let popped: Awaited<ReturnType<AgentClient['nextPop']>> | undefined;
        const { end } = await place('fee-reminder', owner, 'keys', {
          digit: '2',
          during: async () => {
            popped = await agent.nextPop((p) => p.callerNumber === owner.phone);
          },
        });
        expect(end).toMatchObject({ result: 'answered', outcome: 'fees-desk', keys: '2' });
        const pop = popped!.pop;
        expect(pop.owner?.name).toBe('张伟');
        expect(pop.queue).toBe('fees');
        expect(pop.outbound).toMatchObject({ kind: 'fee-reminder', arrearsFen: 123450, attemptNo: 1 });
        expect(pop.outbound?.campaignName).toContain('fee-reminder');
        await agent.offCallOnBreak();
      },
      () => agent.close(),
      () => desk.stop(),
    );
  });
});

describe('a revisit', () => {
  /** A complaint of the owner's, dispatched to a department and resolved. */
  async function resolvedComplaint() {
    const company = await createOrganisation({ kind: 'property-company', departments: ['工程部'] });
    const department = company.departments['工程部']!;
    const owner = await createOwner({
      name: '孙丽',
      rooms: [{ roomCode: 'T5-0808' }],
      propertyCompanyId: company.id,
    });
    const agent = await AgentClient.signIn(platform.url, await createAgent({ seat: null }));
    const leader = await AgentClient.signIn(
      platform.url,
      await createAgent({ seat: null, role: 'supervisor' }),
    );
    const staff = await AgentClient.signIn(
      platform.url,
      await createAgent({ seat: null, role: 'department', organisationId: company.id, department }),
    );
    await leader.connect();
    await staff.connect();
    const filed = await agent.request('POST', '/api/tickets', {
      ownerId: owner.ownerId,
      unitId: owner.units[0]!.unitId,
      type: 'complaint',
      complaintCategory: '工程质量',
      description: '楼上漏水,天花板发霉',
    });
    const id = (filed.body as { id: number }).id;
    const act = async (by: AgentClient, action: Record<string, unknown>) =>
      expect((await by.request('POST', `/api/tickets/${id}/actions`, action)).status).toBe(200);
    await act(agent, { kind: 'verify' });
    await act(agent, { kind: 'dispatch', department });
    await act(leader, { kind: 'plan', plan: '三日内上门检修楼上防水层' });
    await act(leader, { kind: 'start' });
    await act(leader, { kind: 'resolve', resolution: '已重做防水层' });
    const close = async () => {
      for (const c of [agent, leader, staff]) await c.close();
    };
    return { owner, ticketId: String(id), department, leader, staff, close };
  }

  async function ticketNow(ticketId: string) {
    const { rows } = await db().query<{ status: string; department: string }>(
      `SELECT status, department FROM tickets WHERE id = $1`,
      [ticketId],
    );
    return rows[0]!;
  }

  async function revisitRecords(ticketId: string) {
    const { rows } = await db().query<{
      attemptId: string;
      result: string;
      score: number;
      satisfied: boolean;
      automated: boolean;
      comment: string | null;
    }>(
      `SELECT attempt_id::text AS "attemptId", result, score, satisfied, automated,
              comment_recording AS comment
         FROM ticket_revisits WHERE ticket_id = $1`,
      [ticketId],
    );
    return rows;
  }

  it('2: unsatisfied reopens the ticket to the same department and tells it and the team leaders', async () => {
    const t = await resolvedComplaint();
    await withCleanUp(async () => {
      const { end, heard, attemptId } = await place('revisit', t.owner, 'keys', {
        digit: '2',
        ticketId: t.ticketId,
      });
      expect(heard).toContain('revisit-intro');
      expect(end).toMatchObject({ result: 'answered', outcome: 'unsatisfied', score: 2 });
      expect(await ticketNow(t.ticketId)).toEqual({ status: 'reopened', department: t.department });
      // (the owner said nothing after the beep: what the comment's recording holds is silence)
      const records = await revisitRecords(t.ticketId);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        attemptId,
        result: 'scored',
        score: 2,
        satisfied: false,
        automated: true,
      });
      for (const page of [t.staff, t.leader]) {
        const notice = await eventually(
          () => page.events('ticket:reopened').find((e) => String(e.ticketId) === t.ticketId),
          'the reopened notice',
        );
        expect(notice).toMatchObject({ department: t.department, score: 2, automated: true });
      }
    }, t.close);
  });

  it('5: satisfied closes the ticket; the spoken comment’s recording is on the revisit record', async () => {
    const t = await resolvedComplaint();
    await withCleanUp(async () => {
      const { end, sipp } = await place('revisit', t.owner, 'comment', {
        digit: '5',
        ticketId: t.ticketId,
        commentAfterMs: 7000,
      });
      expect(sipp.code).toBe(0);
      expect(end).toMatchObject({ result: 'answered', outcome: 'satisfied', score: 5 });
      expect(end.commentRecording).toMatch(/^voicemail-/);
      expect((await ticketNow(t.ticketId)).status).toBe('closed');
      const [record] = await revisitRecords(t.ticketId);
      expect(record).toMatchObject({ score: 5, satisfied: true, comment: end.commentRecording });
      const file = join(stackConfig().recordingDir, `${end.commentRecording}.wav`);
      expect(existsSync(file)).toBe(true);
    }, t.close);
  });
});

describe('a notice', () => {
  const waterCut = { kind: 'water-cut', text: '3号楼停水检修', date: '2026-12-20', time: '09:00' };

  it('an owner who listens to the end hears the kind, the notice’s own words, the date and the time: heard', async () => {
    const owner = await createOwner(ZHANG_WEI_B3_1502);
    const { end, heard, sipp } = await place('notice', owner, 'silent', { notice: waterCut });
    expect(sipp.code).toBe(0);
    // the text spoken on this node, a file named by its hash beside the generated prompts
    const spoken = heard.find((p) => /notices\/[0-9a-f]{40}$/.test(p));
    expect(spoken).toBeDefined();
    const hash = spoken!.slice(-40);
    expect(existsSync(join(stackConfig().ivr.promptDir, 'notices', `${hash}.alaw`))).toBe(true);
    expect(heard.join(' ')).toContain(
      [
        'notice-intro',
        'notice-water-cut',
        spoken,
        ...sayDate('2026-12-20', 'zh'),
        ...sayTime('09:00', 'zh'),
      ].join(' '),
    );
    expect(end).toMatchObject({ result: 'answered', outcome: 'heard', keys: null });
  });

  it('an owner who hangs up at once: no-input', async () => {
    const owner = await createOwner(ZHANG_WEI_B3_1502);
    const { end } = await place('notice', owner, 'hangs-up', { notice: waterCut, listenMs: 1000 });
    expect(end).toMatchObject({ result: 'answered', outcome: 'no-input' });
  });
});
