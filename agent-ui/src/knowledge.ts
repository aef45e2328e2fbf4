// 答复口径 Standard answers (core/knowledge.ts): a search box with the answers found, beside the screen pop on
// the desk (Alt+K jumps to it while the owner talks), and the page #/knowledge where admins also write, rewrite
// and remove answers. Searching starts as the agent types (a short pause) and on Enter.
import type { KnowledgeAnswer, KnowledgeAnswerRequest } from '../../core/knowledge.ts';
import { KNOWLEDGE_LIMITS } from '../../core/knowledge.ts';
import { h, replace, uid } from './dom.ts';
import { formatDate } from './format.ts';

export const KNOWLEDGE_HASH = '#/knowledge';

/** Typing pauses this long before the search runs. */
const TYPING_PAUSE_MS = 250;

export interface KnowledgeActions {
  search(query: string): Promise<KnowledgeAnswer[]>;
  describeError(err: unknown): string;
}

export interface KnowledgeEditActions extends KnowledgeActions {
  estates(): Promise<{ id: number; name: string }[]>;
  add(answer: KnowledgeAnswerRequest): Promise<KnowledgeAnswer>;
  update(id: number, answer: KnowledgeAnswerRequest): Promise<KnowledgeAnswer>;
  remove(id: number): Promise<void>;
}

/**
 * The search box and its answers. `edit`, when given, puts an Edit button on each answer (the admin's page).
 */
function createSearch(
  actions: KnowledgeActions,
  opts: { testid: string; edit?: (answer: KnowledgeAnswer) => void },
) {
  const inputId = uid('knowledge-q');
  const input = h('input', {
    testid: 'knowledge-search',
    attrs: {
      id: inputId,
      type: 'search',
      maxlength: String(KNOWLEDGE_LIMITS.query),
      placeholder: '关键词,如 停水 物业费 / Keywords, e.g. 停水 物业费',
      'aria-keyshortcuts': 'Alt+K',
      autocomplete: 'off',
    },
  });
  const status = h('p', { class: 'muted', testid: 'knowledge-status', attrs: { role: 'status' } });
  const list = h('ol', { class: 'plain-list knowledge-answers', testid: 'knowledge-answers' });
  const form = h(
    'form',
    { class: 'knowledge-search', attrs: { role: 'search' } },
    h('label', { attrs: { for: inputId } }, '搜索答复口径 Search the standard answers'),
    input,
  );
  const root = h('section', { class: 'pop-section knowledge', testid: opts.testid }, form, status, list);
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  function answerItem(a: KnowledgeAnswer): HTMLElement {
    const copy = h(
      'button',
      { class: 'btn btn-link', testid: 'knowledge-copy', attrs: { type: 'button' } },
      '复制 Copy',
    );
    copy.addEventListener('click', () => {
      void navigator.clipboard?.writeText(a.body).then(
        () => (copy.textContent = '已复制 Copied'),
        () => undefined,
      );
    });
    const edit =
      opts.edit &&
      h(
        'button',
        { class: 'btn btn-link', testid: 'knowledge-edit', attrs: { type: 'button' } },
        '编辑 Edit',
      );
    edit?.addEventListener('click', () => opts.edit!(a));
    return h(
      'li',
      { testid: 'knowledge-answer', attrs: { 'data-answer-id': String(a.id) } },
      h(
        'h4',
        { testid: 'knowledge-title' },
        a.title,
        ' ',
        h('span', { class: 'tag' }, a.estate ?? '全部小区 Every estate'),
      ),
      h('p', { class: 'knowledge-body', testid: 'knowledge-body' }, a.body),
      a.keywords.length ? h('p', { class: 'muted' }, `关键词 Keywords: ${a.keywords.join('、')}`) : null,
      h(
        'p',
        { class: 'muted' },
        `更新 Updated ${formatDate(a.updatedAt)}${a.updatedBy ? ` · ${a.updatedBy}` : ''} `,
        copy,
        edit ?? null,
      ),
    );
  }

  function run(): void {
    if (timer) clearTimeout(timer);
    timer = null;
    const mine = ++seq;
    const query = input.value.trim();
    status.textContent = '搜索中 Searching…';
    actions.search(query).then(
      (answers) => {
        if (mine !== seq) return;
        replace(list, ...answers.map(answerItem));
        status.textContent =
          answers.length === 0
            ? query
              ? `没有找到「${query}」的答复口径 No standard answer for "${query}"`
              : '还没有答复口径 No standard answers yet'
            : query
              ? `找到 ${answers.length} 条 ${answers.length} found`
              : `最近更新的 ${answers.length} 条 The ${answers.length} changed last`;
      },
      (err: unknown) => {
        if (mine !== seq) return;
        status.textContent = actions.describeError(err);
      },
    );
  }

  input.addEventListener('input', () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, TYPING_PAUSE_MS);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });

  return {
    root,
    run,
    focus(): void {
      input.focus();
      input.select();
    },
    clear(): void {
      seq++;
      input.value = '';
      status.textContent = '';
      replace(list);
    },
  };
}

/** The desk's search panel, beside the screen pop. */
export function createKnowledgePanel(actions: KnowledgeActions) {
  const search = createSearch(actions, { testid: 'knowledge-panel' });
  search.root.prepend(h('h3', {}, '答复口径 Standard answers'));
  return search;
}

/** #/knowledge: the search, and for admins the form that writes answers. */
export function createKnowledgePage(actions: KnowledgeEditActions) {
  const titleId = uid('knowledge-title');
  const bodyId = uid('knowledge-body');
  const keywordsId = uid('knowledge-keywords');
  const estateId = uid('knowledge-estate');
  const title = h('input', {
    testid: 'answer-title',
    attrs: { id: titleId, maxlength: String(KNOWLEDGE_LIMITS.title), required: true },
  });
  const body = h('textarea', {
    testid: 'answer-body',
    attrs: { id: bodyId, rows: '5', maxlength: String(KNOWLEDGE_LIMITS.body), required: true },
  });
  const keywords = h('input', {
    testid: 'answer-keywords',
    attrs: { id: keywordsId, placeholder: '停水, 维修 / comma-separated' },
  });
  const estate = h('select', { testid: 'answer-estate', attrs: { id: estateId } });
  const formError = h('p', { class: 'form-error', testid: 'answer-error', attrs: { role: 'alert' } });
  const submit = h(
    'button',
    { class: 'btn btn-primary', testid: 'answer-save', attrs: { type: 'submit' } },
    '保存 Save',
  );
  const remove = h(
    'button',
    { class: 'btn btn-danger', testid: 'answer-remove', attrs: { type: 'button' } },
    '删除 Remove',
  );
  const cancel = h(
    'button',
    { class: 'btn', testid: 'answer-new', attrs: { type: 'button' } },
    '新建 New answer',
  );
  const heading = h('h3', { testid: 'answer-form-title' });
  let editing: number | null = null;
  const field = (label: string, id: string, control: HTMLElement) =>
    h('div', { class: 'field' }, h('label', { attrs: { for: id } }, label), control);
  const form = h(
    'form',
    { class: 'pop-section', testid: 'answer-form' },
    heading,
    field('问题 Question', titleId, title),
    field('答复口径 Answer', bodyId, body),
    field('关键词 Keywords', keywordsId, keywords),
    field('适用小区 Estate', estateId, estate),
    formError,
    h('div', { class: 'actions' }, submit, remove, cancel),
  );
  const search = createSearch(actions, { testid: 'knowledge-list', edit: (a) => startEdit(a) });
  const root = h(
    'main',
    {
      class: 'knowledge-page',
      testid: 'knowledge-page',
      attrs: { 'aria-labelledby': 'knowledge-page-title' },
    },
    h(
      'h2',
      { attrs: { id: 'knowledge-page-title' } },
      '答复口径 ',
      h('span', { class: 'en' }, 'Standard answers'),
    ),
    form,
    search.root,
  );
  root.hidden = true;

  function startNew(): void {
    editing = null;
    heading.textContent = '新建答复口径 New standard answer';
    title.value = body.value = keywords.value = estate.value = '';
    remove.hidden = true;
    formError.textContent = '';
  }
  function startEdit(a: KnowledgeAnswer): void {
    editing = a.id;
    heading.textContent = `编辑 Edit: ${a.title}`;
    title.value = a.title;
    body.value = a.body;
    keywords.value = a.keywords.join(', ');
    estate.value = a.estateId === null ? '' : String(a.estateId);
    remove.hidden = false;
    formError.textContent = '';
    title.focus();
  }
  const done = () => {
    submit.disabled = remove.disabled = false;
    startNew();
    search.run();
  };
  const failed = (err: unknown) => {
    submit.disabled = remove.disabled = false;
    formError.textContent = actions.describeError(err);
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const answer: KnowledgeAnswerRequest = {
      title: title.value,
      body: body.value,
      keywords: keywords.value.split(/[,，、\s]+/).filter(Boolean),
      estateId: estate.value ? Number(estate.value) : null,
    };
    submit.disabled = true;
    formError.textContent = '';
    (editing === null ? actions.add(answer) : actions.update(editing, answer)).then(done, failed);
  });
  remove.addEventListener('click', () => {
    if (editing === null || !confirm('删除这条答复口径?Remove this standard answer?')) return;
    remove.disabled = true;
    actions.remove(editing).then(done, failed);
  });
  cancel.addEventListener('click', startNew);

  return {
    root,
    /** Whether the page is open with the admin's form. */
    editing: () => !root.hidden && !form.hidden,
    show(admin: boolean): void {
      root.hidden = false;
      form.hidden = !admin;
      startNew();
      search.run();
      if (admin)
        actions
          .estates()
          .then(
            (list) =>
              replace(
                estate,
                h('option', { attrs: { value: '' } }, '全部小区 Every estate'),
                ...list.map((e) => h('option', { attrs: { value: String(e.id) } }, e.name)),
              ),
            failed,
          );
    },
    hide(): void {
      root.hidden = true;
    },
  };
}
