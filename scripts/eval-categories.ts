// npm run eval:categories [-- --errors] [-- --json] [-- --tune]
// Scores the category suggestion model (src/tips/categorize.ts with the default phrase
// rules) against test/fixtures/categories.labelled.json, then the learnt model blended with
// the rules (src/tips/language/classifier.ts): trained on the dev splits of that file and of
// test/fixtures/categories.paraphrased.json (tips that avoid the rules' stock words), tested on
// their held-out splits, including the part written after the model was frozen.
// --tune prints leave-one-out accuracy on the dev splits for a grid of settings. The rules were tuned on the `dev`
// split only; the `heldout` split is reported separately. Part of the held-out split was
// written after the rules were frozen (`written: after-freeze`): the least flattering figure.
// --errors lists the misses of the dev split (never of the held-out one, so tuning stays honest).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { suggestCategory, type CategoryName } from '../src/tips/categorize.js';
import { defaultCategoryRules } from '../src/tips/category-rules.data.js';
import { evaluateBlend } from './eval-categories.blend.js';

interface Labelled {
  id: string;
  label: CategoryName;
  style: 'sms' | 'email' | 'voice';
  lang: 'zh' | 'en' | 'mixed';
  split: 'dev' | 'heldout';
  /** with-rules: written alongside the phrase list; after-freeze: written after the rules were frozen, never tuned on. */
  written: 'with-rules' | 'with-model' | 'after-freeze' | 'after-freeze-2';
  text: string;
}

const { values } = parseArgs({
  options: {
    errors: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    tune: { type: 'boolean', default: false },
    file: { type: 'string' },
  },
});
const file = values.file ?? path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'test', 'fixtures', 'categories.labelled.json');
const items = JSON.parse(readFileSync(file, 'utf8')) as Labelled[];
const CATS: CategoryName[] = ['HOUSEHOLD', 'NEIGHBORHOOD', 'COMMUNITY'];
const results = items.map((it) => {
  const s = suggestCategory(it.text, defaultCategoryRules);
  return { ...it, predicted: s?.category ?? null, confidence: s?.confidence ?? 0, terms: s?.terms ?? [] };
});
type R = (typeof results)[number];

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');
const acc = (rs: R[]) => ({ n: rs.length, correct: rs.filter((r) => r.predicted === r.label).length, none: rs.filter((r) => !r.predicted).length });
const row = (name: string, rs: R[]) => {
  const a = acc(rs);
  return `| ${name.padEnd(18)} | ${String(a.n).padStart(4)} | ${String(a.correct).padStart(7)} | ${pct(a.correct, a.n).padStart(8)} | ${String(a.none).padStart(9)} | ${pct(a.correct, a.n - a.none).padStart(17)} |`;
};

const groups: [string, R[]][] = [
  ['all', results],
  ['dev (tuned on)', results.filter((r) => r.split === 'dev')],
  ['held-out', results.filter((r) => r.split === 'heldout')],
  ['  written w/ rules', results.filter((r) => r.split === 'heldout' && r.written === 'with-rules')],
  ['  after freeze', results.filter((r) => r.written === 'after-freeze')],
  ...(['sms', 'email', 'voice'] as const).map((s) => [`style ${s}`, results.filter((r) => r.style === s)] as [string, R[]]),
  ...(['zh', 'en', 'mixed'] as const).map((l) => [`lang ${l}`, results.filter((r) => r.lang === l)] as [string, R[]]),
];

if (values.json) {
  console.log(JSON.stringify(Object.fromEntries(groups.map(([n, rs]) => [n, acc(rs)])), null, 2));
  process.exit(0);
}

console.log(`Category suggestion on ${items.length} labelled tips (${defaultCategoryRules.length} phrase rules)\n`);
console.log('| split              |    n | correct | accuracy | no answer | answered: right   |');
console.log('|--------------------|------|---------|----------|-----------|-------------------|');
for (const [n, rs] of groups) console.log(row(n, rs));

for (const [name, rs] of [
  ['dev', results.filter((r) => r.split === 'dev')],
  ['held-out', results.filter((r) => r.split === 'heldout')],
  ['all', results],
] as const) {
  console.log(`\nConfusion matrix (${name}; rows = label, columns = suggestion)\n`);
  console.log(`| label \\ suggested | ${CATS.map((c) => c.padEnd(12)).join(' | ')} | none |`);
  console.log(`|-------------------|${CATS.map(() => '-'.repeat(14)).join('|')}|------|`);
  for (const l of CATS) {
    const cells = CATS.map((p) => String(rs.filter((r) => r.label === l && r.predicted === p).length).padEnd(12));
    console.log(`| ${l.padEnd(17)} | ${cells.join(' | ')} | ${String(rs.filter((r) => r.label === l && !r.predicted).length).padStart(4)} |`);
  }
}

// Calibration: is a confident suggestion more often right?
const buckets = [0, 0.5, 0.7, 0.85, 1.01];
console.log('\nConfidence vs accuracy (all)\n');
console.log('| confidence  |    n | accuracy |');
console.log('|-------------|------|----------|');
for (let i = 0; i < buckets.length - 1; i++) {
  const rs = results.filter((r) => r.predicted && r.confidence >= buckets[i] && r.confidence < buckets[i + 1]);
  console.log(
    `| ${`${buckets[i].toFixed(2)}–${Math.min(1, buckets[i + 1]).toFixed(2)}`.padEnd(11)} | ${String(rs.length).padStart(4)} | ${pct(rs.filter((r) => r.predicted === r.label).length, rs.length).padStart(8)} |`,
  );
}

if (values.errors) {
  console.log('\nMisses on the dev split:\n');
  for (const r of results.filter((x) => x.split === 'dev' && x.predicted !== x.label)) {
    console.log(`${r.id} ${r.label} -> ${r.predicted ?? 'none'} (${r.confidence}) [${r.terms.join(', ')}] ${r.text.slice(0, 90)}`);
  }
}

const paraphrased = JSON.parse(readFileSync(path.join(path.dirname(file), 'categories.paraphrased.json'), 'utf8')) as Labelled[];
evaluateBlend(items, paraphrased, { tune: values.tune });
