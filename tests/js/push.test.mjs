import assert from 'node:assert/strict';
import { test } from 'node:test';

// sw.js registers its handlers on `self` when imported; a stand-in lets node load its pure parts.
globalThis.self = { addEventListener() {}, location: { origin: 'https://tend.example' } };
globalThis.BroadcastChannel = class { postMessage() {} };
const { appUrl, linkQuery, notificationFor, wallTimeOf } = await import('../../pwa/sw.js');
const { fromBase64Url, permissionState, reminderChecks, testMessage, toBase64Url } = await import('../../pwa/js/push.js');

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

test('the server key round-trips between base64url and bytes', () => {
  const key = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM';
  const bytes = fromBase64Url(key);
  assert.equal(bytes.length, 65);
  assert.equal(bytes[0], 4);
  assert.equal(toBase64Url(bytes.buffer), key);
});

test('without service workers, PushManager or Notification, reminders are unsupported', () => {
  assert.equal(permissionState({}), 'unsupported');
  const g = { navigator: { serviceWorker: {} }, PushManager: class {}, Notification: { permission: 'denied' } };
  assert.equal(permissionState(g), 'denied');
});

test('the status panel says what is missing, in words', () => {
  const all = reminderChecks({ permission: 'granted', subscribed: true, signedIn: true });
  assert.equal(all.ready, true);
  assert.deepEqual(all.checks.map((c) => c.id), ['permission', 'device', 'sync']);
  const fresh = reminderChecks({ permission: 'default' });
  assert.equal(fresh.ready, false);
  assert.deepEqual(fresh.checks.filter((c) => !c.ok).map((c) => c.id), ['permission', 'device', 'sync']);
  assert.match(fresh.checks.find((c) => c.id === 'sync').text, /need sync/);
  const iphone = reminderChecks({ permission: 'unsupported', ios: true });
  assert.equal(iphone.checks[0].id, 'ios');
  assert.match(iphone.checks[0].text, /Home Screen/);
  assert.match(reminderChecks({ permission: 'denied' }).checks[0].text, /blocked/);
});

test('the test reminder result is explained in plain words', () => {
  assert.match(testMessage({ status: 202, body: { status: 'sent' } }), /^Sent\./);
  assert.match(testMessage({ status: 202, body: { status: 'queued' } }), /keep trying/);
  assert.match(testMessage({ status: 404, body: { code: 'no-subscription' } }), /Turn on reminders/);
  assert.match(testMessage({ status: 0, body: null }), /offline/);
  assert.match(testMessage({ status: 401, body: null }), /Sign in/);
  assert.match(testMessage({ status: 500, body: null }), /try again later/);
});

test('withTimeout passes an answer through and turns silence into a TimeoutError', async () => {
  const { withTimeout } = await import('../../pwa/js/push.js');
  assert.equal(await withTimeout(Promise.resolve('sub'), 50), 'sub');
  await assert.rejects(withTimeout(Promise.reject(new Error('refused')), 50), /refused/);
  const started = Date.now();
  await assert.rejects(withTimeout(new Promise(() => {}), 30), { name: 'TimeoutError' });
  assert.ok(Date.now() - started < 1000);
});
