import type { Deps } from '../../deps.js';
import { PermanentJobError } from '../../errors.js';
import { recordAfterSend } from '../../messaging/after-send.js';
import { jobPayloads, SEND_WECHAT_JOB, type JobPayload } from '../../queue/kinds.js';
import type { JobDefinition } from '../../queue/job.js';
import { postJson, WechatApiError, withToken } from './wechat-api.js';
import { wechatErrorText } from './wechat.replies.js';

export type SendWechatPayload = JobPayload<typeof SEND_WECHAT_JOB>;

/** Shown on the reply when a send was cut off mid-way: the editor chooses whether to resend. */
export const UNKNOWN_OUTCOME =
  '发送中断，无法确认对方是否已收到；如需要请点“重新发送”\nThe send was interrupted and WeChat cannot tell whether it arrived; resend if needed';

/** WeChat's "system busy": worth another try. Other codes are answers about this message. */
const BUSY = -1;
/** WeChat cuts customer-service texts at about 2048 bytes: 600 characters is under that even in Chinese (3 bytes each). */
const PIECE = 600;

/**
 * Sends one OUTBOUND WeChat message through /cgi-bin/message/custom/send and records the
 * outcome (SENT, or FAILED with WeChat's reason in Chinese, e.g. 45015 outside the 48-hour
 * window). WeChat has no idempotency key nor a way to list sent messages: a send that WeChat
 * accepted is recorded with retries (recordAfterSend) so that a retry does not repeat it, and an
 * attempt cut off while calling WeChat (sendStartedAt still set) is never repeated blindly.
 */
export const sendWechatJob: JobDefinition<typeof SEND_WECHAT_JOB, Deps> = {
  id: SEND_WECHAT_JOB,
  payload: jobPayloads[SEND_WECHAT_JOB],
  maxAttempts: 6,
  async handler(deps, { messageId }, ctx) {
    const m = await deps.prisma.message.findUnique({
      where: { id: messageId },
      select: { deliveryState: true, toAddress: true, body: true, direction: true, channel: true, sendStartedAt: true },
    });
    if (!m) throw new PermanentJobError(`message ${messageId} does not exist`);
    if (m.direction !== 'OUTBOUND' || m.channel !== 'WECHAT' || !m.toAddress)
      throw new PermanentJobError(`message ${messageId} is not an outbound WeChat message`);
    if (m.deliveryState === 'SENT' || m.deliveryState === 'SUPPRESSED') return;
    // Every recorded outcome clears sendStartedAt: from then on the outcome is known.
    const mark = (data: { deliveryState: 'SENT' | 'FAILED' | 'QUEUED'; deliveryError: string | null; sentAt?: Date }) =>
      deps.prisma.message.update({ where: { id: messageId }, data: { ...data, sendStartedAt: null } });
    const c = deps.config;
    if (!c.WECHAT_APP_ID || !c.WECHAT_APP_SECRET) {
      await mark({ deliveryState: 'FAILED', deliveryError: '微信发送未配置（WECHAT_APP_ID、WECHAT_APP_SECRET）\nWeChat sending is not configured' });
      throw new PermanentJobError('WeChat sending is not configured');
    }
    if (m.sendStartedAt) {
      // The last attempt was cut off while calling WeChat (the worker was killed, the lease ran out):
      // WeChat may have delivered it and cannot be asked. Sending blindly could repeat it on the
      // tipster's phone, so the editor decides: the reply shows as failed, with a resend button.
      await mark({ deliveryState: 'FAILED', deliveryError: UNKNOWN_OUTCOME });
      deps.logger.warn({ message: messageId, attempt: ctx.attempt }, 'WeChat send was interrupted; outcome unknown, not sending again');
      throw new PermanentJobError('the last WeChat send was interrupted; its outcome is unknown');
    }
    const pieces = splitText(m.body, PIECE);
    await deps.prisma.message.update({ where: { id: messageId }, data: { sendStartedAt: deps.clock.now() } });
    try {
      for (const content of pieces) {
        await withToken(deps, (token) =>
          postJson(deps, '/cgi-bin/message/custom/send', { access_token: token }, { touser: m.toAddress, msgtype: 'text', text: { content } }),
        );
      }
    } catch (err) {
      const api = err instanceof WechatApiError ? err : null;
      const permanent = api !== null && api.code !== BUSY;
      const last = permanent || ctx.attempt >= ctx.maxAttempts;
      const reason = api ? wechatErrorText(api.code, api.errmsg) : `发送失败：${(err as Error).message}`.slice(0, 500);
      await mark({ deliveryState: last ? 'FAILED' : 'QUEUED', deliveryError: last ? reason : `第 ${ctx.attempt} 次发送失败，将重试：${reason}` });
      deps.logger.warn({ message: messageId, code: api?.code, attempt: ctx.attempt }, 'WeChat message not sent');
      if (permanent) throw new PermanentJobError(reason);
      throw err;
    }
    await recordAfterSend(() => mark({ deliveryState: 'SENT', deliveryError: null, sentAt: deps.clock.now() }), {
      logger: deps.logger,
      what: { message: messageId },
      signal: ctx.signal,
    });
    deps.logger.info({ message: messageId, pieces: pieces.length }, 'WeChat message sent');
  },
};

/** Splits at line ends where possible so each piece stays under WeChat's length limit. */
export function splitText(text: string, max: number): string[] {
  const chars = [...text];
  if (chars.length <= max) return [text];
  const out: string[] = [];
  let at = 0;
  while (at < chars.length) {
    let end = Math.min(at + max, chars.length);
    if (end < chars.length) {
      const nl = chars.lastIndexOf('\n', end);
      if (nl > at + max / 2) end = nl + 1;
    }
    out.push(chars.slice(at, end).join(''));
    at = end;
  }
  return out;
}
