// The learnt half of npm run eval:categories: naive Bayes over words and character pairs,
// blended with the phrase rules (see src/tips/language/classifier.ts).
import type { Category } from '../src/generated/prisma/enums.js';
import { blendSuggestion, trainNaiveBayes, type BlendOptions, type Example } from '../src/tips/language/classifier.js';
import { createLanguageKit, loadCategorySeed, loadLanguageData } from '../src/tips/language/language.js';
import { classifierFeatures } from '../src/tips/language/tokens.js';
import { suggestCategory } from '../src/tips/categorize.js';
import { defaultCategoryRules } from '../src/tips/category-rules.data.js';

interface Item {
  id: string;
  label: Category;
  split: 'dev' | 'heldout';
  written: string;
  text: string;
}

const CATS: Category[] = ['HOUSEHOLD', 'NEIGHBORHOOD', 'COMMUNITY'];

export function evaluateBlend(labelled: Item[], paraphrased: Item[], opts: { tune: boolean }) {
  const kit = createLanguageKit(loadLanguageData());
  const prep = (it: Item) => ({ ...it, features: classifierFeatures(kit.segmenter, it.text), rules: suggestCategory(it.text, defaultCategoryRules) });
  const L = labelled.map(prep);
  const P = paraphrased.map(prep);
  // The seed tips (src/tips/language/data/categories.seed.json) are training data like the dev
  // splits; none of them is in a held-out split.
  const seed = loadCategorySeed().map((t) => prep({ id: t.id, label: t.label, split: 'dev', written: 'seed', text: t.text }));
  const train = [...L, ...P, ...seed].filter((x) => x.split === 'dev');
  const ex = (xs: typeof train): Example[] => xs.map((x) => ({ features: x.features, category: x.label }));

  if (opts.tune) {
    console.log('\nTuning: leave-one-out accuracy on the training tips (labelled dev | paraphrased dev and seed)\n');
    for (const alpha of [0.02, 0.05, 0.1]) {
      for (const k of [0, 30, 60, 150, 400]) {
        const hit = { l: 0, p: 0 };
        for (const x of train) {
          const model = trainNaiveBayes(ex(train.filter((y) => y !== x)), alpha);
          const s = blendSuggestion(model, x.features, x.rules, { k });
          if (s?.category === x.label) hit[x.id.startsWith('p') || x.written === 'seed' ? 'p' : 'l']++;
        }
        const nl = train.filter((x) => !x.id.startsWith('p') && x.written !== 'seed').length;
        const np = train.length - nl;
        console.log(`alpha ${alpha} k ${String(k).padStart(3)}: ${((100 * hit.l) / nl).toFixed(1)}% | ${((100 * hit.p) / np).toFixed(1)}%`);
      }
    }
  }

  const model = trainNaiveBayes(ex(train));
  const options: BlendOptions = {};
  const judge = (xs: typeof L) =>
    xs.map((x) => {
      const b = blendSuggestion(model, x.features, x.rules, options);
      const m = blendSuggestion(model, x.features, null, options);
      return { ...x, blend: b?.category ?? null, conf: b?.confidence ?? 0, model: m?.category ?? null, rule: x.rules?.category ?? null };
    });
  const JL = judge(L);
  const JP = judge(P);
  type J = (typeof JL)[number];
  const pct = (rs: J[], f: (r: J) => string | null) =>
    rs.length ? `${((100 * rs.filter((r) => f(r) === r.label).length) / rs.length).toFixed(1)}%` : '-';
  console.log(
    `\nLearnt model (naive Bayes, ${model.trainedOn} training tips: ${train.length - seed.length} dev + ${seed.length} seed, temperature ${model.temperature}) blended with the rules (model weight ${blendSuggestion(model, [], { scores: { HOUSEHOLD: 1, NEIGHBORHOOD: 0, COMMUNITY: 0 } })?.modelWeight})\n`,
  );
  console.log('| test set                         |   n | rules  | model  | blend  |');
  console.log('|----------------------------------|-----|--------|--------|--------|');
  const groups: [string, J[]][] = [
    ['labelled held-out (w/ rules)', JL.filter((r) => r.split === 'heldout' && r.written === 'with-rules')],
    ['labelled after freeze', JL.filter((r) => r.split === 'heldout' && r.written === 'after-freeze')],
    ['paraphrased held-out', JP.filter((r) => r.split === 'heldout' && r.written === 'with-model')],
    ['paraphrased after freeze (v1)', JP.filter((r) => r.split === 'heldout' && r.written === 'after-freeze')],
    ['paraphrased after freeze (v2)', JP.filter((r) => r.split === 'heldout' && r.written === 'after-freeze-2')],
    ['paraphrased held-out, all', JP.filter((r) => r.split === 'heldout')],
    ['all held-out', [...JL, ...JP].filter((r) => r.split === 'heldout')],
  ];
  for (const [n, rs] of groups) {
    console.log(
      `| ${n.padEnd(32)} | ${String(rs.length).padStart(3)} | ${pct(rs, (r) => r.rule).padStart(6)} | ${pct(rs, (r) => r.model).padStart(6)} | ${pct(rs, (r) => r.blend).padStart(6)} |`,
    );
  }
  for (const [name, ho] of [
    ['paraphrased held-out, all', JP.filter((r) => r.split === 'heldout')],
    ['paraphrased after freeze (v2)', JP.filter((r) => r.written === 'after-freeze-2')],
  ] as const) {
    if (!ho.length) continue;
    console.log(`\nConfusion matrix, blend on ${name} (rows = label, columns = suggestion)\n`);
    console.log(`| label \\ suggested | ${CATS.map((c) => c.padEnd(12)).join(' | ')} |`);
    console.log(`|-------------------|${CATS.map(() => '-'.repeat(14)).join('|')}|`);
    for (const l of CATS)
      console.log(`| ${l.padEnd(17)} | ${CATS.map((p) => String(ho.filter((r) => r.label === l && r.blend === p).length).padEnd(12)).join(' | ')} |`);
  }
  const all = [...JL, ...JP].filter((r) => r.split === 'heldout');
  console.log('\nCalibration of the blend on all held-out tips (confidence vs accuracy)\n');
  console.log('| confidence  |    n | mean conf | accuracy |');
  console.log('|-------------|------|-----------|----------|');
  const edges = [0, 0.5, 0.7, 0.85, 1.01];
  for (let i = 0; i < edges.length - 1; i++) {
    const rs = all.filter((r) => r.conf >= edges[i] && r.conf < edges[i + 1]);
    const mean = rs.length ? (rs.reduce((s, r) => s + r.conf, 0) / rs.length).toFixed(2) : '-';
    console.log(
      `| ${`${edges[i].toFixed(2)}–${Math.min(1, edges[i + 1]).toFixed(2)}`.padEnd(11)} | ${String(rs.length).padStart(4)} | ${mean.padStart(9)} | ${pct(rs, (r) => r.blend).padStart(8)} |`,
    );
  }
}
