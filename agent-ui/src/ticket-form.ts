// "Create ticket" about the current call: type, a complaint's category (complaints and compensation claims), a
// repair's kind and urgency, unit (from the pop's units), description.
import type { ScreenPop } from '../../core/contracts.ts';
import { h, replace, uid } from './dom.ts';
import { bilingual, TICKET_TYPE_LABELS } from './format.ts';
import {
  COMPLAINT_CATEGORIES,
  COMPLAINT_CATEGORY_LABELS,
  REPAIR_KIND_LABELS,
  REPAIR_KINDS,
  urgentByDefault,
  type ComplaintCategory,
  type RepairKind,
} from '../../core/tickets/types.ts';
import {
  TICKET_TYPES,
  type TicketCreated,
  type TicketRequest,
  type TicketType,
} from '../../core/contracts.ts';

export interface TicketForm {
  readonly root: HTMLElement;
  /** A new call: empty the form and offer this pop's units. */
  reset(pop: ScreenPop): void;
  /** The same call, redrawn from the server: refresh the unit list, keep what the agent typed. */
  update(pop: ScreenPop): void;
  clear(): void;
}

const DESCRIPTION_MAX = 2000;

const isTicketType = (value: string): value is TicketType =>
  (TICKET_TYPES as readonly string[]).includes(value);
const isRepairKind = (value: string): value is RepairKind =>
  (REPAIR_KINDS as readonly string[]).includes(value);
const isCategory = (value: string): value is ComplaintCategory =>
  (COMPLAINT_CATEGORIES as readonly string[]).includes(value);
/** The types whose category the agent chooses (their severity counts the same issue by it). */
const needsCategory = (type: string): boolean => type === 'complaint' || type === 'compensation';

export function createTicketForm(
  submitTicket: (ticket: TicketRequest) => Promise<TicketCreated>,
  onCreated: (ticket: TicketCreated, pop: ScreenPop) => void,
  describeError: (err: unknown) => string,
): TicketForm {
  const typeId = uid('ticket-type');
  const unitId = uid('ticket-unit');
  const categoryId = uid('ticket-category');
  const descriptionId = uid('ticket-description');

  const typeSelect = h(
    'select',
    { testid: 'ticket-type', attrs: { id: typeId, name: 'type', required: true } },
    h('option', { attrs: { value: '' } }, '请选择 Choose…'),
    ...TICKET_TYPES.map((t) => h('option', { attrs: { value: t } }, TICKET_TYPE_LABELS[t])),
  );
  const categorySelect = h(
    'select',
    { testid: 'ticket-category', attrs: { id: categoryId, name: 'complaintCategory' } },
    h('option', { attrs: { value: '' } }, '请选择 Choose…'),
    ...COMPLAINT_CATEGORIES.map((c) =>
      h('option', { attrs: { value: c } }, `${c} ${COMPLAINT_CATEGORY_LABELS[c]}`),
    ),
  );
  const categoryField = h(
    'div',
    { class: 'field' },
    h('label', { attrs: { for: categoryId } }, '投诉类别 Category'),
    categorySelect,
  );
  categoryField.hidden = true;
  typeSelect.addEventListener('change', () => {
    categoryField.hidden = !needsCategory(typeSelect.value);
  });
  const unitSelect = h('select', { testid: 'ticket-unit', attrs: { id: unitId, name: 'unitId' } });
  // a repair's kind and urgency (the repair clocks: urgent on site in 15 min, others in 30)
  const kindId = uid('ticket-repair-kind');
  const urgentId = uid('ticket-urgent');
  const repairKind = h(
    'select',
    { testid: 'ticket-repair-kind', attrs: { id: kindId, name: 'repairKind' } },
    h('option', { attrs: { value: '' } }, '请选择 Choose…'),
    ...REPAIR_KINDS.map((k) => h('option', { attrs: { value: k } }, bilingual(REPAIR_KIND_LABELS[k]))),
  );
  const urgent = h('input', {
    testid: 'ticket-urgent',
    attrs: { id: urgentId, name: 'urgent', type: 'checkbox' },
  });
  const repairFields = h(
    'div',
    { class: 'repair-fields', testid: 'ticket-repair-fields' },
    h('div', { class: 'field' }, h('label', { attrs: { for: kindId } }, '报修类别 Repair'), repairKind),
    h('div', { class: 'field' }, urgent, h('label', { attrs: { for: urgentId } }, ' 紧急 Urgent')),
  );
  repairFields.hidden = true;
  typeSelect.addEventListener('change', () => {
    repairFields.hidden = typeSelect.value !== 'repair';
  });
  // water, power and gas are urgent unless the agent says otherwise
  repairKind.addEventListener('change', () => {
    urgent.checked = isRepairKind(repairKind.value) && urgentByDefault(repairKind.value);
  });
  const description = h('textarea', {
    testid: 'ticket-description',
    attrs: {
      id: descriptionId,
      name: 'description',
      rows: '5',
      maxlength: String(DESCRIPTION_MAX),
      required: true,
    },
  });
  const submit = h(
    'button',
    { class: 'btn btn-primary', testid: 'ticket-submit', attrs: { type: 'submit' } },
    '创建工单 Create ticket',
  );
  const result = h('p', {
    class: 'ticket-result',
    testid: 'ticket-result',
    attrs: { role: 'status', 'aria-live': 'polite' },
  });

  const form = h(
    'form',
    {
      class: 'ticket-form',
      testid: 'ticket-form',
      attrs: { novalidate: true, 'aria-labelledby': 'ticket-form-title' },
    },
    h('h2', { attrs: { id: 'ticket-form-title' } }, '新建工单 ', h('span', { class: 'en' }, 'New ticket')),
    h('div', { class: 'field' }, h('label', { attrs: { for: typeId } }, '类型 Type'), typeSelect),
    repairFields,
    categoryField,
    h('div', { class: 'field' }, h('label', { attrs: { for: unitId } }, '房屋 Unit'), unitSelect),
    h(
      'div',
      { class: 'field' },
      h('label', { attrs: { for: descriptionId } }, '描述 Description'),
      description,
    ),
    submit,
    result,
  );
  const root = h('aside', { class: 'ticket-panel' }, form);
  root.hidden = true;

  let pop: ScreenPop | null = null;

  const showResult = (text: string, kind: 'ok' | 'error' | ''): void => {
    result.textContent = text;
    result.dataset.kind = kind;
    result.hidden = !text;
  };
  showResult('', '');

  const fillUnits = (next: ScreenPop): void => {
    const previous = unitSelect.value;
    const units = next.owner?.units ?? [];
    replace(
      unitSelect,
      h('option', { attrs: { value: '' } }, units.length ? '不指定 Not specified' : '无房屋 No units'),
      ...units.map((u) =>
        h('option', { attrs: { value: String(u.unitId) } }, `${u.estate} · ${u.building} · ${u.roomCode}`),
      ),
    );
    if (units.some((u) => String(u.unitId) === previous)) unitSelect.value = previous;
    else if (units.length === 1 && units[0]) unitSelect.value = String(units[0].unitId);
    unitSelect.disabled = units.length === 0;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const current = pop;
    if (!current) return;
    const type = typeSelect.value;
    const text = description.value.trim();
    if (!isTicketType(type)) {
      showResult('请选择工单类型 Please choose a ticket type', 'error');
      typeSelect.focus();
      return;
    }
    const category = categorySelect.value;
    if (needsCategory(type) && !isCategory(category)) {
      showResult('请选择投诉类别 Please choose the complaint category', 'error');
      categorySelect.focus();
      return;
    }
    if (!text) {
      showResult('请填写描述 Please enter a description', 'error');
      description.focus();
      return;
    }
    if (type === 'repair' && !isRepairKind(repairKind.value)) {
      showResult('请选择报修类别 Please choose what the repair is about', 'error');
      repairKind.focus();
      return;
    }
    const ticket: TicketRequest = { callId: current.callId, type, description: text };
    if (type === 'repair' && isRepairKind(repairKind.value)) {
      ticket.repairKind = repairKind.value;
      ticket.urgent = urgent.checked;
    }
    if (current.owner) ticket.ownerId = current.owner.id;
    if (unitSelect.value) ticket.unitId = Number(unitSelect.value);
    if (needsCategory(type) && isCategory(category)) ticket.complaintCategory = category;

    showResult('', '');
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    submitTicket(ticket)
      .then((created) => {
        if (pop?.callId !== current.callId) return; // the next call arrived meanwhile
        showResult(`工单已创建 Ticket created: ${created.number}`, 'ok');
        description.value = '';
        typeSelect.value = '';
        repairKind.value = '';
        urgent.checked = false;
        repairFields.hidden = true;
        categorySelect.value = '';
        categoryField.hidden = true;
        onCreated(created, current);
      })
      .catch((err: unknown) => {
        if (pop?.callId === current.callId) showResult(describeError(err), 'error');
      })
      .finally(() => {
        submit.disabled = false;
        form.removeAttribute('aria-busy');
      });
  });

  return {
    root,
    reset(next) {
      pop = next;
      form.reset();
      repairFields.hidden = true;
      categoryField.hidden = true;
      fillUnits(next);
      showResult('', '');
      submit.disabled = false;
      root.hidden = false;
    },
    update(next) {
      pop = next;
      fillUnits(next);
      root.hidden = false;
    },
    clear() {
      pop = null;
      form.reset();
      showResult('', '');
      root.hidden = true;
    },
  };
}
