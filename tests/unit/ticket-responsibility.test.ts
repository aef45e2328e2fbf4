// Who owns a case: the developer's customer service until 3 months after the unit's delivery, then the property
// company.
import { describe, expect, it } from 'vitest';
import { responsibilityFor } from '../../core/tickets/index.ts';

const shanghai = (local: string) => new Date(`${local}+08:00`);

describe('responsibilityFor', () => {
  it.each([
    ['2026-01-15', '2026-04-14T23:59', 'developer'],
    ['2026-01-15', '2026-04-15T00:00', 'property-company'],
    ['2026-01-15', '2026-01-15T09:00', 'developer'],
    ['2026-01-15', '2025-12-01T09:00', 'developer'],
    ['2026-01-15', '2027-06-01T09:00', 'property-company'],
  ])('a unit delivered on %s, case registered at %s: %s', (delivered, at, party) => {
    expect(responsibilityFor(delivered, shanghai(at))).toEqual({ party, handoverDate: '2026-04-15' });
  });

  it('hands over on the last day of a shorter month', () => {
    expect(responsibilityFor('2025-11-30', shanghai('2026-02-27T23:59')).party).toBe('developer');
    expect(responsibilityFor('2025-11-30', shanghai('2026-02-28T00:00'))).toEqual({
      party: 'property-company',
      handoverDate: '2026-02-28',
    });
    expect(responsibilityFor('2023-11-30', shanghai('2024-02-29T00:00')).handoverDate).toBe('2024-02-29');
  });

  it('counts the day in Shanghai: 16:30 UTC on the 14th is already the 15th there', () => {
    expect(responsibilityFor('2026-01-15', new Date('2026-04-14T16:30:00Z')).party).toBe('property-company');
    expect(responsibilityFor('2026-01-15', new Date('2026-04-14T15:59:00Z')).party).toBe('developer');
  });

  it('takes the number of months from the company', () => {
    expect(responsibilityFor('2026-01-15', shanghai('2026-04-20T09:00'), 6)).toEqual({
      party: 'developer',
      handoverDate: '2026-07-15',
    });
    expect(responsibilityFor('2026-01-15', shanghai('2026-01-15T09:00'), 0).party).toBe('property-company');
    expect(() => responsibilityFor('2026-01-15', shanghai('2026-01-15T09:00'), 1.5)).toThrow(RangeError);
    expect(() => responsibilityFor('2026-01-15', shanghai('2026-01-15T09:00'), -1)).toThrow(RangeError);
  });

  it('gives a unit not delivered yet to the developer', () => {
    expect(responsibilityFor(null, shanghai('2026-04-20T09:00'))).toEqual({
      party: 'developer',
      handoverDate: null,
    });
  });

  it('refuses a delivery date that is not one', () => {
    expect(() => responsibilityFor('2026-02-30', shanghai('2026-04-20T09:00'))).toThrow(RangeError);
  });
});
