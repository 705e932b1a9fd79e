import { h, type Child } from './h.js';
import { currentLang, t } from './i18n.js';
import type { CategoryValue, Channel, Person, TipSummary } from './types.js';

// Line icons drawn as SVG (no icon font, and no emoji font needed on the desk's machines).
const ICON_PATHS: Record<Channel, string[]> = {
  EMAIL: ['M3 6h18v12H3z', 'M3 6l9 7 9-7'],
  SMS: ['M4 5h16v11H10l-5 4v-4H4z', 'M8 10.5h8'],
  VOICE: ['M6.5 3h3l1.8 4.6-2.3 1.6a11 11 0 0 0 5.8 5.8l1.6-2.3 4.6 1.8v3a2 2 0 0 1-2 2A16.5 16.5 0 0 1 4.5 5a2 2 0 0 1 2-2z'],
  // Two speech bubbles, as WeChat's mark.
  WECHAT: ['M9 4a6.5 5.5 0 0 0-3.6 10.1L5 17l3-1.6a7.4 7.4 0 0 0 1 .1', 'M15 9a5.5 4.7 0 1 1-1.9 9.1L10.5 19.5l.6-2.5A5 4.7 0 0 1 15 9z'],
  WEB: ['M12 3a9 9 0 1 0 0.01 0z', 'M3 12h18', 'M12 3c3.5 3.5 3.5 14.5 0 18', 'M12 3c-3.5 3.5-3.5 14.5 0 18'],
  SMS_GATEWAY: ['M7 2h10v20H7z', 'M10 18h4', 'M9.5 6h5'],
};

export function channelIcon(channel: Channel) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  for (const [k, v] of Object.entries({
    viewBox: '0 0 24 24',
    width: '16',
    height: '16',
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': '1.8',
    'stroke-linejoin': 'round',
    'aria-hidden': 'true',
  }))
    svg.setAttribute(k, v);
  for (const d of ICON_PATHS[channel] ?? []) {
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return h(
    'span',
    { class: `chan chan-${channel.toLowerCase()}`, title: t(`channel.${channel}`), role: 'img', 'aria-label': t(`channel.${channel}`) },
    svg,
  );
}

export function categoryChip(cat: CategoryValue | null) {
  if (!cat) return null;
  return h('span', { class: `chip cat-${cat}` }, t(cat));
}

/** Priority at a glance; normal (most tips) shows nothing. */
export function priorityBadge(p: string) {
  if (p === 'normal') return null;
  return h('span', { class: `chip prio prio-${p}`, 'data-priority': p }, t(`priority.${p}`));
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

/** The tipster with tap-to-call: an unmasked number is a tel: link (a masked one is plain text). */
export function tipsterContact(p: TipSummary['tipster'] | null): Child[] {
  if (!p || (!p.displayName && !p.phone && !p.email)) return [t('anonymous')];
  const out: Child[] = [];
  if (p.displayName) out.push(p.displayName);
  if (p.phone) {
    if (out.length) out.push(' · ');
    out.push(p.masked ? p.phone : h('a', { href: `tel:${p.phone.replace(/[^\d+]/g, '')}`, class: 'tel', title: t('call', { n: p.phone }) }, p.phone));
  }
  if (p.email) {
    if (out.length) out.push(' · ');
    out.push(p.email);
  }
  return out;
}

export function firstLine(tip: Pick<TipSummary, 'title' | 'subject' | 'excerpt'>): string {
  const text = tip.title || tip.subject || tip.excerpt || '';
  return (
    text
      .split(/\r?\n/)
      .find((l) => l.trim())
      ?.trim() ?? ''
  );
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
  // Ids mean nothing to a reader; the names beside them (assignee: 李记者) do.
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  return Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => !(typeof x === 'string' && uuid.test(x)))
    .map(([k, x]) => `${k}: ${x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x)}`)
    .join(', ');
}
