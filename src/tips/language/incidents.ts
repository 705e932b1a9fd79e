import { z } from 'zod';
import { normalizeNumbers } from './numbers.js';

export const incidentTypeSchema = z.object({
  code: z.string().min(1),
  label: z.string().min(1),
  phrases: z.array(z.string().min(1)),
  subjects: z.array(z.string().min(1)),
  faults: z.array(z.string().min(1)),
});
export type IncidentType = z.infer<typeof incidentTypeSchema>;

export interface IncidentHit {
  code: string;
  label: string;
  /** 2 per phrase, 1.5 per subject with a fault nearby, 0.5 for a bare subject. */
  score: number;
  /** The words of the text that matched. */
  words: string[];
}

// How far (characters) a fault word may be from its subject: 电梯三天都不动 is 6 apart.
const WINDOW = 10;

const occurrences = (hay: string, needle: string) => {
  const out: number[] = [];
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + 1)) out.push(i);
  return out;
};

// Each type's phrases normalized once (a kit keeps its types for the life of the process), not
// once per tip read: with 20 types and some 200 phrases that was most of detectIncidents' time.
const normalizedPhrases = new WeakMap<IncidentType, string[]>();
function phrasesOf(t: IncidentType): string[] {
  let ps = normalizedPhrases.get(t);
  if (!ps) normalizedPhrases.set(t, (ps = t.phrases.map(normalizeNumbers)));
  return ps;
}

/** Incident types found in the text, strongest first; only those scoring at least 1. */
export function detectIncidents(text: string, types: IncidentType[]): IncidentHit[] {
  const norm = normalizeNumbers(text);
  const hits: IncidentHit[] = [];
  for (const t of types) {
    let score = 0;
    const words: string[] = [];
    const normalized = phrasesOf(t);
    for (const [i, p] of t.phrases.entries()) {
      if (norm.includes(normalized[i])) {
        score += 2;
        words.push(p);
      }
    }
    let bare = false;
    for (const s of t.subjects) {
      const at = occurrences(norm, s);
      if (!at.length) continue;
      const fault = t.faults.find((f) =>
        occurrences(norm, f).some((j) => at.some((i) => j >= i - WINDOW && j <= i + s.length + WINDOW && (j < i || j >= i + s.length))),
      );
      if (fault) {
        score += 1.5;
        words.push(s, fault);
      } else if (!bare) {
        bare = true;
        score += 0.5;
        words.push(s);
      }
    }
    if (score >= 1) hits.push({ code: t.code, label: t.label, score, words: [...new Set(words)] });
  }
  return hits.sort((a, b) => b.score - a.score);
}
