"""kill -9 of the reminder sender mid-delivery: no reminder lost, none re-sent once recorded.

Several people with one or two push subscriptions each have routines due. A sender process
(tests/support/scheduler_proc.py: one `ReminderSender.tick` at an explicit `now`, the code
the API loop runs) gets SIGKILL at random moments: after its k-th push reached the local
push service (which records a push before it answers, a little late, so that a kill lands
between "accepted" and "recorded"), or after a random time. The next sender starts with the
clock moved past CLAIM_TIMEOUT, as another API process would reclaim a dead one's rows.

What sender.py promises, and what this asserts:
- nothing is lost: every due reminder ends `sent`, with a `delivery` row and a message at
  the push service for each subscription of its person (transient 500/429 answers are
  retried with backoff in between);
- at most once per claim: one sender process never sends a (reminder, subscription) twice;
- once a delivery is recorded it is never sent again, whoever claims the row later.
Exactly once is not possible at the push-service boundary: a sender killed after the push
service accepted a message but before its `delivery` row committed (the rows of one claim
batch commit together, after every push of the batch has answered) leaves no trace of it,
and the next claimer sends it again. The test counts those doubles and checks that each
is exactly that case, and that the copy carries the same Topic (a push service replaces a
still-queued older message; the service worker shows both under one notification tag).

Kills: TEND_TEST_REMINDER_KILL_CYCLES (default 20 in CI, 6 elsewhere). Seed: TEND_TEST_KILL_SEED.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.db import fetch
from backend.reminders.sender import CLAIM_TIMEOUT, MAX_ATTEMPTS
from tests.api.sync_helpers import change, sync
from tests.conftest import IN_CI, http_client, signup
from tests.support.forkserver import Child, ForkServer
from tests.support.push_service import LocalPushService, ReceivedMessage

CYCLES = int(os.environ.get("TEND_TEST_REMINDER_KILL_CYCLES", "20" if IN_CI else "6"))
PEOPLE = 4
# Routines per person at the start; one more each whenever a sender would find nothing due.
# Medication (with a 30-minute follow-up) and custom alternate.
FIRST_WAVE = 4
BATCH = 3  # rows per claim: a sender makes several claims, so kills land between them too
REFUSALS = (429, 500, 503)  # transient: retried with backoff
STEP = CLAIM_TIMEOUT + timedelta(seconds=1)
# Reminders the run is about: today's; the planner also holds tomorrow's, 24 h later.
SCOPE = timedelta(hours=12)

Pair = tuple[int, int]  # (reminder id, subscription id)


class LatePushService(LocalPushService):
    """Records each push first and answers it 5-40 ms later (a real service is slower)."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.rng = random.Random(seed)

    async def _asgi(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        async def late_send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                await asyncio.sleep(self.rng.uniform(0.005, 0.04))
            await send(message)

        await super()._asgi(scope, receive, late_send)


@dataclass
class Run:
    """One sender process: its clock, how it ended, what reached the push service meanwhile."""

    now: datetime
    killed: bool = False
    messages: list[ReceivedMessage] = field(default_factory=list)
    recorded_after: set[Pair] = field(default_factory=set)


@pytest.fixture
async def forks() -> AsyncIterator[ForkServer]:
    with ForkServer() as server:
        yield server


class People:
    """A few people with one or two push subscriptions each, who add routines as they go."""

    def __init__(self, app: Litestar) -> None:
        self.app = app
        self.clients: list[httpx.AsyncClient] = []
        self.devices: list[str] = []
        self.shared_subs: list[str] = []  # of people with two devices
        self.routines = 0
        self.medication: set[str] = set()  # routine ids

    async def sign_up(self, push: LocalPushService) -> None:
        for p in range(PEOPLE):
            client = http_client(self.app)
            self.clients.append(client)
            await signup(client, f"person{p}")
            self.devices.append(str(uuid.uuid4()))
            for _ in range(1 + p % 2):
                sub = push.new_subscription()
                response = await client.post(
                    "/api/v1/push/subscriptions",
                    json={
                        "endpoint": sub.endpoint,
                        "keys": {"p256dh": sub.p256dh, "auth": sub.auth},
                        "device_id": self.devices[p],
                    },
                )
                assert response.status_code == 201, response.text
                if p % 2:
                    self.shared_subs.append(sub.id)

    async def add_wave(self, at: datetime, per_person: int) -> None:
        """Each person adds routines for the minute of `at` (the planner works in wall time,
        so a minute up to REPLAN_GRACE before the real clock is still planned)."""
        for client, device in zip(self.clients, self.devices, strict=True):
            routines = []
            for _ in range(per_person):
                medication = self.routines % 2 == 0
                self.routines += 1
                routine_id = str(uuid.uuid4())
                if medication:
                    self.medication.add(routine_id)
                values = {
                    "kind": "medication" if medication else "custom",
                    "title": f"Routine {self.routines}",
                    "times": [at.strftime("%H:%M")],
                    "tz": "UTC",
                }
                routines.append(change(routine_id, values, kind="routine"))
            body = await sync(client, routines, device=device)
            assert {r["status"] for r in body["results"]} == {"applied"}, body

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


async def deliveries(app: Litestar) -> set[Pair]:
    rows = await fetch(
        app.state.services.engine, "SELECT reminder_id, subscription_id FROM delivery"
    )
    return {(int(r["reminder_id"]), int(r["subscription_id"])) for r in rows}


async def unfinished(app: Litestar, until: datetime) -> int:
    rows = await fetch(
        app.state.services.engine,
        "SELECT COUNT(*) AS n FROM reminder WHERE state IN ('pending', 'sending') AND due_at <= {}",
        until,
    )
    return int(rows[0]["n"])


async def due_now(app: Litestar, now: datetime) -> int:
    """Rows a sender starting at `now` would claim."""
    rows = await fetch(
        app.state.services.engine,
        "SELECT COUNT(*) AS n FROM reminder WHERE (state = 'pending' AND due_at <= {})"
        " OR (state = 'sending' AND claimed_at < {})",
        now,
        now - CLAIM_TIMEOUT,
    )
    return int(rows[0]["n"])


def wait_for_kill_moment(
    child: Child, push: LocalPushService, rng: random.Random, base: int
) -> None:
    """Block until the moment to kill: after the k-th new push arrived, or after t seconds."""
    if rng.random() < 0.6:
        target = base + rng.randint(1, 2 * BATCH)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not child.wait(0):
            try:
                push.wait_for_messages(target, timeout=0.01)
                return
            except TimeoutError:
                continue
    else:
        child.wait(rng.uniform(0.0, 0.8))


def refusals(push: LocalPushService, sub: str) -> int:
    """Refusals the push service has answered `sub` with so far."""
    return sum(1 for s, status in push.answers if s == sub and status in REFUSALS)


def settle(push: LocalPushService) -> None:
    """Let requests a killed sender had fully sent finish at the push service."""
    count = -1
    while count != len(push.answers):
        count = len(push.answers)
        time.sleep(0.1)


async def test_kill9_mid_delivery_loses_nothing_and_never_resends_a_recorded_delivery(
    app: Litestar, database_url: str, tmp_path: Path, forks: ForkServer
) -> None:
    seed = int(os.environ.get("TEND_TEST_KILL_SEED", str(time.time_ns() % 2**32)))
    print(f"TEND_TEST_KILL_SEED={seed} cycles={CYCLES}")
    rng = random.Random(seed)
    with LatePushService(seed) as push:
        people = People(app)
        try:
            await people.sign_up(push)
            runs = await kill_and_restart(app, database_url, tmp_path, forks, push, people, rng)
            await check(app, push, runs, people)
        finally:
            await people.close()


async def kill_and_restart(
    app: Litestar,
    database_url: str,
    tmp_path: Path,
    forks: ForkServer,
    push: LocalPushService,
    people: People,
    rng: random.Random,
) -> list[Run]:
    """Run senders, killing CYCLES of them mid-work; then let them finish what is left."""
    now = datetime.now(UTC)
    scope_end = now + SCOPE
    await people.add_wave(now, FIRST_WAVE)
    key_file = str(app.state.services.settings.vapid_key_path)
    runs: list[Run] = []
    refused: dict[str, int] = {}  # refusals scripted per subscription
    while True:
        may_kill = sum(run.killed for run in runs) < CYCLES
        if may_kill:
            if not await due_now(app, now):
                await people.add_wave(now, 1)
        elif not await unfinished(app, scope_end):
            return runs
        assert len(runs) < 3 * CYCLES + 40, "reminders still unfinished: is a dead claim reclaimed?"
        sub = rng.choice(people.shared_subs)
        if may_kill and rng.random() < 0.5 and refused.get(sub, 0) == refusals(push, sub):
            # A transient refusal for one device of a two-device person: the other device's
            # copy is recorded, this one retried later with backoff (and only this one).
            # One at a time, so that no reminder runs out of attempts on refusals alone.
            push.respond_with(sub, rng.choice(REFUSALS), rng.choice([None, 30]))
            refused[sub] = refused.get(sub, 0) + 1
        run = Run(now)
        base = len(push.messages)
        out = tmp_path / f"run{len(runs)}.json"
        child = forks.start(
            "tests.support.scheduler_proc",
            [database_url, key_file, now.isoformat(), f"run-{len(runs)}", str(BATCH)],
            {},
            stdout=out,
        )
        if may_kill:
            wait_for_kill_moment(child, push, rng, base)
        if child.wait(0 if may_kill else 60):
            assert child.exit_code == 0, f"sender run {len(runs)} failed"
            assert json.loads(out.read_text())["claimed"] >= 0
        else:
            assert may_kill, f"sender run {len(runs)} did not finish in 60 s"
            child.kill()
            run.killed = True
        settle(push)
        run.messages = push.messages[base:]
        run.recorded_after = await deliveries(app)
        runs.append(run)
        now += STEP


async def check(app: Litestar, push: LocalPushService, runs: list[Run], people: People) -> None:
    engine = app.state.services.engine
    subs = {
        r["endpoint"].rsplit("/", 1)[1]: (int(r["id"]), r["user_id"])
        for r in await fetch(engine, "SELECT id, user_id, endpoint FROM push_subscription")
    }
    reminders = await fetch(
        engine,
        "SELECT id, user_id, routine_id, occurrence, purpose, state, attempts FROM reminder"
        " WHERE due_at <= {}",
        runs[0].now + SCOPE,
    )
    by_key = {(r["user_id"], r["occurrence"], r["purpose"]): r for r in reminders}
    mains = [r for r in reminders if r["purpose"] == "main"]
    follow_ups = [r for r in reminders if r["purpose"] == "follow_up"]
    assert len(mains) == people.routines
    # One follow-up per medication reminder sent (a failed one has none).
    sent_medication = [
        r for r in mains if r["state"] == "sent" and str(r["routine_id"]) in people.medication
    ]
    assert len(follow_ups) == len(sent_medication)
    failed = [r for r in reminders if r["state"] == "failed"]
    # Given up only after MAX_ATTEMPTS claims ending in a refusal: recorded, not lost.
    assert all(r["attempts"] >= MAX_ATTEMPTS for r in failed), failed
    assert {r["state"] for r in reminders} <= {"sent", "failed"}, [
        (r["occurrence"], r["purpose"], r["state"], r["attempts"])
        for r in reminders
        if r["state"] not in ("sent", "failed")
    ]

    def pairs(rows: list[dict[str, Any]]) -> set[Pair]:
        return {
            (int(r["id"]), sub_id)
            for r in rows
            for sub_id, owner in subs.values()
            if owner == r["user_id"]
        }

    expected = pairs([r for r in reminders if r["state"] == "sent"])
    maybe = pairs(failed)
    recorded = runs[-1].recorded_after
    assert expected <= recorded <= expected | maybe, (expected - recorded, recorded - expected)
    statuses = await fetch(engine, "SELECT DISTINCT status FROM delivery")
    assert [s["status"] for s in statuses] == ["sent"]

    sent_in: dict[Pair, list[int]] = defaultdict(list)
    topics: dict[Pair, set[str | None]] = defaultdict(set)
    for index, run in enumerate(runs):
        for message in run.messages:
            sub_id, owner = subs[message.subscription_id]
            payload = message.json()
            purpose = "follow_up" if payload["body"].startswith("Still to do") else "main"
            reminder = by_key.get((owner, payload["occurrence"], purpose))
            assert reminder is not None, f"a push nobody was due: {payload}"
            pair = (int(reminder["id"]), sub_id)
            sent_in[pair].append(index)
            topics[pair].add(message.topic)
    assert expected <= set(sent_in), "a due reminder never reached a subscription"
    assert set(sent_in) <= expected | maybe

    doubles = 0
    for pair, indexes in sent_in.items():
        assert len(indexes) == len(set(indexes)), f"{pair} sent twice by one sender: {indexes}"
        for earlier in indexes[:-1]:
            doubles += 1
            # The only way to a second copy: the sender died before recording the first.
            where = f"(reminder, subscription) {pair} pushed by sender runs {indexes}"
            assert runs[earlier].killed, f"{where}: run {earlier} finished, yet sent it again"
            assert pair not in runs[earlier].recorded_after, f"{where}: re-sent once recorded"
        recorded_at = next((i for i, run in enumerate(runs) if pair in run.recorded_after), None)
        if recorded_at is None:
            # Only a reminder given up on: its copies all went out from senders that died.
            assert pair in maybe and all(runs[i].killed for i in indexes), (pair, indexes)
        else:
            assert indexes[-1] <= recorded_at, f"{pair} re-sent once recorded: {indexes}"
        assert len(topics[pair]) == 1, topics[pair]
    killed = sum(run.killed for run in runs)
    print(
        f"{len(runs)} sender runs ({killed} killed), {len(expected)} deliveries due"
        f" ({len(failed)} reminders failed after {MAX_ATTEMPTS} attempts),"
        f" {sum(map(len, sent_in.values()))} pushes, {doubles} sent again after a kill"
        " between push and record"
    )
    assert killed == CYCLES
