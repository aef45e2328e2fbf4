// The work calendar over HTTP (issue 5): supervisors see a year's holidays and make-up working days and whether
// its schedule is known; admins enter and correct days and mark a year covered. Every edit is announced on Redis
// (WORK_CALENDAR_CHANNEL) so every process reloads its calendar (main.ts).
//
// Rules (checked here, in words for the admin):
// - a date is 'YYYY-MM-DD' and on the calendar (2027-02-30 is not), between 2000 and 2099;
// - a holiday may be any day (the announced break includes its weekend days);
// - a make-up working day only a Saturday or Sunday (Monday to Friday are working days anyway);
// - a name is 1-32 characters (元旦; a make-up working day takes the holiday it makes up for);
// - removing a day that is not a holiday or make-up working day is 404; removing one the package lists keeps
//   it removed (the seed does not bring it back);
// - a year is marked covered only once it has holidays entered (元旦 at least); it can always be marked not covered.
import type {
  FastifyInstance,
  FastifySchemaValidationError,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Redis } from 'ioredis';
import {
  BadRequest,
  CALENDAR_DAY_KINDS,
  CALENDAR_YEARS,
  calendarDayProblem,
  calendarNotCoveredMessage,
  DEFAULT_TIME_ZONE,
  localTime,
  NotFound,
  upcomingUncoveredYears,
  WORK_CALENDAR_CHANNEL,
  type CalendarDayKind,
  type Logger,
} from '../core/index.ts';
import {
  calendarYear,
  clearCalendarDay,
  coveredCalendarYears,
  holidaysInYear,
  setCalendarDay,
  setCalendarYearCovered,
  type Pool,
} from '../db/index.ts';
import type { Authenticate } from './route-kit.ts';

const DATE_FORMAT =
  '日期应写成 YYYY-MM-DD,例如 2027-01-01 / The date must be written YYYY-MM-DD, e.g. 2027-01-01.';
const YEAR_RANGE = `年份应是 ${CALENDAR_YEARS.first} 到 ${CALENDAR_YEARS.last} 之间的整数,例如 2027 / The year must be a whole number from ${CALENDAR_YEARS.first} to ${CALENDAR_YEARS.last}, e.g. 2027.`;
const KIND =
  'kind 应是 holiday(节假日)或 make-up-workday(调休上班日) / kind must be holiday or make-up-workday.';
const NAME =
  '请给这一天填写 1 到 32 个字的名称,例如 元旦 / Give the day a name of 1 to 32 characters, e.g. 元旦.';
const COVERED = 'covered 应是 true 或 false / covered must be true or false.';
const MESSAGES: Record<string, string> = {
  date: DATE_FORMAT,
  year: YEAR_RANGE,
  kind: KIND,
  name: NAME,
  covered: COVERED,
};

/** Schema errors of the calendar routes, in words for the admin (the first one is enough). */
function calendarSchemaError(errors: FastifySchemaValidationError[]): Error {
  const error = errors[0];
  const field =
    error?.keyword === 'required'
      ? String(error.params.missingProperty)
      : (error?.instancePath.split('/')[1] ?? '');
  if (Object.hasOwn(MESSAGES, field)) return new BadRequest(MESSAGES[field]!);
  if (error?.keyword === 'type' && error.instancePath === '') {
    return new BadRequest('请求内容应是 JSON 对象 / The request body must be a JSON object.');
  }
  return new BadRequest(`请求无效 / The request is not valid: ${error?.message ?? 'unknown problem'}.`);
}

const changeProperties = {
  source: { type: 'string', enum: ['package', 'admin'] },
  packageVersion: { type: ['string', 'null'] },
  changedBy: {
    type: ['object', 'null'],
    properties: { id: { type: 'integer' }, name: { type: 'string' } },
    required: ['id', 'name'],
  },
  changedAt: { type: 'string' },
} as const;

const dayBody = {
  type: 'object',
  properties: {
    date: { type: 'string' },
    kind: { type: 'string', enum: [...CALENDAR_DAY_KINDS] },
    name: { type: 'string' },
    /** ISO weekday, Monday 1 ... Sunday 7 */
    weekday: { type: 'integer' },
    ...changeProperties,
  },
  required: ['date', 'kind', 'name', 'weekday', 'source', 'changedAt'],
} as const;

const warningBody = {
  type: 'object',
  properties: { year: { type: 'integer' }, message: { type: 'string' } },
  required: ['year', 'message'],
} as const;

const yearBody = {
  type: 'object',
  properties: {
    year: { type: 'integer' },
    covered: { type: 'boolean' },
    /** The supervisors' warning when the year is not covered. */
    message: { type: ['string', 'null'] },
    coverage: { type: ['object', 'null'], properties: changeProperties },
    days: { type: 'array', items: dayBody },
    cleared: {
      type: 'array',
      items: {
        type: 'object',
        properties: { date: { type: 'string' }, weekday: { type: 'integer' }, ...changeProperties },
      },
    },
    /** The upcoming years (this one; from 1 November the next) whose schedule has not been entered. */
    warnings: { type: 'array', items: warningBody },
  },
  required: ['year', 'covered', 'message', 'days', 'cleared', 'warnings'],
} as const;

const errorBody = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
} as const;
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody } as const;

const yearParam = { type: 'integer', minimum: CALENDAR_YEARS.first, maximum: CALENDAR_YEARS.last } as const;
const dateParams = {
  type: 'object',
  properties: { date: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } },
  required: ['date'],
} as const;

const SUPERVISORS_ONLY =
  '只有组长和管理员可以查看工作日历 / Only team leaders and admins may see the work calendar.';
const ADMINS_ONLY = '只有管理员可以修改工作日历 / Only admins may change the work calendar.';

export function registerCalendarRoutes(
  app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger>,
  deps: { db: Pool; redis: Redis; log: Logger; authenticate: Authenticate },
): void {
  const { db, redis, authenticate } = deps;

  /** Tells every process to reload the calendar. The edit is saved either way; a lost message is caught up by
   *  the processes' periodic reload (main.ts). */
  async function announce(by: number): Promise<void> {
    await redis
      .publish(WORK_CALENDAR_CHANNEL, JSON.stringify({ at: new Date().toISOString(), by }))
      .catch((err: unknown) => deps.log.warn({ err }, 'could not announce a work calendar change'));
  }

  async function yearView(year: number) {
    const [view, covered] = await Promise.all([calendarYear(db, year), coveredCalendarYears(db)]);
    const today = localTime(new Date(), DEFAULT_TIME_ZONE).date;
    return {
      ...view,
      message: view.covered ? null : calendarNotCoveredMessage(year),
      warnings: upcomingUncoveredYears((y) => covered.has(y), today).map((y) => ({
        year: y,
        message: calendarNotCoveredMessage(y),
      })),
    };
  }

  app.get<{ Querystring: { year?: number } }>(
    '/api/calendar',
    {
      onRequest: authenticate(['supervisor', 'admin'], SUPERVISORS_ONLY),
      schemaErrorFormatter: calendarSchemaError,
      schema: {
        querystring: { type: 'object', properties: { year: yearParam } },
        response: { 200: yearBody, ...errors },
      },
    },
    (req) => yearView(req.query.year ?? Number(localTime(new Date(), DEFAULT_TIME_ZONE).date.slice(0, 4))),
  );

  app.put<{ Params: { date: string }; Body: { kind: CalendarDayKind; name: string } }>(
    '/api/admin/calendar/days/:date',
    {
      onRequest: authenticate(['admin'], ADMINS_ONLY),
      schemaErrorFormatter: calendarSchemaError,
      schema: {
        params: dateParams,
        body: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: [...CALENDAR_DAY_KINDS] },
            name: { type: 'string', minLength: 1, maxLength: 32 },
          },
          required: ['kind', 'name'],
          additionalProperties: false,
        },
        response: { 200: dayBody, ...errors },
      },
    },
    async (req) => {
      const { date } = req.params;
      const name = req.body.name.trim();
      const problem = calendarDayProblem(date, req.body.kind);
      if (problem) throw new BadRequest(problem);
      if (!name) throw new BadRequest(NAME);
      await setCalendarDay(db, { date, kind: req.body.kind, name, by: req.user.sub });
      req.log.info({ date, kind: req.body.kind, name, by: req.user.sub }, 'work calendar day set');
      await announce(req.user.sub);
      const view = await calendarYear(db, Number(date.slice(0, 4)));
      return view.days.find((d) => d.date === date);
    },
  );

  app.delete<{ Params: { date: string } }>(
    '/api/admin/calendar/days/:date',
    {
      onRequest: authenticate(['admin'], ADMINS_ONLY),
      schemaErrorFormatter: calendarSchemaError,
      schema: { params: dateParams, response: { 204: { type: 'null' }, ...errors } },
    },
    async (req, reply) => {
      const { date } = req.params;
      const problem = calendarDayProblem(date, 'holiday');
      if (problem) throw new BadRequest(problem);
      if (!(await clearCalendarDay(db, date, req.user.sub))) {
        throw new NotFound(
          `${date} 不是节假日或调休上班日 / ${date} is not a holiday or a make-up working day in the calendar.`,
        );
      }
      req.log.info({ date, by: req.user.sub }, 'work calendar day cleared');
      await announce(req.user.sub);
      return reply.code(204).send();
    },
  );

  app.put<{ Params: { year: number }; Body: { covered: boolean } }>(
    '/api/admin/calendar/years/:year',
    {
      onRequest: authenticate(['admin'], ADMINS_ONLY),
      schemaErrorFormatter: calendarSchemaError,
      schema: {
        params: { type: 'object', properties: { year: yearParam }, required: ['year'] },
        body: {
          type: 'object',
          properties: { covered: { type: 'boolean' } },
          required: ['covered'],
          additionalProperties: false,
        },
        response: { 200: yearBody, ...errors },
      },
    },
    async (req) => {
      const { year } = req.params;
      if (req.body.covered && (await holidaysInYear(db, year)) === 0) {
        throw new BadRequest(
          `${year} 年还没有录入任何节假日:请先录入,再标记为已录入 / No holidays are entered for ${year} yet: ` +
            'enter them first, then mark the year covered.',
        );
      }
      await setCalendarYearCovered(db, year, req.body.covered, req.user.sub);
      req.log.info({ year, covered: req.body.covered, by: req.user.sub }, 'work calendar year coverage set');
      await announce(req.user.sub);
      return yearView(year);
    },
  );
}
