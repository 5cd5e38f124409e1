// Render form specs from kinds.js as accessible controls; read and check the answers.

import { h, newId } from './ui.js';

function scaleField(f, value, onChange) {
  const hintId = newId('hint');
  const set = h('fieldset', { class: 'scale', 'aria-describedby': f.hint ? hintId : undefined },
    h('legend', { text: f.label }));
  const row = h('div', { class: 'scale-row' });
  const group = newId('g');
  for (let n = f.min; n <= f.max; n++) {
    const id = newId('r');
    row.append(h('span', { class: 'pick' },
      h('input', { type: 'radio', id, name: group, value: String(n), checked: value === n, 'data-name': f.name,
        on: { change: () => onChange?.(f.name, n) } }),
      h('label', { for: id, text: String(n) })));
  }
  set.append(row);
  if (f.hint) set.append(h('p', { class: 'hint', id: hintId, text: f.hint }));
  return set;
}

function radioField(f, value, onChange) {
  const set = h('fieldset', { class: 'choices' }, h('legend', { text: f.label }));
  if (f.options.length === 0) set.append(h('p', { class: 'hint', text: 'None yet.' }));
  const group = newId('g');
  for (const [v, label] of f.options) {
    const id = newId('r');
    set.append(h('span', { class: 'pick' },
      h('input', { type: 'radio', id, name: group, value: String(v), checked: value === v, 'data-name': f.name,
        'data-num': typeof v === 'number' ? '1' : undefined, on: { change: () => onChange?.(f.name, v) } }),
      h('label', { for: id, text: label })));
  }
  return set;
}

function chipsField(f, value, onChange) {
  const chosen = new Set(Array.isArray(value) ? value : []);
  const set = h('fieldset', { class: 'chips', 'data-name': f.name, 'data-type': 'chips' }, h('legend', { text: f.label }));
  const row = h('div', { class: 'chip-row' });
  const emit = () => onChange?.(f.name, [...chosen]);
  const chip = (tag) => h('button', {
    type: 'button', class: 'chip', 'aria-pressed': String(chosen.has(tag)), 'data-tag': tag, text: tag,
    on: { click: (e) => {
      const on = !chosen.has(tag);
      if (on) chosen.add(tag); else chosen.delete(tag);
      e.currentTarget.setAttribute('aria-pressed', String(on));
      emit();
    } },
  });
  for (const tag of new Set([...f.options, ...chosen])) row.append(chip(tag));
  const inputId = newId('tag');
  const input = h('input', { id: inputId, type: 'text', maxlength: f.itemMaxLength, autocomplete: 'off' });
  const add = () => {
    const tag = input.value.trim();
    if (!tag || chosen.has(tag)) return;
    chosen.add(tag);
    row.append(chip(tag));
    row.lastChild.setAttribute('aria-pressed', 'true');
    input.value = '';
    emit();
  };
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
  set.append(row, h('div', { class: 'inline' },
    h('label', { for: inputId, text: 'Other' }), input,
    h('button', { type: 'button', text: 'Add', on: { click: add } })));
  set.readValue = () => [...chosen];
  return set;
}

function inputField(f, value, onChange) {
  const id = newId('in');
  const listId = f.suggestions ? newId('dl') : undefined;
  const common = { id, 'data-name': f.name, required: f.required, on: { change: (e) => onChange?.(f.name, readInput(f, e.target)) } };
  let control;
  if (f.type === 'textarea') {
    control = h('textarea', { ...common, rows: 3, value: value ?? '' });
    if (onChange) {
      // Auto-saving forms keep a note while it is typed, not only when focus leaves it.
      let timer = null;
      control.addEventListener('input', () => {
        clearTimeout(timer);
        timer = setTimeout(() => onChange(f.name, readInput(f, control)), 800);
      });
      control.addEventListener('change', () => clearTimeout(timer));
    }
  } else if (f.type === 'select') {
    control = h('select', common, h('option', { value: '', text: '—' }),
      ...f.options.map(([v, label]) => h('option', { value: v, text: label, selected: v === value })));
  } else if (f.type === 'check') {
    return h('div', { class: 'check' },
      h('input', { ...common, type: 'checkbox', checked: value === true }), h('label', { for: id, text: f.label }));
  } else {
    const type = { number: 'number', datetime: 'datetime-local', date: 'date', time: 'time', text: 'text' }[f.type];
    control = h('input', { ...common, type, min: f.min, max: f.max, step: f.step, list: listId,
      inputmode: f.type === 'number' ? (f.whole ? 'numeric' : 'decimal') : undefined, value: value ?? '' });
  }
  const wrap = h('div', { class: 'field' }, h('label', { for: id, text: f.label }), control);
  if (f.quick) {
    wrap.append(h('div', { class: 'quick-row' }, ...f.quick.map((q) => h('button', {
      type: 'button', class: 'chip', text: String(q), 'aria-label': `${q} ${f.label.toLowerCase()}`,
      on: { click: () => { control.value = String(q); onChange?.(f.name, q); } },
    }))));
  }
  if (listId) wrap.append(h('datalist', { id: listId }, ...f.suggestions.map((s) => h('option', { value: s }))));
  return wrap;
}

function readInput(f, el) {
  if (f.type === 'check') return el.checked;
  const raw = el.value.trim();
  if (raw === '') return null;
  if (f.type === 'number') {
    const n = Number(raw);
    return Number.isFinite(n) ? n : null;
  }
  return raw;
}

/**
 * Controls for `fields` prefilled from `answers`. `onChange(name, value)` fires per answer
 * (auto-saving forms use it). `read()` returns every answer; `check()` the first problem.
 */
export function renderFields(fields, answers = {}, onChange = null) {
  const root = h('div', { class: 'fields' });
  for (const f of fields) {
    const v = answers[f.name];
    if (f.type === 'scale') root.append(scaleField(f, v, onChange));
    else if (f.type === 'radio') root.append(radioField(f, v, onChange));
    else if (f.type === 'chips') root.append(chipsField(f, v, onChange));
    else root.append(inputField(f, v, onChange));
  }
  const read = () => {
    const out = {};
    for (const f of fields) {
      if (f.type === 'scale' || f.type === 'radio') {
        const el = root.querySelector(`input[data-name="${f.name}"]:checked`);
        const opt = el ? f.options?.find(([k]) => String(k) === el.value) : null;
        out[f.name] = el ? (f.type === 'scale' ? Number(el.value) : opt[0]) : null;
      } else if (f.type === 'chips') {
        out[f.name] = root.querySelector(`[data-name="${f.name}"]`).readValue();
      } else {
        out[f.name] = readInput(f, root.querySelector(`[data-name="${f.name}"]`));
      }
    }
    return out;
  };
  // What the form itself needs; the record's own rules (validate.js) are checked after this.
  const check = () => {
    const a = read();
    for (const f of fields) {
      const v = a[f.name];
      const el = root.querySelector(`input[data-name="${f.name}"]`);
      // A number input holding text the browser cannot read reports '' : say so, never drop it.
      if (f.type === 'number' && el?.validity?.badInput) return { field: f.name, message: `“${f.label}” must be a number.` };
      if (f.required && (v === null || v === '' || v === undefined)) return { field: f.name, message: `Please fill in “${f.label}”.` };
    }
    return null;
  };
  return { el: root, read, check };
}
