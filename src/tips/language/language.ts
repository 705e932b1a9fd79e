import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Category } from '../../generated/prisma/enums.js';
import { gazetteerSchema, type Gazetteer } from './gazetteer.js';
import { defaultIncidentTypes } from './incidents.data.js';
import { detectIncidents, type IncidentHit, type IncidentType } from './incidents.js';
import { buildPlaceIndex, extractPlace, newsroomPlaceSchema, type Location, type NewsroomPlace, type PlaceIndex } from './places.js';
import type { TipFeatures } from './related.js';
import { createSegmenter, lazySegmenter, type Segmenter, type UserWord } from './segmenter.js';
import { normalizeNumbers } from './numbers.js';
import { classifierFeaturesOf, contentWordsOf, indexTokensOf } from './tokens.js';

// Everything the language pieces need, built once per process and passed in (Deps).

export interface LanguageData {
  gazetteer: Gazetteer;
  places: NewsroomPlace[];
  incidents: IncidentType[];
}

const dataFile = (name: string) => new URL(`./data/${name}`, import.meta.url);

/**
 * Reads the committed data files for a city (GAZETTEER_CITY). Call at start-up, not import;
 * merge the editors' own places (mergePlaces) before building the kit.
 */
export function loadLanguageData(city = '大同市'): LanguageData {
  const gazetteer = gazetteerSchema.parse(JSON.parse(readFileSync(dataFile(`gazetteer.${city}.json`), 'utf8')));
  const places = z.array(newsroomPlaceSchema).parse(JSON.parse(readFileSync(dataFile('places.newsroom.json'), 'utf8')));
  return { gazetteer, places, incidents: defaultIncidentTypes };
}

export const seedTipSchema = z.object({ id: z.string(), label: z.enum(Category), text: z.string().min(1) });
export type SeedTip = z.infer<typeof seedTipSchema>;

/**
 * Tips written for the section classifier from the paper's world (data/categories.seed.json),
 * in everyday words rather than the phrase rules' stock words. The classifier learns from them
 * and from the editors' filed tips, so it is useful before the desk has many decisions.
 */
export function loadCategorySeed(): SeedTip[] {
  return z.array(seedTipSchema).parse(JSON.parse(readFileSync(dataFile('categories.seed.json'), 'utf8')));
}

export interface LanguageKit {
  segmenter: Segmenter;
  places: PlaceIndex;
  incidents: IncidentType[];
}

// Newsroom words jieba's dictionary splits badly.
const NEWSROOM_WORDS = [
  '楼道灯',
  '声控灯',
  '井盖',
  '窨井盖',
  '暖气片',
  '物业',
  '物业费',
  '供热公司',
  '热力公司',
  '居委会',
  '网格员',
  '社工站',
  '困梯',
  '停暖',
  '跑水',
  '义诊',
  '广场舞',
];

export function createLanguageKit(data: LanguageData, segmenter?: Segmenter): LanguageKit {
  const places = buildPlaceIndex(data.gazetteer, data.places);
  const userWords: UserWord[] = [
    ...places.surfaces.map((word) => ({ word, tag: 'ns' })),
    ...data.incidents.flatMap((t) => t.phrases.map((word) => ({ word, tag: 'v' }))),
    ...NEWSROOM_WORDS.map((word) => ({ word })),
  ];
  return { segmenter: segmenter ?? lazySegmenter(() => createSegmenter(userWords)), places, incidents: data.incidents };
}

export interface TipAnalysis extends TipFeatures {
  words: string[];
  location: Location;
  incidents: IncidentHit[];
  /** For the tip's GIN-indexed search column. */
  searchTokens: string[];
}

/** One pass over a tip: its words, location, incident types and search tokens. */
export function analyzeTip(kit: LanguageKit, text: string, opts: { suppliedLocation?: string | null; receivedAt: Date }): TipAnalysis {
  const { classifierFeatures: _, ...analysis } = analyzeText(kit, text, opts);
  return analysis;
}

/**
 * analyzeTip and the classifier's features (classifierFeatures) from one normalization and one
 * segmentation of the text: the words, the search tokens and the features all start from the
 * same segmented words, and jieba is most of a reading's language CPU (tip.read).
 */
export function analyzeText(
  kit: LanguageKit,
  text: string,
  opts: { suppliedLocation?: string | null; receivedAt: Date },
): TipAnalysis & { classifierFeatures: () => string[] } {
  const norm = normalizeNumbers(text);
  const words = contentWordsOf(kit.segmenter, norm);
  return {
    words,
    location: extractPlace(text, kit.places, opts.suppliedLocation),
    incidents: detectIncidents(text, kit.incidents),
    searchTokens: indexTokensOf(words, norm),
    receivedAt: opts.receivedAt,
    // Only needed once a classifier is stored.
    classifierFeatures: () => classifierFeaturesOf(words, norm),
  };
}
