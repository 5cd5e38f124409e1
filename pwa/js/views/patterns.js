// Patterns (#/patterns): mood beside sleep, movement and alcohol, and side effects over time, over
// the last 90 days of this device's journal. Each with the days behind its numbers and one plain
// line on what it means. No advice, and nothing here says what caused what.

import { entriesOf, patternWords, patterns } from '../insights.js';
import { listBetween, listKind } from '../store.js';
import { addDays, dayBounds, localDate } from '../time.js';
import { dateText } from '../trends.js';
import { h } from '../ui.js';
import { CLINICIAN_LINK, onwardLinks } from './treatments.js';

const PERIOD_DAYS = 90;
const SEVERITY = ['none', 'mild', 'moderate', 'severe'];

const COMPARISONS = [
  ['sleep', 'Mood and sleep', { lead: 'On days after you slept', next: 'after' }],
  ['movement', 'Mood and movement', { lead: 'On', next: 'on' }],
  ['alcohol', 'Mood and alcohol', { lead: 'On', next: 'on' }],
];

function comparisonCard(p, [name, title, words]) {
  const groups = p[name];
  return h('section', { class: 'card', 'aria-labelledby': `pattern-${name}`, 'data-pattern': name },
    h('h2', { id: `pattern-${name}`, text: title }),
    h('p', { class: 'lead', text: patternWords(groups, words) }));
}

const monthWords = (month) => dateText(`${month}-01`, { month: 'long', year: 'numeric' });

function effectsCard(p, names) {
  const rows = p.sideEffects.flatMap((m) => m.months.map((x) => ({ ...x, med: m.medication_id ? names.get(m.medication_id) ?? 'A medication no longer listed' : 'Not linked to a medication' })));
  rows.sort((a, b) => a.month.localeCompare(b.month) || a.med.localeCompare(b.med));
  const body = rows.length
    ? [h('p', { class: 'lead', text: 'Each month, the side effects you logged for each medication and the strongest rating among them.' }),
      h('ul', { class: 'entries' }, ...rows.map((r) => h('li', { class: 'entry med' },
        h('h3', { text: `${monthWords(r.month)}: ${r.med}` }),
        h('p', { class: 'note', text: `${r.names.join(', ').replace(/^./, (c) => c.toUpperCase())}. Logged ${r.count} ${r.count === 1 ? 'time' : 'times'}, strongest ${SEVERITY[r.max_severity] ?? r.max_severity}.` }))))]
    : [h('p', { class: 'empty', text: `No side effects logged in the last ${PERIOD_DAYS} days.` })];
  return h('section', { class: 'card', 'aria-labelledby': 'pattern-effects', 'data-pattern': 'effects' },
    h('h2', { id: 'pattern-effects', text: 'Side effects over time' }), ...body);
}

export async function render(root, ctx) {
  const host = h('div', { id: 'patterns' });
  let shown = null;
  async function refresh() {
    const today = localDate();
    const from = addDays(today, 1 - PERIOD_DAYS);
    // From the night before the period, so its first day's mood has its night; a day after today catches zones ahead.
    const records = await listBetween(ctx.db, dayBounds(addDays(from, -7))[0], dayBounds(addDays(today, 2))[0]);
    const meds = await listKind(ctx.db, 'medication');
    const key = `${today}|${JSON.stringify([records.map((r) => [r.id, r.fields]), meds.map((r) => [r.id, r.fields.name])])}`;
    if (key === shown) return;
    shown = key;
    const p = patterns(entriesOf(records), { from, to: today });
    const names = new Map(entriesOf(meds).map((m) => [m.id, m.values.name]));
    host.replaceChildren(...COMPARISONS.map((c) => comparisonCard(p, c)), effectsCard(p, names));
  }
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: 'Patterns' }),
    h('p', { class: 'hint', text: `How your mood went together with sleep, movement and alcohol in the last ${PERIOD_DAYS} days, `
      + 'from what is saved on this phone.' }),
    host,
    onwardLinks(CLINICIAN_LINK, ['#/treatments', 'Treatment history'], ['#/history', 'History']));
  await refresh();
  return { refresh };
}
