"""Database engine from settings, SQLite pragmas, transactions and small SQL helpers."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, closing, suppress
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import aiosqlite
import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
import msgspec
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import (
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
    dict_factory,
)
from piccolo.querystring import QueryString

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Long-lived read connections while the app runs (WAL: reads never wait for the writer).
SQLITE_READERS = 4

Row = TypeVar("Row")
T = TypeVar("T")
# One SQL statement with `{}` placeholders and its arguments.
Statement = tuple[str, Sequence[Any]]


class _SQLitePool:
    """One writer connection behind an in-process queue, and a few reader connections.

    Every write of this process (a transaction, or one statement outside of one) waits its
    turn on `_turn` (asyncio.Lock wakes waiters in order) instead of sleeping and retrying
    on SQLite's busy handler: the write lock passes from one push to the next without gaps.
    Other processes on the same file still meet `busy_timeout`, as before.
    """

    def __init__(self, engine: TendSQLiteEngine, readers: int) -> None:
        self._engine = engine
        self._turn = asyncio.Lock()
        self._writer: aiosqlite.Connection | None = None
        self._idle: list[aiosqlite.Connection] = []
        self._readers = asyncio.Semaphore(readers)
        # Holders of the turn and those waiting for it.
        self._claims = 0
        self.closed = False

    async def acquire_writer(self) -> aiosqlite.Connection:
        self._claims += 1
        try:
            await self._turn.acquire()
        except BaseException:
            self._claims -= 1
            raise
        try:
            if self._writer is None:
                self._writer = await self._engine.open_connection()
        except BaseException:
            self.release_writer()
            raise
        return self._writer

    def release_writer(self) -> None:
        self._claims -= 1
        self._turn.release()

    def writer_now(self) -> aiosqlite.Connection | None:
        """The writer, when nobody holds or waits for the turn; else None.

        The writer's thread runs what is queued on it in order. A whole transaction queued
        as one function (`write_in_one_trip`) while nobody holds the turn runs after what
        was queued before it and before the first statement of any transaction that takes
        the turn later, so it needs no turn of its own: pushes then follow each other on
        the thread with no trip back to the event loop in between.
        """
        return None if self._claims or self.closed else self._writer

    @asynccontextmanager
    async def writer(self) -> AsyncIterator[aiosqlite.Connection]:
        connection = await self.acquire_writer()
        try:
            yield connection
        finally:
            self.release_writer()

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._readers:
            connection = self._idle.pop() if self._idle else await self._engine.open_connection()
            try:
                yield connection
            finally:
                self._idle.append(connection)

    async def close(self) -> None:
        self.closed = True
        async with self._turn:
            for connection in [*self._idle, *([self._writer] if self._writer else [])]:
                with suppress(Exception):
                    await connection.close()
            self._idle, self._writer = [], None


class PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction on the pool's writer (in its turn), or Piccolo's own when not pooled."""

    __slots__ = ("_pool",)

    async def __aenter__(self) -> SQLiteTransaction:
        pool = getattr(self.engine, "pool", None)
        self._pool: _SQLitePool | None = pool
        if self._parent is not None or pool is None:
            return await super().__aenter__()
        self.connection = await pool.acquire_writer()
        try:
            await self.begin()  # type: ignore[no-untyped-call]  # Piccolo is untyped here
        except BaseException:
            pool.release_writer()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        pool = self._pool
        if self._parent is not None or pool is None:
            return await super().__aexit__(exception_type, exception, traceback)
        try:
            if exception is not None and not self._rolled_back:
                await self.rollback()  # type: ignore[no-untyped-call]
            elif exception is None and not (self._committed or self._rolled_back):
                await self.commit()  # type: ignore[no-untyped-call]
        finally:
            # A failed COMMIT (disk full, I/O error) must not leave the shared writer inside
            # an open transaction for the next caller.
            if self.connection.in_transaction:
                with suppress(Exception):
                    await self.connection.execute("ROLLBACK")
            self.engine.current_transaction.reset(self.context)
            pool.release_writer()
        return exception is None


def _is_read(query: str) -> bool:
    return query.lstrip()[:6].upper() == "SELECT"


class TendSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with the pragmas durability and concurrency need.

    While the app runs (`start`), statements use long-lived connections (`_SQLitePool`);
    before that and in one-off commands, Piccolo's way: a connection per query and per
    transaction. Every connection waits for a busy database rather than fail, fsyncs on
    commit, and enforces foreign keys.
    """

    pool: _SQLitePool | None = None

    async def start_pool(self, readers: int) -> None:
        if self.pool is None:
            self.pool = _SQLitePool(self, readers)

    async def close_pool(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            await pool.close()

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return PooledSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """A connection for reads outside a transaction: a pooled reader, or a new one."""
        if self.pool is not None:
            async with self.pool.reader() as connection:
                yield connection
            return
        connection = await self.open_connection()
        try:
            yield connection
        finally:
            await connection.close()

    async def open_connection(self) -> aiosqlite.Connection:
        return await self.get_connection()

    async def get_connection(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        # aiosqlite types row_factory as a Row class; Piccolo's dict_factory returns dicts.
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.executescript(
            f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};"
            "PRAGMA synchronous = FULL;"
            "PRAGMA foreign_keys = ON;"
        )
        return connection

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> list[dict[str, Any]]:
        if self.pool is not None:
            if _is_read(query):
                async with self.pool.reader() as connection:
                    return await _fetch_dicts(connection, query, args)
            async with self.pool.writer() as connection:
                try:
                    rows = await _fetch_dicts(connection, query, args)
                    await connection.commit()
                except BaseException:
                    with suppress(Exception):
                        await connection.rollback()
                    raise
                return rows
        connection = await self.get_connection()
        try:
            rows = await _fetch_dicts(connection, query, args)
            await connection.commit()
            return rows
        finally:
            await connection.close()

    async def _run_in_existing_connection(
        self,
        connection: aiosqlite.Connection,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> list[dict[str, Any]]:
        # Piccolo re-sends PRAGMA foreign_keys before every query; ours are set at connect.
        return await _fetch_dicts(connection, query, args)


async def _fetch_dicts(
    connection: aiosqlite.Connection, query: str, args: list[Any] | None
) -> list[dict[str, Any]]:
    # One trip to the connection's thread. aiosqlite's cursor takes three (execute, fetchall,
    # close), and inside a push the write lock is held across every trip: each one waits its
    # turn on a busy event loop (make bench: concurrent, SQLite).
    return list(await connection.execute_fetchall(query, args or []))  # type: ignore[arg-type]  # dict rows


class SQLiteRun:
    """Statements on the writer's own sqlite3 connection, run in that connection's thread."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw

    def rows(self, sql: str, *args: Any) -> list[Any]:
        """Run SQL with `{}` placeholders; rows as tuples in SELECT order."""
        return _tuples_in_thread(self.raw, _compiled(sql, "sqlite", len(args)), [*args])

    def run(self, statements: Sequence[Statement]) -> None:
        for sql, args in statements:
            self.rows(sql, *args)

    def run_in_savepoint(self, statements: Sequence[Statement]) -> None:
        """Run statements so that a failure undoes them alone (and is raised), not the
        transaction around them."""
        self.raw.execute("SAVEPOINT statements")
        try:
            self.run(statements)
        except BaseException:
            self.raw.execute("ROLLBACK TO statements")
            raise
        finally:
            self.raw.execute("RELEASE statements")


def _immediately(raw: sqlite3.Connection, work: Callable[[SQLiteRun], T]) -> T:
    raw.execute("BEGIN IMMEDIATE")
    try:
        result = work(SQLiteRun(raw))
        raw.execute("COMMIT")
        return result
    finally:
        # An exception, or a failed COMMIT (disk full): the writer must not stay inside a
        # transaction for the next caller.
        if raw.in_transaction:
            with suppress(Exception):
                raw.execute("ROLLBACK")


def can_write_in_one_trip(engine: Engine[Any]) -> bool:
    """Whether `write_in_one_trip` applies: SQLite, and not inside a transaction already."""
    return isinstance(engine, TendSQLiteEngine) and engine.current_transaction.get() is None


async def write_in_one_trip(engine: Engine[Any], work: Callable[[SQLiteRun], T]) -> T:
    """Run `work` as one BEGIN IMMEDIATE transaction in a single trip to the writer's thread.

    A transaction of awaited statements holds the write lock across one trip to the thread
    and back per statement, and each trip back waits its turn on the event loop: under 100
    concurrent pushes that, not SQLite, set the pace (make bench: concurrent). Here the
    lock is held only while `work` runs. `work` must not await or touch the event loop.
    """
    assert isinstance(engine, TendSQLiteEngine), "PostgreSQL has no writer thread"
    if engine.pool is None:
        connection = await engine.open_connection()
        try:
            return await _in_thread(connection, work)
        finally:
            await connection.close()
    free = engine.pool.writer_now()
    if free is not None:
        return await _in_thread(free, work)
    async with engine.pool.writer() as connection:
        return await _in_thread(connection, work)


async def _in_thread(connection: aiosqlite.Connection, work: Callable[[SQLiteRun], T]) -> T:
    # aiosqlite's public API runs one statement per trip; this queues a function as its own
    # calls do.
    result: T = await connection._execute(_immediately, connection._conn, work)  # type: ignore[no-untyped-call]
    return result


def make_engine(database_url: str) -> Engine[Any]:
    """Create the Piccolo engine that TEND_DATABASE_URL names."""
    if database_url.startswith("sqlite:"):
        # sqlite:///var/x.sqlite3 is relative; sqlite:////tmp/x.sqlite3 is absolute.
        path = database_url.removeprefix("sqlite:").removeprefix("///")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = TendSQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        _enable_wal(path)
        return engine
    parts = urlsplit(database_url)
    config: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "database": parts.path.lstrip("/") or "postgres",
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    return PostgresEngine(config=config)


def _enable_wal(path: str) -> None:
    # journal_mode is stored in the file, so setting it once at start-up covers every
    # later connection; WAL lets readers (pulls) run while a push writes.
    # closing(): sqlite3's own context manager commits but leaves the connection open, and
    # an open connection makes `restore` rightly refuse the file as in use.
    with closing(sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)) as connection:
        connection.execute("PRAGMA journal_mode = WAL")


def is_sqlite(engine: Engine[Any]) -> bool:
    return engine.engine_type == "sqlite"


@asynccontextmanager
async def write_transaction(engine: Engine[Any]) -> AsyncIterator[None]:
    """A transaction for writes: BEGIN IMMEDIATE on SQLite.

    A deferred SQLite transaction that reads and then writes fails with "database is
    locked" when another writer got in between; IMMEDIATE takes the write lock up front
    and waits (busy_timeout) instead.
    """
    if is_sqlite(engine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


@functools.lru_cache(maxsize=1024)
def _compiled(sql: str, engine_type: str, arg_count: int) -> str:
    # Piccolo's own compiler, run once per template: building a QueryString per call costs
    # ~5 us per argument (a 200-row INSERT has 2,600).
    return QueryString(sql, *([None] * arg_count)).compile_string(engine_type=engine_type)[0]


async def _run(engine: Engine[Any], sql: str, args: tuple[Any, ...]) -> list[Any]:
    """What engine.run_querystring does for plain values, without the QueryString."""
    query = _compiled(sql, engine.engine_type, len(args))
    transaction = engine.current_transaction.get()
    if isinstance(engine, SQLiteEngine):
        if transaction is not None:
            rows = await engine._run_in_existing_connection(transaction.connection, query, [*args])
        else:
            rows = await engine._run_in_new_connection(query, [*args])
        return list(rows)
    if transaction is not None:
        return list(await transaction.connection.fetch(query, *args))
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        async with engine.pool.acquire() as connection:
            return list(await connection.fetch(query, *args))
    return list(await engine.run_querystring(QueryString(sql, *args)))


async def fetch(engine: Engine[Any], sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run SQL with `{}` placeholders (portable across engines); returns rows as dicts."""
    rows = await _run(engine, sql, args)
    # SQLite rows are dicts already (dict_factory); asyncpg Records are not.
    return [row if isinstance(row, dict) else dict(row) for row in rows]


async def fetch_as(engine: Engine[Any], row_type: type[Row], sql: str, *args: Any) -> list[Row]:
    """Like `fetch`, each row converted to `row_type` (a msgspec Struct) by column name.

    `strict=False` accepts SQLite's 0/1 for booleans and ISO text for datetimes.
    """
    rows = await _run(engine, sql, args)
    dicts = [row if isinstance(row, dict) else dict(row) for row in rows]
    # One convert call for the whole list: several times faster than one per row.
    # mypy cannot take a type held in a variable as a type argument; msgspec can.
    converted: list[Row] = msgspec.convert(dicts, list[row_type], strict=False)  # type: ignore[valid-type]
    return converted


async def fetch_tuples(engine: Engine[Any], sql: str, *args: Any) -> list[Sequence[Any]]:
    """Like `fetch`, rows as tuples (in SELECT order): for reads of thousands of rows, where
    building a dict per row costs more than the query (insights over a year: ~15,000)."""
    query = _compiled(sql, engine.engine_type, len(args))
    transaction = engine.current_transaction.get()
    if isinstance(engine, SQLiteEngine):
        if transaction is not None:
            return await _sqlite_tuples(transaction.connection, query, args)
        assert isinstance(engine, TendSQLiteEngine)
        async with engine.reading() as connection:
            return await _sqlite_tuples(connection, query, args)
    # asyncpg Records are sequences already.
    return list(await _run(engine, sql, args))


async def _sqlite_tuples(
    connection: aiosqlite.Connection, query: str, args: tuple[Any, ...]
) -> list[Sequence[Any]]:
    # One trip to the connection's thread, as in _fetch_dicts; aiosqlite's public API has no
    # one-trip call with another row factory, so this queues a function as its own calls do.
    rows: list[Sequence[Any]] = await connection._execute(  # type: ignore[no-untyped-call]
        _tuples_in_thread, connection._conn, query, [*args]
    )
    return rows


def _tuples_in_thread(raw: sqlite3.Connection, query: str, args: list[Any]) -> list[Any]:
    cursor = raw.cursor()
    cursor.row_factory = None  # this cursor only; the connection keeps dict rows
    try:
        return cursor.execute(query, args).fetchall()
    finally:
        cursor.close()


async def execute(engine: Engine[Any], sql: str, *args: Any) -> None:
    await _run(engine, sql, args)


def placeholders(rows: int, columns: int) -> str:
    """`({}, {}), ({}, {})` for a multi-row VALUES clause."""
    row = "(" + ", ".join(["{}"] * columns) + ")"
    return ", ".join([row] * rows)


def in_list(count: int) -> str:
    """`{}, {}, {}` for `IN (...)` with `count` values (at least one)."""
    return ", ".join(["{}"] * max(count, 1))


def flatten(rows: Sequence[Sequence[Any]]) -> list[Any]:
    return [value for row in rows for value in row]


class _PooledConnection(asyncpg.Connection):  # type: ignore[misc]  # untyped base
    """A pooled PostgreSQL connection handed back without asyncpg's reset query.

    asyncpg resets a connection on every return to the pool (`pg_advisory_unlock_all`,
    `CLOSE ALL`, `UNLISTEN *`, `RESET ALL`): a round trip per use, three per sync request.
    Tend holds nothing that outlives a transaction on a connection (its advisory locks are
    transaction-scoped, it never LISTENs, SETs a session variable or opens a cursor outside
    a transaction), and an open transaction is still rolled back on release.
    """

    def get_reset_query(self) -> str:
        return ""


async def start(engine: Engine[Any], pool_size: int = 40) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(
            min_size=2, max_size=pool_size, connection_class=_PooledConnection
        )
    elif isinstance(engine, TendSQLiteEngine):
        await engine.start_pool(readers=min(pool_size, SQLITE_READERS))


async def stop(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
    elif isinstance(engine, TendSQLiteEngine):
        await engine.close_pool()
