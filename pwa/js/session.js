// Account state on this device: sign up, sign in, sign out (keep or erase). No DOM.

import { deviceName, login, logout, recover, signup } from './api.js';
import { req, run } from './db.js';
import { ensureDevice } from './store.js';

const normalise = (username) => username.trim().toLowerCase();

/** Plain-words message for a failed auth call. */
export function authError(res, mode = 'login') {
  const code = res.body?.code;
  if (res.status === 0) return 'You seem to be offline. Your entries are safe on this device; try again when you are online.';
  if (res.status === 409 || code === 'username-taken') return 'That username is taken. Please choose another.';
  if (res.status === 401) return `That username and ${mode === 'recover' ? 'recovery code' : 'passphrase'} do not match.`;
  if (res.status === 403) return 'This device is registered to another account. Erase this device first to use it with a different account.';
  if (res.status === 429) {
    const minutes = res.retryAfterMs ? Math.max(1, Math.ceil(res.retryAfterMs / 60000)) : null;
    return minutes ? `Too many tries. Please wait ${minutes} minute${minutes === 1 ? '' : 's'}.` : 'Too many tries. Please wait a little.';
  }
  if (res.status >= 400 && res.status < 500) return res.body?.detail || 'Please check what you entered.';
  return 'The server is not answering right now. Please try again in a little while.';
}

/** Check a new account's answers before sending them; null when fine. The server's rules
 * (backend/accounts/passphrase.py) decide; these only answer sooner. */
export function checkNewAccount(username, passphrase) {
  const name = normalise(username);
  if (!/^[a-z0-9_.-]{3,64}$/.test(name)) {
    return 'Usernames are 3 to 64 characters: letters, digits, dot, dash or underscore.';
  }
  if ([...passphrase].length < 10) return 'Your passphrase needs at least 10 characters.';
  if (!passphrase.trim()) return 'A passphrase cannot be only spaces.';
  if (/[\p{Cc}\p{Cs}]/u.test(passphrase)) return 'A passphrase cannot contain control characters such as tabs or line breaks.';
  if (new Set(passphrase.toLowerCase().replace(/\s/gu, '')).size === 1) return 'A passphrase cannot be one character repeated.';
  if (passphrase.toLowerCase().includes(name)) return 'A passphrase cannot contain your username.';
  return null;
}

export function readAccount(db) {
  return run(db, 'meta', 'readonly', async ({ meta }) => ({
    account: (await req(meta.get('account'))) ?? null,
    owner: (await req(meta.get('owner'))) ?? null,
  }));
}

/**
 * Sign up, sign in, or sign in with the recovery code ('recover': `passphrase` is the new one).
 * Entries on this device belong to whoever signs in first; a different account cannot take
 * them over (the person must sign in as the owner, or erase first).
 * @returns {Promise<{ok: true, recoveryCode?: string} | {ok: false, error: string}>}
 */
export async function signIn(db, mode, username, passphrase, recoveryCode) {
  const name = normalise(username);
  const { owner } = await readAccount(db);
  if (owner && owner !== name) {
    return { ok: false, error: `The entries on this device belong to the account “${owner}”. ` +
      'Sign in as that account, or erase this device first.' };
  }
  const deviceId = await ensureDevice(db);
  const res = mode === 'recover'
    ? await recover(name, recoveryCode, passphrase, deviceId, deviceName())
    : await (mode === 'signup' ? signup : login)(name, passphrase, deviceId, deviceName());
  if (res.status !== 200 && res.status !== 201) return { ok: false, error: authError(res, mode) };
  await run(db, 'meta', 'readwrite', ({ meta }) => {
    meta.put({ user_id: res.body.user_id, username: res.body.username ?? name }, 'account');
    meta.put(res.body.username ?? name, 'owner');
    meta.delete('pending_logout');
    if (owner !== name) {
      meta.put(0, 'cursor');
      meta.put(null, 'epoch');
    }
  });
  return { ok: true, recoveryCode: res.body.recovery_code };
}

/**
 * Sign out. 'keep' leaves every entry (and unsynced change) here for the same account to
 * pick up later; 'erase' removes all of them, so callers must have warned the person first.
 * If the server cannot be told now, the logout is retried when the app is next online.
 */
export async function signOut(db, mode) {
  await run(db, 'meta', 'readwrite', ({ meta }) => {
    meta.delete('account');
    meta.put(true, 'pending_logout');
  });
  await finishLogout(db);
  if (mode === 'erase') await eraseDevice(db);
}

/** Tell the server about a sign-out that happened while offline. */
export async function finishLogout(db) {
  const pending = await run(db, 'meta', 'readonly', ({ meta }) => req(meta.get('pending_logout')));
  if (!pending) return;
  const res = await logout();
  if (res.status === 204 || res.status === 200 || res.status === 401) {
    await run(db, 'meta', 'readwrite', ({ meta }) => { meta.delete('pending_logout'); });
  }
}

/** Remove every entry, change and setting from this device (a new device id comes next). */
export async function eraseDevice(db) {
  await run(db, ['records', 'outbox', 'meta', 'dead_letter'], 'readwrite', async (s) => {
    const pendingLogout = await req(s.meta.get('pending_logout'));
    for (const store of Object.values(s)) store.clear();
    if (pendingLogout) s.meta.put(true, 'pending_logout');
  });
  // The app lock's PIN went too: main.js tells lock.js, in this tab and the others.
  if ('BroadcastChannel' in globalThis) new BroadcastChannel('tend-lock').postMessage({ type: 'erase' });
}
