// "Snooze" on a reminder: the server sends it again later. Tapped with no network, the
// snooze is kept on the device and sent by the next sync that reaches the server, for what
// is left of its time. Shared by the service worker (the tap) and the sync client (the send).

import { api } from './api.js';
import { req, run } from './db.js';

export const SNOOZE_MINUTES = 15;
const KEY = 'pending_snoozes';
// A snooze that came due this long ago, unsent, is dropped: a reminder hours late is noise,
// and a medication reminder has its own follow-up.
const STALE_MS = 60 * 60 * 1000;

/** Whether a snooze answer means "try again later" (no network, busy or failing server). */
export const worthRetrying = (status) => status === 0 || status === 429 || status >= 500;

/** Minutes to ask the server for, for a snooze due at `dueMs` (1–720), or null if stale. */
export function minutesLeft(dueMs, nowMs) {
  if (nowMs - dueMs > STALE_MS) return null;
  return Math.min(720, Math.max(1, Math.ceil((dueMs - nowMs) / 60000)));
}

const post = (occurrence, minutes, fetchImpl) =>
  api('/reminders/snooze', { method: 'POST', body: { occurrence, minutes }, fetchImpl });

/** Snooze now; kept for later when the server cannot be reached. Resolves with the status or 'queued'. */
export async function snooze(db, occurrence, { minutes = SNOOZE_MINUTES, nowMs = Date.now(), fetchImpl } = {}) {
  const { status } = await post(occurrence, minutes, fetchImpl);
  if (!worthRetrying(status)) return status;
  const dueMs = nowMs + minutes * 60000;
  await run(db, 'meta', 'readwrite', async ({ meta }) => {
    const pending = ((await req(meta.get(KEY))) ?? []).filter((p) => p.occurrence !== occurrence);
    meta.put([...pending, { occurrence, due_ms: dueMs }], KEY);
  });
  return 'queued';
}

/** Send the snoozes kept while offline; the ones the server still cannot take stay kept. */
export async function sendPendingSnoozes(db, { nowMs = Date.now(), fetchImpl } = {}) {
  const pending = (await run(db, 'meta', 'readonly', ({ meta }) => req(meta.get(KEY)))) ?? [];
  if (pending.length === 0) return 0;
  const done = new Set();
  for (const p of pending) {
    const minutes = minutesLeft(p.due_ms, nowMs);
    if (minutes === null || !worthRetrying((await post(p.occurrence, minutes, fetchImpl)).status)) {
      done.add(`${p.occurrence} ${p.due_ms}`);
    }
  }
  // Re-read in the write: a snooze tapped meanwhile is kept.
  await run(db, 'meta', 'readwrite', async ({ meta }) => {
    const now = (await req(meta.get(KEY))) ?? [];
    meta.put(now.filter((p) => !done.has(`${p.occurrence} ${p.due_ms}`)), KEY);
  });
  return done.size;
}
