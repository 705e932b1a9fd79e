import { get, patch, post, qs } from './api.js';
import { h } from './h.js';
import { t } from './i18n.js';
import { categoryChip, channelIcon, firstLine, statusChip } from './format.js';
import { pick, showError, toast } from './ui.js';
import type { CategoryValue, RelatedTip, Status, TipSummary, User } from './types.js';

// Every change the dashboard makes to a tip, shared by the inbox, the tip view and the
// reporter view. Each goes through the JSON API with the tip's version, so a stale page
// gets a 409 instead of overwriting someone else's change.

type TipResult = { tip: TipSummary };

export async function categorize(tip: TipSummary, category: CategoryValue): Promise<TipSummary> {
  const { tip: updated } = await patch<TipResult>(`/api/tips/${tip.id}`, { version: tip.version, category });
  return updated;
}

export async function setStatus(tip: TipSummary, status: Status): Promise<TipSummary> {
  return (await patch<TipResult>(`/api/tips/${tip.id}`, { version: tip.version, status })).tip;
}

export async function update(tip: TipSummary, fields: Partial<Pick<TipSummary, 'priority' | 'title' | 'location'>>): Promise<TipSummary> {
  return (await patch<TipResult>(`/api/tips/${tip.id}`, { version: tip.version, ...fields })).tip;
}

let reporters: Promise<User[]> | null = null;

export function loadReporters(): Promise<User[]> {
  if (!reporters) {
    // Filtered here as well, so the picker is right whatever the server does with ?role=.
    reporters = get<{ users: User[] }>(`/api/users${qs({ role: 'REPORTER' })}`).then((r) =>
      r.users.filter((u) => u.role === 'REPORTER' && u.active !== false),
    );
    reporters.catch(() => (reporters = null));
  }
  return reporters;
}

/** Asks for a reporter and assigns; null when the editor backs out. */
export async function assignWithPicker(tip: TipSummary): Promise<{ tip: TipSummary; reporter: User } | null> {
  const reporter = await pick<User>(
    `${t('assignTo')} · ${tip.reference}`,
    async () =>
      (await loadReporters()).map((u) => ({ value: u, label: h('span', null, u.displayName, h('span', { class: 'muted' }, ` ${u.email}`)) })),
    t('noReporters'),
  );
  if (!reporter) return null;
  const res = await post<TipResult>(`/api/tips/${tip.id}/assign`, { reporterId: reporter.id });
  return { tip: res.tip, reporter };
}

export const loadRelated = async (tipId: string) => (await get<{ related: RelatedTip[] }>(`/api/tips/${tipId}/related`)).related;

export function relatedLabel(r: RelatedTip) {
  return h(
    'span',
    { class: 'related-label' },
    channelIcon(r.channel),
    h('b', null, ` ${r.reference} `),
    statusChip(r.status),
    categoryChip(r.category),
    ' ',
    firstLine(r),
    r.reason ? h('span', { class: 'muted' }, ` (${t(`reason.${r.reason}`)}${r.similarity ? ` ${Math.round(r.similarity * 100)}%` : ''})`) : null,
    r.likelyDuplicate ? h('span', { class: 'chip dup' }, ` ${t('likelyDuplicate')}`) : null,
    r.reasons?.length ? h('span', { class: 'reasons' }, ` ${r.reasons.join(' · ')}`) : null,
  );
}

/** Any tip by reference code or words, for the merge picker. */
async function searchTips(q: string, self: string) {
  const { tips } = await get<{ tips: TipSummary[] }>(`/api/tips?q=${encodeURIComponent(q)}&limit=20`);
  return tips.filter((x) => x.id !== self);
}

/** Merges `tip` into a related tip the editor picks; returns the survivor's id. */
export async function mergeWithPicker(tip: TipSummary): Promise<string | null> {
  const target = await pick<{ id: string }>(
    `${t('mergePick')} · ${tip.reference}`,
    async () => (await loadRelated(tip.id)).filter((r) => r.id !== tip.id).map((r) => ({ value: r as { id: string }, label: relatedLabel(r) })),
    t('noRelated'),
    {
      placeholder: t('searchTips'),
      search: async (q) =>
        (await searchTips(q, tip.id)).map((x) => ({
          value: x as { id: string },
          label: h('span', null, h('b', null, `${x.reference} `), firstLine(x)),
        })),
    },
  );
  if (!target) return null;
  await mergeInto(tip.id, target.id);
  return target.id;
}

/** 可能重复 T-…: links the tip it likely repeats; the button merges into it after a confirmation. */
export function duplicateChip(tip: TipSummary, dup: NonNullable<TipSummary['likelyDuplicateOf']>, merged: () => Promise<unknown>) {
  const merge = () => {
    if (!confirm(`${t('mergeInto')} ${dup.reference}?`)) return;
    mergeInto(tip.id, dup.id).then(() => (toast(`${tip.reference} · ${t('merged')}`), merged()), showError);
  };
  return h(
    'span',
    { class: 'chip dup', 'data-duplicate-of': dup.reference },
    h('a', { href: `#/tips/${encodeURIComponent(dup.id)}` }, ` ${t('likelyDuplicate')} ${dup.reference}`),
    h('button', { type: 'button', class: 'btn small', onclick: merge }, t('mergeInto')),
  );
}

export async function mergeInto(tipId: string, intoId: string): Promise<void> {
  await post(`/api/tips/${tipId}/merge`, { intoId });
}

export const claim = async (tip: TipSummary) => (await post<TipResult>(`/api/tips/${tip.id}/claim`, {})).tip;
export const release = async (tip: TipSummary) => (await post<TipResult>(`/api/tips/${tip.id}/release`, {})).tip;

/**
 * The buttons a reporter gets on a lead: claim from the pool (or when assigned to them),
 * then start, publish or release. `run` performs the action and reports `label` when done.
 */
export function leadButtons(tip: TipSummary, meId: string | undefined, run: (fn: () => Promise<unknown>, label: string) => void) {
  const mine = tip.assignee?.id === meId;
  const btn = (action: string, label: string, primary: boolean, fn: () => Promise<unknown>, done: string) =>
    h('button', { type: 'button', class: primary ? 'btn primary' : 'btn', 'data-action': action, onclick: () => run(fn, done) }, label);
  const out = [];
  if ((tip.status === 'TRIAGED' && !tip.assignee) || (tip.status === 'ASSIGNED' && mine))
    out.push(btn('claim', t('claim'), true, () => claim(tip), t('claimed')));
  if (mine && tip.status === 'CLAIMED') out.push(btn('start', t('startWork'), true, () => setStatus(tip, 'IN_PROGRESS'), t('status.IN_PROGRESS')));
  if (mine && tip.status === 'IN_PROGRESS') out.push(btn('publish', t('publish'), true, () => setStatus(tip, 'PUBLISHED'), t('status.PUBLISHED')));
  if (mine && ['ASSIGNED', 'CLAIMED', 'IN_PROGRESS'].includes(tip.status))
    out.push(btn('release', t('release'), false, () => release(tip), t('released')));
  return out;
}
