// "Changed on two devices": both versions of an entry side by side (from its history on the
// server, kept on the device), and the person keeps either.

import { formOf, labelsOf } from '../kinds.js';
import { anySpec } from '../more-forms.js';
import { localClock } from '../time.js';
import { h, openDialog, snack } from '../ui.js';
import { otherVersion, recordHistory } from '../versions.js';

function shownValue(v) {
  if (v === undefined || v === null || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.join(', ') : '—';
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return `${v.slice(0, 10)} ${localClock(v)}`;
  return String(v);
}

/** The two versions side by side; resolves when the person kept one (or closed the dialog). */
export async function compareVersions(ctx, record) {
  const history = await recordHistory(ctx.db, record.id);
  const other = history ? otherVersion(record.fields, history) : {};
  const spec = anySpec(formOf(record));
  const labels = { ...(spec ? labelsOf(spec) : {}), _deleted: 'Deleted' };
  const names = Object.keys(other);
  await openDialog('Changed on two devices', (close) => {
    const keep = async (values) => {
      await ctx.write({ id: record.id, kind: record.kind, values: { ...values, _conflict: false } });
      close();
      snack('Saved');
    };
    if (!history) {
      return h('div', { class: 'stack' },
        h('p', { text: 'The other version is on the server, and this device is offline. ' +
          'You can compare them once you are back online, or keep the version shown now.' }),
        h('button', { type: 'button', class: 'primary wide', text: 'Keep the version shown now', on: { click: () => keep({}) } }));
    }
    if (names.length === 0) {
      return h('div', { class: 'stack' },
        h('p', { text: 'Both devices ended up with the same values, so there is nothing to choose.' }),
        h('button', { type: 'button', class: 'primary wide', text: 'OK', on: { click: () => keep({}) } }));
    }
    const rows = names.map((name) => h('tr', {},
      h('th', { scope: 'row', text: (labels[name] ?? name).replace(/\s*\(optional\)$/, '') }),
      h('td', { text: shownValue(record.fields[name]?.v) }),
      h('td', { text: shownValue(other[name].v) })));
    const theirs = Object.fromEntries(names.map((name) => [name, other[name].v]));
    return h('div', { class: 'stack' },
      h('p', { text: 'This entry was edited on two devices before they synced. Both versions are kept; ' +
        'choose the one that is right.' }),
      h('table', { class: 'compare' },
        h('thead', {}, h('tr', {}, h('td', {}), h('th', { scope: 'col', text: 'Version A (shown now)' }),
          h('th', { scope: 'col', text: 'Version B' }))),
        h('tbody', {}, ...rows)),
      h('button', { type: 'button', class: 'primary wide', text: 'Keep version A', on: { click: () => keep({}) } }),
      h('button', { type: 'button', class: 'wide', text: 'Keep version B', on: { click: () => keep(theirs) } }));
  });
}
