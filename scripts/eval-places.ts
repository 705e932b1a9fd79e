// npm run eval:places [-- --errors]
// Scores place extraction (src/tips/language/places.ts) on test/fixtures/places.labelled.json:
// tips with the community or estate, building and unit an editor would file. `supplied` is a
// WeChat location label or a form field, which wins over the text. Rules were tuned on `dev`;
// quote `heldout`. --errors lists dev misses only.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildPlaceIndex, extractPlace } from '../src/tips/language/places.js';
import { loadLanguageData } from '../src/tips/language/language.js';

interface Item {
  id: string;
  split: 'dev' | 'heldout';
  text: string;
  supplied?: string;
  expect: { community: string | null; estate: string | null; building: string | null; unit: string | null };
}

const { values } = parseArgs({ options: { errors: { type: 'boolean', default: false } } });
const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'places.labelled.json');
const items = JSON.parse(readFileSync(file, 'utf8')) as Item[];
const data = loadLanguageData();
const index = buildPlaceIndex(data.gazetteer, data.places);

const results = items.map((it) => {
  const got = extractPlace(it.text, index, it.supplied);
  const site = got.community === it.expect.community && got.estate === it.expect.estate;
  const building = got.building === it.expect.building;
  const unit = got.unit === it.expect.unit;
  return { ...it, got, site, building, unit, all: site && building && unit };
});
type R = (typeof results)[number];
const pct = (rs: R[], f: (r: R) => boolean) => `${rs.filter(f).length}/${rs.length} (${((100 * rs.filter(f).length) / rs.length).toFixed(1)}%)`;

console.log(`Place extraction on ${items.length} labelled tips (${index.surfaces.length} place names)\n`);
console.log('| split    | community/estate exact | building exact      | unit exact          | all exact           |');
console.log('|----------|------------------------|---------------------|---------------------|---------------------|');
for (const [name, rs] of [
  ['dev', results.filter((r) => r.split === 'dev')],
  ['heldout', results.filter((r) => r.split === 'heldout')],
  ['all', results],
] as const) {
  console.log(
    `| ${name.padEnd(8)} | ${pct(rs, (r) => r.site).padEnd(22)} | ${pct(rs, (r) => r.building).padEnd(19)} | ${pct(rs, (r) => r.unit).padEnd(19)} | ${pct(rs, (r) => r.all).padEnd(19)} |`,
  );
}
// Confusion for the site: found the right one, a wrong one, or none where one was expected.
const kind = (r: R) => {
  const want = r.expect.estate ?? r.expect.community;
  const got = r.got.estate ?? r.got.community;
  if (!want) return got ? 'found where none' : 'none, rightly';
  if (!got) return 'missed';
  return r.site ? 'right' : 'wrong place';
};
console.log('\nSite outcome (held-out)\n');
const ho = results.filter((r) => r.split === 'heldout');
for (const k of ['right', 'wrong place', 'missed', 'found where none', 'none, rightly'])
  console.log(`  ${k.padEnd(17)} ${ho.filter((r) => kind(r) === k).length}`);

if (values.errors) {
  console.log('\nMisses on the dev split:\n');
  for (const r of results.filter((x) => x.split === 'dev' && !x.all)) {
    console.log(
      `${r.id} ${r.text} [${r.supplied ?? ''}] want ${JSON.stringify(r.expect)} got ${JSON.stringify({ c: r.got.community, e: r.got.estate, b: r.got.building, u: r.got.unit })}`,
    );
  }
}
