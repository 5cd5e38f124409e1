// Merge mirror: replays every shared vector in every arrival order, with the same runner rules as
// tests/sync/test_vectors.py (seq = max initial seq + position; `_conflict` set on concurrency
// with the change's server_hlc, or its greatest field HLC when the vector gives none).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

import { isDeleted, jsonEqual, lwwMerge, publicFields } from '../../pwa/js/merge.js';
import { CONFLICT, mergeFields, withConflictFlag } from './support/server-merge.mjs';

const VECTOR_DIR = new URL('../sync/vectors/', import.meta.url);
const FILES = readdirSync(VECTOR_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();

const PHONE = '0190f3a2-7c1e-7b3a-8f3a-1c2b9d4e5f60';
const LAPTOP = '0190f3a2-7c1e-7b3a-9a0b-3c4d5e6f7081';
const h = (sec, node = '8f3a1c2b9d4e5f60') =>
  `2026-01-12T07:00:${String(sec).padStart(2, '0')}.000Z-0000-${node}`;

/** @template T @param {T[]} items @returns {T[][]} */
function permutations(items) {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

function replay(vector, order) {
  let stored = { ...(vector.initial?.fields ?? {}) };
  let seq = Math.max(0, ...Object.values(stored).map((f) => f.seq));
  for (const change of order) {
    seq += 1;
    const { device } = change;
    const result = mergeFields(stored, change.fields, { baseSeq: change.base_seq, device, seq });
    stored = result.fields;
    if (result.concurrent) {
      const hlcs = Object.values(change.fields).map((f) => f.hlc).sort();
      stored = withConflictFlag(stored, change.server_hlc ?? hlcs[hlcs.length - 1], seq, device);
    }
  }
  return stored;
}

const withoutConflict = (fields) =>
  Object.fromEntries(Object.entries(fields).filter(([n]) => n !== CONFLICT));

test('there are enough vectors', () => {
  assert.ok(FILES.length >= 30, `${FILES.length} vectors`);
});

for (const file of FILES) {
  test(`vector ${file} holds in every arrival order`, () => {
    const vector = JSON.parse(readFileSync(new URL(file, VECTOR_DIR), 'utf8'));
    const orders = permutations(vector.changes);
    assert.ok(orders.length >= 1 && vector.changes.length <= 3);
    for (const order of orders) {
      const label = order
        .map((c) => `${c.device.slice(-4)}:${Object.keys(c.fields).join(',')}`)
        .join(' then ');
      const final = replay(vector, order);
      const want = withoutConflict(vector.expect.fields);
      assert.deepStrictEqual(publicFields(withoutConflict(final)), want, label);
      assert.equal(isDeleted(final), vector.expect.deleted, label);
      assert.equal(final[CONFLICT]?.v === true, vector.expect.conflict, label);
    }
  });
}

test('mergeFields reports won, lost and leaves equal HLCs alone', () => {
  const stored = {
    mood: { v: 4, hlc: h(5), seq: 3, device: PHONE },
    note: { v: 'a', hlc: h(5), seq: 3, device: PHONE },
    energy: { v: 2, hlc: h(5), seq: 3, device: PHONE },
  };
  const incoming = {
    mood: { v: 6, hlc: h(7) },
    note: { v: 'b', hlc: h(3) },
    energy: { v: 9, hlc: h(5) },
  };
  const result = mergeFields(stored, incoming, { baseSeq: 3, device: LAPTOP, seq: 4 });
  assert.deepEqual(result.won, ['mood']);
  assert.deepEqual(result.lost, ['note']);
  assert.equal(result.concurrent, false);
  assert.deepEqual(result.fields.mood, { v: 6, hlc: h(7), seq: 4, device: LAPTOP });
  assert.deepEqual(result.fields.energy, stored.energy);
  assert.deepEqual(stored.mood.v, 4, 'input is not mutated');
  const opts = { baseSeq: 0, device: PHONE, seq: 1 };
  assert.throws(() => mergeFields({}, { mood: { v: 1, hlc: 'yesterday' } }, opts), /mood/);
});

test('a field named __proto__ is stored as data', () => {
  const incoming = JSON.parse(`{"__proto__": {"v": 1, "hlc": "${h(1)}"}}`);
  const { fields } = mergeFields({}, incoming, { baseSeq: 0, device: PHONE, seq: 1 });
  assert.deepEqual(Object.keys(fields), ['__proto__']);
  assert.equal(Object.getPrototypeOf(fields), Object.prototype);
  assert.deepEqual(Object.keys(lwwMerge({}, incoming)), ['__proto__']);
});

test('withConflictFlag only writes when its HLC is newer', () => {
  const resolved = { [CONFLICT]: { v: false, hlc: h(9), seq: 5, device: PHONE } };
  assert.deepEqual(withConflictFlag(resolved, h(8, 'ffffffffffffffff'), 6, LAPTOP), resolved);
  assert.deepEqual(withConflictFlag(resolved, h(9), 6, LAPTOP), resolved);
  const flagged = withConflictFlag(resolved, h(10), 6, LAPTOP);
  assert.deepEqual(flagged[CONFLICT], { v: true, hlc: h(10), seq: 6, device: LAPTOP });
  assert.equal(resolved[CONFLICT].v, false, 'input is not mutated');
});

test('isDeleted needs a true tombstone newer than every user field', () => {
  assert.equal(isDeleted({ _deleted: { v: true, hlc: h(2) } }), true);
  assert.equal(isDeleted({ _deleted: { v: 1, hlc: h(2) } }), false);
  assert.equal(isDeleted({ _deleted: { v: true, hlc: h(2) }, mood: { v: 1, hlc: h(3) } }), false);
  // Reserved fields never keep a record alive.
  const tomb = { v: true, hlc: h(2) };
  const reserved = { _deleted: tomb, mood: { v: 1, hlc: h(1) }, _x: { v: 1, hlc: h(5) } };
  assert.equal(isDeleted(reserved), true);
  assert.equal(isDeleted({}), false);
  // "Newer" is strict: a tombstone written in the same change as a value does not hide it.
  assert.equal(isDeleted({ _deleted: { v: true, hlc: h(2) }, mood: { v: 1, hlc: h(2) } }), false);
});

test('lwwMerge re-applies pending local edits on top of a pulled record', () => {
  const tomb = { v: true, hlc: h(6) };
  const pulled = { mood: { v: 4, hlc: h(5) }, note: { v: 'server', hlc: h(8) }, _deleted: tomb };
  const pending = { mood: { v: 7, hlc: h(7) }, note: { v: 'mine', hlc: h(7) } };
  const merged = lwwMerge(pulled, pending);
  assert.deepEqual(merged, {
    mood: { v: 7, hlc: h(7) },
    note: { v: 'server', hlc: h(8) },
    _deleted: tomb,
  });
  assert.deepEqual(lwwMerge(pending, pulled), merged);
  assert.equal(isDeleted(merged), false);
  const local = { note: { v: 'local', hlc: h(1) } };
  assert.deepEqual(lwwMerge(local, { note: { v: 'other', hlc: h(1) } }), local);
});

test('jsonEqual agrees with the Python side', () => {
  const cases = [
    [1, 1.0, true],
    [true, 1, false],
    [false, 0, false],
    [null, '', false],
    [{ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true],
    [[1, 2], [2, 1], false],
    [[{ on: 'x' }], [{ on: 'x', dose: 1 }], false],
    ['1', 1, false],
    [{}, [], false],
  ];
  for (const [a, b, equal] of cases) {
    assert.equal(jsonEqual(a, b), equal, JSON.stringify([a, b]));
    assert.equal(jsonEqual(b, a), equal, JSON.stringify([b, a]));
  }
});
