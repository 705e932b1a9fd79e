import { ApiError, get, post, session, setUnauthenticatedHandler } from './api.js';
import { fill, h } from './h.js';
import { addStrings, currentLang, setLang, t, type Lang } from './i18n.js';
import { mountInbox } from './inbox.js';
import { filtersFromHash, filtersToHash, inbox, listQuery } from './inbox-state.js';
import { alertsEnabled, pageTitle, setAlerts, startDesk, stopDesk } from './desk.js';
import { mountLeads } from './leads.js';
import { lazyView } from './lazy.js';
import type { TipSummary, User } from './types.js';
import { errorText } from './ui.js';

// Hash routes: #/login, #/inbox?filters, #/tips/<id>, #/leads, #/places, #/incidents, #/health, #/account, #/users.
// Each view returns its clean-up (timers, key handlers), run before the next view mounts.

const mountTipView = lazyView(() => import('./tip-view.js').then((m) => m.mountTipView));
const mountAccount = lazyView(() => import('./accounts.js').then((m) => m.mountAccount));
const mountUsers = lazyView(() => import('./accounts.js').then((m) => m.mountUsers));
const mountHealth = lazyView(() => import('./health.js').then((m) => m.mountHealth));
const mountPlaces = lazyView(() => import('./places.js').then((m) => m.mountPlaces));
const mountIncidents = lazyView(() => import('./incidents.js').then((m) => m.mountIncidents));

/** Switches the language, fetching the English strings first when they are not here yet. */
function useLang(next: Lang): Promise<void> {
  const ready = next === 'en' ? import('./strings-en.js').then((m) => addStrings('en', m.english)) : Promise.resolve();
  return ready.then(
    () => setLang(next),
    () => setLang('zh'),
  );
}

const app = document.getElementById('app')!;
let unmount: (() => void) | null = null;
let lastList = '#/inbox';

const isEditor = (u: User | null) => u?.role === 'EDITOR' || u?.role === 'ADMIN';
const home = (u: User | null) => (isEditor(u) ? '#/inbox' : '#/leads');

function go(hash: string) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function langButton() {
  return h(
    'button',
    {
      type: 'button',
      class: 'btn lang',
      'data-testid': 'lang',
      onclick: () => void useLang(currentLang() === 'zh' ? 'en' : 'zh').then(route),
    },
    t('langSwitch'),
  );
}

function navBar(user: User, active: string) {
  const link = (hash: string, label: string) =>
    h('a', { href: hash, class: active === hash ? 'active' : '', 'aria-current': active === hash ? 'page' : null }, label);
  const links = isEditor(user)
    ? [link('#/inbox', t('inbox')), link('#/places', t('places')), link('#/incidents', t('incidents')), link('#/health', t('health'))]
    : [link('#/leads', t('leads'))];
  if (user.role === 'ADMIN') links.push(link('#/users', t('users')));
  // Sound and desktop notification for new and urgent tips: off unless the editor turns them on.
  const alerts = isEditor(user)
    ? h(
        'label',
        { class: 'alerts-toggle', title: t('alertsSetting') },
        h('input', {
          type: 'checkbox',
          name: 'alerts',
          checked: alertsEnabled(),
          onchange: (e: Event) => void setAlerts((e.target as HTMLInputElement).checked),
        }),
        h('span', { class: 'sr-only' }, t('alertsSetting')),
        h('span', { 'aria-hidden': 'true' }, t('alertsShort')),
      )
    : null;
  return h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: home(user) }, t('appName')),
    h('nav', { class: 'main-nav', 'aria-label': t('mainNav') }, links),
    h('span', { class: 'spacer' }),
    alerts,
    h('a', { class: 'me', href: '#/account', title: `${user.email} · ${t('account')}`, 'data-testid': 'account-link' }, user.displayName),
    langButton(),
    h('button', { type: 'button', class: 'btn', onclick: () => void logout() }, t('logout')),
  );
}

async function logout() {
  try {
    await post('/api/auth/logout', {});
  } catch {
    /* the token is dropped either way */
  }
  session.clear();
  stopDesk();
  inbox.loaded = false;
  inbox.rows = [];
  go('#/login');
}

function loginPage() {
  const error = h('p', { class: 'error', role: 'alert' });
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, t('login'));
  async function onSubmit(e: Event) {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      const res = await post<{ token: string; user: User }>('/api/auth/login', { email: email.value, password: password.value });
      session.save(res.token, res.user);
      inbox.loaded = false;
      go(home(res.user));
    } catch (err) {
      // One language per message: the server's English text is not mixed into the Chinese one.
      error.textContent =
        err instanceof ApiError && (err.status === 401 || err.status === 400)
          ? `${t('loginFailed')}: ${t('badLogin')}`
          : err instanceof ApiError && err.status === 429
            ? `${t('loginFailed')}: ${t('http.429')}`
            : errorText(err);
    } finally {
      submit.disabled = false;
    }
  }
  fill(
    app,
    h(
      'main',
      { class: 'login' },
      h(
        'form',
        { class: 'panel login-form', onsubmit: onSubmit },
        h('div', { class: 'login-head' }, h('h1', null, t('appName')), langButton()),
        h('label', { class: 'field' }, t('email'), email),
        h('label', { class: 'field' }, t('password'), password),
        error,
        submit,
      ),
    ),
  );
  email.focus();
}

function route() {
  unmount?.();
  unmount = null;
  const user = session.user;
  const hash = location.hash || '#/';
  if (!session.token || !user) {
    stopDesk();
    if (hash !== '#/login') history.replaceState(null, '', '#/login');
    loginPage();
    return;
  }
  startDesk(isEditor(user));
  const path = hash.split('?')[0];
  const [, view, arg] = path.split('/');
  const main = h('main', { class: 'content', id: 'main' });
  fill(app, navBar(user, `#/${view === 'tips' ? lastList.slice(2).split('?')[0] : view}`), main);
  pageTitle();
  if (view === 'tips' && arg) {
    unmount = mountTipView(main, decodeURIComponent(arg), {
      back: () => go(lastList === '#/inbox' ? filtersToHash() : lastList),
      open: (id) => go(`#/tips/${encodeURIComponent(id)}`),
    });
  } else if (view === 'inbox' && isEditor(user)) {
    // The filters come from the address; a changed filter means a fresh list.
    if (filtersFromHash(hash)) inbox.loaded = false;
    lastList = '#/inbox';
    unmount = mountInbox(main, (id) => go(`#/tips/${encodeURIComponent(id)}`));
    // The tip view is the next thing an editor opens: its chunk is fetched while they read the list.
    setTimeout(mountTipView.preload, 1000);
  } else if (view === 'places' && isEditor(user)) {
    lastList = '#/places';
    unmount = mountPlaces(main);
  } else if (view === 'incidents' && isEditor(user)) {
    lastList = '#/incidents';
    unmount = mountIncidents(main);
  } else if (view === 'health' && isEditor(user)) {
    lastList = '#/health';
    unmount = mountHealth(main);
  } else if (view === 'leads') {
    lastList = '#/leads';
    unmount = mountLeads(main);
  } else if (view === 'account') {
    unmount = mountAccount(main);
  } else if (view === 'users' && user.role === 'ADMIN') {
    unmount = mountUsers(main);
  } else {
    history.replaceState(null, '', home(user));
    route();
  }
}

setUnauthenticatedHandler(() => {
  session.clear();
  go('#/login');
});

window.addEventListener('hashchange', route);
const langReady = useLang(currentLang());

// A token from an earlier page load is checked once; the user's role may have changed. The
// inbox's first page is asked for at the same time (not after), so the list shows without a second round trip.
if (session.token) {
  const editorHome = isEditor(session.user) && (location.hash === '' || location.hash === '#/' || location.hash.startsWith('#/inbox'));
  const early = editorHome
    ? (filtersFromHash(location.hash || '#/inbox'), get<{ tips: TipSummary[]; nextCursor: string | null }>(listQuery(null, 50)).catch(() => null))
    : null;
  Promise.all([get<{ user: User }>('/api/auth/me'), early, langReady]).then(
    ([r, first]) => {
      session.setUser(r.user);
      if (first && isEditor(r.user)) {
        inbox.rows = first.tips;
        inbox.nextCursor = first.nextCursor;
        inbox.sel = 0;
        inbox.loaded = true;
      }
      route();
    },
    () => route(),
  );
} else void langReady.then(route);
