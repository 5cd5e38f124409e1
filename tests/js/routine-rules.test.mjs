// Routine rules (routine-rules.js): defaults, checks and words, without the form around them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

process.env.TZ = 'Europe/Paris';
const {
  TITLES, describeRoutine, deviceZone, followDefault, newRoutine, quietValues, routineValues, switchKind, withOnlyMedication, zoneName,
} = await import('../../pwa/js/routine-rules.js');

const MED = '0190c3e4-0000-7000-8000-000000000001';
const base = { kind: 'medication', title: ' Morning ', medication_id: MED, times: ['21:30', '08:00'], days: [3, 1, 5], tz: 'Europe/Paris', enabled: true, follow_up_minutes: null };

test('a new routine defaults to this device’s zone, and zone names are checked', () => {
  assert.equal(deviceZone(), 'Europe/Paris');
  assert.equal(zoneName('America/New_York'), 'America/New_York');
  assert.equal(zoneName(' Europe/London '), 'Europe/London');
  assert.equal(zoneName('Mars/Olympus'), null);
  assert.equal(zoneName(''), null);
  assert.equal(zoneName('localtime'), null);
});

test('routine answers become the record values of data.md', () => {
  assert.deepEqual(routineValues(base).values, {
    kind: 'medication', title: 'Morning', times: ['08:00', '21:30'], days: [1, 3, 5], tz: 'Europe/Paris',
    enabled: true, medication_id: MED, follow_up_minutes: 30,
  });
  const walk = routineValues({ ...base, kind: 'movement', times: ['12:00:00', '12:00'], enabled: false }).values;
  assert.deepEqual([walk.medication_id, walk.follow_up_minutes, walk.times, walk.enabled], [null, 0, ['12:00'], false]);
});

test('a routine that cannot be scheduled is refused with the field named', () => {
  const field = (changes) => routineValues({ ...base, ...changes }).error?.field;
  assert.equal(field({ kind: null }), 'kind');
  assert.equal(field({ title: '   ' }), 'title');
  assert.equal(field({ medication_id: null }), 'medication_id');
  assert.equal(field({ kind: 'sleep', medication_id: null }), undefined);
  assert.equal(field({ times: [] }), 'times');
  assert.equal(field({ times: ['25:00'] }), 'times');
  assert.equal(field({ days: [] }), 'days');
  assert.equal(field({ days: [0, 8] }), 'days');
  assert.equal(field({ tz: 'Nowhere/Special' }), 'tz');
  assert.equal(field({ follow_up_minutes: 721 }), 'follow_up_minutes');
  assert.equal(field({ follow_up_minutes: 2.5 }), 'follow_up_minutes');
  assert.match(routineValues({ ...base, tz: 'Nowhere/Special' }).error.message, /Europe\/London/);
});

test('quiet hours need both ends or neither', () => {
  assert.deepEqual(quietValues('22:00', '07:00').values, { quiet_start: '22:00', quiet_end: '07:00' });
  assert.deepEqual(quietValues('', '').values, { quiet_start: null, quiet_end: null });
  assert.equal(quietValues('22:00', '').error.field, 'quiet');
});

test('routine lists say which days, another zone and a pause in words', () => {
  assert.equal(describeRoutine({ days: [1, 2, 3, 4, 5, 6, 7], tz: 'Europe/Paris' }), 'Every day');
  assert.equal(describeRoutine({ days: [5, 4, 3, 2, 1], tz: 'Europe/Paris' }), 'Weekdays');
  assert.equal(describeRoutine({ days: [1, 3], tz: 'Asia/Tokyo', enabled: false }), 'Mon, Wed · Asia/Tokyo · Paused');
});

test('a new routine is a medication at 08:00 here, and takes the only medication there is', () => {
  assert.deepEqual(newRoutine(), { kind: 'medication', title: 'Medication', times: ['08:00'], tz: 'Europe/Paris', follow_up_minutes: 30 });
  assert.equal(withOnlyMedication(newRoutine(), [{ id: MED }]).medication_id, MED);
  assert.equal(withOnlyMedication(newRoutine(), [{ id: MED }, { id: 'other' }]).medication_id, undefined);
  assert.equal(withOnlyMedication({ ...newRoutine(), medication_id: 'chosen' }, [{ id: MED }]).medication_id, 'chosen');
  assert.equal(withOnlyMedication({ kind: 'sleep' }, [{ id: MED }]).medication_id, undefined);
  assert.deepEqual([followDefault('medication'), followDefault('sleep')], [30, 0]);
});

test('another kind brings its own name and follow-up unless the person chose theirs', () => {
  assert.deepEqual(switchKind({ title: TITLES.medication, follow: '30' }, 'medication', 'sleep'), { title: 'Bedtime', follow: '0' });
  assert.deepEqual(switchKind({ title: '  ', follow: '' }, 'sleep', 'medication'), { title: 'Medication', follow: '30' });
  assert.deepEqual(switchKind({ title: 'Evening pills', follow: '45' }, 'medication', 'checkin'), { title: 'Evening pills', follow: '45' });
});
