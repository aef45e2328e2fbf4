// The standard answers (migration 024, core/knowledge.ts): searched by every desk, written by admins.
import {
  containsPattern,
  rankAnswers,
  type KnowledgeAnswer,
  type KnowledgeAnswerRequest,
} from '../core/knowledge.ts';
import type { Queryable } from './pool.ts';

/** Whose answers a reader sees: every estate's (team leaders, admins), or the general ones and their estates'. */
export type KnowledgeReader = { allEstates: true } | { allEstates: false; agentId: number };

const COLUMNS = `k.id, k.title, k.body, k.keywords, k.estate_id AS "estateId", e.name AS estate,
                 to_char(k.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt",
                 a.name AS "updatedBy"
            FROM knowledge_answers k LEFT JOIN estates e ON e.id = k.estate_id
            LEFT JOIN agents a ON a.id = k.updated_by`;

/** The estates clause: $1 is the agent's id, or null for every estate. */
const SEEN_BY = `($1::int IS NULL OR k.estate_id IS NULL
                  OR k.estate_id IN (SELECT estate_id FROM agent_estates WHERE agent_id = $1))`;

/** The candidates the search ranks: at most this many (a small knowledge base: hundreds of answers). */
const CANDIDATES = 500;

/**
 * The answers matching every word, best first (core/knowledge.ts rankAnswers), at most `limit`; with no words,
 * the answers changed last.
 */
export async function searchKnowledge(
  db: Queryable,
  reader: KnowledgeReader,
  words: string[],
  limit: number,
): Promise<KnowledgeAnswer[]> {
  const agentId = reader.allEstates ? null : reader.agentId;
  if (words.length === 0) {
    const { rows } = await db.query<KnowledgeAnswer>(
      `SELECT ${COLUMNS} WHERE NOT k.archived AND ${SEEN_BY} ORDER BY k.updated_at DESC LIMIT $2`,
      [agentId, limit],
    );
    return rows;
  }
  // every word somewhere in the title, the keywords or the text; ranked here
  const { rows } = await db.query<KnowledgeAnswer>(
    `SELECT ${COLUMNS}
      WHERE NOT k.archived AND ${SEEN_BY}
        AND (SELECT bool_and(k.title ILIKE w OR k.body ILIKE w OR array_to_string(k.keywords, ' ') ILIKE w)
               FROM unnest($2::text[]) w)
      ORDER BY k.updated_at DESC LIMIT ${CANDIDATES}`,
    [agentId, words.map(containsPattern)],
  );
  return rankAnswers(rows, words).slice(0, limit);
}

export async function knowledgeAnswer(db: Queryable, id: number): Promise<KnowledgeAnswer | null> {
  const { rows } = await db.query<KnowledgeAnswer>(`SELECT ${COLUMNS} WHERE k.id = $1 AND NOT k.archived`, [
    id,
  ]);
  return rows[0] ?? null;
}

/** A new answer; null when its estate does not exist. */
export async function addKnowledgeAnswer(
  db: Queryable,
  answer: Required<KnowledgeAnswerRequest>,
  by: number,
): Promise<KnowledgeAnswer | null> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO knowledge_answers (title, body, keywords, estate_id, updated_by)
     SELECT $1, $2, $3, $4, $5 WHERE $4::int IS NULL OR EXISTS (SELECT 1 FROM estates WHERE id = $4)
     RETURNING id`,
    [answer.title, answer.body, answer.keywords, answer.estateId, by],
  );
  return rows[0] ? knowledgeAnswer(db, rows[0].id) : null;
}

/** The answer rewritten; 'missing' when there is no such answer, 'no-estate' when its estate does not exist. */
export async function updateKnowledgeAnswer(
  db: Queryable,
  id: number,
  answer: Required<KnowledgeAnswerRequest>,
  by: number,
): Promise<KnowledgeAnswer | 'missing' | 'no-estate'> {
  if (answer.estateId !== null) {
    const { rowCount } = await db.query('SELECT 1 FROM estates WHERE id = $1', [answer.estateId]);
    if (!rowCount) return 'no-estate';
  }
  const { rowCount } = await db.query(
    `UPDATE knowledge_answers SET title = $2, body = $3, keywords = $4, estate_id = $5, updated_by = $6,
            updated_at = now()
      WHERE id = $1 AND NOT archived`,
    [id, answer.title, answer.body, answer.keywords, answer.estateId, by],
  );
  if (!rowCount) return 'missing';
  return (await knowledgeAnswer(db, id))!;
}

/** Archives the answer; false when there is no such answer. */
export async function archiveKnowledgeAnswer(db: Queryable, id: number, by: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE knowledge_answers SET archived = true, updated_by = $2, updated_at = now() WHERE id = $1 AND NOT archived`,
    [id, by],
  );
  return (rowCount ?? 0) > 0;
}
