// What a reader may do to a ticket now: one button per action the server allows (`allowed` of the ticket's view),
// and the form with the fields the chosen action needs. The ticket page and the desk's ticket panel both use it;
// every action's answer is the ticket as it now stands, handed to `onDone`.
import type { DepartmentInfo, TicketView } from '../../core/contracts.ts';
import type { ActionKind } from '../../core/tickets/types.ts';
import { h, replace, uid } from './dom.ts';
import { ticketActionLabel } from './format.ts';

export interface TicketActionDeps {
  act(id: number, action: Record<string, unknown>): Promise<TicketView>;
  departments(): Promise<DepartmentInfo[]>;
  describeError(err: unknown): string;
}

export interface TicketNoteDeps {
  addNote(id: number, text: string): Promise<unknown>;
  describeError(err: unknown): string;
}

export interface TicketNote {
  readonly text: HTMLTextAreaElement;
  readonly button: HTMLButtonElement;
  /** The ticket the note goes to (null: none); the text is emptied and an answer on its way dropped. */
  setTicket(id: number | null): void;
}

/**
 * A note added to a ticket's timeline: a text and a button. An empty note is refused in words; once added, the
 * text is emptied and `added` is told (the ticket is read again to show it).
 */
export function createTicketNote(
  deps: TicketNoteDeps,
  testids: { text: string; button: string },
  on: { added(id: number): void; error(message: string): void },
): TicketNote {
  const text = h('textarea', {
    testid: testids.text,
    attrs: { rows: '2', maxlength: '4000', 'aria-label': '备注 Note' },
  });
  const button = h(
    'button',
    { class: 'btn', testid: testids.button, attrs: { type: 'button' } },
    '添加备注 Add note',
  );
  let ticketId: number | null = null;
  let seq = 0;
  button.addEventListener('click', () => {
    const id = ticketId;
    const note = text.value.trim();
    if (id === null) return;
    if (!note) {
      on.error('请填写备注 Write the note first');
      return;
    }
    const mine = seq;
    on.error('');
    button.disabled = true;
    deps
      .addNote(id, note)
      .then(
        () => {
          if (mine !== seq) return;
          text.value = '';
          on.added(id);
        },
        (err: unknown) => {
          if (mine === seq) on.error(deps.describeError(err));
        },
      )
      .finally(() => {
        button.disabled = false;
      });
  });
  return {
    text,
    button,
    setTicket(id) {
      if (id === ticketId) return;
      ticketId = id;
      seq++;
      text.value = '';
    },
  };
}

export interface TicketActions {
  /** The buttons, one per allowed action. */
  readonly buttons: HTMLElement;
  /** The chosen action's form (hidden until a button is pressed). */
  readonly form: HTMLFormElement;
  /** Draws the buttons of this ticket as it now stands, closing any open form. */
  draw(view: TicketView): void;
  /** Forgets the ticket: an answer still on its way is dropped. */
  clear(): void;
}

/** The fields an action needs ('?': may be left empty). */
type Field = 'department' | 'note' | 'note?' | 'plan' | 'resolution' | 'satisfaction' | 'closure';
const FIELDS: Readonly<Record<ActionKind, readonly Field[]>> = {
  verify: ['note?'],
  dispatch: ['department', 'note?'],
  redispatch: ['department', 'note?'],
  plan: ['plan'],
  start: ['note?'],
  resolve: ['resolution'],
  answer: ['resolution'],
  revisit: ['satisfaction', 'note?'],
  close: ['note?'],
  invalidate: ['note'],
  'force-close': ['closure'],
  wait: ['note'],
  resume: ['note?'],
};

function input(field: Field, departments: DepartmentInfo[]): HTMLElement[] {
  const id = uid('ticket-field');
  const labelled = (text: string, control: HTMLElement): HTMLElement => {
    control.id = id;
    return h('div', { class: 'field' }, h('label', { attrs: { for: id } }, text), control);
  };
  const area = (name: string, required: boolean) =>
    h('textarea', {
      testid: `ticket-field-${name}`,
      attrs: { name, rows: '3', maxlength: '4000', required },
    });
  switch (field) {
    case 'department':
      return [
        labelled(
          '派往部门 Department',
          h(
            'select',
            { testid: 'ticket-field-department', attrs: { name: 'department', required: true } },
            h('option', { attrs: { value: '' } }, '请选择 Choose…'),
            ...departments.map((d) =>
              h('option', { attrs: { value: d.code } }, `${d.organisation.name} · ${d.name}`),
            ),
          ),
        ),
      ];
    case 'note':
    case 'note?':
      return [
        labelled(
          field === 'note' ? '说明 Note' : '备注(可选) Note (optional)',
          area('note', field === 'note'),
        ),
      ];
    case 'plan':
      return [labelled('与业主确认的处理方案 Plan agreed with the owner', area('plan', true))];
    case 'resolution':
      return [labelled('处理结果 What was done', area('resolution', true))];
    case 'satisfaction':
      return [
        labelled(
          '业主是否满意 Is the owner satisfied?',
          h(
            'select',
            { testid: 'ticket-field-satisfaction', attrs: { name: 'satisfaction', required: true } },
            h('option', { attrs: { value: '' } }, '请选择 Choose…'),
            h('option', { attrs: { value: 'satisfied' } }, '满意 Satisfied'),
            h('option', { attrs: { value: 'unsatisfied' } }, '不满意 Unsatisfied'),
          ),
        ),
        h(
          'div',
          { class: 'field' },
          h('label', { attrs: { for: `${id}-score` } }, '评分 Score (1-5)'),
          h('input', {
            testid: 'ticket-field-score',
            attrs: { id: `${id}-score`, name: 'score', type: 'number', min: '1', max: '5', step: '1' },
          }),
        ),
      ];
    case 'closure':
      return [
        labelled(
          '强制关闭理由 Reason',
          h(
            'select',
            { testid: 'ticket-field-reason', attrs: { name: 'reason', required: true } },
            h(
              'option',
              { attrs: { value: 'court-or-arbitration' } },
              '业主已起诉或申请仲裁 Court or arbitration',
            ),
            h(
              'option',
              { attrs: { value: 'registered-mail' } },
              '书面答复已挂号寄达 Reply by registered mail',
            ),
          ),
        ),
        h(
          'div',
          { class: 'field' },
          h('label', { attrs: { for: `${id}-date` } }, '起诉或送达日期 Filed or delivered on'),
          h('input', {
            testid: 'ticket-field-date',
            attrs: { id: `${id}-date`, name: 'date', type: 'date', required: true },
          }),
        ),
        h(
          'div',
          { class: 'field' },
          h('label', { attrs: { for: `${id}-evidence` } }, '证据(每行一项) Evidence, one per line'),
          h('textarea', {
            testid: 'ticket-field-evidence',
            attrs: { id: `${id}-evidence`, name: 'evidence', rows: '3', required: true },
          }),
        ),
      ];
  }
}

/** The action's body from the form: empty optional fields left out. */
function bodyOf(kind: ActionKind, data: FormData): Record<string, unknown> {
  const value = (name: string): string => {
    const v = data.get(name);
    return typeof v === 'string' ? v.trim() : '';
  };
  const body: Record<string, unknown> = { kind };
  for (const name of ['department', 'note', 'plan', 'resolution', 'satisfaction']) {
    if (value(name)) body[name] = value(name);
  }
  if (value('score')) body.score = Number(value('score'));
  if (kind === 'force-close') {
    const reason = value('reason');
    body.closure = {
      reason,
      [reason === 'registered-mail' ? 'deliveredOn' : 'filedOn']: value('date'),
      evidence: value('evidence')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    };
  }
  return body;
}

export function createTicketActions(
  deps: TicketActionDeps,
  /** The ticket after the action, or the message of a refusal. */
  on: { done(view: TicketView): void; error(message: string): void },
): TicketActions {
  const buttons = h('div', { class: 'actions', testid: 'ticket-actions' });
  const form = h('form', { class: 'ticket-action-form', testid: 'ticket-action-form' });
  form.hidden = true;
  let current: TicketView | null = null;
  let seq = 0;

  const closeForm = (): void => {
    form.hidden = true;
    replace(form);
  };

  async function openForm(kind: ActionKind): Promise<void> {
    const view = current;
    if (!view) return;
    on.error('');
    let departments: DepartmentInfo[] = [];
    if (FIELDS[kind].includes('department')) {
      try {
        departments = await deps.departments();
      } catch (err) {
        on.error(deps.describeError(err));
        return;
      }
    }
    if (current !== view) return;
    replace(
      form,
      h('h4', {}, ticketActionLabel(kind)),
      ...FIELDS[kind].flatMap((f) => input(f, departments)),
      h(
        'button',
        { class: 'btn btn-primary', testid: 'ticket-action-submit', attrs: { type: 'submit' } },
        `确认${ticketActionLabel(kind)}`,
      ),
      h('button', { class: 'btn', testid: 'ticket-action-cancel', attrs: { type: 'button' } }, '取消 Cancel'),
    );
    form.dataset.kind = kind;
    form.hidden = false;
  }

  buttons.addEventListener('click', (event) => {
    const kind = (event.target as HTMLElement).closest('button')?.dataset.kind as ActionKind | undefined;
    if (kind) void openForm(kind);
  });
  form.addEventListener('click', (event) => {
    if ((event.target as HTMLElement).dataset.testid === 'ticket-action-cancel') closeForm();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const view = current;
    const kind = form.dataset.kind as ActionKind | undefined;
    if (!view || !kind) return;
    if (!form.reportValidity()) return;
    const body = bodyOf(kind, new FormData(form));
    const mine = seq;
    for (const b of form.querySelectorAll('button')) b.disabled = true;
    deps.act(view.id, body).then(
      (next) => {
        if (mine === seq) on.done(next);
      },
      (err: unknown) => {
        if (mine !== seq) return;
        on.error(deps.describeError(err));
        for (const b of form.querySelectorAll('button')) b.disabled = false;
      },
    );
  });

  return {
    buttons,
    form,
    draw(view) {
      current = view;
      seq++;
      replace(
        buttons,
        ...(view.allowed.length === 0
          ? [
              h(
                'p',
                { class: 'muted', testid: 'ticket-no-actions' },
                '您现在没有可做的操作 Nothing for you to do now',
              ),
            ]
          : view.allowed.map((kind) =>
              h(
                'button',
                {
                  class: 'btn',
                  testid: `ticket-action-${kind}`,
                  attrs: { type: 'button', 'data-kind': kind },
                },
                ticketActionLabel(kind),
              ),
            )),
      );
      closeForm();
    },
    clear() {
      current = null;
      seq++;
      replace(buttons);
      closeForm();
    },
  };
}
