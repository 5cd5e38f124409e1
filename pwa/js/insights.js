// Treatment history and patterns from the records on this device: pure (today is an argument),
// so the screens work offline and signed out. The server's /api/v1/insights adds what needs the
// whole synced journal (adherence, PHQ-9 change); its field names are used here too, so one
// drawing serves both. Facts only: nothing here calls a treatment failed or successful.

import { SESSIONS } from './kinds.js';
import { dateOfDay, dayNumber, deriveTrends } from './trends.js';

const round1 = (x) => Math.round(x * 10) / 10;
const num = (x) => typeof x === 'number' && Number.isFinite(x);
const daysBetween = (a, b) => dayNumber(b) - dayNumber(a);
const isDate = (d) => dayNumber(d) !== null;

/** `{id, kind, values}` of the stored records that are not deleted. */
export function entriesOf(records) {
  return records.filter((r) => !r.deleted && r.fields?._deleted?.v !== true).map((r) => {
    const values = {};
    for (const [name, f] of Object.entries(r.fields ?? {})) values[name] = f.v;
    return { id: r.id, kind: r.kind, values };
  });
}

/** A medication's dose steps `[{from, dose, unit}]` in date order: its dose changes, or its one dose from the start. */
export function doseSteps(med) {
  const changes = (Array.isArray(med.dose_changes) ? med.dose_changes : []).filter((c) => isDate(c?.on) && num(c.dose));
  if (!changes.length) {
    return num(med.dose) && isDate(med.started_on) ? [{ from: med.started_on, dose: med.dose, unit: med.unit ?? null }] : [];
  }
  // Stable: two steps on one day keep their order, the later one wins.
  return [...changes].sort((a, b) => daysBetween(b.on, a.on))
    .map((c) => ({ from: c.on, dose: c.dose, unit: c.unit ?? med.unit ?? null }));
}

/**
 * Unbroken runs of one dose up to `end` (exclusive): `[{dose, from, days}]`. Steps on or after
 * `end` are left out; a step of 0 (a pause) breaks a run like any other dose.
 */
export function doseRuns(steps, end) {
  const runs = [];
  steps.forEach((s, i) => {
    if (daysBetween(s.from, end) < 0) return;
    const next = steps[i + 1]?.from;
    const stop = next && daysBetween(next, end) > 0 ? next : end;
    const days = Math.max(0, daysBetween(s.from, stop));
    const last = runs.at(-1);
    if (last && last.dose === s.dose) last.days += days;
    else runs.push({ dose: s.dose, from: s.from, days });
  });
  return runs;
}

/** Where a trial's weeks end: the stop date, or today while it is taken. */
const endOf = (med, today) => (isDate(med.stopped_on) && med.stopped_on < today ? med.stopped_on : today);

/** This device's facts about one medication (the server adds adherence and PHQ-9). */
export function localTrial(med, today) {
  const steps = doseSteps(med);
  const runs = doseRuns(steps, endOf(med, today));
  // A step on the stop day was never taken; a trial that starts today has only such steps.
  const dosed = runs.filter((r) => r.dose > 0);
  const taken = dosed.some((r) => r.days > 0) ? dosed.filter((r) => r.days > 0) : dosed;
  const max = taken.length ? Math.max(...taken.map((r) => r.dose)) : null;
  const atMax = taken.filter((r) => r.dose === max).map((r) => r.days);
  const steady = taken.length ? Math.max(...taken.map((r) => r.days)) : 0;
  // Taken only as needed: weeks on a dose say nothing.
  const timed = taken.length > 0 && med.as_needed !== true;
  return {
    medication_id: med.id,
    name: med.name,
    role: med.role ?? null,
    started_on: med.started_on ?? steps[0]?.from ?? null,
    stopped_on: med.stopped_on ?? null,
    stop_reason: med.stop_reason ?? null,
    augments: med.augments ?? null,
    as_needed: med.as_needed === true,
    dose_steps: steps,
    max_dose: max,
    weeks_at_max_dose: timed ? round1(Math.max(...atMax) / 7) : null,
    reached_4_weeks: timed ? steady >= 28 : null,
    reached_6_weeks: timed ? steady >= 42 : null,
  };
}

/** Every medication, newest start first. */
export function localTrials(entries, today) {
  return entries.filter((e) => e.kind === 'medication')
    .map((e) => localTrial({ ...e.values, id: e.id }, today))
    .sort((a, b) => String(b.started_on ?? '').localeCompare(String(a.started_on ?? '')) || String(a.name).localeCompare(String(b.name)));
}

/** One source per trial: the server's copy of it when there is one, else this device's. */
export function pickTrials(local, copy) {
  const server = new Map((copy?.body?.trials ?? []).map((t) => [t.medication_id, t]));
  return local.map((t) => (server.has(t.medication_id)
    ? { ...server.get(t.medication_id), name: t.name, as_needed: t.as_needed, server: true } : t));
}

/** Clinic sessions by type: `{type: {count, dates, readings}}`, dates oldest first. */
export function sessionsOf(entries) {
  const out = {};
  const list = entries.filter((e) => e.kind === 'session' && isDate(String(e.values.at ?? '').slice(0, 10)) && e.values.type)
    .sort((a, b) => String(a.values.at).localeCompare(String(b.values.at)));
  for (const { values: v } of list) {
    const date = v.at.slice(0, 10);
    const s = (out[v.type] ??= { count: 0, dates: [], readings: [] });
    s.count += 1;
    s.dates.push(date);
    s.readings.push({ date, bp_before: v.bp_before ?? null, bp_after: v.bp_after ?? null,
      dissociation: num(v.dissociation) ? v.dissociation : null, felt_after: num(v.felt_after) ? v.felt_after : null });
  }
  return out;
}

// ---- Patterns: mood beside sleep, movement and alcohol --------------------------------------

/** Groups need this many days each before two are compared. */
export const MIN_DAYS = 3;

// [key, label in a sentence, what a count of days is about]
const SLEEP_GROUPS = [
  ['under6', 'under 6 hours', 'after nights under 6 hours', (h) => h < 6],
  ['6to8', '6 to 8 hours', 'after nights of 6 to 8 hours', (h) => h <= 8],
  ['over8', 'over 8 hours', 'after nights over 8 hours', () => true],
];

function average(groups) {
  return groups.map(([key, label, about, moods]) => ({
    key, label, about, days: moods.length, mood: moods.length ? round1(moods.reduce((s, m) => s + m, 0) / moods.length) : null,
  }));
}

/** Average mood the day after nights under 6 h, 6 to 8 h and over 8 h (each day counts once). */
export function moodBySleep(t) {
  const mood = new Map(t.mood.daily.map((d) => [d.date, d.value]));
  const moods = SLEEP_GROUPS.map(() => []);
  for (const night of t.sleep) {
    const after = mood.get(dateOfDay(dayNumber(night.date) + 1));
    if (night.hours === null || after === undefined) continue;
    moods[SLEEP_GROUPS.findIndex((g) => g[3](night.hours))].push(after);
  }
  return average(SLEEP_GROUPS.map(([key, label, about], i) => [key, label, about, moods[i]]));
}

/** Average mood on days with and without something (`days`: a Set of dates). */
function moodSplit(t, days, [yesGroup, noGroup]) {
  const yes = [];
  const no = [];
  for (const d of t.mood.daily) (days.has(d.date) ? yes : no).push(d.value);
  return average([['with', ...yesGroup, yes], ['without', ...noGroup, no]]);
}

function alcoholDays(entries, from, to) {
  return new Set(entries.filter((e) => e.kind === 'intake' && e.values.kind === 'alcohol' && num(e.values.amount) && e.values.amount > 0)
    .map((e) => String(e.values.at ?? '').slice(0, 10)).filter((d) => isDate(d) && d >= from && d <= to));
}

/** Side effects per medication and month: `[{medication_id, months: [{month, count, max_severity}]}]`. */
export function sideEffectsByMonth(entries, from, to) {
  const byMed = new Map();
  for (const { values: v } of entries) {
    const date = String(v.at ?? '').slice(0, 10);
    if (!isDate(date) || date < from || date > to || !num(v.severity) || !v.name) continue;
    const months = byMed.get(v.medication_id ?? null) ?? new Map();
    byMed.set(v.medication_id ?? null, months);
    const m = months.get(date.slice(0, 7)) ?? { month: date.slice(0, 7), count: 0, max_severity: 0, names: new Set() };
    months.set(m.month, m);
    m.count += 1;
    m.max_severity = Math.max(m.max_severity, v.severity);
    m.names.add(v.name);
  }
  return [...byMed].map(([id, months]) => ({ medication_id: id,
    months: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)).map((m) => ({ ...m, names: [...m.names].sort() })) }));
}

/** The numbers of the Patterns screen for `from`..`to`. */
export function patterns(entries, { from, to }) {
  const t = deriveTrends(entries, { from, to });
  const moved = new Set(t.movement.map((d) => d.date));
  return {
    from, to, moodDays: t.mood.daily.length,
    sleep: moodBySleep(t),
    movement: moodSplit(t, moved, [['days with some movement', 'with some movement'], ['days with none logged', 'with no movement logged']]),
    alcohol: moodSplit(t, alcoholDays(entries, from, to), [['days with alcohol', 'with alcohol'], ['days without', 'without alcohol logged']]),
    sideEffects: sideEffectsByMonth(entries.filter((e) => e.kind === 'effect'), from, to),
  };
}

// ---- Words ------------------------------------------------------------------------------

export const TOGETHER = 'This shows what went together, not what caused what.';
const days = (n) => `${n} ${n === 1 ? 'day' : 'days'}`;

/**
 * The sentence under a comparison (`lead` before the first group, `next` before the others), or
 * a plain one when there are too few days to compare.
 */
export function patternWords(groups, { lead, next }) {
  const enough = groups.filter((g) => g.days >= MIN_DAYS);
  if (enough.length < 2) {
    const have = groups.filter((g) => g.days).map((g) => `${days(g.days)} ${g.about}`);
    return `Too few days to compare yet${have.length ? `: mood on ${have.join(' and ')}` : ''}. ` +
      `A comparison shows once two groups have ${MIN_DAYS} days or more each.`;
  }
  const parts = enough.map((g, i) => (i ? `${next} ${g.label} ${g.mood.toFixed(1)}` : `${lead} ${g.label} your mood averaged ${g.mood.toFixed(1)}`) +
    ` (${days(g.days)})`);
  const few = groups.filter((g) => g.days > 0 && g.days < MIN_DAYS).map((g) => `Only ${days(g.days)} ${g.about}, too few to include. `);
  return `${parts.join('; ')}. ${few.join('')}${TOGETHER}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "3 Nov", the same words on every device whatever its language (as Medications writes them). */
const shortDay = (date) => `${Number(date.slice(8, 10))} ${MONTHS[Number(date.slice(5, 7)) - 1]}`;

/** "3 Nov 2026". */
export const dayWords = (date) => (isDate(date) ? `${shortDay(date)} ${date.slice(0, 4)}` : '');

// A no-break space keeps a number with its unit.
export const doseWords = (dose, unit) => (num(dose) ? `${dose}${unit ? `\u00a0${unit}` : ''}` : '');

export const sessionName = (type) => SESSIONS.find(([k]) => k === type)?.[1] ?? String(type);

function phq9Fact(t) {
  if (!num(t.phq9_start) && !num(t.phq9_latest)) return 'No PHQ-9 during this trial';
  if (!num(t.phq9_start)) return `Latest PHQ-9 during this trial: ${t.phq9_latest}`;
  if (!num(t.phq9_latest) || !num(t.phq9_change_pct)) return `PHQ-9 at the start: ${t.phq9_start}; none since`;
  const pct = Math.abs(Math.round(t.phq9_change_pct));
  const change = pct === 0 ? 'no change' : `${pct}\u00a0% ${t.phq9_change_pct < 0 ? 'lower' : 'higher'}`;
  return `PHQ-9: ${t.phq9_start} at the start, ${t.phq9_latest} latest (${change})`;
}

function steadyFact(t) {
  if (t.reached_6_weeks === true) return '6 weeks or more at a steady dose';
  if (t.reached_4_weeks === true) return '4 to 6 weeks at a steady dose';
  return t.reached_4_weeks === false ? 'Under 4 weeks at a steady dose' : null;
}

/** A trial's facts as short lines; the server's copy adds adherence, PHQ-9 and the minimum dose. */
export function trialFacts(t) {
  // Weeks on a dose and adherence say little about something taken only when needed.
  if (t.as_needed) return ['Taken as needed'];
  const unit = t.dose_steps?.find((s) => s.dose === t.max_dose)?.unit;
  const facts = [num(t.weeks_at_max_dose) && `${t.weeks_at_max_dose.toFixed(1)} weeks at the highest dose (${doseWords(t.max_dose, unit)})`,
    steadyFact(t)];
  if (t.server) {
    facts.push(num(t.adherence_pct) && `Adherence: ${Math.round(t.adherence_pct)}\u00a0%`,
      phq9Fact(t),
      t.response === true && 'PHQ-9 down by half or more (a “response” in clinical terms)',
      t.remission === true && 'Latest PHQ-9 under 5 (“remission” in clinical terms)',
      t.below_min_dose === true && 'Below the usual minimum dose');
  }
  return facts.filter(Boolean);
}

/** "As of 5 Dec, 14:02" for a copy fetched at `localIso` time `at` (local wall time, as written). */
export function asOfWords(at) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(at ?? '');
  return m ? `As of ${shortDay(m[1])}, ${m[2]}` : '';
}

/** "3 sessions: 2 Nov, 5 Nov and 9 Nov". */
export function sessionWords(s) {
  const dates = s.dates.map(shortDay);
  const list = dates.length > 1 ? `${dates.slice(0, -1).join(', ')} and ${dates.at(-1)}` : dates[0] ?? '';
  return `${s.count} ${s.count === 1 ? 'session' : 'sessions'}${list ? `: ${list}` : ''}`;
}

/** One session's readings in words, or '' when none were noted. */
export function readingWords(r) {
  const bp = r.bp_before || r.bp_after ? `blood pressure ${r.bp_before ?? '?'} before, ${r.bp_after ?? '?'} after` : '';
  const parts = [bp, num(r.dissociation) && `dissociation ${r.dissociation}/10`, num(r.felt_after) && `felt ${r.felt_after}/10 after`];
  const text = parts.filter(Boolean).join(', ');
  return text ? `${shortDay(r.date)}: ${text}` : '';
}
