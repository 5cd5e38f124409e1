// Write or edit the safety plan (a synced singleton record), in the person's own words.

import { SAFETY_PLAN_ID, getRecord, valuesOf } from '../store.js';
import { h, newId, saveGuard, snack } from '../ui.js';
import { checkRecord } from '../validate.js';
import { PLAN_SECTIONS } from './help.js';

export async function render(root, ctx) {
  const values = valuesOf(await getRecord(ctx.db, SAFETY_PLAN_ID));
  const inputs = {};
  const fields = PLAN_SECTIONS.map(([key, label]) => {
    const id = newId('plan');
    inputs[key] = h('textarea', { id, rows: 3, value: values[key] ?? '' });
    return h('div', { class: 'field' }, h('label', { for: id, text: label }), inputs[key]);
  });
  const status = h('p', { role: 'status', class: 'saved' });
  const error = h('p', { role: 'alert', class: 'error' });
  const guard = saveGuard(error);
  const onSubmit = async (e) => {
    e.preventDefault();
    const next = {};
    for (const [key] of PLAN_SECTIONS) next[key] = inputs[key].value.trim() || null;
    const problem = checkRecord('safety_plan', next, { labels: Object.fromEntries(PLAN_SECTIONS) });
    if (problem) {
      error.textContent = problem.message;
      inputs[problem.field]?.focus();
      return;
    }
    if (!await guard(() => ctx.write({ id: SAFETY_PLAN_ID, kind: 'safety_plan', values: next }))) return;
    status.textContent = 'Saved';
    snack('Safety plan saved');
    location.hash = '#/help';
  };
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: 'My safety plan' }),
    h('p', { class: 'hint', text: 'Write as much or as little as helps. It is saved on this device, ' +
      'and synced to your other devices if sync is on. Phone numbers you write here can be tapped to call ' +
      'from Get help.' }),
    h('form', { novalidate: true, on: { submit: onSubmit } }, ...fields, error, status,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', text: 'Save' }),
        h('a', { class: 'button', href: '#/help', text: 'Cancel' }))),
  );
  return {};
}
