// Recorded notices over HTTP (issue 6): a team leader uploads a WAV file for notice campaigns to play, lists the
// recordings, listens to one on the page, deletes one no campaign still needs. Team leaders and admins only.
//
// An upload is the WAV file itself as the request body (any Content-Type: it is not believed), its file name in
// `X-File-Name` (percent-encoded UTF-8, as for ticket attachments), the name shown to team leaders in `?name=`
// (the file name without `.wav` when absent):
//   curl -H "Authorization: Bearer $T" -H 'X-File-Name: water-cut.wav' --data-binary @water-cut.wav \
//        'http://127.0.0.1:8480/api/notice-recordings?name=3%E5%8F%B7%E6%A5%BC%E5%81%9C%E6%B0%B4'
// The file is judged by its bytes (core/notice-wav.ts) and kept in the database: the Asterisk nodes share no disk,
// each makes its own prompt files from it (ivr/notice-audio.ts).
import { createHash } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import {
  BadRequest,
  cleanFileName,
  Conflict,
  contentDisposition,
  MAX_NOTICE_MB,
  NotFound,
  PayloadTooLarge,
  readNoticeWav,
  UnsupportedMediaType,
  type Logger,
  type Role,
} from '../core/index.ts';
import {
  addNoticeRecording,
  deleteNoticeRecording,
  listNoticeRecordings,
  noticeRecordingAudio,
  type Pool,
} from '../db/index.ts';
import { fileNameSent } from './evidence-routes.ts';
import type { Authenticate } from './route-kit.ts';

const MANAGERS: Role[] = ['supervisor', 'admin'];
const MANAGERS_ONLY =
  '只有班长和系统管理员可以管理通知录音 / Only team leaders and admins may manage notice recordings.';
const MAX_BYTES = MAX_NOTICE_MB * 1024 * 1024;

const noRecording = (id: number) =>
  new NotFound(`没有编号为 ${id} 的通知录音 / There is no notice recording ${id}.`);
const tooLarge = () =>
  new PayloadTooLarge(
    `录音文件过大,最大 ${MAX_NOTICE_MB} MB,请另存为单声道 16 kHz 或 8 kHz WAV / The recording is too large: at most ${MAX_NOTICE_MB} MB is taken; save it as mono WAV at 16 or 8 kHz.`,
  );

const recordingBody = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    durationMs: { type: 'integer' },
    sha256: { type: 'string' },
    sizeBytes: { type: 'integer' },
    uploadedBy: {
      type: 'object',
      properties: { id: { type: 'integer' }, name: { type: 'string' } },
      required: ['id', 'name'],
    },
    uploadedAt: { type: 'string' },
  },
  required: ['id', 'name', 'durationMs', 'sha256', 'sizeBytes', 'uploadedBy', 'uploadedAt'],
} as const;

const idParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } },
  required: ['id'],
} as const;

/**
 * The upload's bytes, at most `maxBytes`: past them the rest is read and dropped (the client gets the 413 rather
 * than a reset connection) and the answer is `too-large`. A client gone before the end is a 400.
 */
function readBody(body: Readable, maxBytes: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    // the client went away (a browser tab closed): a 400 nobody reads, not a server error in the log
    const broken = () =>
      reject(
        new BadRequest(
          '上传中断,请重新上传 / The upload was broken off before the end: send the file again.',
        ),
      );
    body.on('error', broken);
    body.on('close', () => {
      if (!body.readableEnded) broken();
    });
    body.on('end', () => resolve(size > maxBytes ? 'too-large' : Buffer.concat(chunks)));
  });
}

export async function registerNoticeRecordingRoutes(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>,
  deps: { db: Pool; authenticate: Authenticate; errorBody: object },
): Promise<void> {
  const { db, authenticate, errorBody } = deps;
  const managers = authenticate(MANAGERS, MANAGERS_ONLY);
  const refusals = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorBody]));

  // the upload in a scope of its own: there the body is the file, read as a stream (cti/evidence-routes.ts)
  await app.register((scope, _opts, registered) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.post<{ Headers: { 'x-file-name'?: string }; Querystring: { name?: string } }>(
      '/api/notice-recordings',
      {
        onRequest: managers,
        schema: {
          headers: { type: 'object', properties: { 'x-file-name': { type: 'string' } } },
          querystring: {
            type: 'object',
            properties: { name: { type: 'string', maxLength: 200 } },
            additionalProperties: false,
          },
          response: { 201: recordingBody, ...refusals(400, 401, 403, 413, 415) },
        },
      },
      async (req, reply) => {
        const file = cleanFileName(fileNameSent(req.headers['x-file-name']));
        if (!file.ok) throw new BadRequest(file.message);
        const name = (req.query.name?.trim() || file.name.replace(/\.wav$/i, '')).slice(0, 200);
        if (Number(req.headers['content-length'] ?? NaN) > MAX_BYTES) throw tooLarge();
        const body = req.body as Readable | undefined;
        const bytes = body ? await readBody(body, MAX_BYTES) : Buffer.alloc(0);
        if (bytes === 'too-large') throw tooLarge();
        const checked = readNoticeWav(bytes);
        if (!checked.ok)
          throw checked.status === 415
            ? new UnsupportedMediaType(checked.message)
            : new BadRequest(checked.message);
        const added = await addNoticeRecording(db, {
          name,
          audio: bytes,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          durationMs: checked.wav.durationMs,
          by: req.user.sub,
        });
        req.log.info(
          { recording: added.id, durationMs: added.durationMs, size: added.sizeBytes, by: req.user.sub },
          'notice recording uploaded',
        );
        return reply.code(201).send(added);
      },
    );
    registered();
  });

  app.get(
    '/api/notice-recordings',
    {
      onRequest: managers,
      schema: {
        response: {
          200: {
            type: 'object',
            properties: { recordings: { type: 'array', items: recordingBody } },
          },
          ...refusals(401, 403),
        },
      },
    },
    async () => ({ recordings: await listNoticeRecordings(db) }),
  );

  app.get<{ Params: { id: number } }>(
    '/api/notice-recordings/:id/audio',
    { onRequest: managers, schema: { params: idParams, response: refusals(400, 401, 403, 404) } },
    async (req, reply) => {
      const rec = await noticeRecordingAudio(db, req.params.id);
      if (!rec) throw noRecording(req.params.id);
      return reply
        .type('audio/wav')
        .header('content-disposition', contentDisposition('inline', `${rec.name}.wav`))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, max-age=3600')
        .header('etag', `"${rec.sha256}"`)
        .send(rec.audio);
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/api/notice-recordings/:id',
    { onRequest: managers, schema: { params: idParams, response: refusals(400, 401, 403, 404, 409) } },
    async (req, reply) => {
      const result = await deleteNoticeRecording(db, req.params.id);
      if (result === 'missing') throw noRecording(req.params.id);
      if (result !== 'deleted')
        throw new Conflict(
          `录音正被通知活动使用(${result.usedBy.join('、')}),活动结束或取消后才能删除 / The recording is used by campaigns not yet ended (${result.usedBy.join(', ')}): delete it once they are completed or cancelled.`,
        );
      req.log.info({ recording: req.params.id, by: req.user.sub }, 'notice recording deleted');
      return reply.code(204).send();
    },
  );
}
