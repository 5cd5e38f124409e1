// App start: render the current screen from IndexedDB first, then the service worker, sync
// triggers and status line. Nothing blocks the first render but opening the database.

import { openDb } from './db.js';
import { countOutbox, unsyncedCounts } from './outbox.js';
import { IOS_7_DAYS, iosNotInstalled } from './platform.js';
import { show } from './router.js';
import { createScheduler } from './scheduler.js';
import { finishLogout, readAccount } from './session.js';
import { ensureDevice, getMeta, setMeta, writeRecord } from './store.js';
import { clockLooksOff, describeStatus } from './sync-rules.js';
import { banner, h } from './ui.js';

const channel = 'BroadcastChannel' in globalThis ? new BroadcastChannel('tend') : null;
const PROBLEMS = new Set(['signin', 'forbidden', 'upgrade', 'busy', 'offline', 'error']);

// Readings can finish out of order (a sync's reading started before a new write): only the
// newest one is shown, so the line never says "All synced" over an unsent entry.
function statusLine(db, el, sync) {
  let statusReading = 0;
  let shownStatus = '';
  return async function updateStatus() {
    const reading = ++statusReading;
    const [{ account }, { pending, rejected }] = await Promise.all([readAccount(db), unsyncedCounts(db)]);
    if (reading !== statusReading) return { account, pending };
    const problem = account?.needs_signin ? 'signin' : sync.problem;
    const status = describeStatus({
      signedIn: Boolean(account), online: navigator.onLine, pending, rejected, syncing: sync.syncing, problem,
    });
    // The line is a live region: rewriting it with the same words makes screen readers say
    // them again, so it changes only when what it says changes.
    const shown = `${status.tone}|${problem}|${status.review}|${status.text}`;
    if (shown === shownStatus) return { account, pending };
    shownStatus = shown;
    drawStatus(el, status, problem);
    return { account, pending };
  };
}

function drawStatus(el, { text, tone, review }, problem) {
  el.className = `sync-line ${tone}`;
  el.replaceChildren(text);
  if (problem === 'signin') el.append(' ', h('a', { href: '#/account', text: 'Sign in' }));
  else if (review) el.append(' ', h('a', { href: '#/account', text: 'Review' }));
  if (problem === 'upgrade') {
    el.append(' ', h('button', { type: 'button', class: 'small', text: 'Reload', on: { click: () => location.reload() } }));
  }
}

async function afterSync(app, updateStatus, outcome) {
  app.sync.syncing = false;
  app.sync.problem = PROBLEMS.has(outcome.kind) ? outcome.kind : outcome.kind === 'retry' ? 'error' : null;
  if (outcome.skewMs !== undefined) showClockBanner(outcome.skewMs);
  const { pending } = await updateStatus();
  if (outcome.kind === 'ok') channel?.postMessage({ type: 'data' });
  app.view.refresh?.();
  // Background Sync fires as soon as the network is back; for a busy or failing server the
  // page's own backoff (and Retry-After) decides, so only an offline failure registers it.
  if (pending > 0 && outcome.kind === 'offline') registerBackgroundSync();
}

function pageScheduler(app, updateStatus) {
  return createScheduler({
    db: app.db,
    onStart: () => { app.sync.syncing = true; },
    onOutcome: (outcome) => afterSync(app, updateStatus, outcome),
  });
}

function appContext(app, scheduler, updateStatus) {
  let persistAsked = false;
  const ctx = {
    db: app.db,
    async write(args) {
      const result = await writeRecord(app.db, args);
      if (result.changeId) await ctx.afterWrite();
      return result;
    },
    /** After any local write: sync soon, tell other tabs, redraw the screen and the status line. */
    afterWrite() {
      // Ask the browser to keep the data once there is data worth keeping.
      if (!persistAsked) {
        persistAsked = true;
        navigator.storage?.persist?.().catch(() => {});
      }
      scheduler.soon();
      channel?.postMessage({ type: 'data' });
      app.view.refresh?.();
      // The entry is already stored: a failed status reading must not make the write look
      // failed, or the person would log it again.
      return updateStatus().catch(() => {});
    },
    syncNow: () => scheduler.runNow(),
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
  return showRoute({ focus: false });
}

async function beforeHidden(db) {
  if (document.visibilityState !== 'hidden') return;
  // Save a half-typed note before the page may be frozen or closed.
  const el = document.activeElement;
  if (el && (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT')) el.dispatchEvent(new Event('change'));
  if ((await countOutbox(db)) > 0) registerBackgroundSync();
}

function listenForChanges(app, updateStatus) {
  if (channel) {
    channel.onmessage = (event) => {
      // The service worker synced while this page waited out a failure: the problem is gone.
      if (event.data?.type === 'synced' && event.data.kind === 'ok') app.sync.problem = null;
      app.view.refresh?.();
      updateStatus();
    };
  }
  addEventListener('online', updateStatus);
  addEventListener('offline', updateStatus);
  document.addEventListener('visibilitychange', () => beforeHidden(app.db));
}

async function boot() {
  const db = await openDb();
  const app = { db, view: {}, sync: { syncing: false, problem: null } };
  const updateStatus = statusLine(db, document.getElementById('sync-status'), app.sync);
  const scheduler = pageScheduler(app, updateStatus);
  await mountRouter(document.getElementById('main'), appContext(app, scheduler, updateStatus), app);
  listenForChanges(app, updateStatus);
  const { account } = await updateStatus();
  // Create the device id and HLC now, so the first tap only writes the entry itself.
  await ensureDevice(db);
  await finishLogout(db).catch(() => {});
  scheduler.start();
  registerWorker();
  // Subscriptions re-post on every start, so the server never silently loses this device.
  // Loaded only here and on Routines: opening Today does not wait for the push code.
  if (account && !account.needs_signin) import('./push.js').then((m) => m.refreshSubscription(db)).catch(() => {});
  await showIosNotice(db).catch(() => {});
  // Start-up is over (the notices have shown or decided not to): tests wait for this mark.
  document.documentElement.dataset.started = '';
}

function showClockBanner(skewMs) {
  if (!clockLooksOff(skewMs)) {
    banner('clock', null);
    return;
  }
  const minutes = Math.round(Math.abs(skewMs) / 60000);
  banner('clock', h('p', { text: `Your device clock looks off by about ${minutes} minutes. ` +
    'Your entries are saved; please check the date and time settings so times show correctly.' }));
}

async function showIosNotice(db) {
  const standalone = matchMedia('(display-mode: standalone)').matches;
  if (!iosNotInstalled(navigator, standalone)) return;
  const [{ account }, seen] = await Promise.all([readAccount(db), getMeta(db, 'ios_notice_seen')]);
  if (account || seen) return;
  banner('ios', [
    h('p', { text: IOS_7_DAYS }),
    h('button', { type: 'button', class: 'small', text: 'Got it', on: { click: async () => {
      // Hide only once "seen" is stored: a reload straight after the tap must not bring it back.
      await setMeta(db, 'ios_notice_seen', true).catch(() => {});
      banner('ios', null);
    } } }),
  ]);
}

async function registerBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker?.ready;
    await reg?.sync?.register('tend-sync');
  } catch {
    // Background Sync is optional: the page's own triggers still run.
  }
}

async function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  let reloading = false;
  const hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) location.reload();
    // Updated from another tab: this page still runs the old code, so offer a reload
    // rather than mixing versions or reloading over something half-typed.
    else if (hadController) {
      banner('update', [
        h('p', { text: 'Tend was updated' }),
        h('button', { type: 'button', class: 'primary small', text: 'Reload', on: { click: () => location.reload() } }),
      ]);
    }
  });
  let reg;
  try {
    reg = await navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' });
  } catch (err) {
    console.error('service worker registration failed', err);
    return;
  }
  const offer = (worker) => banner('update', [
    h('p', { text: 'Update available' }),
    h('button', { type: 'button', class: 'primary small', text: 'Reload', on: { click: () => {
      reloading = true;
      worker.postMessage({ type: 'skip-waiting' });
    } } }),
  ]);
  if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const worker = reg.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
    });
  });
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
