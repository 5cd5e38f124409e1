import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PWA } from './pwa-budget.mjs';

const files = (dir) => readdirSync(dir).flatMap((n) => {
  const p = join(dir, n);
  return statSync(p).isDirectory() ? files(p) : [p];
});
const text = files(PWA).filter((p) => /\.(html|js|css|webmanifest|svg)$/.test(p)).map((p) => [p, readFileSync(p, 'utf8')]);

test('the page has no inline script or style the CSP would block', () => {
  const html = readFileSync(join(PWA, 'index.html'), 'utf8');
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    assert.match(m[1], /\bsrc="\/[^"]+"/, 'every script comes from a file');
    assert.equal(m[2].trim(), '');
  }
  assert.doesNotMatch(html, /<style\b/);
  assert.doesNotMatch(html, /\sstyle=/);
  assert.doesNotMatch(html, /\son[a-z]+=/, 'no inline event handlers');
});

test('no eval, no string-built functions, no inline styles from scripts', () => {
  for (const [path, src] of text.filter(([p]) => p.endsWith('.js'))) {
    assert.doesNotMatch(src, /\beval\(|new Function\(|setTimeout\(['"`]/, path);
    assert.doesNotMatch(src, /['"]style['"]\s*:|setAttribute\(['"]style|innerHTML|insertAdjacentHTML|document\.write/, path);
  }
});

// Links the person can open in a new tab; nothing is fetched from them.
const LINKS_OUT = new Set(['https://findahelpline.com']);

test('nothing loads from a third-party origin', () => {
  for (const [path, src] of text) {
    const urls = [...src.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s'"`)]*/gi)].map((m) => m[0])
      .filter((u) => !u.startsWith('http://www.w3.org/2000/svg') && !LINKS_OUT.has(u));
    assert.deepEqual(urls, [], path);
  }
});
