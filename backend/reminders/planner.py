"""Derive reminder rows from routine records, and logged markers from doses and check-ins.

Routines and the profile are read through `backend.sync.read`, decoded once by the journal's
specs; the tables here (reminder, routine_horizon) are the reminders' own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.db import execute, fetch, fetch_as, flatten, in_list, placeholders
from backend.journal.kinds import PROFILE_ID, Profile, Routine
from backend.reminders.purpose import FOLLOW_UP, MAIN
from backend.reminders.schedule import (
    RoutineSpec,
    effective_due_at,
    follow_up_after_edit,
    next_occurrences,
    routine_spec,
)
from backend.sync.read import JournalRecord, live_records, records_by_id

HORIZON = timedelta(hours=48)
# Re-planning starts a little in the past so an occurrence that is due but not yet claimed
# survives an edit of its routine (the unique slot keeps it from being doubled).
REPLAN_GRACE = timedelta(minutes=15)
_PROFILE_ID = uuid.UUID(PROFILE_ID)


def routine_of(record: JournalRecord | None) -> RoutineSpec | None:
    """The schedule of a routine record; None when it is gone, deleted or does not decode.

    A routine with any refused value is not scheduled at all: days or a follow-up it cannot
    read are not replaced by defaults that would nudge the person when they did not ask."""
    if record is None or record.deleted or record.refused:
        return None
    routine = record.typed(Routine)
    return routine_spec(str(record.record_id), routine) if routine is not None else None


def profile_of(record: JournalRecord | None) -> Profile:
    """The person's profile; its defaults (discreet, no quiet hours) when absent or undecodable."""
    profile = record.typed(Profile) if record is not None else None
    return profile if profile is not None else Profile()


async def load_profiles(
    engine: Engine[Any], user_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Profile]:
    """Each person's profile, in one batch."""
    users = set(user_ids)
    found = await records_by_id(engine, [(u, _PROFILE_ID) for u in users], kinds=("profile",))
    return {u: profile_of(found.get((u, _PROFILE_ID))) for u in users}


async def load_profile(engine: Engine[Any], user_id: uuid.UUID) -> Profile:
    return (await load_profiles(engine, [user_id]))[user_id]


class NewReminder(msgspec.Struct, frozen=True):
    user_id: uuid.UUID
    routine_id: uuid.UUID | None
    occurrence: str
    purpose: str  # backend.reminders.purpose: MAIN, FOLLOW_UP, SNOOZE or TEST
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
        [NewReminder(user_id, uuid.UUID(spec.id), key, MAIN, key, at) for key, at in due.items()],
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
    spec: RoutineSpec | None,
    profile: Profile,
    now: datetime,
) -> None:
    """Recompute one routine's upcoming reminders after it changed (None: deleted, or it
    cannot be scheduled)."""
    await execute(
        engine,
        "DELETE FROM reminder WHERE user_id = {} AND routine_id = {} AND state = 'pending'"
        " AND purpose = {}",
        user_id,
        routine_id,
        MAIN,
    )
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
        " ON m.user_id = f.user_id AND m.slot = f.occurrence AND m.purpose = {}"
        " WHERE f.user_id = {} AND f.routine_id = {} AND f.state = 'pending'"
        " AND f.purpose = {}",
        MAIN,
        user_id,
        routine_id,
        FOLLOW_UP,
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
            f"DELETE FROM reminder WHERE id IN ({in_list(len(dropped))})",
            *dropped,
        )


async def replan_user(engine: Engine[Any], user_id: uuid.UUID, now: datetime) -> None:
    """After a profile change (zone, quiet hours): every routine of the person again."""
    profile = await load_profile(engine, user_id)
    for record in await live_records(engine, user_id, ["routine"]):
        await plan_routine(engine, user_id, record.record_id, routine_of(record), profile, now)


class _Horizon(msgspec.Struct, frozen=True):
    user_id: uuid.UUID
    routine_id: uuid.UUID
    until: datetime


async def extend_horizons(engine: Engine[Any], now: datetime, limit: int = 500) -> int:
    """Derive the next day's reminders for routines whose planned window runs short.

    A horizon whose routine is gone, deleted, off or unschedulable is dropped (re-planning
    that routine after an edit sets it again).
    """
    horizons = await fetch_as(
        engine,
        _Horizon,
        "SELECT user_id, routine_id, until FROM routine_horizon WHERE until < {}"
        " ORDER BY until LIMIT {}",
        now + HORIZON / 2,
        limit,
    )
    routines = await records_by_id(
        engine, [(h.user_id, h.routine_id) for h in horizons], kinds=("routine",)
    )
    profiles = await load_profiles(engine, {h.user_id for h in horizons})
    for h in horizons:
        spec = routine_of(routines.get((h.user_id, h.routine_id)))
        if spec is None or not spec.enabled:
            await set_horizon(engine, h.user_id, h.routine_id, None)
            continue
        start = max(h.until, now - REPLAN_GRACE)
        await insert_reminders(engine, h.user_id, spec, profiles[h.user_id], start, now + HORIZON)
        await set_horizon(engine, h.user_id, h.routine_id, now + HORIZON)
    return len(horizons)
