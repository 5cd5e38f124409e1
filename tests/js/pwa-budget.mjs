// Shell size budget and cache version: `node tests/js/pwa-budget.mjs` prints the gzipped size of
// every precached file; `--stamp` writes the content hash into pwa/sw.js's VERSION.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ALL, ON_OPEN, PRECACHE } from '../../pwa/js/precache.js';

export const PWA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pwa');
export const BUDGET_BYTES = 60_000;
// What opening Today downloads (HTML, styles, scripts) and everything stored for offline use.
export const FIRST_SCREEN_BYTES = 45_000;
export const ALL_BYTES = 120_000;
// Screens stored the first time they are opened (precache.js ON_OPEN).
export const ON_OPEN_BYTES = 15_000;
const VERSION_RE = /export const VERSION = '([^']*)';/;

export const fileOf = (url) => join(PWA, url === '/' ? 'index.html' : url.slice(1));

/** Gzipped bytes (level 9, as a server would send) per URL: the shell, or with `urls` any list. */
export function gzipSizes(urls = PRECACHE) {
  return urls.map((url) => ({ url, bytes: gzipSync(readFileSync(fileOf(url)), { level: 9 }).length }));
}

const STATIC_IMPORT = /^\s*(?:import|export)\s[^;'"]*?from\s*'([^']+)'|^\s*import\s*'([^']+)'/gm;

/** A module and every module it imports statically (dynamic import() loads later). */
function staticClosure(url, seen) {
  if (seen.has(url)) return;
  seen.add(url);
  for (const m of readFileSync(fileOf(url), 'utf8').matchAll(STATIC_IMPORT)) {
    staticClosure(new URL(m[1] ?? m[2], `http://x${url}`).pathname, seen);
  }
}

/** What opening Today loads: the page, what it links or preloads, and Today's static imports. */
export function firstScreen() {
  const html = readFileSync(fileOf('/'), 'utf8');
  const linked = [...html.matchAll(/<(?:link rel="(?:stylesheet|modulepreload)" href|script type="module" src)="([^"]+)"/g)]
    .map((m) => m[1]);
  const seen = new Set();
  for (const url of [...linked.filter((u) => u.endsWith('.js')), '/js/views/today.js']) staticClosure(url, seen);
  return ['/', ...new Set([...linked.filter((u) => !u.endsWith('.js')), ...seen])];
}

/** The shell's content hash: every file the worker keeps, the lists and sw.js minus VERSION. */
export function shellHash() {
  const h = createHash('sha256');
  for (const url of [...ALL, ...ON_OPEN].sort()) h.update(`${url}\0`).update(readFileSync(fileOf(url))).update('\0');
  h.update(readFileSync(join(PWA, 'js', 'precache.js')));
  h.update(readFileSync(join(PWA, 'sw.js'), 'utf8').replace(VERSION_RE, ''));
  return h.digest('hex').slice(0, 12);
}

export function currentVersion() {
  return VERSION_RE.exec(readFileSync(join(PWA, 'sw.js'), 'utf8'))?.[1];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = gzipSizes(ALL);
  for (const { url, bytes } of sizes) console.log(`${String(bytes).padStart(7)}  ${url}`);
  const sum = (list) => list.reduce((n, s) => n + s.bytes, 0);
  console.log(`${String(sum(gzipSizes())).padStart(7)}  total gzipped (budget ${BUDGET_BYTES})`);
  console.log(`${String(sum(sizes)).padStart(7)}  with the screens stored after install (LATER; budget ${ALL_BYTES})`);
  console.log(`${String(sum(gzipSizes(firstScreen()))).padStart(7)}  what opening Today loads (budget ${FIRST_SCREEN_BYTES})`);
  const onOpen = gzipSizes(ON_OPEN);
  for (const { url, bytes } of onOpen) console.log(`${String(bytes).padStart(7)}  ${url}`);
  console.log(`${String(sum(onOpen)).padStart(7)}  stored when first opened (ON_OPEN; budget ${ON_OPEN_BYTES})`);
  if (process.argv.includes('--stamp')) {
    const sw = join(PWA, 'sw.js');
    const hash = shellHash();
    writeFileSync(sw, readFileSync(sw, 'utf8').replace(VERSION_RE, `export const VERSION = '${hash}';`));
    console.log(`VERSION = ${hash}`);
  }
}
