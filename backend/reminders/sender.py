"""Claim due reminders atomically and deliver them by Web Push, once per subscription.

Several API processes may run this at once: a claim is one UPDATE ... RETURNING that
flips rows from pending to sending (PostgreSQL adds FOR UPDATE SKIP LOCKED so claimers
never wait on each other; SQLite serialises writers anyway). A claimer that dies leaves
rows in `sending`; after CLAIM_TIMEOUT anyone may take them again, and the delivery table
keeps subscriptions that already got the message from getting it twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend import observability
from backend.db import execute, fetch, flatten, in_list, is_sqlite, placeholders, write_transaction
from backend.journal.kinds import Medication, Profile
from backend.reminders.payload import ReminderContext, build_payload, encode_payload, local_time_of
from backend.reminders.planner import (
    NewReminder,
    add_reminders,
    extend_horizons,
    load_profiles,
    routine_of,
)
from backend.reminders.purpose import FOLLOW_UP, MAIN, SNOOZE, follow_up_slot
from backend.reminders.schedule import RoutineSpec, follow_up_minutes, live_routine
from backend.reminders.vapid import VapidKeys
from backend.reminders.webpush import PushClient, PushOutcome, PushSubscriptionInfo, send_push
from backend.sync.read import RecordKey, records_by_id

log = logging.getLogger("tend.reminders")

CLAIM_TIMEOUT = timedelta(minutes=5)
CLAIM_BATCH = 500
MAX_ATTEMPTS = 6
MEDICATION_TTL = 3600
OTHER_TTL = 4 * 3600


@dataclass
class Claimed:
    id: int
    user_id: uuid.UUID
    routine_id: uuid.UUID | None
    occurrence: str
    purpose: str
    due_at: datetime
    attempts: int


@dataclass
class TickStats:
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    gone: int = 0
    lateness_s: list[float] = field(default_factory=list)


@dataclass
class _Batch:
    """Everything the batch needs from the database, loaded in a handful of queries."""

    subscriptions: dict[uuid.UUID, list[tuple[int, PushSubscriptionInfo]]]
    delivered: set[tuple[int, int]]
    markers: set[tuple[uuid.UUID, str]]
    routines: dict[RecordKey, RoutineSpec]  # schedulable routines, on or off
    medication_names: dict[RecordKey, str]
    profiles: dict[uuid.UUID, Profile]
    snoozed: set[tuple[uuid.UUID, str]]


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    base = min(3600.0, 30.0 * 2 ** max(0, attempts - 1))
    delay = random.uniform(base / 2, base)
    return timedelta(seconds=max(delay, retry_after or 0.0))


class ReminderSender:
    def __init__(
        self,
        engine: Engine[Any],
        vapid: VapidKeys,
        subject: str,
        client: PushClient,
        *,
        claimer: str | None = None,
        concurrency: int = 64,
        batch_size: int = CLAIM_BATCH,
    ) -> None:
        self.engine = engine
        self.vapid = vapid
        self.subject = subject
        self.client = client
        self.claimer = claimer or f"tend-{uuid.uuid4().hex[:12]}"
        self.semaphore = asyncio.Semaphore(concurrency)
        self.batch_size = batch_size

    async def tick(self, now: datetime) -> TickStats:
        """One pass: extend schedules, then claim and send everything due at `now`."""
        stats = TickStats()
        async with write_transaction(self.engine):
            await extend_horizons(self.engine, now)
        due: list[datetime] = []
        while True:
            claimed = await self.claim(now, self.batch_size)
            if not claimed:
                observability.record_scheduler_pass(now, due)
                return stats
            stats.claimed += len(claimed)
            due.extend(c.due_at for c in claimed)
            await self.deliver(claimed, now, stats)

    async def release_claims(self) -> int:
        """Give back what this claimer holds (at shutdown): pending again, attempt uncounted.

        Only a pass cancelled mid-send leaves any; one of its pushes may have gone out
        without being recorded, so it can arrive twice, as after a crash.
        """
        async with write_transaction(self.engine):
            rows = await fetch(
                self.engine,
                "UPDATE reminder SET state = 'pending', claimed_by = '', claimed_at = NULL,"
                " attempts = attempts - 1 WHERE state = 'sending' AND claimed_by = {}"
                " RETURNING id",
                self.claimer,
            )
        return len(rows)

    async def claim(self, now: datetime, limit: int) -> list[Claimed]:
        skip_locked = "" if is_sqlite(self.engine) else " FOR UPDATE SKIP LOCKED"
        async with write_transaction(self.engine):
            rows = await fetch(
                self.engine,
                "UPDATE reminder SET state = 'sending', claimed_by = {}, claimed_at = {},"
                " attempts = attempts + 1 WHERE id IN (SELECT id FROM reminder WHERE"
                " (state = 'pending' AND due_at <= {}) OR (state = 'sending' AND claimed_at < {})"
                f" ORDER BY due_at LIMIT {{}}{skip_locked})"
                " RETURNING id, user_id, routine_id, occurrence, purpose, due_at, attempts",
                self.claimer,
                now,
                now,
                now - CLAIM_TIMEOUT,
                limit,
            )
        return [
            Claimed(
                int(r["id"]),
                r["user_id"],
                r["routine_id"],
                r["occurrence"],
                r["purpose"],
                r["due_at"],
                int(r["attempts"]),
            )
            for r in rows
        ]

    async def _load(self, claimed: list[Claimed]) -> _Batch:
        users = list({c.user_id for c in claimed})
        ids = [c.id for c in claimed]
        subs: dict[uuid.UUID, list[tuple[int, PushSubscriptionInfo]]] = defaultdict(list)
        for row in await fetch(
            self.engine,
            "SELECT id, user_id, endpoint, p256dh, auth FROM"
            f" push_subscription WHERE user_id IN ({in_list(len(users))})",
            *users,
        ):
            subs[row["user_id"]].append(
                (int(row["id"]), PushSubscriptionInfo(row["endpoint"], row["p256dh"], row["auth"]))
            )
        delivered = {
            (int(r["reminder_id"]), int(r["subscription_id"]))
            for r in await fetch(
                self.engine,
                "SELECT reminder_id, subscription_id FROM delivery"
                f" WHERE reminder_id IN ({in_list(len(ids))})",
                *ids,
            )
        }
        markers = {
            (r["user_id"], r["marker"])
            for r in await fetch(
                self.engine,
                "SELECT user_id, marker FROM logged_marker"
                f" WHERE user_id IN ({in_list(len(users))})",
                *users,
            )
        }
        routines = await self._routines(claimed)
        names = await self._medication_names(routines)
        profiles = await load_profiles(self.engine, users)
        snoozed = await self._snoozed([c for c in claimed if c.purpose == FOLLOW_UP])
        return _Batch(subs, delivered, markers, routines, names, profiles, snoozed)

    def _already_done(self, c: Claimed, kind: str, batch: _Batch) -> bool:
        if c.purpose not in (MAIN, FOLLOW_UP):
            return False
        if c.purpose == FOLLOW_UP and (c.user_id, c.occurrence) in batch.snoozed:
            return True  # a snooze replaces the follow-up, even one planned after it
        if kind == "medication":
            return (c.user_id, f"occ:{c.occurrence}") in batch.markers
        if kind == "checkin":
            day = c.occurrence.rsplit("@", 1)[-1][:10]
            return (c.user_id, f"checkin:{day}") in batch.markers
        return False

    def _routine_off(self, c: Claimed, batch: _Batch) -> bool:
        """Whether the person deleted or turned off this reminder's routine.

        Re-planning only removes pending rows, so a reminder claimed before the edit (or
        re-claimed from a crashed sender) must be checked here too. Test reminders have no
        routine and always go.
        """
        if c.routine_id is None:
            return False
        return live_routine(batch.routines.get((c.user_id, c.routine_id))) is None

    def _context(self, c: Claimed, batch: _Batch) -> ReminderContext:
        routine = batch.routines.get((c.user_id, c.routine_id)) if c.routine_id else None
        medication_id = routine.medication_id if routine is not None else None
        name = None
        if medication_id is not None:
            name = batch.medication_names.get((c.user_id, uuid.UUID(medication_id)))
        return ReminderContext(
            purpose=c.purpose,
            occurrence=c.occurrence,
            routine_id=str(c.routine_id) if c.routine_id else None,
            routine_kind=routine.kind if routine is not None else "custom",
            routine_title=routine.title if routine is not None else "",
            local_time=local_time_of(c.occurrence),
            discreet=batch.profiles[c.user_id].discreet_notifications,
            medication_id=medication_id,
            medication_name=name,
        )

    async def deliver(self, claimed: list[Claimed], now: datetime, stats: TickStats) -> None:
        batch = await self._load(claimed)
        jobs: list[tuple[Claimed, int, PushSubscriptionInfo, bytes, str]] = []
        skipped: list[int] = []
        for c in claimed:
            ctx = self._context(c, batch)
            # Already logged, routine gone or off, or no device to remind: nothing to send,
            # and no follow-up.
            if (
                self._already_done(c, ctx.routine_kind, batch)
                or self._routine_off(c, batch)
                or not batch.subscriptions.get(c.user_id)
            ):
                skipped.append(c.id)
                continue
            body = encode_payload(build_payload(ctx))
            for sub_id, sub in batch.subscriptions.get(c.user_id, []):
                if (c.id, sub_id) not in batch.delivered:
                    jobs.append((c, sub_id, sub, body, ctx.routine_kind))
        outcomes = await asyncio.gather(
            *(self._send(c, sub, body, kind, now) for c, _, sub, body, kind in jobs)
        )
        await self._record(claimed, jobs, outcomes, skipped, now, stats)

    async def _send(
        self, c: Claimed, sub: PushSubscriptionInfo, body: bytes, kind: str, now: datetime
    ) -> PushOutcome:
        medication = kind == "medication"
        async with self.semaphore:
            try:
                return await send_push(
                    self.client,
                    sub,
                    body,
                    vapid=self.vapid,
                    subject=self.subject,
                    ttl=MEDICATION_TTL if medication else OTHER_TTL,
                    urgency="high" if medication else "normal",
                    topic=c.occurrence,
                    now=now,
                )
            except ValueError as exc:  # a bad stored subscription: never retried
                return PushOutcome(status=0, result="error", retry_after_s=None, detail=str(exc))

    async def _record(
        self,
        claimed: list[Claimed],
        jobs: list[tuple[Claimed, int, PushSubscriptionInfo, bytes, str]],
        outcomes: list[PushOutcome],
        skipped: list[int],
        now: datetime,
        stats: TickStats,
    ) -> None:
        deliveries: list[tuple[int, int, str, datetime]] = []
        gone: set[int] = set()
        retry_after: dict[int, float | None] = {}
        for (c, sub_id, _, _, _), outcome in zip(jobs, outcomes, strict=True):
            if outcome.result == "sent":
                deliveries.append((c.id, sub_id, "sent", now))
            elif outcome.result == "gone":
                gone.add(sub_id)
            elif outcome.result == "retry":
                retry_after[c.id] = max(retry_after.get(c.id) or 0.0, outcome.retry_after_s or 0.0)
            else:
                deliveries.append((c.id, sub_id, "error", now))
        stats.gone += len(gone)
        observability.count_push_results(outcome.result for outcome in outcomes)
        async with write_transaction(self.engine):
            if deliveries:
                await execute(
                    self.engine,
                    "INSERT INTO delivery (reminder_id, subscription_id, status, at) VALUES"
                    f" {placeholders(len(deliveries), 4)}"
                    " ON CONFLICT (reminder_id, subscription_id) DO NOTHING",
                    *flatten(deliveries),
                )
            if gone:
                await execute(
                    self.engine,
                    f"DELETE FROM push_subscription WHERE id IN ({in_list(len(gone))})",
                    *gone,
                )
            done = [c for c in claimed if c.id not in retry_after and c.id not in skipped]
            await self._set_state([c.id for c in done], "sent", now)
            await self._set_state(skipped, "skipped", now)
            for c in claimed:
                if c.id in retry_after:
                    await self._retry(c, retry_after[c.id], now, stats)
            await self._follow_ups([c for c in done if c.purpose == MAIN], now)
        stats.sent += len(done)
        stats.skipped += len(skipped)
        stats.lateness_s.extend((now - c.due_at).total_seconds() for c in done)

    async def _set_state(self, ids: list[int], state: str, now: datetime) -> None:
        if ids:
            await execute(
                self.engine,
                "UPDATE reminder SET state = {}, sent_at = {}"
                f" WHERE id IN ({in_list(len(ids))})",
                state,
                now,
                *ids,
            )

    async def _retry(
        self, c: Claimed, retry_after: float | None, now: datetime, stats: TickStats
    ) -> None:
        if c.attempts >= MAX_ATTEMPTS:
            log.error("reminder %s failed after %s attempts", c.id, c.attempts)
            stats.failed += 1
            await execute(self.engine, "UPDATE reminder SET state = 'failed' WHERE id = {}", c.id)
            return
        stats.retried += 1
        await execute(
            self.engine,
            "UPDATE reminder SET state = 'pending', due_at = {}, claimed_by = '' WHERE id = {}",
            now + backoff(c.attempts, retry_after),
            c.id,
        )

    async def _follow_ups(self, done: list[Claimed], now: datetime) -> None:
        """One re-nudge per occurrence, if the routine asks for it; skipped if done by then.

        Read again here, in the transaction that records the sending: the routine may have
        been deleted or turned off while the push was on its way, and a snooze tapped in
        the meantime replaces the follow-up (reminders.md).
        """
        follow_ups: list[NewReminder] = []
        with_routine = [c for c in done if c.routine_id]
        routines = await self._routines(with_routine)
        snoozed = await self._snoozed(with_routine)
        for c in done:
            spec = live_routine(routines.get((c.user_id, c.routine_id))) if c.routine_id else None
            if spec is None or (c.user_id, c.occurrence) in snoozed:
                continue
            minutes = follow_up_minutes(spec)
            if minutes > 0:
                follow_ups.append(
                    NewReminder(
                        c.user_id,
                        c.routine_id,
                        c.occurrence,
                        FOLLOW_UP,
                        follow_up_slot(c.occurrence),
                        c.due_at + timedelta(minutes=minutes),
                    )
                )
        await add_reminders(self.engine, follow_ups)

    async def _routines(self, claimed: list[Claimed]) -> dict[RecordKey, RoutineSpec]:
        """The schedulable routines (on or off) of these reminders, by (person, routine)."""
        keys = [(c.user_id, c.routine_id) for c in claimed if c.routine_id is not None]
        records = await records_by_id(self.engine, keys, kinds=("routine",))
        specs = {key: routine_of(record) for key, record in records.items()}
        return {key: spec for key, spec in specs.items() if spec is not None}

    async def _medication_names(
        self, routines: dict[RecordKey, RoutineSpec]
    ) -> dict[RecordKey, str]:
        """The names of the medications these routines remind of, by (person, medication)."""
        keys = [
            (user_id, uuid.UUID(spec.medication_id))
            for (user_id, _), spec in routines.items()
            if spec.medication_id is not None
        ]
        records = await records_by_id(self.engine, keys, kinds=("medication",))
        medications = {key: record.typed(Medication) for key, record in records.items()}
        return {key: m.name for key, m in medications.items() if m is not None}

    async def _snoozed(self, claimed: list[Claimed]) -> set[tuple[uuid.UUID, str]]:
        """(person, occurrence) pairs among these that the person has snoozed."""
        if not claimed:
            return set()
        occurrences = list({c.occurrence for c in claimed})
        users = list({c.user_id for c in claimed})
        rows = await fetch(
            self.engine,
            "SELECT user_id, occurrence FROM reminder WHERE purpose = {}"
            f" AND user_id IN ({in_list(len(users))})"
            f" AND occurrence IN ({in_list(len(occurrences))})",
            SNOOZE,
            *users,
            *occurrences,
        )
        return {(r["user_id"], r["occurrence"]) for r in rows}
