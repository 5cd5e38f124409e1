// Today, the home screen: one tap logs a mood, details refine the same check-in, quick logs,
// and today's entries (newest first), each editable and deletable with undo.

import { renderFields } from '../forms.js';
import { CHECKIN_DETAILS, formOf, summarize, toValues } from '../kinds.js';
import { keepConflicted, listBetween } from '../store.js';
import { dayBounds, localClock, localDate, localIso } from '../time.js';
import { h, snack } from '../ui.js';
import { deleteWithUndo, medications, openForm } from './log.js';

const QUICK = [
  ['dose', 'Dose taken'],
  ['sleep', 'Sleep last night'],
  ['activity', 'Movement'],
  ['alcohol', 'Alcohol'],
  ['meal', 'Meal'],
  ['effect', 'Side effect'],
];

export function render(root, ctx) {
  // One check-in at a time: its id, the time of its first tap, and its writes, which run one
  // after another so the second tap edits the record the first one created. "Done" starts a
  // new check-in; saves still queued finish on the old one, never on the new.
  const newCheckin = () => ({ id: null, at: null, queue: Promise.resolve() });
  let checkin = newCheckin();
  const savedLine = h('p', { class: 'saved', id: 'mood-saved', role: 'status' });
  const moodRow = h('div', { class: 'mood-row', role: 'group', 'aria-labelledby': 'mood-h', 'aria-describedby': 'mood-hint' });
  const details = h('section', { class: 'card details', id: 'details', hidden: true, 'aria-labelledby': 'details-h' });
  const list = h('ul', { class: 'entries', id: 'entries' });

  const save = (values) => {
    const started = performance.now();
    const c = checkin;
    c.queue = c.queue.then(async () => {
      // Until the first write lands, every write carries the time: if it failed, the next
      // one still creates a whole check-in.
      const full = c.id ? values : { at: c.at ?? localIso(), ...values };
      const { record } = await ctx.write({ id: c.id ?? undefined, kind: 'checkin', values: full });
      if (record) c.id = record.id;
      savedLine.textContent = `Saved at ${localClock(localIso())}`;
      savedLine.dataset.saveMs = String(Math.round(performance.now() - started));
    }).catch((err) => {
      savedLine.textContent = 'Could not save on this device. Please try again.';
      console.error(err);
    });
    return c.queue;
  };

  const pickMood = (n) => {
    for (const b of moodRow.children) b.setAttribute('aria-pressed', String(Number(b.dataset.mood) === n));
    savedLine.textContent = 'Saving…';
    checkin.at ??= localIso();
    save({ mood: n });
    if (details.hidden) openDetails();
  };

  const openDetails = () => {
    const form = renderFields(CHECKIN_DETAILS, {}, (name, value) => save(toValues('checkin', { [name]: value })));
    details.replaceChildren(
      h('h2', { id: 'details-h', text: 'Add details (optional)' }),
      form.el,
      h('button', { type: 'button', class: 'primary', text: 'Done', on: { click: finish } }),
    );
    details.hidden = false;
  };

  const finish = async () => {
    const done = checkin;
    checkin = newCheckin();
    details.hidden = true;
    details.replaceChildren();
    for (const b of moodRow.children) b.setAttribute('aria-pressed', 'false');
    moodRow.firstChild.focus();
    await done.queue;
    if (done.id) snack('Check-in saved');
  };

  for (let n = 0; n <= 10; n++) {
    moodRow.append(h('button', {
      type: 'button', class: 'mood', 'data-mood': String(n), 'aria-pressed': 'false',
      'aria-label': `Mood ${n} out of 10`, text: String(n), on: { click: () => pickMood(n) },
    }));
  }

  async function refresh() {
    const today = localDate();
    const [from, to] = dayBounds(today);
    const [records, meds] = await Promise.all([listBetween(ctx.db, from, to), medications(ctx.db)]);
    const names = new Map(meds.map((m) => [m.id, m.name]));
    const items = records.map((r) => entryItem(ctx, r, (id) => names.get(id) ?? null));
    if (items.length === 0) items.push(h('li', { class: 'empty', text: 'Nothing logged yet today.' }));
    list.replaceChildren(...items);
    if (!performance.getEntriesByName('tend:today-listed').length) performance.mark('tend:today-listed');
  }

  root.replaceChildren(
    h('h1', { tabindex: '-1', text: 'Today' }),
    h('section', { class: 'card', 'aria-labelledby': 'mood-h' },
      h('h2', { id: 'mood-h', text: 'How is your mood right now?' }),
      h('p', { class: 'hint', id: 'mood-hint', text: '0 is the lowest, 10 the best. One tap saves it.' }),
      moodRow, savedLine),
    details,
    h('section', { class: 'card', 'aria-labelledby': 'quick-h' },
      h('h2', { id: 'quick-h', text: 'Log something else' }),
      h('div', { class: 'quick' }, ...QUICK.map(([form, label]) => h('button', {
        type: 'button', class: 'quick-btn', 'data-form': form, text: label,
        on: { click: () => openForm(ctx, form) },
      })))),
    h('section', { class: 'card', 'aria-labelledby': 'entries-h' },
      h('h2', { id: 'entries-h', text: 'Today’s entries' }), list),
  );
  refresh();
  return { refresh };
}

function entryItem(ctx, record, medName) {
  const when = record.fields.at?.v ?? record.fields.wake_at?.v;
  const conflict = record.fields._conflict?.v === true;
  const li = h('li', { class: conflict ? 'entry conflict' : 'entry', 'data-id': record.id },
    h('span', { class: 'when', text: when ? localClock(when) : '' }),
    h('span', { class: 'what', text: summarize(record, medName) }));
  if (record.kind === 'checkin' && record.fields.note?.v) {
    li.append(h('span', { class: 'note', text: record.fields.note.v }));
  }
  if (conflict) {
    li.append(h('span', { class: 'flag', text: 'Changed on two devices — check this' }),
      h('button', { type: 'button', class: 'small', text: 'Keep as shown', on: { click: async () => {
        await keepConflicted(ctx.db, record.id);
        await ctx.afterWrite();
        snack('Saved');
      } } }));
  }
  const label = summarize(record, medName);
  li.append(h('span', { class: 'entry-actions' },
    h('button', { type: 'button', class: 'small', text: 'Edit', 'aria-label': `Edit: ${label}`,
      on: { click: () => openForm(ctx, formOf(record), record) } }),
    h('button', { type: 'button', class: 'small', text: 'Delete', 'aria-label': `Delete: ${label}`,
      on: { click: () => deleteWithUndo(ctx, record.id) } })));
  return li;
}
