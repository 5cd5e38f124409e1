// The app lock's pure parts: the PIN hash round trip, the idle rule and the wait after wrong
// PINs. Low iteration counts keep the hashes fast here; the app uses ITERATIONS.
import assert from 'node:assert/strict';
import test from 'node:test';

import {
  FREE_TRIES, ITERATIONS, checkNewPin, idleExpired, makeLock, sameBytes, verifyPin, waitAfter, waitLeft, waitSentence,
} from '../../pwa/js/lock.js';

test('the right PIN verifies, a wrong one does not, and the PIN itself is not stored', async () => {
  const lock = await makeLock('482916', 5, { iterations: 1000 });
  assert.equal(await verifyPin('482916', lock), true);
  assert.equal(await verifyPin('482917', lock), false);
  assert.equal(await verifyPin('', lock), false);
  assert.equal(await verifyPin('4829160', lock), false);
  assert.deepEqual(Object.keys(lock).sort(), ['hash', 'idle_minutes', 'iterations', 'salt']);
  assert.ok(!JSON.stringify(lock).includes('482916'));
  assert.equal(lock.idle_minutes, 5);
});

test('each PIN gets its own random salt, so the same PIN stores differently', async () => {
  const a = await makeLock('1234', 1, { iterations: 1000 });
  const b = await makeLock('1234', 1, { iterations: 1000 });
  assert.notEqual(a.salt, b.salt);
  assert.notEqual(a.hash, b.hash);
  assert.equal(atob(a.salt).length, 16);
  assert.equal(atob(a.hash).length, 32);
});

test('the stored iteration count is the one checked against, so raising ITERATIONS keeps old PINs working', async () => {
  const old = await makeLock('2468', 0, { iterations: 2000 });
  assert.equal(old.iterations, 2000);
  assert.equal(await verifyPin('2468', old), true);
  assert.equal(await verifyPin('2468', { ...old, iterations: 2001 }), false);
  assert.ok(ITERATIONS >= 310_000, 'OWASP 2023 minimum for PBKDF2-HMAC-SHA-256');
});

test('bytes compare equal only when every byte and the length match', () => {
  assert.equal(sameBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3])), true);
  assert.equal(sameBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4])), false);
  assert.equal(sameBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2])), false);
  assert.equal(sameBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0])), false);
});

test('a new PIN is 4 to 12 digits, typed the same twice', () => {
  assert.equal(checkNewPin('1234', '1234'), null);
  assert.equal(checkNewPin('123456789012', '123456789012'), null);
  assert.match(checkNewPin('123', '123'), /4 to 12 digits/);
  assert.match(checkNewPin('1234567890123', '1234567890123'), /4 to 12 digits/);
  assert.match(checkNewPin('12a4', '12a4'), /numbers only/);
  assert.match(checkNewPin('', ''), /4 to 12 digits/);
  assert.match(checkNewPin('1234', '1243'), /not the same/);
});

test('"as soon as hidden" locks on hiding only; a time locks after that long without use', () => {
  const at = 1_000_000;
  assert.equal(idleExpired({ idleMinutes: 0, lastActivityMs: at, nowMs: at + 3_600_000, hidden: false }), false);
  assert.equal(idleExpired({ idleMinutes: 0, lastActivityMs: at, nowMs: at, hidden: true }), true);
  assert.equal(idleExpired({ idleMinutes: 5, lastActivityMs: at, nowMs: at + 4 * 60_000 + 59_999, hidden: false }), false);
  assert.equal(idleExpired({ idleMinutes: 5, lastActivityMs: at, nowMs: at + 5 * 60_000, hidden: false }), true);
  // Coming back after being away longer than the idle time: locked.
  assert.equal(idleExpired({ idleMinutes: 1, lastActivityMs: at, nowMs: at + 90_000, hidden: false }), true);
  // Hidden for a moment with a 15-minute lock: not locked.
  assert.equal(idleExpired({ idleMinutes: 15, lastActivityMs: at, nowMs: at + 10_000, hidden: true }), false);
});

test('the first five wrong PINs cost nothing; then the wait doubles from 30 s up to 15 minutes', () => {
  assert.equal(FREE_TRIES, 5);
  for (let n = 0; n < 5; n += 1) assert.equal(waitAfter(n), 0);
  assert.equal(waitAfter(5), 30_000);
  assert.equal(waitAfter(6), 60_000);
  assert.equal(waitAfter(7), 120_000);
  assert.equal(waitAfter(9), 480_000);
  assert.equal(waitAfter(10), 900_000);
  assert.equal(waitAfter(50), 900_000);
});

test('the wait left counts down, and a clock set back cannot make it longer than the wait', () => {
  const tries = { count: 6, last_ms: 1_000_000 };
  assert.equal(waitLeft(null, 5), 0);
  assert.equal(waitLeft({ count: 4, last_ms: 1_000_000 }, 1_000_001), 0);
  assert.equal(waitLeft(tries, 1_000_000), 60_000);
  assert.equal(waitLeft(tries, 1_045_000), 15_000);
  assert.equal(waitLeft(tries, 1_060_000), 0);
  assert.equal(waitLeft(tries, 0), 60_000);
});

test('the wait is said in plain words, with the promise that nothing is erased', () => {
  assert.match(waitSentence(30_000), /in 30 seconds\. Wrong PINs never erase anything\.$/);
  assert.match(waitSentence(1_000), /in 1 second\./);
  assert.match(waitSentence(60_000), /in 1 minute\./);
  assert.match(waitSentence(61_000), /in 2 minutes\./);
  assert.match(waitSentence(900_000), /in 15 minutes\./);
});
