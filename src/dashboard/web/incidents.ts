import { get, patch, post } from './api.js';
import { fill, h } from './h.js';
import { t } from './i18n.js';
import { showError, toast } from './ui.js';

// #/incidents: editors and admins keep the incident taxonomy (types and their synonyms) that new
// tips are read against. Every field has a visible label: the form is used rarely, and a
// placeholder alone disappears as soon as one types.

interface IncidentTypeRow {
  code: string;
  label: string;
  phrases: string[];
  subjects: string[];
  faults: string[];
  active: boolean;
}

const LISTS = ['phrases', 'subjects', 'faults'] as const;
const split = (s: string) => [...new Set(s.split(/[,，、;；\s]+/).map((w) => w.trim()))].filter(Boolean);

/** Labelled inputs for a type's name and word lists, filled from `row` when editing. */
function typeFields(prefix: string, row?: IncidentTypeRow) {
  const input = (name: string, key: string, value: string, required = false) => {
    const id = `${prefix}-${name}`;
    const el = h('input', { id, name, value, required, autocomplete: 'off' });
    return { el, field: h('div', { class: 'field' }, h('label', { for: id }, t(key)), el) };
  };
  const label = input('label', 'incident.label', row?.label ?? '', true);
  const lists = LISTS.map((l) => input(l, `incident.${l}`, row?.[l].join('，') ?? ''));
  return {
    fields: [label.field, ...lists.map((x) => x.field)],
    values: () => ({ label: label.el.value.trim(), ...Object.fromEntries(LISTS.map((l, i) => [l, split(lists[i].el.value)])) }),
  };
}

export function mountIncidents(main: HTMLElement): () => void {
  const list = h('ul', { class: 'incident-list', 'aria-labelledby': 'incidents-list' }, h('li', { class: 'muted' }, t('loading')));
  const code = h('input', { id: 'incident-new-code', name: 'code', required: true, autocomplete: 'off', pattern: '[a-z][a-z0-9\\-]{1,39}' });
  const fresh = typeFields('incident-new');
  const form = h(
    'form',
    {
      class: 'incident-add',
      'aria-labelledby': 'incident-new',
      onsubmit: (e: Event) => {
        e.preventDefault();
        post('/api/incident-types', { code: code.value.trim(), ...fresh.values() })
          .then(() => {
            toast(t('saved'));
            form.reset();
            return load();
          })
          .catch(showError);
      },
    },
    h('h3', { id: 'incident-new' }, t('incident.new')),
    h('div', { class: 'field' }, h('label', { for: code.id }, t('incident.code')), code),
    fresh.fields,
    h('button', { type: 'submit', class: 'btn' }, t('incident.add')),
  );

  const words = (ws: string[]) => (ws.length ? ws.join('、') : t('incident.none'));
  function item(r: IncidentTypeRow) {
    const edit = typeFields(`incident-${r.code}`, r);
    const editor = h(
      'form',
      {
        class: 'incident-edit',
        hidden: true,
        'aria-label': `${t('incident.editing')} ${r.label}`,
        onsubmit: (e: Event) => {
          e.preventDefault();
          patch(`/api/incident-types/${r.code}`, edit.values())
            .then(() => (toast(t('saved')), load()))
            .catch(showError);
        },
      },
      edit.fields,
      h('button', { type: 'submit', class: 'btn small' }, t('save')),
    );
    const toggle = () =>
      patch(`/api/incident-types/${r.code}`, { active: !r.active })
        .then(() => (toast(t('saved')), load()))
        .catch(showError);
    return h(
      'li',
      { 'data-incident': r.code, class: r.active ? '' : 'inactive' },
      h('b', null, r.label),
      ' ',
      h('code', null, r.code),
      r.active ? null : h('span', { class: 'muted' }, ` · ${t('incident.inactive')}`),
      h(
        'dl',
        { class: 'incident-words' },
        LISTS.map((l) => [h('dt', null, t(`incident.${l}`)), h('dd', null, words(r[l]))]),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'btn small',
          'aria-expanded': 'false',
          onclick: (e: Event) => {
            editor.hidden = !editor.hidden;
            (e.currentTarget as HTMLElement).setAttribute('aria-expanded', String(!editor.hidden));
          },
        },
        t('incident.edit'),
        h('span', { class: 'sr-only' }, ` ${r.label}`),
      ),
      ' ',
      h(
        'button',
        { type: 'button', class: 'btn small', 'data-testid': `toggle-${r.code}`, onclick: () => void toggle() },
        t(r.active ? 'incident.deactivate' : 'incident.reactivate'),
        h('span', { class: 'sr-only' }, ` ${r.label}`),
      ),
      editor,
    );
  }

  async function load() {
    const { incidentTypes } = await get<{ incidentTypes: IncidentTypeRow[] }>('/api/incident-types');
    fill(list, incidentTypes.map(item));
  }

  fill(
    main,
    h(
      'section',
      { class: 'panel' },
      h('h2', null, t('incidents')),
      h('p', { class: 'muted' }, t('incidents.help')),
      form,
      h('h3', { id: 'incidents-list' }, t('incidents.list')),
      list,
    ),
  );
  load().catch(showError);
  return () => {};
}
