"""Reads a person's journal through sync's read API and derives their insights."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.errors import InvalidInput
from backend.journal.kinds import Profile
from backend.reminders.schedule import load_zone
from backend.sync.read import JournalRecord, collector_paused, live_records
from backend.treatment.insights import KINDS_READ, derive_insights
from backend.treatment.schemas import Insights

DEFAULT_DAYS = 90  # "the last 90 days", the clinician summary's default too
MAX_DAYS = 3660  # ten years: a whole treatment history, and still a bounded amount of work


def person_today(records: Sequence[JournalRecord], now: datetime) -> date:
    """Today where the person lives (their profile's zone), else in UTC."""
    for record in records:
        profile = record.typed(Profile)
        if profile is not None and profile.tz is not None:
            try:
                return now.astimezone(load_zone(profile.tz)).date()
            except ValueError:
                break
    return now.astimezone(UTC).date()


def check_period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The asked-for period, or the last 90 days up to today; 400 `invalid-period` when unusable."""
    # One date alone asks for the 90 days from or up to it, so it is never an invalid period.
    span = timedelta(days=DEFAULT_DAYS - 1)
    end = end or (today if start is None else start + span)
    start = start or end - span
    if start > end:
        raise InvalidInput("`from` must be on or before `to`.", code="invalid-period")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(f"A period can be at most {MAX_DAYS} days long.", code="invalid-period")
    return start, end


async def insights_for(
    engine: Engine[Any], user_id: uuid.UUID, start: date | None, end: date | None, now: datetime
) -> Insights:
    records = await live_records(engine, user_id, KINDS_READ)
    today = person_today(records, now)
    first, last = check_period(start, end, today)
    with collector_paused():  # thousands of small objects, no cycles: see live_records
        return derive_insights(records, first, last, today)
