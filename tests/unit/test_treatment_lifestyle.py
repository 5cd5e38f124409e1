"""Sleep, movement, alcohol, meals, tags, side effects, sessions and completeness over a period.

Every expected number is worked out by hand in a comment next to it, never by the code.
"""

from __future__ import annotations

from datetime import date

from backend.sync.read import JournalRecord
from backend.treatment.insights import derive_insights
from backend.treatment.schemas import (
    EffectCount,
    Insights,
    SessionCourse,
    SessionReading,
    SideEffects,
    TagCount,
)
from tests.unit.treatment_helpers import FLUOXETINE, OTHER_MED, SERTRALINE, d, dose, med, rec


def insights(records: list[JournalRecord], start: str, end: str, today: str) -> Insights:
    return derive_insights(records, d(start), d(end), d(today))


def night(night_of: str, bed_at: str | None, wake_at: str | None, **extra: object) -> JournalRecord:
    values: dict[str, object] = {"night_of": night_of}
    if bed_at:
        values["bed_at"] = bed_at
    if wake_at:
        values["wake_at"] = wake_at
    deleted = bool(extra.pop("deleted", False))
    return rec("sleep", values | extra, deleted=deleted)


def sleep_journal() -> list[JournalRecord]:
    return [
        # 23:00 -> 07:00 = 8.0 h; bedtime 11 h after noon = 660 min
        night("2026-11-01", "2026-11-01T23:00:00+00:00", "2026-11-02T07:00:00+00:00"),
        # 00:30 -> 06:00 = 5.5 h (< 6); bedtime 750 min (after midnight, not 11:30 before it)
        night("2026-11-02", "2026-11-03T00:30:00+00:00", "2026-11-03T06:00:00+00:00"),
        # 22:30 -> 05:00 = 6.5 h; bedtime 630 min
        night("2026-11-03", "2026-11-03T22:30:00+00:00", "2026-11-04T05:00:00+00:00"),
        # a bedtime, no waking time: a night and a bedtime, no hours; 23:30 = 690 min
        night("2026-11-04", "2026-11-04T23:30:00+00:00", None),
        # quality only: a night, no hours, no bedtime
        night("2026-11-05", None, None, quality=2),
        # a mistyped date (waking 2 days later) is no night's sleep: no hours; bedtime 660
        night("2026-11-06", "2026-11-06T23:00:00+00:00", "2026-11-08T07:00:00+00:00"),
        # outside the period, and deleted: not counted at all
        night("2026-10-31", "2026-10-31T20:00:00+00:00", "2026-11-01T04:00:00+00:00"),
        night("2026-11-07", "2026-11-07T21:00:00+00:00", "2026-11-08T02:00:00+00:00", deleted=True),
    ]


def test_sleep_hours_bedtime_regularity_and_short_nights() -> None:
    sleep = insights(sleep_journal(), "2026-11-01", "2026-11-07", "2026-11-30").sleep
    assert sleep.nights == 6  # 1..6 Nov
    # (8.0 + 5.5 + 6.5) / 3 = 6.67
    assert sleep.avg_hours == 6.7
    assert sleep.nights_under_6h == 1
    # bedtimes 660, 750, 630, 690, 660: mean 3390 / 5 = 678;
    # squared deviations 324 + 5184 + 2304 + 144 + 324 = 8280; 8280 / 5 = 1656; sqrt = 40.69
    assert sleep.bedtime_sd_minutes == 40.7
    assert [(n.night_of, n.hours) for n in sleep.per_night] == [
        (date(2026, 11, 1), 8.0),
        (date(2026, 11, 2), 5.5),
        (date(2026, 11, 3), 6.5),
    ]


def test_a_night_across_a_clock_change_is_its_real_length_and_bedtime_is_local() -> None:
    # UK clocks go back on 25 Oct 2026: 23:00 BST -> 07:00 GMT is 9 hours asleep.
    records = [
        night("2026-10-24", "2026-10-24T23:00:00+01:00", "2026-10-25T07:00:00+00:00"),
        # 23:00 in New York: bedtime 660 like the night before (04:00 UTC would be 960)
        night("2026-10-25", "2026-10-25T23:00:00-04:00", "2026-10-26T06:00:00-04:00"),
    ]
    sleep = insights(records, "2026-10-24", "2026-10-25", "2026-11-30").sleep
    assert sleep.avg_hours == 8.0  # (9 + 7) / 2
    assert sleep.bedtime_sd_minutes == 0.0  # 660 and 660
    assert sleep.nights_under_6h == 0


def test_one_bedtime_has_no_spread_and_no_nights_have_no_averages() -> None:
    one = [night("2026-11-01", "2026-11-01T23:00:00+00:00", "2026-11-02T04:00:00+00:00")]
    sleep = insights(one, "2026-11-01", "2026-11-07", "2026-11-30").sleep
    assert (sleep.nights, sleep.avg_hours, sleep.bedtime_sd_minutes) == (1, 5.0, None)
    assert sleep.nights_under_6h == 1
    empty = insights([], "2026-11-01", "2026-11-07", "2026-11-30")
    assert (empty.sleep.nights, empty.sleep.avg_hours, empty.sleep.bedtime_sd_minutes) == (
        0,
        None,
        None,
    )


def activity(at: str, minutes: int, *, deleted: bool = False) -> JournalRecord:
    return rec("activity", {"at": at, "minutes": minutes, "kind": "walk"}, deleted=deleted)


def test_movement_minutes_per_day_count_days_up_to_today() -> None:
    records = [
        activity("2026-11-01T10:00:00+00:00", 30),
        activity("2026-11-03T10:00:00+00:00", 20),
        activity("2026-11-03T18:00:00+00:00", 25),
        activity("2026-11-05T23:30:00-05:00", 15),  # 5 Nov where it was walked (6th in UTC)
        activity("2026-11-04T10:00:00+00:00", 60, deleted=True),
        activity("2026-10-31T10:00:00+00:00", 90),  # before the period
    ]
    facts = insights(records, "2026-11-01", "2026-11-10", "2026-11-05").activity
    # today 5 Nov: 5 days; 30 + 20 + 25 + 15 = 90 minutes; 90 / 5 = 18.0
    assert facts.avg_minutes_per_day == 18.0
    assert facts.days_with_activity == 3  # 1, 3 and 5 Nov


def intake(at: str, kind: str, amount: float | None = None, **extra: object) -> JournalRecord:
    values: dict[str, object] = {"at": at, "kind": kind}
    if amount is not None:
        values["amount"] = amount
    deleted = bool(extra.pop("deleted", False))
    return rec("intake", values, deleted=deleted)


def test_alcohol_standard_drinks_per_week_over_the_whole_period() -> None:
    records = [
        intake("2026-11-01T20:00:00+00:00", "alcohol", 2),
        intake("2026-11-01T22:00:00+00:00", "alcohol"),  # no amount: 1 drink
        intake("2026-11-08T20:00:00+00:00", "alcohol", 1.5),
        intake("2026-11-20T23:30:00-08:00", "alcohol", 1.5),  # 20 Nov local (21st in UTC)
        intake("2026-11-21T20:00:00+00:00", "alcohol", 4),  # after the period
        intake("2026-11-02T20:00:00+00:00", "alcohol", 3, deleted=True),
        intake("2026-11-02T08:00:00+00:00", "caffeine", 2),
    ]
    alcohol = insights(records, "2026-11-01", "2026-11-20", "2026-11-30").alcohol
    # 2 + 1 + 1.5 + 1.5 = 6 drinks in 20 days; 7 x 6 / 20 = 2.1 a week
    assert alcohol.avg_drinks_per_week == 2.1
    assert alcohol.days_with_alcohol == 3  # 1, 8 and 20 Nov


def test_meals_per_day_are_over_the_days_with_a_meal_logged() -> None:
    records = [
        *(intake(f"2026-11-01T{h}:00:00+00:00", "meal") for h in ("08", "13", "19")),
        *(intake(f"2026-11-02T{h}:00:00+00:00", "meal") for h in ("12", "19")),
        intake("2026-11-04T12:00:00+00:00", "meal", 2),  # one meal record, whatever its amount
        intake("2026-11-04T19:00:00+00:00", "meal"),
        intake("2026-11-03T19:00:00+00:00", "meal", deleted=True),
        intake("2026-11-03T20:00:00+00:00", "alcohol", 1),
    ]
    meals = insights(records, "2026-11-01", "2026-11-07", "2026-11-30").meals
    # 3 + 2 + 2 = 7 meals on 3 days (the 3rd has none left): 7 / 3 = 2.33
    assert (meals.avg_per_day, meals.days_logged) == (2.3, 3)
    assert insights([], "2026-11-01", "2026-11-07", "2026-11-30").meals.avg_per_day is None


def checkin(at: str, tags: list[str], *, deleted: bool = False) -> JournalRecord:
    return rec("checkin", {"at": at, "mood": 4, "tags": tags}, deleted=deleted)


def test_top_tags_count_check_ins_and_keep_the_ten_most_frequent() -> None:
    records = [
        checkin("2026-11-01T09:00:00+00:00", ["Work", "Work", "Sleep"]),  # Work once here
        checkin("2026-11-02T09:00:00+00:00", ["Work", "Family"]),
        checkin("2026-11-03T09:00:00+00:00", ["Family", "Money"]),
        checkin("2026-11-04T09:00:00+00:00", ["Work"], deleted=True),
        checkin("2026-10-31T09:00:00+00:00", ["Money", "Money"]),  # before the period
        checkin("2026-11-05T09:00:00+00:00", [f"t{n:02d}" for n in range(12)]),
    ]
    tags = insights(records, "2026-11-01", "2026-11-07", "2026-11-30").tags
    # Work 2, Family 2, then eleven tags at 1 (Money, Sleep, t00..t11) sorted by name; ten kept
    assert tags == [
        TagCount(tag="Family", count=2),
        TagCount(tag="Work", count=2),
        TagCount(tag="Money", count=1),
        TagCount(tag="Sleep", count=1),
        *(TagCount(tag=f"t{n:02d}", count=1) for n in range(6)),
    ]


def effect(
    at: str, name: str, severity: int, med_id: str | None = None, **extra: object
) -> JournalRecord:
    values: dict[str, object] = {"at": at, "name": name, "severity": severity}
    if med_id:
        values["medication_id"] = med_id
    return rec("effect", values, deleted=bool(extra.get("deleted", False)))


def test_side_effects_by_medication_with_counts_and_highest_severity() -> None:
    records = [
        med(SERTRALINE, "Sertraline", dose=50, unit="mg", started_on="2026-10-01"),
        effect("2026-11-01T09:00:00+00:00", "nausea", 1, SERTRALINE),
        effect("2026-11-02T09:00:00+00:00", "nausea", 2, SERTRALINE),
        effect("2026-11-03T09:00:00+00:00", "insomnia", 3, SERTRALINE),
        effect("2026-11-04T09:00:00+00:00", "nausea", 3, SERTRALINE, deleted=True),
        effect("2026-11-02T09:00:00+00:00", "headache", 1),
        effect("2026-11-03T09:00:00+00:00", "headache", 2),
        effect("2026-11-04T09:00:00+00:00", "dry mouth", 0, FLUOXETINE),  # no such medication
        effect("2026-10-30T09:00:00+00:00", "nausea", 3, SERTRALINE),  # before the period
    ]
    found = insights(records, "2026-11-01", "2026-11-07", "2026-11-30").side_effects
    assert found == [
        SideEffects(
            medication_id=SERTRALINE,
            name="Sertraline",
            count=3,
            max_severity=3,
            effects=[
                EffectCount(name="nausea", count=2, max_severity=2),
                EffectCount(name="insomnia", count=1, max_severity=3),
            ],
        ),
        SideEffects(
            medication_id=None,
            name=None,
            count=2,
            max_severity=2,
            effects=[EffectCount(name="headache", count=2, max_severity=2)],
        ),
        SideEffects(
            medication_id=FLUOXETINE,
            name=None,
            count=1,
            max_severity=0,
            effects=[EffectCount(name="dry mouth", count=1, max_severity=0)],
        ),
    ]


def session(at: str, kind: str, **extra: object) -> JournalRecord:
    deleted = bool(extra.pop("deleted", False))
    return rec("session", {"at": at, "type": kind, **extra}, deleted=deleted)


def test_sessions_by_type_in_time_order_with_their_readings() -> None:
    records = [
        session("2026-11-05T10:00:00+00:00", "esketamine", bp_before="128/82", bp_after="142/90",
                dissociation=6, felt_after=5),
        session("2026-11-02T10:00:00+00:00", "esketamine", bp_before="124/80", dissociation=7),
        session("2026-11-03T17:00:00+00:00", "therapy", felt_after=6),
        session("2026-11-04T10:00:00+00:00", "esketamine", deleted=True),
        session("2026-11-07T23:30:00-05:00", "therapy"),  # 7 Nov local (8th in UTC)
        session("2026-11-08T10:00:00+00:00", "ect"),  # after the period
    ]  # fmt: skip
    sessions = insights(records, "2026-11-01", "2026-11-07", "2026-11-30").sessions
    assert list(sessions) == ["esketamine", "therapy"]
    assert sessions["esketamine"] == SessionCourse(
        count=2,
        dates=[date(2026, 11, 2), date(2026, 11, 5)],
        readings=[
            SessionReading(date=date(2026, 11, 2), bp_before="124/80", bp_after=None,
                           dissociation=7, felt_after=None),
            SessionReading(date=date(2026, 11, 5), bp_before="128/82", bp_after="142/90",
                           dissociation=6, felt_after=5),
        ],
    )  # fmt: skip
    therapy = sessions["therapy"]
    assert (therapy.count, therapy.dates) == (2, [date(2026, 11, 3), date(2026, 11, 7)])


def test_completeness_counts_days_with_any_event_up_to_today() -> None:
    records = [
        rec("checkin", {"at": "2026-11-01T09:00:00+00:00", "mood": 5}),
        # a night counts on its night_of, not on the day of its bed or wake time
        night("2026-11-02", "2026-11-03T00:30:00+00:00", "2026-11-03T07:00:00+00:00"),
        dose(SERTRALINE, "2026-11-02T08:00:00+00:00", "skipped"),  # a skipped dose is an entry
        rec("lab", {"on": "2026-11-04", "test": "tsh", "value": 2.1}),
        rec("measurement", {"at": "2026-11-05T23:30:00-05:00", "type": "weight", "value": 70}),
        rec("effect", {"at": "2026-11-06T09:00:00+00:00", "name": "nausea", "severity": 1}),
        rec("checkin", {"at": "2026-11-07T09:00:00+00:00", "mood": 5}, deleted=True),
        # not events: a medication, a routine and a question fill no day
        med(OTHER_MED, "Sertraline", started_on="2026-11-07"),
        rec("question", {"text": "Is this an adequate trial?"}),
        rec("checkin", {"at": "2026-11-09T09:00:00+00:00", "mood": 5}),  # after today
    ]
    # today 8 Nov: 8 days; entries on 1, 2, 4, 5 and 6 Nov = 5 days; 5 / 8 = 62.5 %
    assert insights(records, "2026-11-01", "2026-11-14", "2026-11-08").completeness_pct == 62.5


def test_every_event_kind_fills_its_day() -> None:
    events = [
        rec("checkin", {"at": "2026-11-01T09:00:00+00:00", "mood": 5}),
        night("2026-11-02", None, None, quality=3),
        rec("activity", {"at": "2026-11-03T09:00:00+00:00", "minutes": 10}),
        dose(SERTRALINE, "2026-11-04T08:00:00+00:00"),
        rec("effect", {"at": "2026-11-05T09:00:00+00:00", "name": "nausea", "severity": 1}),
        rec("intake", {"at": "2026-11-06T09:00:00+00:00", "kind": "caffeine"}),
        rec("assessment", {"at": "2026-11-07T09:00:00+00:00", "instrument": "gad7",
                           "answers": [1] * 7}),
        rec("session", {"at": "2026-11-08T09:00:00+00:00", "type": "rtms"}),
        rec("lab", {"on": "2026-11-09", "test": "vitamin_d", "value": 50}),
        rec("measurement", {"at": "2026-11-10T09:00:00+00:00", "type": "heart_rate", "value": 60}),
    ]  # fmt: skip
    # 10 kinds on 10 different days of a 10-day period: 100 %, and 9 / 10 without any one
    assert insights(events, "2026-11-01", "2026-11-10", "2026-11-30").completeness_pct == 100.0
    for n in range(len(events)):
        rest = events[:n] + events[n + 1 :]
        assert insights(rest, "2026-11-01", "2026-11-10", "2026-11-30").completeness_pct == 90.0


def test_a_period_that_has_not_begun_has_nothing_to_average() -> None:
    records = [
        activity("2026-11-01T10:00:00+00:00", 30),
        intake("2026-11-01T20:00:00+00:00", "alcohol"),
    ]
    found = insights(records, "2026-12-01", "2026-12-31", "2026-11-30")
    assert found.completeness_pct is None
    assert found.activity.avg_minutes_per_day is None
    assert found.alcohol.avg_drinks_per_week is None
    assert (found.sleep.nights, found.tags, found.side_effects, found.sessions) == (0, [], [], {})
