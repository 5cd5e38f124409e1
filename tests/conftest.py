"""Shared fixtures: a fresh database per test on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.db import make_engine
from backend.migrate import migrate
from backend.settings import Settings, load_settings

# The test suite's own variables (TEND_TEST_*) are read here, never by the app.
PG_URL = os.environ.get("TEND_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
BASE_URL = "http://127.0.0.1:8000"


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not PG_URL:
        raise pytest.UsageError("CI=true needs TEND_TEST_DATABASE_URL: PostgreSQL is not optional")


def backends() -> list[str]:
    return ["sqlite", "postgres"] if PG_URL else ["sqlite"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend_name" in metafunc.fixturenames:
        names = backends()
        if metafunc.definition.get_closest_marker("postgres_only"):
            names = ["postgres"] if PG_URL else []
            if not names and IN_CI:
                raise pytest.UsageError("postgres_only test without TEND_TEST_DATABASE_URL")
        metafunc.parametrize("backend_name", names)


def _with_db(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this run, migrated once."""
    if not PG_URL:
        # Only outside CI: pytest_configure makes a missing database a failure when CI=true.
        pytest.skip("TEND_TEST_DATABASE_URL not set")
    name = f"tend_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = _with_db(PG_URL, name)
    asyncio.run(_migrate(url))
    try:
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(_migrate(f"sqlite:///{path}"))
    return path


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    await migrate(engine)


async def truncate_all(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        names = ", ".join(f'"{t}"' for t in all_tables())
        await connection.execute(f"TRUNCATE {names} CASCADE")
    finally:
        await connection.close()


def all_tables() -> list[str]:
    from backend.piccolo_app import TABLES as TABLE_CLASSES

    return [t._meta.tablename for t in TABLE_CLASSES]


@pytest.fixture
def database_url(backend_name: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database for one test."""
    if backend_name == "postgres":
        url: str = request.getfixturevalue("pg_database")
        asyncio.run(truncate_all(url))
        return url
    template: Path = request.getfixturevalue("sqlite_template")
    target = tmp_path / "tend.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def make_test_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "scheduler_enabled": False,
        "auto_migrate": True,
    }
    values.update(overrides)
    return load_settings({}, **values)


@pytest.fixture
def settings_factory(database_url: str, tmp_path: Path) -> Callable[..., Settings]:
    def factory(**overrides: Any) -> Settings:
        overrides.setdefault("var_dir", str(tmp_path / "var"))
        return make_test_settings(database_url, **overrides)

    return factory


@pytest.fixture
async def app(settings_factory: Callable[..., Settings]) -> AsyncIterator[Litestar]:
    """The real app with its lifespan running (migrations, pool) in the test's event loop."""
    application = create_app(settings_factory())
    async with application.state.lifespan(application):
        yield application


def http_client(app: Litestar, base_url: str = BASE_URL) -> httpx.AsyncClient:
    """A client with its own cookie jar: one per simulated device."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as test_client:
        yield test_client


async def new_client(app: Litestar) -> httpx.AsyncClient:
    return http_client(app)


PASSPHRASE = "correct horse battery"


async def signup(
    client: httpx.AsyncClient, username: str = "alice", **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/signup", json={"username": username, "passphrase": PASSPHRASE, **extra}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


__all__ = ["make_test_settings", "new_client", "signup"]
