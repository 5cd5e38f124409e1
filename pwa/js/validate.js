// Check record values against the server's own rules (rules.js is generated from the server's
// kinds), and say what is wrong in a plain sentence that names the form's label, never a field.

import { RULES } from './rules.js';
import { addDays, localDate } from './time.js';

const encoder = new TextEncoder();
const DAY_MS = 86400000;

function validDate(text) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

function validZone(name) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function checkText(rule, v) {
  if (typeof v !== 'string') return { code: 'type' };
  const chars = [...v].length;
  if (rule.minLength !== undefined && chars < rule.minLength) return { code: 'blank' };
  if (rule.pattern === '\\S' && !/\S/.test(v)) return { code: 'blank' };
  if (rule.maxBytes !== undefined) {
    const bytes = encoder.encode(v).length;
    if (bytes > rule.maxBytes) return { code: 'bytes', over: bytes - rule.maxBytes };
  }
  if (rule.maxLength !== undefined && chars > rule.maxLength) return { code: 'long', max: rule.maxLength };
  if (rule.pattern && !new RegExp(rule.pattern).test(v)) return { code: 'pattern' };
  if (rule.zone && !validZone(v)) return { code: 'pattern' };
  return null;
}

function checkNumber(rule, v) {
  const whole = rule.type === 'int';
  if (typeof v !== 'number' || !Number.isFinite(v) || (whole && !Number.isInteger(v))) return { code: 'range' };
  if ((rule.min !== undefined && v < rule.min) || (rule.max !== undefined && v > rule.max)) return { code: 'range' };
  return null;
}

function checkWhen(rule, v, nowMs) {
  if (typeof v !== 'string') return { code: 'date' };
  if (rule.type === 'date') {
    if (!validDate(v)) return { code: 'date' };
    // A date has no time: "a day ahead" is tomorrow on this device, never later.
    if (rule.notFutureMs !== undefined && v > addDays(localDate(nowMs), Math.ceil(rule.notFutureMs / DAY_MS))) {
      return { code: 'future' };
    }
    return null;
  }
  const ms = Date.parse(v);
  if ((rule.pattern && !new RegExp(rule.pattern).test(v)) || Number.isNaN(ms)) return { code: 'date' };
  if (rule.notFutureMs !== undefined && ms > nowMs + rule.notFutureMs) return { code: 'future' };
  return null;
}

function checkList(rule, v, nowMs) {
  if (!Array.isArray(v)) return { code: 'type' };
  if (rule.maxItems !== undefined && v.length > rule.maxItems) return { code: 'items', max: rule.maxItems };
  if (rule.minItems !== undefined && v.length < rule.minItems) return { code: 'items', min: rule.minItems };
  if (rule.lengths && !rule.lengths.includes(v.length)) return { code: 'answers' };
  for (let i = 0; i < v.length; i++) {
    const inner = checkValue(rule.item, v[i], nowMs);
    if (inner) return { code: 'item', index: i, inner, rule: rule.item };
  }
  return null;
}

function checkObject(rule, v, nowMs) {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { code: 'type' };
  for (const name of rule.required) if (v[name] === undefined || v[name] === null) return { code: 'type' };
  for (const [name, value] of Object.entries(v)) {
    if (value !== null && rule.fields[name] && checkValue(rule.fields[name], value, nowMs)) return { code: 'type' };
  }
  return null;
}

/** The problem with one non-null value under `rule`, or null. */
export function checkValue(rule, v, nowMs = Date.now()) {
  switch (rule.type) {
    case 'bool': return typeof v === 'boolean' ? null : { code: 'type' };
    case 'int':
    case 'number': return checkNumber(rule, v);
    case 'text': return checkText(rule, v);
    case 'choice': return rule.choices.includes(v) ? null : { code: 'choice' };
    case 'date':
    case 'datetime': return checkWhen(rule, v, nowMs);
    case 'list': return checkList(rule, v, nowMs);
    case 'object': return checkObject(rule, v, nowMs);
    case 'union': return rule.options.some((o) => !checkValue(o, v, nowMs)) ? null : { code: 'type' };
    default: return { code: 'type' };
  }
}

const plainLabel = (label) => label.replace(/\s*\(optional\)$/, '');
const num = (n) => n.toLocaleString('en');

function range(rule) {
  const kind = rule.type === 'int' ? 'a whole number' : 'a number';
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} from ${num(rule.min)} to ${num(rule.max)}`;
  if (rule.min !== undefined) return `${kind} of at least ${num(rule.min)}`;
  if (rule.max !== undefined) return `${kind} of at most ${num(rule.max)}`;
  return kind;
}

/** A sentence about `problem` for the field the person knows as `label`. */
export function describe(label, rule, problem) {
  const name = `“${plainLabel(label)}”`;
  switch (problem.code) {
    case 'required': return `Please fill in ${name}.`;
    case 'blank': return `${name} cannot be blank.`;
    case 'range': return `${name} must be ${range(rule)}.`;
    case 'long': return `${name} is too long: at most ${num(problem.max)} characters.`;
    case 'bytes': return `${name} is too long. Please shorten it by about ${num(problem.over)} ${problem.over === 1 ? 'character' : 'characters'}.`;
    case 'pattern': return rule.example ? `${name} should look like ${rule.example}.` : `${name} is not valid.`;
    case 'choice': return `Please choose one of the options for ${name}.`;
    case 'items': return problem.max !== undefined
      ? `${name} can have at most ${problem.max} items.` : `${name} needs at least ${problem.min}.`;
    case 'item': return describe(`${plainLabel(label)}, item ${problem.index + 1}`, problem.rule, problem.inner);
    case 'date': return `Please enter a valid ${rule.type === 'date' ? 'date' : 'date and time'} for ${name}.`;
    case 'future': return `${name} is more than a day in the future. Please check the date.`;
    case 'answers': return 'Please answer every question.';
    default: return `${name} is not valid.`;
  }
}

/** Rules over two fields, mirroring the server's cross-field checks (validate.py). */
function crossField(kind, values) {
  if (kind === 'measurement' && 'type' in values && 'value' in values) {
    const bp = values.type === 'blood_pressure';
    if (bp && typeof values.value === 'number') return { field: 'value', problem: { code: 'pattern' } };
    if (!bp && typeof values.value === 'string') return { field: 'value', problem: { code: 'range' } };
  }
  if (kind === 'assessment' && Array.isArray(values.answers)) {
    const expected = RULES.answerCounts[values.instrument];
    if (expected !== undefined && values.answers.length !== expected) return { field: 'answers', problem: { code: 'answers' } };
  }
  return null;
}

/**
 * The first problem with a record's values, as `{field, message}`, or null when the server will
 * accept them. `labels` maps field names to what the form calls them; `isNew` also requires
 * the kind's required fields. Null values are "cleared" and only refused for required fields.
 */
export function checkRecord(kind, values, { labels = {}, nowMs = Date.now(), isNew = false } = {}) {
  const spec = RULES.kinds[kind];
  if (!spec) return { field: null, message: 'This kind of entry is not known to this version of Tend.' };
  const labelOf = (name) => labels[name] ?? name.replace(/_/g, ' ');
  for (const name of spec.required) {
    const v = values[name];
    if ((isNew && v === undefined) || v === null || v === '') {
      return { field: name, message: describe(labelOf(name), spec.fields[name], { code: 'required' }) };
    }
  }
  for (const [name, v] of Object.entries(values)) {
    const rule = spec.fields[name];
    if (!rule || v === null || v === undefined) continue;
    const problem = checkValue(rule, v, nowMs);
    if (problem) return { field: name, message: describe(labelOf(name), rule, problem) };
  }
  const cross = crossField(kind, values);
  if (cross) {
    const want = cross.problem.code === 'range' ? 'number' : 'text';
    const rule = cross.field === 'value' ? spec.fields.value.options.find((o) => o.type === want) : spec.fields[cross.field];
    return { field: cross.field, message: describe(labelOf(cross.field), rule, cross.problem) };
  }
  return null;
}
