import type { Prisma } from '../db/prisma.js';
import { siteKeyOf } from '../tips/understand.js';
import type { PLACE_FIELDS } from './triage.schema.js';

// The tip's structured location as the API shows it, and the editor's correction of it.

type Field = (typeof PLACE_FIELDS)[number];
type LocColumn = 'locDistrict' | 'locStreet' | 'locCommunity' | 'locEstate' | 'locRoad' | 'locLandmark' | 'locBuilding' | 'locUnit';
const COLUMN: Record<Field, LocColumn> = {
  district: 'locDistrict',
  street: 'locStreet',
  community: 'locCommunity',
  estate: 'locEstate',
  road: 'locRoad',
  landmark: 'locLandmark',
  building: 'locBuilding',
  unit: 'locUnit',
};
const FIELDS = Object.keys(COLUMN) as Field[];

export const placeSelect = {
  locDistrict: true,
  locStreet: true,
  locCommunity: true,
  locEstate: true,
  locRoad: true,
  locLandmark: true,
  locBuilding: true,
  locUnit: true,
  locationWords: true,
  locationSource: true,
  locationEdited: true,
} as const;

type PlaceColumns = { [K in keyof typeof placeSelect]: K extends 'locationWords' ? string[] : K extends 'locationEdited' ? boolean : string | null };

export function placeView(t: PlaceColumns | null) {
  const out = Object.fromEntries(FIELDS.map((f) => [f, t?.[COLUMN[f]] ?? null])) as Record<Field, string | null>;
  return { ...out, words: t?.locationWords ?? [], source: t?.locationSource ?? null, edited: t?.locationEdited ?? false };
}

/**
 * The update for an editor's correction: the given fields replace the read ones, the place key
 * follows, and the tip is marked edited so nothing reads it over again.
 */
export function placeCorrection(current: PlaceColumns, patch: Partial<Record<Field, string | null | undefined>>) {
  const before = placeView(current);
  const next = { ...before };
  for (const f of FIELDS) if (patch[f] !== undefined) next[f] = patch[f] || null;
  const changed = FIELDS.some((f) => next[f] !== before[f]);
  if (!changed) return null;
  const data: Prisma.TipUncheckedUpdateManyInput = Object.fromEntries(FIELDS.map((f) => [COLUMN[f], next[f]]));
  data.siteKey = siteKeyOf(next);
  data.locationSource = 'editor';
  data.locationEdited = true;
  const pick = (v: Record<Field, string | null>) => Object.fromEntries(FIELDS.map((f) => [f, v[f]]));
  return { data, before: pick(before), after: pick(next) };
}
