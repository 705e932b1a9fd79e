import type pg from 'pg';
import type { Tx } from '../db/prisma.js';
import type { Category } from '../generated/prisma/enums.js';
import { suggestCategory, type Rule } from './categorize.js';
import { blendSuggestion } from './language/classifier.js';
import type { IncidentHit } from './language/incidents.js';
import type { TipAnalysis } from './language/language.js';
import { placeKey, type Location } from './language/places.js';
import { mostRelated, type TipFeatures } from './language/related.js';
import type { LanguageService } from './language-service.js';
import type { CandidateRow } from './sql/features.js';
import { readingCandidates } from './sql/reading.js';

// What the tip.read job (read-tip.job.ts) reads from a tip: its search tokens, incident types, structured location, place
// key, the blended section suggestion, and whether it is likely a duplicate of an open tip.

/** How far apart (days) two tips at one place may be to be compared; same incident type elsewhere: shorter. */
export const SITE_WINDOW_DAYS = 14;
export const INCIDENT_WINDOW_DAYS = 3;

/** What candidates are found by: the community when known (an estate's tips and its community's meet), else the estate, landmark or road. */
export const siteKeyOf = (loc: Pick<Location, 'community' | 'estate' | 'landmark' | 'road'>) =>
  loc.community ?? placeKey({ ...loc, building: null, district: null, street: null, unit: null, words: [], source: 'none' }).site;

/** The types that decide agreement (see incidentAgreement): strong ones, and the first. */
export const storedIncidentTypes = (hits: IncidentHit[]) => hits.filter((h, i) => h.score >= 1.5 || i === 0).map((h) => h.code);

export function locationColumns(loc: Location) {
  return {
    locDistrict: loc.district,
    locStreet: loc.street,
    locCommunity: loc.community,
    locEstate: loc.estate,
    locRoad: loc.road,
    locLandmark: loc.landmark,
    locBuilding: loc.building,
    locUnit: loc.unit,
    locationWords: loc.words,
    locationSource: loc.source,
    siteKey: siteKeyOf(loc),
  };
}

export function locationOfRow(r: Omit<CandidateRow, 'id' | 'reference' | 'status' | 'created_at' | 'content_words' | 'incident_types'>): Location {
  return {
    district: r.loc_district,
    street: r.loc_street,
    community: r.loc_community,
    estate: r.loc_estate,
    road: r.loc_road,
    landmark: r.loc_landmark,
    building: r.loc_building,
    unit: r.loc_unit,
    words: r.location_words ?? [],
    source: (r.location_source as Location['source'] | null) ?? 'none',
  };
}

/** A stored tip as the scorer sees it; stored types all count as strong (only strong ones are stored). */
export function featuresOfRow(r: CandidateRow): TipFeatures & { id: string; reference: string; status: string } {
  return {
    id: r.id,
    reference: r.reference,
    status: r.status,
    words: r.content_words ?? [],
    location: locationOfRow(r),
    incidents: (r.incident_types ?? []).map((code) => ({ code, label: code, score: 2, words: [] })),
    receivedAt: r.created_at,
  };
}

export interface BlendedForTip {
  category: Category;
  confidence: number;
  terms: string[];
  modelVersion: number | null;
}

/**
 * The phrase rules and the stored classifier, blended (the rules lead while the model has seen few
 * tips). `features` gives the text's classifierFeatures: analyzeText's, from the segmentation the
 * reading already made.
 */
export async function suggestForText(
  db: Tx,
  lang: LanguageService,
  text: string,
  features: () => string[],
  rules: Rule[],
): Promise<BlendedForTip | null> {
  const byRules = suggestCategory(text, rules);
  const stored = await lang.model(db);
  // Before the first training the phrase rules speak alone, with their own confidence.
  if (!stored) return byRules && { category: byRules.category, confidence: byRules.confidence, terms: byRules.terms, modelVersion: null };
  const blended = blendSuggestion(stored.model, features(), byRules);
  if (!blended) return null;
  return {
    category: blended.category,
    confidence: blended.confidence,
    terms: byRules && byRules.category === blended.category ? byRules.terms : [],
    modelVersion: blended.modelWeight > 0 ? stored.version : null,
  };
}

export interface LikelyDuplicate {
  id: string;
  reference: string;
  score: number;
}

/** The open tip this one most likely repeats, if any (the related-tips view scores alike: src/triage/related.ts). */
export async function likelyDuplicateOf(pool: pg.Pool, tipId: string, a: TipAnalysis): Promise<LikelyDuplicate | null> {
  const { candidates, df } = await readingCandidates(pool, {
    excludeId: tipId,
    siteKey: siteKeyOf(a.location),
    incidentTypes: storedIncidentTypes(a.incidents),
    at: a.receivedAt,
    siteWindowDays: SITE_WINDOW_DAYS,
    incidentWindowDays: INCIDENT_WINDOW_DAYS,
    words: a.words,
  });
  if (!candidates.length) return null;
  const top = mostRelated(a, candidates, df);
  return top?.likelyDuplicate ? { id: top.tip.id, reference: top.tip.reference, score: top.score } : null;
}
