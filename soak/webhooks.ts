import twilio from 'twilio';
import { signGatewayBody } from '../src/channels/sms-gateway/gateway-signature.js';

// Posts signed webhooks the way Twilio does: form-encoded, X-Twilio-Signature over the public
// URL and the parameters, a 15 s timeout, and (here) retries on connection errors, timeouts
// and 5xx until a 2xx arrives or the run's delivery deadline passes. Every attempt is
// recorded so the reconciliation can check what each answer promised.

export type Outcome = { kind: 'status'; status: number } | { kind: 'error'; error: string };

export interface Attempt {
  /** Submission external id the request stores (SMS MessageSid, voice `rec:RE…`, …). */
  key: string;
  path: string;
  outcome: Outcome;
  at: number;
  ms: number;
}

export interface WebhookSenderOptions {
  baseUrl: string;
  publicBaseUrl: string;
  authToken: string;
  /** Give up retrying after this time (epoch ms). */
  deadline: () => number;
  timeoutMs?: number;
  /** SMS_GATEWAY_SIGNING_KEY, for the hotline phone's webhooks. */
  gatewayKey?: string;
}

export interface Delivery {
  ok: boolean;
  status: number | null;
  text: string;
  attempts: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class WebhookSender {
  readonly attempts: Attempt[] = [];
  private readonly o: Required<WebhookSenderOptions>;

  constructor(o: WebhookSenderOptions) {
    this.o = { timeoutMs: 15_000, gatewayKey: '', ...o };
  }

  /** One Twilio attempt: form-encoded, X-Twilio-Signature over the public URL and the parameters. */
  post(urlPath: string, key: string, params: Record<string, string>): Promise<{ outcome: Outcome; text: string }> {
    const signature = twilio.getExpectedTwilioSignature(this.o.authToken, `${this.o.publicBaseUrl}${urlPath}`, params);
    return this.attempt(urlPath, key, new URLSearchParams(params).toString(), (started) => ({
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
      'i-twilio-idempotency-token': `${key}-${started}`,
    }));
  }

  /** One SMS Gateway webhook attempt: JSON, signed when sent like the app (hex HMAC-SHA256 of body + X-Timestamp). */
  postGateway(key: string, body: string): Promise<{ outcome: Outcome; text: string }> {
    return this.attempt('/webhooks/sms-gateway', key, body, (started) => {
      const ts = String(Math.floor(started / 1000));
      return { 'content-type': 'application/json', 'x-timestamp': ts, 'x-signature': signGatewayBody(this.o.gatewayKey, body, ts) };
    });
  }

  /** One POST, recorded with its outcome (a status, or the connection error). */
  private async attempt(urlPath: string, key: string, body: string, headers: (started: number) => Record<string, string>) {
    const started = Date.now();
    let outcome: Outcome;
    let text = '';
    try {
      const res = await fetch(`${this.o.baseUrl}${urlPath}`, {
        method: 'POST',
        headers: headers(started),
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      text = await res.text();
      outcome = { kind: 'status', status: res.status };
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      outcome = { kind: 'error', error: err.cause?.code ?? err.name ?? 'error' };
    }
    this.attempts.push({ key, path: urlPath, outcome, at: started, ms: Date.now() - started });
    return { outcome, text };
  }

  /** Retries like Twilio until a 2xx (or a 4xx, which retrying cannot fix) or the deadline. */
  deliver(urlPath: string, key: string, params: Record<string, string>): Promise<Delivery> {
    return this.retry(() => this.post(urlPath, key, params));
  }

  /** Retries like the app (it backs off and retries for days) until a 2xx, a 4xx or the deadline. */
  deliverGateway(key: string, body: string): Promise<Delivery> {
    return this.retry(() => this.postGateway(key, body));
  }

  private async retry(attempt: () => Promise<{ outcome: Outcome; text: string }>): Promise<Delivery> {
    let n = 0;
    for (;;) {
      n++;
      const { outcome, text } = await attempt();
      if (outcome.kind === 'status' && outcome.status < 500) {
        return { ok: outcome.status >= 200 && outcome.status < 300, status: outcome.status, text, attempts: n };
      }
      if (Date.now() > this.o.deadline()) return { ok: false, status: outcome.kind === 'status' ? outcome.status : null, text, attempts: n };
      await sleep(Math.min(3000, 250 * 2 ** Math.min(n - 1, 4)) * (0.5 + Math.random() / 2));
    }
  }
}

/** TwiML <Message> text, unescaped. */
export function twimlMessage(xml: string): string | null {
  const m = xml.match(/<Message>([\s\S]*?)<\/Message>/);
  return m
    ? m[1]
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&')
    : null;
}
