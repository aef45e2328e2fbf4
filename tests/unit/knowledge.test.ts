// The standard answers' rules (core/knowledge.ts): how a query is cut into words, how an answer is checked, how
// the answers found are ranked.
import { describe, expect, it } from 'vitest';
import { checkAnswer, containsPattern, rankAnswers, searchWords } from '../../core/knowledge.ts';

describe('search words', () => {
  it('cuts at spaces and at Chinese and Latin punctuation, lower-cased, each once', () => {
    expect(searchWords(' 停水，维修  停水 Water,CUT ')).toEqual(['停水', '维修', 'water', 'cut']);
    expect(searchWords('物业费?怎么交!')).toEqual(['物业费', '怎么交']);
  });

  it('keeps at most 8 words and looks at the first 100 characters', () => {
    expect(searchWords('a b c d e f g h i j')).toHaveLength(8);
    expect(searchWords(`${'x'.repeat(100)}停水`)).toEqual(['x'.repeat(100)]);
  });

  it('finds nothing to look for in punctuation alone', () => {
    expect(searchWords(' %%%  ,,, ')).toEqual([]);
  });

  it('takes LIKE wildcards literally', () => {
    expect(containsPattern('100%_a\\b')).toBe('%100\\%\\_a\\\\b%');
  });
});

describe('an answer as an admin writes it', () => {
  it('is trimmed, its keywords cleaned of blanks and repeats', () => {
    expect(
      checkAnswer({ title: ' 停水 ', body: ' 明日恢复 ', keywords: ['停水', ' ', '停水', '供水'] }),
    ).toEqual({
      ok: true,
      answer: { title: '停水', body: '明日恢复', keywords: ['停水', '供水'], estateId: null },
    });
  });

  it('needs a title and an answer, and keeps keywords few and short', () => {
    const problem = (r: Parameters<typeof checkAnswer>[0]) => {
      const c = checkAnswer(r);
      return c.ok ? null : c.message;
    };
    expect(problem({ title: '  ', body: '有' })).toContain('The question needs a title');
    expect(problem({ title: '有', body: '' })).toContain('The answer needs 1 to 4000 characters');
    expect(problem({ title: 'x'.repeat(101), body: '有' })).toContain('1 to 100');
    expect(
      problem({ title: '有', body: '有', keywords: Array.from({ length: 21 }, (_, i) => `k${i}`) }),
    ).toContain('At most 20 keywords');
    expect(problem({ title: '有', body: '有', keywords: ['x'.repeat(21)] })).toContain('up to 20 characters');
  });
});

describe('ranking', () => {
  const answer = (title: string, body: string, keywords: string[], updatedAt: string) => ({
    title,
    body,
    keywords,
    updatedAt,
  });
  const inTitle = answer('停水怎么办', '关注通知', [], '2026-01-01T00:00:00Z');
  const inKeyword = answer('供水问题', '关注通知', ['停水'], '2026-01-02T00:00:00Z');
  const inBody = answer('物业通知', '如遇停水请联系管家', [], '2026-01-03T00:00:00Z');
  const inBodyLater = answer('小区公告', '停水期间请储水', [], '2026-01-04T00:00:00Z');
  const elsewhere = answer('物业费', '每月 25 日前缴纳', ['缴费'], '2026-01-05T00:00:00Z');

  it('puts a word in the title before one in a keyword before one in the text; ties go to the newer', () => {
    expect(rankAnswers([inBody, elsewhere, inKeyword, inBodyLater, inTitle], ['停水'])).toEqual([
      inTitle,
      inKeyword,
      inBodyLater,
      inBody,
    ]);
  });

  it('keeps only the answers with every word', () => {
    expect(rankAnswers([inTitle, inBody, inBodyLater], ['停水', '管家'])).toEqual([inBody]);
  });
});
