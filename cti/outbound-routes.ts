// What outbound calling needs besides campaigns (issue 6): the trunks (admins), the do-not-call list (agents add a
// number when the owner asks, admins add and remove), revisit tasks (a person calls an owner the dialer did not
// reach, and records the revisit as the dialer would: db/revisits.ts recordRevisit, automated = false), and a
// ticket's revisit record with its spoken comments.
import { existsSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import {
  BadRequest,
  Conflict,
  NotFound,
  Unauthorized,
  maskPhone,
  normalizePhone,
  type Logger,
  type Role,
} from '../core/index.ts';
import { fieldError } from './campaign-routes.ts';
import type { Notifier } from './notifier.ts';
import {
  addDoNotCall,
  addTicketNote,
  addTrunk,
  canSeeTicket,
  finishRevisitTask,
  listDoNotCall,
  listTrunks,
  openRevisitTask,
  openRevisitTasks,
  ownerOfPhone,
  recordRevisit,
  reopenedNotice,
  ticketLeaderRooms,
  removeDoNotCall,
  removeTrunk,
  revisitComment,
  staffMember,
  ticketActorOf,
  ticketRevisits,
  updateTrunk,
  type Trunk,
} from '../db/index.ts';
import type { Authenticate } from './route-kit.ts';

const ADMINS_ONLY = '只有系统管理员可以维护线路 / Only an admin may change the trunks.';
const CODE = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$' } as const;
const PHONE_TEXT = { type: 'string', minLength: 3, maxLength: 30 } as const;
const ok = { type: 'object', properties: { ok: { type: 'boolean' } } } as const;
const TICKET_ROLES: Role[] = ['agent', 'department', 'supervisor', 'admin'];
const COMMENT_LINK_TTL = '10m';

const trunkProps = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  dial: { type: 'string', minLength: 9, maxLength: 300, pattern: '\\{number\\}' },
  callerId: { type: 'string', pattern: '^[0-9]{3,20}$' },
  maxChannels: { type: 'integer', minimum: 1, maximum: 2000 },
  callsPerSecond: { type: 'integer', minimum: 1, maximum: 500 },
  active: { type: 'boolean' },
} as const;
const trunkBody = { type: 'object', properties: { code: { type: 'string' }, ...trunkProps } } as const;

const TRUNK_FIELDS: Record<string, string> = {
  code: '编号 code (a-z 0-9 -)',
  name: '名称 name',
  dial: '拨号串 dial (含 {number} / with {number})',
  callerId: '主叫号码 callerId (数字 / digits)',
  maxChannels: '最大并发 maxChannels (1-2000)',
  callsPerSecond: '每秒呼叫 callsPerSecond (1-500)',
};

export function registerOutboundRoutes(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>,
  deps: {
    db: pg.Pool;
    authenticate: Authenticate;
    errorBody: object;
    recordingDir: string;
    notifier: Pick<Notifier, 'ticketReopened'>;
  },
): void {
  const { db, authenticate, errorBody, notifier } = deps;
  const admin = authenticate(['admin'], ADMINS_ONLY);
  const refusals = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };
  const noTrunk = (code: string) =>
    new NotFound(`没有编号为「${code}」的线路 / There is no trunk "${code}".`);

  async function staffOf(req: FastifyRequest) {
    const staff = await staffMember(db, req.user.sub);
    if (!staff) throw new Unauthorized('Please sign in again: your account is no longer active.');
    return staff;
  }

  // ---- trunks ----
  app.get(
    '/api/trunks',
    {
      onRequest: authenticate(['supervisor', 'admin']),
      schema: {
        response: {
          200: { type: 'object', properties: { trunks: { type: 'array', items: trunkBody } } },
          ...refusals,
        },
      },
    },
    async () => ({ trunks: await listTrunks(db) }),
  );

  app.post<{ Body: Trunk }>(
    '/api/admin/trunks',
    {
      onRequest: admin,
      schemaErrorFormatter: fieldError(TRUNK_FIELDS),
      schema: {
        body: {
          type: 'object',
          properties: { code: CODE, ...trunkProps },
          required: ['code', 'name', 'dial', 'callerId', 'maxChannels', 'callsPerSecond'],
          additionalProperties: false,
        },
        response: { 201: ok, ...refusals },
      },
    },
    async (req, reply) => {
      if (!(await addTrunk(db, { ...req.body, name: req.body.name.trim(), active: req.body.active ?? true })))
        throw new Conflict(
          `线路编号「${req.body.code}」已被使用 / The trunk code "${req.body.code}" is already taken.`,
        );
      req.log.info({ trunk: req.body.code, by: req.user.sub }, 'trunk added');
      return reply.code(201).send({ ok: true });
    },
  );

  app.patch<{ Params: { code: string }; Body: Partial<Omit<Trunk, 'code'>> }>(
    '/api/admin/trunks/:code',
    {
      onRequest: admin,
      schemaErrorFormatter: fieldError(TRUNK_FIELDS),
      schema: {
        params: { type: 'object', properties: { code: CODE }, required: ['code'] },
        body: { type: 'object', properties: trunkProps, additionalProperties: false, minProperties: 1 },
        response: { 200: ok, ...refusals },
      },
    },
    async (req) => {
      if (!(await updateTrunk(db, req.params.code, req.body))) throw noTrunk(req.params.code);
      req.log.info(
        { trunk: req.params.code, by: req.user.sub, change: Object.keys(req.body) },
        'trunk changed',
      );
      return { ok: true };
    },
  );

  app.delete<{ Params: { code: string } }>(
    '/api/admin/trunks/:code',
    {
      onRequest: admin,
      schema: {
        params: { type: 'object', properties: { code: CODE }, required: ['code'] },
        response: { 200: ok, ...refusals },
      },
    },
    async (req) => {
      const result = await removeTrunk(db, req.params.code);
      if (result === 'missing') throw noTrunk(req.params.code);
      if (result === 'in-use')
        throw new Conflict(
          `线路「${req.params.code}」已被外呼活动使用,不能删除,请改为停用 / The trunk "${req.params.code}" is used by campaigns: deactivate it instead of removing it.`,
        );
      return { ok: true };
    },
  );

  // ---- do-not-call ----
  const entryBody = {
    type: 'object',
    properties: {
      phone: { type: 'string' },
      ownerId: { type: ['integer', 'null'] },
      ownerName: { type: ['string', 'null'] },
      source: { type: 'string' },
      addedBy: { type: ['string', 'null'] },
      addedAt: { type: 'string' },
    },
  } as const;

  app.get<{ Querystring: { offset?: number; limit?: number } }>(
    '/api/do-not-call',
    {
      onRequest: authenticate(['agent', 'supervisor', 'admin']),
      schema: {
        querystring: {
          type: 'object',
          properties: {
            offset: { type: 'integer', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 500 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { entries: { type: 'array', items: entryBody }, total: { type: 'integer' } },
          },
          ...refusals,
        },
      },
    },
    async (req) => {
      const page = await listDoNotCall(db, { offset: req.query.offset ?? 0, limit: req.query.limit ?? 100 });
      // only admins, who remove numbers, see them whole
      const full = req.user.role === 'admin';
      return {
        ...page,
        entries: page.entries.map((e) => ({ ...e, phone: full ? e.phone : maskPhone(e.phone) })),
      };
    },
  );

  app.post<{ Body: { phone: string } }>(
    '/api/do-not-call',
    {
      onRequest: authenticate(['agent', 'supervisor', 'admin']),
      schemaErrorFormatter: fieldError({ phone: '电话号码 phone' }),
      schema: {
        body: {
          type: 'object',
          properties: { phone: PHONE_TEXT },
          required: ['phone'],
          additionalProperties: false,
        },
        response: { 201: ok, ...refusals },
      },
    },
    async (req, reply) => {
      const phone = normalizePhone(req.body.phone);
      if (!phone)
        throw new BadRequest('这不是一个可拨打的电话号码 / That is not a phone number that can be called.');
      const added = await addDoNotCall(db, {
        phone,
        ownerId: await ownerOfPhone(db, phone),
        source: req.user.role === 'admin' ? 'admin' : 'agent',
        addedBy: req.user.sub,
      });
      if (!added)
        throw new Conflict(
          `号码 ${maskPhone(phone)} 已在免打扰名单上 / ${maskPhone(phone)} is already on the do-not-call list.`,
        );
      req.log.info({ phone, by: req.user.sub }, 'number put on the do-not-call list');
      return reply.code(201).send({ ok: true });
    },
  );

  app.delete<{ Params: { phone: string } }>(
    '/api/do-not-call/:phone',
    {
      onRequest: authenticate(
        ['admin'],
        '只有系统管理员可以移出免打扰名单 / Only an admin may take a number off the do-not-call list.',
      ),
      schema: {
        params: { type: 'object', properties: { phone: PHONE_TEXT }, required: ['phone'] },
        response: { 200: ok, ...refusals },
      },
    },
    async (req) => {
      const phone = normalizePhone(req.params.phone);
      if (!phone || !(await removeDoNotCall(db, phone)))
        throw new NotFound('这个号码不在免打扰名单上 / That number is not on the do-not-call list.');
      req.log.info({ phone, by: req.user.sub }, 'number taken off the do-not-call list');
      return { ok: true };
    },
  );

  // ---- revisit tasks ----
  app.get(
    '/api/revisit-tasks',
    {
      onRequest: authenticate(['agent', 'supervisor', 'admin']),
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              tasks: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    ticketId: { type: 'integer' },
                    ticketNumber: { type: 'string' },
                    ticketType: { type: 'string' },
                    reason: { type: 'string' },
                    createdAt: { type: 'string' },
                    ownerName: { type: ['string', 'null'] },
                    phone: { type: ['string', 'null'] },
                    estate: { type: ['string', 'null'] },
                    roomCode: { type: ['string', 'null'] },
                    scaleMax: { type: 'integer' },
                  },
                },
              },
            },
          },
          ...refusals,
        },
      },
    },
    // the agent calls the owner: the number is shown whole to whoever may do the task
    async (req) => ({ tasks: await openRevisitTasks(db, await staffOf(req)) }),
  );

  app.post<{ Params: { id: number }; Body: { score: number; note?: string } }>(
    '/api/revisit-tasks/:id/revisit',
    {
      onRequest: authenticate(['agent', 'supervisor', 'admin']),
      schemaErrorFormatter: fieldError({ score: '满意度评分 score', note: '备注 note (≤ 2000)' }),
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
        body: {
          type: 'object',
          properties: {
            score: { type: 'integer', minimum: 1, maximum: 9 },
            note: { type: 'string', maxLength: 2000 },
          },
          required: ['score'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              revisitId: { type: 'integer' },
              ticketStatus: { type: ['string', 'null'] },
              satisfied: { type: 'boolean' },
              reopened: { type: 'boolean' },
              refusal: { type: ['string', 'null'] },
            },
          },
          ...refusals,
        },
      },
    },
    async (req) => {
      const staff = await staffOf(req);
      const task = await openRevisitTask(db, req.params.id, staff);
      if (!task)
        throw new NotFound(
          `回访任务 ${req.params.id} 不存在、已完成或您无权查看 / There is no open revisit task ${req.params.id} that you may see.`,
        );
      const { score } = req.body;
      if (score > task.scaleMax)
        throw new BadRequest(
          `评分为 1-${task.scaleMax} 分 / The score is 1 to ${task.scaleMax}, not ${score}.`,
        );
      const satisfied = score > task.unsatisfiedMax;
      const at = new Date();
      const actor = ticketActorOf(staff);
      // the same record and lifecycle action as the dialer's revisit (db/revisits.ts), by the agent
      const result = await recordRevisit(
        db,
        {
          ticketId: String(task.ticketId),
          attemptId: null,
          attemptNo: task.revisits + 1,
          score,
          satisfied,
          commentRecording: null,
          automated: false,
          byAgent: req.user.sub,
          at,
        },
        actor,
      );
      const note = req.body.note?.trim();
      if (note)
        await addTicketNote(db, task.ticketId, { text: `回访备注 Revisit note: ${note}`, by: actor, at });
      await finishRevisitTask(db, task.id, req.user.sub);
      if (result.reopened)
        notifier.ticketReopened(
          reopenedNotice({
            ticketId: task.ticketId,
            ticketNumber: task.ticketNumber,
            department: result.ticket?.department ?? null,
            score,
            automated: false,
            at,
          }),
          await ticketLeaderRooms(db, task.ticketId),
        );
      req.log.info(
        { task: task.id, ticket: task.ticketId, score, by: req.user.sub, refusal: result.refusal },
        'revisit recorded by a person',
      );
      return {
        revisitId: Number(result.revisitId),
        ticketStatus: result.ticket?.status ?? null,
        satisfied,
        reopened: result.reopened,
        // the record is kept even when the ticket could not take the revisit (no longer resolved): say why
        refusal: result.refusal,
      };
    },
  );

  // ---- a ticket's revisit record ----
  app.get<{ Params: { id: number } }>(
    '/api/tickets/:id/revisits',
    {
      onRequest: authenticate(TICKET_ROLES),
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
        response: {
          200: {
            type: 'object',
            properties: {
              revisits: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    attemptNo: { type: 'integer' },
                    at: { type: 'string' },
                    result: { type: 'string' },
                    score: { type: ['integer', 'null'] },
                    satisfied: { type: ['boolean', 'null'] },
                    hasComment: { type: 'boolean' },
                    automated: { type: 'boolean' },
                    byAgent: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          ...refusals,
        },
      },
    },
    async (req) => {
      if (!(await canSeeTicket(db, req.params.id, await staffOf(req))))
        throw new NotFound(
          `工单 ${req.params.id} 不存在或您无权查看 / There is no ticket ${req.params.id} that you may see.`,
        );
      return { revisits: await ticketRevisits(db, req.params.id) };
    },
  );

  /** The comment's file in the recording folder (stored with or without its .wav). */
  async function commentFile(ticketId: number, revisitId: number): Promise<string> {
    const stored = await revisitComment(db, ticketId, revisitId);
    const file = stored && [stored, `${stored}.wav`].find((f) => existsSync(join(deps.recordingDir, f)));
    if (!file) throw new NotFound('这次回访没有录下留言 / This revisit has no recorded comment.');
    return file;
  }

  // an <audio> element sends no Authorization header: the page asks for a short-lived link, as for call recordings
  app.post<{ Params: { id: number; revisitId: number } }>(
    '/api/tickets/:id/revisits/:revisitId/comment-link',
    {
      onRequest: authenticate(TICKET_ROLES),
      schema: {
        params: {
          type: 'object',
          properties: { id: { type: 'integer', minimum: 1 }, revisitId: { type: 'integer', minimum: 1 } },
          required: ['id', 'revisitId'],
        },
        response: { 200: { type: 'object', properties: { url: { type: 'string' } } }, ...refusals },
      },
    },
    async (req) => {
      if (!(await canSeeTicket(db, req.params.id, await staffOf(req))))
        throw new NotFound(
          `工单 ${req.params.id} 不存在或您无权查看 / There is no ticket ${req.params.id} that you may see.`,
        );
      await commentFile(req.params.id, req.params.revisitId);
      const rec = `revisit:${req.params.id}:${req.params.revisitId}`;
      const ticket = app.jwt.sign({ rec, sub: req.user.sub }, { expiresIn: COMMENT_LINK_TTL });
      return {
        url: `/api/revisit-comments/${req.params.id}/${req.params.revisitId}?ticket=${encodeURIComponent(ticket)}`,
      };
    },
  );

  app.get<{ Params: { id: number; revisitId: number }; Querystring: { ticket: string } }>(
    '/api/revisit-comments/:id/:revisitId',
    {
      schema: {
        params: {
          type: 'object',
          properties: { id: { type: 'integer', minimum: 1 }, revisitId: { type: 'integer', minimum: 1 } },
          required: ['id', 'revisitId'],
        },
        querystring: {
          type: 'object',
          properties: { ticket: { type: 'string', minLength: 1, maxLength: 2000 } },
          required: ['ticket'],
        },
      },
    },
    async (req, reply) => {
      let claims: { rec?: unknown };
      try {
        claims = app.jwt.verify(req.query.ticket);
      } catch {
        throw new Unauthorized(
          '播放链接无效或已过期,请重新打开工单 / The playback link is not valid or has expired: open the ticket again.',
        );
      }
      if (claims.rec !== `revisit:${req.params.id}:${req.params.revisitId}`)
        throw new Unauthorized(
          '播放链接无效或已过期,请重新打开工单 / The playback link is not valid or has expired: open the ticket again.',
        );
      const file = await commentFile(req.params.id, req.params.revisitId);
      return reply
        .header('content-disposition', `inline; filename="${file}"`)
        .type('audio/wav')
        .sendFile(file);
    },
  );
}
