"""`python -m backend backup` and `restore`: nothing a device holds is lost by a restore.

A backup is older than what devices have seen acknowledged. After `restore` every device's
next sync is told to reset (docs/sync.md, Epochs), re-sends every record it holds with its
own HLCs, and the server ends up with everything: what the backup had, and what only the
devices still had.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from backend.app import create_app
from backend.sync.hlc import Hlc, format_hlc, node_from_device_id, parse_hlc, recv, send
from tests.api.sync_helpers import envelope
from tests.conftest import IN_CI, PASSPHRASE, PG_URL, http_client, make_test_settings

AT = "2026-11-27T08:05:00+01:00"
OLDER_MIGRATION = "2026-12-06T01:38:24:000000"  # unique health link manifest ids


@pytest.fixture
async def live_url(backend_name: str, database_url: str) -> AsyncIterator[str]:
    """A database of this test's own that restore may replace (migrated and empty)."""
    if backend_name == "sqlite":
        yield database_url
        return
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        reason = "pg_dump and pg_restore (PostgreSQL client tools) are not installed"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    base, _, template = database_url.rpartition("/")
    name = f"{template}_live_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield f"{base}/{name}"
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def query(url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Plain SQL on the live database, holding no connection afterwards (restore refuses a
    SQLite file that something still has open; make_engine's WAL check leaves one to gc)."""
    if url.startswith("sqlite:"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection:
            rows = connection.execute(sql.replace("$1", "?"), args).fetchall()
            connection.commit()
            return rows
    pg = await asyncpg.connect(url)
    try:
        return [tuple(row) for row in await pg.fetch(sql, *args)]
    finally:
        await pg.close()


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def cli(url: str, *args: str, **env: str) -> tuple[int, str, str]:
    """`python -m backend ...` as an operator runs it, with TEND_DATABASE_URL set."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TEND_")}
    environ.update(TEND_DATABASE_URL=url, **env)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "backend",
        *args,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


class Device:
    """A device as docs/sync.md describes it: its records with their HLCs, an outbox, and
    the epoch and cursor of its last sync. On a reset it re-sends every record it holds, with
    the HLCs and the server_seq it has for each (pwa/js/sync.js queueSnapshot)."""

    def __init__(self, username: str) -> None:
        self.username = username
        self.id = str(uuid.uuid4())
        self.records: dict[str, dict[str, Any]] = {}
        self.outbox: list[dict[str, Any]] = []
        self.epoch: str | None = None
        self.cursor = 0
        self.client: httpx.AsyncClient | None = None
        self.clock = Hlc(0, 0, node_from_device_id(self.id))

    def write(self, record_id: str, values: dict[str, Any]) -> None:
        self.clock = send(self.clock, _now_ms())
        stamp = format_hlc(self.clock)
        fields = {name: {"v": v, "hlc": stamp} for name, v in values.items()}
        record = self._merge(record_id, "checkin", fields)
        self.outbox.append(_change(record_id, record, fields))

    def _merge(self, record_id: str, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        record = self.records.setdefault(record_id, {"kind": kind, "fields": {}, "seq": 0})
        held = record["fields"]
        for name, field in fields.items():
            if name not in held or field["hlc"] > held[name]["hlc"]:
                held[name] = field
        return record

    async def sync(self) -> dict[str, Any]:
        """One sync, then pages until done; returns the first answer."""
        first = await self._round(self.outbox)
        self.outbox = []
        if first["reset"] is not None:
            # sync.md: re-push every local record as a snapshot and pull from 0.
            snapshot = [_change(rid, r, r["fields"]) for rid, r in self.records.items()]
            answer = await self._round(snapshot)
            assert answer["reset"] is None, answer
        while (await self._round([]))["has_more"]:
            pass
        return first

    async def _round(self, changes: list[dict[str, Any]]) -> dict[str, Any]:
        assert self.client is not None
        body = envelope(changes, device=self.id, epoch=self.epoch, cursor=self.cursor)
        response = await self.client.post("/api/v1/sync", json=body)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        statuses = {r["status"] for r in answer["results"]}
        assert statuses <= {"applied", "superseded", "duplicate"}, answer["results"]
        assert len(answer["results"]) == len(changes)
        for result in answer["results"]:
            record = self.records[result["record_id"]]
            for name, hlc in result.get("hlcs", {}).items():  # sync.md: store them
                record["fields"][name]["hlc"] = hlc
            record["seq"] = result.get("server_seq") or record["seq"]
        for pulled in answer["records"]:
            record = self._merge(pulled["id"], pulled["kind"], pulled["fields"])
            record["seq"] = pulled["server_seq"]
        self.clock = recv(self.clock, parse_hlc(answer["server_hlc"]), _now_ms())
        self.epoch = answer["epoch"]
        self.cursor = answer["next_cursor"]
        return answer

    def values(self) -> dict[str, dict[str, Any]]:
        return {rid: {n: f["v"] for n, f in r["fields"].items()} for rid, r in self.records.items()}


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def _change(record_id: str, record: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """A change as the app sends it: base_seq is the record's server_seq as last seen."""
    return {
        "change_id": str(uuid.uuid4()),
        "record_id": record_id,
        "kind": record["kind"],
        "schema_version": 1,
        "base_seq": record["seq"],
        "fields": fields,
    }


@asynccontextmanager
async def server(url: str, var_dir: Path, *devices: Device) -> AsyncIterator[None]:
    """Tend running on `url`; each device signs in (signs up the first time)."""
    app = create_app(make_test_settings(url, var_dir=str(var_dir)))
    async with app.state.lifespan(app):
        for device in devices:
            device.client = http_client(app)
            body = {"username": device.username, "passphrase": PASSPHRASE, "device_id": device.id}
            response = await device.client.post("/api/v1/auth/login", json=body)
            if response.status_code == 401:
                response = await device.client.post("/api/v1/auth/signup", json=body)
            assert response.status_code in (200, 201), response.text
        try:
            yield
        finally:
            for device in devices:
                assert device.client is not None
                await device.client.aclose()


def ids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


async def test_after_a_restore_the_devices_bring_back_what_the_backup_missed(
    backend_name: str, live_url: str, tmp_path: Path
) -> None:
    var_dir, saved = tmp_path / "var", tmp_path / "saved.backup"
    phone, laptop, bob = Device("alice"), Device("alice"), Device("bob")
    r1, r2, r3, r4, r5 = ids(5)
    async with server(live_url, var_dir, phone, laptop, bob):
        phone.write(r1, {"at": AT, "mood": 1})
        phone.write(r2, {"at": AT, "mood": 2})
        await phone.sync()
        await laptop.sync()
        assert set(laptop.records) == {r1, r2}

        # Taken while the server runs.
        code, out, err = await cli(live_url, "backup", str(saved))
        assert (code, err) == (0, "")
        assert out.strip() == f"Backed up the database to {saved}."

        # Acknowledged after the backup, so the restore takes them from the server: new
        # records, edits of old ones, and bob's first sync ever (his account had no state).
        phone.write(r3, {"at": AT, "mood": 3})
        phone.write(r1, {"mood": 7})
        laptop.write(r4, {"at": AT, "mood": 4})
        laptop.write(r2, {"mood": 8, "note": "after the backup"})
        bob.write(r5, {"at": AT, "mood": 5})
        for device in (phone, laptop, bob):
            await device.sync()
        before = {d: (d.epoch, d.cursor) for d in (phone, laptop, bob)}
        if backend_name == "sqlite":
            code, out, err = await cli(live_url, "restore", str(saved))
            assert code == 1
            assert "in use: stop Tend" in err

    code, out, err = await cli(live_url, "restore", str(saved))
    assert (code, err) == (0, ""), err
    assert out.endswith(
        f" from {saved}; 2 people's devices will re-upload what they have on their next sync.\n"
    )

    async with server(live_url, var_dir, phone, laptop, bob):
        for device in (phone, laptop, bob):
            assert (device.epoch, device.cursor) == before[device]  # the old ones
            first = await device.sync()
            assert first["reset"] == {"reason": "epoch_mismatch", "epoch": first["epoch"]}
            assert first["epoch"] != before[device][0]
    fresh, fresh_bob = Device("alice"), Device("bob")
    async with server(live_url, var_dir, fresh, fresh_bob):
        await fresh.sync()
        await fresh_bob.sync()
    expected = {
        r1: {"at": AT, "mood": 7},
        r2: {"at": AT, "mood": 8, "note": "after the backup"},
        r3: {"at": AT, "mood": 3},
        r4: {"at": AT, "mood": 4},
    }
    assert fresh.values() == expected
    assert fresh_bob.values() == {r5: {"at": AT, "mood": 5}}
    for field in ("at", "mood", "note"):  # with the HLCs the devices wrote, not new ones
        assert fresh.records[r2]["fields"][field] == laptop.records[r2]["fields"][field]


async def test_backup_never_overwrites_a_file(live_url: str, tmp_path: Path) -> None:
    target = tmp_path / "precious.backup"
    target.write_text("last week's backup\n")
    code, out, err = await cli(live_url, "backup", str(target))
    assert (code, out) == (1, "")
    assert err == f"Could not back up: {target} already exists; choose a new file name.\n"
    assert target.read_text() == "last week's backup\n"
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".tend-partial-")]


async def test_restore_of_a_missing_file_or_not_a_backup_changes_nothing(
    live_url: str, tmp_path: Path
) -> None:
    async with server(live_url, tmp_path / "var", Device("alice")):
        pass
    missing = tmp_path / "no-such.backup"
    code, out, err = await cli(live_url, "restore", str(missing))
    assert (code, out) == (1, "")
    assert err == f"Could not restore: No backup file at {missing}.\n"

    junk = tmp_path / "notes.txt"
    junk.write_text("not a database\n" * 100)
    code, out, err = await cli(live_url, "restore", str(junk))
    assert (code, out) == (1, "")
    assert err.startswith("Could not restore: ")
    rows = await query(live_url, "SELECT username FROM account")
    assert rows == [("alice",)]  # the database is as it was


async def test_a_backup_from_an_older_version_is_migrated_on_restore(
    live_url: str, tmp_path: Path
) -> None:
    # The database as the version before the latest migration left it.
    await query(live_url, "DROP INDEX share_shl_id_hash")
    await query(live_url, "DELETE FROM migration WHERE name = $1", OLDER_MIGRATION)
    saved = tmp_path / "old.backup"
    assert (await cli(live_url, "backup", str(saved)))[0] == 0
    code, out, err = await cli(live_url, "restore", str(saved))
    assert (code, err) == (0, "")
    assert "0 people's devices" in out
    rows = await query(live_url, "SELECT name FROM migration WHERE name = $1", OLDER_MIGRATION)
    assert rows == [(OLDER_MIGRATION,)]
    code, out, _ = await cli(live_url, "migrate")
    assert (code, out) == (0, "Database is up to date.\n")


async def test_without_the_postgresql_tools_backup_says_what_to_install(tmp_path: Path) -> None:
    # No server is needed: the tool is looked for before anything connects.
    url = "postgresql://tend:secret@127.0.0.1:5432/tend"
    code, out, err = await cli(url, "backup", str(tmp_path / "x.dump"), PATH=str(tmp_path))
    assert (code, out) == (1, "")
    assert err.startswith("Could not back up: pg_dump is not installed: install the PostgreSQL")
    assert "secret" not in err
    assert os.listdir(tmp_path) == []  # no half-written file left behind
