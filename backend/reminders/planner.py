"""Derive reminder rows from routine records, and logged markers from doses and check-ins."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.db import execute, fetch, flatten, placeholders
from backend.journal.kinds import PROFILE_ID
from backend.reminders.schedule import (
    RoutineSpec,
    effective_due_at,
    follow_up_after_edit,
    next_occurrences,
    routine_from_fields,
)
from backend.sync.merge import StoredField

HORIZON = timedelta(hours=48)
# Re-planning starts a little in the past so an occurrence that is due but not yet claimed
# survives an edit of its routine (the unique slot keeps it from being doubled).
REPLAN_GRACE = timedelta(minutes=15)
_decode = msgspec.json.Decoder(dict[str, dict[str, Any]])


class Profile(msgspec.Struct, frozen=True):
    tz: str | None = None
    quiet_start: str | None = None
    quiet_end: str | None = None
    discreet: bool = True


def values_of(fields: dict[str, StoredField] | dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {k: (f.v if isinstance(f, StoredField) else f.get("v")) for k, f in fields.items()}


def profile_from_values(values: dict[str, Any]) -> Profile:
    def text(name: str) -> str | None:
        value = values.get(name)
        return value if isinstance(value, str) and value else None

    discreet = values.get("discreet_notifications")
    return Profile(
        text("tz"),
        text("quiet_start"),
        text("quiet_end"),
        discreet if isinstance(discreet, bool) else True,
    )


async def record_values(
    engine: Engine[Any], user_id: uuid.UUID, record_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Plain values of live (not deleted) records, by id."""
    if not record_ids:
        return {}
    rows = await fetch(
        engine,
        "SELECT record_id, fields FROM record WHERE user_id = {} AND deleted = {}"
        f" AND record_id IN ({', '.join(['{}'] * len(record_ids))})",
        user_id,
        False,
        *record_ids,
    )
    return {row["record_id"]: values_of(_decode.decode(row["fields"])) for row in rows}


async def load_profile(engine: Engine[Any], user_id: uuid.UUID) -> Profile:
    values = await record_values(engine, user_id, [uuid.UUID(PROFILE_ID)])
    return profile_from_values(values.get(uuid.UUID(PROFILE_ID), {}))


class NewReminder(msgspec.Struct, frozen=True):
    user_id: uuid.UUID
    routine_id: uuid.UUID | None
    occurrence: str
    purpose: str  # main | follow_up | snooze | test
    slot: str  # unique per person: the same nudge is never planned twice
    due_at: datetime


async def add_reminders(engine: Engine[Any], reminders: Sequence[NewReminder]) -> None:
    """Insert pending reminders; a slot that already exists (even sent) is left alone."""
    if not reminders:
        return
    rows = [
        (r.user_id, r.routine_id, r.occurrence, r.purpose, r.slot, r.due_at, "pending", "", 0, "")
        for r in reminders
    ]
    await execute(
        engine,
        "INSERT INTO reminder (user_id, routine_id, occurrence, purpose, slot, due_at, state,"
        f" claimed_by, attempts, detail) VALUES {placeholders(len(rows), 10)}"
        " ON CONFLICT (user_id, slot) DO NOTHING",
        *flatten(rows),
    )


async def insert_reminders(
    engine: Engine[Any],
    user_id: uuid.UUID,
    spec: RoutineSpec,
    profile: Profile,
    after: datetime,
    until: datetime,
) -> int:
    occurrences = next_occurrences(spec, after, until)
    due = {
        occ.key: effective_due_at(
            occ,
            spec,
            profile_tz=profile.tz,
            quiet_start=profile.quiet_start,
            quiet_end=profile.quiet_end,
        )
        for occ in occurrences
    }
    await add_reminders(
        engine,
        [NewReminder(user_id, uuid.UUID(spec.id), key, "main", key, at) for key, at in due.items()],
    )
    return len(due)


async def set_horizon(
    engine: Engine[Any], user_id: uuid.UUID, routine_id: uuid.UUID, until: datetime | None
) -> None:
    if until is None:
        await execute(
            engine,
            "DELETE FROM routine_horizon WHERE user_id = {} AND routine_id = {}",
            user_id,
            routine_id,
        )
        return
    await execute(
        engine,
        "INSERT INTO routine_horizon (user_id, routine_id, until) VALUES ({}, {}, {})"
        " ON CONFLICT (user_id, routine_id) DO UPDATE SET until = excluded.until",
        user_id,
        routine_id,
        until,
    )


async def plan_routine(
    engine: Engine[Any],
    user_id: uuid.UUID,
    routine_id: uuid.UUID,
    values: dict[str, Any] | None,
    profile: Profile,
    now: datetime,
) -> None:
    """Recompute one routine's upcoming reminders after it changed (or was deleted)."""
    await execute(
        engine,
        "DELETE FROM reminder WHERE user_id = {} AND routine_id = {} AND state = 'pending'"
        " AND purpose = 'main'",
        user_id,
        routine_id,
    )
    spec = routine_from_fields(str(routine_id), values) if values is not None else None
    await revise_follow_ups(engine, user_id, routine_id, spec)
    if spec is None or not spec.enabled:
        await set_horizon(engine, user_id, routine_id, None)
        return
    await insert_reminders(engine, user_id, spec, profile, now - REPLAN_GRACE, now + HORIZON)
    await set_horizon(engine, user_id, routine_id, now + HORIZON)


def revised_follow_up(
    spec: RoutineSpec | None,
    occurrence: str,
    sent_due: datetime | None,
    due: datetime,
    tried: bool,
) -> datetime | None:
    """A waiting follow-up's due time after its routine changed, or None to drop it.

    `sent_due` is when its reminder was due (None if that row is gone: then the follow-up's
    own time stands in for it). A follow-up whose sending was already tried keeps its time,
    which holds the retry's backoff and Retry-After.
    """
    if sent_due is None or tried:
        return due if follow_up_after_edit(spec, occurrence, sent_due or due) else None
    return follow_up_after_edit(spec, occurrence, sent_due)


async def revise_follow_ups(
    engine: Engine[Any], user_id: uuid.UUID, routine_id: uuid.UUID, spec: RoutineSpec | None
) -> None:
    """Keep, move or drop the routine's waiting follow-ups after an edit (or a delete).

    Unlike the main reminders, these cannot be derived again: each belongs to a reminder
    already sent, and only sending creates one. So they are revised in place, never
    deleted and re-planned (that lost them for good).
    """
    rows = await fetch(
        engine,
        "SELECT f.id, f.occurrence, f.due_at, f.attempts, m.due_at AS sent_due"
        " FROM reminder f LEFT JOIN reminder m"
        " ON m.user_id = f.user_id AND m.slot = f.occurrence AND m.purpose = 'main'"
        " WHERE f.user_id = {} AND f.routine_id = {} AND f.state = 'pending'"
        " AND f.purpose = 'follow_up'",
        user_id,
        routine_id,
    )
    dropped: list[int] = []
    for row in rows:
        due = revised_follow_up(
            spec, row["occurrence"], row["sent_due"], row["due_at"], int(row["attempts"]) > 0
        )
        if due is None:
            dropped.append(int(row["id"]))
        elif due != row["due_at"]:
            await execute(engine, "UPDATE reminder SET due_at = {} WHERE id = {}", due, row["id"])
    if dropped:
        await execute(
            engine,
            f"DELETE FROM reminder WHERE id IN ({', '.join(['{}'] * len(dropped))})",
            *dropped,
        )


async def replan_user(engine: Engine[Any], user_id: uuid.UUID, now: datetime) -> None:
    """After a profile change (zone, quiet hours): every routine of the person again."""
    profile = await load_profile(engine, user_id)
    rows = await fetch(
        engine,
        "SELECT record_id, fields FROM record WHERE user_id = {}"
        " AND kind = 'routine' AND deleted = {}",
        user_id,
        False,
    )
    for row in rows:
        await plan_routine(
            engine,
            user_id,
            row["record_id"],
            values_of(_decode.decode(row["fields"])),
            profile,
            now,
        )


async def extend_horizons(engine: Engine[Any], now: datetime, limit: int = 500) -> int:
    """Derive the next day's reminders for routines whose planned window runs short."""
    rows = await fetch(
        engine,
        "SELECT h.user_id, h.routine_id, h.until, r.fields FROM routine_horizon h"
        " JOIN record r ON r.user_id = h.user_id AND r.record_id = h.routine_id"
        " WHERE h.until < {} AND r.deleted = {} ORDER BY h.until LIMIT {}",
        now + HORIZON / 2,
        False,
        limit,
    )
    profiles: dict[uuid.UUID, Profile] = {}
    for row in rows:
        user_id = row["user_id"]
        if user_id not in profiles:
            profiles[user_id] = await load_profile(engine, user_id)
        spec = routine_from_fields(str(row["routine_id"]), values_of(_decode.decode(row["fields"])))
        if spec is None or not spec.enabled:
            await set_horizon(engine, user_id, row["routine_id"], None)
            continue
        start = max(row["until"], now - REPLAN_GRACE)
        await insert_reminders(engine, user_id, spec, profiles[user_id], start, now + HORIZON)
        await set_horizon(engine, user_id, row["routine_id"], now + HORIZON)
    return len(rows)
