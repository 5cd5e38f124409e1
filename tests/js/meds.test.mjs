import assert from 'node:assert/strict';
import { test } from 'node:test';

process.env.TZ = 'Europe/London';
const { dateOrder, dayText, doseText, restartValues, spanText, stopText, withDoseChange } = await import('../../pwa/js/views/meds.js');
const { formSpec } = await import('../../pwa/js/kinds.js');
const { checkRecord } = await import('../../pwa/js/validate.js');

test('dates read the same on every device', () => {
  assert.equal(dayText('2026-11-03'), '3 Nov 2026');
  assert.equal(dayText('2026-09-30'), '30 Sep 2026');
  assert.equal(dayText('not a date'), 'not a date');
  assert.equal(doseText(100, 'mg'), '100 mg');
  assert.equal(doseText(0.5, null), '0.5');
  assert.equal(doseText(undefined, 'mg'), '');
});

test('how long a medication was taken: days for the first two weeks, then whole weeks', () => {
  assert.equal(spanText('2026-01-10', '2026-01-11'), '1 day');
  assert.equal(spanText('2026-01-10', '2026-01-23'), '13 days');
  assert.equal(spanText('2026-01-10', '2026-01-24'), '2 weeks');
  assert.equal(spanText('2026-01-10', '2026-05-20'), '18 weeks');
  assert.equal(spanText('2026-03-20', '2026-03-30'), '10 days', 'a clock change is not a day');
  assert.equal(spanText('2026-01-10', '2026-01-10'), '');
  assert.equal(spanText('2027-01-10', '2026-01-10'), '', 'a start still to come');
});

test('a stop is described in plain words, with or without a reason', () => {
  assert.equal(stopText({ stopped_on: '2026-11-03', stop_reason: 'side_effects' }), 'Stopped 3 Nov 2026: side effects');
  assert.equal(stopText({ stopped_on: '2026-11-03', stop_reason: 'no_effect' }), 'Stopped 3 Nov 2026: it did not help');
  assert.equal(stopText({ stopped_on: '2026-11-03', stop_reason: 'partial_effect' }), 'Stopped 3 Nov 2026: it helped only partly');
  assert.equal(stopText({ stopped_on: '2026-11-03' }), 'Stopped 3 Nov 2026');
  assert.equal(stopText({ stopped_on: null, stop_reason: 'cost' }), null);
});

test('a dose change appends a step and sets the current dose and unit', () => {
  const current = { dose: 100, unit: 'mg', dose_changes: [{ on: '2026-09-01', dose: 50, unit: 'mg' }, { on: '2026-10-01', dose: 100, unit: 'mg' }] };
  const out = withDoseChange(current, { on: '2026-11-01', dose: 150, unit: 'mg' });
  assert.deepEqual(out, { dose: 150, unit: 'mg', dose_changes: [...current.dose_changes, { on: '2026-11-01', dose: 150, unit: 'mg' }] });
  assert.equal(current.dose_changes.length, 2, 'the stored list is not changed in place');
  assert.equal(checkRecord('medication', out), null);
});

test('the first dose change keeps the starting dose as a step when the start date is known', () => {
  const out = withDoseChange({ dose: 50, unit: 'mg', started_on: '2026-09-01' }, { on: '2026-10-01', dose: 100, unit: null });
  assert.deepEqual(out.dose_changes, [{ on: '2026-09-01', dose: 50, unit: 'mg' }, { on: '2026-10-01', dose: 100, unit: 'mg' }]);
  assert.deepEqual([out.dose, out.unit], [100, 'mg']);
  // No start date, or a change on the start day itself (a correction): only the new step.
  assert.deepEqual(withDoseChange({ dose: 50 }, { on: '2026-10-01', dose: 75 }).dose_changes, [{ on: '2026-10-01', dose: 75 }]);
  assert.equal(withDoseChange({ dose: 50, started_on: '2026-10-01' }, { on: '2026-10-01', dose: 75 }).dose_changes.length, 1);
});

test('a change recorded late lands in date order; the latest step is the current dose', () => {
  const current = { dose: 100, unit: 'mg', dose_changes: [{ on: '2026-09-01', dose: 50, unit: 'mg' }, { on: '2026-11-01', dose: 100, unit: 'mg' }] };
  const out = withDoseChange(current, { on: '2026-10-01', dose: 75, unit: 'mg' });
  assert.deepEqual(out.dose_changes.map((s) => s.dose), [50, 75, 100]);
  assert.equal(out.dose, 100);
  // Two changes on one day: the one recorded last counts.
  assert.equal(withDoseChange(current, { on: '2026-11-01', dose: 125, unit: 'mg' }).dose, 125);
});

test('a 201st dose step is refused by the server rules, in words', () => {
  const steps = Array.from({ length: 200 }, (_, i) => ({ on: '2026-01-01', dose: i }));
  const problem = checkRecord('medication', withDoseChange({ dose_changes: steps }, { on: '2026-02-01', dose: 5 }), { labels: { dose_changes: 'Dose steps' } });
  assert.deepEqual(problem, { field: 'dose_changes', message: '“Dose steps” can have at most 200 items.' });
});

test('a restart clears the stop, starts a new trial and keeps the earlier one in the notes', () => {
  const v = { name: 'Sertraline', dose: 100, unit: 'mg', started_on: '2026-01-10', stopped_on: '2026-03-02', stop_reason: 'side_effects', notes: 'From Dr A.' };
  assert.deepEqual(restartValues(v, '2026-06-01'), {
    stopped_on: null, stop_reason: null, started_on: '2026-06-01',
    notes: 'From Dr A.\nTaken before: started 10 Jan 2026, stopped 2 Mar 2026: side effects.',
  });
  const steps = [{ on: '2026-01-10', dose: 50, unit: 'mg' }, { on: '2026-02-01', dose: 100, unit: 'mg' }];
  const again = restartValues({ ...v, notes: undefined, dose_changes: steps }, '2026-06-01');
  assert.equal(again.notes, 'Taken before: started 10 Jan 2026, stopped 2 Mar 2026: side effects.');
  assert.deepEqual(again.dose_changes, [...steps, { on: '2026-06-01', dose: 100, unit: 'mg' }]);
  assert.equal(checkRecord('medication', again), null);
});

test('a stop after today or before the start is refused', () => {
  assert.equal(dateOrder({ stopped_on: '2026-11-03', started_on: '2026-09-01' }, '2026-11-03'), null);
  assert.equal(dateOrder({ stopped_on: '2026-11-04' }, '2026-11-03').field, 'stopped_on');
  assert.equal(dateOrder({ stopped_on: '2026-08-01', started_on: '2026-09-01' }, '2026-11-03').message,
    'The day you stopped is before the day you started (1 Sep 2026).');
});

test('the medication form has every optional field; "added to" only with other medications', () => {
  const names = (meds) => formSpec('medication', meds).fields.map((f) => f.name);
  assert.deepEqual(names([]), ['name', 'dose', 'unit', 'role', 'as_needed', 'schedule_note', 'started_on', 'notes']);
  const spec = formSpec('medication', [{ id: 'm1', name: 'Sertraline' }]);
  assert.deepEqual(spec.fields.find((f) => f.name === 'augments').options, [['m1', 'Sertraline']]);
  assert.deepEqual([spec.fields.find((f) => f.name === 'dose').min, spec.fields.find((f) => f.name === 'dose').max], [0, 1000000]);
  // Text limits are the server's: a schedule note of 4,097 characters is refused by name.
  const labels = Object.fromEntries(spec.fields.map((f) => [f.name, f.label]));
  assert.equal(checkRecord('medication', { name: 'X', schedule_note: 'x'.repeat(4097) }, { labels }).message,
    '“When you take it” is too long. Please shorten it by about 1 character.');
});
