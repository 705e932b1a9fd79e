import { z } from 'zod';
import { Category } from '../../generated/prisma/enums.js';

// A section classifier that learns from the editors' filed tips: multinomial naive Bayes over
// features (segmented words and character pairs, see classifierFeatures), each counted once
// per tip. The model is plain JSON so the database can store it and a job can retrain it.

const CATS = Object.values(Category) as Category[];

export const nbModelSchema = z.object({
  version: z.literal(1),
  alpha: z.number().positive(),
  /** Divides the log-odds before the softmax; fitted by leave-one-out so confidence is calibrated. */
  temperature: z.number().positive(),
  docs: z.record(z.string(), z.number()),
  /** Per category, how many tips had each feature. */
  counts: z.record(z.string(), z.record(z.string(), z.number())),
  totals: z.record(z.string(), z.number()),
  vocabulary: z.number(),
  trainedOn: z.number(),
});
export type NbModel = z.infer<typeof nbModelSchema>;

export interface Example {
  features: string[];
  category: Category;
}

export function trainNaiveBayes(examples: Example[], alpha = 0.05): NbModel {
  const docs: Record<string, number> = Object.fromEntries(CATS.map((c) => [c, 0]));
  const counts: Record<string, Record<string, number>> = Object.fromEntries(CATS.map((c) => [c, {}]));
  const totals: Record<string, number> = Object.fromEntries(CATS.map((c) => [c, 0]));
  const vocab = new Set<string>();
  for (const ex of examples) {
    docs[ex.category]++;
    for (const f of new Set(ex.features)) {
      counts[ex.category][f] = (counts[ex.category][f] ?? 0) + 1;
      totals[ex.category]++;
      vocab.add(f);
    }
  }
  const model: NbModel = { version: 1, alpha, temperature: 1, docs, counts, totals, vocabulary: vocab.size, trainedOn: examples.length };
  model.temperature = fitTemperature(model, examples);
  return model;
}

/** Log-probability of each category; `minus` removes one training example (leave-one-out). */
function logits(model: NbModel, features: string[], minus?: Example): Record<Category, number> {
  const fs = [...new Set(features)];
  const nDocs = CATS.reduce((s, c) => s + model.docs[c], 0) - (minus ? 1 : 0);
  const out = {} as Record<Category, number>;
  const own = minus ? new Set(minus.features) : null;
  for (const c of CATS) {
    const self = minus?.category === c;
    const docs = model.docs[c] - (self ? 1 : 0);
    const total = model.totals[c] - (self && own ? own.size : 0);
    let lp = Math.log((docs + 1) / (nDocs + CATS.length));
    const denom = Math.log(total + model.alpha * (model.vocabulary + 1));
    for (const f of fs) {
      const n = (model.counts[c][f] ?? 0) - (self && own!.has(f) ? 1 : 0);
      lp += Math.log(n + model.alpha) - denom;
    }
    out[c] = lp;
  }
  return out;
}

function softmax(l: Record<Category, number>, t: number): Record<Category, number> {
  const m = Math.max(...CATS.map((c) => l[c]));
  const e = CATS.map((c) => Math.exp((l[c] - m) / t));
  const s = e.reduce((a, b) => a + b, 0);
  return Object.fromEntries(CATS.map((c, i) => [c, e[i] / s])) as Record<Category, number>;
}

function fitTemperature(model: NbModel, examples: Example[]): number {
  if (examples.length < 10) return 1;
  const loo = examples.map((ex) => ({ l: logits(model, ex.features, ex), y: ex.category }));
  let best = 1;
  let bestLoss = Infinity;
  for (let t = 1; t <= 60; t *= 1.15) {
    const loss = loo.reduce((s, { l, y }) => s - Math.log(Math.max(softmax(l, t)[y], 1e-9)), 0);
    if (loss < bestLoss) {
      bestLoss = loss;
      best = t;
    }
  }
  return Math.round(best * 100) / 100;
}

/** Calibrated probability of each category. */
export function predictNaiveBayes(model: NbModel, features: string[]): Record<Category, number> {
  return softmax(logits(model, features), model.temperature);
}

/** The rule model's verdict, as src/tips/categorize.ts's suggestCategory returns it. */
export interface RuleVerdict {
  scores: Record<Category, number>;
}

export interface BlendedSuggestion {
  category: Category;
  /** Probability of the suggested category, 0..1. */
  confidence: number;
  probabilities: Record<Category, number>;
  /** How much the learnt model counted (0: rules only … 1: model only). */
  modelWeight: number;
}

export interface BlendOptions {
  /** The model counts n/(n+k) after n training tips: with little data the phrase rules lead. */
  k?: number;
  /** Smoothing of the rule scores into probabilities. */
  ruleSmoothing?: number;
}

/**
 * Blends the learnt model with the phrase rules. The rules' evidence becomes probabilities
 * (score + s)/(total + 3s); the model's weight grows with the tips it was trained on.
 */
export function blendSuggestion(
  model: NbModel | null,
  features: string[],
  rules: RuleVerdict | null,
  opts: BlendOptions = {},
): BlendedSuggestion | null {
  const k = opts.k ?? 150;
  const s = opts.ruleSmoothing ?? 1;
  if (!model && !rules) return null;
  const pm = model ? predictNaiveBayes(model, features) : null;
  const total = rules ? CATS.reduce((a, c) => a + rules.scores[c], 0) : 0;
  const pr =
    rules && total > 0
      ? (Object.fromEntries(CATS.map((c) => [c, (rules.scores[c] + s) / (total + CATS.length * s)])) as Record<Category, number>)
      : null;
  if (!pm && !pr) return null;
  const lambda = pm && pr ? model!.trainedOn / (model!.trainedOn + k) : pm ? 1 : 0;
  const p = Object.fromEntries(CATS.map((c) => [c, lambda * (pm?.[c] ?? 0) + (1 - lambda) * (pr?.[c] ?? 0)])) as Record<Category, number>;
  const category = CATS.reduce((a, b) => (p[b] > p[a] ? b : a));
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    category,
    confidence: round(p[category]),
    probabilities: Object.fromEntries(CATS.map((c) => [c, round(p[c])])) as Record<Category, number>,
    modelWeight: round(lambda),
  };
}
