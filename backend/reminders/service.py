"""Push subscriptions, test reminders and snoozes for the signed-in person."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from piccolo.engine.base import Engine

from backend.accounts.service import AccountService, CurrentSession
from backend.db import execute, fetch, write_transaction
from backend.errors import InvalidInput, NotFound
from backend.reminders.planner import NewReminder, add_reminders
from backend.reminders.schemas import SubscribeRequest
from backend.reminders.sender import ReminderSender, TickStats
from backend.reminders.webpush import validate_subscription_keys
from backend.settings import Settings

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def check_endpoint(endpoint: str, settings: Settings) -> None:
    parts = urlsplit(endpoint)
    if parts.scheme == "https" and parts.hostname:
        return
    if settings.env == "dev" and parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return
    raise InvalidInput("A push endpoint must be an https URL.", code="invalid-endpoint")


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

    async def subscribe(
        self, current: CurrentSession, data: SubscribeRequest, now: datetime
    ) -> None:
        check_endpoint(data.endpoint, self.settings)
        try:
            validate_subscription_keys(data.keys.p256dh, data.keys.auth)
        except ValueError as exc:
            raise InvalidInput(
                f"The subscription keys are not valid: {exc}.", code="invalid-subscription-keys"
            ) from None
        await self.accounts.register_device(current.user_id, data.device_id, None, now)
        async with write_transaction(self.engine):
            # An endpoint belongs to one browser; if it moved to another account, it moves.
            await execute(
                self.engine,
                "INSERT INTO push_subscription (user_id, device_id, endpoint, p256dh, auth,"
                " created_at, updated_at) VALUES ({}, {}, {}, {}, {}, {}, {})"
                " ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id,"
                " device_id = excluded.device_id, p256dh = excluded.p256dh,"
                " auth = excluded.auth, updated_at = excluded.updated_at",
                current.user_id,
                data.device_id,
                data.endpoint,
                data.keys.p256dh,
                data.keys.auth,
                now,
                now,
            )

    async def unsubscribe(self, current: CurrentSession, endpoint: str) -> None:
        await execute(
            self.engine,
            "DELETE FROM push_subscription WHERE user_id = {} AND endpoint = {}",
            current.user_id,
            endpoint,
        )

    async def send_test(self, current: CurrentSession, now: datetime) -> TickStats:
        subs = await fetch(
            self.engine,
            "SELECT COUNT(*) AS n FROM push_subscription WHERE user_id = {}",
            current.user_id,
        )
        if not int(subs[0]["n"]):
            raise NotFound(
                "This account has no device set up for reminders yet.", code="no-subscription"
            )
        slot = f"test@{uuid.uuid4()}"
        await add_reminders(
            self.engine, [NewReminder(current.user_id, None, slot, "test", slot, now)]
        )
        return await self.sender.tick(now)

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
            [NewReminder(current.user_id, rows[0]["routine_id"], occurrence, "snooze", slot, due)],
        )
        # A snoozed reminder replaces its own follow-up.
        await execute(
            self.engine,
            "DELETE FROM reminder WHERE user_id = {} AND slot = {} AND state = 'pending'",
            current.user_id,
            f"{occurrence}#follow-up",
        )
