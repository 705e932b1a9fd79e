import { get } from './api.js';
import { t } from './i18n.js';
import { onLiveStatus, onTipEvent, startLive, stopLive, type TipEvent } from './live.js';
import type { TipSummary } from './types.js';
import { toast } from './ui.js';

// What the whole page knows about the desk, kept current by the live stream: counts for the
// tabs and the browser tab's title, the SLA for age colouring, and (if the editor turned them
// on) a desktop notification and a short sound for new and urgent tips.

export interface DeskStats {
  total: number;
  byStatus: Record<string, number>;
  byCategory: Record<string, number>;
  slaMinutes: number;
}

export const desk = {
  stats: null as DeskStats | null,
  slaMinutes: 30,
};

const statsListeners = new Set<() => void>();
let statsTimer: ReturnType<typeof setTimeout> | undefined;
let unsubscribe: (() => void) | null = null;
const urgentSeen = new Set<string>();
const ALERTS_KEY = 'tipdesk.alerts';

export function onStats(fn: () => void): () => void {
  statsListeners.add(fn);
  return () => statsListeners.delete(fn);
}

export function pageTitle(): void {
  const n = desk.stats?.byStatus.NEW ?? 0;
  document.title = `${n ? `(${n}) ` : ''}${t('appName')} · Tipdesk`;
}

async function loadStats() {
  try {
    desk.stats = await get<DeskStats>('/api/stats');
    desk.slaMinutes = desk.stats.slaMinutes;
    pageTitle();
    for (const l of [...statsListeners]) l();
  } catch {
    /* counts are a nicety: the next event tries again */
  }
}

/** Coalesces a burst of events into one stats request. */
function refreshStats() {
  clearTimeout(statsTimer);
  statsTimer = setTimeout(() => void loadStats(), 400);
}

export const alertsEnabled = () => {
  try {
    return localStorage.getItem(ALERTS_KEY) === 'on';
  } catch {
    return false;
  }
};

export async function setAlerts(on: boolean): Promise<void> {
  try {
    localStorage.setItem(ALERTS_KEY, on ? 'on' : 'off');
  } catch {
    /* private mode */
  }
  if (on && 'Notification' in window && Notification.permission === 'default') await Notification.requestPermission().catch(() => {});
}

/** A short two-tone chime, made with WebAudio (no sound file to serve). */
function chime(urgent: boolean) {
  try {
    const ctx = new AudioContext();
    const tones = urgent ? [880, 660, 880] : [660, 880];
    tones.forEach((f, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.08, ctx.currentTime + i * 0.15);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + i * 0.15 + 0.14);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + i * 0.15);
      osc.stop(ctx.currentTime + i * 0.15 + 0.15);
    });
    setTimeout(() => void ctx.close(), 1000);
  } catch {
    /* no audio on this machine */
  }
}

async function alertFor(e: TipEvent) {
  if (!alertsEnabled()) return;
  if (e.action !== 'tip.created' && e.action !== 'tip.updated' && e.action !== 'tip.categorized') return;
  let tip: TipSummary;
  try {
    tip = (await get<{ tip: TipSummary }>(`/api/tips/${encodeURIComponent(e.tipId)}`)).tip;
  } catch {
    return;
  }
  const urgent = tip.priority === 'urgent';
  if (e.action !== 'tip.created' && (!urgent || urgentSeen.has(tip.id))) return;
  if (urgent) urgentSeen.add(tip.id);
  const text = t(urgent ? 'alertUrgent' : 'alertNew', { ref: tip.reference });
  chime(urgent);
  if ('Notification' in window && Notification.permission === 'granted') {
    const n = new Notification(text, { body: tip.title || tip.subject || tip.excerpt.slice(0, 80), tag: tip.id });
    n.onclick = () => {
      window.focus();
      location.hash = `#/tips/${encodeURIComponent(tip.id)}`;
    };
  } else toast(text);
}

/** Starts the live stream for a signed-in user; editors also get counts and alerts. */
export function startDesk(editor: boolean): void {
  if (unsubscribe) return;
  startLive();
  let wasDown = false;
  let downToast: HTMLElement | null = null;
  onLiveStatus((up) => {
    if (!up && !wasDown) downToast = toast(t('liveDown'), 'error');
    // Back: the warning goes (it would otherwise say "reconnecting" for its whole life).
    if (up) downToast?.remove();
    if (up && wasDown && editor) refreshStats();
    wasDown = !up;
  });
  if (!editor) {
    unsubscribe = () => {};
    return;
  }
  void loadStats();
  unsubscribe = onTipEvent((e) => {
    refreshStats();
    void alertFor(e);
  });
}

export function stopDesk(): void {
  unsubscribe?.();
  unsubscribe = null;
  clearTimeout(statsTimer);
  stopLive();
  desk.stats = null;
}
