// Medications (#/meds): the treatment history. What the person takes now and what they took
// before, each with its dose steps, start and stop dates and the reason it stopped. Add, edit,
// stop, restart, record a dose change, delete with undo. Pickers elsewhere (log.js
// `medications()`) offer only the current ones.

import { renderFields } from '../forms.js';
import { formSpec } from '../kinds.js';
import { RULES } from '../rules.js';
import { listKind, valuesOf } from '../store.js';
import { localDate } from '../time.js';
import { h, openDialog, saveGuard, snack } from '../ui.js';
import { checkRecord } from '../validate.js';
import { deleteWithUndo } from './log.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** data.md's stop_reason choices in plain words. */
export const STOP_REASONS = [
  ['side_effects', 'Side effects'],
  ['no_effect', 'It did not help'],
  ['partial_effect', 'It helped only partly'],
  ['cost', 'Cost'],
  ['other', 'Another reason'],
];

/** "3 Nov 2026" for 2026-11-03: the same words on every device, whatever its language. */
export function dayText(date) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? '');
  return m && MONTHS[Number(m[2]) - 1] ? `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}` : String(date ?? '');
}

/** "100 mg", "0.5 mg", "100"; empty without a dose. */
export function doseText(dose, unit) {
  return typeof dose === 'number' ? `${dose}${unit ? ` ${unit}` : ''}` : '';
}

const stopped = (v) => {
  const reason = STOP_REASONS.find(([k]) => k === v.stop_reason)?.[1].toLowerCase();
  return `stopped ${dayText(v.stopped_on)}${reason ? `: ${reason}` : ''}`;
};

/** "Stopped 3 Nov 2026: side effects" (or without a reason); null while it is still taken. */
export function stopText(v) {
  return v.stopped_on ? `S${stopped(v).slice(1)}` : null;
}

const step = (on, dose, unit) => (unit ? { on, dose, unit } : { on, dose });

/**
 * The values that record a dose change `{on, dose, unit}` on a medication with values `current`:
 * the step is appended to dose_changes (kept in date order, so a change recorded late lands in its
 * place) and the current dose and unit become the latest step's. A change without a unit keeps
 * the medication's unit. The first change also keeps the starting dose as a step on started_on
 * when both are known: otherwise the dose it replaces would be gone from the treatment history.
 */
export function withDoseChange(current, change) {
  const steps = Array.isArray(current.dose_changes) ? [...current.dose_changes] : [];
  if (!steps.length && typeof current.dose === 'number' && current.started_on && current.started_on < change.on) {
    steps.push(step(current.started_on, current.dose, current.unit));
  }
  steps.push(step(change.on, change.dose, change.unit || current.unit));
  steps.sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0)); // stable: same day, newest last
  const last = steps[steps.length - 1];
  return { dose: last.dose, unit: last.unit ?? current.unit ?? null, dose_changes: steps };
}

/**
 * The values that restart a stopped medication on `on`. Taking it again is a new trial, so it
 * clears stopped_on and stop_reason and started_on becomes the restart day: the weeks on a dose
 * and the next stop then belong to the new trial, never counting the months it was not taken.
 * One record per medication keeps this simple (pickers, reminders and doses keep pointing at it);
 * the earlier trial's dates and reason are not dropped but added as a line to the notes, and a
 * known dose becomes a step on the restart day when there are dose steps already.
 */
export function restartValues(current, on) {
  const before = [current.started_on && `started ${dayText(current.started_on)}`, current.stopped_on && stopped(current)];
  const line = `Taken before: ${before.filter(Boolean).join(', ')}.`;
  const values = { stopped_on: null, stop_reason: null, started_on: on, notes: current.notes ? `${current.notes}\n${line}` : line };
  if (typeof current.dose === 'number' && current.dose_changes?.length) {
    values.dose_changes = [...current.dose_changes, step(on, current.dose, current.unit)];
  }
  return values;
}

/** How long from one date to another: "5 days", "2 weeks", "19 weeks" (whole weeks, rounded down); '' for none. */
export function spanText(from, to) {
  const days = Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400000);
  if (!(days > 0)) return '';
  const [n, unit] = days < 14 ? [days, 'day'] : [Math.floor(days / 7), 'week'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** A problem with the order of two dates the person gave, or null. */
export function dateOrder(values, today = localDate()) {
  if (values.stopped_on && values.stopped_on > today) {
    return { field: 'stopped_on', message: 'The day you stopped cannot be after today.' };
  }
  if (values.stopped_on && values.started_on && values.stopped_on < values.started_on) {
    return { field: 'stopped_on', message: `The day you stopped is before the day you started (${dayText(values.started_on)}).` };
  }
  return null;
}

const STOP_FIELDS = [
  { name: 'stopped_on', label: 'Stopped on', type: 'date', required: true },
  { name: 'stop_reason', label: 'Why did you stop? (optional)', type: 'radio', options: STOP_REASONS },
];
const labelsOf = (fields) => Object.fromEntries(fields.map((f) => [f.name, f.label]));
const byName = (a, b) => String(a.name).localeCompare(String(b.name));

/**
 * A dialog with `fields`; on Save `toValues(answers)` gives record values or a problem
 * (`{problem}`), which are checked with the server's rules (validate.js) and written with
 * `save(values)`. Says "Saved" only once the write is durable.
 */
function formDialog(title, fields, answers, { intro, toValues, save, remove, labels = labelsOf(fields), isNew = false }) {
  let then = null;
  return openDialog(title, (close) => {
    const form = renderFields(fields, answers);
    const error = h('p', { class: 'error', role: 'alert' });
    const guard = saveGuard(error);
    const onSubmit = async (e) => {
      e.preventDefault();
      let problem = form.check();
      const out = problem ? null : toValues(form.read());
      problem ??= out.problem ?? checkRecord('medication', out.values, { labels, isNew });
      if (problem) {
        error.textContent = problem.message;
        form.el.querySelector(`[data-name="${problem.field}"]`)?.focus();
        return;
      }
      if (!await guard(() => save(out.values))) return;
      close();
      snack('Saved');
    };
    return h('form', { novalidate: true, on: { submit: onSubmit } }, intro, form.el, error,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Save' }),
        remove && h('button', { type: 'button', class: 'danger', text: 'Delete', on: { click: () => { then = remove; close(); } } })));
  }).then(() => then?.());
}

const write = (ctx, id, values) => ctx.write({ id, kind: 'medication', values });

/** Add (no record) or edit a medication; a stopped one also shows its stop date and reason. */
function editMed(ctx, all, record = null) {
  const v = record ? valuesOf(record) : {};
  // "Added to" offers the other current medications (all others for a stopped one, which was
  // taken with what was current then), and keeps the one already chosen even if it has stopped
  // since: a choice missing from the list would be cleared on save.
  const others = all.filter((m) => m.id !== record?.id && (!m.stopped_on || v.stopped_on || m.id === v.augments))
    .map((m) => ({ id: m.id, name: m.stopped_on ? `${m.name} (stopped)` : m.name }));
  const spec = formSpec('medication', others);
  const fields = v.stopped_on ? [...spec.fields, ...STOP_FIELDS] : spec.fields;
  return formDialog(record ? `Edit: ${v.name}` : spec.title, fields, v, {
    isNew: !record,
    intro: record && !v.stopped_on ? h('p', { class: 'hint', text: 'A new dose from a certain day? Use “Change dose”, so the earlier dose stays in your history.' }) : null,
    toValues: (a) => ({ values: a, problem: v.stopped_on ? dateOrder(a) : null }),
    save: (values) => write(ctx, record?.id, values),
    remove: record && (() => deleteWithUndo(ctx, record.id)),
  });
}

/** Stop: the day (today unless changed) and why; its reminders can be paused at once. */
async function stopMed(ctx, record) {
  const v = valuesOf(record);
  const routines = (await listKind(ctx.db, 'routine'))
    .filter((r) => r.fields.medication_id?.v === record.id && r.fields.enabled?.v !== false);
  const fields = [...STOP_FIELDS];
  if (routines.length) fields.push({ name: 'pause', label: 'Pause its reminders too', type: 'check' });
  let pause = false;
  await formDialog(`Stop: ${v.name}`, fields, { stopped_on: localDate(), pause: true }, {
    intro: h('p', { class: 'hint', text: 'It moves to “Stopped” and stays in your history. You can restart it later.' }),
    toValues: (a) => {
      pause = a.pause === true;
      return { values: { stopped_on: a.stopped_on, stop_reason: a.stop_reason }, problem: dateOrder({ ...a, started_on: v.started_on }) };
    },
    save: async (values) => {
      await write(ctx, record.id, values);
      if (!pause) return;
      for (const r of routines) {
        if (!checkRecord('routine', { enabled: false })) await ctx.write({ id: r.id, kind: 'routine', values: { enabled: false } });
      }
    },
  });
}

/** Restart a stopped medication from a day (today unless changed): see restartValues. */
async function restartMed(ctx, record) {
  const v = valuesOf(record);
  const paused = (await listKind(ctx.db, 'routine'))
    .some((r) => r.fields.medication_id?.v === record.id && r.fields.enabled?.v === false);
  const fields = [{ name: 'started_on', label: 'Taking it again since', type: 'date', required: true }];
  return formDialog(`Restart: ${v.name}`, fields, { started_on: localDate() }, {
    labels: { ...labelsOf(fields), notes: 'Notes' },
    intro: h('p', { class: 'hint', text: `It moves back to “Taking now”. Its earlier start and stop are kept in its notes.${
      paused ? ' Its reminders stay paused: you can resume them in Routines.' : ''}` }),
    toValues: (a) => ({
      values: restartValues(v, a.started_on),
      problem: a.started_on < v.stopped_on
        ? { field: 'started_on', message: `Please choose a day on or after the day you stopped (${dayText(v.stopped_on)}).` } : null,
    }),
    save: (values) => write(ctx, record.id, values),
  });
}

/** A new dose from a day: appended to the dose steps, and the dose shown from then on. */
export function changeDose(ctx, record) {
  const v = valuesOf(record);
  const rule = RULES.kinds.medication.fields.dose;
  const fields = [
    { name: 'on', label: 'From which day?', type: 'date', required: true },
    { name: 'dose', label: 'New dose', type: 'number', required: true, min: rule.min, max: rule.max, step: 'any' },
    { name: 'unit', label: 'Unit (optional)', type: 'text' },
  ];
  const now = doseText(v.dose, v.unit);
  return formDialog(`Change dose: ${v.name}`, fields, { on: localDate(), unit: v.unit }, {
    labels: { ...labelsOf(fields), dose_changes: 'Dose steps' },
    intro: now ? h('p', { class: 'hint', text: `Now: ${now}.` }) : null,
    toValues: (a) => ({
      values: withDoseChange(v, a),
      problem: v.started_on && a.on < v.started_on
        ? { field: 'on', message: `The change is before the day you started (${dayText(v.started_on)}).` } : null,
    }),
    save: (values) => write(ctx, record.id, values),
  });
}

function medItem(m, names, roles, act, today = localDate()) {
  const line = (text, cls = 'note') => (text ? h('p', { class: cls, text }) : null);
  const facts = [doseText(m.dose, m.unit), roles.get(m.role), m.as_needed === true && 'As needed'];
  const steps = Array.isArray(m.dose_changes) && m.dose_changes.length
    ? `Dose steps: ${m.dose_changes.map((s) => `${doseText(s.dose, s.unit)} from ${dayText(s.on)}`).join(', ')}` : '';
  const span = m.started_on ? spanText(m.started_on, m.stopped_on ?? today) : '';
  const button = (key, text) => h('button', { type: 'button', class: 'small', 'data-act': key, text,
    'aria-label': `${text}: ${m.name}`, on: { click: () => act(key, m) } });
  return h('li', { class: 'entry med', 'data-id': m.id },
    h('h3', { tabindex: '-1', text: m.name }),
    line(facts.filter(Boolean).join(' · '), 'facts'),
    line(names.has(m.augments) ? `Added to ${names.get(m.augments)}` : ''),
    line(m.schedule_note),
    line(m.started_on && `Started ${dayText(m.started_on)}${span ? ` (${span}${m.stopped_on ? '' : ' so far'})` : ''}`),
    line(stopText(m)),
    line(steps),
    h('span', { class: 'entry-actions' },
      button('edit', 'Edit'),
      m.stopped_on ? button('restart', 'Restart') : [button('dose', 'Change dose'), button('stop', 'Stop')]));
}

export async function render(root, ctx) {
  const current = h('ul', { class: 'entries', id: 'meds-current' });
  const past = h('ul', { class: 'entries', id: 'meds-past' });
  const heading = h('h1', { tabindex: '-1', text: 'Medications' });
  const roles = new Map(formSpec('medication').fields.find((f) => f.name === 'role').options);
  let all = [];
  let shown = null;

  const ACTIONS = {
    edit: (m) => editMed(ctx, all, m.record),
    dose: (m) => changeDose(ctx, m.record),
    stop: (m) => stopMed(ctx, m.record),
    restart: (m) => restartMed(ctx, m.record),
  };
  // After an action focus stays with the medication (a stopped one is now under "Stopped"),
  // unless the screen moved on or the person is somewhere else on it.
  const act = async (key, m) => {
    await ACTIONS[key](m);
    await refresh();
    const active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    const li = root.querySelector(`li[data-id="${m.id}"]`);
    (li?.querySelector(`[data-act="${key}"]`) ?? li?.querySelector('h3') ?? heading).focus();
  };

  async function refresh() {
    const records = await listKind(ctx.db, 'medication');
    // Sync refreshes every minute: redraw only on a real change, so keyboard focus stays put.
    const key = JSON.stringify(records);
    if (key === shown) return;
    shown = key;
    all = records.map((r) => ({ ...valuesOf(r), id: r.id, record: r }));
    const names = new Map(all.map((m) => [m.id, m.name]));
    const now = all.filter((m) => !m.stopped_on).sort(byName);
    const before = all.filter((m) => m.stopped_on)
      .sort((a, b) => String(b.stopped_on).localeCompare(String(a.stopped_on)) || byName(a, b));
    const items = (list, empty) => (list.length ? list.map((m) => medItem(m, names, roles, act)) : [h('li', { class: 'empty', text: empty })]);
    current.replaceChildren(...items(now, 'No medications yet.'));
    past.replaceChildren(...items(before, 'None stopped.'));
  }

  root.replaceChildren(
    heading,
    h('p', { class: 'hint', text: 'What you take now and what you took before. A medication you stop stays here, with when and why.' }),
    h('p', { class: 'more-logs' }, h('a', { href: '#/treatments', text: 'Treatment history' })),
    h('section', { class: 'card', 'aria-labelledby': 'meds-now-h' },
      h('h2', { id: 'meds-now-h', text: 'Taking now' }), current,
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', text: 'Add a medication',
        on: { click: async () => { await editMed(ctx, all); await refresh(); } } }))),
    h('section', { class: 'card', 'aria-labelledby': 'meds-past-h' },
      h('h2', { id: 'meds-past-h', text: 'Stopped' }), past));
  await refresh();
  return { refresh };
}
