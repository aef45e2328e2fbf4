// Copies the agents' state changes from the Redis stream (appended by the ACD's Lua scripts) into PostgreSQL.
// A consumer group shares the work between API servers; an entry is acknowledged only once it is stored, so a
// database outage delays the history but loses none of it.
import type { Redis } from 'ioredis';
import type { Logger } from '../core/index.ts';
import type { Pool } from '../db/index.ts';
import { STATE_LOG } from './agent-states.ts';

const GROUP = 'state-log-recorders';
const BATCH = 500;

type StreamEntries = [id: string, fields: string[]][];

export class StateLogRecorder {
  readonly #redis: Redis;
  readonly #db: Pool;
  readonly #log: Logger;
  readonly #consumer: string;
  #stopped = false;
  #loop: Promise<void> | null = null;

  constructor(deps: { redis: Redis; db: Pool; log: Logger; consumer: string }) {
    // a connection of its own: XREADGROUP BLOCK holds it
    this.#redis = deps.redis.duplicate();
    this.#redis.on('error', () => undefined);
    this.#db = deps.db;
    this.#log = deps.log.child({ component: 'state-log' });
    this.#consumer = deps.consumer;
  }

  async start(): Promise<void> {
    await this.#createGroup();
    this.#loop = this.#run();
  }

  /** The consumer group (and the stream), unless they exist. */
  async #createGroup(): Promise<void> {
    try {
      await this.#redis.xgroup('CREATE', STATE_LOG, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  }

  async #run(): Promise<void> {
    // first what this consumer read but did not store (a crash, an outage), then new entries
    let pending = true;
    while (!this.#stopped) {
      try {
        const reply = (await this.#redis.xreadgroup(
          'GROUP',
          GROUP,
          this.#consumer,
          'COUNT',
          BATCH,
          'BLOCK',
          pending ? 1 : 2000,
          'STREAMS',
          STATE_LOG,
          pending ? '0' : '>',
        )) as [string, StreamEntries][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (pending && entries.length === 0) pending = false;
        if (entries.length > 0) await this.#store(entries);
      } catch (err) {
        if (this.#stopped) return;
        const message = (err as Error).message;
        this.#log.warn({ err: message }, 'agent state history not stored yet; retrying');
        pending = true;
        // a Redis that came back without its data has lost the group too: make it again
        if (message.includes('NOGROUP')) await this.#createGroup().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  async #store(entries: StreamEntries): Promise<void> {
    const rows = entries.map(([id, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return {
        id,
        agent: Number(f.agent),
        state: f.state ?? '',
        reason: f.reason || null,
        callId: f.callId || null,
        at: f.at,
      };
    });
    await this.#db.query(
      `INSERT INTO agent_state_changes (stream_id, agent_id, state, reason, call_id, at)
       SELECT s.id, s.agent, s.state, s.reason, s.call_id::uuid, s.at::timestamptz
         FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
              AS s(id, agent, state, reason, call_id, at)
        WHERE EXISTS (SELECT 1 FROM agents a WHERE a.id = s.agent)
       ON CONFLICT (stream_id) DO NOTHING`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.agent),
        rows.map((r) => r.state),
        rows.map((r) => r.reason),
        rows.map((r) => (r.callId && /^[0-9a-f-]{36}$/.test(r.callId) ? r.callId : null)),
        rows.map((r) => r.at),
      ],
    );
    await this.#redis.xack(STATE_LOG, GROUP, ...rows.map((r) => r.id));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#redis.disconnect();
    await this.#loop?.catch(() => undefined);
  }
}
