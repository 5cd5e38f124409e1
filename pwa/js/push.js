// Web Push on this device: the permission flow, the subscription the server knows and whether
// reminders can work here. What a reminder shows and does lives in sw.js. No DOM.

import { api } from './api.js';
import { ensureDevice } from './store.js';

/** base64url text (the server's VAPID key) as bytes, for applicationServerKey. */
export function fromBase64Url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export function toBase64Url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** 'unsupported', or the Notification permission: 'default', 'granted' or 'denied'. */
export function permissionState(g = globalThis) {
  if (!g.navigator?.serviceWorker || !g.PushManager || !g.Notification) return 'unsupported';
  return g.Notification.permission;
}

const PERMISSION_TEXT = {
  granted: 'Notifications are allowed.',
  default: 'Notifications are not turned on yet.',
  denied: 'Notifications are blocked for Tend. Allow them in this browser’s site settings; Tend cannot ask again.',
  unsupported: 'This browser cannot show reminders.',
};

export const IOS_PUSH = 'On iPhone and iPad, reminders only work once Tend is on your Home Screen: ' +
  'tap Share, then “Add to Home Screen”, and open Tend from there.';

/**
 * Whether reminders can work here, as checks a person can act on (the words say yes or no
 * themselves, so nothing depends on colour or icons).
 */
export function reminderChecks({ permission, ios = false, subscribed = false, signedIn = false }) {
  const checks = [];
  if (ios) checks.push({ id: 'ios', ok: false, text: IOS_PUSH });
  checks.push({ id: 'permission', ok: permission === 'granted', text: PERMISSION_TEXT[permission] ?? PERMISSION_TEXT.unsupported });
  checks.push({ id: 'device', ok: subscribed, text: subscribed
    ? 'This device is set up to receive reminders.' : 'This device is not set up to receive reminders.' });
  checks.push({ id: 'sync', ok: signedIn, text: signedIn
    ? 'Sync is on, so the server knows your routines.'
    : 'Sync is off. Reminders are sent by the server, so they need sync.' });
  return { ready: checks.every((c) => c.ok), checks };
}

/** Plain words for the answer to "Send test reminder". */
export function testMessage({ status, body }) {
  if (status === 202) {
    return body?.status === 'queued'
      ? 'The server could not reach this browser’s push service yet. It will keep trying for a while.'
      : 'Sent. A test reminder should appear in a few seconds. If it does not, check this device’s notification settings.';
  }
  if (status === 404) return 'No device of yours is set up for reminders yet. Tap “Turn on reminders” first.';
  if (status === 401) return 'Your session has ended. Sign in again on the Sync screen.';
  if (status === 0) return 'You seem to be offline. Try again when you are online.';
  if (status === 429) return 'Too many tries. Please wait a little.';
  return 'The server could not send a test reminder right now. Please try again later.';
}

/** How long the browser's push service gets to answer before the person is told. */
export const PUSH_TIMEOUT_MS = 20_000;

/** `promise`, or a TimeoutError after `ms`: pushManager.subscribe() can hang for ever. */
export function withTimeout(promise, ms) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const registration = () => globalThis.navigator?.serviceWorker?.getRegistration('/') ?? Promise.resolve(undefined);

/** This browser's push subscription, or null. */
export async function readSubscription() {
  if (permissionState() === 'unsupported') return null;
  const reg = await registration();
  return (await reg?.pushManager.getSubscription()) ?? null;
}

/** Register a subscription with the server (an upsert); resolves with the HTTP status. */
export async function postSubscription(db, sub) {
  const { endpoint, keys } = sub.toJSON();
  const device_id = await ensureDevice(db);
  return (await api('/push/subscriptions', { method: 'POST', body: { endpoint, keys, device_id } })).status;
}

/**
 * The tap on "Turn on reminders". The permission prompt comes first, straight from the tap
 * (Safari only shows it for a user gesture); then a subscription for the server's key, which
 * the server learns now when signed in, or at the next start after sign-in. Browser tests
 * shorten the wait for the push service by setting `window.__tendPushTimeoutMs`.
 * @returns {Promise<{ok: boolean, step: string, permission?: string, status?: number}>}
 */
export async function turnOnReminders(db, { signedIn }) {
  if (permissionState() === 'unsupported') return { ok: false, step: 'unsupported' };
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return { ok: false, step: 'permission', permission };
  const key = await api('/push/key');
  if (key.status !== 200) return { ok: false, step: 'key', status: key.status };
  const sub = await withTimeout(subscribe(key.body.public_key), globalThis.__tendPushTimeoutMs ?? PUSH_TIMEOUT_MS)
    .catch((err) => { if (err?.name !== 'TimeoutError') throw err; });
  if (!sub) return { ok: false, step: 'timeout' };
  if (!signedIn) return { ok: true, step: 'local' };
  const status = await postSubscription(db, sub);
  return { ok: status === 201, step: 'post', status };
}

async function subscribe(publicKey) {
  const reg = await navigator.serviceWorker.ready;
  const sub = await reg.pushManager.getSubscription();
  const subKey = sub?.options?.applicationServerKey;
  if (sub && subKey && toBase64Url(subKey) === publicKey) return sub;
  // A subscription made for another server key cannot receive this server's pushes.
  await sub?.unsubscribe();
  return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64Url(publicKey) });
}

// Re-posts and deletes of the subscription run one after another: a re-post still in flight
// must not reach the server after "Turn off reminders" and bring the subscription back.
let subscriptionWork = Promise.resolve();
function inOrder(task) {
  const result = subscriptionWork.then(task, task);
  subscriptionWork = result.catch(() => {});
  return result;
}

/** Every app start (signed in): re-post the subscription, so the server never loses this device. */
export function refreshSubscription(db) {
  return inOrder(async () => {
    if (permissionState() !== 'granted') return null;
    const sub = await readSubscription();
    return sub ? postSubscription(db, sub) : null;
  });
}

/**
 * Stop reminders on this device. If the server cannot be told now, the push service answers
 * 410 for the dropped subscription and the server deletes it then.
 */
export function turnOffReminders() {
  return inOrder(async () => {
    const sub = await readSubscription();
    if (!sub) return;
    await api('/push/subscriptions', { method: 'DELETE', body: { endpoint: sub.endpoint } });
    await sub.unsubscribe();
  });
}

export const sendTestReminder = () => api('/push/test', { method: 'POST' });
