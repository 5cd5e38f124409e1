// Export and import (pwa/js/export.js): the JSON keeps every field with its HLC so a file merges
// back without loss; the CSV opens right in a spreadsheet; a wrong file is refused in plain words;
// an import decides field by field exactly as sync's last-writer-wins merge does.
import assert from 'node:assert/strict';
import { test } from 'node:test';

process.env.TZ = 'Europe/London';
const {
  NOT_AN_EXPORT, TOO_NEW, buildCsv, buildJson, csvCell, importSummary, parseExport, planAll, planImport,
} = await import('../../pwa/js/export.js');
const { formatHlc, parseHlc, send } = await import('../../pwa/js/hlc.js');
const { materialize } = await import('../../pwa/js/store.js');
const { isDeleted } = await import('../../pwa/js/merge.js');

const NOW = Date.parse('2026-12-04T12:00:00Z');
const NODE = '8f3a1c2b9d4e5f60';
const hlc = (iso, counter = 0) => `${iso}-${counter.toString(16).toUpperCase().padStart(4, '0')}-${NODE}`;
const T1 = hlc('2026-12-01T08:00:00.000Z');
const T2 = hlc('2026-12-02T08:00:00.000Z');
const T3 = hlc('2026-12-03T08:00:00.000Z');
const field = (v, at = T1) => ({ v, hlc: at });

const MED = '0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9e';
const DOSE = '0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9f';
const CHECKIN = '0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8da0';
const GONE = '0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8da1';

function sample() {
  return [
    materialize({ id: MED, kind: 'medication', schema_version: 1, server_seq: 7,
      fields: { name: field('Sertraline'), _created_at: field('2026-12-01T08:00:00+00:00') } }),
    materialize({ id: DOSE, kind: 'dose', schema_version: 1, fields: {
      medication_id: field(MED), at: field('2026-12-02T09:00:00+00:00', T2), status: field('taken', T2), amount: field(50, T2) } }),
    materialize({ id: CHECKIN, kind: 'checkin', schema_version: 1, fields: {
      at: field('2026-12-01T21:30:00+00:00'), mood: field(4),
      note: field('Tired, "flat"\nbut =SUM(A1) okay; café ☕', T2) } }),
    materialize({ id: GONE, kind: 'checkin', schema_version: 1, fields: {
      at: field('2026-12-01T07:00:00+00:00'), mood: field(2), _deleted: field(true, T3) } }),
  ];
}

/** A small RFC 4180 reader, to check the CSV reads back cell for cell. */
function readCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  return rows;
}

test('the JSON export reads back to the same records, every field with its HLC, deletions included', () => {
  const text = buildJson(sample(), NOW);
  const doc = JSON.parse(text);
  assert.equal(doc.format, 'tend-export');
  assert.equal(doc.version, 1);
  assert.equal(doc.exported_at, '2026-12-04T12:00:00.000Z');
  // The server's export shape: a reader of one reads the other.
  assert.deepEqual(Object.keys(doc.records[0]).sort(), ['deleted', 'fields', 'id', 'kind', 'schema_version', 'server_seq']);
  const gone = doc.records.find((r) => r.id === GONE);
  assert.equal(gone.deleted, true);
  assert.deepEqual(gone.fields._deleted, { v: true, hlc: T3 });
  const { records, error } = parseExport(text, NOW);
  assert.equal(error, undefined);
  const byId = new Map(records.map((r) => [r.id, r]));
  for (const original of sample()) {
    assert.deepEqual(byId.get(original.id), {
      id: original.id, kind: original.kind, schema_version: 1, fields: original.fields,
    });
  }
});

test('CSV cells are quoted as RFC 4180 says, and a formula is shown, not run', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell('crlf\r\nend'), '"crlf\r\nend"');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(7), '7');
  assert.equal(csvCell('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
  assert.equal(csvCell('-5'), "'-5");
  assert.equal(csvCell('@me'), "'@me");
});

test('the CSV has a BOM, one row per live entry, oldest first, with a summary and the values', () => {
  const text = buildCsv(sample());
  assert.ok(text.startsWith('\uFEFF'), 'spreadsheets need the BOM to read UTF-8');
  assert.ok(text.endsWith('\r\n'));
  const rows = readCsv(text.slice(1));
  assert.deepEqual(rows[0], ['id', 'kind', 'when', 'summary', 'values']);
  assert.deepEqual(rows.slice(1).map((r) => r[0]), [MED, CHECKIN, DOSE], 'the deleted check-in is left out');
  const [med, checkin, dose] = rows.slice(1);
  assert.deepEqual(med.slice(1, 4), ['medication', '2026-12-01T08:00:00+00:00', 'Medication: Sertraline']);
  assert.deepEqual(dose.slice(1, 4), ['dose', '2026-12-02T09:00:00+00:00', 'Dose taken: Sertraline 50']);
  assert.equal(checkin[3], 'Mood 4');
  // The note, with its quotes, line break, formula-like text and accents, comes back exactly.
  assert.deepEqual(JSON.parse(checkin[4]), {
    at: '2026-12-01T21:30:00+00:00', mood: 4, note: 'Tired, "flat"\nbut =SUM(A1) okay; café ☕',
  });
  assert.ok(!('_created_at' in JSON.parse(med[4])), 'sync bookkeeping stays out of the spreadsheet');
});

test('a file that is not a Tend export is refused with one plain sentence', () => {
  const ok = JSON.parse(buildJson(sample(), NOW));
  const wrong = [
    'not json at all',
    '',
    '[]',
    '{"records": []}',
    JSON.stringify({ ...ok, format: 'other-app' }),
    JSON.stringify({ ...ok, records: {} }),
    JSON.stringify({ ...ok, records: [{ id: 'nope', kind: 'checkin', fields: { mood: field(3) } }] }),
    JSON.stringify({ ...ok, records: [{ id: MED, kind: 'checkin', fields: { mood: { v: 3, hlc: 'yesterday' } } }] }),
    JSON.stringify({ ...ok, records: [{ id: MED, kind: 'checkin', fields: { mood: 3 } }] }),
    JSON.stringify({ ...ok, records: [{ id: MED, kind: 'checkin', fields: {} }] }),
    JSON.stringify({ ...ok, version: 0 }),
  ];
  for (const text of wrong) assert.deepEqual(parseExport(text, NOW), { error: NOT_AN_EXPORT }, text.slice(0, 60));
  assert.equal(NOT_AN_EXPORT, 'This file is not a Tend export.');
  assert.deepEqual(parseExport(JSON.stringify({ ...ok, version: 2 }), NOW), { error: TOO_NEW });
});

test('changes dated far ahead are imported with fresh local HLCs, so the clock is not pinned ahead', () => {
  const ahead = hlc('2027-06-01T12:00:00.000Z');
  const soon = hlc('2026-12-04T12:04:00.000Z');
  const doc = { format: 'tend-export', version: 1, exported_at: '2026-12-04T12:00:00Z',
    records: [{ id: CHECKIN, kind: 'checkin', fields: { at: field('2026-12-04T10:00:00+00:00', ahead), mood: field(3, ahead), note: field('hi', soon) } }] };
  const { records, skipped } = parseExport(JSON.stringify(doc), NOW);
  assert.equal(skipped, 0);
  const clock = { millis: NOW - 60_000, counter: 0, node: 'aaaaaaaaaaaaaaaa' };
  const { counts, writes, hlc: after } = planAll(new Map(), records, clock, NOW);
  assert.deepEqual(counts, { updated: 0, created: 1, unchanged: 0 });
  const { newer } = writes[0].plan;
  assert.deepEqual([newer.at.v, newer.mood.v, newer.note.v], ['2026-12-04T10:00:00+00:00', 3, 'hi']);
  // Each restamped field gets its own local HLC at now; one a few minutes ahead keeps its own.
  assert.deepEqual([parseHlc(newer.at.hlc), parseHlc(newer.mood.hlc)].map((x) => [x.millis, x.node]),
    [[NOW, 'aaaaaaaaaaaaaaaa'], [NOW, 'aaaaaaaaaaaaaaaa']]);
  assert.notEqual(newer.at.hlc, newer.mood.hlc);
  assert.equal(newer.note.hlc, soon);
  // The next edit here is stamped at now (well, within the 5 minutes a clock may be off), not in June.
  const next = send(after, NOW + 1000);
  assert.ok(next.millis <= NOW + 5 * 60_000, formatHlc(next));
  assert.ok(formatHlc(next) > newer.mood.hlc && formatHlc(next) > soon, 'and it still wins over what was imported');
  // Importing the same file again changes nothing, though its far-ahead stamps still win on paper.
  const local = new Map([[CHECKIN, { id: CHECKIN, kind: 'checkin', fields: writes[0].plan.fields }]]);
  const again = planAll(local, records, after, NOW + 60_000);
  assert.deepEqual(again.counts, { updated: 0, created: 0, unchanged: 1 });
  assert.equal(again.hlc.millis, after.millis, 'no fresh stamps were spent');
});

test('records the server would refuse are skipped and counted, the rest imported', () => {
  const doc = { format: 'tend-export', version: 1, exported_at: '2026-12-04T12:00:00Z', records: [
    { id: CHECKIN, kind: 'checkin', fields: { at: field('2026-12-01T21:30:00+00:00'), mood: field(4) } },
    { id: DOSE, kind: 'checkin', fields: { at: field('2026-12-01T21:30:00+00:00'), mood: field(99) } },
    { id: GONE, kind: 'no_such_kind', fields: { x: field(1) } },
    { id: MED, kind: 'medication', fields: { name: field(''), _created_at: field('2026-12-01T08:00:00+00:00') } },
  ] };
  const { records, skipped } = parseExport(JSON.stringify(doc), NOW);
  assert.deepEqual(records.map((r) => r.id), [CHECKIN]);
  assert.equal(skipped, 3);
  // Sync's own `_` fields are not checked against the kind's rules.
  assert.equal(parseExport(buildJson(sample(), NOW), NOW).skipped, 0);
});

test("the server's account export imports too, ids in any case, two copies of a record merged", () => {
  const server = {
    exported_at: '2026-12-04T12:00:00Z', account: { username: 'sam' }, devices: [],
    records: [
      { id: MED.toUpperCase(), kind: 'medication', schema_version: 1, server_seq: 9, deleted: false,
        fields: { name: { v: 'Old', hlc: T1, seq: 3, dev: 'x' } } },
      { id: MED, kind: 'medication', schema_version: 1, server_seq: 9, deleted: false,
        fields: { name: { v: 'New', hlc: T2 }, dose: { v: 50, hlc: T1 } } },
    ],
  };
  const { records } = parseExport(`\uFEFF${JSON.stringify(server)}`, NOW);
  assert.deepEqual(records, [{ id: MED, kind: 'medication', schema_version: 1,
    fields: { name: { v: 'New', hlc: T2 }, dose: { v: 50, hlc: T1 } } }]);
});

test('an import takes only the fields that are newer, and keeps newer values on the device', () => {
  const local = { id: CHECKIN, kind: 'checkin', fields: { at: field('2026-12-01T21:30:00+00:00'), mood: field(6, T3), note: field('old', T1) } };
  const incoming = { id: CHECKIN, kind: 'checkin', fields: { at: field('2026-12-01T21:30:00+00:00'), mood: field(2, T2), note: field('new', T2), energy: field(5, T2) } };
  const plan = planImport(local, incoming);
  assert.equal(plan.status, 'updated');
  assert.deepEqual(plan.newer, { note: field('new', T2), energy: field(5, T2) });
  assert.deepEqual(plan.fields.mood, field(6, T3), 'the mood changed here later stays');
  assert.deepEqual(plan.fields.note, field('new', T2));
  // Importing what the device now holds again changes nothing.
  assert.deepEqual(planImport({ ...local, fields: plan.fields }, incoming), { status: 'unchanged' });
  assert.deepEqual(planImport(local, local), { status: 'unchanged' });
  assert.deepEqual(planImport(undefined, incoming), { status: 'new', newer: incoming.fields, fields: incoming.fields });
});

test('a deletion in the file is not undone by the device, and an older file does not bring one back', () => {
  const live = { id: GONE, kind: 'checkin', fields: { at: field('2026-12-01T07:00:00+00:00'), mood: field(2) } };
  const deleted = { ...live, fields: { ...live.fields, _deleted: field(true, T3) } };
  const plan = planImport(live, deleted);
  assert.deepEqual(plan.newer, { _deleted: field(true, T3) });
  assert.ok(isDeleted(plan.fields));
  // The device deleted it after the export was made: the old live copy leaves it deleted.
  assert.deepEqual(planImport(deleted, live), { status: 'unchanged' });
});

test('the import summary counts every entry in the file, and those it could not read', () => {
  assert.equal(importSummary({ updated: 3, created: 117, unchanged: 0 }), 'Imported 120 entries (3 updated, 117 new, 0 unchanged).');
  assert.equal(importSummary({ updated: 3, created: 117, unchanged: 0, skipped: 2 }),
    'Imported 120 entries (3 updated, 117 new, 0 unchanged); 2 entries could not be read and were skipped.');
  assert.equal(importSummary({ updated: 0, created: 1, unchanged: 0, skipped: 1 }),
    'Imported 1 entry (0 updated, 1 new, 0 unchanged); 1 entry could not be read and was skipped.');
  assert.equal(importSummary({ updated: 0, created: 0, unchanged: 50 }), 'Nothing new in this file: all 50 entries are already on this device.');
  assert.equal(importSummary({ updated: 0, created: 0, unchanged: 1 }), 'Nothing new in this file: its one entry is already on this device.');
  assert.equal(importSummary({ updated: 0, created: 0, unchanged: 0, skipped: 2 }), 'Nothing was imported: 2 entries could not be read and were skipped.');
});
