// Settings: the profile, the app lock, export and import, the account, adding to the Home Screen.

import { COUNTRIES } from '../crisis.js';
import { buildCsv, buildJson, importRecords, importSummary, parseExport, readAllRecords } from '../export.js';
import { renderFields } from '../forms.js';
import { deviceZone, quietValues, zoneName } from '../routine-rules.js';
import { readAccount } from '../session.js';
import { PROFILE_ID, getRecord, valuesOf } from '../store.js';
import { localDate } from '../time.js';
import { h, newId } from '../ui.js';
import { checkRecord } from '../validate.js';
import { accountSections } from './account-manage.js';
import { lockSection } from './lock-settings.js';

const LABELS = { display_name: 'Your name', country: 'Your country', tz: 'Time zone' };
const QUIET = new Set(['quiet_start', 'quiet_end']);

function say(el, text, error = false) {
  el.className = error ? 'error' : 'saved';
  el.textContent = text;
}

// Chrome offers installing once per page load, often before this screen opens: kept here.
let installPrompt = null;
let showInstall = () => {};
addEventListener('beforeinstallprompt', (e) => {
  installPrompt = e;
  showInstall();
});

/** The device's zone until one is saved; help.js's old "OTHER". */
function shownProfile(stored) {
  const v = { ...stored };
  v.tz = stored.tz ?? deviceZone();
  if (v.country === 'OTHER') v.country = 'ZZ';
  v.discreet_notifications = stored.discreet_notifications !== false;
  return v;
}

/** The values one answer saves, or `{error}`. */
function profileValues(name, value, answers, stored) {
  let values;
  if (QUIET.has(name)) {
    const q = quietValues(answers.quiet_start, answers.quiet_end);
    if (q.error) return { error: q.error.message };
    // Quiet hours are read in the zone the person set them in.
    values = { ...q.values, tz: stored.tz ?? deviceZone() };
  } else if (name === 'tz') {
    values = { tz: zoneName(value) ?? value ?? '' };
  } else {
    values = { [name]: value };
  }
  const problem = checkRecord('profile', values, { labels: LABELS });
  return problem ? { error: problem.message } : { values };
}

/** Fields saved as they change; another device's change shows unless the field has focus. */
function profileCard(ctx, state, { id, title, fields, hint }) {
  const status = h('p', { class: 'saved', role: 'status', id: `${id}-status` });
  const form = renderFields(fields, shownProfile(state.stored), async (name, value) => {
    const control = form.el.querySelector(`[data-name="${name}"]`);
    const result = profileValues(name, value, form.read(), state.stored);
    say(status, result.error ?? '', Boolean(result.error));
    control.toggleAttribute('aria-invalid', Boolean(result.error));
    if (result.error) {
      control.setAttribute('aria-describedby', status.id);
      return;
    }
    control.removeAttribute('aria-describedby');
    try {
      const { record } = await ctx.write({ id: PROFILE_ID, kind: 'profile', values: result.values });
      if (record) state.stored = valuesOf(record);
      if (name === 'tz') control.value = state.stored.tz ?? control.value;
      status.textContent = 'Saved';
    } catch (err) {
      console.error(err);
      say(status, 'Could not save on this device. Please try again.', true);
    }
  });
  let shown = shownProfile(state.stored);
  const refresh = () => {
    const next = shownProfile(state.stored);
    for (const f of fields) {
      const control = form.el.querySelector(`[data-name="${f.name}"]`);
      if (next[f.name] === shown[f.name] || control === document.activeElement) continue;
      if (control.type === 'checkbox') control.checked = next[f.name] === true;
      else control.value = next[f.name] ?? '';
      shown = { ...shown, [f.name]: next[f.name] };
    }
  };
  const el = h('section', { class: 'card', 'aria-labelledby': id },
    h('h2', { id, text: title }), form.el, hint && h('p', { class: 'hint', text: hint }), status);
  return { el, refresh };
}

function aboutYou(ctx, state) {
  const zones = [...new Set([deviceZone(), 'UTC', ...(Intl.supportedValuesOf?.('timeZone') ?? [])])];
  const card = profileCard(ctx, state, {
    id: 'profile-h',
    title: 'About you',
    fields: [
      { name: 'display_name', type: 'text', label: 'Your name (optional)' },
      { name: 'country', type: 'select', label: 'Your country (for the crisis lines in Get help)',
        options: COUNTRIES.map((c) => [c.code, c.name]) },
      { name: 'tz', type: 'text', label: 'Time zone', suggestions: zones },
    ],
    hint: `Reminders and quiet hours follow your time zone. This device is set to ${deviceZone()}.`,
  });
  // The same words as the country choice in Get help.
  card.el.querySelector('select option[value=""]').textContent = 'Choose…';
  return card;
}

function quietCard(ctx, state) {
  return profileCard(ctx, state, {
    id: 'quiet-h',
    title: 'Reminders and privacy',
    fields: [
      { name: 'discreet_notifications', type: 'check',
        label: 'Discreet reminders: “Time for your 8:00 routine”, never a medication or routine name' },
      { name: 'quiet_start', type: 'time', label: 'Quiet hours start' },
      { name: 'quiet_end', type: 'time', label: 'Quiet hours end' },
    ],
    hint: 'Reminders other than medication wait until quiet hours end.',
  });
}

/** Made here, nothing is sent. */
function saveFile(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

async function exportFile(ctx, kind, status) {
  const records = await readAllRecords(ctx.db);
  const now = Date.now();
  const name = `tend-export-${localDate(now)}.${kind}`;
  if (kind === 'json') saveFile(name, buildJson(records, now), 'application/json');
  else saveFile(name, buildCsv(records), 'text/csv;charset=utf-8');
  const count = kind === 'json' ? records.length : records.filter((r) => !r.deleted).length;
  say(status, `Exported ${count} ${count === 1 ? 'entry' : 'entries'} to ${name}.`);
}

async function importFile(ctx, input, status) {
  const file = input.files?.[0];
  if (!file) return;
  say(status, 'Importing…');
  try {
    const parsed = parseExport(await file.text(), Date.now());
    if (parsed.error) return say(status, parsed.error, true);
    const counts = await importRecords(ctx.db, parsed.records, Date.now());
    // Like a local write: sync soon, tell other tabs, redraw.
    if (counts.updated + counts.created > 0) await ctx.afterWrite?.();
    status.textContent = importSummary({ ...counts, skipped: parsed.skipped });
  } catch (err) {
    console.error(err);
    say(status, 'Nothing was imported: this device could not save it. Please try again.', true);
  } finally {
    input.value = '';
  }
}

function dataCard(ctx) {
  const status = h('p', { class: 'saved', role: 'status', id: 'data-status' });
  const fileId = newId('import');
  const input = h('input', { type: 'file', id: fileId, class: 'file', accept: 'application/json,.json',
    on: { change: () => importFile(ctx, input, status) } });
  const exportButton = (kind, text) => h('button', { type: 'button', text,
    on: { click: () => exportFile(ctx, kind, status).catch((err) => {
      console.error(err);
      say(status, 'The export could not be made. Please try again.', true);
    }) } });
  return h('section', { class: 'card', 'aria-labelledby': 'data-h' },
    h('h2', { id: 'data-h', text: 'Your data' }),
    h('p', { text: 'Export everything saved on this device, also offline. The files hold your private notes: keep them somewhere safe.' }),
    h('div', { class: 'actions' },
      exportButton('json', 'Export everything (JSON)'), exportButton('csv', 'Export a spreadsheet (CSV)')),
    h('p', { class: 'hint', text: 'JSON keeps everything and can be imported again. CSV opens in a spreadsheet.' }),
    h('div', { class: 'field import' }, h('label', { for: fileId, text: 'Import a Tend export (JSON)' }), input),
    h('p', { class: 'hint', text: 'Importing adds what the file has and this device does not. Newer changes here are kept.' }),
    status);
}

const isStandalone = () => matchMedia('(display-mode: standalone)').matches || navigator.standalone === true;

function installCard() {
  const button = h('button', { type: 'button', class: 'primary', text: 'Install Tend', hidden: !installPrompt,
    on: { click: async () => {
      const prompt = installPrompt;
      installPrompt = null;
      button.hidden = true;
      await prompt?.prompt();
    } } });
  showInstall = () => { button.hidden = false; };
  const steps = (items) => h('ol', { class: 'steps' }, ...items.map((text) => h('li', { text })));
  return h('section', { class: 'card', 'aria-labelledby': 'install-h' },
    h('h2', { id: 'install-h', text: 'Add Tend to your Home Screen' }),
    h('p', { text: 'Tend then opens like an app and works offline. On iPhone and iPad it also keeps your entries from being erased after 7 days unused.' }),
    h('h3', { text: 'iPhone or iPad' }),
    steps(['Open Tend in Safari.', 'Tap Share (the square with an arrow pointing up).', 'Choose “Add to Home Screen”, then Add.']),
    h('h3', { text: 'Android' }),
    steps(['Open Tend in Chrome.', 'Tap the menu (three dots, top right).', 'Choose “Install app” or “Add to Home screen”.']),
    button);
}

async function accountArea(ctx) {
  const [sections, { account }] = await Promise.all([
    accountSections(ctx).catch((err) => { console.error(err); return []; }), readAccount(ctx.db)]);
  const area = h('section', { class: 'settings-account', 'aria-labelledby': 'settings-account-h' },
    h('h2', { id: 'settings-account-h', text: 'Account' }));
  if (!account) {
    area.append(h('p', {}, 'Sync is off: your entries are only on this device. ',
      h('a', { href: '#/account', text: 'Turn on sync' })));
  }
  area.append(...sections);
  return area;
}

export async function render(root, ctx) {
  const state = { stored: valuesOf(await getRecord(ctx.db, PROFILE_ID)) };
  const about = aboutYou(ctx, state);
  const quiet = quietCard(ctx, state);
  const [lock, account] = await Promise.all([
    lockSection(ctx).catch((err) => { console.error(err); return null; }), accountArea(ctx)]);
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: 'Settings' }),
    about.el, quiet.el, dataCard(ctx), lock, account, isStandalone() ? null : installCard());
  async function refresh() {
    state.stored = valuesOf(await getRecord(ctx.db, PROFILE_ID));
    about.refresh();
    quiet.refresh();
  }
  return { refresh };
}
