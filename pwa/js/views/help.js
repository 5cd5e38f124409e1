// Get help: crisis lines for the country the person chose, emergency numbers, and their own
// safety plan. Works offline and without an account; renders before reading the device store.

import { COUNTRIES, NOBODY_MONITORS, crisisInfo, phoneParts } from '../crisis.js';
import { PROFILE_ID, SAFETY_PLAN_ID, getRecord, valuesOf } from '../store.js';
import { h, newId } from '../ui.js';

export const PLAN_SECTIONS = [
  ['warning_signs', 'Warning signs that a crisis may be starting'],
  ['coping', 'Things I can do on my own to cope'],
  ['distractions', 'People and places that take my mind off things'],
  ['people_to_ask', 'People I can ask for help'],
  ['professionals', 'Professionals and services I can contact'],
  ['safe_environment', 'Making my surroundings safer'],
];

function countryLines(code, headingLevel = 'h3') {
  const info = crisisInfo(code);
  const out = [];
  for (const line of info.lines) {
    out.push(h('div', { class: 'line' },
      h(headingLevel, { text: line.name }),
      h('p', { text: line.detail }),
      h('div', { class: 'actions' }, ...line.actions.map((a) =>
        h('a', { class: 'button primary', href: a.href, text: a.label })))));
  }
  if (info.note) {
    out.push(h('p', { class: 'line' }, `${info.note.text} `,
      h('a', { href: info.note.href, target: '_blank', rel: 'noopener noreferrer', text: info.note.label }), '.'));
  }
  if (info.emergency.length) {
    out.push(h('div', { class: 'actions' }, ...info.emergency.map((e) =>
      h('a', { class: 'button', href: e.href, text: e.label }))));
  } else {
    out.push(h('p', { text: 'In an emergency, call your local emergency number.' }));
  }
  return out;
}

export function linesFor(code) {
  if (crisisInfo(code)) return h('section', { class: 'card', 'aria-labelledby': 'lines-h' },
    h('h2', { id: 'lines-h', text: `Talk to someone now (${COUNTRIES.find((c) => c.code === code)?.name ?? 'Somewhere else'})` }),
    ...countryLines(code));
  return h('section', { class: 'card', 'aria-labelledby': 'lines-h' },
    h('h2', { id: 'lines-h', text: 'Talk to someone now' }),
    h('p', { text: 'Choose your country above to see only its lines. All of them:' }),
    ...COUNTRIES.map((c) => h('div', { class: 'country' }, h('h3', { text: c.name }), ...countryLines(c.code, 'h4'))));
}

/** The person's own words, with each phone number in them a tap-to-call link. */
const phoneLinked = (text) => phoneParts(text).map((p) => (p.tel ? h('a', { href: `tel:${p.tel}`, text: p.text }) : p.text));

export function planSection(values) {
  const filled = PLAN_SECTIONS.filter(([k]) => typeof values[k] === 'string' && values[k].trim());
  const body = filled.length
    ? h('dl', { class: 'plan' }, ...filled.flatMap(([k, label]) => [h('dt', { text: label }), h('dd', {}, ...phoneLinked(values[k]))]))
    : h('p', { text: 'A safety plan is a short list, in your own words, of what helps when things get hard. ' +
        'Writing it on a calmer day means it is here when you need it.' });
  return h('section', { class: 'card', 'aria-labelledby': 'plan-h' },
    h('h2', { id: 'plan-h', text: 'My safety plan' }), body,
    h('a', { class: 'button', href: '#/plan', text: filled.length ? 'Edit my safety plan' : 'Write my safety plan' }));
}

export function render(root, ctx) {
  const selectId = newId('country');
  const select = h('select', { id: selectId, on: { change: async () => {
    await ctx.write({ id: PROFILE_ID, kind: 'profile', values: { country: select.value || null } });
    linesHost.replaceChildren(linesFor(select.value));
  } } }, h('option', { value: '', text: 'Choose…' }),
  ...COUNTRIES.map((c) => h('option', { value: c.code, text: c.name })));
  const linesHost = h('div', {}, linesFor(''));
  const planHost = h('div', {}, planSection({}));
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: 'Get help' }),
    h('p', { class: 'lead', text: 'If you are thinking about ending your life or hurting yourself, ' +
      'you deserve support right now. You can call or text one of these lines, any time.' }),
    h('p', { class: 'notice', text: NOBODY_MONITORS }),
    h('div', { class: 'field' }, h('label', { for: selectId, text: 'Your country' }), select),
    linesHost,
    planHost,
  );
  async function refresh() {
    const [profile, plan] = await Promise.all([getRecord(ctx.db, PROFILE_ID), getRecord(ctx.db, SAFETY_PLAN_ID)]);
    const stored = valuesOf(profile).country ?? '';
    const country = stored === 'OTHER' ? 'ZZ' : stored;
    if (document.activeElement !== select && select.value !== country) {
      select.value = country;
      linesHost.replaceChildren(linesFor(country));
    }
    planHost.replaceChildren(planSection(valuesOf(plan)));
  }
  refresh().catch(() => {});
  return { refresh };
}
