// The app's checker against the rules generated from the server's kinds: the same limits, and
// messages in plain words that name the form's label, never a field or a standard.
import assert from 'node:assert/strict';
import { test } from 'node:test';

process.env.TZ = 'Europe/London';
const { RULES } = await import('../../pwa/js/rules.js');
const { checkRecord } = await import('../../pwa/js/validate.js');

const NOW = Date.parse('2026-12-04T12:00:00Z');
const check = (kind, values, labels = {}) => checkRecord(kind, values, { labels, nowMs: NOW });

test('the defects seen in review are refused on the phone, as the server refuses them', () => {
  assert.match(check('activity', { minutes: 2.5 }, { minutes: 'Minutes' }).message, /“Minutes” must be a whole number from 1 to 1,440/);
  assert.match(check('sleep', { awakenings: 2.7 }, { awakenings: 'Times you woke up (optional)' }).message,
    /^“Times you woke up” must be a whole number from 0 to 100\.$/);
  assert.match(check('profile', { country: 'OTHER' }).message, /should look like GB/);
  assert.equal(check('safety_plan', { coping: 'x'.repeat(4096) }), null);
  assert.match(check('safety_plan', { coping: 'x'.repeat(4097) }, { coping: 'Coping' }).message, /too long/);
  assert.match(check('medication', { dose: -1 }, { dose: 'Dose (optional)' }).message, /“Dose” must be a number from 0 to 1,000,000\./);
  assert.equal(check('intake', { kind: 'other' }), null);
  assert.ok(check('intake', { kind: 'other substance' }));
});

test('a check-in note may be as long as data.md allows (32 KiB), counted in bytes', () => {
  assert.equal(check('checkin', { note: 'a'.repeat(32768) }), null);
  assert.match(check('checkin', { note: 'a'.repeat(32769) }, { note: 'Note (optional)' }).message, /shorten it by about 1 character/);
  // Four bytes each in UTF-8: 8,192 of them fill 32 KiB.
  assert.equal(check('checkin', { note: '😀'.repeat(8192) }), null);
  assert.ok(check('checkin', { note: '😀'.repeat(8193) }));
});

test('no message names a field, a standard or "undefined"', () => {
  const cases = [
    ['profile', { country: 'gb' }], ['activity', { minutes: 0 }], ['dose', { amount: 'x' }],
    ['medication', { name: '   ' }], ['sleep', { night_of: '2026-02-30' }], ['checkin', { tags: ['x'.repeat(65)] }],
  ];
  for (const [kind, values] of cases) {
    const { message } = check(kind, values, { country: 'Your country', minutes: 'Minutes', amount: 'Amount',
      name: 'Name', night_of: 'Night of', tags: 'What was going on?' });
    assert.doesNotMatch(message, /ISO|undefined|_|\bnull\b/, message);
  }
});

test('a logged event more than a day ahead is refused; an appointment is not', () => {
  assert.equal(check('checkin', { at: '2026-12-05T11:59:00+00:00' }), null);
  assert.match(check('checkin', { at: '2026-12-05T12:01:00+00:00' }, { at: 'When' }).message, /“When” is more than a day in the future/);
  assert.equal(check('appointment', { at: '2027-03-01T09:00:00+00:00' }), null);
  assert.equal(check('sleep', { night_of: '2026-12-05' }), null);
  assert.ok(check('sleep', { night_of: '2026-12-06' }));
  assert.ok(check('lab', { on: '2026-12-07' }));
});

test('required fields are required for a new entry, and can never be cleared', () => {
  assert.match(checkRecord('activity', { at: '2026-12-04T08:00:00+00:00' }, { isNew: true, labels: { minutes: 'Minutes' }, nowMs: NOW }).message,
    /Please fill in “Minutes”/);
  assert.equal(check('activity', { at: '2026-12-04T08:00:00+00:00' }), null);
  assert.ok(check('activity', { minutes: null }));
});

test('cross-field rules: a blood pressure reading, and the answer count of each questionnaire', () => {
  assert.ok(check('measurement', { type: 'blood_pressure', value: 120 }));
  assert.equal(check('measurement', { type: 'blood_pressure', value: '120/80' }), null);
  assert.ok(check('measurement', { type: 'weight', value: '80' }));
  assert.ok(check('assessment', { instrument: 'gad7', answers: [0, 0, 0, 0, 0, 0, 0, 0, 0] }));
  assert.equal(check('assessment', { instrument: 'phq9', answers: [0, 1, 2, 3, 0, 1, 2, 3, 0] }), null);
});

test('every kind of the server is in the rules, with its required fields', () => {
  assert.deepEqual(RULES.kinds.activity.required, ['at', 'minutes']);
  assert.equal(Object.keys(RULES.kinds).length, 16);
  for (const [kind, spec] of Object.entries(RULES.kinds)) {
    for (const name of spec.required) assert.ok(spec.fields[name], `${kind}.${name}`);
  }
});
