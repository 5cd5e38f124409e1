// PHQ-9 and GAD-7: the exact published wording (product.md; free to reproduce, wording kept
// unaltered), totals and severity bands. Plain data and pure functions: node tests cover them.

export const ANSWERS = ['Not at all', 'Several days', 'More than half the days', 'Nearly every day'];
export const DIFFICULTY = {
  text: 'If you checked off any problems, how difficult have these problems made it for you to do your work, ' +
    'take care of things at home, or get along with other people?',
  answers: ['Not difficult at all', 'Somewhat difficult', 'Very difficult', 'Extremely difficult'],
};

export const PHQ9 = {
  instrument: 'phq9',
  title: 'PHQ-9',
  stem: 'Over the last 2 weeks, how often have you been bothered by any of the following problems?',
  items: [
    'Little interest or pleasure in doing things',
    'Feeling down, depressed, or hopeless',
    'Trouble falling or staying asleep, or sleeping too much',
    'Feeling tired or having little energy',
    'Poor appetite or overeating',
    'Feeling bad about yourself — or that you are a failure or have let yourself or your family down',
    'Trouble concentrating on things, such as reading the newspaper or watching television',
    'Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety ' +
      'or restless that you have been moving around a lot more than usual',
    'Thoughts that you would be better off dead or of hurting yourself in some way',
  ],
  copyright: 'PHQ-9 © Pfizer Inc. No permission required to reproduce, translate, display or distribute.',
  bands: [[0, 'minimal'], [5, 'mild'], [10, 'moderate'], [15, 'moderately severe'], [20, 'severe']],
};

export const GAD7 = {
  instrument: 'gad7',
  title: 'GAD-7',
  stem: 'Over the last 2 weeks, how often have you been bothered by the following problems?',
  items: [
    'Feeling nervous, anxious, or on edge',
    'Not being able to stop or control worrying',
    'Worrying too much about different things',
    'Trouble relaxing',
    'Being so restless that it is hard to sit still',
    'Becoming easily annoyed or irritable',
    'Feeling afraid, as if something awful might happen',
  ],
  copyright: 'GAD-7 © Pfizer Inc. No permission required to reproduce, translate, display or distribute.',
  bands: [[0, 'minimal'], [5, 'mild'], [10, 'moderate'], [15, 'severe']],
};

export const QUESTIONNAIRES = { phq9: PHQ9, gad7: GAD7 };

export const total = (answers) => answers.reduce((sum, a) => sum + a, 0);

/** The severity band of a total in words ("moderate"). */
export function band(instrument, score) {
  let name = null;
  for (const [from, label] of QUESTIONNAIRES[instrument].bands) if (score >= from) name = label;
  return name;
}

/** "14 — moderate". */
export const scoreText = (instrument, answers) => `${total(answers)} — ${band(instrument, total(answers))}`;

/** The change since the previous total in plain words, no judgement attached. */
export function changeText(score, previous) {
  if (previous === null || previous === undefined) return 'This is your first one in Tend.';
  const diff = score - previous;
  if (diff === 0) return `The same total as last time (${previous}).`;
  const points = Math.abs(diff) === 1 ? 'point' : 'points';
  return `${Math.abs(diff)} ${points} ${diff < 0 ? 'lower' : 'higher'} than last time (${previous}).`;
}

/** Item 9 above 0: thoughts of being better off dead or of self-harm were reported. */
export const needsSafetyScreen = (instrument, answers) => instrument === 'phq9' && answers[8] > 0;
