import type { Config } from '../../config.js';

// The one automatic answer a tipster gets: Chinese first, English below, the reference code in
// the subject so a reply finds its tip again, and Auto-Submitted so that well-behaved
// auto-responders on the other side do not answer it (no mail loops).

/** The domain our Message-IDs use: MAIL_FROM's, else the mailbox's. */
export function ownDomain(config: Config): string {
  for (const v of [config.MAIL_FROM, config.IMAP_USER]) {
    const m = v ? /@([A-Za-z0-9.-]+)/.exec(v) : null;
    if (m) return m[1].toLowerCase();
  }
  return 'tipdesk.invalid';
}

/** Our own addresses: mail from them is never answered. */
export function ownAddresses(config: Config): string[] {
  return [config.MAIL_FROM, config.IMAP_USER]
    .map((v) => (v ? /([^<>\s"]+@[^<>\s"]+)/.exec(v)?.[1]?.toLowerCase() : undefined))
    .filter((v): v is string => Boolean(v));
}

const NO_REPLY = /^(?:no-?reply|do-?not-?reply|donotreply|noreply-[\w-]+|bounces?|mailer-daemon|postmaster)(?:[+.-].*)?$/i;

export function mayAcknowledge(address: string | null, config: Config): address is string {
  if (!address) return false;
  if (NO_REPLY.test(address.split('@')[0])) return false;
  return !ownAddresses(config).includes(address.toLowerCase());
}

/** Fixed per tip, so a retried send keeps the identity the tipster's reply will point at. */
export const ackMessageId = (tipId: string, config: Config) => `<ack.${tipId}@${ownDomain(config)}>`;

export function ackSubject(subject: string | null, reference: string): string {
  const base = (subject ?? '').trim();
  if (!base) return `已收到您的爆料 / Tip received [${reference}]`;
  const withRe = /^(?:re|回复|答复)\s*[:：]/i.test(base) ? base : `Re: ${base}`;
  return withRe.includes(reference) ? withRe : `${withRe} [${reference}]`;
}

export function ackText(reference: string, config: Config): string {
  const [zhName, enName] = config.HOTLINE_NAME.includes(' / ') ? config.HOTLINE_NAME.split(' / ', 2) : [config.HOTLINE_NAME, config.HOTLINE_NAME];
  const phone = config.HOTLINE_PHONE;
  return [
    '您好：',
    '',
    `我们已收到您的爆料，编号为 ${reference}。编辑会尽快查看。`,
    '如需补充情况、照片或联系方式，请直接回复本邮件（请保留标题中的编号）。',
    `情况紧急请拨打爆料热线 ${phone}。`,
    '',
    `${zhName}`,
    '（本邮件为自动回复）',
    '',
    '----',
    '',
    'Hello,',
    '',
    `We have received your tip. Its reference is ${reference}. An editor will look at it soon.`,
    'To add details, photos or a phone number, simply reply to this email (please keep the reference in the subject).',
    `If it is urgent, call our tip line at ${phone}.`,
    '',
    `${enName}`,
    '(This is an automatic reply.)',
    '',
  ].join('\n');
}
