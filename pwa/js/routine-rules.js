// Routine rules, no DOM: a routine's defaults, its answers checked and turned into record values
// (data.md), quiet hours, time zone names and the words a routine list shows.

import { RULES } from './rules.js';
import { checkRecord } from './validate.js';

/** The default name of each kind of routine (also what the kind choice offers). */
export const TITLES = { medication: 'Medication', sleep: 'Bedtime', movement: 'A little movement', checkin: 'Check-in' };
export const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
export const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const ROUTINE_LABELS = { title: 'Name', times: 'Times', days: 'Days', tz: 'Time zone', follow_up_minutes: 'Remind again after' };
const fail = (field, message) => ({ error: { field, message } });

export const deviceZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Minutes before a follow-up when the person has not chosen (the server's default, generated). */
export const followDefault = (kind) => RULES.followUpMinutes[kind] ?? 0;

/** The canonical spelling of an IANA zone name, or null when there is no such zone. */
export function zoneName(name) {
  try {
    return name?.trim() && name !== 'localtime' ? new Intl.DateTimeFormat('en', { timeZone: name.trim() }).resolvedOptions().timeZone : null;
  } catch {
    return null;
  }
}

/** The answers a new routine starts from: a medication at 08:00 in this device's zone. */
export function newRoutine() {
  return { kind: 'medication', title: TITLES.medication, times: ['08:00'], tz: deviceZone(), follow_up_minutes: followDefault('medication') };
}

/** A medication routine with no medication chosen takes the only one there is. */
export function withOnlyMedication(v, meds) {
  if (v.kind === 'medication' && !v.medication_id && meds.length === 1) v.medication_id = meds[0].id;
  return v;
}

/**
 * The name and follow-up after the kind changes from `from` to `to`: one the person left empty or
 * at the old kind's default becomes the new kind's default; one they chose stays.
 */
export function switchKind({ title, follow }, from, to) {
  return {
    title: !String(title).trim() || title === TITLES[from] ? TITLES[to] : title,
    follow: follow === '' || Number(follow) === followDefault(from) ? String(followDefault(to)) : follow,
  };
}

/** Routine form answers to record values (data.md), or the first problem in plain words. */
export function routineValues(a) {
  const title = String(a.title ?? '').trim();
  if (!TITLES[a.kind] && a.kind !== 'custom') return fail('kind', 'Please choose what the routine is for.');
  if (!title) return fail('title', 'Please give the routine a name.');
  if (a.kind === 'medication' && !a.medication_id) return fail('medication_id', 'Please choose the medication.');
  const times = [...new Set((a.times ?? []).map((t) => String(t).slice(0, 5)))].sort();
  if (!times.length || !times.every((t) => TIME.test(t))) {
    return fail('times', 'Please add at least one time, like 08:00 or 21:30.');
  }
  const days = EVERY_DAY.filter((d) => a.days?.includes(d));
  if (!days.length) return fail('days', 'Please choose at least one day.');
  const tz = zoneName(a.tz);
  if (!tz) return fail('tz', `“${a.tz ?? ''}” is not a time zone. Try one like Europe/London.`);
  const follow = a.follow_up_minutes ?? followDefault(a.kind);
  const values = { kind: a.kind, title, times, days, tz, enabled: a.enabled !== false,
    medication_id: a.kind === 'medication' ? a.medication_id : null, follow_up_minutes: follow };
  // Every other rule is the server's own (rules.js): a name too long, a follow-up out of range.
  const problem = checkRecord('routine', values, { labels: ROUTINE_LABELS });
  return problem ? fail(problem.field, problem.message) : { values };
}

/** Quiet hours as profile values: both times or neither. */
export function quietValues(start, end) {
  if (!start !== !end) return fail('quiet', 'Please set both a start and an end, or clear both.');
  return { values: { quiet_start: start?.slice(0, 5) || null, quiet_end: end?.slice(0, 5) || null } };
}

/** "Every day", "Weekdays", "Mon, Wed" …, the zone when it is not this device's, and "Paused". */
export function describeRoutine(v, zone = deviceZone()) {
  const days = [...(v.days ?? EVERY_DAY)].sort();
  const parts = [{ 7: 'Every day', 5: days[4] === 5 && 'Weekdays' }[days.length] || days.map((d) => DAYS[d - 1]).join(', ')];
  if (v.tz && v.tz !== zone) parts.push(v.tz);
  if (v.enabled === false) parts.push('Paused');
  return parts.join(' · ');
}
