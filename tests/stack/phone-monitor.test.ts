// A desk phone that stops answering Asterisk's qualify makes its agent not ready, and the page is told.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../core/index.ts';
import { phoneStatusOf } from '../../cti/ami/phone-monitor.ts';
import { AgentClient } from '../support/agent-client.ts';
import { eventually } from '../support/env.ts';
import { closeDb, createAgent } from '../support/fixtures.ts';
import { startAgentPhone } from '../support/phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

let platform: TestPlatform;
let agent: AgentClient;

beforeAll(async () => {
  platform = await startTestPlatform();
});

afterAll(async () => {
  await agent?.close();
  await platform?.close();
  await closeDb();
});

describe('an unreachable desk phone', () => {
  it('makes its agent not ready within seconds, and the agent page hears of it', async () => {
    const phone = await startAgentPhone(6);
    agent = await AgentClient.signIn(platform.url, await createAgent({ seat: 6 }));
    await agent.setState('available');
    await phone.stop();

    const status = await eventually(
      async () => {
        const s = await agent.status();
        return s.state === 'not-ready' ? s : undefined;
      },
      'the agent to become not ready',
      20_000,
    );
    expect(status.reason).toBe('phone-unreachable');
    // the push to the page may arrive a moment after the state is readable over HTTP
    const pushed = await eventually(
      () =>
        agent.received
          .filter((r) => r.event === 'agent:state')
          .map((r) => r.payload as AgentStatus)
          .find((s) => s.state === 'not-ready'),
      'the page to be told',
      5_000,
    );
    expect(pushed?.reason).toBe('phone-unreachable');
  });

  it('reads only Reachable and Unreachable from AMI ContactStatus events', () => {
    expect(
      phoneStatusOf({ event: 'ContactStatus', endpointname: 'agent3', contactstatus: 'Unreachable' }),
    ).toMatchObject({ endpoint: 'PJSIP/agent3', reachable: false });
    expect(
      phoneStatusOf({ event: 'ContactStatus', aor: 'agent3', contactstatus: 'Reachable' }),
    ).toMatchObject({
      endpoint: 'PJSIP/agent3',
      reachable: true,
    });
    expect(
      phoneStatusOf({ event: 'ContactStatus', endpointname: 'agent3', contactstatus: 'Created' }),
    ).toBeNull();
  });
});
