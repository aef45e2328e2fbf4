// Editing a flow file while the hotline runs (ivr/flow/library.ts): the next call through Asterisk follows the
// edit, with no restart; a broken edit never goes live — callers keep the last good version — and the team
// leader sees what is wrong, with file, line and node, on the admin API.
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../support/agent-client.ts';
import { AriObserver } from '../support/ari-observer.ts';
import { eventually } from '../support/env.ts';
import { closeDb, createAgent, createOwner, db, type TestOwner } from '../support/fixtures.ts';
import { FEES_LINE_NUMBER } from '../support/phones.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ScriptedCalls } from '../support/scripted-call.ts';

const SHIPPED = new URL('../../ivr/flows/', import.meta.url);
const FEES_LINE = readFileSync(new URL('fees-line.yaml', SHIPPED), 'utf8');
/** The estate adds its notices to the fees line's welcome. */
const EDITED = FEES_LINE.replace('prompts: [welcome]', 'prompts: [welcome, notices-intro]');
/** ... and then mistypes a node's name. */
const BROKEN = EDITED.replace('1: fees', '1: feez');

let dir: string;
let platform: TestPlatform;
let observer: AriObserver;
let owner: TestOwner;
const calls = new ScriptedCalls(() => observer);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hotline-flows-'));
  copyFileSync(new URL('default.yaml', SHIPPED), join(dir, 'default.yaml'));
  writeFileSync(join(dir, 'fees-line.yaml'), FEES_LINE);
  platform = await startTestPlatform({ HOTLINE_FLOW_DIR: dir });
  observer = await AriObserver.connect();
  owner = await createOwner({
    name: '周敏',
    rooms: [{ roomCode: 'B6-0901', fees: [{ kind: 'property', amountFen: 45000, dueDate: '2026-10-31' }] }],
  });
});

afterEach(() => calls.stopAll());

afterAll(async () => {
  await observer?.close();
  await platform?.close();
  await closeDb();
  rmSync(dir, { recursive: true, force: true });
});

/** Calls the fees line; the caller presses 1 during the menu and stays for the fee read-out. */
async function callFeesLine(): Promise<string[]> {
  const { call, channel } = await calls.dial({
    caller: owner.phone,
    dialled: FEES_LINE_NUMBER,
    keys: ['1'],
    dtmf: 'info',
  });
  await observer.hearing(channel, 'menu-main');
  await call.press();
  await observer.heard(channel, 'fees-due');
  const heard = observer.heardPrompts(channel);
  await call.hangup();
  expect((await call.done).code).toBe(0);
  return heard;
}

/** What the admin API says about the flows: when they were last loaded, and what is wrong with them. */
async function flowStatus(client: AgentClient): Promise<{ checkedAt: string; errors: string[] }> {
  const res = await client.request('GET', '/api/admin/flows');
  expect(res.status).toBe(200);
  type Node = { checkedAt: string; errors: string[]; flows: { file: string }[] };
  const ivr = (res.body as { ivrNodes: Node[] }).ivrNodes.find((n) =>
    n.flows.some((f) => f.file.startsWith(dir)),
  );
  return { checkedAt: ivr!.checkedAt, errors: ivr!.errors };
}

/** Writes a flow file and waits until the IVR has loaded the folder again. */
/**
 * Saves the fees line as an editor that replaces the file does (write a temporary file, rename it over), so the
 * IVR never reads it half-written, and waits for the IVR to reload; returns the errors it reports.
 */
async function edit(leader: AgentClient, text: string): Promise<string[]> {
  const before = (await flowStatus(leader)).checkedAt;
  writeFileSync(join(dir, '.fees-line.yaml.tmp'), text);
  renameSync(join(dir, '.fees-line.yaml.tmp'), join(dir, 'fees-line.yaml'));
  return (
    await eventually(async () => {
      const status = await flowStatus(leader);
      return status.checkedAt !== before && status;
    }, 'the IVR to reload its flows')
  ).errors;
}

describe('editing a flow while the hotline runs', () => {
  it('takes a good edit live for the next call; a broken edit keeps the last good version and is reported', async () => {
    const leader = await AgentClient.signIn(
      platform.url,
      await createAgent({ seat: null, role: 'supervisor' }),
    );
    const agent = await AgentClient.signIn(platform.url, await createAgent({ seat: null }));
    try {
      expect((await callFeesLine()).slice(0, 2)).toEqual(['welcome', 'welcome-owner']);

      // no restart: the next call hears the notices prompt after the welcome
      expect(await edit(leader, EDITED)).toEqual([]);
      expect((await callFeesLine()).slice(0, 3)).toEqual(['welcome', 'notices-intro', 'welcome-owner']);

      const line = BROKEN.split('\n').findIndex((l) => l.includes('1: feez')) + 1;
      expect(await edit(leader, BROKEN)).toEqual([
        `${join(dir, 'fees-line.yaml')}:${line}: node \`main-menu\` key \`1\` goes to \`feez\`, which does not ` +
          'exist; did you mean `fees`?',
      ]);
      // callers still get the last good version: the notices after the welcome, and 1 still reads the fees
      const heard = await callFeesLine();
      expect(heard.slice(0, 3)).toEqual(['welcome', 'notices-intro', 'welcome-owner']);
      expect(heard).toContain('fees-unit');

      // the flows' state is for team leaders and admins only
      expect((await agent.request('GET', '/api/admin/flows')).status).toBe(403);
    } finally {
      expect(await edit(leader, FEES_LINE)).toEqual([]);
      await leader.close();
      await agent.close();
    }
  });
});

describe("a queue's longest wait", () => {
  it('takes a caller nobody answered within max_wait_s out of the queue to the overflow node', async () => {
    const leader = await AgentClient.signIn(
      platform.url,
      await createAgent({ seat: null, role: 'supervisor' }),
    );
    try {
      // callers the fees line does not know wait at most 10 s for an agent (nobody takes calls here)
      const waits =
        FEES_LINE.replace(
          '    prompt: [unknown-caller]\n',
          '    prompt: [unknown-caller]\n    max_wait_s: 10\n    overflow: sorry\n',
        ).trimEnd() + '\n\n  sorry:\n    kind: hangup\n    prompt: [queue-overflow]\n';
      expect(waits).toContain('overflow: sorry');
      expect(await edit(leader, waits)).toEqual([]);
      const stranger = `0216${String(Date.now()).slice(-7)}`;
      const dialledAt = Date.now();
      const { call, channel } = await calls.dial({
        caller: stranger,
        dialled: FEES_LINE_NUMBER,
        keys: [],
        dtmf: 'info',
      });
      await observer.heard(channel, 'queue-next');
      await observer.hearing(channel, 'queue-overflow');
      expect(Date.now() - dialledAt).toBeGreaterThanOrEqual(10_000);
      await call.hangup();
      const record = await eventually(async () => {
        const { rows } = await db().query<{ outcome: string; kinds: string[]; path: string[] }>(
          `SELECT c.outcome, c.ivr_path AS path, array_agg(e.kind ORDER BY e.at, e.id) AS kinds
             FROM calls c JOIN call_events e ON e.call_id = c.id
            WHERE c.caller_number = $1 AND c.ended_at IS NOT NULL GROUP BY c.id`,
          [stranger],
        );
        return rows[0];
      }, 'the call record');
      expect(record.kinds).toContain('overflowed');
      expect(record.kinds.indexOf('overflowed')).toBeGreaterThan(record.kinds.indexOf('queued'));
      expect(record.path).toContain('overflow:general');
    } finally {
      expect(await edit(leader, FEES_LINE)).toEqual([]);
      await leader.close();
    }
  });
});
