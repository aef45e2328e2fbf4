// The standard answers over HTTP (统一答复口径, issue 7): every desk searches them; admins write, rewrite and
// remove them. Agents and department staff see the general answers and those of the estates they serve; team
// leaders and admins see every estate's. Searching is core/knowledge.ts's rule.
import type { FastifyRequest } from 'fastify';
import {
  BadRequest,
  NotFound,
  checkAnswer,
  searchWords,
  type KnowledgeAnswerRequest,
  type Role,
} from '../core/index.ts';
import {
  addKnowledgeAnswer,
  archiveKnowledgeAnswer,
  searchKnowledge,
  updateKnowledgeAnswer,
  type KnowledgeReader,
  type Pool,
} from '../db/index.ts';
import { fieldError } from './campaign-routes.ts';
import { idParams, type Authenticate, type RouteApp } from './route-kit.ts';

const STAFF: Role[] = ['agent', 'department', 'supervisor', 'admin'];
const ADMINS_ONLY = '只有系统管理员可以维护答复口径 / Only an admin may change the standard answers.';
const FIELDS = {
  title: '问题标题 title',
  body: '答复口径 body',
  keywords: '关键词 keywords',
  estateId: '小区 estateId',
  q: '搜索内容 q',
  limit: '条数 limit',
};

const answerBody = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    title: { type: 'string' },
    body: { type: 'string' },
    keywords: { type: 'array', items: { type: 'string' } },
    estateId: { type: ['integer', 'null'] },
    estate: { type: ['string', 'null'] },
    updatedAt: { type: 'string' },
    updatedBy: { type: ['string', 'null'] },
  },
} as const;

const requestBody = {
  type: 'object',
  properties: {
    title: { type: 'string', maxLength: 1000 },
    body: { type: 'string', maxLength: 20000 },
    keywords: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 200 } },
    estateId: { type: ['integer', 'null'], minimum: 1 },
  },
  required: ['title', 'body'],
  additionalProperties: false,
} as const;

export function registerKnowledgeRoutes(
  app: RouteApp,
  deps: { db: Pool; authenticate: Authenticate; errorBody: object },
): void {
  const { db, authenticate, errorBody } = deps;
  const admin = authenticate(['admin'], ADMINS_ONLY);
  const refusals = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };
  const noAnswer = (id: number) =>
    new NotFound(
      `没有编号为 ${id} 的答复口径(可能已被删除)/ There is no standard answer ${id} (it may have been removed).`,
    );
  const noEstate = (id: number) => new BadRequest(`没有编号为 ${id} 的小区 / There is no estate ${id}.`);
  const checked = (req: KnowledgeAnswerRequest) => {
    const result = checkAnswer(req);
    if (!result.ok) throw new BadRequest(result.message);
    return result.answer;
  };
  const readerOf = (req: FastifyRequest): KnowledgeReader =>
    req.user.role === 'supervisor' || req.user.role === 'admin'
      ? { allEstates: true }
      : { allEstates: false, agentId: req.user.sub };

  app.get<{ Querystring: { q?: string; limit?: number } }>(
    '/api/knowledge',
    {
      onRequest: authenticate(STAFF),
      schemaErrorFormatter: fieldError(FIELDS),
      schema: {
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string', maxLength: 1000 },
            limit: { type: 'integer', minimum: 1, maximum: 100 },
          },
          additionalProperties: false,
        },
        response: {
          200: { type: 'object', properties: { answers: { type: 'array', items: answerBody } } },
          ...refusals,
        },
      },
    },
    async (req) => ({
      answers: await searchKnowledge(
        db,
        readerOf(req),
        searchWords(req.query.q ?? ''),
        req.query.limit ?? 20,
      ),
    }),
  );

  app.post<{ Body: KnowledgeAnswerRequest }>(
    '/api/admin/knowledge',
    {
      onRequest: admin,
      schemaErrorFormatter: fieldError(FIELDS),
      schema: { body: requestBody, response: { 201: answerBody, ...refusals } },
    },
    async (req, reply) => {
      const answer = checked(req.body);
      const added = await addKnowledgeAnswer(db, answer, req.user.sub);
      if (!added) throw noEstate(answer.estateId!);
      req.log.info({ answerId: added.id, by: req.user.sub }, 'standard answer added');
      return reply.code(201).send(added);
    },
  );

  app.put<{ Params: { id: number }; Body: KnowledgeAnswerRequest }>(
    '/api/admin/knowledge/:id',
    {
      onRequest: admin,
      schemaErrorFormatter: fieldError(FIELDS),
      schema: { params: idParams, body: requestBody, response: { 200: answerBody, ...refusals } },
    },
    async (req) => {
      const answer = checked(req.body);
      const updated = await updateKnowledgeAnswer(db, req.params.id, answer, req.user.sub);
      if (updated === 'missing') throw noAnswer(req.params.id);
      if (updated === 'no-estate') throw noEstate(answer.estateId!);
      req.log.info({ answerId: req.params.id, by: req.user.sub }, 'standard answer changed');
      return updated;
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/api/admin/knowledge/:id',
    { onRequest: admin, schema: { params: idParams, response: { 204: { type: 'null' }, ...refusals } } },
    async (req, reply) => {
      if (!(await archiveKnowledgeAnswer(db, req.params.id, req.user.sub))) throw noAnswer(req.params.id);
      req.log.info({ answerId: req.params.id, by: req.user.sub }, 'standard answer removed');
      return reply.code(204).send();
    },
  );
}
