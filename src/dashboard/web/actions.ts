import { get, patch, post, qs } from './api.js';
import { h } from './h.js';
import { t } from './i18n.js';
import { categoryChip, channelIcon, firstLine, statusChip, tipsterLabel } from './format.js';
import { confirmDialog, pick, showError, toast } from './ui.js';
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

export function relatedLabel(r: TipSummary & Partial<Pick<RelatedTip, 'reason' | 'similarity' | 'likelyDuplicate' | 'reasons'>>) {
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

/** A tip as the merge dialogs show it: reference, channel, status, tipster, first line. */
function tipCard(tip: TipSummary, role: string) {
  return h(
    'div',
    { class: 'merge-card', 'data-role': role },
    h('p', { class: 'merge-role muted' }, t(role === 'source' ? 'mergeSource' : 'mergeTarget')),
    h('p', null, channelIcon(tip.channel), h('b', null, ` ${tip.reference} `), statusChip(tip.status), categoryChip(tip.category)),
    h('p', { class: 'muted' }, `${t('tipster')}: ${tipsterLabel(tip)}`),
    h('p', null, firstLine(tip)),
  );
}

/** Finds a merge target by reference, phone number or words, across all open and closed tips. */
async function findTips(q: string): Promise<TipSummary[]> {
  return (await get<{ tips: TipSummary[] }>(`/api/tips${qs({ q, sort: 'newest', limit: 20 })}`)).tips;
}

/**
 * Merges `tip` into another the editor picks (related ones first, or found by reference,
 * phone or words) after a confirmation that shows both. Returns the survivor's id and an undo.
 */
export async function mergeWithPicker(tip: TipSummary): Promise<{ intoId: string; undo: () => Promise<unknown> } | null> {
  const target = await pick<TipSummary>(
    `${t('mergePick')} · ${tip.reference}`,
    async () => (await loadRelated(tip.id)).filter((r) => r.id !== tip.id).map((r) => ({ value: r as TipSummary, label: relatedLabel(r) })),
    t('noRelatedSearch'),
    {
      label: t('mergeSearch'),
      find: async (q) => (await findTips(q)).filter((r) => r.id !== tip.id).map((r) => ({ value: r, label: relatedLabel(r) })),
    },
  );
  return target ? confirmAndMerge(tip, target) : null;
}

/** Shows both tips and merges `tip` into `target` when the editor confirms; returns the survivor's id and an undo. */
export async function confirmAndMerge(tip: TipSummary, target: TipSummary): Promise<{ intoId: string; undo: () => Promise<unknown> } | null> {
  const ok = await confirmDialog(
    t('mergeConfirm', { from: tip.reference, into: target.reference }),
    h(
      'div',
      { class: 'merge-both' },
      tipCard(tip, 'source'),
      h('p', { class: 'merge-arrow', 'aria-hidden': 'true' }, '→'),
      tipCard(target, 'target'),
    ),
    t('merge'),
  );
  if (!ok) return null;
  await mergeInto(tip.id, target.id);
  return { intoId: target.id, undo: () => unmerge(tip.id) };
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

export const unmerge = (tipId: string) => post(`/api/tips/${tipId}/unmerge`, {});

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
