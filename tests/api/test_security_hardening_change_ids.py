"""Change ids are scoped per person: using an id someone else already used reveals nothing.

The change table was keyed by change_id alone, so a second person sending an id that
existed for another got a `rejected` result with the code `change-id-taken`, an answer
no fresh id ever gets: a yes/no oracle for "has anyone used this id". Now the key is
(user_id, change_id), and the second person's change is simply applied.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from piccolo.engine.base import Engine

from backend.db import execute, fetch, make_engine
from backend.migrate import migrate, migration_ids
from backend.sync.store import load_changes
from tests.api.sync_helpers import change, hlc_at, sync
from tests.conftest import PG_URL, _admin, _with_db, http_client, signup

AT = "2026-11-27T08:05:00+01:00"
DEVICE_A = "0190c3e4-7f1a-7b2c-9d3e-0000000000aa"
DEVICE_B = "0190c3e4-7f1a-7b2c-9d3e-0000000000bb"


def mood(record_id: str, value: int, change_id: str, device: str) -> dict[str, Any]:
    fields = {"at": AT, "mood": value}
    return change(record_id, fields, change_id=change_id, hlc=hlc_at(device=device))


@pytest.fixture
async def two_people(app: Litestar) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with http_client(app) as alice, http_client(app) as bob:
        await signup(alice, "alice", device_id=DEVICE_A)
        await signup(bob, "bob", device_id=DEVICE_B)
        yield alice, bob


async def test_someone_elses_change_id_is_applied_as_a_new_change(
    two_people: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    alice, bob = two_people
    shared = str(uuid.uuid4())
    alice_record, bob_record = str(uuid.uuid4()), str(uuid.uuid4())
    first = await sync(
        alice,
        [mood(alice_record, 2, shared, DEVICE_A)],
        device=DEVICE_A,
    )
    assert first["results"][0]["status"] == "applied"

    second = await sync(
        bob,
        [mood(bob_record, 9, shared, DEVICE_B)],
        device=DEVICE_B,
    )
    [result] = second["results"]
    assert result["status"] == "applied", result
    assert "error" not in result or result["error"] is None
    assert [r["id"] for r in second["records"]] == [bob_record]
    assert second["records"][0]["fields"]["mood"]["v"] == 9

    # Each re-send is a duplicate of that person's own first processing.
    again_bob = await sync(
        bob,
        [mood(bob_record, 9, shared, DEVICE_B)],
        device=DEVICE_B,
        cursor=second["next_cursor"],
        epoch=second["epoch"],
    )
    assert again_bob["results"][0]["status"] == "duplicate"
    assert again_bob["results"][0]["original_status"] == "applied"
    assert again_bob["results"][0]["server_seq"] == result["server_seq"]
    again_alice = await sync(
        alice,
        [mood(alice_record, 2, shared, DEVICE_A)],
        device=DEVICE_A,
    )
    assert again_alice["results"][0]["status"] == "duplicate"
    assert again_alice["results"][0]["server_seq"] == first["results"][0]["server_seq"]
    assert [r["id"] for r in again_alice["records"]] == [alice_record]

    # Each history shows only its own person's change.
    for client, record, value in ((alice, alice_record, 2), (bob, bob_record, 9)):
        history = (await client.get(f"/api/v1/records/{record}/history")).json()
        assert [(h["change_id"], h["fields"]["mood"]["v"]) for h in history] == [(shared, value)]


async def test_someone_elses_rejected_change_id_answers_like_a_fresh_id(
    two_people: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    alice, bob = two_people
    shared = str(uuid.uuid4())
    bad = await sync(
        alice,
        [change(str(uuid.uuid4()), {"at": AT, "mood": 99}, change_id=shared)],
        device=DEVICE_A,
    )
    assert bad["results"][0]["status"] == "rejected"
    fresh = await sync(
        bob,
        [change(str(uuid.uuid4()), {"at": AT, "mood": 4}, change_id=shared)],
        device=DEVICE_B,
    )
    assert fresh["results"][0]["status"] == "applied"


async def test_one_person_cannot_reuse_their_own_change_id(
    two_people: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    alice, _ = two_people
    shared = str(uuid.uuid4())
    body = await sync(
        alice,
        [
            change(str(uuid.uuid4()), {"at": AT, "mood": 3}, change_id=shared),
            change(str(uuid.uuid4()), {"at": AT, "mood": 4}, change_id=shared),
        ],
        device=DEVICE_A,
    )
    assert [r["status"] for r in body["results"]] == ["applied", "duplicate"]
    assert len(body["records"]) == 1


# --- the migration keeps what was stored --------------------------------------------------


@contextlib.asynccontextmanager
async def empty_database(backend_name: str, tmp_path: Path) -> AsyncIterator[str]:
    if backend_name == "sqlite":
        yield f"sqlite:///{tmp_path / 'legacy.sqlite3'}"
        return
    name = f"tend_legacy_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield _with_db(PG_URL, name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def migrate_until(engine: Engine[Any], last_id: str) -> None:
    await migrate(engine, until=last_id)


async def add_account(engine: Engine[Any], username: str) -> uuid.UUID:
    user_id = uuid.uuid4()
    await execute(
        engine,
        "INSERT INTO account (id, username, passphrase_hash, recovery_hash, created_at)"
        " VALUES ({}, {}, 'x', 'x', {})",
        user_id,
        username,
        datetime.now(UTC),
    )
    return user_id


async def add_change(engine: Engine[Any], user_id: uuid.UUID, change_id: uuid.UUID) -> None:
    await execute(
        engine,
        "INSERT INTO change (change_id, user_id, record_id, device_id, kind, schema_version,"
        " base_seq, status, server_seq, fields, original_hlcs, error, received_at)"
        " VALUES ({}, {}, {}, {}, 'checkin', 1, 0, 'applied', 42, {}, '', '', {})",
        change_id,
        user_id,
        uuid.uuid4(),
        uuid.uuid4(),
        "{}",
        datetime.now(UTC),
    )


async def test_the_migration_keeps_stored_changes_and_scopes_their_ids(
    backend_name: str, tmp_path: Path
) -> None:
    from backend.migrations.tend_2026_12_04t19_10_00_000000 import ID as SCOPED_IDS

    ids = migration_ids()
    before = ids[ids.index(SCOPED_IDS) - 1]
    async with empty_database(backend_name, tmp_path) as url:
        engine = make_engine(url)
        await migrate_until(engine, before)
        alice = await add_account(engine, "alice")
        bob = await add_account(engine, "bob")
        kept = [uuid.uuid4() for _ in range(3)]
        for change_id in kept:
            await add_change(engine, alice, change_id)

        assert SCOPED_IDS in await migrate(engine)

        stored = await load_changes(engine, alice, kept)
        assert set(stored) == set(kept)
        assert {int(row["server_seq"]) for row in stored.values()} == {42}
        assert await load_changes(engine, bob, kept) == {}
        # Bob may now use Alice's id; Alice still may not use it twice.
        await add_change(engine, bob, kept[0])
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
            await add_change(engine, alice, kept[0])
        rows = await fetch(engine, "SELECT COUNT(*) AS n FROM change")
        assert int(rows[0]["n"]) == 4
        # Deleting an account still takes its changes with it.
        await execute(engine, "DELETE FROM account WHERE id = {}", alice)
        rows = await fetch(engine, "SELECT COUNT(*) AS n FROM change")
        assert int(rows[0]["n"]) == 1
