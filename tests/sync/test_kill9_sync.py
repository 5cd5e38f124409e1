"""kill -9 of the real server while two devices push: nothing acknowledged is lost or doubled.

The server is `python -m backend serve` in its own OS process (started by fork from
tests/support/forkserver.py, which saves the imports). Two simulated devices of one person
(tests/sync/model.py: outbox, HLC, pull and merge as the browser does) push new records and
field edits over HTTP without pause. The server gets SIGKILL at random moments and is
started again; a device whose request died keeps its outbox and sends it again, as the app
does. The oracle, once both devices have synced everything: each change the devices made is
in the history exactly once, every acknowledgement matches the history, and each record
equals last-writer-wins over all changes (Model.check_server).

Cycles: TEND_TEST_KILL_CYCLES (default 20 in CI, 6 elsewhere). Seed: TEND_TEST_KILL_SEED.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import IN_CI, PASSPHRASE
from tests.support.forkserver import Child, ForkServer
from tests.support.live_server import free_port
from tests.sync.model import PROFILE_ID, Device, IdSource, LocalRecord, Model

CYCLES = int(os.environ.get("TEND_TEST_KILL_CYCLES", "20" if IN_CI else "6"))
DEVICE_IDS = ["0190c3e4-7f1a-7b2c-9d3e-00000000d001", "0190c3e4-7f1a-7b2c-9d3e-00000000e002"]
# How long the server runs under traffic before it is killed.
UP_SECONDS = (0.05, 0.6)
MAX_OUTBOX = 24


def server_env(database_url: str, var_dir: Path) -> dict[str, str]:
    """What an operator would put in the environment (deploy/env.example), test-sized."""
    return {
        "TEND_DATABASE_URL": database_url,
        "TEND_VAR_DIR": str(var_dir),
        "TEND_LOG_LEVEL": "warning",
        "TEND_SCHEDULER_ENABLED": "false",
        "TEND_ARGON2_TIME_COST": "1",
        "TEND_ARGON2_MEMORY_KIB": "1024",
        "TEND_DB_POOL_SIZE": "4",
    }


class KillableServer:
    """`python -m backend serve` on a fixed port, killed with SIGKILL and started again."""

    def __init__(self, forks: ForkServer, env: dict[str, str]) -> None:
        self.forks = forks
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.child: Child | None = None
        self.starts = 0

    async def start(self, client: httpx.AsyncClient) -> None:
        self.child = self.forks.start("backend", ["serve", "--port", str(self.port)], self.env)
        self.starts += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.child.wait(0):
                raise AssertionError(f"the server exited with {self.child.exit_code}")
            try:
                if (await client.get(f"{self.url}/api/v1/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.02)
        raise AssertionError("the server did not start in 60 s")

    def kill(self) -> None:
        assert self.child is not None
        self.child.kill()
        assert self.child.exit_code == -9, self.child.exit_code
        self.child = None


@dataclass
class Traffic:
    requests: int = 0
    answered: int = 0
    interrupted: int = 0


def write_something(device: Device, ids: IdSource, rng: random.Random) -> None:
    """One saved edit a person might make: mostly new check-ins and field edits."""
    checkins = sorted(rid for rid, r in device.records.items() if r.kind == "checkin")
    roll = rng.random()
    value = rng.randint(0, 10)
    if roll < 0.3 or not checkins:
        values = {"at": "2026-11-27T08:05:00+01:00", "mood": value, "_created_at": f"t{value}"}
        device.write(ids(), "checkin", values)
    elif roll < 0.85:
        name = rng.choice(["mood", "anxiety", "note"])
        device.write(
            rng.choice(checkins), "checkin", {name: f"n{value}" if name == "note" else value}
        )
    elif roll < 0.93:
        device.write(PROFILE_ID, "profile", {"display_name": f"Alice {value}"})
    else:
        device.write(rng.choice(checkins), "checkin", {"_deleted": rng.random() < 0.7})


async def drive(
    device: Device, ids: IdSource, rng: random.Random, stop: asyncio.Event, traffic: Traffic
) -> None:
    """Write and sync without pause; a request the kill cut off is simply sent again."""
    while not stop.is_set():
        if len(device.outbox) < MAX_OUTBOX:
            for _ in range(rng.randint(1, 3)):
                write_something(device, ids, rng)
        body = device.request_body()
        traffic.requests += 1
        try:
            reply = await device.post(body)
        except httpx.TransportError:
            traffic.interrupted += 1
            await asyncio.sleep(0.02)
            continue
        traffic.answered += 1
        device.receive(body, reply)


@pytest.fixture
async def forks() -> AsyncIterator[ForkServer]:
    with ForkServer() as server:
        yield server


async def test_kill9_mid_sync_loses_and_doubles_nothing(
    database_url: str, tmp_path: Path, forks: ForkServer
) -> None:
    seed = int(os.environ.get("TEND_TEST_KILL_SEED", str(time.time_ns() % 2**32)))
    print(f"TEND_TEST_KILL_SEED={seed} cycles={CYCLES}")
    rng = random.Random(seed)
    server = KillableServer(forks, server_env(database_url, tmp_path / "var"))
    model, ids = Model(), IdSource()
    devices = [
        Device(i, d, model, ids, batch_size=6, pull_limit=50) for i, d in enumerate(DEVICE_IDS)
    ]
    async with httpx.AsyncClient(timeout=5) as probe:
        await server.start(probe)
        try:
            for n, device in enumerate(devices):
                device.client = httpx.AsyncClient(base_url=server.url, timeout=30)
                path = "/api/v1/auth/signup" if n == 0 else "/api/v1/auth/login"
                body = {
                    "username": "alice",
                    "passphrase": PASSPHRASE,
                    "device_id": device.device_id,
                }
                response = await device.client.post(path, json=body)
                assert response.status_code in (200, 201), response.text

            stop = asyncio.Event()
            traffic = Traffic()
            drivers = [
                asyncio.create_task(drive(d, ids, random.Random(rng.random()), stop, traffic))
                for d in devices
            ]
            started = time.monotonic()
            for _ in range(CYCLES):
                await asyncio.sleep(rng.uniform(*UP_SECONDS))
                for task in drivers:
                    if task.done():
                        task.result()  # a driver that failed: its assertion is the report
                server.kill()
                await server.start(probe)
            stop.set()
            await asyncio.gather(*drivers)
            print(f"{CYCLES} kills in {time.monotonic() - started:.1f} s; {traffic}")

            await converge_and_check(devices, model)
            assert traffic.interrupted > 0, "no request was ever cut off by a kill"
            duplicates = sum(1 for ack in model.acks.values() if ack.status == "duplicate")
            print(f"{len(model.writes)} changes, {duplicates} acknowledged only on re-send")
        finally:
            for device in devices:
                if device.client is not None:
                    await device.client.aclose()
            if server.child is not None:
                server.kill()


async def converge_and_check(devices: list[Device], model: Model) -> None:
    for _ in range(2):
        for device in devices:
            await device.sync()
    first = devices[0]
    assert first.client is not None
    server = await first.pull_all()
    for device in devices:
        assert not device.outbox
        local = {
            rid: LocalRecord(r["kind"], r["fields"], r["server_seq"]) for rid, r in server.items()
        }
        assert device.records == local, f"device {device.index} differs from the server"

    stored: Counter[str] = Counter()
    for rid in sorted(model.record_ids()):
        response = await first.client.get(f"/api/v1/records/{rid}/history")
        assert response.status_code == 200, (rid, response.text)
        entries: list[dict[str, Any]] = response.json()
        stored.update(entry["change_id"] for entry in entries)
        model.absorb_history(rid, entries, final=True)
    doubled = {cid: n for cid, n in stored.items() if n > 1}
    assert not doubled, f"changes stored more than once: {doubled}"
    # Every change a device made was acknowledged in the end, and is stored exactly once.
    assert set(model.acks) == set(model.writes)
    assert set(stored) == set(model.writes), set(model.writes) ^ set(stored)
    model.check_server(server)

    export = await first.client.get("/api/v1/account/export")
    assert export.status_code == 200, export.text
    exported = {r["id"]: r for r in export.json()["records"]}
    assert exported == server
