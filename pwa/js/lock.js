// The optional app lock: a PIN hides (does not encrypt) the journal after an idle time. While
// <html data-locked> is set, CSS hides #main (crisis help excepted, as router.js marks it) and the
// lock screen shows in its own <main>; the screen and dialogs, half-typed text too, wait in memory.

import { unsyncedCounts } from './outbox.js';
import { eraseDevice, readAccount, signOut } from './session.js';
import { getMeta, setMeta } from './store.js';
import { choose, h, newId } from './ui.js';

export const LOCK_KEY = 'app_lock';
const TRIES_KEY = 'app_lock_tries';
// OWASP 2023 for PBKDF2-SHA-256: 70–130 ms in headless Chromium, under a second on a cheap phone.
export const ITERATIONS = 310_000;
export const HIDES_NOT_ENCRYPTS =
  'The lock hides your journal on this screen. It does not encrypt the data stored on this device.';
export const IDLE_CHOICES = [0, 1, 5, 15].map((m) =>
  [m, m ? `After ${m} minute${m > 1 ? 's' : ''} without use` : 'As soon as Tend is hidden']);
export const FREE_TRIES = 5;
const FIRST_WAIT_MS = 30_000;
const LONGEST_WAIT_MS = 15 * 60_000;
// Crisis help never sits behind a PIN (router.js checks the same two).
const OPEN_WHEN_LOCKED = new Set(['help', 'plan']);

const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** Why a new PIN cannot be used, else null. Digits only: a phone shows its keypad. */
export function checkNewPin(pin, again) {
  if (!/^\d{4,12}$/.test(pin)) return 'A PIN is 4 to 12 digits, numbers only.';
  if (pin !== again) return 'The two PINs are not the same. Please type the new PIN in both fields again.';
  return null;
}

async function derive(pin, salt, iterations) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

/** What is stored (never the PIN): a random salt and the slow hash. */
export async function makeLock(pin, idleMinutes, { iterations = ITERATIONS } = {}) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { salt: toBase64(salt), iterations, hash: toBase64(await derive(pin, salt, iterations)), idle_minutes: idleMinutes };
}

/** Every byte, so the time taken says nothing about the PIN. */
export function sameBytes(a, b) {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export async function verifyPin(pin, lock) {
  return sameBytes(await derive(pin, fromBase64(lock.salt), lock.iterations), fromBase64(lock.hash));
}

export function idleExpired({ idleMinutes, lastActivityMs, nowMs, hidden }) {
  if (idleMinutes === 0) return hidden;
  return nowMs - lastActivityMs >= idleMinutes * 60_000;
}

/** The wait after `failures` wrong PINs in a row: slows guessing, never erases. */
export function waitAfter(failures) {
  if (failures < FREE_TRIES) return 0;
  return Math.min(FIRST_WAIT_MS * 2 ** (failures - FREE_TRIES), LONGEST_WAIT_MS);
}

/** A clock set back cannot stretch the wait. */
export function waitLeft(tries, nowMs) {
  if (!tries) return 0;
  const wait = waitAfter(tries.count);
  return Math.min(wait, Math.max(0, tries.last_ms + wait - nowMs));
}

export function waitSentence(ms) {
  const seconds = Math.ceil(ms / 1000);
  const [n, unit] = seconds < 60 ? [seconds, 'second'] : [Math.ceil(seconds / 60), 'minute'];
  return `To slow down guessing, the next try is possible in ${n} ${unit}${n === 1 ? '' : 's'}. Wrong PINs never erase anything.`;
}

export const isLocked = () => 'locked' in document.documentElement.dataset;

const state = { db: null, app: null, lock: null, lastActivityMs: Date.now(), timer: 0, kept: null };
const ACTIVITY = ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart', 'scroll'];
const noteActivity = () => { state.lastActivityMs = Date.now(); };
// Navigating while locked draws a new screen: the kept one no longer belongs.
const forgetKeptScreen = () => { if (state.kept) state.kept.nodes = null; };
// main.js draws the current route again when `redraw`; background.js redraws the sync line.
const announce = (redraw) => dispatchEvent(new CustomEvent('tend-lock', { detail: { redraw } }));

function checkIdle() {
  clearTimeout(state.timer);
  if (!state.lock || isLocked()) return;
  const idleMinutes = state.lock.idle_minutes;
  const nowMs = Date.now();
  const hidden = document.visibilityState === 'hidden';
  if (idleExpired({ idleMinutes, lastActivityMs: state.lastActivityMs, nowMs, hidden })) lockNow();
  else if (idleMinutes > 0) state.timer = setTimeout(checkIdle, state.lastActivityMs + idleMinutes * 60_000 - nowMs + 250);
}

/** Read the settings and watch for idleness; `app` lets unlock restore the screen. */
export async function startLock(db, { app = null, locked = false } = {}) {
  state.db = db;
  if (app) state.app = app;
  state.lock = await readLock(db);
  if (!state.lock) {
    clearTimeout(state.timer);
    if (isLocked()) await unlock();
    return;
  }
  // The same listener added again adds nothing.
  for (const type of ACTIVITY) document.addEventListener(type, noteActivity, { capture: true, passive: true });
  document.addEventListener('visibilitychange', checkIdle);
  addEventListener('hashchange', forgetKeptScreen);
  state.lastActivityMs = Date.now();
  // Already locked (main.js marks it before this module loads): draw the lock screen.
  if (locked && isLocked()) announce(true);
  else if (locked) lockNow({ keep: false });
  else checkIdle();
}

/** Save (null: remove) the settings and tell every tab. */
export async function saveLock(db, lock) {
  await setMeta(db, LOCK_KEY, lock);
  await setMeta(db, TRIES_KEY, null);
  if ('BroadcastChannel' in globalThis) {
    const channel = new BroadcastChannel('tend-lock');
    channel.postMessage({ type: 'lock' });
    channel.close();
  }
  await startLock(db);
}

export const readLock = (db) => getMeta(db, LOCK_KEY).then((lock) => lock ?? null);

/** The screen and any dialog leave the document, the snackbar and sync line empty. */
export function lockNow({ keep = true } = {}) {
  if (isLocked()) return;
  clearTimeout(state.timer);
  // Save a half-typed note, as when hidden: the app may be closed while locked.
  const active = document.activeElement;
  if (active?.tagName === 'TEXTAREA' || active?.tagName === 'INPUT') active.dispatchEvent(new Event('change'));
  const main = document.getElementById('main');
  const route = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  const dialogs = [...document.querySelectorAll('dialog[open]')];
  for (const dialog of dialogs) dialog.remove();
  const nodes = keep && main && !OPEN_WHEN_LOCKED.has(route) ? [...main.childNodes] : null;
  const current = [...document.querySelectorAll('[aria-current]')].map((a) => [a, a.getAttribute('aria-current')]);
  state.kept = { nodes, view: state.app?.view, dialogs, title: document.title, current, hash: location.hash };
  if (nodes) main.replaceChildren();
  document.getElementById('snackbar')?.classList.remove('show');
  for (const id of ['snackbar', 'sync-status']) document.getElementById(id)?.replaceChildren();
  document.documentElement.dataset.locked = '';
  announce(true);
}

async function unlock() {
  delete document.documentElement.dataset.locked;
  document.getElementById('lockscreen')?.remove();
  const kept = state.kept;
  state.kept = null;
  state.lastActivityMs = Date.now();
  const main = document.getElementById('main');
  const restore = Boolean(kept?.nodes && state.app);
  if (restore) {
    main.replaceChildren(...kept.nodes);
    state.app.view = kept.view ?? {};
    document.title = kept.title;
    for (const [a, value] of kept.current) a.setAttribute('aria-current', value);
    main.querySelector('h1')?.focus();
    state.app.view.refresh?.();
  }
  announce(!restore);
  // A dialog belongs to the screen it was opened on, not to wherever the hash is now.
  for (const dialog of kept?.hash === location.hash ? kept.dialogs : []) {
    document.body.append(dialog);
    dialog.removeAttribute('open');
    dialog.showModal();
  }
  checkIdle();
}

async function tryUnlock(db, pin) {
  const tries = (await getMeta(db, TRIES_KEY)) ?? { count: 0, last_ms: 0 };
  const wait = waitLeft(tries, Date.now());
  if (wait > 0) return `That was too many wrong PINs in a row. ${waitSentence(wait)}`;
  if (!pin) return 'Please type your PIN.';
  const lock = state.lock ?? await readLock(db);
  if (!lock || await verifyPin(pin, lock)) {
    await setMeta(db, TRIES_KEY, null);
    await unlock();
    return null;
  }
  const count = tries.count + 1;
  await setMeta(db, TRIES_KEY, { count, last_ms: Date.now() });
  const next = waitAfter(count);
  return next ? `That PIN is not right. ${waitSentence(next)}` : 'That PIN is not right. Please try again.';
}

export function pinField(label, autocomplete, describedBy) {
  const id = newId('pin');
  const input = h('input', { id, type: 'password', inputmode: 'numeric', autocomplete, 'aria-describedby': describedBy });
  return { input, el: h('div', { class: 'field' }, h('label', { for: id, text: label }), input) };
}

// Its own <main>, never #main: a screen that redraws itself late (after a sync, say) writes into
// #main, which stays hidden while locked. main.js draws the same one if this module cannot load.
function lockRoot() {
  let root = document.getElementById('lockscreen');
  if (!root) document.getElementById('main').after(root = h('main', { id: 'lockscreen', tabindex: '-1' }));
  return root;
}

export const lockScreen = { render: renderLockScreen, root: lockRoot };

async function renderLockScreen(root, ctx) {
  const message = h('p', { class: 'error', role: 'alert', id: newId('msg') });
  const { input, el } = pinField('PIN', 'current-password', message.id);
  const button = h('button', { type: 'submit', class: 'primary', text: 'Unlock' });
  const onSubmit = async (e) => {
    e.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    button.textContent = 'Checking…';
    message.textContent = '';
    const problem = await tryUnlock(ctx.db ?? state.db, input.value).catch(() => 'Could not check the PIN. Please try again.');
    button.disabled = false;
    button.textContent = 'Unlock';
    if (!problem) return;
    message.textContent = problem;
    input.value = '';
    input.focus();
  };
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: 'Tend is locked' }),
    h('form', { class: 'card lock-form', novalidate: true, on: { submit: onSubmit } },
      el, message,
      h('div', { class: 'actions' }, button)),
    h('p', { class: 'notice', text: HIDES_NOT_ENCRYPTS }),
    h('p', { text: 'Get help and your safety plan stay open without the PIN.' }),
    h('div', { class: 'actions lock-links' },
      h('a', { class: 'button', href: '#/help', text: 'Get help' }),
      h('a', { class: 'button', href: '#/plan', text: 'My safety plan' })),
    h('button', { type: 'button', class: 'ghost', text: 'Forgot your PIN?', on: { click: () => forgotPin(ctx) } }),
  );
  return {};
}

async function forgotPin(ctx) {
  const db = ctx.db ?? state.db;
  const [{ account }, { total }] = await Promise.all([readAccount(db), unsyncedCounts(db)]);
  const lost = `${total} ${total === 1 ? 'entry' : 'entries'} not yet synced`;
  const message = 'The PIN is not stored anywhere, so it cannot be shown or reset. The way back is to erase this device' +
    (account ? `, then sign in again: your synced entries come back from your account.${total ? ` ${lost} would be lost.` : ''}`
      : '. Sync is off, so everything logged on this device would be lost for good.');
  const erase = (title, text, label) =>
    choose(title, text, [{ label, value: true, danger: true }, { label: 'Keep trying', value: null }]);
  if (!await erase('Forgot your PIN?', message, 'Erase this device')) return;
  if ((!account || total) &&
    !await erase('Erase this device?', 'This cannot be undone.', account ? `Erase, losing ${lost}` : 'Erase everything on this device')) return;
  if (account) await signOut(db, 'erase');
  else await eraseDevice(db);
  state.lock = null;
  // Nothing of the erased journal comes back: no kept screen, no kept dialog.
  state.kept = null;
  location.hash = account ? '#/account' : '#/today';
  await unlock();
  ctx.afterWrite?.();
}
