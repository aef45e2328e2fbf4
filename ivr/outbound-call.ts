// What an outbound flow starts with and ends with: the campaign's variables (ivr/flow/variables.ts, "Outbound
// calls"), the screen pop's reason for the call, and the result the dialer writes on the attempt.
import type pg from 'pg';
import type { OutboundPop, TicketReopened } from '../core/index.ts';
import type { OutboundDial } from '../core/campaigns/types.ts';
import {
  addDoNotCallByKeypad,
  recordRevisit,
  reopenedNotice,
  setRevisitComment,
  ticketLeaderRooms,
  type OutboundCallContext,
} from '../db/index.ts';
import type { FlowCall, FlowEffect } from './flow/interpreter.ts';
import type { OutboundFinish, Placement } from './outbound.ts';

/** The flow variables of a campaign call, by path (`${campaign.kind}`, `${arrears.total}`, ...). */
export function outboundVariables(dial: OutboundDial, context: OutboundCallContext): Record<string, string> {
  const { campaign, arrears, ticket } = context;
  const notice = campaign.notice;
  const vars: Record<string, string> = {
    'campaign.id': campaign.id,
    'campaign.kind': campaign.kind,
    'campaign.name': campaign.name,
    'attempt.id': dial.attemptId,
    'attempt.no': String(dial.attemptNo),
    'arrears.total': String(arrears.totalFen),
    'arrears.due_date': arrears.dueDate ?? '',
    'arrears.items': String(arrears.items.length),
    'revisit.scale_max': String(campaign.scaleMax),
    'revisit.unsatisfied_max': String(campaign.unsatisfiedMax),
  };
  if (ticket) Object.assign(vars, { 'ticket.number': ticket.number, 'ticket.type': ticket.type });
  if (notice) {
    Object.assign(vars, {
      'notice.kind': notice.kind,
      'notice.text': notice.text,
      'notice.recording': notice.recording ?? '',
      'notice.date': notice.date ?? '',
      'notice.time': notice.time ?? '',
      'notice.building': notice.building ?? '',
      'notice.audio': notice.audio ?? '',
    });
  }
  return vars;
}

/** The screen pop's reason for the call (the agent sees why the owner was called). */
export function outboundPop(placement: Placement): OutboundPop {
  return {
    campaignId: placement.dial.campaignId,
    kind: placement.dial.kind,
    campaignName: placement.context.campaign.name,
    arrearsFen: placement.context.arrears.totalFen,
    attemptNo: placement.dial.attemptNo,
  };
}

/**
 * What the owner chose, at the end of the call: the outcome an `outcome` node set; else, for a message heard to
 * its end, `heard` (a revisit without a score: `no-input`); else `no-input`.
 */
export function outboundFinish(state: FlowCall): OutboundFinish {
  const o = state.outbound;
  const fallback = o?.heard && state.vars['campaign.kind'] !== 'revisit' ? 'heard' : 'no-input';
  return {
    callId: state.callId,
    outcome: o?.outcome ?? fallback,
    score: o?.score ?? null,
    commentRecording: o?.comment ?? null,
  };
}

/** Where the notice of a ticket reopened by a revisit goes (cti's Notifier, through the Redis emitter). */
export interface TicketNotices {
  ticketReopened(event: TicketReopened, leaderRooms: readonly string[]): void;
}

/**
 * The domain effects of what the owner chose, written the moment it happens (a worker dying afterwards loses
 * nothing): the do-not-call entry, the ticket's revisit record and its lifecycle action, the comment's recording.
 * A failure is logged; the call goes on.
 */
export class OutboundOutcomes {
  readonly #db: pg.Pool;
  readonly #notifier: TicketNotices | null;
  /** The revisit record of each call that has one (for the comment recorded after the score). */
  readonly #revisits = new Map<string, Promise<string | null>>();

  constructor(deps: { db: pg.Pool; notifier: TicketNotices | null }) {
    this.#db = deps.db;
    this.#notifier = deps.notifier;
  }

  async apply(
    placement: Placement,
    callId: string,
    effect: Extract<FlowEffect, { do: 'outcome' }>,
    inserted: Promise<void>,
  ): Promise<void> {
    const { dial, log } = placement;
    try {
      switch (effect.outcome) {
        case 'opted-out':
          await addDoNotCallByKeypad(this.#db, {
            phone: dial.phone,
            ownerId: dial.ownerId,
            attemptId: dial.attemptId,
          });
          log.info('the owner asked not to be called again: on the do-not-call list');
          return;
        case 'score': {
          const written = this.#score(placement, effect.score!, effect.satisfied!);
          this.#revisits.set(callId, written);
          await written;
          return;
        }
        case 'comment': {
          const revisitId = await this.#revisits.get(callId);
          this.#revisits.delete(callId);
          if (revisitId) await setRevisitComment(this.#db, revisitId, effect.comment!);
          else log.warn({ comment: effect.comment }, 'a revisit comment without a revisit record');
          return;
        }
        default:
          await inserted;
          return;
      }
    } catch (err) {
      log.error({ err, outcome: effect.outcome }, 'could not write what the owner chose');
    }
  }

  /** Forgets a call's revisit record (the call is over). */
  forget(callId: string): void {
    this.#revisits.delete(callId);
  }

  async #score(placement: Placement, score: number, satisfied: boolean): Promise<string | null> {
    const { dial, context, log } = placement;
    if (!dial.ticketId) {
      log.warn({ score }, 'a revisit score without a ticket; nothing to record');
      return null;
    }
    const at = new Date();
    const recorded = await recordRevisit(
      this.#db,
      {
        ticketId: dial.ticketId,
        attemptId: dial.attemptId,
        attemptNo: dial.attemptNo,
        score,
        satisfied,
        commentRecording: null,
        automated: true,
        byAgent: null,
        at,
      },
      { role: 'system', id: null, name: '自动回访 / automated revisit' },
    );
    log.info(
      {
        ticketId: dial.ticketId,
        score,
        satisfied,
        status: recorded.ticket?.status,
        refusal: recorded.refusal,
      },
      'revisit recorded',
    );
    if (recorded.reopened && this.#notifier) {
      const number = context.ticket?.number ?? dial.ticketId;
      const department = recorded.ticket?.department ?? context.ticket?.department ?? null;
      this.#notifier.ticketReopened(
        reopenedNotice({
          ticketId: Number(dial.ticketId),
          ticketNumber: number,
          department,
          score,
          automated: true,
          at,
        }),
        await ticketLeaderRooms(this.#db, Number(dial.ticketId)),
      );
    }
    return recorded.revisitId;
  }
}
