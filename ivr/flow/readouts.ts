// What the caller hears for the whole result of a lookup (`say: fee_balance`, `say: bills`, ...), as prompt ids.
// Pure: the pieces (numbers, amounts, dates, times, digits) come from ivr/speech.ts. Instants are read as month,
// day and time in the hotline's time zone.
import { TICKET_STATUSES as TICKET_STATUS_LIST, type PopArrear, type PopOwner } from '../../core/index.ts';
import {
  sayAmount,
  sayDate,
  sayDateTime,
  sayNumber,
  sayRoom,
  sayTicket,
  type Language,
  type PromptId,
} from '../speech.ts';

/** The unpaid fees of some units, summed per fee kind (property, water, electricity, gas, parking). */
export interface FeeKindTotal {
  kind: string;
  amountFen: number;
  items: number;
}

/** What the IVR reads of a ticket found by its number. */
export interface TicketStatusReadout {
  number: string;
  status: string;
  /** ISO instant; null when no completion is expected yet. */
  expectedDoneAt: string | null;
}

/** What the IVR reads of an estate notice. */
export interface NoticeReadout {
  kind: string;
  /** The building's name as stored ("3号楼"), or null for the whole estate. */
  building: string | null;
  /** ISO instants. */
  startsAt: string;
  endsAt: string | null;
}

const TICKET_STATUSES: ReadonlySet<string> = new Set(TICKET_STATUS_LIST);
/** A ticket in these has nothing left to expect: no expected completion is read out. */
const DONE_STATUSES: ReadonlySet<string> = new Set(['resolved', 'revisited', 'closed', 'invalid']);
const NOTICE_KINDS = new Set(['water-cut', 'power-cut', 'gas-cut', 'works', 'storm', 'other']);
const FEE_KINDS = new Set(['property', 'water', 'electricity', 'gas', 'parking']);

/** Each unit's arrears (amount and earliest due date) or "no fees owed", then the total when several units owe. */
export function feesSpeech(owner: PopOwner, items: PopArrear[], lang: Language): PromptId[] {
  const out: PromptId[] = [];
  for (const unit of owner.units) {
    const owed = items.filter((i) => i.unitId === unit.unitId);
    out.push('fees-unit', ...sayRoom(unit.roomCode, lang));
    if (owed.length === 0) {
      out.push('fees-none');
      continue;
    }
    const total = owed.reduce((sum, i) => sum + i.amountFen, 0);
    const earliestDue = owed.map((i) => i.dueDate).sort()[0]!;
    out.push('fees-owed', ...sayAmount(total, lang), 'fees-due', ...sayDate(earliestDue, lang));
  }
  if (owner.units.length > 1 && items.length > 0) {
    out.push(
      'fees-total',
      ...sayAmount(
        items.reduce((sum, i) => sum + i.amountFen, 0),
        lang,
      ),
    );
  }
  return out;
}

/** "Of which: property fee 1,234.50 yuan, water 56 yuan ..."; nothing owed reads as "no fees owed". */
export function billsSpeech(byKind: FeeKindTotal[], lang: Language): PromptId[] {
  const owed = byKind.filter((k) => k.amountFen > 0 && FEE_KINDS.has(k.kind));
  if (owed.length === 0) return ['fees-none'];
  return ['fees-breakdown', ...owed.flatMap((k) => [`fee-kind-${k.kind}`, ...sayAmount(k.amountFen, lang)])];
}

/** "Your ticket number is 1 0 0 0 0 0 4 2, status: dispatched, expected completion: 25 November, 18:00." */
export function ticketStatusSpeech(ticket: TicketStatusReadout | null, lang: Language): PromptId[] {
  if (!ticket) return ['ticket-not-found'];
  const out = ['ticket-number-is', ...sayTicket(ticket.number, lang)];
  if (TICKET_STATUSES.has(ticket.status)) out.push('ticket-status-is', `ticket-status-${ticket.status}`);
  if (ticket.expectedDoneAt && !DONE_STATUSES.has(ticket.status)) {
    out.push('ticket-expected', ...sayInstant(ticket.expectedDoneAt, lang));
  }
  return out;
}

/** "Current notices: water cut, building 3, from 24 November 9:00 to 24 November 17:00; next: ..." */
export function noticesSpeech(notices: NoticeReadout[], lang: Language): PromptId[] {
  if (notices.length === 0) return ['notices-none'];
  const out: PromptId[] = ['notices-intro'];
  notices.forEach((n, i) => {
    if (i > 0) out.push('notice-next');
    out.push(`notice-${NOTICE_KINDS.has(n.kind) ? n.kind : 'other'}`);
    const building = n.building === null ? null : /\d+/.exec(n.building)?.[0];
    if (building) out.push(...sayBuilding(Number(building), lang));
    out.push('from', ...sayInstant(n.startsAt, lang));
    if (n.endsAt) out.push('to', ...sayInstant(n.endsAt, lang));
  });
  return out;
}

function sayBuilding(n: number, lang: Language): PromptId[] {
  return lang === 'zh' ? [...sayNumber(n, lang), 'building'] : ['building', ...sayNumber(n, lang)];
}

/** An instant read in the estate's local time; an instant that is not one is not read. */
function sayInstant(iso: string, lang: Language): PromptId[] {
  try {
    return sayDateTime(iso, lang);
  } catch {
    return [];
  }
}

/** Where a waiting caller stands (cti's QueueStatus); null: not known (Redis away). */
export interface QueueStatusReadout {
  ahead: number;
  waitS: number | null;
}

/**
 * The announcement while waiting for an agent: "There are 3 callers ahead of you. The expected wait is about
 * 4 minutes." Without a position, the plain "please hold"; without an estimate, the position alone.
 */
export function queueStatusSpeech(status: QueueStatusReadout | null, lang: Language): PromptId[] {
  if (!status) return ['please-hold'];
  const out: PromptId[] =
    status.ahead === 0
      ? ['queue-next']
      : status.ahead === 1
        ? ['queue-one-ahead']
        : ['queue-ahead', ...sayNumber(status.ahead, lang), 'queue-ahead-callers'];
  if (status.waitS === null) return out;
  if (status.waitS < 60) return [...out, 'queue-wait-under-minute'];
  return [...out, 'queue-wait', ...sayNumber(Math.ceil(status.waitS / 60), lang), 'queue-wait-minutes'];
}
