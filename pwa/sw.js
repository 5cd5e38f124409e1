// Service worker: serves the app shell cache-first so Tend opens in airplane mode, never caches
// /api/, waits for the person's "Reload" before updating, and syncs via Background Sync.

import { openDb } from './js/db.js';
import { PRECACHE } from './js/precache.js';
import { syncWithLock } from './js/sync.js';

// Content hash of the shell; a new value makes a new cache and the "Update available" prompt.
export const VERSION = 'cfab393b2d0d';
const PREFIX = 'tend-shell-';
const CACHE = `${PREFIX}${VERSION}`;
const SHELL = new Set(PRECACHE);

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'reload' })))),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
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
    return hit ?? fetch(event.request);
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
