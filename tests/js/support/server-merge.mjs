// The server's field merge (backend/sync/merge.py), mirrored in JS so the shared vectors run in
// Node too. The app only folds its own writes (pwa/js/merge.js lwwMerge), so this stays here.

import { jsonEqual } from '../../../pwa/js/merge.js';
import { isValidHlc } from './server-hlc.mjs';

/** @typedef {{v: unknown, hlc: string}} Field */
/** @typedef {{v: unknown, hlc: string, seq: number, device: string}} StoredField */
/**
 * @typedef {object} MergeResult
 * @property {Record<string, StoredField>} fields new stored state of the record
 * @property {string[]} won incoming fields that replaced the stored ones
 * @property {string[]} lost incoming fields older than the stored ones
 * @property {boolean} concurrent the change overlapped an unseen edit by another device
 */

export const CONFLICT = '_conflict';
// `_conflict` is the server's own hint and `_created_at` differs on every device that creates a
// singleton; neither makes an edit concurrent.
const NOT_CONCURRENCY_FIELDS = new Set([CONFLICT, '_created_at']);

/** Own-property write: a field literally named `__proto__` must be stored, not change the prototype. */
function put(obj, key, value) {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
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

