// The sync client: push the outbox, pull pages, apply each page with its cursor in one
// transaction. Shared by the page and the service worker; one sync at a time via Web Locks.

import { api } from './api.js';
import { getAll, req, run } from './db.js';
import { parseHlc, recv } from './hlc.js';
import { lwwMerge } from './merge.js';
import { MAX_CHANGES, takeBatch, toWire } from './outbox.js';
import { sendPendingSnoozes } from './snooze.js';
import { SCHEMA_VERSION, deviceIn, materialize } from './store.js';
import { classifyResults, decideHttp } from './sync-rules.js';
import { uuidv7 } from './uuid.js';
import { keepHistories } from './versions.js';

export const LOCK_NAME = 'tend-sync';
export const PULL_LIMIT = 500;
const MAX_ROUNDS = 200;

/** Everything one request needs, read in one transaction. */
function readState(db) {
  return run(db, ['meta', 'outbox'], 'readwrite', async ({ meta, outbox }) => {
    const { deviceId, hlc } = await deviceIn(meta);
    meta.put(hlc, 'hlc');
    return {
      deviceId,
      cursor: (await req(meta.get('cursor'))) ?? 0,
      epoch: (await req(meta.get('epoch'))) ?? null,
      entries: await getAll(outbox),
    };
  });
}

/** Move outbox entries to the visible "could not sync" list (never silently dropped). */
function toDeadLetter(stores, dead, nowMs) {
  for (const { entry, error } of dead) {
    stores.outbox.delete(entry.seq);
    // `prev` (the values the change replaced) stays with it, so it can be discarded later.
    stores.dead_letter.put({ ...toWire(entry), prev: entry.prev, error, at: nowMs });
  }
}

/**
 * Apply one 200 answer in ONE transaction: drop acknowledged changes, keep rejected ones
 * visible, store pulled records with still-pending local changes merged on top, then the
 * cursor, the epoch and the clock. A crash anywhere leaves either all of it or none.
 */
export function applyResponse(db, sent, body, nowMs) {
  const stores = ['records', 'outbox', 'meta', 'dead_letter'];
  return run(db, stores, 'readwrite', async (s) => {
    const { remove, dead, keep } = classifyResults(sent, body.results);
    const deadSeqs = new Set(dead.map((d) => d.entry.seq));
    for (const seq of remove) if (!deadSeqs.has(seq)) s.outbox.delete(seq);
    toDeadLetter(s, dead, nowMs);
    await keepServerHlcs(s, sent, body.results ?? []);
    const conflicts = [];
    for (const pulled of body.records ?? []) {
      const pending = await getAll(s.outbox.index('by_record'), IDBKeyRange.only(pulled.id));
      let fields = pulled.fields;
      for (const p of pending) fields = lwwMerge(fields, p.fields);
      const record = materialize({ ...pulled, fields });
      if (record.fields._conflict?.v === true) conflicts.push(record.id);
      s.records.put(record);
    }
    s.meta.put(body.reset ? body.reset.epoch : body.epoch, 'epoch');
    s.meta.put(body.next_cursor, 'cursor');
    const hlc = await req(s.meta.get('hlc'));
    if (hlc && body.server_hlc) s.meta.put(recv(hlc, parseHlc(body.server_hlc), nowMs), 'hlc');
    return { removed: remove.length, kept: keep.length, dead: dead.length, conflicts };
  });
}

/**
 * Where the server replaced an HLC (this device's clock was over 5 minutes ahead), keep the
 * server's: a later snapshot re-push must not resend the far-future original, which would be
 * clamped again against an older (restored) server clock and could lose to an older edit.
 */
async function keepServerHlcs(s, sent, results) {
  const byChange = new Map(sent.map((entry) => [entry.change_id, entry]));
  for (const result of results) {
    const entry = result.hlcs && byChange.get(result.change_id);
    if (!entry) continue;
    const record = await req(s.records.get(entry.record_id));
    if (!record) continue;
    let changed = false;
    for (const [name, hlc] of Object.entries(result.hlcs)) {
      const mine = record.fields[name];
      if (mine && mine.hlc === entry.fields[name]?.hlc) {
        record.fields[name] = { ...mine, hlc };
        changed = true;
      }
    }
    if (changed) s.records.put(record);
  }
}

/**
 * After a reset (server data went backwards) queue every local record as a snapshot: all its
 * fields with their own HLCs, so the server gets back whatever it lost; re-sending is harmless.
 */
export function queueSnapshot(db, nowMs) {
  return run(db, ['records', 'outbox'], 'readwrite', async ({ records, outbox }) => {
    const all = await getAll(records);
    for (const r of all) {
      outbox.add({
        change_id: uuidv7(nowMs),
        record_id: r.id,
        kind: r.kind,
        schema_version: r.schema_version ?? SCHEMA_VERSION,
        base_seq: r.server_seq ?? 0,
        fields: r.fields,
      });
    }
    return all.length;
  });
}

async function markSigninNeeded(db) {
  await run(db, 'meta', 'readwrite', async ({ meta }) => {
    const account = await req(meta.get('account'));
    if (account) meta.put({ ...account, needs_signin: true }, 'account');
  });
}

/**
 * One full sync: push batches and pull pages until the outbox is empty (or stuck on
 * retries) and the server has nothing more. Resolves with an outcome for the scheduler:
 * `{kind, delayMs?, skewMs?, conflicts}`; never throws for HTTP or network trouble.
 */
export async function syncOnce(db, { fetchImpl = globalThis.fetch, now = Date.now, attempt = 0 } = {}) {
  const account = await run(db, 'meta', 'readonly', ({ meta }) => req(meta.get('account')));
  if (!account) return { kind: 'local' };
  if (account.needs_signin) return { kind: 'signin' };
  let batchLimit = MAX_CHANGES;
  let skewMs;
  const conflicts = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const state = await readState(db);
    const { batch, oversize } = takeBatch(state.entries, { maxChanges: batchLimit });
    if (oversize) {
      await moveToDeadLetter(db, oversize, 'too-large', now());
      continue;
    }
    const res = await api('/sync', {
      method: 'POST',
      fetchImpl,
      body: {
        protocol: 1,
        device_id: state.deviceId,
        schema_version: SCHEMA_VERSION,
        epoch: state.epoch,
        cursor: state.cursor,
        changes: batch.map(toWire),
        pull_limit: PULL_LIMIT,
        client_time: now(),
      },
    });
    // 413 halves what was actually sent, not the nominal limit.
    const sentLimit = Math.min(batchLimit, Math.max(batch.length, 1));
    const decision = decideHttp(res.status, { retryAfterMs: res.retryAfterMs, attempt, batchLimit: sentLimit });
    if (decision.kind === 'shrink') {
      batchLimit = decision.batchLimit;
      continue;
    }
    if (decision.kind === 'too-large') {
      await moveToDeadLetter(db, batch[0], 'too-large', now());
      continue;
    }
    if (decision.kind === 'signin') await markSigninNeeded(db);
    const body = res.body;
    if (decision.kind === 'ok' && typeof body?.next_cursor !== 'number') {
      return { ...decideHttp(500, { attempt }), skewMs, conflicts };
    }
    if (decision.kind !== 'ok') return { ...decision, skewMs, conflicts };
    const applied = await applyResponse(db, batch, body, now());
    skewMs = body.clock_skew_ms;
    conflicts.push(...applied.conflicts);
    if (body.reset) {
      await queueSnapshot(db, now());
      continue;
    }
    if (body.has_more) continue;
    if (state.entries.length > batch.length && applied.removed > 0) continue;
    // Some changes came back as retry/missing: try them again later, not in a tight loop.
    if (applied.kept > 0) return { ...decideHttp(500, { attempt }), kind: 'retry', skewMs, conflicts };
    return { kind: 'ok', skewMs, conflicts };
  }
  return { kind: 'ok', skewMs, conflicts };
}

async function moveToDeadLetter(db, entry, code, nowMs) {
  const error = {
    code,
    detail: 'This entry is too large to sync. It is still saved on this device.',
  };
  await run(db, ['outbox', 'dead_letter'], 'readwrite', (s) => toDeadLetter(s, [{ entry, error }], nowMs));
}

/**
 * Run a sync while holding the 'tend-sync' Web Lock, so tabs and the service worker never sync
 * at the same time. Without Web Locks (old browsers, node tests) it runs unguarded.
 */
export function syncWithLock(db, options = {}) {
  const job = async () => {
    const outcome = await syncOnce(db, options);
    // The server is reachable: send what waited for it besides entries (offline snoozes), and
    // keep both versions of entries changed on two devices, to compare them offline later.
    if (outcome.kind === 'ok') {
      await sendPendingSnoozes(db, { nowMs: (options.now ?? Date.now)(), fetchImpl: options.fetchImpl }).catch(() => {});
      if (outcome.conflicts?.length) await keepHistories(db, outcome.conflicts, { fetchImpl: options.fetchImpl });
    }
    return outcome;
  };
  const locks = globalThis.navigator?.locks;
  return locks ? locks.request(LOCK_NAME, job) : job();
}
