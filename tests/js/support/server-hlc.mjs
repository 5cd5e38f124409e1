// The server's HLC checks (backend/sync/hlc.py), mirrored in JS for the shared tests; the app
// itself never needs them, so they stay out of pwa/js/hlc.js and the precache.

import { parseHlc } from '../../../pwa/js/hlc.js';

/** @typedef {import('../../../pwa/js/hlc.js').Hlc} Hlc */

export const MAX_SKEW_MS = 5 * 60 * 1000;

/**
 * Whether `text` is an HLC in the canonical text form (the server refuses a field without one).
 * @param {unknown} text
 * @returns {boolean}
 */
export function isValidHlc(text) {
  if (typeof text !== 'string') return false;
  try {
    parseHlc(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when a timestamp is more than MAX_SKEW_MS ahead of the given time.
 * @param {Hlc} h
 * @param {number} nowMs
 * @returns {boolean}
 */
export function isTooFarAhead(h, nowMs) {
  return h.millis - nowMs > MAX_SKEW_MS;
}
