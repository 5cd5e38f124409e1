"""Reminder times across DST, travel, weekdays and quiet hours, as explicit UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest

from backend.reminders.schedule import (
    Occurrence,
    RoutineSpec,
    apply_quiet_hours,
    effective_due_at,
    follow_up_due,
    next_occurrences,
    parse_hhmm,
    routine_from_fields,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def routine(tz: str, *times: str, kind: str = "custom", **kw: Any) -> RoutineSpec:
    return RoutineSpec(
        id="r1", kind=kind, title="Morning", times=times, days=kw.pop("days", None), tz=tz, **kw
    )


def fired(r: RoutineSpec, after: datetime, until: datetime) -> list[tuple[str, datetime]]:
    return [(o.key, o.due_at) for o in next_occurrences(r, after, until)]


# --- Europe/London: BST starts 2026-03-29 01:00 UTC, ends 2026-10-25 01:00 UTC ---


def test_london_spring_forward_skipped_times_fire_at_end_of_gap() -> None:
    r = routine("Europe/London", "00:30", "01:00", "01:30", "02:00", "08:00")
    assert fired(r, utc(2026, 3, 28, 12), utc(2026, 3, 29, 12)) == [
        ("r1@2026-03-29T00:30+00:00", utc(2026, 3, 29, 0, 30)),
        ("r1@2026-03-29T01:00+01:00", utc(2026, 3, 29, 1, 0)),
        ("r1@2026-03-29T01:30+01:00", utc(2026, 3, 29, 1, 0)),
        ("r1@2026-03-29T02:00+01:00", utc(2026, 3, 29, 1, 0)),
        ("r1@2026-03-29T08:00+01:00", utc(2026, 3, 29, 7, 0)),
    ]


def test_london_0130_daily_across_spring_forward() -> None:
    r = routine("Europe/London", "01:30")
    occs = next_occurrences(r, utc(2026, 3, 27), utc(2026, 3, 31))
    assert [o.due_at for o in occs] == [
        utc(2026, 3, 27, 1, 30),
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 0),  # 02:00 BST, not 02:30 BST (01:30 UTC)
        utc(2026, 3, 30, 0, 30),
    ]
    assert [o.local.strftime("%H:%M%z") for o in occs] == [
        "01:30+0000",
        "01:30+0000",
        "02:00+0100",
        "01:30+0100",
    ]


def test_london_fall_back_repeated_time_fires_once_at_first_occurrence() -> None:
    r = routine("Europe/London", "00:30", "01:00", "01:30", "02:00", "08:00")
    assert fired(r, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12)) == [
        ("r1@2026-10-25T00:30+01:00", utc(2026, 10, 24, 23, 30)),
        ("r1@2026-10-25T01:00+01:00", utc(2026, 10, 25, 0, 0)),
        ("r1@2026-10-25T01:30+01:00", utc(2026, 10, 25, 0, 30)),
        ("r1@2026-10-25T02:00+00:00", utc(2026, 10, 25, 2, 0)),
        ("r1@2026-10-25T08:00+00:00", utc(2026, 10, 25, 8, 0)),
    ]


def test_london_fall_back_second_pass_of_repeated_hour_sends_nothing() -> None:
    # 01:00-02:00 UTC is the second showing of 01:00-01:59 on the wall clock.
    r = routine("Europe/London", "01:00", "01:30", "01:59")
    assert next_occurrences(r, utc(2026, 10, 25, 0, 59), utc(2026, 10, 25, 2, 0)) == []


# --- America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT, 2026-11-01 02:00 EDT -> 01:00 EST ---


def test_new_york_spring_forward() -> None:
    r = routine("America/New_York", "02:30", "08:00")
    assert fired(r, utc(2026, 3, 7, 12), utc(2026, 3, 9, 0)) == [
        ("r1@2026-03-07T08:00-05:00", utc(2026, 3, 7, 13, 0)),
        ("r1@2026-03-08T02:30-04:00", utc(2026, 3, 8, 7, 0)),
        ("r1@2026-03-08T08:00-04:00", utc(2026, 3, 8, 12, 0)),
    ]


def test_new_york_fall_back() -> None:
    r = routine("America/New_York", "01:30", "08:00")
    assert fired(r, utc(2026, 10, 31, 11), utc(2026, 11, 2, 0)) == [
        ("r1@2026-10-31T08:00-04:00", utc(2026, 10, 31, 12, 0)),
        ("r1@2026-11-01T01:30-04:00", utc(2026, 11, 1, 5, 30)),
        ("r1@2026-11-01T08:00-05:00", utc(2026, 11, 1, 13, 0)),
    ]


# --- Australia/Lord_Howe: 30-minute shifts. 2026-04-05 02:00 +11:00 -> 01:30 +10:30
# (at 2026-04-04 15:00 UTC); 2026-10-04 02:00 +10:30 -> 02:30 +11:00 (at 2026-10-03 15:30 UTC) ---


def test_lord_howe_fall_back_half_hour() -> None:
    r = routine("Australia/Lord_Howe", "01:45", "08:00")
    assert fired(r, utc(2026, 4, 3, 12), utc(2026, 4, 5, 12)) == [
        ("r1@2026-04-04T01:45+11:00", utc(2026, 4, 3, 14, 45)),
        ("r1@2026-04-04T08:00+11:00", utc(2026, 4, 3, 21, 0)),
        ("r1@2026-04-05T01:45+11:00", utc(2026, 4, 4, 14, 45)),  # not again at 15:15 UTC
        ("r1@2026-04-05T08:00+10:30", utc(2026, 4, 4, 21, 30)),
    ]


def test_lord_howe_spring_forward_half_hour_gap() -> None:
    r = routine("Australia/Lord_Howe", "02:15", "02:30", "08:00")
    assert fired(r, utc(2026, 10, 2, 12), utc(2026, 10, 4, 12)) == [
        ("r1@2026-10-03T02:15+10:30", utc(2026, 10, 2, 15, 45)),
        ("r1@2026-10-03T02:30+10:30", utc(2026, 10, 2, 16, 0)),
        ("r1@2026-10-03T08:00+10:30", utc(2026, 10, 2, 21, 30)),
        ("r1@2026-10-04T02:15+11:00", utc(2026, 10, 3, 15, 30)),  # end of the 02:00-02:30 gap
        ("r1@2026-10-04T02:30+11:00", utc(2026, 10, 3, 15, 30)),
        ("r1@2026-10-04T08:00+11:00", utc(2026, 10, 3, 21, 0)),
    ]


def test_kolkata_has_no_dst_and_a_half_hour_offset() -> None:
    r = routine("Asia/Kolkata", "08:00", "21:30")
    # Spans the European spring change, which must not matter here.
    assert fired(r, utc(2026, 3, 28, 0), utc(2026, 3, 30, 0)) == [
        ("r1@2026-03-28T08:00+05:30", utc(2026, 3, 28, 2, 30)),
        ("r1@2026-03-28T21:30+05:30", utc(2026, 3, 28, 16, 0)),
        ("r1@2026-03-29T08:00+05:30", utc(2026, 3, 29, 2, 30)),
        ("r1@2026-03-29T21:30+05:30", utc(2026, 3, 29, 16, 0)),
    ]


# --- weekdays, window edges, disabled routines ---


def test_days_filter_keeps_only_chosen_weekdays() -> None:
    r = routine("Europe/London", "08:00", days=frozenset({1, 3, 5}))  # Mon, Wed, Fri
    occs = next_occurrences(r, utc(2026, 11, 22), utc(2026, 11, 29))
    assert [o.due_at for o in occs] == [
        utc(2026, 11, 23, 8),
        utc(2026, 11, 25, 8),
        utc(2026, 11, 27, 8),
    ]


def test_days_filter_uses_the_local_date_not_the_utc_date() -> None:
    # Monday 01:00 in Kolkata is Sunday 19:30 UTC.
    r = routine("Asia/Kolkata", "01:00", days=frozenset({1}))
    assert fired(r, utc(2026, 11, 21), utc(2026, 11, 28)) == [
        ("r1@2026-11-23T01:00+05:30", utc(2026, 11, 22, 19, 30)),
    ]


@pytest.mark.parametrize("days", [None, frozenset()])
def test_no_days_means_every_day(days: frozenset[int] | None) -> None:
    r = routine("UTC", "12:00", days=days)
    assert len(next_occurrences(r, utc(2026, 1, 1), utc(2026, 1, 8))) == 7


def test_window_excludes_after_and_includes_until() -> None:
    r = routine("UTC", "08:00")
    assert fired(r, utc(2026, 5, 1, 8), utc(2026, 5, 2, 8)) == [
        ("r1@2026-05-02T08:00+00:00", utc(2026, 5, 2, 8)),
    ]
    assert next_occurrences(r, utc(2026, 5, 2, 8), utc(2026, 5, 2, 8)) == []


def test_disabled_routine_has_no_occurrences() -> None:
    r = routine("UTC", "08:00", enabled=False)
    assert next_occurrences(r, utc(2026, 5, 1), utc(2026, 6, 1)) == []


def test_naive_window_is_rejected() -> None:
    r = routine("UTC", "08:00")
    with pytest.raises(ValueError, match="aware"):
        next_occurrences(r, datetime(2026, 5, 1), utc(2026, 5, 2))
    with pytest.raises(ValueError, match="aware"):
        next_occurrences(r, utc(2026, 5, 1), datetime(2026, 5, 2))


def test_window_given_in_another_offset_is_the_same_instants() -> None:
    r = routine("Europe/London", "08:00")
    after = datetime(2026, 6, 1, 9, tzinfo=timezone(timedelta(hours=9)))  # 00:00 UTC
    assert fired(r, after, after + timedelta(days=1)) == [
        ("r1@2026-06-01T08:00+01:00", utc(2026, 6, 1, 7)),
    ]


# --- travel, keys ---


def test_zone_change_moves_occurrences_to_the_new_zone() -> None:
    london = routine("Europe/London", "08:00")
    new_york = msgspec.structs.replace(london, tz="America/New_York")
    window = (utc(2026, 11, 27, 0), utc(2026, 11, 27, 23))
    assert fired(london, *window) == [("r1@2026-11-27T08:00+00:00", utc(2026, 11, 27, 8))]
    # The keys differ, so a recompute replaces the London rows instead of keeping both.
    assert fired(new_york, *window) == [("r1@2026-11-27T08:00-05:00", utc(2026, 11, 27, 13))]


def test_key_format_matches_the_design_example() -> None:
    r = RoutineSpec(
        id="0b7f", kind="medication", title="x", times=("08:00",), days=None, tz="Europe/Paris"
    )
    [occ] = next_occurrences(r, utc(2026, 11, 27), utc(2026, 11, 28))
    assert occ == Occurrence(
        routine_id="0b7f",
        key="0b7f@2026-11-27T08:00+01:00",
        local=datetime.fromisoformat("2026-11-27T08:00:00+01:00"),
        due_at=utc(2026, 11, 27, 7),
    )
    assert str(occ.local.tzinfo) == "Europe/Paris"


def test_keys_do_not_depend_on_the_window() -> None:
    r = routine("America/New_York", "07:15", "19:45")
    wide = next_occurrences(r, utc(2026, 3, 1), utc(2026, 3, 15))
    narrow = next_occurrences(r, utc(2026, 3, 8, 6), utc(2026, 3, 9, 6))
    assert {o.key for o in narrow} <= {o.key for o in wide}
    assert [o.key for o in narrow] == ["r1@2026-03-08T07:15-04:00", "r1@2026-03-08T19:45-04:00"]


def test_duplicate_times_give_one_occurrence() -> None:
    r = routine("UTC", "08:00", "08:00")
    assert len(next_occurrences(r, utc(2026, 1, 1), utc(2026, 1, 2))) == 1


# --- quiet hours ---


@pytest.mark.parametrize(
    ("due_at", "expected"),
    [
        (utc(2026, 11, 10, 21, 59), utc(2026, 11, 10, 21, 59)),
        (utc(2026, 11, 10, 22, 0), utc(2026, 11, 11, 7, 0)),
        (utc(2026, 11, 10, 23, 30), utc(2026, 11, 11, 7, 0)),
        (utc(2026, 11, 11, 3, 0), utc(2026, 11, 11, 7, 0)),
        (utc(2026, 11, 11, 7, 0), utc(2026, 11, 11, 7, 0)),
        (utc(2026, 11, 11, 12, 0), utc(2026, 11, 11, 12, 0)),
    ],
)
def test_quiet_hours_crossing_midnight(due_at: datetime, expected: datetime) -> None:
    got = apply_quiet_hours(due_at, tz="Europe/London", quiet_start="22:00", quiet_end="07:00")
    assert got == expected


@pytest.mark.parametrize(
    ("due_at", "expected"),
    [
        (utc(2026, 7, 1, 12, 0), utc(2026, 7, 1, 12, 0)),  # 13:00 BST
        (utc(2026, 7, 1, 12, 15), utc(2026, 7, 1, 14, 0)),  # 13:15 BST -> 15:00 BST
        (utc(2026, 7, 1, 14, 0), utc(2026, 7, 1, 14, 0)),  # 15:00 BST
        (utc(2026, 7, 1, 4, 0), utc(2026, 7, 1, 4, 0)),  # 05:00 BST, before the window
    ],
)
def test_quiet_hours_within_one_day(due_at: datetime, expected: datetime) -> None:
    got = apply_quiet_hours(due_at, tz="Europe/London", quiet_start="13:15", quiet_end="15:00")
    assert got == expected


def test_quiet_hours_end_in_a_dst_gap_releases_at_end_of_gap() -> None:
    # 23:30 GMT Saturday; quiet ends 01:30, which does not exist that night -> 02:00 BST.
    got = apply_quiet_hours(
        utc(2026, 3, 28, 23, 30), tz="Europe/London", quiet_start="23:00", quiet_end="01:30"
    )
    assert got == utc(2026, 3, 29, 1, 0)
    got = apply_quiet_hours(
        utc(2026, 3, 8, 4, 0), tz="America/New_York", quiet_start="22:00", quiet_end="02:30"
    )
    assert got == utc(2026, 3, 8, 7, 0)  # 03:00 EDT


def test_quiet_hours_when_the_clock_falls_back_into_them() -> None:
    kw: dict[str, Any] = {"tz": "Europe/London", "quiet_start": "00:00", "quiet_end": "01:30"}
    # 01:15 BST (first pass) waits for 01:30 BST.
    assert apply_quiet_hours(utc(2026, 10, 25, 0, 15), **kw) == utc(2026, 10, 25, 0, 30)
    # 01:15 GMT (second pass) must not be "delayed" into the past; it waits for 01:30 GMT.
    assert apply_quiet_hours(utc(2026, 10, 25, 1, 15), **kw) == utc(2026, 10, 25, 1, 30)


def test_quiet_hours_off_when_unset_or_empty() -> None:
    due = utc(2026, 11, 11, 3)
    assert apply_quiet_hours(due, tz="UTC", quiet_start=None, quiet_end="07:00") == due
    assert apply_quiet_hours(due, tz="UTC", quiet_start="22:00", quiet_end=None) == due
    assert apply_quiet_hours(due, tz="UTC", quiet_start="03:00", quiet_end="03:00") == due


def test_quiet_hours_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        apply_quiet_hours(utc(2026, 1, 1), tz="UTC", quiet_start="10pm", quiet_end="07:00")
    with pytest.raises(ValueError, match="time zone"):
        apply_quiet_hours(
            utc(2026, 1, 1), tz="Mars/Olympus", quiet_start="22:00", quiet_end="07:00"
        )
    with pytest.raises(ValueError, match="aware"):
        apply_quiet_hours(datetime(2026, 1, 1), tz="UTC", quiet_start="22:00", quiet_end="07:00")


def _first(r: RoutineSpec) -> Occurrence:
    return next_occurrences(r, utc(2026, 11, 10, 12), utc(2026, 11, 11, 12))[0]


def test_medication_reminder_is_never_delayed_by_quiet_hours() -> None:
    quiet = {"profile_tz": "Europe/London", "quiet_start": "22:00", "quiet_end": "07:00"}
    med = routine("Europe/London", "23:00", kind="medication")
    occ = _first(med)
    assert effective_due_at(occ, med, **quiet) == utc(2026, 11, 10, 23)
    checkin = routine("Europe/London", "23:00", kind="checkin")
    assert effective_due_at(_first(checkin), checkin, **quiet) == utc(2026, 11, 11, 7)


def test_quiet_hours_are_read_in_the_profile_zone() -> None:
    # 08:00 in London is 03:00 in New York, inside the person's 22:00-07:00 there.
    r = routine("Europe/London", "08:00", kind="movement")
    occ = _first(r)
    got = effective_due_at(
        occ, r, profile_tz="America/New_York", quiet_start="22:00", quiet_end="07:00"
    )
    assert got == utc(2026, 11, 11, 12)  # 07:00 EST
    # No profile zone: the routine's zone stands in, where 08:00 is outside quiet hours.
    got = effective_due_at(occ, r, profile_tz=None, quiet_start="22:00", quiet_end="07:00")
    assert got == occ.due_at


def test_malformed_profile_never_holds_a_reminder_back() -> None:
    r = routine("Europe/London", "23:00", kind="sleep")
    occ = _first(r)
    assert effective_due_at(occ, r, profile_tz="UTC", quiet_start="late", quiet_end="07:00") == (
        occ.due_at
    )
    # An unknown profile zone falls back to the routine's zone; the quiet hours still apply.
    got = effective_due_at(
        occ, r, profile_tz="Nowhere/Land", quiet_start="22:00", quiet_end="07:00"
    )
    assert got == utc(2026, 11, 11, 7)


# --- follow-ups ---


def test_follow_up_defaults_and_overrides() -> None:
    med = routine("UTC", "08:00", kind="medication")
    occ = _first(med)
    assert follow_up_due(occ, med) == occ.due_at + timedelta(minutes=30)
    assert follow_up_due(occ, msgspec.structs.replace(med, follow_up_minutes=0)) is None
    custom = routine("UTC", "08:00")
    assert follow_up_due(occ, custom) is None
    assert follow_up_due(occ, msgspec.structs.replace(custom, follow_up_minutes=45)) == (
        occ.due_at + timedelta(minutes=45)
    )


# --- parsing ---


@pytest.mark.parametrize(
    ("text", "expected"), [("00:00", (0, 0)), ("08:05", (8, 5)), ("23:59", (23, 59))]
)
def test_parse_hhmm_accepts_24h_times(text: str, expected: tuple[int, int]) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "24:00",
        "12:60",
        "8:00",
        "08:00:00",
        " 08:00",
        "08h00",
        "",
        "\u0660\u0668:\u0660\u0660",
        None,
        800,
    ],
)
def test_parse_hhmm_rejects_everything_else(text: object) -> None:
    with pytest.raises(ValueError, match="time"):
        parse_hhmm(text)


def _fields(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": "medication",
        "title": "Sertraline",
        "times": ["21:30", "08:00", "08:00"],
        "tz": "Europe/London",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not ...}


MED = "0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9e"


def test_routine_from_fields_builds_a_normalised_spec_with_defaults() -> None:
    spec = routine_from_fields("rid", _fields(medication_id=MED))
    assert spec == RoutineSpec(
        id="rid",
        kind="medication",
        title="Sertraline",
        times=("08:00", "21:30"),
        days=None,
        tz="Europe/London",
        enabled=True,
        medication_id=MED,
        follow_up_minutes=30,
    )
    other = routine_from_fields("rid", _fields(kind="checkin", days=[5, 1], enabled=False))
    assert other is not None
    assert (other.follow_up_minutes, other.days, other.enabled) == (0, frozenset({1, 5}), False)
    explicit = routine_from_fields("rid", _fields(follow_up_minutes=0, enabled=None, days=None))
    assert explicit is not None
    assert (explicit.follow_up_minutes, explicit.enabled, explicit.days) == (0, True, None)
    every_day = routine_from_fields("rid", _fields(days=[7, 1, 2, 3, 4, 5, 6], _created_at="x"))
    assert every_day is not None
    assert every_day.days is None


@pytest.mark.parametrize(
    "over",
    [
        {"kind": ...},
        {"kind": "dose"},
        {"title": ...},
        {"title": "  "},
        {"times": ...},
        {"times": []},
        {"times": "08:00"},
        {"times": ["08:00", "25:00"]},
        {"tz": ...},
        {"tz": "Europe/Lndon"},
        {"tz": "localtime"},
        {"tz": 0},
        {"days": [0]},
        {"days": [8]},
        {"days": [True]},
        {"days": "1"},
        # Sync refuses each of these too: the journal's rules are the scheduler's.
        {"days": []},
        {"title": "x" * 201},
        {"medication_id": "m1"},
        {"follow_up_minutes": 721},
        {"enabled": "yes"},
        {"medication_id": 5},
        {"follow_up_minutes": -5},
        {"follow_up_minutes": 1.5},
        # A zone the journal knows but not as a place (the rules' own check, not msgspec's).
        {"tz": "Factory"},
        # Sync's ClockTime pattern lets a non-ASCII digit through (\d); the scheduler
        # refuses to guess at it rather than fail.
        {"times": ["0\u0668:00"]},
    ],
)
def test_routine_from_fields_refuses_what_it_cannot_schedule(over: dict[str, Any]) -> None:
    assert routine_from_fields("rid", _fields(**over)) is None


def test_a_skipped_calendar_day_fires_once_where_the_clock_lands() -> None:
    # Samoa jumped from 2011-12-29 23:59 -10:00 to 2011-12-31 00:00 +14:00.
    r = routine("Pacific/Apia", "08:00")
    assert fired(r, utc(2011, 12, 29, 0), utc(2011, 12, 31, 0)) == [
        ("r1@2011-12-29T08:00-10:00", utc(2011, 12, 29, 18)),
        ("r1@2011-12-30T08:00+14:00", utc(2011, 12, 30, 10)),
        ("r1@2011-12-31T08:00+14:00", utc(2011, 12, 30, 18)),
    ]
