// What a reminder shows and does (notify.js), shared by the service worker and the page. The
// module is imported as it is: it needs no `self`, no DOM and no stand-ins.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  appUrl, clickAction, linkQuery, notificationFor, readPayload, reminderLink, snoozeReminder, takenDoseValues, wallTimeOf,
} from '../../pwa/js/notify.js';
import { localIso } from '../../pwa/js/time.js';

const OCC = '0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9e@2026-11-27T08:00+01:00';
const DISCREET = {
  v: 1, kind: 'medication', title: 'Tend', body: 'Time for your 8:00 routine',
  routine_id: '0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9e', occurrence: OCC,
  actions: [{ action: 'taken', title: 'Taken' }, { action: 'snooze', title: 'Snooze 15 min' }],
  url: `/#/log/dose?occurrence=${encodeURIComponent(OCC)}&medication=0190c3e4-0000-7000-8000-000000000001`,
};
const NAMED = { ...DISCREET, title: 'Morning pills', body: 'Time for Sertraline (8:00)' };

test('the wall time of an occurrence is the time the person chose, without a leading zero', () => {
  assert.equal(wallTimeOf(OCC), '8:00');
  assert.equal(wallTimeOf('r@2026-03-29T21:30+01:00'), '21:30');
  assert.equal(wallTimeOf('test@abc'), '');
});

test('a discreet reminder shows no name even when the server sent one (setting not yet synced)', () => {
  const { title, options } = notificationFor(NAMED, { discreet: true, maxActions: 2 });
  assert.equal(title, 'Tend');
  assert.equal(options.body, 'Time for your 8:00 routine');
  assert.doesNotMatch(JSON.stringify({ title, body: options.body }), /Sertraline|Morning/);
  const followUp = notificationFor({ ...NAMED, body: 'Still to do: time for Sertraline (8:00)' }, { discreet: true });
  assert.equal(followUp.options.body, 'Still to do: time for your 8:00 routine');
});

test('with discreet off, names known on this device replace the server’s discreet text', () => {
  const { title, options } = notificationFor(DISCREET, { discreet: false, routineTitle: 'Morning pills', medicationName: 'Sertraline' });
  assert.equal(title, 'Morning pills');
  assert.equal(options.body, 'Time for Sertraline (8:00)');
  // Nothing known here: the server's own words stay.
  assert.equal(notificationFor(NAMED, { discreet: false }).options.body, 'Time for Sertraline (8:00)');
});

test('actions are offered only as far as the browser supports them; tag and data identify the occurrence', () => {
  const two = notificationFor(DISCREET, { maxActions: 2 }).options;
  assert.deepEqual(two.actions.map((a) => a.action), ['taken', 'snooze']);
  assert.equal(two.tag, OCC);
  assert.equal(two.data.occurrence, OCC);
  assert.equal(two.renotify, true);
  assert.deepEqual(notificationFor(DISCREET, { maxActions: 0 }).options.actions, []);
  assert.deepEqual(notificationFor(DISCREET, { maxActions: 1 }).options.actions.map((a) => a.title), ['Taken']);
});

test('a test reminder keeps its text; an unknown payload still shows a plain reminder', () => {
  const test = { v: 1, kind: 'test', title: 'Tend', body: 'Reminders work on this device.', occurrence: 'test@1', actions: [], url: '/#/today' };
  assert.equal(notificationFor(test).options.body, 'Reminders work on this device.');
  const odd = notificationFor({ v: 9, title: 'Sertraline' });
  assert.equal(odd.title, 'Tend');
  assert.equal(odd.options.data.url, '/#/today');
  assert.equal(notificationFor(null).title, 'Tend');
});

test('a reminder link opens only this app, and its query is readable', () => {
  const origin = 'https://tend.example';
  assert.equal(appUrl(DISCREET.url, origin), `${origin}${DISCREET.url}`);
  assert.equal(appUrl('https://evil.example/#/x', origin), `${origin}/#/today`);
  assert.equal(appUrl(undefined, origin), `${origin}/#/today`);
  const q = linkQuery(DISCREET.url);
  assert.equal(q.get('occurrence'), OCC);
  assert.equal(q.get('medication'), '0190c3e4-0000-7000-8000-000000000001');
  assert.equal(linkQuery(undefined).get('medication'), null);
});

test('a push shows its JSON payload; no data or data that is not JSON shows the plain reminder', () => {
  assert.deepEqual(readPayload({ json: () => DISCREET }), DISCREET);
  assert.equal(readPayload(null), null);
  assert.equal(readPayload({ json: () => { throw new SyntaxError('not JSON'); } }), null);
  assert.equal(notificationFor(readPayload(undefined)).options.body, 'You have a reminder.');
});

test('a tap logs the dose, snoozes, only closes, or opens the app, by button and kind', () => {
  assert.equal(clickAction('taken', DISCREET), 'taken');
  assert.equal(clickAction('snooze', DISCREET), 'snooze');
  assert.equal(clickAction('done', { kind: 'sleep' }), 'close');
  assert.equal(clickAction('done', { kind: 'custom' }), 'close');
  // A mood cannot be guessed: "Done" on a check-in opens the check-in form.
  assert.equal(clickAction('done', { kind: 'checkin' }), 'open');
  assert.equal(clickAction('', DISCREET), 'open');
  assert.equal(clickAction(undefined, {}), 'open');
});

test('"Taken" writes the medication’s usual amount for this occurrence, at the time of the tap', () => {
  const now = Date.UTC(2026, 10, 27, 7, 2);
  const med = '0190c3e4-0000-7000-8000-000000000001';
  assert.deepEqual(takenDoseValues(DISCREET, med, { dose: 50, unit: 'mg' }, now), {
    medication_id: med, at: localIso(now), status: 'taken', occurrence: OCC,
    routine_id: DISCREET.routine_id, amount: 50, unit: 'mg',
  });
  const bare = takenDoseValues({ occurrence: OCC }, med, {}, now);
  assert.deepEqual(Object.keys(bare).sort(), ['at', 'medication_id', 'occurrence', 'status']);
});

test('a reminder’s page link names its form and carries the occurrence', () => {
  const { form, query } = reminderLink(DISCREET.url.slice(1));
  assert.equal(form, 'dose');
  assert.equal(query.get('occurrence'), OCC);
  assert.equal(reminderLink('#/log/checkin').form, 'checkin');
  assert.equal(reminderLink('#/today').form, undefined);
  assert.equal(reminderLink(undefined).query.get('occurrence'), null);
});

test('a snooze without an occurrence is refused before anything is sent', async () => {
  assert.equal(await snoozeReminder(null, { kind: 'test' }), 400);
});
