// Web Push on this device (push.js); what a reminder shows and does is in notify.test.mjs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBase64Url, permissionState, reminderChecks, testMessage, toBase64Url, withTimeout } from '../../pwa/js/push.js';

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
  assert.equal(await withTimeout(Promise.resolve('sub'), 50), 'sub');
  await assert.rejects(withTimeout(Promise.reject(new Error('refused')), 50), /refused/);
  const started = Date.now();
  await assert.rejects(withTimeout(new Promise(() => {}), 30), { name: 'TimeoutError' });
  assert.ok(Date.now() - started < 1000);
});
