// Offline snoozes: how much of the snooze is left when the network comes back.
import assert from 'node:assert/strict';
import test from 'node:test';

import { minutesLeft, worthRetrying } from '../../pwa/js/snooze.js';

const MIN = 60000;

test('a snooze sent late asks only for what is left of it', () => {
  const due = 1_000 * MIN;
  assert.equal(minutesLeft(due, due - 15 * MIN), 15);
  assert.equal(minutesLeft(due, due - 9.5 * MIN), 10);
  // Due already: the server's soonest, one minute.
  assert.equal(minutesLeft(due, due + 5 * MIN), 1);
});

test('a snooze more than an hour past due is dropped, not sent hours late', () => {
  const due = 1_000 * MIN;
  assert.equal(minutesLeft(due, due + 60 * MIN), 1);
  assert.equal(minutesLeft(due, due + 61 * MIN), null);
});

test('no network, busy and failing servers are retried; a refusal is final', () => {
  for (const status of [0, 429, 500, 503]) assert.equal(worthRetrying(status), true, String(status));
  for (const status of [202, 400, 401, 404, 422]) assert.equal(worthRetrying(status), false, String(status));
});
