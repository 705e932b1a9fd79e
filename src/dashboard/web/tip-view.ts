import { ApiError, attachmentUrl, get, post, releaseAttachmentUrls, session } from './api.js';
import { fillPlace } from './places.js';
import { assignWithPicker, categorize, leadButtons, loadRelated, mergeInto, mergeWithPicker, relatedLabel, setStatus, update } from './actions.js';
import { bytes, categoryChip, channelIcon, dateTime, personName, statusChip, summarize, timeEl, tipsterLabel } from './format.js';
import { fill, h } from './h.js';
import { t, tOr } from './i18n.js';
import { CATEGORY_KEYS, inbox, replaceRow } from './inbox.js';
import { CATEGORIES, PRIORITIES, STATUSES, type AttachmentInfo, type MessageInfo, type PriorityValue, type Status, type TipDetail } from './types.js';
import { errorText, isTyping, poll, showError, toast } from './ui.js';

// One tip: its whole thread across channels, notes, history, related tips and the reply box.
// Polls while open so delivery states and new messages show up; each part is redrawn only
// when its data changed, so an audio player keeps playing and a half-typed note survives.

const POLL_MS = 3000;

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
        tp.title,
        tp.priority,
        document.documentElement.lang,
      ],
      () =>
        fill(
          header,
          h('button', { type: 'button', class: 'btn back', onclick: nav.back, title: 'Esc' }, `← ${t('back')}`),
          h(
            'div',
            { class: 'tip-title' },
            channelIcon(tp.channel),
            h('h1', null, tp.reference),
            statusChip(tp.status),
            categoryChip(tp.category),
            tp.priority !== 'normal' ? h('span', { class: `chip prio-${tp.priority}` }, t(`priority.${tp.priority}`)) : null,
          ),
          h(
            'p',
            { class: 'tip-meta' },
            h('span', { class: 'contact', 'data-testid': 'tipster' }, `${t('tipster')}: ${tipsterLabel(tp)}`),
            ' · ',
            timeEl(tp.createdAt),
            tp.assignee ? ` · ${t('assignee')}: ${tp.assignee.displayName}` : '',
            tp.location ? ` · ${t('location')}: ${tp.location}` : '',
          ),
          tp.title ? h('p', { class: 'tip-headline' }, tp.title) : null,
          tp.suggestedCategory && !tp.category
            ? h(
                'p',
                { class: 'tip-suggestion' },
                h('span', { class: `chip ghost cat-${tp.suggestedCategory}` }, `${t('suggested')}: ${t(tp.suggestedCategory)}`),
                tp.suggestionTerms.length ? h('span', { class: 'terms' }, ` ${tp.suggestionTerms.join(' · ')}`) : null,
              )
            : null,
          tp.mergedIntoId
            ? h('p', { class: 'notice' }, `${t('status.MERGED')} → `, h('a', { href: `#/tips/${encodeURIComponent(tp.mergedIntoId)}` }, t('open')))
            : null,
        ),
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
    part(
      'events',
      tp.events.map((e) => e.id),
      () =>
        fill(
          events,
          [...tp.events]
            .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
            .map((e) =>
              h(
                'li',
                null,
                h('b', { title: e.action }, tOr(`action.${e.action}`, e.action)),
                ' ',
                h('span', { class: 'muted' }, `${personName(e.actor)} · ${dateTime(e.createdAt)}`),
                e.before || e.after ? h('div', { class: 'diff' }, summarize(e.before), e.before && e.after ? ' → ' : '', summarize(e.after)) : null,
              ),
            ),
        ),
    );
    replyVia.textContent = tp.reply.channel ? t('replyVia', { channel: t(`channel.${tp.reply.channel}`) }) : '';
    replyWarning.hidden = !tp.reply.reason;
    replyWarning.textContent = tp.reply.reason ? tOr(`replyBlocked.${tp.reply.reason}`, tp.reply.message ?? '') : '';
  }

  function drawControls() {
    const tp = tip!;
    const parts = [];
    if (isEditor) {
      parts.push(
        h('h3', null, t('category')),
        h(
          'div',
          { class: 'file-buttons' },
          CATEGORIES.map((c, k) =>
            h(
              'button',
              {
                type: 'button',
                class: `file-btn cat-${c}${tp.category === c ? ' on' : ''}${!tp.category && tp.suggestedCategory === c ? ' suggested' : ''}`,
                'data-category': c,
                onclick: () => void act(() => categorize(tp, c)),
              },
              `${k + 1} ${t(c)}`,
            ),
          ),
        ),
        h(
          'label',
          { class: 'field' },
          t('priority'),
          h(
            'select',
            {
              name: 'priority',
              onchange: (e: Event) => void act(() => update(tp, { priority: (e.target as HTMLSelectElement).value as PriorityValue })),
            },
            PRIORITIES.map((p) => h('option', { value: p, selected: tp.priority === p }, t(`priority.${p}`))),
          ),
        ),
        h(
          'label',
          { class: 'field' },
          t('status'),
          h(
            'select',
            { name: 'status', onchange: (e: Event) => void act(() => setStatus(tp, (e.target as HTMLSelectElement).value as Status)) },
            STATUSES.filter((s) => s === tp.status || (tp.allowedTransitions ? tp.allowedTransitions.includes(s) : s !== 'MERGED')).map((s) =>
              h('option', { value: s, selected: tp.status === s }, t(`status.${s}`)),
            ),
          ),
        ),
        h(
          'div',
          { class: 'row-buttons' },
          h('button', { type: 'button', class: 'btn', onclick: () => void assign() }, `${t('assign')} (a)`),
          h('button', { type: 'button', class: 'btn', onclick: () => void merge() }, `${t('merge')} (m)`),
        ),
      );
    } else {
      parts.push(
        h(
          'div',
          { class: 'row-buttons' },
          leadButtons(tp, user?.id, (fn) => void act(fn)),
        ),
      );
    }
    // Headline and place, as the desk will print them (editors, and the reporter working the lead).
    if (isEditor || (tp.assignee?.id === user?.id && ['CLAIMED', 'IN_PROGRESS'].includes(tp.status))) parts.push(detailsForm(tp));
    fill(controls, parts);
  }

  function detailsForm(tp: TipDetail) {
    const title = h('input', { type: 'text', name: 'title', maxlength: 200, value: tp.title ?? '' });
    const location = h('input', { type: 'text', name: 'location', maxlength: 200, value: tp.location ?? '' });
    const submit = (e: Event) => {
      e.preventDefault();
      void act(() => update(tp, { title: title.value.trim() || null, location: location.value.trim() || null }));
    };
    return h(
      'form',
      { class: 'details-form', onsubmit: submit },
      h('label', { class: 'field' }, t('title'), title),
      h('label', { class: 'field' }, t('location'), location),
      h('button', { type: 'submit', class: 'btn' }, t('save')),
    );
  }

  function drawThread() {
    const msgs = [...tip!.messages].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const inMessages = new Set(msgs.flatMap((m) => m.attachments.map((a) => a.id)));
    const loose = (tip!.attachments ?? []).filter((a) => !inMessages.has(a.id));
    fill(
      thread,
      msgs.map(message),
      loose.length
        ? h(
            'li',
            { class: 'msg' },
            h('div', { class: 'msg-head' }, h('b', null, t('attachments'))),
            h('div', { class: 'attachments' }, loose.map(attachment)),
          )
        : null,
    );
  }

  function message(m: MessageInfo) {
    const outbound = m.direction === 'OUTBOUND';
    const kindLabel = m.kind === 'voicemail' ? t('voicemail') : m.kind === 'transcript' ? t('transcript') : null;
    return h(
      'li',
      { class: `msg ${outbound ? 'out' : 'in'} kind-${m.kind.replace(/[^a-z0-9_-]/gi, '')}`, 'data-message-id': m.id },
      h(
        'div',
        { class: 'msg-head' },
        channelIcon(m.channel),
        h('b', null, outbound ? `${t('outbound')} · ${personName(m.author)}` : t('inbound')),
        kindLabel ? h('span', { class: 'chip' }, kindLabel) : null,
        h('span', { class: 'muted' }, dateTime(m.createdAt)),
        outbound
          ? h(
              'span',
              { class: `chip delivery delivery-${m.deliveryState.toLowerCase()}`, title: m.deliveryError ?? '' },
              t(`delivery.${m.deliveryState}`),
            )
          : null,
      ),
      m.subject ? h('p', { class: 'msg-subject' }, m.subject) : null,
      m.body ? h('p', { class: 'msg-body' }, m.body) : null,
      m.deliveryError ? h('p', { class: 'error' }, m.deliveryError) : null,
      m.fullBody && m.fullBody !== m.body ? h('details', null, h('summary', null, t('showFull')), h('pre', { class: 'msg-full' }, m.fullBody)) : null,
      m.attachments.length ? h('div', { class: 'attachments' }, m.attachments.map(attachment)) : null,
    );
  }

  function attachment(a: AttachmentInfo) {
    const label = `${a.filename} (${bytes(a.size)})`;
    if (a.state !== 'STORED') return h('div', { class: 'att muted' }, `${label} — ${t(`attachment.${a.state}`)}`);
    const audio = !a.dangerous && a.contentType.startsWith('audio/');
    const image = !a.dangerous && a.contentType.startsWith('image/');
    if (audio) {
      const player = h('audio', { controls: true, preload: 'metadata', 'aria-label': a.filename });
      attachmentUrl(a.id).then(
        (u) => (player.src = u),
        () => player.replaceWith(h('span', { class: 'error' }, `${a.filename}: ${t('error')}`)),
      );
      return h('div', { class: 'att audio' }, player, h('small', { class: 'muted' }, label));
    }
    if (image) {
      const img = h('img', { class: 'thumb', alt: a.filename, loading: 'lazy' });
      const link = h('a', { class: 'att image', title: label, target: '_blank', rel: 'noopener' }, img);
      attachmentUrl(a.id).then(
        (u) => {
          img.src = u;
          link.href = u;
        },
        () => img.replaceWith(h('span', { class: 'error' }, `${a.filename}: ${t('error')}`)),
      );
      return link;
    }
    return h(
      'div',
      { class: 'att file' },
      a.dangerous ? h('span', { class: 'chip warn' }, `⚠ ${t('dangerous')}`) : null,
      h('button', { type: 'button', class: 'btn small', onclick: () => void download(a) }, `${t('download')} ${label}`),
    );
  }

  async function download(a: AttachmentInfo) {
    try {
      const link = h('a', { href: await attachmentUrl(a.id), download: a.filename });
      document.body.appendChild(link);
      link.click();
      link.remove();
    } catch (e) {
      showError(e);
    }
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
                    h('button', { type: 'button', class: 'btn small', 'data-merge-into': r.id, onclick: () => void mergeTo(r.id) }, t('mergeInto')),
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

  async function act(fn: () => Promise<unknown>) {
    try {
      await fn();
      toast(t('saved'));
    } catch (e) {
      showError(e);
    }
    await load().catch(showError);
    await loadRelatedPart().catch(() => {});
  }

  async function assign() {
    if (!tip) return;
    const tp = tip;
    await act(async () => {
      const r = await assignWithPicker(tp);
      if (r) toast(t('assignedTo', { name: r.reporter.displayName }));
    });
  }

  async function merge() {
    if (!tip) return;
    try {
      const survivor = await mergeWithPicker(tip);
      if (survivor) {
        toast(t('merged'));
        nav.open(survivor);
      }
    } catch (e) {
      showError(e);
    }
  }

  async function mergeTo(intoId: string) {
    if (!tip) return;
    try {
      await mergeInto(tip.id, intoId);
      toast(t('merged'));
      nav.open(intoId);
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
    else if (isEditor && tp && CATEGORY_KEYS[e.key]) void act(() => categorize(tp, CATEGORY_KEYS[e.key]));
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
      { class: 'tip-view' },
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
  // Related tips cost a similarity search: refreshed on every fifth tick, not every one.
  let ticks = 0;
  const stop = poll(async () => {
    await load();
    if (++ticks % 5 === 0) await loadRelatedPart();
  }, POLL_MS);
  return () => {
    stop();
    document.removeEventListener('keydown', onKey);
    releaseAttachmentUrls();
  };
}
