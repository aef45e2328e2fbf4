// What an owner is told when a ticket filed by the IVR will be done: the due time of its fix or reply clock
// (DOMAIN.md's time limits, core/tickets/clocks.ts).
import { describe, expect, it } from 'vitest';
import { clockLimits } from '../../core/index.ts';
import { expectedCompletion } from '../../db/self-service.ts';

/** Thursday 2026-09-24 10:00 in Shanghai, the day before the Mid-Autumn and National Day breaks. */
const BEFORE_THE_BREAK = new Date('2026-09-24T02:00:00Z');

describe('expectedCompletion', () => {
  it('gives an urgent repair 6 hours, holidays or not, and an ordinary one a working day', () => {
    expect(expectedCompletion({ type: 'repair', urgent: true }, BEFORE_THE_BREAK)?.toISOString()).toBe(
      '2026-09-24T08:00:00.000Z',
    );
    // Friday 25 to Sunday 27 September 2026 is the Mid-Autumn break: Monday 10:00
    expect(expectedCompletion({ type: 'repair', urgent: false }, BEFORE_THE_BREAK)?.toISOString()).toBe(
      '2026-09-28T02:00:00.000Z',
    );
  });

  it('follows the limits that apply (an estate fixing ordinary repairs within 4 hours)', () => {
    const limits = clockLimits({ fix: { amount: 4, unit: 'hours' } });
    expect(
      expectedCompletion({ type: 'repair', urgent: false }, BEFORE_THE_BREAK, limits)?.toISOString(),
    ).toBe('2026-09-24T06:00:00.000Z');
  });

  it('gives a complaint 4 working days: over the National Day break to Thursday 2026-10-08 10:00', () => {
    expect(expectedCompletion({ type: 'complaint', urgent: false }, BEFORE_THE_BREAK)?.toISOString()).toBe(
      '2026-10-08T02:00:00.000Z',
    );
    expect(expectedCompletion({ type: 'compensation', urgent: true }, BEFORE_THE_BREAK)?.toISOString()).toBe(
      '2026-10-08T02:00:00.000Z',
    );
  });

  it('promises no time for an inquiry or a suggestion', () => {
    expect(expectedCompletion({ type: 'inquiry', urgent: false }, BEFORE_THE_BREAK)).toBeNull();
    expect(expectedCompletion({ type: 'suggestion', urgent: false }, BEFORE_THE_BREAK)).toBeNull();
  });
});
