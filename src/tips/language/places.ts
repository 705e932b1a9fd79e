import { z } from 'zod';
import { bareName, type Gazetteer } from './gazetteer.js';
import { normalizeNumbers } from './numbers.js';

// Place extraction: which district, street, community, estate, building and unit a tip is
// about. Official names come from the gazetteer; estates (小区), roads and landmarks from the
// newsroom list (data/places.newsroom.json), which editors extend (rows merged in, see mergePlaces).

export const placeKinds = ['estate', 'road', 'landmark'] as const;
export const newsroomPlaceSchema = z.object({
  name: z.string().min(2),
  kind: z.enum(placeKinds),
  aliases: z.array(z.string().min(2)).optional(),
  /** The community (short form, 柳航里社区) the place belongs to, when known. */
  community: z.string().optional(),
  street: z.string().optional(),
  district: z.string().optional(),
});
export type NewsroomPlace = z.infer<typeof newsroomPlaceSchema>;

/** Later lists win by name: the editors' rows override the shipped list, and can add aliases. */
export function mergePlaces(...lists: NewsroomPlace[][]): NewsroomPlace[] {
  const byName = new Map<string, NewsroomPlace>();
  for (const list of lists) for (const p of list) byName.set(p.name, p);
  return [...byName.values()];
}

export interface Location {
  district: string | null;
  street: string | null;
  /** Short form, 柳航里社区. */
  community: string | null;
  /** Newsroom estate name, 柳航里 or 幸福小区. */
  estate: string | null;
  road: string | null;
  landmark: string | null;
  /** Building number as written after normalization: "3", or a letter for A座. */
  building: string | null;
  unit: string | null;
  /** The words of the text (or supplied label) the location was read from. */
  words: string[];
  source: 'text' | 'supplied' | 'both' | 'none';
}

type Kind = 'district' | 'street' | 'community' | 'estate' | 'road' | 'landmark';
interface Entry {
  surface: string;
  kind: Kind;
  /** Canonical name for its kind. */
  name: string;
  district?: string;
  street?: string;
  community?: string;
  /** 2-character bare names (和信, 万城) count only before a number or a place word. */
  needsContext?: boolean;
}

export interface PlaceIndex {
  /** Surfaces by first character, longest first. */
  byFirst: Map<string, Entry[]>;
  /** Every surface, for the segmenter's user dictionary. */
  surfaces: string[];
}

// Priority when one surface names two things: the newsroom's own list first.
const RANK: Record<Kind, number> = { estate: 6, landmark: 5, road: 4, community: 3, street: 2, district: 1 };

export function buildPlaceIndex(gaz: Gazetteer, places: NewsroomPlace[]): PlaceIndex {
  const entries = new Map<string, Entry>();
  const add = (e: Entry) => {
    const surface = normalizeNumbers(e.surface);
    const prev = entries.get(surface);
    if (!prev || RANK[e.kind] > RANK[prev.kind]) entries.set(surface, { ...e, surface });
  };
  for (const d of gaz.districts) {
    add({ surface: d.name, kind: 'district', name: d.name, district: d.name });
    const bare = bareName(d.name);
    if (bare) add({ surface: bare, kind: 'district', name: d.name, district: d.name, needsContext: [...bare].length < 3 });
    for (const s of d.streets) {
      add({ surface: s.name, kind: 'street', name: s.name, district: d.name, street: s.name });
      for (const c of s.communities) {
        const ref = { kind: 'community' as const, name: c.short, district: d.name, street: s.name, community: c.short };
        add({ ...ref, surface: c.short });
        const b = bareName(c.short);
        if (b && c.short.endsWith('社区')) add({ ...ref, surface: b, needsContext: [...b].length < 3 });
      }
    }
  }
  const communityOf = new Map<string, Entry>();
  for (const e of entries.values()) if (e.kind === 'community') communityOf.set(e.name, e);
  for (const p of places) {
    const c = p.community ? communityOf.get(p.community) : undefined;
    const ref = {
      kind: p.kind,
      name: p.name,
      district: p.district ?? c?.district,
      street: p.street ?? c?.street,
      community: p.community,
    };
    const surfaces = [p.name, ...(p.aliases ?? [])];
    // 柳航里 is also said 柳航里小区.
    // and 锦祥小区 is also said 锦祥 (then only before a number or a place word).
    if (p.kind === 'estate')
      for (const s of [...surfaces]) {
        if (!/(小区|院|苑|园|城)$/.test(s)) surfaces.push(`${s}小区`);
        else if (/小区$/.test(s) && [...s].length >= 4) surfaces.push(s.slice(0, -2));
      }
    for (const s of surfaces) add({ ...ref, surface: s, needsContext: [...s].length < 3 && p.kind !== 'landmark' && !/小区$/.test(s) });
  }
  const byFirst = new Map<string, Entry[]>();
  for (const e of entries.values()) {
    const k = e.surface[0];
    byFirst.set(k, [...(byFirst.get(k) ?? []), e]);
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.surface.length - a.surface.length);
  return { byFirst, surfaces: [...entries.keys()] };
}

// What may follow a short bare name for it to count as a place.
const CONTEXT = /^(?:\d|小区|社区|家属院|那|这|楼|院|东|西|南|北|的\d)/;

interface Hit {
  entry: Entry;
  at: number;
}

function scan(norm: string, index: PlaceIndex, label: boolean): Hit[] {
  const hits: Hit[] = [];
  for (let i = 0; i < norm.length;) {
    const cands = index.byFirst.get(norm[i]) ?? [];
    const e = cands.find((c) => norm.startsWith(c.surface, i) && (!c.needsContext || label || CONTEXT.test(norm.slice(i + c.surface.length))));
    if (e) {
      hits.push({ entry: e, at: i });
      i += e.surface.length;
    } else i++;
  }
  return hits;
}

const BUILDING = /(\d+)号楼|(\d+)号(?=\d+单元)|([a-z])座|(\d+)-(\d+)-(\d{3,4})/g;

function emptyLocation(): Location {
  return {
    district: null,
    street: null,
    community: null,
    estate: null,
    road: null,
    landmark: null,
    building: null,
    unit: null,
    words: [],
    source: 'none',
  };
}

// A supplied label (WeChat location, form field) names a place by definition, so its short
// names need no context.
function read(text: string, index: PlaceIndex, label = false): Location {
  const norm = normalizeNumbers(text);
  const loc = emptyLocation();
  const hits = scan(norm, index, label);
  const buildings = [...norm.matchAll(BUILDING)];
  // Of several estates or communities, the one right before a building number, else the first.
  const pick = (kinds: Kind[]) => {
    const hs = hits.filter((h) => kinds.includes(h.entry.kind));
    if (hs.length < 2) return hs[0];
    const near = hs.find((h) => buildings.some((b) => b.index >= h.at && b.index - (h.at + h.entry.surface.length) <= 2));
    return near ?? hs[0];
  };
  const words: string[] = [];
  const use = (h: Hit | undefined) => {
    if (!h) return;
    const e = h.entry;
    words.push(e.surface);
    if (e.kind === 'estate') loc.estate ??= e.name;
    if (e.kind === 'road') loc.road ??= e.name;
    if (e.kind === 'landmark') loc.landmark ??= e.name;
    if (e.kind === 'community') loc.community ??= e.name;
    loc.community ??= e.community ?? null;
    loc.street ??= e.street ?? null;
    loc.district ??= e.district ?? null;
  };
  use(pick(['estate']));
  // A community named apart from the estate only counts when it doesn't contradict it.
  const comm = pick(['community']);
  if (comm && (!loc.community || loc.community === comm.entry.name)) use(comm);
  use(pick(['landmark']));
  use(pick(['road']));
  // Every road and landmark named goes into words: a crossing is told from either road.
  for (const h of hits) if ((h.entry.kind === 'road' || h.entry.kind === 'landmark') && !words.includes(h.entry.surface)) words.push(h.entry.surface);
  for (const kind of ['street', 'district'] as Kind[]) {
    const h = pick([kind]);
    if (h && (kind === 'street' ? !loc.street || loc.street === h.entry.name : !loc.district || loc.district === h.entry.name)) use(h);
  }
  const b = buildings[0];
  if (b) {
    loc.building = b[1] ?? b[2] ?? b[3]?.toUpperCase() ?? b[4];
    if (b[5]) loc.unit = b[5];
    words.push(b[0]);
  }
  const u = /(\d+)单元/.exec(norm);
  if (u && !loc.unit) {
    loc.unit = u[1];
    words.push(u[0]);
  }
  loc.words = words;
  loc.source = words.length ? 'text' : 'none';
  return loc;
}

const FIELDS = ['district', 'street', 'community', 'estate', 'road', 'landmark', 'building', 'unit'] as const;

/**
 * The tip's structured location. A supplied location (a WeChat location label, a form's
 * location field) wins over the text: its fields are kept, and the text only fills the
 * fields it leaves empty, and only when the text speaks of the same place.
 */
export function extractPlace(text: string, index: PlaceIndex, supplied?: string | null): Location {
  const fromText = read(text, index);
  if (!supplied?.trim()) return fromText;
  const fromLabel = read(supplied, index, true);
  if (fromLabel.source === 'none') return fromText;
  const same = !fromText.estate && !fromText.community ? true : fromText.estate === fromLabel.estate || fromText.community === fromLabel.community;
  if (!same) return { ...fromLabel, source: 'supplied' };
  const out = { ...fromLabel, words: [...fromLabel.words] };
  let used = false;
  for (const f of FIELDS) {
    if (out[f] === null && fromText[f] !== null) {
      out[f] = fromText[f];
      used = true;
    }
  }
  if (used) out.words.push(...fromText.words.filter((w) => !out.words.includes(w)));
  out.source = used ? 'both' : 'supplied';
  return out;
}

/** The key two tips must share to be at the same place: estate or community, then building. */
export function placeKey(loc: Location): { site: string | null; building: string | null } {
  return { site: loc.estate ?? loc.community ?? loc.landmark ?? loc.road, building: loc.building };
}
