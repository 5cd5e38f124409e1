// House style: no function in the app over 60 lines (counted from the line it starts on to its
// closing brace, inclusive; a nested function counts on its own and inside its parent).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { PWA } from './pwa-budget.mjs';
import { functionSpans, longFunctions } from './support/function-spans.mjs';

const MAX_LINES = 60;
const FIXTURE = new URL('./fixtures/long-functions.js', import.meta.url);

const walk = (dir) => readdirSync(dir).flatMap((n) => {
  const p = join(dir, n);
  return statSync(p).isDirectory() ? walk(p) : [p];
});

test(`no function in pwa/ is longer than ${MAX_LINES} lines`, () => {
  const files = walk(PWA).filter((p) => /\.m?js$/.test(p)).sort();
  assert.ok(files.length > 20, 'the walk found the app');
  const offenders = files.flatMap((file) => longFunctions(readFileSync(file, 'utf8'), MAX_LINES)
    .map((f) => `pwa/${relative(PWA, file)}:${f.line} ${f.name} (${f.lines} lines)`));
  assert.deepEqual(offenders, [], `functions over ${MAX_LINES} lines:\n${offenders.join('\n')}`);
});

test('the scanner reports a long function even with braces in strings, templates, regexes and comments', () => {
  const found = longFunctions(readFileSync(FIXTURE, 'utf8'), MAX_LINES);
  assert.deepEqual(found.map((f) => `${f.line} ${f.name} (${f.lines} lines)`), [
    '66 sixtyOne (61 lines)',
    '128 tooLongArrow (63 lines)',
  ]);
  const all = functionSpans(readFileSync(FIXTURE, 'utf8'));
  assert.deepEqual(all.map((f) => [f.name, f.lines]), [['exactlySixty', 60], ['sixtyOne', 61], ['tooLongArrow', 63], ['shortMethod', 3]]);
});

test('arrows, methods and callbacks get their names; nested functions count on their own', () => {
  const source = [
    'const ctx = {',
    '  async write(args) {',
    '    return run(args, function inner() {',
    '      return 1;',
    '    });',
    '  },',
    '  click: (e) => e,',
    '};',
    'class Box { get size() { return 2; } }',
    'items.map((x) =>',
    '  x * 2);',
    'if (a) { b(); } else if (c) { d(); }',
  ].join('\n');
  const spans = functionSpans(source).map((f) => `${f.name} ${f.line}-${f.endLine}`);
  assert.deepEqual(spans, ['write 2-6', 'inner 3-5', 'click 7-7', 'size 9-9', '(anonymous) 10-11']);
});

test('a source the scanner cannot balance is an error, not a silent pass', () => {
  assert.throws(() => functionSpans('function f() { const s = "}"; '), /unclosed \{ on line 1/);
  assert.throws(() => functionSpans('a)'), /unmatched \)/);
});
