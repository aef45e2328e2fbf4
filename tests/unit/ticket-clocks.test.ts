// A ticket's time limits with a fixed clock: working days across the mainland holidays and make-up days, repairs
// across midnight, waiting for the owner, reopened rounds, and years the calendar does not know yet.
import { describe, expect, it } from 'vitest';
import {
  calendarWarnings,
  clockLimits,
  DEFAULT_CLOCK_LIMITS,
  registerTicket,
  ticketClocks,
  transition,
  unresolvedTime,
  type ClockName,
  type ClockStatus,
  type TicketAction,
  type TicketActor,
  type TicketTimelineEntry,
} from '../../core/tickets/index.ts';
import type { TicketType } from '../../core/contracts.ts';

/** An instant given as Shanghai wall-clock time (UTC+8). */
const shanghai = (local: string) => new Date(`${local}+08:00`);
/** An ISO instant as Shanghai wall-clock time, for readable expectations. */
const local = (iso: string | null) =>
  iso === null ? null : new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16);
const H = 3_600_000;

const agent: TicketActor = { role: 'agent', id: 8 };
const dept: TicketActor = { role: 'department', id: 31, department: '工程部' };
const supervisor: TicketActor = { role: 'supervisor', id: 2 };

const ACTIONS = {
  verify: [{ kind: 'verify' }, agent],
  dispatch: [{ kind: 'dispatch', department: '工程部' }, agent],
  plan: [{ kind: 'plan', plan: '上门检查' }, dept],
  start: [{ kind: 'start' }, dept],
  resolve: [{ kind: 'resolve', resolution: '已修复' }, dept],
  satisfied: [{ kind: 'revisit', satisfaction: 'satisfied' }, agent],
  unsatisfied: [{ kind: 'revisit', satisfaction: 'unsatisfied' }, agent],
  close: [{ kind: 'close' }, agent],
  answer: [{ kind: 'answer', resolution: '已答复' }, agent],
  invalidate: [{ kind: 'invalidate', note: '不属公司责任' }, dept],
  wait: [{ kind: 'wait', note: '业主不在家' }, agent],
  resume: [{ kind: 'resume' }, agent],
  forceClose: [
    {
      kind: 'force-close',
      closure: { reason: 'registered-mail', deliveredOn: '2026-10-20', evidence: ['EMS 1'] },
    },
    supervisor,
  ],
} satisfies Record<string, [TicketAction, TicketActor]>;
type Step = [string, keyof typeof ACTIONS];

/** The timeline of a ticket registered at `intake` (Shanghai time) and taken through the steps. */
function ticketTimeline(
  type: TicketType,
  intake: string,
  steps: Step[] = [],
  urgent = false,
): TicketTimelineEntry[] {
  const first = registerTicket({ type, urgent }, agent, shanghai(intake));
  let ticket = first.ticket;
  const timeline = [first.entry];
  for (const [at, name] of steps) {
    const [action, by] = ACTIONS[name];
    const result = transition(ticket, action, by, shanghai(at));
    if (!result.ok) throw new Error(`${name} at ${at}: ${result.refusal.message}`);
    ticket = result.ticket;
    timeline.push(result.entry);
  }
  return timeline;
}

function clocks(
  type: TicketType,
  intake: string,
  steps: Step[],
  now: string,
  { urgent = false, limits = DEFAULT_CLOCK_LIMITS } = {},
): ClockStatus[] {
  return ticketClocks({ type, urgent }, ticketTimeline(type, intake, steps, urgent), limits, shanghai(now));
}
const find = (list: ClockStatus[], clock: ClockName, round = 1) =>
  list.find((c) => c.clock === clock && c.round === round) ?? expect.unreachable(`no ${clock} clock`);
const due = (list: ClockStatus[], clock: ClockName, round = 1) => local(find(list, clock, round).dueAt);

describe('the limits', () => {
  it('default to the figures of DOMAIN.md', () => {
    expect(clockLimits()).toEqual({
      dispatch: { amount: 24, unit: 'hours' },
      plan: { amount: 2, unit: 'working-days' },
      reply: { amount: 4, unit: 'working-days' },
      onSiteUrgent: { amount: 15, unit: 'minutes' },
      onSite: { amount: 30, unit: 'minutes' },
      fixUrgent: { amount: 6, unit: 'hours' },
      fix: { amount: 1, unit: 'working-days' },
      revisit: { amount: 48, unit: 'hours' },
    });
  });

  it('take the company’s overrides, then the estate’s', () => {
    const company = {
      revisit: { amount: 5, unit: 'working-days' },
      onSite: { amount: 45, unit: 'minutes' },
    } as const;
    const estate = { onSite: { amount: 20, unit: 'minutes' } } as const;
    expect(clockLimits(company, null, estate)).toMatchObject({
      revisit: { amount: 5, unit: 'working-days' },
      onSite: { amount: 20, unit: 'minutes' },
      dispatch: { amount: 24, unit: 'hours' },
    });
    expect(clockLimits({ plan: undefined })).toEqual(DEFAULT_CLOCK_LIMITS);
  });

  it('refuse a limit that is not a positive amount of a known unit, or a limit that does not exist', () => {
    expect(() => clockLimits({ plan: { amount: 0, unit: 'working-days' } })).toThrow('time limit "plan"');
    expect(() => clockLimits({ plan: { amount: NaN, unit: 'hours' } })).toThrow(RangeError);
    expect(() => clockLimits({ plan: { amount: 2, unit: 'days' as 'hours' } })).toThrow(RangeError);
    expect(() => clockLimits({ plan: null as never })).toThrow(RangeError);
    expect(() => clockLimits({ answer: { amount: 1, unit: 'hours' } } as never)).toThrow(
      'unknown time limit "answer"',
    );
  });
});

describe('working days across the mainland holidays', () => {
  it('a complaint at 17:00 on the eve of National Day gets its 2 working days after the break', () => {
    // 2026: the break is 10-01..10-07; the 8th and 9th are the first two working days after it
    const list = clocks('complaint', '2026-09-30T17:00', [], '2026-09-30T17:00');
    expect(due(list, 'plan')).toBe('2026-10-09T17:00');
    // 4 working days: the 8th, the 9th, the make-up Saturday 10th, Monday the 12th
    expect(due(list, 'reply')).toBe('2026-10-12T17:00');
    // dispatch is 24 wall-clock hours, holiday or not
    expect(due(list, 'dispatch')).toBe('2026-10-01T17:00');
  });

  it('the same in 2025, whose break runs to 10-08 with a make-up Saturday on 10-11', () => {
    const list = clocks('complaint', '2025-09-30T17:00', [], '2025-09-30T17:00');
    expect(due(list, 'plan')).toBe('2025-10-10T17:00');
    expect(due(list, 'reply')).toBe('2025-10-13T17:00');
  });

  it('a make-up working Saturday counts', () => {
    // Friday 2026-10-09: Saturday 10-10 is worked (调休), Sunday is not
    expect(due(clocks('complaint', '2026-10-09T10:00', [], '2026-10-09T10:00'), 'plan')).toBe(
      '2026-10-12T10:00',
    );
    // an ordinary Friday: Monday and Tuesday
    expect(due(clocks('complaint', '2026-11-20T10:00', [], '2026-11-20T10:00'), 'plan')).toBe(
      '2026-11-24T10:00',
    );
  });

  it('a complaint filed on a holiday has until the end of the 2nd working day', () => {
    expect(due(clocks('complaint', '2026-10-03T10:00', [], '2026-10-03T10:00'), 'plan')).toBe(
      '2026-10-10T00:00',
    );
  });
});

describe('repairs run on the wall clock, nights and holidays included', () => {
  it('a repair reported at 23:50 has its 15-minute limit at 00:05', () => {
    const urgent = clocks('repair', '2026-09-30T23:50', [], '2026-09-30T23:50', { urgent: true });
    expect(due(urgent, 'on-site')).toBe('2026-10-01T00:05');
    expect(due(urgent, 'fix')).toBe('2026-10-01T05:50');
    expect(find(urgent, 'on-site').limit).toEqual({ amount: 15, unit: 'minutes' });
  });

  it('an ordinary repair has 30 minutes on site and 1 working day to fix', () => {
    const ordinary = clocks('repair', '2026-09-30T23:50', [], '2026-09-30T23:50');
    expect(due(ordinary, 'on-site')).toBe('2026-10-01T00:20');
    expect(due(ordinary, 'fix')).toBe('2026-10-08T23:50');
  });

  it('is on site when the department starts, fixed when it resolves, revisited within 48 hours', () => {
    const steps: Step[] = [
      ['2026-09-30T23:52', 'verify'],
      ['2026-09-30T23:53', 'dispatch'],
      ['2026-10-01T00:05', 'start'],
      ['2026-10-01T05:51', 'resolve'],
    ];
    const list = clocks('repair', '2026-09-30T23:50', steps, '2026-10-01T06:00', { urgent: true });
    expect(find(list, 'on-site')).toMatchObject({
      state: 'met',
      stoppedAt: shanghai('2026-10-01T00:05').toISOString(),
    });
    expect(find(list, 'fix')).toMatchObject({ state: 'missed', usedMs: 6 * H + 60_000 });
    expect(find(list, 'dispatch').state).toBe('met');
    expect(find(list, 'revisit')).toMatchObject({
      state: 'running',
      startedAt: shanghai('2026-10-01T05:51').toISOString(),
    });
    expect(due(list, 'revisit')).toBe('2026-10-03T05:51');
  });
});

describe('the state of a clock', () => {
  const steps: Step[] = [
    ['2026-11-24T10:00', 'verify'],
    ['2026-11-24T11:00', 'dispatch'],
  ];
  it('running until its due time, overdue after it', () => {
    expect(find(clocks('complaint', '2026-11-24T09:00', steps, '2026-11-26T09:00'), 'plan').state).toBe(
      'running',
    );
    expect(
      find(clocks('complaint', '2026-11-24T09:00', steps, '2026-11-26T09:00:00.001'), 'plan').state,
    ).toBe('overdue');
  });

  it('met when its event comes at the due time exactly, missed a moment later', () => {
    const onTime = clocks(
      'complaint',
      '2026-11-24T09:00',
      [...steps, ['2026-11-26T09:00', 'plan']],
      '2026-12-01T09:00',
    );
    expect(find(onTime, 'plan')).toMatchObject({ state: 'met', usedMs: 48 * H, pausedMs: 0 });
    const late = clocks(
      'complaint',
      '2026-11-24T09:00',
      [...steps, ['2026-11-26T09:00:01', 'plan']],
      '2026-12-01T09:00',
    );
    expect(find(late, 'plan').state).toBe('missed');
    expect(find(late, 'plan').dueAt).toBe(shanghai('2026-11-26T09:00').toISOString());
  });

  it('cancelled when the ticket closes before its event; reply stops when it is found invalid', () => {
    const forced = clocks(
      'complaint',
      '2026-11-24T09:00',
      [...steps, ['2026-11-25T09:00', 'forceClose']],
      '2026-12-09T09:00',
    );
    expect(forced.map((c) => [c.clock, c.state])).toEqual([
      ['dispatch', 'met'],
      ['plan', 'cancelled'],
      ['reply', 'cancelled'],
    ]);
    expect(find(forced, 'plan').stoppedAt).toBe(shanghai('2026-11-25T09:00').toISOString());
    const invalid = clocks(
      'complaint',
      '2026-11-24T09:00',
      [...steps, ['2026-11-25T09:00', 'invalidate']],
      '2026-12-09T09:00',
    );
    expect(invalid.map((c) => [c.clock, c.state])).toEqual([
      ['dispatch', 'met'],
      ['plan', 'cancelled'],
      ['reply', 'met'],
    ]);
  });

  it('gives an inquiry only the dispatch clock, which an answer on the call stops', () => {
    const list = clocks(
      'inquiry',
      '2026-11-24T09:00',
      [
        ['2026-11-24T09:05', 'answer'],
        ['2026-11-24T09:06', 'close'],
      ],
      '2026-11-30T09:00',
    );
    expect(list.map((c) => [c.clock, c.state])).toEqual([['dispatch', 'met']]);
  });

  it('needs a timeline that starts with its register entry', () => {
    const timeline = ticketTimeline('complaint', '2026-11-24T09:00', steps);
    expect(() =>
      ticketClocks({ type: 'complaint', urgent: false }, timeline.slice(1), DEFAULT_CLOCK_LIMITS, new Date()),
    ).toThrow(RangeError);
  });
});

describe('waiting for the owner', () => {
  it('gives a wall-clock limit the wall time waited back', () => {
    // urgent repair at 10:00, the owner asks to come after 11:00 at 10:05; the technician is there at 11:15
    const list = clocks(
      'repair',
      '2026-11-24T10:00',
      [
        ['2026-11-24T10:01', 'verify'],
        ['2026-11-24T10:02', 'dispatch'],
        ['2026-11-24T10:05', 'wait'],
        ['2026-11-24T11:05', 'resume'],
        ['2026-11-24T11:15', 'start'],
      ],
      '2026-11-24T12:00',
      { urgent: true },
    );
    expect(find(list, 'on-site')).toMatchObject({ state: 'met', pausedMs: H, usedMs: 15 * 60_000 });
    expect(due(list, 'on-site')).toBe('2026-11-24T11:15');
    // dispatch does not pause: it needs nothing from the owner
    expect(find(list, 'dispatch')).toMatchObject({ state: 'met', pausedMs: 0, usedMs: 2 * 60_000 });
  });

  it('gives a working-day limit the working time waited back: a wait over a weekend gives nothing', () => {
    const weekend = clocks(
      'complaint',
      '2026-11-20T10:00', // Friday
      [
        ['2026-11-20T11:00', 'verify'],
        ['2026-11-21T09:00', 'wait'], // Saturday
        ['2026-11-22T18:00', 'resume'], // Sunday
      ],
      '2026-11-23T09:00',
    );
    expect(find(weekend, 'plan')).toMatchObject({ state: 'running', pausedMs: 0 });
    expect(due(weekend, 'plan')).toBe('2026-11-24T10:00');

    const friday = clocks(
      'complaint',
      '2026-11-19T10:00', // Thursday
      [
        ['2026-11-20T10:00', 'wait'], // Friday 10:00 to Monday 10:00: 14 h + 10 h of working time
        ['2026-11-23T10:00', 'resume'],
      ],
      '2026-11-23T10:00',
    );
    expect(find(friday, 'plan').pausedMs).toBe(24 * H);
    expect(due(friday, 'plan')).toBe('2026-11-24T10:00'); // Friday 10:00 without the wait
  });

  it('is paused while the ticket waits, with no due time; overdue stays overdue', () => {
    const waiting = clocks(
      'complaint',
      '2026-11-24T09:00',
      [['2026-11-25T09:00', 'wait']],
      '2026-12-20T09:00',
    );
    expect(find(waiting, 'plan')).toMatchObject({
      state: 'paused',
      dueAt: null,
      usedMs: 24 * H,
      calendarUnknown: false,
    });
    expect(find(waiting, 'reply')).toMatchObject({ state: 'paused', dueAt: null });
    expect(find(waiting, 'dispatch').state).toBe('overdue');
    const late = clocks('complaint', '2026-11-24T09:00', [['2026-11-27T09:00', 'wait']], '2026-11-30T09:00');
    expect(find(late, 'plan')).toMatchObject({
      state: 'overdue',
      dueAt: shanghai('2026-11-26T09:00').toISOString(),
    });
    expect(find(late, 'reply').state).toBe('paused');
  });

  it('ends when the ticket moves on', () => {
    const list = clocks(
      'complaint',
      '2026-11-24T09:00',
      [
        ['2026-11-24T09:30', 'verify'],
        ['2026-11-24T10:00', 'dispatch'],
        ['2026-11-24T11:00', 'wait'],
        ['2026-11-25T11:00', 'plan'], // the owner came back and agreed: the wait is over
      ],
      '2026-11-25T12:00',
    );
    expect(find(list, 'plan')).toMatchObject({ state: 'met', usedMs: 2 * H, pausedMs: 24 * H });
    expect(find(list, 'reply')).toMatchObject({ state: 'running', usedMs: 3 * H, pausedMs: 24 * H });
    expect(due(list, 'reply')).toBe('2026-12-01T09:00');
  });
});

describe('rounds', () => {
  it('an unsatisfied revisit starts plan and reply again; each resolution starts a revisit', () => {
    const list = clocks(
      'complaint',
      '2026-11-24T09:00',
      [
        ['2026-11-24T09:30', 'verify'],
        ['2026-11-24T10:00', 'dispatch'],
        ['2026-11-25T10:00', 'plan'],
        ['2026-11-25T11:00', 'start'],
        ['2026-11-26T11:00', 'resolve'],
        ['2026-11-27T11:00', 'unsatisfied'],
        ['2026-11-30T11:00', 'plan'],
      ],
      '2026-11-30T12:00',
    );
    expect(list.map((c) => [c.clock, c.round, c.state])).toEqual([
      ['dispatch', 1, 'met'],
      ['plan', 1, 'met'],
      ['reply', 1, 'met'],
      ['revisit', 1, 'met'],
      ['plan', 2, 'met'],
      ['reply', 2, 'running'],
    ]);
    expect(find(list, 'plan', 2).startedAt).toBe(shanghai('2026-11-27T11:00').toISOString());
    expect(due(list, 'reply', 2)).toBe('2026-12-03T11:00');
  });

  it('a reopened repair is due on site again', () => {
    const list = clocks(
      'repair',
      '2026-11-24T09:00',
      [
        ['2026-11-24T09:01', 'verify'],
        ['2026-11-24T09:02', 'dispatch'],
        ['2026-11-24T09:10', 'start'],
        ['2026-11-24T10:00', 'resolve'],
        ['2026-11-24T15:00', 'unsatisfied'],
      ],
      '2026-11-24T15:10',
      { urgent: true },
    );
    expect(find(list, 'on-site', 2)).toMatchObject({ state: 'running' });
    expect(due(list, 'on-site', 2)).toBe('2026-11-24T15:15');
    expect(due(list, 'fix', 2)).toBe('2026-11-24T21:00');
  });
});

describe('a year the holiday calendar does not know yet', () => {
  it('flags a working-day due time that falls in it', () => {
    // Wednesday 2026-12-30 17:00: 2 working days end on 2027-01-01, a holiday the calendar cannot know yet
    const list = clocks('complaint', '2026-12-30T17:00', [], '2026-12-30T17:00');
    expect(find(list, 'plan')).toMatchObject({ calendarUnknown: true });
    expect(due(list, 'plan')).toBe('2027-01-01T17:00');
    expect(find(list, 'reply').calendarUnknown).toBe(true);
    expect(find(list, 'dispatch')).toMatchObject({ calendarUnknown: false }); // 24 h: no calendar needed
    expect(calendarWarnings(list)).toEqual([
      '「回复处理方案」时限 2027-01-01 所在的 2027 年节假日安排尚未收录,按周末计算,请核对 / The "reply with a plan" ' +
        'limit falls on 2027-01-01, in 2027, whose public holidays the calendar does not know yet (counted with ' +
        'weekends only): check it.',
      '「答复处理结果」时限 2027-01-05 所在的 2027 年节假日安排尚未收录,按周末计算,请核对 / The "reply with the ' +
        'outcome" limit falls on 2027-01-05, in 2027, whose public holidays the calendar does not know yet (counted ' +
        'with weekends only): check it.',
    ]);
  });

  it('does not flag a due time inside a known year', () => {
    const list = clocks('complaint', '2026-12-24T10:00', [], '2026-12-24T10:00'); // Thursday
    expect(due(list, 'plan')).toBe('2026-12-28T10:00');
    expect(due(list, 'reply')).toBe('2026-12-30T10:00');
    expect(find(list, 'plan').calendarUnknown).toBe(false);
    expect(calendarWarnings(list)).toEqual([]);
  });

  it('flags a 1-working-day repair fix across the new year', () => {
    expect(find(clocks('repair', '2026-12-31T12:00', [], '2026-12-31T12:00'), 'fix').calendarUnknown).toBe(
      true,
    );
    expect(
      find(clocks('repair', '2026-12-31T12:00', [], '2026-12-31T12:00', { urgent: true }), 'fix')
        .calendarUnknown,
    ).toBe(false);
  });
});

describe('unresolvedTime (severity: still unresolved 7 days after intake)', () => {
  it('counts from intake to the resolution, without the waits for the owner', () => {
    const timeline = ticketTimeline('complaint', '2026-11-20T09:00', [
      ['2026-11-20T10:00', 'verify'],
      ['2026-11-20T11:00', 'dispatch'],
      ['2026-11-21T09:00', 'wait'],
      ['2026-11-22T09:00', 'resume'],
      ['2026-11-22T10:00', 'plan'],
      ['2026-11-23T10:00', 'start'],
      ['2026-11-25T09:00', 'resolve'],
    ]);
    expect(unresolvedTime(timeline, shanghai('2026-12-31T00:00'))).toBe(4 * 24 * H);
  });

  it('counts again from a reopening, and runs to now while unresolved or waiting', () => {
    const timeline = ticketTimeline('repair', '2026-11-20T09:00', [
      ['2026-11-20T09:05', 'verify'],
      ['2026-11-20T09:10', 'dispatch'],
      ['2026-11-20T09:30', 'start'],
      ['2026-11-20T11:00', 'resolve'], // 2 h
      ['2026-11-21T09:00', 'unsatisfied'],
      ['2026-11-22T09:00', 'wait'], // 24 h, then waiting
    ]);
    expect(unresolvedTime(timeline, shanghai('2026-11-30T09:00'))).toBe(26 * H);
    expect(
      unresolvedTime(ticketTimeline('complaint', '2026-11-20T09:00'), shanghai('2026-11-27T09:00')),
    ).toBe(7 * 24 * H);
    expect(
      unresolvedTime(ticketTimeline('complaint', '2026-11-20T09:00'), shanghai('2026-11-19T09:00')),
    ).toBe(0);
  });
});
