import { get, qs } from './api.js';
import { assignWithPicker, categorize, duplicateChip, loadReporters, mergeWithPicker } from './actions.js';
import { age, categoryChip, channelIcon, firstLine, statusChip, tipsterLabel } from './format.js';
import { fill, h } from './h.js';
import { t } from './i18n.js';
import { CATEGORIES, CHANNELS, STATUSES, type CategoryValue, type TipSummary } from './types.js';
import { errorText, isTyping, poll, showError, toast } from './ui.js';

// The editor's triage inbox. Its state outlives the view so that Esc from a tip comes back
// to the same filters, rows and selection.

interface Filters {
  status: string;
  category: string;
  channel: string;
  assigneeId: string;
  q: string;
}

export const inbox = {
  filters: { status: 'NEW', category: '', channel: '', assigneeId: '', q: '' } as Filters,
  rows: [] as TipSummary[],
  sel: 0,
  nextCursor: null as string | null,
  loaded: false,
  loadError: '' as string,
  fresh: new Set<string>(),
};

export const CATEGORY_KEYS: Record<string, CategoryValue> = {
  '1': 'household',
  '2': 'neighborhood',
  '3': 'community',
  h: 'household',
  n: 'neighborhood',
  c: 'community',
};

const PAGE = 50;
const POLL_MS = 3000;

const TABS: { key: string; label: () => string; status: string; category: string }[] = [
  { key: 'untriaged', label: () => t('untriaged'), status: 'NEW', category: '' },
  ...CATEGORIES.map((c) => ({ key: c, label: () => t(c), status: '', category: c })),
  { key: 'all', label: () => t('all'), status: '', category: '' },
];

function query(cursor?: string | null) {
  const f = inbox.filters;
  return `/api/tips${qs({ status: f.status, category: f.category, channel: f.channel, assigneeId: f.assigneeId, q: f.q.trim(), sort: 'newest', limit: PAGE, cursor })}`;
}

export function replaceRow(tip: TipSummary): void {
  const i = inbox.rows.findIndex((r) => r.id === tip.id);
  if (i >= 0) inbox.rows[i] = { ...inbox.rows[i], ...tip };
}

export function mountInbox(root: HTMLElement, openTip: (id: string) => void): () => void {
  const list = h('div', { class: 'tip-list', role: 'listbox', 'aria-label': t('inbox') });
  const more = h('div', { class: 'more' });
  const search = h('input', {
    type: 'search',
    class: 'search',
    placeholder: t('search'),
    value: inbox.filters.q,
    'aria-label': t('search'),
    oninput: () => debounceSearch(),
    onkeydown: (e: Event) => {
      const k = (e as KeyboardEvent).key;
      if (k === 'Escape' || k === 'Enter') {
        search.blur();
        if (k === 'Enter') void reload();
      }
    },
  });
  const tabs = h('nav', { class: 'tabs' });
  const selects = h('div', { class: 'filters' });
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;

  function debounceSearch() {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      inbox.filters.q = search.value;
      void reload();
    }, 300);
  }

  function select(name: keyof Filters, options: [string, string][]) {
    return h(
      'select',
      {
        'aria-label': name,
        name,
        onchange: (e: Event) => {
          inbox.filters[name] = (e.target as HTMLSelectElement).value;
          renderTabs();
          void reload();
        },
      },
      options.map(([v, label]) => h('option', { value: v, selected: inbox.filters[name] === v }, label)),
    );
  }

  function renderTabs() {
    fill(
      tabs,
      TABS.map((tab) =>
        h(
          'button',
          {
            type: 'button',
            class: inbox.filters.status === tab.status && inbox.filters.category === tab.category ? 'tab active' : 'tab',
            'data-tab': tab.key,
            onclick: () => {
              inbox.filters.status = tab.status;
              inbox.filters.category = tab.category;
              renderTabs();
              void reload();
            },
          },
          tab.label(),
        ),
      ),
    );
    renderSelects();
  }

  async function renderSelects() {
    const reporters = await loadReporters().catch(() => []);
    fill(
      selects,
      select('status', [['', t('anyStatus')], ...STATUSES.map((s): [string, string] => [s, t(`status.${s}`)])]),
      select('category', [['', t('anyCategory')], ...CATEGORIES.map((c): [string, string] => [c, t(c)])]),
      select('channel', [['', t('anyChannel')], ...CHANNELS.map((c): [string, string] => [c, t(`channel.${c}`)])]),
      select('assigneeId', [['', t('anyAssignee')], ['none', t('unassigned')], ...reporters.map((u): [string, string] => [u.id, u.displayName])]),
    );
  }

  function row(tip: TipSummary, i: number) {
    const pending = busy.has(tip.id);
    return h(
      'div',
      {
        class: [
          'tip-row',
          i === inbox.sel ? 'selected' : '',
          inbox.fresh.has(tip.id) ? 'fresh' : '',
          pending ? 'pending' : '',
          tip.status === 'NEW' ? 'untriaged' : 'done',
        ]
          .filter(Boolean)
          .join(' '),
        role: 'option',
        'aria-selected': i === inbox.sel ? 'true' : 'false',
        'data-id': tip.id,
        'data-reference': tip.reference,
        onclick: (e: Event) => {
          if ((e.target as HTMLElement).closest('button,a')) return;
          inbox.sel = i;
          render();
        },
        ondblclick: () => openTip(tip.id),
      },
      h(
        'div',
        { class: 'cell ref' },
        channelIcon(tip.channel),
        h('a', { href: `#/tips/${encodeURIComponent(tip.id)}`, class: 'reference' }, tip.reference),
      ),
      h('div', { class: 'cell who' }, tipsterLabel(tip)),
      h(
        'div',
        { class: 'cell text' },
        h('span', { class: 'first-line' }, firstLine(tip)),
        tip.messageCount > 1 ? h('span', { class: 'count' }, ` ×${tip.messageCount}`) : null,
        tip.likelyDuplicateOf ? duplicateChip(tip, tip.likelyDuplicateOf, () => reloadOne(tip.id)) : null,
      ),
      h(
        'div',
        { class: 'cell suggest' },
        tip.suggestedCategory
          ? [
              h(
                'span',
                { class: `chip ghost cat-${tip.suggestedCategory}`, title: t('suggested') },
                `${t('suggested')}: ${t(tip.suggestedCategory)}`,
              ),
              tip.suggestionTerms.length ? h('span', { class: 'terms' }, tip.suggestionTerms.slice(0, 4).join(' · ')) : null,
            ]
          : null,
      ),
      h(
        'div',
        { class: 'cell state' },
        statusChip(tip.status),
        categoryChip(tip.category),
        tip.assignee ? h('span', { class: 'assignee' }, tip.assignee.displayName) : null,
      ),
      h('div', { class: 'cell age' }, h('time', { datetime: tip.createdAt }, age(tip.createdAt))),
      h(
        'div',
        { class: 'cell file' },
        CATEGORIES.map((c, k) =>
          h(
            'button',
            {
              type: 'button',
              class: `file-btn cat-${c}${tip.category === c ? ' on' : ''}`,
              title: `${t(c)} (${k + 1})`,
              'data-category': c,
              disabled: pending,
              onclick: () => {
                inbox.sel = i;
                void file(tip, c, false);
              },
            },
            t(c),
          ),
        ),
      ),
    );
  }

  function render() {
    if (inbox.sel >= inbox.rows.length) inbox.sel = Math.max(0, inbox.rows.length - 1);
    if (!inbox.loaded) fill(list, h('p', { class: 'muted empty' }, t('loading')));
    else if (inbox.loadError) fill(list, h('p', { class: 'error empty' }, inbox.loadError));
    else if (inbox.rows.length === 0) fill(list, h('p', { class: 'muted empty' }, t('noTips')));
    else fill(list, inbox.rows.map(row));
    fill(more, inbox.nextCursor ? h('button', { type: 'button', class: 'btn', onclick: () => void loadMore() }, t('loadMore')) : null);
    list.querySelector('.tip-row.selected')?.scrollIntoView({ block: 'nearest' });
  }

  async function reload() {
    const gen = ++generation;
    inbox.loaded = false;
    render();
    try {
      const res = await get<{ tips: TipSummary[]; nextCursor: string | null }>(query());
      if (gen !== generation) return;
      inbox.rows = res.tips;
      inbox.nextCursor = res.nextCursor;
      inbox.sel = 0;
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
    const res = await get<{ tips: TipSummary[]; nextCursor: string | null }>(query(inbox.nextCursor));
    if (gen !== generation) return;
    const known = new Set(inbox.rows.map((r) => r.id));
    inbox.rows.push(...res.tips.filter((r) => !known.has(r.id)));
    inbox.nextCursor = res.nextCursor;
    render();
  }

  // New tips are put on top; rows already shown are updated in place but never removed
  // under the editor's cursor (a filed tip stays visible, greyed, until the next reload).
  async function refresh() {
    const gen = generation;
    const res = await get<{ tips: TipSummary[]; nextCursor: string | null }>(query());
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

  const busy = new Set<string>();

  async function file(tip: TipSummary, category: CategoryValue, advance: boolean) {
    if (busy.has(tip.id)) return;
    busy.add(tip.id);
    const i = inbox.rows.findIndex((r) => r.id === tip.id);
    if (advance && i === inbox.sel && inbox.sel < inbox.rows.length - 1) inbox.sel++;
    render();
    try {
      replaceRow(await categorize(tip, category));
      inbox.fresh.delete(tip.id);
      toast(`${tip.reference} · ${t('filedAs', { cat: t(category) })}`);
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
      replaceRow((await get<{ tip: TipSummary }>(`/api/tips/${id}`)).tip);
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
      toast(`${tip.reference} · ${t('assignedTo', { name: res.reporter.displayName })}`);
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
      if (!(await mergeWithPicker(tip))) return;
      toast(`${tip.reference} · ${t('merged')}`);
      await reloadOne(tip.id);
    } catch (e) {
      showError(e);
    }
    render();
  }

  function onKey(e: KeyboardEvent) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (isTyping(e.target)) return;
    const tip = inbox.rows[inbox.sel];
    const key = e.key;
    if (key === 'j' || key === 'ArrowDown') {
      inbox.sel = Math.min(inbox.rows.length - 1, inbox.sel + 1);
      render();
    } else if (key === 'k' || key === 'ArrowUp') {
      inbox.sel = Math.max(0, inbox.sel - 1);
      render();
    } else if (CATEGORY_KEYS[key]) {
      if (tip) void file(tip, CATEGORY_KEYS[key], true);
    } else if (key === 'a') {
      void assignSelected();
    } else if (key === 'm') {
      void mergeSelected();
    } else if (key === '/') {
      search.focus();
      search.select();
    } else if (key === 'Enter' || key === 'o') {
      if (tip) openTip(tip.id);
    } else return;
    e.preventDefault();
  }

  fill(
    root,
    h('section', { class: 'inbox' }, h('div', { class: 'toolbar' }, tabs, search), selects, h('p', { class: 'hint' }, t('shortcuts')), list, more),
  );
  renderTabs();
  if (inbox.loaded) {
    render();
    void refresh().catch(() => {});
  } else void reload();
  document.addEventListener('keydown', onKey);
  const stop = poll(refresh, POLL_MS);
  return () => {
    stop();
    clearTimeout(searchTimer);
    document.removeEventListener('keydown', onKey);
  };
}
