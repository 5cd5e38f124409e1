"""Property tests: insights never crash on generated journals and every number stays in range.

Journals are random but valid records of every kind the derivations read (some deleted), over
random periods and a random "today" (before, inside or after the period), with times in
offsets from -12:00 to +14:00. Kept small so the module runs in a few seconds in CI.
"""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.sync.read import JournalRecord, journal_record
from backend.treatment.insights import derive_insights
from backend.treatment.schemas import Insights
from tests.unit.treatment_helpers import USER

# 150 examples each keep the module at a few seconds in CI; raise it locally to dig deeper.
EXAMPLES = int(os.environ.get("TEND_TEST_TREATMENT_EXAMPLES", "150"))
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
FIRST = date(2025, 10, 1)
SPAN = 90  # days of history the journals cover: small, so records and periods meet
MED_IDS = [str(uuid.UUID(int=n, version=4)) for n in range(1, 5)]
NAMES = ["Sertraline", "Venlafaxine XL", "Lithium carbonate", "T3", "Melatonin", "Bupropion"]

days = st.integers(0, SPAN).map(lambda n: FIRST + timedelta(days=n))
# Offsets people really live in: whole hours from -12 to +14, and a few half and quarter hours.
offsets = st.integers(-12, 14).map(lambda h: f"{'-' if h < 0 else '+'}{abs(h):02d}:00") | (
    st.sampled_from(["+05:30", "+05:45", "-03:30", "+09:30", "+12:45"])
)


@st.composite
def moments(draw: st.DrawFn) -> str:
    day = draw(days)
    clock = draw(st.integers(0, 24 * 60 - 1))
    return f"{day.isoformat()}T{clock // 60:02d}:{clock % 60:02d}:00{draw(offsets)}"


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


dose_amounts = st.sampled_from([0, 0.5, 2, 25, 37.5, 50, 100, 150, 300, 1000])
units = maybe(st.sampled_from(["mg", "mcg", "µg", "g", "IU"]))
med_ids = st.sampled_from(MED_IDS)


@st.composite
def medications(draw: st.DrawFn) -> dict[str, Any]:
    changes = st.fixed_dictionaries(
        {"on": days.map(date.isoformat), "dose": dose_amounts}, optional={"unit": units}
    )
    return draw(
        st.fixed_dictionaries(
            {"name": st.sampled_from(NAMES)},
            optional={
                "role": st.sampled_from(["antidepressant", "augmentation", "sleep", "other"]),
                "as_needed": st.booleans(),
                "dose": dose_amounts,
                "unit": units,
                "started_on": days.map(date.isoformat),
                "stopped_on": days.map(date.isoformat),  # may even be before the start
                "stop_reason": st.sampled_from(["side_effects", "no_effect", "cost"]),
                "dose_changes": st.lists(changes, max_size=5),
                "augments": med_ids,
            },
        )
    )


clock_times = st.builds(
    lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 30])
)
scores3 = st.integers(0, 3)
scores10 = st.integers(0, 10)
KIND_VALUES: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "dose": st.fixed_dictionaries(
        {"medication_id": med_ids, "at": moments(), "status": st.sampled_from(["taken", "skipped"])}
    ),
    "routine": st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["medication", "medication", "sleep"]),
            "title": st.just("Tablets"),
            "times": st.lists(clock_times, min_size=1, max_size=3),
            "tz": st.just("Europe/London"),
            "medication_id": med_ids,
        },
        optional={
            "days": st.lists(st.integers(1, 7), min_size=1, max_size=7, unique=True),
            "enabled": st.booleans(),
        },
    ),
    "assessment": st.fixed_dictionaries(
        {
            "at": moments(),
            "instrument": st.just("phq9"),
            "answers": st.lists(scores3, min_size=9, max_size=9),
        },
        optional={"difficulty": scores3},
    )
    | st.fixed_dictionaries(
        {
            "at": moments(),
            "instrument": st.just("gad7"),
            "answers": st.lists(scores3, min_size=7, max_size=7),
        }
    ),
    "sleep": st.fixed_dictionaries(
        {"night_of": days.map(date.isoformat)},
        optional={"bed_at": moments(), "wake_at": moments(), "quality": st.integers(1, 5)},
    ),
    "activity": st.fixed_dictionaries({"at": moments(), "minutes": st.integers(1, 1440)}),
    "intake": st.fixed_dictionaries(
        {"at": moments(), "kind": st.sampled_from(["alcohol", "meal", "caffeine"])},
        optional={"amount": st.sampled_from([0, 0.5, 1, 2.5, 12])},
    ),
    "effect": st.fixed_dictionaries(
        {"at": moments(), "name": st.sampled_from(["nausea", "insomnia"]), "severity": scores3},
        optional={"medication_id": med_ids},
    ),
    "checkin": st.fixed_dictionaries(
        {"at": moments(), "mood": scores10},
        optional={
            "tags": st.lists(st.sampled_from(["Work", "Sleep", "Pain", "Alone"]), max_size=4)
        },
    ),
    "session": st.fixed_dictionaries(
        {"at": moments(), "type": st.sampled_from(["esketamine", "ect", "therapy"])},
        optional={"dissociation": scores10, "bp_before": st.just("130/85")},
    ),
    "lab": st.fixed_dictionaries(
        {"on": days.map(date.isoformat), "test": st.just("tsh"), "value": st.floats(0, 10)}
    ),
    "measurement": st.fixed_dictionaries(
        {"at": moments(), "type": st.just("weight"), "value": st.floats(30, 200)}
    ),
}


def record(kind: str, values: dict[str, Any], record_id: uuid.UUID, deleted: bool) -> JournalRecord:
    found = journal_record(USER, record_id, kind, {k: {"v": v} for k, v in values.items()}, deleted)
    assert deleted or found.value is not None, f"the strategy made an invalid {kind}: {values}"
    return found


@st.composite
def dose_runs(draw: st.DrawFn, med_id: str) -> list[dict[str, Any]]:
    """Daily doses over a stretch of days, some skipped, some days with none: adherence."""
    first, offset, count = draw(days), draw(offsets), draw(st.integers(0, 70))
    taken, skipped = draw(st.integers(0, 2**70)), draw(st.integers(0, 2**70))
    return [
        {
            "medication_id": med_id,
            "at": f"{first + timedelta(days=n)}T08:00:00{offset}",
            "status": "skipped" if skipped >> n & 1 else "taken",
        }
        for n in range(count)
        if taken >> n & 1 or skipped >> n & 1
    ]


@st.composite
def phq9_series(draw: st.DrawFn) -> list[dict[str, Any]]:
    """PHQ-9s every two weeks or so from early on, any totals: changes, responses, remissions."""
    first, count = FIRST + timedelta(days=draw(st.integers(-10, 20))), draw(st.integers(0, 8))
    found, level, easing = [], draw(scores3), draw(st.booleans())
    for n in range(count):
        # Easing: each total at most the last one (responses, remissions); else any.
        item = draw(st.integers(0, level)) if easing else draw(scores3)
        level = item if easing else level
        at = f"{first + timedelta(days=14 * n + draw(st.integers(-3, 3)))}T20:00:00{draw(offsets)}"
        values = {"at": at, "instrument": "phq9", "answers": [item] * 8 + [draw(scores3)]}
        found.append(values | ({"difficulty": item} if n % 2 else {}))
    return found


@st.composite
def nights(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Nights in a row, bed 18:00-04:00 and waking 0 to 30 hours later, offsets that differ."""
    first, count = draw(days), draw(st.integers(0, 10))
    found = []
    for n in range(count):
        night_of = first + timedelta(days=n)
        bed = datetime.combine(night_of, datetime.min.time()) + timedelta(
            minutes=draw(st.integers(18 * 60, 28 * 60))
        )
        wake = bed + timedelta(minutes=draw(st.integers(0, 30 * 60)))
        offset = draw(st.sampled_from(["+00:00", "+01:00", "-05:00"]))
        found.append(
            {
                "night_of": night_of.isoformat(),
                "bed_at": bed.isoformat() + offset,
                "wake_at": wake.isoformat() + draw(st.sampled_from([offset, "+00:00"])),
            }
        )
    return found


def deleted_sometimes(draw: st.DrawFn) -> bool:
    return draw(st.integers(0, 9)) == 0


@st.composite
def journals(draw: st.DrawFn) -> list[JournalRecord]:
    found = []
    for med_id in draw(st.lists(med_ids, max_size=4, unique=True)):
        med = draw(medications())
        found.append(record("medication", med, uuid.UUID(med_id), deleted_sometimes(draw)))
        found += [
            record("dose", v, uuid.uuid4(), deleted_sometimes(draw))
            for v in draw(dose_runs(med_id))
        ]
    found += [
        record("assessment", v, uuid.uuid4(), deleted_sometimes(draw)) for v in draw(phq9_series())
    ]
    found += [record("sleep", v, uuid.uuid4(), deleted_sometimes(draw)) for v in draw(nights())]
    for kind in draw(st.lists(st.sampled_from(sorted(KIND_VALUES)), max_size=25)):
        found.append(record(kind, draw(KIND_VALUES[kind]), uuid.uuid4(), deleted_sometimes(draw)))
    return found


@st.composite
def periods(draw: st.DrawFn) -> tuple[date, date, date]:
    start = draw(days)
    end = start + timedelta(days=draw(st.integers(0, 120)))
    today = start + timedelta(days=draw(st.integers(-10, 200)))  # mostly inside or after
    return start, end, today


def local_day(at: str) -> date:
    return datetime.fromisoformat(at).date()


def check_trials(insights: Insights, start: date, last: date) -> None:
    for trial in insights.trials:
        assert trial.started_on is None or trial.started_on <= last
        assert trial.stopped_on is None or trial.stopped_on >= start
        assert trial.adherence_pct is None or 0 <= trial.adherence_pct <= 100
        assert trial.weeks_at_max_dose is None or trial.weeks_at_max_dose >= 0
        assert trial.phq9_change_pct is None or trial.phq9_change_pct >= -100
        assert (trial.response is None) == (trial.phq9_change_pct is None)
        if trial.response:
            assert trial.phq9_change_pct is not None and trial.phq9_change_pct <= -50
        if trial.remission:
            assert trial.phq9_latest is not None and trial.phq9_latest < 5
        if trial.reached_6_weeks:
            assert trial.reached_4_weeks
        assert [s.from_ for s in trial.dose_steps] == sorted({s.from_ for s in trial.dose_steps})
        if trial.max_dose is not None:
            assert trial.max_dose == max(s.dose for s in trial.dose_steps)


def check_lifestyle(insights: Insights) -> None:
    sleep = insights.sleep
    assert 0 <= sleep.nights_under_6h <= len(sleep.per_night) <= sleep.nights
    assert sleep.avg_hours is None or 0 <= sleep.avg_hours <= 24  # a 1-minute night is 0.0
    assert sleep.bedtime_sd_minutes is None or 0 <= sleep.bedtime_sd_minutes <= 720
    assert all(0 < night.hours <= 24 for night in sleep.per_night)
    for value in (insights.activity.avg_minutes_per_day, insights.alcohol.avg_drinks_per_week):
        assert value is None or value >= 0
    assert (
        insights.activity.avg_minutes_per_day is None
        or insights.activity.avg_minutes_per_day <= 1440 * 40
    )
    assert insights.meals.avg_per_day is None or insights.meals.avg_per_day >= 1
    assert len(insights.tags) <= 10 and all(tag.count >= 1 for tag in insights.tags)
    for group in insights.side_effects:
        assert group.count == sum(e.count for e in group.effects) >= 1
        assert 0 <= group.max_severity <= 3
    for course in insights.sessions.values():
        assert course.count == len(course.dates) == len(course.readings) >= 1
        assert course.dates == sorted(course.dates)


@SETTINGS
@given(journals(), periods())
def test_insights_stay_in_range(
    records: list[JournalRecord], period: tuple[date, date, date]
) -> None:
    start, end, today = period
    insights = derive_insights(records, start, end, today)
    last = min(end, today)
    lived = (last - start).days + 1
    if lived <= 0:
        assert insights.completeness_pct is None
    else:
        assert insights.completeness_pct is not None and 0 <= insights.completeness_pct <= 100
    check_trials(insights, start, last)
    check_lifestyle(insights)
    assert all(start <= local_day(entry.at) <= last for entry in insights.phq9)
    assert [datetime.fromisoformat(e.at) for e in insights.phq9] == sorted(
        datetime.fromisoformat(e.at) for e in insights.phq9
    )
    facts = insights.referral_facts
    assert 0 <= facts.trials_6w_under_25pct <= len(insights.trials)
    for day in facts.item9_positive_dates + facts.difficulty_very_or_extreme_dates:
        assert start <= day <= last
    assert facts.difficulty_very_or_extreme == bool(facts.difficulty_very_or_extreme_dates)


@SETTINGS
@given(journals(), periods())
def test_deleted_records_change_nothing(
    records: list[JournalRecord], period: tuple[date, date, date]
) -> None:
    live = [r for r in records if not r.deleted]
    assert derive_insights(records, *period) == derive_insights(live, *period)
