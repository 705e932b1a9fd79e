import { ApiError } from './api.js';
import { h, type Child } from './h.js';
import { currentLang, t } from './i18n.js';

let toastBox: HTMLElement | null = null;

export function toast(message: string, kind: 'info' | 'error' = 'info', undo?: () => Promise<unknown>): HTMLElement {
  if (!toastBox || !toastBox.isConnected) {
    toastBox = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(toastBox);
  }
  const el = h('div', { class: `toast toast-${kind}` }, message);
  if (undo) {
    // The undo stays for a while longer than a plain toast: a misfiled tip is noticed a beat late.
    const btn = h(
      'button',
      {
        type: 'button',
        class: 'btn small undo',
        'data-testid': 'undo',
        onclick: () => {
          btn.disabled = true;
          undo().then(
            () => {
              el.remove();
              toast(t('undone'));
            },
            (e: unknown) => {
              el.remove();
              showError(e);
            },
          );
        },
      },
      t('undo'),
    );
    el.append(' ', btn);
  }
  toastBox.appendChild(el);
  setTimeout(() => el.remove(), kind === 'error' ? 6000 : undo ? 10_000 : 2500);
  return el;
}

/** One language per message: the server's (English) text only in English; in Chinese, the code's meaning. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const d = e.details as { reason?: string } | undefined;
    if (e.status === 409 && (d?.reason === 'stale_version' || /version|changed|stale/i.test(e.message))) return t('conflict');
    if (d?.reason && t(`reason.${d.reason}`) !== `reason.${d.reason}`) return t(`reason.${d.reason}`);
    if (currentLang() === 'en') return `${t('error')}: ${e.message}`;
    const key = `http.${e.status}`;
    const known = t(key);
    return `${t('error')}: ${known !== key ? known : e.status >= 500 ? t('http.500') : t('http.other')}`;
  }
  if (e instanceof TypeError) return `${t('error')}: ${t('http.network')}`;
  return `${t('error')}: ${e instanceof Error ? e.message : String(e)}`;
}

export const showError = (e: unknown) => toast(errorText(e), 'error');

// The last undoable step, for the toast's button and the `u` key.
type UndoStep = { run: () => Promise<unknown>; done: boolean; el?: HTMLElement };
let undoStep: UndoStep | null = null;

/** A toast whose undo button (or `u`) reverses the step. */
export function undoable(message: string, undo: () => Promise<unknown>): void {
  const step: UndoStep = { run: undo, done: false };
  undoStep = step;
  step.el = toast(message, 'info', () => runUndo(step));
}

function runUndo(step: UndoStep): Promise<unknown> {
  if (step.done) return Promise.resolve();
  step.done = true;
  step.el?.remove();
  if (undoStep === step) undoStep = null;
  return step.run();
}

/** `u`: undoes the last step, if it has not been undone yet. */
export async function lastUndo(): Promise<void> {
  if (!undoStep) return;
  try {
    await runUndo(undoStep);
    toast(t('undone'));
  } catch (e) {
    showError(e);
  }
}

/** `?`: the keyboard help, in a dialog that Esc closes. */
export function showHelp(): void {
  if (document.querySelector('.modal.help')) return;
  const opener = document.activeElement as HTMLElement | null;
  const close = h('button', { type: 'button', class: 'btn', onclick: () => done() }, `${t('close')} (Esc)`);
  const dialog = h(
    'div',
    { class: 'modal help', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'help-title' },
    h('h2', { id: 'help-title' }, t('help')),
    h(
      'ul',
      { class: 'help-keys' },
      t('helpKeys')
        .split('\n')
        .map((line) => h('li', null, line)),
    ),
    h('div', { class: 'modal-actions' }, close),
  );
  const backdrop = h('div', { class: 'backdrop', onclick: (e: Event) => e.target === backdrop && done() }, dialog);
  function onKey(e: KeyboardEvent) {
    if (e.key !== 'Escape' && e.key !== '?') return;
    e.stopPropagation();
    e.preventDefault();
    done();
  }
  function done() {
    document.removeEventListener('keydown', onKey, true);
    backdrop.remove();
    if (opener?.isConnected) opener.focus();
  }
  document.addEventListener('keydown', onKey, true);
  document.body.appendChild(backdrop);
  close.focus();
}

export const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export interface PickerItem<T> {
  value: T;
  label: Child;
}

/**
 * A keyboard-first chooser (j/k or arrows, digits, Enter, Esc, or a click). With `search`, a
 * box on top finds other items (by reference, phone or words); arrows and Enter still work from it.
 * Resolves with the chosen value, or null when dismissed.
 */
export function pick<T>(
  title: string,
  load: () => Promise<PickerItem<T>[]>,
  emptyText: string,
  search?: { label: string; find: (q: string) => Promise<PickerItem<T>[]> },
): Promise<T | null> {
  return new Promise((resolve) => {
    let items: PickerItem<T>[] = [];
    let sel = 0;
    let generation = 0;
    const opener = document.activeElement as HTMLElement | null;
    const list = h('ol', { class: 'picker-list', 'aria-label': title }, h('li', { class: 'muted' }, t('loading')));
    const cancel = h('button', { type: 'button', class: 'btn', onclick: () => done(null) }, `${t('cancel')} (Esc)`);
    const box = search
      ? h('input', {
          type: 'search',
          class: 'picker-search',
          'aria-label': search.label,
          placeholder: search.label,
          oninput: () => {
            const q = box!.value.trim();
            const gen = ++generation;
            setTimeout(() => {
              if (gen !== generation) return;
              void show(q ? search.find(q) : load(), gen);
            }, 250);
          },
        })
      : null;
    const dialog = h(
      'div',
      { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
      h('h2', null, title),
      box,
      list,
      h('div', { class: 'modal-actions' }, cancel),
    );
    const backdrop = h('div', { class: 'backdrop', onclick: (e: Event) => e.target === backdrop && done(null) }, dialog);

    function render() {
      const focused = list.contains(document.activeElement);
      list.replaceChildren(
        ...(items.length === 0
          ? [h('li', { class: 'muted' }, emptyText)]
          : items.map((it, i) =>
              h(
                'li',
                { class: i === sel ? 'picker-item selected' : 'picker-item', 'data-index': i },
                h(
                  'button',
                  { type: 'button', class: 'picker-choose', 'aria-current': i === sel ? 'true' : null, onclick: () => done(it.value) },
                  h('span', { class: 'kbd' }, i < 9 ? String(i + 1) : ''),
                  it.label,
                ),
              ),
            )),
      );
      if (focused) list.querySelector<HTMLElement>('.picker-item.selected .picker-choose')?.focus();
    }
    function onKey(e: KeyboardEvent) {
      e.stopPropagation();
      const inBox = e.target === box;
      if (e.key === 'Escape') return (e.preventDefault(), done(null));
      if (e.key === 'Tab') return; // the dialog's own controls
      if (!inBox && box && e.key === '/') return (e.preventDefault(), box.focus());
      if ((!inBox && e.key === 'j') || e.key === 'ArrowDown') sel = Math.min(items.length - 1, sel + 1);
      else if ((!inBox && e.key === 'k') || e.key === 'ArrowUp') sel = Math.max(0, sel - 1);
      else if (e.key === 'Enter' && (e.target as HTMLElement).closest?.('.modal-actions')) return;
      else if (e.key === 'Enter' && (inBox || !(e.target instanceof HTMLButtonElement)) && items[sel])
        return (e.preventDefault(), done(items[sel].value));
      else if (!inBox && /^[1-9]$/.test(e.key) && items[Number(e.key) - 1]) return (e.preventDefault(), done(items[Number(e.key) - 1].value));
      else return;
      e.preventDefault();
      render();
    }
    function done(v: T | null) {
      document.removeEventListener('keydown', onKey, true);
      backdrop.remove();
      if (opener?.isConnected) opener.focus();
      resolve(v);
    }
    async function show(p: Promise<PickerItem<T>[]>, gen: number) {
      try {
        const loaded = await p;
        if (gen !== generation) return;
        items = loaded;
        sel = 0;
        render();
      } catch (e) {
        list.replaceChildren(h('li', { class: 'error' }, errorText(e)));
      }
    }
    document.addEventListener('keydown', onKey, true);
    document.body.appendChild(backdrop);
    // Focus enters the dialog (screen readers and Tab start there): on the first item, or on
    // the search box when there is nothing to pick yet.
    cancel.focus();
    void show(load(), generation).then(() => (list.querySelector<HTMLElement>('.picker-choose') ?? box ?? cancel).focus());
  });
}

/** A yes/no question in a dialog; Enter confirms, Esc cancels. */
export function confirmDialog(title: string, body: Child, yes: string): Promise<boolean> {
  return new Promise((resolve) => {
    const opener = document.activeElement as HTMLElement | null;
    const ok = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'confirm', onclick: () => done(true) }, `${yes} (Enter)`);
    const no = h('button', { type: 'button', class: 'btn', onclick: () => done(false) }, `${t('cancel')} (Esc)`);
    const dialog = h(
      'div',
      { class: 'modal', role: 'alertdialog', 'aria-modal': 'true', 'aria-label': title },
      h('h2', null, title),
      body,
      h('div', { class: 'modal-actions' }, no, ok),
    );
    const backdrop = h('div', { class: 'backdrop', onclick: (e: Event) => e.target === backdrop && done(false) }, dialog);
    function onKey(e: KeyboardEvent) {
      e.stopPropagation();
      if (e.key !== 'Escape' && !(e.key === 'Enter' && e.target !== no)) return;
      e.preventDefault();
      done(e.key === 'Enter');
    }
    function done(v: boolean) {
      document.removeEventListener('keydown', onKey, true);
      backdrop.remove();
      if (opener?.isConnected) opener.focus();
      resolve(v);
    }
    document.addEventListener('keydown', onKey, true);
    document.body.appendChild(backdrop);
    ok.focus();
  });
}

/**
 * Runs fn every `ms` while the view is mounted; skips a tick while the previous one is
 * running, and while the tab is hidden (a desk full of background tabs should not load the API).
 */
export function poll(fn: () => Promise<void>, ms: number): () => void {
  let running = false;
  const id = setInterval(() => {
    if (running || document.hidden) return;
    running = true;
    fn()
      .catch(() => {
        /* a failed poll is retried on the next tick; the view keeps what it has */
      })
      .finally(() => {
        running = false;
      });
  }, ms);
  return () => clearInterval(id);
}
