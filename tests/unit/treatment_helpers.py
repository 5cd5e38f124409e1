"""Building journals for the treatment tests: records as sync's read API hands them over."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from backend.sync.read import JournalRecord, journal_record

USER = uuid.UUID("0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9e")
SERTRALINE = "00000000-0000-4000-8000-00000000000a"
FLUOXETINE = "00000000-0000-4000-8000-00000000000b"
ARIPIPRAZOLE = "00000000-0000-4000-8000-00000000000c"
OTHER_MED = "00000000-0000-4000-8000-00000000000d"


def rec(
    kind: str, values: dict[str, Any], record_id: str | None = None, *, deleted: bool = False
) -> JournalRecord:
    """One record, checked to decode: a typo in a test must not read as "not counted"."""
    rid = uuid.UUID(record_id) if record_id else uuid.uuid4()
    fields = {name: {"v": value} for name, value in values.items()}
    record = journal_record(USER, rid, kind, fields, deleted)
    assert deleted or record.value is not None, f"{kind} {values} does not decode"
    return record


def med(record_id: str, name: str, **values: Any) -> JournalRecord:
    deleted = bool(values.pop("deleted", False))
    return rec("medication", {"name": name, **values}, record_id, deleted=deleted)


def steps(*pairs: tuple[str, float]) -> list[dict[str, Any]]:
    """dose_changes as the form writes them: [{on, dose, unit}]."""
    return [{"on": on, "dose": dose, "unit": "mg"} for on, dose in pairs]


def dose(med_id: str, at: str, status: str = "taken", *, deleted: bool = False) -> JournalRecord:
    return rec("dose", {"medication_id": med_id, "at": at, "status": status}, deleted=deleted)


def days_from(first: str, count: int, skip: Iterable[str] = ()) -> list[str]:
    """`count` consecutive dates from `first`, without those in `skip`, as YYYY-MM-DD."""
    start = date.fromisoformat(first)
    every = [(start + timedelta(days=n)).isoformat() for n in range(count)]
    return [day for day in every if day not in set(skip)]


def daily_doses(
    med_id: str, days: Iterable[str], clock: str = "08:10:00+00:00"
) -> list[JournalRecord]:
    return [dose(med_id, f"{day}T{clock}") for day in days]


def answers(total: int, item9: int = 0) -> list[int]:
    """Nine PHQ-9 answers adding up to `total`, with item 9 answered `item9`."""
    rest = total - item9
    assert 0 <= rest <= 24, "items 1-8 add up to at most 24"
    first_eight = [min(3, max(0, rest - 3 * n)) for n in range(8)]
    return [*first_eight, item9]


def phq9(
    at: str, total: int, item9: int = 0, difficulty: int | None = None, *, deleted: bool = False
) -> JournalRecord:
    values: dict[str, Any] = {"at": at, "instrument": "phq9", "answers": answers(total, item9)}
    if difficulty is not None:
        values["difficulty"] = difficulty
    return rec("assessment", values, deleted=deleted)


def routine(med_id: str, times: list[str], **values: Any) -> JournalRecord:
    body = {"kind": "medication", "title": "Tablets", "times": times, "tz": "UTC"}
    return rec("routine", {**body, "medication_id": med_id, **values})


def d(text: str) -> date:
    return date.fromisoformat(text)
