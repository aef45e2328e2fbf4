// A ticket's evidence (migration 014): the files attached to it, the notes on its timeline, and the calls about it
// (the call it was filed from, and the calls linked to it at wrap-up) with whether each has a recording.
import type pg from 'pg';
import { inTransaction, type Queryable } from './pool.ts';
import { ticketVisibility, type Staff } from './organisations.ts';
import type {
  AttachmentType,
  TicketActor,
  TicketAttachment,
  TicketCall,
  TicketStatus,
  TicketTimelineStep,
} from '../core/index.ts';

/** Timeline steps that are not part of the ticket's life: the status stays as it was (from = to). */
export type EvidenceStepKind = 'note' | 'attach';
export type EvidenceStep = Omit<TicketTimelineStep, 'kind'> & { kind: EvidenceStepKind };

/** Writes a step that leaves the status as it is, under the ticket's row lock (in order with its actions). */
async function addEvidenceStep(
  client: pg.PoolClient,
  ticketId: number,
  step: { kind: EvidenceStepKind; by: TicketActor; at: Date; detail: Record<string, unknown> },
): Promise<EvidenceStep | null> {
  const { rows } = await client.query<{ status: TicketStatus }>(
    'SELECT status FROM tickets WHERE id = $1 FOR UPDATE',
    [ticketId],
  );
  const status = rows[0]?.status;
  if (!status) return null;
  await client.query(
    `INSERT INTO ticket_events (ticket_id, at, kind, by_role, by_id, by_name, from_status, to_status, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)`,
    [
      ticketId,
      step.at,
      step.kind,
      step.by.role,
      step.by.id,
      step.by.name ?? null,
      status,
      JSON.stringify(step.detail),
    ],
  );
  return {
    at: step.at.toISOString(),
    kind: step.kind,
    by: { role: step.by.role, id: step.by.id, name: step.by.name ?? null },
    from: status,
    to: status,
    waitEnded: false,
    detail: step.detail,
  };
}

/** A note on the ticket's timeline; null when there is no such ticket. */
export async function addTicketNote(
  pool: pg.Pool,
  ticketId: number,
  note: { text: string; by: TicketActor; at: Date },
): Promise<EvidenceStep | null> {
  return inTransaction(pool, (client) =>
    addEvidenceStep(client, ticketId, {
      kind: 'note',
      by: note.by,
      at: note.at,
      detail: { text: note.text },
    }),
  );
}

export interface NewAttachment {
  ticketId: number;
  name: string;
  type: AttachmentType;
  size: number;
  sha256: string;
  storedName: string;
}

const ATTACHMENT_COLUMNS = `ta.id, ta.ticket_id AS "ticketId", ta.file_name AS name, ta.content_type AS type,
  ta.size_bytes AS size, ta.sha256, ta.uploaded_by AS "uploaderId", a.name AS "uploaderName",
  ta.uploaded_at AS "uploadedAt", ta.stored_name AS "storedName"`;

type AttachmentRow = Omit<TicketAttachment, 'uploadedBy' | 'uploadedAt'> & {
  uploaderId: number;
  uploaderName: string;
  uploadedAt: Date;
  storedName: string;
};

function toAttachment({ uploaderId, uploaderName, uploadedAt, storedName: _, ...row }: AttachmentRow) {
  return { ...row, uploadedBy: { id: uploaderId, name: uploaderName }, uploadedAt: uploadedAt.toISOString() };
}

/**
 * Records a file (already in the attachment folder under `storedName`) on its ticket, with its timeline step;
 * null when there is no such ticket.
 */
export async function addTicketAttachment(
  pool: pg.Pool,
  file: NewAttachment,
  by: TicketActor & { id: number },
  at: Date,
): Promise<{ attachment: TicketAttachment; step: EvidenceStep } | null> {
  return inTransaction(pool, async (client) => {
    // the lock first: a ticket that does not exist takes no row
    const { rowCount } = await client.query('SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [
      file.ticketId,
    ]);
    if (!rowCount) return null;
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO ticket_attachments (ticket_id, file_name, content_type, size_bytes, sha256, stored_name,
                                       uploaded_by, uploaded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [file.ticketId, file.name, file.type, file.size, file.sha256, file.storedName, by.id, at],
    );
    const id = rows[0]!.id;
    const step = await addEvidenceStep(client, file.ticketId, {
      kind: 'attach',
      by,
      at,
      detail: { attachmentId: id, name: file.name, size: file.size, type: file.type },
    });
    const attachment: TicketAttachment = {
      id,
      ticketId: file.ticketId,
      name: file.name,
      type: file.type,
      size: file.size,
      sha256: file.sha256,
      uploadedBy: { id: by.id, name: by.name ?? '' },
      uploadedAt: at.toISOString(),
    };
    return { attachment, step: step! };
  });
}

/** One attachment of the ticket, with the name of its file in the attachment folder; null when there is none. */
export async function ticketAttachment(
  db: Queryable,
  ticketId: number,
  attachmentId: number,
): Promise<(TicketAttachment & { storedName: string }) | null> {
  const { rows } = await db.query<AttachmentRow>(
    `SELECT ${ATTACHMENT_COLUMNS} FROM ticket_attachments ta JOIN agents a ON a.id = ta.uploaded_by
      WHERE ta.ticket_id = $1 AND ta.id = $2`,
    [ticketId, attachmentId],
  );
  const row = rows[0];
  return row ? { ...toAttachment(row), storedName: row.storedName } : null;
}

/** The ticket's attachments, oldest first. */
export async function ticketAttachments(db: Queryable, ticketId: number): Promise<TicketAttachment[]> {
  const { rows } = await db.query<AttachmentRow>(
    `SELECT ${ATTACHMENT_COLUMNS} FROM ticket_attachments ta JOIN agents a ON a.id = ta.uploaded_by
      WHERE ta.ticket_id = $1 ORDER BY ta.uploaded_at, ta.id`,
    [ticketId],
  );
  return rows.map(toAttachment);
}

/** The calls about the ticket, oldest first. */
export async function ticketCalls(db: Queryable, ticketId: number): Promise<TicketCall[]> {
  const { rows } = await db.query<Omit<TicketCall, 'startedAt'> & { startedAt: Date }>(
    `SELECT c.id AS "callId", c.started_at AS "startedAt", c.direction, a.name AS "agentName",
            CASE WHEN c.agent_answered_at IS NOT NULL AND c.ended_at IS NOT NULL
                 THEN round(extract(epoch FROM c.ended_at - c.agent_answered_at))::int END AS "talkS",
            c.outcome, c.disposition, c.recording IS NOT NULL AS "hasRecording",
            c.recording_purged_at IS NOT NULL AS "recordingPurged",
            c.id IS NOT DISTINCT FROM t.created_from_call AS "createdFrom",
            c.ticket_id IS NOT DISTINCT FROM t.id AS "linkedAtWrapUp"
       FROM tickets t
       JOIN calls c ON c.id = t.created_from_call OR c.ticket_id = t.id
       LEFT JOIN agents a ON a.id = c.agent_id
      WHERE t.id = $1
      ORDER BY c.started_at, c.id`,
    [ticketId],
  );
  return rows.map((call) => ({ ...call, startedAt: call.startedAt.toISOString() }));
}

/**
 * Is the call about a ticket `staff` may see (the ticket was filed from it, or it was linked at wrap-up)? Those
 * who handle the case may hear the owner.
 */
export async function callOnVisibleTicket(db: Queryable, callId: string, staff: Staff): Promise<boolean> {
  const visible = ticketVisibility(staff, 2);
  const { rowCount } = await db.query(
    `SELECT 1 FROM tickets t
      WHERE (t.created_from_call = $1 OR t.id = (SELECT ticket_id FROM calls WHERE id = $1)) AND ${visible.sql}
      LIMIT 1`,
    [callId, ...visible.params],
  );
  return (rowCount ?? 0) > 0;
}
