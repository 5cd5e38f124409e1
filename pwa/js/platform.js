// What this browser can and cannot promise about keeping data; pure checks on `navigator`.

/** iPhone/iPad Safari not added to the Home Screen: Safari may erase site data after 7 days unused. */
export function iosNotInstalled(nav = globalThis.navigator, standaloneMedia = false) {
  if (!nav) return false;
  const ios = /iPhone|iPad|iPod/.test(nav.userAgent ?? '') ||
    (nav.platform === 'MacIntel' && (nav.maxTouchPoints ?? 0) > 1);
  return ios && nav.standalone !== true && !standaloneMedia;
}

export const IOS_7_DAYS =
  'On iPhone and iPad, Safari can erase what a website saved if you have not used it for ' +
  '7 days. To keep your entries, add Tend to your Home Screen (Share, then “Add to Home ' +
  'Screen”) or turn on sync.';
