// Trends over a period (mood, sleep, PHQ-9, movement, alcohol) in one pass, and the History
// calendar's month grid. Pure. A record's day is the date written in its `at`, not in this
// device's zone: a night out logged while travelling stays on its evening.

import { sleepHours } from './kinds.js';
import { band, total } from './questionnaires.js';

const DAY_MS = 86400000;

export const phq9Band = (total) => band('phq9', total);

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})/;

/** Days since 1970-01-01 of a `YYYY-MM-DD…` string's date, or null. */
export function dayNumber(text) {
  const m = typeof text === 'string' ? DATE_RE.exec(text) : null;
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3]);
  // Date.UTC quietly makes 30 February 2 March.
  const back = new Date(ms);
  return back.getUTCDate() === +m[3] && back.getUTCMonth() === +m[2] - 1 ? ms / DAY_MS : null;
}

export function dateOfDay(n) {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** The Monday of day `n`'s week (1970-01-01 was a Thursday). */
export const weekStartOf = (n) => n - ((n + 3) % 7);

const round1 = (x) => Math.round(x * 10) / 10;
const finite = (x) => typeof x === 'number' && Number.isFinite(x);

function phq9Total(answers) {
  if (!Array.isArray(answers) || answers.length !== 9) return null;
  return answers.every((a) => Number.isInteger(a) && a >= 0 && a <= 3) ? total(answers) : null;
}

function add(map, key, value) {
  const cur = map.get(key) ?? { sum: 0, n: 0 };
  cur.sum += value;
  cur.n += 1;
  map.set(key, cur);
}

function addSleep(map, day, values) {
  const hours = sleepHours(values);
  const nap = finite(values.nap_minutes) && values.nap_minutes > 0 ? values.nap_minutes : 0;
  // A wake before bed is a typing slip, not a negative night.
  const night = hours !== null && hours > 0 ? hours : null;
  if (night === null && nap === 0) return;
  const cur = map.get(day) ?? { hours: null, naps: 0 };
  // A night split by a long waking adds up.
  if (night !== null) cur.hours = (cur.hours ?? 0) + night;
  cur.naps += nap;
  map.set(day, cur);
}

function bucketOne(b, { kind, values: v }, lo, hi) {
  if (kind === 'sleep') {
    const day = dayNumber(v.night_of);
    if (day !== null && day >= lo && day <= hi) addSleep(b.sleep, day, v);
    return;
  }
  const day = dayNumber(v.at);
  if (day === null || day < lo || day > hi) return;
  if (kind === 'checkin' && finite(v.mood)) add(b.mood, day, v.mood);
  else if (kind === 'activity' && finite(v.minutes) && v.minutes > 0) add(b.movement, day, v.minutes);
  else if (kind === 'intake' && v.kind === 'alcohol' && finite(v.amount) && v.amount > 0) add(b.alcohol, day, v.amount);
  else if (kind === 'assessment' && v.instrument === 'phq9') {
    const total = phq9Total(v.answers);
    if (total !== null) b.phq9.push({ day, at: v.at, total });
  }
}

/** Daily mood averages, and each day's mean of the 7 ending on it (null: a gap, not a zero). */
function moodSeries(map, from, to) {
  const daily = [];
  const rolling = [];
  let sum = 0;
  let n = 0;
  for (let d = from - 6; d <= to; d++) {
    const today = map.get(d);
    if (today) {
      sum += today.sum / today.n;
      n += 1;
    }
    const old = map.get(d - 7);
    if (old) {
      sum -= old.sum / old.n;
      n -= 1;
    }
    if (d < from) continue;
    if (today) daily.push({ date: dateOfDay(d), value: round1(today.sum / today.n), count: today.n });
    rolling.push({ date: dateOfDay(d), value: n ? round1(sum / n) : null });
  }
  return { daily, rolling };
}

function perDay(map, from, to, shape) {
  const out = [];
  for (let d = from; d <= to; d++) if (map.has(d)) out.push({ date: dateOfDay(d), ...shape(map.get(d)) });
  return out;
}

/** Each week overlapping the period, its drinks counted from Monday (the 6 days before the period cover it). */
function alcoholWeeks(map, from, to) {
  const weeks = new Map();
  for (let w = weekStartOf(from); w <= to; w += 7) weeks.set(w, 0);
  for (const [d, { sum }] of map) {
    const w = weekStartOf(d);
    if (weeks.has(w)) weeks.set(w, weeks.get(w) + sum);
  }
  return [...weeks].map(([w, drinks]) => ({ week: dateOfDay(w), drinks: round1(drinks) }));
}

/**
 * Trends for `from`..`to` (both included) from `{kind, values}` entries; the 6 days before feed
 * the first 7-day averages. Series list days with data, but `mood.rolling` every day and
 * `alcohol` every week.
 */
export function deriveTrends(entries, { from, to }) {
  const lo = dayNumber(from);
  const hi = dayNumber(to);
  if (lo === null || hi === null || hi < lo) throw new RangeError(`not a period: ${from}..${to}`);
  const b = { mood: new Map(), sleep: new Map(), movement: new Map(), alcohol: new Map(), phq9: [] };
  for (const e of entries) bucketOne(b, e, lo - 6, hi);
  const alcoholLogged = [...b.alcohol.keys()].some((d) => d >= weekStartOf(lo));
  return {
    from,
    to,
    days: hi - lo + 1,
    mood: moodSeries(b.mood, lo, hi),
    sleep: perDay(b.sleep, lo, hi, (s) => ({ hours: s.hours === null ? null : round1(s.hours), naps: s.naps })),
    movement: perDay(b.movement, lo, hi, (m) => ({ minutes: m.sum })),
    alcohol: alcoholLogged ? alcoholWeeks(b.alcohol, lo, hi) : [],
    phq9: b.phq9
      .filter((p) => p.day >= lo)
      .sort((x, y) => (Date.parse(x.at) || 0) - (Date.parse(y.at) || 0))
      .map((p) => ({ date: dateOfDay(p.day), total: p.total, band: phq9Band(p.total) })),
  };
}

export function stats(numbers) {
  const xs = numbers.filter(finite);
  if (!xs.length) return { count: 0, mean: null, min: null, max: null, total: 0 };
  const total = xs.reduce((s, x) => s + x, 0);
  return { count: xs.length, mean: round1(total / xs.length), min: Math.min(...xs), max: Math.max(...xs), total: round1(total) };
}

/** A month's (`YYYY-MM`) weeks, Monday first: rows of 7 `YYYY-MM-DD`, null for other months' days. */
export function monthGrid(month) {
  const first = dayNumber(`${month}-01`);
  if (first === null) throw new RangeError(`not a month: ${month}`);
  const [y, m] = month.split('-').map(Number);
  const last = Date.UTC(y, m, 0) / DAY_MS;
  const weeks = [];
  for (let start = weekStartOf(first); start <= last; start += 7) {
    weeks.push(Array.from({ length: 7 }, (_, i) => {
      const d = start + i;
      return d >= first && d <= last ? dateOfDay(d) : null;
    }));
  }
  return weeks;
}

export function addMonths(month, delta) {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + delta, 1));
  return d.toISOString().slice(0, 7);
}

export function countByDate(dates) {
  const counts = new Map();
  for (const d of dates) counts.set(d, (counts.get(d) ?? 0) + 1);
  return counts;
}

// ---- Words: each chart's text alternative ----

const fmt = (x) => String(round1(x));
const plural = (n, one, many = `${one}s`) => `${fmt(n)} ${n === 1 ? one : many}`;

/** `YYYY-MM-DD` in words, as written whatever this device's zone. */
export const dateText = (date, options) =>
  new Date(`${date}T00:00:00Z`).toLocaleDateString('en-GB', { ...options, timeZone: 'UTC' });

export const shortDate = (date) => dateText(date, { day: 'numeric', month: 'short' });

function moodWords(t) {
  const s = stats(t.mood.daily.map((d) => d.value));
  const last = t.mood.rolling.findLast((r) => r.value !== null);
  const latest = last ? ` The 7-day average on ${shortDate(last.date)} was ${fmt(last.value)}.` : '';
  return `Mood logged on ${s.count} of ${plural(t.days, 'day')}: average ${fmt(s.mean)} out of 10, ` +
    `lowest ${fmt(s.min)}, highest ${fmt(s.max)}.${latest}`;
}

function sleepWords(t) {
  const s = stats(t.sleep.map((n) => n.hours));
  const naps = t.sleep.filter((n) => n.naps > 0);
  const napText = naps.length
    ? ` Naps on ${plural(naps.length, 'day')}, ${plural(naps.reduce((m, n) => m + n.naps, 0), 'minute')} in all.` : '';
  const nights = s.count
    ? `Sleep logged for ${plural(s.count, 'night')}: average ${plural(s.mean, 'hour')}, shortest ${fmt(s.min)}, longest ${fmt(s.max)}.`
    : 'No bed and wake times logged.';
  return nights + napText;
}

function phq9Words(t) {
  const [first] = t.phq9;
  const last = t.phq9.at(-1);
  const one = (p) => `${p.total} (${p.band}) on ${shortDate(p.date)}`;
  if (t.phq9.length === 1) return `One PHQ-9: ${one(first)}.`;
  const s = stats(t.phq9.map((p) => p.total));
  return `${t.phq9.length} PHQ-9s: first ${one(first)}, latest ${one(last)}; lowest ${s.min}, highest ${s.max}.`;
}

function movementWords(t) {
  const s = stats(t.movement.map((d) => d.minutes));
  return `Movement logged on ${s.count} of ${plural(t.days, 'day')}: ${plural(s.total, 'minute')} in all, ` +
    `${fmt(s.mean)} on average on those days, most ${fmt(s.max)} in a day.`;
}

function alcoholWords(t) {
  const s = stats(t.alcohol.map((w) => w.drinks));
  const top = t.alcohol.reduce((a, b) => (b.drinks > a.drinks ? b : a));
  return `${plural(s.total, 'standard drink')} over ${plural(s.count, 'week')}: ${fmt(s.mean)} a week on average, ` +
    `most ${fmt(top.drinks)} in the week of ${shortDate(top.week)}.`;
}

export function hasData(t, name) {
  if (name === 'sleep') return t.sleep.some((n) => n.hours !== null);
  if (name === 'mood') return t.mood.daily.length > 0;
  return t[name].length > 0;
}

/** The sentence under each chart, with its key numbers. */
export function describe(t, name) {
  // Naps alone get their sentence, with no night to draw.
  if (!hasData(t, name) && !(name === 'sleep' && t.sleep.length)) {
    return `${name === 'phq9' ? 'No PHQ-9 done' : `No ${name} logged`} in the last ${plural(t.days, 'day')}.`;
  }
  return { mood: moodWords, sleep: sleepWords, phq9: phq9Words, movement: movementWords, alcohol: alcoholWords }[name](t);
}

/** The table behind each chart. */
export function tableOf(t, name) {
  const rollingOn = new Map(t.mood.rolling.map((r) => [r.date, r.value]));
  switch (name) {
    case 'mood':
      return { head: ['Day', 'Average mood', 'Check-ins', '7-day average'],
        rows: t.mood.daily.map((d) => [shortDate(d.date), fmt(d.value), String(d.count), fmt(rollingOn.get(d.date))]) };
    case 'sleep':
      return { head: ['Night of', 'Hours', 'Naps (minutes)'],
        rows: t.sleep.map((n) => [shortDate(n.date), n.hours === null ? 'not logged' : fmt(n.hours), fmt(n.naps)]) };
    case 'phq9':
      return { head: ['Day', 'Total', 'Band'], rows: t.phq9.map((p) => [shortDate(p.date), String(p.total), p.band]) };
    case 'movement':
      return { head: ['Day', 'Minutes'], rows: t.movement.map((d) => [shortDate(d.date), fmt(d.minutes)]) };
    default:
      return { head: ['Week of', 'Standard drinks'], rows: t.alcohol.map((w) => [shortDate(w.week), fmt(w.drinks)]) };
  }
}
