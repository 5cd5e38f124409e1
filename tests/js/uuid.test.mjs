import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeUuidv7, uuidv4 } from '../../pwa/js/uuid.js';
import { UUID_RE, uuidv7Millis } from './support/uuid-text.mjs';

test('uuidv7 has the RFC 9562 version and variant and encodes the time', () => {
  const gen = makeUuidv7();
  const now = Date.UTC(2026, 10, 27, 8, 5, 0, 123);
  const id = gen(now);
  assert.match(id, UUID_RE);
  assert.equal(id[14], '7');
  assert.ok('89ab'.includes(id[19]));
  assert.equal(uuidv7Millis(id), now);
});

test('ids made in the same millisecond still sort in the order they were made', () => {
  const gen = makeUuidv7();
  const now = 1_800_000_000_000;
  const ids = Array.from({ length: 5000 }, () => gen(now));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
});

test('a clock that steps back never makes an id sort before an earlier one', () => {
  const gen = makeUuidv7();
  const a = gen(1_800_000_000_500);
  const b = gen(1_800_000_000_000);
  assert.ok(a < b);
});

test('counter overflow borrows the next millisecond instead of repeating', () => {
  // A random source that always seeds the counter at its highest starting value.
  const gen = makeUuidv7((bytes) => bytes.fill(0xff));
  const now = 1_800_000_000_000;
  const ids = Array.from({ length: 3000 }, () => gen(now));
  assert.deepEqual([...ids].sort(), ids);
  assert.ok(uuidv7Millis(ids.at(-1)) > now);
});

test('uuidv4 is a version 4 RFC 4122 id', () => {
  const id = uuidv4();
  assert.match(id, UUID_RE);
  assert.equal(id[14], '4');
  assert.ok('89ab'.includes(id[19]));
});
