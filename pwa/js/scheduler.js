// When to sync from an open page: on open, when shown again, when back online, a second after
// a write, every minute while visible, and after failures with backoff. One run at a time here;
// the Web Lock in sync.js keeps other tabs and the service worker out.

import { syncWithLock } from './sync.js';

export const AFTER_WRITE_MS = 1000;
export const INTERVAL_MS = 60 * 1000;

// A sync that throws is retried like a failed one.
async function outcomeOf(sync, db, attempt) {
  try {
    return await sync(db, { attempt });
  } catch (err) {
    console.error('sync failed', err);
    return { kind: 'error', delayMs: 30000 };
  }
}

function wireTriggers(win, runNow, onOnline) {
  win.addEventListener('online', onOnline);
  win.document.addEventListener('visibilitychange', () => {
    if (win.document.visibilityState === 'visible') runNow();
  });
  setInterval(() => {
    if (win.document.visibilityState === 'visible') runNow();
  }, INTERVAL_MS);
}

/**
 * @param {{db: IDBDatabase, onOutcome: (o: object) => void, onStart?: () => void, sync?: Function}} opts
 */
export function createScheduler({ db, onOutcome, onStart = () => {}, sync = syncWithLock }) {
  let running = null;
  let again = false;
  let attempt = 0;
  let retryTimer = null;
  let writeTimer = null;

  async function syncAndPlanRetry() {
    const outcome = await outcomeOf(sync, db, attempt);
    if (outcome.delayMs !== undefined) {
      attempt += 1;
      retryTimer = setTimeout(runNow, outcome.delayMs);
    } else {
      attempt = 0;
    }
    onOutcome(outcome);
    return outcome;
  }

  // Asked while a sync runs: one more follows it.
  async function runNow() {
    if (running) {
      again = true;
      return running;
    }
    clearTimeout(retryTimer);
    onStart();
    running = syncAndPlanRetry();
    try {
      return await running;
    } finally {
      running = null;
      if (again) {
        again = false;
        runNow();
      }
    }
  }

  return {
    runNow,
    /** A write just happened: sync about a second later, batching quick successive taps. */
    soon() {
      clearTimeout(writeTimer);
      writeTimer = setTimeout(runNow, AFTER_WRITE_MS);
    },
    start(win = globalThis) {
      wireTriggers(win, runNow, () => { attempt = 0; runNow(); });
      runNow();
    },
  };
}
