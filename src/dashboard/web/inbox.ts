import { get, patch, post } from './api.js';
import { assignWithPicker, categorize, mergeWithPicker } from './actions.js';
import { desk, onStats } from './desk.js';
import { firstLine } from './format.js';
import { fill, h } from './h.js';
import { t } from './i18n.js';
import { CATEGORY_KEYS, effectiveFilters, filtersToHash, inbox, listQuery, replaceRow } from './inbox-state.js';
import { filterControls } from './inbox-filters.js';
import { inboxRow } from './inbox-row.js';
import { onTipEvent } from './live.js';
import { bulkBar, runBulk } from './bulk.js';
import { CATEGORIES, type CategoryValue, type TipSummary } from './types.js';
import { errorText, isTyping, lastUndo, showError, showHelp, toast, undoable } from './ui.js';

// The editor's triage inbox: tabs with counts, filters and search (kept in the address),
// rows updated live from the desk's event stream, filing by single keys with undo, bulk actions.

export { inbox, replaceRow, CATEGORY_KEYS } from './inbox-state.js';

const PAGE = 50;

const TABS: { key: string; label: () => string; status: string; category: string; count: () => number | undefined }[] = [
  { key: 'untriaged', label: () => t('untriaged'), status: 'NEW', category: '', count: () => desk.stats?.byStatus.NEW },
  ...CATEGORIES.map((c) => ({ key: c, label: () => t(c), status: '', category: c, count: () => desk.stats?.byCategory[c] })),
  { key: 'all', label: () => t('all'), status: '', category: '', count: () => undefined },
];

const tipPath = (id: string) => `/api/tips/${encodeURIComponent(id)}`;

export function mountInbox(root: HTMLElement, openTip: (id: string) => void): () => void {
  const list = h('ul', { class: 'tip-list', 'aria-label': t('inbox'), 'data-testid': 'tip-list' });
  const more = h('div', { class: 'more' });
  const announcer = h('p', { class: 'sr-only', 'aria-live': 'polite', 'data-testid': 'announcer' });
  const searchHint = h('p', { class: 'hint search-hint', 'aria-live': 'polite' });
  const bulk = h('div', { class: 'bulk-bar', hidden: true, role: 'region', 'aria-label': t('bulkSelected', { n: '' }) });
  const search = h('input', {
    type: 'search',
    class: 'search',
    placeholder: t('search'),
    value: inbox.filters.q,
    'aria-label': t('search'),
    'aria-describedby': 'search-hint',
    oninput: () => debounceSearch(),
    onkeydown: (e: Event) => {
      const k = (e as KeyboardEvent).key;
      if (k === 'Escape' || k === 'Enter') {
        search.blur();
        if (k === 'Enter') {
          clearTimeout(searchTimer);
          inbox.filters.q = search.value;
          void reload();
        }
      }
    },
  });
  searchHint.id = 'search-hint';
  const tabs = h('nav', { class: 'tabs', 'aria-label': t('tabsLabel') });
  const selects = h('div', { class: 'filters', role: 'group', 'aria-label': t('filters') });
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  let anchor = 0;
  const busy = new Set<string>();

  function debounceSearch() {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      inbox.filters.q = search.value;
      void reload();
    }, 300);
  }

  function renderTabs() {
    const f = effectiveFilters();
    fill(
      tabs,
      TABS.map((tab) => {
        const active = f.status === tab.status && f.category === tab.category;
        const n = tab.count();
        return h(
          'button',
          {
            type: 'button',
            class: active ? 'tab active' : 'tab',
            'aria-pressed': active ? 'true' : 'false',
            'data-tab': tab.key,
            onclick: () => {
              inbox.filters.status = tab.status;
              inbox.filters.category = tab.category;
              renderTabs();
              void reload();
            },
          },
          tab.label(),
          n !== undefined ? h('span', { class: 'tab-count', 'data-count': n }, ` ${n}`) : null,
        );
      }),
    );
    searchHint.textContent = inbox.filters.q.trim() ? t('searchAllHint') : t('searchHint');
  }

  const rowActions = {
    busy,
    merged: (id: string) => reloadOne(id).then(render),
    open: openTip,
    select: (i: number, e: MouseEvent) => {
      if (e.shiftKey) tickRange(anchor, i);
      else if (e.ctrlKey || e.metaKey) toggleTick(i);
      else anchor = i;
      setSel(i);
    },
    tick: (i: number, e: MouseEvent) => {
      if (e.shiftKey) tickRange(anchor, i);
      else toggleTick(i);
      anchor = i;
      render();
    },
    file: (tip: TipSummary, c: CategoryValue, i: number) => {
      inbox.sel = i;
      void file(tip, c, false);
    },
  };

  function toggleTick(i: number) {
    const id = inbox.rows[i]?.id;
    if (!id) return;
    if (inbox.ticked.has(id)) inbox.ticked.delete(id);
    else inbox.ticked.add(id);
  }

  function tickRange(from: number, to: number) {
    for (let k = Math.min(from, to); k <= Math.max(from, to); k++) if (inbox.rows[k]) inbox.ticked.add(inbox.rows[k].id);
  }

  function setSel(i: number) {
    inbox.sel = Math.max(0, Math.min(inbox.rows.length - 1, i));
    render();
    const tip = inbox.rows[inbox.sel];
    if (tip) announcer.textContent = t('selectedRow', { ref: tip.reference, text: firstLine(tip) });
  }

  function render() {
    if (inbox.sel >= inbox.rows.length) inbox.sel = Math.max(0, inbox.rows.length - 1);
    // A redraw must not drop keyboard focus to <body>: it goes back to the same control of the same row.
    const hadFocus = list.contains(document.activeElement) ? (document.activeElement as HTMLElement) : null;
    const focusRow = hadFocus?.closest('.tip-row')?.getAttribute('data-id');
    const focusCat = hadFocus?.getAttribute('data-category');
    const focusSel = focusCat ? `button[data-category="${focusCat}"]` : hadFocus?.matches('input') ? 'input' : 'a.reference';
    if (!inbox.loaded) fill(list, h('li', { class: 'muted empty' }, t('loading')));
    else if (inbox.loadError) fill(list, h('li', { class: 'error empty' }, inbox.loadError));
    else if (inbox.rows.length === 0) fill(list, h('li', { class: 'muted empty' }, t('noTips')));
    else
      fill(
        list,
        inbox.rows.map((tip, i) => inboxRow(tip, i, rowActions)),
      );
    fill(more, inbox.nextCursor ? h('button', { type: 'button', class: 'btn', onclick: () => void loadMore() }, t('loadMore')) : null);
    list.querySelector('.tip-row.selected')?.scrollIntoView({ block: 'nearest' });
    if (hadFocus && !hadFocus.isConnected) {
      const row = list.querySelector<HTMLElement>(`.tip-row[data-id="${focusRow}"]`) ?? list.querySelector<HTMLElement>('.tip-row.selected');
      (row?.querySelector<HTMLElement>(focusSel) ?? row?.querySelector<HTMLElement>('a.reference'))?.focus();
    }
    bulkBar(bulk, {
      count: inbox.ticked.size,
      file: (c) => void bulkRun('file', c),
      assign: () => void bulkRun('assign'),
      dismiss: () => void bulkRun('dismiss'),
      clear: () => (inbox.ticked.clear(), render()),
    });
  }

  async function reload() {
    const gen = ++generation;
    history.replaceState(null, '', filtersToHash());
    if (search.value !== inbox.filters.q) search.value = inbox.filters.q;
    renderTabs();
    inbox.loaded = false;
    render();
    try {
      const res = await get<{ tips: TipSummary[]; nextCursor: string | null }>(listQuery(null, PAGE));
      if (gen !== generation) return;
      inbox.rows = res.tips;
      inbox.nextCursor = res.nextCursor;
      inbox.sel = 0;
      inbox.ticked.clear();
      inbox.fresh.clear();
      inbox.loadError = '';
    } catch (e) {
      inbox.loadError = errorText(e);
    } finally {
      if (gen === generation) {
        inbox.loaded = true;
        render();
      }
    }
  }

  async function loadMore() {
    if (!inbox.nextCursor) return;
    const gen = generation;
    const res = await get<{ tips: TipSummary[]; nextCursor: string | null }>(listQuery(inbox.nextCursor, PAGE));
    if (gen !== generation) return;
    const known = new Set(inbox.rows.map((r) => r.id));
    inbox.rows.push(...res.tips.filter((r) => !known.has(r.id)));
    inbox.nextCursor = res.nextCursor;
    render();
  }

  // New tips are put on top; rows already shown are updated in place but never removed
  // under the editor's cursor (a filed tip stays visible, marked done, until the next reload).
  async function refresh() {
    const gen = generation;
    const res = await get<{ tips: TipSummary[]; nextCursor: string | null }>(listQuery(null, PAGE));
    if (gen !== generation || !inbox.loaded) return;
    if (inbox.loadError) {
      inbox.rows = res.tips;
      inbox.nextCursor = res.nextCursor;
      inbox.loadError = '';
      return render();
    }
    const known = new Map(inbox.rows.map((r, i) => [r.id, i]));
    const added: TipSummary[] = [];
    for (const tip of res.tips) {
      const i = known.get(tip.id);
      if (i === undefined) added.push(tip);
      else if (!busy.has(tip.id) && tip.version >= inbox.rows[i].version) inbox.rows[i] = tip;
    }
    if (added.length) {
      for (const a of added) inbox.fresh.add(a.id);
      inbox.rows.unshift(...added);
      if (inbox.rows.length > added.length) inbox.sel += added.length;
      toast(t('newTips', { n: added.length }));
    }
    render();
  }

  /** One changed tip: re-read it if shown, or look for new rows when it may belong to the list. */
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  function onEvent(id: string) {
    if (inbox.rows.some((r) => r.id === id)) void reloadOne(id).then(render);
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => void refresh().catch(() => {}), 300);
  }

  async function file(tip: TipSummary, category: CategoryValue, advance: boolean) {
    if (busy.has(tip.id)) return;
    busy.add(tip.id);
    const i = inbox.rows.findIndex((r) => r.id === tip.id);
    if (advance && i === inbox.sel && inbox.sel < inbox.rows.length - 1) inbox.sel++;
    render();
    try {
      const updated = await categorize(tip, category);
      replaceRow(updated);
      inbox.fresh.delete(tip.id);
      const undo = () =>
        patch<{ tip: TipSummary }>(
          tipPath(tip.id),
          tip.status === 'NEW' ? { version: updated.version, status: 'NEW' } : { version: updated.version, category: tip.category },
        ).then((r) => (replaceRow(r.tip), render()));
      undoable(`${tip.reference} · ${t('filedAs', { cat: t(category) })}`, undo);
    } catch (e) {
      showError(e);
      await reloadOne(tip.id);
    } finally {
      busy.delete(tip.id);
      render();
    }
  }

  async function reloadOne(id: string) {
    try {
      replaceRow((await get<{ tip: TipSummary }>(tipPath(id))).tip);
    } catch {
      /* leave the row as it was */
    }
  }

  async function assignSelected() {
    const tip = inbox.rows[inbox.sel];
    if (!tip) return;
    try {
      const res = await assignWithPicker(tip);
      if (!res) return;
      replaceRow(res.tip);
      const undo = () =>
        (tip.assignee && tip.status !== 'TRIAGED'
          ? post<{ tip: TipSummary }>(`${tipPath(tip.id)}/assign`, { reporterId: tip.assignee.id })
          : post<{ tip: TipSummary }>(`${tipPath(tip.id)}/release`, {})
        ).then((r) => (replaceRow(r.tip), render()));
      undoable(`${tip.reference} · ${t('assignedTo', { name: res.reporter.displayName })}`, undo);
    } catch (e) {
      showError(e);
      await reloadOne(tip.id);
    }
    render();
  }

  async function mergeSelected() {
    const tip = inbox.rows[inbox.sel];
    if (!tip) return;
    try {
      const res = await mergeWithPicker(tip);
      if (!res) return;
      undoable(`${tip.reference} · ${t('merged')}`, () => res.undo().then(() => reloadOne(tip.id).then(render)));
      await reloadOne(tip.id);
    } catch (e) {
      showError(e);
    }
    render();
  }

  async function bulkRun(kind: 'file' | 'assign' | 'dismiss', category?: CategoryValue) {
    const tips = inbox.rows.filter((r) => inbox.ticked.has(r.id));
    await runBulk(kind, tips, category, (updated) => {
      for (const u of updated) replaceRow(u);
      inbox.ticked.clear();
      render();
    });
  }

  function onKey(e: KeyboardEvent) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (isTyping(e.target)) return;
    const target = e.target as HTMLElement;
    // Enter and Space on a focused control press that control, not the selected row.
    if ((e.key === 'Enter' || e.key === ' ') && target.closest?.('button,a,input,select,summary')) return;
    const tip = inbox.rows[inbox.sel];
    const key = e.key;
    const bulkMode = inbox.ticked.size > 0;
    if (key === 'j' || key === 'ArrowDown') setSel(inbox.sel + 1);
    else if (key === 'k' || key === 'ArrowUp') setSel(inbox.sel - 1);
    else if (key === 'x') {
      toggleTick(inbox.sel);
      anchor = inbox.sel;
      render();
    } else if (CATEGORY_KEYS[key]) {
      if (bulkMode) void bulkRun('file', CATEGORY_KEYS[key]);
      else if (tip) void file(tip, CATEGORY_KEYS[key], true);
    } else if (key === 'a') void (bulkMode ? bulkRun('assign') : assignSelected());
    else if (key === 'd' && bulkMode) void bulkRun('dismiss');
    else if (key === 'm') void mergeSelected();
    else if (key === 'u') void lastUndo();
    else if (key === '?') showHelp();
    else if (key === '/') {
      search.focus();
      search.select();
    } else if (key === 'Enter' || key === 'o') {
      if (tip) openTip(tip.id);
    } else return;
    e.preventDefault();
  }

  fill(
    root,
    h(
      'section',
      { class: 'inbox', 'aria-labelledby': 'inbox-h1' },
      h('h1', { id: 'inbox-h1', class: 'view-title' }, t('inbox')),
      h('div', { class: 'toolbar' }, tabs, search),
      searchHint,
      selects,
      bulk,
      h('p', { class: 'hint' }, t('shortcuts')),
      announcer,
      list,
      more,
    ),
  );
  renderTabs();
  void filterControls(selects, () => {
    renderTabs();
    void reload();
  });
  if (inbox.loaded) {
    history.replaceState(null, '', filtersToHash());
    render();
    void refresh().catch(() => {});
  } else void reload();
  document.addEventListener('keydown', onKey);
  const offEvents = onTipEvent((e) => onEvent(e.tipId));
  const offStats = onStats(renderTabs);
  return () => {
    offEvents();
    offStats();
    clearTimeout(searchTimer);
    clearTimeout(refreshTimer);
    document.removeEventListener('keydown', onKey);
  };
}
