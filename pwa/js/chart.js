// Inline-SVG charts: pure geometry, then drawn. Colours come from CSS, so dark mode works too.

import { PHQ9 } from './questionnaires.js';
import { dayNumber, shortDate, tableOf } from './trends.js';
import { h } from './ui.js';

export const VIEW = { width: 280, height: 150, left: 28, right: 6, top: 8, bottom: 22 };
const NS = 'http://www.w3.org/2000/svg';
const r1 = (x) => Math.round(x * 10) / 10;

/** The smallest round number ≥ `value` and ≥ `floor`. */
export function niceMax(value, floor = 1) {
  const v = Math.max(value, floor, Number.MIN_VALUE);
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.4, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10]) if (m * p >= v - 1e-9) return r1(m * p) || m * p;
  return 10 * p;
}

export function ticks(max) {
  return Number.isInteger(max / 2) ? [0, max / 2, max] : [0, max];
}

/** SVG path data for `values` (null is a gap), one per run; a lone point is a dot (round caps). */
export function linePaths(values, x, y) {
  const runs = [];
  let run = '';
  values.forEach((v, i) => {
    if (v === null || v === undefined) {
      if (run) runs.push(run);
      run = '';
      return;
    }
    run += `${run ? 'L' : 'M'}${r1(x(i))} ${r1(y(v))}`;
  });
  if (run) runs.push(run);
  return runs.map((d) => (d.includes('L') ? d : `${d}h0`));
}

/** One chart's geometry: `slots` across, `max` on top; `bars` and `points` are [{i, value, label?}]. */
export function geometry(spec, view = VIEW) {
  const { slots, max, bars = [], points = [], line = null, bands = [], xLabels = [] } = spec;
  const plot = { x: view.left, y: view.top, width: view.width - view.left - view.right, height: view.height - view.top - view.bottom };
  const step = plot.width / Math.max(slots, 1);
  const x = (i) => plot.x + (i + 0.5) * step;
  const y = (v) => plot.y + plot.height - (Math.min(Math.max(v, 0), max) / max) * plot.height;
  const barWidth = Math.max(step * 0.7, 0.6);
  return {
    viewBox: `0 0 ${view.width} ${view.height}`,
    plot,
    grid: (spec.ticks ?? ticks(max)).map((v) => ({ y: r1(y(v)), label: String(v) })),
    // From rounded edges: neighbouring bands meet without a hairline.
    bands: bands.map((b) => {
      const [top, bottom] = [r1(y(b.to)), r1(y(b.from))];
      return { y: top, height: r1(bottom - top), label: b.label, labelY: r1((top + bottom) / 2) };
    }),
    bars: bars.map(({ i, value }) => ({ x: r1(x(i) - barWidth / 2), y: r1(y(value)), width: r1(barWidth), height: r1(plot.y + plot.height - y(value)) })),
    paths: line ? linePaths(line, x, y) : [],
    points: points.map(({ i, value, label }) => ({ cx: r1(x(i)), cy: r1(y(value)), label })),
    xLabels: xLabels.map((text, k) => ({ x: k === 0 ? plot.x : plot.x + plot.width, y: view.height - 6, text, anchor: k === 0 ? 'start' : 'end' })),
  };
}

export function trendGeometry(t, name) {
  const start = dayNumber(t.from);
  const slot = (date) => dayNumber(date) - start;
  const ends = [shortDate(t.from), shortDate(t.to)];
  switch (name) {
    case 'mood':
      return geometry({ slots: t.days, max: 10, xLabels: ends,
        // Over 90 days the daily dots would merge into a blot: the 7-day line carries it alone.
        points: t.days > 90 ? [] : t.mood.daily.map((d) => ({ i: slot(d.date), value: d.value })),
        line: t.mood.rolling.map((r) => r.value) });
    case 'sleep': {
      const nights = t.sleep.filter((n) => n.hours !== null);
      return geometry({ slots: t.days, max: niceMax(Math.max(...nights.map((n) => n.hours)), 10), xLabels: ends,
        bars: nights.map((n) => ({ i: slot(n.date), value: n.hours })) });
    }
    case 'phq9': {
      const points = t.phq9.map((p) => ({ i: slot(p.date), value: p.total, label: String(p.total) }));
      const g = geometry({ slots: t.days, max: 27, ticks: [0, 5, 10, 15, 20, 27], xLabels: ends, points,
        bands: PHQ9.bands.map(([from, label], k) => ({ from, to: PHQ9.bands[k + 1]?.[0] ?? 27, label })) });
      // PHQ-9s are weeks apart: the line joins them across the days between.
      g.paths = points.length > 1 ? [g.points.map((p, k) => `${k ? 'L' : 'M'}${p.cx} ${p.cy}`).join('')] : [];
      return g;
    }
    case 'movement':
      return geometry({ slots: t.days, max: niceMax(Math.max(...t.movement.map((d) => d.minutes)), 30), xLabels: ends,
        bars: t.movement.map((d) => ({ i: slot(d.date), value: d.minutes })) });
    default:
      return geometry({ slots: t.alcohol.length, max: niceMax(Math.max(...t.alcohol.map((w) => w.drinks)), 4),
        xLabels: [shortDate(t.alcohol[0].week), shortDate(t.alcohol.at(-1).week)],
        bars: t.alcohol.map((w, i) => ({ i, value: w.drinks })) });
  }
}

function svg(tag, attrs = {}, text = null) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== null) el.textContent = text;
  return el;
}

/** Hidden from screen readers: the caption and table say it all. */
export function drawChart(g) {
  const { plot } = g;
  const root = svg('svg', { viewBox: g.viewBox, class: 'chart-svg', 'aria-hidden': 'true', focusable: 'false', width: '100%' });
  g.bands.forEach((b, k) => root.append(
    svg('rect', { x: plot.x, y: b.y, width: plot.width, height: b.height, class: `band band-${k}` }),
    svg('text', { x: plot.x + 4, y: b.labelY, class: 'band-label', 'dominant-baseline': 'middle' }, b.label)));
  for (const t of g.grid) {
    root.append(
      svg('line', { x1: plot.x, x2: plot.x + plot.width, y1: t.y, y2: t.y, class: 'grid' }),
      svg('text', { x: plot.x - 4, y: t.y, class: 'axis', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, t.label));
  }
  for (const b of g.bars) root.append(svg('rect', { ...b, class: 'bar' }));
  for (const d of g.paths) root.append(svg('path', { d, class: 'line' }));
  for (const p of g.points) {
    root.append(svg('circle', { cx: p.cx, cy: p.cy, r: 3.5, class: 'point' }));
    if (p.label) root.append(svg('text', { x: p.cx, y: p.cy - 7, class: 'point-label', 'text-anchor': 'middle' }, p.label));
  }
  for (const l of g.xLabels) root.append(svg('text', { x: l.x, y: l.y, class: 'axis', 'text-anchor': l.anchor }, l.text));
  return root;
}

function dataTable({ head, rows }) {
  return h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, ...rows.map((row) => h('tr', {}, ...row.map((c) => h('td', { text: c }))))));
}

/** A chart, its sentence, and its table built when first opened (a year is hundreds of rows). */
export function chartFigure(t, name, { title, caption, legend }) {
  const details = h('details', { class: 'chart-data' }, h('summary', { text: `${title} in numbers` }));
  details.addEventListener('toggle', () => {
    if (details.open && !details.querySelector('table')) details.append(dataTable(tableOf(t, name)));
  });
  return [
    h('figure', { class: 'chart', 'data-chart': name },
      drawChart(trendGeometry(t, name)),
      legend ? h('p', { class: 'legend hint', text: legend }) : null,
      h('figcaption', { text: caption })),
    details,
  ];
}
