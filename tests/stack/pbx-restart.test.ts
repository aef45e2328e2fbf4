// Asterisk dies (kill -9) and comes back while the platform runs: the call it took down is closed in the
// records, and the next call works without restarting the controller.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { ariGet, eventually } from '../support/env.ts';
import { closeDb, createAgent, createOwner, db, type TestOwner } from '../support/fixtures.ts';
import { ownerCall, startAgentPhone, type AgentPhone } from '../support/phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { SipCapture } from '../support/sip-capture.ts';
import { stack } from '../support/stack-control.ts';

let platform: TestPlatform;
let owner: TestOwner;
let phone: AgentPhone | null = null;
let agent: AgentClient | null = null;
let sip: SipCapture;

beforeAll(async () => {
  platform = await startTestPlatform();
  sip = await SipCapture.start();
  owner = await createOwner({
    name: '刘洋',
    rooms: [{ roomCode: 'B2-0901', fees: [{ kind: 'gas', amountFen: 9900, dueDate: '2026-08-31' }] }],
  });
});

afterAll(async () => {
  await agent?.close();
  await phone?.stop();
  sip?.stop();
  await platform?.close();
  await closeDb();
});

async function liveCallOf(number: string): Promise<string | undefined> {
  const { rows } = await db().query<{ id: string }>(
    'SELECT id FROM calls WHERE caller_number = $1 AND ended_at IS NULL ORDER BY started_at DESC LIMIT 1',
    [number],
  );
  return rows[0]?.id;
}

describe('when Asterisk is killed and restarted', () => {
  it('closes the call it took down and takes the next call without a controller restart', async () => {
    const hangUp = new AbortController();
    const dying = ownerCall({ caller: owner.phone, digit: '1', stayMs: 30_000, signal: hangUp.signal });
    const lostCallId = await eventually(() => liveCallOf(owner.phone), 'the call to be in the IVR');

    stack('asterisk-kill');
    hangUp.abort(); // the owner's phone gives up too
    await dying;
    stack('asterisk-start');

    // the controller reconnects by itself and registers its Stasis app again
    await eventually(
      async () => (await ariGet(`/applications/${platform.app}`)).status === 200,
      'ARI app',
      30_000,
    );
    const lost = await eventually(async () => {
      const { rows } = await db().query<{ outcome: string; hangup_cause: string; ended_at: Date | null }>(
        'SELECT outcome, hangup_cause, ended_at FROM calls WHERE id = $1',
        [lostCallId],
      );
      return rows[0]?.ended_at ? rows[0] : undefined;
    }, 'the lost call to be closed');
    expect(lost).toMatchObject({ outcome: 'failed', hangup_cause: 'pbx-lost' });

    phone = await startAgentPhone(8);
    agent = await AgentClient.signIn(platform.url, await createAgent({ seat: 8 }));
    await agent.setState('available');
    const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 8_000 });
    const { pop } = await agent.nextPop();
    expect(pop.owner?.name).toBe('刘洋');
    await sip.inviteFor(8, pop.callId);
    const theAgent = agent;
    await eventually(
      async () => (await theAgent.status()).state === 'on-call',
      'the agent to be on the call',
    );
    expect((await call).code).toBe(0);
  });

  it('comes back after Asterisk was down for longer than ari-client keeps retrying', async () => {
    // ari-client gives up after ~42 s of failed reconnections; the adapter then builds a new client
    stack('asterisk-stop');
    await new Promise((r) => setTimeout(r, 50_000));
    stack('asterisk-start');
    await eventually(
      async () => (await ariGet(`/applications/${platform.app}`)).status === 200,
      'ARI app',
      30_000,
    );

    await phone?.stop();
    phone = await startAgentPhone(8);
    const theAgent = agent!;
    await eventually(
      async () => (await theAgent.status()).state === 'available',
      'the agent to be free',
      20_000,
    );
    const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 8_000 });
    const { pop } = await theAgent.nextPop((p) => p.callId !== theAgent.pops()[0]?.callId);
    await sip.inviteFor(8, pop.callId);
    await eventually(
      async () => (await theAgent.status()).state === 'on-call',
      'the agent to be on the call',
    );
    expect((await call).code).toBe(0);
  }, 150_000);
});
