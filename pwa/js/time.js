// Local date-times with their UTC offset ("2026-11-27T08:05:00+01:00"), dates, and sort keys.

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** UTC offset in minutes east of Greenwich that this device's zone has at `ms`. */
export function deviceOffsetMinutes(ms) {
  return -new Date(ms).getTimezoneOffset();
}

/** Format the wall-clock time at `ms` in a zone `offsetMin` minutes east of UTC, with that offset. */
export function formatWithOffset(ms, offsetMin) {
  const local = new Date(Math.floor(ms / 1000) * 1000 + offsetMin * 60000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Now (or `ms`) as this device's local time with its offset. */
export function localIso(ms = Date.now()) {
  return formatWithOffset(ms, deviceOffsetMinutes(ms));
}

/** `YYYY-MM-DD` of `ms` in a zone `offsetMin` east of UTC. */
export function dateWithOffset(ms, offsetMin) {
  return formatWithOffset(ms, offsetMin).slice(0, 10);
}

/** This device's local date of `ms`. */
export function localDate(ms = Date.now()) {
  return dateWithOffset(ms, deviceOffsetMinutes(ms));
}

/** The calendar date `days` after `date` (`YYYY-MM-DD`). */
export function addDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * An `<input type="datetime-local">` value ("2026-11-27T08:05") read as this device's local
 * time, returned with the offset the zone has at that moment (DST-correct).
 */
export function fromLocalInput(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return null;
  const d = new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  return localIso(d.getTime());
}

/** The value for `<input type="datetime-local">` showing an offset date-time on this device. */
export function toLocalInput(iso) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  return localIso(ms).slice(0, 16);
}

/** `HH:MM` on this device's clock for an offset date-time, for lists. */
export function localClock(iso) {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '' : localIso(ms).slice(11, 16);
}

/**
 * The moment a record is "about", in ms, used to list entries by day. A record without a
 * time of its own (a medication, the profile) has none and stays out of day lists.
 */
export function sortKeyOf(kind, values) {
  if (kind === 'sleep') {
    const wake = Date.parse(values.wake_at ?? '');
    if (!Number.isNaN(wake)) return wake;
    if (typeof values.night_of === 'string') {
      const [y, mo, d] = addDays(values.night_of, 1).split('-').map(Number);
      return new Date(y, mo - 1, d, 7, 0).getTime();
    }
    return undefined;
  }
  // A question has no time of its own: it belongs to the day it was written down.
  const at = values.at ?? values.on ?? (kind === 'question' ? values._created_at : undefined);
  if (typeof at !== 'string') return undefined;
  const ms = Date.parse(at.length === 10 ? `${at}T12:00:00` : at);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Local midnight at the start of `date` and of the next day, in ms. */
export function dayBounds(date) {
  const [y, m, d] = date.split('-').map(Number);
  return [new Date(y, m - 1, d).getTime(), new Date(y, m - 1, d + 1).getTime()];
}
