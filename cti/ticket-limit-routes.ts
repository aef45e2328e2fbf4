// Ticket time limits over HTTP (issue 5, DOMAIN.md "Time limits", configurable): admins read and set an
// organisation's and an estate's overrides of the defaults (core/tickets/clocks.ts DEFAULT_CLOCK_LIMITS). A ticket
// runs on the defaults, then its responsible organisation's overrides, then its estate's. Setting them makes the
// open tickets concerned stale in the database (migration 013), and the clock worker reschedules them.
//
// A PUT replaces every override of the organisation or estate: `{}` puts the defaults back. Each limit is
// `{ amount, unit }`, a positive amount of minutes, hours or working-days (fractions allowed: 0.5 hours).
import type {
  FastifyInstance,
  FastifyRequest,
  FastifySchemaValidationError,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import {
  BadRequest,
  clockLimits,
  DEFAULT_CLOCK_LIMITS,
  NotFound,
  type ClockLimit,
  type ClockLimits,
  type Logger,
  type Role,
} from '../core/index.ts';
import {
  estateLimits,
  mergeLimits,
  organisationLimits,
  setEstateLimits,
  setOrganisationLimits,
  type LimitOverrides,
  type Pool,
} from '../db/index.ts';

type Authenticate = (roles: Role[], forbidden?: string) => (req: FastifyRequest) => Promise<void>;

/** The limits by their names in the API, as admins read them. */
export const LIMIT_LABELS: Record<keyof ClockLimits, { zh: string; en: string }> = {
  dispatch: { zh: '派单', en: 'dispatch' },
  plan: { zh: '回复处理方案', en: 'reply with a plan' },
  reply: { zh: '答复处理结果', en: 'reply with the outcome' },
  onSiteUrgent: { zh: '紧急维修到场', en: 'on site, urgent repair' },
  onSite: { zh: '维修到场', en: 'on site' },
  fixUrgent: { zh: '紧急维修修复', en: 'fixed, urgent repair' },
  fix: { zh: '维修修复', en: 'fixed' },
  revisit: { zh: '回访', en: 'revisit' },
};
const LIMIT_NAMES = Object.keys(DEFAULT_CLOCK_LIMITS) as (keyof ClockLimits)[];

const ADMINS_ONLY = '只有管理员可以设置工单时限 / Only admins may set the ticket time limits.';

/**
 * The overrides an admin sent, checked limit by limit (core/tickets/clocks.ts clockLimits), as they are stored.
 * A bad one is a BadRequest naming it, in Chinese and English.
 */
export function checkLimitOverrides(body: Record<string, unknown>): LimitOverrides {
  const checked: LimitOverrides = {};
  for (const [name, limit] of Object.entries(body)) {
    try {
      clockLimits({ [name]: limit });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      const zh = Object.hasOwn(LIMIT_LABELS, name)
        ? `时限「${LIMIT_LABELS[name as keyof ClockLimits].zh}」(${name})须为正数,单位为 minutes(分钟)、` +
          'hours(小时)或 working-days(工作日)'
        : `没有名为「${name}」的时限,可设置的有:${LIMIT_NAMES.join('、')}`;
      throw new BadRequest(`${zh} / ${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}.`);
    }
    const { amount, unit } = limit as ClockLimit;
    checked[name as keyof ClockLimits] = { amount, unit };
  }
  return checked;
}

const errorBody = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
} as const;
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody } as const;

const limitBody = {
  type: 'object',
  properties: { amount: { type: 'number' }, unit: { type: 'string' } },
  required: ['amount', 'unit'],
} as const;
const overridesBody = {
  type: 'object',
  properties: Object.fromEntries(LIMIT_NAMES.map((name) => [name, limitBody])),
  additionalProperties: false,
} as const;
const fullLimitsBody = { ...overridesBody, required: LIMIT_NAMES } as const;

const organisationBody = {
  type: 'object',
  properties: {
    organisation: {
      type: 'object',
      properties: {
        id: { type: 'integer' },
        code: { type: 'string' },
        name: { type: 'string' },
        kind: { type: 'string' },
      },
      required: ['id', 'code', 'name', 'kind'],
    },
    /** Its overrides of the defaults. */
    limits: overridesBody,
    /** The defaults with its overrides (an estate's may still override them). */
    effective: fullLimitsBody,
  },
  required: ['organisation', 'limits', 'effective'],
} as const;

const estateBody = {
  type: 'object',
  properties: {
    estate: {
      type: 'object',
      properties: { id: { type: 'integer' }, code: { type: 'string' }, name: { type: 'string' } },
      required: ['id', 'code', 'name'],
    },
    limits: overridesBody,
    /** The limits of the estate's cases: while they are its developer's, and once they are its property company's. */
    effective: {
      type: 'object',
      properties: { developer: fullLimitsBody, propertyCompany: fullLimitsBody },
      required: ['developer', 'propertyCompany'],
    },
  },
  required: ['estate', 'limits', 'effective'],
} as const;

/** The body: any object; its limits are checked one by one, so the message names the one that is wrong. */
const limitsInput = { type: 'object', additionalProperties: true, maxProperties: 20 } as const;

const codeParams = {
  type: 'object',
  properties: { code: { type: 'string', pattern: '^[a-z0-9-]{2,32}$' } },
  required: ['code'],
} as const;
const idParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 } },
  required: ['id'],
} as const;

function limitsSchemaError(errors: FastifySchemaValidationError[]): Error {
  const error = errors[0];
  const where = error?.instancePath ?? '';
  if (where.startsWith('/code')) {
    return new BadRequest(
      '机构代码应为 2-32 位小写字母、数字或连字符 / An organisation code is 2 to 32 lowercase letters, digits or hyphens.',
    );
  }
  if (where.startsWith('/id'))
    return new BadRequest('项目编号应为正整数 / An estate id is a whole number from 1.');
  return new BadRequest(
    '请求内容应是时限对象,例如 {"dispatch":{"amount":12,"unit":"hours"}} / The request body must be an object ' +
      'of limits, e.g. {"dispatch":{"amount":12,"unit":"hours"}}.',
  );
}

export function registerTicketLimitRoutes(
  app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger>,
  deps: { db: Pool; authenticate: Authenticate },
): void {
  const { db, authenticate } = deps;

  async function organisationView(code: string) {
    const found = await organisationLimits(db, code);
    if (!found)
      throw new NotFound(`没有代码为 ${code} 的机构 / There is no organisation with the code ${code}.`);
    return { ...found, effective: mergeLimits(found.limits, null).limits };
  }

  async function estateView(id: number) {
    const found = await estateLimits(db, id);
    if (!found) throw new NotFound(`项目 ${id} 不存在 / There is no estate ${id}.`);
    return {
      estate: found.estate,
      limits: found.limits,
      effective: {
        developer: mergeLimits(found.developer, found.limits).limits,
        propertyCompany: mergeLimits(found.propertyCompany, found.limits).limits,
      },
    };
  }

  app.get<{ Params: { code: string } }>(
    '/api/admin/organisations/:code/ticket-limits',
    {
      onRequest: authenticate(['admin'], ADMINS_ONLY),
      schemaErrorFormatter: limitsSchemaError,
      schema: { params: codeParams, response: { 200: organisationBody, ...errors } },
    },
    (req) => organisationView(req.params.code),
  );

  app.put<{ Params: { code: string }; Body: Record<string, unknown> }>(
    '/api/admin/organisations/:code/ticket-limits',
    {
      onRequest: authenticate(['admin'], ADMINS_ONLY),
      schemaErrorFormatter: limitsSchemaError,
      schema: { params: codeParams, body: limitsInput, response: { 200: organisationBody, ...errors } },
    },
    async (req) => {
      const limits = checkLimitOverrides(req.body);
      if (!(await setOrganisationLimits(db, req.params.code, limits))) {
        throw new NotFound(
          `没有代码为 ${req.params.code} 的机构 / There is no organisation with the code ${req.params.code}.`,
        );
      }
      req.log.info({ organisation: req.params.code, limits, by: req.user.sub }, 'ticket limits set');
      return organisationView(req.params.code);
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/admin/estates/:id/ticket-limits',
    {
      onRequest: authenticate(['admin'], ADMINS_ONLY),
      schemaErrorFormatter: limitsSchemaError,
      schema: { params: idParams, response: { 200: estateBody, ...errors } },
    },
    (req) => estateView(req.params.id),
  );

  app.put<{ Params: { id: number }; Body: Record<string, unknown> }>(
    '/api/admin/estates/:id/ticket-limits',
    {
      onRequest: authenticate(['admin'], ADMINS_ONLY),
      schemaErrorFormatter: limitsSchemaError,
      schema: { params: idParams, body: limitsInput, response: { 200: estateBody, ...errors } },
    },
    async (req) => {
      const limits = checkLimitOverrides(req.body);
      if (!(await setEstateLimits(db, req.params.id, limits))) {
        throw new NotFound(`项目 ${req.params.id} 不存在 / There is no estate ${req.params.id}.`);
      }
      req.log.info({ estate: req.params.id, limits, by: req.user.sub }, 'ticket limits set');
      return estateView(req.params.id);
    },
  );
}
