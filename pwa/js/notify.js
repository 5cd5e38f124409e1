// What a reminder says and does: its text on the lock screen, its link, "Taken" (a dose) and
// "Snooze". Shared by the service worker (push and taps) and the page (a reminder's #/log/… link).
// No DOM and no worker globals: callers pass the database, the origin and the time.

import { SNOOZE_MINUTES, snooze } from './snooze.js';
import { PROFILE_ID, getRecord, listKind, valuesOf, writeRecord } from './store.js';
import { localIso } from './time.js';

/** What a push without a readable v1 payload shows: a push must always show something. */
const PLAIN = { title: 'Tend', body: 'You have a reminder.', url: '/#/today', actions: [] };

/** The payload of a push message (its `json()`), or null when it has none or it is not JSON. */
export function readPayload(data) {
  try {
    return data?.json() ?? null;
  } catch {
    return null;
  }
}

/** "<routine>@2026-11-27T08:00+01:00" -> "8:00", the wall time the person chose. */
export function wallTimeOf(occurrence) {
  const m = /@\d{4}-\d{2}-\d{2}T(\d{2}):(\d{2})/.exec(occurrence ?? '');
  return m ? `${Number(m[1])}:${m[2]}` : '';
}

/** The lock-screen title and body of a routine reminder, per the discreet setting. */
function reminderText(p, title, body, { discreet, routineTitle, medicationName }) {
  const time = wallTimeOf(p.occurrence);
  let next = null;
  if (discreet) {
    title = 'Tend';
    next = `Time for your ${time ? `${time} ` : ''}routine`;
  } else {
    if (routineTitle) title = routineTitle;
    if (p.kind === 'medication' && medicationName) next = `Time for ${medicationName}${time ? ` (${time})` : ''}`;
  }
  if (next) body = body.startsWith('Still to do') ? `Still to do: ${next[0].toLowerCase()}${next.slice(1)}` : next;
  return { title, body };
}

/**
 * Title and options of the notification for a push payload. Discreet (the default, and what an
 * unknown profile means) never shows a name, whatever the payload says: the server may not have
 * synced a newer setting yet. With discreet off, names known on this device may be added.
 */
export function notificationFor(payload, { discreet = true, routineTitle = null, medicationName = null, maxActions = 0 } = {}) {
  const p = payload && payload.v === 1 ? payload : PLAIN;
  let title = p.title || 'Tend';
  let body = p.body || '';
  if (p.kind && p.kind !== 'test') ({ title, body } = reminderText(p, title, body, { discreet, routineTitle, medicationName }));
  const actions = (p.actions ?? []).slice(0, maxActions).map(({ action, title: label }) => ({ action, title: label }));
  const options = { body, data: p, actions, icon: '/icons/icon-192.png', lang: 'en' };
  // A follow-up replaces its reminder (same tag) and should still make a sound.
  if (p.occurrence) Object.assign(options, { tag: p.occurrence, renotify: true });
  return { title, options };
}

/** What this device knows for a reminder: the discreet setting, and names only when it is off. */
export async function localContext(db, payload) {
  const profile = valuesOf(await getRecord(db, PROFILE_ID));
  const discreet = profile.discreet_notifications !== false;
  if (discreet || !payload?.routine_id) return { discreet };
  const routine = valuesOf(await getRecord(db, payload.routine_id));
  const med = routine.medication_id ? valuesOf(await getRecord(db, routine.medication_id)) : {};
  return { discreet, routineTitle: routine.title ?? null, medicationName: med.name ?? null };
}

/** The query of a reminder link ("/#/log/dose?occurrence=…&medication=…"). */
export function linkQuery(url) {
  const q = String(url ?? '').split('?')[1] ?? '';
  return new URLSearchParams(q.split('#')[0]);
}

/** A same-origin absolute URL for a reminder link; anything else opens Today. */
export function appUrl(url, origin) {
  try {
    const u = new URL(url || '/#/today', origin);
    if (u.origin === origin) return u.href;
  } catch {
    // fall through to Today
  }
  return `${origin}/#/today`;
}

/** The form and query of a reminder's page link ("#/log/dose?occurrence=…"); no form otherwise. */
export function reminderLink(hash) {
  const [, form, query] = /^#\/log\/(\w+)\??(.*)/.exec(hash ?? '') ?? [];
  return { form, query: new URLSearchParams(query) };
}

/**
 * What a tap on a reminder does: 'taken' logs the dose, 'snooze' asks for it again later,
 * 'close' only closes it ("Done" on sleep, movement or custom routines: nothing to record), and
 * 'open' opens the app at its link (the body, and "Done" on a check-in: a mood cannot be guessed).
 */
export function clickAction(action, payload) {
  if (action === 'taken' || action === 'snooze') return action;
  if (action === 'done' && payload?.kind !== 'checkin') return 'close';
  return 'open';
}

/** The dose already logged for a reminder's occurrence, or undefined. */
export async function doseFor(db, occurrence) {
  if (!occurrence) return undefined;
  return (await listKind(db, 'dose')).find((d) => d.fields.occurrence?.v === occurrence);
}

/** The values of a "Taken" dose: the medication's usual amount, at `nowMs`, for this occurrence. */
export function takenDoseValues(payload, medicationId, med, nowMs) {
  const values = { medication_id: medicationId, at: localIso(nowMs), status: 'taken', occurrence: payload.occurrence };
  if (payload.routine_id) values.routine_id = payload.routine_id;
  if (typeof med.dose === 'number') Object.assign(values, { amount: med.dose, unit: med.unit ?? undefined });
  return values;
}

/**
 * "Taken" on a medication reminder: a dose written like any entry (record + outbox in one
 * transaction, by store.js). Answering the same occurrence twice keeps the first dose. Null
 * when this device does not know the medication (the app then opens the dose form instead).
 */
export async function logDoseTaken(db, payload, nowMs = Date.now()) {
  const routine = payload.routine_id ? valuesOf(await getRecord(db, payload.routine_id)) : {};
  const medicationId = routine.medication_id ?? linkQuery(payload.url).get('medication');
  if (!medicationId || !payload.occurrence) return null;
  const done = await doseFor(db, payload.occurrence);
  if (done) return done;
  const med = valuesOf(await getRecord(db, medicationId));
  const values = takenDoseValues(payload, medicationId, med, nowMs);
  return (await writeRecord(db, { kind: 'dose', values, nowMs })).record;
}

/**
 * "Snooze": the server sends the reminder again in 15 minutes. With no network the snooze is
 * kept (snooze.js) and sent when the network is back, for what is left of the 15 minutes.
 * Resolves with the HTTP status, or 'queued' (the caller then asks for Background Sync).
 */
export async function snoozeReminder(db, payload, minutes = SNOOZE_MINUTES) {
  if (!payload.occurrence) return 400;
  return snooze(db, payload.occurrence, { minutes });
}
