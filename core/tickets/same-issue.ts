// When are two complaints "the same issue"? Severity counts owners and households per issue (severity.ts), so
// the rule is a key: two cases of the same project are the same issue when their keys are equal.
//
//   key = category | building | keyword
//
// - category: the complaint category (工程质量, 物业管理...).
// - building: the building's id as the database gives it ('*' when the case is about the whole estate). Units of
//   one building share risers, roofs and lifts; two buildings' leaks are two issues.
// - keyword: what the complaint is about, from its description:
//   1. the text is normalised: NFKC (full-width letters and digits become ASCII), lower case;
//   2. the first of ISSUE_TERMS (in list order, not text order) with a word the text contains is the keyword:
//      synonyms fold into one term (漏水, 渗水, 滲水, 渗漏, 漏雨 → 渗漏). The list puts causes before their
//      symptoms (渗漏 before 发霉, 停电 before 电梯, 堵塞 before 异味), so "卫生间漏水导致墙面发霉" and "墙面发霉,
//      楼上渗水" are both 渗漏;
//   3. a text with none of the words keeps its own gist: without spaces, punctuation, digits, Latin letters (room
//      codes) and STOP_WORDS, its first 16 characters, marked with '~'. Two such texts match only when they
//      say the same thing in nearly the same words: rare, and never a false 热点.
// The words are kept few on purpose (the common complaint words of the four manuals); single characters are
// avoided (吵 would match 争吵). Changing the list changes keys: keys stored with the cases are recomputed then.
import { COMPLAINT_CATEGORIES, type ComplaintCategory } from './types.ts';

/** The terms, in priority order, each with the words that mean it. */
export const ISSUE_TERMS: readonly { term: string; words: readonly string[] }[] = [
  { term: '渗漏', words: ['漏水', '渗水', '滲水', '渗漏', '滲漏', '漏雨', '渗雨', '水渍', '洇水'] },
  { term: '停水', words: ['停水', '断水', '没水', '无水', '水压低', '水压小'] },
  { term: '停电', words: ['停电', '断电', '没电', '跳闸'] },
  { term: '燃气', words: ['燃气', '煤气', '天然气'] },
  { term: '堵塞', words: ['堵塞', '堵了', '堵住', '下水不通', '反水', '返水', '下水慢'] },
  { term: '裂缝', words: ['裂缝', '开裂', '裂纹', '裂痕'] },
  { term: '空鼓', words: ['空鼓'] },
  { term: '电梯', words: ['电梯', '困梯'] },
  { term: '发霉', words: ['发霉', '霉变', '霉斑', '长霉', '返潮'] },
  { term: '异味', words: ['异味', '臭味', '发臭', '很臭'] },
  { term: '噪音', words: ['噪音', '噪声', '吵闹', '扰民', '很吵'] },
  { term: '门窗', words: ['门窗', '窗户', '窗框', '入户门'] },
  { term: '面积', words: ['面积'] },
  { term: '交付延期', words: ['延期交房', '延期交付', '逾期交付', '逾期交房', '推迟交房'] },
  { term: '停车', words: ['车位', '停车', '车库'] },
  { term: '垃圾', words: ['垃圾'] },
  { term: '绿化', words: ['绿化', '草坪', '树木'] },
  { term: '安保', words: ['保安', '门禁', '安保', '监控'] },
  { term: '收费', words: ['物业费', '乱收费', '收费'] },
  { term: '服务态度', words: ['态度', '不耐烦'] },
];

/** Words that say nothing about the issue, dropped from a text without any of the terms (longest first). */
export const STOP_WORDS: readonly string[] = [
  '业主',
  '我们',
  '我家',
  '家里',
  '非常',
  '一直',
  '已经',
  '还是',
  '现在',
  '麻烦',
  '希望',
  '尽快',
  '问题',
  '情况',
  '反映',
  '投诉',
  '严重',
  '请',
  '我',
  '的',
  '了',
  '很',
  '太',
  '都',
  '也',
  '还',
  '又',
  '就',
  '是',
  '在',
  '有',
  '吗',
  '呢',
  '啊',
];

const GIST_LENGTH = 16;

/** What a complaint is about, for sameIssueKey. */
export interface IssueFacts {
  category: ComplaintCategory;
  /** The building's id; null when the case is about the whole estate. */
  building: string | number | null;
  description: string;
}

const normalise = (text: string): string => text.normalize('NFKC').toLowerCase();

/** The keyword of a description: an ISSUE_TERMS term, or '~' and the text's gist. */
export function issueKeyword(description: string): string {
  const text = normalise(description);
  for (const { term, words } of ISSUE_TERMS) {
    if (words.some((w) => text.includes(w))) return term;
  }
  let gist = text.replace(/[\s\p{P}\p{S}0-9a-z]/gu, '');
  for (const word of STOP_WORDS) gist = gist.replaceAll(word, '');
  return `~${[...gist].slice(0, GIST_LENGTH).join('')}`;
}

/** The same-issue key: category | building | keyword. */
export function sameIssueKey(issue: IssueFacts): string {
  if (!COMPLAINT_CATEGORIES.includes(issue.category)) {
    throw new RangeError(`not a complaint category: "${String(issue.category)}"`);
  }
  const building = issue.building === null ? '*' : normalise(String(issue.building)).trim() || '*';
  return `${issue.category}|${building}|${issueKeyword(issue.description)}`;
}
