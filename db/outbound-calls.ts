// What an outbound campaign call (ivr/outbound.ts) reads before it dials and writes while the owner is on the
// line: the owner, the unit's arrears, the ticket and the campaign's settings; the call record; the owner's
// "do not call me again". The attempt row itself is the dialer's (workers/): it writes what `place` returns.
import type { CampaignKind } from '../core/campaigns/types.ts';
import type { PopArrear, PopOwner } from '../core/index.ts';
import { arrearsOfUnits, findOwnerById } from './owners.ts';
import type { Queryable } from './pool.ts';

/** A notice campaign's announcement (campaigns.notice). */
export interface CampaignNotice {
  kind: string;
  text: string;
  /** An uploaded recording (notice_recordings.id) played instead of the text (ivr/notice-audio.ts). */
  recording: number | null;
  emergency: boolean;
  /** When and where, as the notice's text names them (read out if present). */
  date: string | null;
  time: string | null;
  building: string | null;
  /**
   * The text spoken (a prompt id `notices/<hash>`), made on the Asterisk node before the dial
   * (ivr/notice-speech.ts); null when there is no text or it could not be spoken.
   */
  audio: string | null;
}

/** Everything the outbound flow of one attempt needs, read once before the dial. */
export interface OutboundCallContext {
  owner: PopOwner;
  campaign: {
    id: string;
    kind: CampaignKind;
    name: string;
    scaleMax: number;
    unsatisfiedMax: number;
    notice: CampaignNotice | null;
  };
  /** The unit's unpaid items now (fee reminders), oldest first; their sum and the earliest due date. */
  arrears: { items: PopArrear[]; totalFen: number; dueDate: string | null };
  ticket: { id: string; number: string; type: string; department: string | null } | null;
}

function noticeOf(raw: unknown): CampaignNotice | null {
  if (raw === null || typeof raw !== 'object') return null;
  const n = raw as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  return {
    kind: str(n.kind) ?? 'other',
    text: str(n.text) ?? '',
    recording: typeof n.recording === 'number' && Number.isInteger(n.recording) ? n.recording : null,
    emergency: n.emergency === true,
    date: str(n.date),
    time: str(n.time),
    building: str(n.building),
    audio: null,
  };
}

/** null when the owner, or the campaign, no longer exists. */
export async function outboundCallContext(
  db: Queryable,
  dial: { campaignId: string; ownerId: string; unitId: number | null; ticketId: string | null },
): Promise<OutboundCallContext | null> {
  const [owner, campaign, ticket, arrears] = await Promise.all([
    findOwnerById(db, Number(dial.ownerId)),
    db.query<{
      id: string;
      kind: CampaignKind;
      name: string;
      scale_max: number;
      unsatisfied_max: number;
      notice: unknown;
    }>(`SELECT id, kind, name, scale_max, unsatisfied_max, notice FROM campaigns WHERE id = $1`, [
      dial.campaignId,
    ]),
    dial.ticketId === null
      ? Promise.resolve(null)
      : db.query<{ id: string; number: string; type: string; department: string | null }>(
          `SELECT id, number, type, department FROM tickets WHERE id = $1`,
          [dial.ticketId],
        ),
    dial.unitId === null ? Promise.resolve([]) : arrearsOfUnits(db, [dial.unitId]),
  ]);
  const c = campaign.rows[0];
  if (!owner || !c) return null;
  return {
    owner,
    campaign: {
      id: String(c.id),
      kind: c.kind,
      name: c.name,
      scaleMax: c.scale_max,
      unsatisfiedMax: c.unsatisfied_max,
      notice: noticeOf(c.notice),
    },
    arrears: {
      items: arrears,
      totalFen: arrears.reduce((sum, a) => sum + Number(a.amountFen), 0),
      dueDate: arrears[0]?.dueDate ?? null,
    },
    ticket: ticket?.rows[0] ? { ...ticket.rows[0], id: String(ticket.rows[0].id) } : null,
  };
}

export interface NewOutboundCall {
  id: string;
  /** The number the owner's phone showed (the trunk's caller id). */
  callerId: string;
  /** The owner's number, as dialled. */
  phone: string;
  channelId: string;
  ownerId: string;
  startedAt: Date;
}

/** The call record of an answered campaign call. Idempotent, like createInboundCall. */
export async function createOutboundCall(db: Queryable, call: NewOutboundCall): Promise<void> {
  await db.query(
    `INSERT INTO calls (id, direction, caller_number, dialled_number, channel_id, owner_id, started_at)
     VALUES ($1, 'outbound', $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO NOTHING`,
    [call.id, call.callerId, call.phone, call.channelId, call.ownerId, call.startedAt],
  );
}

/** The owner pressed "do not call me again" (source keypad); a number already on the list stays as it was. */
export async function addDoNotCallByKeypad(
  db: Queryable,
  entry: { phone: string; ownerId: string; attemptId: string },
): Promise<void> {
  await db.query(
    `INSERT INTO do_not_call (phone, owner_id, source, attempt_id) VALUES ($1, $2, 'keypad', $3)
     ON CONFLICT (phone) DO NOTHING`,
    [entry.phone, entry.ownerId, entry.attemptId],
  );
}
