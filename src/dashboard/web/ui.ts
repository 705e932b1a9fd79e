import { ApiError } from './api.js';
import { h, type Child } from './h.js';
import { t } from './i18n.js';

let toastBox: HTMLElement | null = null;

export function toast(message: string, kind: 'info' | 'error' = 'info'): void {
  if (!toastBox || !toastBox.isConnected) {
    toastBox = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(toastBox);
  }
  const el = h('div', { class: `toast toast-${kind}` }, message);
  toastBox.appendChild(el);
  setTimeout(() => el.remove(), kind === 'error' ? 6000 : 2500);
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 409 && /version|changed|stale/i.test(e.message)) return t('conflict');
    return `${t('error')}: ${e.message}`;
  }
  return `${t('error')}: ${e instanceof Error ? e.message : String(e)}`;
}

export const showError = (e: unknown) => toast(errorText(e), 'error');

export const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export interface PickerItem<T> {
  value: T;
  label: Child;
}

/**
 * A keyboard-first chooser (j/k or arrows, digits, Enter, Esc, or a click).
 * Resolves with the chosen value, or null when dismissed.
 */
export function pick<T>(
  title: string,
  load: () => Promise<PickerItem<T>[]>,
  emptyText: string,
  opts: { search?: (q: string) => Promise<PickerItem<T>[]>; placeholder?: string } = {},
): Promise<T | null> {
  return new Promise((resolve) => {
    let items: PickerItem<T>[] = [];
    let sel = 0;
    const list = h('ol', { class: 'picker-list' }, h('li', { class: 'muted' }, t('loading')));
    // Optional search box (Enter searches): the list then shows what it found instead.
    const searchBox = opts.search
      ? h('input', { type: 'search', class: 'picker-search', placeholder: opts.placeholder ?? '', 'aria-label': opts.placeholder ?? '' })
      : null;
    const runSearch = () => {
      const q = searchBox!.value.trim();
      const next = q ? opts.search!(q) : load();
      next.then(
        (found) => {
          items = found;
          sel = 0;
          render();
        },
        (e: unknown) => list.replaceChildren(h('li', { class: 'error' }, errorText(e))),
      );
    };
    const dialog = h(
      'div',
      { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
      h('h2', null, title),
      searchBox,
      list,
      h('div', { class: 'modal-actions' }, h('button', { type: 'button', class: 'btn', onclick: () => done(null) }, `${t('cancel')} (Esc)`)),
    );
    const backdrop = h('div', { class: 'backdrop', onclick: (e: Event) => e.target === backdrop && done(null) }, dialog);

    function render() {
      list.replaceChildren(
        ...(items.length === 0
          ? [h('li', { class: 'muted' }, emptyText)]
          : items.map((it, i) =>
              h(
                'li',
                { class: i === sel ? 'picker-item selected' : 'picker-item', 'data-index': i, onclick: () => done(it.value) },
                h('span', { class: 'kbd' }, i < 9 ? String(i + 1) : ''),
                it.label,
              ),
            )),
      );
    }
    function onKey(e: KeyboardEvent) {
      e.stopPropagation();
      if (e.key === 'Escape') return (e.preventDefault(), done(null));
      if (searchBox && e.target === searchBox) {
        if (e.key === 'Enter') {
          e.preventDefault();
          runSearch();
        }
        return;
      }
      if (e.key === 'j' || e.key === 'ArrowDown') sel = Math.min(items.length - 1, sel + 1);
      else if (e.key === 'k' || e.key === 'ArrowUp') sel = Math.max(0, sel - 1);
      else if (e.key === 'Enter' && items[sel]) return (e.preventDefault(), done(items[sel].value));
      else if (/^[1-9]$/.test(e.key) && items[Number(e.key) - 1]) return (e.preventDefault(), done(items[Number(e.key) - 1].value));
      else return;
      e.preventDefault();
      render();
    }
    function done(v: T | null) {
      document.removeEventListener('keydown', onKey, true);
      backdrop.remove();
      resolve(v);
    }
    document.addEventListener('keydown', onKey, true);
    document.body.appendChild(backdrop);
    load().then(
      (loaded) => {
        items = loaded;
        render();
      },
      (e: unknown) => {
        list.replaceChildren(h('li', { class: 'error' }, errorText(e)));
      },
    );
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
