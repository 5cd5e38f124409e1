"""`derive_insights` as a whole: the PHQ-9 list, the referral facts, the period, a demo story.

Every expected number is worked out by hand in a comment next to it, never by the code.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from backend.demo.generator import generate_journal
from backend.sync.read import JournalRecord, journal_record
from backend.treatment.insights import derive_insights
from backend.treatment.schemas import Phq9Entry, ReferralFacts
from tests.unit.treatment_helpers import (
    ARIPIPRAZOLE,
    FLUOXETINE,
    OTHER_MED,
    SERTRALINE,
    USER,
    d,
    med,
    phq9,
    rec,
    steps,
)

PERIOD = (d("2026-01-01"), d("2026-03-31"), d("2026-04-01"))


def referral(records: list[JournalRecord]) -> ReferralFacts:
    return derive_insights(records, *PERIOD).referral_facts


def sertraline(**values: object) -> JournalRecord:
    """100 mg from 1 Jan, stopped 12 Feb: 1 Jan -> 12 Feb = 31 + 11 = 42 days at one dose."""
    fields = {"role": "antidepressant", "dose": 100, "unit": "mg", "started_on": "2026-01-01"}
    fields |= {"stopped_on": "2026-02-12"}
    return med(SERTRALINE, str(values.pop("name", "Sertraline")), **(fields | values))


def phq9_pair(start: int, latest: int | None) -> list[JournalRecord]:
    """A PHQ-9 two days before 1 Jan and, when given, one on 10 Feb (before the stop)."""
    found = [phq9("2025-12-30T09:00:00+00:00", start)]
    if latest is not None:
        found.append(phq9("2026-02-10T09:00:00+00:00", latest))
    return found


@pytest.mark.parametrize(
    ("trial", "scores", "counted"),
    [
        # (16 - 20) / 20 = -20 %: 6 weeks at 100 mg and under 25 % better
        (sertraline(), (20, 16), 1),
        # (22 - 20) / 20 = +10 %: worse is under 25 % better too
        (sertraline(), (20, 22), 1),
        # (15 - 20) / 20 = -25 %: exactly 25 % better is not "under"
        (sertraline(), (20, 15), 0),
        # no PHQ-9 during the trial: no change, not counted
        (sertraline(), (20, None), 0),
        # 1 Jan -> 11 Feb = 41 days: not 6 weeks
        (sertraline(stopped_on="2026-02-11"), (20, 16), 0),
        # an augmentation is not an antidepressant trial
        (sertraline(role="augmentation"), (20, 16), 0),
        # 25 mg for 42 days is below sertraline's 50 mg
        (sertraline(dose=25), (20, 16), 0),
        # a drug the table does not know is not called too low
        (sertraline(name="Reboxetine", dose=8), (20, 16), 1),
        # 14 days at 25 mg, then 50 mg 15 Jan -> 12 Mar = 16 + 28 + 12 = 56 days
        (
            sertraline(
                stopped_on="2026-03-12",
                dose_changes=steps(("2026-01-01", 25), ("2026-01-15", 50)),
            ),
            (20, 18),
            1,
        ),
        # 42 days at 25 mg (too low), then 2 weeks at 50 mg: no adequate stretch
        (
            sertraline(
                stopped_on="2026-02-26",
                dose_changes=steps(("2026-01-01", 25), ("2026-02-12", 50)),
            ),
            (20, 18),
            0,
        ),
    ],
)
def test_trials_of_six_weeks_with_under_25pct_improvement(
    trial: JournalRecord, scores: tuple[int, int | None], counted: int
) -> None:
    assert referral([trial, *phq9_pair(*scores)]).trials_6w_under_25pct == counted


def test_several_trials_are_counted_each() -> None:
    records = [
        sertraline(),  # -20 %: counted
        med(FLUOXETINE, "Fluoxetine", role="antidepressant", dose=20, unit="mg",
            started_on="2026-01-01"),  # still on it up to 31 Mar (89 days), -20 %: counted
        med(ARIPIPRAZOLE, "Aripiprazole", role="augmentation", dose=5, unit="mg",
            started_on="2026-01-01", augments=FLUOXETINE),  # not an antidepressant
        med(OTHER_MED, "Mirtazapine", role="antidepressant", dose=15, unit="mg",
            started_on="2026-03-01"),  # 1 -> 31 Mar = 30 days: not 6 weeks
        *phq9_pair(20, 16),
    ]  # fmt: skip
    assert referral(records).trials_6w_under_25pct == 2


def test_item9_and_difficulty_dates_are_the_periods_own() -> None:
    records = [
        phq9("2026-01-10T09:00:00+00:00", 14, item9=1, difficulty=3),
        phq9("2026-01-10T21:00:00+00:00", 12, item9=2),  # same day: one date
        phq9("2026-02-01T23:30:00-05:00", 10, item9=1),  # 1 Feb where it was answered
        phq9("2026-02-20T09:00:00+00:00", 9, item9=0, difficulty=2),
        phq9("2026-03-01T09:00:00+00:00", 8, difficulty=1),  # "somewhat": not counted
        phq9("2025-12-31T09:00:00+00:00", 15, item9=3, difficulty=3),  # before the period
        phq9("2026-03-15T09:00:00+00:00", 15, item9=3, difficulty=3, deleted=True),
        rec("assessment", {"at": "2026-03-20T09:00:00+00:00", "instrument": "gad7",
                           "answers": [3] * 7, "difficulty": 3}),  # GAD-7: not the PHQ-9
    ]  # fmt: skip
    assert referral(records) == ReferralFacts(
        trials_6w_under_25pct=0,
        item9_positive_dates=[date(2026, 1, 10), date(2026, 2, 1)],
        difficulty_very_or_extreme=True,
        difficulty_very_or_extreme_dates=[date(2026, 1, 10), date(2026, 2, 20)],
    )


def test_no_referral_facts_in_a_quiet_period() -> None:
    assert referral([phq9("2026-01-10T09:00:00+00:00", 6, difficulty=1)]) == ReferralFacts(
        trials_6w_under_25pct=0,
        item9_positive_dates=[],
        difficulty_very_or_extreme=False,
        difficulty_very_or_extreme_dates=[],
    )


def test_phq9_entries_in_time_order_with_band_and_item9() -> None:
    records = [
        phq9("2026-01-20T09:00:00+00:00", 27, item9=3),
        phq9("2026-01-10T01:00:00+05:00", 4),  # 9 Jan 20:00 UTC: the earliest instant
        phq9("2026-01-09T21:00:00+00:00", 5),
        phq9("2026-01-12T09:00:00+00:00", 9),
        phq9("2026-01-13T09:00:00+00:00", 10),
        phq9("2026-01-14T09:00:00+00:00", 14),
        phq9("2026-01-15T09:00:00+00:00", 15),
        phq9("2026-01-16T09:00:00+00:00", 19),
        phq9("2026-01-17T09:00:00+00:00", 20),
        phq9("2026-04-02T09:00:00+00:00", 20),  # after the period
    ]
    assert derive_insights(records, *PERIOD).phq9 == [
        Phq9Entry(at="2026-01-10T01:00:00+05:00", total=4, band="minimal", item9=0),
        Phq9Entry(at="2026-01-09T21:00:00+00:00", total=5, band="mild", item9=0),
        Phq9Entry(at="2026-01-12T09:00:00+00:00", total=9, band="mild", item9=0),
        Phq9Entry(at="2026-01-13T09:00:00+00:00", total=10, band="moderate", item9=0),
        Phq9Entry(at="2026-01-14T09:00:00+00:00", total=14, band="moderate", item9=0),
        Phq9Entry(at="2026-01-15T09:00:00+00:00", total=15, band="moderately severe", item9=0),
        Phq9Entry(at="2026-01-16T09:00:00+00:00", total=19, band="moderately severe", item9=0),
        Phq9Entry(at="2026-01-17T09:00:00+00:00", total=20, band="severe", item9=0),
        Phq9Entry(at="2026-01-20T09:00:00+00:00", total=27, band="severe", item9=3),
    ]


def test_the_answer_keeps_the_period_asked_for_even_past_today() -> None:
    found = derive_insights([], d("2026-11-01"), d("2026-11-30"), d("2026-11-15"))
    assert (found.from_, found.to) == (d("2026-11-01"), d("2026-11-30"))
    assert found.completeness_pct == 0.0  # 15 days lived, none logged
    assert found.trials == [] and found.phq9 == []


def demo_records(start: date) -> list[JournalRecord]:
    generated = generate_journal(start=start, days=365, tz="Europe/London", seed=2026)
    return [
        journal_record(
            USER,
            uuid.UUID(r.record_id),
            r.kind,
            {name: {"v": value} for name, value in r.values.items()},
            False,
        )
        for r in generated
    ]


def test_the_demo_story_reads_as_a_sertraline_trial_stopped_for_no_effect() -> None:
    start = date(2025, 12, 1)
    records = demo_records(start)
    assert all(record.value is not None for record in records)  # every generated record decodes
    last = start + timedelta(days=364)
    found = derive_insights(records, start, last, last)
    by_name = {trial.name: trial for trial in found.trials}
    # Citalopram stopped 130 days before the journal begins: not in this year.
    assert set(by_name) == {"Sertraline", "Venlafaxine XL", "Aripiprazole", "Colecalciferol",
                            "Zopiclone"}  # fmt: skip
    trial = by_name["Sertraline"]
    assert (trial.started_on, trial.stop_reason) == (start, "no_effect")
    # 150 mg from day 42 to day 91 (100 mg again, the cross-taper): 49 days = 7.0 weeks
    assert (trial.max_dose, trial.weeks_at_max_dose) == (150, 7.0)
    assert [step.dose for step in trial.dose_steps] == [50, 100, 150, 100, 50]
    # stopped on day 91 + 14 = 105
    assert trial.stopped_on == start + timedelta(days=105)
    assert (trial.reached_6_weeks, trial.below_min_dose) == (True, False)
    assert trial.phq9_change_pct is not None and trial.phq9_change_pct > -25
    # Venlafaxine XL starts on day 91, two weeks before sertraline stops (a cross-taper).
    assert by_name["Venlafaxine XL"].started_on == start + timedelta(days=91)
    assert by_name["Aripiprazole"].augments == by_name["Venlafaxine XL"].medication_id
    assert by_name["Zopiclone"].adherence_pct is None  # as needed
    assert found.referral_facts.trials_6w_under_25pct == 1
