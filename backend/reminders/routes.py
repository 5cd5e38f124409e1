"""HTTP routes of Web Push and reminders (api.md: Reminders)."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Router, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from backend.accounts.auth import current_session, require_session
from backend.accounts.service import CurrentSession
from backend.errors import BODY, SESSION, problem_responses
from backend.openapi import SESSION_REQUIRED
from backend.reminders.schemas import (
    Accepted,
    PushKey,
    SnoozeRequest,
    Subscribed,
    SubscribeRequest,
    UnsubscribeRequest,
)
from backend.reminders.service import ReminderService
from backend.reminders.vapid import VapidKeys

TEST_DETAILS = {
    "sent": "A test reminder was sent to your devices.",
    "queued": "The test reminder could not be delivered yet; it will be tried again.",
}


@get("/push/key")
async def push_key(vapid: NamedDependency[VapidKeys]) -> PushKey:
    """The VAPID public key a browser needs to subscribe (base64url, uncompressed point)."""
    return PushKey(vapid.public_key_b64url)


@post(
    "/push/subscriptions",
    status_code=201,
    guards=[require_session],
    security=SESSION_REQUIRED,
    responses=problem_responses(*BODY, *SESSION, 403),
)
async def subscribe(
    current: NamedDependency[CurrentSession],
    data: JSONBody[SubscribeRequest],
    reminders: NamedDependency[ReminderService],
) -> Subscribed:
    await reminders.subscribe(current, data, datetime.now(UTC))
    return Subscribed(data.endpoint, data.device_id)


@delete(
    "/push/subscriptions",
    status_code=204,
    guards=[require_session],
    security=SESSION_REQUIRED,
    responses=problem_responses(*BODY, *SESSION),
)
async def unsubscribe(
    current: NamedDependency[CurrentSession],
    data: JSONBody[UnsubscribeRequest],
    reminders: NamedDependency[ReminderService],
) -> None:
    await reminders.unsubscribe(current, data.endpoint)


@post(
    "/push/test",
    status_code=202,
    guards=[require_session],
    security=SESSION_REQUIRED,
    responses=problem_responses(*SESSION, 404, 429),
)
async def push_test(
    current: NamedDependency[CurrentSession], reminders: NamedDependency[ReminderService]
) -> Accepted:
    outcome = await reminders.send_test(current, datetime.now(UTC))
    return Accepted(outcome, TEST_DETAILS[outcome])


@post(
    "/reminders/snooze",
    status_code=202,
    guards=[require_session],
    security=SESSION_REQUIRED,
    responses=problem_responses(*BODY, *SESSION, 404),
)
async def snooze(
    current: NamedDependency[CurrentSession],
    data: JSONBody[SnoozeRequest],
    reminders: NamedDependency[ReminderService],
) -> Accepted:
    await reminders.snooze(current, data.occurrence, data.minutes, datetime.now(UTC))
    return Accepted("snoozed", f"Reminding again in {data.minutes} minutes.")


reminders_router = Router(
    path="/api/v1",
    route_handlers=[push_key, subscribe, unsubscribe, push_test, snooze],
    dependencies={"current": Provide(current_session, sync_to_thread=False)},
    tags=["reminders"],
)
