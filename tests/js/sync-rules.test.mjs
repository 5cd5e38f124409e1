import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BACKOFF_CAP_MS, backoffMs, classifyResults, clockLooksOff, decideHttp, describeStatus, parseRetryAfter,
} from '../../pwa/js/sync-rules.js';

const sent = [1, 2, 3, 4, 5, 6, 7].map((seq) => ({ seq, change_id: `c${seq}`, kind: 'checkin', fields: {} }));

test('each result status decides whether the change leaves the outbox', () => {
  const out = classifyResults(sent, [
    { change_id: 'c1', status: 'applied', server_seq: 10 },
    { change_id: 'c2', status: 'duplicate', original_status: 'applied', server_seq: 9 },
    { change_id: 'c3', status: 'superseded', server_seq: 11 },
    { change_id: 'c4', status: 'rejected', error: { code: 'out-of-range', field: 'mood', detail: 'mood must be 0-10' } },
    { change_id: 'c5', status: 'retry' },
    { change_id: 'c7', status: 'duplicate', original_status: 'rejected', error: { code: 'out-of-range', detail: 'x' } },
    // c6 missing: the server stopped early
  ]);
  assert.deepEqual(out.remove, [1, 2, 3, 4, 7]);
  assert.deepEqual(out.keep, [5, 6]);
  assert.deepEqual(out.dead.map((d) => d.entry.seq), [4, 7]);
  assert.equal(out.dead[0].error.field, 'mood');
});

test('an unknown status keeps the change (never dropped on doubt)', () => {
  assert.deepEqual(classifyResults(sent.slice(0, 1), [{ change_id: 'c1', status: 'weird' }]).keep, [1]);
  assert.deepEqual(classifyResults(sent.slice(0, 2), undefined).keep, [1, 2]);
});

test('HTTP answers map to the actions of the protocol table', () => {
  const r = () => 0.5;
  assert.equal(decideHttp(200).kind, 'ok');
  assert.equal(decideHttp(401).kind, 'signin');
  assert.equal(decideHttp(403).kind, 'forbidden');
  assert.equal(decideHttp(426).kind, 'upgrade');
  assert.deepEqual(decideHttp(413, { batchLimit: 200 }), { kind: 'shrink', batchLimit: 100 });
  assert.deepEqual(decideHttp(413, { batchLimit: 3 }), { kind: 'shrink', batchLimit: 1 });
  assert.equal(decideHttp(413, { batchLimit: 1 }).kind, 'too-large');
  assert.deepEqual(decideHttp(429, { retryAfterMs: 7000 }), { kind: 'busy', delayMs: 7000 });
  assert.deepEqual(decideHttp(503, { retryAfterMs: 120000 }), { kind: 'busy', delayMs: 120000 });
  assert.equal(decideHttp(503, { random: r, attempt: 0 }).delayMs, 1000);
  assert.equal(decideHttp(500, { random: r, attempt: 1 }).kind, 'error');
  assert.equal(decideHttp(0, { random: r }).kind, 'offline');
  assert.equal(decideHttp(400).kind, 'error');
});

test('backoff is full jitter within an exponential, capped ceiling', () => {
  for (let attempt = 0; attempt < 20; attempt++) {
    const ceiling = Math.min(BACKOFF_CAP_MS, 2000 * 2 ** attempt);
    assert.equal(backoffMs(attempt, () => 0), 0);
    assert.ok(backoffMs(attempt, () => 0.999999) < ceiling);
    assert.ok(backoffMs(attempt, () => 0.999999) >= ceiling - 1);
    for (let i = 0; i < 50; i++) {
      const d = backoffMs(attempt);
      assert.ok(d >= 0 && d <= ceiling);
    }
  }
  assert.ok(backoffMs(50, () => 0.999999) <= BACKOFF_CAP_MS);
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  const now = Date.UTC(2026, 10, 27, 8, 0, 0);
  assert.equal(parseRetryAfter('30', now), 30000);
  assert.equal(parseRetryAfter('Fri, 27 Nov 2026 08:01:00 GMT', now), 60000);
  assert.equal(parseRetryAfter('Fri, 27 Nov 2026 07:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter(null, now), null);
  assert.equal(parseRetryAfter('soon', now), null);
});

test('the clock banner shows only beyond five minutes either way', () => {
  assert.equal(clockLooksOff(5 * 60 * 1000), false);
  assert.equal(clockLooksOff(5 * 60 * 1000 + 1), true);
  assert.equal(clockLooksOff(-6 * 60 * 1000), true);
  assert.equal(clockLooksOff(undefined), false);
});

test('the sync line uses plain words', () => {
  const base = { signedIn: true, online: true, pending: 0 };
  assert.equal(describeStatus(base).text, 'All synced');
  assert.equal(describeStatus({ ...base, pending: 3 }).text, '3 entries not yet synced');
  assert.equal(describeStatus({ ...base, pending: 1 }).text, '1 entry not yet synced');
  assert.equal(describeStatus({ ...base, online: false, pending: 2 }).text, 'Offline — saved on this device — 2 entries not yet synced');
  assert.equal(describeStatus({ ...base, problem: 'busy' }).text, 'Sync paused: server busy');
  assert.match(describeStatus({ ...base, problem: 'signin', pending: 1 }).text, /^Sign in again to sync — 1 entry not yet synced/);
  assert.match(describeStatus({ ...base, problem: 'upgrade' }).text, /Update the app/);
  assert.equal(describeStatus({ signedIn: false, online: true, pending: 4 }).text, 'Saved on this device only');
});

test('a change the server refused is never "All synced"', () => {
  const base = { signedIn: true, online: true, pending: 0 };
  const one = describeStatus({ ...base, rejected: 1 });
  assert.equal(one.text, '1 entry could not be saved to the server');
  assert.equal(one.tone, 'warn');
  assert.equal(one.review, true);
  assert.equal(describeStatus({ ...base, rejected: 2, pending: 1 }).text,
    '2 entries could not be saved to the server — 1 entry not yet synced');
  assert.equal(describeStatus({ ...base, online: false, rejected: 1 }).text,
    'Offline — saved on this device — 1 entry could not be saved to the server');
  for (const problem of [null, 'busy', 'error', 'signin', 'offline']) {
    assert.notEqual(describeStatus({ ...base, rejected: 1, problem }).text, 'All synced');
  }
});
