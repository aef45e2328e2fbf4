// A ticket's revisit (回访): its record (ticket_revisits) and the lifecycle action it takes on the ticket. The
// outbound revisit call (ivr/, automated) and a person's revisit (the desk, by_agent) both write it here.
//   satisfied (score > unsatisfied_max)  -> revisit (satisfied): revisited, then close
//   unsatisfied                          -> revisit (unsatisfied): reopened to the same department
import type pg from 'pg';
import type { TicketReopened } from '../core/contracts.ts';
import type { TicketActor, TicketState } from '../core/tickets/lifecycle.ts';
import { actOnTicket } from './tickets.ts';
import type { Queryable } from './pool.ts';

export interface NewRevisit {
  ticketId: string;
  /** The call attempt of an automated revisit; null for a person's. */
  attemptId: string | null;
  attemptNo: number;
  score: number;
  satisfied: boolean;
  /** The recording of the owner's comment (a file name in the recording folder), if already made. */
  commentRecording: string | null;
  automated: boolean;
  byAgent: number | null;
  at: Date;
}

export interface RevisitRecorded {
  revisitId: string;
  /** The ticket after the lifecycle action; null when the ticket could not take it (see `refusal`). */
  ticket: TicketState | null;
  /** The ticket went back to its department (notify the department and the team leaders). */
  reopened: boolean;
  /** Why the ticket's lifecycle refused the revisit (not resolved any more, say); the record is kept anyway. */
  refusal: string | null;
}

/**
 * Writes the revisit record and applies the lifecycle's `revisit` action (then `close` when satisfied) as `by`
 * (the system for an automated revisit). The record is kept even when the ticket cannot take the action.
 */
export async function recordRevisit(pool: pg.Pool, r: NewRevisit, by: TicketActor): Promise<RevisitRecorded> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO ticket_revisits (ticket_id, attempt_id, attempt_no, at, result, score, satisfied,
                                  comment_recording, automated, by_agent)
     VALUES ($1, $2, $3, $4, 'scored', $5, $6, $7, $8, $9) RETURNING id`,
    [
      r.ticketId,
      r.attemptId,
      r.attemptNo,
      r.at,
      r.score,
      r.satisfied,
      r.commentRecording,
      r.automated,
      r.byAgent,
    ],
  );
  const revisitId = String(rows[0]!.id);
  const satisfaction = r.satisfied ? 'satisfied' : 'unsatisfied';
  // the lifecycle's score is the 1..5 scale; a longer scale's score goes into the note
  const score = r.score <= 5 ? { score: r.score } : {};
  const note = `${r.automated ? '自动回访' : '人工回访'}评分 ${r.score} / ${r.automated ? 'automated' : 'personal'} revisit score ${r.score}`;
  const revisit = await actOnTicket(
    pool,
    Number(r.ticketId),
    { kind: 'revisit', satisfaction, ...score, note },
    by,
    r.at,
  );
  if (!revisit.ok) {
    const refusal = 'notFound' in revisit ? 'no such ticket' : revisit.refusal.message;
    return { revisitId, ticket: null, reopened: false, refusal };
  }
  if (!r.satisfied) return { revisitId, ticket: revisit.ticket, reopened: true, refusal: null };
  const closed = await actOnTicket(pool, Number(r.ticketId), { kind: 'close' }, by, r.at);
  return {
    revisitId,
    ticket: closed.ok ? closed.ticket : revisit.ticket,
    reopened: false,
    refusal: closed.ok ? null : 'notFound' in closed ? 'no such ticket' : closed.refusal.message,
  };
}

/** The owner's spoken comment, recorded after the score. */
export async function setRevisitComment(db: Queryable, revisitId: string, recording: string): Promise<void> {
  await db.query(`UPDATE ticket_revisits SET comment_recording = $2 WHERE id = $1`, [revisitId, recording]);
}

/** `ticket:reopened` for the department and the team leaders, after an unsatisfied revisit. */
export function reopenedNotice(r: {
  ticketId: number;
  ticketNumber: string;
  department: string | null;
  score: number;
  automated: boolean;
  at: Date;
}): TicketReopened {
  const by = r.automated ? '' : '(人工回访)';
  const byEn = r.automated ? '' : ' (by a person)';
  return {
    ...r,
    at: r.at.toISOString(),
    message: `业主回访不满意${by}(${r.score}分),工单 ${r.ticketNumber} 已重新打开 / The owner was not satisfied at the revisit${byEn} (score ${r.score}): ticket ${r.ticketNumber} is reopened.`,
  };
}
