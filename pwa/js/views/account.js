// Sync and account: works with no account; turn on sync (create or sign in), show the
// one-time recovery code, sign out without ever silently discarding unsynced entries.

import { countOutbox, dismissDeadLetter, readDeadLetters } from '../outbox.js';
import { IOS_7_DAYS, iosNotInstalled } from '../platform.js';
import { checkNewAccount, eraseDevice, readAccount, signIn, signOut } from '../session.js';
import { h, newId, choose, snack } from '../ui.js';

function field(label, attrs) {
  const id = newId('acct');
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), h('input', { id, ...attrs }));
}

function authForm(ctx, mode, username, done) {
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
    h('h2', { text: mode === 'signup' ? 'Create an account' : 'Sign in' }), user, pass, error, button);
}

function recoveryStep(code, onContinue) {
  const checkId = newId('wrote');
  const go = h('button', { type: 'button', class: 'primary', text: 'Continue', disabled: true, on: { click: onContinue } });
  return h('section', { class: 'card', 'aria-labelledby': 'rec-h' },
    h('h2', { id: 'rec-h', text: 'Write down your recovery code' }),
    h('p', { text: 'If you ever forget your passphrase, this code is the only way back into your account. ' +
      'It is shown only this once. Write it down and keep it somewhere safe.' }),
    h('p', { class: 'code', id: 'recovery-code', text: code }),
    h('div', { class: 'check' },
      h('input', { type: 'checkbox', id: checkId, on: { change: (e) => { go.disabled = !e.target.checked; } } }),
      h('label', { for: checkId, text: 'I have written it down' })),
    go);
}

async function signOutFlow(ctx, rerender) {
  const pending = await countOutbox(ctx.db);
  const keep = { label: 'Sign out and keep entries on this device', value: 'keep' };
  const erase = { label: 'Sign out and erase this device', value: 'erase', danger: true };
  const cancel = { label: 'Cancel', value: null };
  const choice = pending > 0
    ? await choose('Sign out?', `${pending} ${pending === 1 ? 'entry is' : 'entries are'} not yet synced. ` +
        'They exist only on this device.', [{ label: 'Sync now', value: 'sync', primary: true }, keep, erase, cancel])
    : await choose('Sign out?', 'Everything on this device is synced.', [keep, erase, cancel]);
  if (choice === 'sync') {
    await ctx.syncNow();
    return signOutFlow(ctx, rerender);
  }
  if (choice === 'erase' && pending > 0) {
    const sure = await choose('Erase unsynced entries?', `This deletes ${pending} ${pending === 1 ? 'entry' : 'entries'} ` +
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

function deadLetterList(ctx, dead, rerender) {
  if (dead.length === 0) return null;
  return h('section', { class: 'card', 'aria-labelledby': 'dead-h' },
    h('h2', { id: 'dead-h', text: 'Could not sync' }),
    h('p', { text: 'The server did not accept these changes. They are still on this device.' }),
    h('ul', { class: 'entries' }, ...dead.map((d) => h('li', { class: 'entry' },
      h('span', { class: 'what', text: `${d.kind}: ${d.error?.detail ?? d.error?.code ?? 'refused'}` +
        (d.error?.field ? ` (${d.error.field})` : '') }),
      h('button', { type: 'button', class: 'small', text: 'Hide', on: { click: async () => {
        await dismissDeadLetter(ctx.db, d.change_id);
        rerender();
      } } })))));
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

export function render(root, ctx) {
  const rerender = () => draw();
  async function draw(recovery = null) {
    const [{ account, owner }, dead, pending, storage] = await Promise.all([
      readAccount(ctx.db), readDeadLetters(ctx.db), countOutbox(ctx.db), storageNote()]);
    const signedIn = account && !account.needs_signin;
    const parts = [h('h1', { tabindex: '-1', text: signedIn || recovery ? 'Sync and account' : 'Turn on sync' })];
    if (recovery) {
      parts.push(recoveryStep(recovery, () => draw()));
    } else if (signedIn) {
      parts.push(h('section', { class: 'card', 'aria-labelledby': 'acct-h' },
        h('h2', { id: 'acct-h', text: `Signed in as ${account.username}` }),
        h('p', { text: pending ? `${pending} not yet synced.` : 'Everything on this device is synced.' }),
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'primary', text: 'Sync now', on: { click: async () => { await ctx.syncNow(); draw(); } } }),
          h('button', { type: 'button', text: 'Sign out', on: { click: () => signOutFlow(ctx, rerender) } }))));
    } else {
      if (account?.needs_signin) {
        parts.push(h('p', { class: 'notice', text: 'Your session has ended. Sign in again to keep syncing. ' +
          'Everything is still saved on this device.' }));
      } else {
        parts.push(h('p', { class: 'lead', text: 'Tend works without an account: everything stays on this device. ' +
          'Turn on sync to keep a copy on the server and use Tend on more than one device. ' +
          'Everything you have logged so far will upload.' }));
      }
      const done = (result) => (result.recoveryCode ? draw(result.recoveryCode) : draw());
      if (!account?.needs_signin) parts.push(authForm(ctx, 'signup', '', done));
      parts.push(authForm(ctx, 'login', account?.username ?? owner ?? '', done));
      if (owner) {
        parts.push(h('section', { class: 'card' },
          h('p', { text: `The entries on this device belong to the account “${owner}”.` }),
          h('button', { type: 'button', class: 'danger', text: 'Erase this device', on: { click: async () => {
            const sure = await choose('Erase this device?', pending
              ? `${pending} ${pending === 1 ? 'entry is' : 'entries are'} not yet synced and will be lost for good.`
              : 'Entries already synced stay in the account.',
            [{ label: 'Erase this device', value: 'erase', danger: true }, { label: 'Cancel', value: null }]);
            if (sure === 'erase') { await eraseDevice(ctx.db); ctx.afterWrite(); draw(); }
          } } })));
      }
    }
    const deadList = deadLetterList(ctx, dead, rerender);
    if (deadList) parts.push(deadList);
    parts.push(storage);
    root.replaceChildren(...parts);
  }
  draw();
  return {};
}
