"""A person's live journal as the derivations read it: typed values grouped by kind, and dates.

Pure: built from `JournalRecord`s (backend/sync/read.py), no database and no clock. Deleted
records and records that do not decode (no typed value) are left out, so every derivation
counts only what the person still has.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, TypeVar, cast

import msgspec

from backend.sync.read import JournalRecord

S = TypeVar("S", bound=msgspec.Struct)


class Journal:
    """Typed records by kind: `journal.of(Dose)` -> [(record_id, Dose), ...] in record order."""

    def __init__(self, records: Iterable[JournalRecord]) -> None:
        self._by_type: dict[type[Any], list[tuple[uuid.UUID, Any]]] = defaultdict(list)
        for record in records:
            if not record.deleted and record.value is not None:
                self._by_type[type(record.value)].append((record.record_id, record.value))

    def of(self, struct: type[S]) -> list[tuple[str, S]]:
        # Ids as text only when asked for (medications): str() of 15,000 UUIDs is 15 ms.
        return [(str(record_id), value) for record_id, value in self._by_type.get(struct, [])]

    def values(self, struct: type[S]) -> list[S]:
        return cast("list[S]", [value for _, value in self._by_type.get(struct, [])])


def local_date(moment: datetime) -> date:
    """The calendar day the person lived `moment` on: its date in the offset it was entered with.

    A dose logged at 23:30+01:00 belongs to that evening, wherever the server or the UTC
    calendar puts it, and a back-dated entry belongs to the day it is about.
    """
    return moment.date()


class Period(msgspec.Struct, frozen=True):
    """Inclusive local dates `start`..`end` asked for, and `last`: the last day that has happened.

    `last` is `end` unless `end` is after the person's today: days still to come count as
    neither logged nor missed.
    """

    start: date
    end: date
    last: date

    @classmethod
    def of(cls, start: date, end: date, today: date | None = None) -> Period:
        return cls(start, end, end if today is None else min(end, today))

    @property
    def days(self) -> int:
        """Days from start to last, inclusive (0 when the whole period is still ahead)."""
        return max(0, (self.last - self.start).days + 1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.last

    def each_day(self) -> Iterator[date]:
        for offset in range(self.days):
            yield self.start + timedelta(days=offset)


def one_decimal(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def percent(part: float, whole: float) -> float | None:
    """part / whole as a percentage to one decimal; None when there is nothing to divide by."""
    return None if whole <= 0 else round(100 * part / whole, 1)
