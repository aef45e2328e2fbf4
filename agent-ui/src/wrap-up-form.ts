// "Finish wrap-up" for the current call once it was answered: disposition, the ticket it concerned, a note.
// The server frees the agent on success; the header follows through the agent:state event, not from here.
import { h, uid } from './dom.ts';
import { DISPOSITION_LABELS, dispositionLabel } from './format.ts';
import { DISPOSITIONS, type Disposition, type WrapUpRequest } from '../../core/contracts.ts';

export interface WrapUpForm {
  readonly root: HTMLElement;
  /**
   * Show the form for this (answered) call. A call not shown before starts empty; the same call keeps what
   * the agent typed and whether it is already wrapped up. `ticketNumber`, the latest ticket created during the
   * call, fills the ticket field unless the agent typed another number there.
   */
  show(callId: string, ticketNumber: string | null): void;
  /** No answered call (idle, or the next call is offered): hide and forget. */
  clear(): void;
}

const NOTE_MAX = 2000;
/** The server takes 1 to 20 digits. */
const TICKET_NUMBER_MAX = 20;

const isDisposition = (value: string): value is Disposition =>
  (DISPOSITIONS as readonly string[]).includes(value);

export function createWrapUpForm(
  submitWrapUp: (callId: string, body: WrapUpRequest) => Promise<unknown>,
  describeError: (err: unknown) => string,
): WrapUpForm {
  const titleId = uid('wrap-up-title');
  const dispositionId = uid('wrap-up-disposition');
  const ticketId = uid('wrap-up-ticket');
  const ticketHintId = uid('wrap-up-ticket-hint');
  const noteId = uid('wrap-up-note');
  const noteHintId = uid('wrap-up-note-hint');

  const dispositionSelect = h(
    'select',
    { testid: 'wrap-up-disposition', attrs: { id: dispositionId, name: 'disposition', required: true } },
    h('option', { attrs: { value: '' } }, '请选择 Choose…'),
    ...DISPOSITIONS.map((d) => h('option', { attrs: { value: d } }, DISPOSITION_LABELS[d])),
  );
  const ticketInput = h('input', {
    testid: 'wrap-up-ticket',
    attrs: {
      id: ticketId,
      name: 'ticketNumber',
      type: 'text',
      inputmode: 'numeric',
      pattern: '[0-9]*',
      maxlength: String(TICKET_NUMBER_MAX),
      autocomplete: 'off',
      'aria-describedby': ticketHintId,
    },
  });
  const note = h('textarea', {
    testid: 'wrap-up-note',
    attrs: {
      id: noteId,
      name: 'note',
      rows: '4',
      maxlength: String(NOTE_MAX),
      title: 'Ctrl+Enter 提交 submits the wrap-up',
      'aria-describedby': noteHintId,
      'aria-keyshortcuts': 'Control+Enter',
    },
  });
  const submit = h(
    'button',
    { class: 'btn btn-primary', testid: 'wrap-up-submit', attrs: { type: 'submit' } },
    '完成话后处理 Finish wrap-up',
  );
  // outside the form: it stays (and takes the focus) when the form is hidden after a successful wrap-up
  const result = h('p', {
    class: 'wrap-up-result',
    testid: 'wrap-up-result',
    attrs: { role: 'status', 'aria-live': 'polite', tabindex: '-1' },
  });

  const form = h(
    'form',
    {
      class: 'wrap-up-form',
      testid: 'wrap-up-form',
      attrs: { novalidate: true, 'aria-labelledby': titleId },
    },
    h('h2', { attrs: { id: titleId } }, '话后处理 ', h('span', { class: 'en' }, 'Wrap-up')),
    h(
      'div',
      { class: 'field' },
      h('label', { attrs: { for: dispositionId } }, '处理结果 Disposition'),
      dispositionSelect,
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { attrs: { for: ticketId } }, '工单号 Ticket number'),
      ticketInput,
      h('span', { class: 'hint', attrs: { id: ticketHintId } }, '仅数字，可不填 Digits only, optional'),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { attrs: { for: noteId } }, '备注 Note'),
      note,
      h(
        'span',
        { class: 'hint', attrs: { id: noteHintId } },
        h('kbd', {}, 'Ctrl'),
        '+',
        h('kbd', {}, 'Enter'),
        ' 提交 submits',
      ),
    ),
    submit,
  );
  const root = h('section', { class: 'wrap-up-panel', attrs: { 'aria-labelledby': titleId } }, form, result);
  root.hidden = true;

  let callId: string | null = null;
  /** The ticket number this form filled in itself (so a newer ticket may replace it, a typed one not). */
  let prefilled = '';
  let busy = false;

  const showResult = (text: string, kind: 'ok' | 'error' | ''): void => {
    result.textContent = text;
    result.dataset.kind = kind;
    result.hidden = !text;
  };

  const empty = (): void => {
    form.reset();
    prefilled = '';
    form.hidden = false;
    showResult('', '');
    ticketInput.removeAttribute('aria-invalid');
  };
  empty();

  // digits only: drop anything else as it is typed or pasted, keeping the caret where it was
  ticketInput.addEventListener('input', () => {
    const value = ticketInput.value;
    const digits = value.replace(/\D/g, '');
    if (digits === value) return;
    const caret = value.slice(0, ticketInput.selectionStart ?? value.length).replace(/\D/g, '').length;
    ticketInput.value = digits;
    ticketInput.setSelectionRange(caret, caret);
  });

  note.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey) || event.isComposing) return;
    event.preventDefault();
    form.requestSubmit();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const current = callId;
    if (!current || busy) return;
    const disposition = dispositionSelect.value;
    const ticketNumber = ticketInput.value.trim();
    const text = note.value.trim();
    if (!isDisposition(disposition)) {
      showResult('请选择处理结果 Please choose a disposition', 'error');
      dispositionSelect.focus();
      return;
    }
    if (ticketNumber && !/^\d+$/.test(ticketNumber)) {
      ticketInput.setAttribute('aria-invalid', 'true');
      showResult('工单号只能是数字 The ticket number is digits only', 'error');
      ticketInput.focus();
      return;
    }
    ticketInput.removeAttribute('aria-invalid');
    const body: WrapUpRequest = { disposition };
    if (ticketNumber) body.ticketNumber = ticketNumber;
    if (text) body.note = text;

    showResult('', '');
    busy = true;
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    submitWrapUp(current, body)
      .then(() => {
        if (callId !== current) return; // the next call arrived meanwhile
        const about = ticketNumber ? ` · ${ticketNumber}` : '';
        showResult(`话后处理已完成 Wrap-up done: ${dispositionLabel(disposition)}${about}`, 'ok');
        const hadFocus = form.contains(document.activeElement);
        form.hidden = true;
        if (hadFocus) result.focus();
      })
      .catch((err: unknown) => {
        if (callId === current) showResult(describeError(err), 'error');
      })
      .finally(() => {
        busy = false;
        submit.disabled = false;
        form.removeAttribute('aria-busy');
      });
  });

  return {
    root,
    show(nextCallId, ticketNumber) {
      if (callId !== nextCallId) {
        callId = nextCallId;
        empty();
      }
      const number = ticketNumber ?? '';
      if (number && number !== prefilled && (ticketInput.value === '' || ticketInput.value === prefilled)) {
        ticketInput.value = number;
        ticketInput.removeAttribute('aria-invalid');
      }
      if (number) prefilled = number;
      root.hidden = false;
    },
    clear() {
      callId = null;
      empty();
      root.hidden = true;
    },
  };
}
