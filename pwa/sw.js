// Service worker: serves the app shell cache-first so Tend opens in airplane mode, never caches
// /api/, waits for the person's "Reload" before updating, syncs via Background Sync, and shows
// reminders (Web Push) and answers their buttons. Only the wiring of events lives here: what a
// reminder says and does is in js/notify.js, which the page uses too.

import { openDb } from './js/db.js';
import { appUrl, clickAction, localContext, logDoseTaken, notificationFor, readPayload, snoozeReminder } from './js/notify.js';
import { LATER, ON_OPEN, PRECACHE, shellPath } from './js/precache.js';
import { syncWithLock } from './js/sync.js';

// Content hash of the shell; a new value makes a new cache and the "Update available" prompt.
export const VERSION = '38b3e65c51e8';
const PREFIX = 'tend-shell-';
const CACHE = `${PREFIX}${VERSION}`;
const fresh = (url) => new Request(url, { cache: 'reload' });

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE.map(fresh))));
});

/**
 * Store the LATER screens in the new cache, and the ON_OPEN ones the old cache held: from the
 * network, or when it fails (an update that finishes offline) from the cache being replaced, so
 * no screen that worked offline stops.
 */
async function storeLater(cache) {
  for (const url of [...LATER, ...ON_OPEN]) {
    if (await cache.match(url)) continue;
    const old = await caches.match(url);
    if (!old && ON_OPEN.includes(url)) continue;
    const res = await fetch(fresh(url)).catch(() => null);
    const usable = res?.ok ? res : old;
    if (usable) await cache.put(url, usable);
  }
}

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    await storeLater(await caches.open(CACHE)).catch(() => {});
    for (const key of await caches.keys()) {
      if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const path = shellPath(event.request, self.location.origin);
  if (!path) return;
  event.respondWith((async () => {
    const hit = await caches.match(path, { cacheName: CACHE });
    if (hit) return hit;
    const res = await fetch(event.request);
    // An ON_OPEN screen, or a LATER one activation could not store, is kept the first time it is opened.
    if (res.ok) await caches.open(CACHE).then((cache) => cache.put(path, res.clone())).catch(() => {});
    return res;
  })());
});

const channel = new BroadcastChannel('tend');

/** One sync from the worker (Background Sync); throws when it should be retried later. */
async function backgroundSync() {
  const db = await openDb();
  const outcome = await syncWithLock(db);
  channel.postMessage({ type: 'synced', kind: outcome.kind });
  if (outcome.delayMs !== undefined) throw new Error(`sync will be retried (${outcome.kind})`);
  return outcome;
}

self.addEventListener('sync', (event) => {
  if (event.tag === 'tend-sync') event.waitUntil(backgroundSync());
});

// ---- Reminders (Web Push) -------------------------------------------------------------------

const registerSync = () => self.registration.sync?.register('tend-sync').catch(() => {});

/** Sync after a write; when that fails now, Background Sync retries (the outbox keeps it). */
async function syncAfterWrite() {
  channel.postMessage({ type: 'data' });
  try {
    return (await backgroundSync()).kind;
  } catch {
    await registerSync();
    return 'later';
  }
}

/** Show a pushed reminder. It always shows something: a push without a notification is not allowed. */
async function showReminder(payload) {
  const db = await openDb().catch(() => null);
  const local = db ? await localContext(db, payload).catch(() => ({})) : {};
  const { title, options } = notificationFor(payload, { ...local, maxActions: self.Notification?.maxActions ?? 0 });
  await self.registration.showNotification(title, options);
  // Pull what changed (routines, doses from other devices) before the person opens the app.
  if (db) await backgroundSync().catch(() => {});
}

self.addEventListener('push', (event) => event.waitUntil(showReminder(readPayload(event.data))));

/** Open or focus the app at a reminder's link (the dose form, prefilled). */
async function openApp(url) {
  const target = appUrl(url, self.location.origin);
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const client = windows.find((c) => c.url.startsWith(self.location.origin));
  if (client) {
    // Focus needs the click's permission and an uncontrolled page cannot be navigated from
    // here; either failing must not stop the other.
    await client.focus().catch(() => null);
    await client.navigate(target).catch(() => null);
  } else {
    await self.clients.openWindow(target);
  }
  return { action: 'open', url: target };
}

/** "Taken": the dose is logged here and synced; a medication unknown here opens the dose form. */
async function answerTaken(payload) {
  const dose = await logDoseTaken(await openDb(), payload);
  if (!dose) return openApp(payload.url);
  return { action: 'taken', doseId: dose.id, sync: await syncAfterWrite() };
}

/** "Snooze": kept for Background Sync when the server cannot be reached now. */
async function answerSnooze(payload) {
  const status = await snoozeReminder(await openDb(), payload);
  if (status === 'queued') await registerSync();
  return { action: 'snooze', status };
}

/** A tap on a reminder or one of its buttons (notify.js clickAction says which answer). */
async function handleNotificationClick({ action, notification }) {
  const payload = notification.data ?? {};
  notification.close();
  const answer = clickAction(action, payload);
  if (answer === 'taken') return answerTaken(payload);
  if (answer === 'snooze') return answerSnooze(payload);
  if (answer === 'close') return { action };
  return openApp(payload.url);
}

self.addEventListener('notificationclick', (event) => event.waitUntil(handleNotificationClick(event)));
// Browser tests simulate a click by calling this from the worker (reminders.md).
self.__tendHandleNotificationClick = handleNotificationClick;
