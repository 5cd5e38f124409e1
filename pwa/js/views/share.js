// Share with my clinician (#/share): make, show and turn off links. Exported helpers are pure (tests/js/share.test.mjs).

import { api } from '../api.js';
import { dayWords } from '../insights.js';
import { readAccount } from '../session.js';
import { getMeta, setMeta } from '../store.js';
import { addDays, formatWithOffset, localDate } from '../time.js';
import { choose, h, newId, snack } from '../ui.js';

// backend/sharing/scope.py's order; all but notes are ticked at first.
export const CATEGORIES = [
  ['checkin', 'Check-ins (mood, anxiety, energy)'], ['sleep', 'Sleep'], ['activity', 'Movement'],
  ['medication', 'Medications'], ['dose', 'Doses taken or skipped'], ['effect', 'Side effects'],
  ['intake', 'Alcohol, caffeine and meals'], ['assessment', 'PHQ-9 and GAD-7'], ['session', 'Clinic sessions'],
  ['lab', 'Lab results'], ['appointment', 'Appointments'], ['measurement', 'Measurements'],
  ['question', 'Questions for your clinician'], ['notes', 'Notes you marked to share'],
];

/** The last 90 days up to `today`. */
export const defaultPeriod = (today) => ({ from: addDays(today, -89), to: today });

/** What is wrong with the choices, or null (the server decides; this answers sooner). */
export function checkChoices({ from, to, categories, passcode }) {
  if (!from || !to) return 'Please choose both dates of the period.';
  if (from > to) return 'The period starts after it ends. Please check the two dates.';
  if (!categories.length) return 'Please tick at least one thing to share.';
  if (categories.includes('notes') && !categories.includes('checkin')) return 'Notes come with check-ins: please tick check-ins too.';
  // maxlength keeps a code within 32 characters.
  return passcode && [...passcode].length < 4 ? 'A code needs at least 4 characters.' : null;
}

export const shareBody = ({ from, to, categories, expires, passcode, label }) => ({ from, to, categories,
  expires_in_days: Number(expires), ...passcode && { passcode }, ...label.trim() && { label: label.trim() } });

export const previewHref = ({ from, to, categories }) =>
  `/api/v1/shares/preview?${new URLSearchParams({ from, to, categories: categories.join(',') })}`;

/** A failed call in words. */
export function problemWords(res, doing = 'make a link') {
  if (res.status === 0) return `Could not ${doing}: there is no connection. Please try again when you are online.`;
  if (res.status === 401) return `Please sign in again to ${doing}.`;
  if (res.status < 500 && res.body?.detail) return res.body.detail;
  return `Could not ${doing} right now. Please try again in a little while.`;
}

/** "4 Dec 2026 14:02" here, or `offset` minutes east of UTC. */
export function whenWords(at, offset) {
  const ms = Date.parse(at);
  const t = formatWithOffset(ms, offset ?? -new Date(ms).getTimezoneOffset());
  return `${dayWords(t.slice(0, 10))} ${t.slice(11, 16)}`;
}

export const periodWords = (from, to) => `${dayWords(from)} to ${dayWords(to)}`;

export const isOpen = (share, now = Date.now()) => share.status === 'active' && Date.parse(share.expires_at) > now;

export function statusWords(share, now = Date.now(), offset) {
  if (share.status === 'revoked') return 'Turned off';
  if (share.status === 'locked') return 'Locked after too many wrong codes';
  return isOpen(share, now) ? `Active until ${whenWords(share.expires_at, offset)}` : 'Expired';
}

const WHAT = { fhir: ': the FHIR data', csv: ': the raw entries' };
const times = (n) => `${n} time${n === 1 ? '' : 's'}`;

export function accessWords(accesses, offset) {
  const opened = accesses.filter((a) => a.what !== 'wrong-code').sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const wrong = accesses.length - opened.length;
  return {
    said: `${opened.length ? `Opened ${times(opened.length)}.` : 'Not opened yet.'}${wrong ? ` A wrong code was typed ${times(wrong)}.` : ''}`,
    // A health link is fetched by a clinic's software for the person it names.
    list: opened.map((a) => whenWords(a.at, offset) + (a.what === 'health-link' ? `: health link fetched by ${a.recipient}`
      : `${a.agent ? ` on ${a.agent}` : ''}${WHAT[a.what] ?? ''}`)),
  };
}

// The server keeps only a hash of a link: the link itself lives here, by share id.
const LINKS = 'share_links';
const savedLinks = (db) => getMeta(db, LINKS).then((v) => v ?? {}, () => ({}));
const line = (text, cls) => (text ? h('p', { class: cls, text }) : null);
const button = (text, click, attrs) => h('button', { type: 'button', text, ...attrs, on: { click } });

function field(label, input, hint) {
  const id = input.id = newId('share');
  if (hint) input.setAttribute('aria-describedby', `${id}-h`);
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), input,
    hint && h('span', { class: 'hint', id: `${id}-h`, text: hint }));
}

const copy = (text, what = 'Link', instead = 'Press and hold the link to copy it.') => navigator.clipboard.writeText(text)
  .then(() => snack(`${what} copied`), () => snack(`Could not copy here. ${instead}`));

const actions = (url) => [button('Copy link', () => copy(url), { class: 'primary' }),
  navigator.share && button('Share…', () => navigator.share({ url }).catch(() => {}))];
// The server draws QR codes on white (segno light): they read in dark mode too.
const qr = (svg, what) => svg && h('p', {}, h('img', { src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`,
  alt: `QR code of the ${what}`, width: 240, height: 240 }));

function categoryBoxes() {
  const why = h('p', { class: 'hint', id: newId('why'), text: 'Notes come with check-ins: only those you marked to include in links.' });
  const boxes = CATEGORIES.map(([value]) => h('input', { type: 'checkbox', id: newId('cat'), value, checked: value !== 'notes',
    'aria-describedby': value === 'notes' && why.id }));
  const checkin = boxes[0], notes = boxes[13];
  // Shared notes are those of shared check-ins.
  checkin.addEventListener('change', () => {
    notes.disabled = !checkin.checked;
    notes.checked &&= checkin.checked;
  });
  return { boxes, el: h('fieldset', {}, h('legend', { text: 'What they see' }),
    ...boxes.map((b, i) => h('div', { class: 'check' }, b, h('label', { for: b.id, text: CATEGORIES[i][1] }))), why) };
}

function shareForm(ctx, done) {
  const period = defaultPeriod(localDate());
  const c = {
    from: h('input', { type: 'date', value: period.from }),
    to: h('input', { type: 'date', value: period.to }),
    expires: h('select', {}, ...[7, 14, 30, 90].map((d) => h('option', { value: d, selected: d === 14, text: `${d} days` }))),
    passcode: h('input', { type: 'text', autocomplete: 'off', maxlength: 32 }),
    label: h('input', { type: 'text', maxlength: 80 }),
  };
  const cats = categoryBoxes();
  const read = () => ({ ...Object.fromEntries(Object.entries(c).map(([k, el]) => [k, el.value])),
    categories: cats.boxes.filter((b) => b.checked && !b.disabled).map((b) => b.value) });
  const error = h('p', { class: 'error', role: 'alert' });
  const create = h('button', { class: 'primary wide', text: 'Create link' });
  const preview = h('a', { class: 'button', target: '_blank', rel: 'noopener', 'aria-describedby': 'preview-h',
    text: 'Preview what they will see' });
  const ready = () => !(error.textContent = checkChoices(read()) ?? '');
  preview.addEventListener('click', (e) => ready() || e.preventDefault());
  const submit = async (e) => {
    e.preventDefault();
    if (!ready() || create.disabled) return;
    create.disabled = true;
    create.textContent = 'Creating…';
    const res = await api('/shares', { method: 'POST', body: shareBody(read()) });
    create.disabled = false;
    create.textContent = 'Create link';
    if (res.status !== 201 || !res.body?.url) return void (error.textContent = problemWords(res));
    await setMeta(ctx.db, LINKS, { ...await savedLinks(ctx.db), [res.body.id]: res.body.url }).catch(console.error);
    done(res.body, read().passcode);
  };
  const update = () => { preview.href = previewHref(read()); };
  update();
  return h('form', { class: 'card', novalidate: true, on: { submit, input: update, change: update } },
    h('h2', { text: 'A new link' }),
    h('fieldset', {}, h('legend', { text: 'Which days' }), field('From', c.from), field('To', c.to)),
    cats.el,
    field('The link works for', c.expires),
    field('Ask for a code (optional)', c.passcode, 'Tell it to your clinician yourself. 4 to 32 characters.'),
    field('A name for the link (optional)', c.label, 'Only you see it, for example the clinic’s name.'),
    h('p', {}, preview), h('p', { class: 'hint', id: 'preview-h', text: 'Opens in a new tab, from what is synced to your account.' }),
    error, create);
}

const made = (share, code, again) => h('section', { class: 'card', 'aria-labelledby': 'made-h' },
  h('h2', { id: 'made-h', tabindex: '-1', text: 'Your link is ready' }),
  line(`It works until ${whenWords(share.expires_at)}, or until you turn it off below.`),
  field('The link', h('input', { type: 'text', readonly: true, value: share.url })), h('div', { class: 'actions' }, actions(share.url)),
  qr(share.qr_svg, 'link'),
  code && line(`Tell your clinician the code yourself: ${code}. It is not part of the link.`, 'notice'),
  line('Only this phone can show the link again, under “Your links”.', 'hint'),
  share.shlink && [h('h3', { text: 'Health link' }), line('For your clinic’s system, if it can import health links.'),
    qr(share.shlink_qr_svg, 'health link'), h('div', { class: 'actions' }, button('Copy health link',
      () => copy(share.shlink, 'Health link', 'Let the clinic scan the QR code above.')))],
  button('Make another link', again));

function shareItem(share, saved, turnOff) {
  const { said, list } = accessWords(share.accesses);
  const title = share.label || periodWords(share.from, share.to);
  const open = isOpen(share);
  const facts = [share.label && periodWords(share.from, share.to), share.has_passcode && 'with a code'].filter(Boolean).join(' · ');
  return h('li', { class: 'entry med', 'data-share': share.id },
    h('h3', { text: title }), line(statusWords(share), 'facts'), line(facts, 'note'), line(said),
    list.length ? h('ul', { class: 'steps' }, ...list.map((text) => h('li', { text }))) : null,
    open && !saved && line('The link was shown on the device that made it.', 'note'),
    h('span', { class: 'entry-actions' },
      open && saved && actions(saved),
      (open || share.status === 'locked') && button('Turn off link', () => turnOff(share, title), { class: 'danger', 'aria-label': `Turn off link: ${title}` })));
}

async function drawList(ctx, parts) {
  const res = await api('/shares');
  if (res.status !== 200 || !Array.isArray(res.body)) {
    return void parts.list.replaceChildren(h('li', { class: 'empty', text: problemWords(res, 'show your links') }));
  }
  const links = await savedLinks(ctx.db);
  const kept = Object.fromEntries(res.body.filter((s) => isOpen(s) && links[s.id]).map((s) => [s.id, links[s.id]]));
  await setMeta(ctx.db, LINKS, kept).catch(console.error);
  const turnOff = async (share, title) => {
    if (!await choose('Turn off this link?', `“${title}” stops working at once. You can make a new link at any time.`,
      [{ label: 'Turn off link', value: 1, danger: true }, { label: 'Keep it', value: null }])) return;
    const res = await api(`/shares/${encodeURIComponent(share.id)}`, { method: 'DELETE' });
    parts.said.textContent = res.status === 204 ? 'The link is turned off.' : problemWords(res, 'turn the link off');
    await drawList(ctx, parts);
  };
  parts.list.replaceChildren(...(res.body.length ? res.body.map((s) => shareItem(s, kept[s.id], turnOff))
    : [h('li', { class: 'empty', text: 'No links yet.' })]));
}

/** Why no link can be made now, or null. */
async function unable(db) {
  if (navigator.onLine === false) {
    return [line('Making or seeing links needs a connection. Your entries are safe on this phone.')];
  }
  const { account } = await readAccount(db);
  if (account && !account.needs_signin) return null;
  return [line('A link shows your clinician what is synced to your account, so it needs you signed in.'),
    h('a', { href: '#/account', text: account ? 'Sign in' : 'Turn on sync' })];
}

async function draw(ctx, parts) {
  const why = await unable(ctx.db);
  parts.notice.replaceChildren(...(why ?? []));
  for (const el of [parts.main, parts.links]) el.hidden = Boolean(why);
  parts.notice.hidden = !why;
  if (why) return;
  const again = () => parts.main.replaceChildren(shareForm(ctx, (share, code) => {
    parts.main.replaceChildren(made(share, code, again));
    parts.main.querySelector('h2').focus();
    drawList(ctx, parts).catch(console.error);
  }));
  if (!parts.main.firstChild) again();
  await drawList(ctx, parts);
}

export async function render(root, ctx) {
  const parts = { notice: h('div', { class: 'notice', hidden: true }), main: h('div', {}), said: h('p', { class: 'saved', role: 'status' }),
    list: h('ul', { class: 'entries', id: 'shares' }) };
  parts.links = h('section', { class: 'card', 'aria-labelledby': 'links-h' }, h('h2', { id: 'links-h', text: 'Your links' }),
    parts.said, parts.list);
  root.replaceChildren(
    h('h1', { tabindex: '-1', text: 'Share with my clinician' }),
    line('Your clinician sees a one-page summary of what you choose, for as long as you choose. '
      + 'You can turn the link off at any time. Nobody is alerted by what you enter.', 'lead'),
    parts.notice, parts.main, parts.links);
  const events = ['online', 'offline'];
  const redraw = () => (root.contains(parts.list) ? draw(ctx, parts).catch(console.error)
    : events.forEach((e) => removeEventListener(e, redraw)));
  events.forEach((e) => addEventListener(e, redraw));
  // Entries made on this phone reach the summary once synced.
  ctx.syncNow?.().catch(() => {});
  await draw(ctx, parts);
  return {};
}
