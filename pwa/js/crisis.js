// Crisis and emergency lines by the country the person chose (never by location).

/** The countries offered in the chooser, in the order shown. */
export const COUNTRIES = [
  { code: 'US', name: 'United States' },
  { code: 'CA', name: 'Canada' },
  { code: 'GB', name: 'United Kingdom' },
  { code: 'IE', name: 'Ireland' },
  { code: 'AU', name: 'Australia' },
  { code: 'NZ', name: 'New Zealand' },
  { code: 'EU', name: 'Another country in the European Union' },
  // ZZ is the code for an unknown region (Unicode CLDR): a two-letter code the server accepts.
  { code: 'ZZ', name: 'Somewhere else' },
];

const call = (number, label = `Call ${number}`) => ({
  kind: 'call', label, href: `tel:${number.replace(/[^0-9+]/g, '')}`,
});
const text = (number, label = `Text ${number}`) => ({
  kind: 'text', label, href: `sms:${number.replace(/[^0-9+]/g, '')}`,
});

const SAMARITANS = {
  name: 'Samaritans',
  detail: 'Free, any time, day or night.',
  actions: [call('116 123')],
};

// A link the person opens in a new tab; nothing is ever fetched from it.
const FIND_A_HELPLINE = { text: 'Find a free, confidential helpline in your country at', href: 'https://findahelpline.com', label: 'findahelpline.com' };

const LINES = {
  US: {
    lines: [{
      name: '988 Suicide & Crisis Lifeline',
      detail: 'Call or text 988, any time. Veterans: call 988 and press 1.',
      actions: [call('988'), text('988')],
    }],
    emergency: [{ label: 'Emergency: 911', href: 'tel:911' }],
  },
  CA: {
    lines: [{
      name: '9-8-8 Suicide Crisis Helpline',
      detail: 'Call or text 9-8-8, any time.',
      actions: [call('988', 'Call 9-8-8'), text('988', 'Text 9-8-8')],
    }],
    emergency: [{ label: 'Emergency: 911', href: 'tel:911' }],
  },
  GB: {
    lines: [SAMARITANS],
    emergency: [
      { label: 'Emergency: 999', href: 'tel:999' },
      { label: 'NHS 111 (urgent but not an emergency)', href: 'tel:111' },
    ],
  },
  IE: {
    lines: [SAMARITANS],
    emergency: [{ label: 'Emergency: 112', href: 'tel:112' }],
  },
  AU: {
    lines: [{
      name: 'Lifeline',
      detail: 'Call 13 11 14, any time.',
      actions: [call('13 11 14')],
    }],
    emergency: [{ label: 'Emergency: 000', href: 'tel:000' }],
  },
  NZ: {
    lines: [{
      name: 'Need to talk? 1737',
      detail: 'Call or text 1737, any time.',
      actions: [call('1737'), text('1737')],
    }],
    emergency: [{ label: 'Emergency: 111', href: 'tel:111' }],
  },
  EU: {
    lines: [],
    emergency: [{ label: 'Emergency: 112', href: 'tel:112' }],
    note: FIND_A_HELPLINE,
  },
  ZZ: {
    lines: [],
    emergency: [],
    note: FIND_A_HELPLINE,
  },
};

export const NOBODY_MONITORS =
  'Nobody monitors this app in real time. If you are in danger now, call your local ' +
  'emergency number or one of the lines on this page.';

/**
 * Lines for a country code from COUNTRIES. An unknown or unset country gets null: the help
 * screen then shows every country, because a wrong guess could give someone a number that
 * does not work where they are.
 * @returns {{lines: object[], emergency: object[], note?: {text: string, href: string, label: string}} | null}
 */
export function crisisInfo(code) {
  // "OTHER" is how "Somewhere else" was stored before ZZ; such a profile still gets its lines.
  const known = code === 'OTHER' ? 'ZZ' : code;
  return Object.hasOwn(LINES, known) ? LINES[known] : null;
}

// Digits with spaces, dashes, a (area code) and a leading +, not glued to letters, times (08:00),
// decimals or doses (100 mg); dates and years are dropped after matching.
const PHONE = /(?<![\p{L}\d:/.])\+?(?:\d[\d -]*)?(?:\(\d+\) ?)?\d[\d -]*\d(?![\p{L}\d:/%]|\.\d|\s*(?:mg|ml|g|am|pm)\b)/giu;
const DATE_OR_YEAR = /^(?:\d{4}-\d\d?-\d\d?|\d\d?-\d\d?-\d{2,4}|(?:19|20)\d\d)$/;

/** The person's own text as parts, each phone number (3+ digits) with its tel: number. */
export function phoneParts(text) {
  const parts = [];
  let last = 0;
  for (const m of text.matchAll(PHONE)) {
    if (m[0].replace(/\D/g, '').length < 3 || DATE_OR_YEAR.test(m[0])) continue;
    parts.push({ text: text.slice(last, m.index) }, { text: m[0], tel: m[0].replace(/[^\d+]/g, '') });
    last = m.index + m[0].length;
  }
  parts.push({ text: text.slice(last) });
  return parts.filter((p) => p.text);
}
