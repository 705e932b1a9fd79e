import twilio from 'twilio';
import type { Config } from '../../config.js';

// What the hotline texts back, Chinese first (most residents write Chinese), then English.
// Kept short: a Chinese SMS segment holds 70 characters.

export type SmsReply =
  { kind: 'new'; reference: string } | { kind: 'followup'; reference: string } | { kind: 'help' } | { kind: 'stop' } | { kind: 'none' };

export function smsReplyText(config: Config, r: SmsReply): string | null {
  switch (r.kind) {
    case 'new':
      return `已收到您的爆料，编号 ${r.reference}。补充情况请直接回复；另报新线索请以“新”开头。\nTip received, ref ${r.reference}. Reply to add details; start with NEW for a new tip.`;
    case 'followup':
      return `已补充到爆料 ${r.reference}，谢谢。\nAdded to your tip ${r.reference}. Thank you.`;
    case 'help':
      return `${config.HOTLINE_NAME}\n居家事、邻里事、社区事，短信或致电 ${config.HOTLINE_PHONE} 爆料。回复“退订”不再接收短信。\nText or call ${config.HOTLINE_PHONE} with your tip. Reply STOP to opt out.`;
    case 'stop':
      return `您已退订本热线短信。回复 START 可恢复。\nYou are unsubscribed. Reply START to resubscribe.`;
    case 'none':
      return null;
  }
}

/** TwiML for the webhook answer; an empty <Response/> sends nothing back. */
export function messagingTwiml(text: string | null): string {
  const r = new twilio.twiml.MessagingResponse();
  if (text) r.message(text);
  return r.toString();
}
