// A complaint's facts and severity on its ticket page: the agent (or a team leader) records what the rules need
// (category, people complaining together, compensation asked, lawsuit, media, the whole estate) and the server
// computes the severity again; a team leader sets the level by hand (危机 Crisis only this way), always with a note.
import type { TicketSeverityInfo, TicketView } from '../../core/contracts.ts';
import { COMPLAINT_CATEGORIES } from '../../core/tickets/types.ts';
import { SEVERITY_LABELS, SEVERITY_LEVELS } from '../../core/tickets/severity.ts';
import { h, replace, uid } from './dom.ts';
import { bilingual } from './format.ts';

export interface ComplaintFactsActions {
  updateFacts(id: number, facts: Record<string, unknown>): Promise<unknown>;
  setSeverity(id: number, level: string, note: string): Promise<unknown>;
  /** The signed-in role: only team leaders and admins set the level; department staff change no facts. */
  role(): string | null;
}

const LITIGATION: Readonly<Record<string, string>> = {
  none: '无 None',
  threatened: '扬言起诉 Threatens to sue',
  filed: '已起诉或仲裁 In court or arbitration',
};
const MEDIA: Readonly<Record<string, string>> = {
  none: '无 None',
  threatened: '扬言曝光 Threatens the media',
  reported: '已被媒体报道 Reported in the media',
};

export interface ComplaintFactsPanel {
  readonly root: HTMLElement;
  /** Draw the ticket's facts (hidden for a ticket without severity); `changed` reloads the ticket. */
  draw(view: TicketView, changed: () => void, showError: (err: unknown) => void): void;
}

export function createComplaintFactsPanel(actions: ComplaintFactsActions): ComplaintFactsPanel {
  const root = h('section', { class: 'pop-section', testid: 'ticket-facts-panel' });
  root.hidden = true;

  function field(label: string, control: HTMLElement): HTMLElement {
    const id = uid('facts');
    control.id = id;
    return h('div', { class: 'field' }, h('label', { attrs: { for: id } }, label), control);
  }
  const select = (testid: string, options: Readonly<Record<string, string>>, value: string) => {
    const el = h(
      'select',
      { testid },
      ...Object.entries(options).map(([v, text]) => h('option', { attrs: { value: v } }, text)),
    );
    el.value = value;
    return el;
  };

  function factsForm(
    view: TicketView,
    severity: TicketSeverityInfo,
    done: () => void,
    fail: (e: unknown) => void,
  ) {
    const f = severity.facts;
    const category = select(
      'facts-category',
      Object.fromEntries(COMPLAINT_CATEGORIES.map((c) => [c, c])),
      f.complaintCategory ?? '其他',
    );
    const complainants = h('input', {
      testid: 'facts-complainants',
      attrs: { type: 'number', min: '1', max: '100000', step: '1', value: String(f.complainants) },
    });
    const compensation = h('input', {
      testid: 'facts-compensation',
      attrs: {
        type: 'number',
        min: '0',
        step: '0.01',
        value: f.compensationAskedYuan === null ? '' : String(f.compensationAskedYuan),
      },
    });
    const litigation = select('facts-litigation', LITIGATION, f.litigation);
    const media = select('facts-media', MEDIA, f.media);
    const wholeEstate = h('input', { testid: 'facts-whole-estate', attrs: { type: 'checkbox' } });
    wholeEstate.checked = f.wholeEstate;
    const save = h(
      'button',
      { class: 'btn', testid: 'facts-save', attrs: { type: 'submit' } },
      '更新案情 Update the facts',
    );
    const form = h(
      'form',
      { class: 'ticket-filters', testid: 'facts-form' },
      field('投诉类别 Category', category),
      field('联名人数 People complaining together', complainants),
      field('索赔金额(元) Compensation asked (CNY)', compensation),
      field('诉讼 Lawsuit', litigation),
      field('媒体 Media', media),
      field('涉及全小区 The whole estate', wholeEstate),
      save,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      save.disabled = true;
      const asked = compensation.value.trim();
      actions
        .updateFacts(view.id, {
          complaintCategory: category.value,
          complainants: Number(complainants.value),
          compensationAskedYuan: asked === '' ? null : Number(asked),
          litigation: litigation.value,
          media: media.value,
          wholeEstate: wholeEstate.checked,
        })
        .then(done, fail)
        .finally(() => {
          save.disabled = false;
        });
    });
    return form;
  }

  function levelForm(
    view: TicketView,
    severity: TicketSeverityInfo,
    done: () => void,
    fail: (e: unknown) => void,
  ) {
    const level = select(
      'severity-level',
      Object.fromEntries(SEVERITY_LEVELS.map((l) => [l, bilingual(SEVERITY_LABELS[l])])),
      severity.level,
    );
    const note = h('input', {
      testid: 'severity-note',
      attrs: { type: 'text', maxlength: '2000', required: true },
    });
    const set = h(
      'button',
      { class: 'btn', testid: 'severity-set', attrs: { type: 'submit' } },
      '调整严重程度 Set the severity',
    );
    const form = h(
      'form',
      { class: 'ticket-filters', testid: 'severity-form' },
      field('严重程度 Severity', level),
      field('原因 Why', note),
      set,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      set.disabled = true;
      actions
        .setSeverity(view.id, level.value, note.value.trim())
        .then(done, fail)
        .finally(() => {
          set.disabled = false;
        });
    });
    return form;
  }

  return {
    root,
    draw(view, changed, showError) {
      const severity = view.severity;
      const role = actions.role();
      root.hidden = !severity || role === 'department' || role === null;
      if (!severity || root.hidden) {
        replace(root);
        return;
      }
      const leader = role === 'supervisor' || role === 'admin';
      replace(
        root,
        h('h3', {}, '案情与严重程度 Facts and severity'),
        factsForm(view, severity, changed, showError),
        leader ? levelForm(view, severity, changed, showError) : null,
      );
    },
  };
}
