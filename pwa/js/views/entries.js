// A day's list of entries (Today and any earlier day): each editable and deletable with undo,
// and an entry changed on two devices offers both versions side by side.

import { formOf, summarize } from '../kinds.js';
import { listBetween, listKind } from '../store.js';
import { dayBounds, localClock } from '../time.js';
import { h } from '../ui.js';
import { deleteWithUndo, openForm } from './log.js';

/** Entries of `day` (YYYY-MM-DD) as list items, newest first, or one "nothing" line. */
export async function dayItems(ctx, day, emptyText) {
  const [from, to] = dayBounds(day);
  // Every medication, stopped ones too: a dose taken before a stop still names it.
  const [records, meds] = await Promise.all([listBetween(ctx.db, from, to), listKind(ctx.db, 'medication')]);
  const names = new Map(meds.map((m) => [m.id, m.fields.name?.v]));
  const items = records.map((r) => entryItem(ctx, r, (id) => names.get(id) ?? null));
  return items.length ? items : [h('li', { class: 'empty', text: emptyText })];
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
        // Loaded when needed: a conflict is rare, and Today opens without this code.
        on: { click: async () => (await import('./compare.js')).compareVersions(ctx, record) } }));
  }
  li.append(h('span', { class: 'entry-actions' },
    h('button', { type: 'button', class: 'small', text: 'Edit', 'aria-label': `Edit: ${label}`,
      on: { click: () => openForm(ctx, formOf(record), record) } }),
    h('button', { type: 'button', class: 'small', text: 'Delete', 'aria-label': `Delete: ${label}`,
      on: { click: () => deleteWithUndo(ctx, record.id) } })));
  return li;
}
