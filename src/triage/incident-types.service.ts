import type { Deps } from '../deps.js';
import { isUniqueViolation, type Tx } from '../db/prisma.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { audit } from '../audit/audit.js';
import type { IncidentTypeCreate, IncidentTypePatch } from './incident-types.schema.js';
import { seedLanguageData } from '../tips/language-service.js';

// The incident taxonomy as editable data (table incident_type, seeded from
// language/incidents.data.ts like the category rules). Editors and admins add types, change
// their synonyms and deactivate them; the LanguageKit that reads tips is rebuilt at once in this
// process and, through its stamp query, within 30 s in the others. Types are deactivated, never
// deleted: tips already read keep their codes, and a type can come back.

const select = { code: true, label: true, phrases: true, subjects: true, faults: true, active: true, updatedAt: true } as const;
type Row = { code: string; label: string; phrases: string[]; subjects: string[]; faults: string[]; active: boolean; updatedAt: Date };
const view = (r: Row) => ({ ...r, updatedAt: r.updatedAt.toISOString() });

/** Synonyms as typed, without blanks or repeats. */
const tidy = (ws: string[] | undefined) => (ws ? [...new Set(ws.map((w) => w.trim()).filter(Boolean))] : undefined);

export function incidentTypesService(deps: Pick<Deps, 'prisma' | 'clock' | 'language' | 'config'>) {
  const { prisma, clock, language } = deps;
  // The shipped taxonomy becomes rows the first time, so its types can be edited too.
  const seeded = () => seedLanguageData(prisma, deps.config.GAZETTEER_CITY);

  async function change(actor: AuthUser, code: string, action: string, write: (tx: Tx, now: Date) => Promise<Row>) {
    const now = clock.now();
    await seeded();
    const after = await prisma.$transaction(async (tx) => {
      const before = await tx.incidentType.findUnique({ where: { code }, select });
      if (!before) throw AppError.notFound('Incident type');
      const r = await write(tx, now);
      await audit(tx, { tipId: null, actorId: actor.id, action, before: view(before), after: view(r), at: now });
      return r;
    });
    language.placesChanged();
    return { incidentType: view(after) };
  }

  return {
    async list() {
      await seeded();
      const rows = await prisma.incidentType.findMany({ select, orderBy: [{ active: 'desc' }, { code: 'asc' }] });
      return { incidentTypes: rows.map(view) };
    },

    async create(actor: AuthUser, input: IncidentTypeCreate) {
      const now = clock.now();
      await seeded();
      try {
        const row = await prisma.$transaction(async (tx) => {
          const r = await tx.incidentType.create({
            data: {
              code: input.code,
              label: input.label,
              phrases: tidy(input.phrases)!,
              subjects: tidy(input.subjects)!,
              faults: tidy(input.faults)!,
              updatedAt: now,
            },
            select,
          });
          await audit(tx, { tipId: null, actorId: actor.id, action: 'incident_type.created', after: view(r), at: now });
          return r;
        });
        language.placesChanged();
        return { incidentType: view(row) };
      } catch (e) {
        if (isUniqueViolation(e)) throw new AppError('CONFLICT', 'An incident type with that code exists', { reason: 'duplicate_incident_type' });
        throw e;
      }
    },

    update(actor: AuthUser, code: string, patch: IncidentTypePatch) {
      const action =
        patch.active === false ? 'incident_type.deactivated' : patch.active === true ? 'incident_type.reactivated' : 'incident_type.updated';
      return change(actor, code, action, (tx, now) =>
        tx.incidentType.update({
          where: { code },
          data: {
            label: patch.label,
            phrases: tidy(patch.phrases),
            subjects: tidy(patch.subjects),
            faults: tidy(patch.faults),
            active: patch.active,
            updatedAt: now,
          },
          select,
        }),
      );
    },

    deactivate(actor: AuthUser, code: string) {
      return change(actor, code, 'incident_type.deactivated', (tx, now) =>
        tx.incidentType.update({ where: { code }, data: { active: false, updatedAt: now }, select }),
      );
    },
  };
}
