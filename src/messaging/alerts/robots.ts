import { createHmac } from 'node:crypto';

// The two group-robot protocols a newsroom lives in. Both take a markdown message by POST.
// WeCom (企业微信): POST {webhook}?key=… {msgtype:'markdown', markdown:{content}}.
// DingTalk (钉钉): POST {webhook}?access_token=…&timestamp=…&sign=… {msgtype:'markdown', markdown:{title, text}},
// sign = urlencode(base64(HMAC-SHA256(secret, timestamp + "\n" + secret))), timestamp in ms.
// Both answer {errcode: 0, errmsg: 'ok'} on success (HTTP 200 even on errors).

export interface AlertMessage {
  title: string;
  text: string;
}

export function wecomBody(m: AlertMessage) {
  return { msgtype: 'markdown', markdown: { content: `**${m.title}**\n${m.text}` } };
}

export function dingtalkBody(m: AlertMessage) {
  return { msgtype: 'markdown', markdown: { title: m.title, text: `### ${m.title}\n${m.text}` } };
}

export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** The DingTalk webhook URL with timestamp and signature added (when a secret is set). */
export function dingtalkUrl(webhook: string, secret: string | undefined, timestampMs: number): string {
  if (!secret) return webhook;
  const u = new URL(webhook);
  u.searchParams.set('timestamp', String(timestampMs));
  u.searchParams.set('sign', dingtalkSign(secret, timestampMs));
  return u.toString();
}

/** A robot's answer: errcode 0 is success, anything else is its refusal. */
export function robotError(status: number, body: unknown): string | null {
  if (status < 200 || status >= 300) return `HTTP ${status}`;
  const b = body as { errcode?: number; errmsg?: string } | null;
  if (b && typeof b.errcode === 'number' && b.errcode !== 0) return `errcode ${b.errcode}: ${b.errmsg ?? ''}`.trim();
  return null;
}
