// A small treatment story (three medications, one added to another, esketamine sessions with
// readings, a side effect, and some short and long nights five to six weeks ago, each with the
// next day's mood), dated back from today and written through the app's own store.
// Evaluated in the page by test_pwa_treatments.py and test_screenshots.py.
async () => {
  const { openDb } = await import('/js/db.js');
  const { writeRecord } = await import('/js/store.js');
  const { addDays, localDate, localIso } = await import('/js/time.js');
  const db = await openDb();
  const today = localDate();
  const ago = (n) => addDays(today, -n);
  // This device's local time on a day, with its offset, as the forms write it.
  const at = (day, time) => localIso(new Date(`${day}T${time}:00`).getTime());
  const med = async (values) => (await writeRecord(db, { kind: 'medication', values })).record.id;
  await med({ name: 'Sertraline', role: 'antidepressant', unit: 'mg', dose: 150, started_on: ago(200),
    stopped_on: ago(120), stop_reason: 'no_effect', dose_changes: [
      { on: ago(200), dose: 50, unit: 'mg' }, { on: ago(186), dose: 100, unit: 'mg' }, { on: ago(165), dose: 150, unit: 'mg' }] });
  const venlafaxine = await med({ name: 'Venlafaxine XL', role: 'antidepressant', unit: 'mg', dose: 225, started_on: ago(125),
    dose_changes: [{ on: ago(125), dose: 75, unit: 'mg' }, { on: ago(111), dose: 150, unit: 'mg' }, { on: ago(83), dose: 225, unit: 'mg' }] });
  await med({ name: 'Aripiprazole', role: 'augmentation', unit: 'mg', dose: 5, started_on: ago(40), augments: venlafaxine });
  for (const [n, bp, after, dis] of [[20, '124/78', '142/86', 5], [17, '120/76', '136/84', 4], [13, '126/80', '140/88', 4]]) {
    await writeRecord(db, { kind: 'session', values: { at: at(ago(n), '10:00'), type: 'esketamine', bp_before: bp,
      bp_after: after, dissociation: dis, felt_after: 6 } });
  }
  for (let n = 44; n >= 35; n--) {
    const short = n % 2 === 0;
    const bed = Date.parse(at(ago(n), '23:00'));
    await writeRecord(db, { kind: 'sleep', values: { night_of: ago(n), bed_at: localIso(bed),
      wake_at: localIso(bed + (short ? 5 : 9) * 3600000) } });
    await writeRecord(db, { kind: 'checkin', values: { at: at(ago(n - 1), '19:00'), mood: short ? 3 + (n % 3) : 5 + (n % 3) } });
  }
  await writeRecord(db, { kind: 'effect', values: { at: localIso(Date.now() - 30 * 86400000), medication_id: venlafaxine,
    name: 'insomnia', severity: 2 } });
}
