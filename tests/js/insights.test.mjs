// Treatment history and patterns from this device's records (pwa/js/insights.js), with numbers
// worked out by hand in the comments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  asOfWords, doseSteps, entriesOf, localTrial, localTrials, patternWords, patterns, pickTrials, readingWords, sessionWords,
  sessionsOf, trialFacts,
} from '../../pwa/js/insights.js';

let n = 0;
/** A record as stored on the device. */
const rec = (kind, values, { deleted = false, id = `r${++n}` } = {}) => ({
  id, kind, deleted, fields: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { v, hlc: 'x' }])),
});

test('a restart after a gap is a step of 0 and back up: the longest unbroken run at the highest dose counts', () => {
  const med = {
    id: 'm1', name: 'Sertraline', role: 'antidepressant', started_on: '2026-01-05', unit: 'mg',
    dose_changes: [
      { on: '2026-04-06', dose: 100 }, // back on it after the pause (listed out of order on purpose)
      { on: '2026-01-05', dose: 50, unit: 'mg' },
      { on: '2026-01-19', dose: 100, unit: 'mg' },
      { on: '2026-03-02', dose: 0, unit: 'mg' },
    ],
  };
  const t = localTrial(med, '2026-05-04');
  assert.deepEqual(t.dose_steps.map((s) => [s.from, s.dose, s.unit]), [
    ['2026-01-05', 50, 'mg'], ['2026-01-19', 100, 'mg'], ['2026-03-02', 0, 'mg'], ['2026-04-06', 100, 'mg'],
  ]);
  assert.equal(t.max_dose, 100);
  // 19 Jan to 2 Mar is 42 days (6.0 weeks); 6 Apr to 4 May only 28: the pause breaks the run.
  assert.equal(t.weeks_at_max_dose, 6);
  assert.equal(t.reached_4_weeks, true);
  assert.equal(t.reached_6_weeks, true);
  assert.equal(t.started_on, '2026-01-05');
  assert.equal(t.stopped_on, null);
});

test('a dose change mid-week: weeks at the highest dose run from the change to the stop date, one decimal', () => {
  const med = {
    id: 'm2', name: 'Venlafaxine XL', started_on: '2026-11-02', stopped_on: '2026-12-13', stop_reason: 'side_effects', unit: 'mg',
    dose_changes: [{ on: '2026-11-02', dose: 75 }, { on: '2026-11-05', dose: 150 }], // Monday, then Thursday
  };
  const t = localTrial(med, '2026-12-20');
  // 5 Nov to 13 Dec is 38 days: 5.43 weeks, shown as 5.4; today (20 Dec) is after the stop and does not count.
  assert.equal(t.weeks_at_max_dose, 5.4);
  assert.equal(t.reached_4_weeks, true);
  assert.equal(t.reached_6_weeks, false);
  assert.equal(t.stop_reason, 'side_effects');
  assert.deepEqual(trialFacts(t), ['5.4 weeks at the highest dose (150\u00a0mg)', '4 to 6 weeks at a steady dose']);
});

test('one dose and no dose changes: a single step from the start; a step after today is left out', () => {
  assert.deepEqual(doseSteps({ dose: 20, unit: 'mg', started_on: '2026-10-01' }), [{ from: '2026-10-01', dose: 20, unit: 'mg' }]);
  assert.deepEqual(doseSteps({ dose: 20 }), []);
  const t = localTrial({ id: 'm', name: 'X', dose: 20, started_on: '2026-10-01' }, '2026-10-22');
  assert.equal(t.weeks_at_max_dose, 3); // 21 days
  assert.equal(t.reached_4_weeks, false);
  const later = localTrial({ id: 'm', name: 'X', dose_changes: [{ on: '2026-10-01', dose: 5 }, { on: '2026-10-30', dose: 10 }] }, '2026-10-15');
  assert.equal(later.max_dose, 5);
  assert.equal(later.weeks_at_max_dose, 2);
  assert.deepEqual(trialFacts(later), ['2.0 weeks at the highest dose (5)', 'Under 4 weeks at a steady dose']);
  // A step on the stop day was never taken: it is not the highest dose.
  const cut = localTrial({ id: 'm', name: 'X', stopped_on: '2026-10-15', dose_changes: [{ on: '2026-10-01', dose: 5 }, { on: '2026-10-15', dose: 10 }] }, '2026-11-01');
  assert.equal(cut.max_dose, 5);
  assert.equal(cut.weeks_at_max_dose, 2);
  assert.equal(localTrial({ id: 'm', name: 'X', dose: 5, started_on: '2026-11-01' }, '2026-11-01').weeks_at_max_dose, 0);
});

test('deleted records are left out of trials and sessions', () => {
  const entries = entriesOf([
    rec('medication', { name: 'Kept', dose: 10, started_on: '2026-01-01' }, { id: 'a' }),
    rec('medication', { name: 'Gone', dose: 10, started_on: '2026-02-01' }, { deleted: true }),
    rec('medication', { name: 'Tombstone', dose: 10, started_on: '2026-03-01', _deleted: true }),
    rec('session', { at: '2026-03-01T10:00:00+00:00', type: 'esketamine', bp_before: '120/80', bp_after: '138/88', dissociation: 5 }),
    rec('session', { at: '2026-02-26T10:00:00+00:00', type: 'esketamine', felt_after: 6 }),
    rec('session', { at: '2026-03-04T10:00:00+00:00', type: 'esketamine' }, { deleted: true }),
    rec('session', { at: '2026-03-02T15:00:00+00:00', type: 'therapy' }),
  ]);
  assert.deepEqual(localTrials(entries, '2026-04-01').map((t) => t.name), ['Kept']);
  const s = sessionsOf(entries);
  assert.deepEqual(Object.keys(s).sort(), ['esketamine', 'therapy']);
  assert.equal(s.esketamine.count, 2);
  assert.deepEqual(s.esketamine.dates, ['2026-02-26', '2026-03-01']);
  assert.equal(sessionWords(s.esketamine), '2 sessions: 26 Feb and 1 Mar');
  assert.equal(readingWords(s.esketamine.readings[1]), '1 Mar: blood pressure 120/80 before, 138/88 after, dissociation 5/10');
  assert.equal(readingWords(s.therapy.readings[0]), '');
});

test('one source per trial: the server copy for the trials it holds, this device for the rest', () => {
  const local = [localTrial({ id: 'a', name: 'A', dose: 10, started_on: '2026-01-01' }, '2026-03-01'),
    localTrial({ id: 'b', name: 'B', dose: 5, started_on: '2025-01-01', stopped_on: '2025-02-01' }, '2026-03-01')];
  const server = { medication_id: 'a', name: 'A', dose_steps: [{ from: '2026-01-01', dose: 10, unit: 'mg' }], max_dose: 10,
    weeks_at_max_dose: 8.4, adherence_pct: 91.6, phq9_start: 18, phq9_latest: 9, phq9_change_pct: -50, response: true,
    remission: false, reached_4_weeks: true, reached_6_weeks: true, below_min_dose: true };
  const [a, b] = pickTrials(local, { body: { trials: [server] } });
  assert.equal(a.server, true);
  assert.deepEqual(trialFacts(a), [
    '8.4 weeks at the highest dose (10\u00a0mg)', '6 weeks or more at a steady dose', 'Adherence: 92\u00a0%',
    'PHQ-9: 18 at the start, 9 latest (50\u00a0% lower)', 'PHQ-9 down by half or more (a “response” in clinical terms)',
    'Below the usual minimum dose',
  ]);
  assert.equal(b.server, undefined);
  assert.equal(b.weeks_at_max_dose, 4.4); // 31 days
  assert.deepEqual(pickTrials(local, null), local);
});

test('no PHQ-9 in the window, or only one: said plainly, never a verdict', () => {
  const base = { server: true, dose_steps: [], max_dose: null, weeks_at_max_dose: null, adherence_pct: null, reached_4_weeks: null };
  assert.deepEqual(trialFacts({ ...base, phq9_start: null, phq9_latest: null, phq9_change_pct: null }),
    ['No PHQ-9 during this trial']);
  assert.deepEqual(trialFacts({ ...base, phq9_start: 12, phq9_latest: null, phq9_change_pct: null }).at(-1), 'PHQ-9 at the start: 12; none since');
  assert.deepEqual(trialFacts({ ...base, phq9_start: 10, phq9_latest: 12, phq9_change_pct: 20, remission: false }).at(-1),
    'PHQ-9: 10 at the start, 12 latest (20\u00a0% higher)');
  const words = trialFacts({ ...base, phq9_start: 10, phq9_latest: 3, phq9_change_pct: -70, response: true, remission: true }).join(' ');
  assert.doesNotMatch(words, /fail|didn.t work|success/i);
  assert.match(words, /Latest PHQ-9 under 5/);
  const empty = patterns([], { from: '2026-03-01', to: '2026-03-31' });
  assert.equal(patternWords(empty.sleep, { lead: 'On days after you slept', next: 'after' }),
    'Too few days to compare yet. A comparison shows once two groups have 3 days or more each.');
});

function march() {
  const night = (date, bed, next, wake) => rec('sleep', { night_of: date, bed_at: `${date}T${bed}:00+00:00`, wake_at: `${next}T${wake}:00+00:00` });
  const mood = (date, m) => rec('checkin', { at: `${date}T20:00:00+00:00`, mood: m });
  return [
    night('2026-03-01', '23:00', '2026-03-02', '04:30'), // 5.5 h
    night('2026-03-02', '23:00', '2026-03-03', '04:00'), // 5 h
    night('2026-03-03', '23:00', '2026-03-04', '04:30'), // 5.5 h
    night('2026-03-04', '23:00', '2026-03-05', '06:00'), // 7 h
    night('2026-03-05', '23:00', '2026-03-06', '06:00'),
    night('2026-03-06', '23:00', '2026-03-07', '06:00'),
    night('2026-03-07', '22:00', '2026-03-08', '07:00'), // 9 h
    mood('2026-03-02', 3), mood('2026-03-03', 3), mood('2026-03-03', 5), mood('2026-03-04', 2), mood('2026-03-05', 5),
    mood('2026-03-06', 6), mood('2026-03-07', 4), mood('2026-03-08', 7),
    rec('checkin', { at: '2026-03-09T20:00:00+00:00', mood: 0 }, { deleted: true }),
    ...['2026-03-02', '2026-03-05', '2026-03-08'].map((d) => rec('activity', { at: `${d}T12:00:00+00:00`, minutes: 30 })),
    ...['2026-03-03', '2026-03-04'].map((d) => rec('intake', { at: `${d}T19:00:00+00:00`, kind: 'alcohol', amount: 2 })),
    rec('intake', { at: '2026-03-06T19:00:00+00:00', kind: 'meal', amount: 1 }),
    rec('effect', { at: '2026-03-02T12:00:00+00:00', medication_id: 'a', name: 'nausea', severity: 2 }),
    rec('effect', { at: '2026-03-20T12:00:00+00:00', medication_id: 'a', name: 'nausea', severity: 1 }),
    rec('effect', { at: '2026-04-01T12:00:00+00:00', medication_id: 'a', name: 'insomnia', severity: 3 }),
    rec('effect', { at: '2026-04-02T12:00:00+00:00', name: 'headache', severity: 1 }),
    rec('effect', { at: '2026-04-03T12:00:00+00:00', medication_id: 'a', name: 'tiredness', severity: 3 }, { deleted: true }),
  ];
}

test('mood the day after short, middle and long nights, with the days behind each number', () => {
  const p = patterns(entriesOf(march()), { from: '2026-03-01', to: '2026-04-30' });
  // Under 6 h: moods 3, 4 (3 and 5 on one day), 2 -> 3.0 over 3 days; 6-8 h: 5, 6, 4 -> 5.0; over 8 h: 7, one day.
  assert.deepEqual(p.sleep.map((g) => [g.key, g.mood, g.days]), [['under6', 3, 3], ['6to8', 5, 3], ['over8', 7, 1]]);
  assert.equal(patternWords(p.sleep, { lead: 'On days after you slept', next: 'after' }),
    'On days after you slept under 6 hours your mood averaged 3.0 (3 days); after 6 to 8 hours 5.0 (3 days). ' +
    'Only 1 day after nights over 8 hours, too few to include. This shows what went together, not what caused what.');
});

test('mood on days with and without movement and alcohol; too few days is said plainly', () => {
  const p = patterns(entriesOf(march()), { from: '2026-03-01', to: '2026-04-30' });
  // With movement: 3, 5, 7 -> 5.0; without: 4, 2, 6, 4 -> 4.0. The deleted check-in on 9 Mar is not a day.
  assert.deepEqual(p.movement.map((g) => [g.mood, g.days]), [[5, 3], [4, 4]]);
  assert.equal(p.moodDays, 7);
  // Alcohol on 3 and 4 Mar only (moods 4 and 2 -> 3.0): too few to compare; without: 3, 5, 6, 4, 7 -> 5.0.
  // A meal is not alcohol.
  assert.deepEqual(p.alcohol.map((g) => [g.mood, g.days]), [[3, 2], [5, 5]]);
  assert.equal(patternWords(p.alcohol, { lead: 'On', next: 'on' }),
    'Too few days to compare yet: mood on 2 days with alcohol and 5 days without alcohol logged. ' +
    'A comparison shows once two groups have 3 days or more each.');
});

test('side effects by medication and month with the strongest rating; deleted ones left out', () => {
  const p = patterns(entriesOf(march()), { from: '2026-03-01', to: '2026-04-30' });
  assert.deepEqual(p.sideEffects, [
    { medication_id: 'a', months: [
      { month: '2026-03', count: 2, max_severity: 2, names: ['nausea'] },
      { month: '2026-04', count: 1, max_severity: 3, names: ['insomnia'] },
    ] },
    { medication_id: null, months: [{ month: '2026-04', count: 1, max_severity: 1, names: ['headache'] }] },
  ]);
});

test('something taken only as needed is listed without weeks or adherence', () => {
  const t = localTrial({ id: 'z', name: 'Zopiclone', as_needed: true, dose: 3.75, unit: 'mg', started_on: '2026-01-01' }, '2026-03-01');
  assert.equal(t.weeks_at_max_dose, null);
  assert.deepEqual(trialFacts(t), ['Taken as needed']);
  const [fromServer] = pickTrials([t], { body: { trials: [{ medication_id: 'z', weeks_at_max_dose: 8.4, adherence_pct: null }] } });
  assert.deepEqual(trialFacts(fromServer), ['Taken as needed']);
});

test('the server copy is dated in words', () => {
  assert.equal(asOfWords('2026-12-05T14:02:31+01:00'), 'As of 5 Dec, 14:02');
  assert.equal(asOfWords(undefined), '');
});
