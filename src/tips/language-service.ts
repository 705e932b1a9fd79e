import type { Clock } from '../clock.js';
import type { Tx } from '../db/prisma.js';
import { rulesOrDefaults, type Rule } from './categorize.js';
import { nbModelSchema, type NbModel } from './language/classifier.js';
import { incidentTypeSchema, type IncidentType } from './language/incidents.js';
import { createLanguageKit, loadLanguageData, type LanguageData, type LanguageKit } from './language/language.js';
import { newsroomPlaceSchema, placeKinds, type NewsroomPlace } from './language/places.js';

// One LanguageKit per process (jieba with the newsroom's places as its user dictionary, the
// place index, the incident types), built on first use and passed around through Deps. Places
// and incident types are rows editors change; the kit is rebuilt when they do: at once in the
// process that made the change (placesChanged), and in other processes when a cheap stamp
// query, run at most every STAMP_CHECK_MS, sees the tables move. The classifier is handled alike.

const STAMP_CHECK_MS = 30_000;

export interface StoredModel {
  version: number;
  model: NbModel;
}

export interface LanguageService {
  /** The kit for the current places and incident types. */
  kit(db: Tx): Promise<LanguageKit>;
  /** The newest stored classifier, or null before the first training. */
  model(db: Tx): Promise<StoredModel | null>;
  /**
   * The active phrase rules: those read last while `fingerprint` (of the rules as they are now,
   * read with the tip: readingTexts) is theirs, else `load`'s.
   */
  rules(fingerprint: string | null, load: () => Promise<{ fingerprint: string | null; rules: Rule[] }>): Promise<Rule[]>;
  /** Call after changing newsroom_place or incident_type rows. */
  placesChanged(): void;
  /** Call after storing a new category_model row. */
  modelChanged(): void;
}

/** The shipped lists as rows: newsroom_place and incident_type start from them (like the category rules). */
export async function seedLanguageData(db: Tx, city: string): Promise<{ places: number; incidents: number }> {
  const data = loadLanguageData(city);
  let places = 0;
  let incidents = 0;
  if ((await db.newsroomPlace.count()) === 0) {
    places = (await db.newsroomPlace.createMany({ data: data.places.map(placeRow), skipDuplicates: true })).count;
  }
  if ((await db.incidentType.count()) === 0) {
    incidents = (await db.incidentType.createMany({ data: data.incidents, skipDuplicates: true })).count;
  }
  return { places, incidents };
}

export const placeRow = (p: NewsroomPlace) => ({
  name: p.name,
  kind: p.kind,
  aliases: p.aliases ?? [],
  community: p.community ?? null,
  street: p.street ?? null,
  district: p.district ?? null,
});

type PlaceRow = Omit<ReturnType<typeof placeRow>, 'kind'> & { kind: string };
export const placeOfRow = (r: PlaceRow): NewsroomPlace =>
  newsroomPlaceSchema.parse({
    name: r.name,
    kind: (placeKinds as readonly string[]).includes(r.kind) ? r.kind : 'landmark',
    ...(r.aliases?.length ? { aliases: r.aliases.filter((a) => a.length >= 2) } : {}),
    ...(r.community ? { community: r.community } : {}),
    ...(r.street ? { street: r.street } : {}),
    ...(r.district ? { district: r.district } : {}),
  });

async function placesStamp(db: Tx): Promise<string> {
  const rows = await db.$queryRaw<{ stamp: string }[]>`
    SELECT concat_ws('/', (SELECT count(*) FROM newsroom_place), (SELECT max(updated_at) FROM newsroom_place),
                          (SELECT count(*) FROM incident_type), (SELECT max(updated_at) FROM incident_type)) AS stamp`;
  return rows[0]?.stamp ?? '';
}

export function createLanguageService(opts: { city: string; clock: Clock }): LanguageService {
  let shipped: LanguageData | undefined;
  let kit: { value: Promise<LanguageKit>; stamp: string; checkedAt: number } | undefined;
  let model: { value: StoredModel | null; checkedAt: number } | undefined;
  // Read again whenever they change, wherever that happened: rules are rows admins edit.
  let rules: { fingerprint: string | null; rules: Rule[] } | undefined;
  let placesDirty = false;
  let modelDirty = false;
  const now = () => opts.clock.now().getTime();

  async function build(db: Tx): Promise<LanguageKit> {
    shipped ??= loadLanguageData(opts.city);
    const [placeRows, typeRows] = await Promise.all([db.newsroomPlace.findMany(), db.incidentType.findMany()]);
    // Before the tables are seeded (tests, a fresh database) the shipped lists serve; once seeded,
    // only the active types (every type may have been deactivated).
    const places = placeRows.length ? placeRows.map(placeOfRow) : shipped.places;
    const incidents: IncidentType[] = typeRows.length
      ? typeRows
          .filter((r) => r.active)
          .map((r) => incidentTypeSchema.parse({ code: r.code, label: r.label, phrases: r.phrases, subjects: r.subjects, faults: r.faults }))
      : shipped.incidents;
    return createLanguageKit({ gazetteer: shipped.gazetteer, places, incidents });
  }

  return {
    async kit(db) {
      const t = now();
      if (kit && !placesDirty && t - kit.checkedAt < STAMP_CHECK_MS) return kit.value;
      const stamp = await placesStamp(db);
      if (!kit || placesDirty || stamp !== kit.stamp) {
        placesDirty = false;
        const value = build(db);
        kit = { value, stamp, checkedAt: t };
        // A failed build is not cached.
        value.catch(() => {
          if (kit?.value === value) kit = undefined;
        });
      } else kit.checkedAt = t;
      return kit.value;
    },

    async model(db) {
      const t = now();
      if (model && !modelDirty && t - model.checkedAt < STAMP_CHECK_MS) return model.value;
      modelDirty = false;
      const row = await db.categoryModel.findFirst({ orderBy: { version: 'desc' }, select: { version: true, model: true } });
      const parsed = row ? nbModelSchema.safeParse(row.model) : null;
      model = { value: row && parsed?.success ? { version: row.version, model: parsed.data } : null, checkedAt: t };
      return model.value;
    },

    async rules(fingerprint, load) {
      if (rules && rules.fingerprint === fingerprint) return rules.rules;
      const loaded = await load();
      rules = { fingerprint: loaded.fingerprint, rules: rulesOrDefaults(loaded.rules) };
      return rules.rules;
    },

    placesChanged() {
      placesDirty = true;
    },
    modelChanged() {
      modelDirty = true;
    },
  };
}
