// Hash routes (#/today, #/help, ...): works from the cached shell with no server routing.

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
  // A reminder's link (#/log/dose?medication=…&occurrence=…): Today with that log form open.
  log: () => import('./views/routines.js').then((m) => ({ render: m.renderLog })),
};

// Screens reached from a tab of the bottom bar, and that tab.
const NAV_OWNER = {
  day: 'today', log: 'today', phq9: 'today', gad7: 'today',
  settings: 'more', routines: 'more', account: 'more', plan: 'more',
};

export function currentRoute(hash = location.hash) {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return Object.hasOwn(routes, name) ? name : 'today';
}

/** Render the route into `root`; returns the view handle (with `refresh` when it has one). */
export async function show(root, ctx, { focus = true } = {}) {
  const asked = currentRoute();
  // The app lock (lock.js) is on: every screen but Get help and the safety plan is its lock screen.
  const name = 'locked' in document.documentElement.dataset && asked !== 'help' && asked !== 'plan' ? 'locked' : asked;
  const open = asked === 'help' || asked === 'plan';
  // While locked, CSS shows #main only for these two (set once drawn, so nothing else shows).
  if (!open) delete document.documentElement.dataset.openRoute;
  const view = name === 'locked' ? (await import('./lock.js')).lockScreen : await routes[name]();
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
  // Move focus to the new heading so screen readers announce the screen change.
  if (focus) root.querySelector('h1')?.focus({ preventScroll: false });
  return handle;
}
