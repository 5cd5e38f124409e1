"""Keeps reminders in step with the journal: called by sync, inside the push transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.db import execute, flatten, in_list, placeholders
from backend.reminders.planner import load_profile, plan_routine, replan_user, routine_of
from backend.sync.read import current_values, journal_record
from backend.sync.service import AppliedRecord

DOSE_ANSWERS = {"taken", "skipped"}


def markers_for(record: AppliedRecord) -> list[str]:
    """What this record tells the scheduler is already done."""
    if record.deleted:
        return []
    values = current_values(record.fields)
    if record.kind == "dose":
        occurrence = values.get("occurrence")
        if isinstance(occurrence, str) and occurrence and values.get("status") in DOSE_ANSWERS:
            return [f"occ:{occurrence}"]
    if record.kind == "checkin":
        at = values.get("at")
        if isinstance(at, str) and len(at) >= 10:
            return [f"checkin:{at[:10]}"]
    return []


class ReminderListener:
    # What the scheduler reads: done markers (doses, check-ins), the time zone, routines.
    kinds = frozenset({"dose", "checkin", "profile", "routine"})

    def __init__(self, engine: Engine[Any]) -> None:
        self.engine = engine

    async def __call__(
        self, user_id: uuid.UUID, applied: Sequence[AppliedRecord], now: datetime
    ) -> None:
        await self._markers(user_id, [r for r in applied if r.kind in ("dose", "checkin")])
        if any(r.kind == "profile" for r in applied):
            await replan_user(self.engine, user_id, now)
            return
        routines = [r for r in applied if r.kind == "routine"]
        if routines:
            profile = await load_profile(self.engine, user_id)
            for record in routines:
                spec = routine_of(
                    journal_record(
                        user_id, record.record_id, record.kind, record.fields, record.deleted
                    )
                )
                await plan_routine(self.engine, user_id, record.record_id, spec, profile, now)

    async def _markers(self, user_id: uuid.UUID, records: Sequence[AppliedRecord]) -> None:
        if not records:
            return
        ids = [r.record_id for r in records]
        await execute(
            self.engine,
            "DELETE FROM logged_marker WHERE user_id = {}"
            f" AND record_id IN ({in_list(len(ids))})",
            user_id,
            *ids,
        )
        rows = [(user_id, marker, r.record_id) for r in records for marker in markers_for(r)]
        if rows:
            await execute(
                self.engine,
                "INSERT INTO logged_marker (user_id, marker, record_id) VALUES"
                f" {placeholders(len(rows), 3)} ON CONFLICT (user_id, marker, record_id)"
                " DO NOTHING",
                *flatten(rows),
            )
