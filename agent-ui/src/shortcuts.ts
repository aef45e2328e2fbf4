// The desk's keyboard shortcuts for what an agent does on every call, with Alt so they never clash with typing
// (Chinese input methods included: keys are matched by their position, KeyboardEvent.code). Each one acts on
// the control the desk shows at that moment, as a click would, and does nothing when that control is not there.
// Ctrl+Enter in the wrap-up note submits the wrap-up (wrap-up-form.ts).
import { h } from './dom.ts';

export interface Shortcut {
  /** KeyboardEvent.code, with Alt. */
  code: string;
  keys: string;
  label: string;
  run(): boolean;
}

/** The first visible, enabled element with the test id, clicked; false when there is none. */
function clickShown(...testids: string[]): boolean {
  for (const id of testids) {
    for (const el of document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)) {
      if (el.offsetParent === null || (el as HTMLButtonElement).disabled) continue;
      el.click();
      return true;
    }
  }
  return false;
}

function focusShown(testid: string): boolean {
  for (const el of document.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`)) {
    if (el.offsetParent === null) continue;
    el.focus();
    return true;
  }
  return false;
}

export function deskShortcuts(searchAnswers: () => boolean): Shortcut[] {
  return [
    { code: 'KeyK', keys: 'Alt+K', label: '搜索答复口径 Search answers', run: searchAnswers },
    {
      code: 'KeyH',
      keys: 'Alt+H',
      label: '保持/恢复 Hold / resume',
      run: () => clickShown('call-hold', 'call-resume'),
    },
    {
      code: 'KeyN',
      keys: 'Alt+N',
      label: '填写工单 New ticket',
      run: () => focusShown('ticket-description'),
    },
    { code: 'KeyR', keys: 'Alt+R', label: '就绪 Ready', run: () => clickShown('btn-available') },
    { code: 'KeyP', keys: 'Alt+P', label: '示忙 Not ready', run: () => clickShown('btn-not-ready') },
  ];
}

/** Listens for the shortcuts while `active()` says so (signed in, on the desk). */
export function installShortcuts(shortcuts: readonly Shortcut[], active: () => boolean): void {
  window.addEventListener('keydown', (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.repeat || !active()) return;
    const shortcut = shortcuts.find((s) => s.code === event.code);
    if (shortcut?.run()) event.preventDefault();
  });
}

/** The legend shown on the desk. */
export function shortcutLegend(shortcuts: readonly Shortcut[]): HTMLElement {
  return h(
    'p',
    { class: 'muted shortcut-legend', testid: 'shortcut-legend' },
    '快捷键 Shortcuts: ',
    [...shortcuts.map((s) => `${s.keys} ${s.label}`), 'Ctrl+Enter 提交小结 Submit wrap-up'].join(' · '),
  );
}
