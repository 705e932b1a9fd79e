import { duplicateChip } from './actions.js';
import { desk } from './desk.js';
import { age, categoryChip, channelIcon, firstLine, priorityBadge, statusChip, tipsterLabel } from './format.js';
import { h } from './h.js';
import { t } from './i18n.js';
import { inbox } from './inbox-state.js';
import { CATEGORIES, type CategoryValue, type TipSummary } from './types.js';

// One inbox row. A plain list item (not role=option: a row holds a link, a checkbox and
// buttons, and an option may not contain controls); the selected row is aria-current and a
// live region says which it is.

export interface RowActions {
  busy: Set<string>;
  select: (i: number, e: MouseEvent) => void;
  tick: (i: number, e: MouseEvent) => void;
  open: (id: string) => void;
  file: (tip: TipSummary, c: CategoryValue, i: number) => void;
  /** After the 可能重复 chip merged the row into the tip it repeats. */
  merged: (id: string) => Promise<unknown>;
}

/** Minutes a NEW tip has waited, when that is past the SLA; else null. */
export function overdueMinutes(tip: TipSummary, now = Date.now()): number | null {
  if (tip.status !== 'NEW') return null;
  const m = Math.floor((now - new Date(tip.createdAt).getTime()) / 60_000);
  return m > desk.slaMinutes ? m : null;
}

export function inboxRow(tip: TipSummary, i: number, a: RowActions) {
  const pending = a.busy.has(tip.id);
  const selected = i === inbox.sel;
  const ticked = inbox.ticked.has(tip.id);
  const overdue = overdueMinutes(tip);
  return h(
    'li',
    {
      class: [
        'tip-row',
        selected ? 'selected' : '',
        ticked ? 'ticked' : '',
        inbox.fresh.has(tip.id) ? 'fresh' : '',
        pending ? 'pending' : '',
        overdue !== null ? 'overdue' : '',
        `prio-row-${tip.priority}`,
        tip.status === 'NEW' ? 'untriaged' : 'done',
      ]
        .filter(Boolean)
        .join(' '),
      'aria-current': selected ? 'true' : null,
      'data-id': tip.id,
      'data-reference': tip.reference,
      onclick: (e: Event) => {
        if ((e.target as HTMLElement).closest('button,a,input')) return;
        a.select(i, e as MouseEvent);
      },
      ondblclick: (e: Event) => {
        if (!(e.target as HTMLElement).closest('button,a,input')) a.open(tip.id);
      },
    },
    h(
      'div',
      { class: 'cell tick' },
      h('input', {
        type: 'checkbox',
        checked: ticked,
        'aria-label': `${t('select')} ${tip.reference}`,
        onclick: (e: Event) => a.tick(i, e as MouseEvent),
      }),
    ),
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
      tip.likelyDuplicateOf ? duplicateChip(tip, tip.likelyDuplicateOf, () => a.merged(tip.id)) : null,
    ),
    h(
      'div',
      { class: 'cell suggest' },
      tip.suggestedCategory
        ? [
            h('span', { class: `chip ghost cat-${tip.suggestedCategory}`, title: t('suggested') }, `${t('suggested')}: ${t(tip.suggestedCategory)}`),
            tip.suggestionTerms.length ? h('span', { class: 'terms' }, tip.suggestionTerms.slice(0, 4).join(' · ')) : null,
          ]
        : null,
    ),
    h(
      'div',
      { class: 'cell state' },
      priorityBadge(tip.priority),
      statusChip(tip.status),
      categoryChip(tip.category),
      tip.assignee ? h('span', { class: 'assignee' }, tip.assignee.displayName) : null,
    ),
    h(
      'div',
      { class: 'cell age' },
      h(
        'time',
        { datetime: tip.createdAt, title: overdue !== null ? t('overdue', { n: desk.slaMinutes }) : null },
        age(tip.createdAt),
        overdue !== null ? h('span', { class: 'sr-only' }, ` (${t('overdue', { n: desk.slaMinutes })})`) : null,
      ),
    ),
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
            'aria-label': `${tip.reference} ${t('bulkFile')} ${t(c)}`,
            'data-category': c,
            // Not disabled while saving: a disabled button drops keyboard focus to <body> (file() ignores a second press).
            'aria-disabled': pending ? 'true' : null,
            onclick: () => a.file(tip, c, i),
          },
          t(c),
        ),
      ),
    ),
  );
}
