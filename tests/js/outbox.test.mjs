import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_BYTES, MAX_CHANGES, takeBatch, toWire, wireBytes } from '../../pwa/js/outbox.js';

const HLC = '2026-11-27T07:05:00.000Z-0000-8f3a1c2b9d4e5f60';
const entry = (seq, note = 'x') => ({
  seq,
  change_id: `0190a000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
  record_id: `0190a000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
  kind: 'checkin',
  schema_version: 1,
  base_seq: 0,
  fields: { mood: { v: 4, hlc: HLC }, note: { v: note, hlc: HLC } },
});

test('a batch holds at most 200 changes, oldest first', () => {
  const entries = Array.from({ length: 450 }, (_, i) => entry(i + 1));
  const { batch, oversize } = takeBatch(entries);
  assert.equal(batch.length, MAX_CHANGES);
  assert.equal(batch[0].seq, 1);
  assert.equal(batch.at(-1).seq, 200);
  assert.equal(oversize, null);
});

test('a batch stays within 256 KiB of changes as sent', () => {
  const big = 'é'.repeat(15000); // 30 kB of UTF-8 each: bytes, not characters, count
  const entries = Array.from({ length: 20 }, (_, i) => entry(i + 1, big));
  const { batch } = takeBatch(entries);
  const sent = new TextEncoder().encode(JSON.stringify(batch.map(toWire))).length;
  assert.ok(sent <= MAX_BYTES, `${sent} bytes`);
  assert.ok(batch.length >= 8 && batch.length < 20);
  const withNext = JSON.stringify(entries.slice(0, batch.length + 1).map(toWire));
  assert.ok(new TextEncoder().encode(withNext).length > MAX_BYTES);
});

test('a smaller limit (after a 413) shrinks the batch', () => {
  const entries = Array.from({ length: 10 }, (_, i) => entry(i + 1));
  assert.equal(takeBatch(entries, { maxChanges: 3 }).batch.length, 3);
});

test('one change too big to ever send is set apart instead of blocking the rest', () => {
  const entries = [entry(1, 'y'.repeat(MAX_BYTES)), entry(2)];
  const { batch, oversize } = takeBatch(entries);
  assert.equal(batch.length, 0);
  assert.equal(oversize.seq, 1);
});

test('the wire form has exactly the protocol fields', () => {
  const wire = toWire(entry(7));
  assert.deepEqual(Object.keys(wire).sort(), ['base_seq', 'change_id', 'fields', 'kind', 'record_id', 'schema_version']);
  assert.equal(wireBytes(entry(7)), new TextEncoder().encode(JSON.stringify(wire)).length);
  assert.equal(takeBatch([]).batch.length, 0);
});
