// Settings' account parts (passphrase, devices, deleting) and the Sync screen's recovery sign-in.

import { api } from '../api.js';
import { req, run } from '../db.js';
import { authError, checkNewAccount, eraseDevice, readAccount, signIn } from '../session.js';
import { LOCK_NAME } from '../sync.js';
import { addDays, localClock, localDate } from '../time.js';
import { choose, h, newId, snack } from '../ui.js';

/** Typed to confirm deleting: a plain word, the same for everyone. */
export const DELETE_WORD = 'delete';
export const SESSION_ENDED = 'Your session has ended. Please sign in again on the Sync screen.';

/** "just now", "5 minutes ago", "today at 09:30", "yesterday at 21:10", "on 3 Dec 2026" (device time). */
export function lastSeenText(iso, nowMs) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return 'at an unknown time';
  const minutes = Math.floor((nowMs - ms) / 60000);
  if (minutes < 2) return 'just now';
  if (minutes < 60) return `${minutes} minutes ago`;
  const day = localDate(ms);
  if (day === localDate(nowMs)) return `today at ${localClock(iso)}`;
  if (day === addDays(localDate(nowMs), -1)) return `yesterday at ${localClock(iso)}`;
  return `on ${new Date(ms).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' })}`;
}

/** Why a passphrase change cannot be sent yet (sign-up's rules), or null. */
export function changeProblem(username, { current, next, again }) {
  if (!current) return 'Please enter your current passphrase.';
  const rule = checkNewAccount(username, next);
  if (rule) return rule;
  if (next !== again) return 'The two new passphrases are not the same. Please type the new one again.';
  return null;
}

export function deleteProblem(typed, passphrase) {
  if (typed.trim().toLowerCase() !== DELETE_WORD) return `To confirm, type the word “${DELETE_WORD}” in the box.`;
  if (!passphrase) return 'Please enter your passphrase.';
  return null;
}

export function accountError(res, { offline, wrong = 'That passphrase is not right.' }) {
  if (res.status === 0) return offline;
  if (res.status === 401) return res.body?.code === 'wrong-passphrase' ? wrong : SESSION_ENDED;
  if (res.status === 404) return 'That device is no longer on your account.';
  return authError(res);
}

export const DELETE_UNSURE = 'Tend could not confirm whether your account was deleted. ' +
  'Please try again when you are online. Nothing on this device has been erased.';
export const MAYBE_DELETED = 'Your account may already be deleted: the server no longer knows this device. ' +
  'You can erase everything Tend keeps on this device now.';

/** A failed delete: 'unsure' (lost answer or server error: it may be done), 'gone' (then the session is gone), 'refused'. */
export function deleteFailure(res, unsureBefore) {
  if (res.status === 0 || res.status >= 500) return 'unsure';
  if (unsureBefore && res.status === 401 && res.body?.code !== 'wrong-passphrase') return 'gone';
  return 'refused';
}

/** This device first, then as the server orders them (last used first). */
export const ordered = (devices) => [...devices.filter((d) => d.current), ...devices.filter((d) => !d.current)];

// A failed call in words. A session the server ended makes the sync line ask to sign in again.
async function failure(db, res, offline, wrong) {
  if (res.status === 401 && res.body?.code !== 'wrong-passphrase') {
    await run(db, 'meta', 'readwrite', async ({ meta }) => {
      const account = await req(meta.get('account'));
      if (account) meta.put({ ...account, needs_signin: true }, 'account');
    });
  }
  return accountError(res, { offline, wrong });
}

function field(label, attrs, hint) {
  const id = newId('am');
  const hintId = hint ? `${id}-hint` : undefined;
  return h('div', { class: 'field' },
    h('label', { for: id, text: label }),
    hint && h('p', { class: 'hint', id: hintId, text: hint }),
    h('input', { id, 'aria-describedby': hintId, ...attrs }));
}

const passField = (label, autocomplete, hint) =>
  field(label, { type: 'password', autocomplete, required: true, maxlength: 1024 }, hint);

const valueOf = (el) => el.querySelector('input').value;

/** h3: the sections sit under Settings' "Account" heading. */
function card(title, dataName, ...children) {
  const id = newId('amh');
  return h('section', { class: 'card account-part', 'data-account': dataName, 'aria-labelledby': id },
    h('h3', { id, text: title }), ...children);
}

/** `changed` runs once the other devices are signed out. */
function passphraseSection(ctx, username, changed) {
  const current = passField('Current passphrase', 'current-password');
  const next = passField('New passphrase', 'new-password', 'At least 10 characters, and not your username.');
  const again = passField('New passphrase again', 'new-password');
  const error = h('p', { class: 'error', role: 'alert' });
  const done = h('p', { class: 'saved', role: 'status' });
  const button = h('button', { type: 'submit', class: 'primary', text: 'Change passphrase' });
  const onSubmit = async (e) => {
    e.preventDefault();
    done.textContent = '';
    const values = { current: valueOf(current), next: valueOf(next), again: valueOf(again) };
    const problem = changeProblem(username, values);
    error.textContent = problem ?? '';
    if (problem) return;
    button.disabled = true;
    const res = await api('/account/passphrase', { method: 'POST', body: { current: values.current, new: values.next } });
    button.disabled = false;
    if (res.status !== 204) {
      error.textContent = `${await failure(ctx.db, res, 'You seem to be offline. Changing your passphrase needs a connection.',
        'That is not your current passphrase.')} Your passphrase has not changed.`;
      return;
    }
    for (const el of [current, next, again]) el.querySelector('input').value = '';
    done.textContent = 'Your passphrase is changed. Your other devices were signed out: ' +
      'sign in there with the new passphrase. This device stays signed in.';
    changed();
  };
  return card('Change passphrase', 'passphrase',
    h('form', { novalidate: true, on: { submit: onSubmit } }, current, next, again, error, done, button));
}

function deviceItem(device, nowMs, onSignOut) {
  const seen = `Last used ${lastSeenText(device.last_seen_at, nowMs)}`;
  return h('li', { class: 'device', 'data-device': device.device_id },
    h('span', { class: 'device-name' }, h('span', { text: device.name }),
      device.current && h('strong', { class: 'this-device', text: 'This device' })),
    h('span', { class: 'hint', text: device.signed_in || device.current ? seen : `Signed out. ${seen}` }),
    !device.current && device.signed_in && h('button', {
      type: 'button', class: 'small', text: 'Sign out', 'aria-label': `Sign out ${device.name}, ${seen.toLowerCase()}`,
      on: { click: () => onSignOut(device, seen) },
    }));
}

function devicesSection(ctx) {
  const body = h('div', { class: 'devices-body' });
  const status = h('p', { class: 'hint', role: 'status' });
  const offline = 'The list of devices needs a connection. Please try again when you are online.';
  const signOutDevice = async (device, seen) => {
    const sure = await choose('Sign out another device?', `${device.name} (${seen.toLowerCase()}) will need your ` +
      'passphrase to sync again. Anything it has not synced yet stays on it.', [{ label: 'Sign out that device', value: true, danger: true },
      { label: 'Cancel', value: null }]);
    if (!sure) return;
    const res = await api(`/account/devices/${encodeURIComponent(device.device_id)}`, { method: 'DELETE' });
    if (res.status !== 204) {
      status.textContent = await failure(ctx.db, res, `You seem to be offline. ${offline}`);
      return;
    }
    snack(`Signed out ${device.name}`);
    await load();
  };
  async function load() {
    body.replaceChildren(h('p', { class: 'hint', text: 'Loading your devices…' }));
    const res = navigator.onLine === false ? { status: 0 } : await api('/account/devices');
    if (res.status !== 200 || !Array.isArray(res.body)) {
      body.replaceChildren(h('p', { class: 'notice', text: await failure(ctx.db, res, offline) }),
        h('button', { type: 'button', text: 'Try again', on: { click: load } }));
      return;
    }
    status.textContent = '';
    const now = Date.now();
    body.replaceChildren(h('ul', { class: 'devices' }, ...ordered(res.body).map((d) => deviceItem(d, now, signOutDevice))));
  }
  load();
  const el = card('Your devices', 'devices',
    h('p', { text: 'The devices that have used your account. Signing one out stops it syncing until your passphrase is entered there.' }),
    body, status);
  return { el, load };
}

/** `passphrase` null: only erase this device. */
async function deleteAccount(ctx, passphrase) {
  // Under the sync lock: no sync can write pulled entries back after erasing.
  const job = async () => {
    const res = passphrase === null ? { status: 204 } : await api('/account', { method: 'DELETE', body: { passphrase } });
    if (res.status === 204) await eraseDevice(ctx.db);
    return res;
  };
  const locks = globalThis.navigator?.locks;
  return locks ? locks.request(LOCK_NAME, job) : job();
}

function deleteSection(ctx) {
  const pass = passField('Your passphrase', 'current-password');
  const typed = field(`Type the word “${DELETE_WORD}” to confirm`, { type: 'text', autocomplete: 'off',
    autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: 20 });
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'danger', text: 'Delete my account' });
  const erase = h('button', { type: 'button', class: 'danger', hidden: true, text: 'Erase this device',
    on: { click: () => attempt(null) } });
  let unsure = false;
  // The typed word and passphrase were given before `erase` shows: it asks nothing more.
  const attempt = async (passphrase) => {
    button.disabled = erase.disabled = true;
    const res = await deleteAccount(ctx, passphrase);
    button.disabled = erase.disabled = false;
    if (res.status === 204) {
      snack(passphrase === null ? 'This device is erased.' : 'Your account is deleted, and this device is erased.');
      ctx.afterWrite?.();
      location.hash = '#/today';
      return;
    }
    const why = deleteFailure(res, unsure);
    const text = await failure(ctx.db, res, 'You seem to be offline. Deleting your account needs a connection.');
    unsure ||= why === 'unsure';
    error.textContent = why === 'unsure' ? DELETE_UNSURE : why === 'gone' ? MAYBE_DELETED : `${text} Nothing was deleted.`;
    erase.hidden = why !== 'gone';
  };
  const onSubmit = (e) => {
    e.preventDefault();
    const problem = deleteProblem(valueOf(typed), valueOf(pass));
    error.textContent = problem ?? '';
    if (!problem) attempt(valueOf(pass));
  };
  return card('Delete your account', 'delete',
    h('p', { text: 'This deletes your account and everything it holds on the server: every entry, your devices, ' +
      'reminders and shared links. It cannot be undone.' }),
    h('p', { text: 'Then everything Tend keeps on this device is erased too. If you want a copy, export your data first.' }),
    h('form', { novalidate: true, on: { submit: onSubmit } }, pass, typed, error, button, erase));
}

/** Empty when signed out. */
export async function accountSections(ctx) {
  const { account } = await readAccount(ctx.db);
  if (!account) return [];
  if (account.needs_signin) {
    return [card('Your account', 'signin',
      h('p', { text: 'Your session has ended. Sign in again to change your passphrase, see your devices or delete your account.' }),
      h('a', { class: 'button', href: '#/account', text: 'Sign in' }))];
  }
  const devices = devicesSection(ctx);
  return [passphraseSection(ctx, account.username, devices.load), devices.el, deleteSection(ctx)];
}

/** `done` gets signIn's result. */
export function recoverForm(ctx, username, done, back) {
  const user = field('Username', { type: 'text', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false',
    required: true, maxlength: 64, value: username ?? '' });
  const code = field('Recovery code', { type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false',
    required: true, maxlength: 128 }, 'The code you wrote down when you made your account.');
  const pass = passField('New passphrase', 'new-password', 'At least 10 characters, and not your username.');
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary', text: 'Sign in with recovery code' });
  const onSubmit = async (e) => {
    e.preventDefault();
    const [u, c, p] = [valueOf(user), valueOf(code).trim(), valueOf(pass)];
    const problem = !u || !c ? 'Please enter your username and recovery code.' : checkNewAccount(u, p);
    error.textContent = problem ?? '';
    if (problem) return;
    button.disabled = true;
    const result = await signIn(ctx.db, 'recover', u, p, c);
    button.disabled = false;
    if (!result.ok) { error.textContent = result.error; return; }
    ctx.syncNow();
    done(result);
  };
  return h('form', { class: 'card', 'data-form': 'recover', novalidate: true, on: { submit: onSubmit } },
    h('h2', { text: 'Sign in with your recovery code' }),
    h('p', { text: 'Choose a new passphrase. Your other devices will be signed out, and you get a new recovery code.' }),
    user, code, pass, error,
    h('div', { class: 'actions' }, button, h('button', { type: 'button', text: 'Back to sign in', on: { click: back } })));
}
