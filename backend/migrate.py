"""Bind tables to an engine, apply Piccolo migrations and report whether they are current."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path
from typing import Any

from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine

from backend import piccolo_conf
from backend.piccolo_app import APP_CONFIG, TABLES

# Piccolo's migration runner finds its configuration module through this variable.
os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")

APP_NAME = APP_CONFIG.app_name
MIGRATIONS_DIR = Path(APP_CONFIG.migrations_folder_path)


def bind_engine(engine: Engine[Any]) -> None:
    """Point every table (and Piccolo's own migration table) at this engine.

    Piccolo binds tables to one global engine; the app, the CLI and the tests each bind
    the engine their settings name before touching the database.
    """
    piccolo_conf.bind(engine)
    for table in [*TABLES, Migration]:
        table._meta.db = engine


def migration_ids() -> list[str]:
    ids = []
    for path in sorted(MIGRATIONS_DIR.glob("tend_*.py")):
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.startswith("ID = "):
                ids.append(line.split("=", 1)[1].strip().strip('"'))
    return sorted(ids)


async def applied_ids() -> list[str]:
    if not await Migration.table_exists().run():
        return []
    return list(await Migration.get_migrations_which_ran(app_name=APP_NAME))


async def pending_migrations() -> list[str]:
    done = set(await applied_ids())
    return [mid for mid in migration_ids() if mid not in done]


async def migrate(engine: Engine[Any], *, quiet: bool = True) -> list[str]:
    """Apply pending migrations; returns the ids applied."""
    bind_engine(engine)
    pending = await pending_migrations()
    if not pending:
        return []
    manager = ForwardsMigrationManager(app_name=APP_NAME, migration_id="all")
    output = io.StringIO()
    # Piccolo prints progress with emoji; the CLI shows its own summary instead.
    with contextlib.redirect_stdout(output) if quiet else contextlib.nullcontext():
        result = await manager.run()
    if not result.success:
        raise RuntimeError(f"Migration failed: {result.message}")
    return pending
