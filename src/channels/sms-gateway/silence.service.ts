import type { Deps } from '../../deps.js';
import { periodicService } from '../../lifecycle/periodic.js';
import type { Service } from '../../lifecycle/service.js';
import type { SendEmailPayload } from '../../messaging/send-email.job.js';
import { SEND_EMAIL_JOB } from '../../queue/kinds.js';
import { enqueue } from '../../queue/enqueue.js';
import { GATEWAY_SOURCE, silenceMs } from './settings.js';
import { markSilent } from './sql.js';

// The hotline phone is a single point of failure: flat battery, lost Wi-Fi, the app killed by
// the OS. It pings (system:ping) and every webhook counts as it speaking; when it has been
// silent longer than SMS_GATEWAY_SILENCE_MINUTES the intake health shows the source red and
// the editors are emailed, once per silence (the phone speaking again ends the silence).

/** Raises a new silence if there is one: returns when the phone last spoke and how many were told. */
export async function checkSilence(deps: Pick<Deps, 'prisma' | 'clock' | 'config' | 'logger'>): Promise<{ lastSpoke: Date; emailed: number } | null> {
  const now = deps.clock.now();
  const minutes = deps.config.SMS_GATEWAY_SILENCE_MINUTES;
  const result = await deps.prisma.$transaction(async (tx) => {
    const before = new Date(now.getTime() - silenceMs(deps.config));
    const lastSpoke = await markSilent(tx, GATEWAY_SOURCE, before, now, `phone silent: no webhook or ping for more than ${minutes} minutes`);
    if (!lastSpoke) return null;
    const editors = await tx.user.findMany({ where: { active: true, role: { in: ['EDITOR', 'ADMIN'] } }, select: { id: true, email: true } });
    const when = new Intl.DateTimeFormat('zh-CN', { timeZone: deps.config.TIMEZONE, dateStyle: 'medium', timeStyle: 'short' }).format(lastSpoke);
    for (const e of editors) {
      const payload: SendEmailPayload = {
        to: e.email,
        subject: `短信爆料手机已失联 The hotline SMS phone has gone silent`,
        text: [
          `爆料热线的短信网关手机自 ${when} 起已超过 ${minutes} 分钟没有任何消息（含心跳）。这段时间发到热线的短信可能没有进入系统，自动回复也发不出去。`,
          '请检查手机：是否有电、是否联网、SMS Gateway 应用是否在运行。',
          '',
          `The hotline's SMS gateway phone has not been heard from (not even its ping) for more than ${minutes} minutes, since ${when} (${deps.config.TIMEZONE}).`,
          'Texts to the hotline may not be reaching the desk and acknowledgements cannot go out. Check that the phone has power and network and that the SMS Gateway app is running.',
          '',
          `接收状态 Intake health: ${(deps.config.PUBLIC_BASE_URL ?? `http://${deps.config.HOST}:${deps.config.PORT}`).replace(/\/$/, '')}/#/health`,
        ].join('\n'),
      };
      // Keyed by the silence's start and the editor: a second worker or check queues nothing more.
      await enqueue(tx, SEND_EMAIL_JOB, payload, { uniqueKey: `sms-gateway-silent:${lastSpoke.toISOString()}:${e.id}`, maxAttempts: 8 });
    }
    return { lastSpoke, emailed: editors.length };
  });
  if (result)
    deps.logger.warn({ source: GATEWAY_SOURCE, lastSpoke: result.lastSpoke.toISOString(), emailed: result.emailed }, 'SMS gateway phone is silent');
  return result;
}

/** The periodic check as a worker Service (runs while the channel is on). */
export function silenceService(deps: Deps, opts: { intervalMs?: number } = {}): Service {
  return periodicService('SMS gateway silence check', { intervalMs: opts.intervalMs ?? 60_000, logger: deps.logger, tick: () => checkSilence(deps) });
}
