// The ops pages of the API: the OpenAPI document and its viewer, the queue board for admins, /metrics for
// Prometheus. Health (/healthz) and readiness (/readyz) stay in server.ts beside the other routes.
//
// Who may see what:
// - /api/docs (Swagger UI) and /api/docs/openapi.json are public: the document is generated from the route
//   schemas in this repository and holds no data; every route it lists still checks its token (the viewer's
//   "Authorize" takes a sign-in token to try them).
// - /admin/queues (bull-board) is for admins only. A browser navigating there sends no Bearer header, so the
//   agent page asks POST /api/admin/ops-session with its token first; the answer sets a cookie valid 15 minutes
//   (HttpOnly, SameSite=Strict, Path=/admin) holding a pass signed with the JWT secret. Every request of the board
//   (its page, its API, its files) checks the pass and that its holder is still an active admin in the database.
// - /metrics needs the bearer token HOTLINE_METRICS_TOKEN (cti/metrics.ts).
import { readFileSync } from 'node:fs';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/index.ts';
import { getAgent, type Pool } from '../db/index.ts';
import { bearerMatches, METRICS_OFF, METRICS_UNAUTHORIZED } from './metrics.ts';
import type { SignOuts } from './sign-outs.ts';
import type { PlatformQueues } from './platform-queues.ts';
import type { Authenticate } from './route-kit.ts';

type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger>;

/** The queue board's pass: the admin it was given to (a cookie; no role in it, so it is never a sign-in). */
export interface OpsPass {
  ops: 'queues';
  sub: number;
  /** When it was given (seconds; the JWT's own claim). */
  iat?: number;
}

export const OPS_COOKIE = 'hotline_ops';
export const OPS_PASS_TTL_S = 15 * 60;
export const QUEUE_BOARD_PATH = '/admin/queues';
const ADMINS_ONLY = '只有管理员可以查看队列看板 / Only admins may open the queue board.';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
  description: string;
};

/** The area of a route, for the document's tags. */
function areaOf(url: string): string | null {
  if (/^\/api\/(campaigns|trunks|do-not-call|revisit|outbound|notice-recordings)/.test(url))
    return 'campaigns';
  if (/^\/api\/(tickets|ticket-limits|estates|departments|severity)/.test(url)) return 'tickets';
  if (/^\/api\/(admin|calendar|organisations|queues)/.test(url)) return 'admin';
  if (/^\/api\/(calls|agents|supervisor|me|auth|knowledge)/.test(url)) return 'calls';
  if (/^\/api\/qa/.test(url)) return 'quality';
  if (/^\/api\/reports/.test(url)) return 'reports';
  if (/^\/(healthz|readyz|metrics)$/.test(url)) return 'ops';
  return null;
}

/**
 * The OpenAPI document, generated from the routes' schemas: registered before any route (it collects them as
 * they are added), each route tagged with its area unless it has tags of its own.
 */
export async function registerApiDocs(app: App): Promise<void> {
  app.addHook('onRoute', (route) => {
    const area = typeof route.url === 'string' ? areaOf(route.url) : null;
    if (!area || route.schema?.hide) return;
    // health, readiness and sign-in need no sign-in token; /metrics says its own
    const open = /^\/(healthz|readyz|api\/auth\/login)$/.test(route.url);
    route.schema = {
      ...route.schema,
      tags: route.schema?.tags ?? [area],
      ...(open && !route.schema?.security ? { security: [] } : {}),
    };
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'estate-hotline API', version: pkg.version, description: pkg.description },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'The token from POST /api/auth/login',
          },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'HOTLINE_METRICS_TOKEN' },
        },
      },
      security: [{ bearer: [] }],
      tags: [
        { name: 'calls', description: '来电与坐席 Calls, agents, team overview' },
        { name: 'tickets', description: '工单 Tickets' },
        { name: 'campaigns', description: '外呼 Outbound campaigns, trunks, revisits' },
        { name: 'admin', description: '管理 Administration' },
        { name: 'quality', description: '质检 Quality assurance' },
        { name: 'reports', description: '报表 Figures the managers watch' },
        { name: 'ops', description: '运维 Health, readiness, metrics' },
      ],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/docs/openapi.json', { schema: { hide: true } }, () => app.swagger());
}

function readCookie(req: FastifyRequest, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function page(reply: FastifyReply, status: 401 | 403, title: string, text: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(
      `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${title}</title></head>` +
        `<body><h1>${title}</h1><p>${text}</p></body></html>`,
    );
}

const SIGN_IN_PAGE = [
  '需要登录 Sign-in needed',
  '请以管理员身份登录坐席工作台，点击页头的“队列看板 Queue board”打开本页；链接打开后 15 分钟内有效。<br>' +
    'Sign in to the agent desk as an admin and open this page with “队列看板 Queue board” in its header; ' +
    'it stays open for 15 minutes.',
] as const;
const ADMINS_ONLY_PAGE = [
  '无权访问 Not allowed',
  '只有管理员可以查看队列看板。<br>Only admins may see the queue board.',
] as const;

/** The queue board at /admin/queues, with POST /api/admin/ops-session that lets an admin's browser in. */
export async function registerQueueBoard(
  app: App,
  deps: {
    db: Pool;
    queues: PlatformQueues;
    authenticate: Authenticate;
    errorBody: object;
    /** A pass given before its holder signed out is refused, like their session. */
    signOuts: SignOuts;
  },
): Promise<void> {
  const { db, queues, authenticate, errorBody, signOuts } = deps;
  const adapter = new FastifyAdapter().setBasePath(QUEUE_BOARD_PATH);
  const board = createBullBoard({
    queues: [],
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: '队列看板 Queue board' } },
  });
  const show = (list: ReturnType<PlatformQueues['list']>) =>
    board.replaceQueues(list.map((q) => new BullMQAdapter(q)));
  queues.onChange(show);
  show(await queues.refresh(true));

  app.post(
    '/api/admin/ops-session',
    {
      onRequest: authenticate(['admin'], ADMINS_ONLY),
      schema: {
        summary: 'A 15-minute pass for the queue board (sets an HttpOnly cookie for /admin)',
        tags: ['admin'],
        response: {
          200: {
            type: 'object',
            properties: { url: { type: 'string' }, expiresAt: { type: 'string' } },
            required: ['url', 'expiresAt'],
          },
          401: errorBody,
          403: errorBody,
        },
      },
    },
    (req, reply) => {
      const pass: OpsPass = { ops: 'queues', sub: req.user.sub };
      const token = app.jwt.sign(pass, { expiresIn: OPS_PASS_TTL_S });
      const secure = req.protocol === 'https' ? '; Secure' : '';
      void reply.header(
        'set-cookie',
        `${OPS_COOKIE}=${token}; Path=/admin; Max-Age=${OPS_PASS_TTL_S}; HttpOnly; SameSite=Strict${secure}`,
      );
      return {
        url: QUEUE_BOARD_PATH,
        expiresAt: new Date(Date.now() + OPS_PASS_TTL_S * 1000).toISOString(),
      };
    },
  );

  await app.register(async (scope) => {
    // the pass is checked before bull-board's own routes (whose error handler would answer in its words)
    scope.addHook('onRequest', async (req, reply) => {
      const raw = readCookie(req, OPS_COOKIE);
      let pass: OpsPass | null = null;
      try {
        const claims = raw ? app.jwt.verify<Partial<OpsPass>>(raw) : null;
        if (claims?.ops === 'queues' && typeof claims.sub === 'number') pass = claims as OpsPass;
      } catch {
        pass = null; // expired, or not signed by us
      }
      if (!pass || (await signOuts.signedOut(pass.sub, pass.iat))) return page(reply, 401, ...SIGN_IN_PAGE);
      const holder = await getAgent(db, pass.sub);
      if (!holder?.active || holder.role !== 'admin') return page(reply, 403, ...ADMINS_ONLY_PAGE);
      // the board's page: a trunk added a moment ago shows
      if (req.method === 'GET' && !req.url.includes('/static/')) await queues.refresh();
    });
    await scope.register(adapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });
}

/** GET /metrics: the process's registry, for Prometheus with the bearer token; off without a token. */
export function registerMetricsRoute(
  app: App,
  deps: { registry: Registry; token: string | null; errorBody: object },
): void {
  const { registry, token } = deps;
  app.get(
    '/metrics',
    {
      schema: {
        summary:
          'Prometheus metrics of this process (hotline_*), with the bearer token HOTLINE_METRICS_TOKEN',
        security: [{ metricsToken: [] }],
        response: { 401: deps.errorBody, 503: deps.errorBody },
      },
    },
    async (req, reply) => {
      if (!token) return reply.code(503).send({ error: 'Unavailable', message: METRICS_OFF });
      if (!bearerMatches(req.headers.authorization, token))
        return reply.code(401).send({ error: 'Unauthorized', message: METRICS_UNAUTHORIZED });
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
}
