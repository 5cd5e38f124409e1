// One day's entries (#/day/YYYY-MM-DD), reached from Today: an entry moved to another day, or
// logged for last night, is always findable, editable and deletable.

import { addDays, localDate } from '../time.js';
import { h } from '../ui.js';
import { dayItems } from './entries.js';

/** The day in the route, or yesterday when it is missing or not a real date. */
export function dayOfRoute(hash = location.hash, today = localDate()) {
  const m = /^#\/day\/(\d{4}-\d{2}-\d{2})$/.exec(hash);
  const valid = m && new Date(`${m[1]}T00:00:00Z`).toISOString().slice(0, 10) === m[1];
  return valid ? m[1] : addDays(today, -1);
}

function title(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d).toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

export async function render(root, ctx) {
  const today = localDate();
  const day = dayOfRoute(location.hash, today);
  const list = h('ul', { class: 'entries', id: 'entries' });
  const next = addDays(day, 1);
  const refresh = async () => list.replaceChildren(...await dayItems(ctx, day, 'Nothing logged on this day.'));
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: title(day) }),
    h('nav', { class: 'day-nav', 'aria-label': 'Days' },
      h('a', { class: 'button', href: `#/day/${addDays(day, -1)}`, text: '‹ Day before' }),
      // Days after today exist too: an appointment is logged ahead.
      h('a', { class: 'button', href: next === today ? '#/today' : `#/day/${next}`, text: next === today ? 'Today ›' : 'Day after ›' })),
    h('section', { class: 'card', 'aria-label': 'Entries' }, list),
  );
  await refresh();
  return { refresh };
}
