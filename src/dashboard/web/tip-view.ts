import { ApiError, get, patch, post, releaseAttachmentUrls, session } from './api.js';
import { fillPlace } from './places.js';
import { assignWithPicker, categorize, confirmAndMerge, loadRelated, mergeWithPicker, relatedLabel, setStatus, update } from './actions.js';
import { controlParts, headerParts } from './tip-parts.js';
import { dateTime, personName, summarize } from './format.js';
import { describeEvent } from './history.js';
import { onTipEvent } from './live.js';
import { threadItems } from './tip-thread.js';
import { fill, h } from './h.js';
import { t, tOr } from './i18n.js';
import { CATEGORY_KEYS, inbox, replaceRow } from './inbox-state.js';
import type { CategoryValue, PriorityValue, TipDetail, TipSummary } from './types.js';
import { errorText, isTyping, lastUndo, showError, showHelp, toast, undoable } from './ui.js';

// One tip: its whole thread across channels, notes, history, related tips and the reply box.
// Polls while open so delivery states and new messages show up; each part is redrawn only
// when its data changed, so an audio player keeps playing and a half-typed note survives.

export function mountTipView(root: HTMLElement, id: string, nav: { back: () => void; open: (id: string) => void }): () => void {
  const user = session.user;
  const isEditor = user?.role === 'EDITOR' || user?.role === 'ADMIN';
  let tip: TipDetail | null = null;
  const signatures = new Map<string, string>();

  const header = h('header', { class: 'tip-header' }, h('p', { class: 'muted' }, t('loading')));
  const controls = h('div', { class: 'panel controls' });
  const thread = h('ol', { class: 'thread' });
  const notes = h('ul', { class: 'notes' });
  const events = h('ol', { class: 'events' });
  const related = h('ul', { class: 'related' });
  const placeBox = h('div', { class: 'panel place' });

  const noteInput = h('textarea', { rows: 2, name: 'note', 'aria-label': t('addNote'), placeholder: t('addNote') });
  const replyInput = h('textarea', { rows: 3, name: 'reply', 'aria-label': t('reply'), placeholder: t('reply') });
  const replyVia = h('span', { class: 'muted' });
  // Why a reply cannot go out now (no contact, opted out, outside WeChat's 48 hours), said before the editor types.
  const replyWarning = h('p', { class: 'notice reply-warning', role: 'status', hidden: true });

  /** Redraws a part only when the data behind it changed. */
  function part(name: string, data: unknown, draw: () => void) {
    const sig = JSON.stringify(data);
    if (signatures.get(name) === sig) return;
    signatures.set(name, sig);
    draw();
  }

  function render() {
    if (!tip) return;
    const tp = tip;
    part(
      'header',
      [
        tp.version,
        tp.status,
        tp.category,
        tp.suggestedCategory,
        tp.suggestionTerms,
        tp.assignee,
        tp.tipster,
        tp.otherTipsters,
        tp.title,
        tp.priority,
        document.documentElement.lang,
      ],
      () => fill(header, headerParts(tp, nav.back)),
    );
    part('controls', [tp.version, tp.status, tp.category, tp.priority, tp.assignee, document.documentElement.lang], drawControls);
    part(
      'thread',
      [
        tp.messages.map((m) => [m.id, m.deliveryState, m.deliveryError, m.attachments.map((a) => a.state)]),
        (tp.attachments ?? []).map((a) => [a.id, a.state]),
      ],
      drawThread,
    );
    part(
      'notes',
      tp.notes.map((n) => n.id),
      () =>
        fill(
          notes,
          tp.notes.length
            ? tp.notes.map((n) =>
                h(
                  'li',
                  null,
                  h('p', { class: 'note-body' }, n.body),
                  h('small', { class: 'muted' }, `${personName(n.author)} · ${dateTime(n.createdAt)}`),
                ),
              )
            : h('li', { class: 'muted' }, '—'),
        ),
    );
    part('events', [tp.events.map((e) => e.id), document.documentElement.lang], () =>
      fill(
        events,
        [...tp.events]
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
          .map((e) =>
            h(
              'li',
              { 'data-action': e.action, title: [summarize(e.before), summarize(e.after)].filter(Boolean).join(' → ') || null },
              h('span', { class: 'event-text' }, describeEvent(e)),
              ' ',
              h('small', { class: 'muted' }, dateTime(e.createdAt)),
            ),
          ),
      ),
    );
    replyVia.textContent = tp.reply.channel ? t('replyVia', { channel: t(`channel.${tp.reply.channel}`) }) : '';
    replyWarning.hidden = !tp.reply.reason;
    replyWarning.textContent = tp.reply.reason ? tOr(`replyBlocked.${tp.reply.reason}`, tp.reply.message ?? '') : '';
  }

  function drawControls() {
    fill(
      controls,
      controlParts(tip!, user, isEditor, {
        file: (c) => void fileAs(c),
        priority: (p) => void setPriority(p),
        status: (st) => void act(() => setStatus(tip!, st)),
        assign: () => void assign(),
        merge: () => void merge(),
        act: (fn) => void act(fn),
      }),
    );
  }

  function drawThread() {
    fill(
      thread,
      threadItems(tip!, () => load()),
    );
  }

  async function loadRelatedPart() {
    if (!tip || !isEditor) return;
    try {
      const rel = (await loadRelated(tip.id)).filter((r) => r.id !== tip!.id);
      part(
        'related',
        rel.map((r) => [r.id, r.status, r.version]),
        () =>
          fill(
            related,
            rel.length
              ? rel.map((r) =>
                  h(
                    'li',
                    null,
                    h('a', { href: `#/tips/${encodeURIComponent(r.id)}` }, relatedLabel(r)),
                    h('button', { type: 'button', class: 'btn small', 'data-merge-into': r.id, onclick: () => void mergeTo(r) }, t('mergeInto')),
                  ),
                )
              : h('li', { class: 'muted' }, t('noRelated')),
          ),
      );
    } catch (e) {
      if (!(e instanceof ApiError && (e.status === 403 || e.status === 404))) throw e;
    }
  }

  async function load() {
    const res = await get<{ tip: TipDetail }>(`/api/tips/${encodeURIComponent(id)}`);
    tip = res.tip;
    tip.messages ??= [];
    tip.notes ??= [];
    tip.events ??= [];
    replaceRow(tip);
    render();
    if (tip.place) fillPlace(placeBox, tip, tip.allowedTransitions.length > 0 || isEditor, load);
  }

  async function act(fn: () => Promise<unknown>, saved = true) {
    try {
      await fn();
      if (saved) toast(t('saved'));
    } catch (e) {
      showError(e);
    }
    await load().catch(showError);
    await loadRelatedPart().catch(() => {});
  }

  const tipPath = () => `/api/tips/${encodeURIComponent(id)}`;
  /** Reverses a PATCH with the version the change produced. */
  const undoPatch = (fields: Record<string, unknown>) => async () => {
    const current = (await get<{ tip: TipSummary }>(tipPath())).tip;
    await patch(tipPath(), { version: current.version, ...fields });
    await load();
  };

  async function fileAs(c: CategoryValue) {
    const tp = tip!;
    await act(async () => {
      await categorize(tp, c);
      // A NEW tip goes back to the inbox; a re-filed one back to its old section.
      undoable(`${tp.reference} · ${t('filedAs', { cat: t(c) })}`, undoPatch(tp.status === 'NEW' ? { status: 'NEW' } : { category: tp.category }));
    }, false);
  }

  async function setPriority(p: PriorityValue) {
    const tp = tip!;
    await act(async () => {
      await update(tp, { priority: p });
      undoable(`${tp.reference} · ${t('priority')}: ${t(`priority.${p}`)}`, undoPatch({ priority: tp.priority }));
    }, false);
  }

  async function assign() {
    if (!tip) return;
    const tp = tip;
    await act(async () => {
      const r = await assignWithPicker(tp);
      if (!r) return;
      const back =
        tp.assignee && tp.status !== 'TRIAGED' ? post(`${tipPath()}/assign`, { reporterId: tp.assignee.id }) : post(`${tipPath()}/release`, {});
      undoable(`${tp.reference} · ${t('assignedTo', { name: r.reporter.displayName })}`, () => back.then(load));
    }, false);
  }

  function afterMerge(tp: TipDetail, res: { intoId: string; undo: () => Promise<unknown> } | null) {
    if (!res) return;
    undoable(`${tp.reference} · ${t('merged')}`, () => res.undo().then(() => nav.open(tp.id)));
    nav.open(res.intoId);
  }

  async function merge() {
    if (!tip) return;
    const tp = tip;
    try {
      afterMerge(tp, await mergeWithPicker(tp));
    } catch (e) {
      showError(e);
    }
  }

  async function mergeTo(target: TipSummary) {
    if (!tip) return;
    const tp = tip;
    try {
      afterMerge(tp, await confirmAndMerge(tp, target));
    } catch (e) {
      showError(e);
    }
  }

  /** A form posting one textarea's text to a tip's sub-resource (notes, reply). */
  function textForm(cls: string, input: HTMLTextAreaElement, path: string, done: string | null, ...rest: Parameters<typeof h>[2][]) {
    async function submit(e: Event) {
      e.preventDefault();
      const body = input.value.trim();
      if (!body || !tip) return;
      try {
        await post(`/api/tips/${tip.id}/${path}`, { body });
        input.value = '';
        if (done) toast(done);
        await load();
      } catch (err) {
        showError(err);
      }
    }
    return h('form', { class: cls, onsubmit: (e: Event) => void submit(e) }, ...rest);
  }

  /** j/k walk the inbox's rows without going back to it. */
  function step(delta: number) {
    const i = inbox.rows.findIndex((r) => r.id === id);
    const next = inbox.rows[i + delta];
    if (i >= 0 && next) {
      inbox.sel = i + delta;
      nav.open(next.id);
    }
  }

  function onKey(e: KeyboardEvent) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (isTyping(e.target)) {
      if (e.key === 'Escape') (e.target as HTMLElement).blur();
      return;
    }
    const tp = tip;
    if (e.key === 'Escape') nav.back();
    else if (isEditor && tp && CATEGORY_KEYS[e.key]) void fileAs(CATEGORY_KEYS[e.key]);
    else if (e.key === 'u') void lastUndo();
    else if (e.key === '?') showHelp();
    else if (isEditor && e.key === 'a') void assign();
    else if (isEditor && e.key === 'm') void merge();
    else if (e.key === 'j') step(1);
    else if (e.key === 'k') step(-1);
    else return;
    e.preventDefault();
  }

  fill(
    root,
    h(
      'section',
      { class: 'tip-view', 'aria-label': t('thread') },
      header,
      h(
        'div',
        { class: 'tip-columns' },
        h(
          'div',
          { class: 'main-col' },
          h('h2', null, t('thread')),
          thread,
          textForm(
            'panel reply',
            replyInput,
            'reply',
            t('sent'),
            h('h3', null, t('reply')),
            replyWarning,
            replyInput,
            h('div', { class: 'row-buttons' }, replyVia, h('button', { type: 'submit', class: 'btn primary' }, t('send'))),
          ),
        ),
        h(
          'aside',
          { class: 'side-col' },
          controls,
          placeBox,
          h(
            'div',
            { class: 'panel' },
            h('h3', null, t('notes')),
            notes,
            textForm('note-form', noteInput, 'notes', null, noteInput, h('button', { type: 'submit', class: 'btn' }, t('addNote'))),
          ),
          isEditor ? h('div', { class: 'panel' }, h('h3', null, t('related')), related) : null,
          h('div', { class: 'panel' }, h('h3', null, t('history')), events),
        ),
      ),
    ),
  );

  load()
    .then(() => loadRelatedPart())
    .catch((e: unknown) =>
      fill(header, h('button', { type: 'button', class: 'btn back', onclick: nav.back }, `← ${t('back')}`), h('p', { class: 'error' }, errorText(e))),
    );
  document.addEventListener('keydown', onKey);
  // Live: this tip's changes (a new message, a delivery state, someone else's edit) arrive as
  // desk events; a burst is coalesced into one read. Related tips cost a similarity search: re-read on its own events only.
  let liveTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = onTipEvent((e) => {
    if (e.tipId !== id) return;
    clearTimeout(liveTimer);
    liveTimer = setTimeout(
      () =>
        void load()
          .then(loadRelatedPart)
          .catch(() => {}),
      200,
    );
  });
  return () => {
    stop();
    clearTimeout(liveTimer);
    document.removeEventListener('keydown', onKey);
    releaseAttachmentUrls();
  };
}
