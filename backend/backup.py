"""Back up and restore the database; after a restore every device re-sends what it holds."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from backend.db import make_engine
from backend.migrate import migrate
from backend.settings import Settings
from backend.sync.store import rotate_epochs

_TEMP_PREFIX = ".tend-partial-"


class BackupError(Exception):
    """What went wrong, in a sentence for the operator; nothing was changed."""


def backup(settings: Settings, target: Path) -> str:
    """A consistent copy of the database at `target`, which must not exist yet."""
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    with _partial(target) as partial:
        if settings.is_sqlite:
            _sqlite_copy(_sqlite_path(settings), partial)
        else:
            _pg_dump(settings.database_url, partial)
        partial.chmod(0o600)  # accounts and journals: for the operator's eyes only
        _sync_file(partial)
        _publish(partial, target)
    return f"Backed up the database to {target}."


def restore(settings: Settings, source: Path) -> str:
    """Put `source` in place of the database, migrate it, and rotate every sync epoch.

    The server must be stopped: a running one would keep writing to what it has open.
    """
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    if settings.is_sqlite:
        live = _sqlite_path(settings)
        _sqlite_replace(source, live)
        where = str(live)
    else:
        _pg_restore(settings.database_url, source)
        where = "the PostgreSQL database"
    try:
        people = asyncio.run(_bring_up_to_date(settings))
    except Exception as exc:
        # The backup is in place but devices have not been told: say exactly what is left.
        raise BackupError(
            f"{source} is in place, but bringing it up to date failed ({exc}). Fix that, then"
            " run `python -m backend migrate` and `python -m backend rotate-epoch` before"
            " starting Tend."
        ) from exc
    return (
        f"Restored {where} from {source}; {people} {'person' if people == 1 else 'people'}'s"
        " devices will re-upload what they have on their next sync."
    )


async def _bring_up_to_date(settings: Settings) -> int:
    # A backup from an older version gets the migrations it lacks; then every account gets
    # a new epoch, so each device re-sends what the backup does not have (docs/sync.md).
    engine = make_engine(settings.database_url)
    await migrate(engine)
    return await rotate_epochs(engine, None)


# SQLite ---------------------------------------------------------------------------------


def _sqlite_path(settings: Settings) -> Path:
    path = settings.database_url.removeprefix("sqlite:").removeprefix("///")
    if path == ":memory:":
        raise BackupError("An in-memory database cannot be backed up or restored.")
    return Path(path)


def _sqlite_copy(live: Path, partial: Path) -> None:
    if not live.is_file():
        raise BackupError(f"No database at {live}.")
    # VACUUM INTO reads one transaction's snapshot (WAL included) while the server writes.
    with contextlib.closing(sqlite3.connect(live, timeout=30)) as connection:
        connection.execute("VACUUM INTO ?", (str(partial),))


def _sqlite_replace(source: Path, live: Path) -> None:
    _check_tend_database(source)
    _refuse_if_in_use(live)
    live.parent.mkdir(parents=True, exist_ok=True)
    with _partial(live) as partial:
        # The backup API copies a consistent state even of a file that has its own -wal.
        with (
            contextlib.closing(sqlite3.connect(source)) as src,
            contextlib.closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst)
        if live.exists():
            shutil.copymode(live, partial)
        _sync_file(partial)
        # A -wal left from the newer database would be replayed over the restored file.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        os.replace(partial, live)
        _sync_dir(live.parent)


def _check_tend_database(source: Path) -> None:
    uri = f"{source.resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
            ok = connection.execute("PRAGMA quick_check").fetchone()
            tables = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'account'"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not a SQLite database ({exc}).") from exc
    if ok != ("ok",):
        raise BackupError(f"{source} is damaged (SQLite's check says: {ok[0]}).")
    if tables != (1,):
        raise BackupError(f"{source} is not a Tend database: it has no accounts table.")


def _refuse_if_in_use(live: Path) -> None:
    """Refuse while another connection (a running server keeps its own open) has the file."""
    if not live.exists():
        return
    with contextlib.closing(sqlite3.connect(live, timeout=0, isolation_level=None)) as probe:
        try:
            probe.execute("PRAGMA locking_mode = EXCLUSIVE")
            probe.execute("BEGIN EXCLUSIVE")
            probe.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise BackupError(
                f"{live} is in use: stop Tend (and anything else that has it open) first"
                f" (SQLite says: {exc})."
            ) from exc


# PostgreSQL -----------------------------------------------------------------------------


def _pg_dump(url: str, partial: Path) -> None:
    _pg_run(url, "pg_dump", "--format=custom", "--file", str(partial))


def _pg_restore(url: str, source: Path) -> None:
    # One transaction: a dump that fails half-way leaves the database as it was.
    _pg_run(
        url,
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        str(source),
    )


def _pg_run(url: str, tool: str, *args: str) -> None:
    program = shutil.which(tool)
    if program is None:
        raise BackupError(
            f"{tool} is not installed: install the PostgreSQL client tools"
            " (Debian and Ubuntu: apt install postgresql-client), the same major version"
            " as the server or newer."
        )
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password:
        # The password goes through the environment: a command line is visible to others.
        env["PGPASSWORD"] = unquote(parts.password)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{parts.username}@" if parts.username else ""
    netloc += f"[{host}]" if ":" in host else host
    netloc += f":{parts.port}" if parts.port else ""
    dbname = urlunsplit(("postgresql", netloc, parts.path, parts.query, ""))
    # A list, no shell: the URL and the file name cannot become extra commands.
    done = subprocess.run(  # noqa: S603
        [program, "--dbname", dbname, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip() or done.returncode}")


# Files ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _partial(target: Path) -> Iterator[Path]:
    """A fresh name beside `target` (same folder, so the final rename is atomic), removed
    if the work fails half-way."""
    handle, name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=target.parent)
    os.close(handle)
    partial = Path(name)
    partial.unlink()  # VACUUM INTO and pg_dump want to create it themselves
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)


def _publish(partial: Path, target: Path) -> None:
    # A hard link fails if the name exists, so a file made meanwhile is never overwritten.
    try:
        os.link(partial, target)
    except FileExistsError as exc:
        raise BackupError(f"{target} already exists; choose a new file name.") from exc
    _sync_dir(target.parent)


def _sync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _sync_dir(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
