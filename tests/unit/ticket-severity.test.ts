// How serious a complaint is: the same-issue key, each severity threshold just below and just at it, the
// ratchet, and a supervisor's say.
import { describe, expect, it } from 'vitest';
import {
  assessSeverity,
  DEFAULT_SEVERITY_RULES,
  escalationWarning,
  issueKeyword,
  sameIssueKey,
  setSeverity,
  severityReasons,
  type IssueFacts,
  type SeverityFacts,
  type SimilarCase,
  type TicketActor,
} from '../../core/tickets/index.ts';

describe('the same-issue key: category | building | keyword', () => {
  const leak = (description: string, building: IssueFacts['building'] = 12): IssueFacts => ({
    category: '工程质量',
    building,
    description,
  });

  it('folds the words for a leak into one keyword', () => {
    const keys = ['卫生间漏水', '主卧顶棚渗水', '外墙滲水(繁体)', '阳台渗漏', '下雨天窗边漏雨'].map((d) =>
      sameIssueKey(leak(d)),
    );
    expect(new Set(keys)).toEqual(new Set(['工程质量|12|渗漏']));
  });

  it('takes the cause before the symptom, whatever the word order', () => {
    expect(issueKeyword('卫生间漏水导致墙面发霉')).toBe('渗漏');
    expect(issueKeyword('墙面发霉,楼上渗水')).toBe('渗漏');
    expect(issueKeyword('墙面发霉')).toBe('发霉');
    expect(issueKeyword('停电了,电梯困人')).toBe('停电');
    expect(issueKeyword('下水道堵了,厨房有臭味')).toBe('堵塞');
  });

  it.each([
    ['噪音', ['楼上装修噪音', '晚上施工噪声扰民', '广场舞很吵']],
    ['裂缝', ['客厅墙面开裂', '地面有裂纹', '外墙裂缝']],
    ['电梯', ['3 号电梯经常停', '困梯半小时']],
    ['停水', ['又停水了', '家里没水', '水压低']],
    ['收费', ['物业费太贵', '乱收费']],
    ['交付延期', ['开发商延期交房', '逾期交付三个月']],
  ])('folds the words for %s', (term, descriptions) => {
    for (const d of descriptions) expect(issueKeyword(d)).toBe(term);
  });

  it('reads full-width letters and digits as ASCII', () => {
    expect(sameIssueKey(leak('漏水', 'Ｂ３'))).toBe(sameIssueKey(leak('漏水', 'b3')));
    expect(issueKeyword('ＡＢＣ路灯坏了')).toBe(issueKeyword('abc 路灯坏了'));
  });

  it('tells buildings and categories apart; a case about the whole estate has building *', () => {
    expect(sameIssueKey(leak('漏水', 12))).not.toBe(sameIssueKey(leak('漏水', 13)));
    expect(sameIssueKey({ ...leak('漏水'), category: '物业管理' })).toBe('物业管理|12|渗漏');
    expect(sameIssueKey(leak('漏水', null))).toBe('工程质量|*|渗漏');
    expect(sameIssueKey(leak('漏水', ' '))).toBe('工程质量|*|渗漏');
  });

  it('keeps the gist of a text without a known word: the same words match, others do not', () => {
    expect(issueKeyword('3栋路灯坏了!')).toBe('~栋路灯坏');
    expect(issueKeyword('5栋 路灯 坏了。')).toBe('~栋路灯坏');
    expect(issueKeyword('我家门口的路灯一直坏了')).toBe('~门口路灯坏');
    expect(issueKeyword('前台和业主争吵')).toBe('~前台和争吵'); // not 噪音: 吵 alone is not a word of it
    expect(issueKeyword('')).toBe('~');
    expect([...issueKeyword('这是一段没有任何关键词但是写得非常非常长的描述文字用来测试截断')].length).toBe(
      17,
    );
  });

  it('refuses a category that is not a complaint category', () => {
    expect(() => sameIssueKey({ ...leak('漏水'), category: '维修' as IssueFacts['category'] })).toThrow(
      RangeError,
    );
  });
});

const T = '2026-11-24T02:00:00.000Z';
const DAY = 86_400_000;
const at = (offsetMs: number) => new Date(Date.parse(T) + offsetMs).toISOString();
const ISSUE: IssueFacts = { category: '工程质量', building: 12, description: '卫生间漏水' };
const KEY = sameIssueKey(ISSUE);

const facts = (changes: Partial<SeverityFacts> = {}): SeverityFacts => ({
  issue: ISSUE,
  ownerId: 1,
  units: [101],
  complainants: 1,
  registeredAt: T,
  compensationAskedFen: null,
  litigation: 'none',
  media: 'none',
  unresolvedMs: 0,
  similar: [],
  ...changes,
});

/** Another case of the same issue, by owner `n` of unit 100 + n, registered `offsetMs` from this one. */
const other = (n: number, offsetMs = -DAY, changes: Partial<SimilarCase> = {}): SimilarCase => ({
  ownerId: n,
  unitId: 100 + n,
  registeredAt: at(offsetMs),
  issueKey: KEY,
  open: true,
  severity: 'ordinary',
  ...changes,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const level = (f: SeverityFacts) => assessSeverity(f).level;
const codes = (f: SeverityFacts) => severityReasons(f).map((r) => r.code);

describe('热点 hot', () => {
  it('is one of 一般 by default', () => {
    expect(assessSeverity(facts())).toEqual({
      level: 'ordinary',
      computed: 'ordinary',
      reasons: [],
      raised: false,
    });
  });

  it('when 3 different owners report the same issue within 30 days (2 is not)', () => {
    expect(level(facts({ similar: [other(2)] }))).toBe('ordinary');
    expect(level(facts({ similar: [other(2), other(3)] }))).toBe('hot');
    expect(severityReasons(facts({ similar: [other(2), other(3)] }))[0]).toEqual({
      code: 'repeated',
      level: 'hot',
      zh: '30 天内 3 位业主反映同一问题',
      en: '3 owners reported the same issue within 30 days',
    });
  });

  it('counts owners, not calls: the same owner twice, or callers without an owner, are one or none', () => {
    expect(level(facts({ similar: [other(2), other(2, -2 * DAY)] }))).toBe('ordinary');
    expect(level(facts({ similar: [other(1), other(2)] }))).toBe('ordinary');
    const anonymous = { ownerId: null, unitId: null };
    expect(level(facts({ similar: [other(2), other(3, -DAY, anonymous), other(4, -DAY, anonymous)] }))).toBe(
      'ordinary',
    );
  });

  it('counts only the same issue', () => {
    expect(level(facts({ similar: [other(2), other(3, -DAY, { issueKey: '工程质量|13|渗漏' })] }))).toBe(
      'ordinary',
    );
  });

  it('within 30 days: 30 days minus a millisecond apart is within, 30 days is not', () => {
    expect(level(facts({ similar: [other(2, -(30 * DAY - 1)), other(3)] }))).toBe('hot');
    expect(level(facts({ similar: [other(2, -30 * DAY), other(3)] }))).toBe('ordinary');
    // later cases count too (the case is assessed again when they come in)
    expect(level(facts({ similar: [other(2, 30 * DAY - 1), other(3, DAY)] }))).toBe('hot');
    expect(level(facts({ similar: [other(2, 30 * DAY), other(3, DAY)] }))).toBe('ordinary');
  });

  it('in one 30-day window: 29 days before and 29 days after is 58 days apart, not a month', () => {
    expect(level(facts({ similar: [other(2, -29 * DAY), other(3, 29 * DAY)] }))).toBe('ordinary');
  });

  it('when 3 people complain together (2 is not)', () => {
    expect(level(facts({ complainants: 2 }))).toBe('ordinary');
    expect(level(facts({ complainants: 3 }))).toBe('hot');
    expect(codes(facts({ complainants: 3 }))).toEqual(['joint']);
  });

  it('when still unresolved 7 days after intake (a millisecond less is not)', () => {
    expect(level(facts({ unresolvedMs: 7 * DAY - 1 }))).toBe('ordinary');
    expect(level(facts({ unresolvedMs: 7 * DAY }))).toBe('hot');
    expect(severityReasons(facts({ unresolvedMs: 7 * DAY }))[0]?.zh).toBe('受理 7 天仍未解决');
  });

  it('when the owner threatens a lawsuit or the media', () => {
    expect(codes(facts({ litigation: 'threatened' }))).toEqual(['threatened']);
    expect(level(facts({ media: 'threatened' }))).toBe('hot');
  });
});

describe('重大 major', () => {
  it('when the compensation asked exceeds 20,000 CNY per household (exactly 20,000 is not)', () => {
    expect(level(facts({ compensationAskedFen: 2_000_000 }))).toBe('ordinary');
    expect(level(facts({ compensationAskedFen: 2_000_001 }))).toBe('major');
    expect(severityReasons(facts({ compensationAskedFen: 2_000_001 }))[0]).toMatchObject({
      code: 'compensation',
      zh: '每户索赔 20,000.01 元,超过 20,000 元',
      en: '20,000.01 CNY asked per household, over 20,000',
    });
  });

  it('divides a joint claim by its households', () => {
    expect(level(facts({ units: [101, 102, 103], compensationAskedFen: 6_000_000 }))).toBe('ordinary');
    expect(level(facts({ units: [101, 102, 103], compensationAskedFen: 6_000_001 }))).toBe('major');
    expect(level(facts({ units: [], compensationAskedFen: 2_000_001 }))).toBe('major');
  });

  it('when 20 households share the issue (19 is not)', () => {
    const nineteen = range(2, 19).map((n) => other(n)); // 18 others + this case's unit = 19
    expect(level(facts({ similar: nineteen }))).toBe('hot');
    expect(codes(facts({ similar: [...nineteen, other(20)] }))).toContain('households');
    // one unit twice is one household
    expect(codes(facts({ similar: [...nineteen, other(20, -DAY, { unitId: 102 })] }))).not.toContain(
      'households',
    );
    // a joint complaint brings its units
    expect(codes(facts({ units: [101, 201], similar: nineteen }))).toContain('households');
  });

  it('when in litigation or reported in the media', () => {
    expect(codes(facts({ litigation: 'filed' }))).toEqual(['litigation']);
    expect(codes(facts({ media: 'reported' }))).toEqual(['media']);
    expect(level(facts({ litigation: 'filed' }))).toBe('major');
  });
});

describe('重大群诉 major group complaint', () => {
  const major = { severity: 'major' } as const;
  const asked = { compensationAskedFen: 5_000_000 };

  it('when 10 households have major complaints at once (9 is not)', () => {
    const eight = range(2, 9).map((n) => other(n, -DAY, major)); // 8 + this one = 9
    expect(level(facts({ ...asked, similar: eight }))).toBe('major');
    expect(level(facts({ ...asked, similar: [...eight, other(10, -DAY, major)] }))).toBe('major-group');
    expect(
      severityReasons(facts({ ...asked, similar: [...eight, other(10, -DAY, major)] }))[0],
    ).toMatchObject({
      code: 'group',
      zh: '10 户同时有重大投诉',
    });
  });

  it('counts open cases only, and only when this case is major itself', () => {
    const nine = range(2, 10).map((n) => other(n, -DAY, major));
    expect(
      level(facts({ ...asked, similar: [...nine.slice(1), other(2, -DAY, { ...major, open: false })] })),
    ).toBe('major');
    expect(level(facts({ similar: nine }))).toBe('hot');
  });

  it('counts the open cases of an issue 20 households share as major: they all are', () => {
    const twenty = range(2, 20).map((n) => other(n));
    expect(level(facts({ similar: twenty }))).toBe('major-group');
    const mostlyClosed = twenty.map((c, i) => (i < 11 ? { ...c, open: false } : c)); // 8 open + this one
    expect(level(facts({ similar: mostlyClosed.map((c, i) => (i === 0 ? { ...c, open: true } : c)) }))).toBe(
      'major-group',
    );
    expect(level(facts({ similar: mostlyClosed }))).toBe('major');
  });
});

describe('the level kept', () => {
  it('only goes up by itself', () => {
    const now = assessSeverity(facts({ complainants: 3 }), { level: 'major', dismissed: [] });
    expect(now).toMatchObject({ level: 'major', computed: 'hot', raised: false });
    expect(assessSeverity(facts({ litigation: 'filed' }), { level: 'hot', dismissed: [] })).toMatchObject({
      level: 'major',
      raised: true,
    });
    expect(assessSeverity(facts(), { level: 'crisis', dismissed: [] })).toMatchObject({ level: 'crisis' });
  });

  it('lists every reason, the highest first', () => {
    expect(codes(facts({ complainants: 3, media: 'reported', unresolvedMs: 8 * DAY }))).toEqual([
      'media',
      'joint',
      'unresolved',
    ]);
  });

  it('takes the thresholds from the company', () => {
    const rules = { ...DEFAULT_SEVERITY_RULES, repeatOwners: 4, compensationPerHouseholdFen: 1_000_000 };
    expect(assessSeverity(facts({ similar: [other(2), other(3)] }), undefined, rules).level).toBe('ordinary');
    expect(assessSeverity(facts({ compensationAskedFen: 1_000_001 }), undefined, rules).level).toBe('major');
  });
});

describe('a supervisor sets the severity', () => {
  const supervisor: TicketActor = { role: 'supervisor', id: 2 };
  const agent: TicketActor = { role: 'agent', id: 8 };

  it('to crisis, with a note', () => {
    expect(
      setSeverity(
        { level: 'major', dismissed: [] },
        { level: 'crisis', note: '业主在售楼处聚集' },
        supervisor,
        [],
      ),
    ).toEqual({ ok: true, severity: { level: 'crisis', dismissed: [] } });
  });

  it('lower: the reasons above the new level no longer raise it, a new reason does', () => {
    const hot = facts({ similar: [other(2), other(3)] });
    const reasons = severityReasons(hot);
    const lowered = setSeverity(
      { level: 'hot', dismissed: [] },
      { level: 'ordinary', note: '三户漏水原因各不相同' },
      supervisor,
      reasons,
    );
    expect(lowered).toEqual({ ok: true, severity: { level: 'ordinary', dismissed: ['repeated'] } });
    if (!lowered.ok) return;
    expect(assessSeverity({ ...hot, similar: [...hot.similar, other(4)] }, lowered.severity)).toMatchObject({
      level: 'ordinary',
      raised: false,
    });
    expect(assessSeverity({ ...hot, complainants: 3 }, lowered.severity)).toMatchObject({
      level: 'hot',
      raised: true,
    });
    const twenty = { ...hot, similar: range(2, 20).map((n) => other(n)) };
    expect(assessSeverity(twenty, lowered.severity).level).toBe('major-group');
  });

  it('keeps the reasons at or below the new level', () => {
    const reasons = severityReasons(facts({ complainants: 3, litigation: 'filed' }));
    const set = setSeverity(
      { level: 'major', dismissed: ['media'] },
      { level: 'hot', note: '已撤诉' },
      supervisor,
      reasons,
    );
    expect(set).toEqual({ ok: true, severity: { level: 'hot', dismissed: ['media', 'litigation'] } });
  });

  it('is refused to others, without a note, to the same level, or to a level that does not exist', () => {
    const current = { level: 'hot', dismissed: [] } as const;
    expect(setSeverity(current, { level: 'crisis', note: 'x' }, agent, [])).toEqual({
      ok: false,
      message: '只有客服主管可以调整严重程度 / Only a supervisor may set the severity.',
    });
    expect(setSeverity(current, { level: 'ordinary', note: ' ' }, supervisor, [])).toEqual({
      ok: false,
      message: '调整严重程度须说明原因 / Say why the severity changes.',
    });
    expect(setSeverity(current, { level: 'hot', note: 'x' }, supervisor, [])).toEqual({
      ok: false,
      message: '严重程度已是「热点」 / The severity is already hot.',
    });
    expect(setSeverity(current, { level: 'huge' as 'hot', note: 'x' }, supervisor, [])).toMatchObject({
      ok: false,
    });
  });
});

describe('the escalation warning', () => {
  it('says which ticket went from what to what, and why', () => {
    const reasons = severityReasons(facts({ complainants: 3, litigation: 'filed' }));
    expect(escalationWarning('10000123', 'ordinary', 'major', reasons)).toBe(
      '投诉升级预警:工单 10000123 由「一般」升为「重大」(已进入诉讼或仲裁;3 人联名投诉) / Escalation warning: ' +
        'ticket 10000123 raised from ordinary to major (in litigation or arbitration; 3 people complain together)',
    );
    expect(escalationWarning('10000123', 'hot', 'major', reasons)).toContain('(已进入诉讼或仲裁) / ');
    expect(escalationWarning('10000123', 'major', 'crisis', [])).toBe(
      '投诉升级预警:工单 10000123 由「重大」升为「危机」 / Escalation warning: ticket 10000123 raised from major to crisis',
    );
  });
});
