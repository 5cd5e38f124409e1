// The lists of files the service worker keeps for offline use. PRECACHE is the shell: opening,
// logging, syncing and Get help; the worker installs only once all of it is stored. LATER holds
// the screens reached from it (sync and account, routines, safety plan, earlier days): stored
// right after, when the worker activates, so a cheap phone gets a working offline app sooner.
// ON_OPEN holds screens stored only the first time they are opened (the offline budget has no
// room for them up front); an update stores them again when the old cache held them.
// tests/js/precache.test.mjs checks the lists name every file and that sw.js's VERSION matches
// the files' contents; `node tests/js/pwa-budget.mjs --stamp` updates VERSION. shellPath says
// which requests the worker answers from the cache.

export const PRECACHE = [
  '/',
  '/manifest.webmanifest',
  '/css/app.css',
  '/icons/icon.svg',
  '/js/api.js',
  '/js/background.js',
  '/js/crisis.js',
  '/js/db.js',
  '/js/forms.js',
  '/js/hlc.js',
  '/js/kinds.js',
  '/js/main.js',
  '/js/merge.js',
  '/js/outbox.js',
  '/js/platform.js',
  '/js/router.js',
  '/js/rules.js',
  '/js/scheduler.js',
  '/js/session.js',
  '/js/snooze.js',
  '/js/store.js',
  '/js/sync-rules.js',
  '/js/sync.js',
  '/js/time.js',
  '/js/ui.js',
  '/js/uuid.js',
  '/js/validate.js',
  '/js/versions.js',
  '/js/views/entries.js',
  '/js/views/help.js',
  '/js/views/log.js',
  '/js/views/today.js',
];

export const LATER = [
  '/js/push.js',
  '/js/notify.js',
  '/js/routine-rules.js',
  '/js/more-forms.js',
  '/js/questionnaires.js',
  '/js/views/account.js',
  '/js/views/assessment.js',
  '/js/views/compare.js',
  '/js/views/day.js',
  '/js/views/meds.js',
  '/js/views/plan.js',
  '/js/views/routines.js',
  '/js/views/history.js',
  '/js/trends.js',
  '/js/chart.js',
  '/js/views/settings.js',
  '/js/export.js',
  '/js/views/account-manage.js',
  '/js/lock.js',
  '/js/views/lock-settings.js',
  '/js/views/more.js',
];

export const ON_OPEN = [
  '/js/insights.js',
  '/js/insights-copy.js',
  '/js/views/treatments.js',
  '/js/views/patterns.js',
  '/js/views/share.js',
];

/** Every file stored before or right after install (ON_OPEN files join once opened). */
export const ALL = [...PRECACHE, ...LATER];
const SHELL = new Set([...ALL, ...ON_OPEN]);

/** The cached shell path answering a GET from `origin`, or null when it is not part of the shell. */
export function shellPath(request, origin) {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  if (url.origin !== origin || url.pathname.startsWith('/api/')) return null;
  if (request.mode === 'navigate') return url.pathname === '/' || url.pathname === '/index.html' ? '/' : null;
  return SHELL.has(url.pathname) ? url.pathname : null;
}
