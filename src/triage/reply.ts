import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { audit } from '../audit/audit.js';
import { queueReply } from '../messaging/reply.js';
import { mayReply, presentMessages } from './policy.js';
import { TX, tipNotFound, messageSelect, iso } from './common.js';

export async function replyToTipster(deps: Deps, viewer: AuthUser, id: string, body: string) {
  const { prisma, clock, logger } = deps;
  const tip = await prisma.tip.findUnique({
    where: { id },
    select: {
      id: true,
      reference: true,
      channel: true,
      status: true,
      subject: true,
      assigneeId: true,
      tipster: { select: { phone: true, email: true, smsOptOut: true } },
    },
  });
  if (!tip) throw tipNotFound();
  if (!mayReply(viewer, tip)) throw new AppError('FORBIDDEN', 'Only editors and the reporter holding the lead can reply to the tipster');
  if (tip.status === 'MERGED') throw new AppError('CONFLICT', 'This tip was merged; reply on the tip it was merged into', { reason: 'merged' });
  const now = clock.now();
  const message = await prisma.$transaction(async (tx) => {
    const m = await queueReply(tx, deps, { tip, body, authorId: viewer.id, now, messageId: randomUUID() });
    await tx.tip.update({ where: { id }, data: { lastActivityAt: now } });
    await audit(tx, { tipId: id, actorId: viewer.id, action: 'reply.queued', after: { messageId: m.id, channel: m.channel }, at: now });
    return m;
  }, TX);
  logger.info({ tip: id, actor: viewer.id, message: message.id, channel: message.channel }, 'reply queued');
  const full = await prisma.message.findUniqueOrThrow({
    where: { id: message.id },
    select: messageSelect,
  });
  // The reply answer shows the delivery error as the tip view would: an assigned reporter who
  // has not claimed the lead must not learn the number from a provider's error.
  const [shown] = presentMessages(viewer, tip, [full]);
  return { message: { ...shown, createdAt: full.createdAt.toISOString(), sentAt: iso(full.sentAt), attachments: [] } };
}
