// A call's recording through a playback link: the page's <audio> cannot send the sign-in header, so the agent who
// took the call (or a team leader) gets a ten-minute link for that one recording. Against the stack's PostgreSQL
// and Redis; the API runs in this process, its log captured to check the link's ticket is never written out.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/index.ts';
import { createServer } from '../../cti/index.ts';
import { stackConfig } from '../support/env.ts';
import { closeDb, createAgent, db, testPhone, type TestAgent } from '../support/fixtures.ts';

const config = stackConfig();
const logLines: string[] = [];
let redis: Redis;
let app: Awaited<ReturnType<typeof createServer>>['app'];
let taker: TestAgent;
let other: TestAgent;
let leader: TestAgent;
const tokens = new Map<TestAgent, string>();
const recorded = randomUUID();
const unrecorded = randomUUID();
/** 2 000 bytes of audio after a 44-byte WAV header: enough to ask for a part of it. */
const WAV = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(40), Buffer.alloc(2000, 7)]);
const files: string[] = [];

async function insertCall(id: string, agentId: number, recording: string | null): Promise<void> {
  await db().query(
    `INSERT INTO calls (id, direction, caller_number, dialled_number, started_at, agent_id, recording, ended_at)
     VALUES ($1, 'inbound', $2, '4008200000', now() - interval '5 minutes', $3, $4, now())`,
    [id, testPhone(), agentId, recording],
  );
}

async function signIn(agent: TestAgent): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { login: agent.login, password: agent.password },
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ token: string }>().token;
}

const askForLink = (callId: string, agent: TestAgent) =>
  app.inject({
    method: 'POST',
    url: `/api/calls/${callId}/recording-link`,
    headers: { authorization: `Bearer ${tokens.get(agent)}` },
  });

/** An HS256 token with these claims, signed with `secret` (the app's, or another). */
function jwt(claims: Record<string, unknown>, secret: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

beforeAll(async () => {
  redis = new Redis(config.redisUrl);
  ({ app } = await createServer({
    db: db(),
    redis,
    log: createLogger('debug', 'recording-link-test', { write: (line: string) => void logLines.push(line) }),
    jwtSecret: config.http.jwtSecret,
    recordingDir: config.recordingDir,
    attachments: config.attachments,
    uiDir: '/nonexistent',
  }));
  taker = await createAgent({ seat: null, name: '接听客服' });
  other = await createAgent({ seat: null, name: '别的客服' });
  leader = await createAgent({ seat: null, role: 'supervisor', name: '组长' });
  for (const a of [taker, other, leader]) tokens.set(a, await signIn(a));
  mkdirSync(config.recordingDir, { recursive: true });
  const file = join(config.recordingDir, `call-${recorded}.wav`);
  writeFileSync(file, WAV);
  files.push(file);
  await insertCall(recorded, taker.agentId, `call-${recorded}`);
  await insertCall(unrecorded, taker.agentId, null);
});

afterAll(async () => {
  for (const f of files) rmSync(f, { force: true });
  await db()
    .query('DELETE FROM calls WHERE id = ANY($1::uuid[])', [[recorded, unrecorded]])
    .catch(() => undefined);
  await app?.close();
  redis?.disconnect();
  await closeDb();
});

describe("a call's playback link", () => {
  it('lets the agent who took the call play it, from any point, without the sign-in header', async () => {
    const res = await askForLink(recorded, taker);
    expect(res.statusCode).toBe(200);
    const { url, expiresAt } = res.json<{ url: string; expiresAt: string }>();
    expect(url).toMatch(new RegExp(`^/api/calls/${recorded}/recording\\?ticket=[\\w.-]+$`));
    const minutesLeft = (new Date(expiresAt).getTime() - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(9);
    expect(minutesLeft).toBeLessThanOrEqual(10);

    const whole = await app.inject({ method: 'GET', url });
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toBe('audio/wav');
    // the player gets it inline; the download link asks for a file
    expect(whole.headers['content-disposition']).toBe(`inline; filename="call-${recorded}.wav"`);
    expect(whole.rawPayload.equals(WAV)).toBe(true);

    const part = await app.inject({ method: 'GET', url, headers: { range: 'bytes=100-199' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${WAV.length}`);
    expect(part.rawPayload.equals(WAV.subarray(100, 200))).toBe(true);

    const download = await app.inject({ method: 'GET', url: `${url}&download=1` });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-disposition']).toBe(`attachment; filename="call-${recorded}.wav"`);
  });

  it('is given to team leaders, and refused to an agent who did not take the call', async () => {
    expect((await askForLink(recorded, leader)).statusCode).toBe(200);
    const refused = await askForLink(recorded, other);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ message: string }>().message).toContain('You may only hear calls you handled');
    // nor can that agent fetch it with the header
    const direct = await app.inject({
      method: 'GET',
      url: `/api/calls/${recorded}/recording`,
      headers: { authorization: `Bearer ${tokens.get(other)}` },
    });
    expect(direct.statusCode).toBe(403);
  });

  it('says so when the call has no recording', async () => {
    const res = await askForLink(unrecorded, taker);
    expect(res.statusCode).toBe(404);
    expect(res.json<{ message: string }>().message).toContain('This call has no recording');
  });

  it('refuses an expired, forged or other call’s ticket, and a sign-in token passed as one, with 401', async () => {
    const secret = config.http.jwtSecret;
    const now = Math.floor(Date.now() / 1000);
    const { url: otherCallUrl } = (await askForLink(recorded, taker)).json<{ url: string }>();
    const otherCallTicket = new URL(otherCallUrl, 'http://x').searchParams.get('ticket')!;
    const tickets = {
      expired: jwt({ rec: recorded, sub: taker.agentId, iat: now - 700, exp: now - 100 }, secret),
      forged: jwt({ rec: recorded, sub: taker.agentId, iat: now, exp: now + 600 }, 'not-the-secret'),
      'sign-in token': tokens.get(taker)!,
      garbage: 'not-a-token',
    };
    for (const [what, ticket] of Object.entries(tickets)) {
      const res = await app.inject({
        method: 'GET',
        url: `/api/calls/${recorded}/recording?ticket=${encodeURIComponent(ticket)}`,
      });
      expect(res.statusCode, what).toBe(401);
      expect(res.json<{ message: string }>().message, what).toContain(
        'The playback link is not valid or has expired',
      );
    }
    const wrongCall = await app.inject({
      method: 'GET',
      url: `/api/calls/${unrecorded}/recording?ticket=${encodeURIComponent(otherCallTicket)}`,
    });
    expect(wrongCall.statusCode).toBe(401);
    // and without any ticket or header
    expect((await app.inject({ method: 'GET', url: `/api/calls/${recorded}/recording` })).statusCode).toBe(
      401,
    );
  });

  it('is no sign-in: a ticket is refused as a bearer token', async () => {
    const { url } = (await askForLink(recorded, taker)).json<{ url: string }>();
    const ticket = new URL(url, 'http://x').searchParams.get('ticket')!;
    for (const path of ['/api/me', `/api/calls/${recorded}`, `/api/calls/${recorded}/recording`]) {
      const res = await app.inject({
        method: 'GET',
        url: path,
        headers: { authorization: `Bearer ${ticket}` },
      });
      expect(res.statusCode, path).toBe(401);
    }
  });

  it('never writes a ticket to the log', async () => {
    // whatever the log holds by now (every request above, at debug level), no ticket is in it
    const { url } = (await askForLink(recorded, taker)).json<{ url: string }>();
    const ticket = new URL(url, 'http://x').searchParams.get('ticket')!;
    await app.inject({ method: 'GET', url });
    const signature = ticket.split('.')[2]!;
    expect(logLines.join('\n')).not.toContain(signature);
  });
});
