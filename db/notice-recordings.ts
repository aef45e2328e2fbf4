// Recorded notices (migration 020): the WAV files team leaders upload for notice campaigns, kept in the database so
// that every Asterisk node can make its own prompt files from them (ivr/notice-audio.ts). A campaign names one by
// id in campaigns.notice->>'recording'.
import type { NoticeRecordingView } from '../core/index.ts';
import type { Queryable } from './pool.ts';

export type NoticeRecording = NoticeRecordingView;

/** The statuses in which a campaign may still play its recording (it cannot be deleted then). */
const STANDING = `('draft', 'scheduled', 'running', 'paused')`;

interface Row extends Omit<NoticeRecording, 'uploadedBy' | 'uploadedAt'> {
  uploadedById: number;
  uploadedByName: string;
  uploadedAt: Date;
}

const COLUMNS = `r.id::int, r.name, r.duration_ms AS "durationMs", r.sha256, octet_length(r.audio) AS "sizeBytes",
  r.uploaded_by AS "uploadedById", a.name AS "uploadedByName", r.uploaded_at AS "uploadedAt"`;

const toRecording = (r: Row): NoticeRecording => ({
  id: r.id,
  name: r.name,
  durationMs: r.durationMs,
  sha256: r.sha256,
  sizeBytes: r.sizeBytes,
  uploadedBy: { id: r.uploadedById, name: r.uploadedByName },
  uploadedAt: r.uploadedAt.toISOString(),
});

export async function addNoticeRecording(
  db: Queryable,
  rec: { name: string; audio: Buffer; sha256: string; durationMs: number; by: number },
): Promise<NoticeRecording> {
  const { rows } = await db.query<Row>(
    `WITH r AS (INSERT INTO notice_recordings (name, audio, sha256, duration_ms, uploaded_by)
                VALUES ($1, $2, $3, $4, $5) RETURNING *)
     SELECT ${COLUMNS} FROM r JOIN agents a ON a.id = r.uploaded_by`,
    [rec.name, rec.audio, rec.sha256, rec.durationMs, rec.by],
  );
  return toRecording(rows[0]!);
}

/** The newest first (at most `limit`). */
export async function listNoticeRecordings(db: Queryable, limit = 200): Promise<NoticeRecording[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM notice_recordings r JOIN agents a ON a.id = r.uploaded_by
      ORDER BY r.uploaded_at DESC, r.id DESC LIMIT $1`,
    [limit],
  );
  return rows.map(toRecording);
}

export async function noticeRecording(db: Queryable, id: number): Promise<NoticeRecording | null> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM notice_recordings r JOIN agents a ON a.id = r.uploaded_by WHERE r.id = $1`,
    [id],
  );
  return rows[0] ? toRecording(rows[0]) : null;
}

/** The WAV file's bytes and their hash; null when there is no such recording. */
export async function noticeRecordingAudio(
  db: Queryable,
  id: number,
): Promise<{ name: string; audio: Buffer; sha256: string } | null> {
  const { rows } = await db.query<{ name: string; audio: Buffer; sha256: string }>(
    `SELECT name, audio, sha256 FROM notice_recordings WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/** The hash of a recording (what names its prompt files on a node); null when there is no such recording. */
export async function noticeRecordingSha(db: Queryable, id: number): Promise<string | null> {
  const { rows } = await db.query<{ sha256: string }>(`SELECT sha256 FROM notice_recordings WHERE id = $1`, [
    id,
  ]);
  return rows[0]?.sha256 ?? null;
}

/**
 * Deletes a recording no campaign may still play: 'deleted', 'missing', or the names of the draft, scheduled,
 * running or paused campaigns that use it (nothing deleted).
 */
export async function deleteNoticeRecording(
  db: Queryable,
  id: number,
): Promise<'deleted' | 'missing' | { usedBy: string[] }> {
  const { rows } = await db.query<{ deleted: boolean; usedBy: string[] }>(
    `WITH used AS (
       SELECT coalesce(array_agg(name ORDER BY id), '{}') AS names FROM campaigns
        WHERE kind = 'notice' AND status IN ${STANDING} AND notice->>'recording' = $1::bigint::text),
     gone AS (
       DELETE FROM notice_recordings WHERE id = $1::bigint AND (SELECT cardinality(names) FROM used) = 0 RETURNING id)
     SELECT EXISTS (SELECT 1 FROM gone) AS deleted, (SELECT names FROM used) AS "usedBy"`,
    [id],
  );
  const r = rows[0]!;
  if (r.deleted) return 'deleted';
  if (r.usedBy.length > 0) return { usedBy: r.usedBy };
  return 'missing';
}
