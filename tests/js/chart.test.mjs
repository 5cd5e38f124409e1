import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIEW, geometry, linePaths, niceMax, ticks, trendGeometry } from '../../pwa/js/chart.js';
import { deriveTrends } from '../../pwa/js/trends.js';

const plotBottom = VIEW.height - VIEW.bottom;
const plotRight = VIEW.width - VIEW.right;

test('scale tops are round numbers at or above the data, never below a floor', () => {
  assert.equal(niceMax(7, 10), 10);
  assert.equal(niceMax(11, 10), 12);
  assert.equal(niceMax(95, 30), 100);
  assert.equal(niceMax(130, 30), 140);
  assert.equal(niceMax(13, 10), 14);
  assert.equal(niceMax(0, 4), 4);
  assert.equal(niceMax(0.3), 1);
  assert.deepEqual(ticks(10), [0, 5, 10]);
  assert.deepEqual(ticks(15), [0, 15]);
});

test('a line breaks at gaps, and a lone point is a dot', () => {
  const x = (i) => i * 10;
  const y = (v) => 100 - v;
  assert.deepEqual(linePaths([1, 2, null, 5, null, null, 7, 8], x, y), ['M0 99L10 98', 'M30 95h0', 'M60 93L70 92']);
  assert.deepEqual(linePaths([], x, y), []);
  assert.deepEqual(linePaths([null, null], x, y), []);
});

test('bars stand on the baseline inside the plot, one slot each', () => {
  const g = geometry({ slots: 4, max: 10, bars: [{ i: 0, value: 10 }, { i: 3, value: 5 }, { i: 1, value: 0 }] });
  const [full, half, zero] = g.bars;
  assert.equal(full.y, VIEW.top);
  assert.equal(full.y + full.height, plotBottom);
  assert.equal(Math.round(half.y + half.height), plotBottom);
  assert.equal(zero.height, 0);
  assert.ok(full.x >= VIEW.left && half.x + half.width <= plotRight);
  assert.ok(half.x > full.x);
  assert.deepEqual(g.grid.map((t) => t.label), ['0', '5', '10']);
  assert.equal(g.grid[0].y, plotBottom);
  assert.equal(g.viewBox, `0 0 ${VIEW.width} ${VIEW.height}`);
});

test('values beyond the scale are held at its edges', () => {
  const g = geometry({ slots: 1, max: 10, points: [{ i: 0, value: 14 }, { i: 0, value: -2 }] });
  assert.equal(g.points[0].cy, VIEW.top);
  assert.equal(g.points[1].cy, plotBottom);
});

test('the mood chart: dots for days with a mood, the 7-day line with its gaps', () => {
  const t = deriveTrends([
    { kind: 'checkin', values: { at: '2026-11-01T09:00:00+00:00', mood: 10 } },
    { kind: 'checkin', values: { at: '2026-11-20T09:00:00+00:00', mood: 0 } },
  ], { from: '2026-11-01', to: '2026-11-30' });
  const g = trendGeometry(t, 'mood');
  assert.equal(g.points.length, 2);
  assert.equal(g.points[0].cy, VIEW.top);
  assert.equal(g.points[1].cy, plotBottom);
  assert.equal(g.paths.length, 2, 'two runs of 7 days with a gap between');
  assert.deepEqual(g.xLabels.map((l) => l.text), ['1 Nov', '30 Nov']);
  assert.equal(g.xLabels[1].x, plotRight);
});

test('the PHQ-9 chart: five labelled bands stacked over 0-27, totals joined by a line', () => {
  const phq = (at, n) => ({ kind: 'assessment', values: { at, instrument: 'phq9', answers: [n, n, n, n, n, n, n, n, n] } });
  const t = deriveTrends([phq('2026-11-02T10:00:00Z', 2), phq('2026-11-16T10:00:00Z', 1)], { from: '2026-11-01', to: '2026-11-30' });
  const g = trendGeometry(t, 'phq9');
  assert.deepEqual(g.bands.map((b) => b.label), ['minimal', 'mild', 'moderate', 'moderately severe', 'severe']);
  const near = (a, b) => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);
  near(g.bands[0].y + g.bands[0].height, plotBottom);
  assert.equal(g.bands[4].y, VIEW.top);
  for (let k = 1; k < 5; k++) near(g.bands[k].y + g.bands[k].height, g.bands[k - 1].y);
  assert.deepEqual(g.points.map((p) => p.label), ['18', '9']);
  assert.equal(g.paths.length, 1);
  assert.deepEqual(g.grid.map((l) => l.label), ['0', '5', '10', '15', '20', '27']);
});

test('the alcohol chart has a bar per week; sleep and movement scale to their data', () => {
  const t = deriveTrends([
    { kind: 'intake', values: { at: '2026-11-04T20:00:00Z', kind: 'alcohol', amount: 6 } },
    { kind: 'activity', values: { at: '2026-11-04T20:00:00Z', minutes: 95 } },
    { kind: 'sleep', values: { night_of: '2026-11-04', bed_at: '2026-11-04T22:00:00Z', wake_at: '2026-11-05T11:00:00Z' } },
  ], { from: '2026-11-01', to: '2026-11-30' });
  const drinks = trendGeometry(t, 'alcohol');
  assert.equal(drinks.bars.length, t.alcohol.length);
  assert.deepEqual(drinks.grid.map((l) => l.label), ['0', '3', '6']);
  assert.deepEqual(trendGeometry(t, 'movement').grid.map((l) => l.label), ['0', '50', '100']);
  assert.deepEqual(trendGeometry(t, 'sleep').grid.map((l) => l.label), ['0', '7', '14']);
});
