// Pure sync decisions (what an HTTP answer or a result status means), kept apart for node tests.

export const BACKOFF_BASE_MS = 2000;
export const BACKOFF_CAP_MS = 5 * 60 * 1000;
export const SKEW_WARN_MS = 5 * 60 * 1000;

/** Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^attempt)]. */
export function backoffMs(attempt, random = Math.random, base = BACKOFF_BASE_MS, cap = BACKOFF_CAP_MS) {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/** Retry-After (delta seconds or an HTTP date) in ms from `nowMs`, or null when absent/invalid. */
export function parseRetryAfter(value, nowMs) {
  if (value === null || value === undefined || value === '') return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * What to do with one HTTP answer to POST /sync. Status 0 means the request never got an
 * answer (offline, DNS, connection reset). The outbox is never dropped on any of these.
 * @returns {{kind: string, delayMs?: number, batchLimit?: number}}
 */
export function decideHttp(status, { retryAfterMs = null, attempt = 0, batchLimit = 200, random = Math.random } = {}) {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 0) return { kind: 'offline', delayMs: backoffMs(attempt, random) };
  if (status === 401) return { kind: 'signin' };
  if (status === 403) return { kind: 'forbidden' };
  if (status === 413) {
    return batchLimit > 1 ? { kind: 'shrink', batchLimit: Math.floor(batchLimit / 2) } : { kind: 'too-large' };
  }
  if (status === 426) return { kind: 'upgrade' };
  if (status === 429 || status === 503) {
    return { kind: 'busy', delayMs: retryAfterMs ?? backoffMs(attempt, random) };
  }
  return { kind: 'error', delayMs: backoffMs(attempt, random) };
}

const REMOVE = new Set(['applied', 'duplicate', 'superseded', 'rejected']);

/**
 * Sort the outbox entries just sent by the server's per-change results. Applied, duplicate,
 * superseded and rejected leave the outbox; rejected ones (also a duplicate of a change first
 * rejected) go to the visible "could not sync" list; retry and missing results stay.
 * @returns {{remove: number[], dead: {entry: object, error: object}[], keep: number[]}}
 */
export function classifyResults(sent, results) {
  const byId = new Map((results ?? []).map((r) => [r.change_id, r]));
  const out = { remove: [], dead: [], keep: [] };
  for (const entry of sent) {
    const r = byId.get(entry.change_id);
    if (!r || !REMOVE.has(r.status)) {
      out.keep.push(entry.seq);
      continue;
    }
    out.remove.push(entry.seq);
    const rejected = r.status === 'rejected' || (r.status === 'duplicate' && r.original_status === 'rejected');
    if (rejected) {
      out.dead.push({ entry, error: r.error ?? { code: 'rejected', detail: 'The server refused this change.' } });
    }
  }
  return out;
}

/** True when the server says this device's clock is off by more than five minutes. */
export function clockLooksOff(skewMs) {
  return typeof skewMs === 'number' && Math.abs(skewMs) > SKEW_WARN_MS;
}

/** "1 entry", "2 entries". */
export const entries = (n) => `${n} ${n === 1 ? 'entry' : 'entries'}`;
/** "1 entry is", "2 entries are". */
export const entriesAre = (n) => `${entries(n)} ${n === 1 ? 'is' : 'are'}`;

/**
 * The sync line the person reads, in plain words. `pending` and `rejected` count entries (not
 * field changes): rejected ones are changes the server refused, so the line never says
 * "All synced" while one of them waits for the person.
 * @param {{signedIn: boolean, online: boolean, pending: number, rejected?: number, syncing?: boolean, problem?: string|null}} s
 * @returns {{text: string, tone: 'ok'|'info'|'warn', review?: boolean}}
 */
export function describeStatus({ signedIn, online, pending, rejected = 0, syncing = false, problem = null }) {
  const refusedText = `${entries(rejected)} could not be saved to the server`;
  const waiting = (pending > 0 ? ` — ${entries(pending)} not yet synced` : '') +
    (rejected > 0 ? ` — ${refusedText}` : '');
  if (!signedIn) return { text: 'Saved on this device only', tone: 'info' };
  if (problem === 'signin') return { text: `Sign in again to sync${waiting}`, tone: 'warn' };
  if (problem === 'forbidden') {
    return { text: `Sync stopped: this device is linked to another account${waiting}`, tone: 'warn' };
  }
  if (problem === 'upgrade') return { text: `Update the app to keep syncing${waiting}`, tone: 'warn' };
  if (!online || problem === 'offline') {
    return { text: `Offline — saved on this device${waiting}`, tone: 'info' };
  }
  if (problem === 'busy') return { text: `Sync paused: server busy${waiting}`, tone: 'info' };
  if (problem === 'error') return { text: `Could not reach the server, will retry${waiting}`, tone: 'info' };
  if (syncing) return { text: pending > 0 ? `Syncing ${entries(pending)}…` : 'Syncing…', tone: 'info' };
  if (rejected > 0) {
    const rest = pending > 0 ? ` — ${entries(pending)} not yet synced` : '';
    return { text: `${refusedText}${rest}`, tone: 'warn', review: true };
  }
  if (pending > 0) return { text: `${entries(pending)} not yet synced`, tone: 'info' };
  return { text: 'All synced', tone: 'ok' };
}
