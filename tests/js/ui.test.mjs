// The save guard on every form: a double tap saves once, a refused write keeps the form
// open with a sentence the person can act on.
import assert from 'node:assert/strict';
import test from 'node:test';

import { SAVE_FAILED, saveGuard } from '../../pwa/js/ui.js';

test('a second tap while the first save is writing does not save again', async () => {
  const message = { textContent: '' };
  const guard = saveGuard(message);
  let writes = 0;
  let finish;
  const first = guard(() => { writes += 1; return new Promise((resolve) => { finish = resolve; }); });
  assert.equal(await guard(async () => { writes += 1; }), false);
  finish();
  assert.equal(await first, true);
  assert.equal(writes, 1);
  // Once the first save is done, the form saves again (an edit after an edit).
  assert.equal(await guard(async () => { writes += 1; }), true);
  assert.equal(writes, 2);
});

test('a refused write says so and lets the person try again', async () => {
  const message = { textContent: '' };
  const guard = saveGuard(message);
  const original = console.error;
  console.error = () => {};
  try {
    assert.equal(await guard(async () => { throw new DOMException('full', 'QuotaExceededError'); }), false);
  } finally {
    console.error = original;
  }
  assert.equal(message.textContent, SAVE_FAILED);
  assert.equal(await guard(async () => {}), true);
});
