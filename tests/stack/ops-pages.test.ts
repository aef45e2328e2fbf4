// The ops pages: the queue board for admins (opened from the desk header), the OpenAPI document, /metrics for
// Prometheus, and readiness naming what is down.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { io } from 'socket.io-client';
import type { SupervisorOverview } from '../../core/index.ts';
import { AgentClient } from '../support/agent-client.ts';
import { launchBrowser } from '../support/browser.ts';
import { eventually, stackConfig, withCleanUp } from '../support/env.ts';
import { attemptsOf, dropCampaign, owingOwner, runCampaign } from '../support/dialer-fixtures.ts';
import { startOwnerPhone } from '../support/owner-phones.ts';
import { closeDb, createAgent, createOwner, type TestAgent, type TestOwner } from '../support/fixtures.ts';
import { ownerCall } from '../support/phones.ts';
import { startTestPlatform, startTestRoles, type TestPlatform } from '../support/platform.ts';
import { stack } from '../support/stack-control.ts';

const config = stackConfig();
let platform: TestPlatform;
let browser: Browser;
let admin: TestAgent;
let agent: AgentClient;
let supervisor: AgentClient;
let owner: TestOwner;

/** A JWT (HS256) as @fastify/jwt signs them, for passes the API never gave out. */
function signPass(claims: Record<string, unknown>, secret: string): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** The desk in a new tab of the context, signed in as `who`. */
async function signedInPage(context: BrowserContext, who: TestAgent): Promise<Page> {
  const page = await context.newPage();
  await page.goto(platform.url);
  await page.getByTestId('login-input').fill(who.login);
  await page.getByTestId('password-input').fill(who.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('agent-name').filter({ hasText: who.name }).waitFor();
  return page;
}

async function boardWithCookie(cookie: string | null): Promise<{ status: number; text: string }> {
  const res = await fetch(`${platform.url}/admin/queues`, { headers: cookie ? { cookie } : {} });
  return { status: res.status, text: await res.text() };
}

async function scrape(token: string | null): Promise<{ status: number; text: string }> {
  const res = await fetch(`${platform.url}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, text: await res.text() };
}

/** The value of one series in the Prometheus text, 0 when absent. */
function valueOf(text: string, series: RegExp): number {
  for (const line of text.split('\n')) if (series.test(line)) return Number(line.split(' ').at(-1));
  return 0;
}

beforeAll(async () => {
  platform = await startTestPlatform();
  owner = await createOwner({ name: '陈运维', rooms: [{ roomCode: 'E1-0101' }] });
  admin = await createAgent({ seat: null, role: 'admin', name: '王管理', skills: {} });
  agent = await AgentClient.signIn(platform.url, await createAgent({ seat: null }));
  supervisor = await AgentClient.signIn(
    platform.url,
    await createAgent({ seat: null, role: 'supervisor', skills: {} }),
  );
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  stack('redis-start');
  await browser?.close();
  await agent?.close();
  await supervisor?.close();
  await platform?.close();
  await closeDb();
});

describe('the queue board', () => {
  it('opens from the admin’s header link and lists the platform’s queues', async () => {
    const context = await browser.newContext();
    try {
      const page = await signedInPage(context, admin);
      const link = page.getByTestId('queue-board-link');
      expect(await link.textContent()).toBe('队列看板 Queue board');
      const [board] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await board.waitForURL(/\/admin\/queues/);
      for (const name of ['hotline-ticket-clocks', 'hotline-campaigns', 'hotline-dial-main'])
        await board.getByText(name, { exact: true }).first().waitFor();
      expect(await board.title()).toContain('队列看板 Queue board');
    } finally {
      await context.close();
    }
  });

  it('is not shown to an agent, and refuses agents, team leaders and passes it did not give', async () => {
    const context = await browser.newContext();
    try {
      const page = await signedInPage(context, await createAgent({ seat: null }));
      expect(await page.getByTestId('queue-board-link').isHidden()).toBe(true);
      // a browser sent there without a pass reads why, in words
      const response = await page.goto(`${platform.url}/admin/queues`);
      expect(response?.status()).toBe(401);
      expect(await page.locator('h1').textContent()).toBe('需要登录 Sign-in needed');
    } finally {
      await context.close();
    }

    for (const client of [agent, supervisor]) {
      const res = await client.request('POST', '/api/admin/ops-session');
      expect(res.status).toBe(403);
      expect((res.body as { message: string }).message).toContain('Only admins may open the queue board');
    }
    // an admin's pass works...
    const adminClient = await AgentClient.signIn(platform.url, admin);
    try {
      const res = await fetch(`${platform.url}/api/admin/ops-session`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminClient.token}` },
      });
      expect(res.status).toBe(200);
      const setCookie = res.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/^hotline_ops=[^;]+; Path=\/admin; Max-Age=900; HttpOnly; SameSite=Strict/);
      const cookie = setCookie.split(';')[0]!;
      expect((await boardWithCookie(cookie)).status).toBe(200);
      // ...a sign-in token in its place does not
      expect((await boardWithCookie(`hotline_ops=${adminClient.token}`)).status).toBe(401);
    } finally {
      await adminClient.close();
    }
    const now = Math.floor(Date.now() / 1000);
    const expired = signPass(
      { ops: 'queues', sub: admin.agentId, iat: now - 1000, exp: now - 100 },
      config.http.jwtSecret,
    );
    expect((await boardWithCookie(`hotline_ops=${expired}`)).status).toBe(401);
    const forged = signPass(
      { ops: 'queues', sub: admin.agentId, iat: now, exp: now + 600 },
      'not-the-secret'.repeat(4),
    );
    const refused = await boardWithCookie(`hotline_ops=${forged}`);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('需要登录 Sign-in needed');
    // a pass of someone who is no admin (signed with the secret, as if given before a demotion)
    const member = signPass(
      { ops: 'queues', sub: (await createAgent({ seat: null })).agentId, iat: now, exp: now + 600 },
      config.http.jwtSecret,
    );
    const notAdmin = await boardWithCookie(`hotline_ops=${member}`);
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.text).toContain('Only admins may see the queue board.');
    // the board's API is behind the same check
    expect((await fetch(`${platform.url}/admin/queues/api/queues`)).status).toBe(401);
  });
});

describe('signing out', () => {
  it('ends every session of the person: their tokens, sockets and queue board pass are refused; a new sign-in works', async () => {
    const desk = await AgentClient.signIn(platform.url, admin);
    await desk.connect();
    const pass = await fetch(`${platform.url}/api/admin/ops-session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${desk.token}` },
    });
    const cookie = (pass.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect((await boardWithCookie(cookie)).status).toBe(200);
    const otherTab = await AgentClient.signIn(platform.url, admin);
    // a token carries its time in whole seconds, and one issued in the second of the sign-out is not refused
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const out = await otherTab.request('POST', '/api/auth/logout');
    expect(out.status).toBe(204);
    for (const client of [desk, otherTab]) {
      const me = await client.request('GET', '/api/me');
      expect(me.status).toBe(401);
      expect((me.body as { message: string }).message).toBe(
        'Please sign in again: you signed out of this session.',
      );
    }
    await eventually(() => !desk.socket().connected, 'the desk’s socket to be closed');
    await expect(
      new Promise((resolve, reject) => {
        const socket = io(platform.url, {
          auth: { token: desk.token },
          transports: ['websocket'],
          reconnection: false,
        });
        socket.once('connect', () => {
          socket.disconnect();
          resolve('connected');
        });
        socket.once('connect_error', (err) => reject(err));
      }),
    ).rejects.toThrow('unauthorized');
    expect((await boardWithCookie(cookie)).status).toBe(401);
    // signed out of the hotline too
    const board = (await supervisor.request('GET', '/api/supervisor/overview')).body as SupervisorOverview;
    expect(board.agents.find((a) => a.login === admin.login)?.state ?? 'offline').toBe('offline');

    const again = await AgentClient.signIn(platform.url, admin);
    expect((await again.request('GET', '/api/me')).status).toBe(200);
    await again.close();
  });
});

describe('the OpenAPI document', () => {
  it('lists the routes with their schemas and areas', async () => {
    const res = await fetch(`${platform.url}/api/docs/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      info: { title: string; version: string };
      paths: Record<string, Record<string, { tags?: string[]; requestBody?: unknown; responses: object }>>;
      components: { securitySchemes: Record<string, { scheme: string }> };
    };
    expect([doc.info.title, doc.info.version]).toEqual(['estate-hotline API', '0.1.0']);
    expect(doc.components.securitySchemes.bearer?.scheme).toBe('bearer');
    const campaigns = doc.paths['/api/campaigns'];
    expect(campaigns?.post?.tags).toEqual(['campaigns']);
    expect(campaigns?.post?.requestBody).toBeDefined();
    const tickets = doc.paths['/api/tickets'];
    expect(tickets?.post?.tags).toEqual(['tickets']);
    expect(Object.keys(tickets?.post?.responses ?? {})).toContain('201');
    expect(doc.paths['/api/admin/ops-session']?.post?.tags).toEqual(['admin']);
    expect(doc.paths['/api/me']?.get?.tags).toEqual(['calls']);
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/admin/queues'))).toBe(false);
    // every route the document lists has its area
    const untagged = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => !op.tags?.length)
        .map(([method]) => `${method} ${path}`),
    );
    expect(untagged).toEqual([]);
    // and the viewer
    const ui = await fetch(`${platform.url}/api/docs`, { redirect: 'follow' });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});

describe('/metrics', () => {
  it('needs the token, and its call figures move with a real call', async () => {
    const token = config.metrics.token!;
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('wrong')).status).toBe(401);
    const before = await scrape(token);
    expect(before.status).toBe(200);
    for (const series of [
      'hotline_process_cpu_seconds_total',
      'hotline_agents{',
      'hotline_bullmq_jobs{queue="hotline-ticket-clocks",state="waiting"}',
      'hotline_socketio_clients{',
      'hotline_http_request_duration_seconds_bucket{',
      'hotline_calls_in_progress{role="ivr"',
    ])
      expect(before.text).toContain(series);
    const taken = /^hotline_calls_total\{[^}]*direction="inbound"\}/;
    const live = /^hotline_calls_in_progress\{[^}]*direction="inbound"\}/;
    const takenBefore = valueOf(before.text, taken);

    const call = ownerCall({ caller: owner.phone, digit: '0', stayMs: 4_000 });
    await eventually(
      async () => valueOf((await scrape(token)).text, live) === 1,
      'the call to show in progress',
    );
    expect(valueOf((await scrape(token)).text, taken)).toBe(takenBefore + 1);
    expect((await call).code).toBe(0);
    await eventually(async () => valueOf((await scrape(token)).text, live) === 0, 'the call to end');
    // the agents signed in show by state; the request durations include the scrapes
    const after = (await scrape(token)).text;
    const agentSeries = after.split('\n').filter((l) => l.startsWith('hotline_agents{'));
    expect(agentSeries.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0)).toBeGreaterThanOrEqual(2);
    expect(
      valueOf(
        after,
        /^hotline_http_request_duration_seconds_count\{method="GET",route="\/metrics",status="200"\}/,
      ),
    ).toBeGreaterThan(1);
  });
});

// before the campaign's trunk: its dial worker is not part of this outage
describe('readiness', () => {
  it('says not ready, naming Redis, while Redis is stopped, and ready again after', async () => {
    const ready = await fetch(`${platform.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ready: true,
      database: true,
      redis: true,
      asterisk: true,
      problems: [],
    });
    stack('redis-stop');
    try {
      const down = await fetch(`${platform.url}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({
        ready: false,
        database: true,
        redis: false,
        asterisk: true,
        problems: ['Redis 不可用 / Redis does not answer'],
      });
    } finally {
      stack('redis-start');
    }
    await eventually(async () => (await fetch(`${platform.url}/readyz`)).status === 200, 'ready again');
  });
});

describe('a campaign on a new trunk', () => {
  it('adds the trunk’s dial queue to the board and the metrics, and counts its attempt by result', async () => {
    const token = config.metrics.token!;
    const busy = /^hotline_dial_attempts_total\{[^}]*result="busy"\}/;
    const busyBefore = valueOf((await scrape(token)).text, busy);
    const owner = await owingOwner();
    const phone = await startOwnerPhone('busy', { calls: 1 });
    const campaign = await runCampaign(phone, owner, { maxAttempts: 1 });
    await withCleanUp(
      async () => {
        await eventually(
          async () => (await attemptsOf(campaign.campaignId)).some((a) => a.status === 'ended'),
          'the attempt to end',
          30_000,
        );
        expect(valueOf((await scrape(token)).text, busy)).toBe(busyBefore + 1);
        // the list of queues is read again at most every 3 s
        const dialQueue = `hotline_bullmq_jobs{queue="hotline-dial-${campaign.trunkCode}",state="failed"} 0`;
        await eventually(async () => (await scrape(token)).text.includes(dialQueue), 'the dial queue');
      },
      () => phone.stop(),
      () => dropCampaign(campaign),
    );
  }, 60_000);
});

describe('a process without the API', () => {
  it('serves its own metrics on HOTLINE_METRICS_PORT, with the same token', async () => {
    const workers = await startTestRoles(['workers'], { HOTLINE_METRICS_PORT: '0' });
    try {
      expect(workers.url).toBeNull();
      const url = workers.metricsUrl!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect((await fetch(url)).status).toBe(401);
      const res = await fetch(url, { headers: { authorization: `Bearer ${config.metrics.token}` } });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('hotline_process_resident_memory_bytes');
      // the contact center's shared figures come from the API processes only
      expect(text).not.toContain('hotline_agents');
    } finally {
      await workers.close();
    }
  });
});
