import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../src/lifecycle/jobs.js';
import { sweepAlerts } from '../../src/messaging/alerts/sweep.js';
import { Worker } from '../../src/queue/worker.js';
import { tipBuilder } from '../support/builders.js';
import { waitFor } from '../support/wait.js';
import { deskHarness, type Desk } from '../triage/helpers.js';

// A loopback stand-in for the WeCom and DingTalk group robots, checking what they check (DingTalk's
// signature) and recording what the desk's group would read.
interface Received {
  robot: 'wecom' | 'dingtalk';
  url: URL;
  body: { msgtype: string; markdown: { content?: string; title?: string; text?: string } };
}

const SECRET = 'SECtest-dingtalk-secret';

function startRobots() {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://127.0.0.1');
      const robot = url.pathname.startsWith('/cgi-bin/webhook/send') ? 'wecom' : 'dingtalk';
      if (robot === 'dingtalk') {
        const ts = url.searchParams.get('timestamp')!;
        const want = createHmac('sha256', SECRET).update(`${ts}\n${SECRET}`).digest('base64');
        if (url.searchParams.get('sign') !== want) {
          res.end(JSON.stringify({ errcode: 310000, errmsg: 'sign not match' }));
          return;
        }
      }
      got.push({ robot, url, body: JSON.parse(raw) });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ errcode: 0, errmsg: 'ok' }));
    });
  });
  return new Promise<{ got: Received[]; base: string; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        got,
        base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

describe('alerts to the desk (WeCom and DingTalk group robots)', () => {
  let d: Desk;
  let robots: Awaited<ReturnType<typeof startRobots>>;
  let worker: Worker<Desk['h']['deps']>;
  let now = new Date('2026-12-02T02:00:00Z');

  beforeAll(async () => {
    robots = await startRobots();
    d = await deskHarness({
      clock: { now: () => now },
      env: {
        ALERT_WECOM_WEBHOOK: `${robots.base}/cgi-bin/webhook/send?key=test-key`,
        ALERT_DINGTALK_WEBHOOK: `${robots.base}/robot/send?access_token=test-token`,
        ALERT_DINGTALK_SECRET: SECRET,
        ALERT_EMAIL_EDITORS: 'false',
        TRIAGE_SLA_MINUTES: '30',
      },
    });
    worker = new Worker({
      prisma: d.h.deps.prisma,
      databaseUrl: d.h.deps.databaseUrl,
      deps: d.h.deps,
      definitions: allJobs,
      logger: d.h.deps.logger,
      pollSeconds: 1,
    });
    await worker.start();
  });
  afterAll(async () => {
    await worker.stop();
    await d.close();
    await robots.close();
  });

  it('an urgent tip reaches both groups once, signed for DingTalk, with no contact or message text', async () => {
    const tip = await tipBuilder(d.h.deps, { body: '柳航里3号楼水管爆了，请联系13912345678', phone: '+8613912345678', receivedAt: now });
    const res = await d.api.patch(`/api/tips/${tip.id}`, d.s.editor.auth, { version: tip.version, category: 'household', priority: 'urgent' });
    expect(res.status).toBe(200);
    // Marked urgent again (after a change back): still one alert.
    const again = await d.api.patch(`/api/tips/${tip.id}`, d.s.editor.auth, { version: res.body.tip.version, priority: 'high' });
    await d.api.patch(`/api/tips/${tip.id}`, d.s.editor.auth, { version: again.body.tip.version, priority: 'urgent' });
    await waitFor(
      async () =>
        robots.got.filter((r) => r.body.markdown.content?.includes(tip.reference) || r.body.markdown.text?.includes(tip.reference)).length >= 2
          ? true
          : null,
      15_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const mine = robots.got.filter((r) => JSON.stringify(r.body).includes(tip.reference));
    expect(mine.map((r) => r.robot).sort()).toEqual(['dingtalk', 'wecom']);
    for (const r of mine) {
      const text = JSON.stringify(r.body);
      expect(text).toMatch(/紧急/);
      expect(text).toMatch(/居家事/);
      expect(text).not.toMatch(/139|12345678|水管爆了/);
    }
    const row = await d.h.deps.prisma.alert.findFirstOrThrow({ where: { key: `urgent:${tip.id}` } });
    expect(row.state).toBe('SENT');
  });

  it('a tip untriaged past the SLA is announced once by the sweep', async () => {
    const tip = await tipBuilder(d.h.deps, { body: '北馨园小区门口井盖丢了', receivedAt: now });
    expect((await sweepAlerts(d.h.deps)).raised).toBe(0);
    now = new Date(now.getTime() + 31 * 60_000);
    expect((await sweepAlerts(d.h.deps)).raised).toBeGreaterThanOrEqual(1);
    expect((await sweepAlerts(d.h.deps)).raised).toBe(0);
    await waitFor(async () => (robots.got.filter((r) => JSON.stringify(r.body).includes(tip.reference)).length >= 2 ? true : null), 15_000);
    const texts = robots.got.filter((r) => JSON.stringify(r.body).includes(tip.reference)).map((r) => JSON.stringify(r.body));
    expect(texts[0]).toMatch(/已等待 31 分钟/);
    expect(texts.join()).not.toMatch(/井盖/);
  });
});
