// HLC mirror: same text form and send/recv results as backend/sync/hlc.py (tests/unit/test_hlc.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { MAX_COUNTER, MAX_MILLIS, formatHlc, nodeFromDeviceId, parseHlc, recv, send } from '../../pwa/js/hlc.js';
import { MAX_SKEW_MS, isTooFarAhead, isValidHlc } from './support/server-hlc.mjs';

const START = '2026-01-12T07:00:03.120Z-002A-8f3a1c2b9d4e5f60';
const NODE = '8f3a1c2b9d4e5f60';
const REMOTE_NODE = '9a0b3c4d5e6f7081';
// Same script and expected strings as SHARED_SCRIPT in tests/unit/test_hlc.py.
const SHARED_SCRIPT = [
  ['send', null, 1768201193120, '2026-01-12T07:00:03.120Z-002B-8f3a1c2b9d4e5f60'],
  ['send', null, 1768201203125, '2026-01-12T07:00:03.125Z-0000-8f3a1c2b9d4e5f60'],
  [
    'recv',
    '2026-01-12T07:00:03.125Z-00FF-9a0b3c4d5e6f7081',
    1768201203120,
    '2026-01-12T07:00:03.125Z-0100-8f3a1c2b9d4e5f60',
  ],
  [
    'recv',
    '2026-01-12T07:00:09.000Z-0007-9a0b3c4d5e6f7081',
    1768201203126,
    '2026-01-12T07:00:09.000Z-0008-8f3a1c2b9d4e5f60',
  ],
  ['send', null, 1768201209000, '2026-01-12T07:00:09.000Z-0009-8f3a1c2b9d4e5f60'],
  [
    'recv',
    '2026-01-12T07:00:01.000Z-0003-9a0b3c4d5e6f7081',
    1768201215000,
    '2026-01-12T07:00:15.000Z-0000-8f3a1c2b9d4e5f60',
  ],
];

/** Deterministic PRNG so failures reproduce. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cmp = (a, b) => a.millis - b.millis || a.counter - b.counter;

test('shared script gives the same strings as Python', () => {
  let state = parseHlc(START);
  assert.deepEqual(state, { millis: 1768201203120, counter: 0x2a, node: NODE });
  for (const [op, remote, nowMs, expected] of SHARED_SCRIPT) {
    state = op === 'send' ? send(state, nowMs) : recv(state, parseHlc(remote), nowMs);
    assert.equal(formatHlc(state), expected, `${op} at ${nowMs}`);
  }
});

test('format of known values', () => {
  assert.equal(formatHlc({ millis: 1768201203120, counter: 42, node: NODE }), START);
  assert.equal(
    formatHlc({ millis: 0, counter: 0, node: '0'.repeat(16) }),
    '1970-01-01T00:00:00.000Z-0000-0000000000000000',
  );
  assert.equal(
    formatHlc({ millis: MAX_MILLIS, counter: MAX_COUNTER, node: 'f'.repeat(16) }),
    '9999-12-31T23:59:59.999Z-FFFF-ffffffffffffffff',
  );
});

test('format refuses values without a text form', () => {
  for (const bad of [
    { millis: -1, counter: 0, node: NODE },
    { millis: MAX_MILLIS + 1, counter: 0, node: NODE },
    { millis: 0, counter: MAX_COUNTER + 1, node: NODE },
    { millis: 0.5, counter: 0, node: NODE },
    { millis: 0, counter: 0, node: NODE.toUpperCase() },
  ]) {
    assert.throws(() => formatHlc(bad), RangeError, JSON.stringify(bad));
  }
});

test('parse rejects malformed text', () => {
  for (const text of [
    '',
    '2026-01-12T07:00:03.120Z-002a-8f3a1c2b9d4e5f60',
    '2026-01-12T07:00:03.120Z-002A-8F3A1C2B9D4E5F60',
    '2026-01-12T07:00:03.12Z-002A-8f3a1c2b9d4e5f60',
    '2026-01-12T07:00:03.120+00:00-002A-8f3a1c2b9d4e5f60',
    '2026-01-12T07:00:03.120Z-002A-8f3a1c2b9d4e5f60\n',
    '+12026-01-12T07:00:03.120Z-002A-8f3a1c2b9d4e5f60',
    '2026-02-30T07:00:03.120Z-002A-8f3a1c2b9d4e5f60',
    '2025-02-29T07:00:03.120Z-002A-8f3a1c2b9d4e5f60',
    '2026-13-01T07:00:03.120Z-002A-8f3a1c2b9d4e5f60',
    '2026-01-12T24:00:00.000Z-002A-8f3a1c2b9d4e5f60',
    '2026-01-12T07:00:60.000Z-002A-8f3a1c2b9d4e5f60',
    '0000-01-01T00:00:00.000Z-0000-8f3a1c2b9d4e5f60',
    '0050-01-01T00:00:00.000Z-0000-8f3a1c2b9d4e5f60',
    '1969-12-31T23:59:59.999Z-0000-8f3a1c2b9d4e5f60',
  ]) {
    assert.throws(() => parseHlc(text), RangeError, JSON.stringify(text));
    assert.equal(isValidHlc(text), false, JSON.stringify(text));
  }
  assert.equal(isValidHlc(null), false);
  assert.equal(isValidHlc(42), false);
  assert.equal(isValidHlc('2028-02-29T23:59:59.999Z-0000-8f3a1c2b9d4e5f60'), true);
});

test('round trip and text order equal clock order (random)', () => {
  const r = rng(1);
  const rand = () => ({
    millis: Math.floor(r() * MAX_MILLIS),
    counter: Math.floor(r() * (MAX_COUNTER + 1)),
    node: Array.from({ length: 16 }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join(''),
  });
  for (let i = 0; i < 2000; i += 1) {
    const a = rand();
    // Half the time share the millisecond so counter and node ordering get exercised.
    const b = i % 2 ? rand() : { ...rand(), millis: a.millis };
    const [ta, tb] = [formatHlc(a), formatHlc(b)];
    assert.deepEqual(parseHlc(ta), a);
    const clock = cmp(a, b) || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);
    assert.equal(Math.sign(clock), ta < tb ? -1 : ta > tb ? 1 : 0, `${ta} vs ${tb}`);
  }
});

test('nodeFromDeviceId takes the last 16 hex digits', () => {
  assert.equal(nodeFromDeviceId('0190F3A2-7C1E-7B3A-8F3A-1C2B9D4E5F60'), NODE);
  assert.equal(nodeFromDeviceId('0190f3a27c1e7b3a8f3a1c2b9d4e5f60'), NODE);
  for (const bad of ['', 'not-a-uuid', '0190f3a2-7c1e-7b3a-8f3a-1c2b9d4e5f6', 'z'.repeat(32)]) {
    assert.throws(() => nodeFromDeviceId(bad), RangeError);
  }
});

test('send strictly increases whatever the wall clock does', () => {
  const r = rng(2);
  let state = parseHlc(START);
  for (let i = 0; i < 5000; i += 1) {
    // Clocks that jump back hours, stall, or creep forward.
    const nowMs = state.millis + Math.floor((r() - 0.7) * (r() < 0.1 ? 3.6e6 : 4));
    const next = send(state, nowMs);
    assert.ok(cmp(next, state) > 0);
    assert.ok(next.millis >= nowMs);
    assert.equal(next.node, NODE);
    state = next;
  }
});

test('recv passes both clocks and keeps the local node', () => {
  const r = rng(3);
  let state = parseHlc(START);
  for (let i = 0; i < 5000; i += 1) {
    const remote = {
      millis: state.millis + Math.floor((r() - 0.5) * 10),
      counter: Math.floor(r() * 300),
      node: REMOTE_NODE,
    };
    const nowMs = state.millis + Math.floor((r() - 0.6) * 10);
    const next = recv(state, remote, nowMs);
    assert.ok(cmp(next, state) > 0);
    assert.ok(cmp(next, remote) > 0);
    assert.ok(next.millis >= nowMs);
    assert.equal(next.node, NODE);
    state = next;
  }
});

test('counter overflow moves to the next millisecond instead of throwing', () => {
  const full = { millis: 1768201203120, counter: MAX_COUNTER, node: NODE };
  const expected = '2026-01-12T07:00:03.121Z-0000-8f3a1c2b9d4e5f60';
  assert.equal(formatHlc(send(full, full.millis)), expected);
  assert.equal(formatHlc(send(full, full.millis - 5000)), expected);
  const remote = { millis: full.millis, counter: MAX_COUNTER - 1, node: REMOTE_NODE };
  assert.equal(formatHlc(recv(full, remote, full.millis - 20)), expected);
  const behind = { millis: full.millis - 1, counter: 0, node: NODE };
  assert.equal(formatHlc(recv(behind, { ...remote, counter: MAX_COUNTER }, 0)), expected);
});

test('a remote far in the future is followed, not refused', () => {
  const state = parseHlc(START);
  const remote = { millis: state.millis + 365 * 86400000, counter: 5, node: REMOTE_NODE };
  const next = recv(state, remote, state.millis);
  assert.deepEqual(next, { millis: remote.millis, counter: 6, node: NODE });
});

test('skew boundary is five minutes', () => {
  const now = 1768201203120;
  assert.equal(MAX_SKEW_MS, 300000);
  assert.equal(isTooFarAhead({ millis: now + MAX_SKEW_MS, counter: 0, node: NODE }, now), false);
  assert.equal(isTooFarAhead({ millis: now + MAX_SKEW_MS + 1, counter: 0, node: NODE }, now), true);
});
