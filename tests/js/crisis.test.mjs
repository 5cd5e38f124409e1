import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COUNTRIES, NOBODY_MONITORS, crisisInfo, phoneParts } from '../../pwa/js/crisis.js';

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

test('elsewhere points to findahelpline.com as a web link, besides any tel: links', () => {
  for (const code of ['EU', 'ZZ', 'OTHER']) {
    const info = crisisInfo(code);
    assert.equal(info.note.href, 'https://findahelpline.com');
    assert.equal(info.note.label, 'findahelpline.com');
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

const phones = (text) => phoneParts(text).filter((p) => p.tel).map((p) => [p.text, p.tel]);

test('phone numbers in the person’s own words become tel: parts, the rest stays as written', () => {
  const text = 'Sam: +44 7700 900123\nMum 07700 900123, Dr Lee (555) 123-4567 or 988.';
  assert.deepEqual(phones(text), [
    ['+44 7700 900123', '+447700900123'], ['07700 900123', '07700900123'],
    ['(555) 123-4567', '5551234567'], ['988', '988'],
  ]);
  assert.equal(phoneParts(text).map((p) => p.text).join(''), text);
  assert.deepEqual(phones('Lifeline 13 11 14; 1-800-273-8255'), [['13 11 14', '131114'], ['1-800-273-8255', '18002738255']]);
  assert.deepEqual(phones('Jo (07700 900123)'), [['07700 900123', '07700900123']]);
});

test('dates, times, years, doses and short numbers are not phone numbers', () => {
  for (const text of ['Visit on 2026-11-27 at 08:00', 'from 10:30-11:30', '27/11/2026 and 27-11-2026',
    'since 2019', 'sertraline 100 mg, 12.5mg', '50% better', 'walk 20 minutes, 2 times', 'code A123', '', 'nothing']) {
    assert.deepEqual(phones(text), [], text);
    assert.equal(phoneParts(text).map((p) => p.text).join(''), text);
  }
});

test('every country the chooser offers is a code the server accepts', async () => {
  const { checkRecord } = await import('../../pwa/js/validate.js');
  for (const { code } of COUNTRIES) assert.equal(checkRecord('profile', { country: code }), null, code);
});
