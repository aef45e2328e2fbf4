// Quality assurance (migration 025, core/quality.ts): the scoring form, the sampling settings, the samples drawn
// and scored, and the scores per agent and period.
import type {
  QaAgentPeriod,
  QaForm,
  QaItem,
  QaPeriod,
  QaPeriodKind,
  QaSample,
  QaSettings,
} from '../core/quality.ts';
import type { Queryable } from './pool.ts';

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export async function currentQaForm(db: Queryable): Promise<QaForm> {
  const { rows } = await db.query<QaForm>(
    `SELECT id, items, ${iso('created_at')} AS "createdAt" FROM qa_forms ORDER BY id DESC LIMIT 1`,
  );
  return rows[0]!;
}

/** A new version of the form (the samples already drawn keep theirs). */
export async function saveQaForm(db: Queryable, items: QaItem[], by: number): Promise<QaForm> {
  const { rows } = await db.query<QaForm>(
    `INSERT INTO qa_forms (items, created_by) VALUES ($1, $2)
     RETURNING id, items, ${iso('created_at')} AS "createdAt"`,
    [JSON.stringify(items), by],
  );
  return rows[0]!;
}

export async function qaSettings(db: Queryable): Promise<QaSettings> {
  const { rows } = await db.query<QaSettings>('SELECT per_agent AS "perAgent", period FROM qa_settings');
  return rows[0]!;
}

export async function saveQaSettings(db: Queryable, settings: QaSettings, by: number): Promise<QaSettings> {
  const { rows } = await db.query<QaSettings>(
    `UPDATE qa_settings SET per_agent = $1, period = $2, updated_by = $3, updated_at = now()
     RETURNING per_agent AS "perAgent", period`,
    [settings.perAgent, settings.period, by],
  );
  return rows[0]!;
}

/**
 * Draws each agent's sample for the period: calls they answered in it whose recording is kept, at random, until
 * the agent has `perAgent` samples of the period (never a call twice). Returns how many were drawn now.
 */
export async function drawQaSamples(db: Queryable, period: QaPeriod, perAgent: number): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO qa_samples (call_id, agent_id, period, period_kind, form_id)
     SELECT x.id, x.agent_id, $3, $4, (SELECT max(id) FROM qa_forms)
       FROM (SELECT c.id, c.agent_id,
                    row_number() OVER (PARTITION BY c.agent_id ORDER BY random()) AS n
               FROM calls c
              WHERE c.started_at >= $1 AND c.started_at < $2 AND c.recording IS NOT NULL
                AND c.recording_purged_at IS NULL AND c.agent_id IS NOT NULL AND c.agent_answered_at IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM qa_samples s WHERE s.call_id = c.id)) x
      WHERE x.n <= $5 - (SELECT count(*) FROM qa_samples s
                          WHERE s.agent_id = x.agent_id AND s.period_kind = $4 AND s.period = $3)
     ON CONFLICT (call_id) DO NOTHING`,
    [period.from, period.to, period.label, period.kind, perAgent],
  );
  return rowCount ?? 0;
}

const SAMPLE_COLUMNS = `s.id, s.call_id AS "callId", s.agent_id AS "agentId", a.name AS "agentName",
       a.agent_number AS "agentNumber", s.period, ${iso('c.agent_answered_at')} AS "answeredAt", c.queue,
       CASE WHEN c.ended_at IS NOT NULL AND c.agent_answered_at IS NOT NULL
            THEN round(extract(epoch FROM c.ended_at - c.agent_answered_at))::int END AS "talkS",
       json_build_object('id', f.id, 'items', f.items, 'createdAt', ${iso('f.created_at')}) AS form,
       s.scores, s.total, s.out_of AS "outOf", s.comment, r.name AS reviewer, ${iso('s.scored_at')} AS "scoredAt"
  FROM qa_samples s JOIN calls c ON c.id = s.call_id JOIN agents a ON a.id = s.agent_id
  JOIN qa_forms f ON f.id = s.form_id LEFT JOIN agents r ON r.id = s.reviewer_id`;

/** Samples, newest first: to score, or scored; one agent's only when `agentId` is given. */
export async function qaSamples(
  db: Queryable,
  opts: { scored: boolean; agentId?: number | null; limit: number },
): Promise<QaSample[]> {
  const { rows } = await db.query<QaSample>(
    `SELECT ${SAMPLE_COLUMNS}
      WHERE (s.scored_at IS NOT NULL) = $1 AND ($2::int IS NULL OR s.agent_id = $2)
      ORDER BY s.drawn_at DESC, s.id DESC LIMIT $3`,
    [opts.scored, opts.agentId ?? null, opts.limit],
  );
  return rows;
}

export async function qaSample(db: Queryable, id: number): Promise<QaSample | null> {
  const { rows } = await db.query<QaSample>(`SELECT ${SAMPLE_COLUMNS} WHERE s.id = $1`, [id]);
  return rows[0] ?? null;
}

/** Writes the scores (again, if a team leader corrects them). */
export async function scoreQaSampleRow(
  db: Queryable,
  id: number,
  score: { scores: number[]; total: number; outOf: number; comment: string | null },
  by: number,
): Promise<void> {
  await db.query(
    `UPDATE qa_samples SET scores = $2, total = $3, out_of = $4, comment = $5, reviewer_id = $6, scored_at = now()
      WHERE id = $1`,
    [id, score.scores, score.total, score.outOf, score.comment, by],
  );
}

/** The scored samples per agent and period of the kind, from `fromPeriod` on ('2026-W40'); one agent's only if given. */
export async function qaScores(
  db: Queryable,
  opts: { kind: QaPeriodKind; fromPeriod: string; agentId?: number | null },
): Promise<QaAgentPeriod[]> {
  const { rows } = await db.query<QaAgentPeriod>(
    `SELECT s.agent_id AS "agentId", a.name AS "agentName", a.agent_number AS "agentNumber", s.period,
            count(*)::int AS scored, (sum(s.total)::float8 / sum(s.out_of)) AS share
       FROM qa_samples s JOIN agents a ON a.id = s.agent_id
      WHERE s.scored_at IS NOT NULL AND s.period_kind = $1 AND s.period >= $2
        AND ($3::int IS NULL OR s.agent_id = $3)
      GROUP BY s.agent_id, a.name, a.agent_number, s.period
      ORDER BY a.name, s.agent_id, s.period`,
    [opts.kind, opts.fromPeriod, opts.agentId ?? null],
  );
  return rows;
}
