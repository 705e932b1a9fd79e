import { attachmentUrl, post } from './api.js';
import { bytes, channelIcon, dateTime, personName, tipsterContact } from './format.js';
import { h } from './h.js';
import { t, tOr } from './i18n.js';
import type { AttachmentInfo, MessageInfo, TipDetail } from './types.js';
import { showError, toast } from './ui.js';

// A tip's thread across channels: messages in time order with their attachments. A message
// that came in with a merged tip says which tip and which tipster it came from, so the
// person behind it can still be called back.

/** `retried` runs after a failed reply was sent again (the view reloads). */
export function threadItems(tip: TipDetail, retried?: () => unknown) {
  const msgs = [...tip.messages].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const inMessages = new Set(msgs.flatMap((m) => m.attachments.map((a) => a.id)));
  const loose = (tip.attachments ?? []).filter((a) => !inMessages.has(a.id));
  return [
    ...msgs.map((m) => message(m, retried)),
    loose.length
      ? h(
          'li',
          { class: 'msg' },
          h('div', { class: 'msg-head' }, h('b', null, t('attachments'))),
          h('div', { class: 'attachments' }, loose.map(attachment)),
        )
      : null,
  ];
}

/** A failed delivery in the reader's language: a known provider code, else the code, else plain "not delivered". */
function deliveryProblem(m: MessageInfo): string {
  const code = m.deliveryErrorCode;
  if (code) return tOr(`deliveryError.${code}`, t('deliveryError.generic', { code }));
  return t('deliveryError.unknown');
}

function retryButton(m: MessageInfo, retried?: () => unknown) {
  const send = async () => {
    try {
      await post(`/api/messages/${m.id}/retry`, {});
      toast(t('resent'));
      await retried?.();
    } catch (e) {
      showError(e);
    }
  };
  return h('button', { type: 'button', class: 'btn small', onclick: () => void send() }, t('retrySend'));
}

function message(m: MessageInfo, retried?: () => unknown) {
  const outbound = m.direction === 'OUTBOUND';
  const kindLabel = m.kind === 'voicemail' ? t('voicemail') : m.kind === 'transcript' ? t('transcript') : null;
  return h(
    'li',
    { class: `msg ${outbound ? 'out' : 'in'} kind-${m.kind.replace(/[^a-z0-9_-]/gi, '')}${m.origin ? ' merged-in' : ''}`, 'data-message-id': m.id },
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
    m.origin
      ? h(
          'p',
          { class: 'msg-origin', 'data-testid': 'msg-origin' },
          h('a', { href: `#/tips/${encodeURIComponent(m.origin.tipId)}` }, t('mergedFromLabel', { ref: m.origin.reference })),
          ' · ',
          ...tipsterContact(m.origin.tipster),
        )
      : null,
    m.subject ? h('p', { class: 'msg-subject' }, m.subject) : null,
    m.body ? h('p', { class: 'msg-body' }, m.body) : null,
    m.deliveryState === 'FAILED'
      ? h('p', { class: 'error delivery-problem', title: m.deliveryError ?? '' }, deliveryProblem(m), ' ', retryButton(m, retried))
      : m.deliveryError
        ? h('p', { class: 'muted' }, m.deliveryError)
        : null,
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
    const link = h('a', { class: 'att image', title: label, target: '_blank', rel: 'noopener', 'aria-label': label }, img);
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
