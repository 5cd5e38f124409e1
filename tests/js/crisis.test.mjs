import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COUNTRIES, NOBODY_MONITORS, crisisInfo } from '../../pwa/js/crisis.js';

const hrefs = (code) => {
  const info = crisisInfo(code);
  return [...info.lines.flatMap((l) => l.actions.map((a) => a.href)), ...info.emergency.map((e) => e.href)];
};

test('each country gets its own crisis line and emergency number', () => {
  assert.deepEqual(hrefs('US'), ['tel:988', 'sms:988', 'tel:911']);
  assert.deepEqual(hrefs('CA'), ['tel:988', 'sms:988', 'tel:911']);
  assert.deepEqual(hrefs('GB'), ['tel:116123', 'tel:999', 'tel:111']);
  assert.deepEqual(hrefs('IE'), ['tel:116123', 'tel:112']);
  assert.deepEqual(hrefs('AU'), ['tel:131114', 'tel:000']);
  assert.deepEqual(hrefs('NZ'), ['tel:1737', 'sms:1737', 'tel:111']);
  assert.deepEqual(hrefs('EU'), ['tel:112']);
});

test('US veterans are told to press 1 and the UK non-urgent line is named', () => {
  assert.match(crisisInfo('US').lines[0].detail, /Veterans: call 988 and press 1/);
  assert.match(crisisInfo('GB').emergency[1].label, /NHS 111/);
  assert.match(crisisInfo('IE').lines[0].name, /Samaritans/);
});

test('elsewhere points to findahelpline.com as text, never a link', () => {
  for (const code of ['EU', 'OTHER']) {
    const info = crisisInfo(code);
    assert.match(info.note, /findahelpline\.com/);
    assert.ok(hrefs(code).every((h) => h.startsWith('tel:') || h.startsWith('sms:')));
  }
});

test('an unchosen country gets no guessed lines', () => {
  assert.equal(crisisInfo(''), null);
  assert.equal(crisisInfo(undefined), null);
  assert.equal(crisisInfo('toString'), null);
});

test('every offered country has data and the app says nobody monitors it', () => {
  for (const c of COUNTRIES) assert.ok(crisisInfo(c.code), c.code);
  assert.match(NOBODY_MONITORS, /Nobody monitors this app in real time/);
});
