import { qs } from './api.js';
import type { CategoryValue, TipSummary } from './types.js';

// The inbox's state. It outlives the view so that Esc from a tip comes back to the same
// filters, rows and selection; the filters also live in the address (#/inbox?status=NEW&q=…),
// so a reload or a shared link shows the same list.

export interface Filters {
  status: string;
  category: string;
  channel: string;
  assigneeId: string;
  priority: string;
  q: string;
  sort: string;
}

const DEFAULTS: Filters = { status: 'NEW', category: '', channel: '', assigneeId: '', priority: '', q: '', sort: 'newest' };

export const inbox = {
  filters: { ...DEFAULTS } as Filters,
  rows: [] as TipSummary[],
  sel: 0,
  /** Ticked rows (bulk actions), by id. */
  ticked: new Set<string>(),
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

export function replaceRow(tip: TipSummary): void {
  const i = inbox.rows.findIndex((r) => r.id === tip.id);
  if (i >= 0) inbox.rows[i] = { ...inbox.rows[i], ...tip };
}

/**
 * What the list asks the API for. A search looks in every status (a tip filed a minute ago
 * is still found from the 待分类 tab): the status of the tab is dropped while there is a query.
 */
export function effectiveFilters(f: Filters = inbox.filters): Filters {
  return f.q.trim() ? { ...f, status: '' } : f;
}

export function listQuery(cursor: string | null | undefined, limit: number): string {
  const f = effectiveFilters();
  return `/api/tips${qs({ status: f.status, category: f.category, channel: f.channel, assigneeId: f.assigneeId, priority: f.priority, q: f.q.trim(), sort: f.sort, limit, cursor })}`;
}

/** The filters as the address's query (only what differs from the defaults). */
export function filtersToHash(f: Filters = inbox.filters): string {
  const u = new URLSearchParams();
  for (const k of Object.keys(DEFAULTS) as (keyof Filters)[]) if (f[k] !== DEFAULTS[k]) u.set(k, f[k]);
  const s = u.toString();
  return `#/inbox${s ? `?${s}` : ''}`;
}

/** Reads the filters from the address; true when they differ from the ones held. */
export function filtersFromHash(hash: string): boolean {
  const i = hash.indexOf('?');
  const u = new URLSearchParams(i >= 0 ? hash.slice(i + 1) : '');
  const next = { ...DEFAULTS };
  for (const k of Object.keys(DEFAULTS) as (keyof Filters)[]) {
    const v = u.get(k);
    if (v !== null) next[k] = v.slice(0, 200);
  }
  const changed = JSON.stringify(next) !== JSON.stringify(inbox.filters);
  inbox.filters = next;
  return changed;
}
