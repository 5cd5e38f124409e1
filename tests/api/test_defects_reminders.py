"""Follow-ups of routines that were deleted, disabled, edited or snoozed (reminders.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.db import fetch
from backend.reminders.sender import TickStats
from backend.reminders.webpush import PushOutcome
from tests.api.sync_helpers import change, hlc_at, sync
from tests.api.test_reminders import PROFILE, add_routine, due_of, sender_of, soon, subscribe
from tests.conftest import signup
from tests.support.push_service import LocalPushService, ReceivedMessage


@pytest.fixture
def push_service() -> Iterator[LocalPushService]:
    with LocalPushService() as service:
        yield service


_edits = 0


def later_hlc() -> str:
    """An HLC after every earlier write of the test, so each edit wins last-writer-wins."""
    global _edits
    _edits += 1
    return hlc_at(int(datetime.now(UTC).timestamp() * 1000) + 1000 * _edits)


async def edit(
    client: httpx.AsyncClient, record_id: str, kind: str, fields: dict[str, Any]
) -> None:
    """The person's edit, as the app syncs it."""
    body = await sync(client, [change(record_id, fields, kind=kind, hlc=later_hlc())])
    assert body["results"][0]["status"] == "applied", body


async def turn_off(client: httpx.AsyncClient, routine: str, how: str) -> None:
    fields: dict[str, Any] = {"_deleted": True} if how == "delete" else {"enabled": False}
    await edit(client, routine, "routine", fields)


def follow_ups(messages: list[ReceivedMessage]) -> list[ReceivedMessage]:
    return [m for m in messages if m.json()["body"].startswith("Still to do")]


async def pending(app: Litestar, occurrence: str) -> list[tuple[str, datetime]]:
    rows = await fetch(
        app.state.services.engine,
        "SELECT purpose, due_at FROM reminder WHERE occurrence = {} AND state = 'pending'"
        " ORDER BY due_at",
        occurrence,
    )
    return [(r["purpose"], r["due_at"]) for r in rows]


# 2. A routine the person deleted or turned off gets no follow-up, whenever it happens.


@pytest.mark.parametrize("how", ["delete", "disable"])
@pytest.mark.parametrize("stage", ["main-claimed", "main-in-flight", "follow-up-claimed"])
async def test_a_deleted_or_disabled_routine_gets_no_follow_up(
    app: Litestar,
    client: httpx.AsyncClient,
    push_service: LocalPushService,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
    stage: str,
) -> None:
    await signup(client)
    sub_id = await subscribe(client, push_service)
    routine = await add_routine(client, follow_up_minutes=30)
    due, occurrence = await due_of(app, routine)
    sender = sender_of(app)
    if stage == "main-claimed":
        # Claimed by the loop, then the routine goes before the push is sent.
        claimed = await sender.claim(due, 10)
        await turn_off(client, routine, how)
        await sender.deliver(claimed, due, TickStats())
    elif stage == "main-in-flight":
        # The routine goes while the reminder is on its way to the push service.
        send = sender._send

        async def send_while_turned_off(*args: Any) -> PushOutcome:
            await turn_off(client, routine, how)
            return await send(*args)

        monkeypatch.setattr(sender, "_send", send_while_turned_off)
        await sender.tick(due)
        monkeypatch.undo()
        assert len(push_service.messages_for(sub_id)) == 1  # it was already on its way
    else:
        await sender.tick(due)
        follow_due, _ = await due_of(app, routine, "follow_up")
        claimed = await sender.claim(follow_due, 10)
        assert [c.purpose for c in claimed] == ["follow_up"]
        await turn_off(client, routine, how)
        await sender.deliver(claimed, follow_due, TickStats())
    await sender.tick(due + timedelta(hours=2))
    assert follow_ups(push_service.messages_for(sub_id)) == []
    assert await pending(app, occurrence) == []


# 3. An edit keeps the follow-up of a reminder that was sent and is not done yet.


@pytest.mark.parametrize(
    ("target", "fields", "delay"),
    [
        ("routine", lambda at: {"title": "Sertraline, with breakfast"}, 30),
        ("routine", lambda at: {"times": [at, soon(600)]}, 30),  # one more, the sent one kept
        ("routine", lambda at: {"follow_up_minutes": 45}, 45),  # counted from the reminder
        ("profile", lambda at: {"discreet_notifications": False}, 30),  # re-plans them all
    ],
    ids=["title", "times-added", "delay-changed", "profile"],
)
async def test_an_edit_keeps_the_waiting_follow_up(
    app: Litestar,
    client: httpx.AsyncClient,
    push_service: LocalPushService,
    target: str,
    fields: Callable[[str], dict[str, Any]],
    delay: int,
) -> None:
    await signup(client)
    sub_id = await subscribe(client, push_service)
    at = soon()
    routine = await add_routine(client, at=at, follow_up_minutes=30)
    due, occurrence = await due_of(app, routine)
    await sender_of(app).tick(due)
    assert await pending(app, occurrence) == [("follow_up", due + timedelta(minutes=30))]
    if target == "profile":
        await edit(client, PROFILE, "profile", fields(at))
    else:
        await edit(client, routine, "routine", fields(at))
    assert await pending(app, occurrence) == [("follow_up", due + timedelta(minutes=delay))]
    await sender_of(app).tick(due + timedelta(minutes=delay))
    messages = push_service.messages_for(sub_id)
    assert len(messages) == 2
    assert follow_ups(messages) == [messages[1]]
    assert messages[1].json()["occurrence"] == occurrence


@pytest.mark.parametrize(
    "fields",
    [{"enabled": False}, {"follow_up_minutes": 0}, {"times": [soon(600)]}],
    ids=["disabled", "no-follow-up", "time-moved"],
)
async def test_an_edit_that_makes_the_follow_up_moot_drops_it(
    app: Litestar, client: httpx.AsyncClient, push_service: LocalPushService, fields: dict[str, Any]
) -> None:
    await signup(client)
    sub_id = await subscribe(client, push_service)
    routine = await add_routine(client, follow_up_minutes=30)
    due, occurrence = await due_of(app, routine)
    await sender_of(app).tick(due)
    await edit(client, routine, "routine", fields)
    assert await pending(app, occurrence) == []
    await sender_of(app).tick(due + timedelta(minutes=31))
    assert follow_ups(push_service.messages_for(sub_id)) == []


# 4b. A snooze replaces its follow-up.


async def test_a_snooze_replaces_its_follow_up(
    app: Litestar, client: httpx.AsyncClient, push_service: LocalPushService
) -> None:
    await signup(client)
    sub_id = await subscribe(client, push_service)
    routine = await add_routine(client, follow_up_minutes=30)
    due, occurrence = await due_of(app, routine)
    await sender_of(app).tick(due)
    assert [p for p, _ in await pending(app, occurrence)] == ["follow_up"]
    snoozed = await client.post(
        "/api/v1/reminders/snooze", json={"occurrence": occurrence, "minutes": 15}
    )
    assert snoozed.status_code == 202, snoozed.text
    [(purpose, snooze_due)] = await pending(app, occurrence)
    assert purpose == "snooze"
    # A later edit of the routine must not bring the replaced follow-up back.
    await edit(client, routine, "routine", {"title": "Sertraline, with breakfast"})
    assert await pending(app, occurrence) == [("snooze", snooze_due)]
    await sender_of(app).tick(due + timedelta(minutes=31))
    await sender_of(app).tick(due + timedelta(hours=2))
    messages = push_service.messages_for(sub_id)
    assert [m.json()["occurrence"] for m in messages] == [occurrence, occurrence]  # main, snooze
    assert follow_ups(messages) == []
    rows = await fetch(
        app.state.services.engine,
        "SELECT purpose, state FROM reminder WHERE occurrence = {} ORDER BY id",
        occurrence,
    )
    assert [(r["purpose"], r["state"]) for r in rows] == [("main", "sent"), ("snooze", "sent")]


async def test_a_snooze_while_the_reminder_is_retried_replaces_the_follow_up_to_come(
    app: Litestar, client: httpx.AsyncClient, push_service: LocalPushService
) -> None:
    await signup(client)
    phone = await subscribe(client, push_service)
    laptop = await subscribe(client, push_service)
    push_service.respond_with(laptop, 503, retry_after=120)
    routine = await add_routine(client, follow_up_minutes=30)
    due, occurrence = await due_of(app, routine)
    first = await sender_of(app).tick(due)
    assert (first.sent, first.retried) == (0, 1)
    assert len(push_service.messages_for(phone)) == 1  # shown on the phone, tapped Snooze
    snoozed = await client.post(
        "/api/v1/reminders/snooze", json={"occurrence": occurrence, "minutes": 15}
    )
    assert snoozed.status_code == 202, snoozed.text
    # The retry reaches the laptop later; its follow-up was replaced before it existed.
    await sender_of(app).tick(due + timedelta(minutes=5))
    assert len(push_service.messages_for(laptop)) == 1
    await sender_of(app).tick(due + timedelta(hours=2))
    assert follow_ups(push_service.messages) == []
    assert [p for p, _ in await pending(app, occurrence)] == []
