import type { Deps } from '../../deps.js';
import { PermanentJobError } from '../../errors.js';
import { enqueue } from '../../queue/enqueue.js';
import type { JobDefinition } from '../../queue/job.js';
import { jobPayloads } from '../../queue/kinds.js';
import { dingtalkBody, dingtalkUrl, robotError, wecomBody, type AlertMessage } from './robots.js';

const ROBOT_TIMEOUT_MS = 10_000;

type Destination = 'wecom' | 'dingtalk' | 'email';

/**
 * Sends one alert to every destination configured: the WeCom and DingTalk group robots and, by
 * email, every active editor and admin. Destinations already done are remembered on the row,
 * so a retry after one robot failed does not post to the other twice. Beyond ALERT_MAX_PER_HOUR
 * alerts are kept (SUPPRESSED, visible) but not sent: a storm must not drown the group.
 */
export const sendAlertJob: JobDefinition<'send-alert', Deps> = {
  id: 'send-alert',
  payload: jobPayloads['send-alert'],
  maxAttempts: 6,
  async handler(deps, { alertId }) {
    const { prisma, config, clock } = deps;
    const a = await prisma.alert.findUnique({ where: { id: alertId } });
    if (!a) throw new PermanentJobError(`alert ${alertId} does not exist`);
    if (a.state === 'SENT' || a.state === 'SUPPRESSED') return;
    const now = clock.now();
    const mark = (state: string, detail: string | null) =>
      prisma.alert.update({ where: { id: alertId }, data: { state, detail, ...(state === 'SENT' ? { sentAt: now } : {}) } });

    const wanted: Destination[] = [
      ...(config.ALERT_WECOM_WEBHOOK ? (['wecom'] as const) : []),
      ...(config.ALERT_DINGTALK_WEBHOOK ? (['dingtalk'] as const) : []),
      ...(config.ALERT_EMAIL_EDITORS ? (['email'] as const) : []),
    ];
    if (wanted.length === 0) return void (await mark('SUPPRESSED', 'no destination configured (ALERT_* settings)'));
    const sentLastHour = await prisma.alert.count({ where: { state: 'SENT', sentAt: { gt: new Date(now.getTime() - 3_600_000) } } });
    if (sentLastHour >= config.ALERT_MAX_PER_HOUR) {
      deps.logger.warn({ alert: alertId, kind: a.kind }, 'alert suppressed: hourly limit reached');
      return void (await mark('SUPPRESSED', `hourly limit of ${config.ALERT_MAX_PER_HOUR} alerts reached`));
    }

    const done = new Set((a.detail?.startsWith('done:') ? a.detail.slice(5).split(',') : []).filter(Boolean));
    const msg: AlertMessage = { title: a.title, text: a.text };
    const errors: string[] = [];
    for (const d of wanted) {
      if (done.has(d)) continue;
      try {
        if (d === 'wecom') await postRobot(config.ALERT_WECOM_WEBHOOK!, wecomBody(msg));
        else if (d === 'dingtalk')
          await postRobot(dingtalkUrl(config.ALERT_DINGTALK_WEBHOOK!, config.ALERT_DINGTALK_SECRET, now.getTime()), dingtalkBody(msg));
        else await emailEditors(deps, alertId, msg);
        done.add(d);
      } catch (err) {
        errors.push(`${d}: ${(err as Error).message}`.slice(0, 300));
      }
    }
    if (errors.length) {
      await mark('QUEUED', `done:${[...done].join(',')}`);
      throw new Error(`alert not delivered to ${errors.join('; ')}`);
    }
    await mark('SENT', `done:${[...done].join(',')}`);
    deps.logger.info({ alert: alertId, kind: a.kind, to: [...done] }, 'alert sent');
  },
};

async function postRobot(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(ROBOT_TIMEOUT_MS),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // a proxy's HTML error page: the status says enough
  }
  const err = robotError(res.status, parsed);
  if (err) throw new Error(err);
}

/** One email per active editor and admin, through the send-email job (queued once per alert and person). */
async function emailEditors(deps: Deps, alertId: string, msg: AlertMessage) {
  const editors = await deps.prisma.user.findMany({ where: { active: true, role: { in: ['EDITOR', 'ADMIN'] } }, select: { id: true, email: true } });
  await deps.prisma.$transaction(async (tx) => {
    for (const e of editors) {
      await enqueue(
        tx,
        'send-email',
        { to: e.email, subject: msg.title, text: msg.text },
        { uniqueKey: `alert:${alertId}:email:${e.id}`, maxAttempts: 8 },
      );
    }
  });
}
