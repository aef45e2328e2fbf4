// Two Asterisk nodes, two controllers, one set of agents and queues in Redis (issue 4, "Several nodes"). The
// first controller runs in this process with the API (startTestPlatform, Asterisk 1); the second is a child
// process `node main.ts start --role ivr` attached to the second Asterisk (ops/stack.sh asterisk2-start), as in
// a cluster. Owners call both nodes; the desk phones (sipp) are reachable from both. Covered: the load (200 calls,
// no double offer, no needless wait), callbacks taken over when a controller stops cleanly or dies, and kill -9
// of a controller with a call in conversation and one waiting.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Acd, NODE_TTL_MS } from '../../cti/index.ts';
import { AgentClient } from '../support/agent-client.ts';
import { ariDelete, ariGet, env, eventually, stackConfig, withCleanUp } from '../support/env.ts';
import { closeDb, createAgent, createOwner, db, type TestOwner } from '../support/fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import {
  FEES_LINE_NUMBER,
  ownerCall,
  startAgentPhone,
  startOutsidePhone,
  type AgentPhone,
  type SippResult,
} from '../support/phones.ts';
import { AriObserver } from '../support/ari-observer.ts';
import { ScriptedCalls } from '../support/scripted-call.ts';
import { stack } from '../support/stack-control.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARI1 = env.HOTLINE_ARI_URL!;
const ARI2 = env.HOTLINE_ARI2_URL!;
const SIP1 = Number(env.HOTLINE_SIP_PORT ?? 5160);
const SIP2 = Number(env.HOTLINE_SIP2_PORT ?? SIP1 + 1);
/**
 * Calls of the load test: the 200 (about 90 s on the 2-core machine with sipp, two Asterisks and two
 * controllers on it); HOTLINE_TWO_NODE_CALLS sets fewer for a quick run.
 */
const CALLS = Number(process.env.HOTLINE_TWO_NODE_CALLS ?? 200);
const LOAD_SEATS = [1, 2, 3, 4, 5, 6, 7, 8];
const KILL_SEAT = 9;

let platform: TestPlatform;
let redis: Redis;
let controller2: ChildProcess | null = null;
const logDir = mkdtempSync(join(tmpdir(), 'hotline-two-nodes-'));

/** The second node's controller: `node main.ts start --role ivr` on Asterisk 2, ready once its app is registered. */
async function startController2(): Promise<ChildProcess> {
  const out = openSync(join(logDir, `controller2-${Date.now()}.log`), 'a');
  const child = spawn(process.execPath, ['main.ts', 'start', '--role', 'ivr'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOTLINE_ARI_URL: ARI2,
      HOTLINE_AMI_PORT: env.HOTLINE_AMI2_PORT,
      HOTLINE_RECORDING_DIR: env.HOTLINE_RECORDING2_DIR,
      HOTLINE_WRAP_UP_S: '0',
      HOTLINE_RING_TIMEOUT_S: '6',
      HOTLINE_DIGIT_TIMEOUT_MS: '4000',
      HOTLINE_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  await eventually(
    async () => (await ariGet(`/applications/${platform.app}`, ARI2)).status === 200,
    "the second controller's Stasis app on Asterisk 2",
    30_000,
  );
  return child;
}

async function stopController2(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const child = controller2;
  controller2 = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

/** The channels in our Stasis app on an Asterisk. */
async function appChannels(ariUrl: string): Promise<string[]> {
  const list = (await ariGet('/channels', ariUrl)).body as { id: string; dialplan?: { app_name?: string } }[];
  return list.filter((c) => c.dialplan?.app_name?.toLowerCase() === 'stasis').map((c) => c.id);
}

beforeAll(async () => {
  if (!ARI2) throw new Error('HOTLINE_ARI2_URL is not set: run "bash ops/stack.sh start" again to write it');
  stack('asterisk2-start');
  platform = await startTestPlatform();
  redis = new Redis(stackConfig().redisUrl);
  controller2 = await startController2();
}, 60_000);

afterAll(async () => {
  await stopController2();
  await redis?.quit();
  await platform?.close();
  stack('asterisk2-stop');
  await closeDb();
}, 60_000);

interface StateRow {
  agent_id: number;
  state: string;
  call_id: string | null;
  at: Date;
}

describe('two controllers on two Asterisk nodes', () => {
  it(`serves ${CALLS} owner calls split between the nodes with no agent offered two calls and no call waiting while an agent is free`, async () => {
    const t0 = new Date();
    const agents = await Promise.all(LOAD_SEATS.map((seat) => createAgent({ seat, skills: { general: 5 } })));
    const phones: AgentPhone[] = await Promise.all(
      LOAD_SEATS.map((seat) =>
        startAgentPhone(seat, { answerAfterMs: 1000, talkMs: 2000, ariUrls: [ARI1, ARI2] }),
      ),
    );
    const desks = await Promise.all(agents.map((a) => AgentClient.signIn(platform.url, a)));
    await withCleanUp(
      async () => {
        for (const desk of desks) await desk.setState('available');
        const owners: TestOwner[] = [];
        for (let i = 0; i < 10; i++)
          owners.push(await createOwner({ name: `业主${i}`, rooms: [{ roomCode: `B${i}-0${i}01` }] }));

        const tLoad = new Date();

        // Owners call in turn on both nodes, a new call every 150 ms, at most 20 on the line at once (calls
        // queue: the agents serve about 2.5 calls a second).
        const results: Promise<SippResult>[] = [];
        let inFlight = 0;
        for (let i = 0; i < CALLS; i++) {
          await eventually(() => inFlight < 20, 'a free caller line', 120_000, 20);
          inFlight++;
          const call = ownerCall({
            caller: owners[i % owners.length]!.phone,
            digit: '0',
            stayMs: 90_000,
            sipPort: i % 2 === 0 ? SIP1 : SIP2,
            untilHangUp: true,
          });
          results.push(call.finally(() => inFlight--));
          await new Promise((r) => setTimeout(r, 150));
        }
        const done = await Promise.all(results);
        const failed = done.filter((r) => r.code !== 0);
        expect(failed.map((r) => r.output.slice(-400))).toEqual([]);

        // every call was answered by one of our agents; both nodes took calls
        const phonesOf = owners.map((o) => o.phone);
        const calls = await eventually(async () => {
          const r = await db().query<{
            id: string;
            agent_id: number | null;
            outcome: string | null;
            queued_at: Date | null;
            ended_at: Date | null;
            channel_id: string;
          }>(
            `SELECT id, agent_id, outcome, queued_at, ended_at, channel_id FROM calls
             WHERE caller_number = ANY($1) AND started_at >= $2`,
            [phonesOf, tLoad],
          );
          return r.rows.length === CALLS && r.rows.every((c) => c.ended_at) ? r.rows : undefined;
        }, 'every call record to be written');
        expect(calls.filter((c) => c.outcome !== 'answered' || c.agent_id === null)).toEqual([]);
        const ids = new Set(agents.map((a) => a.agentId));
        expect(calls.every((c) => ids.has(c.agent_id!))).toBe(true);

        // the agents' state log (written by the API's recorder from the Redis stream)
        const lastEnd = Math.max(...calls.map((c) => c.ended_at!.getTime()));
        const log = await eventually(async () => {
          const r = await db().query<StateRow>(
            `SELECT agent_id, state, call_id, at FROM agent_state_changes
             WHERE agent_id = ANY($1) AND at >= $2
             ORDER BY agent_id, split_part(stream_id, '-', 1)::bigint, split_part(stream_id, '-', 2)::bigint`,
            [[...ids], t0],
          );
          const ringings = r.rows.filter((s) => s.state === 'ringing').length;
          return ringings >= CALLS && r.rows.some((s) => s.at.getTime() >= lastEnd - 1000)
            ? r.rows
            : undefined;
        }, 'the state log of the calls');

        // No double offers: per agent, in the state log an offer (ringing) comes only from available. The log is
        // written from the ACD's Redis stream, one entry per atomic state change, read in the stream's order: an
        // entry's `at` is the time its process took before the change, so two controllers' entries a millisecond
        // apart can be out of order by `at` (a CI run under load saw 'offered while on-call' that way).
        const doubleOffers: string[] = [];
        const offeredAt = new Map<string, number>();
        const available = new Map<number, [number, number][]>();
        for (const agentId of ids) {
          const rows = log.filter((s) => s.agent_id === agentId);
          rows.forEach((s, i) => {
            const prev = rows[i - 1];
            if (s.state === 'ringing') {
              if (prev && prev.state !== 'available')
                doubleOffers.push(
                  `agent ${agentId} offered ${s.call_id} while ${prev.state} (${prev.call_id})`,
                );
              if (s.call_id && !offeredAt.has(s.call_id)) offeredAt.set(s.call_id, s.at.getTime());
            }
            if (s.state === 'available') {
              const until = rows[i + 1]?.at.getTime() ?? Date.now();
              available.set(agentId, [...(available.get(agentId) ?? []), [s.at.getTime(), until]]);
            }
          });
        }
        expect(calls.filter((c) => !offeredAt.has(c.id)).map((c) => c.id)).toEqual([]);
        expect(doubleOffers).toEqual([]);

        // Needless waits: the longest time a call waited in the queue while one of the (all qualified) agents
        // was available.
        let maxNeedlessMs = 0;
        for (const c of calls) {
          const [from, to] = [c.queued_at!.getTime(), offeredAt.get(c.id)!];
          for (const spans of available.values())
            for (const [a, b] of spans)
              maxNeedlessMs = Math.max(maxNeedlessMs, Math.min(to, b) - Math.max(from, a));
        }
        const waits = calls.map((c) => offeredAt.get(c.id)! - c.queued_at!.getTime());
        console.info(
          `two nodes: ${CALLS} calls in ${Math.round((Date.now() - t0.getTime()) / 1000)} s; ` +
            `double offers ${doubleOffers.length}; max needless wait ${maxNeedlessMs} ms; ` +
            `max queue wait ${Math.max(...waits)} ms`,
        );
        expect(maxNeedlessMs).toBeLessThanOrEqual(1000);

        // A call on node 2 was recorded there and is played by the API like any other (the nodes record into one
        // folder): the desk phone talked for 2 s, so about 2 s of 8 kHz 16-bit audio (16,000 bytes a second).
        const node2 = (
          (await ariGet('/asterisk/info?only=config', ARI2)).body as { config: { name: string } }
        ).config.name;
        const onNode2 = calls.find((c) => c.channel_id.startsWith(`${node2}-`))!;
        const desk = desks[agents.findIndex((a) => a.agentId === onNode2.agent_id)]!;
        const wav = await eventually(async () => {
          const res = await fetch(`${platform.url}/api/calls/${onNode2.id}/recording`, {
            headers: { authorization: `Bearer ${desk.token}` },
          });
          return res.status === 200 ? Buffer.from(await res.arrayBuffer()) : undefined;
        }, 'the recording of a call on node 2');
        expect(wav.subarray(0, 4).toString()).toBe('RIFF');
        // 2 s of talk from the desk phone's answer; the recording starts once the bridge is up, which on a busy
        // node can be most of a second later (a CI run measured 1.36 s): at least 1 s of 8 kHz 16-bit audio
        expect(wav.length).toBeGreaterThan(1 * 16_000);
        expect(wav.length).toBeLessThan(4 * 16_000);
      },
      ...desks.map((desk) => () => desk.close()),
      ...phones.map((phone) => () => phone.stop()),
    );
  }, 240_000);

  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'a callback waiting on a controller that stops (%s) is taken over by the other node: the agent is connected, then the owner is called back',
    async (signal) => {
      const seat = signal === 'SIGTERM' ? 1 : 2;
      const owner = await createOwner({ name: `业主回拨${seat}`, rooms: [{ roomCode: `C${seat}-0101` }] });
      const agent = await createAgent({ seat, skills: { general: 5 } });
      const phone = await startAgentPhone(seat, { answerAfterMs: 300, ariUrls: [ARI1, ARI2] });
      const desk = await AgentClient.signIn(platform.url, agent);
      const outside = await startOutsidePhone();
      const observer2 = await AriObserver.connect({ ariUrl: ARI2 });
      const scripted = new ScriptedCalls(() => observer2);
      await withCleanUp(
        async () => {
          await desk.setState('not-ready', 'break');
          // nobody is free: an owner calling node 2 asks for a callback and is hung up
          const { call, channel } = await scripted.dial({
            caller: owner.phone,
            dialled: FEES_LINE_NUMBER,
            keys: ['0', '1'],
            dtmf: 'info',
            limitS: 120,
            sipPort: SIP2,
          });
          await observer2.hearing(channel, 'menu-main');
          await call.press();
          await observer2.hearing(channel, 'callback-offer');
          await call.press();
          await observer2.heard(channel, 'callback-confirm-end');
          expect((await call.done).code).toBe(0);
          const callId = (
            await db().query<{ id: string }>('SELECT id FROM calls WHERE channel_id = $1', [channel])
          ).rows[0]!.id;
          expect(await Acd.waitingCalls(redis, 'general')).toEqual([callId]);

          // node 2's controller stops; node 1's takes the callback over, which keeps its place in the queue
          await stopController2(signal);
          await eventually(
            async () => (await Acd.nodeOf(redis, callId)) === platform.acd!.nodeId,
            'node 1 to take the callback over',
            NODE_TTL_MS + 5000,
          );
          expect(await Acd.waitingCalls(redis, 'general')).toEqual([callId]);

          // the agent becomes free: their phone rings with the callback's pop, then the owner's phone rings
          // (through node 1's outside line) showing the hotline's number
          await desk.setState('available');
          const { pop } = await desk.nextPop((p) => p.callId === callId);
          expect(pop.callback).toBe(true);
          expect(pop.owner?.name).toBe(owner.name);
          const kinds = await eventually(async () => {
            const r = await db().query<{ kind: string }>(
              'SELECT kind FROM call_events WHERE call_id = $1 ORDER BY at, id',
              [callId],
            );
            const k = r.rows.map((e) => e.kind);
            return k.includes('callback-answered') ? k : undefined;
          }, 'the owner to answer the callback');
          expect(kinds).toEqual(
            expect.arrayContaining([
              'callback-requested',
              'callback-adopted',
              'agent-answered',
              'callback-dialled',
            ]),
          );
          expect(kinds.indexOf('callback-adopted')).toBeLessThan(kinds.indexOf('callback-dialled'));
          expect(outside.messages()).toMatch(
            new RegExp(`INVITE sip:${owner.phone}@[^]*From: .*<sip:${FEES_LINE_NUMBER}@`),
          );
          expect((await desk.status()).state).toBe('on-call');

          // the agent hangs up from the page; the record says the callback was answered
          expect((await desk.request('POST', `/api/calls/${callId}/hangup`)).status).toBe(200);
          await eventually(async () => {
            const r = await db().query<{ outcome: string | null }>(
              'SELECT outcome FROM calls WHERE id = $1',
              [callId],
            );
            return r.rows[0]?.outcome === 'callback-answered';
          }, 'the record to end');
        },
        () => scripted.stopAll(),
        () => observer2.close(),
        () => outside.stop(),
        () => desk.close(),
        () => phone.stop(),
        async () => (controller2 ??= await startController2()),
      );
    },
    120_000,
  );

  it("releases a killed controller's agents and queue places within the heartbeat time, and the next controller of its node hangs up the callers it left", async () => {
    const agent = await createAgent({ seat: KILL_SEAT, skills: { general: 5 } });
    // this phone answers and talks until the hotline hangs up
    const phone = await startAgentPhone(KILL_SEAT, { answerAfterMs: 300, ariUrls: [ARI1, ARI2] });
    const desk = await AgentClient.signIn(platform.url, agent);
    const [talker, waiter, other] = await Promise.all(
      [0, 1, 2].map((i) => createOwner({ name: `业主K${i}`, rooms: [{ roomCode: `K${i}-0101` }] })),
    );
    const callIdOf = (owner: TestOwner) =>
      eventually(async () => {
        const r = await db().query<{ id: string }>(
          'SELECT id FROM calls WHERE caller_number = $1 AND queued_at IS NOT NULL',
          [owner.phone],
        );
        return r.rows[0]?.id;
      }, `${owner.name}'s call to be queued`);
    const started = Date.now();
    await withCleanUp(
      async () => {
        await desk.setState('available');
        // on node 2: one owner talks to the agent, one waits behind; on node 1 another waits behind that one
        const talking = ownerCall({ caller: talker!.phone, digit: '0', stayMs: 60_000, sipPort: SIP2 });
        await eventually(
          async () => (await desk.status()).state === 'on-call',
          'the agent to be on the call',
        );
        const waiting = ownerCall({ caller: waiter!.phone, digit: '0', stayMs: 60_000, sipPort: SIP2 });
        const waitingId = await callIdOf(waiter!);
        const otherCall = ownerCall({ caller: other!.phone, digit: '0', stayMs: 60_000, sipPort: SIP1 });
        const otherId = await callIdOf(other!);
        expect(await Acd.waitingCalls(redis, 'general')).toEqual([waitingId, otherId]);
        const leftOnNode2 = await appChannels(ARI2);
        expect(leftOnNode2.length).toBeGreaterThanOrEqual(3); // the talking caller, the agent's leg, the waiting caller

        // kill -9 the second controller
        const killedAt = Date.now();
        await stopController2('SIGKILL');

        // the surviving controller's ACD reaps it: the agent, talking on a call nobody controls any more, is not
        // ready (call lost); the dead node's waiting call leaves the queue and the other node's call moves up
        const status = await eventually(
          async () => {
            const s = await desk.status();
            return s.state === 'not-ready' ? s : undefined;
          },
          'the agent to be released',
          NODE_TTL_MS + 5000,
        );
        const releasedMs = Date.now() - killedAt;
        expect(status).toMatchObject({ state: 'not-ready', reason: 'call-lost' });
        expect(await Acd.waitingCalls(redis, 'general')).toEqual([otherId]);
        expect(releasedMs).toBeLessThanOrEqual(NODE_TTL_MS + 3000);

        // In Asterisk 2 the dead controller's callers are still there, in a Stasis app nobody serves (Asterisk 16
        // keeps them): the next controller of the node (a supervisor restarts it) hangs them up as it starts.
        expect(await appChannels(ARI2)).toEqual(expect.arrayContaining(leftOnNode2));
        const restartedAt = Date.now();
        controller2 = await startController2();
        await eventually(
          async () => (await appChannels(ARI2)).length === 0,
          'node 2 to have no channels left',
          10_000,
        );
        // both owners' phones got the hotline's BYE long before they would have hung up themselves
        await Promise.all([talking, waiting]);
        const hungUpMs = Date.now() - restartedAt;
        // and their call records are ended: the one the agent answered stays answered, the waiting one failed
        const records = await eventually(async () => {
          const r = await db().query<{
            caller_number: string;
            outcome: string;
            hangup_cause: string;
            lost: boolean;
          }>(
            `SELECT caller_number, outcome, hangup_cause,
                  EXISTS (SELECT 1 FROM call_events e WHERE e.call_id = calls.id AND e.kind = 'controller-lost') AS lost
             FROM calls WHERE caller_number = ANY($1) AND ended_at IS NOT NULL ORDER BY caller_number`,
            [[talker!.phone, waiter!.phone]],
          );
          return r.rows.length === 2 ? r.rows : undefined;
        }, 'the call records of node 2 to be ended');
        expect(records).toEqual(
          [
            {
              caller_number: talker!.phone,
              outcome: 'answered',
              hangup_cause: 'controller-stopped',
              lost: true,
            },
            {
              caller_number: waiter!.phone,
              outcome: 'failed',
              hangup_cause: 'controller-stopped',
              lost: true,
            },
          ].sort((a, b) => a.caller_number.localeCompare(b.caller_number)),
        );
        expect(Date.now() - started).toBeLessThan(60_000);
        console.info(
          `kill -9: agent released ${releasedMs} ms after the kill; callers hung up ${hungUpMs} ms after the restart`,
        );

        // the other node's caller still waits, and is served once the agent is back
        await desk.setState('available');
        await eventually(
          async () => (await desk.status()).state === 'on-call',
          'the agent to take the waiting call',
        );
        expect(desk.pops().at(-1)?.callId).toBe(otherId);
        const { status: hangup } = {
          status: await ariDelete(
            `/channels/${(await db().query<{ channel_id: string }>('SELECT channel_id FROM calls WHERE id = $1', [otherId])).rows[0]!.channel_id}`,
            ARI1,
          ),
        };
        expect(hangup).toBe(204);
        await otherCall;
      },
      () => desk.close(),
      () => phone.stop(),
    );
  }, 120_000);
});
