"""40 concurrent SQLite writers on separate connections all succeed (db.write_transaction)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from piccolo.engine.base import Engine

from backend.db import execute, fetch, make_engine, write_transaction

WRITERS = 40


async def _engine(tmp_path: Path) -> Engine[Any]:
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.sqlite3'}")
    await execute(engine, "CREATE TABLE entry (id INTEGER PRIMARY KEY, seen INTEGER NOT NULL)")
    return engine


async def _read_then_write(engine: Engine[Any]) -> None:
    # Read, let every other task run, then write what was read: the shape of a sync push
    # (read the state row, merge, write).
    rows = await fetch(engine, "SELECT count(*) AS n FROM entry")
    await asyncio.sleep(0)
    await execute(engine, "INSERT INTO entry (seen) VALUES ({})", rows[0]["n"])


async def test_forty_concurrent_writers_all_succeed_one_after_another(tmp_path: Path) -> None:
    engine = await _engine(tmp_path)

    async def writer() -> None:
        async with write_transaction(engine):
            await _read_then_write(engine)

    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    rows = await fetch(engine, "SELECT seen FROM entry ORDER BY seen")
    # Each writer saw every earlier commit and none of the later ones: fully serialised.
    assert [row["seen"] for row in rows] == list(range(WRITERS))


async def test_a_deferred_transaction_that_reads_first_fails_as_locked(tmp_path: Path) -> None:
    """Why write_transaction exists: Piccolo's default (deferred) transaction loses writes."""
    engine = await _engine(tmp_path)
    all_have_read = asyncio.Barrier(WRITERS)

    async def writer() -> None:
        async with engine.transaction():
            rows = await fetch(engine, "SELECT count(*) AS n FROM entry")
            await all_have_read.wait()
            await execute(engine, "INSERT INTO entry (seen) VALUES ({})", rows[0]["n"])

    outcomes = await asyncio.gather(*(writer() for _ in range(WRITERS)), return_exceptions=True)
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert failures, "every deferred writer succeeded"
    for failure in failures:
        assert isinstance(failure, sqlite3.OperationalError), repr(failure)
        assert "database is locked" in str(failure)
    rows = await fetch(engine, "SELECT count(*) AS n FROM entry")
    assert rows[0]["n"] == WRITERS - len(failures)
