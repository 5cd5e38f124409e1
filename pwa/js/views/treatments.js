// Treatment history (#/treatments): each medication, newest first, with its dose steps, dates,
// weeks at the highest dose and why it stopped; then clinic sessions by type. Facts only. The
// server's copy (insights-copy.js) adds adherence and PHQ-9 change for the trials it holds.

import { canFetch, readCopy, refreshCopy } from '../insights-copy.js';
import {
  asOfWords, dayWords, doseWords, entriesOf, localTrials, pickTrials, readingWords, sessionName, sessionWords, sessionsOf, trialFacts,
} from '../insights.js';
import { formSpec } from '../kinds.js';
import { listKind } from '../store.js';
import { localDate } from '../time.js';
import { h } from '../ui.js';
import { STOP_REASONS, changeDose } from './meds.js';

const line = (text, cls = 'note') => (text ? h('p', { class: cls, text }) : null);

function stepList(t) {
  if (t.dose_steps.length < 2) return line(t.dose_steps.length ? `Dose: ${doseWords(t.dose_steps[0].dose, t.dose_steps[0].unit)}` : '');
  return h('div', {}, h('p', { class: 'note', text: 'Dose steps:' }),
    h('ul', { class: 'steps' }, ...t.dose_steps.map((s) => h('li', {
      text: s.dose === 0 ? `Paused from ${dayWords(s.from)}` : `${doseWords(s.dose, s.unit)} from ${dayWords(s.from)}` }))));
}

function datesLine(t) {
  const reason = STOP_REASONS.find(([k]) => k === t.stop_reason)?.[1].toLowerCase();
  const started = t.started_on ? `Started ${dayWords(t.started_on)}` : 'Start not noted';
  return t.stopped_on ? `${started}. Stopped ${dayWords(t.stopped_on)}${reason ? `: ${reason}` : ''}.` : `${started}. Taking it now.`;
}

function trialItem(t, { names, roles, record, onDose }) {
  const facts = trialFacts(t);
  return h('li', { class: 'entry med', 'data-trial': t.medication_id },
    h('h3', { tabindex: '-1', text: t.name }),
    line([roles.get(t.role), t.stopped_on ? 'Stopped' : 'Taking now'].filter(Boolean).join(' · '), 'facts'),
    line(names.has(t.augments) ? `Added to ${names.get(t.augments)}` : ''),
    line(datesLine(t)),
    stepList(t),
    facts.length ? h('ul', { class: 'steps facts' }, ...facts.map((text) => h('li', { text }))) : null,
    !t.stopped_on && record ? h('span', { class: 'entry-actions' }, h('button', { type: 'button', class: 'small',
      'data-act': 'dose', text: 'Change dose', 'aria-label': `Change dose: ${t.name}`, on: { click: () => onDose(record) } })) : null);
}

function sessionCards(sessions) {
  const types = Object.keys(sessions);
  if (!types.length) return [h('p', { class: 'empty', text: 'No clinic sessions logged.' })];
  return types.map((type) => {
    const s = sessions[type];
    const readings = s.readings.map(readingWords).filter(Boolean);
    return h('div', { class: 'entry med', 'data-session': type },
      h('h3', { text: sessionName(type) }), line(sessionWords(s)),
      readings.length ? h('ul', { class: 'steps' }, ...readings.map((text) => h('li', { text }))) : null);
  });
}

function sourceLine(copy, signedIn) {
  if (copy) {
    return `${asOfWords(copy.fetched_at)}: adherence and PHQ-9 from your synced journal (${dayWords(copy.from)} to ${dayWords(copy.to)}).`;
  }
  return signedIn ? 'Adherence and PHQ-9 change appear here after the next sync with a connection.'
    : 'Adherence and PHQ-9 change appear when sync is on.';
}

/** Links to other screens, one a line. */
export function onwardLinks(...links) {
  return h('div', {}, ...links.map(([href, text]) => h('p', { class: 'more-logs' }, h('a', { href, text }))));
}

export const CLINICIAN_LINK = ['#/share', 'Share with my clinician'];

async function draw(parts, ctx, state) {
  const records = await listKind(ctx.db, 'medication');
  const sessions = await listKind(ctx.db, 'session');
  const key = JSON.stringify([records, sessions, state.copy?.fetched_at, state.signedIn]);
  if (key === state.shown) return;
  state.shown = key;
  const entries = entriesOf([...records, ...sessions]);
  const today = localDate();
  const names = new Map(entries.filter((e) => e.kind === 'medication').map((e) => [e.id, e.values.name]));
  const byId = new Map(records.map((r) => [r.id, r]));
  const trials = pickTrials(localTrials(entries, today), state.copy);
  const roles = new Map(formSpec('medication').fields.find((f) => f.name === 'role').options);
  const onDose = async (record) => { await changeDose(ctx, record); await state.refresh(); };
  parts.trials.replaceChildren(...(trials.length
    ? trials.map((t) => trialItem(t, { names, roles, record: byId.get(t.medication_id), onDose }))
    : [h('li', { class: 'empty', text: 'No medications logged yet. Add them on Medications.' })]));
  parts.source.textContent = sourceLine(state.copy, state.signedIn);
  parts.sessions.replaceChildren(...sessionCards(sessionsOf(entries)));
}

export async function render(root, ctx) {
  const parts = { trials: h('ul', { class: 'entries', id: 'trials' }), source: h('p', { class: 'hint', id: 'insights-source' }),
    sessions: h('div', { id: 'sessions' }) };
  const state = { copy: await readCopy(ctx.db), signedIn: await canFetch(ctx.db).catch(() => false), shown: null };
  state.refresh = () => draw(parts, ctx, state);
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: 'Treatment history' }),
    h('p', { class: 'hint', text: 'Each medication you logged, newest first, and your clinic sessions. '
      + 'These are facts from your journal, not a judgement of any treatment.' }),
    parts.source,
    h('section', { class: 'card', 'aria-labelledby': 'trials-h' }, h('h2', { id: 'trials-h', text: 'Medications' }), parts.trials,
      onwardLinks(['#/meds', 'Add or edit medications'])),
    h('section', { class: 'card', 'aria-labelledby': 'sessions-h' }, h('h2', { id: 'sessions-h', text: 'Clinic sessions' }), parts.sessions),
    onwardLinks(CLINICIAN_LINK, ['#/patterns', 'Patterns']));
  await state.refresh();
  // The server's numbers follow when they arrive; the screen is already useful without them.
  if (state.signedIn) {
    refreshCopy(ctx.db).then((copy) => {
      if (!copy || !root.contains(parts.trials)) return;
      state.copy = copy;
      return state.refresh();
    }).catch(console.error);
  }
  return { refresh: state.refresh };
}
