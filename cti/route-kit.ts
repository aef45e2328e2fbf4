// What every route module of the API shares: the sign-in check it is handed, the app type it registers on, the
// `:id` parameter, and the error responses of a route.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger, Role } from '../core/index.ts';

/** The check cti/server.ts hands each module: signed in, with one of the roles (else 403 with `forbidden`). */
export type Authenticate = (roles: Role[], forbidden?: string) => (req: FastifyRequest) => Promise<void>;

/** The API's fastify instance, as route modules register on it. */
export type RouteApp = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>;

/** A route's `:id`, a positive whole number. */
export const idParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 } },
  required: ['id'],
} as const;

/** The error body for each of the status codes, for a route's response schema. */
export const errorCodes = (errorBody: object, ...codes: number[]): Record<number, object> =>
  Object.fromEntries(codes.map((code) => [code, errorBody]));
