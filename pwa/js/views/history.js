// History (#/history/YYYY-MM): a month calendar whose days link to their entries (day.js), and
// trends. Each render reads the records once, for both.

import { chartFigure } from '../chart.js';
import { listBetween, valuesOf } from '../store.js';
import { addDays, dayBounds, localDate } from '../time.js';
import { addMonths, countByDate, dateText, dayNumber, deriveTrends, describe, hasData, monthGrid } from '../trends.js';
import { h, newId } from '../ui.js';

export const PERIODS = [[30, '30 days'], [90, '90 days'], [365, 'A year']];
// Kept while the app is open: a day's entries and back keep it.
let chosenPeriod = 30;

const CHARTS = [
  ['mood', 'Mood', 'Dots: each day’s average mood (0 lowest, 10 best). Line: the 7-day average.'],
  ['sleep', 'Sleep', 'Bars: hours from bedtime to waking, each night.'],
  ['phq9', 'PHQ-9', 'Dots: each PHQ-9 total, on its labelled band.'],
  ['movement', 'Movement', 'Bars: minutes of movement each day.'],
  ['alcohol', 'Alcohol', 'Bars: standard drinks each week (Monday to Sunday).'],
];
const WEEKDAYS = 'Monday Tuesday Wednesday Thursday Friday Saturday Sunday'.split(' ');

/** `{day}` for #/history/YYYY-MM-DD, else `{month}`; 30 February shows its month. */
export function historyRoute(hash, today) {
  const m = /^#\/history\/(\d{4}-\d{2})(?:-(\d{2}))?\/?$/.exec(hash);
  if (!m || dayNumber(`${m[1]}-01`) === null) return { month: today.slice(0, 7) };
  const day = m[2] && `${m[1]}-${m[2]}`;
  return day && dayNumber(day) !== null ? { day } : { month: m[1] };
}

const monthName = (month) => dateText(`${month}-01`, { month: 'long', year: 'numeric' });
const shortMonth = (month) => dateText(`${month}-01`, { month: 'short' });

function dayCell(date, count, today) {
  if (!date) return h('td', { class: 'outside' });
  const name = dateText(date, { day: 'numeric', month: 'long' });
  const label = count ? `${name}, ${count} ${count === 1 ? 'entry' : 'entries'}` : name;
  const classes = ['cal-day', count ? 'has' : '', date === today ? 'today' : ''].filter(Boolean).join(' ');
  return h('td', {},
    h('a', { href: `#/history/${date}`, class: classes, 'aria-label': label, 'aria-current': date === today ? 'date' : undefined },
      h('span', { class: 'num', text: String(+date.slice(8)) }),
      count ? h('span', { class: 'mark', 'aria-hidden': 'true' }) : null));
}

function calendarTable(month, counts, today, labelId) {
  return h('table', { class: 'calendar', 'aria-labelledby': labelId },
    h('thead', {}, h('tr', {}, ...WEEKDAYS.map((day) => h('th', { scope: 'col' }, h('abbr', { title: day, text: day.slice(0, 3) }))))),
    h('tbody', {}, ...monthGrid(month).map((week) =>
      h('tr', {}, ...week.map((date) => dayCell(date, counts.get(date) ?? 0, today))))));
}

/** Dated as the day lists date them (this device's days). */
const countsOf = (records, month) => countByDate(records.map((r) => localDate(r.t)).filter((d) => d.startsWith(month)));

function periodPicker(onPick) {
  const group = newId('period');
  return h('fieldset', { class: 'choices period' }, h('legend', { text: 'Show the last' }),
    ...PERIODS.map(([days, label]) => {
      const id = newId('r');
      return h('span', { class: 'pick' },
        h('input', { type: 'radio', id, name: group, value: String(days), checked: days === chosenPeriod,
          on: { change: () => onPick(days) } }),
        h('label', { for: id, text: label }));
    }));
}

function chartCard(t, [name, title, legend]) {
  const caption = describe(t, name);
  const body = hasData(t, name) ? chartFigure(t, name, { title, caption, legend }) : [h('p', { class: 'empty', text: caption })];
  return h('section', { class: 'card trend', 'aria-labelledby': `trend-${name}`, 'data-trend': name },
    h('h3', { id: `trend-${name}`, text: title }), ...body);
}

function drawTrends(host, records, today) {
  const entries = records.map((r) => ({ kind: r.kind, values: valuesOf(r) }));
  const t = deriveTrends(entries, { from: addDays(today, 1 - chosenPeriod), to: today });
  host.replaceChildren(...CHARTS.map((c) => chartCard(t, c)));
}

const readDays = (db, from, to) => listBetween(db, dayBounds(from)[0], dayBounds(to)[0]);

function calendarCard(state, onMove) {
  const headId = newId('cal');
  const head = h('h2', { id: headId, 'aria-live': 'polite' });
  const move = (delta, text) => h('button', { type: 'button', class: 'cal-move', 'data-move': String(delta), text,
    on: { click: () => onMove(delta) } });
  const prev = move(-1, '‹');
  const next = move(1, '›');
  const grid = h('div', { class: 'cal-grid' });
  const card = h('section', { class: 'card calendar-card', 'aria-labelledby': headId },
    h('div', { class: 'cal-head' }, prev, head, next), grid,
    h('p', { class: 'hint', text: 'A dot marks a day with entries. Choose a day to see, change or delete them.' }));
  const draw = (records, today) => {
    head.textContent = monthName(state.month);
    prev.textContent = `‹ ${shortMonth(addMonths(state.month, -1))}`;
    next.textContent = `${shortMonth(addMonths(state.month, 1))} ›`;
    prev.setAttribute('aria-label', `Previous month, ${monthName(addMonths(state.month, -1))}`);
    next.setAttribute('aria-label', `Next month, ${monthName(addMonths(state.month, 1))}`);
    grid.replaceChildren(calendarTable(state.month, countsOf(records, state.month), today, headId));
  };
  return { card, draw };
}

async function renderCalendar(root, ctx, month) {
  const state = { month };
  const charts = h('div', { class: 'trend-list', id: 'trends' });
  const calendar = calendarCard(state, async (delta) => {
    state.month = addMonths(state.month, delta);
    // So a day's "Back to the calendar" and a reload land on this month.
    history.replaceState(null, '', `#/history/${state.month}`);
    calendar.draw(await readDays(ctx.db, `${state.month}-01`, `${addMonths(state.month, 1)}-01`), localDate());
  });
  const pickPeriod = async (days) => {
    chosenPeriod = days;
    const today = localDate();
    drawTrends(charts, await readDays(ctx.db, addDays(today, -days - 6), addDays(today, 2)), today);
  };
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: 'History' }),
    calendar.card,
    h('section', { class: 'trends', 'aria-labelledby': 'trends-h' },
      h('h2', { id: 'trends-h', text: 'Trends' }), periodPicker(pickPeriod), charts,
      h('p', { class: 'more-logs' }, h('a', { href: '#/patterns', text: 'Patterns: mood beside sleep, movement and alcohol' }))),
  );
  let shownKey = '';
  async function refresh() {
    const today = localDate();
    const monthFrom = `${state.month}-01`;
    const monthTo = `${addMonths(state.month, 1)}-01`;
    // The 6 days before the period feed the first 7-day averages; a day after today catches
    // entries written in a zone ahead.
    const from = [monthFrom, addDays(today, -chosenPeriod - 6)].sort()[0];
    const to = [monthTo, addDays(today, 2)].sort()[1];
    const records = await readDays(ctx.db, from, to);
    // A sync every minute must not close an open table or drop focus when nothing changed.
    const key = `${state.month}|${chosenPeriod}|${today}|${JSON.stringify(records.map((r) => [r.id, r.fields]))}`;
    if (key === shownKey) return;
    shownKey = key;
    calendar.draw(records, today);
    drawTrends(charts, records, today);
  }
  await refresh();
  return { refresh };
}

export async function render(root, ctx) {
  const route = historyRoute(location.hash, localDate());
  if (route.day) {
    // Loaded only when a day is opened.
    const { renderDay } = await import('./day.js');
    return renderDay(root, ctx, { day: route.day, month: monthName(route.day.slice(0, 7)) });
  }
  return renderCalendar(root, ctx, route.month);
}
