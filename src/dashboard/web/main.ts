import { ApiError, get, post, session, setUnauthenticatedHandler } from './api.js';
import { fill, h } from './h.js';
import { currentLang, setLang, t } from './i18n.js';
import { inbox, mountInbox } from './inbox.js';
import { mountLeads } from './leads.js';
import { mountHealth } from './health.js';
import { mountTipView } from './tip-view.js';
import { mountPlaces } from './places.js';
import type { User } from './types.js';
import { errorText } from './ui.js';

// Hash routes: #/login, #/inbox, #/tips/<id>, #/leads, #/health. Each view returns its
// clean-up (timers, key handlers), run before the next view mounts.

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
      onclick: () => {
        setLang(currentLang() === 'zh' ? 'en' : 'zh');
        route();
      },
    },
    t('langSwitch'),
  );
}

function navBar(user: User, active: string) {
  const link = (hash: string, label: string) => h('a', { href: hash, class: active === hash ? 'active' : '' }, label);
  return h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: home(user) }, t('appName')),
    h(
      'nav',
      { class: 'main-nav' },
      isEditor(user) ? [link('#/inbox', t('inbox')), link('#/places', t('places')), link('#/health', t('health'))] : link('#/leads', t('leads')),
    ),
    h('span', { class: 'spacer' }),
    h('span', { class: 'me', title: user.email }, user.displayName),
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
      error.textContent = err instanceof ApiError ? `${t('loginFailed')}: ${err.message}` : errorText(err);
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
    if (hash !== '#/login') history.replaceState(null, '', '#/login');
    loginPage();
    return;
  }
  const [, view, arg] = hash.split('/');
  const main = h('main', { class: 'content' });
  const activeFor = (v: string) => `#/${v}`;
  fill(app, navBar(user, activeFor(view === 'tips' ? lastList.slice(2) : view)), main);
  document.title = `${t('appName')} · Tipdesk`;
  if (view === 'tips' && arg) {
    unmount = mountTipView(main, decodeURIComponent(arg), { back: () => go(lastList), open: (id) => go(`#/tips/${encodeURIComponent(id)}`) });
  } else if (view === 'inbox' && isEditor(user)) {
    lastList = '#/inbox';
    unmount = mountInbox(main, (id) => go(`#/tips/${encodeURIComponent(id)}`));
  } else if (view === 'places' && isEditor(user)) {
    lastList = '#/places';
    unmount = mountPlaces(main);
  } else if (view === 'health' && isEditor(user)) {
    lastList = '#/health';
    unmount = mountHealth(main);
  } else if (view === 'leads') {
    lastList = '#/leads';
    unmount = mountLeads(main);
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
setLang(currentLang());

// A token from an earlier page load is checked once; the user's role may have changed.
if (session.token) {
  get<{ user: User }>('/api/auth/me').then(
    (r) => {
      session.setUser(r.user);
      route();
    },
    () => route(),
  );
} else route();
