import type { Config } from '../config.js';
import type { Tx } from '../db/prisma.js';
import { SEND_EMAIL_JOB } from '../queue/kinds.js';
import { enqueue } from '../queue/enqueue.js';
import type { SendEmailPayload } from './send-email.job.js';
import { CATEGORY_LABELS, fromDbCategory } from '../triage/triage.schema.js';

// Emails to newsroom staff about leads. They carry the reference, section and a link,
// never the tipster's contact details or text: those stay behind the login.

export const tipLink = (config: Config, tipId: string) =>
  `${(config.PUBLIC_BASE_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/$/, '')}/#/tips/${tipId}`;

interface LeadInfo {
  id: string;
  reference: string;
  category: string | null;
  priority: string;
  title: string | null;
}

export const categoryLine = (c: string | null) => {
  const cat = fromDbCategory(c);
  return cat ? CATEGORY_LABELS[cat] : '未分类 Uncategorized';
};

export async function queueAssignmentEmail(
  tx: Tx,
  config: Config,
  o: { tip: LeadInfo; reporter: { email: string; displayName: string }; editorName: string; version: number },
) {
  const { tip } = o;
  const category = categoryLine(tip.category);
  const payload: SendEmailPayload = {
    to: o.reporter.email,
    subject: `新线索 New lead ${tip.reference} · ${category}`,
    text: [
      `${o.reporter.displayName}，你好：`,
      '',
      `${o.editorName} 把线索 ${tip.reference} 分配给了你。`,
      `${o.editorName} assigned lead ${tip.reference} to you.`,
      '',
      `编号 Reference: ${tip.reference}`,
      `栏目 Category: ${category}`,
      `优先级 Priority: ${tip.priority.toLowerCase()}`,
      ...(tip.title ? [`标题 Title: ${tip.title}`] : []),
      '',
      `打开 Open: ${tipLink(config, tip.id)}`,
      '',
      '认领后才能看到爆料人的联系方式。 Claim the lead to see the tipster’s contact details.',
    ].join('\n'),
  };
  // One email per assignment (the version makes a re-assignment a new email, a retry the same one).
  await enqueue(tx, SEND_EMAIL_JOB, payload, { uniqueKey: `lead-assigned:${tip.id}:${o.version}`, maxAttempts: 8 });
}

export async function queueClaimWarningEmail(
  tx: Tx,
  config: Config,
  o: { tip: LeadInfo; reporter: { email: string; displayName: string }; expiresAt: Date; warnedAt: Date },
) {
  const { tip } = o;
  const when = new Intl.DateTimeFormat('zh-CN', { timeZone: config.TIMEZONE, dateStyle: 'medium', timeStyle: 'short' }).format(o.expiresAt);
  const payload: SendEmailPayload = {
    to: o.reporter.email,
    subject: `线索即将退回 Lead ${tip.reference} returns to the pool soon`,
    text: [
      `${o.reporter.displayName}，你好：`,
      '',
      `你认领的线索 ${tip.reference}（${categoryLine(tip.category)}）已经一段时间没有进展，将于 ${when} 退回线索池。`,
      `Your claimed lead ${tip.reference} has had no activity and goes back to the pool at ${when} (${config.TIMEZONE}).`,
      '添加一条备注或更新状态即可保留。 Add a note or update its status to keep it.',
      '',
      `打开 Open: ${tipLink(config, tip.id)}`,
    ].join('\n'),
  };
  await enqueue(tx, SEND_EMAIL_JOB, payload, { uniqueKey: `claim-warning:${tip.id}:${o.warnedAt.toISOString()}`, maxAttempts: 8 });
}
