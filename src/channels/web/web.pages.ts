import type { Config } from '../../config.js';
import { MAX_PHOTOS } from './web.schema.js';
import { texts, type Lang, type Texts } from './web.i18n.js';
import { PUBLIC_STATUS_LABEL, type StatusView } from './web.status.js';

// Server-rendered pages: the form works as a plain form post; /tip/assets/tip.js (our own
// origin, nothing third-party) adds previews, upload progress and the proof of work.

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (v: unknown) => String(v ?? '').replace(/[&<>"']/g, (c) => ESC[c]);

export interface FormValues {
  body?: string;
  location?: string;
  name?: string;
  phone?: string;
  email?: string;
  consent?: boolean;
}

function layout(t: Texts, lang: Lang, title: string, main: string, switchHref?: string): string {
  return `<!doctype html>
<html lang="${t.htmlLang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${esc(title)}</title>
<link rel="stylesheet" href="/tip/assets/tip.css">
<script src="/tip/assets/tip.js" defer></script>
</head>
<body data-lang="${lang}">
<main class="wrap">
<header class="top"><h1>${esc(t.heading)}</h1><a class="lang" href="${esc(switchHref ?? t.other.href)}" hreflang="${lang === 'zh' ? 'en' : 'zh'}">${esc(t.other.label)}</a></header>
${main}
</main>
</body>
</html>`;
}

const errorBox = (t: Texts, message: string | null) =>
  `<div class="error" id="form-error" role="alert"${message ? '' : ' hidden'}>${message ? `<b>${esc(t.errorTitle)}</b><br>${esc(message)}` : ''}</div>`;

/** Strings the script shows, carried on the form (the page has no inline script). */
function scriptData(t: Texts, config: Config): string {
  const d = { maxPhotos: MAX_PHOTOS, maxBytes: config.ATTACHMENT_MAX_BYTES, msgTooMany: t.tooMany, msgTooBig: t.tooBig, msgNotImage: t.notImage };
  const more = { msgNetwork: t.network, msgSending: t.sending, msgThanks: t.thanks, msgReference: t.reference, msgKeep: t.keepLink };
  const rest = { msgOpen: t.openStatus, msgAnother: t.another, msgFollowThanks: t.followThanks, msgRequired: t.body };
  return Object.entries({ ...d, ...more, ...rest })
    .map(([k, v]) => ` data-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${esc(v)}"`)
    .join('');
}

const photoInput = (t: Texts) => `
<label for="photos">${esc(t.photos)}</label>
<input type="file" id="photos" name="photos" accept="image/*" multiple>
<div class="previews" id="previews" aria-live="polite"></div>`;

const progress = `<div class="progress" hidden><progress max="100" value="0"></progress></div>`;

export function formPage(config: Config, lang: Lang, o: { values?: FormValues; error?: string | null; challenge: boolean }): string {
  const t = texts(lang, config);
  const v = o.values ?? {};
  const main = `
<p class="intro">${esc(t.intro)}</p>
${errorBox(t, o.error ?? null)}
<form id="tip-form" method="post" action="/tip?lang=${lang}" enctype="multipart/form-data" data-api="/api/public/tips" data-kind="tip" data-challenge="${o.challenge ? 'on' : 'off'}"${scriptData(t, config)}>
<input type="hidden" name="lang" value="${lang}">
<label for="body">${esc(t.body)} <span class="req">${esc(t.required)}</span></label>
<textarea id="body" name="body" rows="6" maxlength="5000" required aria-describedby="body-hint">${esc(v.body)}</textarea>
<small id="body-hint">${esc(t.bodyHint)}</small>
<label for="location">${esc(t.location)}</label>
<input id="location" name="location" maxlength="200" placeholder="${esc(t.locationHint)}" value="${esc(v.location)}">
${photoInput(t)}
<fieldset class="contact">
<legend>${esc(t.contact)}</legend>
<small>${esc(t.contactHint)}</small>
<label for="name">${esc(t.name)}</label><input id="name" name="name" maxlength="100" autocomplete="name" data-contact value="${esc(v.name)}">
<label for="phone">${esc(t.phone)}</label><input id="phone" name="phone" type="tel" maxlength="30" autocomplete="tel" data-contact value="${esc(v.phone)}">
<label for="email">${esc(t.email)}</label><input id="email" name="email" type="email" maxlength="320" autocomplete="email" data-contact value="${esc(v.email)}">
<div class="consent" id="consent-box"><input type="checkbox" id="consent" name="consent" value="on"${v.consent ? ' checked' : ''}> <label for="consent">${esc(t.consent)} <a href="#privacy">${esc(t.privacyTitle)}</a></label></div>
</fieldset>
<div class="hp" aria-hidden="true"><label for="website">Website</label><input id="website" name="website" tabindex="-1" autocomplete="off"></div>
${o.challenge ? `<noscript><p class="error">${esc(t.noscriptChallenge)}</p></noscript>` : ''}
${progress}
<button type="submit">${esc(t.submit)}</button>
</form>
<section class="privacy" id="privacy"><h2>${esc(t.privacyTitle)}</h2><ul>${t.privacy.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></section>`;
  return layout(t, lang, t.title, main);
}

export function receivedPage(config: Config, lang: Lang, o: { reference: string; statusPath: string }): string {
  const t = texts(lang, config);
  const main = `
<section class="result" id="result">
<h2>${esc(t.thanks)}</h2>
<p>${esc(t.reference)}</p>
<p class="reference" id="reference">${esc(o.reference)}</p>
<p>${esc(t.keepLink)}</p>
<p><a class="button" id="status-link" href="${esc(o.statusPath)}?lang=${lang}">${esc(t.openStatus)}</a></p>
<p><a href="/tip?lang=${lang}">${esc(t.another)}</a></p>
</section>`;
  return layout(t, lang, t.title, main);
}

function formatTime(at: Date, config: Config, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: config.TIMEZONE, dateStyle: 'medium', timeStyle: 'short' }).format(
    at,
  );
}

export function statusPage(config: Config, lang: Lang, o: { view: StatusView; path: string; error?: string | null; notice?: string | null }): string {
  const t = texts(lang, config);
  const label = PUBLIC_STATUS_LABEL[o.view.status];
  const main = `
<section class="status" id="status">
<h2>${esc(t.statusTitle)}</h2>
<dl>
<dt>${esc(t.reference)}</dt><dd class="reference" id="reference">${esc(o.view.reference)}</dd>
<dt>${esc(t.received)}</dt><dd id="received">${esc(formatTime(o.view.receivedAt, config, lang))}</dd>
<dt>${esc(t.status)}</dt><dd id="public-status" class="badge s-${o.view.status}">${esc(lang === 'en' ? label.en : label.zh)}</dd>
</dl>
</section>
${o.notice ? `<p class="notice" id="notice" role="status">${esc(o.notice)}</p>` : ''}
<h2>${esc(t.followTitle)}</h2>
${errorBox(t, o.error ?? null)}
<form id="followup-form" method="post" action="${esc(o.path)}?lang=${lang}" enctype="multipart/form-data" data-api="/api/public${esc(o.path.replace(/^\/tip/, '/tips'))}/followups" data-kind="followup" data-challenge="off"${scriptData(t, config)}>
<input type="hidden" name="lang" value="${lang}">
<label for="body">${esc(t.followBody)}</label>
<textarea id="body" name="body" rows="4" maxlength="5000"></textarea>
${photoInput(t)}
<div class="hp" aria-hidden="true"><label for="website">Website</label><input id="website" name="website" tabindex="-1" autocomplete="off"></div>
${progress}
<button type="submit">${esc(t.followSubmit)}</button>
</form>`;
  return layout(t, lang, t.statusTitle, main, `${o.path}${t.other.href}`);
}

export function notFoundPage(config: Config, lang: Lang): string {
  const t = texts(lang, config);
  return layout(t, lang, t.notFound, `<p class="error">${esc(t.notFound)}</p>`);
}
