import { randomUUID } from 'node:crypto';
import { adapterFor } from '../channels/index.js';
import type { ReplySender, ReplyTip } from '../channels/types.js';
import { smtpEnabled } from '../config.js';
import type { Deps } from '../deps.js';
import { PermanentJobError } from '../errors.js';
import type { JobDefinition } from '../queue/job.js';
import { ACKNOWLEDGE_CONTACT_JOB, jobPayloads, type JobPayload } from '../queue/kinds.js';

// The acknowledgement of a tip that came in on a channel which cannot answer by itself (the web
// form): it goes out on the contact the tipster left, through whichever adapter answers that
// contact (email by SMTP, a text by the enabled SMS adapter), as replySender does for editors'
// replies. Nothing goes out when no such channel is configured. A job, not the normalizer's
// work, because channel adapters must not import the registry (an import cycle).

export type AcknowledgePayload = JobPayload<typeof ACKNOWLEDGE_CONTACT_JOB>;

export function acknowledgementText(reference: string, hotlinePhone: string): string {
  return [
    `已收到您的爆料，编号 ${reference}。编辑会尽快查看；处理进展可在提交后页面给出的专属链接查看。紧急情况请拨打 ${hotlinePhone}。`,
    `We received your tip, reference ${reference}. An editor will look at it soon; follow it on the private link the page gave you. If urgent, call ${hotlinePhone}.`,
  ].join('\n');
}

/** The configured sender for the tipster's contact: email when SMTP is on, else a text when an SMS adapter is on. */
function ackSender(deps: Deps, tip: ReplyTip): ReplySender | null {
  if (tip.tipster?.email && smtpEnabled(deps.config)) {
    const s = adapterFor('EMAIL')?.reply?.(tip);
    if (s) return s;
  }
  if (tip.tipster?.phone) {
    const sms = adapterFor('SMS');
    if (sms?.enabled(deps.config)) return sms.reply?.(tip) ?? null;
  }
  return null;
}

export const acknowledgeContactJob: JobDefinition<typeof ACKNOWLEDGE_CONTACT_JOB, Deps> = {
  id: ACKNOWLEDGE_CONTACT_JOB,
  payload: jobPayloads[ACKNOWLEDGE_CONTACT_JOB],
  maxAttempts: 8,
  async handler(deps, { tipId }) {
    const tip = await deps.prisma.tip.findUnique({
      where: { id: tipId },
      select: {
        id: true,
        reference: true,
        channel: true,
        subject: true,
        tipster: { select: { phone: true, email: true, wechatOpenId: true, smsOptOut: true } },
      },
    });
    if (!tip) throw new PermanentJobError(`tip ${tipId} does not exist`);
    const sender = ackSender(deps, tip);
    if (!sender) {
      deps.logger.info({ tip: tipId }, 'acknowledgement not sent: no channel is configured for the contact left');
      return;
    }
    const check = await sender.check(deps, tip);
    if (!check.ok) {
      deps.logger.info({ tip: tipId, reason: check.reason }, 'acknowledgement not sent');
      return;
    }
    await deps.prisma.$transaction(async (tx) => {
      // Once per tip, even when this job runs twice: the audit row is written with the message.
      await tx.$queryRaw`SELECT id FROM tip WHERE id = ${tipId}::uuid FOR UPDATE`;
      if (await tx.auditEvent.findFirst({ where: { tipId, action: 'tip.acknowledged' }, select: { id: true } })) return;
      const m = await sender.queue(tx, deps, {
        tip,
        body: acknowledgementText(tip.reference, deps.config.HOTLINE_PHONE),
        authorId: null,
        messageId: randomUUID(),
        now: deps.clock.now(),
      });
      await tx.auditEvent.create({ data: { tipId, action: 'tip.acknowledged', after: { messageId: m.id, channel: sender.channel } } });
    });
  },
};
