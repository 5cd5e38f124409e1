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
  // A reminder's link (#/log/dose?medication=…&occurrence=…): Today with that log form open.
  log: () => import('./views/routines.js').then((m) => ({ render: m.renderLog })),
};

export function currentRoute(hash = location.hash) {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return Object.hasOwn(routes, name) ? name : 'today';
}

/** Render the route into `root`; returns the view handle (with `refresh` when it has one). */
export async function show(root, ctx, { focus = true } = {}) {
  const name = currentRoute();
  const view = await routes[name]();
  const handle = (await view.render(root, ctx)) ?? {};
  for (const a of document.querySelectorAll('[data-route]')) {
    // An earlier day belongs to Today in the navigation.
    if (a.dataset.route === (name === 'day' ? 'today' : name)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = name === 'today' ? 'Tend' : `${root.querySelector('h1')?.textContent ?? 'Tend'} · Tend`;
  // Move focus to the new heading so screen readers announce the screen change.
  if (focus) root.querySelector('h1')?.focus({ preventScroll: false });
  return handle;
}
