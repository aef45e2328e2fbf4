// A ticket's evidence over HTTP: notes on its timeline, and files attached to it (photos, signed forms).
//
// An upload is the file itself as the request body (any Content-Type: it is not believed), its name in the
// `X-File-Name` header, percent-encoded UTF-8 (what encodeURIComponent gives):
//   curl -H "Authorization: Bearer $T" -H "X-File-Name: $(jq -rn --arg n '漏水照片.jpg' '$n|@uri')" \
//        --data-binary @漏水照片.jpg http://127.0.0.1:8480/api/tickets/42/attachments
// The file's type is told by its first bytes (core/attachments.ts); it is written under a generated name in the
// attachment folder while it arrives (hashed and counted on the way), and kept only when it is a photo or a PDF
// within the size limit. Only staff who may see the ticket (db/organisations.ts) upload and download; to anyone
// else the ticket does not exist (404, the same answer as for a ticket that does not).
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ATTACHMENT_EXTENSIONS,
  ATTACHMENT_TYPES,
  BadRequest,
  cleanFileName,
  contentDisposition,
  NotFound,
  PayloadTooLarge,
  shownInline,
  sniffAttachmentType,
  SNIFF_BYTES,
  Unauthorized,
  UnsupportedMediaType,
  type Logger,
  type Role,
} from '../core/index.ts';
import {
  addTicketAttachment,
  addTicketNote,
  canSeeTicket,
  staffMember,
  ticketActorOf,
  ticketAttachment,
  type Pool,
  type Staff,
} from '../db/index.ts';
import { errorCodes } from './route-kit.ts';

type Authenticate = (roles?: Role[]) => (req: FastifyRequest) => Promise<void>;

/** Everyone who may see some ticket: department staff too (they work the tickets dispatched to them). */
const STAFF: Role[] = ['agent', 'department', 'supervisor', 'admin'];

/** The same words as for a ticket that does not exist and one the reader may not see (cti/ticket-routes.ts). */
const noTicket = (id: number): NotFound =>
  new NotFound(`工单 ${id} 不存在或您无权查看 / There is no ticket ${id} that you may see.`);
const NO_ATTACHMENT = '该工单没有这个附件 / This ticket has no such attachment.';
const ALLOWED_TYPES_TEXT =
  'JPEG、PNG、WebP、HEIC 照片或 PDF 文件 / JPEG, PNG, WebP or HEIC photos, or PDF documents';

export interface EvidenceSettings {
  /** The attachment folder (created at start when missing). */
  dir: string;
  /** The largest file taken, in MB (MiB). */
  maxMb: number;
}

const attachmentBody = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    ticketId: { type: 'integer' },
    name: { type: 'string' },
    type: { type: 'string', enum: [...ATTACHMENT_TYPES] },
    size: { type: 'integer' },
    sha256: { type: 'string' },
    uploadedBy: {
      type: 'object',
      properties: { id: { type: 'integer' }, name: { type: 'string' } },
      required: ['id', 'name'],
    },
    uploadedAt: { type: 'string' },
  },
  required: ['id', 'ticketId', 'name', 'type', 'size', 'sha256', 'uploadedBy', 'uploadedAt'],
} as const;

/** The shape the ticket's view lists its attachments in (cti/ticket-routes.ts). */
export const attachmentListBody = { type: 'array', items: attachmentBody } as const;

/** The shape the ticket's view lists its calls in (db/ticket-evidence.ts TicketCall). */
export const ticketCallListBody = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      callId: { type: 'string' },
      createdFrom: { type: 'boolean' },
      linkedAtWrapUp: { type: 'boolean' },
      startedAt: { type: 'string' },
      direction: { type: 'string' },
      agentName: { type: ['string', 'null'] },
      talkS: { type: ['integer', 'null'] },
      outcome: { type: ['string', 'null'] },
      disposition: { type: ['string', 'null'] },
      hasRecording: { type: 'boolean' },
      recordingPurged: { type: 'boolean' },
    },
    required: ['callId', 'createdFrom', 'linkedAtWrapUp', 'startedAt', 'direction', 'hasRecording'],
  },
} as const;

/** One step of a ticket's timeline (TicketTimelineStep). */
export const stepBody = {
  type: 'object',
  properties: {
    at: { type: 'string' },
    kind: { type: 'string' },
    by: {
      type: 'object',
      properties: {
        role: { type: 'string' },
        id: { type: ['integer', 'null'] },
        name: { type: ['string', 'null'] },
      },
    },
    from: { type: ['string', 'null'] },
    to: { type: 'string' },
    waitEnded: { type: 'boolean' },
    detail: { type: 'object', additionalProperties: true },
  },
} as const;

const ticketParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 } },
  required: ['id'],
} as const;

interface Received {
  size: number;
  sha256: string;
  head: Buffer;
}

/**
 * Writes the upload to `path` as it arrives, hashing and counting it. Past `maxBytes` it stops writing, removes
 * what it wrote and reads the rest without keeping it (so the client gets the 413 rather than a reset connection);
 * resolves `too-large` then. Rejects (and removes the file) when the client goes away before the end (BadRequest)
 * or the file cannot be written.
 */
function receive(body: Readable, path: string, maxBytes: number): Promise<Received | 'too-large'> {
  return new Promise((resolve, reject) => {
    const file = createWriteStream(path, { flags: 'wx', mode: 0o640 });
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let headBytes = 0;
    let size = 0;
    let tooLarge = false;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      body.removeAllListeners('data');
      body.resume();
      file.destroy();
      void rm(path, { force: true }).finally(() => reject(err));
    };
    // the client went away (a phone losing its network): a 400 nobody reads, not a server error in the log
    const broken = () =>
      fail(
        new BadRequest(
          '上传中断,请重新上传 / The upload was broken off before the end: send the file again.',
        ),
      );
    file.on('error', fail);
    body.on('error', broken);
    body.on('close', () => {
      if (!body.readableEnded) broken();
    });
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (tooLarge) return;
      if (size > maxBytes) {
        tooLarge = true;
        file.destroy();
        body.resume();
        return;
      }
      hash.update(chunk);
      if (headBytes < SNIFF_BYTES) {
        head.push(chunk.subarray(0, SNIFF_BYTES - headBytes));
        headBytes += Math.min(chunk.length, SNIFF_BYTES - headBytes);
      }
      if (!file.write(chunk)) {
        body.pause();
        file.once('drain', () => body.resume());
      }
    });
    body.on('end', () => {
      if (settled) return;
      if (tooLarge) {
        settled = true;
        void rm(path, { force: true }).then(() => resolve('too-large'), reject);
        return;
      }
      file.end(() => {
        if (settled) return;
        settled = true;
        resolve({ size, sha256: hash.digest('hex'), head: Buffer.concat(head) });
      });
    });
  });
}

/** The file name from the X-File-Name header: percent-encoded UTF-8, so only printable ASCII on the wire. */
export function fileNameSent(header: string | undefined): string {
  if (header === undefined || header === '') {
    throw new BadRequest(
      '请在 X-File-Name 中提供文件名 / Send the file name in the X-File-Name header (percent-encoded UTF-8).',
    );
  }
  const notEncoded = new BadRequest(
    'X-File-Name 须为百分号编码的 UTF-8 文件名 / X-File-Name must be the file name in percent-encoded UTF-8 (encodeURIComponent).',
  );
  if (/[^\x20-\x7e]/.test(header)) throw notEncoded;
  try {
    return decodeURIComponent(header);
  } catch {
    throw notEncoded;
  }
}

export async function registerEvidenceRoutes(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>,
  deps: { db: Pool; authenticate: Authenticate; errorBody: object; settings: EvidenceSettings },
): Promise<void> {
  const { db, authenticate, errorBody, settings } = deps;
  const maxBytes = settings.maxMb * 1024 * 1024;
  mkdirSync(settings.dir, { recursive: true, mode: 0o750 });
  const tooLarge = () =>
    new PayloadTooLarge(
      `文件过大,最大 ${settings.maxMb} MB / The file is too large: at most ${settings.maxMb} MB is taken.`,
    );

  /** The signed-in member of staff, if they may see the ticket; 404 otherwise (its existence is not revealed). */
  async function staffOnTicket(req: FastifyRequest, ticketId: number): Promise<Staff> {
    const staff = await staffMember(db, req.user.sub);
    if (!staff)
      throw new Unauthorized(
        '您的账号已停用,请重新登录 / Please sign in again: your account is no longer active.',
      );
    if (!(await canSeeTicket(db, ticketId, staff))) throw noTicket(ticketId);
    return staff;
  }

  app.post<{ Params: { id: number }; Body: { text: string } }>(
    '/api/tickets/:id/notes',
    {
      onRequest: authenticate(STAFF),
      schema: {
        params: ticketParams,
        body: {
          type: 'object',
          properties: { text: { type: 'string', minLength: 1, maxLength: 4000 } },
          required: ['text'],
          additionalProperties: false,
        },
        response: { 201: stepBody, ...errorCodes(errorBody, 400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const text = req.body.text.trim();
      if (!text) throw new BadRequest('请填写备注内容 / The note is empty: write what happened.');
      const staff = await staffOnTicket(req, req.params.id);
      const step = await addTicketNote(db, req.params.id, { text, by: ticketActorOf(staff), at: new Date() });
      if (!step) throw noTicket(req.params.id);
      req.log.info({ ticketId: req.params.id, by: staff.id }, 'ticket note');
      return reply.code(201).send(step);
    },
  );

  // Uploads in a scope of their own: there, every body is a file, read as a stream by the handler (not parsed,
  // not believed by its Content-Type, not limited by the server's JSON body limit).
  await app.register((scope, _opts, registered) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

    scope.post<{ Params: { id: number }; Headers: { 'x-file-name'?: string } }>(
      '/api/tickets/:id/attachments',
      {
        onRequest: authenticate(STAFF),
        schema: {
          params: ticketParams,
          headers: {
            type: 'object',
            // no length limit here: 255 Chinese characters are 2,295 percent-encoded; cleanFileName counts them
            properties: { 'x-file-name': { type: 'string' } },
          },
          response: { 201: attachmentBody, ...errorCodes(errorBody, 400, 401, 403, 404, 413, 415) },
        },
      },
      async (req, reply) => {
        const ticketId = req.params.id;
        const staff = await staffOnTicket(req, ticketId);
        const name = cleanFileName(fileNameSent(req.headers['x-file-name']));
        if (!name.ok) throw new BadRequest(name.message);
        const declared = Number(req.headers['content-length'] ?? NaN);
        if (declared > maxBytes) throw tooLarge();

        const id = randomUUID();
        // made at start; made again should someone have removed it since
        await mkdir(settings.dir, { recursive: true, mode: 0o750 });
        const incoming = join(settings.dir, `.${id}.upload`);
        const body = req.body as Readable | undefined;
        const received = body ? await receive(body, incoming, maxBytes) : null;
        if (received === 'too-large') throw tooLarge();
        if (!received || received.size === 0) {
          await rm(incoming, { force: true });
          throw new BadRequest('文件为空 / The file is empty: there is nothing to attach.');
        }
        const type = sniffAttachmentType(received.head);
        if (!type) {
          await rm(incoming, { force: true });
          throw new UnsupportedMediaType(
            `不支持此文件类型,只能上传 ${ALLOWED_TYPES_TEXT} / This kind of file is not taken.`,
          );
        }
        const storedName = `${id}.${ATTACHMENT_EXTENSIONS[type]}`;
        const stored = join(settings.dir, storedName);
        await rename(incoming, stored);
        try {
          const by = { ...ticketActorOf(staff), id: staff.id };
          const added = await addTicketAttachment(
            db,
            { ticketId, name: name.name, type, size: received.size, sha256: received.sha256, storedName },
            by,
            new Date(),
          );
          if (!added) throw noTicket(ticketId);
          req.log.info(
            { ticketId, attachmentId: added.attachment.id, type, size: received.size, by: staff.id },
            'ticket attachment',
          );
          return await reply.code(201).send(added.attachment);
        } catch (err) {
          await rm(stored, { force: true });
          throw err;
        }
      },
    );
    registered();
  });

  app.get<{ Params: { id: number; attachmentId: number } }>(
    '/api/tickets/:id/attachments/:attachmentId',
    {
      onRequest: authenticate(STAFF),
      schema: {
        params: {
          type: 'object',
          properties: {
            id: { type: 'integer', minimum: 1 },
            attachmentId: { type: 'integer', minimum: 1 },
          },
          required: ['id', 'attachmentId'],
        },
        response: errorCodes(errorBody, 400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await staffOnTicket(req, req.params.id);
      const attachment = await ticketAttachment(db, req.params.id, req.params.attachmentId);
      if (!attachment) throw new NotFound(NO_ATTACHMENT);
      const path = join(settings.dir, attachment.storedName);
      const onDisk = await stat(path).catch(() => null);
      if (!onDisk) {
        req.log.error(
          { ticketId: req.params.id, attachmentId: attachment.id, storedName: attachment.storedName },
          'attachment file missing from the attachment folder',
        );
        throw new NotFound(
          '附件文件已丢失,请联系管理员 / The attachment’s file is missing from the server: tell an administrator.',
        );
      }
      const disposition = shownInline(attachment.type) ? 'inline' : 'attachment';
      return reply
        .type(attachment.type)
        .header('content-length', onDisk.size)
        .header('content-disposition', contentDisposition(disposition, attachment.name))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, no-store')
        .send(createReadStream(path));
    },
  );
}
