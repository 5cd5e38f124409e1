// Shell size budget and cache version: `node tests/js/pwa-budget.mjs` prints the gzipped size of
// every precached file; `--stamp` writes the content hash into pwa/sw.js's VERSION.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ALL, PRECACHE } from '../../pwa/js/precache.js';

export const PWA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pwa');
export const BUDGET_BYTES = 60_000;
const VERSION_RE = /export const VERSION = '([^']*)';/;

export const fileOf = (url) => join(PWA, url === '/' ? 'index.html' : url.slice(1));

/** Gzipped bytes (level 9, as a server would send) per URL: the shell, or with `urls` any list. */
export function gzipSizes(urls = PRECACHE) {
  return urls.map((url) => ({ url, bytes: gzipSync(readFileSync(fileOf(url)), { level: 9 }).length }));
}

/** The shell's content hash: every precached file, the list itself and sw.js minus VERSION. */
export function shellHash() {
  const h = createHash('sha256');
  for (const url of [...ALL].sort()) h.update(`${url}\0`).update(readFileSync(fileOf(url))).update('\0');
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
  console.log(`${String(sum(sizes)).padStart(7)}  with the screens stored after install (LATER)`);
  if (process.argv.includes('--stamp')) {
    const sw = join(PWA, 'sw.js');
    const hash = shellHash();
    writeFileSync(sw, readFileSync(sw, 'utf8').replace(VERSION_RE, `export const VERSION = '${hash}';`));
    console.log(`VERSION = ${hash}`);
  }
}
