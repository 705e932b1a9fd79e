import { leadButtons, update } from './actions.js';
import { categoryChip, channelIcon, priorityBadge, statusChip, timeEl, tipsterContact } from './format.js';
import { h } from './h.js';
import { t } from './i18n.js';
import { CATEGORIES, PRIORITIES, STATUSES, type CategoryValue, type PriorityValue, type Status, type TipDetail, type User } from './types.js';

// The tip view's header (reference, chips, every tipster with tap-to-call) and its side
// controls (file, priority, status, assign, merge; a reporter's lead buttons; headline and place).

export function headerParts(tp: TipDetail, back: () => void) {
  return [
    h('button', { type: 'button', class: 'btn back', onclick: back, title: 'Esc' }, `← ${t('back')}`),
    h(
      'div',
      { class: 'tip-title' },
      channelIcon(tp.channel),
      h('h1', null, tp.reference),
      statusChip(tp.status),
      categoryChip(tp.category),
      priorityBadge(tp.priority),
    ),
    h(
      'p',
      { class: 'tip-meta' },
      h('span', { class: 'contact', 'data-testid': 'tipster' }, `${t('tipster')}: `, ...tipsterContact(tp.tipster)),
      ' · ',
      timeEl(tp.createdAt),
      tp.assignee ? ` · ${t('assignee')}: ${tp.assignee.displayName}` : '',
      tp.location ? ` · ${t('location')}: ${tp.location}` : '',
    ),
    // Everyone who wrote about this story (merged-in tips' tipsters), so each can be called back.
    tp.otherTipsters.length
      ? h(
          'p',
          { class: 'tip-meta other-tipsters', 'data-testid': 'other-tipsters' },
          `${t('otherTipsters')}: `,
          tp.otherTipsters.map((o, i) => [i ? '；' : '', ...tipsterContact(o)]),
        )
      : null,
    tp.title ? h('p', { class: 'tip-headline' }, tp.title) : null,
    tp.suggestedCategory && !tp.category
      ? h(
          'p',
          { class: 'tip-suggestion' },
          h('span', { class: `chip ghost cat-${tp.suggestedCategory}` }, `${t('suggested')}: ${t(tp.suggestedCategory)}`),
          tp.suggestionTerms.length ? h('span', { class: 'terms' }, ` ${tp.suggestionTerms.join(' · ')}`) : null,
        )
      : null,
    tp.mergedIntoId
      ? h('p', { class: 'notice' }, `${t('status.MERGED')} → `, h('a', { href: `#/tips/${encodeURIComponent(tp.mergedIntoId)}` }, t('open')))
      : null,
  ];
}

export interface ControlActions {
  file: (c: CategoryValue) => void;
  priority: (p: PriorityValue) => void;
  status: (s: Status) => void;
  assign: () => void;
  merge: () => void;
  act: (fn: () => Promise<unknown>) => void;
}

export function controlParts(tp: TipDetail, user: User | null, isEditor: boolean, a: ControlActions) {
  const parts = [];
  if (isEditor) {
    parts.push(
      h('h2', { class: 'h3' }, t('category')),
      h(
        'div',
        { class: 'file-buttons' },
        CATEGORIES.map((c, k) =>
          h(
            'button',
            {
              type: 'button',
              class: `file-btn cat-${c}${tp.category === c ? ' on' : ''}${!tp.category && tp.suggestedCategory === c ? ' suggested' : ''}`,
              'data-category': c,
              onclick: () => a.file(c),
            },
            `${k + 1} ${t(c)}`,
          ),
        ),
      ),
      h(
        'label',
        { class: 'field' },
        t('priority'),
        h(
          'select',
          { name: 'priority', onchange: (e: Event) => a.priority((e.target as HTMLSelectElement).value as PriorityValue) },
          PRIORITIES.map((p) => h('option', { value: p, selected: tp.priority === p }, t(`priority.${p}`))),
        ),
      ),
      h(
        'label',
        { class: 'field' },
        t('status'),
        h(
          'select',
          { name: 'status', onchange: (e: Event) => a.status((e.target as HTMLSelectElement).value as Status) },
          STATUSES.filter((s) => s === tp.status || (tp.allowedTransitions ? tp.allowedTransitions.includes(s) : s !== 'MERGED')).map((s) =>
            h('option', { value: s, selected: tp.status === s }, t(`status.${s}`)),
          ),
        ),
      ),
      h(
        'div',
        { class: 'row-buttons' },
        h('button', { type: 'button', class: 'btn', onclick: a.assign }, `${t('assign')} (a)`),
        h('button', { type: 'button', class: 'btn', onclick: a.merge }, `${t('merge')} (m)`),
      ),
    );
  } else {
    parts.push(
      h(
        'div',
        { class: 'row-buttons' },
        leadButtons(tp, user?.id, (fn) => a.act(fn)),
      ),
    );
  }
  // Headline and place, as the desk will print them (editors, and the reporter working the lead).
  if (isEditor || (tp.assignee?.id === user?.id && ['CLAIMED', 'IN_PROGRESS'].includes(tp.status))) parts.push(detailsForm(tp, a));
  return parts;
}

function detailsForm(tp: TipDetail, a: ControlActions) {
  const title = h('input', { type: 'text', name: 'title', maxlength: 200, value: tp.title ?? '' });
  const location = h('input', { type: 'text', name: 'location', maxlength: 200, value: tp.location ?? '' });
  const submit = (e: Event) => {
    e.preventDefault();
    a.act(() => update(tp, { title: title.value.trim() || null, location: location.value.trim() || null }));
  };
  return h(
    'form',
    { class: 'details-form', onsubmit: submit },
    h('label', { class: 'field' }, t('title'), title),
    h('label', { class: 'field' }, t('location'), location),
    h('button', { type: 'submit', class: 'btn' }, t('save')),
  );
}
