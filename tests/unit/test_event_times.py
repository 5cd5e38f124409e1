"""A logged event more than a day in the future is a typo: refused with a plain reason."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.journal.validate import validate_change

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
RID = "0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9e"


def _check(kind: str, **fields: object) -> str | None:
    error = validate_change(kind=kind, record_id=RID, fields=fields, now=NOW)
    return None if error is None else error.code


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("checkin", "at"),
        ("activity", "at"),
        ("dose", "at"),
        ("effect", "at"),
        ("intake", "at"),
        ("assessment", "at"),
        ("session", "at"),
        ("measurement", "at"),
        ("sleep", "bed_at"),
        ("sleep", "wake_at"),
    ],
)
def test_event_times_more_than_a_day_ahead_are_refused(kind: str, field: str) -> None:
    assert _check(kind, **{field: "2026-12-05T11:59:00+00:00"}) is None
    # The same instant written in another zone is the same instant.
    assert _check(kind, **{field: "2026-12-05T23:59:00+12:00"}) is None
    assert _check(kind, **{field: "2026-12-05T12:01:00+00:00"}) == "in-future"
    assert _check(kind, **{field: "2027-12-04T08:00:00+00:00"}) == "in-future"


def test_dates_are_in_the_future_only_once_past_tomorrow_everywhere() -> None:
    for date in ("2026-12-04", "2026-12-05", "2026-12-06"):
        assert _check("sleep", night_of=date) is None
        assert _check("lab", on=date) is None
    assert _check("sleep", night_of="2026-12-07") == "in-future"
    assert _check("lab", on="2027-01-01") == "in-future"


def test_appointments_and_plans_may_be_in_the_future() -> None:
    assert _check("appointment", at="2027-03-01T09:00:00+00:00") is None
    assert _check("medication", name="Sertraline", started_on="2027-01-10") is None


def test_the_reason_says_what_is_wrong_in_words() -> None:
    error = validate_change(
        kind="checkin", record_id=RID, fields={"at": "2027-12-04T08:00:00+00:00"}, now=NOW
    )
    assert error is not None
    assert error.field == "at"
    assert "more than a day in the future" in error.detail


def test_without_a_clock_the_rule_is_not_applied() -> None:
    # validate_change stays pure: only a caller that knows the time (the sync push) applies it.
    assert (
        validate_change(kind="checkin", record_id=RID, fields={"at": "2030-01-01T08:00:00+00:00"})
        is None
    )
