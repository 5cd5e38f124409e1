import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addDays, dateWithOffset, formatWithOffset, sortKeyOf } from '../../pwa/js/time.js';

test('local times carry their UTC offset', () => {
  const ms = Date.UTC(2026, 10, 27, 7, 5, 0);
  assert.equal(formatWithOffset(ms, 60), '2026-11-27T08:05:00+01:00');
  assert.equal(formatWithOffset(ms, -300), '2026-11-27T02:05:00-05:00');
  assert.equal(formatWithOffset(ms, 330), '2026-11-27T12:35:00+05:30');
  assert.equal(formatWithOffset(ms, 0), '2026-11-27T07:05:00+00:00');
  assert.equal(formatWithOffset(ms, -570), '2026-11-26T21:35:00-09:30');
});

test('the formatted time names the same instant', () => {
  for (const offset of [-720, -210, 0, 60, 345, 840]) {
    const ms = Date.UTC(2026, 2, 29, 0, 59, 59);
    assert.equal(Date.parse(formatWithOffset(ms, offset)), ms);
  }
});

test('the local date follows the offset across midnight', () => {
  const ms = Date.UTC(2026, 0, 1, 23, 30);
  assert.equal(dateWithOffset(ms, 60), '2026-01-02');
  assert.equal(dateWithOffset(ms, -60), '2026-01-01');
});

test('addDays crosses month and year ends', () => {
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2028-03-01', -1), '2028-02-29');
});

test('entries are listed by the moment they are about', () => {
  assert.equal(sortKeyOf('checkin', { at: '2026-11-27T08:05:00+01:00' }), Date.UTC(2026, 10, 27, 7, 5));
  assert.equal(sortKeyOf('sleep', { night_of: '2026-11-26', wake_at: '2026-11-27T07:00:00+01:00' }),
    Date.UTC(2026, 10, 27, 6, 0));
  assert.equal(sortKeyOf('medication', { name: 'Sertraline' }), undefined);
});
