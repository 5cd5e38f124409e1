import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ALL, LATER, ON_OPEN, PRECACHE, shellPath } from '../../pwa/js/precache.js';
import {
  ALL_BYTES, BUDGET_BYTES, FIRST_SCREEN_BYTES, ON_OPEN_BYTES, PWA, currentVersion, fileOf, firstScreen, gzipSizes, shellHash,
} from './pwa-budget.mjs';

const walk = (dir) => readdirSync(dir).flatMap((n) => {
  const p = join(dir, n);
  return statSync(p).isDirectory() ? walk(p) : [`/${relative(PWA, p)}`];
});

// Served but not needed offline by the page: the worker itself and install-time icons.
const NOT_PRECACHED = new Set([
  '/sw.js', '/js/precache.js', '/index.html', '/icons/icon-192.png', '/icons/icon-512.png', '/icons/icon-maskable-512.png',
]);

const TIERS = { PRECACHE, LATER, ON_OPEN };

test('every precached file exists', () => {
  for (const url of [...ALL, ...ON_OPEN]) assert.ok(existsSync(fileOf(url)), url);
  assert.equal(new Set(ALL).size, ALL.length);
});

test('every file of the app is in exactly one tier, so nothing is missing in airplane mode', () => {
  const tiersOf = (url) => Object.entries(TIERS).filter(([, list]) => list.includes(url)).map(([name]) => name);
  const wrong = walk(PWA).filter((url) => !NOT_PRECACHED.has(url))
    .map((url) => [url, tiersOf(url)]).filter(([, tiers]) => tiers.length !== 1);
  assert.deepEqual(wrong, []);
  for (const list of Object.values(TIERS)) assert.equal(new Set(list).size, list.length);
  assert.ok(PRECACHE.includes('/'));
  assert.ok(ON_OPEN.includes('/js/views/treatments.js') && ON_OPEN.includes('/js/views/patterns.js'));
});

test('no screen stored up front imports one stored only when opened', () => {
  // Otherwise a screen that worked offline would break until the other one had been opened.
  for (const url of [...PRECACHE, ...LATER].filter((u) => u.endsWith('.js'))) {
    const source = readFileSync(fileOf(url), 'utf8');
    for (const [, spec] of source.matchAll(/^import [^;]*? from '([^']+)';/gms)) {
      const target = new URL(spec, `http://x${url}`).pathname;
      assert.ok(!ON_OPEN.includes(target), `${url} imports ${target}, which is only stored once opened`);
    }
  }
});

test('the shell stored before install holds what opening, logging and Get help import', () => {
  // A module the shell imports statically must not wait for LATER, or Today would break offline.
  const shellModules = PRECACHE.filter((url) => url.endsWith('.js'));
  for (const url of shellModules) {
    const source = readFileSync(fileOf(url), 'utf8');
    for (const [, spec] of source.matchAll(/^import [^;]*? from '([^']+)';/gms)) {
      const target = new URL(spec, `http://x${url}`).pathname;
      assert.ok(!LATER.includes(target), `${url} imports ${target}, which is only stored after install`);
    }
  }
  for (const needed of ['/js/views/today.js', '/js/views/help.js', '/js/views/log.js', '/js/crisis.js']) {
    assert.ok(PRECACHE.includes(needed), needed);
  }
});

test('the worker answers shell files and app navigations from the cache, never the API or other sites', () => {
  const origin = 'https://tend.example';
  const get = (path, mode = 'no-cors') => shellPath({ method: 'GET', url: `${origin}${path}`, mode }, origin);
  assert.equal(get('/js/main.js'), '/js/main.js');
  assert.equal(get('/js/views/routines.js'), '/js/views/routines.js');
  for (const url of ON_OPEN) assert.equal(get(url), url, 'a screen stored once opened is answered from the cache');
  assert.equal(get('/', 'navigate'), '/');
  assert.equal(get('/index.html', 'navigate'), '/');
  assert.equal(get('/?x=1#/today', 'navigate'), '/');
  assert.equal(get('/clinician/abc', 'navigate'), null);
  assert.equal(get('/api/v1/sync'), null);
  assert.equal(get('/js/nothing.js'), null);
  assert.equal(shellPath({ method: 'POST', url: `${origin}/js/main.js`, mode: 'cors' }, origin), null);
  assert.equal(shellPath({ method: 'GET', url: 'https://other.example/js/main.js', mode: 'cors' }, origin), null);
});

test('sw.js VERSION matches the shell contents (run: node tests/js/pwa-budget.mjs --stamp)', () => {
  assert.equal(currentVersion(), shellHash());
});

test(`the precached shell is at most ${BUDGET_BYTES} bytes gzipped`, () => {
  const total = gzipSizes().reduce((n, s) => n + s.bytes, 0);
  assert.ok(total <= BUDGET_BYTES, `${total} bytes`);
});

test(`what opening Today loads is at most ${FIRST_SCREEN_BYTES} bytes gzipped, and all of it is in the shell`, () => {
  const urls = firstScreen();
  for (const url of urls) assert.ok(PRECACHE.includes(url), `${url} is loaded by Today but not in PRECACHE`);
  // Sync, the status line and the worker's registration load after Today is drawn.
  for (const later of ['/js/background.js', '/js/sync.js', '/js/scheduler.js']) assert.ok(!urls.includes(later), later);
  const total = gzipSizes(urls).reduce((n, s) => n + s.bytes, 0);
  assert.ok(total <= FIRST_SCREEN_BYTES, `${total} bytes`);
});

test(`everything kept for offline use is at most ${ALL_BYTES} bytes gzipped`, () => {
  const total = gzipSizes(ALL).reduce((n, s) => n + s.bytes, 0);
  assert.ok(total <= ALL_BYTES, `${total} bytes`);
});

test(`the screens stored when first opened are at most ${ON_OPEN_BYTES} bytes gzipped`, () => {
  const total = gzipSizes(ON_OPEN).reduce((n, s) => n + s.bytes, 0);
  assert.ok(total <= ON_OPEN_BYTES, `${total} bytes`);
});

test('the manifest makes Tend installable', () => {
  const m = JSON.parse(readFileSync(join(PWA, 'manifest.webmanifest'), 'utf8'));
  assert.equal(m.name, 'Tend');
  assert.equal(m.display, 'standalone');
  assert.equal(m.start_url, '/');
  assert.equal(m.scope, '/');
  const png = (size, purpose) => m.icons.find((i) => i.sizes === size && i.type === 'image/png' && i.purpose === purpose);
  for (const icon of [png('192x192', 'any'), png('512x512', 'any'), png('512x512', 'maskable')]) {
    assert.ok(icon);
    const bytes = readFileSync(join(PWA, icon.src));
    assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
    assert.equal(bytes.readUInt32BE(16), Number(icon.sizes.split('x')[0]));
  }
});
