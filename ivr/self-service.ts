// What a flow asks of the outside world, answered from the database: who is calling, what they owe, their
// tickets, the estate's notices and opening hours, filing a ticket, remembering a language. The controller
// (Asterisk calls) and the simulator (`npm run flow -- simulate`) use the same answers.
import type { PopOwner } from '../core/index.ts';
import { hoursState, normalizePhone } from '../core/index.ts';
import {
  createIvrTicket,
  currentNotices,
  estateHours,
  estateOfCode,
  estateOfDialled,
  estateOfUnit,
  feesByKind,
  findOwnerByPhone,
  findOwnerByRoomPin,
  setOwnerLanguage,
  ticketStatus,
  timeBoxed,
  unpaidFeesOfUnits,
  type Queryable,
} from '../db/index.ts';
import type { FlowEffect, HoursState, LookupResult } from './flow/interpreter.ts';
import type { Language } from './speech.ts';

export type LookupRequest = Extract<FlowEffect, { do: 'lookup' }>;
export type TicketRequest = Extract<FlowEffect, { do: 'create-ticket' }>;

/** The outside world of a flow. Errors are thrown as they come (the database is away): callers decide. */
export interface SelfServicePort {
  /** The owner registered for the caller's number; null for an unknown or withheld number. */
  identifyCaller(callerNumber: string | null): Promise<PopOwner | null>;
  lookup(request: LookupRequest, dialled: string): Promise<LookupResult>;
  verifyRoomPin(
    roomKeys: string,
    pin: string,
    dialled: string,
  ): Promise<{ owner: PopOwner; unitId: number } | null>;
  /** estate: a code the flow names; else the unit's estate, else the dialled number's; unknown → open. */
  hours(estate: string | null, unitId: number | null, dialled: string, at: Date): Promise<HoursState>;
  fileTicket(
    request: TicketRequest,
    callId: string | null,
  ): Promise<{ number: string; expectedDoneAt: string | null }>;
  rememberLanguage(ownerId: number, language: Language): Promise<void>;
}

/**
 * The longest a caller waits in silence for the database (a lookup, a PIN check, the hours, filing a ticket):
 * past it the flow goes on as if the database were away (unknown caller, estate open, "could not look it up").
 */
export const CALLER_WAIT_MS = 2_500;

/**
 * Estate hours, and which estate a unit, a dialled number or a code belongs to, are asked on nearly every call
 * and change rarely: they are kept this long (an edit of an estate's hours reaches the IVR within a minute).
 */
const ESTATE_CACHE_MS = 60_000;
/** Entries kept at most; past it the cache starts afresh. */
const ESTATE_CACHE_SIZE = 50_000;
/**
 * The fee read-out asks for a unit's balance and then for its bills by kind, a moment apart: one read of the unit's
 * unpaid items answers both. It is kept only this long: a fee paid is read out as owed for at most this long after.
 */
const FEES_REUSE_MS = 3_000;

export class SelfService implements SelfServicePort {
  readonly #db: Queryable;
  readonly #cache = new Map<string, { until: number; value: Promise<unknown> }>();

  constructor(db: Queryable, waitMs = CALLER_WAIT_MS) {
    this.#db = timeBoxed(db, waitMs);
  }

  /** `load()` once per key and `keepMs`; a failed load is not kept. */
  #cached<T>(key: string, load: () => Promise<T>, keepMs = ESTATE_CACHE_MS): Promise<T> {
    const now = Date.now();
    const hit = this.#cache.get(key);
    if (hit && hit.until > now) return hit.value as Promise<T>;
    return this.#remember(key, load(), keepMs);
  }

  #remember<T>(key: string, value: Promise<T>, keepMs = ESTATE_CACHE_MS): Promise<T> {
    if (this.#cache.size >= ESTATE_CACHE_SIZE) this.#cache.clear();
    const entry = { until: Date.now() + keepMs, value };
    this.#cache.set(key, entry);
    value.catch(() => {
      if (this.#cache.get(key) === entry) this.#cache.delete(key);
    });
    return value;
  }

  async identifyCaller(callerNumber: string | null): Promise<PopOwner | null> {
    const number = normalizePhone(callerNumber);
    const owner = number ? await findOwnerByPhone(this.#db, number) : null;
    if (owner) this.#knowEstatesOf(owner);
    return owner;
  }

  /** The flow asks next for the hours and notices of the caller's unit: its estate came with the owner. */
  #knowEstatesOf(owner: PopOwner): void {
    for (const unit of owner.units)
      void this.#remember(`unit:${unit.unitId}`, Promise.resolve(unit.estateId));
  }

  async lookup(request: LookupRequest, dialled: string): Promise<LookupResult> {
    switch (request.what) {
      case 'fee_balance':
        return { what: 'fee_balance', items: await this.#unpaidFees(request.unitIds) };
      case 'bills':
        return { what: 'bills', byKind: feesByKind(await this.#unpaidFees(request.unitIds)) };
      case 'ticket_status': {
        const ticket = request.ticket ? await ticketStatus(this.#db, request.ticket) : null;
        return { what: 'ticket_status', ticket };
      }
      case 'notices': {
        const estateId = await this.#estate(null, request.unitIds[0] ?? null, dialled);
        const notices = estateId === null ? [] : await currentNotices(this.#db, estateId, new Date());
        return { what: 'notices', notices };
      }
    }
  }

  async verifyRoomPin(
    roomKeys: string,
    pin: string,
    dialled: string,
  ): Promise<{ owner: PopOwner; unitId: number } | null> {
    const estateId = await this.#cached(`dialled:${dialled}`, () => estateOfDialled(this.#db, dialled));
    const found = await findOwnerByRoomPin(this.#db, { roomKeys, pin, estateId });
    if (found) this.#knowEstatesOf(found.owner);
    return found;
  }

  async hours(estate: string | null, unitId: number | null, dialled: string, at: Date): Promise<HoursState> {
    const estateId = await this.#estate(estate, unitId, dialled);
    if (estateId === null) return 'open';
    return hoursState(await this.#cached(`hours:${estateId}`, () => estateHours(this.#db, estateId)), at);
  }

  async fileTicket(
    request: TicketRequest,
    callId: string | null,
  ): Promise<{ number: string; expectedDoneAt: string | null }> {
    const ticket = await createIvrTicket(this.#db, {
      ownerId: request.ownerId,
      unitId: request.unitId,
      type: request.type,
      category: request.category,
      urgent: request.urgent,
      description: request.description,
      channel: request.recording ? 'voicemail' : 'ivr',
      recording: request.recording,
      callId,
    });
    return { number: ticket.number, expectedDoneAt: ticket.expectedDoneAt };
  }

  async rememberLanguage(ownerId: number, language: Language): Promise<void> {
    await setOwnerLanguage(this.#db, ownerId, language);
  }

  #unpaidFees(unitIds: number[]) {
    const key = `fees:${unitIds.join(',')}`;
    return this.#cached(key, () => unpaidFeesOfUnits(this.#db, unitIds), FEES_REUSE_MS);
  }

  async #estate(code: string | null, unitId: number | null, dialled: string): Promise<number | null> {
    if (code !== null) return this.#cached(`code:${code}`, () => estateOfCode(this.#db, code));
    const ofUnit =
      unitId === null ? null : await this.#cached(`unit:${unitId}`, () => estateOfUnit(this.#db, unitId));
    return ofUnit ?? this.#cached(`dialled:${dialled}`, () => estateOfDialled(this.#db, dialled));
  }
}
