import { h } from './h.js';
import { currentLang, t } from './i18n.js';
import type { CategoryValue, Channel, Person, TipSummary } from './types.js';

const CHANNEL_ICONS: Record<Channel, string> = { EMAIL: '✉', SMS: '💬', VOICE: '☎', WEB: '🌐' };

export function channelIcon(channel: Channel) {
  return h('span', { class: `chan chan-${channel.toLowerCase()}`, title: t(`channel.${channel}`), 'aria-label': t(`channel.${channel}`) }, CHANNEL_ICONS[channel] ?? '•');
}

export function categoryChip(cat: CategoryValue | null) {
  if (!cat) return null;
  return h('span', { class: `chip cat-${cat}` }, t(cat));
}

export function statusChip(status: string) {
  return h('span', { class: `chip status status-${status.toLowerCase()}` }, t(`status.${status}`));
}

/** What the API says about the tipster: masked for most viewers, full when allowed. */
export function tipsterLabel(tip: Pick<TipSummary, 'tipster'>): string {
  const p = tip.tipster;
  if (!p) return t('anonymous');
  const contact = p.phone ?? p.email ?? '';
  if (p.displayName && contact) return `${p.displayName} · ${contact}`;
  return p.displayName || contact || t('anonymous');
}

export function firstLine(tip: Pick<TipSummary, 'title' | 'subject' | 'excerpt'>): string {
  const text = tip.title || tip.subject || tip.excerpt || '';
  return text.split(/\r?\n/).find((l) => l.trim())?.trim() ?? '';
}

export function age(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return t('never');
  const minutes = Math.floor((now - new Date(iso).getTime()) / 60_000);
  if (minutes < 1) return t('justNow');
  if (minutes < 60) return t('minutesAgo', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t('hoursAgo', { n: hours });
  return t('daysAgo', { n: Math.floor(hours / 24) });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return t('never');
  return new Date(iso).toLocaleString(currentLang() === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' });
}

export function timeEl(iso: string | null | undefined) {
  return h('time', { datetime: iso ?? '', title: dateTime(iso) }, age(iso));
}

export function personName(p: Person | string | null | undefined): string {
  if (!p) return t('system');
  if (typeof p === 'string') return p;
  return p.displayName || p.email || t('system');
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A compact, readable rendering of an audit before/after value. */
export function summarize(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object') return String(v);
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}: ${x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x)}`)
    .join(', ');
}
