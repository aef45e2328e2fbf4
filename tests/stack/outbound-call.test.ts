// The dialer's port (core/campaigns/types.ts OutboundCalls) against the real Asterisk: owners' phones played by
// sipp at the carrier's side of the trunk. Each unanswered kind ends with its result and Asterisk's hang-up
// cause; an answered call runs its outbound flow and reports what the owner chose. Until the dialer lands, the
// tests place the calls through the platform's port themselves (campaign, target and attempt rows of their own).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundCallEnd } from '../../core/campaigns/types.ts';
import { createAttempt, createCampaign, dropCampaign } from '../support/campaign-fixtures.ts';
import { ariAuthHeader, ariGet, env, eventually, stackConfig, withCleanUp } from '../support/env.ts';
import { closeDb, createOwner, db, ZHANG_WEI_B3_1502 } from '../support/fixtures.ts';
import { startOwnerPhone, type OwnerPhoneKind } from '../support/owner-phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform();
});

afterAll(async () => {
  await platform?.close();
  await closeDb();
});

/** Places one fee reminder to an owner whose phone behaves as `kind`; returns what the port reported. */
async function placeTo(
  kind: OwnerPhoneKind,
  opts: { digit?: string; ringTimeoutS?: number } = {},
): Promise<{ end: OutboundCallEnd; dialled: string[]; sipp: { code: number; messages: string } }> {
  const phone = await startOwnerPhone(kind, { digit: opts.digit });
  const owner = await createOwner(ZHANG_WEI_B3_1502);
  const campaign = {
    ...(await createCampaign({ kind: 'fee-reminder', dial: phone.dial })),
    kind: 'fee-reminder' as const,
    dial: phone.dial,
  };
  let result!: Awaited<ReturnType<typeof placeTo>>;
  await withCleanUp(
    async () => {
      const dial = await createAttempt(
        campaign,
        { ownerId: owner.ownerId, phone: owner.phone, unitId: owner.units[0]!.unitId },
        opts.ringTimeoutS ?? 10,
      );
      const dialled: string[] = [];
      const end = await platform.outbound!.place(dial, { onDialled: (id) => dialled.push(id) });
      result = { end, dialled, sipp: await phone.done };
    },
    () => phone.stop(),
    () => dropCampaign(campaign),
  );
  return result;
}

describe('an unanswered campaign call ends with its result and hang-up cause', () => {
  it('a busy owner: busy, cause 17', async () => {
    const { end, dialled, sipp } = await placeTo('busy');
    expect(sipp.code).toBe(0);
    expect(dialled).toEqual([end.channelId]);
    expect(end).toMatchObject({ result: 'busy', causeCode: 17, callId: null, outcome: null });
  });

  it('an owner who does not answer: no-answer when the ring timeout is over', async () => {
    const started = Date.now();
    const { end, sipp } = await placeTo('noanswer', { ringTimeoutS: 5 });
    expect(sipp.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
    // Asterisk 16 reports cause 0 for an originate's ring timeout; the port reports it as 19, no answer
    expect(end).toMatchObject({ result: 'no-answer', causeCode: 19 });
  });

  it('an owner who rejects the call: rejected, cause 21', async () => {
    const { end, sipp } = await placeTo('rejects');
    expect(sipp.code).toBe(0);
    expect(end).toMatchObject({ result: 'rejected', causeCode: 21 });
  });

  it('a trunk Asterisk cannot dial: failed, no cause, nothing dialled', async () => {
    const owner = await createOwner(ZHANG_WEI_B3_1502);
    const dialString = 'PJSIP/no-such-trunk/sip:{number}@127.0.0.1:9';
    const campaign = {
      ...(await createCampaign({ kind: 'fee-reminder', dial: dialString })),
      kind: 'fee-reminder' as const,
      dial: dialString,
    };
    await withCleanUp(
      async () => {
        const dial = await createAttempt(campaign, { ownerId: owner.ownerId, phone: owner.phone });
        const dialled: string[] = [];
        const end = await platform.outbound!.place(dial, { onDialled: (id) => dialled.push(id) });
        expect(dialled).toEqual([]);
        expect(end).toMatchObject({ result: 'failed', causeCode: null, channelId: null });
      },
      () => dropCampaign(campaign),
    );
  });
});

describe('an answered campaign call', () => {
  it('runs the outbound flow and reports what the owner chose, with its call record', async () => {
    const { end, sipp } = await placeTo('keys', { digit: '1' });
    expect(sipp.code).toBe(0);
    expect(end).toMatchObject({ result: 'answered', outcome: 'acknowledged', keys: '1' });
    expect(await platform.outbound!.isUp(end.channelId!)).toBe(false);
    const { rows } = await db().query<{ direction: string; outcome: string; ended: boolean }>(
      `SELECT direction, outcome, ended_at IS NOT NULL AS ended FROM calls WHERE id = $1`,
      [end.callId],
    );
    expect(rows[0]).toMatchObject({ direction: 'outbound', ended: true, outcome: 'acknowledged' });
  });
});

describe('a dialer that dies with its controller', () => {
  it('leaves campaign calls that the next controller of the node hangs up at its start', async () => {
    const owner = await createOwner(ZHANG_WEI_B3_1502);
    const phone = await startOwnerPhone('noanswer');
    await withCleanUp(
      async () => {
        await platform.close();
        // the dead run's dial, still ringing: originated into the app as the port does, nobody serving it
        const endpoint = phone.dial.replace('{number}', owner.phone);
        const res = await fetch(
          `${env.HOTLINE_ARI_URL}/ari/channels?${new URLSearchParams({
            endpoint,
            app: stackConfig().ari.app,
            appArgs: 'leg,campaign:0',
            timeout: '60',
          })}`,
          { method: 'POST', headers: { authorization: ariAuthHeader() } },
        );
        const orphan = ((await res.json()) as { id: string }).id;
        await eventually(
          async () => (await ariGet(`/channels/${orphan}`)).status === 200,
          'the orphan to be dialled',
        );
        platform = await startTestPlatform();
        await eventually(
          async () => (await ariGet(`/channels/${orphan}`)).status === 404,
          'the orphan to be hung up',
        );
        // the owner's phone stopped ringing: Asterisk cancelled the INVITE
        const { code, messages } = await phone.done;
        expect(code).toBe(0);
        expect(messages).toContain('CANCEL sip:');
      },
      () => phone.stop(),
    );
  });
});
