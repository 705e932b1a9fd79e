import type { Tx } from '../db/prisma.js';
import { defaultCategoryRules } from './category-rules.data.js';

export type CategoryName = 'HOUSEHOLD' | 'NEIGHBORHOOD' | 'COMMUNITY';
export interface Rule {
  category: CategoryName;
  phrase: string;
  weight: number;
}
export interface Suggestion {
  category: CategoryName;
  confidence: number;
  terms: string[];
}

/**
 * Transparent keyword model: each phrase found in the text adds its weight to its
 * category; confidence is the winner's share of all weight found. Substring
 * matching works for Chinese without segmentation; Latin phrases match on word edges.
 */
export function suggestCategory(text: string, rules: Rule[]): Suggestion | null {
  const hay = text.toLowerCase();
  const scores = new Map<CategoryName, { score: number; terms: string[] }>();
  for (const r of rules) {
    const p = r.phrase.toLowerCase();
    const latin = /^[\x20-\x7e]+$/.test(p);
    const hit = latin ? new RegExp(`(^|[^a-z])${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z])`).test(hay) : hay.includes(p);
    if (!hit) continue;
    const s = scores.get(r.category) ?? { score: 0, terms: [] };
    s.score += r.weight;
    s.terms.push(r.phrase);
    scores.set(r.category, s);
  }
  if (scores.size === 0) return null;
  const total = [...scores.values()].reduce((a, b) => a + b.score, 0);
  const [category, best] = [...scores.entries()].sort((a, b) => b[1].score - a[1].score)[0];
  return { category, confidence: Math.round((best.score / total) * 100) / 100, terms: best.terms };
}

export async function loadRules(db: Tx): Promise<Rule[]> {
  const rows = await db.categoryRule.findMany({ where: { active: true }, select: { category: true, phrase: true, weight: true } });
  return rows.length ? rows : defaultCategoryRules;
}

/** Seeds the editable rule table from the defaults the first time. */
export async function seedRules(db: Tx): Promise<number> {
  if ((await db.categoryRule.count()) > 0) return 0;
  const r = await db.categoryRule.createMany({ data: defaultCategoryRules, skipDuplicates: true });
  return r.count;
}
