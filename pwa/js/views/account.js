// Sync and account: works with no account; turn on sync (create or sign in), show the
// one-time recovery code, sign out without ever silently discarding unsynced entries.

import { formOf, labelsOf, summarize } from '../kinds.js';
import { anySpec } from '../more-forms.js';
import { readDeadLetters, unsyncedCounts } from '../outbox.js';
import { IOS_7_DAYS, iosNotInstalled } from '../platform.js';
import { checkNewAccount, eraseDevice, readAccount, signIn, signOut } from '../session.js';
import { discardRejected, getRecord, valuesOf } from '../store.js';
import { entries, entriesAre } from '../sync-rules.js';
import { localClock } from '../time.js';
import { h, newId, choose, snack } from '../ui.js';
import { checkRecord } from '../validate.js';
import { recoverForm } from './account-manage.js';
import { medications, openForm } from './log.js';

// Where a refused entry without a quick-log form is put right.
const FIX_ROUTES = { profile: '#/help', safety_plan: '#/plan', routine: '#/routines' };
const KIND_NAMES = { profile: 'Your settings', safety_plan: 'Your safety plan', routine: 'A routine' };

function field(label, attrs) {
  const id = newId('acct');
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), h('input', { id, ...attrs }));
}

function authForm(ctx, mode, username, done, forgot = null) {
  const user = field('Username', { type: 'text', name: 'username', autocomplete: 'username', autocapitalize: 'none',
    spellcheck: 'false', required: true, minlength: 3, maxlength: 64, value: username ?? '' });
  const pass = field(mode === 'signup' ? 'Passphrase (at least 10 characters)' : 'Passphrase', {
    type: 'password', name: 'passphrase', required: true, minlength: mode === 'signup' ? 10 : undefined,
    autocomplete: mode === 'signup' ? 'new-password' : 'current-password' });
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary', text: mode === 'signup' ? 'Create account' : 'Sign in' });
  const onSubmit = async (e) => {
    e.preventDefault();
    const u = user.querySelector('input').value;
    const p = pass.querySelector('input').value;
    const problem = mode === 'signup' ? checkNewAccount(u, p) : (!u || !p ? 'Please enter your username and passphrase.' : null);
    if (problem) { error.textContent = problem; return; }
    button.disabled = true;
    error.textContent = '';
    const result = await signIn(ctx.db, mode, u, p);
    button.disabled = false;
    if (!result.ok) { error.textContent = result.error; return; }
    ctx.syncNow();
    done(result);
  };
  return h('form', { class: 'card', 'data-form': mode, novalidate: true, on: { submit: onSubmit } },
    h('h2', { text: mode === 'signup' ? 'Create an account' : 'Sign in' }), user, pass, error, button,
    forgot && h('p', { class: 'forgot' }, h('button', { type: 'button', class: 'ghost link',
      text: 'Forgot your passphrase? Use your recovery code', on: { click: forgot } })));
}

function recoveryStep(code, onContinue, replaced = false) {
  const checkId = newId('wrote');
  const go = h('button', { type: 'button', class: 'primary', text: 'Continue', disabled: true, on: { click: onContinue } });
  return h('section', { class: 'card', 'aria-labelledby': 'rec-h' },
    h('h2', { id: 'rec-h', text: 'Write down your recovery code' }),
    h('p', { text: 'If you ever forget your passphrase, this code is the only way back into your account. ' +
      'It is shown only this once. Write it down and keep it somewhere safe.' }),
    replaced && h('p', { text: 'This is a new code: the one you used to sign in no longer works.' }),
    h('p', { class: 'code', id: 'recovery-code', text: code }),
    h('div', { class: 'check' },
      h('input', { type: 'checkbox', id: checkId, on: { change: (e) => { go.disabled = !e.target.checked; } } }),
      h('label', { for: checkId, text: 'I have written it down' })),
    go);
}

/** "Sync now" from a dialog: a sentence when the sync did not get through. */
function syncFailure(outcome) {
  if (!outcome || outcome.kind === 'ok') return null;
  if (outcome.kind === 'offline') return 'Could not sync: this device is offline. Your entries are still saved here.';
  if (outcome.kind === 'signin') return 'Could not sync: please sign in again first.';
  return 'Could not sync right now. Your entries are still saved here; please try again later.';
}

async function signOutFlow(ctx, rerender, failure = null) {
  // Refused entries exist only here too: erasing would lose them just the same.
  const pending = (await unsyncedCounts(ctx.db)).total;
  const keep = { label: 'Sign out and keep entries on this device', value: 'keep' };
  const erase = { label: 'Sign out and erase this device', value: 'erase', danger: true };
  const cancel = { label: 'Cancel', value: null };
  const choice = pending > 0
    ? await choose('Sign out?', `${failure ? `${failure} ` : ''}${entriesAre(pending)} not yet synced. ` +
        'They exist only on this device.', [{ label: 'Sync now', value: 'sync', primary: true }, keep, erase, cancel])
    : await choose('Sign out?', 'Everything on this device is synced.', [keep, erase, cancel]);
  if (choice === 'sync') {
    const outcome = await ctx.syncNow();
    return signOutFlow(ctx, rerender, syncFailure(outcome));
  }
  if (choice === 'erase' && pending > 0) {
    const sure = await choose('Erase unsynced entries?', `This deletes ${entries(pending)} ` +
      'that are not on the server or any other device. This cannot be undone.',
    [{ label: `Erase ${pending} unsynced ${pending === 1 ? 'entry' : 'entries'}`, value: 'erase', danger: true }, cancel]);
    if (sure !== 'erase') return;
  }
  if (!choice) return;
  await signOut(ctx.db, choice);
  snack(choice === 'erase' ? 'Signed out and erased this device' : 'Signed out. Your entries stay on this device.');
  ctx.afterWrite();
  rerender();
}

/** Refused changes grouped by the entry they belong to, with what the entry says now. */
async function refusedEntries(ctx, dead) {
  const byRecord = new Map();
  for (const d of dead) byRecord.set(d.record_id, [...(byRecord.get(d.record_id) ?? []), d]);
  const names = new Map((await medications(ctx.db)).map((m) => [m.id, m.name]));
  const out = [];
  for (const [id, changes] of byRecord) {
    const record = await getRecord(ctx.db, id);
    out.push({ id, record, changes, kind: record?.kind ?? changes[0].kind, medName: (m) => names.get(m) ?? null });
  }
  return out;
}

/** Why the server refused an entry, in the words of its form when the rules can tell. */
function reasonFor(item) {
  const form = item.record && anySpec(formOf(item.record));
  if (form) {
    const problem = checkRecord(item.kind, valuesOf(item.record), { labels: labelsOf(form) });
    if (problem) return problem.message;
  }
  const detail = item.changes[0].error?.detail;
  return detail ? `The server said: ${detail}` : 'The server did not accept this change.';
}

const shortDate = (iso) => new Date(Date.parse(iso)).toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });

function refusedItem(ctx, item, rerender) {
  const reason = reasonFor(item);
  const when = item.record?.fields.at?.v ?? item.record?.fields.wake_at?.v;
  const what = item.record && anySpec(formOf(item.record))
    ? summarize(item.record, item.medName) : (KIND_NAMES[item.kind] ?? item.kind);
  const fix = async () => {
    if (FIX_ROUTES[item.kind] || !item.record || !anySpec(formOf(item.record))) {
      location.hash = FIX_ROUTES[item.kind] ?? '#/today';
      return;
    }
    await openForm(ctx, formOf(item.record), item.record, {}, { reason });
    rerender();
  };
  const discard = async () => {
    const sure = await choose('Discard your change?', 'This entry goes back to how it was before your change. ' +
      'If the server never had it, it is removed from this device.',
    [{ label: 'Discard my change', value: true, danger: true }, { label: 'Keep it', value: null }]);
    if (!sure) return;
    await discardRejected(ctx.db, item.id);
    ctx.afterWrite();
    snack('Change discarded');
    rerender();
  };
  return h('li', { class: 'entry refused', 'data-id': item.id },
    h('span', { class: 'when', text: when ? `${shortDate(when)} ${localClock(when)}` : '' }),
    h('span', { class: 'what', text: what }),
    h('span', { class: 'note', text: reason }),
    h('span', { class: 'entry-actions' },
      h('button', { type: 'button', class: 'small primary', text: 'Fix', 'aria-label': `Fix: ${what}`, on: { click: fix } }),
      h('button', { type: 'button', class: 'small', text: 'Discard my change', 'aria-label': `Discard my change: ${what}`,
        on: { click: discard } })));
}

async function refusedList(ctx, dead, rerender) {
  if (dead.length === 0) return null;
  const items = await refusedEntries(ctx, dead);
  return h('section', { class: 'card', 'aria-labelledby': 'dead-h' },
    h('h2', { id: 'dead-h', text: `${entries(items.length)} could not be saved to the server` }),
    h('p', { text: `${items.length === 1 ? 'It is' : 'They are'} still saved on this device. ` +
      'Fix what the server could not accept, or discard your change.' }),
    h('ul', { class: 'entries' }, ...items.map((item) => refusedItem(ctx, item, rerender))));
}

async function storageNote() {
  const persisted = await globalThis.navigator?.storage?.persisted?.().catch(() => false);
  const notes = [h('p', { text: persisted
    ? 'This browser has agreed to keep Tend’s data on this device.'
    : 'This browser may clear Tend’s data if the device runs low on space.' })];
  const standalone = globalThis.matchMedia?.('(display-mode: standalone)').matches ?? false;
  if (iosNotInstalled(globalThis.navigator, standalone)) notes.push(h('p', { class: 'notice', text: IOS_7_DAYS }));
  return h('section', { class: 'card', 'aria-labelledby': 'store-h' }, h('h2', { id: 'store-h', text: 'On this device' }), ...notes);
}

/** Signed out: why, then create an account and sign in (or the recovery-code way in), and erase. */
function signedOutParts(ctx, { account, owner, total }, { draw, recovering, setRecovering }) {
  const parts = [];
  if (account?.needs_signin) {
    parts.push(h('p', { class: 'notice', text: 'Your session has ended. Sign in again to keep syncing. ' +
      'Everything is still saved on this device.' }));
  } else {
    parts.push(h('p', { class: 'lead', text: 'Tend works without an account: everything stays on this device. ' +
      'Turn on sync to keep a copy on the server and use Tend on more than one device. ' +
      'Everything you have logged so far will upload.' }));
  }
  const done = (result) => (result.recoveryCode ? draw(result.recoveryCode, recovering) : draw());
  const username = account?.username ?? owner ?? '';
  if (recovering) {
    parts.push(recoverForm(ctx, username, done, () => setRecovering(false)));
  } else {
    if (!account?.needs_signin) parts.push(authForm(ctx, 'signup', '', done));
    parts.push(authForm(ctx, 'login', username, done, () => setRecovering(true)));
  }
  if (owner) {
    parts.push(h('section', { class: 'card' },
      h('p', { text: `The entries on this device belong to the account “${owner}”.` }),
      h('button', { type: 'button', class: 'danger', text: 'Erase this device', on: { click: async () => {
        const sure = await choose('Erase this device?', total
          ? `${entriesAre(total)} not yet synced and will be lost for good.`
          : 'Entries already synced stay in the account.',
        [{ label: 'Erase this device', value: 'erase', danger: true }, { label: 'Cancel', value: null }]);
        if (sure === 'erase') { await eraseDevice(ctx.db); ctx.afterWrite(); draw(); }
      } } })));
  }
  return parts;
}

export async function render(root, ctx) {
  const rerender = () => draw();
  let syncNote = null;
  let recovering = false;
  // The button that switched forms is gone: focus goes to the first empty field of the new one.
  const setRecovering = async (on) => {
    recovering = on;
    await draw();
    const form = root.querySelector(`form[data-form=${on ? 'recover' : 'login'}]`);
    [...(form?.querySelectorAll('input') ?? [])].find((el) => !el.value)?.focus();
  };
  async function draw(recovery = null, replaced = false) {
    const [{ account, owner }, dead, { pending, rejected, total }, storage] = await Promise.all([
      readAccount(ctx.db), readDeadLetters(ctx.db), unsyncedCounts(ctx.db), storageNote()]);
    const signedIn = account && !account.needs_signin;
    const parts = [h('h1', { tabindex: '-1', text: signedIn || recovery ? 'Sync and account' : 'Turn on sync' })];
    if (recovery) {
      recovering = false;
      parts.push(recoveryStep(recovery, () => draw(), replaced));
    } else if (signedIn) {
      parts.push(h('section', { class: 'card', 'aria-labelledby': 'acct-h' },
        h('h2', { id: 'acct-h', text: `Signed in as ${account.username}` }),
        h('p', { text: syncSummary(pending, rejected) }),
        syncNote && h('p', { class: 'notice', role: 'status', text: syncNote }),
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'primary', text: 'Sync now', on: { click: async (e) => {
            e.currentTarget.disabled = true;
            syncNote = syncFailure(await ctx.syncNow());
            await draw();
          } } }),
          h('button', { type: 'button', text: 'Sign out', on: { click: () => signOutFlow(ctx, rerender) } }))));
    } else {
      parts.push(...signedOutParts(ctx, { account, owner, total }, { draw, recovering, setRecovering }));
    }
    const deadList = await refusedList(ctx, dead, rerender);
    if (deadList) parts.push(deadList);
    parts.push(storage);
    root.replaceChildren(...parts);
  }
  // Drawn before the router moves focus, so focus and the title land on this screen's heading.
  await draw();
  return {};
}

function syncSummary(pending, rejected) {
  const parts = [];
  if (rejected) parts.push(`${entries(rejected)} could not be saved to the server.`);
  if (pending) parts.push(`${entriesAre(pending)} not yet synced.`);
  return parts.length ? parts.join(' ') : 'Everything on this device is synced.';
}
