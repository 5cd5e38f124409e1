// Routines (synced records the server schedules reminders from), whether reminders can work on
// this device (discreet mode and quiet hours are in Settings); also a reminder's link (#/log/…).

import { renderFields } from '../forms.js';
import { formSpec } from '../kinds.js';
import { doseFor, reminderLink } from '../notify.js';
import { iosNotInstalled } from '../platform.js';
import * as push from '../push.js';
import {
  DAYS, EVERY_DAY, describeRoutine, deviceZone, newRoutine, routineValues, switchKind, withOnlyMedication,
} from '../routine-rules.js';
import { readAccount } from '../session.js';
import { getRecord, listKind, valuesOf } from '../store.js';
import { h, newId, openDialog, saveGuard, snack } from '../ui.js';
import { deleteWithUndo, medications, openForm } from './log.js';

const KINDS = [['medication', 'Medication'], ['sleep', 'Sleep'], ['movement', 'Movement'], ['checkin', 'Check-in']];

function timesEditor(initial) {
  const list = h('div', { class: 'stack' });
  const more = h('button', { type: 'button', text: 'Add another time', on: { click: () => add('').focus() } });
  const renumber = () => [...list.children].forEach((row, i) => {
    row.firstChild.textContent = `Time ${i + 1}`;
    row.lastChild.setAttribute('aria-label', `Remove time ${i + 1}`);
  });
  function add(value) {
    const id = newId('time');
    const input = h('input', { id, type: 'time', 'data-name': 'times', value });
    const row = h('div', { class: 'inline' }, h('label', { for: id }), input,
      h('button', { type: 'button', text: 'Remove', on: { click: () => { row.remove(); renumber(); more.focus(); } } }));
    list.append(row);
    renumber();
    return input;
  }
  initial.forEach(add);
  return { el: h('fieldset', {}, h('legend', { text: 'Times' }), list, h('div', { class: 'actions' }, more)),
    read: () => [...list.querySelectorAll('input')].map((i) => i.value).filter(Boolean) };
}

function daysEditor(days) {
  const el = h('fieldset', { class: 'choices' }, h('legend', { text: 'Days' }), ...DAYS.map((label, i) => {
    const id = newId('day');
    return h('span', { class: 'pick' },
      h('input', { type: 'checkbox', id, value: i + 1, 'data-name': 'days', checked: days.includes(i + 1) }),
      h('label', { for: id, text: label }));
  }));
  return { el, read: () => [...el.querySelectorAll(':checked')].map((i) => Number(i.value)) };
}

/** What the routine is for and its name; `onKind(kind)` when the person picks another kind. */
function kindFields(v, onKind) {
  return renderFields([
    { name: 'kind', label: 'What is it for?', type: 'radio', options: KINDS },
    { name: 'title', label: 'Name', type: 'text' },
  ], v, (name, kind) => { if (name === 'kind') onKind(kind); });
}

/** Which medication, shown for medication routines, with "Add a medication". */
function medicationField(meds, v, onAdd) {
  const med = renderFields([{ name: 'medication_id', label: 'Which medication?', type: 'radio',
    options: meds.map((m) => [m.id, m.name]) }], v);
  med.el.hidden = v.kind !== 'medication';
  med.el.firstChild.append(h('button', { type: 'button', text: 'Add a medication', on: { click: onAdd } }));
  return med;
}

/** Time zone, follow-up and whether reminders are on. */
function scheduleFields(v) {
  return renderFields([
    { name: 'tz', label: 'Time zone (reminders follow it, also when you travel)', type: 'text', maxlength: 64,
      suggestions: [...new Set([deviceZone(), 'UTC', ...(Intl.supportedValuesOf?.('timeZone') ?? [])])] },
    { name: 'follow_up_minutes', label: 'If not done, remind again after … minutes (0 for never)', type: 'number', min: 0, max: 720 },
    { name: 'enabled', label: 'Reminders on', type: 'check' },
  ], { ...v, enabled: v.enabled !== false });
}

/** Save, and Delete for a routine that exists. */
function routineActions(record, onDelete) {
  const actions = h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Save' }));
  if (record) actions.append(h('button', { type: 'button', class: 'danger', text: 'Delete', on: { click: onDelete } }));
  return actions;
}

/** The form's submit: the first problem is shown at its field; saved, the dialog closes. */
function saveRoutine(ctx, record, { read, field, error, close }) {
  const guard = saveGuard(error);
  return async (e) => {
    e.preventDefault();
    const result = routineValues(read());
    if (result.error) {
      error.textContent = result.error.message;
      field(result.error.field)?.focus();
      return;
    }
    if (!await guard(() => ctx.write({ id: record?.id, kind: 'routine', values: result.values }))) return;
    close();
    snack('Routine saved');
  };
}

/** The routine form's fields and buttons; `addMedication` and `remove` close it for what comes next. */
function routineForm(ctx, { record, v, meds }, { close, addMedication, remove }) {
  let kindNow = v.kind;
  const field = (name) => form.querySelector(`[data-name="${name}"]`);
  const top = kindFields(v, (kind) => {
    med.el.hidden = kind !== 'medication';
    const [title, follow] = [field('title'), field('follow_up_minutes')];
    const next = switchKind({ title: title.value, follow: follow.value }, kindNow, kind);
    if (next.title !== title.value) title.value = next.title;
    if (next.follow !== follow.value) follow.value = next.follow;
    kindNow = kind;
  });
  const med = medicationField(meds, v, () => addMedication(read()));
  const times = timesEditor(v.times ?? []);
  const days = daysEditor(v.days ?? EVERY_DAY);
  const rest = scheduleFields(v);
  const read = () => ({ ...top.read(), ...med.read(), ...rest.read(), times: times.read(), days: days.read() });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { novalidate: true, on: { submit: saveRoutine(ctx, record, { read, field, error, close }) } },
    top.el, h('p', { class: 'hint', text: 'The name shows on the lock screen only if discreet reminders are off.' }),
    med.el, times.el, days.el, rest.el, error, routineActions(record, remove));
  return form;
}

/** The routine form, new or edit; resolves when it (or the form it hands over to) closes. */
async function openRoutine(ctx, record = null, draft = null) {
  const meds = await medications(ctx.db, (draft ?? valuesOf(record)).medication_id);
  const v = withOnlyMedication(draft ?? (record ? valuesOf(record) : newRoutine()), meds);
  // What runs once the dialog has closed: the medication form, or deleting with Undo.
  let then = null;
  await openDialog(record ? 'Edit routine' : 'New routine', (close) => {
    const handOver = (next) => { then = next; close(); };
    return routineForm(ctx, { record, v, meds }, {
      close,
      addMedication: (current) => handOver(async () => {
        const added = await openForm(ctx, 'medication');
        await openRoutine(ctx, record, { ...current, medication_id: added?.id ?? current.medication_id });
      }),
      remove: () => handOver(() => deleteWithUndo(ctx, record.id)),
    });
  });
  await then?.();
}

function routineItem(ctx, record, medNames, refresh) {
  const v = valuesOf(record);
  const label = v.title;
  const paused = v.enabled === false;
  const medName = medNames.get(v.medication_id);
  return h('li', { class: 'entry', 'data-id': record.id },
    h('span', { class: 'when', text: v.times?.join(', ') }),
    h('span', { class: 'what', text: medName && medName !== label ? `${label} (${medName})` : label }),
    h('span', { class: 'note', text: describeRoutine(v) }),
    h('span', { class: 'entry-actions' },
      h('button', { type: 'button', class: 'small', text: 'Edit', 'aria-label': `Edit: ${label}`,
        on: { click: async () => { await openRoutine(ctx, record); refresh(); } } }),
      h('button', { type: 'button', class: 'small', text: paused ? 'Resume' : 'Pause',
        'aria-label': `${paused ? 'Resume' : 'Pause'} reminders: ${label}`, on: { click: async () => {
          await ctx.write({ id: record.id, values: { enabled: paused } });
          snack(paused ? 'Reminders resumed' : 'Reminders paused');
          refresh();
        } } })));
}

async function turnOn(ctx, signedIn) {
  const r = await push.turnOnReminders(ctx.db, { signedIn });
  if (r.ok) return r.step === 'local' ? 'This device is ready. Turn on sync so the server can send your reminders.' : 'Reminders are on for this device.';
  if (r.step === 'permission') return 'Notifications were not allowed, so reminders cannot show here.';
  if (r.step === 'timeout') return 'The notification service did not answer. Please try again later.';
  return r.status === 0 ? 'You seem to be offline. Try again when you are online.' : 'That did not work. Please try again later.';
}

function statusPanel(ctx) {
  const body = h('div');
  const result = h('p', { role: 'status', class: 'saved', id: 'push-result', tabindex: '-1' });
  async function draw() {
    const { account } = await readAccount(ctx.db);
    const signedIn = Boolean(account && !account.needs_signin);
    const permission = push.permissionState();
    const ios = iosNotInstalled(navigator, matchMedia('(display-mode: standalone)').matches);
    const sub = await push.readSubscription().catch(() => null);
    const { ready, checks } = push.reminderChecks({ permission, ios, subscribed: Boolean(sub), signedIn });
    const act = (text, run, cls, busy) => h('button', { type: 'button', class: cls, text, on: { click: async (e) => {
      const button = e.currentTarget;
      button.disabled = true;
      if (busy) {
        // The browser's push service answers over the network: say that something is happening.
        button.textContent = busy;
        result.textContent = 'Setting up reminders on this device…';
      }
      const message = await run().catch((err) => `This browser could not set up reminders (${err?.message ?? err}).`);
      await draw();
      result.textContent = message;
      result.focus();
    } } });
    const buttons = [];
    if (!sub && permission !== 'denied' && permission !== 'unsupported') {
      buttons.push(act('Turn on reminders', () => turnOn(ctx, signedIn), 'primary', 'Turning on…'));
    }
    if (sub && signedIn) buttons.push(act('Send test reminder', async () => push.testMessage(await push.sendTestReminder()), 'primary'));
    if (sub) buttons.push(act('Turn off reminders here', async () => { await push.turnOffReminders(); return 'Reminders are off on this device.'; }));
    body.replaceChildren(
      h('p', { text: ready ? 'Yes, reminders can reach this device.' : 'Not yet:' }),
      h('ul', { class: 'checks' }, ...checks.map((c) => h('li', { class: c.ok ? 'ok' : 'todo', 'data-check': c.id, text: c.text }))),
      h('p', { hidden: signedIn }, h('a', { href: '#/account', text: 'Turn on sync' })),
      h('div', { class: 'actions' }, ...buttons));
  }
  return { draw, el: h('section', { class: 'card', 'aria-labelledby': 'push-h' },
    h('h2', { id: 'push-h', text: 'Will reminders work here?' }), body, result) };
}

export async function render(root, ctx) {
  const list = h('ul', { class: 'entries', id: 'routines' });
  const panel = statusPanel(ctx);
  let shown = null;
  async function refresh() {
    const [routines, meds] = await Promise.all([listKind(ctx.db, 'routine'), listKind(ctx.db, 'medication')]);
    // Sync refreshes every minute: redraw only on a real change, so keyboard focus stays put.
    const key = JSON.stringify([routines, meds]);
    if (key === shown) return;
    shown = key;
    const names = new Map(meds.map((m) => [m.id, m.fields.name?.v]));
    routines.sort((a, b) => String(a.fields.times?.v).localeCompare(String(b.fields.times?.v)));
    list.replaceChildren(...routines.map((r) => routineItem(ctx, r, names, refresh)));
    if (!routines.length) list.append(h('li', { class: 'empty', text: 'No routines yet.' }));
  }
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: 'Routines and reminders' }),
    h('p', { class: 'hint', text: 'Reminders come at your routines’ times, even when Tend is closed. Missing one is fine.' }),
    panel.el,
    h('section', { class: 'card', 'aria-labelledby': 'routines-h' },
      h('h2', { id: 'routines-h', text: 'Your routines' }), list,
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', text: 'Add a routine',
        on: { click: async () => { await openRoutine(ctx); refresh(); } } }))),
    h('p', {}, h('a', { href: '#/settings', text: 'Quiet hours and discreet reminders are in Settings' })));
  await Promise.all([refresh(), panel.draw()]);
  // Signed in with reminders on: make sure the server still has this device.
  push.refreshSubscription(ctx.db).catch(() => {});
  return { refresh };
}

/** #/log/<form>?occurrence=…&routine=…&medication=…: Today with that form open, prefilled. */
export async function renderLog(root, ctx) {
  const { form, query } = reminderLink(location.hash);
  const handle = (await import('./today.js')).render(root, ctx);
  // Reload and Back must not open the form again.
  history.replaceState(null, '', '#/today');
  openFromReminder(ctx, form, query).then(handle.refresh);
  return handle;
}

async function openFromReminder(ctx, form, q) {
  if (!formSpec(form)) return;
  const occurrence = q.get('occurrence');
  if (form !== 'dose') return void (await openForm(ctx, form));
  const done = await doseFor(ctx.db, occurrence);
  if (done) return void (await openForm(ctx, 'dose', done));
  const medId = q.get('medication');
  const med = valuesOf(medId && (await getRecord(ctx.db, medId)));
  const saved = await openForm(ctx, 'dose', null, med.name ? { medication_id: medId, amount: med.dose, unit: med.unit } : {});
  // The form keeps only its own fields; the occurrence tells the server this reminder is
  // answered, so no follow-up comes.
  if (saved && occurrence) await ctx.write({ id: saved.id, values: { occurrence, routine_id: q.get('routine') ?? undefined } });
}
