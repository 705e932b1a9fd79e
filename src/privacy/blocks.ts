import type { Tx } from '../db/prisma.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { isUniqueViolation } from '../db/prisma.js';
import { audit } from '../audit/audit.js';
import type { AuthUser } from '../users/users.schema.js';
import { contactHash, contactHint, parseContact } from './contact.js';
import { isBlockedHash } from './sql.js';

// Blocked senders. Every channel asks isBlocked() before a message makes a tip or an answer;
// the message itself is still stored (SKIPPED, 'blocked sender'), so nothing is lost.

export const BLOCKED_REASON = 'blocked sender';

/** True when the sender's phone, email or OpenID (any spelling) is blocked. A missing contact is never blocked. */
export async function isBlocked(tx: Tx, contact: string | null | undefined): Promise<boolean> {
  const c = contact ? parseContact(contact) : null;
  return c ? isBlockedHash(tx, contactHash(c)) : false;
}

/** The contact_block hashes of a sender's contacts (any spelling), for a statement that checks the block itself (the intake fast path). */
export function blockHashesOf(...contacts: (string | null | undefined)[]): string[] {
  return contacts.flatMap((contact) => {
    const c = contact ? parseContact(contact) : null;
    return c ? [contactHash(c)] : [];
  });
}

const view = (b: { id: string; kind: string; hint: string; createdById: string | null; createdAt: Date }) => ({
  id: b.id,
  kind: b.kind,
  hint: b.hint,
  createdById: b.createdById,
  createdAt: b.createdAt.toISOString(),
});

export function blocksService(deps: Pick<Deps, 'prisma' | 'clock'>) {
  const { prisma, clock } = deps;
  return {
    async create(actor: AuthUser, contact: string) {
      const c = parseContact(contact);
      if (!c)
        throw new AppError('VALIDATION', 'Invalid request body: contact', {
          fields: [{ field: 'contact', message: 'is not a phone number, email address or OpenID' }],
        });
      const now = clock.now();
      try {
        return await prisma.$transaction(async (tx) => {
          const b = await tx.contactBlock.create({
            data: { kind: c.kind, contactHash: contactHash(c), hint: contactHint(c), createdById: actor.id, createdAt: now },
          });
          await audit(tx, { tipId: null, actorId: actor.id, action: 'block.created', after: { blockId: b.id, kind: b.kind }, at: now });
          return { block: view(b) };
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw new AppError('CONFLICT', 'This contact is already blocked');
        throw e;
      }
    },
    async list() {
      const rows = await prisma.contactBlock.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 1000 });
      return { blocks: rows.map(view) };
    },
    async remove(actor: AuthUser, id: string) {
      await prisma.$transaction(async (tx) => {
        const n = await tx.contactBlock.deleteMany({ where: { id } });
        if (n.count === 0) throw AppError.notFound('Block');
        await audit(tx, { tipId: null, actorId: actor.id, action: 'block.deleted', before: { blockId: id }, at: clock.now() });
      });
    },
  };
}
