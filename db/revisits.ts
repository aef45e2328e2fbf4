// A ticket's revisit, by the dialer (automated) or by a person (a revisit task, by_agent): the ticket's revisit
// record (ticket_revisits) and the lifecycle's `revisit` action, satisfied -> revisited then closed, unsatisfied ->
// reopened to the same department. The ticket is judged first: a ticket no longer resolved records nothing.
import type pg from 'pg';
import type { TicketActor, TicketRefusal, TicketStatus } from '../core/index.ts';
import { actOnTicket } from './tickets.ts';

export interface RevisitRecord {
  ticketId: number;
  attemptId: number | null;
  /** The score on the campaign's keypad scale, or null (answered without one, or not reached). */
  score: number | null;
  satisfied: boolean;
  commentRecording: string | null;
  automated: boolean;
  byAgent: number | null;
  note?: string;
  at: Date;
}

export type RevisitResult =
  | { ok: true; revisitId: number; status: TicketStatus }
  | { ok: false; refusal: TicketRefusal }
  | { ok: false; notFound: true };

/** Records a scored revisit and applies it to the ticket (as `actor`: the system, or the agent). */
export async function recordRevisit(
  pool: pg.Pool,
  r: RevisitRecord,
  actor: TicketActor,
): Promise<RevisitResult> {
  const acted = await actOnTicket(
    pool,
    r.ticketId,
    {
      kind: 'revisit',
      satisfaction: r.satisfied ? 'satisfied' : 'unsatisfied',
      // the lifecycle keeps a 1-5 score; other scales stay on the revisit record only
      ...(r.score !== null && r.score >= 1 && r.score <= 5 ? { score: r.score } : {}),
      ...(r.note ? { note: r.note } : {}),
    },
    actor,
    r.at,
  );
  if (!acted.ok) return acted;
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO ticket_revisits (ticket_id, attempt_id, attempt_no, at, result, score, satisfied, comment_recording,
                                  automated, by_agent)
     VALUES ($1, $2, (SELECT count(*) + 1 FROM ticket_revisits WHERE ticket_id = $1), $3,
             CASE WHEN $4::int IS NULL THEN 'no-score' ELSE 'scored' END, $4, $5, $6, $7, $8)
     RETURNING id`,
    [r.ticketId, r.attemptId, r.at, r.score, r.satisfied, r.commentRecording, r.automated, r.byAgent],
  );
  let status = acted.ticket.status;
  if (r.satisfied) {
    const closed = await actOnTicket(pool, r.ticketId, { kind: 'close' }, actor, r.at);
    if (closed.ok) status = closed.ticket.status;
  }
  return { ok: true, revisitId: rows[0]!.id, status };
}
