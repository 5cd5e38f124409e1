"""Push subscriptions, test reminders and snoozes for the signed-in person."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

from piccolo.engine.base import Engine

from backend.accounts.ratelimit import EventLimiter
from backend.accounts.service import AccountService, CurrentSession
from backend.db import execute, fetch, write_transaction
from backend.errors import InvalidInput, NotFound
from backend.reminders.endpoints import EndpointRefused, check_endpoint
from backend.reminders.planner import NewReminder, add_reminders
from backend.reminders.purpose import SNOOZE, TEST, follow_up_slot
from backend.reminders.schemas import SubscribeRequest
from backend.reminders.sender import Claimed, ReminderSender, TickStats
from backend.reminders.webpush import validate_subscription_keys
from backend.settings import Settings

log = logging.getLogger("tend.reminders")

TestOutcome = Literal["sent", "queued"]


class ReminderService:
    def __init__(
        self,
        engine: Engine[Any],
        settings: Settings,
        accounts: AccountService,
        sender: ReminderSender,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.accounts = accounts
        self.sender = sender
        self.test_limiter = EventLimiter(
            engine,
            "push-test",
            limit=settings.push_test_limit,
            window_seconds=settings.push_test_window_seconds,
            message="Too many test reminders. Please wait a little and try again.",
        )

    async def subscribe(
        self, current: CurrentSession, data: SubscribeRequest, now: datetime
    ) -> None:
        try:
            await check_endpoint(data.endpoint, self.settings)
        except EndpointRefused as exc:
            log.info("push endpoint refused: %s", exc.reason)
            raise
        try:
            validate_subscription_keys(data.keys.p256dh, data.keys.auth)
        except ValueError as exc:
            raise InvalidInput(
                f"The subscription keys are not valid: {exc}.", code="invalid-subscription-keys"
            ) from None
        await self.accounts.register_device(current.user_id, data.device_id, None, now)
        async with write_transaction(self.engine):
            # Re-posting one's own endpoint is an upsert. An endpoint another person has is
            # never taken over (it would move their reminders to whoever knows the URL): it
            # is refused exactly like an invalid one, so nobody learns whose it is.
            rows = await fetch(
                self.engine,
                "INSERT INTO push_subscription (user_id, device_id, endpoint, p256dh, auth,"
                " created_at, updated_at) VALUES ({}, {}, {}, {}, {}, {}, {})"
                " ON CONFLICT (endpoint) DO UPDATE SET"
                " device_id = excluded.device_id, p256dh = excluded.p256dh,"
                " auth = excluded.auth, updated_at = excluded.updated_at"
                " WHERE push_subscription.user_id = excluded.user_id RETURNING id",
                current.user_id,
                data.device_id,
                data.endpoint,
                data.keys.p256dh,
                data.keys.auth,
                now,
                now,
            )
        if not rows:
            log.info("push endpoint refused: it belongs to another account")
            raise EndpointRefused("belongs to another account")

    async def unsubscribe(self, current: CurrentSession, endpoint: str) -> None:
        await execute(
            self.engine,
            "DELETE FROM push_subscription WHERE user_id = {} AND endpoint = {}",
            current.user_id,
            endpoint,
        )

    async def send_test(self, current: CurrentSession, now: datetime) -> TestOutcome:
        """Send a test reminder to this person's subscriptions now, and nobody else's.

        "sent" when at least one push service accepted it; every failure, whatever it was
        (no connection, a refusal, a redirect, a 5xx), is the same "queued": the answer must
        not tell an attacker what is listening where. Failures that can be retried are,
        by the scheduler like any reminder.
        """
        subs = await fetch(
            self.engine,
            "SELECT COUNT(*) AS n FROM push_subscription WHERE user_id = {}",
            current.user_id,
        )
        if not int(subs[0]["n"]):
            raise NotFound(
                "This account has no device set up for reminders yet.", code="no-subscription"
            )
        await self.test_limiter.take(str(current.user_id), now)
        claimed = await self._claimed_test_reminder(current.user_id, now)
        await self.sender.deliver([claimed], now, TickStats())
        sent = await fetch(
            self.engine,
            "SELECT COUNT(*) AS n FROM delivery WHERE reminder_id = {} AND status = 'sent'",
            claimed.id,
        )
        return "sent" if int(sent[0]["n"]) else "queued"

    async def _claimed_test_reminder(self, user_id: uuid.UUID, now: datetime) -> Claimed:
        """A test reminder row, claimed by this process from the start (so the scheduler
        cannot take it in between), for the sender's usual delivery and retry path."""
        slot = f"test@{uuid.uuid4()}"
        rows = await fetch(
            self.engine,
            "INSERT INTO reminder (user_id, routine_id, occurrence, purpose, slot, due_at, state,"
            " claimed_by, claimed_at, attempts, detail)"
            " VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) RETURNING id",
            user_id,
            None,
            slot,
            TEST,
            slot,
            now,
            "sending",
            self.sender.claimer,
            now,
            1,
            "",
        )
        return Claimed(int(rows[0]["id"]), user_id, None, slot, TEST, now, 1)

    async def snooze(
        self, current: CurrentSession, occurrence: str, minutes: int, now: datetime
    ) -> None:
        rows = await fetch(
            self.engine,
            "SELECT routine_id FROM reminder WHERE user_id = {} AND occurrence = {} LIMIT 1",
            current.user_id,
            occurrence,
        )
        if not rows:
            raise NotFound("There is no reminder with that occurrence.", code="reminder-not-found")
        due = now + timedelta(minutes=minutes)
        slot = f"{occurrence}#snooze@{due.isoformat(timespec='seconds')}"
        await add_reminders(
            self.engine,
            [NewReminder(current.user_id, rows[0]["routine_id"], occurrence, SNOOZE, slot, due)],
        )
        # A snoozed reminder replaces its own follow-up.
        await execute(
            self.engine,
            "DELETE FROM reminder WHERE user_id = {} AND slot = {} AND state = 'pending'",
            current.user_id,
            follow_up_slot(occurrence),
        )
