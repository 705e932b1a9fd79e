import type { Config } from '../../config.js';

// What the hotline phone texts back, Chinese first, then English. Every text is paid per
// segment and a Chinese SMS is UCS-2: 70 characters alone, 67 per part once split. The
// acknowledgement stays within two parts (134 characters) even with its reference code.

export type ControlReply = 'help' | 'stop' | 'start';
export type GatewayReply = { kind: 'new' | 'followup'; reference: string } | { kind: ControlReply };

export function gatewayReplyText(config: Config, r: GatewayReply): string {
  switch (r.kind) {
    case 'new':
      return `已收到您的爆料，编号${r.reference}。补充请直接回复；另报新线索请以“新”开头。\nTip received, ref ${r.reference}. Reply to add; NEW for a new tip.`;
    case 'followup':
      return `已补充到爆料${r.reference}，谢谢。\nAdded to your tip ${r.reference}. Thank you.`;
    case 'help': {
      const zhName = config.HOTLINE_NAME.split(' / ')[0];
      return `${zhName}：居家事、邻里事、社区事，发短信到本号爆料。回复“退订”不再接收。\nText your tip to this number. Reply STOP to opt out.`;
    }
    case 'stop':
      return `您已退订本热线短信，回复START可恢复。\nYou are unsubscribed. Reply START to resubscribe.`;
    case 'start':
      return `您已恢复接收本热线短信。\nYou are resubscribed to the tip line.`;
  }
}

// GSM 03.38 basic set (one septet each) and its extension table (two septets each).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENDED = new Set('^{}\\[~]|€');

/** How many SMS parts a text takes: GSM-7 160/153 septets, else UCS-2 70/67 UTF-16 units. */
export function smsSegments(text: string): number {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXTENDED.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return septets <= 160 ? 1 : Math.ceil(septets / 153);
  return text.length <= 70 ? 1 : Math.ceil(text.length / 67);
}

/**
 * The phone reports senders as the network gave them: 13912345678, 8613912345678, +86 139….
 * Mainland mobiles are stored in E.164 (+8613912345678) so a tipster is one row whichever
 * channel or format brought them; anything else (service numbers) is kept as given, digits only.
 */
export function normalizePhone(raw: string): string {
  const s = raw.trim().replace(/[\s()-]/g, '');
  const plus = s.startsWith('+');
  const digits = s.replace(/^\+|^00/, '');
  if (/^1[3-9]\d{9}$/.test(digits) && !plus) return `+86${digits}`;
  if (/^861[3-9]\d{9}$/.test(digits)) return `+${digits}`;
  if (plus || s.startsWith('00')) return `+${digits}`;
  return digits;
}

/** Service numbers (10086, 1069…) and short codes do not get automatic answers. */
export const answerable = (phone: string): boolean => /^\+\d{8,15}$/.test(phone);
