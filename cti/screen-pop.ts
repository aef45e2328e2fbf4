// Builds the screen pop: who is calling, their units, what they owe, their open tickets, last calls, last revisit
// results and last outbound attempts.
// Built once when the call joins the queue, so offering it to an agent costs no database round trip.
import type { PopOwner, ScreenPop } from '../core/index.ts';
import {
  arrearsOfUnits,
  lastCallsOfOwner,
  openTicketsOfOwner,
  ownerOutboundHistory,
  type Queryable,
} from '../db/index.ts';

export type PopBase = Omit<ScreenPop, 'queue' | 'waitedMs' | 'offeredAt'>;

export async function buildPopBase(
  db: Queryable,
  call: {
    callId: string;
    callerNumber: string | null;
    dialledNumber: string;
    owner: PopOwner | null;
    ivrPath: string[];
    intent: string;
  },
): Promise<PopBase> {
  const owner = call.owner;
  const [arrears, openTickets, lastCalls, outbound] = owner
    ? await Promise.all([
        arrearsOfUnits(
          db,
          owner.units.map((u) => u.unitId),
        ),
        openTicketsOfOwner(db, owner.id),
        lastCallsOfOwner(db, owner.id),
        ownerOutboundHistory(db, owner.id),
      ])
    : [[], [], [], { revisits: [], attempts: [] }];
  return {
    callId: call.callId,
    callerNumber: call.callerNumber,
    dialledNumber: call.dialledNumber,
    ivrPath: call.ivrPath,
    intent: call.intent,
    owner,
    arrears,
    arrearsTotalFen: arrears.reduce((sum, a) => sum + a.amountFen, 0),
    openTickets,
    lastCalls,
    lastRevisits: outbound.revisits,
    lastAttempts: outbound.attempts,
  };
}
