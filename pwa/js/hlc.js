// Hybrid logical clock, mirroring backend/sync/hlc.py: same text form, same send/recv steps.
// Pure: callers pass the current time in, so the state can be saved with the write that used it.
// Only what the app uses is here; the server's validity and skew checks, mirrored for the shared
// tests, are in tests/js/support/server-hlc.mjs.

/** @typedef {{millis: number, counter: number, node: string}} Hlc */

export const MAX_COUNTER = 0xffff;
// The text form has a 4-digit year, so the clock lives between 1970 and the end of 9999.
const MIN_MILLIS = 0;
export const MAX_MILLIS = 253402300799999;

const HLC_RE = new RegExp(
  '^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\\.([0-9]{3})Z' +
    '-([0-9A-F]{4})-([0-9a-f]{16})$',
);
const NODE_RE = /^[0-9a-f]{16}$/;
const UUID_RE =
  /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/**
 * Parse the canonical text form; throws RangeError on anything else.
 * @param {string} text
 * @returns {Hlc}
 */
export function parseHlc(text) {
  const m = typeof text === 'string' ? HLC_RE.exec(text) : null;
  if (!m) throw new RangeError(`malformed HLC: ${String(text)}`);
  const [year, month, day, hour, minute, second, ms] = m.slice(1, 8).map(Number);
  const millis = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 Feb into March; a round trip through the text catches impossible times.
  if (year < 1970 || new Date(millis).toISOString() !== text.slice(0, 24)) {
    throw new RangeError(`HLC has an impossible time: ${text}`);
  }
  return { millis, counter: parseInt(m[8], 16), node: m[9] };
}

/**
 * Render the fixed-width text form whose string order equals clock order.
 * @param {Hlc} h
 * @returns {string}
 */
export function formatHlc(h) {
  if (!Number.isInteger(h.millis) || h.millis < MIN_MILLIS || h.millis > MAX_MILLIS) {
    throw new RangeError(`HLC millis out of range: ${h.millis}`);
  }
  if (!Number.isInteger(h.counter) || h.counter < 0 || h.counter > MAX_COUNTER) {
    throw new RangeError(`HLC counter out of range: ${h.counter}`);
  }
  if (typeof h.node !== 'string' || !NODE_RE.test(h.node)) {
    throw new RangeError(`HLC node must be 16 lower-case hex digits: ${h.node}`);
  }
  const counter = h.counter.toString(16).toUpperCase().padStart(4, '0');
  return `${new Date(h.millis).toISOString()}-${counter}-${h.node}`;
}

/**
 * The HLC node of a device: the last 16 hex digits of its UUID, lower-case.
 * @param {string} deviceId
 * @returns {string}
 */
export function nodeFromDeviceId(deviceId) {
  if (typeof deviceId !== 'string' || !UUID_RE.test(deviceId)) {
    throw new RangeError(`device id is not a UUID: ${String(deviceId)}`);
  }
  return deviceId.replaceAll('-', '').toLowerCase().slice(-16);
}

/**
 * Overflow borrows the next millisecond rather than failing a write the person made.
 * @param {number} millis
 * @param {number} counter
 * @param {string} node
 * @returns {Hlc}
 */
function settle(millis, counter, node) {
  if (counter > MAX_COUNTER) return { millis: millis + 1, counter: 0, node };
  return { millis, counter, node };
}

/**
 * Advance the local clock for a local event; never goes backwards, never throws.
 * @param {Hlc} state
 * @param {number} nowMs
 * @returns {Hlc}
 */
export function send(state, nowMs) {
  const millis = Math.max(state.millis, nowMs);
  const counter = millis === state.millis ? state.counter + 1 : 0;
  return settle(millis, counter, state.node);
}

/**
 * Advance the local clock past a remote timestamp; keeps the local node.
 * @param {Hlc} state
 * @param {Hlc} remote
 * @param {number} nowMs
 * @returns {Hlc}
 */
export function recv(state, remote, nowMs) {
  const millis = Math.max(state.millis, nowMs, remote.millis);
  let counter = 0;
  if (millis === state.millis && millis === remote.millis) {
    counter = Math.max(state.counter, remote.counter) + 1;
  } else if (millis === state.millis) {
    counter = state.counter + 1;
  } else if (millis === remote.millis) {
    counter = remote.counter + 1;
  }
  return settle(millis, counter, state.node);
}
