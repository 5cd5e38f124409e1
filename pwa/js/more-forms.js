// The forms behind "More…" on Today (clinic sessions, labs, appointments, measurements,
// questions, caffeine, other substances): loaded when one is opened, so Today stays small.

import { LABS, MEASURES, SESSIONS, at, formSpec, note, scale, withRules } from './kinds.js';

/** The logs behind "More…" on Today: each one tap away from there (two from Today). */
export const MORE_LOGS = [
  ['session', 'Clinic session'], ['lab', 'Lab result'], ['appointment', 'Appointment'],
  ['measurement', 'Measurement'], ['question', 'Question for my next visit'],
  ['caffeine', 'Caffeine'], ['substance', 'Other substance'],
];

function moreSpec(form) {
  switch (form) {
    case 'session':
      return { kind: 'session', title: 'Clinic session', fields: [
        { name: 'type', label: 'What kind of session?', type: 'select', options: SESSIONS, required: true },
        { name: 'bp_before', label: 'Blood pressure before, like 120/80 (optional)', type: 'text' },
        { name: 'bp_after', label: 'Blood pressure after (optional)', type: 'text' },
        scale('dissociation', 'Dissociation (optional)', '0 none, 10 extreme'),
        scale('felt_after', 'How did you feel after? (optional)', '0 worst, 10 best'),
        at, note,
      ] };
    case 'lab':
      return { kind: 'lab', title: 'Lab result', fields: [
        { name: 'test', label: 'Which test?', type: 'select', options: LABS, required: true },
        { name: 'value', label: 'Result', type: 'number', required: true },
        { name: 'unit', label: 'Unit (optional)', type: 'text' },
        { name: 'on', label: 'Date of the test', type: 'date', required: true },
        note,
      ] };
    case 'appointment':
      return { kind: 'appointment', title: 'Appointment', fields: [
        { ...at, label: 'When is it?' },
        { name: 'with', label: 'With whom? (optional)', type: 'text', suggestions: ['psychiatrist', 'GP', 'therapist'] },
        { name: 'place', label: 'Where? (optional)', type: 'text' },
        note,
      ] };
    case 'measurement':
      return { kind: 'measurement', title: 'Measurement', fields: [
        { name: 'type', label: 'What did you measure?', type: 'select', options: MEASURES, required: true },
        { name: 'value', label: 'Value (blood pressure like 120/80)', type: 'text', required: true },
        { name: 'unit', label: 'Unit (optional)', type: 'text' },
        at,
      ] };
    case 'question':
      return { kind: 'question', title: 'Question for my next visit', fields: [
        { name: 'text', label: 'Your question', type: 'textarea', required: true },
        { name: 'answered', label: 'Answered', type: 'check' },
      ] };
    case 'caffeine':
      return { kind: 'intake', title: 'Caffeine', fixed: { kind: 'caffeine' }, fields: [
        { name: 'amount', label: 'Cups (optional)', type: 'number', quick: [1, 2, 3] }, at, note,
      ] };
    case 'substance':
      return { kind: 'intake', title: 'Other substance', fixed: { kind: 'other' }, fields: [
        { ...note, label: 'Which substance, and how much?', required: true }, at,
      ] };
    default:
      return null;
  }
}

/** The form spec of any form, quick log or "More…", with the server's limits. */
export function anySpec(form, meds = []) {
  const more = moreSpec(form);
  return formSpec(form, meds) ?? (more && withRules(more));
}
