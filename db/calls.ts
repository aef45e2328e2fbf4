// Call records and their timeline: one row per call, one call_events row per thing that happened.
import type { Queryable } from './pool.ts';

export type CallEventKind =
  | 'arrived'
  | 'ivr-answered'
  | 'identified'
  | 'menu'
  | 'self-service'
  | 'queued'
  | 'overflowed'
  | 'offered'
  | 'agent-ringing'
  | 'agent-no-answer'
  | 'agent-failed'
  | 'agent-answered'
  | 'held'
  | 'resumed'
  | 'transferred'
  | 'outside-answered'
  | 'outside-failed'
  | 'consult-started'
  | 'consult-answered'
  | 'consult-failed'
  | 'consult-ended'
  | 'consult-cancelled'
  | 'conference'
  | 'conference-left'
  | 'ended'
  | 'wrapped-up'
  /** A team leader's listen, whisper or barge (detail: leaderId, leaderName, mode, from, reason, durationS). */
  | 'monitor-started'
  | 'monitor-changed'
  | 'monitor-ended'
  /** A callback instead of waiting (ivr/flow/interpreter.ts): asked for, the caller's line gone, each try. */
  | 'callback-requested'
  | 'caller-left'
  | 'callback-dialled'
  | 'callback-answered'
  | 'callback-not-reached'
  | 'callback-failed'
  | 'callback-adopted'
  /** The controller that ran the call stopped (kill -9, a crash); the next one of its node ended the record. */
  | 'controller-lost'
  | 'agent-hangup'
  | 'ticket'
  /** An outbound campaign call: what the owner chose (detail: outcome, value). */
  | 'outcome';

export interface NewInboundCall {
  id: string;
  callerNumber: string | null;
  dialledNumber: string;
  channelId: string;
  startedAt: Date;
}

/** Idempotent: a retry of an insert that was done but not confirmed changes nothing. */
export async function createInboundCall(db: Queryable, call: NewInboundCall): Promise<void> {
  await db.query(
    `INSERT INTO calls (id, direction, caller_number, dialled_number, channel_id, started_at)
     VALUES ($1, 'inbound', $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING`,
    [call.id, call.callerNumber, call.dialledNumber, call.channelId, call.startedAt],
  );
}

export interface CallUpdate {
  ownerId?: number | null;
  intent?: string;
  queue?: string;
  agentId?: number | null;
  ivrPath?: string[];
  queuedAt?: Date;
  agentAnsweredAt?: Date;
  endedAt?: Date;
  hangupBy?: 'caller' | 'agent' | 'system';
  hangupCause?: string;
  outcome?: string;
  /** File name (without .wav) of the call's recording in the PBX's recording folder. */
  recording?: string;
  disposition?: string;
  wrapUpNote?: string | null;
  ticketId?: number | null;
  wrappedUpAt?: Date;
  /** Seconds the owner spent on hold in the whole call. */
  holdS?: number;
}

const COLUMNS: Record<keyof CallUpdate, string> = {
  ownerId: 'owner_id',
  intent: 'intent',
  queue: 'queue',
  agentId: 'agent_id',
  ivrPath: 'ivr_path',
  queuedAt: 'queued_at',
  agentAnsweredAt: 'agent_answered_at',
  endedAt: 'ended_at',
  hangupBy: 'hangup_by',
  hangupCause: 'hangup_cause',
  outcome: 'outcome',
  recording: 'recording',
  disposition: 'disposition',
  wrapUpNote: 'wrap_up_note',
  ticketId: 'ticket_id',
  wrappedUpAt: 'wrapped_up_at',
  holdS: 'hold_s',
};

export async function updateCall(db: Queryable, callId: string, update: CallUpdate): Promise<void> {
  const entries = Object.entries(update).filter(([, v]) => v !== undefined) as [keyof CallUpdate, unknown][];
  if (entries.length === 0) return;
  const sets = entries.map(([k], i) => `${COLUMNS[k]} = $${i + 2}`);
  await db.query(`UPDATE calls SET ${sets.join(', ')} WHERE id = $1`, [callId, ...entries.map(([, v]) => v)]);
}

export async function addCallEvent(
  db: Queryable,
  callId: string,
  kind: CallEventKind,
  detail: Record<string, unknown> = {},
  at: Date = new Date(),
): Promise<void> {
  await addCallEvents(db, [{ callId, kind, detail, at }]);
}

export interface CallEventRow {
  callId: string;
  kind: CallEventKind;
  detail: Record<string, unknown>;
  at: Date;
}

/** Several events (of one call or of many) in one statement, in the order given. */
export async function addCallEvents(db: Queryable, events: readonly CallEventRow[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `INSERT INTO call_events (call_id, at, kind, detail)
     SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::jsonb[])`,
    [
      events.map((e) => e.callId),
      events.map((e) => e.at),
      events.map((e) => e.kind),
      events.map((e) => JSON.stringify(e.detail)),
    ],
  );
}

/**
 * Ends the records a stopped controller left open: the calls of one Asterisk node (channel ids start with its
 * system name and a dash) that started before `startedBefore` and are not among `live` (calls the new controller
 * already runs). A call an agent answered stays answered; the others failed. The end is the time of this
 * clean-up: when the old controller died is not known. Returns the calls ended.
 */
export async function endLeftCalls(
  db: Queryable,
  left: { channelPrefix: string; startedBefore: Date; live: readonly string[] },
): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `WITH ended AS (
       UPDATE calls SET ended_at = now(), hangup_by = 'system', hangup_cause = 'controller-stopped',
              outcome = CASE WHEN agent_answered_at IS NOT NULL THEN 'answered' ELSE 'failed' END
        WHERE ended_at IS NULL AND started_at < $2 AND starts_with(channel_id, $1) AND NOT (channel_id = ANY($3))
        RETURNING id)
     INSERT INTO call_events (call_id, kind) SELECT id, 'controller-lost' FROM ended RETURNING call_id AS id`,
    [left.channelPrefix, left.startedBefore, left.live],
  );
  return r.rows.map((row) => row.id);
}

export interface CallRecord {
  id: string;
  direction: string;
  callerNumber: string | null;
  dialledNumber: string;
  ownerId: number | null;
  /** The owner's and the (last) agent's names, for the call's page. */
  ownerName: string | null;
  agentId: number | null;
  agentName: string | null;
  intent: string | null;
  queue: string | null;
  ivrPath: string[];
  startedAt: Date;
  agentAnsweredAt: Date | null;
  endedAt: Date | null;
  hangupBy: string | null;
  hangupCause: string | null;
  outcome: string | null;
  recording: string | null;
  disposition: string | null;
  wrapUpNote: string | null;
  ticketId: number | null;
  holdS: number;
  timeline: { at: Date; kind: string; detail: Record<string, unknown> }[];
}

export async function getCall(db: Queryable, callId: string): Promise<CallRecord | null> {
  const { rows } = await db.query<Omit<CallRecord, 'timeline'>>(
    `SELECT id, direction, caller_number AS "callerNumber", dialled_number AS "dialledNumber",
            owner_id AS "ownerId", agent_id AS "agentId", intent, queue, ivr_path AS "ivrPath",
            started_at AS "startedAt", agent_answered_at AS "agentAnsweredAt", ended_at AS "endedAt",
            hangup_by AS "hangupBy", hangup_cause AS "hangupCause", outcome, recording,
            disposition, wrap_up_note AS "wrapUpNote", ticket_id AS "ticketId", hold_s AS "holdS",
            (SELECT name FROM owners WHERE owners.id = calls.owner_id) AS "ownerName",
            (SELECT name FROM agents WHERE agents.id = calls.agent_id) AS "agentName"
       FROM calls WHERE id = $1`,
    [callId],
  );
  const call = rows[0];
  if (!call) return null;
  const events = await db.query<CallRecord['timeline'][number]>(
    'SELECT at, kind, detail FROM call_events WHERE call_id = $1 ORDER BY at, id',
    [callId],
  );
  return { ...call, timeline: events.rows };
}

/**
 * Whether the agent took part in the call: the last agent to answer it (`agentId`), or an agent who answered it
 * and transferred it on (the timeline's `agent-answered`). They may see it, hear it and wrap it up.
 */
export function agentTookCall(call: CallRecord, agentId: number): boolean {
  return (
    call.agentId === agentId ||
    call.timeline.some((e) => e.kind === 'agent-answered' && e.detail.agentId === agentId)
  );
}

/** Recordings of calls that started before `before`, oldest first (for the retention job). */
export async function recordingsOlderThan(
  db: Queryable,
  before: Date,
  limit: number,
): Promise<{ id: string; recording: string }[]> {
  const { rows } = await db.query<{ id: string; recording: string }>(
    `SELECT id, recording FROM calls WHERE recording IS NOT NULL AND started_at < $1 ORDER BY started_at LIMIT $2`,
    [before, limit],
  );
  return rows;
}

export async function markRecordingPurged(db: Queryable, callId: string, at: Date): Promise<void> {
  await db.query('UPDATE calls SET recording = NULL, recording_purged_at = $2 WHERE id = $1', [callId, at]);
}
