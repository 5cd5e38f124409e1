"""Concurrent SQLite writers all succeed, one after another (db.write_transaction,
db.write_in_one_trip)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from piccolo.engine.base import Engine

from backend.db import (
    SQLiteRun,
    execute,
    fetch,
    make_engine,
    start,
    stop,
    write_in_one_trip,
    write_transaction,
)

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


async def _pooled(tmp_path: Path) -> Engine[Any]:
    engine = await _engine(tmp_path)
    await start(engine)  # the long-lived writer and readers a running server uses
    return engine


def _count_then_insert(run: SQLiteRun) -> int:
    [(seen,)] = run.rows("SELECT count(*) FROM entry")
    run.rows("INSERT INTO entry (seen) VALUES ({})", seen)
    return int(seen)


async def test_one_trip_writes_interleaved_with_awaited_transactions_see_each_other_in_order(
    tmp_path: Path,
) -> None:
    """Pushes in one trip to the writer's thread and transactions of awaited statements
    (sign-in, reminders, a push whose listener awaits) share one writer connection: each must
    run whole, after every earlier commit, never inside another's transaction."""
    engine = await _pooled(tmp_path)

    async def awaited() -> None:
        async with write_transaction(engine):
            await _read_then_write(engine)

    try:
        jobs = [
            write_in_one_trip(engine, _count_then_insert) if i % 3 else awaited()
            for i in range(3 * WRITERS)
        ]
        await asyncio.gather(*jobs)
        rows = await fetch(engine, "SELECT seen FROM entry ORDER BY seen")
        assert [row["seen"] for row in rows] == list(range(3 * WRITERS))
    finally:
        await stop(engine)


async def test_a_one_trip_write_never_lands_inside_a_transaction_that_rolls_back(
    tmp_path: Path,
) -> None:
    engine = await _pooled(tmp_path)
    try:
        with contextlib.suppress(RuntimeError):
            async with write_transaction(engine):
                await execute(engine, "INSERT INTO entry (seen) VALUES (1)")
                # Another push arrives while this transaction holds the writer and awaits.
                push = asyncio.ensure_future(write_in_one_trip(engine, _count_then_insert))
                await asyncio.sleep(0.05)
                assert not push.done(), "the one-trip write did not wait for the transaction"
                raise RuntimeError("this transaction fails and rolls back")
        assert await push == 0  # it ran after the rollback and saw nothing of it
        rows = await fetch(engine, "SELECT seen FROM entry")
        assert [row["seen"] for row in rows] == [0]  # kept: not undone with the other
    finally:
        await stop(engine)


async def test_a_failing_one_trip_write_leaves_nothing_and_the_writer_usable(
    tmp_path: Path,
) -> None:
    engine = await _pooled(tmp_path)

    def insert_then_fail(run: SQLiteRun) -> None:
        run.rows("INSERT INTO entry (seen) VALUES (7)")
        raise ValueError("merge failed")

    try:
        with pytest.raises(ValueError, match="merge failed"):
            await write_in_one_trip(engine, insert_then_fail)
        assert await write_in_one_trip(engine, _count_then_insert) == 0
        rows = await fetch(engine, "SELECT seen FROM entry")
        assert [row["seen"] for row in rows] == [0]
    finally:
        await stop(engine)
