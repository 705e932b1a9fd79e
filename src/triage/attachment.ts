import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { mayOpenAttachment } from './policy.js';

export async function openAttachment(deps: Deps, viewer: AuthUser, id: string) {
  const { prisma } = deps;
  const a = await prisma.attachment.findUnique({
    where: { id },
    select: {
      filename: true,
      contentType: true,
      dangerous: true,
      state: true,
      tip: { select: { assigneeId: true } },
      blob: { select: { data: true } },
    },
  });
  if (!a) throw AppError.notFound('Attachment');
  if (!mayOpenAttachment(viewer, a.tip)) {
    throw new AppError('FORBIDDEN', 'Reporters open attachments only of leads assigned to or claimed by them');
  }
  if (a.state !== 'STORED' || !a.blob) throw new AppError('NOT_FOUND', `The attachment's bytes are not stored (${a.state.toLowerCase()})`);
  return { filename: a.filename, contentType: a.contentType, dangerous: a.dangerous, data: Buffer.from(a.blob.data) };
}
