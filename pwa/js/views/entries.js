// A day's list of entries (Today and any earlier day): each editable and deletable with undo,
// and an entry changed on two devices offers both versions side by side.

import { formOf, formSpec, labelsOf, summarize } from '../kinds.js';
import { listBetween } from '../store.js';
import { dayBounds, localClock } from '../time.js';
import { h, openDialog, snack } from '../ui.js';
import { otherVersion, recordHistory } from '../versions.js';
import { deleteWithUndo, medications, openForm } from './log.js';

/** Entries of `day` (YYYY-MM-DD) as list items, newest first, or one "nothing" line. */
export async function dayItems(ctx, day, emptyText) {
  const [from, to] = dayBounds(day);
  const [records, meds] = await Promise.all([listBetween(ctx.db, from, to), medications(ctx.db)]);
  const names = new Map(meds.map((m) => [m.id, m.name]));
  const items = records.map((r) => entryItem(ctx, r, (id) => names.get(id) ?? null));
  return items.length ? items : [h('li', { class: 'empty', text: emptyText })];
}

function shownValue(v) {
  if (v === undefined || v === null || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.join(', ') : '—';
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return `${v.slice(0, 10)} ${localClock(v)}`;
  return String(v);
}

/** The two versions side by side; resolves when the person kept one (or closed the dialog). */
async function compareVersions(ctx, record) {
  const history = await recordHistory(ctx.db, record.id);
  const other = history ? otherVersion(record.fields, history) : {};
  const spec = formSpec(formOf(record));
  const labels = { ...(spec ? labelsOf(spec) : {}), _deleted: 'Deleted' };
  const names = Object.keys(other);
  await openDialog('Changed on two devices', (close) => {
    const keep = async (values) => {
      await ctx.write({ id: record.id, kind: record.kind, values: { ...values, _conflict: false } });
      close();
      snack('Saved');
    };
    if (!history) {
      return h('div', { class: 'stack' },
        h('p', { text: 'The other version is on the server, and this device is offline. ' +
          'You can compare them once you are back online, or keep the version shown now.' }),
        h('button', { type: 'button', class: 'primary wide', text: 'Keep the version shown now', on: { click: () => keep({}) } }));
    }
    if (names.length === 0) {
      return h('div', { class: 'stack' },
        h('p', { text: 'Both devices ended up with the same values, so there is nothing to choose.' }),
        h('button', { type: 'button', class: 'primary wide', text: 'OK', on: { click: () => keep({}) } }));
    }
    const rows = names.map((name) => h('tr', {},
      h('th', { scope: 'row', text: (labels[name] ?? name).replace(/\s*\(optional\)$/, '') }),
      h('td', { text: shownValue(record.fields[name]?.v) }),
      h('td', { text: shownValue(other[name].v) })));
    const theirs = Object.fromEntries(names.map((name) => [name, other[name].v]));
    return h('div', { class: 'stack' },
      h('p', { text: 'This entry was edited on two devices before they synced. Both versions are kept; ' +
        'choose the one that is right.' }),
      h('table', { class: 'compare' },
        h('thead', {}, h('tr', {}, h('td', {}), h('th', { scope: 'col', text: 'Version A (shown now)' }),
          h('th', { scope: 'col', text: 'Version B' }))),
        h('tbody', {}, ...rows)),
      h('button', { type: 'button', class: 'primary wide', text: 'Keep version A', on: { click: () => keep({}) } }),
      h('button', { type: 'button', class: 'wide', text: 'Keep version B', on: { click: () => keep(theirs) } }));
  });
}

export function entryItem(ctx, record, medName) {
  const when = record.fields.at?.v ?? record.fields.wake_at?.v;
  const conflict = record.fields._conflict?.v === true;
  const label = summarize(record, medName);
  const li = h('li', { class: conflict ? 'entry conflict' : 'entry', 'data-id': record.id },
    h('span', { class: 'when', text: when ? localClock(when) : '' }),
    h('span', { class: 'what', text: label }));
  if (record.kind === 'checkin' && record.fields.note?.v) {
    li.append(h('span', { class: 'note', text: record.fields.note.v }));
  }
  if (conflict) {
    li.append(h('span', { class: 'flag', text: 'Changed on two devices' }),
      h('button', { type: 'button', class: 'small', text: 'Compare versions', 'aria-label': `Compare versions: ${label}`,
        on: { click: () => compareVersions(ctx, record) } }));
  }
  li.append(h('span', { class: 'entry-actions' },
    h('button', { type: 'button', class: 'small', text: 'Edit', 'aria-label': `Edit: ${label}`,
      on: { click: () => openForm(ctx, formOf(record), record) } }),
    h('button', { type: 'button', class: 'small', text: 'Delete', 'aria-label': `Delete: ${label}`,
      on: { click: () => deleteWithUndo(ctx, record.id) } })));
  return li;
}
