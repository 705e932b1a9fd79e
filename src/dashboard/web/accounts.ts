import { get, patch, post, session } from './api.js';
import { fill, h } from './h.js';
import { t } from './i18n.js';
import type { Role, User } from './types.js';
import { errorText, showError, toast } from './ui.js';

// Accounts: everyone changes their own password (POST /api/auth/password); an admin creates,
// edits, deactivates users and resets their passwords (the /api/users endpoints).

const MIN_PASSWORD = 10;
const ROLES: Role[] = ['EDITOR', 'REPORTER', 'ADMIN'];

function passwordInput(name: string, autocomplete: string) {
  return h('input', { type: 'password', name, autocomplete, required: true, minlength: MIN_PASSWORD, maxlength: 200 });
}

export function mountAccount(root: HTMLElement): () => void {
  const user = session.user;
  const current = h('input', { type: 'password', name: 'currentPassword', autocomplete: 'current-password', required: true });
  const next = passwordInput('newPassword', 'new-password');
  const again = passwordInput('repeatPassword', 'new-password');
  const message = h('p', { class: 'form-message', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, t('changePassword'));
  async function onSubmit(e: Event) {
    e.preventDefault();
    message.className = 'form-message error';
    if (next.value.length < MIN_PASSWORD) return void (message.textContent = t('passwordTooShort', { n: MIN_PASSWORD }));
    if (next.value !== again.value) return void (message.textContent = t('passwordMismatch'));
    submit.disabled = true;
    try {
      await post('/api/auth/password', { currentPassword: current.value, newPassword: next.value });
      for (const i of [current, next, again]) i.value = '';
      message.className = 'form-message ok';
      message.textContent = t('passwordChanged');
      toast(t('passwordChanged'));
    } catch (err) {
      message.textContent = errorText(err);
    } finally {
      submit.disabled = false;
    }
  }
  fill(
    root,
    h(
      'section',
      { class: 'account' },
      h('h1', { class: 'view-title' }, t('account')),
      h('p', { class: 'muted' }, `${user?.displayName ?? ''} · ${user?.email ?? ''} · ${user ? t(`role.${user.role}`) : ''}`),
      h(
        'form',
        { class: 'panel narrow-form', onsubmit: (e: Event) => void onSubmit(e) },
        h('h2', null, t('changePassword')),
        h('label', { class: 'field' }, t('currentPassword'), current),
        h('label', { class: 'field' }, t('newPassword'), next),
        h('label', { class: 'field' }, t('repeatPassword'), again),
        message,
        submit,
      ),
    ),
  );
  return () => {};
}

export function mountUsers(root: HTMLElement): () => void {
  const table = h('tbody');
  const message = h('p', { class: 'form-message', role: 'status' });

  function userRow(u: User) {
    const name = h('input', {
      type: 'text',
      name: 'displayName',
      value: u.displayName,
      'aria-label': `${t('displayName')} ${u.email}`,
      maxlength: 100,
    });
    const role = h(
      'select',
      { name: 'role', 'aria-label': `${t('role')} ${u.email}` },
      ROLES.map((r) => h('option', { value: r, selected: u.role === r }, t(`role.${r}`))),
    );
    const save = () => run(() => patch(`/api/users/${u.id}`, { displayName: name.value.trim(), role: role.value }), t('userSaved'));
    const toggle = () => run(() => patch(`/api/users/${u.id}`, { active: u.active === false }), t('userSaved'));
    // Reset inline: a password box opens in the row (no browser prompt, which a screen reader and a test both handle badly).
    const resetBox = h('span', { class: 'reset-box', hidden: true });
    const reset = () => {
      const pw = passwordInput('resetPassword', 'new-password');
      pw.setAttribute('aria-label', `${t('newPassword')} ${u.email}`);
      const ok = h('button', { type: 'submit', class: 'btn small primary' }, t('resetPassword'));
      const form = h(
        'form',
        {
          class: 'inline-form',
          onsubmit: (e: Event) => {
            e.preventDefault();
            if (pw.value.length < MIN_PASSWORD) return void toast(t('passwordTooShort', { n: MIN_PASSWORD }), 'error');
            void run(() => patch(`/api/users/${u.id}`, { password: pw.value }), t('passwordReset', { name: u.displayName }));
          },
        },
        pw,
        ok,
      );
      fill(resetBox, form);
      resetBox.hidden = false;
      pw.focus();
    };
    return h(
      'tr',
      { 'data-user': u.email, class: u.active === false ? 'inactive' : '' },
      h('td', null, name),
      h('td', null, u.email),
      h('td', null, role),
      h('td', null, u.active === false ? t('inactive') : t('active')),
      h(
        'td',
        null,
        h(
          'div',
          { class: 'user-actions' },
          h('button', { type: 'button', class: 'btn small', 'data-act': 'save', onclick: () => void save() }, t('save')),
          h(
            'button',
            { type: 'button', class: 'btn small', 'data-act': 'toggle', onclick: () => void toggle() },
            u.active === false ? t('activate') : t('deactivate'),
          ),
          h('button', { type: 'button', class: 'btn small', 'data-act': 'reset', onclick: reset }, t('resetPassword')),
          resetBox,
        ),
      ),
    );
  }

  async function run(fn: () => Promise<unknown>, done: string) {
    try {
      await fn();
      toast(done);
      await load();
    } catch (e) {
      showError(e);
    }
  }

  async function load() {
    const { users } = await get<{ users: User[] }>('/api/users');
    fill(table, users.map(userRow));
  }

  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' });
  const displayName = h('input', { type: 'text', name: 'displayName', required: true, maxlength: 100 });
  const role = h(
    'select',
    { name: 'role' },
    ROLES.map((r) => h('option', { value: r }, t(`role.${r}`))),
  );
  const password = passwordInput('password', 'new-password');
  async function create(e: Event) {
    e.preventDefault();
    message.className = 'form-message error';
    if (password.value.length < MIN_PASSWORD) return void (message.textContent = t('passwordTooShort', { n: MIN_PASSWORD }));
    try {
      const r = await post<{ user: User }>('/api/users', {
        email: email.value,
        displayName: displayName.value,
        role: role.value,
        password: password.value,
      });
      for (const i of [email, displayName, password]) i.value = '';
      message.className = 'form-message ok';
      message.textContent = t('userCreated', { name: r.user.displayName });
      await load();
    } catch (err) {
      message.textContent = errorText(err);
    }
  }

  fill(
    root,
    h(
      'section',
      { class: 'users' },
      h('h1', { class: 'view-title' }, t('users')),
      h(
        'div',
        { class: 'panel table-wrap' },
        h(
          'table',
          { class: 'users-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              [t('displayName'), t('email'), t('role'), t('status'), ''].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          table,
        ),
      ),
      h(
        'form',
        { class: 'panel narrow-form', onsubmit: (e: Event) => void create(e) },
        h('h2', null, t('createUser')),
        h('label', { class: 'field' }, t('email'), email),
        h('label', { class: 'field' }, t('displayName'), displayName),
        h('label', { class: 'field' }, t('role'), role),
        h('label', { class: 'field' }, t('password'), password),
        message,
        h('button', { type: 'submit', class: 'btn primary' }, t('createUser')),
      ),
    ),
  );
  load().catch(showError);
  return () => {};
}
