// Field-level last-writer-wins merge on this device: a local write folded into its record, and
// pending changes laid over a pulled one. The server's merge (backend/sync/merge.py, with its
// concurrency flag) is mirrored for the shared vectors in tests/js/support/server-merge.mjs.

/** @typedef {{v: unknown, hlc: string}} Field */

const DELETED = '_deleted';

/**
 * Own-property write: a field literally named `__proto__` must be stored, not change the prototype.
 * @template T
 * @param {Record<string, T>} obj
 * @param {string} key
 * @param {T} value
 */
function put(obj, key, value) {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Structural equality of JSON values (object key order does not matter).
 * @param {unknown} a
 * @param {unknown} b
 * @returns {boolean}
 */
export function jsonEqual(a, b) {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const oa = /** @type {Record<string, unknown>} */ (a);
  const ob = /** @type {Record<string, unknown>} */ (b);
  const keys = Object.keys(oa);
  if (keys.length !== Object.keys(ob).length) return false;
  return keys.every((k) => Object.hasOwn(ob, k) && jsonEqual(oa[k], ob[k]));
}

/**
 * A record is deleted when `_deleted` is true and newer than every user field.
 * @param {Record<string, Field>} fields
 * @returns {boolean}
 */
export function isDeleted(fields) {
  const tomb = Object.hasOwn(fields, DELETED) ? fields[DELETED] : undefined;
  if (tomb === undefined || tomb.v !== true) return false;
  return Object.entries(fields).every(([name, f]) => name.startsWith('_') || f.hlc < tomb.hlc);
}

/**
 * Plain per-field max-HLC merge of two wire maps; on equal HLC the local field stays.
 * Used to re-apply pending local changes on top of a pulled record.
 * @param {Record<string, Field>} local
 * @param {Record<string, Field>} incoming
 * @returns {Record<string, Field>}
 */
export function lwwMerge(local, incoming) {
  const out = publicFields(local);
  for (const [name, f] of Object.entries(incoming)) {
    const mine = Object.hasOwn(out, name) ? out[name] : undefined;
    if (mine === undefined || f.hlc > mine.hlc) put(out, name, { v: f.v, hlc: f.hlc });
  }
  return out;
}

/**
 * The wire form `{name: {v, hlc}}` without server bookkeeping.
 * @param {Record<string, Field>} fields
 * @returns {Record<string, Field>}
 */
export function publicFields(fields) {
  /** @type {Record<string, Field>} */
  const out = {};
  for (const [name, f] of Object.entries(fields)) put(out, name, { v: f.v, hlc: f.hlc });
  return out;
}
