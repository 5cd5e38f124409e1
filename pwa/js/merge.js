// Field-level last-writer-wins merge, mirroring backend/sync/merge.py (same shared vectors).

import { isValidHlc } from './hlc.js';

/** @typedef {{v: unknown, hlc: string}} Field */
/** @typedef {{v: unknown, hlc: string, seq: number, device: string}} StoredField */
/**
 * @typedef {object} MergeResult
 * @property {Record<string, StoredField>} fields new stored state of the record
 * @property {string[]} won incoming fields that replaced the stored ones
 * @property {string[]} lost incoming fields older than the stored ones
 * @property {boolean} concurrent the change overlapped an unseen edit by another device
 */

export const DELETED = '_deleted';
export const CONFLICT = '_conflict';
// `_conflict` is the server's own hint and `_created_at` differs on every device that creates a
// singleton; neither makes an edit concurrent.
const NOT_CONCURRENCY_FIELDS = new Set([CONFLICT, '_created_at']);

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
 * Merge one change into a stored record: per field the higher HLC wins, equal HLC is a no-op.
 * `concurrent` is set when a differing value written by another device that this change's writer
 * had not seen (its seq > baseSeq) is overwritten or beats the incoming value.
 * @param {Record<string, StoredField>} stored
 * @param {Record<string, Field>} incoming
 * @param {{baseSeq: number, device: string, seq: number}} opts
 * @returns {MergeResult}
 */
export function mergeFields(stored, incoming, { baseSeq, device, seq }) {
  /** @type {Record<string, StoredField>} */
  const fields = { ...stored };
  /** @type {string[]} */
  const won = [];
  /** @type {string[]} */
  const lost = [];
  let concurrent = false;
  for (const [name, field] of Object.entries(incoming)) {
    const { v, hlc } = field;
    if (!isValidHlc(hlc)) throw new RangeError(`field ${name} has an invalid HLC: ${String(hlc)}`);
    const current = Object.hasOwn(stored, name) ? stored[name] : undefined;
    if (current !== undefined) {
      if (hlc === current.hlc) continue;
      if (
        !NOT_CONCURRENCY_FIELDS.has(name) &&
        current.device !== device &&
        current.seq > baseSeq &&
        !jsonEqual(current.v, v)
      ) {
        concurrent = true;
      }
      if (hlc < current.hlc) {
        lost.push(name);
        continue;
      }
    }
    put(fields, name, { v, hlc, seq, device });
    won.push(name);
  }
  return { fields, won, lost, concurrent };
}

/**
 * Set `_conflict` to true unless the stored `_conflict` already has a newer or equal HLC.
 * @param {Record<string, StoredField>} fields
 * @param {string} hlc
 * @param {number} seq
 * @param {string} device
 * @returns {Record<string, StoredField>}
 */
export function withConflictFlag(fields, hlc, seq, device) {
  const current = Object.hasOwn(fields, CONFLICT) ? fields[CONFLICT] : undefined;
  if (current !== undefined && hlc <= current.hlc) return { ...fields };
  return { ...fields, [CONFLICT]: { v: true, hlc, seq, device } };
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
