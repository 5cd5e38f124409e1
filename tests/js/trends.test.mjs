import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addMonths, countByDate, dayNumber, deriveTrends, describe, hasData, monthGrid, phq9Band, shortDate, stats, tableOf, weekStartOf,
} from '../../pwa/js/trends.js';

const checkin = (at, mood) => ({ kind: 'checkin', values: { at, mood } });
const period = { from: '2026-11-01', to: '2026-11-30' };

test('no data gives empty series, the nothing sentences, and a rolling average of gaps only', () => {
  const t = deriveTrends([], period);
  assert.equal(t.days, 30);
  assert.deepEqual([t.mood.daily, t.sleep, t.movement, t.alcohol, t.phq9], [[], [], [], [], []]);
  assert.equal(t.mood.rolling.length, 30);
  assert.ok(t.mood.rolling.every((r) => r.value === null));
  for (const name of ['mood', 'sleep', 'phq9', 'movement', 'alcohol']) assert.equal(hasData(t, name), false);
  assert.equal(describe(t, 'mood'), 'No mood logged in the last 30 days.');
  assert.equal(describe(t, 'phq9'), 'No PHQ-9 done in the last 30 days.');
});

test('one check-in: its day, its mood, and a 7-day average that lasts a week then stops', () => {
  const t = deriveTrends([checkin('2026-11-10T09:00:00+01:00', 6)], period);
  assert.deepEqual(t.mood.daily, [{ date: '2026-11-10', value: 6, count: 1 }]);
  const rolling = Object.fromEntries(t.mood.rolling.map((r) => [r.date, r.value]));
  assert.equal(rolling['2026-11-09'], null);
  assert.equal(rolling['2026-11-10'], 6);
  assert.equal(rolling['2026-11-16'], 6);
  assert.equal(rolling['2026-11-17'], null, 'the gap shows as a gap, not a zero');
  assert.equal(describe(t, 'mood'),
    'Mood logged on 1 of 30 days: average 6 out of 10, lowest 6, highest 6. The 7-day average on 16 Nov was 6.');
});

test('the day is the local date written in `at`, whatever its offset', () => {
  const t = deriveTrends([
    // 04:30 UTC on the 11th, but the evening of the 10th where it was written.
    checkin('2026-11-10T23:30:00-05:00', 2),
    // 23:30 UTC on the 10th, but the morning of the 11th in Auckland.
    checkin('2026-11-11T12:30:00+13:00', 8),
    checkin('2026-11-11T08:00:00Z', 6),
  ], period);
  assert.deepEqual(t.mood.daily, [
    { date: '2026-11-10', value: 2, count: 1 },
    { date: '2026-11-11', value: 7, count: 2 },
  ]);
});

test('the daily mood is the mean of the day; the 7-day average is the mean of the daily means', () => {
  const t = deriveTrends([
    checkin('2026-11-01T08:00:00+00:00', 2),
    checkin('2026-11-01T20:00:00+00:00', 4),
    checkin('2026-11-03T08:00:00+00:00', 9),
  ], period);
  assert.deepEqual(t.mood.daily.map((d) => [d.date, d.value, d.count]), [['2026-11-01', 3, 2], ['2026-11-03', 9, 1]]);
  assert.equal(t.mood.rolling.find((r) => r.date === '2026-11-03').value, 6);
});

test('check-ins in the 6 days before the period feed the first 7-day averages but are not listed', () => {
  const t = deriveTrends([checkin('2026-10-28T10:00:00+00:00', 4), checkin('2026-11-01T10:00:00+00:00', 8),
    checkin('2026-10-20T10:00:00+00:00', 0)], period);
  assert.deepEqual(t.mood.daily.map((d) => d.date), ['2026-11-01']);
  assert.equal(t.mood.rolling[0].value, 6);
  assert.equal(t.mood.rolling.find((r) => r.date === '2026-11-04').value, 8, 'the 28th left the window');
});

test('entries after the period, without a time, or with an impossible date are left out', () => {
  const t = deriveTrends([
    checkin('2026-12-01T00:30:00+01:00', 5),
    checkin('2026-11-31T10:00:00+00:00', 5),
    { kind: 'checkin', values: { mood: 5 } },
    { kind: 'checkin', values: { at: '2026-11-05T10:00:00Z' } },
  ], period);
  assert.deepEqual(t.mood.daily, []);
});

test('sleep: hours from bed to wake per night_of, naps summed, a split night added up', () => {
  const t = deriveTrends([
    { kind: 'sleep', values: { night_of: '2026-11-04', bed_at: '2026-11-04T23:00:00+01:00', wake_at: '2026-11-05T06:30:00+01:00', nap_minutes: 20 } },
    { kind: 'sleep', values: { night_of: '2026-11-05', bed_at: '2026-11-05T22:00:00+01:00', wake_at: '2026-11-06T01:00:00+01:00' } },
    { kind: 'sleep', values: { night_of: '2026-11-05', bed_at: '2026-11-06T02:00:00+01:00', wake_at: '2026-11-06T06:00:00+01:00' } },
    // Across a clock change the offsets differ: the hours are real elapsed time.
    { kind: 'sleep', values: { night_of: '2026-11-07', bed_at: '2026-11-07T23:00:00+02:00', wake_at: '2026-11-08T07:00:00+01:00' } },
    { kind: 'sleep', values: { night_of: '2026-11-09', nap_minutes: 45 } },
    { kind: 'sleep', values: { night_of: '2026-11-10', quality: 3 } },
  ], period);
  assert.deepEqual(t.sleep, [
    { date: '2026-11-04', hours: 7.5, naps: 20 },
    { date: '2026-11-05', hours: 7, naps: 0 },
    { date: '2026-11-07', hours: 9, naps: 0 },
    { date: '2026-11-09', hours: null, naps: 45 },
  ]);
  assert.equal(describe(t, 'sleep'),
    'Sleep logged for 3 nights: average 7.8 hours, shortest 7, longest 9. Naps on 2 days, 65 minutes in all.');
  assert.deepEqual(tableOf(t, 'sleep').rows.at(-1), ['9 Nov', 'not logged', '45']);
});

test('naps alone: a sentence about them, and nothing to draw', () => {
  const t = deriveTrends([{ kind: 'sleep', values: { night_of: '2026-11-09', nap_minutes: 30 } }], period);
  assert.equal(hasData(t, 'sleep'), false);
  assert.equal(describe(t, 'sleep'), 'No bed and wake times logged. Naps on 1 day, 30 minutes in all.');
});

test('PHQ-9 totals in time order with their bands; broken answers and GAD-7 are left out', () => {
  const phq = (at, answers, instrument = 'phq9') => ({ kind: 'assessment', values: { at, instrument, answers } });
  const t = deriveTrends([
    phq('2026-11-20T10:00:00+00:00', [1, 1, 1, 1, 1, 1, 1, 1, 1]),
    phq('2026-11-02T10:00:00+00:00', [3, 3, 2, 2, 2, 2, 2, 2, 0]),
    phq('2026-11-10T10:00:00+00:00', [3, 3, 3]),
    phq('2026-11-11T10:00:00+00:00', [0, 0, 0, 0, 0, 0, 0]),
    phq('2026-11-12T10:00:00+00:00', [1, 1, 1, 1, 1, 1, 1], 'gad7'),
  ], period);
  assert.deepEqual(t.phq9, [
    { date: '2026-11-02', total: 18, band: 'moderately severe' },
    { date: '2026-11-20', total: 9, band: 'mild' },
  ]);
  assert.equal(describe(t, 'phq9'), '2 PHQ-9s: first 18 (moderately severe) on 2 Nov, latest 9 (mild) on 20 Nov; lowest 9, highest 18.');
});

test('PHQ-9 bands at their edges', () => {
  const edges = [[0, 'minimal'], [4, 'minimal'], [5, 'mild'], [9, 'mild'], [10, 'moderate'], [14, 'moderate'],
    [15, 'moderately severe'], [19, 'moderately severe'], [20, 'severe'], [27, 'severe']];
  for (const [total, band] of edges) assert.equal(phq9Band(total), band, String(total));
});

test('movement minutes add up per day', () => {
  const t = deriveTrends([
    { kind: 'activity', values: { at: '2026-11-03T08:00:00+01:00', minutes: 20 } },
    { kind: 'activity', values: { at: '2026-11-03T18:00:00+01:00', minutes: 15 } },
    { kind: 'activity', values: { at: '2026-11-05T08:00:00+01:00', minutes: 40 } },
  ], period);
  assert.deepEqual(t.movement, [{ date: '2026-11-03', minutes: 35 }, { date: '2026-11-05', minutes: 40 }]);
  assert.equal(describe(t, 'movement'),
    'Movement logged on 2 of 30 days: 75 minutes in all, 37.5 on average on those days, most 40 in a day.');
});

test('alcohol per Monday-to-Sunday week, whole weeks, with 0 for a week without any', () => {
  // 2026-11-01 is a Sunday: its week began on Monday 26 October.
  const drink = (at, amount) => ({ kind: 'intake', values: { at, kind: 'alcohol', amount } });
  const t = deriveTrends([
    drink('2026-10-27T20:00:00+00:00', 2),
    drink('2026-11-01T20:00:00+00:00', 1),
    drink('2026-11-13T21:00:00+00:00', 3),
    drink('2026-11-15T23:30:00-08:00', 1.5),
    { kind: 'intake', values: { at: '2026-11-14T13:00:00+00:00', kind: 'meal', amount: 1 } },
  ], period);
  assert.deepEqual(t.alcohol, [
    { week: '2026-10-26', drinks: 3 },
    { week: '2026-11-02', drinks: 0 },
    { week: '2026-11-09', drinks: 4.5 },
    { week: '2026-11-16', drinks: 0 },
    { week: '2026-11-23', drinks: 0 },
    { week: '2026-11-30', drinks: 0 },
  ]);
  assert.equal(describe(t, 'alcohol'),
    '7.5 standard drinks over 6 weeks: 1.3 a week on average, most 4.5 in the week of 9 Nov.');
});

test('alcohol only before the period\'s first week: nothing to show', () => {
  const t = deriveTrends([{ kind: 'intake', values: { at: '2026-10-25T20:00:00Z', kind: 'alcohol', amount: 2 } }], period);
  assert.deepEqual(t.alcohol, []);
});

test('a year of records derives quickly', () => {
  const entries = [];
  for (let i = 0; i < 3000; i++) {
    const day = new Date(Date.UTC(2026, 0, 1) + (i % 365) * 86400000).toISOString().slice(0, 10);
    entries.push(i % 3 ? checkin(`${day}T09:00:00+01:00`, i % 11) : { kind: 'activity', values: { at: `${day}T18:00:00+01:00`, minutes: 10 } });
  }
  const started = performance.now();
  const t = deriveTrends(entries, { from: '2026-01-01', to: '2026-12-31' });
  assert.ok(performance.now() - started < 200);
  assert.equal(t.mood.daily.length, 365);
});

test('a period that is not one is an error', () => {
  assert.throws(() => deriveTrends([], { from: '2026-11-30', to: '2026-11-01' }), RangeError);
  assert.throws(() => deriveTrends([], { from: 'soon', to: '2026-11-01' }), RangeError);
});

test('day numbers, weeks and dates', () => {
  assert.equal(dayNumber('1970-01-02'), 1);
  assert.equal(dayNumber('2028-02-29T10:00:00+05:00'), dayNumber('2028-03-01') - 1);
  assert.equal(dayNumber('2027-02-29'), null);
  assert.equal(dayNumber(undefined), null);
  assert.equal(weekStartOf(dayNumber('2026-12-06')), dayNumber('2026-11-30'));
  assert.equal(weekStartOf(dayNumber('2026-11-30')), dayNumber('2026-11-30'));
  assert.equal(shortDate('2026-12-03'), '3 Dec');
  assert.deepEqual(stats([]), { count: 0, mean: null, min: null, max: null, total: 0 });
});

test('the month grid starts on Monday and pads with the neighbouring months', () => {
  const weeks = monthGrid('2026-12');
  assert.equal(weeks.length, 5);
  assert.deepEqual(weeks[0], [null, '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06']);
  assert.deepEqual(weeks[4], ['2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', null, null, null]);
  // February 2027 begins on a Monday and has exactly 4 weeks.
  assert.deepEqual(monthGrid('2027-02').map((w) => w.filter(Boolean).length), [7, 7, 7, 7]);
  assert.equal(monthGrid('2026-03').length, 6);
  assert.throws(() => monthGrid('2026-13'), RangeError);
});

test('months step across the year; entries count per date', () => {
  assert.equal(addMonths('2026-12', 1), '2027-01');
  assert.equal(addMonths('2026-01', -1), '2025-12');
  assert.deepEqual([...countByDate(['2026-12-03', '2026-12-03', '2026-12-04'])], [['2026-12-03', 2], ['2026-12-04', 1]]);
});
