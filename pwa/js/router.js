// Hash routes (#/today, #/help, ...): works from the cached shell with no server routing.

import { h } from './ui.js';

const routes = {
  today: () => import('./views/today.js'),
  day: () => import('./views/day.js'),
  phq9: () => import('./views/assessment.js'),
  gad7: () => import('./views/assessment.js'),
  help: () => import('./views/help.js'),
  plan: () => import('./views/plan.js'),
  account: () => import('./views/account.js'),
  routines: () => import('./views/routines.js'),
  meds: () => import('./views/meds.js'),
  history: () => import('./views/history.js'),
  settings: () => import('./views/settings.js'),
  more: () => import('./views/more.js'),
  treatments: () => import('./views/treatments.js'),
  patterns: () => import('./views/patterns.js'),
  share: () => import('./views/share.js'),
  // A reminder's link (#/log/dose?medication=…&occurrence=…): Today with that log form open.
  log: () => import('./views/routines.js').then((m) => ({ render: m.renderLog })),
};

// Screens reached from a tab of the bottom bar, and that tab.
const NAV_OWNER = {
  day: 'today', log: 'today', phq9: 'today', gad7: 'today',
  settings: 'more', routines: 'more', account: 'more', plan: 'more', treatments: 'meds', patterns: 'more', share: 'more',
};

// Offline, an ON_OPEN screen (precache.js) never opened is missing.
const missing = { render: (root) => root.replaceChildren(h('h1', { tabindex: '-1', text: 'This screen needs a connection the first time it opens.' }),
  h('p', { text: 'Your entries are safe on this phone.' })) };

export function currentRoute(hash = location.hash) {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return Object.hasOwn(routes, name) ? name : 'today';
}

/** Render the route into `root`; returns the view handle (with `refresh` when it has one). */
export async function show(root, ctx, { focus = true } = {}) {
  const asked = currentRoute();
  const open = asked === 'help' || asked === 'plan';
  // The app lock (lock.js) is on: every screen but these two is its lock screen.
  const name = 'locked' in document.documentElement.dataset && !open ? 'locked' : asked;
  // While locked, CSS shows #main only for these (set once drawn, so nothing else shows).
  if (!open) delete document.documentElement.dataset.openRoute;
  const view = name === 'locked' ? (await import('./lock.js')).lockScreen : await routes[name]().catch(() => missing);
  // The lock screen draws into its own element (lock.js), not into `root`.
  root = view.root?.() ?? root;
  const handle = (await view.render(root, ctx)) ?? {};
  if (open) document.documentElement.dataset.openRoute = '';
  const owner = NAV_OWNER[name] ?? name;
  for (const a of document.querySelectorAll('[data-route]')) {
    // The bar names where a screen belongs: its own tab is "page", its parent's is "true".
    if (a.dataset.route === name) a.setAttribute('aria-current', 'page');
    else if (a.dataset.route === owner) a.setAttribute('aria-current', 'true');
    else a.removeAttribute('aria-current');
  }
  document.title = name === 'today' ? 'Tend' : `${root.querySelector('h1')?.textContent ?? 'Tend'} · Tend`;
  // Focus the new heading: screen readers announce it.
  if (focus) root.querySelector('h1')?.focus();
  return handle;
}
