// Recordings older than the retention period are removed by the maintenance job; the call record stays.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingRetention, type RetentionWorker } from '../../workers/index.ts';
import { createLogger } from '../../core/index.ts';
import { stackConfig } from '../support/env.ts';
import { closeDb, db } from '../support/fixtures.ts';

const config = stackConfig();
let retention: RetentionWorker;
let events: QueueEvents;
const connections: Redis[] = [];
const connect = () => {
  const c = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  connections.push(c);
  return c;
};

async function callWithRecording(daysAgo: number): Promise<{ id: string; file: string }> {
  const id = randomUUID();
  const name = `call-${id}`;
  mkdirSync(config.recordingDir, { recursive: true });
  const file = join(config.recordingDir, `${name}.wav`);
  writeFileSync(file, 'RIFF test recording');
  await db().query(
    `INSERT INTO calls (id, direction, caller_number, dialled_number, started_at, recording)
     VALUES ($1, 'inbound', '14600000000', '4008200000', now() - make_interval(days => $2), $3)`,
    [id, daysAgo, name],
  );
  return { id, file };
}

beforeAll(async () => {
  retention = await startRecordingRetention({
    connection: connect(),
    db: db(),
    log: createLogger('warn'),
    settings: { recordingDir: config.recordingDir, retentionDays: 30 },
  });
  events = new QueueEvents(retention.queue.name, { connection: connect() });
  await events.waitUntilReady();
});

afterAll(async () => {
  await events?.close();
  await retention?.close();
  for (const c of connections) c.disconnect();
  await closeDb();
});

describe('recording retention', () => {
  it('removes recordings past the retention period and keeps the newer ones and every call record', async () => {
    const old = await callWithRecording(45);
    const recent = await callWithRecording(5);
    const job = await retention.queue.add('purge-recordings', {});
    const removed = (await job.waitUntilFinished(events, 20_000)) as number;
    expect(removed).toBeGreaterThanOrEqual(1);

    expect(existsSync(old.file)).toBe(false);
    expect(existsSync(recent.file)).toBe(true);
    const { rows } = await db().query<{ id: string; recording: string | null; purged: boolean }>(
      'SELECT id, recording, recording_purged_at IS NOT NULL AS purged FROM calls WHERE id = ANY($1::uuid[])',
      [[old.id, recent.id]],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(old.id)).toMatchObject({ recording: null, purged: true });
    expect(byId.get(recent.id)).toMatchObject({ recording: `call-${recent.id}`, purged: false });
  });
});
