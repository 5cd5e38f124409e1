// Account management's wording: when a device was last used, and what stops a passphrase
// change or an account deletion before anything is sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';

// Device-local wording ("today at 09:30") depends on the zone; this file runs in its own process.
process.env.TZ = 'Europe/Paris';
const { DELETE_WORD, SESSION_ENDED, accountError, changeProblem, deleteFailure, deleteProblem, lastSeenText, ordered } =
  await import('../../pwa/js/views/account-manage.js');

const NOW = Date.parse('2026-12-04T15:00:00+01:00');

test('last use reads as a person would say it, in this device’s time', () => {
  assert.equal(lastSeenText('2026-12-04T14:59:10.123456Z', NOW), 'just now');
  assert.equal(lastSeenText('2026-12-04T13:48:00Z', NOW), '12 minutes ago');
  assert.equal(lastSeenText('2026-12-04T08:30:00Z', NOW), 'today at 09:30');
  // 23:30 UTC on the 3rd is 00:30 on the 4th in Paris: still today there.
  assert.equal(lastSeenText('2026-12-03T23:30:00Z', NOW), 'today at 00:30');
  assert.equal(lastSeenText('2026-12-03T20:10:00Z', NOW), 'yesterday at 21:10');
  assert.equal(lastSeenText('2026-11-28T09:00:00Z', NOW), 'on 28 Nov 2026');
  assert.equal(lastSeenText('not a date', NOW), 'at an unknown time');
  // A device clock behind the server's does not say "in the future".
  assert.equal(lastSeenText('2026-12-04T14:05:00Z', NOW), 'just now');
});

test('a new passphrase follows the sign-up rules and must be typed the same twice', () => {
  const ok = { current: 'old passphrase', next: 'a new long passphrase', again: 'a new long passphrase' };
  assert.equal(changeProblem('sam', ok), null);
  assert.equal(changeProblem('sam', { ...ok, current: '' }), 'Please enter your current passphrase.');
  assert.equal(changeProblem('sam', { ...ok, next: 'short', again: 'short' }), 'Your passphrase needs at least 10 characters.');
  assert.equal(changeProblem('sam', { ...ok, next: 'sam is long enough', again: 'sam is long enough' }),
    'A passphrase cannot contain your username.');
  assert.match(changeProblem('sam', { ...ok, again: 'a new long passphrasf' }), /not the same/);
});

test('deleting needs the typed word first, then the passphrase', () => {
  assert.equal(DELETE_WORD, 'delete');
  assert.match(deleteProblem('', 'pass'), /type the word “delete”/);
  assert.match(deleteProblem('delet', 'pass'), /type the word “delete”/);
  assert.equal(deleteProblem('delete', ''), 'Please enter your passphrase.');
  // Capitals and spaces from a phone keyboard's autocorrect still count.
  assert.equal(deleteProblem(' Delete ', 'pass'), null);
});

test('failed account calls say why in plain words', () => {
  const words = { offline: 'Offline words.', wrong: 'Wrong words.' };
  assert.equal(accountError({ status: 0, body: null }, words), 'Offline words.');
  assert.equal(accountError({ status: 401, body: { code: 'wrong-passphrase' } }, words), 'Wrong words.');
  assert.equal(accountError({ status: 401, body: { code: 'session-expired' } }, words), SESSION_ENDED);
  assert.equal(accountError({ status: 400, body: { code: 'weak-passphrase', detail: 'A passphrase cannot be only spaces.' } }, words),
    'A passphrase cannot be only spaces.');
  assert.match(accountError({ status: 429, body: { code: 'rate-limited' }, retryAfterMs: 90_000 }, words), /wait 2 minutes/);
  assert.match(accountError({ status: 503, body: null }, words), /not answering/);
});

test('this device is listed first, the others keep the server’s order', () => {
  const devices = [{ device_id: 'a', current: false }, { device_id: 'b', current: true }, { device_id: 'c', current: false }];
  assert.deepEqual(ordered(devices).map((d) => d.device_id), ['b', 'a', 'c']);
});

test('a delete whose answer was lost is not called a failure, and a retry that finds the session gone says so', () => {
  // The server may have deleted the account before the answer was lost or it failed.
  assert.equal(deleteFailure({ status: 0, body: null }, false), 'unsure');
  assert.equal(deleteFailure({ status: 503, body: null }, false), 'unsure');
  assert.equal(deleteFailure({ status: 500, body: null }, true), 'unsure');
  // Refused before anything was deleted.
  assert.equal(deleteFailure({ status: 401, body: { code: 'wrong-passphrase' } }, true), 'refused');
  assert.equal(deleteFailure({ status: 429, body: { code: 'rate-limited' } }, true), 'refused');
  // A session that ended with no lost delete before is just that, not a deleted account.
  assert.equal(deleteFailure({ status: 401, body: { code: 'session-expired' } }, false), 'refused');
  assert.equal(deleteFailure({ status: 401, body: { code: 'session-expired' } }, true), 'gone');
  assert.equal(deleteFailure({ status: 401, body: { code: 'not-signed-in' } }, true), 'gone');
});
