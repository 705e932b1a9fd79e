import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { loadRaw } from '../channels/submissions.js';
import type { AuthUser } from '../users/users.schema.js';
import { recordAccess } from './access-log.js';
import { heldAbout } from './find-tipster.js';
import { tipsterById } from './sql.js';

/** A tipster's data as one JSON document (PIPL access request), raw submissions included as base64. */
export async function exportTipster(deps: Pick<Deps, 'prisma' | 'clock'>, viewer: AuthUser, id: string) {
  const t = await tipsterById(deps.prisma, id);
  if (!t) throw AppError.notFound('Tipster');
  const held = await heldAbout(deps.prisma, t);
  for (const s of held.submissions) {
    if (s.rawBytes !== null) s.raw = (await loadRaw(deps.prisma, s.id))?.toString('base64');
  }
  const at = deps.clock.now();
  await recordAccess(deps.prisma, { userId: viewer.id, tipsterId: t.id, purpose: 'tipster.export', at });
  return { ...held, exportedAt: at.toISOString() };
}
