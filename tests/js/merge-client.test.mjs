// The shared merge vectors run through the merge the PWA really uses: `lwwMerge`, which
// `writeRecord` (store.js) folds each local write into, and which `applyResponse` (sync.js) uses
// to lay still-pending outbox changes over a pulled server record.
//
// Runner rules, as in tests/sync/test_vectors.py and tests/js/merge.test.mjs: the vector's
// `initial` fields are the record as it already stands (seq/device are server bookkeeping, and
// the client never sees them), then the changes arrive in every order. Expected fields are
// compared exactly (names, values, HLCs) except `_conflict`: the server sets it when a merge
// was concurrent, and the client cannot know that, so a client-only fold never sets it. (A
// device learns the flag from a pulled record, so the pull tests below do check it is kept.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

import { isDeleted, lwwMerge, publicFields } from '../../pwa/js/merge.js';
import { CONFLICT, mergeFields, withConflictFlag } from './support/server-merge.mjs';

const VECTOR_DIR = new URL('../sync/vectors/', import.meta.url);
const VECTORS = readdirSync(VECTOR_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((file) => ({ file, ...JSON.parse(readFileSync(new URL(file, VECTOR_DIR), 'utf8')) }));

/** @template T @param {T[]} items @returns {T[][]} */
function permutations(items) {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** Every non-empty selection of `items`, in every order. @template T @param {T[]} items */
function arrangements(items) {
  const out = [];
  for (let mask = 1; mask < 1 << items.length; mask++) {
    out.push(...permutations(items.filter((_, i) => mask & (1 << i))));
  }
  return out;
}

const label = (order) =>
  order.map((c) => `${c.device.slice(-4)}:${Object.keys(c.fields).join(',')}`).join(' then ') ||
  '(none)';

const withoutConflict = (fields) =>
  Object.fromEntries(Object.entries(fields).filter(([n]) => n !== CONFLICT));

const initialFields = (vector) => publicFields(vector.initial?.fields ?? {});

/** The device path: the record as it stands, each change folded in with `merge`. */
function clientFold(vector, order, merge = lwwMerge) {
  return order.reduce((fields, change) => merge(fields, change.fields), initialFields(vector));
}

/**
 * What the server holds after `order`, `_conflict` included (the runner rules of
 * merge.test.mjs, which checks this mirror against the vectors and the Python merge).
 */
function serverRecord(vector, order) {
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
  return publicFields(stored);
}

/** applyResponse: the pulled record with each still-pending change re-applied on top. */
const reapplyPending = (pulled, pending) =>
  pending.reduce((fields, change) => lwwMerge(fields, change.fields), pulled);

function assertExpected(vector, fields, where) {
  assert.deepStrictEqual(withoutConflict(fields), withoutConflict(vector.expect.fields), where);
  assert.equal(isDeleted(fields), vector.expect.deleted, `${where}: deleted`);
}

test('there are enough vectors, with up to three changes each', () => {
  assert.ok(VECTORS.length >= 30, `${VECTORS.length} vectors`);
  for (const v of VECTORS) assert.ok(v.changes.length >= 1 && v.changes.length <= 3, v.file);
  // Expected fields never carry `_conflict`: it is checked through `expect.conflict` only.
  for (const v of VECTORS) assert.ok(!Object.hasOwn(v.expect.fields, CONFLICT), v.file);
});

for (const vector of VECTORS) {
  test(`client: ${vector.file} folds to the expected fields in every arrival order`, () => {
    for (const order of permutations(vector.changes)) {
      assertExpected(vector, clientFold(vector, order), label(order));
    }
  });

  test(`client: ${vector.file} pending changes re-applied on the pulled record regress nothing`, () => {
    // The server merged every change (in any order) and the device pulls that record while
    // any of them is still in its outbox (any selection, in any outbox order).
    for (const serverOrder of permutations(vector.changes)) {
      const pulled = serverRecord(vector, serverOrder);
      for (const pending of arrangements(vector.changes)) {
        const where = `server ${label(serverOrder)}; pending ${label(pending)}`;
        const shown = reapplyPending(pulled, pending);
        // Nothing at all moves, the server's `_conflict` hint included.
        assert.deepStrictEqual(shown, pulled, where);
        assertExpected(vector, shown, where);
        assert.equal(shown[CONFLICT]?.v === true, vector.expect.conflict, `${where}: conflict`);
      }
    }
  });

  test(`client: ${vector.file} a change not yet pushed already shows its final state`, () => {
    // The server has merged the other changes (a later batch, or a `retry` result, leaves
    // this one in the outbox); what the device shows must already be where it converges.
    vector.changes.forEach((mine, i) => {
      const others = vector.changes.filter((_, j) => j !== i);
      for (const serverOrder of permutations(others)) {
        const where = `server ${label(serverOrder)}; pending ${label([mine])}`;
        assertExpected(vector, reapplyPending(serverRecord(vector, serverOrder), [mine]), where);
      }
    });
  });
}

test('the vectors catch a client merge that ignores HLCs', () => {
  const failures = (merge) =>
    VECTORS.filter((vector) =>
      permutations(vector.changes).some((order) => {
        try {
          assertExpected(vector, clientFold(vector, order, merge), label(order));
          return false;
        } catch {
          return true;
        }
      }),
    ).length;
  const lastArrivalWins = (a, b) => ({ ...publicFields(a), ...publicFields(b) });
  const firstArrivalWins = (a, b) => ({ ...publicFields(b), ...publicFields(a) });
  const newerOrEqualWins = (a, b) => {
    const out = publicFields(a);
    for (const [n, f] of Object.entries(b)) if (!out[n] || f.hlc >= out[n].hlc) out[n] = f;
    return out;
  };
  assert.ok(failures(lastArrivalWins) > 5);
  assert.ok(failures(firstArrivalWins) > 5);
  assert.ok(failures(newerOrEqualWins) >= 1, 'equal HLC must be a no-op');
});
