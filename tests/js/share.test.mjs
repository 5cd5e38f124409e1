// The share screen's pure helpers (pwa/js/views/share.js): the choices sent to the server, the
// checks made before, and the sentences a person reads about each link.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CATEGORIES, accessWords, checkChoices, defaultPeriod, isOpen, periodWords, previewHref, problemWords, shareBody, statusWords,
  whenWords,
} from '../../pwa/js/views/share.js';

const NOW = Date.parse('2026-12-05T12:00:00Z');
const share = (over) => ({ status: 'active', expires_at: '2026-12-19T12:00:00Z', ...over });
const ok = { from: '2026-09-07', to: '2026-12-05', categories: ['checkin', 'notes'], passcode: '' };

test('the categories are the server\'s, in its order, with notes last', () => {
  assert.deepEqual(CATEGORIES.map(([k]) => k), ['checkin', 'sleep', 'activity', 'medication', 'dose', 'effect', 'intake',
    'assessment', 'session', 'lab', 'appointment', 'measurement', 'question', 'notes']);
  assert.equal(CATEGORIES[0][1], 'Check-ins (mood, anxiety, energy)');
});

test('the default period is the last 90 days, today included, across a year and a leap day', () => {
  assert.deepEqual(defaultPeriod('2026-12-05'), { from: '2026-09-07', to: '2026-12-05' });
  assert.deepEqual(defaultPeriod('2028-03-01'), { from: '2027-12-03', to: '2028-03-01' });
});

test('choices the server would refuse are refused sooner, in a sentence', () => {
  assert.equal(checkChoices(ok), null);
  assert.match(checkChoices({ ...ok, from: '' }), /both dates/);
  assert.match(checkChoices({ ...ok, from: '2026-12-06' }), /starts after it ends/);
  assert.match(checkChoices({ ...ok, categories: [] }), /at least one/);
  assert.match(checkChoices({ ...ok, categories: ['notes'] }), /tick check-ins too/);
  assert.match(checkChoices({ ...ok, passcode: 'abc' }), /at least 4/);
  assert.equal(checkChoices({ ...ok, passcode: 'abcd' }), null);
  // Four characters, not four UTF-16 units.
  assert.match(checkChoices({ ...ok, passcode: '😀😀' }), /at least 4/);
});

test('the body leaves out an empty code and name and trims the name', () => {
  assert.deepEqual(shareBody({ ...ok, expires: '14', label: '  ' }),
    { from: ok.from, to: ok.to, categories: ok.categories, expires_in_days: 14 });
  assert.deepEqual(shareBody({ ...ok, expires: '7', passcode: '4321', label: ' Dr Lee ' }),
    { from: ok.from, to: ok.to, categories: ok.categories, expires_in_days: 7, passcode: '4321', label: 'Dr Lee' });
});

test('the preview asks for exactly the chosen period and categories', () => {
  const url = new URL(previewHref(ok), 'http://x');
  assert.equal(url.pathname, '/api/v1/shares/preview');
  assert.deepEqual(Object.fromEntries(url.searchParams), { from: ok.from, to: ok.to, categories: 'checkin,notes' });
});

test('a failed call says what happened, with the server\'s own detail when it gave one', () => {
  assert.match(problemWords({ status: 0 }), /no connection/);
  assert.match(problemWords({ status: 401 }), /sign in again to make a link/);
  assert.equal(problemWords({ status: 400, body: { detail: 'The period is longer than two years.' } }),
    'The period is longer than two years.');
  assert.match(problemWords({ status: 500, body: { detail: 'database exploded' } }), /try again in a little while/);
  assert.match(problemWords({ status: 503 }, 'show your links'), /^Could not show your links right now/);
});

test('times are read on the person\'s clock', () => {
  assert.equal(whenWords('2026-12-04T14:02:00Z', 0), '4 Dec 2026 14:02');
  assert.equal(whenWords('2026-12-04T23:30:00Z', 60), '5 Dec 2026 00:30');
  assert.equal(whenWords('2026-12-04T14:02:00+00:00', -300), '4 Dec 2026 09:02');
  assert.equal(periodWords('2026-09-07', '2026-12-05'), '7 Sep 2026 to 5 Dec 2026');
});

test('each status is a plain phrase; a link past its expiry is expired even before the server says so', () => {
  assert.equal(statusWords(share(), NOW, 0), 'Active until 19 Dec 2026 12:00');
  assert.equal(statusWords(share({ status: 'expired' }), NOW), 'Expired');
  assert.equal(statusWords(share({ expires_at: '2026-12-05T11:59:00Z' }), NOW), 'Expired');
  assert.equal(statusWords(share({ status: 'revoked' }), NOW), 'Turned off');
  assert.equal(statusWords(share({ status: 'locked' }), NOW), 'Locked after too many wrong codes');
  assert.equal(isOpen(share(), NOW), true);
  assert.equal(isOpen(share({ status: 'locked' }), NOW), false);
});

test('openings are counted and listed newest first; wrong codes are counted apart', () => {
  assert.deepEqual(accessWords([]), { said: 'Not opened yet.', list: [] });
  const log = [
    { at: '2026-12-04T14:02:00Z', agent: 'Safari on iPhone', what: 'summary' },
    { at: '2026-12-04T14:01:00Z', agent: 'Firefox on Windows', what: 'wrong-code' },
    { at: '2026-12-04T14:05:00Z', agent: 'Safari on iPhone', what: 'fhir' },
  ];
  assert.deepEqual(accessWords(log, 0), {
    said: 'Opened 2 times. A wrong code was typed 1 time.',
    list: ['4 Dec 2026 14:05 on Safari on iPhone: the FHIR data', '4 Dec 2026 14:02 on Safari on iPhone'],
  });
  assert.equal(accessWords([{ at: '2026-12-04T14:02:00Z', agent: '', what: 'csv' }], 0).list[0], '4 Dec 2026 14:02: the raw entries');
  assert.equal(accessWords(log.slice(0, 1)).said, 'Opened 1 time.');
});

test('a health link fetched by a clinic\'s system says for whom, as they named themselves', () => {
  const log = [
    { at: '2026-12-04T14:05:00Z', agent: 'A program', what: 'health-link', recipient: 'Dr Rivera, Northside Clinic' },
    { at: '2026-12-04T14:04:00Z', agent: 'A program', what: 'wrong-code', recipient: 'Dr Rivera, Northside Clinic' },
    { at: '2026-12-04T14:02:00Z', agent: 'Safari on iPhone', what: 'summary', recipient: null },
  ];
  assert.deepEqual(accessWords(log, 0), {
    said: 'Opened 2 times. A wrong code was typed 1 time.',
    list: ['4 Dec 2026 14:05: health link fetched by Dr Rivera, Northside Clinic', '4 Dec 2026 14:02 on Safari on iPhone'],
  });
});
