// The outbox: changes saved on this device and not yet acknowledged by the server.

import { getAll, run } from './db.js';

export const MAX_CHANGES = 200;
export const MAX_BYTES = 256 * 1024;

const encoder = new TextEncoder();

/** The change as it goes on the wire (the outbox key `seq` stays local). */
export function toWire(entry) {
  const { change_id, record_id, kind, schema_version, base_seq, fields } = entry;
  return { change_id, record_id, kind, schema_version, base_seq, fields };
}

/** Bytes of one change in a JSON array. */
export function wireBytes(entry) {
  return encoder.encode(JSON.stringify(toWire(entry))).length;
}

/**
 * The oldest entries that fit one push: at most `maxChanges` and `maxBytes` of changes (the JSON
 * array, brackets and commas included). An entry too big to ever fit alone is returned as
 * `oversize` so it can be shown to the person instead of blocking every change behind it.
 * @returns {{batch: object[], oversize: object | null}}
 */
export function takeBatch(entries, { maxChanges = MAX_CHANGES, maxBytes = MAX_BYTES } = {}) {
  const batch = [];
  let bytes = 2;
  for (const entry of entries) {
    if (batch.length >= maxChanges) break;
    const size = wireBytes(entry) + (batch.length > 0 ? 1 : 0);
    if (bytes + size > maxBytes) {
      if (batch.length === 0) return { batch, oversize: entry };
      break;
    }
    batch.push(entry);
    bytes += size;
  }
  return { batch, oversize: null };
}

/** Distinct record ids in the outbox: a key cursor, so values are never read. */
function pendingRecordIds(outbox) {
  return new Promise((resolve, reject) => {
    const ids = [];
    const rq = outbox.index('by_record').openKeyCursor(null, 'nextunique');
    rq.onsuccess = () => {
      const cursor = rq.result;
      if (!cursor) return resolve(ids);
      ids.push(cursor.key);
      cursor.continue();
    };
    rq.onerror = () => reject(rq.error);
  });
}

/**
 * Entries (records, not field changes) that are only on this device: `pending` wait in the
 * outbox, `rejected` were refused by the server and wait for the person, `total` is both
 * without counting an entry twice. One read, so the numbers agree with each other.
 */
export async function unsyncedCounts(db) {
  const [queued, refused] = await run(db, ['outbox', 'dead_letter'], 'readonly', ({ outbox, dead_letter }) =>
    Promise.all([pendingRecordIds(outbox), getAll(dead_letter)]));
  const rejected = new Set(refused.map((d) => d.record_id));
  return { pending: queued.length, rejected: rejected.size, total: new Set([...queued, ...rejected]).size };
}

/** How many entries have changes not yet synced. */
export async function countOutbox(db) {
  return (await unsyncedCounts(db)).pending;
}

/** Changes the server refused, with their errors, newest first. */
export async function readDeadLetters(db) {
  const rows = await run(db, 'dead_letter', 'readonly', ({ dead_letter }) => getAll(dead_letter));
  return rows.sort((a, b) => (a.at < b.at ? 1 : -1));
}
