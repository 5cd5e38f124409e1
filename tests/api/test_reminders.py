"""Reminders end to end on the server: routines -> schedule -> claim -> Web Push delivery."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.db import fetch
from backend.reminders.sender import CLAIM_TIMEOUT, ReminderSender
from tests.api.sync_helpers import DEVICE, change, sync
from tests.conftest import signup
from tests.support.push_service import LocalPushService

PROFILE = "00000000-0000-0000-0000-000000000001"


@pytest.fixture
def push_service() -> Iterator[LocalPushService]:
    with LocalPushService() as service:
        yield service


async def subscribe(client: httpx.AsyncClient, push_service: LocalPushService) -> str:
    sub = push_service.new_subscription()
    response = await client.post(
        "/api/v1/push/subscriptions",
        json={
            "endpoint": sub.endpoint,
            "keys": {"p256dh": sub.p256dh, "auth": sub.auth},
            "device_id": DEVICE,
        },
    )
    assert response.status_code == 201, response.text
    return sub.id


def soon(minutes: int = 2) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%H:%M")


async def add_medication(client: httpx.AsyncClient, name: str = "Sertraline") -> str:
    mid = str(uuid.uuid4())
    await sync(client, [change(mid, {"name": name, "dose": 100, "unit": "mg"}, kind="medication")])
    return mid


async def add_routine(
    client: httpx.AsyncClient,
    *,
    kind: str = "medication",
    title: str = "Sertraline morning",
    at: str | None = None,
    **fields: Any,
) -> str:
    rid = str(uuid.uuid4())
    values = {"kind": kind, "title": title, "times": [at or soon()], "tz": "UTC", **fields}
    body = await sync(client, [change(rid, values, kind="routine")])
    assert body["results"][0]["status"] == "applied", body
    return rid


async def due_of(app: Litestar, routine_id: str, purpose: str = "main") -> tuple[datetime, str]:
    rows = await fetch(
        app.state.services.engine,
        "SELECT due_at, occurrence FROM reminder WHERE"
        " routine_id = {} AND purpose = {} ORDER BY due_at LIMIT 1",
        uuid.UUID(routine_id),
        purpose,
    )
    assert rows, "no reminder was planned"
    return rows[0]["due_at"], rows[0]["occurrence"]


def sender_of(app: Litestar) -> ReminderSender:
    sender: ReminderSender = app.state.services.reminders().sender
    return sender


async def test_push_key_and_subscription_rules(
    app: Litestar, client: httpx.AsyncClient, push_service: LocalPushService
) -> None:
    key = (await client.get("/api/v1/push/key")).json()["public_key"]
    assert len(key) == 87  # base64url of a 65-byte uncompressed P-256 point
    await signup(client)
    sub = push_service.new_subscription()
    base = {"keys": {"p256dh": sub.p256dh, "auth": sub.auth}, "device_id": DEVICE}
    plain = await client.post(
        "/api/v1/push/subscriptions", json={**base, "endpoint": "http://push.example/x"}
    )
    assert plain.status_code == 400
    assert plain.json()["code"] == "invalid-endpoint"
    bad_keys = await client.post(
        "/api/v1/push/subscriptions",
        json={**base, "endpoint": sub.endpoint, "keys": {"p256dh": "abc", "auth": sub.auth}},
    )
    assert bad_keys.json()["code"] == "invalid-subscription-keys"
    assert (
        await client.post("/api/v1/push/subscriptions", json={**base, "endpoint": sub.endpoint})
    ).status_code == 201
    # Re-posting on every app start is an upsert, not a second subscription.
    assert (
        await client.post("/api/v1/push/subscriptions", json={**base, "endpoint": sub.endpoint})
    ).status_code == 201
    rows = await fetch(
        app.state.services.engine,
        "SELECT COUNT(*) AS n FROM push_subscription",
    )
    assert int(rows[0]["n"]) == 1
    gone = await client.request(
        "DELETE", "/api/v1/push/subscriptions", json={"endpoint": sub.endpoint}
    )
    assert gone.status_code == 204


async def test_due_reminder_is_delivered_once_and_discreetly(
    app: Litestar, client: httpx.AsyncClient, push_service: LocalPushService
) -> None:
    await signup(client)
    sub_id = await subscribe(client, push_service)
    medication = await add_medication(client, "Sertraline")
    routine = await add_routine(client, medication_id=medication, title="Sertraline 100mg")
    due, occurrence = await due_of(app, routine)
    early = await sender_of(app).tick(due - timedelta(seconds=1))
    assert early.sent == 0
    stats = await sender_of(app).tick(due + timedelta(seconds=1))
    assert stats.sent == 1
    assert (await sender_of(app).tick(due + timedelta(seconds=20))).sent == 0
    [message] = push_service.messages_for(sub_id)
    payload = message.json()
    assert payload["occurrence"] == occurrence
    assert payload["kind"] == "medication"
    assert [a["action"] for a in payload["actions"]] == ["taken", "snooze"]
    raw = message.plaintext.decode().lower()
    assert "sertraline" not in raw  # neither the drug nor the routine title
    assert payload["body"].startswith("Time for your ")
    assert message.urgency == "high"
    assert message.claims["aud"] == push_service.origin  # includes the port


async def test_turning_discreet_mode_off_names_the_medication(
    app: Litestar, client: httpx.AsyncClient, push_service: LocalPushService
) -> None:
    await signup(client)
    sub_id = await subscribe(client, push_service)
    await sync(client, [change(PROFILE, {"discreet_notifications": False}, kind="profile")])
    medication = await add_medication(client, "Lithium")
    routine = await add_routine(client, medication_id=medication)
    due, _ = await due_of(app, routine)
    await sender_of(app).tick(due)
    [message] = push_service.messages_for(sub_id)
    assert "Lithium" in message.json()["body"]


async def test_a_logged_dose_suppresses_its_reminder(
    app: Litestar, client: httpx.AsyncClient, push_service: LocalPushService
) -> None:
    await signup(client)
    await subscribe(client, push_service)
    medication = await add_medication(client)
    routine = await add_routine(client, medication_id=medication)
    due, occurrence = await due_of(app, routine)
    await sync(
        client,
        [
            change(
                str(uuid.uuid4()),
                {
                    "medication_id": medication,
                    "at": "2026-11-27T08:01:00+00:00",
                    "status": "taken",
                    "routine_id": routine,
                    "occurrence": occurrence,
                },
                kind="dose",
            )
        ],
    )
    stats = await sender_of(app).tick(due + timedelta(seconds=5))
    assert (stats.sent, stats.skipped) == (0, 1)
    assert push_service.messages == []


async def test_follow_up_once_when_not_done(
    app: Litestar, client: httpx.AsyncClient, push_service: LocalPushService
) -> None:
    await signup(client)
    sub_id = await subscribe(client, push_service)
    routine = await add_routine(client, follow_up_minutes=30)
    due, _ = await due_of(app, routine)
    await sender_of(app).tick(due)
    follow_due, _ = await due_of(app, routine, "follow_up")
    assert follow_due == due + timedelta(minutes=30)
    await sender_of(app).tick(follow_due)
    await sender_of(app).tick(follow_due + timedelta(minutes=40))
    bodies = [m.json()["body"] for m in push_service.messages_for(sub_id)]
    assert len(bodies) == 2
    assert bodies[1].startswith("Still to do")


async def test_quiet_hours_delay_non_medication_reminders(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    await signup(client)
    await sync(
        client,
        [
            change(
                PROFILE, {"tz": "UTC", "quiet_start": "22:00", "quiet_end": "07:00"}, kind="profile"
            )
        ],
    )
    movement = await add_routine(client, kind="movement", title="Walk", at="23:30")
    pills = await add_routine(client, kind="medication", title="Night pills", at="23:30")
    move_due, _ = await due_of(app, movement)
    pill_due, _ = await due_of(app, pills)
    assert (pill_due.hour, pill_due.minute) == (23, 30)
    assert (move_due.hour, move_due.minute) == (7, 0)
    assert move_due - pill_due == timedelta(hours=7, minutes=30)


async def test_gone_subscription_is_removed(
    app: Litestar, client: httpx.AsyncClient, push_service: LocalPushService
) -> None:
    await signup(client)
    sub_id = await subscribe(client, push_service)
    push_service.respond_with(sub_id, 410)
    routine = await add_routine(client)
    due, _ = await due_of(app, routine)
    stats = await sender_of(app).tick(due)
    assert stats.gone == 1
    rows = await fetch(app.state.services.engine, "SELECT COUNT(*) AS n FROM push_subscription")
    assert int(rows[0]["n"]) == 0


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_throttled_or_failing_push_service_is_retried(
    app: Litestar, client: httpx.AsyncClient, push_service: LocalPushService, status: int
) -> None:
    await signup(client)
    sub_id = await subscribe(client, push_service)
    push_service.respond_with(sub_id, status, retry_after=120)
    routine = await add_routine(client)
    due, _ = await due_of(app, routine)
    first = await sender_of(app).tick(due)
    assert (first.sent, first.retried) == (0, 1)
    # Retry-After is honoured: nothing is sent again before two minutes have passed.
    assert (await sender_of(app).tick(due + timedelta(seconds=60))).sent == 0
    later = await sender_of(app).tick(due + timedelta(minutes=5))
    assert later.sent == 1
    assert len(push_service.messages_for(sub_id)) == 1


async def test_a_crashed_claimer_is_taken_over_without_doubling(
    app: Litestar, client: httpx.AsyncClient, push_service: LocalPushService
) -> None:
    await signup(client)
    phone = await subscribe(client, push_service)
    laptop = await subscribe(client, push_service)
    routine = await add_routine(client)
    due, _ = await due_of(app, routine)
    crashed = ReminderSender(
        app.state.services.engine,
        app.state.services.vapid(),
        "mailto:ops@example.org",
        sender_of(app).client,
        claimer="crashed",
    )
    [claimed] = await crashed.claim(due, 10)  # claimed, then the process died
    # It had delivered to the phone (and recorded it) before dying.
    await fetch(
        app.state.services.engine,
        "INSERT INTO delivery (reminder_id, subscription_id, status, at)"
        " SELECT {}, id, 'sent', {} FROM push_subscription WHERE endpoint LIKE {}",
        claimed.id,
        due,
        f"%{phone}",
    )
    assert (await sender_of(app).tick(due + timedelta(minutes=1))).sent == 0  # still claimed
    stats = await sender_of(app).tick(due + CLAIM_TIMEOUT + timedelta(seconds=5))
    assert stats.sent == 1
    assert len(push_service.messages_for(laptop)) == 1
    assert push_service.messages_for(phone) == []  # not sent twice


async def test_a_stopping_server_gives_back_its_claims_at_once(
    app: Litestar, client: httpx.AsyncClient, push_service: LocalPushService
) -> None:
    await signup(client)
    phone = await subscribe(client, push_service)
    routine = await add_routine(client)
    due, _ = await due_of(app, routine)
    stopping = ReminderSender(
        app.state.services.engine,
        app.state.services.vapid(),
        "mailto:ops@example.org",
        sender_of(app).client,
        claimer="stopping",
    )
    [claimed] = await stopping.claim(due, 10)  # claimed, then the server was told to stop
    assert await stopping.release_claims() == 1
    assert await stopping.release_claims() == 0
    # Another process sends it within the minute, not after CLAIM_TIMEOUT, and only once.
    stats = await sender_of(app).tick(due + timedelta(minutes=1))
    assert stats.sent == 1
    assert len(push_service.messages_for(phone)) == 1
    [row] = await fetch(
        app.state.services.engine, "SELECT attempts FROM reminder WHERE id = {}", claimed.id
    )
    assert row["attempts"] == 1, "the given-back claim is not counted as an attempt"


async def test_snooze_and_test_endpoints(
    app: Litestar, client: httpx.AsyncClient, push_service: LocalPushService
) -> None:
    await signup(client)
    assert (await client.post("/api/v1/push/test")).status_code == 404  # nothing subscribed
    sub_id = await subscribe(client, push_service)
    test = await client.post("/api/v1/push/test")
    assert test.status_code == 202
    assert push_service.messages_for(sub_id)[0].json()["kind"] == "test"
    routine = await add_routine(client)
    _, occurrence = await due_of(app, routine)
    unknown = await client.post(
        "/api/v1/reminders/snooze", json={"occurrence": "nope", "minutes": 15}
    )
    assert unknown.status_code == 404
    snoozed = await client.post(
        "/api/v1/reminders/snooze", json={"occurrence": occurrence, "minutes": 15}
    )
    assert snoozed.status_code == 202
    rows = await fetch(
        app.state.services.engine, "SELECT due_at FROM reminder WHERE purpose = 'snooze'"
    )
    assert abs(rows[0]["due_at"] - (datetime.now(UTC) + timedelta(minutes=15))) < timedelta(
        seconds=30
    )


async def test_a_person_with_no_device_set_up_is_not_counted_as_reminded(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    await signup(client)
    routine = await add_routine(client)
    due, _ = await due_of(app, routine)
    stats = await sender_of(app).tick(due)
    assert (stats.sent, stats.skipped) == (0, 1)
    rows = await fetch(
        app.state.services.engine,
        "SELECT state FROM reminder WHERE purpose = 'main' AND due_at = {}",
        due,
    )
    assert [r["state"] for r in rows] == ["skipped"]
    follow_ups = await fetch(
        app.state.services.engine, "SELECT COUNT(*) AS n FROM reminder WHERE purpose = 'follow_up'"
    )
    assert int(follow_ups[0]["n"]) == 0
