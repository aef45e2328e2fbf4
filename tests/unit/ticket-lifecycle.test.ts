// The life of a ticket: every action from every status for every type, who may take it, what it needs.
import { describe, expect, it } from 'vitest';
import {
  ACTION_KINDS,
  ACTION_LABELS,
  allowedActions,
  registerTicket,
  replayTimeline,
  TICKET_STATUS_LABELS,
  TICKET_STATUSES,
  transition,
  type ActionKind,
  type ActorRole,
  type TicketAction,
  type TicketActor,
  type TicketState,
  type TicketStatus,
  type TicketTimelineEntry,
  type TransitionResult,
} from '../../core/tickets/index.ts';
import { TICKET_TYPES, type TicketType } from '../../core/contracts.ts';

const shanghai = (local: string) => new Date(`${local}+08:00`);
const AT = shanghai('2026-11-24T10:00');
const LATER = shanghai('2026-11-24T11:00');

const agent: TicketActor = { role: 'agent', id: 8, name: '客服 08 号' };
const supervisor: TicketActor = { role: 'supervisor', id: 2, name: '王主管' };
const system: TicketActor = { role: 'system', id: null };
const engineering: TicketActor = { role: 'department', id: 31, department: '工程部' };
const ACTORS: Record<ActorRole, TicketActor> = { agent, department: engineering, supervisor, system };

/** A valid example of each action (its data complete). */
const VALID: Record<ActionKind, TicketAction> = {
  verify: { kind: 'verify' },
  dispatch: { kind: 'dispatch', department: '工程部' },
  redispatch: { kind: 'redispatch', department: '物业公司' },
  plan: { kind: 'plan', plan: '周三上午上门检查卫生间防水' },
  start: { kind: 'start' },
  resolve: { kind: 'resolve', resolution: '已重做防水层,闭水试验 48 小时无渗漏' },
  answer: { kind: 'answer', resolution: '已告知物业费缴费方式' },
  revisit: { kind: 'revisit', satisfaction: 'satisfied', score: 5 },
  close: { kind: 'close' },
  invalidate: { kind: 'invalidate', note: '业主自行改造水管所致,不属公司责任 —— 工程部李经理' },
  'force-close': {
    kind: 'force-close',
    closure: { reason: 'registered-mail', deliveredOn: '2026-11-20', evidence: ['EMS 1234567890'] },
  },
  wait: { kind: 'wait', note: '业主出差,12 月 1 日回来后再约上门' },
  resume: { kind: 'resume' },
};

/** A ticket of this type in this status, with the engineering department when it has been dispatched. */
function ticketIn(type: TicketType, status: TicketStatus, waiting = false): TicketState {
  const dispatched = !['registered', 'verified'].includes(status);
  return {
    ...registerTicket({ type }, agent, shanghai('2026-11-23T09:00')).ticket,
    status,
    department: dispatched ? '工程部' : null,
    waitingSince: waiting ? '2026-11-23T02:00:00.000Z' : null,
    updatedAt: '2026-11-23T02:00:00.000Z',
  };
}

const allowed = (r: TransitionResult) => (r.ok ? r : expect.unreachable(`refused: ${r.refusal.message}`));
const refused = (r: TransitionResult) => (r.ok ? expect.unreachable(`allowed: ${r.entry.to}`) : r.refusal);

// The specification, written out: what may be done in each status (not waiting for the owner). Compensation
// claims follow complaints, suggestions follow inquiries.
const OPEN_EXTRAS: ActionKind[] = ['force-close', 'wait'];
const SPEC: Record<TicketStatus, Record<'complaint' | 'repair' | 'inquiry', ActionKind[]>> = {
  registered: { complaint: ['verify'], repair: ['verify'], inquiry: ['verify', 'answer'] },
  verified: { complaint: ['dispatch'], repair: ['dispatch'], inquiry: ['dispatch', 'answer'] },
  dispatched: {
    complaint: ['redispatch', 'plan', 'invalidate'],
    repair: ['redispatch', 'plan', 'start', 'invalidate'],
    inquiry: ['redispatch', 'plan', 'start', 'invalidate'],
  },
  planned: { complaint: ['start'], repair: ['start'], inquiry: ['start'] },
  'in-progress': { complaint: ['resolve'], repair: ['resolve'], inquiry: ['resolve'] },
  resolved: { complaint: ['revisit'], repair: ['revisit'], inquiry: ['close'] },
  revisited: { complaint: ['close'], repair: ['close'], inquiry: [] },
  reopened: {
    complaint: ['redispatch', 'plan', 'invalidate'],
    repair: ['redispatch', 'plan', 'start', 'invalidate'],
    inquiry: ['redispatch', 'plan', 'start', 'invalidate'],
  },
  closed: { complaint: [], repair: [], inquiry: [] },
  invalid: { complaint: [], repair: [], inquiry: [] },
};
const group = (type: TicketType) =>
  type === 'compensation' ? 'complaint' : type === 'suggestion' ? 'inquiry' : type;
function expectedActions(type: TicketType, status: TicketStatus): ActionKind[] {
  const open = status !== 'closed' && status !== 'invalid';
  const list = [...SPEC[status][group(type)], ...(open ? OPEN_EXTRAS : [])];
  return ACTION_KINDS.filter((k) => list.includes(k));
}

/** Where each allowed action leads (the satisfied revisit; the unsatisfied one is tested below). */
const TARGET: Record<ActionKind, TicketStatus | 'same'> = {
  verify: 'verified',
  dispatch: 'dispatched',
  redispatch: 'dispatched',
  plan: 'planned',
  start: 'in-progress',
  resolve: 'resolved',
  answer: 'resolved',
  revisit: 'revisited',
  close: 'closed',
  invalidate: 'invalid',
  'force-close': 'closed',
  wait: 'same',
  resume: 'same',
};

describe('the state machine: every action from every status, for every type', () => {
  const cases = TICKET_TYPES.flatMap((type) =>
    TICKET_STATUSES.flatMap((status) => ACTION_KINDS.map((kind) => [type, status, kind] as const)),
  );
  it.each(cases)('a %s ticket that is %s: %s', (type, status, kind) => {
    const ticket = ticketIn(type, status);
    const result = transition(ticket, VALID[kind], supervisor, AT);
    if (expectedActions(type, status).includes(kind)) {
      const { ticket: next, entry } = allowed(result);
      const target = TARGET[kind] === 'same' ? status : TARGET[kind];
      expect(next.status).toBe(target);
      expect(entry).toMatchObject({ from: status, to: target, by: supervisor, action: VALID[kind] });
      expect(entry.at).toBe(AT.toISOString());
    } else {
      const refusal = refused(result);
      expect(refusal.code).toBe('not-allowed-now');
      // the message names the current status and the action, in Chinese and English
      expect(refusal.message).toContain(`「${TICKET_STATUS_LABELS[status].zh}」`);
      expect(refusal.message).toContain(`The ticket is ${TICKET_STATUS_LABELS[status].en}`);
      expect(refusal.message).toContain(' / ');
      expect(refusal.allowed).toEqual(expectedActions(type, status));
    }
  });

  it.each(TICKET_TYPES.flatMap((type) => TICKET_STATUSES.map((status) => [type, status] as const)))(
    'allowedActions of a %s ticket that is %s',
    (type, status) => {
      expect(allowedActions(ticketIn(type, status))).toEqual(expectedActions(type, status));
    },
  );

  it('lists what may be done now in the refusal, in both languages', () => {
    const refusal = refused(transition(ticketIn('complaint', 'dispatched'), VALID.revisit, agent, AT));
    expect(refusal.message).toBe(
      '工单当前状态为「已派单」,不能「回访」。现在可以:改派、确认处理方案、判为无效、强制关闭、等待业主。 / ' +
        'The ticket is dispatched: "revisit" is not allowed now. Allowed now: redispatch, plan, invalidate, ' +
        'force-close, wait for the owner.',
    );
  });

  it('says a finished ticket takes no more actions', () => {
    const refusal = refused(transition(ticketIn('complaint', 'closed'), VALID.wait, agent, AT));
    expect(refusal.message).toContain('工单已结束,不能再操作');
    expect(refusal.message).toContain('The ticket is finished: nothing more can be done.');
    expect(refusal.allowed).toEqual([]);
  });

  it('explains why a complaint cannot start without a plan, or close without a revisit', () => {
    expect(
      refused(transition(ticketIn('complaint', 'dispatched'), VALID.start, engineering, AT)).message,
    ).toContain('needs a plan agreed with the owner first');
    expect(refused(transition(ticketIn('repair', 'resolved'), VALID.close, agent, AT)).message).toContain(
      'is revisited before it closes',
    );
    expect(
      refused(transition(ticketIn('complaint', 'registered'), VALID.answer, agent, AT)).message,
    ).toContain('Only an inquiry or a suggestion is answered on the call');
  });
});

describe('waiting for the owner', () => {
  it.each(TICKET_STATUSES.filter((s) => s !== 'closed' && s !== 'invalid'))(
    'a waiting ticket that is %s may resume, not wait again',
    (status) => {
      const ticket = ticketIn('complaint', status, true);
      expect(allowedActions(ticket)).toContain('resume');
      expect(allowedActions(ticket)).not.toContain('wait');
      expect(refused(transition(ticket, VALID.wait, agent, AT)).message).toBe(
        `工单当前状态为「${TICKET_STATUS_LABELS[status].zh}」,已在等待业主。现在可以:` +
          allowedActions(ticket)
            .map((k) => ACTION_LABELS[k].zh)
            .join('、') +
          `。 / The ticket is ${TICKET_STATUS_LABELS[status].en} and already waiting for the owner. Allowed now: ` +
          allowedActions(ticket)
            .map((k) => ACTION_LABELS[k].en)
            .join(', ') +
          '.',
      );
    },
  );

  it('a ticket not waiting cannot resume', () => {
    expect(refused(transition(ticketIn('repair', 'dispatched'), VALID.resume, agent, AT)).message).toContain(
      '工单当前状态为「已派单」,没有在等待业主。',
    );
  });

  it('wait keeps the status and records since when; resume ends it', () => {
    const waiting = allowed(transition(ticketIn('complaint', 'planned'), VALID.wait, engineering, AT));
    expect(waiting.ticket).toMatchObject({ status: 'planned', waitingSince: AT.toISOString() });
    expect(waiting.entry).toMatchObject({ from: 'planned', to: 'planned', waitEnded: false });
    const resumed = allowed(transition(waiting.ticket, VALID.resume, engineering, LATER));
    expect(resumed.ticket).toMatchObject({ status: 'planned', waitingSince: null });
    expect(resumed.entry.waitEnded).toBe(true);
  });

  it('any status change ends the wait too', () => {
    const waiting = allowed(transition(ticketIn('complaint', 'planned'), VALID.wait, engineering, AT));
    const started = allowed(transition(waiting.ticket, VALID.start, engineering, LATER));
    expect(started.ticket).toMatchObject({ status: 'in-progress', waitingSince: null });
    expect(started.entry.waitEnded).toBe(true);
  });

  it('a step that is not a wait, on a ticket not waiting, ends nothing', () => {
    expect(
      allowed(transition(ticketIn('complaint', 'planned'), VALID.start, engineering, AT)).entry.waitEnded,
    ).toBe(false);
  });
});

describe('who may act', () => {
  /** Who the specification lets take each action. */
  const WHO: Record<ActionKind, ActorRole[]> = {
    verify: ['agent', 'supervisor'],
    dispatch: ['agent', 'supervisor', 'system'],
    redispatch: ['supervisor'],
    plan: ['department', 'supervisor'],
    start: ['department', 'supervisor'],
    resolve: ['department', 'supervisor'],
    answer: ['agent', 'supervisor'],
    revisit: ['agent', 'supervisor', 'system'],
    close: ['agent', 'supervisor', 'system'],
    invalidate: ['department', 'supervisor'],
    'force-close': ['supervisor'],
    wait: ['agent', 'department', 'supervisor'],
    resume: ['agent', 'department', 'supervisor'],
  };
  /** A ticket the action is allowed on. */
  const READY: Record<ActionKind, TicketState> = {
    verify: ticketIn('complaint', 'registered'),
    dispatch: ticketIn('complaint', 'verified'),
    redispatch: ticketIn('complaint', 'dispatched'),
    plan: ticketIn('complaint', 'dispatched'),
    start: ticketIn('complaint', 'planned'),
    resolve: ticketIn('complaint', 'in-progress'),
    answer: ticketIn('inquiry', 'registered'),
    revisit: ticketIn('complaint', 'resolved'),
    close: ticketIn('complaint', 'revisited'),
    invalidate: ticketIn('complaint', 'dispatched'),
    'force-close': ticketIn('complaint', 'planned'),
    wait: ticketIn('complaint', 'planned'),
    resume: ticketIn('complaint', 'planned', true),
  };
  const cases = ACTION_KINDS.flatMap((kind) =>
    (['agent', 'department', 'supervisor', 'system'] as const).map((role) => [kind, role] as const),
  );
  it.each(cases)('%s by %s', (kind, role) => {
    const result = transition(READY[kind], VALID[kind], ACTORS[role], AT);
    if (WHO[kind].includes(role)) {
      allowed(result);
    } else {
      const refusal = refused(result);
      expect(refusal.code).toBe('not-your-role');
      expect(refusal.message).toContain(`「${ACTION_LABELS[kind].zh}」`);
      expect(refusal.message).toMatch(/ \/ (An|A|The) .+ may not .+; only .+ may\.$/);
    }
  });

  it('names who may, in words', () => {
    expect(refused(transition(READY['force-close'], VALID['force-close'], agent, AT)).message).toBe(
      '客服专员不能「强制关闭」,只有客服主管可以。 / An agent may not force-close a ticket; only supervisors may.',
    );
  });

  it('lets a department act only on tickets dispatched to it', () => {
    const security: TicketActor = { role: 'department', id: 40, department: '安保部' };
    const refusal = refused(transition(ticketIn('complaint', 'dispatched'), VALID.plan, security, AT));
    expect(refusal.code).toBe('not-your-department');
    expect(refusal.message).toBe(
      '工单在「工程部」,不是您的部门 / The ticket is with 工程部, not with yours.',
    );
    expect(allowedActions(ticketIn('complaint', 'dispatched'), security)).toEqual([]);
    expect(allowedActions(ticketIn('complaint', 'dispatched'), engineering)).toEqual([
      'plan',
      'invalidate',
      'wait',
    ]);
  });

  it('filters allowedActions by the actor', () => {
    expect(allowedActions(ticketIn('complaint', 'resolved'), system)).toEqual(['revisit']);
    expect(allowedActions(ticketIn('complaint', 'resolved'), supervisor)).toEqual([
      'revisit',
      'force-close',
      'wait',
    ]);
  });
});

describe('what each action needs', () => {
  const refusalOf = (ticket: TicketState, action: TicketAction, at = AT) =>
    refused(transition(ticket, action, supervisor, at));

  it.each([
    [
      'dispatch',
      ticketIn('complaint', 'verified'),
      { kind: 'dispatch', department: '  ' },
      '派单须指定处理部门',
    ],
    [
      'redispatch',
      ticketIn('complaint', 'dispatched'),
      { kind: 'redispatch', department: '' },
      'Name the department',
    ],
    ['plan', ticketIn('complaint', 'dispatched'), { kind: 'plan', plan: '' }, 'Write down the handling plan'],
    [
      'resolve',
      ticketIn('complaint', 'in-progress'),
      { kind: 'resolve', resolution: ' ' },
      'Write down what was done',
    ],
    [
      'answer',
      ticketIn('inquiry', 'verified'),
      { kind: 'answer', resolution: '' },
      'Write down what was done',
    ],
    [
      'invalidate',
      ticketIn('complaint', 'dispatched'),
      { kind: 'invalidate', note: '' },
      'department head’s note',
    ],
    ['wait', ticketIn('complaint', 'dispatched'), { kind: 'wait', note: '' }, 'Say what the owner is to do'],
  ] as [string, TicketState, TicketAction, string][])(
    '%s without its data is refused',
    (_kind, ticket, action, says) => {
      const refusal = refusalOf(ticket, action);
      expect(refusal.code).toBe('missing-data');
      expect(refusal.message).toContain(says);
      expect(refusal.message).toContain(' / ');
    },
  );

  it('a revisit needs the satisfaction; a score, when given, is 1 to 5', () => {
    const resolved = ticketIn('repair', 'resolved');
    const noAnswer = { kind: 'revisit' } as unknown as TicketAction;
    expect(refusalOf(resolved, noAnswer).code).toBe('missing-data');
    expect(refusalOf(resolved, { kind: 'revisit', satisfaction: 'satisfied', score: 6 }).message).toBe(
      '满意度评分须为 1-5 / The satisfaction score is 1 to 5, not 6.',
    );
    expect(refusalOf(resolved, { kind: 'revisit', satisfaction: 'satisfied', score: 0 }).code).toBe(
      'invalid-data',
    );
    expect(refusalOf(resolved, { kind: 'revisit', satisfaction: 'satisfied', score: 2.5 }).code).toBe(
      'invalid-data',
    );
    allowed(transition(resolved, { kind: 'revisit', satisfaction: 'unsatisfied', score: 1 }, system, AT));
    allowed(transition(resolved, { kind: 'revisit', satisfaction: 'satisfied' }, agent, AT));
  });

  it('redispatch goes to another department', () => {
    const refusal = refusalOf(ticketIn('complaint', 'dispatched'), {
      kind: 'redispatch',
      department: '工程部',
    });
    expect(refusal.code).toBe('invalid-data');
    expect(refusal.message).toContain('redispatch it to another department');
    const moved = allowed(transition(ticketIn('complaint', 'reopened'), VALID.redispatch, supervisor, AT));
    expect(moved.ticket).toMatchObject({ status: 'dispatched', department: '物业公司' });
  });

  it('an unknown action is refused', () => {
    const refusal = refusalOf(ticketIn('complaint', 'registered'), {
      kind: 'escalate',
    } as unknown as TicketAction);
    expect(refusal.code).toBe('invalid-data');
    expect(refusal.message).toBe('未知操作「escalate」 / Unknown action "escalate".');
  });

  it('an action dated before the last step is refused', () => {
    const ticket = ticketIn('complaint', 'registered');
    const refusal = refusalOf(ticket, VALID.verify, shanghai('2026-11-23T09:59'));
    expect(refusal.code).toBe('out-of-order');
    expect(refusal.message).toContain('2026-11-23T02:00:00.000Z');
    allowed(transition(ticket, VALID.verify, agent, shanghai('2026-11-23T10:00')));
    expect(refusalOf(ticket, VALID.verify, new Date(NaN)).code).toBe('out-of-order');
  });
});

describe('forced closure', () => {
  const planned = ticketIn('complaint', 'planned');
  const closeWith = (closure: unknown, at = AT) =>
    transition(planned, { kind: 'force-close', closure } as TicketAction, supervisor, at);

  it('when the owner went to court or arbitration within 3 months: 3 months ago to the day, not a day more', () => {
    // 2026-11-24 in Shanghai: the filing may be from 2026-08-24 to 2026-11-24
    const court = (filedOn: string) => ({
      reason: 'court-or-arbitration',
      filedOn,
      evidence: ['(2026)沪0115民初123号'],
    });
    expect(allowed(closeWith(court('2026-08-24'))).ticket).toMatchObject({
      status: 'closed',
      forcedClosure: court('2026-08-24'),
    });
    allowed(closeWith(court('2026-11-24')));
    const tooOld = refused(closeWith(court('2026-08-23')));
    expect(tooOld.code).toBe('invalid-data');
    expect(tooOld.message).toBe(
      '起诉或仲裁日期须在 2026-08-24 至 2026-11-24 之间(3 个月内) / The court or arbitration filing date must be ' +
        'between 2026-08-24 and 2026-11-24 (within 3 months).',
    );
    expect(refused(closeWith(court('2026-11-25'))).code).toBe('invalid-data');
    expect(refused(closeWith(court('2026-02-30'))).code).toBe('invalid-data');
  });

  it('counts the 3 months in Shanghai dates: 00:30 on the 24th in Shanghai is still the 23rd in UTC', () => {
    const court = { reason: 'court-or-arbitration', filedOn: '2026-08-24', evidence: ['仲裁受理通知书'] };
    allowed(closeWith(court, shanghai('2026-11-24T00:30')));
  });

  it('when the written reply was delivered by registered mail, not in the future', () => {
    const mail = (deliveredOn: string) => ({
      reason: 'registered-mail',
      deliveredOn,
      evidence: ['EMS 1234567890'],
    });
    allowed(closeWith(mail('2026-11-24')));
    allowed(closeWith(mail('2025-01-02')));
    expect(refused(closeWith(mail('2026-11-25'))).message).toContain('(by 2026-11-24)');
    expect(refused(closeWith(mail('soon'))).code).toBe('invalid-data');
  });

  it('only with one of the allowed reasons, and with proof', () => {
    expect(refused(closeWith({ reason: 'owner-gave-up', evidence: ['x'] })).code).toBe('missing-data');
    expect(refused(closeWith(undefined)).message).toContain('A forced closure needs its reason');
    const noProof = { reason: 'registered-mail', deliveredOn: '2026-11-20', evidence: [' '] };
    expect(refused(closeWith(noProof)).message).toBe(
      '强制关闭须附证明材料 / A forced closure needs its proof (documents, receipt, tracking number).',
    );
    expect(refused(closeWith({ ...noProof, evidence: undefined })).code).toBe('missing-data');
  });
});

describe('a ticket from start to finish', () => {
  function run(type: TicketType, steps: [TicketAction, TicketActor][], urgent = false) {
    const first = registerTicket({ type, urgent }, agent, shanghai('2026-11-23T09:00'));
    let ticket = first.ticket;
    const timeline: TicketTimelineEntry[] = [first.entry];
    steps.forEach(([action, by], i) => {
      const result = allowed(
        transition(ticket, action, by, new Date(Date.parse(ticket.updatedAt) + (i + 1) * 60_000)),
      );
      ticket = result.ticket;
      timeline.push(result.entry);
    });
    return { ticket, timeline };
  }

  it('registers a ticket as registered, with its type and urgency', () => {
    const { ticket, entry } = registerTicket({ type: 'repair', urgent: true }, system, AT);
    expect(ticket).toEqual({
      type: 'repair',
      urgent: true,
      status: 'registered',
      department: null,
      plan: null,
      resolution: null,
      satisfaction: null,
      reopenCount: 0,
      waitingSince: null,
      forcedClosure: null,
      registeredAt: AT.toISOString(),
      updatedAt: AT.toISOString(),
    });
    expect(entry).toEqual({
      at: AT.toISOString(),
      by: system,
      action: { kind: 'register' },
      from: null,
      to: 'registered',
      waitEnded: false,
    });
    expect(registerTicket({ type: 'complaint' }, agent, AT).ticket.urgent).toBe(false);
  });

  it('a complaint: verified, dispatched, planned, handled, resolved, revisited, closed', () => {
    const { ticket, timeline } = run('complaint', [
      [VALID.verify, agent],
      [VALID.dispatch, agent],
      [VALID.plan, engineering],
      [VALID.start, engineering],
      [VALID.resolve, engineering],
      [VALID.revisit, system],
      [VALID.close, system],
    ]);
    expect(timeline.map((e) => e.to)).toEqual([
      'registered',
      'verified',
      'dispatched',
      'planned',
      'in-progress',
      'resolved',
      'revisited',
      'closed',
    ]);
    expect(ticket).toMatchObject({
      status: 'closed',
      department: '工程部',
      plan: '周三上午上门检查卫生间防水',
      resolution: '已重做防水层,闭水试验 48 小时无渗漏',
      satisfaction: 'satisfied',
      reopenCount: 0,
    });
  });

  it('unsatisfied at the revisit: reopened to the same department, which plans again until the owner is satisfied', () => {
    const unsatisfied: TicketAction = {
      kind: 'revisit',
      satisfaction: 'unsatisfied',
      score: 1,
      note: '仍在渗水',
    };
    const { ticket, timeline } = run('complaint', [
      [VALID.verify, agent],
      [VALID.dispatch, agent],
      [VALID.plan, engineering],
      [VALID.start, engineering],
      [VALID.resolve, engineering],
      [unsatisfied, system],
    ]);
    expect(ticket).toMatchObject({
      status: 'reopened',
      department: '工程部',
      plan: null,
      resolution: null,
      satisfaction: 'unsatisfied',
      reopenCount: 1,
    });
    expect(timeline.at(-1)).toMatchObject({ from: 'resolved', to: 'reopened' });
    expect(allowedActions(ticket, engineering)).toEqual(['plan', 'invalidate', 'wait']);
    let again = ticket;
    for (const [action, by] of [
      [VALID.plan, engineering],
      [VALID.start, engineering],
      [VALID.resolve, engineering],
      [unsatisfied, agent],
    ] as const) {
      again = allowed(transition(again, action, by, LATER)).ticket;
    }
    expect(again).toMatchObject({ status: 'reopened', department: '工程部', reopenCount: 2 });
  });

  it('an urgent repair starts without an agreed plan', () => {
    const { ticket } = run(
      'repair',
      [
        [VALID.verify, agent],
        [VALID.dispatch, system],
        [VALID.start, engineering],
        [VALID.resolve, engineering],
        [VALID.revisit, system],
        [VALID.close, system],
      ],
      true,
    );
    expect(ticket).toMatchObject({ status: 'closed', urgent: true, plan: null });
  });

  it('an inquiry answered on the call closes without a revisit', () => {
    const { timeline } = run('inquiry', [
      [VALID.answer, agent],
      [VALID.close, agent],
    ]);
    expect(timeline.map((e) => e.to)).toEqual(['registered', 'resolved', 'closed']);
  });

  it('an invalid complaint ends with the department head’s note', () => {
    const { ticket, timeline } = run('complaint', [
      [VALID.verify, agent],
      [VALID.dispatch, agent],
      [VALID.invalidate, engineering],
    ]);
    expect(ticket.status).toBe('invalid');
    expect(timeline.at(-1)?.action).toEqual(VALID.invalidate);
    expect(allowedActions(ticket)).toEqual([]);
  });

  it('replays a timeline into the same ticket, and finds the step that was not allowed', () => {
    const { ticket, timeline } = run('complaint', [
      [VALID.verify, agent],
      [VALID.dispatch, agent],
      [VALID.wait, agent],
      [VALID.plan, engineering],
      [VALID.start, engineering],
    ]);
    expect(replayTimeline(timeline, { type: 'complaint' })).toEqual({ ok: true, ticket });
    const tampered = [...timeline.slice(0, 2), { ...timeline[4]!, action: VALID.close }];
    const replayed = replayTimeline(tampered, { type: 'complaint' });
    expect(replayed).toMatchObject({ ok: false, index: 2, refusal: { code: 'not-allowed-now' } });
    expect(() => replayTimeline(timeline.slice(1), { type: 'complaint' })).toThrow(RangeError);
    expect(() => replayTimeline([timeline[0]!, timeline[0]!], { type: 'complaint' })).toThrow(RangeError);
  });
});
