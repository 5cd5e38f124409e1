// PHQ-9 (#/phq9) and GAD-7 (#/gad7): the exact questions, saved as one assessment record; then
// the total and its band, the change since last time, and no advice. A PHQ-9 item 9 answer
// above 0 first shows a calm screen with the person's crisis lines and safety plan.

import { NOBODY_MONITORS } from '../crisis.js';
import {
  ANSWERS, DIFFICULTY, QUESTIONNAIRES, changeText, needsSafetyScreen, scoreText, total,
} from '../questionnaires.js';
import { PROFILE_ID, SAFETY_PLAN_ID, getRecord, listKind, valuesOf } from '../store.js';
import { localIso } from '../time.js';
import { h, newId, saveGuard } from '../ui.js';
import { checkRecord } from '../validate.js';
import { linesFor, planSection } from './help.js';

function question(legend, labels, name, described) {
  const set = h('fieldset', { class: 'choices question', 'data-name': name, 'aria-describedby': described },
    h('legend', { text: legend }));
  const group = newId('q');
  labels.forEach((label, value) => {
    const id = newId('a');
    set.append(h('span', { class: 'pick' },
      h('input', { type: 'radio', id, name: group, value: String(value) }),
      h('label', { for: id, text: label })));
  });
  return set;
}

const chosen = (set) => {
  const el = set.querySelector('input:checked');
  return el ? Number(el.value) : null;
};

/** The last saved total of this questionnaire before now, or null. */
async function previousTotal(db, instrument) {
  const done = (await listKind(db, 'assessment'))
    .map(valuesOf)
    .filter((v) => v.instrument === instrument && Array.isArray(v.answers) && typeof v.at === 'string')
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  return done.length ? total(done[0].answers) : null;
}

function resultView(root, spec, answers, previous) {
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: `${spec.title} saved` }),
    h('section', { class: 'card', 'aria-labelledby': 'score-h' },
      h('h2', { id: 'score-h', text: 'Your total' }),
      h('p', { class: 'score', text: scoreText(spec.instrument, answers) }),
      h('p', { text: changeText(total(answers), previous) })),
    h('a', { class: 'button primary', href: '#/today', text: 'Back to Today' }));
  root.querySelector('h1').focus();
}

/** Shown right after a PHQ-9 whose item 9 is above 0, before anything else. */
async function safetyView(root, ctx, onContinue) {
  const [profile, plan] = await Promise.all([getRecord(ctx.db, PROFILE_ID), getRecord(ctx.db, SAFETY_PLAN_ID)]);
  const country = valuesOf(profile).country ?? '';
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: 'Thank you for answering' }),
    h('p', { class: 'lead', text: 'You said you have had thoughts that you would be better off dead or of hurting ' +
      'yourself. That can be very hard to carry. You deserve support, and you can talk to someone right now.' }),
    h('p', { class: 'notice', text: NOBODY_MONITORS }),
    linesFor(country === 'OTHER' ? 'ZZ' : country),
    planSection(valuesOf(plan)),
    h('p', { text: 'Your answers are saved.' }),
    h('button', { type: 'button', class: 'wide', text: 'Continue', on: { click: onContinue } }));
  root.querySelector('h1').focus();
}

export async function render(root, ctx) {
  const instrument = location.hash.startsWith('#/gad7') ? 'gad7' : 'phq9';
  const spec = QUESTIONNAIRES[instrument];
  const stemId = newId('stem');
  const items = spec.items.map((text, i) => question(`${i + 1}. ${text}`, ANSWERS, `item-${i + 1}`, stemId));
  const difficulty = question(DIFFICULTY.text, DIFFICULTY.answers, 'difficulty');
  const error = h('p', { class: 'error', role: 'alert' });
  const guard = saveGuard(error);
  const onSubmit = async (e) => {
    e.preventDefault();
    const answers = items.map(chosen);
    const missing = answers.indexOf(null);
    if (missing >= 0) {
      error.textContent = `Please answer question ${missing + 1}.`;
      items[missing].querySelector('input').focus();
      return;
    }
    const values = { at: localIso(), instrument, answers, difficulty: chosen(difficulty) };
    const problem = checkRecord('assessment', values, { isNew: true });
    if (problem) {
      error.textContent = problem.message;
      return;
    }
    const previous = await previousTotal(ctx.db, instrument);
    if (!await guard(() => ctx.write({ kind: 'assessment', values }))) return;
    const showResult = () => resultView(root, spec, answers, previous);
    if (needsSafetyScreen(instrument, answers)) await safetyView(root, ctx, showResult);
    else showResult();
  };
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: spec.title }),
    h('form', { novalidate: true, on: { submit: onSubmit } },
      h('p', { class: 'lead', id: stemId, text: spec.stem }),
      ...items, difficulty, error,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Save' }))),
    h('p', { class: 'hint', text: spec.copyright }));
  return {};
}
