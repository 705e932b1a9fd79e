import type { IncidentHit } from './incidents.js';
import { placeKey, type Location } from './places.js';

/**
 * Document frequencies of words over the desk's own tips. The DB layer feeds it from a
 * table (token, df) kept up to date as tips arrive; docFreqFromLists serves tests and evals.
 */
export interface DocFreq {
  /** How many tips the frequencies were counted over. */
  docCount: number;
  /** In how many of those tips the word occurs (0 if never). */
  df(word: string): number;
}

export function docFreqFromLists(lists: string[][]): DocFreq {
  const counts = new Map<string, number>();
  for (const l of lists) for (const w of new Set(l)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return { docCount: lists.length, df: (w) => counts.get(w) ?? 0 };
}

/** What the scorer needs of a tip; see analyzeTip in language.ts. */
export interface TipFeatures {
  /** Content words (contentWords), place words included. */
  words: string[];
  location: Location;
  incidents: IncidentHit[];
  receivedAt: Date;
}

export interface Relatedness {
  /** 0..1. */
  score: number;
  likelyDuplicate: boolean;
  /** For the editor, in display order: 同一地点 · 同类事件 · 相似用词 (and 时间相近). */
  reasons: string[];
  /** What speaks against: 不同楼栋, 不同地点, 不同事件. */
  against: string[];
  parts: { place: number; incident: number; words: number; time: number };
}

export interface RelatedOptions {
  /** Weights of the four parts; tuned on the dev split of test/fixtures/duplicates.labelled.json. */
  weights?: { place: number; incident: number; words: number; time: number };
  /** Score from which a pair is flagged as a likely duplicate. */
  threshold?: number;
  /** Days over which closeness in time halves. */
  halfLifeDays?: number;
}

export const defaultRelatedOptions: Required<RelatedOptions> = {
  weights: { place: 0.3, incident: 0.3, words: 0.3, time: 0.1 },
  threshold: 0.55,
  halfLifeDays: 7,
};

/** -1 (different places) … 1 (same estate or community and same building). */
export function placeAgreement(a: Location, b: Location): number {
  const ka = placeKey(a);
  const kb = placeKey(b);
  if (!ka.site || !kb.site) return 0;
  if (ka.site !== kb.site) {
    // 柳航里 the estate and 柳航里社区 the community are the same place.
    if (a.community && a.community === b.community) return ka.building && ka.building === kb.building ? 0.8 : 0.2;
    // The same crossing or landmark, named from another of its roads.
    const named = (l: Location) => l.words.filter((w) => !/^\d/.test(w) && w !== a.estate && w !== b.estate);
    if (named(a).some((w) => named(b).includes(w))) return 0.5;
    return -1;
  }
  if (ka.building && kb.building) return ka.building === kb.building ? 1 : -0.8;
  if (a.unit && b.unit && a.unit !== b.unit) return -0.3;
  return 0.5;
}

/** 1 when the main incident types agree, -1 when both tips have one and they differ. */
export function incidentAgreement(a: IncidentHit[], b: IncidentHit[]): number {
  const strong = (hs: IncidentHit[]) => hs.filter((h) => h.score >= 1.5 || h === hs[0]).map((h) => h.code);
  const sa = strong(a);
  const sb = strong(b);
  if (!sa.length || !sb.length) return 0;
  if (sa[0] === sb[0]) return 1;
  if (sa.some((c) => sb.includes(c))) return 0.6;
  return -1;
}

/** Cosine of the two tips' words, each weighted by BM25's rarity (idf) over the desk's tips. */
export function wordSimilarity(a: string[], b: string[], df: DocFreq, exclude: Set<string> = new Set()): number {
  const n = Math.max(df.docCount, 1);
  const idf = (w: string) => {
    const d = Math.min(df.df(w), n);
    return Math.log(1 + (n - d + 0.5) / (d + 0.5));
  };
  const vec = (ws: string[]) => {
    const v = new Map<string, number>();
    for (const w of ws) if (!exclude.has(w)) v.set(w, (v.get(w) ?? 0) + 1);
    // Sublinear term frequency: a word said three times is not three times the evidence.
    for (const [w, tf] of v) v.set(w, (1 + Math.log(tf)) * idf(w));
    return v;
  };
  const va = vec(a);
  const vb = vec(b);
  let dot = 0;
  for (const [w, x] of va) dot += x * (vb.get(w) ?? 0);
  const norm = (v: Map<string, number>) => Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0));
  const d = norm(va) * norm(vb);
  return d ? dot / d : 0;
}

const daysApart = (a: TipFeatures, b: TipFeatures) => Math.abs(a.receivedAt.getTime() - b.receivedAt.getTime()) / 86_400_000;

/** The score from its parts (`words` already capped at 1), rounded: never more when a part is less (mostRelated relies on it). */
function scoreOf(w: Required<RelatedOptions>['weights'], place: number, incident: number, words: number, time: number): number {
  // place and incident are in -1..1; mapped so that "unknown" sits in the middle.
  const raw = w.place * ((place + 1) / 2) + w.incident * ((incident + 1) / 2) + w.words * words + w.time * time;
  const total = w.place + w.incident + w.words + w.time;
  return Math.round((raw / total) * 1000) / 1000;
}

/**
 * How likely two tips are about the same incident. Place and incident type can count for or
 * against; rare shared words and closeness in time only for.
 */
export function relatedness(a: TipFeatures, b: TipFeatures, df: DocFreq, opts: RelatedOptions = {}): Relatedness {
  const o = { ...defaultRelatedOptions, ...opts };
  const w = o.weights;
  const place = placeAgreement(a.location, b.location);
  const incident = incidentAgreement(a.incidents, b.incidents);
  // Place words already count in `place`; counting them again would link every tip of an estate.
  const exclude = new Set([...a.location.words, ...b.location.words]);
  const words = wordSimilarity(a.words, b.words, df, exclude);
  const days = daysApart(a, b);
  const time = Math.pow(0.5, days / o.halfLifeDays);
  const score = scoreOf(w, place, incident, Math.min(1, words * 1.5), time);
  const reasons: string[] = [];
  const against: string[] = [];
  if (place >= 0.5) reasons.push('同一地点');
  else if (place <= -0.8) against.push(place === -1 ? '不同地点' : '不同楼栋');
  if (incident >= 0.6) reasons.push('同类事件');
  else if (incident < 0) against.push('不同事件');
  if (words >= 0.2) reasons.push('相似用词');
  if (days <= 2) reasons.push('时间相近');
  return {
    score,
    likelyDuplicate: score >= o.threshold && place > -0.8 && incident >= 0,
    reasons,
    against,
    parts: { place, incident, words: Math.round(words * 1000) / 1000, time: Math.round(time * 1000) / 1000 },
  };
}

/** The k most related candidates, best first (the inbox shows three). */
export function rankRelated<T extends TipFeatures>(tip: TipFeatures, candidates: T[], df: DocFreq, k = 3, opts: RelatedOptions = {}) {
  return candidates
    .map((c) => ({ tip: c, ...relatedness(tip, c, df, opts) }))
    .sort((x, y) => y.score - x.score)
    .slice(0, k);
}

/**
 * The most related candidate: rankRelated(tip, candidates, df, 1)[0] (of equal scores the first).
 * A candidate whose score could not beat the best so far even with every word shared is not
 * compared word by word (the costly part): the score only grows with each part, so it could not
 * come first.
 */
export function mostRelated<T extends TipFeatures>(tip: TipFeatures, candidates: T[], df: DocFreq, opts: RelatedOptions = {}) {
  const o = { ...defaultRelatedOptions, ...opts };
  let best: (Relatedness & { tip: T }) | undefined;
  for (const c of candidates) {
    if (best) {
      const time = Math.pow(0.5, daysApart(tip, c) / o.halfLifeDays);
      const most = scoreOf(o.weights, placeAgreement(tip.location, c.location), incidentAgreement(tip.incidents, c.incidents), 1, time);
      if (most <= best.score) continue;
    }
    const r = relatedness(tip, c, df, opts);
    if (!best || r.score > best.score) best = { tip: c, ...r };
  }
  return best;
}
