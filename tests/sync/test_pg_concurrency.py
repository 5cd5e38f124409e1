"""Concurrent pushes for one person on PostgreSQL while another device pulls (sync.md)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.api.sync_helpers import change, envelope, hlc_at
from tests.conftest import PASSPHRASE, http_client, signup

pytestmark = pytest.mark.postgres_only

PUSHERS = 8
REQUESTS = 25
CREATES_PER_REQUEST = 3
AT = "2026-11-27T08:05:00+01:00"


def _device(n: int) -> str:
    return f"0190c3e4-7f1a-7b2c-9d3e-{n:012x}"


async def _signed_in(app: Litestar, n: int) -> httpx.AsyncClient:
    client = http_client(app)
    body = {"username": "alice", "passphrase": PASSPHRASE, "device_id": _device(n)}
    response = await client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    return client


async def _post(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/v1/sync", json=body)
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


async def _pusher(client: httpx.AsyncClient, n: int) -> dict[str, int]:
    """25 requests of 3 new check-ins plus an edit of this device's previous check-in."""
    device = _device(n)
    moods: dict[str, int] = {}
    seqs: dict[str, int] = {}
    previous: str | None = None
    for i in range(REQUESTS):
        changes = []
        for j in range(CREATES_PER_REQUEST):
            rid = str(uuid.uuid4())
            moods[rid] = (i + j) % 11
            changes.append(change(rid, {"at": AT, "mood": moods[rid]}, hlc=hlc_at(device=device)))
        if previous is not None:
            moods[previous] = 10 - moods[previous]
            edit = change(
                previous,
                {"mood": moods[previous]},
                base_seq=seqs[previous],
                hlc=hlc_at(counter=1, device=device),
            )
            changes.append(edit)
        reply = await _post(client, envelope(changes, device=device, cursor=0, pull_limit=1))
        assert [r["status"] for r in reply["results"]] == ["applied"] * len(changes), reply
        for result in reply["results"]:
            seqs[result["record_id"]] = result["server_seq"]
        previous = changes[0]["record_id"]
    return moods


async def _puller(
    client: httpx.AsyncClient, done: asyncio.Event, seen: dict[str, dict[str, Any]]
) -> int:
    """Pull from its own cursor, as a device does, until the pushers finished and it caught up."""
    cursor = 0
    epoch = None
    while True:
        finished = done.is_set()
        body = envelope([], device=_device(0), cursor=cursor, epoch=epoch, pull_limit=37)
        reply = await _post(client, body)
        assert reply["reset"] is None, reply
        seqs = [r["server_seq"] for r in reply["records"]]
        assert seqs == sorted(set(seqs)) and all(s > cursor for s in seqs), (cursor, seqs)
        for record in reply["records"]:
            seen[record["id"]] = record
        cursor, epoch = int(reply["next_cursor"]), reply["epoch"]
        if finished and not reply["has_more"]:
            return cursor
        if not reply["records"]:
            await asyncio.sleep(0.005)


async def test_concurrent_pushes_while_pulling_lose_nothing(
    app: Litestar, backend_name: str
) -> None:
    assert backend_name == "postgres"
    owner = http_client(app)
    await signup(owner, "alice", device_id=_device(0))
    pushers = [await _signed_in(app, n) for n in range(1, PUSHERS + 1)]
    done = asyncio.Event()
    seen: dict[str, dict[str, Any]] = {}

    async def push_all() -> list[dict[str, int]]:
        try:
            return await asyncio.gather(*(_pusher(c, n + 1) for n, c in enumerate(pushers)))
        finally:
            done.set()

    moods_per_device, cursor = await asyncio.gather(push_all(), _puller(owner, done, seen))
    expected = {rid: mood for moods in moods_per_device for rid, mood in moods.items()}
    assert len(expected) == PUSHERS * REQUESTS * CREATES_PER_REQUEST
    # Every record, each in its last version, reached the puller through its cursor alone.
    assert set(seen) == set(expected)
    assert {rid: r["fields"]["mood"]["v"] for rid, r in seen.items()} == expected
    status = (await owner.get("/api/v1/sync/status")).json()
    assert cursor == status["max_seq"]
    fresh = await _post(owner, envelope([], device=_device(0), cursor=0, pull_limit=1000))
    assert {r["id"]: r["server_seq"] for r in fresh["records"]} == {
        rid: r["server_seq"] for rid, r in seen.items()
    }
    for client in [owner, *pushers]:
        await client.aclose()
