// The server's insights (GET /api/v1/insights) kept on this device with when they were fetched,
// so the treatment history shows them offline too, dated. Fetched only when signed in and online.

import { api } from './api.js';
import { readAccount } from './session.js';
import { getMeta, setMeta } from './store.js';
import { addDays, localDate, localIso } from './time.js';

const KEY = 'insights';
/** The period asked for: the last 90 days ending today. */
export const PERIOD_DAYS = 90;

/** The last copy `{fetched_at, from, to, body}`, or null. */
export const readCopy = (db) => getMeta(db, KEY).then((copy) => copy ?? null, () => null);

/** Whether this device can ask the server now (signed in, not waiting for a new sign-in). */
export async function canFetch(db) {
  const { account } = await readAccount(db);
  return Boolean(account && !account.needs_signin);
}

/** Fetch and keep a new copy; resolves with it, or null when there is none to be had now. */
export async function refreshCopy(db, { today = localDate(), fetchImpl } = {}) {
  if (globalThis.navigator?.onLine === false || !await canFetch(db)) return null;
  const from = addDays(today, 1 - PERIOD_DAYS);
  const res = await api(`/insights?from=${from}&to=${today}`, { fetchImpl });
  if (res.status !== 200 || !Array.isArray(res.body?.trials)) return null;
  const copy = { fetched_at: localIso(), from, to: today, body: res.body };
  await setMeta(db, KEY, copy);
  return copy;
}
