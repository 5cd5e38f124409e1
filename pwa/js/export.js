// Export everything on this device (lossless JSON, and CSV for spreadsheets) and import a JSON
// export back. Pure but for the two IndexedDB steps at the end; no DOM.

import { getAll, run } from './db.js';
import { formatHlc, parseHlc, recv, send } from './hlc.js';
import { summarize } from './kinds.js';
import { jsonEqual, lwwMerge, publicFields } from './merge.js';
import { SCHEMA_VERSION, deviceIn, materialize, valuesOf } from './store.js';
import { uuidv7 } from './uuid.js';
import { checkRecord } from './validate.js';

export const FORMAT = 'tend-export';
export const FORMAT_VERSION = 1;
export const NOT_AN_EXPORT = 'This file is not a Tend export.';
export const TOO_NEW = 'This export was made by a newer version of Tend. Please update Tend, then import it again.';
// As the server does, a change stamped further ahead is restamped: it must not pin this clock ahead.
export const MAX_AHEAD_MS = 5 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KIND = /^[a-z][a-z0-9_]{0,63}$/;
const BOM = '\uFEFF';

const isObject = (x) => typeof x === 'object' && x !== null && !Array.isArray(x);

/** As the server's `GET /account/export` gives it. */
function exportRecord(rec) {
  return {
    id: rec.id,
    kind: rec.kind,
    schema_version: rec.schema_version ?? SCHEMA_VERSION,
    server_seq: rec.server_seq ?? 0,
    deleted: Boolean(rec.deleted),
    fields: publicFields(rec.fields ?? {}),
  };
}

/** The JSON export: deleted records too, so an import never brings a deletion back. */
export function buildJson(records, nowMs) {
  const sorted = [...records].sort((a, b) => (a.id < b.id ? -1 : 1));
  return JSON.stringify({
    format: FORMAT, version: FORMAT_VERSION, exported_at: new Date(nowMs).toISOString(), records: sorted.map(exportRecord),
  }, null, 1);
}

/** One CSV cell (RFC 4180); a leading ' shows a would-be formula as written (OWASP "CSV injection"). */
export function csvCell(value) {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The person's own values (not sync's `_` fields), keys sorted. */
function userValues(values) {
  const names = Object.keys(values).filter((k) => !k.startsWith('_')).sort();
  return Object.fromEntries(names.map((k) => [k, values[k]]));
}

/** Live entries, oldest first; the BOM makes spreadsheets read accents and emoji right. */
export function buildCsv(records) {
  const live = records.filter((r) => !r.deleted);
  const meds = new Map(live.filter((r) => r.kind === 'medication').map((r) => [r.id, r.fields.name?.v]));
  const rows = live.map((r) => ({ r, v: valuesOf(r) }));
  // Those without a time (a medication) by when they were made.
  const order = ({ r, v }) => r.t ?? (Date.parse(v._created_at ?? '') || 0);
  rows.sort((a, b) => order(a) - order(b) || (a.r.id < b.r.id ? -1 : 1));
  const lines = [['id', 'kind', 'when', 'summary', 'values']];
  for (const { r, v } of rows) {
    const when = v.at ?? v.on ?? v.night_of ?? v._created_at;
    lines.push([r.id, r.kind, when, summarize(r, (id) => meds.get(id) ?? null), JSON.stringify(userValues(v))]);
  }
  return BOM + lines.map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** A field has a value and a real HLC. */
function fieldOk(f) {
  try {
    return isObject(f) && Object.hasOwn(f, 'v') && Boolean(parseHlc(f.hlc));
  } catch {
    return false;
  }
}

/** A record of the file checked and reduced to what the store keeps, or `{error}`. */
function readRecord(raw) {
  if (typeof raw?.id !== 'string' || typeof raw.kind !== 'string') return { error: NOT_AN_EXPORT };
  const id = raw.id.toLowerCase();
  const version = raw.schema_version ?? SCHEMA_VERSION;
  if (!UUID.test(id) || !KIND.test(raw.kind) || !Number.isInteger(version) || version < 1) return { error: NOT_AN_EXPORT };
  if (!isObject(raw.fields) || Object.keys(raw.fields).length === 0) return { error: NOT_AN_EXPORT };
  if (!Object.values(raw.fields).every(fieldOk)) return { error: NOT_AN_EXPORT };
  return { record: { id, kind: raw.kind, schema_version: version, fields: publicFields(raw.fields) } };
}

/** Read this app's or the server's export: `{records, skipped}` (records the server would refuse) or `{error}`. */
export function parseExport(text, nowMs) {
  let doc;
  try {
    doc = JSON.parse(typeof text === 'string' ? text.replace(/^\uFEFF/, '') : '');
  } catch {
    return { error: NOT_AN_EXPORT };
  }
  const ours = isObject(doc) && doc.format === FORMAT;
  const server = isObject(doc) && doc.format === undefined && isObject(doc.account) && typeof doc.exported_at === 'string';
  if (!(ours || server) || !Array.isArray(doc.records)) return { error: NOT_AN_EXPORT };
  if (ours && doc.version !== FORMAT_VERSION) {
    return { error: Number.isInteger(doc.version) && doc.version > FORMAT_VERSION ? TOO_NEW : NOT_AN_EXPORT };
  }
  const byId = new Map();
  for (const raw of doc.records) {
    const { record, error } = readRecord(raw);
    if (error) return { error };
    const seen = byId.get(record.id);
    byId.set(record.id, seen ? { ...seen, fields: lwwMerge(seen.fields, record.fields) } : record);
  }
  const records = [...byId.values()].filter((r) => !checkRecord(r.kind, valuesOf(r), { nowMs }));
  return { records, skipped: byId.size - records.length };
}

/**
 * What importing `incoming` does to `local` (maybe undefined), as a pulled record merges: per
 * field the higher HLC wins, an equal one keeps what is here. Only `newer`'s winning fields, with
 * their own HLCs, are saved and sent.
 */
export function planImport(local, incoming) {
  const mine = local?.fields ?? {};
  const newer = {};
  for (const [name, f] of Object.entries(incoming.fields)) {
    const here = Object.hasOwn(mine, name) ? mine[name] : undefined;
    if (here === undefined || f.hlc > here.hlc) newer[name] = { v: f.v, hlc: f.hlc };
  }
  if (Object.keys(newer).length === 0) return { status: 'unchanged' };
  return { status: local ? 'updated' : 'new', newer, fields: lwwMerge(mine, newer) };
}

const entries = (n) => `${n} ${n === 1 ? 'entry' : 'entries'}`;

export function importSummary({ updated, created, unchanged, skipped = 0 }) {
  const total = updated + created + unchanged;
  const bad = skipped === 1 ? '1 entry could not be read and was skipped' : `${skipped} entries could not be read and were skipped`;
  if (total === 0) return skipped ? `Nothing was imported: ${bad}.` : 'There are no entries in this file.';
  if (total === unchanged && !skipped) return `Nothing new in this file: ${total === 1 ? 'its one entry is' : `all ${total} entries are`} already on this device.`;
  return `Imported ${entries(total)} (${updated} updated, ${created} new, ${unchanged} unchanged)${skipped ? `; ${bad}` : ''}.`;
}

export function readAllRecords(db) {
  return run(db, 'records', 'readonly', ({ records }) => getAll(records));
}

/** Fields stamped too far ahead get fresh local HLCs (but for a value already here, so a re-import does nothing). */
export function restamp(fields, here, hlc, nowMs) {
  const out = {};
  for (const [name, f] of Object.entries(fields)) {
    if (parseHlc(f.hlc).millis - nowMs <= MAX_AHEAD_MS) out[name] = f;
    else if (!(here && Object.hasOwn(here, name) && jsonEqual(here[name].v, f.v))) {
      hlc = send(hlc, nowMs);
      out[name] = { v: f.v, hlc: formatHlc(hlc) };
    }
  }
  return { fields: out, hlc };
}

/** Importing, pure: `{counts, writes, hlc}`; the clock passes the newest HLC taken, so a later edit here wins. */
export function planAll(local, incoming, hlc, nowMs) {
  const counts = { updated: 0, created: 0, unchanged: 0 };
  const writes = [];
  let newest = null;
  for (const rec of incoming) {
    const existing = local.get(rec.id);
    const stamped = restamp(rec.fields, existing?.fields, hlc, nowMs);
    hlc = stamped.hlc;
    const plan = planImport(existing, { ...rec, fields: stamped.fields });
    if (plan.status === 'unchanged') { counts.unchanged += 1; continue; }
    counts[plan.status === 'new' ? 'created' : 'updated'] += 1;
    writes.push({ existing, rec, plan });
    for (const f of Object.values(plan.newer)) if (!newest || f.hlc > newest) newest = f.hlc;
  }
  return { counts, writes, hlc: newest ? recv(hlc, parseHlc(newest), nowMs) : hlc };
}

/**
 * Merge imported records in ONE transaction. A record that gains something gets an outbox entry
 * of the winning fields with their HLCs, so the server merges by them too: an old file never
 * overwrites a newer edit made elsewhere.
 */
export function importRecords(db, incoming, nowMs) {
  return run(db, ['records', 'outbox', 'meta'], 'readwrite', async ({ records, outbox, meta }) => {
    const { hlc } = await deviceIn(meta);
    const local = new Map((await getAll(records)).map((r) => [r.id, r]));
    const plan = planAll(local, incoming, hlc, nowMs);
    for (const { existing, rec, plan: { newer, fields } } of plan.writes) {
      const kind = existing?.kind ?? rec.kind;
      const schemaVersion = existing?.schema_version ?? rec.schema_version;
      const baseSeq = existing?.server_seq ?? 0;
      records.put(materialize({ id: rec.id, kind, schema_version: schemaVersion, server_seq: baseSeq, fields }));
      const prev = Object.fromEntries(Object.keys(newer).map((name) => [name, existing?.fields[name] ?? null]));
      outbox.add({ change_id: uuidv7(nowMs), record_id: rec.id, kind, schema_version: schemaVersion, base_seq: baseSeq, fields: newer, prev });
    }
    meta.put(plan.hlc, 'hlc');
    return plan.counts;
  });
}
