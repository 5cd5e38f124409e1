// "Changed on two devices": the other version is built from the record's history on the server.
import assert from 'node:assert/strict';
import { test } from 'node:test';

const { otherVersion } = await import('../../pwa/js/versions.js');

const PHONE = '8f3a1c2b9d4e5f60';
const TABLET = '9a0b3c4d5e6f7081';
const hlc = (sec, node) => `2026-12-04T07:00:${String(sec).padStart(2, '0')}.000Z-0000-${node}`;

test('the other version is the newest value written by the other device, per field', () => {
  const fields = { mood: { v: 8, hlc: hlc(5, TABLET) }, note: { v: 'same', hlc: hlc(1, PHONE) }, _conflict: { v: true, hlc: hlc(6, 'server0000000000') } };
  const history = [
    { status: 'applied', fields: { mood: { v: 8, hlc: hlc(5, TABLET) } } },
    { status: 'superseded', fields: { mood: { v: 3, hlc: hlc(4, PHONE) } } },
    { status: 'applied', fields: { mood: { v: 5, hlc: hlc(1, PHONE) }, note: { v: 'same', hlc: hlc(1, PHONE) } } },
  ];
  assert.deepEqual(otherVersion(fields, history), { mood: { v: 3, hlc: hlc(4, PHONE) } });
});

test('a refused change is not a version, and equal values are no choice at all', () => {
  const fields = { mood: { v: 8, hlc: hlc(5, TABLET) } };
  assert.deepEqual(otherVersion(fields, [{ status: 'rejected', fields: { mood: { v: 99, hlc: hlc(4, PHONE) } } }]), {});
  assert.deepEqual(otherVersion(fields, [{ status: 'superseded', fields: { mood: { v: 8, hlc: hlc(4, PHONE) } } }]), {});
});
