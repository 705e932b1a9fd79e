import { api, get, patch, post } from './api.js';
import { fill, h } from './h.js';
import { t } from './i18n.js';
import { showError, toast } from './ui.js';
import type { TipDetail } from './types.js';

// Where a tip happened (read from its text or the channel's location, correctable by the
// editor), and the newsroom's places list that reading uses.

const FIELDS = ['district', 'street', 'community', 'estate', 'road', 'landmark', 'building', 'unit'] as const;
type Field = (typeof FIELDS)[number];

/** The structured location with the words it came from, and a form to correct it. */
export function fillPlace(box: HTMLElement, tip: TipDetail, mayEdit: boolean, saved: () => Promise<void>): void {
  const p = tip.place;
  const inputs = new Map<Field, HTMLInputElement>();
  const summary = FIELDS.filter((f) => p[f]).map(
    (f) => `${t(`place.${f}`)} ${f === 'building' ? `${p[f]}号楼` : f === 'unit' ? `${p[f]}单元` : p[f]}`,
  );
  const form = h(
    'form',
    {
      class: 'place-form',
      hidden: true,
      onsubmit: (e: Event) => {
        e.preventDefault();
        const place = Object.fromEntries(FIELDS.map((f) => [f, inputs.get(f)!.value.trim() || null]));
        patch(`/api/tips/${tip.id}`, { version: tip.version, place })
          .then(() => (toast(t('saved')), saved()))
          .catch(showError);
      },
    },
    FIELDS.map((f) => {
      const input = h('input', { name: `place-${f}`, value: p[f] ?? '', 'aria-label': t(`place.${f}`), placeholder: t(`place.${f}`) });
      inputs.set(f, input);
      return h('label', null, t(`place.${f}`), ' ', input);
    }),
    h('button', { type: 'submit', class: 'btn small' }, t('save')),
  );
  fill(
    box,
    h('h3', null, t('place')),
    h('p', { class: 'place-summary' }, summary.length ? summary.join(' · ') : h('span', { class: 'muted' }, t('place.none'))),
    p.words.length ? h('p', { class: 'muted place-words' }, `${t('place.from')}: ${p.words.join('、')}`) : null,
    p.source ? h('p', { class: 'muted' }, t(`place.source.${p.source}`)) : null,
    mayEdit ? h('button', { type: 'button', class: 'btn small', onclick: () => (form.hidden = !form.hidden) }, t('place.correct')) : null,
    mayEdit ? form : null,
  );
}

interface PlaceRow {
  id: string;
  name: string;
  kind: string;
  aliases: string[];
  community: string | null;
}

/** #/places: editors and admins extend the list estates, roads and landmarks are recognised from. */
export function mountPlaces(main: HTMLElement): () => void {
  const list = h('ul', { class: 'places-list' }, h('li', { class: 'muted' }, t('loading')));
  const name = h('input', { name: 'place-name', required: true, placeholder: t('place.name'), 'aria-label': t('place.name') });
  const aliases = h('input', { name: 'place-aliases', placeholder: t('place.aliases'), 'aria-label': t('place.aliases') });
  const community = h('input', { name: 'place-community', placeholder: t('place.community'), 'aria-label': t('place.community') });
  const kind = h(
    'select',
    { name: 'place-kind', 'aria-label': t('place.kind') },
    ['estate', 'road', 'landmark'].map((k) => h('option', { value: k }, t(`place.kind.${k}`))),
  );
  async function load() {
    const { places } = await get<{ places: PlaceRow[] }>('/api/places');
    fill(
      list,
      places.map((p) =>
        h(
          'li',
          { 'data-place': p.name },
          h('b', null, p.name),
          ` ${t(`place.kind.${p.kind}`)}`,
          p.aliases.length ? h('span', { class: 'muted' }, ` (${p.aliases.join('、')})`) : null,
          p.community ? h('span', { class: 'muted' }, ` · ${p.community}`) : null,
          ' ',
          h('button', { type: 'button', class: 'btn small', onclick: () => void remove(p) }, t('delete')),
        ),
      ),
    );
  }
  async function remove(p: PlaceRow) {
    if (!confirm(`${t('delete')} ${p.name}?`)) return;
    await api('DELETE', `/api/places/${p.id}`).catch(showError);
    await load().catch(showError);
  }
  const form = h(
    'form',
    {
      class: 'place-add',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const body = {
          name: name.value.trim(),
          kind: kind.value,
          aliases: aliases.value
            .split(/[,，、\s]+/)
            .map((s) => s.trim())
            .filter((s) => s.length >= 2),
          community: community.value.trim() || null,
        };
        post('/api/places', body)
          .then(() => {
            toast(t('saved'));
            form.reset();
            return load();
          })
          .catch(showError);
      },
    },
    name,
    kind,
    aliases,
    community,
    h('button', { type: 'submit', class: 'btn' }, t('place.add')),
  );
  fill(main, h('section', { class: 'panel' }, h('h2', null, t('places')), h('p', { class: 'muted' }, t('places.help')), form, list));
  load().catch(showError);
  return () => {};
}
