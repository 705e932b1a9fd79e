import type { Deps } from '../deps.js';
import { isUniqueViolation } from '../db/prisma.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { audit } from '../audit/audit.js';
import type { PlaceCreate } from './places.schema.js';
import { seedLanguageData } from '../tips/language-service.js';

// The newsroom's places list: editors and admins extend it from the dashboard; place reading
// (the LanguageKit) is rebuilt at once in this process, and within a minute in the others.

const select = { id: true, name: true, kind: true, aliases: true, community: true, street: true, district: true, createdAt: true } as const;
type Row = {
  id: string;
  name: string;
  kind: string;
  aliases: string[];
  community: string | null;
  street: string | null;
  district: string | null;
  createdAt: Date;
};
const view = (r: Row) => ({ ...r, aliases: r.aliases ?? [], createdAt: r.createdAt.toISOString() });

export function placesService(deps: Pick<Deps, 'prisma' | 'clock' | 'language' | 'config'>) {
  const { prisma, clock, language } = deps;
  return {
    async list() {
      // The shipped list becomes rows the first time, so deleting one of them works too.
      await seedLanguageData(prisma, deps.config.GAZETTEER_CITY);
      const rows = await prisma.newsroomPlace.findMany({ select, orderBy: [{ kind: 'asc' }, { name: 'asc' }] });
      return { places: rows.map(view) };
    },

    async create(actor: AuthUser, input: PlaceCreate) {
      const now = clock.now();
      await seedLanguageData(prisma, deps.config.GAZETTEER_CITY);
      try {
        const place = await prisma.$transaction(async (tx) => {
          const r = await tx.newsroomPlace.create({
            data: {
              ...input,
              community: input.community || null,
              street: input.street || null,
              district: input.district || null,
              createdAt: now,
              updatedAt: now,
            },
            select,
          });
          await audit(tx, { tipId: null, actorId: actor.id, action: 'place.created', after: view(r), at: now });
          return r;
        });
        language.placesChanged();
        return { place: view(place) };
      } catch (e) {
        if (isUniqueViolation(e)) throw new AppError('CONFLICT', 'That place is already on the list', { reason: 'duplicate_place' });
        throw e;
      }
    },

    async remove(actor: AuthUser, id: string) {
      const now = clock.now();
      await prisma.$transaction(async (tx) => {
        const before = await tx.newsroomPlace.findUnique({ where: { id }, select });
        if (!before) throw AppError.notFound('Place');
        await tx.newsroomPlace.delete({ where: { id } });
        await audit(tx, { tipId: null, actorId: actor.id, action: 'place.deleted', before: view(before), at: now });
      });
      language.placesChanged();
    },
  };
}
