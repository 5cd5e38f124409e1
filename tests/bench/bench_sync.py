"""Sync benchmarks: push 1,000 records and pull 20,000 on SQLite and PostgreSQL, each next to
the same work done straight on the database, and 100 devices at once on both."""

from __future__ import annotations

import asyncio
import cProfile
import importlib.util
import itertools
import math
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import msgspec
from litestar import Litestar

from backend import db
from backend.demo.generator import GeneratedRecord, to_changes
from backend.journal.kinds import SINGLETON_IDS
from tests.bench.common import (
    PASSPHRASE,
    SqliteFiles,
    asgi_client,
    bench_settings,
    cpu_seconds,
    envelope,
    journal,
    login,
    percentile,
    post_sync,
    pull_page,
    running_app,
    signup,
    throwaway_postgres,
    uvicorn_server,
)

PUSH_RECORDS, PUSH_BATCH, PUSH_RUNS = 1000, 200, 5
PULL_RECORDS, PULL_LIMIT, PULL_RUNS = 20_000, 1000, 3
DEVICES, CHANGES_PER_DEVICE = 100, 20
# Issue 15: push <= 0.12 s and <= 25x the same rows in one transaction; pull <= 0.20 s.
PUSH_TARGET_S, PUSH_TARGET_RATIO, PULL_TARGET_S = 0.12, 25.0, 0.20
_RAW_PAGE_SQL = (
    "SELECT CAST(record_id AS TEXT), kind, schema_version, server_seq, deleted, fields"
    " FROM record WHERE user_id = {} AND server_seq > {} ORDER BY server_seq LIMIT {}"
)
_serial = itertools.count()
_encode = msgspec.json.Encoder().encode
# Set by `run.py --profile`: only the timed sections run under this profiler, and the
# concurrent benchmark's server writes its own CPU profile to SERVER_PROFILE.
PROFILER: cProfile.Profile | None = None
SERVER_PROFILE = ""


@contextmanager
def _measured() -> Iterator[None]:
    if PROFILER is None:
        yield
        return
    PROFILER.enable()
    try:
        yield
    finally:
        PROFILER.disable()


def _unique(prefix: str) -> str:
    """A username no earlier run used: the PostgreSQL runs share one database."""
    return f"{prefix}{next(_serial)}"


@asynccontextmanager
async def _sqlite_urls() -> AsyncIterator[Callable[[], str]]:
    """Each call gives a fresh copy of one migrated file."""
    with tempfile.TemporaryDirectory() as tmp:
        files = SqliteFiles(Path(tmp))
        await files.prepare()
        yield files.fresh


@asynccontextmanager
async def _postgres_urls() -> AsyncIterator[Callable[[], str]]:
    """One throwaway database for every run (creating one per run costs ~1 s)."""
    async with throwaway_postgres() as url:
        yield lambda: url


async def _on_each_database(
    bench: Callable[[Callable[[], str]], Awaitable[dict[str, Any]]],
) -> dict[str, dict[str, Any]]:
    """`bench` run on SQLite, then on PostgreSQL, given a source of database URLs."""
    results: dict[str, dict[str, Any]] = {}
    for name, urls in (("sqlite", _sqlite_urls), ("postgresql", _postgres_urls)):
        async with urls() as fresh:
            results[name] = await bench(fresh)
    return results


def _now() -> tuple[datetime, int]:
    now = datetime.now(UTC)
    return now, int(now.timestamp() * 1000)


def _settled(body: dict[str, Any]) -> None:
    """Every change got a final answer (superseded is one: another device wrote later)."""
    for result in body["results"]:
        if result["status"] not in ("applied", "superseded", "duplicate"):
            raise RuntimeError(f"change {result['status']}: {result.get('error')}")


def _applied(body: dict[str, Any], expected: int) -> None:
    statuses = [r["status"] for r in body["results"]]
    if statuses != ["applied"] * expected:
        raise RuntimeError(f"expected {expected} applied changes, got {statuses[:5]}...")


async def _timed_push(
    client: httpx.AsyncClient, device: str, records: list[GeneratedRecord]
) -> tuple[float, float]:
    """Seconds (wall, CPU of this process) for one device to push `records` in syncs of 200."""
    changes = to_changes(records, device, _now()[1])
    cursor, epoch = 0, None
    with _measured():
        start, cpu = time.perf_counter(), time.process_time()
        for first in range(0, len(changes), PUSH_BATCH):
            batch = changes[first : first + PUSH_BATCH]
            body = await post_sync(client, envelope(device, batch, cursor=cursor, epoch=epoch))
            _applied(body, len(batch))
            cursor, epoch = body["next_cursor"], body["epoch"]
        return time.perf_counter() - start, time.process_time() - cpu


async def _push_once(url: str, records: list[GeneratedRecord]) -> tuple[float, float]:
    async with running_app(bench_settings(url)) as app, asgi_client(app) as client:
        device = (await signup(client, _unique("pusher")))["device_id"]
        return await _timed_push(client, device, records)


async def _push_over_uvicorn(url: str, records: list[GeneratedRecord], runs: int) -> list[float]:
    """The same pushes through a real server and socket; one new person per run."""
    walls = []
    with uvicorn_server(url) as (base_url, _):
        for _ in range(runs + 1):
            async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
                device = (await signup(client, _unique("pusher")))["device_id"]
                walls.append((await _timed_push(client, device, records))[0])
    return walls[1:]


def _rows(
    records: list[GeneratedRecord], user: uuid.UUID, device: str
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    """Record and history rows as the service writes them for creating changes, and the
    highest server_seq among them."""
    now, now_ms = _now()
    seq = now_ms * 1000
    record_rows, change_rows = [], []
    for change in to_changes(records, device, now_ms):
        seq += 1
        fields = _encode(change["fields"]).decode()
        meta = _encode({name: (seq, device) for name in change["fields"]}).decode()
        record_id = uuid.UUID(change["record_id"])
        record_rows.append((user, record_id, change["kind"], 1, fields, meta, seq, False))
        change_rows.append(
            (user, uuid.UUID(device), now, uuid.UUID(change["change_id"]), record_id,
             change["kind"], 1, 0, "applied", seq, fields, "", "")
        )  # fmt: skip
    return record_rows, change_rows, seq


async def _insert(engine: Any, rows: list[tuple[Any, ...]], history: list[tuple[Any, ...]]) -> None:
    """Multi-row INSERTs through backend.db, in chunks under SQLite's 32,766 parameter cap."""
    for first in range(0, len(rows), 2000):
        chunk = rows[first : first + 2000]
        await db.execute(
            engine,
            "INSERT INTO record (user_id, record_id, kind, schema_version, fields, field_meta,"
            f" server_seq, deleted) VALUES {db.placeholders(len(chunk), 8)}",
            *db.flatten(chunk),
        )
    for first in range(0, len(history), 2000):
        chunk = history[first : first + 2000]
        await db.execute(
            engine,
            "INSERT INTO change (user_id, device_id, received_at, change_id, record_id, kind,"
            " schema_version, base_seq, status, server_seq, fields, original_hlcs, error)"
            f" VALUES {db.placeholders(len(chunk), 13)}",
            *db.flatten(chunk),
        )


async def _floor_once(url: str, records: list[GeneratedRecord]) -> float:
    """The same rows inserted directly in ONE transaction: what no sync server can beat."""
    async with running_app(bench_settings(url)) as app, asgi_client(app) as client:
        me = await signup(client, _unique("pusher"))
        rows, history, _ = _rows(records, uuid.UUID(me["user_id"]), me["device_id"])
        engine = app.state.services.engine
        start = time.perf_counter()
        async with db.write_transaction(engine):
            await _insert(engine, rows, history)
        return time.perf_counter() - start


async def _push_on(fresh: Callable[[], str], runs: int) -> dict[str, Any]:
    """Push, its floor and the same over uvicorn on one database, each run a new person."""
    records = journal(PUSH_RECORDS)
    await _push_once(fresh(), records)  # warm-up: imports, caches, first connections
    pushes = [await _push_once(fresh(), records) for _ in range(runs)]
    floors = [await _floor_once(fresh(), records) for _ in range(runs)]
    served = await _push_over_uvicorn(fresh(), records, runs)
    push, floor = statistics.median(wall for wall, _ in pushes), statistics.median(floors)
    return {
        "push_s": push,
        "push_runs_s": [wall for wall, _ in pushes],
        "push_cpu_s": statistics.median(cpu for _, cpu in pushes),
        "push_over_uvicorn_s": statistics.median(served),
        "floor_one_transaction_s": floor,
        "floor_runs_s": floors,
        "ratio_to_floor": push / floor,
        "ok": push <= PUSH_TARGET_S and push / floor <= PUSH_TARGET_RATIO,
    }


async def bench_push(runs: int = PUSH_RUNS) -> dict[str, Any]:
    """a. One device pushes 1,000 new records as 5 syncs of 200, on SQLite (synchronous=FULL)
    and on PostgreSQL, each next to the same rows inserted in one transaction (issue 15)."""
    results = await _on_each_database(lambda fresh: _push_on(fresh, runs))
    return {
        "records": PUSH_RECORDS,
        "requests": PUSH_RECORDS // PUSH_BATCH,
        "runs": runs,
        "transport": "httpx.ASGITransport (in process)",
        **results["sqlite"],  # the keys earlier results had at the top, from SQLite
        **results,
        "target_s": PUSH_TARGET_S,
        "target_ratio_to_floor": PUSH_TARGET_RATIO,
        "ok": all(result["ok"] for result in results.values()),
    }


async def _pull_all(client: httpx.AsyncClient, device: str) -> tuple[int, int]:
    cursor, pulled, pages = 0, 0, 0
    while True:
        request = envelope(device, [], cursor=cursor, pull_limit=PULL_LIMIT)
        page = await pull_page(client, request)
        pulled, pages, cursor = pulled + len(page.records), pages + 1, page.next_cursor
        if not page.has_more:
            return pulled, pages


async def _seed(app: Litestar, me: dict[str, Any], count: int) -> None:
    """Store `count` records in the rows a push would write (pushing them takes ~20 s)."""
    user = uuid.UUID(me["user_id"])
    rows, history, last_seq = _rows(journal(count), user, me["device_id"])
    engine = app.state.services.engine
    async with db.write_transaction(engine):
        await _insert(engine, rows, history)
        # The cursor may not pass the highest seq the server says it issued.
        await db.execute(
            engine,
            "INSERT INTO sync_state (user_id, epoch, last_seq, server_hlc) VALUES ({}, {}, {}, '')"
            " ON CONFLICT (user_id) DO UPDATE SET last_seq = excluded.last_seq",
            user,
            uuid.uuid4(),
            last_seq,
        )


async def _timed_pull(client: httpx.AsyncClient, username: str) -> tuple[float, float]:
    """Seconds (wall, CPU of this process) for a new device to pull everything."""
    device = (await login(client, username))["device_id"]
    with _measured():
        start, cpu = time.perf_counter(), time.process_time()
        pulled, _ = await _pull_all(client, device)
        timing = time.perf_counter() - start, time.process_time() - cpu
    if pulled != PULL_RECORDS:
        raise RuntimeError(f"pulled {pulled} of {PULL_RECORDS} records")
    return timing


async def _raw_pull(engine: Any, user: uuid.UUID) -> float:
    """Seconds to read the same pages straight from the database: the query the server runs
    (one row more than a page, to know if more follow), the cursor advancing page by page."""
    cursor, read = 0, 0
    start = time.perf_counter()
    while True:
        rows = await db.fetch_tuples(engine, _RAW_PAGE_SQL, user, cursor, PULL_LIMIT + 1)
        page = rows[:PULL_LIMIT]
        read, cursor = read + len(page), page[-1][3] if page else cursor
        if len(rows) <= PULL_LIMIT:
            break
    wall = time.perf_counter() - start
    if read != PULL_RECORDS:
        raise RuntimeError(f"read {read} of {PULL_RECORDS} records")
    return wall


async def _pull_in_process(url: str, runs: int) -> dict[str, list[tuple[float, float]]]:
    """Pulls with and without gzip, and the raw reads (CPU not counted), in turns; the first
    round of each warms up and is dropped."""
    timings: dict[str, list[tuple[float, float]]] = {"gzip": [], "identity": [], "raw": []}
    async with running_app(bench_settings(url)) as app:
        async with asgi_client(app) as client:
            me = await signup(client, "puller")
            await _seed(app, me, PULL_RECORDS)
        engine, user = app.state.services.engine, uuid.UUID(me["user_id"])
        for _ in range(runs + 1):
            # A browser sends Accept-Encoding: gzip.
            for encoding in ("gzip", "identity"):
                async with asgi_client(app) as client:
                    client.headers["accept-encoding"] = encoding
                    timings[encoding].append(await _timed_pull(client, "puller"))
            timings["raw"].append((await _raw_pull(engine, user), 0.0))
    return {name: samples[1:] for name, samples in timings.items()}


async def _pull_on(fresh: Callable[[], str], runs: int) -> dict[str, Any]:
    url = fresh()
    timings = await _pull_in_process(url, runs)
    served = []
    with uvicorn_server(url) as (base_url, _):
        for _ in range(runs + 1):
            async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
                served.append((await _timed_pull(client, "puller"))[0])
    gzip, identity = timings["gzip"], timings["identity"]
    pull = statistics.median(wall for wall, _ in gzip)
    raw = statistics.median(wall for wall, _ in timings["raw"])
    return {
        "pull_s": pull,
        "pull_runs_s": [wall for wall, _ in gzip],
        "pull_cpu_s": statistics.median(cpu for _, cpu in gzip),
        "pull_without_gzip_s": statistics.median(wall for wall, _ in identity),
        "pull_without_gzip_cpu_s": statistics.median(cpu for _, cpu in identity),
        "pull_over_uvicorn_s": statistics.median(served[1:]),
        "raw_pages_s": raw,
        "raw_runs_s": [wall for wall, _ in timings["raw"]],
        "ratio_to_raw": pull / raw,
        "ok": pull <= PULL_TARGET_S,
    }


async def bench_pull(runs: int = PULL_RUNS) -> dict[str, Any]:
    """b. A new device pulls 20,000 records in pages of 1,000, on SQLite and on PostgreSQL,
    each next to the same pages read straight from the database (issue 15)."""
    results = await _on_each_database(lambda fresh: _pull_on(fresh, runs))
    return {
        "records": PULL_RECORDS,
        "pages": math.ceil(PULL_RECORDS / PULL_LIMIT),
        "runs": runs,
        "transport": "httpx.ASGITransport (in process)",
        **results["sqlite"],  # the keys earlier results had at the top, from SQLite
        **results,
        "target_s": PULL_TARGET_S,
        "ok": all(result["ok"] for result in results.values()),
    }


class _Tally:
    """Latencies and failures of every request in one benchmark shape."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []


async def _device_run(
    base_url: str,
    username: str,
    changes_per_sync: int,
    seed: int,
    ready: asyncio.Barrier,
    tally: _Tally,
    changes_per_device: int = CHANGES_PER_DEVICE,
) -> None:
    """One device: sign in, wait for the others, then sync its changes one batch after another.

    aiohttp rather than httpx: the load generator shares the server's two cores, and httpx
    spent about 1 ms of CPU a request, a third of the whole budget (make bench: concurrent).
    """
    jar = aiohttp.CookieJar(unsafe=True)  # the session cookie comes from 127.0.0.1
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base_url, cookie_jar=jar, timeout=timeout) as client:
        device = await _aiohttp_login(client, username)
        changes = to_changes(_device_records(seed, changes_per_device), device, _now()[1])
        cursor, epoch = 0, None
        await ready.wait()
        for first in range(0, len(changes), changes_per_sync):
            began = time.perf_counter()
            try:
                batch = changes[first : first + changes_per_sync]
                request = envelope(device, batch, cursor=cursor, epoch=epoch)
                body = await _aiohttp_sync(client, request)
                _settled(body)
                cursor, epoch = body["next_cursor"], body["epoch"]
            except (aiohttp.ClientError, TimeoutError, RuntimeError) as exc:
                tally.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            tally.latencies.append(time.perf_counter() - began)


async def _aiohttp_login(client: aiohttp.ClientSession, username: str) -> str:
    body = {"username": username, "passphrase": PASSPHRASE, "device_id": str(uuid.uuid4())}
    async with client.post("/api/v1/auth/login", json=body) as response:
        if response.status != 200:
            raise RuntimeError(f"login answered {response.status}: {await response.text()}")
        return str((await response.json())["device_id"])


async def _aiohttp_sync(client: aiohttp.ClientSession, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    async with client.post("/api/v1/sync", data=_encode(body), headers=headers) as response:
        content = await response.read()
        if response.status != 200:
            raise RuntimeError(f"sync answered {response.status}: {content[:300]!r}")
    decoded: dict[str, Any] = msgspec.json.decode(content)
    return decoded


def _device_records(seed: int, count: int = CHANGES_PER_DEVICE) -> list[GeneratedRecord]:
    # The profile and safety plan would be the same two records on every device.
    records = journal(count + 2, seed)
    return [r for r in records if r.kind not in SINGLETON_IDS][:count]


async def _concurrent_shape(
    base_url: str,
    pid: int,
    *,
    one_person: bool = False,
    changes_per_sync: int = 1,
    seed: int = 0,
    devices: int = DEVICES,
    changes_per_device: int = CHANGES_PER_DEVICE,
) -> dict[str, Any]:
    names = ["shared" if one_person else f"person{i}" for i in range(devices)]
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        for name in sorted(set(names)):
            response = await client.post(
                "/api/v1/auth/signup", json={"username": name, "passphrase": PASSPHRASE}
            )
            if response.status_code not in (201, 409):  # 409: made by an earlier shape
                response.raise_for_status()
    ready, tally = asyncio.Barrier(devices + 1), _Tally()
    tasks = [
        asyncio.create_task(
            _device_run(
                base_url, name, changes_per_sync, seed + i, ready, tally, changes_per_device
            )
        )
        for i, name in enumerate(names)
    ]
    # A device that fails to sign in never reaches the barrier: fail loudly, not hang.
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait([waiting, *tasks], return_when=asyncio.FIRST_COMPLETED)
    if not waiting.done():
        failed = next(t for t in tasks if t.done())
        for task in (waiting, *tasks):
            task.cancel()
        failed.result()  # raises the device's error
        raise RuntimeError("a device finished before every device had signed in")
    began, server_cpu, client_cpu = time.perf_counter(), cpu_seconds(pid), time.process_time()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - began
    client_cpu = time.process_time() - client_cpu
    server_after = cpu_seconds(pid)
    if server_cpu is not None and server_after is not None:
        server_cpu = server_after - server_cpu
    latencies = tally.latencies
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    return {
        "requests": len(latencies),
        "changes_per_sync": changes_per_sync,
        "wall_s": wall,
        "requests_per_s": len(latencies) / wall,
        "p50_ms": p50 * 1000,
        "p99_ms": p99 * 1000,
        "max_ms": max(latencies) * 1000,
        "server_cpu_ms_per_request": server_cpu and server_cpu * 1000 / len(latencies),
        "client_cpu_ms_per_request": client_cpu * 1000 / len(latencies),
        "errors": len(tally.errors),
        "error_samples": tally.errors[:3],
        "ok": p99 <= 0.3 and not tally.errors,
    }


def _server_stack() -> str:
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"uvicorn (1 worker, {loop} + {parser}) on 127.0.0.1 in a child process"


async def _concurrent_on(url: str) -> dict[str, Any]:
    with uvicorn_server(url, SERVER_PROFILE) as (base_url, pid):
        people = await _concurrent_shape(base_url, pid)
        shared = await _concurrent_shape(base_url, pid, one_person=True, seed=1000)
        burst = await _concurrent_shape(base_url, pid, changes_per_sync=20, seed=2000)
    return {"people": people, "one_person": shared, "burst": burst}


async def bench_concurrent() -> dict[str, Any]:
    """c. 100 devices, each with its own session and HTTP client, against uvicorn + PostgreSQL,
    then the same against uvicorn + SQLite (issue 15).

    Main shape: 100 people, each device syncing its 20 changes one at a time, the next as soon
    as the last returned (2,000 requests, always 100 in flight). Also: one person's 100
    devices (every push waits for the same per-person lock), and a burst of 100 syncs of 20
    changes each sent at the same moment.
    """
    async with throwaway_postgres() as url:
        pg = await _concurrent_on(url)
    with tempfile.TemporaryDirectory() as tmp:
        files = SqliteFiles(Path(tmp))
        await files.prepare()
        lite = await _concurrent_on(files.fresh())
    people = pg["people"]
    return {
        "devices": DEVICES,
        "changes_per_device": CHANGES_PER_DEVICE,
        "transport": _server_stack(),
        "database": "postgresql",
        "p50_ms": people["p50_ms"],
        "p99_ms": people["p99_ms"],
        "errors": people["errors"],
        **pg,
        "sqlite": lite,
        "target_p99_ms": 300,
        "ok": people["ok"] and lite["people"]["ok"],
    }
