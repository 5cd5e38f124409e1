// What each quick log asks for, how form answers become record values, and list summaries.
// Plain data and pure functions (no DOM), so node tests cover them.

import { RULES } from './rules.js';
import { addDays, fromLocalInput, localClock, localDate, localIso, toLocalInput } from './time.js';

export const TAGS = ['Work', 'Family', 'Alone', 'Conflict', 'Poor sleep', 'Pain', 'Period', 'Money', 'News', 'Weather'];
export const EFFECT_NAMES = ['nausea', 'insomnia', 'sexual dysfunction', 'weight gain', 'emotional blunting', 'withdrawal', 'headache', 'dizziness', 'dry mouth', 'tiredness'];
const ACTIVITY = [['walk', 'Walk'], ['run', 'Run'], ['cycle', 'Cycle'], ['gym', 'Gym'], ['yoga', 'Yoga'], ['housework', 'Housework'], ['other', 'Other']];
const INTENSITY = [['light', 'Light'], ['moderate', 'Moderate'], ['vigorous', 'Vigorous']];
const ROLES = [['antidepressant', 'Antidepressant'], ['augmentation', 'Augmentation'], ['antipsychotic', 'Antipsychotic'], ['mood_stabilizer', 'Mood stabiliser'], ['thyroid', 'Thyroid'], ['sleep', 'Sleep'], ['other', 'Other']];
const SEVERITY = [[0, '0 none'], [1, '1 mild'], [2, '2 moderate'], [3, '3 severe']];
const QUALITY = [[1, '1 very poor'], [2, '2 poor'], [3, '3 okay'], [4, '4 good'], [5, '5 very good']];
export const SESSIONS = [['esketamine', 'Esketamine'], ['ketamine', 'Ketamine'], ['ect', 'ECT'], ['rtms', 'rTMS'],
  ['tms_theta', 'Theta-burst TMS'], ['vns', 'VNS'], ['dbs', 'DBS'], ['therapy', 'Therapy'], ['other', 'Other']];
export const LABS = [['tsh', 'Thyroid (TSH)'], ['vitamin_d', 'Vitamin D'], ['lithium_level', 'Lithium level'], ['other', 'Other']];
export const MEASURES = [['weight', 'Weight'], ['blood_pressure', 'Blood pressure'], ['heart_rate', 'Heart rate'], ['other', 'Other']];

export const scale = (name, label, ends, extra = {}) => ({ name, label, type: 'scale', min: 0, max: 10, hint: ends, ...extra });
export const at = { name: 'at', label: 'When', type: 'datetime', required: true };
export const note = { name: 'note', label: 'Note (optional)', type: 'textarea' };

export const CHECKIN_DETAILS = [
  scale('anxiety', 'Anxiety', '0 none, 10 extreme'),
  scale('energy', 'Energy', '0 none, 10 lots'),
  scale('elevated', 'Mood too high or racing thoughts', '0 not at all, 10 extremely'),
  scale('irritability', 'Irritability', '0 not at all, 10 extremely'),
  { name: 'tags', label: 'What was going on? (optional)', type: 'chips', options: TAGS,
    itemMaxLength: RULES.kinds.checkin.fields.tags.item.maxLength },
  note,
  { name: 'share_note', label: 'Include this note in links I share with my clinician', type: 'check' },
];

/**
 * Give a form's number inputs the server's limits (rules.js, generated from the server's kinds),
 * so the keyboard and the spinner offer only what will sync. `record` names the record field a
 * form field fills when the names differ (a sleep's bed time fills bed_at).
 */
export function withRules(spec) {
  const rules = RULES.kinds[spec.kind].fields;
  for (const f of spec.fields) {
    const rule = rules[f.record ?? f.name];
    if (f.type !== 'number' || !rule) continue;
    Object.assign(f, { min: rule.min, max: rule.max, step: rule.type === 'int' ? 1 : 'any', whole: rule.type === 'int' });
  }
  return spec;
}

/** The form field names mapped to record field names, and each record field's label. */
export function labelsOf(spec) {
  return Object.fromEntries(spec.fields.map((f) => [f.record ?? f.name, f.label]));
}

/** Form specs per quick log. `meds` are the person's medication records' {id, name}. */
export function formSpec(form, meds = []) {
  const spec = baseSpec(form, meds);
  return spec && withRules(spec);
}

function baseSpec(form, meds) {
  const medOptions = meds.map((m) => [m.id, m.name]);
  switch (form) {
    case 'checkin':
      return { kind: 'checkin', title: 'Check-in', fields: [scale('mood', 'Mood', '0 lowest, 10 best', { required: true }), ...CHECKIN_DETAILS, at] };
    case 'dose':
      return { kind: 'dose', title: 'Dose', fields: [
        { name: 'medication_id', label: 'Medication', type: 'radio', options: medOptions, required: true },
        { name: 'status', label: 'Taken or skipped?', type: 'radio', options: [['taken', 'Taken'], ['skipped', 'Skipped']], required: true },
        { name: 'amount', label: 'Amount (optional)', type: 'number' },
        { name: 'unit', label: 'Unit (optional)', type: 'text' },
        at,
      ] };
    case 'sleep':
      return { kind: 'sleep', title: 'Sleep last night', fields: [
        { name: 'night_of', label: 'Night of', type: 'date', required: true },
        { name: 'bed_time', record: 'bed_at', label: 'Went to bed (optional)', type: 'time' },
        { name: 'wake_time', record: 'wake_at', label: 'Woke up (optional)', type: 'time' },
        { name: 'quality', label: 'How well did you sleep? (optional)', type: 'radio', options: QUALITY },
        { name: 'awakenings', label: 'Times you woke up (optional)', type: 'number' },
        { name: 'nap_minutes', label: 'Naps during the day, in minutes (optional)', type: 'number' },
        note,
      ] };
    case 'activity':
      return { kind: 'activity', title: 'Movement', fields: [
        { name: 'minutes', label: 'Minutes', type: 'number', required: true, quick: [5, 10, 20, 30, 60] },
        { name: 'kind', label: 'What kind? (optional)', type: 'select', options: ACTIVITY },
        { name: 'intensity', label: 'How hard? (optional)', type: 'select', options: INTENSITY },
        at,
      ] };
    case 'alcohol':
      return { kind: 'intake', title: 'Alcohol', fixed: { kind: 'alcohol' }, fields: [
        { name: 'amount', label: 'Standard drinks', type: 'number', required: true, quick: [1, 2, 3, 4] },
        at, note,
      ] };
    case 'meal':
      return { kind: 'intake', title: 'Meal', fixed: { kind: 'meal', amount: 1 }, fields: [at, note] };
    case 'effect':
      return { kind: 'effect', title: 'Side effect', fields: [
        { name: 'name', label: 'What did you notice?', type: 'text', required: true, suggestions: EFFECT_NAMES },
        { name: 'severity', label: 'How bad?', type: 'radio', options: SEVERITY, required: true },
        { name: 'medication_id', label: 'From which medication? (optional)', type: 'select', options: medOptions },
        at, note,
      ] };
    case 'medication':
      return { kind: 'medication', title: 'Add a medication', fields: [
        { name: 'name', label: 'Name', type: 'text', required: true },
        { name: 'dose', label: 'Dose (optional)', type: 'number' },
        { name: 'unit', label: 'Unit (optional)', type: 'text' },
        { name: 'role', label: 'What is it for? (optional)', type: 'select', options: ROLES },
        { name: 'as_needed', label: 'Taken only as needed', type: 'check' },
        { name: 'schedule_note', label: 'When you take it (optional)', type: 'text' },
        { name: 'started_on', label: 'Started on (optional)', type: 'date' },
        ...medOptions.length ? [{ name: 'augments', label: 'Added to which medication? (optional)', type: 'select', options: medOptions }] : [],
        { name: 'notes', label: 'Notes (optional)', type: 'textarea' },
      ] };
    default:
      return null;
  }
}

/** Which form edits a stored record. */
export function formOf(record) {
  if (record.kind === 'intake') {
    return { meal: 'meal', caffeine: 'caffeine', other: 'substance' }[record.fields.kind?.v] ?? 'alcohol';
  }
  return record.kind;
}

export const LONG_NIGHT_HOURS = 16;

/**
 * Bed and wake clock times on a night, as offset date-times. A bedtime later on the clock than
 * the wake time crossed midnight (bed the evening before); otherwise both are on one day: the
 * night's own date for an afternoon bedtime (a day sleeper), the next morning for one after
 * midnight. Wake is never before bed, so a night is always shorter than a day.
 */
export function sleepTimes(nightOf, bedTime, wakeTime) {
  const next = addDays(nightOf, 1);
  const out = {};
  let bedDay = Number(bedTime?.slice(0, 2)) >= 12 ? nightOf : next;
  if (bedTime && wakeTime) bedDay = bedTime > wakeTime ? nightOf : bedDay;
  const wakeDay = bedTime && wakeTime && bedTime <= wakeTime ? bedDay : next;
  if (bedTime) out.bed_at = fromLocalInput(`${bedDay}T${bedTime}`);
  if (wakeTime) out.wake_at = fromLocalInput(`${wakeDay}T${wakeTime}`);
  return out;
}

/** Hours between bed and wake, or null when either is missing. */
export function sleepHours(values) {
  const bed = Date.parse(values.bed_at ?? '');
  const wake = Date.parse(values.wake_at ?? '');
  return Number.isNaN(bed) || Number.isNaN(wake) ? null : (wake - bed) / 3600000;
}

/** Form answers (as read from inputs) to record values; `spec` for a form kinds.js lacks. */
export function toValues(form, answers, spec = formSpec(form)) {
  const values = { ...(spec.fixed ?? {}) };
  for (const [k, v] of Object.entries(answers)) {
    if (k === 'bed_time' || k === 'wake_time') continue;
    values[k] = k === 'at' && typeof v === 'string' ? fromLocalInput(v) : v;
  }
  // A measurement's value is a number, except a blood pressure reading ("120/80").
  if (form === 'measurement' && typeof values.value === 'string' && values.type !== 'blood_pressure') {
    const n = Number(values.value);
    if (values.value.trim() !== '' && Number.isFinite(n)) values.value = n;
  }
  if (form === 'sleep' && answers.night_of) {
    Object.assign(values, { bed_at: null, wake_at: null }, sleepTimes(answers.night_of, answers.bed_time, answers.wake_time));
  }
  return values;
}

/** Record values to form answers (the reverse of toValues), with defaults for a new entry. */
export function toAnswers(form, values = {}, nowMs = Date.now(), spec = formSpec(form)) {
  const answers = { ...values };
  if (spec.fields.some((f) => f.name === 'at')) {
    answers.at = toLocalInput(values.at ?? localIso(nowMs));
  }
  if (form === 'sleep') {
    answers.night_of = values.night_of ?? addDays(localDate(nowMs), -1);
    answers.bed_time = values.bed_at ? localClock(values.bed_at) : undefined;
    answers.wake_time = values.wake_at ? localClock(values.wake_at) : undefined;
  }
  if (form === 'dose') answers.status = values.status ?? 'taken';
  if (form === 'lab') answers.on = values.on ?? localDate(nowMs);
  if (form === 'alcohol') answers.amount = values.amount ?? 1;
  return answers;
}

const word = (list, v) => list.find(([k]) => k === v)?.[1] ?? v;

/** One line describing a record in a list; `medName(id)` names medications. */
export function summarize(record, medName = () => null) {
  const v = Object.fromEntries(Object.entries(record.fields).map(([k, f]) => [k, f.v]));
  switch (record.kind) {
    case 'checkin': {
      const parts = [`Mood ${v.mood}`];
      for (const k of ['anxiety', 'energy', 'elevated', 'irritability']) {
        if (typeof v[k] === 'number') parts.push(`${k === 'elevated' ? 'high/racing' : k} ${v[k]}`);
      }
      if (Array.isArray(v.tags) && v.tags.length) parts.push(v.tags.join(', '));
      return parts.join(' · ');
    }
    case 'dose': {
      const name = medName(v.medication_id) ?? 'medication';
      const amount = v.amount !== undefined && v.amount !== null ? ` ${v.amount}${v.unit ? ` ${v.unit}` : ''}` : '';
      return `${v.status === 'skipped' ? 'Dose skipped' : 'Dose taken'}: ${name}${amount}`;
    }
    case 'sleep': {
      const span = v.bed_at && v.wake_at ? `, ${localClock(v.bed_at)}–${localClock(v.wake_at)}` : '';
      const q = v.quality ? `, ${word(QUALITY, v.quality).replace(/^\d /, '')}` : '';
      return `Sleep, night of ${v.night_of}${span}${q}`;
    }
    case 'activity':
      return `Movement: ${v.minutes} min${v.kind ? ` ${word(ACTIVITY, v.kind).toLowerCase()}` : ''}`;
    case 'intake':
      if (v.kind === 'meal') return 'Meal';
      if (v.kind === 'alcohol') return `Alcohol: ${v.amount ?? '?'} standard ${v.amount === 1 ? 'drink' : 'drinks'}`;
      if (v.kind === 'caffeine') return v.amount ? `Caffeine: ${v.amount} ${v.amount === 1 ? 'cup' : 'cups'}` : 'Caffeine';
      return `Other substance: ${v.note ?? ''}`;
    case 'session':
      return `Clinic session: ${word(SESSIONS, v.type)}${typeof v.felt_after === 'number' ? `, felt ${v.felt_after}/10 after` : ''}`;
    case 'lab':
      return `Lab: ${word(LABS, v.test)} ${v.value}${v.unit ? ` ${v.unit}` : ''}`;
    case 'appointment':
      return `Appointment${v.with ? ` with ${v.with}` : ''}${v.place ? `, ${v.place}` : ''}`;
    case 'measurement':
      return `${word(MEASURES, v.type)}: ${v.value}${v.unit ? ` ${v.unit}` : ''}`;
    case 'question':
      return `Question: ${v.text}${v.answered ? ' (answered)' : ''}`;
    case 'effect':
      return `Side effect: ${v.name} (${word(SEVERITY, v.severity).replace(/^\d /, '')})`;
    case 'medication':
      return `Medication: ${v.name}`;
    default:
      return record.kind;
  }
}
