// npm run eval:duplicates [-- --errors]
// Scores related-tip detection (src/tips/language/related.ts) on test/fixtures/duplicates.labelled.json:
// pairs of tips that are the same incident told in other words (duplicate: true) or different
// incidents sharing a place or stock words (duplicate: false). Weights and threshold were tuned
// on the `dev` split; `heldout` is the figure to quote. --errors lists dev misses only.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { analyzeTip, createLanguageKit, loadLanguageData, type TipAnalysis } from '../src/tips/language/language.js';
import { docFreqFromLists, rankRelated, relatedness } from '../src/tips/language/related.js';

interface Pair {
  id: string;
  duplicate: boolean;
  split: 'dev' | 'heldout';
  hoursApart: number;
  a: string;
  b: string;
}

const { values } = parseArgs({ options: { errors: { type: 'boolean', default: false } } });
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures');
const pairs = JSON.parse(readFileSync(path.join(fixtures, 'duplicates.labelled.json'), 'utf8')) as Pair[];
const desk = (JSON.parse(readFileSync(path.join(fixtures, 'categories.labelled.json'), 'utf8')) as { text: string }[]).map((t) => t.text);

const kit = createLanguageKit(loadLanguageData());
const t0 = new Date('2026-03-21T09:00:00Z');
const analyzed = pairs.map((p) => ({
  ...p,
  ta: analyzeTip(kit, p.a, { receivedAt: t0 }),
  tb: analyzeTip(kit, p.b, { receivedAt: new Date(t0.getTime() + p.hoursApart * 3_600_000) }),
}));
// Rarity is counted over the desk's tips: the labelled category set plus these pairs.
const df = docFreqFromLists([...desk.map((t) => analyzeTip(kit, t, { receivedAt: t0 }).words), ...analyzed.flatMap((p) => [p.ta.words, p.tb.words])]);

const results = analyzed.map((p) => ({ ...p, r: relatedness(p.ta, p.tb, df) }));
type R = (typeof results)[number];
const pct = (n: number, d: number) => (d ? (n / d).toFixed(3) : '-');

function report(name: string, rs: R[]) {
  const tp = rs.filter((r) => r.duplicate && r.r.likelyDuplicate).length;
  const fn = rs.filter((r) => r.duplicate && !r.r.likelyDuplicate).length;
  const fp = rs.filter((r) => !r.duplicate && r.r.likelyDuplicate).length;
  const tn = rs.filter((r) => !r.duplicate && !r.r.likelyDuplicate).length;
  console.log(
    `| ${name.padEnd(8)} | ${String(rs.length).padStart(3)} | ${String(tp).padStart(3)} | ${String(fn).padStart(3)} | ${String(fp).padStart(3)} | ${String(tn).padStart(3)} | ${pct(tp, tp + fn).padStart(6)} | ${pct(tp, tp + fp).padStart(9)} | ${pct(fp, fp + tn).padStart(11)} |`,
  );
}
console.log(`Likely-duplicate flag on ${pairs.length} labelled pairs (rarity over ${df.docCount} tips)\n`);
console.log('| split    |   n |  TP |  FN |  FP |  TN | recall | precision | false links |');
console.log('|----------|-----|-----|-----|-----|-----|--------|-----------|-------------|');
for (const s of ['dev', 'heldout'] as const)
  report(
    s,
    results.filter((r) => r.split === s),
  );
report('all', results);

// The inbox shows the first three related tips: is the true duplicate among them, out of every
// tip of the set? And is a different incident ever flagged within those three?
const pool: { t: TipAnalysis }[] = analyzed.flatMap((p) => [{ t: p.ta }, { t: p.tb }]);
console.log('\nFirst three related, searched among all tips of the set\n');
console.log('| split    | duplicates found in top 3 | different incidents flagged in top 3 |');
console.log('|----------|---------------------------|--------------------------------------|');
for (const s of ['dev', 'heldout'] as const) {
  const rs = results.filter((r) => r.split === s);
  const top = (r: R) =>
    rankRelated(
      r.ta,
      pool.filter((x) => x.t !== r.ta).map((x) => x.t),
      df,
      3,
    );
  const found = rs.filter((r) => r.duplicate).filter((r) => top(r).some((x) => x.tip === r.tb));
  const wrong = rs.filter((r) => !r.duplicate).filter((r) => top(r).some((x) => x.tip === r.tb && x.likelyDuplicate));
  const nd = rs.filter((r) => r.duplicate).length;
  const nn = rs.filter((r) => !r.duplicate).length;
  console.log(
    `| ${s.padEnd(8)} | ${`${found.length}/${nd} (${pct(found.length, nd)})`.padEnd(25)} | ${`${wrong.length}/${nn} (${pct(wrong.length, nn)})`.padEnd(36)} |`,
  );
}

if (values.errors) {
  console.log('\nMisses on the dev split:\n');
  for (const r of results.filter((x) => x.split === 'dev' && x.duplicate !== x.r.likelyDuplicate)) {
    console.log(`${r.id} dup=${r.duplicate} score=${r.r.score} ${JSON.stringify(r.r.parts)} | ${r.a} | ${r.b}`);
  }
}
