// Small DOM helpers: element builder, snackbar, dialogs, banners. Page only.

/**
 * Build an element. `attrs` keys: `class`, `text`, `on` ({event: handler}), boolean
 * attributes as true/false, anything else as an attribute. Children may be strings.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let uid = 0;
/** A fresh id for label/for and aria-describedby pairs. */
export function newId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

let snackTimer = null;
/**
 * Show a short message at the bottom; with an action (e.g. Undo) it stays long enough to
 * reach with a screen reader or a keyboard (10 s), and the action button gets no focus theft.
 */
/** What the person reads when the device refuses a write (storage full, private mode). */
export const SAVE_FAILED = 'Could not save on this device. What you entered is still here; please try again.';

/**
 * A form's save: one at a time, so a double tap logs the entry once; a failed write keeps the
 * form open and says so in `messageEl`. Resolves true once saved.
 */
export function saveGuard(messageEl) {
  let busy = false;
  return async (write) => {
    if (busy) return false;
    busy = true;
    try {
      await write();
      return true;
    } catch (err) {
      console.error(err);
      messageEl.textContent = SAVE_FAILED;
      return false;
    } finally {
      busy = false;
    }
  };
}

export function snack(message, action = null) {
  const bar = document.getElementById('snackbar');
  if (!bar) return;
  clearTimeout(snackTimer);
  bar.replaceChildren(h('span', { text: message }));
  if (action) {
    bar.append(h('button', {
      type: 'button',
      class: 'snack-action',
      text: action.label,
      on: { click: () => { hideSnack(); action.run(); } },
    }));
  }
  bar.classList.add('show');
  snackTimer = setTimeout(hideSnack, action ? 10000 : 4000);
}

export function hideSnack() {
  const bar = document.getElementById('snackbar');
  if (!bar) return;
  bar.classList.remove('show');
  bar.replaceChildren();
}

/**
 * Open a modal dialog holding `content` (built by the caller). Resolves when it closes.
 * Focus goes back to the element that opened it. A modal hides the header, so the dialog
 * carries its own "Get help": one tap closes it (like Close) and opens the help screen.
 */
export function openDialog(title, build) {
  const opener = document.activeElement;
  const titleId = newId('dlg');
  const dlg = h('dialog', { class: 'sheet', 'aria-labelledby': titleId });
  const close = () => dlg.close();
  dlg.append(
    h('div', { class: 'sheet-head' },
      h('h2', { id: titleId, text: title }),
      h('span', { class: 'sheet-tools' },
        h('a', { class: 'button help-link', href: '#/help', text: 'Get help', on: { click: close } }),
        h('button', { type: 'button', class: 'ghost', text: 'Close', on: { click: close } }))),
    build(close),
  );
  document.body.append(dlg);
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(dlg.returnValue);
    });
    dlg.showModal();
  });
}

/** Ask a question with labelled choices; resolves with the chosen value or null. */
export function choose(title, message, choices) {
  let picked = null;
  return openDialog(title, (close) =>
    h('div', { class: 'stack' },
      h('p', { text: message }),
      ...choices.map((c) =>
        h('button', {
          type: 'button',
          class: c.danger ? 'danger wide' : c.primary ? 'primary wide' : 'wide',
          text: c.label,
          on: { click: () => { picked = c.value; close(); } },
        })),
    ),
  ).then(() => picked);
}

/** Show or remove a banner (update, clock, storage) by key. */
export function banner(key, content) {
  const host = document.getElementById('banners');
  if (!host) return;
  const old = host.querySelector(`[data-banner="${key}"]`);
  if (!content) {
    old?.remove();
    return;
  }
  const el = h('div', { class: 'banner', 'data-banner': key, role: 'status' }, content);
  if (old) old.replaceWith(el);
  else host.append(el);
}
