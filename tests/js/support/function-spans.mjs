// Where each function of a JavaScript source starts and ends, without a parser package: a
// tokenizer that knows strings, template literals, regex literals and comments (so a brace inside
// them is never counted), then bracket matching over the tokens.
//
// Functions found: `function` declarations and expressions, arrows (block or expression body) and
// method shorthand in classes and object literals (`name(args) { … }`). A span runs from the line
// the function starts on (the `function`/`async` keyword, an arrow's parameters, a method's name)
// to the line of its closing brace, inclusive.

const ID_START = /[\p{ID_Start}$_#]/u;
const ID_PART = /[\p{ID_Continue}$\u200c\u200d]/u;
// After these words an expression starts, so a `/` begins a regex, not a division.
const BEFORE_EXPRESSION = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void',
  'throw', 'case', 'do', 'else', 'yield', 'await']);
// `word (…) {` with these words is a statement, not a method.
const NOT_METHODS = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'function', 'return', 'await',
  'typeof', 'void', 'delete', 'new', 'in', 'of', 'yield', 'throw', 'case']);
const PUNCTUATORS = ['>>>=', '...', '===', '!==', '**=', '<<=', '>>=', '>>>', '&&=', '||=', '??=', '=>', '==', '!=',
  '<=', '>=', '&&', '||', '??', '?.', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '**', '<<', '>>'];

/** @typedef {{type: 'ident'|'punct'|'num'|'string'|'regex'|'template', value: string, line: number}} Token */

class Scanner {
  constructor(source) {
    this.src = source;
    this.i = 0;
    this.line = 1;
    /** @type {Token[]} */
    this.tokens = [];
    // One entry per open `{`: true when it is a template's `${`, so its `}` resumes the template.
    this.braces = [];
  }

  get rest() {
    return this.src.slice(this.i);
  }

  /** Consume `n` characters, counting the line breaks in them. */
  advance(n) {
    for (const ch of this.src.slice(this.i, this.i + n)) if (ch === '\n') this.line += 1;
    this.i += n;
  }

  push(type, value, line) {
    this.tokens.push({ type, value, line });
  }

  regexAllowed() {
    const prev = this.tokens.at(-1);
    if (!prev) return true;
    if (prev.type === 'ident') return BEFORE_EXPRESSION.has(prev.value);
    // After `)` or `]` a slash divides; after `}` (a block's end) a statement, so a regex, starts.
    if (prev.type === 'punct') return prev.value !== ')' && prev.value !== ']';
    return false;
  }

  scan() {
    while (this.i < this.src.length) this.step();
    return this.tokens;
  }

  step() {
    const ch = this.src[this.i];
    const next = this.src[this.i + 1];
    if (/\s/.test(ch)) return this.advance(1);
    if (ch === '/' && next === '/') return this.advance(this.rest.search(/\n|$/));
    if (ch === '/' && next === '*') return this.blockComment();
    if (ch === '"' || ch === "'") return this.string(ch);
    if (ch === '`') return this.template(1);
    if (ch === '/' && this.regexAllowed()) return this.regex();
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(next ?? ''))) return this.number();
    if (ID_START.test(ch) || ch === '\\') return this.identifier();
    return this.punctuator(ch);
  }

  blockComment() {
    const end = this.src.indexOf('*/', this.i + 2);
    this.advance(end === -1 ? this.src.length - this.i : end + 2 - this.i);
  }

  string(quote) {
    const line = this.line;
    let j = this.i + 1;
    while (j < this.src.length && this.src[j] !== quote && this.src[j] !== '\n') j += this.src[j] === '\\' ? 2 : 1;
    const text = this.src.slice(this.i, j + 1);
    this.advance(j + 1 - this.i);
    this.push('string', text, line);
  }

  /** A template from `start` (just past its backtick or a `}` closing a substitution). */
  template(skip) {
    const line = this.line;
    this.advance(skip);
    let j = this.i;
    while (j < this.src.length && this.src[j] !== '`' && !(this.src[j] === '$' && this.src[j + 1] === '{')) {
      j += this.src[j] === '\\' ? 2 : 1;
    }
    const substitution = this.src[j] === '$';
    this.advance(j - this.i + (substitution ? 2 : 1));
    this.push('template', '`', line);
    if (substitution) {
      this.braces.push(true);
      this.push('punct', '{', this.line);
    }
  }

  regex() {
    const line = this.line;
    let j = this.i + 1;
    let inClass = false;
    while (j < this.src.length && this.src[j] !== '\n') {
      const c = this.src[j];
      if (c === '\\') j += 1;
      else if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) break;
      j += 1;
    }
    j += 1;
    while (j < this.src.length && ID_PART.test(this.src[j])) j += 1;
    const text = this.src.slice(this.i, j);
    this.advance(j - this.i);
    this.push('regex', text, line);
  }

  number() {
    const m = /^(?:0[xXoObB][0-9a-fA-F_]+n?|(?:\d[\d_]*)?\.?[\d_]*(?:[eE][+-]?\d+)?n?)/.exec(this.rest);
    const text = m[0] || this.src[this.i];
    this.push('num', text, this.line);
    this.advance(text.length);
  }

  identifier() {
    let j = this.i + 1;
    while (j < this.src.length && (ID_PART.test(this.src[j]) || this.src[j] === '\\')) j += 1;
    this.push('ident', this.src.slice(this.i, j), this.line);
    this.advance(j - this.i);
  }

  punctuator(ch) {
    if (ch === '}' && this.braces.length && this.braces.at(-1)) {
      this.braces.pop();
      this.push('punct', '}', this.line);
      return this.template(1);
    }
    if (ch === '{') this.braces.push(false);
    if (ch === '}') this.braces.pop();
    const value = PUNCTUATORS.find((p) => this.src.startsWith(p, this.i)) ?? ch;
    this.push('punct', value, this.line);
    return this.advance(value.length);
  }
}

/** The tokens of a source text (strings, templates, regexes and comments never hide brackets). */
export function tokenize(source) {
  return new Scanner(source).scan();
}

const CLOSER = { '(': ')', '[': ']', '{': '}' };

/**
 * For every opening bracket token its closing token's index, and the other way round. Brackets
 * that do not pair up mean the tokenizer misread something (or the source is broken): that throws,
 * so a misread file is never reported as having no long functions.
 */
function matchBrackets(tokens) {
  const pairs = new Map();
  const open = [];
  tokens.forEach((t, i) => {
    if (t.type !== 'punct') return;
    if (CLOSER[t.value]) open.push(i);
    else if ([')', ']', '}'].includes(t.value)) {
      const j = open.pop();
      if (j === undefined || CLOSER[tokens[j].value] !== t.value) {
        throw new SyntaxError(`unmatched ${t.value} on line ${t.line}`);
      }
      pairs.set(j, i);
      pairs.set(i, j);
    }
  });
  if (open.length) throw new SyntaxError(`unclosed ${tokens[open.at(-1)].value} on line ${tokens[open.at(-1)].line}`);
  return pairs;
}

const isPunct = (t, value) => t?.type === 'punct' && t.value === value;

/** The name given to the function starting at token `start`: `name = …`, `name: …`, else null. */
function boundName(tokens, start) {
  const before = tokens[start - 1];
  const name = tokens[start - 2];
  if ((isPunct(before, '=') || isPunct(before, ':')) && name?.type === 'ident') return name.value;
  return null;
}

/** Where an arrow's expression body ends: before a `,` `;` or closer at its own depth. */
function expressionEnd(tokens, from) {
  let depth = 0;
  for (let k = from; k < tokens.length; k += 1) {
    const t = tokens[k];
    if (t.type !== 'punct') continue;
    if (['(', '[', '{'].includes(t.value)) depth += 1;
    else if ([')', ']', '}'].includes(t.value)) {
      if (depth === 0) return k - 1;
      depth -= 1;
    } else if (depth === 0 && (t.value === ',' || t.value === ';')) return k - 1;
  }
  return tokens.length - 1;
}

function functionKeyword(tokens, pairs, i) {
  let k = i + 1;
  if (isPunct(tokens[k], '*')) k += 1;
  const named = tokens[k]?.type === 'ident' ? tokens[k].value : null;
  if (named) k += 1;
  if (!isPunct(tokens[k], '(') || !pairs.has(k)) return null;
  const body = pairs.get(k) + 1;
  if (!isPunct(tokens[body], '{') || !pairs.has(body)) return null;
  const start = tokens[i - 1]?.value === 'async' ? i - 1 : i;
  return { start, end: pairs.get(body), name: named ?? boundName(tokens, start) };
}

function arrow(tokens, pairs, i) {
  const prev = tokens[i - 1];
  let start = isPunct(prev, ')') && pairs.has(i - 1) ? pairs.get(i - 1) : i - 1;
  if (tokens[start - 1]?.value === 'async') start -= 1;
  const body = tokens[i + 1];
  const end = isPunct(body, '{') && pairs.has(i + 1) ? pairs.get(i + 1) : expressionEnd(tokens, i + 1);
  return { start, end, name: boundName(tokens, start) };
}

function method(tokens, pairs, i) {
  const t = tokens[i];
  const prev = tokens[i - 1];
  if (NOT_METHODS.has(t.value) || isPunct(prev, '.') || isPunct(prev, '?.') || prev?.value === 'function') return null;
  if (isPunct(prev, '*') && tokens[i - 2]?.value === 'function') return null;
  const open = i + 1;
  if (!isPunct(tokens[open], '(') || !pairs.has(open)) return null;
  const body = pairs.get(open) + 1;
  if (!isPunct(tokens[body], '{') || !pairs.has(body)) return null;
  return { start: i, end: pairs.get(body), name: t.value };
}

/**
 * Every function in a source text: its name (or "(anonymous)"), first and last line and length in
 * lines, in source order.
 * @returns {{name: string, line: number, endLine: number, lines: number}[]}
 */
export function functionSpans(source) {
  const tokens = tokenize(source);
  const pairs = matchBrackets(tokens);
  const spans = [];
  tokens.forEach((t, i) => {
    let found = null;
    if (t.type === 'ident' && t.value === 'function') found = functionKeyword(tokens, pairs, i);
    else if (isPunct(t, '=>')) found = arrow(tokens, pairs, i);
    else if (t.type === 'ident') found = method(tokens, pairs, i);
    if (!found) return;
    const line = tokens[found.start].line;
    const endLine = tokens[found.end].line;
    spans.push({ name: found.name ?? '(anonymous)', line, endLine, lines: endLine - line + 1 });
  });
  return spans.sort((a, b) => a.line - b.line);
}

/** The functions of a source text longer than `max` lines. */
export const longFunctions = (source, max) => functionSpans(source).filter((f) => f.lines > max);
