// Today, the home screen: one tap logs a mood, details refine the same check-in, quick logs,
// and today's entries (newest first), each editable and deletable with undo.

import { renderFields } from '../forms.js';
import { CHECKIN_DETAILS, toValues } from '../kinds.js';
import { getMeta, listKind, setMeta, valuesOf } from '../store.js';
import { addDays, localClock, localDate, localIso } from '../time.js';
import { choose, h, snack } from '../ui.js';
import { checkRecord } from '../validate.js';
import { dayItems } from './entries.js';
import { openForm } from './log.js';

// A mood tap this long after the check-in was last touched is a new moment, not a correction.
export const CHECKIN_IDLE_MS = 30 * 60 * 1000;
// A PHQ-9 is offered once this long has passed since the last one (or since "Not now").
export const PHQ9_EVERY_MS = 14 * 24 * 60 * 60 * 1000;

/** When the PHQ-9 offer shows: none done yet, or the last one and any "Not now" 14 days old. */
export function phq9Offered(lastAtMs, dismissedAtMs, nowMs) {
  const since = (ms) => ms === null || nowMs - ms >= PHQ9_EVERY_MS;
  return since(lastAtMs) && since(dismissedAtMs);
}

/** Tags used in check-ins, most recent first (each once). */
export function tagsByRecency(checkins) {
  const dated = checkins.filter((v) => Array.isArray(v.tags)).sort((a, b) => (Date.parse(b.at) || 0) - (Date.parse(a.at) || 0));
  return [...new Set(dated.flatMap((v) => v.tags))];
}

async function recentTags(db) {
  return tagsByRecency((await listKind(db, 'checkin')).map(valuesOf));
}

async function phq9Offer(ctx) {
  const [done, dismissed] = await Promise.all([listKind(ctx.db, 'assessment'), getMeta(ctx.db, 'phq9_offer_dismissed_at')]);
  const times = done.map(valuesOf).filter((v) => v.instrument === 'phq9').map((v) => Date.parse(v.at)).filter(Number.isFinite);
  const last = times.length ? Math.max(...times) : null;
  if (!phq9Offered(last, dismissed ?? null, Date.now())) return null;
  const card = h('section', { class: 'card', 'aria-labelledby': 'phq9-h', id: 'phq9-offer' },
    h('h2', { id: 'phq9-h', text: 'A PHQ-9 when you are ready' }),
    h('p', { text: 'Nine questions about the last two weeks. Your clinician may ask for it; skipping it is fine.' }),
    h('div', { class: 'actions' },
      h('a', { class: 'button primary', href: '#/phq9', text: 'Start the PHQ-9' }),
      h('button', { type: 'button', text: 'Not now', on: { click: async () => {
        await setMeta(ctx.db, 'phq9_offer_dismissed_at', Date.now());
        card.remove();
      } } })));
  return card;
}
const DETAIL_LABELS = Object.fromEntries(CHECKIN_DETAILS.map((f) => [f.name, f.label]));

const QUICK = [
  ['dose', 'Dose taken'],
  ['sleep', 'Sleep last night'],
  ['activity', 'Movement'],
  ['alcohol', 'Alcohol'],
  ['meal', 'Meal'],
  ['effect', 'Side effect'],
];

const newCheckin = () => ({ id: null, at: null, day: null, touchedMs: 0, queue: Promise.resolve() });

const isStale = (checkin, nowMs) =>
  checkin.at && (nowMs - checkin.touchedMs > CHECKIN_IDLE_MS || localDate(nowMs) !== checkin.day);

// A check-in's writes run one after another, so the second tap edits the record the first created.
function queueSave(ctx, c, values, savedLine) {
  const started = performance.now();
  c.touchedMs = Date.now();
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
}

function moodButtons(onPick) {
  const row = h('div', { class: 'mood-row', role: 'group', 'aria-labelledby': 'mood-h', 'aria-describedby': 'mood-hint' });
  for (let n = 0; n <= 10; n++) {
    row.append(h('button', {
      type: 'button', class: 'mood', 'data-mood': String(n), 'aria-pressed': 'false',
      'aria-label': `Mood ${n} out of 10`, text: String(n), on: { click: () => onPick(n) },
    }));
  }
  return row;
}

const pressMood = (row, n) => {
  for (const b of row.children) b.setAttribute('aria-pressed', String(Number(b.dataset.mood) === n));
};

function showDetails(details, { ownTags, saveDetail, detailError, finish }) {
  // The person's own tags come first, most recently used first, then the suggested ones.
  const fields = CHECKIN_DETAILS.map((f) => (f.type === 'chips' ? { ...f, options: [...new Set([...ownTags, ...f.options])] } : f));
  const form = renderFields(fields, {}, saveDetail);
  detailError.textContent = '';
  details.replaceChildren(
    h('h2', { id: 'details-h', text: 'Add details (optional)' }),
    form.el, detailError,
    h('button', { type: 'button', class: 'primary', text: 'Done', on: { click: finish } }),
  );
  details.hidden = false;
}

// After a tap the details stay folded behind "Add details", so the quick logs below remain on
// the first screen of a phone; "Done" ends the check-in either way.
function checkinActions(details, detailParts) {
  const more = h('button', { type: 'button', text: 'Add details', 'aria-controls': 'details',
    on: { click: () => {
      showDetails(details, detailParts);
      row.hidden = true;
      details.querySelector('input, button')?.focus();
    } } });
  const row = h('div', { class: 'actions', id: 'checkin-actions', hidden: true },
    more, h('button', { type: 'button', text: 'Done', on: { click: () => detailParts.finish() } }));
  return row;
}

// One check-in at a time: "Done", a new day or a long pause starts a new one; saves still
// queued finish on the old one, never on the new.
function moodCheckin(ctx) {
  let checkin = newCheckin();
  const savedLine = h('p', { class: 'saved', id: 'mood-saved', role: 'status' });
  const details = h('section', { class: 'card details', id: 'details', hidden: true, 'aria-labelledby': 'details-h' });
  const moodRow = moodButtons((n) => pickMood(n));
  const save = (values) => queueSave(ctx, checkin, values, savedLine);
  // A detail is saved only when the server will take it; otherwise this says why (apart from
  // the "Saved" line, which a save finishing later would overwrite).
  const detailError = h('p', { class: 'error', role: 'alert' });
  const saveDetail = (name, value) => {
    const values = toValues('checkin', { [name]: value });
    const problem = checkRecord('checkin', values, { labels: DETAIL_LABELS });
    detailError.textContent = problem?.message ?? '';
    if (!problem) save(values);
  };
  const detailParts = { ownTags: [], saveDetail, detailError, finish };
  const actions = checkinActions(details, detailParts);
  const fold = () => {
    details.hidden = true;
    details.replaceChildren();
  };
  recentTags(ctx.db).then((own) => { detailParts.ownTags = own; }).catch(() => {});
  function pickMood(n) {
    const now = Date.now();
    // The earlier check-in keeps its mood; this tap starts the next one, with fresh details.
    if (isStale(checkin, now)) {
      checkin = newCheckin();
      fold();
    }
    pressMood(moodRow, n);
    savedLine.textContent = 'Saving…';
    checkin.at ??= localIso(now);
    checkin.day ??= localDate(now);
    save({ mood: n });
    if (details.hidden) actions.hidden = false;
  }
  async function finish() {
    const done = checkin;
    checkin = newCheckin();
    fold();
    actions.hidden = true;
    pressMood(moodRow, null);
    moodRow.firstChild.focus();
    await done.queue;
    if (done.id) snack('Check-in saved');
  }
  const card = h('section', { class: 'card', 'aria-labelledby': 'mood-h' },
    h('h2', { id: 'mood-h', text: 'How is your mood right now?' }),
    h('p', { class: 'hint', id: 'mood-hint', text: '0 is the lowest, 10 the best. One tap saves it.' }),
    moodRow, savedLine, actions);
  return { card, details };
}

async function logMore(ctx) {
  // The forms behind "More…" live in their own module, loaded the first time one opens.
  const { MORE_LOGS } = await import('../more-forms.js');
  const form = await choose('Log something else', 'Choose what to log.',
    [...MORE_LOGS.map(([value, label]) => ({ label, value })), { label: 'Cancel', value: null }]);
  if (form) await openForm(ctx, form);
}

function quickLogCard(ctx) {
  return h('section', { class: 'card', 'aria-labelledby': 'quick-h' },
    h('h2', { id: 'quick-h', text: 'Log something else' }),
    h('div', { class: 'quick' }, ...QUICK.map(([form, label]) => h('button', {
      type: 'button', class: 'quick-btn', 'data-form': form, text: label,
      on: { click: () => openForm(ctx, form) },
    })), h('button', { type: 'button', class: 'quick-btn', 'data-form': 'more', text: 'More…', on: { click: () => logMore(ctx) } })),
    h('p', { class: 'more-logs' }, 'Questionnaires: ', h('a', { href: '#/phq9', text: 'PHQ-9' }), ' · ',
      h('a', { href: '#/gad7', text: 'GAD-7' })),
    h('p', { class: 'more-logs' }, h('a', { href: '#/meds', text: 'My medications' })));
}

function entriesCard(ctx) {
  const list = h('ul', { class: 'entries', id: 'entries' });
  const earlier = h('a', { class: 'button', href: `#/day/${addDays(localDate(), -1)}`, text: 'Earlier days' });
  async function refresh() {
    const today = localDate();
    list.replaceChildren(...await dayItems(ctx, today, 'Nothing logged yet today.'));
    earlier.href = `#/day/${addDays(today, -1)}`;
    if (!performance.getEntriesByName('tend:today-listed').length) performance.mark('tend:today-listed');
  }
  const el = h('section', { class: 'card', 'aria-labelledby': 'entries-h' },
    h('h2', { id: 'entries-h', text: 'Today’s entries' }), list,
    h('div', { class: 'actions' }, earlier));
  return { el, refresh };
}

export function render(root, ctx) {
  const mood = moodCheckin(ctx);
  const entries = entriesCard(ctx);
  const offerHost = h('div');
  root.replaceChildren(h('h1', { tabindex: '-1', text: 'Today' }), mood.card, mood.details, quickLogCard(ctx), offerHost, entries.el);
  entries.refresh();
  phq9Offer(ctx).then((card) => card && offerHost.replaceChildren(card)).catch(() => {});
  return { refresh: entries.refresh };
}
