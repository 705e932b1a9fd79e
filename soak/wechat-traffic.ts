import { buildPush, msgId as newMsgId, openId as newOpenId, readReply, type Fields, type WechatApi } from '../test/wechat/wechat-support.js';
import { FOLLOWUP_TEXTS, SMS_TEXTS, tinyJpeg, type Rng } from './fixtures.js';
import type { Outcome } from './webhooks.js';

// WeChat traffic for the soak: safe-mode pushes built as the WeChat server builds them (see
// test/wechat/wechat-support.ts), new tips, follow-ups from the same OpenID, photos fetched from the
// WeChat API fake, follow events; some delivered twice at once or again after the answer (WeChat
// retries a push it got no answer to). Every answer is kept: a redelivery must be answered alike.

export type WechatExpect = 'tip' | 'thread' | 'skip';

export interface WechatItem {
  /** The submission's external id: the MsgId, or event:<OpenID>:<CreateTime>. */
  key: string;
  openId: string;
  token: string;
  expect: WechatExpect;
  threadOf?: string;
  media: number;
  redeliveries: number;
  accepted: boolean;
  reference?: string;
  /** Each 2xx answer's reply text ('success' when nothing was said). */
  answers: string[];
}

export interface WechatAttempt {
  key: string;
  outcome: Outcome;
}

export interface WechatTrafficContext {
  r: Rng;
  baseUrl: string;
  api: WechatApi;
  items: WechatItem[];
  openIds: Set<string>;
  attempts: WechatAttempt[];
  trafficEnds: number;
  deliveryDeadline: number;
  nextToken(): string;
  track<T>(p: Promise<T>): Promise<T>;
  note(line: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REF_RE = /T-\d{6}-\d{4}/;

/** One delivery, retried like a patient sender on connection errors and 5xx until the deadline. */
async function deliver(ctx: WechatTrafficContext, item: WechatItem, fields: Fields): Promise<{ ok: boolean; reply: string | null }> {
  for (let n = 1; ; n++) {
    const { query, body } = buildPush(fields, { mode: 'safe' });
    let outcome: Outcome;
    let text = '';
    try {
      const res = await fetch(`${ctx.baseUrl}/webhooks/wechat?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body,
        signal: AbortSignal.timeout(15_000),
      });
      text = await res.text();
      outcome = { kind: 'status', status: res.status };
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      outcome = { kind: 'error', error: err.cause?.code ?? err.name ?? 'error' };
    }
    ctx.attempts.push({ key: item.key, outcome });
    if (outcome.kind === 'status' && outcome.status < 500) {
      const ok = outcome.status === 200;
      return { ok, reply: ok ? (readReply(text)?.Content ?? 'success') : null };
    }
    if (Date.now() > ctx.deliveryDeadline) return { ok: false, reply: null };
    await sleep(Math.min(5000, 300 * 2 ** Math.min(n, 4)));
  }
}

async function send(ctx: WechatTrafficContext, item: WechatItem, fields: Fields): Promise<void> {
  ctx.items.push(item);
  ctx.openIds.add(item.openId);
  const twin = ctx.r.chance(0.1);
  const again = ctx.r.chance(0.15);
  if (twin) item.redeliveries++;
  const results = await Promise.all((twin ? [0, 1] : [0]).map(() => deliver(ctx, item, fields)));
  if (again) {
    await sleep(200 + ctx.r.next() * 2000);
    item.redeliveries++;
    results.push(await deliver(ctx, item, fields));
  }
  for (const res of results) {
    if (!res.ok || res.reply === null) continue;
    item.accepted = true;
    item.answers.push(res.reply);
    const ref = res.reply.match(REF_RE)?.[0];
    if (ref) item.reference ??= ref;
  }
}

const base = (from: string, type: string): Fields => ({
  ToUserName: 'gh_3f9a2c7d1e05',
  FromUserName: from,
  CreateTime: Math.floor(Date.now() / 1000),
  MsgType: type,
});

function step(ctx: WechatTrafficContext, followups: Map<string, number>): void {
  const roll = ctx.r.next();
  const openers = ctx.items.filter((s) => s.expect === 'tip' && s.accepted && (followups.get(s.openId) ?? 0) < 2);
  if (roll < 0.2 && openers.length) {
    const first = ctx.r.pick(openers);
    followups.set(first.openId, (followups.get(first.openId) ?? 0) + 1);
    const id = newMsgId();
    const token = ctx.nextToken();
    const item: WechatItem = {
      key: id,
      openId: first.openId,
      token,
      expect: 'thread',
      threadOf: first.key,
      media: 0,
      redeliveries: 0,
      accepted: false,
      answers: [],
    };
    void ctx.track(send(ctx, item, { ...base(first.openId, 'text'), Content: `${ctx.r.pick(FOLLOWUP_TEXTS)} ${token}`, MsgId: id }));
  } else if (roll < 0.26) {
    // A new follower: welcomed, no tip. Events are keyed by sender and second.
    const from = newOpenId();
    const fields: Fields = { ...base(from, 'event'), Event: 'subscribe', EventKey: '' };
    const item: WechatItem = {
      key: `event:${from}:${fields.CreateTime}`,
      openId: from,
      token: '',
      expect: 'skip',
      media: 0,
      redeliveries: 0,
      accepted: false,
      answers: [],
    };
    void ctx.track(send(ctx, item, fields));
  } else if (roll < 0.36) {
    // A photo: the worker downloads it through the media API fake.
    const from = newOpenId();
    const id = newMsgId();
    const token = ctx.nextToken();
    const mediaId = `SOAK_${id}`;
    ctx.api.addMedia(mediaId, 'image/jpeg', tinyJpeg(token));
    const item: WechatItem = { key: id, openId: from, token: '', expect: 'tip', media: 1, redeliveries: 0, accepted: false, answers: [] };
    void ctx.track(send(ctx, item, { ...base(from, 'image'), PicUrl: `${ctx.api.base}/gone.jpg`, MediaId: mediaId, MsgId: id }));
  } else {
    const from = newOpenId();
    const id = newMsgId();
    const token = ctx.nextToken();
    const item: WechatItem = { key: id, openId: from, token, expect: 'tip', media: 0, redeliveries: 0, accepted: false, answers: [] };
    void ctx.track(send(ctx, item, { ...base(from, 'text'), Content: `${ctx.r.pick(SMS_TEXTS)} ${token}`, MsgId: id }));
  }
}

export async function wechatTraffic(ctx: WechatTrafficContext, meanGapMs: number): Promise<void> {
  const followups = new Map<string, number>();
  while (Date.now() < ctx.trafficEnds) {
    try {
      step(ctx, followups);
    } catch (e) {
      ctx.note(`WeChat traffic error: ${(e as Error).message}`);
    }
    await sleep(meanGapMs * (0.5 + ctx.r.next()));
  }
}
