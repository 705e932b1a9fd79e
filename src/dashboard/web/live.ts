import { session } from './api.js';

// The desk's live stream (GET /api/events/stream, server-sent events). EventSource cannot send
// the bearer token, so the stream is read with fetch and parsed here. One connection per page,
// shared by every view; on a drop it reconnects with Last-Event-ID and the server replays what
// was missed. Events say only which tip changed and how: each view fetches what it shows.

export interface TipEvent {
  tipId: string;
  action: string;
}

type Listener = (e: TipEvent) => void;

const listeners = new Set<Listener>();
let ctrl: AbortController | null = null;
let lastId: string | null = null;
let retryMs = 3000;
let timer: ReturnType<typeof setTimeout> | undefined;
let onStatus: (up: boolean) => void = () => {};

/** Calls fn for every tip event while subscribed; returns the unsubscribe. */
export function onTipEvent(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function onLiveStatus(fn: (up: boolean) => void): void {
  onStatus = fn;
}

/** Parses complete `\n\n`-terminated blocks off the front of buf; returns what is left. */
export function parseSse(buf: string, emit: (f: { id?: string; event?: string; data?: string; retry?: string }) => void): string {
  let i: number;
  buf = buf.replace(/\r\n?/g, '\n');
  while ((i = buf.indexOf('\n\n')) >= 0) {
    const block = buf.slice(0, i);
    buf = buf.slice(i + 2);
    const f: Record<string, string> = {};
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const c = line.indexOf(':');
      const k = c < 0 ? line : line.slice(0, c);
      const v = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
      f[k] = k === 'data' && f.data !== undefined ? `${f.data}\n${v}` : v;
    }
    emit(f);
  }
  return buf;
}

async function run(signal: AbortSignal) {
  const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${session.token ?? ''}` };
  if (lastId) headers['last-event-id'] = lastId;
  const res = await fetch('/api/events/stream', { headers, signal, cache: 'no-store' });
  if (!res.ok || !res.body) throw new Error(`stream ${res.status}`);
  onStatus(true);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf = parseSse(buf + value, (f) => {
      if (f.retry && /^\d+$/.test(f.retry)) retryMs = Math.max(1000, Number(f.retry));
      if (f.id) lastId = f.id;
      if (f.event !== 'tip' || !f.data) return;
      let e: TipEvent;
      try {
        e = JSON.parse(f.data) as TipEvent;
      } catch {
        return;
      }
      for (const l of [...listeners]) l(e);
    });
  }
}

/** Opens the stream (once per page) and keeps it open until stopLive(). */
export function startLive(): void {
  if (ctrl || !session.token) return;
  const c = new AbortController();
  ctrl = c;
  const loop = () => {
    run(c.signal)
      .catch(() => {})
      .finally(() => {
        if (c.signal.aborted) return;
        onStatus(false);
        timer = setTimeout(loop, retryMs);
      });
  };
  loop();
}

export function stopLive(): void {
  clearTimeout(timer);
  ctrl?.abort();
  ctrl = null;
  lastId = null;
}
