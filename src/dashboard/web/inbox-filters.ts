import { loadReporters } from './actions.js';
import { fill, h } from './h.js';
import { t } from './i18n.js';
import { inbox, type Filters } from './inbox-state.js';
import { CATEGORIES, CHANNELS, PRIORITIES, STATUSES } from './types.js';

// The inbox's dropdowns, each with a label a screen reader reads (状态, 栏目, …), not its field name.

function select(name: keyof Filters, label: string, options: [string, string][], changed: () => void) {
  return h(
    'label',
    { class: 'filter' },
    h('span', { class: 'sr-only' }, label),
    h(
      'select',
      {
        name,
        onchange: (e: Event) => {
          inbox.filters[name] = (e.target as HTMLSelectElement).value;
          changed();
        },
      },
      options.map(([v, text]) => h('option', { value: v, selected: inbox.filters[name] === v }, text)),
    ),
  );
}

export async function filterControls(el: HTMLElement, changed: () => void): Promise<void> {
  const reporters = await loadReporters().catch(() => []);
  fill(
    el,
    select('status', t('status'), [['', t('anyStatus')], ...STATUSES.map((s): [string, string] => [s, t(`status.${s}`)])], changed),
    select('category', t('category'), [['', t('anyCategory')], ...CATEGORIES.map((c): [string, string] => [c, t(c)])], changed),
    select('channel', t('channel'), [['', t('anyChannel')], ...CHANNELS.map((c): [string, string] => [c, t(`channel.${c}`)])], changed),
    select(
      'priority',
      t('priority'),
      [['', t('anyPriority')], ...[...PRIORITIES].reverse().map((p): [string, string] => [p, t(`priority.${p}`)])],
      changed,
    ),
    select(
      'assigneeId',
      t('assignee'),
      [['', t('anyAssignee')], ['none', t('unassigned')], ...reporters.map((u): [string, string] => [u.id, u.displayName])],
      changed,
    ),
    select(
      'sort',
      t('sort'),
      [
        ['newest', t('sort.newest')],
        ['oldest', t('sort.oldest')],
        ['priority', t('sort.priority')],
      ],
      changed,
    ),
  );
}
