// Everything after the first screen (sync and its status line, other tabs, service worker, push,
// notices): main.js loads it once Today is drawn, so the first screen parses only what it shows.

import { countOutbox, unsyncedCounts } from './outbox.js';
import { IOS_7_DAYS, iosNotInstalled } from './platform.js';
import { createScheduler } from './scheduler.js';
import { finishLogout, readAccount } from './session.js';
import { ensureDevice, getMeta, setMeta } from './store.js';
import { clockLooksOff, describeStatus } from './sync-rules.js';
import { banner, h } from './ui.js';

const channel = 'BroadcastChannel' in globalThis ? new BroadcastChannel('tend') : null;
const PROBLEMS = new Set(['signin', 'forbidden', 'upgrade', 'busy', 'offline', 'error']);

// Only the newest reading is shown (they can finish out of order): never "All synced" over an unsent entry.
function statusLine(db, el, sync) {
  let statusReading = 0;
  let shownStatus = '';
  const updateStatus = async () => {
    const reading = ++statusReading;
    const [{ account }, { pending, rejected }] = await Promise.all([readAccount(db), unsyncedCounts(db)]);
    if (reading !== statusReading) return { account, pending };
    const problem = account?.needs_signin ? 'signin' : sync.problem;
    const status = describeStatus({
      signedIn: Boolean(account), online: navigator.onLine, pending, rejected, syncing: sync.syncing, problem,
    });
    // A live region reads the same words again if rewritten. Empty while locked: it counts entries.
    const shown = 'locked' in document.documentElement.dataset ? '' : `${status.tone}|${problem}|${status.review}|${status.text}`;
    if (shown !== shownStatus) {
      shownStatus = shown;
      if (shown) drawStatus(el, status, problem);
      else el.replaceChildren();
    }
    return { account, pending };
  };
  addEventListener('tend-lock', updateStatus);
  return updateStatus;
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
  // Background Sync fires when the network is back; for a busy or failing server the page's own
  // backoff decides.
  if (pending > 0 && outcome.kind === 'offline') registerBackgroundSync();
}

function pageScheduler(app, updateStatus) {
  return createScheduler({
    db: app.db,
    onStart: () => { app.sync.syncing = true; },
    onOutcome: (outcome) => afterSync(app, updateStatus, outcome),
  });
}

/** Start what follows the first screen; returns what main.js's writes call into. */
export async function startBackground(app) {
  const { db } = app;
  const updateStatus = statusLine(db, document.getElementById('sync-status'), app.sync);
  const scheduler = pageScheduler(app, updateStatus);
  listenForChanges(app, updateStatus);
  const hooks = {
    /** After any local write: sync soon, tell other tabs, redraw the status line. */
    afterWrite() {
      scheduler.soon();
      channel?.postMessage({ type: 'data' });
      // The entry is stored: a failed reading must not make it look failed (it would be logged twice).
      return updateStatus().catch(() => {});
    },
    syncNow: () => scheduler.runNow(),
  };
  const { account } = await updateStatus();
  // The device id and HLC now, so the first tap only writes the entry.
  await ensureDevice(db);
  await finishLogout(db).catch(() => {});
  scheduler.start();
  registerWorker();
  // Re-posted on every start, so the server never silently loses this device; imported here so
  // Today never waits for push code.
  if (account && !account.needs_signin) import('./push.js').then((m) => m.refreshSubscription(db)).catch(() => {});
  showIosNotice(db).catch(() => {}).then(() => {
    // Start-up is over: tests wait for this mark.
    document.documentElement.dataset.started = '';
  });
  return hooks;
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
      // Hidden once "seen" is stored: a reload straight after must not bring it back.
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
    // Updated from another tab: offer a reload, not mixed versions or a reload over half-typed text.
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
