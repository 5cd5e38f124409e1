import assert from 'node:assert/strict';
import { test } from 'node:test';

process.env.TZ = 'Europe/London';
const kindsModule = await import('../../pwa/js/kinds.js');
const { formSpec, sleepTimes, summarize, toAnswers, toValues } = kindsModule;
const { fromLocalInput } = await import('../../pwa/js/time.js');
const { changedValues, materialize } = await import('../../pwa/js/store.js');

const H1 = '2026-11-27T07:00:00.000Z-0000-8f3a1c2b9d4e5f60';
const H2 = '2026-11-27T07:00:01.000Z-0000-8f3a1c2b9d4e5f60';

test('a time typed in a form is sent with the offset of that day (DST-aware)', () => {
  assert.equal(fromLocalInput('2026-11-27T08:05'), '2026-11-27T08:05:00+00:00');
  assert.equal(fromLocalInput('2026-07-01T08:05'), '2026-07-01T08:05:00+01:00');
  assert.equal(fromLocalInput('nonsense'), null);
});

test('sleep: an evening bedtime is on the night itself, an after-midnight one the next day', () => {
  assert.deepEqual(sleepTimes('2026-03-28', '23:30', '07:15'), {
    bed_at: '2026-03-28T23:30:00+00:00',
    wake_at: '2026-03-29T07:15:00+01:00',
  });
  assert.equal(sleepTimes('2026-11-26', '01:10', null).bed_at, '2026-11-27T01:10:00+00:00');
});

test('quick logs become the record values of data.md', () => {
  assert.deepEqual(toValues('alcohol', { amount: 2, at: '2026-11-27T20:00', note: null }),
    { kind: 'alcohol', amount: 2, at: '2026-11-27T20:00:00+00:00', note: null });
  assert.deepEqual(toValues('meal', { at: '2026-11-27T12:30', note: null }),
    { kind: 'meal', amount: 1, at: '2026-11-27T12:30:00+00:00', note: null });
  const sleep = toValues('sleep', { night_of: '2026-11-26', bed_time: '22:45', wake_time: '06:30', quality: 4 });
  assert.equal(sleep.bed_at, '2026-11-26T22:45:00+00:00');
  assert.equal(sleep.wake_at, '2026-11-27T06:30:00+00:00');
  assert.equal(sleep.quality, 4);
  assert.ok(!('bed_time' in sleep));
});

test('a new sleep log defaults to last night and a dose to taken', () => {
  const now = Date.UTC(2026, 10, 27, 9, 0);
  assert.equal(toAnswers('sleep', {}, now).night_of, '2026-11-26');
  assert.equal(toAnswers('dose', {}, now).status, 'taken');
  assert.equal(toAnswers('activity', {}, now).at, '2026-11-27T09:00');
});

test('every quick log names its required fields', () => {
  for (const form of ['checkin', 'dose', 'sleep', 'activity', 'alcohol', 'meal', 'effect', 'medication']) {
    const spec = formSpec(form, []);
    assert.ok(spec.title && spec.kind, form);
  }
  const required = (form) => formSpec(form).fields.filter((f) => f.required).map((f) => f.name);
  assert.deepEqual(required('checkin'), ['mood', 'at']);
  assert.deepEqual(required('effect'), ['name', 'severity', 'at']);
  assert.deepEqual(required('dose'), ['medication_id', 'status', 'at']);
});

test('an edit sends only the values that changed; clearing sends null', () => {
  const current = { mood: 4, note: 'hard morning', tags: ['Work'] };
  assert.deepEqual(changedValues(current, { mood: 4, note: 'hard morning', tags: ['Work'] }), {});
  assert.deepEqual(changedValues(current, { mood: 5, note: null, tags: ['Work', 'Pain'] }),
    { mood: 5, note: null, tags: ['Work', 'Pain'] });
  assert.deepEqual(changedValues({}, { anxiety: null, tags: [], mood: 3 }), { mood: 3 });
});

test('a record counts as deleted only while the tombstone is newer than its values', () => {
  const deleted = materialize({ id: 'r', kind: 'checkin', fields: {
    at: { v: '2026-11-27T08:00:00+00:00', hlc: H1 }, mood: { v: 3, hlc: H1 }, _deleted: { v: true, hlc: H2 } } });
  assert.equal(deleted.deleted, true);
  assert.equal(deleted.t, Date.UTC(2026, 10, 27, 8));
  const revived = materialize({ id: 'r', kind: 'checkin', fields: {
    mood: { v: 3, hlc: H2 }, _deleted: { v: true, hlc: H1 } } });
  assert.equal(revived.deleted, false);
});

test('list lines describe entries without jargon', () => {
  const rec = (kind, values) => ({ kind, fields: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { v, hlc: H1 }])) });
  assert.equal(summarize(rec('checkin', { mood: 4, anxiety: 7, tags: ['Work'] })), 'Mood 4 · anxiety 7 · Work');
  assert.equal(summarize(rec('dose', { medication_id: 'm', status: 'taken', amount: 50, unit: 'mg' }), () => 'Sertraline'),
    'Dose taken: Sertraline 50 mg');
  assert.equal(summarize(rec('intake', { kind: 'alcohol', amount: 1 })), 'Alcohol: 1 standard drink');
  assert.equal(summarize(rec('effect', { name: 'nausea', severity: 2 })), 'Side effect: nausea (moderate)');
  assert.equal(summarize(rec('activity', { minutes: 20, kind: 'walk' })), 'Movement: 20 min walk');
});

test('a bedtime later on the clock than the wake time crossed midnight, never the other way', () => {
  const { sleepHours } = kindsModule;
  // Bed at 11:00 and up at 10:00 used to give a wake time before the bedtime.
  const late = sleepTimes('2026-11-26', '11:00', '10:00');
  assert.ok(Date.parse(late.bed_at) < Date.parse(late.wake_at));
  assert.equal(sleepHours(late), 23);
  for (const [bed, wake, hours] of [['22:45', '06:30', 7.75], ['01:00', '08:00', 7], ['13:00', '20:00', 7], ['23:59', '00:01', 1 / 30]]) {
    const t = sleepTimes('2026-11-26', bed, wake);
    assert.ok(Math.abs(sleepHours(t) - hours) < 1e-9, `${bed}-${wake}: ${sleepHours(t)}`);
  }
});

test('form number inputs take their limits from the server rules', () => {
  const minutes = formSpec('activity').fields.find((f) => f.name === 'minutes');
  assert.deepEqual([minutes.min, minutes.max, minutes.step], [1, 1440, 1]);
  const awakenings = formSpec('sleep').fields.find((f) => f.name === 'awakenings');
  assert.deepEqual([awakenings.min, awakenings.max, awakenings.step], [0, 100, 1]);
  const drinks = formSpec('alcohol').fields.find((f) => f.name === 'amount');
  assert.deepEqual([drinks.min, drinks.max, drinks.step], [0, 1000, 'any']);
});

test('the PHQ-9 offer: none yet or 14 days since the last, and "Not now" holds for 14 days', async () => {
  const { phq9Offered } = await import('../../pwa/js/views/today.js');
  const day = 86400000;
  const now = Date.UTC(2026, 11, 4);
  assert.equal(phq9Offered(null, null, now), true);
  assert.equal(phq9Offered(now - 13 * day, null, now), false);
  assert.equal(phq9Offered(now - 14 * day, null, now), true);
  assert.equal(phq9Offered(null, now - day, now), false);
  assert.equal(phq9Offered(now - 30 * day, now - 14 * day, now), true);
});

test('a measurement is a number, except a blood pressure reading; more forms get the server limits', async () => {
  const { anySpec } = await import('../../pwa/js/more-forms.js');
  const spec = anySpec('measurement');
  assert.equal(toValues('measurement', { type: 'weight', value: '70.5', at: null }, spec).value, 70.5);
  assert.equal(toValues('measurement', { type: 'blood_pressure', value: '120/80', at: null }, spec).value, '120/80');
  const lab = anySpec('lab').fields.find((f) => f.name === 'value');
  assert.deepEqual([lab.min, lab.max, lab.step], [-1e9, 1e9, 'any']);
  assert.deepEqual(toValues('substance', { note: 'nicotine' }, anySpec('substance')), { kind: 'other', note: 'nicotine' });
  assert.equal(anySpec('nonsense'), null);
});

test("the person's own tags come back most recent first", async () => {
  const { tagsByRecency } = await import('../../pwa/js/views/today.js');
  assert.deepEqual(tagsByRecency([
    { at: '2026-12-01T08:00:00+00:00', tags: ['Work', 'Dog walk'] },
    { at: '2026-12-03T08:00:00+00:00', tags: ['Choir'] },
    { at: '2026-12-02T08:00:00+00:00' },
  ]), ['Choir', 'Work', 'Dog walk']);
});
