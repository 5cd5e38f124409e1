"""Trial facts (issue 12): dose steps, weeks at the highest dose, adherence, PHQ-9 change.

Every expected number is worked out by hand in a comment next to it, never by the code.
Dates: 2026-10-01 and 2026-10-15 are Thursdays, 2026-11-02 and 2026-01-05 are Mondays.
"""

from __future__ import annotations

from datetime import date

import pytest

from backend.sync.read import JournalRecord
from backend.treatment.insights import derive_insights
from backend.treatment.min_dose import below_minimum, minimum_for
from backend.treatment.schemas import DoseStep, Trial
from backend.treatment.trials import Run, adequate_stretch
from tests.unit.treatment_helpers import (
    ARIPIPRAZOLE,
    FLUOXETINE,
    OTHER_MED,
    SERTRALINE,
    d,
    daily_doses,
    days_from,
    dose,
    med,
    phq9,
    rec,
    routine,
    steps,
)


def trials(records: list[JournalRecord], start: str, end: str, today: str) -> dict[str, Trial]:
    found = derive_insights(records, d(start), d(end), d(today)).trials
    return {trial.medication_id: trial for trial in found}


def one_trial(records: list[JournalRecord], start: str, end: str, today: str) -> Trial:
    [trial] = trials(records, start, end, today).values()
    return trial


def sertraline_with_a_mid_week_increase() -> list[JournalRecord]:
    """50 mg from Thu 1 Oct, 100 mg from Thu 15 Oct; a daily 08:00 routine; taken 1-30 Oct."""
    return [
        med(
            SERTRALINE,
            "Sertraline",
            role="antidepressant",
            unit="mg",
            started_on="2026-10-01",
            dose_changes=steps(("2026-10-15", 100), ("2026-10-01", 50)),  # out of order
        ),
        routine(SERTRALINE, ["08:00"]),
        *daily_doses(SERTRALINE, days_from("2026-10-01", 30)),
        dose(SERTRALINE, "2026-10-31T08:00:00+00:00", "skipped"),
        phq9("2026-09-28T20:00:00+01:00", 18),
        phq9("2026-11-20T20:00:00+00:00", 8),
    ]


def test_a_dose_change_mid_week_gives_steps_weeks_adherence_and_phq9_change() -> None:
    trial = one_trial(
        sertraline_with_a_mid_week_increase(), "2026-10-01", "2026-11-30", "2026-12-05"
    )
    assert trial.started_on == date(2026, 10, 1)
    assert trial.stopped_on is None
    assert trial.dose_steps == [
        DoseStep(from_=date(2026, 10, 1), dose=50, unit="mg"),
        DoseStep(from_=date(2026, 10, 15), dose=100, unit="mg"),
    ]
    assert trial.max_dose == 100
    # 100 mg from 15 Oct up to the period's last day 30 Nov: 16 + 30 = 46 days; 46 / 7 = 6.57
    assert trial.weeks_at_max_dose == 6.6
    # 46 days at one dose >= 28 and >= 42
    assert (trial.reached_4_weeks, trial.reached_6_weeks) == (True, True)
    # 1 Oct..30 Nov = 61 days x one time = 61 occurrences; 30 taken (the skip is not taken):
    # 30 / 61 = 49.18 %
    assert trial.adherence_pct == 49.2
    # start: 18 (28 Sep, before the start); latest: 8 (20 Nov); (8 - 18) / 18 = -55.56 %
    assert (trial.phq9_start, trial.phq9_latest, trial.phq9_change_pct) == (18, 8, -55.6)
    assert trial.response is True  # -55.6 <= -50
    assert trial.remission is False  # 8 is not < 5
    assert trial.below_min_dose is False  # 100 mg >= sertraline's 50 mg


def test_the_stretch_before_a_mid_week_change_is_counted_to_the_day() -> None:
    # Up to Wed 28 Oct only: 50 mg for 14 days (1-15 Oct), 100 mg for 13 days (15-28 Oct).
    trial = one_trial(
        sertraline_with_a_mid_week_increase(), "2026-10-01", "2026-10-28", "2026-12-05"
    )
    assert trial.weeks_at_max_dose == 1.9  # 13 / 7 = 1.857
    assert (trial.reached_4_weeks, trial.reached_6_weeks) == (False, False)  # 14 and 13 < 28
    # 28 occurrences, 28 taken (1-28 Oct)
    assert trial.adherence_pct == 100.0
    # No PHQ-9 from 1 to 28 Oct: the latest is missing, so is every fact built on it.
    assert trial.phq9_start == 18
    assert (trial.phq9_latest, trial.phq9_change_pct, trial.response, trial.remission) == (
        None,
        None,
        None,
        None,
    )


def fluoxetine_restarted_after_a_gap() -> list[JournalRecord]:
    """20 mg from Mon 5 Jan, paused 26 Jan-1 Feb, 20 mg again from 2 Feb, stopped 2 Mar."""
    active = days_from("2026-01-05", 56, skip=days_from("2026-01-26", 7))  # 5 Jan..1 Mar
    missed = {"2026-01-06", "2026-01-13", "2026-02-03", "2026-02-10", "2026-02-17"}
    missed |= {"2026-02-24", "2026-03-01"}
    return [
        med(
            FLUOXETINE,
            "Fluoxetine",
            role="antidepressant",
            unit="mg",
            dose_changes=steps(("2026-01-05", 20), ("2026-01-26", 0), ("2026-02-02", 20)),
            stopped_on="2026-03-02",
            stop_reason="side_effects",
        ),
        *daily_doses(FLUOXETINE, [day for day in active if day not in missed]),
        dose(FLUOXETINE, "2026-01-28T08:00:00+00:00"),  # during the pause: not an active day
        dose(FLUOXETINE, "2026-03-02T08:00:00+00:00"),  # the first day off it
        dose(FLUOXETINE, "2026-02-03T21:00:00+00:00", "skipped"),
    ]


def test_a_restart_after_a_gap_is_a_new_stretch() -> None:
    trial = one_trial(fluoxetine_restarted_after_a_gap(), "2026-01-01", "2026-03-31", "2026-04-30")
    # No started_on: the trial starts at its first dose change.
    assert trial.started_on == date(2026, 1, 5)
    assert (trial.stopped_on, trial.stop_reason) == (date(2026, 3, 2), "side_effects")
    assert [(s.from_, s.dose) for s in trial.dose_steps] == [
        (date(2026, 1, 5), 20),
        (date(2026, 1, 26), 0),
        (date(2026, 2, 2), 20),
    ]
    assert trial.max_dose == 20
    # 20 mg 5-26 Jan = 21 days; pause 26 Jan-2 Feb = 7 days; 20 mg 2 Feb-2 Mar = 28 days.
    # Longest stretch at 20 mg: 28 days = 4.0 weeks (not 56: the pause breaks it).
    assert trial.weeks_at_max_dose == 4.0
    assert (trial.reached_4_weeks, trial.reached_6_weeks) == (True, False)
    # Active days: 5 Jan..1 Mar = 56 days minus 7 paused = 49; taken on 49 - 7 missed = 42;
    # the dose on a paused day and the one on the stop day are not on active days.
    # 42 / 49 = 85.71 %
    assert trial.adherence_pct == 85.7


def test_a_trial_is_measured_up_to_its_stop_date() -> None:
    records = [
        med(SERTRALINE, "Sertraline", dose=100, unit="mg", started_on="2026-01-01",
            stopped_on="2026-02-12"),
    ]  # fmt: skip
    trial = one_trial(records, "2026-01-01", "2026-06-30", "2026-06-30")
    # No dose_changes: one step at the medication's dose from its start.
    assert trial.dose_steps == [DoseStep(from_=date(2026, 1, 1), dose=100, unit="mg")]
    # 1 Jan -> 12 Feb (the first day off it) = 31 + 11 = 42 days = 6.0 weeks
    assert trial.weeks_at_max_dose == 6.0
    assert (trial.reached_4_weeks, trial.reached_6_weeks) == (True, True)  # 42 >= 42
    # No routine and no dose logged in its 42 days: not known, rather than a 0 % a clinician
    # would read as doses not taken
    assert trial.adherence_pct is None


def test_days_after_today_are_not_counted() -> None:
    records = [med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-11-01")]
    records += daily_doses(SERTRALINE, days_from("2026-11-01", 10))
    trial = one_trial(records, "2026-11-01", "2026-11-30", "2026-11-15")
    # Up to today 15 Nov: 14 days = 2.0 weeks, not the 29 days up to 30 Nov.
    assert trial.weeks_at_max_dose == 2.0
    # Active days 1..15 Nov = 15; taken 1..10 Nov = 10; 10 / 15 = 66.67 %
    assert trial.adherence_pct == 66.7


def test_the_same_day_twice_keeps_the_later_entry_and_equal_doses_merge() -> None:
    changes = steps(("2026-10-01", 50), ("2026-10-01", 75), ("2026-10-20", 75), ("2026-11-10", 25))
    records = [
        med(SERTRALINE, "Sertraline", unit="mg", started_on="2026-10-01", dose_changes=changes)
    ]
    trial = one_trial(records, "2026-10-01", "2026-11-30", "2026-12-01")
    # 1 Oct: 50 then 75 -> 75. 20 Oct: 75 again, kept as a step but the stretch goes on.
    assert [(s.from_, s.dose) for s in trial.dose_steps] == [
        (date(2026, 10, 1), 75),
        (date(2026, 10, 20), 75),
        (date(2026, 11, 10), 25),
    ]
    # 75 mg from 1 Oct to 10 Nov unbroken: 30 + 10 = 40 days = 5.71 weeks
    assert trial.weeks_at_max_dose == 5.7
    # 40 >= 28; neither 40 nor 25 mg's 10 Nov -> 30 Nov = 20 days reaches 42
    assert (trial.reached_4_weeks, trial.reached_6_weeks) == (True, False)


def test_a_start_from_the_first_logged_dose_uses_its_local_date() -> None:
    # 23:30 in New York on 9 March is 04:30 UTC on the 10th: the person took it on the 9th.
    records = [
        med(SERTRALINE, "Sertraline", dose=50, unit="mg"),
        dose(SERTRALINE, "2026-03-10T20:00:00-04:00"),
        dose(SERTRALINE, "2026-03-09T23:30:00-05:00"),
    ]
    trial = one_trial(records, "2026-03-01", "2026-03-31", "2026-03-12")
    assert trial.started_on == date(2026, 3, 9)
    assert trial.dose_steps == [DoseStep(from_=date(2026, 3, 9), dose=50, unit="mg")]
    # Active 9..12 Mar = 4 days; taken on the 9th and 10th: 2 / 4 = 50 %
    assert trial.adherence_pct == 50.0
    assert trial.weeks_at_max_dose == 0.4  # 9 -> 12 Mar = 3 days; 3 / 7 = 0.43


def test_a_dose_counts_on_the_date_it_was_entered_in_not_the_utc_date() -> None:
    records = [med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-11-27")]
    records.append(dose(SERTRALINE, "2026-11-27T23:30:00-05:00"))  # 28 Nov 04:30 UTC
    # Only 27 Nov: its one active day has its dose (on a UTC calendar it would be 0 %).
    assert one_trial(records, "2026-11-27", "2026-11-27", "2026-12-01").adherence_pct == 100.0
    # Only 28 Nov: nothing logged that day (on a UTC calendar it would be 100 %).
    assert one_trial(records, "2026-11-28", "2026-11-28", "2026-12-01").adherence_pct is None
    records.append(dose(SERTRALINE, "2026-11-28T09:00:00-05:00", status="skipped"))
    assert one_trial(records, "2026-11-28", "2026-11-28", "2026-12-01").adherence_pct == 0.0


def test_a_routine_counts_each_distinct_time_on_its_weekdays() -> None:
    records = [
        med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-10-01"),
        # weekdays only, 08:00 and 20:00 (08:00 written twice), switched off: still its schedule
        routine(SERTRALINE, ["08:00", "20:00", "08:00"], days=[1, 2, 3, 4, 5], enabled=False),
        # not a medication routine: not a schedule for this medication
        routine(SERTRALINE, ["22:00"], kind="sleep"),
    ]
    week = days_from("2026-11-02", 7)  # Mon 2..Sun 8 Nov
    records += daily_doses(SERTRALINE, week[:5], "08:05:00+00:00")  # 5 mornings
    records += daily_doses(SERTRALINE, ["2026-11-02", "2026-11-07"], "20:05:00+00:00")
    trial = one_trial(records, "2026-11-02", "2026-11-08", "2026-11-30")
    # 5 weekdays x 2 times = 10 occurrences; taken 5 + 2 = 7 (Saturday's counts too): 70 %
    assert trial.adherence_pct == 70.0


def test_adherence_with_a_routine_is_capped_at_100() -> None:
    records = [
        med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-11-02"),
        routine(SERTRALINE, ["08:00"]),
        *daily_doses(SERTRALINE, days_from("2026-11-02", 3), "08:00:00+00:00"),
        *daily_doses(SERTRALINE, days_from("2026-11-02", 3), "09:00:00+00:00"),
    ]
    # 3 occurrences, 6 taken: 200 % is capped
    assert one_trial(records, "2026-11-02", "2026-11-04", "2026-11-30").adherence_pct == 100.0


def test_without_a_routine_two_doses_on_one_day_count_as_one_day() -> None:
    records = [
        med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-11-02"),
        *daily_doses(SERTRALINE, ["2026-11-02", "2026-11-02", "2026-11-03"]),
    ]
    # 4 active days (2..5 Nov), doses on 2 of them: 50 %
    assert one_trial(records, "2026-11-02", "2026-11-05", "2026-11-30").adherence_pct == 50.0


def test_as_needed_has_no_adherence() -> None:
    records = [
        med(OTHER_MED, "Zopiclone", as_needed=True, dose=3.75, unit="mg", started_on="2026-11-01"),
        dose(OTHER_MED, "2026-11-03T23:00:00+00:00"),
    ]
    trial = one_trial(records, "2026-11-01", "2026-11-30", "2026-11-30")
    assert trial.adherence_pct is None
    assert trial.below_min_dose is None  # not in the table


@pytest.mark.parametrize(
    ("started_on", "stopped_on", "listed"),
    [
        ("2026-09-01", "2026-09-30", False),  # stopped the day before the period
        ("2026-09-01", "2026-10-01", False),  # its first day off is the period's first day
        ("2026-09-01", "2026-10-02", True),  # taken on the period's first day
        ("2026-10-31", None, True),  # started on the period's last day
        ("2026-11-01", None, False),  # starts after it
        ("2025-01-01", None, True),  # started long before, still on it
    ],
)
def test_a_trial_is_listed_when_it_overlaps_the_period(
    started_on: str, stopped_on: str | None, listed: bool
) -> None:
    fields = {"started_on": started_on} | ({"stopped_on": stopped_on} if stopped_on else {})
    records = [med(SERTRALINE, "Sertraline", dose=50, unit="mg", **fields)]
    assert (SERTRALINE in trials(records, "2026-10-01", "2026-10-31", "2026-12-01")) is listed


def test_a_medication_starting_after_today_is_not_listed_yet() -> None:
    records = [med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-11-20")]
    # The period runs to 30 Nov but today is 15 Nov: the trial has not begun.
    assert trials(records, "2026-11-01", "2026-11-30", "2026-11-15") == {}


def test_the_starting_phq9_may_be_up_to_a_week_after_the_start() -> None:
    records = [
        med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-10-01"),
        phq9("2026-09-01T09:00:00+00:00", 24),  # before, but not the last before +7 days
        phq9("2026-10-08T21:00:00+00:00", 20),  # start + 7 days: still the start
        phq9("2026-10-09T09:00:00+00:00", 12),  # start + 8 days: a later one
        phq9("2026-11-25T09:00:00+00:00", 4),
    ]
    trial = one_trial(records, "2026-10-01", "2026-11-30", "2026-12-01")
    # start 20, latest 4: (4 - 20) / 20 = -80 %
    assert (trial.phq9_start, trial.phq9_latest, trial.phq9_change_pct) == (20, 4, -80.0)
    assert (trial.response, trial.remission) == (True, True)  # -80 <= -50; 4 < 5


def test_no_phq9_before_the_start_leaves_no_baseline() -> None:
    records = [
        med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-10-01"),
        phq9("2026-10-09T09:00:00+00:00", 12),  # start + 8 days
    ]
    trial = one_trial(records, "2026-10-01", "2026-11-30", "2026-12-01")
    assert trial.phq9_start is None
    assert trial.phq9_latest == 12
    assert (trial.phq9_change_pct, trial.response) == (None, None)
    assert trial.remission is False  # 12 is not < 5: a fact about the latest alone


def test_no_phq9_at_all() -> None:
    records = [med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-10-01")]
    trial = one_trial(records, "2026-10-01", "2026-11-30", "2026-12-01")
    facts = (trial.phq9_start, trial.phq9_latest, trial.phq9_change_pct)
    assert facts == (None, None, None)
    assert (trial.response, trial.remission) == (None, None)


def test_a_back_dated_phq9_is_placed_by_its_date_not_by_when_it_was_entered() -> None:
    records = [
        med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-10-01"),
        phq9("2026-10-20T09:00:00+00:00", 10),
        phq9("2026-09-30T09:00:00+00:00", 20),  # entered afterwards, about 30 Sep
    ]
    trial = one_trial(records, "2026-10-01", "2026-10-31", "2026-12-01")
    # start 20 (30 Sep), latest 10: (10 - 20) / 20 = -50 %, exactly a response
    assert (trial.phq9_start, trial.phq9_latest, trial.phq9_change_pct) == (20, 10, -50.0)
    assert trial.response is True


def test_a_worse_phq9_is_a_positive_change_and_a_zero_start_has_no_change() -> None:
    worse = [
        med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-10-01"),
        phq9("2026-09-30T09:00:00+00:00", 12),
        phq9("2026-10-30T09:00:00+00:00", 15),
    ]
    # (15 - 12) / 12 = +25 %
    assert one_trial(worse, "2026-10-01", "2026-10-31", "2026-12-01").phq9_change_pct == 25.0
    zero = [*worse[:1], phq9("2026-09-30T09:00:00+00:00", 0), phq9("2026-10-30T09:00:00+00:00", 3)]
    trial = one_trial(zero, "2026-10-01", "2026-10-31", "2026-12-01")
    assert (trial.phq9_start, trial.phq9_latest) == (0, 3)
    assert (trial.phq9_change_pct, trial.response, trial.remission) == (None, None, True)


def test_the_latest_phq9_of_a_stopped_trial_is_before_it_stopped_for_good() -> None:
    records = [
        med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-10-01",
            stopped_on="2026-10-20"),
        phq9("2026-09-30T09:00:00+00:00", 16),
        phq9("2026-10-15T09:00:00+00:00", 14),
        phq9("2026-10-25T09:00:00+00:00", 6),  # after the stop: not this trial's
    ]  # fmt: skip
    trial = one_trial(records, "2026-10-01", "2026-10-31", "2026-12-01")
    # (14 - 16) / 16 = -12.5 %
    assert (trial.phq9_latest, trial.phq9_change_pct, trial.response) == (14, -12.5, False)


def test_deleted_entries_are_not_counted() -> None:
    records = [
        med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-11-02"),
        med(FLUOXETINE, "Fluoxetine", dose=20, unit="mg", started_on="2026-11-02", deleted=True),
        *daily_doses(SERTRALINE, ["2026-11-02", "2026-11-03"]),
        dose(SERTRALINE, "2026-11-04T08:00:00+00:00", deleted=True),
        phq9("2026-11-01T09:00:00+00:00", 20),
        phq9("2026-11-04T09:00:00+00:00", 2, deleted=True),
    ]
    found = trials(records, "2026-11-02", "2026-11-05", "2026-11-30")
    assert list(found) == [SERTRALINE]
    trial = found[SERTRALINE]
    assert trial.adherence_pct == 50.0  # 2 of 4 days: the deleted dose is gone
    assert (trial.phq9_start, trial.phq9_latest) == (20, None)


def test_augmentation_names_what_it_augments_and_trials_come_oldest_first() -> None:
    records = [
        med(ARIPIPRAZOLE, "Aripiprazole", role="augmentation", dose=2, unit="mg",
            started_on="2026-06-08", augments=SERTRALINE),
        med(SERTRALINE, "Sertraline", role="antidepressant", dose=100, unit="mg",
            started_on="2026-03-02"),
    ]  # fmt: skip
    found = derive_insights(records, d("2026-06-01"), d("2026-06-30"), d("2026-07-01")).trials
    assert [t.name for t in found] == ["Sertraline", "Aripiprazole"]
    assert (found[1].role, found[1].augments) == ("augmentation", SERTRALINE)
    assert found[1].below_min_dose is False  # 2 mg >= aripiprazole's 2 mg


def test_a_trial_below_the_minimum_dose_is_marked() -> None:
    records = [
        med(OTHER_MED, "Venlafaxine XL", role="antidepressant", unit="mg",
            started_on="2026-01-05", dose_changes=steps(("2026-01-05", 37.5), ("2026-01-19", 75))),
    ]  # fmt: skip
    trial = one_trial(records, "2026-01-01", "2026-03-31", "2026-04-01")
    # highest dose 75 mg < venlafaxine's 150 mg
    assert (trial.max_dose, trial.below_min_dose) == (75, True)


@pytest.mark.parametrize(
    ("name", "amount", "unit", "expected"),
    [
        ("Venlafaxine XL", 75, "mg", True),  # "venlafaxine" 150 mg
        ("Venlafaxine XL", 150, "mg", False),  # at the minimum is not below it
        ("effexor", 225, "MG", False),  # a brand name, any case
        ("Lithium carbonate 400", 200, "mg", True),  # "lithium carbonate" 400 mg
        ("Lithium", 400, "milligrams", False),  # alias of lithium carbonate
        ("T3", 20, "µg", True),  # liothyronine 25 mcg
        ("Liothyronine", 25, "mcg", False),
        ("Sertraline", 0.05, "g", None),  # a unit the table does not use: not compared
        ("Sertraline", 100, None, None),  # no unit
        ("Sertraline", None, "mg", None),  # no dose
        ("Melatonin", 2, "mg", None),  # not in the table
        ("Venlafaxine-XL 75mg", 75, "mg", True),  # words split on punctuation
    ],
)
def test_below_minimum(
    name: str, amount: float | None, unit: str | None, expected: bool | None
) -> None:
    assert below_minimum(name, amount, unit) is expected


def test_the_longest_leading_phrase_names_the_drug() -> None:
    carbonate = minimum_for("lithium carbonate")
    assert carbonate is not None and carbonate.name == "lithium carbonate"
    assert minimum_for("Lithium") is carbonate
    found = minimum_for("Venlafaxine XL")
    assert found is not None and (found.name, found.min_daily) == ("venlafaxine", 150)
    assert minimum_for("XL venlafaxine") is None  # only a leading phrase names a drug


def test_a_trial_started_today_has_not_reached_four_weeks_yet() -> None:
    records = [med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-11-15")]
    trial = one_trial(records, "2026-11-01", "2026-11-30", "2026-11-15")
    # 15 Nov -> 15 Nov = 0 days at 50 mg: a start, and no stretch of 28 days yet
    assert (trial.weeks_at_max_dose, trial.reached_4_weeks, trial.reached_6_weeks) == (
        0.0,
        False,
        False,
    )
    assert trial.adherence_pct is None  # today is on it, no dose logged yet: not known


def test_a_medication_without_any_date_has_no_start_and_no_weeks() -> None:
    records = [med(SERTRALINE, "Sertraline", dose=50, unit="mg")]
    trial = one_trial(records, "2026-11-01", "2026-11-30", "2026-11-30")
    assert (trial.started_on, trial.dose_steps, trial.max_dose) == (None, [], None)
    assert (trial.weeks_at_max_dose, trial.reached_4_weeks, trial.reached_6_weeks) == (
        None,
        None,
        None,
    )


def test_dose_steps_stop_at_the_end_of_what_the_period_has_seen() -> None:
    records = sertraline_with_a_mid_week_increase()
    # Up to 14 Oct the increase of the 15th has not happened yet.
    early = one_trial(records, "2026-10-01", "2026-10-14", "2026-12-05")
    assert [(s.from_, s.dose) for s in early.dose_steps] == [(date(2026, 10, 1), 50)]
    # 1 -> 14 Oct = 13 days at 50 mg
    assert (early.max_dose, early.weeks_at_max_dose) == (50, 1.9)
    # Up to the 15th itself: the step is listed and is the highest, with no day behind it yet.
    on_the_day = one_trial(records, "2026-10-01", "2026-10-15", "2026-12-05")
    assert [s.dose for s in on_the_day.dose_steps] == [50, 100]
    assert (on_the_day.max_dose, on_the_day.weeks_at_max_dose) == (100, 0.0)


def test_weeks_cover_the_whole_trial_while_adherence_covers_the_period() -> None:
    records = [med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-01-05")]
    records += daily_doses(SERTRALINE, days_from("2026-10-20", 26))  # 20 Oct..14 Nov
    trial = one_trial(records, "2026-11-01", "2026-11-30", "2026-12-01")
    # 5 Jan -> 30 Nov = 329 days; 329 / 7 = 47.0 weeks
    assert trial.weeks_at_max_dose == 47.0
    # November only: 30 days, doses on 1..14 Nov = 14; 14 / 30 = 46.67 %
    assert trial.adherence_pct == 46.7


def test_a_deleted_routine_is_no_schedule() -> None:
    records = [
        med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-11-02"),
        rec("routine", {"kind": "medication", "title": "Tablets", "times": ["08:00", "20:00"],
                        "tz": "UTC", "medication_id": SERTRALINE}, deleted=True),
        *daily_doses(SERTRALINE, ["2026-11-02", "2026-11-03", "2026-11-05"]),
    ]  # fmt: skip
    # Days with a dose / days on it: 3 / 4 = 75 % (with the routine it would be 3 / 8)
    assert one_trial(records, "2026-11-02", "2026-11-05", "2026-11-30").adherence_pct == 75.0


def test_a_phq9_on_the_first_day_off_the_drug_is_still_the_trials_latest() -> None:
    records = [
        med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-10-01",
            stopped_on="2026-10-20"),
        phq9("2026-09-30T09:00:00+00:00", 16),
        phq9("2026-10-20T09:00:00+00:00", 12),
        phq9("2026-10-21T09:00:00+00:00", 2),
    ]  # fmt: skip
    trial = one_trial(records, "2026-10-01", "2026-10-31", "2026-12-01")
    # latest 12 (20 Oct, the stop date), not 2: (12 - 16) / 16 = -25 %
    assert (trial.phq9_latest, trial.phq9_change_pct) == (12, -25.0)


def test_an_unlogged_dose_is_never_called_an_adequate_stretch() -> None:
    # Seven weeks on it with no dose written down: long enough, but nobody can say at what dose.
    unknown = [Run(None, None, date(2026, 1, 1), date(2026, 2, 19))]
    assert not adequate_stretch("Sertraline", unknown)
    logged = [Run(50, "mg", date(2026, 1, 1), date(2026, 2, 19))]  # 49 days at the minimum 50 mg
    assert adequate_stretch("Sertraline", logged)
    too_low = [Run(25, "mg", date(2026, 1, 1), date(2026, 2, 19))]
    assert not adequate_stretch("Sertraline", too_low)
