// The standard answers (统一答复口径, issue 7): what the estate has agreed agents say about a recurring question
// ("物业费怎么收", "停水什么时候恢复"), kept by admins, searched by the agents during a call. Pure: how a search
// is cut into words, how an answer is checked, how the answers found are ranked.
//
// Search: the words of the query (split at spaces and punctuation, Chinese punctuation too) each found anywhere
// in an answer's title, keywords or text, case-insensitively. Every word must be found (a longer query narrows).
// Rank: a word in the title counts 3, in a keyword 2, in the text 1; ties go to the answer changed last.

export interface KnowledgeAnswer {
  id: number;
  title: string;
  body: string;
  keywords: string[];
  /** The estate the answer is for; null: every estate. */
  estateId: number | null;
  estate: string | null;
  updatedAt: string;
  updatedBy: string | null;
}

/** What an admin writes (POST /api/admin/knowledge, PUT /api/admin/knowledge/:id). */
export interface KnowledgeAnswerRequest {
  title: string;
  body: string;
  keywords?: string[];
  estateId?: number | null;
}

export const KNOWLEDGE_LIMITS = {
  title: 100,
  body: 4000,
  keywords: 20,
  keyword: 20,
  /** Words of a query looked for; the rest are ignored. */
  words: 8,
  /** Characters of a query looked at. */
  query: 100,
} as const;

/** The words of a search query, lower-cased, each once, at most KNOWLEDGE_LIMITS.words. */
export function searchWords(query: string): string[] {
  const words = query
    .slice(0, KNOWLEDGE_LIMITS.query)
    .toLowerCase()
    .split(/[\s\p{P}\p{S}]+/u)
    .filter((w) => w !== '');
  return [...new Set(words)].slice(0, KNOWLEDGE_LIMITS.words);
}

/** A word as a LIKE pattern that matches it anywhere, its %, _ and \ taken literally. */
export function containsPattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The answer as it is kept (trimmed, keywords cleaned), or what is wrong with it, in the admin's words. */
export function checkAnswer(
  req: KnowledgeAnswerRequest,
): { ok: true; answer: Required<KnowledgeAnswerRequest> } | { ok: false; message: string } {
  const title = req.title.trim();
  const body = req.body.trim();
  if (title === '' || title.length > KNOWLEDGE_LIMITS.title)
    return {
      ok: false,
      message: `请填写问题标题(1 到 ${KNOWLEDGE_LIMITS.title} 个字)/ The question needs a title of 1 to ${KNOWLEDGE_LIMITS.title} characters.`,
    };
  if (body === '' || body.length > KNOWLEDGE_LIMITS.body)
    return {
      ok: false,
      message: `请填写答复口径(1 到 ${KNOWLEDGE_LIMITS.body} 个字)/ The answer needs 1 to ${KNOWLEDGE_LIMITS.body} characters.`,
    };
  const keywords = [...new Set((req.keywords ?? []).map((k) => k.trim()).filter((k) => k !== ''))];
  if (
    keywords.length > KNOWLEDGE_LIMITS.keywords ||
    keywords.some((k) => k.length > KNOWLEDGE_LIMITS.keyword)
  )
    return {
      ok: false,
      message: `关键词最多 ${KNOWLEDGE_LIMITS.keywords} 个,每个不超过 ${KNOWLEDGE_LIMITS.keyword} 个字 / At most ${KNOWLEDGE_LIMITS.keywords} keywords of up to ${KNOWLEDGE_LIMITS.keyword} characters each.`,
    };
  return { ok: true, answer: { title, body, keywords, estateId: req.estateId ?? null } };
}

/** How well an answer matches the words (0: some word is not in it). */
export function answerScore(
  answer: Pick<KnowledgeAnswer, 'title' | 'body' | 'keywords'>,
  words: string[],
): number {
  const title = answer.title.toLowerCase();
  const body = answer.body.toLowerCase();
  const keywords = answer.keywords.map((k) => k.toLowerCase());
  let score = 0;
  for (const word of words) {
    const s =
      (title.includes(word) ? 3 : 0) +
      (keywords.some((k) => k.includes(word)) ? 2 : 0) +
      (body.includes(word) ? 1 : 0);
    if (s === 0) return 0;
    score += s;
  }
  return score;
}

/** The answers that match every word, best first (ties: changed last first). */
export function rankAnswers<T extends Pick<KnowledgeAnswer, 'title' | 'body' | 'keywords' | 'updatedAt'>>(
  answers: readonly T[],
  words: string[],
): T[] {
  return answers
    .map((a) => ({ a, score: answerScore(a, words) }))
    .filter((x) => x.score > 0)
    .sort((x, y) => y.score - x.score || y.a.updatedAt.localeCompare(x.a.updatedAt))
    .map((x) => x.a);
}
