import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { retryJob } from '../queue/admin.js';
import type { AuthUser } from '../users/users.schema.js';
import { audit } from '../audit/audit.js';
import { TX } from './common.js';
import { mayReply } from './policy.js';
import { deadSendJobOf } from './sql.js';

/**
 * Sends a failed reply again: its dead send job goes back to the queue and the message shows
 * QUEUED until the job records the outcome. Who may reply may retry; nothing else changes.
 */
export async function retryDelivery(deps: Deps, viewer: AuthUser, messageId: string) {
  const { prisma, clock, logger } = deps;
  const m = await prisma.message.findUnique({
    where: { id: messageId },
    select: { id: true, direction: true, deliveryState: true, tip: { select: { id: true, status: true, assigneeId: true } } },
  });
  if (!m || !m.tip) throw AppError.notFound('Message');
  if (!mayReply(viewer, m.tip)) throw new AppError('FORBIDDEN', 'Only editors and the reporter holding the lead can resend a reply');
  if (m.direction !== 'OUTBOUND' || m.deliveryState !== 'FAILED')
    throw new AppError('CONFLICT', 'Only a reply whose delivery failed can be sent again', { reason: 'not_failed' });
  const jobId = await deadSendJobOf(prisma, messageId);
  if (!jobId) throw new AppError('CONFLICT', 'No failed send is waiting for this message', { reason: 'no_failed_send' });
  const now = clock.now();
  await prisma.$transaction(async (tx) => {
    await tx.message.update({
      where: { id: messageId },
      data: { deliveryState: 'QUEUED', deliveryError: null, deliveryErrorCode: null, sendStartedAt: null },
    });
    await audit(tx, { tipId: m.tip!.id, actorId: viewer.id, action: 'reply.retried', after: { messageId }, at: now });
  }, TX);
  if (!(await retryJob(prisma, jobId))) throw new AppError('CONFLICT', 'The failed send was already retried', { reason: 'already_retried' });
  logger.info({ tip: m.tip.id, actor: viewer.id, message: messageId }, 'reply resent');
  return { ok: true };
}
