// Call control for the call on the desk: 保持 Hold / 恢复 Resume (with the hold timer) and a blind transfer to a
// queue, an agent who is free, or an outside number, with a note for whoever takes the call next. Buttons are
// enabled only when the action applies (hold while talking, resume while on hold, transfer in either); the
// server's refusal, in words for the agent, is shown under them.
// 咨询 Consult (attended transfer) uses the same agent or number: the owner waits on hold while the agent talks
// to the target alone; then 完成转接 Complete, 取消咨询 Cancel or 会议 Conference (three in one call, which the
// agent can leave with 退出会议 Leave). 挂断 Hang up ends the call whenever the agent is on it.
import { h, replace, uid } from './dom.ts';
import { formatDuration } from './format.ts';
import {
  TRANSFER_QUEUES,
  type AvailableAgent,
  type CallConsulting,
  type CallPhase,
  type ConsultRequest,
  type TransferRequest,
} from '../../core/contracts.ts';

export interface CallControlActions {
  hold(callId: string): Promise<unknown>;
  resume(callId: string): Promise<unknown>;
  transfer(callId: string, body: TransferRequest): Promise<unknown>;
  consult(callId: string, body: ConsultRequest): Promise<unknown>;
  completeConsult(callId: string): Promise<unknown>;
  cancelConsult(callId: string): Promise<unknown>;
  conference(callId: string): Promise<unknown>;
  hangUp(callId: string): Promise<unknown>;
  availableAgents(): Promise<AvailableAgent[]>;
}

export interface CallControls {
  readonly root: HTMLElement;
  /** The call on the desk, its phase, and since when the owner is on hold (null when not). */
  show(callId: string, phase: CallPhase, heldSince: string | null): void;
  /** Where the agent's consultation stands (from `call:consulting`, `call:conference`, `GET /api/me`). */
  consult(event: CallConsulting | null): void;
  clear(): void;
}

const QUEUE_LABELS: Record<(typeof TRANSFER_QUEUES)[number], string> = {
  fees: '缴费 Fees',
  repairs: '报修 Repairs',
  complaints: '投诉建议 Complaints',
  emergency: '紧急求助 Emergency',
  general: '综合服务 General',
};
const NOTE_MAX = 2000;
const CONSULT_STATES: Record<CallConsulting['state'], string> = {
  ringing: '正在振铃 Ringing',
  answered: '咨询通话中,业主在保持中 Talking; the owner is on hold',
  conference: '三方会议中 In a conference with the owner',
  failed: '对方忙或无人接听,业主仍在保持中 Busy or no answer; the owner is still on hold',
  cancelled: '已取消咨询 Consultation cancelled',
  ended: '对方已挂断,业主仍在保持中 They hung up; the owner is still on hold',
  'target-left': '对方已退出会议 They left the conference',
};
/** A consultation still going on (the others are over). */
const ACTIVE = new Set<CallConsulting['state']>(['ringing', 'answered', 'conference']);

export function createCallControls(
  actions: CallControlActions,
  describeError: (err: unknown) => string,
): CallControls {
  const titleId = uid('call-controls-title');
  const kindId = uid('transfer-kind');
  const targetId = uid('transfer-target');
  const noteId = uid('transfer-note');

  const holdTimer = h('span', { class: 'hold-timer', testid: 'hold-timer', attrs: { role: 'timer' } });
  const holdButton = h(
    'button',
    { class: 'btn', testid: 'call-hold', attrs: { type: 'button' } },
    '保持 Hold',
  );
  const resumeButton = h(
    'button',
    { class: 'btn btn-primary', testid: 'call-resume', attrs: { type: 'button' } },
    '恢复 Resume',
  );
  const hangUpButton = h(
    'button',
    { class: 'btn btn-danger', testid: 'call-hangup', attrs: { type: 'button' } },
    '挂断 Hang up',
  );
  const consultStatus = h('p', {
    class: 'consult-status',
    testid: 'consult-status',
    attrs: { role: 'status' },
  });
  const completeButton = h(
    'button',
    { class: 'btn btn-primary', testid: 'consult-complete', attrs: { type: 'button' } },
    '完成转接 Complete transfer',
  );
  const cancelButton = h(
    'button',
    { class: 'btn', testid: 'consult-cancel', attrs: { type: 'button' } },
    '取消咨询 Cancel',
  );
  const conferenceButton = h(
    'button',
    { class: 'btn', testid: 'consult-conference', attrs: { type: 'button' } },
    '会议 Conference',
  );
  const leaveButton = h(
    'button',
    { class: 'btn', testid: 'conference-leave', attrs: { type: 'button' } },
    '退出会议 Leave',
  );
  const consultButton = h(
    'button',
    { class: 'btn', testid: 'call-consult', attrs: { type: 'button' } },
    '咨询 Consult',
  );
  const kindSelect = h(
    'select',
    { testid: 'transfer-kind', attrs: { id: kindId } },
    h('option', { attrs: { value: 'queue' } }, '队列 Queue'),
    h('option', { attrs: { value: 'agent' } }, '坐席 Agent'),
    h('option', { attrs: { value: 'number' } }, '外线号码 Outside number'),
  );
  const queueSelect = h(
    'select',
    { testid: 'transfer-queue', attrs: { id: targetId } },
    ...TRANSFER_QUEUES.map((q) => h('option', { attrs: { value: q } }, QUEUE_LABELS[q])),
  );
  const agentSelect = h('select', { testid: 'transfer-agent', attrs: { id: targetId } });
  const numberInput = h('input', {
    testid: 'transfer-number',
    attrs: { id: targetId, type: 'tel', inputmode: 'tel', maxlength: '32', autocomplete: 'off' },
  });
  const targetField = h('div', { class: 'field' });
  const note = h('textarea', {
    testid: 'transfer-note',
    attrs: { id: noteId, rows: '2', maxlength: String(NOTE_MAX) },
  });
  const transferButton = h(
    'button',
    { class: 'btn', testid: 'call-transfer', attrs: { type: 'submit' } },
    '转接 Transfer',
  );
  const result = h('p', {
    class: 'call-controls-result',
    testid: 'call-controls-result',
    attrs: { role: 'status' },
  });
  const form = h(
    'form',
    { class: 'transfer-form', attrs: { novalidate: true } },
    h('div', { class: 'field' }, h('label', { attrs: { for: kindId } }, '转接到 Transfer to'), kindSelect),
    targetField,
    h(
      'div',
      { class: 'field' },
      h('label', { attrs: { for: noteId } }, '给下一位的备注 Note for the next agent'),
      note,
    ),
    transferButton,
    consultButton,
  );
  const root = h(
    'section',
    { class: 'call-controls', testid: 'call-controls', attrs: { 'aria-labelledby': titleId } },
    h('h2', { attrs: { id: titleId } }, '通话控制 ', h('span', { class: 'en' }, 'Call control')),
    h('div', { class: 'call-controls-buttons' }, holdButton, resumeButton, hangUpButton, holdTimer),
    h(
      'div',
      { class: 'consult-controls', testid: 'consult-controls' },
      consultStatus,
      h(
        'div',
        { class: 'call-controls-buttons' },
        completeButton,
        cancelButton,
        conferenceButton,
        leaveButton,
      ),
    ),
    form,
    result,
  );
  root.hidden = true;

  let callId: string | null = null;
  let phase: CallPhase | null = null;
  let heldSince: number | null = null;
  let consulting: CallConsulting | null = null;
  let busy = false;
  let tick: ReturnType<typeof setInterval> | undefined;

  const showResult = (text: string, kind: 'ok' | 'error' | ''): void => {
    result.textContent = text;
    result.dataset.kind = kind;
    result.hidden = !text;
  };
  const drawTimer = (): void => {
    holdTimer.textContent =
      heldSince === null ? '' : `保持中 On hold ${formatDuration(Date.now() - heldSince)}`;
  };
  const draw = (): void => {
    const talking = phase === 'on-call';
    const held = phase === 'held';
    const consult = consulting && ACTIVE.has(consulting.state) ? consulting.state : null;
    holdButton.disabled = busy || !talking || consult !== null;
    resumeButton.disabled = busy || !held || consult !== null;
    transferButton.disabled = busy || !(talking || held) || consult !== null;
    consultButton.disabled = busy || !(talking || held) || consult !== null || kindSelect.value === 'queue';
    hangUpButton.disabled = busy || !(talking || held);
    completeButton.disabled = busy || consult !== 'answered';
    cancelButton.disabled = busy || (consult !== 'ringing' && consult !== 'answered');
    conferenceButton.disabled = busy || consult !== 'answered';
    leaveButton.disabled = busy || consult !== 'conference';
    completeButton.hidden = cancelButton.hidden = conferenceButton.hidden = consult === 'conference';
    leaveButton.hidden = consult !== 'conference';
    const whom = consulting && (consulting.target.name ?? consulting.target.number ?? '');
    consultStatus.textContent = consulting
      ? `咨询 Consulting ${whom}: ${CONSULT_STATES[consulting.state]}`
      : '';
    consultStatus.parentElement!.hidden = consulting === null;
    clearInterval(tick);
    tick = heldSince === null ? undefined : setInterval(drawTimer, 1000);
    drawTimer();
  };
  const drawTarget = async (): Promise<void> => {
    const kind = kindSelect.value;
    const label = h('label', { attrs: { for: targetId } });
    if (kind === 'queue') {
      label.textContent = '队列 Queue';
      replace(targetField, label, queueSelect);
    } else if (kind === 'number') {
      label.textContent = '号码 Number';
      replace(targetField, label, numberInput);
    } else {
      label.textContent = '空闲坐席 Available agent';
      replace(targetField, label, agentSelect);
      try {
        const agents = await actions.availableAgents();
        replace(
          agentSelect,
          ...(agents.length
            ? agents.map((a) => h('option', { attrs: { value: String(a.id) } }, `${a.agentNumber} ${a.name}`))
            : [h('option', { attrs: { value: '' } }, '暂无空闲坐席 No agent is available')]),
        );
      } catch (err) {
        showResult(describeError(err), 'error');
      }
    }
  };
  kindSelect.addEventListener('change', () => {
    void drawTarget();
    draw();
  });
  void drawTarget();

  const run = (work: () => Promise<unknown>, done: string): void => {
    if (busy) return;
    busy = true;
    showResult('', '');
    draw();
    work()
      .then(() => showResult(done, 'ok'))
      .catch((err: unknown) => showResult(describeError(err), 'error'))
      .finally(() => {
        busy = false;
        draw();
      });
  };
  holdButton.addEventListener('click', () => {
    const current = callId;
    if (current) run(() => actions.hold(current), '已保持 The owner is on hold');
  });
  resumeButton.addEventListener('click', () => {
    const current = callId;
    if (current) run(() => actions.resume(current), '已恢复通话 The owner is back');
  });
  const onCall = (act: (callId: string) => Promise<unknown>, done: string) => () => {
    const current = callId;
    if (current) run(() => act(current), done);
  };
  hangUpButton.addEventListener(
    'click',
    onCall((id) => actions.hangUp(id), '已挂断 The call is over'),
  );
  completeButton.addEventListener(
    'click',
    onCall((id) => actions.completeConsult(id), '已转接 The call was transferred'),
  );
  leaveButton.addEventListener(
    'click',
    onCall((id) => actions.completeConsult(id), '已退出会议 You left the conference'),
  );
  cancelButton.addEventListener(
    'click',
    onCall((id) => actions.cancelConsult(id), '已取消咨询 The owner is back'),
  );
  conferenceButton.addEventListener(
    'click',
    onCall((id) => actions.conference(id), '三方会议 In a conference'),
  );

  /** The target chosen in the form (transfer and consult share it); null after telling the agent what is missing. */
  const chosenTarget = (): TransferRequest | null => {
    const body: TransferRequest = {};
    const kind = kindSelect.value;
    if (kind === 'queue') body.queue = queueSelect.value as TransferRequest['queue'];
    else if (kind === 'agent') {
      if (!agentSelect.value) {
        showResult('请选择坐席 Please choose an agent', 'error');
        return null;
      }
      body.agentId = Number(agentSelect.value);
    } else {
      if (!numberInput.value.trim()) {
        showResult('请输入号码 Please enter a number', 'error');
        numberInput.focus();
        return null;
      }
      body.number = numberInput.value.trim();
    }
    const text = note.value.trim();
    if (text) body.note = text;
    return body;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const current = callId;
    const body = current && chosenTarget();
    if (current && body) run(() => actions.transfer(current, body), '已转接 The call was transferred');
  });
  consultButton.addEventListener('click', () => {
    const current = callId;
    const target = current && kindSelect.value !== 'queue' && chosenTarget();
    if (!current || !target) return;
    const { agentId, number, note: text } = target;
    run(() => actions.consult(current, { agentId, number, note: text }), '正在咨询 Consulting');
  });

  return {
    root,
    show(nextCallId, nextPhase, since) {
      if (callId !== nextCallId) {
        callId = nextCallId;
        consulting = null;
        form.reset();
        showResult('', '');
        void drawTarget();
      }
      phase = nextPhase;
      heldSince = since === null ? null : Date.parse(since);
      root.hidden = nextPhase !== 'on-call' && nextPhase !== 'held';
      draw();
    },
    consult(event) {
      consulting = event;
      draw();
    },
    clear() {
      callId = null;
      consulting = null;
      phase = null;
      heldSince = null;
      clearInterval(tick);
      root.hidden = true;
    },
  };
}
