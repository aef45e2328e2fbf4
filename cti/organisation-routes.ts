// Organisations over HTTP (issue 5), for admins: the developers and property companies with their departments,
// which two an estate has, and whom a member of staff works for (a team leader's organisation, a department
// member's department, the estates an agent serves). These decide who owns and who sees each ticket
// (db/organisations.ts). Every refusal says in words what was wrong.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { BadRequest, Conflict, NotFound, type Logger } from '../core/index.ts';
import {
  addDepartment,
  addOrganisation,
  inTransaction,
  listOrganisations,
  setEstateOrganisations,
  setStaffScope,
  updateDepartment,
  updateOrganisation,
  type Pool,
  type StaffScope,
} from '../db/index.ts';
import type { Authenticate } from './route-kit.ts';

const ADMINS_ONLY = '只有系统管理员可以维护组织架构 / Only an admin may change the organisations.';
const CODE = { type: 'string', pattern: '^[a-z0-9-]{2,32}$' } as const;
const NAME = { type: 'string', minLength: 1, maxLength: 100 } as const;
const MONTHS = { type: 'integer', minimum: 0, maximum: 120 } as const;
const ok = { type: 'object', properties: { ok: { type: 'boolean' } } } as const;

const organisationsBody = {
  type: 'object',
  properties: {
    organisations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          code: { type: 'string' },
          name: { type: 'string' },
          kind: { type: 'string' },
          developerMonths: { type: 'integer' },
          departments: {
            type: 'array',
            items: {
              type: 'object',
              properties: { code: { type: 'string' }, name: { type: 'string' }, active: { type: 'boolean' } },
            },
          },
        },
      },
    },
  },
} as const;

const taken = (code: string): Conflict =>
  new Conflict(`编号「${code}」已被使用 / The code "${code}" is already taken.`);

export function registerOrganisationRoutes(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>,
  deps: { db: Pool; authenticate: Authenticate; errorBody: object },
): void {
  const { db, authenticate, errorBody } = deps;
  const admin = authenticate(['admin'], ADMINS_ONLY);
  const refusals = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

  app.get(
    '/api/admin/organisations',
    { onRequest: admin, schema: { response: { 200: organisationsBody, 401: errorBody, 403: errorBody } } },
    async () => ({ organisations: await listOrganisations(db) }),
  );

  app.post<{
    Body: { code: string; name: string; kind: 'developer' | 'property-company'; developerMonths?: number };
  }>(
    '/api/admin/organisations',
    {
      onRequest: admin,
      schema: {
        body: {
          type: 'object',
          properties: {
            code: CODE,
            name: NAME,
            kind: { type: 'string', enum: ['developer', 'property-company'] },
            developerMonths: MONTHS,
          },
          required: ['code', 'name', 'kind'],
          additionalProperties: false,
        },
        response: { 201: ok, ...refusals },
      },
    },
    async (req, reply) => {
      const { code, name, kind, developerMonths } = req.body;
      if (
        !(await addOrganisation(db, { code, name: name.trim(), kind, developerMonths: developerMonths ?? 3 }))
      )
        throw taken(code);
      req.log.info({ organisation: code, by: req.user.sub }, 'organisation added');
      return reply.code(201).send({ ok: true });
    },
  );

  app.patch<{ Params: { code: string }; Body: { name?: string; developerMonths?: number } }>(
    '/api/admin/organisations/:code',
    {
      onRequest: admin,
      schema: {
        params: { type: 'object', properties: { code: CODE }, required: ['code'] },
        body: {
          type: 'object',
          properties: { name: NAME, developerMonths: MONTHS },
          additionalProperties: false,
          minProperties: 1,
        },
        response: { 200: ok, ...refusals },
      },
    },
    async (req) => {
      if (!(await updateOrganisation(db, req.params.code, req.body)))
        throw new NotFound(
          `没有编号为「${req.params.code}」的组织 / There is no organisation "${req.params.code}".`,
        );
      return { ok: true };
    },
  );

  app.post<{ Params: { code: string }; Body: { code: string; name: string } }>(
    '/api/admin/organisations/:code/departments',
    {
      onRequest: admin,
      schema: {
        params: { type: 'object', properties: { code: CODE }, required: ['code'] },
        body: {
          type: 'object',
          properties: { code: CODE, name: NAME },
          required: ['code', 'name'],
          additionalProperties: false,
        },
        response: { 201: ok, ...refusals },
      },
    },
    async (req, reply) => {
      const result = await addDepartment(db, req.params.code, {
        code: req.body.code,
        name: req.body.name.trim(),
      });
      if (result === 'no-organisation')
        throw new NotFound(
          `没有编号为「${req.params.code}」的组织 / There is no organisation "${req.params.code}".`,
        );
      if (result === 'taken') throw taken(req.body.code);
      req.log.info(
        { department: req.body.code, organisation: req.params.code, by: req.user.sub },
        'department added',
      );
      return reply.code(201).send({ ok: true });
    },
  );

  app.patch<{ Params: { code: string }; Body: { name?: string; active?: boolean } }>(
    '/api/admin/departments/:code',
    {
      onRequest: admin,
      schema: {
        params: { type: 'object', properties: { code: CODE }, required: ['code'] },
        body: {
          type: 'object',
          properties: { name: NAME, active: { type: 'boolean' } },
          additionalProperties: false,
          minProperties: 1,
        },
        response: {
          200: { type: 'object', properties: { ok: { type: 'boolean' }, openTickets: { type: 'integer' } } },
          ...refusals,
        },
      },
    },
    async (req) => {
      const result = await updateDepartment(db, req.params.code, req.body);
      if (!result)
        throw new NotFound(
          `没有编号为「${req.params.code}」的部门 / There is no department "${req.params.code}".`,
        );
      // a department switched off keeps its open tickets: the answer says how many, to redispatch them
      return { ok: true, openTickets: result.openTickets };
    },
  );

  app.put<{ Params: { id: number }; Body: { developer: string | null; propertyCompany: string | null } }>(
    '/api/admin/estates/:id/organisations',
    {
      onRequest: admin,
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
        body: {
          type: 'object',
          properties: {
            developer: { anyOf: [CODE, { type: 'null' }] },
            propertyCompany: { anyOf: [CODE, { type: 'null' }] },
          },
          required: ['developer', 'propertyCompany'],
          additionalProperties: false,
        },
        response: { 200: ok, ...refusals },
      },
    },
    async (req) => {
      const result = await setEstateOrganisations(db, req.params.id, req.body);
      if (result === 'no-estate')
        throw new NotFound(`没有编号为 ${req.params.id} 的小区 / There is no estate ${req.params.id}.`);
      if (result !== 'ok') {
        const code = req.body[result.wrong];
        throw new BadRequest(
          result.wrong === 'developer'
            ? `「${code}」不是开发商 / "${code}" is not a developer.`
            : `「${code}」不是物业公司 / "${code}" is not a property company.`,
        );
      }
      return { ok: true };
    },
  );

  app.put<{ Params: { id: number }; Body: StaffScope }>(
    '/api/admin/agents/:id/scope',
    {
      onRequest: admin,
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
        body: {
          type: 'object',
          properties: {
            organisation: { anyOf: [CODE, { type: 'null' }] },
            department: { anyOf: [CODE, { type: 'null' }] },
            estates: { type: 'array', items: { type: 'integer', minimum: 1 }, maxItems: 10000 },
          },
          required: ['organisation', 'department', 'estates'],
          additionalProperties: false,
        },
        response: { 200: ok, ...refusals },
      },
    },
    async (req) => {
      const { id } = req.params;
      const body = req.body;
      const result = await inTransaction(db, (client) => setStaffScope(client, id, body));
      switch (result) {
        case 'ok':
          req.log.info({ agentId: id, by: req.user.sub, estates: body.estates.length }, 'staff scope set');
          return { ok: true };
        case 'no-agent':
          throw new NotFound(`没有编号为 ${id} 的员工 / There is no member of staff ${id}.`);
        case 'organisation':
          throw new BadRequest(
            `没有编号为「${body.organisation}」的组织 / There is no organisation "${body.organisation}".`,
          );
        case 'department':
          throw new BadRequest(
            `「${body.department}」不是该组织的部门 / "${body.department}" is not a department of that organisation.`,
          );
        case 'department-role':
          throw new BadRequest(
            '部门人员必须属于一个部门,其他角色不属于部门 / Department staff belong to a department; other roles do not.',
          );
        case 'estates':
          throw new BadRequest('有的小区不存在 / Some of those estates do not exist.');
      }
    },
  );
}
