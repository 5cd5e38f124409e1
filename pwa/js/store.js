// The journal on this device: every write saves the record, its outbox change and the HLC in one
// durable transaction. No DOM: the service worker uses this module too.

import { formatHlc, nodeFromDeviceId, send } from './hlc.js';
import { isDeleted, jsonEqual, lwwMerge } from './merge.js';
import { getAll, req, run } from './db.js';
import { localIso, sortKeyOf } from './time.js';
import { uuidv4, uuidv7 } from './uuid.js';
import { checkRecord } from './validate.js';

export const SCHEMA_VERSION = 1;
export const PROFILE_ID = '00000000-0000-0000-0000-000000000001';
export const SAFETY_PLAN_ID = '00000000-0000-0000-0000-000000000002';
const SINGLETONS = new Set([PROFILE_ID, SAFETY_PLAN_ID]);

/** Plain values of a record's fields. */
export function valuesOf(record) {
  const out = {};
  for (const [name, f] of Object.entries(record?.fields ?? {})) out[name] = f.v;
  return out;
}

/**
 * The values in `next` that differ from `current`. `undefined` means "leave as is"; a field
 * the person cleared is sent as null only when it had a value.
 */
export function changedValues(current, next) {
  const out = {};
  for (const [name, v] of Object.entries(next)) {
    if (v === undefined) continue;
    const had = Object.hasOwn(current, name) ? current[name] : undefined;
    const empty = v === null || (Array.isArray(v) && v.length === 0);
    if (empty && (had === undefined || had === null)) continue;
    if (!jsonEqual(had, v)) out[name] = v;
  }
  return out;
}

/** A record as stored on this device, with its derived `deleted` flag and day-list key `t`. */
export function materialize({ id, kind, schema_version, server_seq, fields }) {
  const rec = { id, kind, schema_version, server_seq: server_seq ?? 0, fields };
  rec.deleted = isDeleted(fields);
  const t = sortKeyOf(kind, valuesOf(rec));
  if (t !== undefined) rec.t = t;
  return rec;
}

/** Read this device's id inside a transaction, creating it (and the HLC) on first use. */
export async function deviceIn(meta) {
  let deviceId = await req(meta.get('device_id'));
  if (!deviceId) {
    deviceId = globalThis.crypto.randomUUID ? globalThis.crypto.randomUUID() : uuidv4();
    meta.put(deviceId, 'device_id');
  }
  let hlc = await req(meta.get('hlc'));
  if (!hlc) hlc = { millis: 0, counter: 0, node: nodeFromDeviceId(deviceId) };
  return { deviceId, hlc };
}

/**
 * A new save of a record the server refused a change to fixes that change: its fields the
 * person did not change again go out once more with the values and HLCs this device holds
 * (the server kept nothing of a refused change), and it leaves the dead-letter list. A refused
 * change whose values still break the rules stays listed and is not re-sent, so it cannot
 * drag this save down with it.
 */
async function takeFixes(deadLetter, existing, changed) {
  const resend = {};
  // Almost always empty: count first, so an ordinary save (a mood tap) reads no values.
  if (!existing || (await req(deadLetter.count())) === 0) return resend;
  const refused = (await getAll(deadLetter)).filter((d) => d.record_id === existing.id);
  for (const dead of refused) {
    const again = {};
    for (const name of Object.keys(dead.fields)) {
      const mine = existing.fields[name];
      if (mine && !Object.hasOwn(changed, name)) again[name] = mine;
    }
    const values = Object.fromEntries(Object.entries(again).map(([name, f]) => [name, f.v]));
    if (checkRecord(existing.kind, values)) continue;
    Object.assign(resend, again);
    deadLetter.delete(dead.change_id);
  }
  return resend;
}

/**
 * Save a new record or an edit. Without `id` a new record is created with all `values` in one
 * change (base_seq 0); with `id` only the values that differ are sent, with base_seq = the
 * server_seq this device last saw. A singleton that is new here sends only what was set, so it
 * never overwrites fields another device wrote. A save also fixes refused changes to the record
 * (see takeFixes). Each outbox entry keeps the values it replaced (`prev`, never sent), so a
 * refused change can be discarded. Resolves after the transaction is durable with
 * `{record, changeId}` (`changeId` null when nothing changed).
 */
export async function writeRecord(db, { id, kind, values, nowMs = Date.now() }) {
  const stores = ['records', 'outbox', 'meta', 'dead_letter'];
  return run(db, stores, 'readwrite', async ({ records, outbox, meta, dead_letter: deadLetter }) => {
    const { hlc } = await deviceIn(meta);
    const recordId = id ?? uuidv7(nowMs);
    const existing = id ? await req(records.get(recordId)) : undefined;
    let changed;
    if (existing) {
      changed = changedValues(valuesOf(existing), values);
    } else if (SINGLETONS.has(recordId)) {
      changed = changedValues({}, values);
    } else {
      changed = { ...changedValues({}, values), _created_at: localIso(nowMs) };
    }
    const resend = await takeFixes(deadLetter, existing, changed);
    if (Object.keys(changed).length === 0 && Object.keys(resend).length === 0) {
      return { record: existing ?? null, changeId: null };
    }
    const next = send(hlc, nowMs);
    const stamp = formatHlc(next);
    const fields = { ...resend };
    const prev = {};
    for (const [name, v] of Object.entries(changed)) {
      fields[name] = { v, hlc: stamp };
      prev[name] = existing?.fields[name] ?? null;
    }
    const recordKind = existing?.kind ?? kind;
    const record = materialize({
      id: recordId,
      kind: recordKind,
      schema_version: SCHEMA_VERSION,
      server_seq: existing?.server_seq ?? 0,
      fields: lwwMerge(existing?.fields ?? {}, fields),
    });
    const changeId = uuidv7(nowMs);
    records.put(record);
    outbox.add({
      change_id: changeId,
      record_id: recordId,
      kind: recordKind,
      schema_version: SCHEMA_VERSION,
      base_seq: existing?.server_seq ?? 0,
      fields,
      prev,
    });
    meta.put(next, 'hlc');
    return { record, changeId };
  });
}

/**
 * The person gives up their refused changes to a record: each field still holding a refused
 * value gets back what it held before (kept in the change as `prev`), and a record the server
 * never had, with nothing else waiting to sync, is removed. The next pull brings the server's
 * version of anything else. Resolves with the record as it now is, or null when removed.
 */
export function discardRejected(db, recordId) {
  return run(db, ['records', 'outbox', 'dead_letter'], 'readwrite', async ({ records, outbox, dead_letter: deadLetter }) => {
    const dead = (await getAll(deadLetter)).filter((d) => d.record_id === recordId);
    // Newest first, so an older refused change restores what was there before both.
    dead.sort((a, b) => (a.change_id < b.change_id ? 1 : -1));
    for (const d of dead) deadLetter.delete(d.change_id);
    const record = await req(records.get(recordId));
    if (!record) return null;
    const waiting = await req(outbox.index('by_record').count(IDBKeyRange.only(recordId)));
    if (!record.server_seq && waiting === 0) {
      records.delete(recordId);
      return null;
    }
    const fields = { ...record.fields };
    for (const d of dead) {
      for (const [name, sent] of Object.entries(d.fields)) {
        if (fields[name]?.hlc !== sent.hlc || !d.prev || !Object.hasOwn(d.prev, name)) continue;
        if (d.prev[name]) fields[name] = d.prev[name];
        else delete fields[name];
      }
    }
    const next = materialize({ ...record, fields });
    records.put(next);
    return next;
  });
}

/** Delete keeps every value (a tombstone field), so it can be undone. */
export function deleteRecord(db, id, nowMs) {
  return writeRecord(db, { id, values: { _deleted: true }, nowMs });
}

/** Undo a delete with a newer `_deleted: false`. */
export function undeleteRecord(db, id, nowMs) {
  return writeRecord(db, { id, values: { _deleted: false }, nowMs });
}

export function getRecord(db, id) {
  return run(db, 'records', 'readonly', ({ records }) => req(records.get(id)));
}

/** Records (not deleted) whose time falls in [fromMs, toMs), newest first. */
export async function listBetween(db, fromMs, toMs) {
  const rows = await run(db, 'records', 'readonly', ({ records }) =>
    getAll(records.index('by_t'), IDBKeyRange.bound(fromMs, toMs, false, true)),
  );
  return rows.filter((r) => !r.deleted).reverse();
}

/** Records of one kind that are not deleted. */
export async function listKind(db, kind) {
  const rows = await run(db, 'records', 'readonly', ({ records }) =>
    getAll(records.index('by_kind'), IDBKeyRange.only(kind)),
  );
  return rows.filter((r) => !r.deleted);
}

export function getMeta(db, key) {
  return run(db, 'meta', 'readonly', ({ meta }) => req(meta.get(key)));
}

export function setMeta(db, key, value) {
  return run(db, 'meta', 'readwrite', ({ meta }) => {
    meta.put(value, key);
  });
}

/** This device's id, created on first call. */
export function ensureDevice(db) {
  return run(db, 'meta', 'readwrite', async ({ meta }) => {
    const { deviceId, hlc } = await deviceIn(meta);
    meta.put(hlc, 'hlc');
    return deviceId;
  });
}
