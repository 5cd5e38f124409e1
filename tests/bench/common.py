"""Shared pieces of the sync benchmarks: settings, databases, clients and a uvicorn server."""

from __future__ import annotations

import contextlib
import cProfile
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type stubs
import httpx
import msgspec
from litestar import Litestar

from backend.app import create_app
from backend.db import make_engine
from backend.demo.generator import GeneratedRecord, generate_journal
from backend.migrate import migrate
from backend.settings import Settings, load_settings

PG_ADMIN_URL = (
    os.environ.get("TEND_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
)
PASSPHRASE = "benchmark passphrase"
BASE_URL = "http://127.0.0.1:8000"
# Cheap hashing: sign-up and login are set-up here, never what is measured.
FAST_HASHING: dict[str, Any] = {"argon2_time_cost": 1, "argon2_memory_kib": 1024}
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder()


BENCH_SIGNUP_LIMIT = 1_000_000


def bench_settings(database_url: str) -> Settings:
    return load_settings(
        {},
        database_url=database_url,
        scheduler_enabled=False,
        log_level="warning",
        # Benchmarks sign up many people from one address.
        signup_address_limit=BENCH_SIGNUP_LIMIT,
        # ... and sign 100 devices in from there, to one person too (set-up, not measured).
        login_address_limit=BENCH_SIGNUP_LIMIT,
        login_user_limit=BENCH_SIGNUP_LIMIT,
        login_device_limit=BENCH_SIGNUP_LIMIT,
        **FAST_HASHING,
    )


def server_environment(database_url: str) -> dict[str, str]:
    """The TEND_* variables giving a server process the same settings as bench_settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEND_")}
    env.update(
        TEND_DATABASE_URL=database_url,
        TEND_SCHEDULER_ENABLED="false",
        TEND_LOG_LEVEL="warning",
        TEND_SIGNUP_ADDRESS_LIMIT=str(BENCH_SIGNUP_LIMIT),
        TEND_LOGIN_ADDRESS_LIMIT=str(BENCH_SIGNUP_LIMIT),
        TEND_LOGIN_USER_LIMIT=str(BENCH_SIGNUP_LIMIT),
        TEND_LOGIN_DEVICE_LIMIT=str(BENCH_SIGNUP_LIMIT),
        TEND_ARGON2_TIME_COST=str(FAST_HASHING["argon2_time_cost"]),
        TEND_ARGON2_MEMORY_KIB=str(FAST_HASHING["argon2_memory_kib"]),
    )
    return env


def app_from_env() -> Litestar:
    """The app as `python -m backend serve` builds it, from TEND_* variables."""
    return create_app(load_settings())


def journal(count: int, seed: int = 11) -> list[GeneratedRecord]:
    """The first `count` records of a generated journal long enough to hold them."""
    days = count // 6 + 30
    records = generate_journal(start=date(2019, 1, 7), days=days, seed=seed)
    while len(records) < count:
        days *= 2
        records = generate_journal(start=date(2019, 1, 7), days=days, seed=seed)
    return records[:count]


class SqliteFiles:
    """Fresh, migrated SQLite files copied from one template (migrating each costs ~1 s)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.template = directory / "template.sqlite3"
        self.count = 0

    async def prepare(self) -> None:
        await migrate(make_engine(self.url(self.template)))

    def fresh(self) -> str:
        self.count += 1
        target = self.directory / f"bench-{self.count}.sqlite3"
        shutil.copyfile(self.template, target)
        return self.url(target)

    @staticmethod
    def url(path: Path) -> str:
        return f"sqlite:///{path}"


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[Litestar]:
    app = create_app(settings)
    async with app.state.lifespan(app):
        yield app


def asgi_client(app: Litestar) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar's precise ASGI types
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


async def signup(client: httpx.AsyncClient, username: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/signup", json={"username": username, "passphrase": PASSPHRASE}
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


async def login(client: httpx.AsyncClient, username: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login",
        json={"username": username, "passphrase": PASSPHRASE, "device_id": str(uuid.uuid4())},
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def envelope(
    device_id: str,
    changes: list[dict[str, Any]],
    *,
    cursor: int = 0,
    epoch: str | None = None,
    pull_limit: int = 500,
) -> dict[str, Any]:
    return {
        "protocol": 1,
        "device_id": device_id,
        "schema_version": 1,
        "epoch": epoch,
        "cursor": cursor,
        "changes": changes,
        "pull_limit": pull_limit,
    }


class PulledPage(msgspec.Struct):
    """What a pulling client must read of a response; records stay undecoded JSON."""

    records: list[msgspec.Raw]
    next_cursor: int
    has_more: bool


_decode_page = msgspec.json.Decoder(PulledPage)


async def post_sync_raw(client: httpx.AsyncClient, body: dict[str, Any]) -> bytes:
    """POST /api/v1/sync with fast JSON on the client side, so the server is what is timed."""
    response = await client.post(
        "/api/v1/sync", content=_encode(body), headers={"content-type": "application/json"}
    )
    if response.status_code != 200:
        raise RuntimeError(f"sync answered {response.status_code}: {response.text[:300]}")
    return response.content


async def post_sync(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = _decode.decode(await post_sync_raw(client, body))
    return decoded


async def pull_page(client: httpx.AsyncClient, body: dict[str, Any]) -> PulledPage:
    return _decode_page.decode(await post_sync_raw(client, body))


@asynccontextmanager
async def throwaway_postgres() -> AsyncIterator[str]:
    """A new, migrated PostgreSQL database, dropped afterwards."""
    name = f"tend_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}"
    try:
        await migrate(make_engine(url))
        yield url
    finally:
        admin = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (Linux), None where unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(port: int, profile_path: str = "") -> None:
    """Serve the app with uvicorn on 127.0.0.1 (run in the child process).

    With a profile path the server runs under cProfile, counting CPU time, and writes the
    profile when SIGTERM asks it to stop.
    """
    import uvicorn

    config = uvicorn.Config(
        app_from_env(), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    if not profile_path:
        server.run()
        return
    # uvicorn re-raises SIGTERM after shutting down, which would end us before the dump.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    server.run()
    profiler.disable()
    profiler.dump_stats(profile_path)


@contextmanager
def uvicorn_server(database_url: str, profile_path: str = "") -> Iterator[tuple[str, int]]:
    """The real app served by uvicorn (1 worker) in a child process, with its own interpreter
    and GIL; yields its base URL and process id."""
    port = _free_port()
    command = [
        sys.executable,
        "-c",
        "import sys; from tests.bench.common import serve; serve(int(sys.argv[1]), sys.argv[2])",
        str(port),
        profile_path,
    ]
    process = subprocess.Popen(command, env=server_environment(database_url))
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the benchmark server did not start")
            time.sleep(0.1)
        yield base_url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile: p99 of 2000 samples is the 1980th smallest."""
    ordered = sorted(samples)
    rank = min(len(ordered), max(1, math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]
