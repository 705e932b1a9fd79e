import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { audit } from '../audit/audit.js';
import { mayAddNote } from './policy.js';
import { TX, tipNotFound, userRef } from './common.js';

export async function addNote(deps: Deps, viewer: AuthUser, id: string, body: string) {
  const { prisma, clock } = deps;
  const tip = await prisma.tip.findUnique({ where: { id }, select: { assigneeId: true } });
  if (!tip) throw tipNotFound();
  if (!mayAddNote(viewer, tip)) throw new AppError('FORBIDDEN', 'Reporters add notes only to their own leads');
  const now = clock.now();
  const note = await prisma.$transaction(async (tx) => {
    const n = await tx.note.create({
      data: { tipId: id, authorId: viewer.id, body, createdAt: now },
      select: { id: true, body: true, createdAt: true, author: userRef },
    });
    // Activity keeps a claim alive; the version is for the tip's fields, so a note does not make an editor's form stale.
    await tx.tip.update({ where: { id }, data: { lastActivityAt: now } });
    await audit(tx, { tipId: id, actorId: viewer.id, action: 'note.added', after: { noteId: n.id }, at: now });
    return n;
  }, TX);
  return { note: { ...note, createdAt: note.createdAt.toISOString() } };
}
