// Settings' "App lock" card: set, change or turn off the PIN, choose when it locks, lock now.

import {
  HIDES_NOT_ENCRYPTS, IDLE_CHOICES, checkNewPin, lockNow, makeLock, pinField, readLock, saveLock, verifyPin,
} from '../lock.js';
import { h, newId } from '../ui.js';

const WRONG_PIN = 'That is not the current PIN. Nothing was changed.';

function idleField(value) {
  const id = newId('idle');
  const select = h('select', { id },
    ...IDLE_CHOICES.map(([minutes, label]) => h('option', { value: String(minutes), text: label, selected: minutes === value })));
  return { select, el: h('div', { class: 'field' }, h('label', { for: id, text: 'When to lock' }), select) };
}

/** Submitting runs `act`: a sentence back is shown, null means done. */
function lockForm(parts, submitLabel, act, cancel = null) {
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary', text: submitLabel });
  const onSubmit = async (e) => {
    e.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    error.textContent = '';
    const problem = await act().catch((err) => {
      console.error(err);
      return 'Could not save on this device. Please try again.';
    });
    button.disabled = false;
    if (problem) error.textContent = problem;
  };
  return h('form', { novalidate: true, on: { submit: onSubmit } }, ...parts.map((p) => p.el ?? p), error,
    h('div', { class: 'actions' }, button,
      cancel && h('button', { type: 'button', text: 'Cancel', on: { click: cancel } })));
}

/** Set a PIN (no `lock` yet) or change it. */
function newPinForm(ctx, lock, done) {
  const current = pinField('Current PIN', 'current-password');
  const pin = pinField('New PIN', 'new-password');
  const again = pinField('New PIN again', 'new-password');
  const idle = idleField(5);
  const hint = h('p', { class: 'hint', text: '4 to 12 digits. If you forget it, the only way back into Tend on this ' +
    'device is to erase it; entries synced to your account come back when you sign in again.' });
  return lockForm(lock ? [current, pin, again] : [pin, again, hint, idle], lock ? 'Change PIN' : 'Turn on the lock', async () => {
    if (lock && !await verifyPin(current.input.value, lock)) return WRONG_PIN;
    const problem = checkNewPin(pin.input.value, again.input.value);
    if (problem) return problem;
    await saveLock(ctx.db, await makeLock(pin.input.value, lock?.idle_minutes ?? Number(idle.select.value)));
    done(lock ? 'PIN changed.' : 'PIN set.');
    return null;
  }, lock && (() => done('')));
}

function turnOffForm(ctx, lock, done) {
  const current = pinField('Current PIN', 'current-password');
  return lockForm([current], 'Turn off the lock', async () => {
    if (!await verifyPin(current.input.value, lock)) return WRONG_PIN;
    await saveLock(ctx.db, null);
    done('The lock is off.');
    return null;
  }, () => done(''));
}

function lockOnParts(ctx, lock, show, done) {
  const idle = idleField(lock.idle_minutes);
  idle.select.addEventListener('change', async () => {
    // Not redrawn: keyboard focus stays on the choice.
    lock.idle_minutes = Number(idle.select.value);
    await saveLock(ctx.db, lock);
    done('Saved.', { focus: false, redraw: false });
  });
  return [
    h('p', { text: 'The lock is on.' }),
    idle.el,
    h('div', { class: 'actions' },
      h('button', { type: 'button', text: 'Lock now', on: { click: () => lockNow() } }),
      h('button', { type: 'button', text: 'Change PIN', on: { click: () => show(newPinForm(ctx, lock, done)) } }),
      h('button', { type: 'button', text: 'Turn off the lock', on: { click: () => show(turnOffForm(ctx, lock, done)) } })),
  ];
}

export async function lockSection(ctx) {
  const headingId = newId('lock');
  const heading = h('h2', { id: headingId, tabindex: '-1', text: 'App lock' });
  const body = h('div');
  const said = h('p', { class: 'saved', role: 'status' });
  const show = (form) => {
    said.textContent = '';
    body.replaceChildren(form);
    form.querySelector('input, select')?.focus();
  };
  const done = async (message, { focus = true, redraw = true } = {}) => {
    if (redraw) await draw();
    said.textContent = message;
    if (focus) heading.focus();
  };
  async function draw() {
    const lock = await readLock(ctx.db);
    body.replaceChildren(...(lock ? lockOnParts(ctx, lock, show, done) : [newPinForm(ctx, null, done)]));
  }
  await draw();
  return h('section', { class: 'card lock-settings', 'aria-labelledby': headingId },
    heading,
    h('p', { text: 'A PIN hides your journal on this screen when you step away. ' +
      'Get help and your safety plan stay open without it.' }),
    h('p', { class: 'notice', text: HIDES_NOT_ENCRYPTS }),
    body, said);
}
