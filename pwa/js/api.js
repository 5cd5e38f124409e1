// Same-origin JSON calls to /api/v1 (the session is an HttpOnly cookie); no DOM.

import { parseRetryAfter } from './sync-rules.js';

/**
 * Call the API. Never throws: a request that got no answer comes back as status 0.
 * @returns {Promise<{status: number, body: any, retryAfterMs: number | null}>}
 */
export async function api(path, { method = 'GET', body, fetchImpl = globalThis.fetch } = {}) {
  const init = { method, credentials: 'same-origin', cache: 'no-store', headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetchImpl(`/api/v1${path}`, init);
  } catch {
    return { status: 0, body: null, retryAfterMs: null };
  }
  let data = null;
  if (res.status !== 204) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  return {
    status: res.status,
    body: data,
    retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()),
  };
}

export const signup = (username, passphrase, deviceId, deviceName) =>
  api('/auth/signup', {
    method: 'POST',
    body: { username, passphrase, device_id: deviceId, device_name: deviceName },
  });

export const login = (username, passphrase, deviceId, deviceName) =>
  api('/auth/login', {
    method: 'POST',
    body: { username, passphrase, device_id: deviceId, device_name: deviceName },
  });

// Signs this device in like login, with a new passphrase and a new recovery code.
export const recover = (username, recoveryCode, newPassphrase, deviceId, deviceName) =>
  api('/auth/recover', {
    method: 'POST',
    body: { username, recovery_code: recoveryCode, new_passphrase: newPassphrase, device_id: deviceId, device_name: deviceName },
  });

export const logout = () => api('/auth/logout', { method: 'POST' });

/** A short, human device name for the account's device list ("Android phone", "iPhone"). */
export function deviceName(ua = globalThis.navigator?.userAgent ?? '') {
  if (/iPhone/.test(ua)) return 'iPhone';
  if (/iPad/.test(ua)) return 'iPad';
  if (/Android/.test(ua)) return /Mobile/.test(ua) ? 'Android phone' : 'Android tablet';
  if (/Mac OS X/.test(ua)) return 'Mac';
  if (/Windows/.test(ua)) return 'Windows computer';
  if (/Linux/.test(ua)) return 'Linux computer';
  return 'Browser';
}
