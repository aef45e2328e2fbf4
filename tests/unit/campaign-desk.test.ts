// The campaign rules the API and the page share: which command is allowed in which state (and why not), what a
// new campaign's request must hold for its kind, and the time left.
import { describe, expect, it } from 'vitest';
import {
  campaignCommands,
  campaignStep,
  checkCampaignRequest,
  cycleOf,
  etaOf,
  type CampaignRequest,
} from '../../core/index.ts';

const now = new Date('2026-12-07T02:00:00Z');

describe('campaign commands', () => {
  it('allows start from draft and scheduled, pause only when running, resume only when paused', () => {
    expect(campaignCommands('draft')).toEqual(['start', 'cancel']);
    expect(campaignCommands('running')).toEqual(['pause', 'cancel']);
    expect(campaignCommands('paused')).toEqual(['resume', 'cancel']);
    expect(campaignCommands('completed')).toEqual([]);
    expect(campaignCommands('cancelled')).toEqual([]);
  });

  it('schedules a start at a later time and runs one without', () => {
    expect(campaignStep('draft', 'start', { now })).toEqual({ ok: true, status: 'running' });
    expect(campaignStep('draft', 'start', { now, startsAt: new Date(now.getTime() + 60_000) })).toEqual({
      ok: true,
      status: 'scheduled',
    });
    expect(campaignStep('scheduled', 'start', { now })).toEqual({ ok: true, status: 'running' });
  });

  it('refuses out of turn with the reason and what is allowed', () => {
    expect(campaignStep('completed', 'cancel', { now })).toEqual({
      ok: false,
      reason: '活动已完成,不能再取消 / A completed campaign cannot be cancelled: it has already ended.',
      allowed: [],
    });
    const paused = campaignStep('paused', 'pause', { now });
    expect(paused).toMatchObject({ ok: false, reason: '活动已经暂停 / The campaign is already paused.' });
    expect(campaignStep('running', 'start', { now })).toMatchObject({
      ok: false,
      allowed: ['pause', 'cancel'],
    });
  });
});

describe('a new campaign request', () => {
  const base = { name: ' 催缴 ', trunk: 'main' } as const;
  const check = (r: Partial<CampaignRequest>) =>
    checkCampaignRequest({ ...base, kind: 'fee-reminder', ...r }, now);

  it('gives a fee reminder its defaults: this month in Shanghai, holidays skipped, fen from yuan', () => {
    const r = check({ estateId: 3, minArrearsYuan: 1234.56 });
    expect(r).toMatchObject({
      ok: true,
      settings: {
        name: '催缴',
        minArrearsFen: 123456,
        cycle: '2026-12',
        skipHolidays: true,
        status: 'draft',
      },
    });
  });

  it('refuses what does not fit the kind', () => {
    const reason = (r: Partial<CampaignRequest>): string => {
      const c = check(r);
      return c.ok ? 'accepted' : c.reason;
    };
    expect(reason({})).toContain('needs the estate');
    expect(reason({ estateId: 1, minArrearsYuan: 1.234 })).toContain('at most two decimals');
    expect(reason({ kind: 'notice', estateId: 1 })).toContain('needs its kind');
    expect(
      reason({ kind: 'notice', notice: { kind: 'storm', text: '台风' }, estateId: 1, ownerIds: [2] }),
    ).toContain('choose one');
    expect(reason({ kind: 'notice', notice: { kind: 'storm', text: ' ' }, estateId: 1 })).toContain(
      'write the notice text, or choose a recording',
    );
    expect(reason({ kind: 'revisit', ownerIds: [1] })).toContain('takes no list of owners');
    expect(reason({ estateId: 1, scaleMax: 5 })).toContain('revisits only');
    expect(reason({ kind: 'revisit', start: 'at' })).toContain('Please give the time');
  });

  it('takes a notice to a list of owners, and a revisit scheduled later', () => {
    expect(
      checkCampaignRequest(
        {
          ...base,
          kind: 'notice',
          ownerIds: [5, 5, 6],
          notice: { kind: 'water-cut', text: ' 停水 ', emergency: true },
        },
        now,
      ),
    ).toMatchObject({
      ok: true,
      settings: { ownerIds: [5, 6], notice: { text: '停水', emergency: true }, skipHolidays: false },
    });
    // a recording without text: the recording is what the owners hear
    expect(
      checkCampaignRequest(
        { ...base, kind: 'notice', ownerIds: [5], notice: { kind: 'other', text: '', recording: 7 } },
        now,
      ),
    ).toMatchObject({ ok: true, settings: { notice: { text: '', recording: 7 } } });
    expect(
      checkCampaignRequest({ ...base, kind: 'revisit', start: 'at', startsAt: '2026-12-08T01:00:00Z' }, now),
    ).toMatchObject({ ok: true, settings: { status: 'scheduled', scaleMax: 5, unsatisfiedMax: 2 } });
  });

  it('names the cycle by the Shanghai month', () => {
    expect(cycleOf(new Date('2026-11-30T17:00:00Z'))).toBe('2026-12');
  });
});

describe('time left', () => {
  it('goes by the rate of the window', () => {
    expect(etaOf({ total: 100, done: 40, doneInWindow: 60, windowS: 600 })).toBe(600);
    expect(etaOf({ total: 100, done: 100, doneInWindow: 0, windowS: 600 })).toBe(0);
    expect(etaOf({ total: 100, done: 10, doneInWindow: 0, windowS: 600 })).toBeNull();
  });
});
