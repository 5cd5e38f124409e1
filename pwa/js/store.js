// The journal on this device: every write saves the record, its outbox change and the HLC in one
// durable transaction. No DOM: the service worker uses this module too.

import { formatHlc, nodeFromDeviceId, send } from './hlc.js';
import { isDeleted, jsonEqual, lwwMerge } from './merge.js';
import { getAll, req, run } from './db.js';
import { localIso, sortKeyOf } from './time.js';
import { uuidv4, uuidv7 } from './uuid.js';

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
 * Save a new record or an edit. Without `id` a new record is created with all `values` in one
 * change (base_seq 0); with `id` only the values that differ are sent, with base_seq = the
 * server_seq this device last saw. A singleton that is new here sends only what was set, so it
 * never overwrites fields another device wrote. Resolves after the transaction is durable
 * with `{record, changeId}` (`changeId` null when nothing changed).
 */
export async function writeRecord(db, { id, kind, values, nowMs = Date.now() }) {
  return run(db, ['records', 'outbox', 'meta'], 'readwrite', async ({ records, outbox, meta }) => {
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
    if (Object.keys(changed).length === 0) return { record: existing ?? null, changeId: null };
    const next = send(hlc, nowMs);
    const stamp = formatHlc(next);
    const fields = {};
    for (const [name, v] of Object.entries(changed)) fields[name] = { v, hlc: stamp };
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
    });
    meta.put(next, 'hlc');
    return { record, changeId };
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

/** The person checked a record flagged "changed on two devices" and keeps it as it is. */
export function keepConflicted(db, id, nowMs) {
  return writeRecord(db, { id, values: { _conflict: false }, nowMs });
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
