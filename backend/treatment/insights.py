"""`derive_insights`: everything issue 12 derives from a person's journal, for one period.

The one implementation behind `GET /api/v1/insights`, the PWA's treatment screens and the
clinician summary, so the numbers agree everywhere. Pure: records in, `Insights` out; the
caller passes the person's today (no clock here) and reads the records (no database here).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from backend.journal.kinds import (
    Activity,
    Assessment,
    Checkin,
    Dose,
    Effect,
    Intake,
    Lab,
    Measurement,
    Medication,
    Routine,
    Session,
    Sleep,
)
from backend.journal.questionnaires import ITEM9_INDEX, band
from backend.sync.read import JournalRecord
from backend.treatment import lifestyle
from backend.treatment.journal import Journal, Period, local_date, percent
from backend.treatment.schemas import Insights, Phq9Entry, ReferralFacts, Trial
from backend.treatment.trials import (
    Phq9,
    TrialInputs,
    adequate_stretch,
    dose_steps,
    overlaps,
    runs,
    start_of,
    trial_facts,
)

# The kinds the derivations read; the service reads only these.
KINDS_READ = (
    "medication", "dose", "routine", "assessment", "session", "sleep", "activity",
    "intake", "effect", "checkin", "lab", "measurement", "profile",
)  # fmt: skip
# The PHQ-9 difficulty item: 2 "very difficult", 3 "extremely difficult".
DIFFICULTY_VERY = 2
# Referral fact (sharing.md item 6): under 25 % improvement, i.e. a change above -25 %.
UNDER_25PCT_CHANGE = -25.0


def derive_insights(
    records: Iterable[JournalRecord], start: date, end: date, today: date | None = None
) -> Insights:
    """Insights for the local dates start..end; days after `today` count as not yet lived."""
    journal = Journal(records)
    period = Period.of(start, end, today)
    phq9 = phq9_entries(journal)
    trials = trial_list(journal, phq9, period)
    medications = {med_id: med for med_id, med in journal.of(Medication)}
    return Insights(
        from_=start,
        to=end,
        completeness_pct=completeness(journal, period),
        trials=trials,
        phq9=[
            Phq9Entry(at=p.at.isoformat(), total=p.total, band=band("phq9", p.total), item9=p.item9)
            for p in phq9
            if p.day in period
        ],
        sessions=lifestyle.session_courses(journal.values(Session), period),
        sleep=lifestyle.sleep_facts(journal.values(Sleep), period),
        activity=lifestyle.activity_facts(journal.values(Activity), period),
        alcohol=lifestyle.alcohol_facts(journal.values(Intake), period),
        meals=lifestyle.meal_facts(journal.values(Intake), period),
        side_effects=lifestyle.side_effects(journal.values(Effect), medications, period),
        tags=lifestyle.top_tags(journal.values(Checkin), period),
        referral_facts=referral_facts(journal, trials, phq9, period),
    )


def phq9_entries(journal: Journal) -> list[Phq9]:
    """Every PHQ-9 of the person's history, in time order."""
    found = [
        Phq9(a.at, local_date(a.at), sum(a.answers), a.answers[ITEM9_INDEX], a.difficulty)
        for a in journal.values(Assessment)
        if a.instrument == "phq9" and len(a.answers) > ITEM9_INDEX
    ]
    return sorted(found, key=lambda p: p.at)


def trial_list(journal: Journal, phq9: list[Phq9], period: Period) -> list[Trial]:
    """One trial per medication whose time on it overlaps the period, oldest start first."""
    routines: dict[str, list[Routine]] = defaultdict(list)
    for routine in journal.values(Routine):
        if routine.kind == "medication" and routine.medication_id is not None:
            routines[routine.medication_id.lower()].append(routine)
    doses: dict[str, list[Dose]] = defaultdict(list)
    for dose in journal.values(Dose):
        doses[dose.medication_id.lower()].append(dose)
    trials = []
    for med_id, med in journal.of(Medication):
        mine = doses.get(med_id, [])
        if not overlaps(
            start_of(med, dose_steps(med, med.started_on), mine), med.stopped_on, period
        ):
            continue
        inputs = TrialInputs(routines=routines.get(med_id, []), doses=mine, phq9=phq9)
        trials.append(trial_facts(med_id, med, inputs, period))
    return sorted(trials, key=lambda t: (t.started_on or date.min, t.name.lower(), t.medication_id))


def completeness(journal: Journal, period: Period) -> float | None:
    """% of the period's days (up to today) with any entry: an absence is not read as a zero."""
    moments: list[datetime] = [
        *(v.at for v in journal.values(Checkin)),
        *(v.at for v in journal.values(Activity)),
        *(v.at for v in journal.values(Dose)),
        *(v.at for v in journal.values(Effect)),
        *(v.at for v in journal.values(Intake)),
        *(v.at for v in journal.values(Assessment)),
        *(v.at for v in journal.values(Session)),
        *(v.at for v in journal.values(Measurement)),
    ]
    days = {local_date(moment) for moment in moments}
    days.update(sleep.night_of for sleep in journal.values(Sleep))
    days.update(lab.on for lab in journal.values(Lab))
    return percent(sum(1 for day in days if day in period), period.days)


def referral_facts(
    journal: Journal, trials: list[Trial], phq9: list[Phq9], period: Period
) -> ReferralFacts:
    """The facts sharing.md item 6 names, stated neutrally: counts and dates, no judgement."""
    medications = dict(journal.of(Medication))
    steady_and_under_25 = 0
    for trial in trials:
        med = medications[trial.medication_id]
        stretches = runs(trial.dose_steps, trial.started_on, _until(trial, period))
        if (
            trial.role == "antidepressant"
            and trial.phq9_change_pct is not None
            and trial.phq9_change_pct > UNDER_25PCT_CHANGE
            and adequate_stretch(med.name, stretches)
        ):
            steady_and_under_25 += 1
    inside = [p for p in phq9 if p.day in period]
    hard = sorted({p.day for p in inside if (p.difficulty or 0) >= DIFFICULTY_VERY})
    return ReferralFacts(
        trials_6w_under_25pct=steady_and_under_25,
        item9_positive_dates=sorted({p.day for p in inside if p.item9 > 0}),
        difficulty_very_or_extreme=bool(hard),
        difficulty_very_or_extreme_dates=hard,
    )


def _until(trial: Trial, period: Period) -> date:
    return period.last if trial.stopped_on is None else min(trial.stopped_on, period.last)
