import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps, closeDeps, type Deps } from '../../src/deps.js';
import { closeApp, createApp } from '../../src/http/app.js';
import { tipBuilder } from '../support/builders.js';
import { deskHarness, type Desk } from './helpers.js';

// The live stream across two API processes: a change made through one is announced to a
// browser connected to the other (PostgreSQL LISTEN/NOTIFY), and a reconnect with
// Last-Event-ID replays what was missed.

interface SseEvent {
  id: string;
  event: string;
  data: { tipId: string; action: string };
}

/** Reads SSE events from a streaming fetch, as the dashboard does (EventSource cannot send a bearer token). */
function openStream(url: string, auth: Record<string, string>, lastEventId?: string) {
  const ctrl = new AbortController();
  const events: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  const ready = fetch(url, { headers: { ...auth, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }, signal: ctrl.signal }).then(
    async (res) => {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      void (async () => {
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) return;
          buf += value;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const f = Object.fromEntries(
              block
                .split('\n')
                .filter((l) => !l.startsWith(':') && l.includes(':'))
                .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
            );
            if (f.data) events.push({ id: f.id, event: f.event, data: JSON.parse(f.data) });
            waiters.splice(0).forEach((w) => w());
          }
        }
      })();
    },
  );
  return {
    ready,
    events,
    async waitFor(pred: (e: SseEvent) => boolean, ms = 10_000): Promise<SseEvent> {
      const end = Date.now() + ms;
      for (;;) {
        const hit = events.find(pred);
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`no matching event; got ${JSON.stringify(events)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    close: () => ctrl.abort(),
  };
}

describe('live stream (SSE) across API processes', () => {
  let d: Desk;
  let deps2: Deps;
  let app2: ReturnType<typeof createApp>;
  let server2: Server;
  let base2: string;

  beforeAll(async () => {
    d = await deskHarness();
    // A second API process: its own pools and its own LISTEN connection on the same database.
    deps2 = createDeps(d.h.deps.config, d.h.deps.databaseUrl, { logger: d.h.deps.logger, mailer: null, twilio: null });
    app2 = createApp(deps2);
    server2 = await new Promise<Server>((r) => {
      const s = app2.listen(0, '127.0.0.1', () => r(s));
    });
    base2 = `http://127.0.0.1:${(server2.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await closeApp(app2);
    server2.closeAllConnections();
    await new Promise<void>((r) => server2.close(() => r()));
    await closeDeps(deps2);
    await d.close();
  });

  it('announces a change made through the other process, and resumes from Last-Event-ID', async () => {
    const tip = await tipBuilder(d.h.deps, { body: '幸福小区6号楼的电梯又坏了' });
    const stream = openStream(`${base2}/api/events/stream`, d.s.reporter.auth);
    await stream.ready;
    const res = await d.api.patch(`/api/tips/${tip.id}`, d.s.editor.auth, { version: tip.version, category: 'neighborhood', priority: 'urgent' });
    expect(res.status).toBe(200);
    const ev = await stream.waitFor((e) => e.data.tipId === tip.id && e.data.action === 'tip.categorized');
    expect(ev.event).toBe('tip');
    // Events carry ids and actions only, never a tip's text or a tipster's contact.
    expect(JSON.stringify(ev.data)).not.toMatch(/电梯|\+86/);
    stream.close();

    // Missed while away: a note, then a reconnect with the last id seen gets it.
    const note = await d.api.post(`/api/tips/${tip.id}/notes`, d.s.editor.auth, { body: '已联系物业' });
    expect(note.status).toBe(201);
    const again = openStream(`${base2}/api/events/stream`, d.s.editor.auth, ev.id);
    await again.ready;
    const missed = await again.waitFor((e) => e.data.tipId === tip.id && e.data.action === 'note.added');
    expect(BigInt(missed.id)).toBeGreaterThan(BigInt(ev.id));
    expect(again.events.some((e) => e.id === ev.id)).toBe(false);
    again.close();
  });

  it('needs a login', async () => {
    const res = await fetch(`${base2}/api/events/stream`);
    expect(res.status).toBe(401);
  });
});
