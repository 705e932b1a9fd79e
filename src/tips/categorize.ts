import type { Tx } from '../db/prisma.js';
import { defaultCategoryRules } from './category-rules.data.js';

import type { Category as CategoryName } from '../generated/prisma/enums.js';
export type { CategoryName };
export interface Rule {
  category: CategoryName;
  phrase: string;
  weight: number;
}
export interface Suggestion {
  category: CategoryName;
  /** 0..1: the winner's share of all evidence, scaled down when there is little evidence. */
  confidence: number;
  /** The phrases that voted for the winner, heaviest first. */
  terms: string[];
  /** Evidence per category, for anyone who wants to see why. */
  scores: Record<CategoryName, number>;
}

/**
 * A transparent phrase model, kept as data (table category_rule) so editors can read and
 * admins can change it. For each rule whose phrase occurs in the text, its weight goes to
 * its category; each phrase counts once however often it occurs.
 *
 * - Chinese needs no word segmentation: phrases match as substrings (漏水, 楼道, 义诊).
 * - Latin phrases match whole words, with common inflections: "leak" matches leaks, leaking,
 *   leaked; "volunteer" matches volunteers; case does not matter.
 * - Text is NFKC-normalized first, so full-width Ｌｅａｋ and half-width forms agree.
 * - Longest match wins: a phrase found only inside a longer matched phrase does not count
 *   on its own (社区 inside 社区活动, "bus" inside "bus stop" if both are rules).
 * - confidence = share × s/(s+1), where share is the winner's part of all evidence and s its
 *   evidence: one weak phrase alone gives a modest confidence, agreeing phrases a high one.
 */
export function suggestCategory(text: string, rules: Rule[]): Suggestion | null {
  const hay = normalize(text);
  const hits: { rule: Rule; spans: [number, number][] }[] = [];
  for (const rule of rules) {
    const spans = findAll(hay, rule.phrase);
    if (spans.length) hits.push({ rule, spans });
  }
  if (!hits.length) return null;
  // Spans of every hit, to drop occurrences swallowed by a longer phrase.
  const all = hits.flatMap((h) => h.spans.map(([a, b]) => ({ a, b, len: b - a })));
  const counted = hits.filter((h) => h.spans.some(([a, b]) => !all.some((o) => o.len > b - a && o.a <= a && o.b >= b)));

  const scores: Record<CategoryName, number> = { HOUSEHOLD: 0, NEIGHBORHOOD: 0, COMMUNITY: 0 };
  const terms: Record<CategoryName, Rule[]> = { HOUSEHOLD: [], NEIGHBORHOOD: [], COMMUNITY: [] };
  for (const { rule } of counted) {
    scores[rule.category] += rule.weight;
    terms[rule.category].push(rule);
  }
  const ranked = (Object.keys(scores) as CategoryName[])
    .filter((c) => scores[c] > 0)
    .sort((x, y) => scores[y] - scores[x] || maxWeight(terms[y]) - maxWeight(terms[x]));
  if (!ranked.length) return null;
  const best = ranked[0];
  const total = ranked.reduce((a, c) => a + scores[c], 0);
  const s = scores[best];
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    category: best,
    confidence: round((s / total) * (s / (s + 1))),
    terms: [...terms[best]].sort((a, b) => b.weight - a.weight).map((r) => r.phrase),
    scores: { HOUSEHOLD: round(scores.HOUSEHOLD), NEIGHBORHOOD: round(scores.NEIGHBORHOOD), COMMUNITY: round(scores.COMMUNITY) },
  };
}

const maxWeight = (rs: Rule[]) => rs.reduce((m, r) => Math.max(m, r.weight), 0);

export const normalize = (s: string) => s.normalize('NFKC').toLowerCase();

const isLatin = (p: string) => /^[\x20-\x7e]+$/.test(p);

/** A phrase as matched: normalized, and for a Latin phrase its whole-word pattern. */
interface Matcher {
  p: string;
  re: RegExp | null;
}

// By phrase, built once: the rules are rows read afresh for every reading, but their phrases
// repeat, and normalizing some 500 phrases for every tip read was a good part of the suggestion's CPU.
const matchers = new Map<string, Matcher>();

function matcherOf(phrase: string): Matcher {
  let m = matchers.get(phrase);
  if (m) return m;
  const p = normalize(phrase).trim();
  let re: RegExp | null = null;
  if (p && isLatin(p)) {
    const body = p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
    // Whole words, allowing the usual English endings (leak/leaks/leaking/leaked, party/parties).
    const stem = /[a-z]y$/.test(p) && !/[aeiou]y$/.test(p) ? `${body.slice(0, -1)}(?:y|ies|ied)` : `${body}(?:s|es|ed|d|ing)?`;
    re = new RegExp(`(?<![a-z0-9])${stem}(?![a-z0-9])`, 'g');
  }
  matchers.set(phrase, (m = { p, re }));
  return m;
}

/** Every [start, end) where the phrase occurs in the (normalized) text. */
function findAll(hay: string, phrase: string): [number, number][] {
  const { p, re } = matcherOf(phrase);
  if (!p) return [];
  const out: [number, number][] = [];
  if (!re) {
    for (let i = hay.indexOf(p); i !== -1; i = hay.indexOf(p, i + 1)) out.push([i, i + p.length]);
    return out;
  }
  re.lastIndex = 0;
  for (let m = re.exec(hay); m; m = re.exec(hay)) out.push([m.index, m.index + m[0].length]);
  return out;
}

export async function loadRules(db: Tx): Promise<Rule[]> {
  return rulesOrDefaults(await db.categoryRule.findMany({ where: { active: true }, select: { category: true, phrase: true, weight: true } }));
}

/** The active rules, or the shipped ones when there are none (a fresh database, every rule deactivated). */
export const rulesOrDefaults = (active: Rule[]): Rule[] => (active.length ? active : defaultCategoryRules);

/** Seeds the editable rule table from the defaults the first time. */
export async function seedRules(db: Tx): Promise<number> {
  if ((await db.categoryRule.count()) > 0) return 0;
  const r = await db.categoryRule.createMany({ data: defaultCategoryRules, skipDuplicates: true });
  return r.count;
}
