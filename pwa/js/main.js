// App start: render the current screen from IndexedDB first; everything else (sync, status
// line, service worker, notices) loads from background.js once the screen is drawn. Nothing
// blocks the first render but opening the database.

import { openDb } from './db.js';
import { show } from './router.js';
import { getMeta, writeRecord } from './store.js';
import { h } from './ui.js';

function appContext(app) {
  let persistAsked = false;
  const ctx = {
    db: app.db,
    async write(args) {
      const result = await writeRecord(app.db, args);
      if (result.changeId) await ctx.afterWrite();
      return result;
    },
    /** After any local write: redraw the screen; sync, other tabs and the status line follow. */
    afterWrite() {
      // Ask the browser to keep the data once there is data worth keeping.
      if (!persistAsked) {
        persistAsked = true;
        navigator.storage?.persist?.().catch(() => {});
      }
      app.view.refresh?.();
      // A write in the moment before background.js has loaded is synced as soon as it has:
      // the "Saved" line does not wait for it.
      if (!app.hooks) return void app.started.then((hooks) => hooks.afterWrite());
      return app.hooks.afterWrite();
    },
    // Before sync has started, "Sync now" waits for it, but not forever without a word.
    syncNow: () => (app.hooks ? app.hooks.syncNow() : Promise.race([
      app.started.then((hooks) => hooks.syncNow()),
      new Promise((resolve) => { setTimeout(() => resolve({ kind: 'error' }), 10_000); }),
    ])),
  };
  return ctx;
}

// Screens render one after another, each for the route current when it starts: a link followed
// while a slow screen is still opening is never lost (or drawn over by the old one).
function mountRouter(root, ctx, app) {
  let showing = Promise.resolve();
  const showRoute = (options) => {
    showing = showing.then(() => show(root, ctx, options)).then((handle) => { app.view = handle; }, console.error);
    return showing;
  };
  addEventListener('hashchange', () => showRoute());
  addEventListener('tend-lock', (e) => e.detail.redraw && showRoute());
  return showRoute({ focus: false });
}

// The optional app lock (lock.js): loaded only when a PIN is set, here or in another tab. The
// journal stays hidden (CSS on data-locked) even when lock.js cannot load (offline, not cached
// yet): a short message says so, Get help works, and loading is retried.
async function watchLock(app) {
  const start = (locked) => import('./lock.js').then((m) => m.startLock(app.db, { app, locked }));
  if ('BroadcastChannel' in globalThis) new BroadcastChannel('tend-lock').onmessage = () => start(false).catch(console.error);
  if (!await getMeta(app.db, 'app_lock')) return;
  document.documentElement.dataset.locked = '';
  if (await start(true).then(() => true, console.error)) return;
  document.getElementById('main').after(h('main', { id: 'lockscreen', tabindex: '-1' },
    h('h1', { tabindex: '-1', text: 'Tend is locked' }),
    h('p', { text: 'The lock screen could not load yet. Tend keeps trying; a connection helps.' }),
    h('a', { class: 'button', href: '#/help', text: 'Get help' })));
  void (async () => {
    for (let attempt = 1; ; attempt++) {
      await new Promise((resolve) => { setTimeout(resolve, Math.min(60_000, 1_000 * 2 ** attempt)); });
      if (await start(true).then(() => true, console.error)) return;
    }
  })();
}

async function boot() {
  const db = await openDb();
  const app = { db, view: {}, sync: { syncing: false, problem: null }, hooks: null };
  let ready;
  app.started = new Promise((resolve) => { ready = resolve; });
  await watchLock(app);
  await mountRouter(document.getElementById('main'), appContext(app), app);
  await startBackgroundWithRetry(app, ready);
}

// A failure here must not hide the journal already on screen, nor leave sync stopped in
// silence: the status line says so, "Sync now" answers, and loading is tried again.
async function startBackgroundWithRetry(app, ready) {
  for (let attempt = 0; ; attempt++) {
    try {
      const { startBackground } = await import('./background.js');
      app.hooks = await startBackground(app);
      ready(app.hooks);
      return;
    } catch (err) {
      console.error('start-up after the first screen failed', err);
      if (attempt === 0) {
        const line = document.getElementById('sync-status');
        if (line) line.textContent = 'Tend could not start syncing. Your entries are saved on this device; please reload.';
      }
      await new Promise((resolve) => { setTimeout(resolve, Math.min(60_000, 2_000 * 2 ** attempt)); });
    }
  }
}

// Without storage the journal cannot work, but Get help must: it needs no database.
function showStorageFailure(err) {
  console.error(err);
  const root = document.getElementById('main');
  const ctx = { db: null, write: async () => ({}), afterWrite() {}, syncNow: async () => {} };
  const render = () => {
    if (location.hash.startsWith('#/help')) return show(root, ctx).catch(() => {});
    root.replaceChildren(h('h1', { tabindex: '-1', text: 'Tend could not open its storage' }),
      h('p', { text: 'Private browsing or a full device can cause this. Get help still works.' }),
      h('a', { class: 'button', href: '#/help', text: 'Get help' }));
    return null;
  };
  addEventListener('hashchange', render);
  render();
}

boot().catch(showStorageFailure);
