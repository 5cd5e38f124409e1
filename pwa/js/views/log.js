// The quick-log dialogs: a form per kind, saved in one durable write, editable later.

import { renderFields } from '../forms.js';
import { LONG_NIGHT_HOURS, formSpec, labelsOf, sleepHours, toAnswers, toValues } from '../kinds.js';
import { deleteRecord, listKind, undeleteRecord, valuesOf } from '../store.js';
import { localDate } from '../time.js';
import { choose, h, openDialog, saveGuard, snack } from '../ui.js';
import { checkRecord } from '../validate.js';

/** The person's current medications as {id, name, dose, unit}, by name; and `keep` if stopped. */
export async function medications(db, keep = null) {
  const meds = await listKind(db, 'medication');
  return meds
    .map((m) => ({ id: m.id, ...valuesOf(m) }))
    .filter((m) => !m.stopped_on || m.id === keep)
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

/** Delete with an Undo in the snackbar; the values stay so undo restores them exactly. */
export async function deleteWithUndo(ctx, id) {
  await deleteRecord(ctx.db, id);
  ctx.afterWrite();
  snack('Entry deleted', {
    label: 'Undo',
    run: async () => {
      await undeleteRecord(ctx.db, id);
      ctx.afterWrite();
      snack('Entry restored');
    },
  });
}

/** The problem with a form's answers as the server would see them, or null. */
function problemOf(spec, values, isNew) {
  const problem = checkRecord(spec.kind, values, { labels: labelsOf(spec), isNew });
  if (!problem) return null;
  // Report it on the form field that fills the record field (bed time fills bed_at).
  const field = spec.fields.find((f) => (f.record ?? f.name) === problem.field)?.name ?? problem.field;
  return { field, message: problem.message };
}

/** A night this long is more likely a wrong time than a real night: ask before saving it. */
async function confirmLongNight(values) {
  const hours = sleepHours(values);
  if (hours === null || hours <= LONG_NIGHT_HOURS) return true;
  const shown = Math.round(hours * 10) / 10;
  return Boolean(await choose('A long night?', `From bedtime to waking up is ${shown} hours. Is that right?`,
    [{ label: 'Yes, save it', value: true, primary: true }, { label: 'Change the times', value: null }]));
}

/** After a save: an entry whose day is not today says where it went, with a way to get there. */
function savedMessage(record) {
  const day = record && typeof record.t === 'number' ? localDate(record.t) : null;
  if (!day || day === localDate()) {
    snack('Saved');
    return;
  }
  snack(`Saved on ${day}`, { label: 'Show', run: () => { location.hash = `#/day/${day}`; } });
}

// A new dose: with no medication yet, one is added first (null if not); the only one is chosen.
async function presetDose(ctx, meds, preset) {
  if (meds.length === 0) {
    const med = await openForm(ctx, 'medication', null);
    if (!med) return null;
    meds = await medications(ctx.db);
    preset = { ...preset, medication_id: med.id, amount: med.fields.dose?.v, unit: med.fields.unit?.v };
  }
  if (meds.length === 1 && !preset.medication_id) {
    const [med] = meds;
    preset = { ...preset, medication_id: med.id, amount: med.dose, unit: med.unit };
  }
  return { meds, preset };
}

function submitEntry({ ctx, form, record, spec, fields }, { error, close, setSaved }) {
  const guard = saveGuard(error);
  return async (e) => {
    e.preventDefault();
    const values = toValues(form, fields.read(), spec);
    const problem = fields.check() ?? problemOf(spec, values, !record);
    if (problem) {
      error.textContent = problem.message;
      fields.el.querySelector(`[data-name="${problem.field}"]`)?.focus();
      return;
    }
    if (form === 'sleep' && !await confirmLongNight(values)) return;
    let saved = null;
    const ok = await guard(async () => {
      ({ record: saved } = await ctx.write({ id: record?.id, kind: spec.kind, values }));
    });
    if (!ok) return;
    setSaved(saved);
    close();
    savedMessage(saved ?? record);
  };
}

function entryActions({ ctx, form, record }, { close, setSaved }) {
  const actions = h('div', { class: 'actions' },
    h('button', { type: 'submit', class: 'primary', text: 'Save' }));
  if (form === 'dose') {
    actions.append(h('button', {
      type: 'button', text: 'Add a medication', on: { click: async () => {
        close();
        const med = await openForm(ctx, 'medication');
        if (med) setSaved(await openForm(ctx, 'dose', null, { medication_id: med.id }));
      } },
    }));
  }
  if (record) {
    actions.append(h('button', {
      type: 'button', class: 'danger', text: 'Delete', on: { click: async () => {
        close();
        await deleteWithUndo(ctx, record.id);
      } },
    }));
  }
  return actions;
}

/**
 * Open the form for `form` ('dose', 'sleep', ...), empty or for editing `record`. Resolves
 * with the saved record or null. A dose with no medication yet first offers to add one.
 * `reason` opens the form with a message already shown (an entry the server refused).
 */
export async function openForm(ctx, form, record = null, preset = {}, { reason = null } = {}) {
  // An entry about a medication stopped since still shows (and keeps) that medication.
  let meds = await medications(ctx.db, record?.fields.medication_id?.v);
  if (form === 'dose' && !record) {
    const chosen = await presetDose(ctx, meds, preset);
    if (!chosen) return null;
    ({ meds, preset } = chosen);
  }
  // The forms behind "More…" live in their own module, loaded the first time one opens.
  const spec = formSpec(form, meds) ?? (await import('../more-forms.js')).anySpec(form, meds);
  const answers = { ...toAnswers(form, record ? valuesOf(record) : {}, Date.now(), spec), ...preset };
  const fields = renderFields(spec.fields, answers, form === 'dose' ? fillDoseFromMed(meds) : null);
  const entry = { ctx, form, record, spec, fields };
  let saved = null;
  await openDialog(record ? `Edit: ${spec.title.toLowerCase()}` : spec.title, (close) => {
    const dialog = { error: h('p', { class: 'error', role: 'alert' }), close, setSaved: (r) => { saved = r; } };
    const why = reason && h('p', { class: 'notice', role: 'alert', text: `The server could not save this entry. ${reason}` });
    return h('form', { novalidate: true, on: { submit: submitEntry(entry, dialog) } },
      why, fields.el, dialog.error, entryActions(entry, dialog));
  });
  return saved;
}

/** Picking a medication in the dose form fills its usual amount and unit when still empty. */
function fillDoseFromMed(meds) {
  return (name, value) => {
    if (name !== 'medication_id') return;
    const med = meds.find((m) => m.id === value);
    const form = document.querySelector('dialog[open] form');
    if (!med || !form) return;
    const amount = form.querySelector('[data-name="amount"]');
    const unit = form.querySelector('[data-name="unit"]');
    if (amount && !amount.value && typeof med.dose === 'number') amount.value = String(med.dose);
    if (unit && !unit.value && med.unit) unit.value = med.unit;
  };
}
