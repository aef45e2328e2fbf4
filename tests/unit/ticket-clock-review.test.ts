// What the clock worker schedules and marks for a ticket, with a fixed clock (core/tickets/clock-review.ts): the
// instant of the next due job for each state of the ticket, a clock that ran out marked once, waiting for the
// owner, a reopened ticket's second round, nothing for a closed ticket; and the limits an admin sets.
import { describe, expect, it } from 'vitest';
import {
  clockDueJobId,
  clockLimits,
  overdueMessage,
  registerTicket,
  reviewClocks,
  transition,
  type TicketAction,
  type TicketActor,
  type TicketState,
} from '../../core/tickets/index.ts';
import type { TicketTimelineStep, TicketType } from '../../core/contracts.ts';
import { BadRequest } from '../../core/errors.ts';
import { checkLimitOverrides } from '../../cti/ticket-limit-routes.ts';
import { mergeLimits } from '../../db/ticket-clocks.ts';

/** An instant given as Shanghai wall-clock time (UTC+8). */
const shanghai = (local: string) => new Date(`${local}+08:00`);
const iso = (local: string) => shanghai(local).toISOString();

const agent: TicketActor = { role: 'agent', id: 8 };
const dept: TicketActor = { role: 'department', id: 31, department: 'eng' };

/** Wall-clock limits throughout, so the expectations need no calendar. */
const LIMITS = clockLimits({
  dispatch: { amount: 2, unit: 'hours' },
  plan: { amount: 4, unit: 'hours' },
  reply: { amount: 8, unit: 'hours' },
  revisit: { amount: 48, unit: 'hours' },
});

/** A ticket's stored timeline: registered at `intake`, then the actions at their instants (Shanghai time). */
class StoredTicket {
  state: TicketState;
  steps: TicketTimelineStep[] = [];
  readonly type: TicketType;
  readonly urgent: boolean;
  constructor(type: TicketType, intake: string, urgent = false) {
    this.type = type;
    this.urgent = urgent;
    const { ticket, entry } = registerTicket({ type, urgent }, agent, shanghai(intake));
    this.state = ticket;
    this.store(entry.at, 'register', agent, null, entry.to, false, {});
  }
  act(at: string, action: TicketAction, by: TicketActor = action.kind === 'verify' ? agent : dept): this {
    const result = transition(this.state, action, by, shanghai(at));
    if (!result.ok) throw new Error(result.refusal.message);
    this.state = result.ticket;
    const { kind, ...detail } = action;
    this.store(result.entry.at, kind, by, result.entry.from, result.entry.to, result.entry.waitEnded, detail);
    return this;
  }
  /** A step that is not part of the ticket's life (a note, the worker's own 'overdue' mark). */
  other(at: string, kind: string, detail: Record<string, unknown>): this {
    this.store(
      iso(at),
      kind,
      { role: 'system', id: null },
      this.state.status,
      this.state.status,
      false,
      detail,
    );
    return this;
  }
  review(now: string, limits = LIMITS) {
    return reviewClocks({ type: this.type, urgent: this.urgent }, this.steps, limits, shanghai(now));
  }
  private store(
    at: string,
    kind: string,
    by: TicketActor,
    from: TicketTimelineStep['from'],
    to: TicketTimelineStep['to'],
    waitEnded: boolean,
    detail: Record<string, unknown>,
  ): void {
    this.steps.push({ at, kind, by: { role: by.role, id: by.id, name: null }, from, to, waitEnded, detail });
  }
}

const dispatched = (type: TicketType, intake: string, at: string, urgent = false) =>
  new StoredTicket(type, intake, urgent)
    .act(at, { kind: 'verify' }, agent)
    .act(at, { kind: 'dispatch', department: 'eng' }, agent);

describe('the next due job', () => {
  it('is the earliest running clock: dispatch for a new complaint, then the plan once dispatched', () => {
    const ticket = new StoredTicket('complaint', '2026-12-07T09:00');
    expect(ticket.review('2026-12-07T09:30')).toMatchObject({
      nextDueAt: iso('2026-12-07T11:00'),
      overdue: false,
      newlyOverdue: [],
    });
    ticket
      .act('2026-12-07T10:00', { kind: 'verify' })
      .act('2026-12-07T10:00', { kind: 'dispatch', department: 'eng' }, agent);
    expect(ticket.review('2026-12-07T10:00').nextDueAt).toBe(iso('2026-12-07T13:00'));
  });

  it('for an urgent repair is on site within 15 minutes, even at night', () => {
    const repair = new StoredTicket('repair', '2026-12-07T23:50', true);
    expect(repair.review('2026-12-07T23:51').nextDueAt).toBe(iso('2026-12-08T00:05'));
  });

  it('is the same job however often it is scheduled: one id per ticket and instant, without colons', () => {
    const due = iso('2026-12-07T11:00');
    expect(clockDueJobId(42, due)).toBe(clockDueJobId(42, new Date(due).toISOString()));
    expect(clockDueJobId(42, due)).not.toBe(clockDueJobId(43, due));
    expect(clockDueJobId(42, due)).not.toBe(clockDueJobId(42, iso('2026-12-07T11:01')));
    expect(clockDueJobId(42, due)).not.toContain(':');
  });

  it('is none while the owner is awaited (only dispatch runs on), and comes back later by the wait', () => {
    const complaint = dispatched('complaint', '2026-12-07T09:00', '2026-12-07T09:30');
    complaint.act('2026-12-07T10:00', { kind: 'wait', note: '业主出差' });
    // plan and reply are paused: no due time, nothing to schedule
    const waiting = complaint.review('2026-12-07T12:00');
    expect(waiting.clocks.filter((c) => c.state === 'paused').map((c) => c.clock)).toEqual(['plan', 'reply']);
    expect(waiting.nextDueAt).toBeNull();
    expect(waiting.overdue).toBe(false);
    // back after three hours: the plan is due three hours later than it was (13:00 → 16:00)
    complaint.act('2026-12-07T13:00', { kind: 'resume' });
    expect(complaint.review('2026-12-07T13:00').nextDueAt).toBe(iso('2026-12-07T16:00'));
  });

  it('after an unsatisfied revisit is the second round’s plan, counted from the reopening', () => {
    const complaint = dispatched('complaint', '2026-12-07T09:00', '2026-12-07T09:10')
      .act('2026-12-07T10:00', { kind: 'plan', plan: '更换窗户密封条' })
      .act('2026-12-07T11:00', { kind: 'start' })
      .act('2026-12-07T12:00', { kind: 'resolve', resolution: '已更换' })
      .act('2026-12-08T09:00', { kind: 'revisit', satisfaction: 'unsatisfied' }, agent);
    const review = complaint.review('2026-12-08T09:00');
    expect(review.clocks.filter((c) => c.round === 2).map((c) => [c.clock, c.state])).toEqual([
      ['plan', 'running'],
      ['reply', 'running'],
    ]);
    expect(review.nextDueAt).toBe(iso('2026-12-08T13:00'));
  });

  it('is none for a closed ticket, however late, and it is not overdue', () => {
    const inquiry = new StoredTicket('inquiry', '2026-12-07T09:00')
      .act('2026-12-07T09:05', { kind: 'answer', resolution: '已告知开放时间' }, agent)
      .act('2026-12-07T09:06', { kind: 'close' }, agent);
    expect(inquiry.review('2027-03-01T00:00')).toMatchObject({
      nextDueAt: null,
      overdue: false,
      newlyOverdue: [],
    });
    const forced = new StoredTicket('complaint', '2026-12-07T09:00').act(
      '2026-12-07T09:30',
      {
        kind: 'force-close',
        closure: { reason: 'registered-mail', deliveredOn: '2026-12-01', evidence: ['EMS 1'] },
      },
      { role: 'supervisor', id: 2 },
    );
    const review = forced.review('2026-12-20T00:00');
    expect(review.clocks.every((c) => c.state === 'cancelled')).toBe(true);
    expect(review).toMatchObject({ nextDueAt: null, overdue: false });
  });

  it('leaves the steps that are not the ticket’s life out (notes, overdue marks)', () => {
    const ticket = new StoredTicket('complaint', '2026-12-07T09:00')
      .other('2026-12-07T09:10', 'note', { text: '业主很着急' })
      .act('2026-12-07T09:20', { kind: 'verify' });
    expect(ticket.review('2026-12-07T09:30').nextDueAt).toBe(iso('2026-12-07T11:00'));
  });

  it('is none for a ticket older than its timeline (no registration step)', () => {
    const review = reviewClocks(
      { type: 'complaint', urgent: false },
      [],
      LIMITS,
      shanghai('2026-12-07T09:00'),
    );
    expect(review).toMatchObject({ clocks: [], nextDueAt: null, overdue: false });
  });
});

describe('a clock that runs out', () => {
  it('is not overdue at its due time, but the next millisecond', () => {
    const ticket = new StoredTicket('complaint', '2026-12-07T09:00');
    expect(ticket.review('2026-12-07T11:00').overdue).toBe(false);
    const late = reviewClocks(
      { type: 'complaint', urgent: false },
      ticket.steps,
      LIMITS,
      new Date(shanghai('2026-12-07T11:00').getTime() + 1),
    );
    expect(late.overdue).toBe(true);
    expect(late.newlyOverdue.map((c) => [c.clock, c.round, c.dueAt])).toEqual([
      ['dispatch', 1, iso('2026-12-07T11:00')],
    ]);
    // the next job is the plan's (13:00), not the overdue dispatch again
    expect(late.nextDueAt).toBe(iso('2026-12-07T13:00'));
  });

  it('is marked once: a review after its overdue step finds nothing new, but the ticket stays overdue', () => {
    const ticket = new StoredTicket('complaint', '2026-12-07T09:00').other('2026-12-07T11:01', 'overdue', {
      clock: 'dispatch',
      round: 1,
      dueAt: iso('2026-12-07T11:00'),
      department: null,
    });
    expect(ticket.review('2026-12-07T12:00')).toMatchObject({ overdue: true, newlyOverdue: [] });
  });

  it('stopped late is missed: the ticket is no longer overdue', () => {
    const ticket = dispatched('complaint', '2026-12-07T09:00', '2026-12-07T12:00');
    const review = ticket.review('2026-12-07T12:00');
    expect(review.clocks.find((c) => c.clock === 'dispatch')?.state).toBe('missed');
    expect(review.overdue).toBe(false);
  });

  it('of a second round is marked apart from the first', () => {
    const repair = dispatched('repair', '2026-12-07T09:00', '2026-12-07T09:05', true)
      .other('2026-12-07T09:16', 'overdue', { clock: 'on-site', round: 1, dueAt: iso('2026-12-07T09:15') })
      .act('2026-12-07T09:20', { kind: 'start' })
      .act('2026-12-07T10:00', { kind: 'resolve', resolution: '已换水管' })
      .act('2026-12-07T11:00', { kind: 'revisit', satisfaction: 'unsatisfied' }, agent);
    const review = repair.review('2026-12-07T11:30');
    expect(review.newlyOverdue.map((c) => [c.clock, c.round])).toEqual([['on-site', 2]]);
  });

  it('is announced in Chinese and English with the local due time and the department', () => {
    const ticket = dispatched('complaint', '2026-12-07T09:00', '2026-12-07T09:10');
    const plan = ticket.review('2026-12-07T14:00').newlyOverdue[0]!;
    expect(overdueMessage('10000042', plan, 'eng')).toBe(
      '工单 10000042「回复处理方案」已超时(处理部门 eng),时限 2026-12-07 13:00 / Ticket 10000042 is overdue: ' +
        '"reply with a plan" was due by 2026-12-07 13:00, with eng.',
    );
  });
});

describe('the limits', () => {
  it('of a ticket: the defaults, then its organisation’s, then its estate’s; a bad layer is left out', () => {
    const org = {
      dispatch: { amount: 12, unit: 'hours' as const },
      plan: { amount: 1, unit: 'working-days' as const },
    };
    const estate = { dispatch: { amount: 0.05, unit: 'minutes' as const } };
    const { limits, problems } = mergeLimits(org, estate);
    expect(limits.dispatch).toEqual({ amount: 0.05, unit: 'minutes' });
    expect(limits.plan).toEqual({ amount: 1, unit: 'working-days' });
    expect(problems).toEqual([]);
    const bad = mergeLimits({ dispatch: { amount: -1, unit: 'hours' } } as never, estate);
    expect(bad.limits.dispatch).toEqual({ amount: 0.05, unit: 'minutes' });
    expect(bad.problems).toEqual([
      'time limit "dispatch" must be a positive number of minutes, hours or working-days',
    ]);
  });

  it('an admin sets are checked one by one, the message in Chinese and English naming the bad one', () => {
    expect(checkLimitOverrides({ fix: { amount: 0.5, unit: 'working-days', note: 'x' } })).toEqual({
      fix: { amount: 0.5, unit: 'working-days' },
    });
    expect(() => checkLimitOverrides({ onSite: { amount: 0, unit: 'minutes' } })).toThrow(BadRequest);
    expect(() => checkLimitOverrides({ onSite: { amount: 20, unit: 'days' } })).toThrow(
      '时限「维修到场」(onSite)须为正数,单位为 minutes(分钟)、hours(小时)或 working-days(工作日) / Time limit ' +
        '"onSite" must be a positive number of minutes, hours or working-days.',
    );
    expect(() => checkLimitOverrides({ lunch: { amount: 1, unit: 'hours' } })).toThrow(
      /^没有名为「lunch」的时限,可设置的有:dispatch、plan.* \/ Unknown time limit "lunch"\.$/,
    );
  });
});
