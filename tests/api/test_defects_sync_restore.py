"""A restore from a real backup, without `rotate-epoch`: the device that is ahead must reset.

sync.md: a cursor above the highest server_seq the server ever issued gets
`reset: cursor_ahead`, and its changes are still applied. The check must look at the state
as it was before this request's own push, or the push (which allocates
server_seq = max(last_seq + 1, now)) hides the gap the restore left.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import httpx
import pytest

from backend.app import create_app
from tests.api.sync_helpers import DEVICE, change, sync
from tests.conftest import PASSPHRASE, PG_URL, http_client, make_test_settings

AT = "2026-11-27T08:05:00+01:00"


class Copies(Protocol):
    """The live database, and a backup of it that can be put back in its place."""

    url: str

    async def backup(self) -> None: ...
    async def restore(self) -> None: ...
    async def discard(self) -> None: ...


class SqliteFiles:
    """A backup file made with SQLite's backup API, copied back over the live file."""

    def __init__(self, database_url: str, directory: Path) -> None:
        self.url = database_url
        self.live = Path(database_url.removeprefix("sqlite:///"))
        self.saved = directory / "backup.sqlite3"

    async def backup(self) -> None:
        # The backup API copies a consistent state, WAL included.
        with (
            closing(sqlite3.connect(self.live)) as live,
            closing(sqlite3.connect(self.saved)) as to,
        ):
            live.backup(to)

    async def restore(self) -> None:
        _put_back(self.saved, self.live)

    async def discard(self) -> None:
        self.saved.unlink(missing_ok=True)


def _put_back(saved: Path, live: Path) -> None:
    # As an operator would with the server stopped: the old file back, and no stale WAL
    # of the newer database left beside it to be replayed over it.
    for suffix in ("-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(saved, live)


class PostgresCopies:
    """Whole-database copies with CREATE DATABASE ... TEMPLATE (the server must be stopped)."""

    def __init__(self, database_url: str) -> None:
        base, _, template = database_url.rpartition("/")
        suffix = uuid.uuid4().hex[:8]
        self.template = template
        self.live_name = f"{template}_live_{suffix}"
        self.saved_name = f"{template}_bak_{suffix}"
        self.url = f"{base}/{self.live_name}"

    async def _admin(self, *statements: str) -> None:
        connection = await asyncpg.connect(PG_URL)
        try:
            for sql in statements:
                await connection.execute(sql)
        finally:
            await connection.close()

    async def start(self) -> None:
        # The per-test database is migrated and empty: the live one starts as a copy of it.
        await self._admin(f'CREATE DATABASE "{self.live_name}" TEMPLATE "{self.template}"')

    async def backup(self) -> None:
        await self._admin(f'CREATE DATABASE "{self.saved_name}" TEMPLATE "{self.live_name}"')

    async def restore(self) -> None:
        await self._admin(
            f'DROP DATABASE "{self.live_name}" WITH (FORCE)',
            f'CREATE DATABASE "{self.live_name}" TEMPLATE "{self.saved_name}"',
        )

    async def discard(self) -> None:
        await self._admin(
            f'DROP DATABASE IF EXISTS "{self.live_name}" WITH (FORCE)',
            f'DROP DATABASE IF EXISTS "{self.saved_name}" WITH (FORCE)',
        )


@pytest.fixture
async def copies(backend_name: str, database_url: str, tmp_path: Path) -> AsyncIterator[Copies]:
    made: Copies
    if backend_name == "postgres":
        pg = PostgresCopies(database_url)
        await pg.start()
        made = pg
    else:
        made = SqliteFiles(database_url, tmp_path)
    try:
        yield made
    finally:
        await made.discard()


@asynccontextmanager
async def running(url: str, var_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh app process on `url`, with the device signed in (signup the first time)."""
    app = create_app(make_test_settings(url, var_dir=str(var_dir)))
    async with app.state.lifespan(app), http_client(app) as client:
        body = {"username": "alice", "passphrase": PASSPHRASE, "device_id": DEVICE}
        response = await client.post("/api/v1/auth/login", json=body)
        if response.status_code == 401:
            response = await client.post("/api/v1/auth/signup", json=body)
        assert response.status_code in (200, 201), response.text
        yield client


def checkin(mood: int) -> dict[str, Any]:
    return change(str(uuid.uuid4()), {"at": AT, "mood": mood})


def snapshot(records: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """What the app re-sends on a reset: every local record with its own values and HLCs."""
    return [
        {
            "change_id": str(uuid.uuid4()),
            "record_id": rid,
            "kind": record["kind"],
            "schema_version": 1,
            "base_seq": 0,
            "fields": record["fields"],
        }
        for rid, record in records.items()
    ]


def keep(local: dict[str, dict[str, Any]], body: dict[str, Any]) -> None:
    for record in body["records"]:
        local[record["id"]] = {"kind": record["kind"], "fields": record["fields"]}


async def test_a_device_ahead_of_a_restored_backup_is_reset_even_with_pending_changes(
    copies: Copies, tmp_path: Path
) -> None:
    var_dir = tmp_path / "var"
    local: dict[str, dict[str, Any]] = {}  # what the device holds
    async with running(copies.url, var_dir) as client:
        first = await sync(client, [checkin(1)])
        keep(local, first)
    await copies.backup()
    async with running(copies.url, var_dir) as client:
        lost = await sync(
            client, [checkin(2), checkin(3)], epoch=first["epoch"], cursor=first["next_cursor"]
        )
        assert [r["status"] for r in lost["results"]] == ["applied", "applied"]
        keep(local, lost)
    assert len(local) == 3
    await copies.restore()  # the two later check-ins are gone from the server; no rotate-epoch

    async with running(copies.url, var_dir) as client:
        pending = checkin(4)
        local[pending["record_id"]] = {"kind": "checkin", "fields": pending["fields"]}
        back = await sync(client, [pending], epoch=lost["epoch"], cursor=lost["next_cursor"])
        assert back["epoch"] == lost["epoch"]  # nobody rotated it
        assert back["reset"] == {"reason": "cursor_ahead", "epoch": lost["epoch"]}
        assert back["results"][0]["status"] == "applied"  # still applied, as sync.md says
        assert {r["id"] for r in back["records"]} == {
            first["records"][0]["id"],
            pending["record_id"],
        }

        again = await sync(client, snapshot(local), epoch=back["epoch"], cursor=0)
        assert again["reset"] is None
        server = {r["id"]: r for r in again["records"]}
        assert set(server) == set(local)  # the server has regained what the restore lost
        for rid, record in local.items():
            assert server[rid]["fields"] == record["fields"]
