// PHQ-9 and GAD-7 as published: wording kept unaltered (product.md), totals and bands at every
// edge, the change since last time, and when the safety screen shows.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

import { ANSWERS, DIFFICULTY, GAD7, PHQ9, band, changeText, needsSafetyScreen, scoreText } from '../../pwa/js/questionnaires.js';

// Copied from ../shared/design/product.md ("Reference facts"), character for character.
const PRODUCT_PHQ9 = [
  'Little interest or pleasure in doing things',
  'Feeling down, depressed, or hopeless',
  'Trouble falling or staying asleep, or sleeping too much',
  'Feeling tired or having little energy',
  'Poor appetite or overeating',
  'Feeling bad about yourself — or that you are a failure or have let yourself or your family down',
  'Trouble concentrating on things, such as reading the newspaper or watching television',
  'Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual',
  'Thoughts that you would be better off dead or of hurting yourself in some way',
];

test('PHQ-9 wording is exactly that of product.md', () => {
  assert.deepEqual(PHQ9.items, PRODUCT_PHQ9);
  assert.equal(PHQ9.stem, 'Over the last 2 weeks, how often have you been bothered by any of the following problems?');
  assert.deepEqual(ANSWERS, ['Not at all', 'Several days', 'More than half the days', 'Nearly every day']);
  assert.equal(PHQ9.copyright, 'PHQ-9 © Pfizer Inc. No permission required to reproduce, translate, display or distribute.');
  assert.match(DIFFICULTY.text, /^If you checked off any problems, how difficult have these problems made it for you to do your work, take care of things at home, or get along with other people\?$/);
  assert.deepEqual(DIFFICULTY.answers, ['Not difficult at all', 'Somewhat difficult', 'Very difficult', 'Extremely difficult']);
});

test('and matches the design document itself when it is next to the repository', () => {
  const path = new URL('../../../shared/design/product.md', import.meta.url);
  if (!existsSync(path)) return;
  // The document wraps its lines: compare with runs of white space folded.
  const text = readFileSync(path, 'utf8').replace(/\s+/g, ' ');
  for (const item of PHQ9.items) assert.ok(text.includes(item), item);
  assert.ok(text.includes(PHQ9.stem));
  assert.ok(text.includes(PHQ9.copyright.replace('PHQ-9 ', '')));
});

test('GAD-7 has seven items on the same answer scale', () => {
  assert.equal(GAD7.items.length, 7);
  assert.equal(GAD7.items[0], 'Feeling nervous, anxious, or on edge');
});

test('bands at every edge', () => {
  const phq = [[0, 'minimal'], [4, 'minimal'], [5, 'mild'], [9, 'mild'], [10, 'moderate'], [14, 'moderate'],
    [15, 'moderately severe'], [19, 'moderately severe'], [20, 'severe'], [27, 'severe']];
  for (const [score, name] of phq) assert.equal(band('phq9', score), name, String(score));
  const gad = [[4, 'minimal'], [5, 'mild'], [9, 'mild'], [10, 'moderate'], [14, 'moderate'], [15, 'severe'], [21, 'severe']];
  for (const [score, name] of gad) assert.equal(band('gad7', score), name, String(score));
  assert.equal(scoreText('phq9', [2, 2, 2, 2, 2, 2, 1, 1, 0]), '14 — moderate');
});

test('the change since last time is a plain fact', () => {
  assert.equal(changeText(14, null), 'This is your first one in Tend.');
  assert.equal(changeText(9, 14), '5 points lower than last time (14).');
  assert.equal(changeText(15, 14), '1 point higher than last time (14).');
  assert.equal(changeText(14, 14), 'The same total as last time (14).');
});

test('the safety screen follows a PHQ-9 item 9 above 0, never a GAD-7', () => {
  const base = [0, 0, 0, 0, 0, 0, 0, 0];
  assert.equal(needsSafetyScreen('phq9', [...base, 0]), false);
  for (const a of [1, 2, 3]) assert.equal(needsSafetyScreen('phq9', [...base, a]), true);
  assert.equal(needsSafetyScreen('gad7', [3, 3, 3, 3, 3, 3, 3]), false);
});
