"""HTTP routes of Web Push and reminders (api.md: Reminders)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Router, delete, get, post
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

TEST_DETAILS = {
    "sent": "A test reminder was sent to your devices.",
    "queued": "The test reminder could not be delivered yet; it will be tried again.",
}


def _service(request: Request[Any, Any, Any]) -> ReminderService:
    service: ReminderService = request.app.state.reminders
    return service


@get("/push/key")
async def push_key(request: Request[Any, Any, Any]) -> PushKey:
    """The VAPID public key a browser needs to subscribe (base64url, uncompressed point)."""
    return PushKey(request.app.state.vapid.public_key_b64url)


@post(
    "/push/subscriptions",
    status_code=201,
    guards=[require_session],
    security=SESSION_REQUIRED,
    responses=problem_responses(*BODY, *SESSION, 403),
)
async def subscribe(
    request: Request[Any, Any, Any],
    current: NamedDependency[CurrentSession],
    data: JSONBody[SubscribeRequest],
) -> Subscribed:
    await _service(request).subscribe(current, data, datetime.now(UTC))
    return Subscribed(data.endpoint, data.device_id)


@delete(
    "/push/subscriptions",
    status_code=204,
    guards=[require_session],
    security=SESSION_REQUIRED,
    responses=problem_responses(*BODY, *SESSION),
)
async def unsubscribe(
    request: Request[Any, Any, Any],
    current: NamedDependency[CurrentSession],
    data: JSONBody[UnsubscribeRequest],
) -> None:
    await _service(request).unsubscribe(current, data.endpoint)


@post(
    "/push/test",
    status_code=202,
    guards=[require_session],
    security=SESSION_REQUIRED,
    responses=problem_responses(*SESSION, 404, 429),
)
async def push_test(
    request: Request[Any, Any, Any], current: NamedDependency[CurrentSession]
) -> Accepted:
    outcome = await _service(request).send_test(current, datetime.now(UTC))
    return Accepted(outcome, TEST_DETAILS[outcome])


@post(
    "/reminders/snooze",
    status_code=202,
    guards=[require_session],
    security=SESSION_REQUIRED,
    responses=problem_responses(*BODY, *SESSION, 404),
)
async def snooze(
    request: Request[Any, Any, Any],
    current: NamedDependency[CurrentSession],
    data: JSONBody[SnoozeRequest],
) -> Accepted:
    await _service(request).snooze(current, data.occurrence, data.minutes, datetime.now(UTC))
    return Accepted("snoozed", f"Reminding again in {data.minutes} minutes.")


reminders_router = Router(
    path="/api/v1",
    route_handlers=[push_key, subscribe, unsubscribe, push_test, snooze],
    dependencies={"current": Provide(current_session, sync_to_thread=False)},
    tags=["reminders"],
)
