import { tinyJpeg, type Rng } from './fixtures.js';
import type { WebItem } from './ledger.js';
import { nextToken, type TrafficContext } from './traffic.js';

// Web form traffic: residents posting to /api/public/tips (some with photos, some leaving a
// phone for the acknowledgement), follow-ups through the private status link, a bot filling
// the honeypot. Browsers and apps retry: the same Idempotency-Key is posted again after a lost
// answer or at the same moment (a double tap), and must be answered as the first time.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const WEB_TEXTS = [
  '平城区大齿社区5号楼的电梯这周坏了三次，住高层的老人只能爬楼。',
  '小区东门的路灯晚上不亮，下晚自习的孩子走那段路很害怕。',
  '楼下烧烤店油烟直冲我家窗户，晚上十一点还在营业。',
  '社区活动室周末开了免费书法班，报名的人很多，想请记者来看看。',
];
const FOLLOW_TEXTS = ['今天物业来看过了，说下周修。', '补充一张晚上拍的照片。', '情况还是老样子，没人管。'];

const randomKey = (r: Rng) => `soak-${Array.from({ length: 24 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[r.int(0, 35)]).join('')}`;

async function postOnce(
  ctx: TrafficContext,
  path: string,
  item: WebItem,
  fields: Record<string, string>,
): Promise<{ status: number | null; text: string }> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  for (let i = 0; i < item.photos; i++)
    fd.append('photos', new Blob([new Uint8Array(tinyJpeg(`${item.token}-${i}`))], { type: 'image/jpeg' }), `photo-${i}.jpg`);
  try {
    const res = await fetch(`${ctx.apiBase}${path}`, {
      method: 'POST',
      headers: { 'idempotency-key': item.key, accept: 'application/json' },
      body: fd,
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, text: await res.text() };
  } catch {
    return { status: null, text: '' };
  }
}

/** Posts until a 2xx (or a 4xx, which a retry cannot fix) or the delivery deadline, like a browser retrying. */
async function deliver(ctx: TrafficContext, path: string, item: WebItem, fields: Record<string, string>) {
  for (let n = 0; ; n++) {
    const r = await postOnce(ctx, path, item, fields);
    if (r.status !== null && r.status < 500) return r;
    if (Date.now() > ctx.deliveryDeadline) return r;
    await sleep(Math.min(3000, 250 * 2 ** Math.min(n, 4)));
  }
}

async function send(ctx: TrafficContext, path: string, item: WebItem, fields: Record<string, string>): Promise<void> {
  ctx.ledger.web.push(item);
  const twin = ctx.r.chance(0.1);
  const again = ctx.r.chance(0.15);
  if (twin) item.redeliveries++;
  const results = await Promise.all((twin ? [0, 1] : [0]).map(() => deliver(ctx, path, item, fields)));
  if (again) {
    await sleep(200 + ctx.r.next() * 2000);
    item.redeliveries++;
    results.push(await deliver(ctx, path, item, fields));
  }
  for (const res of results) {
    if (res.status !== 201) continue;
    item.accepted = true;
    item.answers.push(res.text);
    const a = JSON.parse(res.text) as { reference: string; statusUrl: string };
    item.reference ??= a.reference;
    item.statusUrl ??= a.statusUrl;
  }
}

function step(ctx: TrafficContext): void {
  const roll = ctx.r.next();
  const tips = ctx.ledger.web.filter((w) => w.expect === 'tip' && w.accepted && w.statusUrl);
  if (roll < 0.2 && tips.length) {
    const of = ctx.r.pick(tips);
    const item: WebItem = {
      key: randomKey(ctx.r),
      token: nextToken(ctx.runId, 'wf'),
      expect: 'followup',
      photos: ctx.r.chance(0.4) ? 1 : 0,
      threadOf: of.key,
      redeliveries: 0,
      accepted: false,
      answers: [],
    };
    const path = `/api/public/tips/status/${new URL(of.statusUrl!).pathname.split('/').pop()}/followups`;
    void ctx.track(send(ctx, path, item, { body: `${ctx.r.pick(FOLLOW_TEXTS)} ${item.token}` }));
  } else if (roll < 0.25) {
    const item: WebItem = {
      key: randomKey(ctx.r),
      token: nextToken(ctx.runId, 'wh'),
      expect: 'honeypot',
      photos: 0,
      redeliveries: 0,
      accepted: false,
      answers: [],
    };
    void ctx.track(send(ctx, '/api/public/tips', item, { body: `cheap pills ${item.token}`, website: 'http://spam.example' }));
  } else {
    const phone = ctx.r.chance(0.4) ? ctx.newPhone() : undefined;
    const item: WebItem = {
      key: randomKey(ctx.r),
      token: nextToken(ctx.runId, 'w'),
      expect: 'tip',
      photos: ctx.r.chance(0.4) ? ctx.r.int(1, 3) : 0,
      ...(phone ? { phone } : {}),
      redeliveries: 0,
      accepted: false,
      answers: [],
    };
    if (phone) ctx.ledger.phones.add(phone);
    const fields: Record<string, string> = { body: `${ctx.r.pick(WEB_TEXTS)} ${item.token}`, location: '平城区大齿社区' };
    if (phone) Object.assign(fields, { phone: phone.replace(/^\+86/, ''), consent: 'on' });
    void ctx.track(send(ctx, '/api/public/tips', item, fields));
  }
}

export async function webTraffic(ctx: TrafficContext, meanGapMs: number): Promise<void> {
  while (Date.now() < ctx.trafficEnds) {
    try {
      step(ctx);
    } catch (e) {
      ctx.note(`web traffic error: ${(e as Error).message}`);
    }
    await sleep(meanGapMs * (0.5 + ctx.r.next()));
  }
}
