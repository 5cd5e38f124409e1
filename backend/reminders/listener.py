"""Keeps reminders in step with the journal: called by sync, inside the push transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.db import Statement, flatten, in_list, placeholders
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
    """Keeps the scheduler's view in step with a push, inside the push's transaction.

    Done markers (doses, check-ins) are plain statements (`statements`), which sync can run
    in the same trip as the push itself; a new time zone or routine replans reminders, which
    reads and awaits (`__call__`, for the `kinds` it names).
    """

    kinds = frozenset({"profile", "routine"})

    def __init__(self, engine: Engine[Any]) -> None:
        self.engine = engine

    def statements(self, user_id: uuid.UUID, applied: Sequence[AppliedRecord]) -> list[Statement]:
        """What the scheduler must know is already done: each dose answered, each check-in."""
        records = [r for r in applied if r.kind in ("dose", "checkin")]
        if not records:
            return []
        ids = [r.record_id for r in records]
        delete = (
            f"DELETE FROM logged_marker WHERE user_id = {{}} AND record_id IN ({in_list(len(ids))})"
        )
        statements: list[Statement] = [(delete, [user_id, *ids])]
        rows = [(user_id, marker, r.record_id) for r in records for marker in markers_for(r)]
        if rows:
            insert = (
                "INSERT INTO logged_marker (user_id, marker, record_id) VALUES"
                f" {placeholders(len(rows), 3)} ON CONFLICT (user_id, marker, record_id)"
                " DO NOTHING"
            )
            statements.append((insert, flatten(rows)))
        return statements

    async def __call__(
        self, user_id: uuid.UUID, applied: Sequence[AppliedRecord], now: datetime
    ) -> None:
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
