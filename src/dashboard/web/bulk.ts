import { patch, post } from './api.js';
import { assignWithPicker, loadReporters } from './actions.js';
import { fill, h } from './h.js';
import { t } from './i18n.js';
import { CATEGORIES, type CategoryValue, type TipSummary, type User } from './types.js';
import { pick, toast, undoable } from './ui.js';

// Bulk actions on the ticked inbox rows: file, assign or dismiss many tips at once. Each tip
// is changed by its own request with its own version (a tip someone else changed meanwhile
// is reported, not overwritten).

export function bulkBar(
  el: HTMLElement,
  a: { count: number; file: (c: CategoryValue) => void; assign: () => void; dismiss: () => void; clear: () => void },
) {
  el.hidden = a.count === 0;
  if (!a.count) return el.replaceChildren();
  fill(
    el,
    h('b', { 'data-testid': 'bulk-count' }, t('bulkSelected', { n: a.count })),
    h('span', { class: 'muted' }, ` ${t('bulkFile')}:`),
    CATEGORIES.map((c, k) =>
      h('button', { type: 'button', class: `btn small cat-${c}`, 'data-bulk-category': c, onclick: () => a.file(c) }, `${k + 1} ${t(c)}`),
    ),
    h('button', { type: 'button', class: 'btn small', 'data-bulk': 'assign', onclick: a.assign }, `${t('bulkAssign')} (a)`),
    h('button', { type: 'button', class: 'btn small', 'data-bulk': 'dismiss', onclick: a.dismiss }, `${t('bulkDismiss')} (d)`),
    h('button', { type: 'button', class: 'btn small', 'data-bulk': 'clear', onclick: a.clear }, t('bulkClear')),
  );
}

type Result = { tip: TipSummary };

export async function runBulk(
  kind: 'file' | 'assign' | 'dismiss',
  tips: TipSummary[],
  category: CategoryValue | undefined,
  done: (updated: TipSummary[]) => void,
) {
  if (!tips.length) return;
  let reporter: User | null = null;
  if (kind === 'assign') {
    if (tips.length === 1) {
      const r = await assignWithPicker(tips[0]).catch(() => null);
      return done(r ? [r.tip] : []);
    }
    reporter = await pick<User>(
      `${t('assignTo')} · ${t('bulkSelected', { n: tips.length })}`,
      async () => (await loadReporters()).map((u) => ({ value: u, label: h('span', null, u.displayName) })),
      t('noReporters'),
    );
    if (!reporter) return;
  }
  const one = (tip: TipSummary): Promise<Result> => {
    if (kind === 'file') return patch<Result>(`/api/tips/${tip.id}`, { version: tip.version, category });
    if (kind === 'assign') return post<Result>(`/api/tips/${tip.id}/assign`, { reporterId: reporter!.id, version: tip.version });
    return patch<Result>(`/api/tips/${tip.id}`, { version: tip.version, status: 'DISMISSED' });
  };
  const results = await Promise.allSettled(tips.map(one));
  const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.tip] : []));
  const failed = results.length - ok.length;
  done(ok);
  const label = t('bulkDone', { n: ok.length });
  if (failed) toast(t('bulkFailed', { n: failed }), 'error');
  if (!ok.length || kind === 'assign') return toast(label);
  // Undo puts each tip back where it was: a filed NEW tip back to the inbox, a dismissed tip
  // back to the status it had (POST /undismiss reads it from the dismissal's audit row).
  const before = new Map(tips.map((x) => [x.id, x]));
  const back = (u: TipSummary): Promise<Result> => {
    if (kind === 'dismiss') return post<Result>(`/api/tips/${u.id}/undismiss`, { version: u.version });
    const was = before.get(u.id)!;
    return patch<Result>(
      `/api/tips/${u.id}`,
      was.status === 'NEW' ? { version: u.version, status: 'NEW' } : { version: u.version, category: was.category },
    );
  };
  undoable(label, async () => {
    const undone = await Promise.allSettled(ok.map(back));
    const failedBack = undone.filter((r) => r.status === 'rejected').length;
    done(undone.flatMap((r) => (r.status === 'fulfilled' ? [r.value.tip] : [])));
    if (failedBack) toast(t('bulkFailed', { n: failedBack }), 'error');
  });
}
