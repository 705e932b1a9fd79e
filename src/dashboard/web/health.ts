import { ApiError, get, post } from './api.js';
import { channelIcon, dateTime, timeEl } from './format.js';
import { fill, h } from './h.js';
import { currentLang, t } from './i18n.js';
import type { ChannelInfo, IntakeChannelHealth, SubmissionInfo } from './types.js';
import { errorText, poll, showError, toast } from './ui.js';

interface DeadJob {
  id: string;
  kind: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

// Editors' view of the intake: is every channel being polled / called, do the counts of
// received and stored items agree, and what is stuck in quarantine.

const POLL_MS = 5000;

export function mountHealth(root: HTMLElement): () => void {
  const channels = h('div', { class: 'health-cards' }, h('p', { class: 'muted' }, t('loading')));
  const quarantine = h('div', { class: 'quarantine' });
  // Dead jobs (admins only: their errors are provider texts, scrubbed of contacts but not for every role).
  const deadTitle = h('h2', { hidden: true }, t('deadJobs'));
  const dead = h('div', { class: 'dead-jobs', hidden: true });
  async function loadDead() {
    try {
      const { jobs } = await get<{ jobs: DeadJob[] }>('/api/jobs?state=DEAD&limit=50');
      deadTitle.hidden = dead.hidden = false;
      fill(
        dead,
        jobs.length
          ? h(
              'ul',
              { class: 'quarantine-list' },
              jobs.map((j) =>
                h(
                  'li',
                  { class: 'card', 'data-job': j.id },
                  h(
                    'div',
                    { class: 'card-head' },
                    h('code', null, j.kind),
                    h('span', { class: 'muted' }, `${j.attempts}× · ${dateTime(j.createdAt)}`),
                  ),
                  j.lastError ? h('p', { class: 'error' }, j.lastError) : null,
                  h('div', { class: 'card-actions' }, h('button', { type: 'button', class: 'btn', onclick: () => void retryDead(j.id) }, t('retry'))),
                ),
              ),
            )
          : h('p', { class: 'muted' }, t('noDeadJobs')),
      );
    } catch (e) {
      // Editors are not admins: the section stays hidden for them.
      if (!(e instanceof ApiError && e.status === 403)) throw e;
    }
  }
  async function retryDead(id: string) {
    try {
      await post(`/api/jobs/${id}/retry`, {});
      toast(t('retried'));
    } catch (e) {
      showError(e);
    }
    await loadDead().catch(showError);
  }
  // Which channel adapters are on: an off channel explains a silent intake at a glance.
  const adapters = h('ul', { class: 'adapter-list', 'aria-label': t('channelsOnOff') });
  const adapterItem = (a: ChannelInfo) =>
    h(
      'li',
      { class: `chip ${a.enabled ? 'health-ok' : 'health-off'}`, 'data-adapter': a.id },
      `${currentLang() === 'zh' ? a.label.zh : a.label.en}: ${t(a.enabled ? 'adapterOn' : 'adapterOff')}`,
    );

  function channelCard(c: IntakeChannelHealth) {
    const stat = (label: string, value: number, cls = '') =>
      h('div', { class: `stat ${cls}` }, h('span', { class: 'stat-value' }, String(value ?? 0)), h('span', { class: 'stat-label' }, label));
    const backlog = typeof c.backlog === 'number' ? c.backlog : (c.backlog?.atSource ?? 0) + (c.backlog?.waiting ?? 0);
    const stalled = typeof c.backlog === 'number' ? 0 : (c.backlog?.stalled ?? 0);
    const failing = c.status === 'failing' || c.status === 'stale';
    return h(
      'article',
      { class: `card health-card${failing ? ' has-error' : ''}`, 'data-source': c.id },
      h(
        'div',
        { class: 'card-head' },
        channelIcon(c.channel),
        h('b', null, c.id),
        h('span', { class: 'muted' }, t(`channel.${c.channel}`)),
        c.status ? h('span', { class: `chip health-${c.status}` }, t(`health.${c.status}`)) : null,
      ),
      h(
        'div',
        { class: 'stats' },
        stat(t('seen'), c.seen),
        stat(t('stored'), c.stored),
        stat(t('skipped'), c.skipped),
        stat(t('duplicates'), c.duplicates),
        stat(t('quarantined'), c.quarantined, c.quarantined ? 'warn' : ''),
        stat(t('backlog'), backlog, stalled ? 'warn' : ''),
      ),
      // Webhook sources are never polled: their last call is their last success.
      h(
        'p',
        null,
        `${t('lastPoll')}: `,
        timeEl(c.lastPollAt ?? c.lastSuccessAt),
        (c.lastPollAt ?? c.lastSuccessAt) ? h('span', { class: 'muted' }, ` (${dateTime(c.lastPollAt ?? c.lastSuccessAt)})`) : null,
      ),
      h('p', null, `${t('lastSuccess')}: `, timeEl(c.lastSuccessAt)),
      c.lastError
        ? h('p', { class: failing ? 'error' : 'muted' }, `${t('lastError')} (${c.lastErrorAt ? dateTime(c.lastErrorAt) : '—'}): ${c.lastError}`)
        : null,
    );
  }

  async function retry(s: SubmissionInfo) {
    try {
      await post(`/api/submissions/${s.id}/retry`, {});
      toast(t('retried'));
    } catch (e) {
      showError(e);
    }
    await load().catch(showError);
  }

  async function load() {
    void loadDead().catch(showError);
    const [health, subs] = await Promise.allSettled([
      get<{ channels: IntakeChannelHealth[]; quarantined: number; adapters: ChannelInfo[] }>('/api/intake/health'),
      get<{ submissions: SubmissionInfo[] }>('/api/submissions?state=QUARANTINED'),
    ]);
    if (health.status === 'fulfilled') {
      fill(adapters, health.value.adapters.map(adapterItem));
      fill(channels, health.value.channels.length ? health.value.channels.map(channelCard) : h('p', { class: 'muted' }, '—'));
    } else {
      const e = health.reason;
      fill(channels, h('p', { class: 'muted' }, e instanceof ApiError && e.status === 404 ? t('healthUnavailable') : errorText(e)));
    }
    if (subs.status === 'fulfilled') {
      const rows = subs.value.submissions;
      fill(
        quarantine,
        rows.length
          ? h(
              'ul',
              { class: 'quarantine-list' },
              rows.map((s) =>
                h(
                  'li',
                  { class: 'card', 'data-submission': s.id },
                  h(
                    'div',
                    { class: 'card-head' },
                    channelIcon(s.channel),
                    h('code', null, s.externalId),
                    h('span', { class: 'muted' }, dateTime(s.receivedAt)),
                  ),
                  s.lastError ? h('p', { class: 'error' }, s.lastError) : null,
                  h('div', { class: 'card-actions' }, h('button', { type: 'button', class: 'btn', onclick: () => void retry(s) }, t('retry'))),
                ),
              ),
            )
          : h('p', { class: 'muted' }, t('noQuarantined')),
      );
    } else fill(quarantine, h('p', { class: 'error' }, errorText(subs.reason)));
  }

  fill(
    root,
    h(
      'section',
      { class: 'health' },
      h('h1', { class: 'view-title' }, t('health')),
      adapters,
      channels,
      h('h2', null, t('quarantined')),
      quarantine,
      deadTitle,
      dead,
    ),
  );
  load().catch(showError);
  return poll(load, POLL_MS);
}
