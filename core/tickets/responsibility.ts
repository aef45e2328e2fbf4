// Who owns a case: the developer's customer-service team or the property company, by the unit's delivery date
// (DOMAIN.md: the developer from before delivery until 3 months after it, the property company after that, while
// the developer's customer-relations department supervises).
//
// The boundary, in calendar dates in the business time zone (Asia/Shanghai): the handover day is the delivery
// date plus `months` calendar months (core/calendar.ts addMonths: a day the month lacks becomes its last day).
// A case registered before the handover day is the developer's; from the handover day on, the property
// company's. Delivered 2026-01-15: the developer's up to and including 2026-04-14, the property company's from
// 2026-04-15. Delivered 2025-11-30: handover 2026-02-28. A unit without a delivery date has not been delivered:
// the developer's.
import { addMonths, DEFAULT_TIME_ZONE, localTime } from '../calendar.ts';

export const RESPONSIBLE_PARTIES = ['developer', 'property-company'] as const;
export type ResponsibleParty = (typeof RESPONSIBLE_PARTIES)[number];

export const RESPONSIBLE_PARTY_LABELS: Record<ResponsibleParty, { zh: string; en: string }> = {
  developer: { zh: '开发商客服', en: "the developer's customer service" },
  'property-company': { zh: '物业公司', en: 'the property company' },
};

/** Months after delivery during which the developer owns a unit's cases (configurable per company). */
export const DEFAULT_DEVELOPER_MONTHS = 3;

export interface Responsibility {
  party: ResponsibleParty;
  /** The first day the property company owns the unit's cases; null when the unit is not delivered. */
  handoverDate: string | null;
}

/**
 * Who owns a case about a unit delivered on `deliveryDate` ('YYYY-MM-DD', null when not delivered), registered
 * at `at`.
 */
export function responsibilityFor(
  deliveryDate: string | null,
  at: Date,
  months: number = DEFAULT_DEVELOPER_MONTHS,
  timeZone: string = DEFAULT_TIME_ZONE,
): Responsibility {
  if (!Number.isInteger(months) || months < 0) {
    throw new RangeError(`the developer's months after delivery must be a whole number >= 0, got ${months}`);
  }
  if (deliveryDate === null) return { party: 'developer', handoverDate: null };
  const handoverDate = addMonths(deliveryDate, months);
  const today = localTime(at, timeZone).date;
  return { party: today < handoverDate ? 'developer' : 'property-company', handoverDate };
}
