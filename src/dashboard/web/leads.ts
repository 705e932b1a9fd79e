import { get, session } from './api.js';
import { leadButtons } from './actions.js';
import { categoryChip, channelIcon, firstLine, priorityBadge, statusChip, timeEl, tipsterContact } from './format.js';
import { onTipEvent } from './live.js';
import { fill, h } from './h.js';
import { t } from './i18n.js';
import type { TipSummary } from './types.js';
import { showError, toast } from './ui.js';

// The reporter's page, made for a phone between interviews: cards, big buttons, no tables.
// Kept current by the desk's live stream (any tip's change may move a lead in or out of the pool).

export function mountLeads(root: HTMLElement): () => void {
  const me = session.user;
  const mine = h('div', { class: 'cards', 'data-list': 'mine' }, h('p', { class: 'muted' }, t('loading')));
  const pool = h('div', { class: 'cards', 'data-list': 'pool' });
  let last = '';

  function card(tip: TipSummary) {
    const buttons = leadButtons(tip, me?.id, (fn, done) => void act(tip, fn, done));
    return h(
      'article',
      { class: 'card', 'data-id': tip.id, 'data-reference': tip.reference },
      h(
        'div',
        { class: 'card-head' },
        channelIcon(tip.channel),
        h('a', { href: `#/tips/${encodeURIComponent(tip.id)}`, class: 'reference' }, tip.reference),
        priorityBadge(tip.priority),
        statusChip(tip.status),
        categoryChip(tip.category),
      ),
      h('p', { class: 'card-text' }, firstLine(tip)),
      tip.location ? h('p', { class: 'muted' }, `${t('location')}: ${tip.location}`) : null,
      h(
        'p',
        { class: 'card-meta' },
        h('span', { class: 'contact' }, `${t('contact')}: `, ...tipsterContact(tip.tipster)),
        ' · ',
        timeEl(tip.createdAt),
      ),
      buttons.length ? h('div', { class: 'card-actions' }, buttons) : null,
    );
  }

  async function act(tip: TipSummary, fn: () => Promise<unknown>, done: string) {
    try {
      await fn();
      toast(`${tip.reference} · ${done}`);
    } catch (e) {
      showError(e);
    }
    last = '';
    await load().catch(showError);
  }

  async function load() {
    const res = await get<{ mine: TipSummary[]; pool: TipSummary[] }>('/api/leads');
    const sig = JSON.stringify(res);
    if (sig === last) return;
    last = sig;
    fill(mine, res.mine.length ? res.mine.map(card) : h('p', { class: 'muted' }, t('noLeads')));
    fill(pool, res.pool.length ? res.pool.map(card) : h('p', { class: 'muted' }, t('noLeads')));
  }

  fill(
    root,
    h('section', { class: 'leads' }, h('h1', { class: 'view-title' }, t('leads')), h('h2', null, t('myLeads')), mine, h('h2', null, t('pool')), pool),
  );
  load().catch(showError);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const off = onTipEvent(() => {
    clearTimeout(timer);
    timer = setTimeout(() => void load().catch(() => {}), 300);
  });
  return () => {
    off();
    clearTimeout(timer);
  };
}
