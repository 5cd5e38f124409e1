"""Apply Piccolo migrations to a given engine and report whether they are current."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine

from backend import db, piccolo_conf
from backend.piccolo_app import APP_CONFIG, TABLES

# Piccolo's migration runner finds its configuration module through this variable.
os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")

APP_NAME = APP_CONFIG.app_name
MIGRATIONS_DIR = Path(APP_CONFIG.migrations_folder_path)


class _Unbound:
    """Stands in for an engine on every app table: querying a table through Piccolo's ORM
    fails at once, so each query goes through the engine it was handed and two engines in
    one process (two apps, the tests, the CLI) can never cross."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(
            "Tend's tables are not bound to an engine: query with backend.db and the "
            "engine from Services"
        )


for _table in TABLES:
    _table._meta.db = _Unbound()  # type: ignore[assignment]  # see _Unbound

# Piccolo's migration runner finds its engine globally (piccolo_conf.DB and the Migration
# table); one migration at a time per event loop holds that binding, then lets it go.
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


@contextlib.asynccontextmanager
async def _bound(engine: Engine[Any]) -> AsyncIterator[None]:
    lock = _locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        piccolo_conf.bind(engine)
        Migration._meta.db = engine
        try:
            yield
        finally:
            piccolo_conf.bind(None)
            Migration._meta._db = None


def migration_ids() -> list[str]:
    ids = []
    for path in sorted(MIGRATIONS_DIR.glob("tend_*.py")):
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.startswith("ID = "):
                ids.append(line.split("=", 1)[1].strip().strip('"'))
    return sorted(ids)


async def applied_ids(engine: Engine[Any]) -> list[str]:
    """The migrations this database has run (Piccolo's `migration` table), read directly."""
    if db.is_sqlite(engine):
        exists = await db.fetch(
            engine, "SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = 'migration'"
        )
    else:
        exists = await db.fetch(
            engine, "SELECT 1 AS one WHERE to_regclass('migration') IS NOT NULL"
        )
    if not exists:
        return []
    rows = await db.fetch(engine, "SELECT name FROM migration WHERE app_name = {}", APP_NAME)
    return sorted(str(row["name"]) for row in rows)


async def pending_migrations(engine: Engine[Any]) -> list[str]:
    done = set(await applied_ids(engine))
    return [mid for mid in migration_ids() if mid not in done]


async def migrate(engine: Engine[Any], *, until: str = "all", quiet: bool = True) -> list[str]:
    """Apply pending migrations (all, or up to and including `until`); returns the ids applied."""
    pending = await pending_migrations(engine)
    if until != "all":
        pending = [mid for mid in pending if mid <= until]
    if not pending:
        return []
    async with _bound(engine):
        manager = ForwardsMigrationManager(app_name=APP_NAME, migration_id=until)
        output = io.StringIO()
        # Piccolo prints progress with emoji; the CLI shows its own summary instead.
        with contextlib.redirect_stdout(output) if quiet else contextlib.nullcontext():
            result = await manager.run()
    if not result.success:
        raise RuntimeError(f"Migration failed: {result.message}")
    return pending
