// "Changed on two devices": the two versions of a record, from its history on the server
// (GET /records/{id}/history), kept on the device so they can be compared offline.

import { api } from './api.js';
import { getMeta, setMeta } from './store.js';

const nodeOf = (hlc) => String(hlc).slice(-16);
const SKIP = new Set(['_conflict', '_created_at']);

/**
 * The other version of a record flagged as a conflict: for each field, the newest value written
 * by another device than the one whose value is shown now, when it differs. Pure: `fields` are
 * the record's fields as stored here, `history` the server's changes (newest first).
 * @returns {Record<string, {v: unknown, hlc: string}>} the differing fields only ({} when none)
 */
export function otherVersion(fields, history) {
  const other = {};
  for (const change of history ?? []) {
    if (change.status === 'rejected') continue;
    for (const [name, f] of Object.entries(change.fields ?? {})) {
      const shown = fields[name];
      if (SKIP.has(name) || !shown || nodeOf(f.hlc) === nodeOf(shown.hlc)) continue;
      if (JSON.stringify(f.v) === JSON.stringify(shown.v)) continue;
      if (!other[name] || f.hlc > other[name].hlc) other[name] = { v: f.v, hlc: f.hlc };
    }
  }
  return other;
}

const key = (id) => `history:${id}`;

/**
 * A record's history: fresh from the server when it answers (then kept on the device), else
 * the copy kept from the last time. Resolves null when neither is available.
 */
export async function recordHistory(db, id, { fetchImpl } = {}) {
  const res = await api(`/records/${id}/history`, { fetchImpl });
  if (res.status === 200 && Array.isArray(res.body)) {
    await setMeta(db, key(id), res.body);
    return res.body;
  }
  return (await getMeta(db, key(id))) ?? null;
}

/** Fetch and keep the histories of records a sync just flagged, so they compare offline. */
export async function keepHistories(db, ids, options = {}) {
  for (const id of new Set(ids)) await recordHistory(db, id, options).catch(() => null);
}
