// One day's entries (#/day/YYYY-MM-DD from Today, #/history/YYYY-MM-DD from History): an entry
// moved to another day, or logged for last night, is always findable, editable and deletable.

import { addDays, localDate } from '../time.js';
import { h } from '../ui.js';
import { dayItems } from './entries.js';

/** The day in the route, else yesterday. */
export function dayOfRoute(hash = location.hash, today = localDate()) {
  const m = /^#\/day\/(\d{4}-\d{2}-\d{2})$/.exec(hash);
  const valid = m && new Date(`${m[1]}T00:00:00Z`).toISOString().slice(0, 10) === m[1];
  return valid ? m[1] : addDays(today, -1);
}

function title(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d).toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

function dayNav(day, today, inHistory) {
  const next = addDays(day, 1);
  const link = (href, text) => h('a', { class: 'button', href, text });
  const base = inHistory ? '#/history/' : '#/day/';
  return h('nav', { class: 'day-nav', 'aria-label': 'Days' },
    link(`${base}${addDays(day, -1)}`, '‹ Day before'),
    // Days after today exist too: an appointment is logged ahead.
    next === today && !inHistory ? link('#/today', 'Today ›') : link(`${base}${next}`, 'Day after ›'));
}

/** From History (its `month` named) the links stay in History. */
export async function renderDay(root, ctx, { day, month = null }) {
  const list = h('ul', { class: 'entries', id: 'entries' });
  const refresh = async () => list.replaceChildren(...await dayItems(ctx, day, 'Nothing logged on this day.'));
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: title(day) }),
    dayNav(day, localDate(), month),
    month && h('p', { class: 'to-calendar' }, h('a', { href: `#/history/${day.slice(0, 7)}`, text: `Back to the calendar: ${month}` })),
    h('section', { class: 'card', 'aria-label': 'Entries' }, list),
  );
  await refresh();
  return { refresh };
}

export function render(root, ctx) {
  return renderDay(root, ctx, { day: dayOfRoute(location.hash) });
}
