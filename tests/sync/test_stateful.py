"""Stateful test of sync: three devices of one person against the real app (sync.md).

Model choice for clock skew: devices' clocks are right, behind (10 min, 1 day), ahead within
the 5-minute limit (4 min) or beyond it (10 min, 1 day). The model reads each change's
effective HLC back from GET /records/{id}/history (the clamp keeps the original in
`original_hlcs`), so it predicts exactly even when HLCs were replaced.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import sys
import uuid
from collections.abc import Awaitable, Coroutine
from contextlib import AbstractAsyncContextManager, closing
from pathlib import Path
from typing import Any, Protocol, TypeVar

import asyncpg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from litestar import Litestar
from piccolo.table import sort_table_classes

from backend.app import create_app
from backend.piccolo_app import TABLES
from backend.sync.store import rotate_epochs
from tests.conftest import PASSPHRASE, http_client, make_test_settings, truncate_all
from tests.sync.model import PROFILE_ID, Device, IdSource, LocalRecord, Model

T = TypeVar("T")
MINUTE = 60_000
DEVICE_IDS = [
    "0190c3e4-7f1a-7b2c-9d3e-00000000a001",
    "0190c3e4-7f1a-7b2c-9d3e-00000000b002",
    "0190c3e4-7f1a-7b2c-9d3e-00000000c003",
]
DEVICES = st.integers(0, len(DEVICE_IDS) - 1)
PICK = st.integers(0, 30)
VALUE = st.integers(0, 10)
MAX_RESTARTS = 2
CLOCK_OFFSETS = [0, -10 * MINUTE, -24 * 60 * MINUTE, 4 * MINUTE, 10 * MINUTE, 24 * 60 * MINUTE]

SETTINGS = settings(
    max_examples=int(os.environ.get("TEND_TEST_STATEFUL_EXAMPLES", "100")),
    stateful_step_count=50,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Database(Protocol):
    """A fresh database per example, plus backup and restore of all of it."""

    async def fresh(self) -> str: ...
    async def backup(self) -> None: ...
    async def restore(self) -> None: ...
    def discard(self) -> None: ...


class SqliteDatabase:
    def __init__(self, template: Path, directory: Path) -> None:
        self.template = template
        self.path = directory / "stateful.sqlite3"
        self.saved: sqlite3.Connection | None = None

    async def fresh(self) -> str:
        self.discard()
        shutil.copyfile(self.template, self.path)
        return f"sqlite:///{self.path}"

    async def backup(self) -> None:
        # The backup API copies a consistent state, WAL included, from a live database.
        if self.saved is not None:
            self.saved.close()
        self.saved = sqlite3.connect(":memory:")
        with closing(sqlite3.connect(self.path)) as live:
            live.backup(self.saved)

    async def restore(self) -> None:
        assert self.saved is not None
        with closing(sqlite3.connect(self.path)) as live:
            self.saved.backup(live)

    def discard(self) -> None:
        if self.saved is not None:
            self.saved.close()
            self.saved = None
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


class PostgresDatabase:
    """Backup = every row of every table in memory; restore = truncate and COPY them back."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.tables = [t._meta.tablename for t in sort_table_classes(list(TABLES))]
        self.saved: dict[str, tuple[list[str], list[tuple[Any, ...]]]] | None = None

    async def fresh(self) -> str:
        self.discard()
        await truncate_all(self.url)
        return self.url

    async def backup(self) -> None:
        connection = await asyncpg.connect(self.url)
        try:
            saved = {}
            async with connection.transaction(isolation="repeatable_read"):
                for table in self.tables:
                    rows = await connection.fetch(f'SELECT * FROM "{table}"')
                    columns = list(rows[0].keys()) if rows else []
                    saved[table] = (columns, [tuple(row.values()) for row in rows])
            self.saved = saved
        finally:
            await connection.close()

    async def restore(self) -> None:
        assert self.saved is not None
        connection = await asyncpg.connect(self.url)
        try:
            async with connection.transaction():
                names = ", ".join(f'"{t}"' for t in self.tables)
                await connection.execute(f"TRUNCATE {names} CASCADE")
                for table in self.tables:
                    columns, rows = self.saved[table]
                    if rows:
                        await connection.copy_records_to_table(table, records=rows, columns=columns)
        finally:
            await connection.close()

    def discard(self) -> None:
        self.saved = None


class SyncMachine(RuleBasedStateMachine):
    database: Database

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.model = Model()
        self.ids = IdSource()
        self.devices = [Device(i, d, self.model, self.ids) for i, d in enumerate(DEVICE_IDS)]
        self.app: Litestar | None = None
        self.lifespan: AbstractAsyncContextManager[None] | None = None
        self.has_backup = False
        self.restarts = 0
        self.restores = 0
        self.checked_at = 0
        self.edits = 0
        try:
            self.url = self.run(self.database.fresh())
            self.run(self._start_app())
            self.user_id = self.run(self._sign_in())
        except BaseException:
            self._dispose()
            raise

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    async def _start_app(self) -> None:
        app = create_app(make_test_settings(self.url))
        lifespan = app.state.lifespan(app)
        await lifespan.__aenter__()
        self.app, self.lifespan = app, lifespan
        for device in self.devices:
            old = device.client
            # A new client on the new app, keeping the device's session cookie.
            device.client = http_client(app)
            if old is not None:
                device.client.cookies = old.cookies
                await old.aclose()

    async def _stop_app(self) -> None:
        if self.lifespan is not None:
            lifespan, self.lifespan = self.lifespan, None
            await lifespan.__aexit__(None, None, None)

    async def _sign_in(self) -> uuid.UUID:
        user_id = None
        for device in self.devices:
            assert device.client is not None
            path = "/api/v1/auth/signup" if user_id is None else "/api/v1/auth/login"
            body = {"username": "alice", "passphrase": PASSPHRASE, "device_id": device.device_id}
            response = await device.client.post(path, json=body)
            assert response.status_code in (200, 201), response.text
            user_id = uuid.UUID(response.json()["user_id"])
        assert user_id is not None
        return user_id

    # Writes: what a person does on one device, online or not. Which records a device holds
    # can depend on timing (two requests at once), so nothing timing-dependent may decide
    # whether a rule runs: Hypothesis needs the same choices to replay the same way.

    @rule(device=DEVICES, mood=VALUE)
    def create_checkin(self, device: int, mood: int) -> None:
        self.edits += 1
        d = self.devices[device]
        values = {"at": "2026-11-27T08:05:00+01:00", "mood": mood, "_created_at": f"t{mood}"}
        d.write(self.ids(), "checkin", values)

    @rule(device=DEVICES, pick=PICK, name=st.sampled_from(["mood", "anxiety", "note"]), value=VALUE)
    def edit_checkin(self, device: int, pick: int, name: str, value: int) -> None:
        self.edits += 1
        d = self.devices[device]
        checkins = sorted(rid for rid, r in d.records.items() if r.kind == "checkin")
        if checkins:
            rid = checkins[pick % len(checkins)]
            d.write(rid, "checkin", {name: f"note {value}" if name == "note" else value})

    @rule(
        device=DEVICES,
        name=st.sampled_from(["display_name", "quiet_start", "discreet_notifications"]),
        value=VALUE,
    )
    def edit_profile(self, device: int, name: str, value: int) -> None:
        self.edits += 1
        values: dict[str, Any] = {
            "display_name": f"Alice {value}",
            "quiet_start": f"{13 + value}:00",
            "discreet_notifications": value % 2 == 0,
        }
        self.devices[device].write(PROFILE_ID, "profile", {name: values[name]})

    @rule(device=DEVICES, pick=PICK, deleted=st.booleans())
    def delete_or_undelete(self, device: int, pick: int, deleted: bool) -> None:
        self.edits += 1
        d = self.devices[device]
        if d.records:
            rid = sorted(d.records)[pick % len(d.records)]
            d.write(rid, d.records[rid].kind, {"_deleted": deleted})

    @rule(device=DEVICES, value=VALUE)
    def resolve_conflict(self, device: int, value: int) -> None:
        """The person picks a value for a record flagged `_conflict` (first device with one)."""
        self.edits += 1
        d = next((d for d in self.devices[device:] + self.devices if _conflicted(d.records)), None)
        if d is None:
            return
        rid = _conflicted(d.records)[0]
        record = d.records[rid]
        chosen = {"mood": value} if record.kind == "checkin" else {"display_name": f"A{value}"}
        d.write(rid, record.kind, {**chosen, "_conflict": False})

    # Network and server events.

    @rule(device=DEVICES)
    def sync(self, device: int) -> None:
        self.run(self.devices[device].sync())

    @rule(device=DEVICES)
    def sync_one_request(self, device: int) -> None:
        d = self.devices[device]
        body = d.request_body()
        d.receive(body, self.run(d.post(body)))

    @rule(device=DEVICES)
    def sync_response_lost(self, device: int) -> None:
        """The server commits, the answer never arrives: the outbox keeps everything."""
        d = self.devices[device]
        self.run(d.post(d.request_body()))

    @rule(device=DEVICES, at_once=st.booleans())
    def sync_request_duplicated(self, device: int, at_once: bool) -> None:
        d = self.devices[device]
        body = d.request_body()
        first, second = self.run(_post_twice(d, body, at_once=at_once))
        _check_twin_results(first["results"], second["results"])
        d.receive(body, second)

    @rule(pair=st.permutations(range(len(DEVICE_IDS))))
    def two_devices_sync_at_once(self, pair: list[int]) -> None:
        a, b = (self.devices[i] for i in pair[:2])
        bodies = a.request_body(), b.request_body()
        replies = self.run(_gather(a.post(bodies[0]), b.post(bodies[1])))
        a.receive(bodies[0], replies[0])
        b.receive(bodies[1], replies[1])

    @rule(device=DEVICES, offset=st.sampled_from(CLOCK_OFFSETS))
    def set_clock(self, device: int, offset: int) -> None:
        self.devices[device].offset_ms = offset

    # Starting an app costs ~0.1 s (Litestar builds every route); a few per example suffice.
    @precondition(lambda self: self.restarts < MAX_RESTARTS)
    @rule()
    def restart_server(self) -> None:
        self.restarts += 1
        self.run(self._stop_app())
        self.run(self._start_app())

    @rule()
    def take_backup(self) -> None:
        self.run(self.database.backup())
        self.model.backup_taken()
        self.has_backup = True

    @precondition(lambda self: self.has_backup and self.restores < MAX_RESTARTS)
    @rule()
    def restore_backup_and_rotate_epoch(self) -> None:
        """deploy/'s restore: stop, restore the files, start, rotate every epoch."""
        self.restores += 1
        self.run(self._absorb_histories(final=False))
        self.run(self._stop_app())
        self.run(self.database.restore())
        self.run(self._start_app())
        assert self.app is not None
        self.run(rotate_epochs(self.app.state.services.engine, self.user_id))
        self.model.restored()

    # Mid-run checks are the costliest step: only after some writes since the last one.
    @precondition(lambda self: self.edits >= self.checked_at + 8)
    @rule()
    def converge_and_check(self) -> None:
        self.run(self._converge_and_check())

    # The oracle.

    @invariant()
    def pending_writes_show_on_their_device(self) -> None:
        """What a person saved stays visible on that device until a newer value replaces it."""
        for device in self.devices:
            for change in device.outbox:
                local = device.records[change["record_id"]].fields
                for name, wire in change["fields"].items():
                    shown = local.get(name, {"hlc": ""})["hlc"]
                    assert shown >= wire["hlc"], (device.index, change, local)

    async def _absorb_histories(self, *, final: bool) -> None:
        client = self.devices[0].client
        assert client is not None
        if final:
            self.model.in_history = set()
        for rid in sorted(self.model.record_ids()):
            response = await client.get(f"/api/v1/records/{rid}/history")
            if response.status_code == 404 and not final:
                continue
            assert response.status_code == 200, (rid, response.text)
            self.model.absorb_history(rid, response.json(), final=final)

    async def _converge_and_check(self) -> None:
        for _ in range(2):
            for device in self.devices:
                await device.sync()
        server = await self.devices[0].pull_all()
        for device in self.devices:
            assert not device.outbox
            local = {
                rid: LocalRecord(r["kind"], r["fields"], r["server_seq"])
                for rid, r in server.items()
            }
            assert device.records == local, f"device {device.index} differs from the server"
        await self._absorb_histories(final=True)
        self.model.check_server(server)
        self.checked_at = self.edits

    def teardown(self) -> None:
        try:
            # Skip the final oracle when a step already failed: that failure is the report.
            if sys.exc_info()[0] is None:
                self.run(self._converge_and_check())
        finally:
            self._dispose()

    def _dispose(self) -> None:
        try:
            for device in self.devices:
                if device.client is not None:
                    self.run(device.client.aclose())
            self.run(self._stop_app())
        finally:
            self.loop.close()
            self.database.discard()


def _conflicted(records: dict[str, LocalRecord]) -> list[str]:
    return sorted(
        rid
        for rid, r in records.items()
        if r.fields.get("_conflict", {}).get("v") is True and r.kind in ("checkin", "profile")
    )


async def _gather(
    first: Awaitable[dict[str, Any]], second: Awaitable[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    return await asyncio.gather(first, second)


async def _post_twice(
    device: Device, body: dict[str, Any], *, at_once: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    if at_once:
        return await _gather(device.post(body), device.post(body))
    first = await device.post(body)
    return first, await device.post(body)


def _check_twin_results(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> None:
    """The same change sent twice is processed once; the other answer says duplicate."""
    assert [r["change_id"] for r in first] == [r["change_id"] for r in second]
    for a, b in zip(first, second, strict=True):
        fresh = [r for r in (a, b) if r["status"] != "duplicate"]
        assert len(fresh) <= 1, (a, b)
        if fresh:
            dup = b if fresh[0] is a else a
            assert dup["original_status"] == fresh[0]["status"], (a, b)
            if fresh[0]["status"] == "applied":
                assert dup["server_seq"] == fresh[0]["server_seq"], (a, b)


def _machine(
    backend_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> type[SyncMachine]:
    database: Database
    if backend_name == "postgres":
        database = PostgresDatabase(request.getfixturevalue("pg_database"))
    else:
        database = SqliteDatabase(request.getfixturevalue("sqlite_template"), tmp_path)
    return type("SyncMachineOn" + backend_name.title(), (SyncMachine,), {"database": database})


def test_devices_converge_to_the_reference_model(
    backend_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    run_state_machine_as_test(_machine(backend_name, request, tmp_path), settings=SETTINGS)


# Found by the state machine: before push results carried the HLCs the server replaced
# (`hlcs`), the phone's snapshot after the restore re-sent its day-ahead HLC and lost.
def test_restore_keeps_an_acknowledged_write_from_a_clock_far_ahead(
    backend_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    machine = _machine(backend_name, request, tmp_path)()
    try:
        phone, laptop = machine.devices[0], machine.devices[1]
        machine.take_backup()
        # The laptop's clock is 4 minutes fast: within the limit, so the server adopts its HLC.
        laptop.offset_ms = 4 * MINUTE
        laptop.write(machine.ids(), "checkin", {"at": "2026-11-27T08:05:00+01:00", "mood": 5})
        laptop.write(PROFILE_ID, "profile", {"display_name": "Al"})
        machine.run(laptop.sync())
        # The phone's clock is a day fast: its later edit is clamped to a server HLC and wins.
        phone.offset_ms = 24 * 60 * MINUTE
        phone.pull_limit = 1
        phone.write(PROFILE_ID, "profile", {"display_name": "Alice"})
        body = phone.request_body()
        reply = machine.run(phone.post(body))
        phone.receive(body, reply)
        assert [r["status"] for r in reply["results"]] == ["applied"]
        assert reply["has_more"]  # the page held the check-in, not the profile
        before = machine.run(phone.pull_all())
        assert before[PROFILE_ID]["fields"]["display_name"]["v"] == "Alice"

        machine.restore_backup_and_rotate_epoch()
        for device in (phone, laptop, phone):
            machine.run(device.sync())
        after = machine.run(phone.pull_all())
        assert after[PROFILE_ID]["fields"]["display_name"]["v"] == "Alice"
    finally:
        machine._dispose()
