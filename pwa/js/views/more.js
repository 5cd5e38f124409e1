// More (#/more): everything but daily logs, each with a line saying what is there, so nobody
// hunts for a setting.

import { readAccount } from '../session.js';
import { h, newId } from '../ui.js';

const PLACES = [
  ['#/routines', 'Routines and reminders', 'Medication, sleep and movement routines, and test reminders.'],
  ['#/treatments', 'Treatment history', 'Each medication and clinic session, with doses, dates and weeks.'],
  ['#/patterns', 'Patterns', 'Mood beside sleep, movement and alcohol; side effects by month.'],
  ['#/share', 'Share with my clinician', 'A summary of what you choose, for as long as you choose.'],
  ['#/plan', 'My safety plan', 'Warning signs, what helps, and who to call. Works offline.'],
  ['#/phq9', 'PHQ-9 questionnaire', 'Nine questions about the last two weeks.'],
  ['#/gad7', 'GAD-7 questionnaire', 'Seven questions about worry and anxiety.'],
  ['#/settings', 'Settings', 'Name, country, time zone, quiet hours, app lock, export and import, account.'],
];

function syncPlace(account) {
  const hint = account ? `Signed in as ${account.username}. Sync now, sign out, entries not yet saved.`
    : 'Keep your journal on more than one device, and safe if this one is lost.';
  return ['#/account', account ? 'Sync and account' : 'Turn on sync', hint];
}

// A short name for screen readers; the line is its description.
function place([href, text, hint]) {
  const id = newId('more');
  return h('li', {}, h('a', { href, 'aria-describedby': id, text }), h('span', { class: 'hint', id, text: hint }));
}

export async function render(root, ctx) {
  const { account } = ctx.db ? await readAccount(ctx.db) : { account: null };
  const places = [PLACES[0], syncPlace(account), PLACES[7], ...PLACES.slice(1, 7)];
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: 'More' }),
    h('section', { class: 'card', 'aria-label': 'Places in Tend' },
      h('ul', { class: 'more-list' }, ...places.map(place))));
  return {};
}
