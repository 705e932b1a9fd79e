import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { audit } from '../audit/audit.js';
import type { AuthUser } from '../users/users.schema.js';
import { eraseTipsters } from './erase.js';
import { lockSenders, tipIdsOf, tipsterById } from './sql.js';

/**
 * A tipster's erasure request: their row, and their contact in every submission, message, job
 * and text of their tips, in one transaction. The tips' stories, photos and history stay.
 * The audit row names the kinds and counts erased, never the values.
 */
export async function eraseTipster(deps: Pick<Deps, 'prisma' | 'clock' | 'logger'>, actor: AuthUser, id: string) {
  const at = deps.clock.now();
  const out = await deps.prisma.$transaction(
    async (tx) => {
      // The SMS webhook's per-sender lock first, the row second: the order the webhook takes them in.
      const seen = await tipsterById(tx, id);
      if (seen?.phone) await lockSenders(tx, [seen.phone]);
      const t = await tipsterById(tx, id, true);
      if (!t) throw AppError.notFound('Tipster');
      const tipIds = await tipIdsOf(tx, [t.id]);
      const r = await eraseTipsters(tx, { tipsters: [t], tipIds, wholeTips: false, at });
      for (const tipId of tipIds)
        await audit(tx, { tipId, actorId: actor.id, action: 'contact.erased', after: { reason: 'request', kinds: r.kinds }, at });
      await audit(tx, { tipId: null, actorId: actor.id, action: 'tipster.erased', after: { tipsterId: t.id, kinds: r.kinds, counts: r.counts }, at });
      return { erased: r.counts, kinds: r.kinds };
    },
    { timeout: 60_000 },
  );
  deps.logger.info({ tipster: id, counts: out.erased }, 'tipster erased on request');
  return out;
}
