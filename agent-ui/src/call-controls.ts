// Call control for the call on the desk: 保持 Hold / 恢复 Resume (with the hold timer) and a blind transfer to a
// queue, an agent who is free, or an outside number, with a note for whoever takes the call next. Buttons are
// enabled only when the action applies (hold while talking, resume while on hold, transfer in either); the
// server's refusal, in words for the agent, is shown under them.
import { h, replace, uid } from './dom.ts';
import { formatDuration } from './format.ts';
import {
  TRANSFER_QUEUES,
  type AvailableAgent,
  type CallPhase,
  type TransferRequest,
} from '../../core/contracts.ts';

export interface CallControlActions {
  hold(callId: string): Promise<unknown>;
  resume(callId: string): Promise<unknown>;
  transfer(callId: string, body: TransferRequest): Promise<unknown>;
  availableAgents(): Promise<AvailableAgent[]>;
}

export interface CallControls {
  readonly root: HTMLElement;
  /** The call on the desk, its phase, and since when the owner is on hold (null when not). */
  show(callId: string, phase: CallPhase, heldSince: string | null): void;
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
  );
  const root = h(
    'section',
    { class: 'call-controls', testid: 'call-controls', attrs: { 'aria-labelledby': titleId } },
    h('h2', { attrs: { id: titleId } }, '通话控制 ', h('span', { class: 'en' }, 'Call control')),
    h('div', { class: 'call-controls-buttons' }, holdButton, resumeButton, holdTimer),
    form,
    result,
  );
  root.hidden = true;

  let callId: string | null = null;
  let phase: CallPhase | null = null;
  let heldSince: number | null = null;
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
    holdButton.disabled = busy || !talking;
    resumeButton.disabled = busy || !held;
    transferButton.disabled = busy || !(talking || held);
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
  kindSelect.addEventListener('change', () => void drawTarget());
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
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const current = callId;
    if (!current) return;
    const body: TransferRequest = {};
    const kind = kindSelect.value;
    if (kind === 'queue') body.queue = queueSelect.value as TransferRequest['queue'];
    else if (kind === 'agent') {
      if (!agentSelect.value) {
        showResult('请选择坐席 Please choose an agent', 'error');
        return;
      }
      body.agentId = Number(agentSelect.value);
    } else {
      if (!numberInput.value.trim()) {
        showResult('请输入号码 Please enter a number', 'error');
        numberInput.focus();
        return;
      }
      body.number = numberInput.value.trim();
    }
    const text = note.value.trim();
    if (text) body.note = text;
    run(() => actions.transfer(current, body), '已转接 The call was transferred');
  });

  return {
    root,
    show(nextCallId, nextPhase, since) {
      if (callId !== nextCallId) {
        callId = nextCallId;
        form.reset();
        showResult('', '');
        void drawTarget();
      }
      phase = nextPhase;
      heldSince = since === null ? null : Date.parse(since);
      root.hidden = nextPhase !== 'on-call' && nextPhase !== 'held';
      draw();
    },
    clear() {
      callId = null;
      phase = null;
      heldSince = null;
      clearInterval(tick);
      root.hidden = true;
    },
  };
}
