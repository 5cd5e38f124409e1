// Service worker: serves the app shell cache-first so Tend opens in airplane mode, never caches
// /api/, waits for the person's "Reload" before updating, syncs via Background Sync, and shows
// reminders (Web Push) and answers their buttons.

import { openDb } from './js/db.js';
import { ALL, LATER, PRECACHE } from './js/precache.js';
import { SNOOZE_MINUTES, snooze } from './js/snooze.js';
import { PROFILE_ID, getRecord, listKind, valuesOf, writeRecord } from './js/store.js';
import { syncWithLock } from './js/sync.js';
import { localIso } from './js/time.js';

// Content hash of the shell; a new value makes a new cache and the "Update available" prompt.
export const VERSION = '14ef52652808';
const PREFIX = 'tend-shell-';
const CACHE = `${PREFIX}${VERSION}`;
const SHELL = new Set(ALL);
const fresh = (url) => new Request(url, { cache: 'reload' });

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE.map(fresh))));
});

/**
 * Store the LATER screens in the new cache: from the network, or when it fails (an update that
 * finishes offline) from the cache being replaced, so no screen that worked offline stops.
 */
async function storeLater(cache) {
  for (const url of LATER) {
    if (await cache.match(url)) continue;
    const res = await fetch(fresh(url)).catch(() => null);
    const usable = res?.ok ? res : await caches.match(url);
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

/** The cached shell path answering a GET, or null when the request is not part of the shell. */
export function shellPath(request) {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return null;
  if (request.mode === 'navigate') return url.pathname === '/' || url.pathname === '/index.html' ? '/' : null;
  return SHELL.has(url.pathname) ? url.pathname : null;
}

self.addEventListener('fetch', (event) => {
  const path = shellPath(event.request);
  if (!path) return;
  event.respondWith((async () => {
    const hit = await caches.match(path, { cacheName: CACHE });
    if (hit) return hit;
    const res = await fetch(event.request);
    // A LATER screen that activation could not store is kept the first time it is opened.
    if (res.ok) await caches.open(CACHE).then((cache) => cache.put(path, res.clone())).catch(() => {});
    return res;
  })());
});

const channel = new BroadcastChannel('tend');

/** One sync from the worker (Background Sync); throws when it should be retried later. */
export async function backgroundSync() {
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

/** "<routine>@2026-11-27T08:00+01:00" -> "8:00", the wall time the person chose. */
export function wallTimeOf(occurrence) {
  const m = /@\d{4}-\d{2}-\d{2}T(\d{2}):(\d{2})/.exec(occurrence ?? '');
  return m ? `${Number(m[1])}:${m[2]}` : '';
}

/**
 * Title and options of the notification for a push payload. Discreet (the default, and what an
 * unknown profile means) never shows a name, whatever the payload says: the server may not have
 * synced a newer setting yet. With discreet off, names known on this device may be added.
 */
export function notificationFor(payload, { discreet = true, routineTitle = null, medicationName = null, maxActions = 0 } = {}) {
  const p = payload && payload.v === 1 ? payload : { title: 'Tend', body: 'You have a reminder.', url: '/#/today', actions: [] };
  let title = p.title || 'Tend';
  let body = p.body || '';
  if (p.kind && p.kind !== 'test') {
    const time = wallTimeOf(p.occurrence);
    let next = null;
    if (discreet) {
      title = 'Tend';
      next = `Time for your ${time ? `${time} ` : ''}routine`;
    } else {
      if (routineTitle) title = routineTitle;
      if (p.kind === 'medication' && medicationName) next = `Time for ${medicationName}${time ? ` (${time})` : ''}`;
    }
    if (next) body = body.startsWith('Still to do') ? `Still to do: ${next[0].toLowerCase()}${next.slice(1)}` : next;
  }
  const actions = (p.actions ?? []).slice(0, maxActions).map(({ action, title: label }) => ({ action, title: label }));
  const options = { body, data: p, actions, icon: '/icons/icon-192.png', lang: 'en' };
  // A follow-up replaces its reminder (same tag) and should still make a sound.
  if (p.occurrence) Object.assign(options, { tag: p.occurrence, renotify: true });
  return { title, options };
}

/** What this device knows for a reminder: the discreet setting, and names only when it is off. */
export async function localContext(db, payload) {
  const profile = valuesOf(await getRecord(db, PROFILE_ID));
  const discreet = profile.discreet_notifications !== false;
  if (discreet || !payload?.routine_id) return { discreet };
  const routine = valuesOf(await getRecord(db, payload.routine_id));
  const med = routine.medication_id ? valuesOf(await getRecord(db, routine.medication_id)) : {};
  return { discreet, routineTitle: routine.title ?? null, medicationName: med.name ?? null };
}

/** The query of a reminder link ("/#/log/dose?occurrence=…&medication=…"). */
export function linkQuery(url) {
  const q = String(url ?? '').split('?')[1] ?? '';
  return new URLSearchParams(q.split('#')[0]);
}

/** A same-origin absolute URL for a reminder link; anything else opens Today. */
export function appUrl(url, origin) {
  try {
    const u = new URL(url || '/#/today', origin);
    if (u.origin === origin) return u.href;
  } catch {
    // fall through to Today
  }
  return `${origin}/#/today`;
}

/**
 * "Taken" on a medication reminder: a dose written like any entry (record + outbox in one
 * transaction, by store.js). Answering the same occurrence twice keeps the first dose. Null
 * when this device does not know the medication (the app then opens the dose form instead).
 */
export async function logDoseTaken(db, payload, nowMs = Date.now()) {
  const routine = payload.routine_id ? valuesOf(await getRecord(db, payload.routine_id)) : {};
  const medicationId = routine.medication_id ?? linkQuery(payload.url).get('medication');
  if (!medicationId || !payload.occurrence) return null;
  const doses = await listKind(db, 'dose');
  const done = doses.find((d) => d.fields.occurrence?.v === payload.occurrence);
  if (done) return done;
  const med = valuesOf(await getRecord(db, medicationId));
  const values = { medication_id: medicationId, at: localIso(nowMs), status: 'taken', occurrence: payload.occurrence };
  if (payload.routine_id) values.routine_id = payload.routine_id;
  if (typeof med.dose === 'number') Object.assign(values, { amount: med.dose, unit: med.unit ?? undefined });
  return (await writeRecord(db, { kind: 'dose', values, nowMs })).record;
}

/**
 * "Snooze": the server sends the reminder again in 15 minutes. With no network the snooze is
 * kept and Background Sync sends it when the network is back, for what is left of the 15
 * minutes. Resolves with the HTTP status, or 'queued'.
 */
export async function snoozeReminder(payload, minutes = SNOOZE_MINUTES) {
  if (!payload.occurrence) return 400;
  const result = await snooze(await openDb(), payload.occurrence, { minutes });
  if (result === 'queued') await self.registration.sync?.register('tend-sync').catch(() => {});
  return result;
}

/** Sync after a write; when that fails now, Background Sync retries (the outbox keeps it). */
async function syncAfterWrite() {
  channel.postMessage({ type: 'data' });
  try {
    return (await backgroundSync()).kind;
  } catch {
    await self.registration.sync?.register('tend-sync').catch(() => {});
    return 'later';
  }
}

/** Show a pushed reminder. It always shows something: a push without a notification is not allowed. */
export async function showReminder(payload) {
  const db = await openDb().catch(() => null);
  const local = db ? await localContext(db, payload).catch(() => ({})) : {};
  const { title, options } = notificationFor(payload, { ...local, maxActions: self.Notification?.maxActions ?? 0 });
  await self.registration.showNotification(title, options);
  // Pull what changed (routines, doses from other devices) before the person opens the app.
  if (db) await backgroundSync().catch(() => {});
}

self.addEventListener('push', (event) => {
  let payload = null;
  try {
    payload = event.data?.json() ?? null;
  } catch {
    payload = null;
  }
  event.waitUntil(showReminder(payload));
});

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

/**
 * A tap on a reminder. "taken" logs the dose here and syncs; "snooze" asks the server to send
 * it again in 15 minutes; "done" on a check-in opens the check-in form (a mood cannot be
 * guessed), on sleep, movement or custom routines it only closes the notification (there is
 * nothing to record); the body opens the app at the reminder's link.
 */
export async function handleNotificationClick({ action, notification }) {
  const payload = notification.data ?? {};
  notification.close();
  if (action === 'taken') {
    const dose = await logDoseTaken(await openDb(), payload);
    if (!dose) return openApp(payload.url);
    return { action, doseId: dose.id, sync: await syncAfterWrite() };
  }
  if (action === 'snooze') return { action, status: await snoozeReminder(payload) };
  if (action === 'done' && payload.kind !== 'checkin') return { action };
  return openApp(payload.url);
}

self.addEventListener('notificationclick', (event) => event.waitUntil(handleNotificationClick(event)));
// Browser tests simulate a click by calling this from the worker (reminders.md).
self.__tendHandleNotificationClick = handleNotificationClick;
