// Four weeks of a realistic journal (moods, sleep, walks, a few drinks, two PHQ-9s), written
// through the app's own store: History's calendar and trends then show what a person sees.
// Evaluated in the page by test_screenshots.py.
async () => {
  const { openDb } = await import('/js/db.js');
  const { writeRecord } = await import('/js/store.js');
  const { localIso, localDate } = await import('/js/time.js');
  const db = await openDb();
  const day = 86_400_000;
  const now = Date.now();
  for (let d = 27; d >= 1; d--) {
    const noon = now - d * day;
    const mood = Math.max(0, Math.min(10, 3 + Math.round(d < 14 ? (14 - d) / 4 : 0) + (d % 3) - 1));
    await writeRecord(db, { kind: 'checkin', values: { at: localIso(noon - 3 * 3600_000), mood } });
    await writeRecord(db, { kind: 'checkin', values: { at: localIso(noon + 6 * 3600_000), mood: Math.min(10, mood + 1) } });
    const bed = noon - 14 * 3600_000 - (d % 4) * 1800_000;
    await writeRecord(db, { kind: 'sleep', values: {
      night_of: localDate(noon - day), bed_at: localIso(bed), wake_at: localIso(bed + (6 + (d % 3)) * 3600_000) } });
    if (d % 2) await writeRecord(db, { kind: 'activity', values: { at: localIso(noon), minutes: 15 + (d % 5) * 5, kind: 'walk' } });
    if (d % 6 === 0) await writeRecord(db, { kind: 'intake', values: { at: localIso(noon + 8 * 3600_000), kind: 'alcohol', amount: 2 } });
    if (d % 14 === 1) {
      const answers = d > 14 ? [2, 2, 2, 1, 2, 1, 2, 1, 0] : [1, 1, 2, 1, 1, 1, 1, 0, 0];
      await writeRecord(db, { kind: 'assessment', values: { at: localIso(noon), instrument: 'phq9', answers, difficulty: 1 } });
    }
  }
}
