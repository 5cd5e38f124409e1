"""Command line: python -m backend serve|migrate|backup|restore|rotate-epoch|... (see --help)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from backend.services import Services


def _services(settings: Settings) -> Services:
    from backend.services import build_services

    return build_services(settings)


# In-flight requests (a sync push) get this long to finish when the server is stopped.
GRACEFUL_SHUTDOWN_SECONDS = 30


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from backend.app import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers
    if workers < 1:
        raise SystemExit("--workers must be at least 1.")
    if settings.env == "dev":
        print(f"Tend is running at http://{host}:{port}/  (Ctrl+C stops it)", flush=True)
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": settings.log_level,
        "proxy_headers": settings.trust_forwarded_for,
        "server_header": False,
        # uvicorn's own access line has the raw path and query (share tokens): Tend logs
        # each request itself, by route template (backend/observability.py).
        "access_log": False,
        # SIGTERM: stop accepting, let requests under way finish, then the lifespan ends
        # (the scheduler finishes its pass and gives back what it claimed).
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **common)
        return 0
    # Several processes: each builds the app from the same TEND_* environment. Migrations
    # run once here first, so the workers do not race to apply them.
    if settings.auto_migrate and settings.env == "dev":
        cmd_migrate(settings, args)
    uvicorn.run("backend.app:create_app", factory=True, workers=workers, **common)
    return 0


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    from backend.migrate import migrate

    async def run() -> list[str]:
        services = _services(settings)
        return await migrate(services.engine)

    applied = asyncio.run(run())
    print(f"Applied {len(applied)} migration(s)." if applied else "Database is up to date.")
    return 0


def _read_passphrase(args: argparse.Namespace) -> str:
    if args.passphrase_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Passphrase (10+ characters): ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("The two passphrases differ.")
    return first


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    from backend.errors import AppError
    from backend.services import open_database

    passphrase = _read_passphrase(args)

    async def run() -> tuple[str, str]:
        services = _services(settings)
        async with open_database(services, apply_migrations=True):
            signed_in, code = await services.accounts.signup(
                args.username, passphrase, None, "command line", datetime.now(UTC)
            )
        return signed_in.username, code

    try:
        username, code = asyncio.run(run())
    except AppError as exc:
        print(f"Could not create the account: {exc.detail}", file=sys.stderr)
        return 1
    print(f"Created {username}. Recovery code (shown once, keep it safe): {code}")
    return 0


def cmd_vapid(settings: Settings, args: argparse.Namespace) -> int:
    from backend.reminders.vapid import load_or_create_vapid

    path = settings.vapid_key_path
    existed = path.exists()
    keys = load_or_create_vapid(path)
    print(("Existing" if existed else "Created") + f" VAPID key at {path}")
    print(f"Public key: {keys.public_key_b64url}")
    return 0


def cmd_rotate_epoch(settings: Settings, args: argparse.Namespace) -> int:
    from backend.sync.store import rotate_epochs

    async def run() -> int:
        services = _services(settings)
        user_id = None
        if args.user:
            user_id = await services.accounts.user_id_of(args.user)
            if user_id is None:
                raise SystemExit(f"No account named {args.user}.")
        return await rotate_epochs(services.engine, user_id)

    count = asyncio.run(run())
    print(f"Rotated the sync epoch of {count} account(s); their devices will re-sync fully.")
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from backend.backup import backup

    return _backup_step(lambda: backup(settings, Path(args.file)), "back up")


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from backend.backup import restore

    return _backup_step(lambda: restore(settings, Path(args.file)), "restore")


def _backup_step(step: Callable[[], str], verb: str) -> int:
    """Print what the step did, or why it could not (exit code 1)."""
    from backend.backup import BackupError

    try:
        print(step())
    except BackupError as exc:
        print(f"Could not {verb}: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from backend.demo.account import create_demo_account

    username, passphrase, records = asyncio.run(
        create_demo_account(_services(settings), username=args.username, days=args.days)
    )
    print(f"Demo account ready with {records} records over {args.days} days.")
    print(
        f"Sign in at http://{settings.host}:{settings.port}/ with username {username!r} "
        f"and passphrase {passphrase!r}."
    )
    return 0


def cmd_rules(settings: Settings, args: argparse.Namespace) -> int:
    from backend.journal import jsrules

    if args.check:
        if jsrules.RULES_PATH.read_text(encoding="utf-8") != jsrules.render():
            print(f"{jsrules.RULES_PATH} is stale: run python -m backend rules", file=sys.stderr)
            return 1
        print(f"{jsrules.RULES_PATH} is up to date.")
        return 0
    changed = jsrules.write()
    print(f"{'Wrote' if changed else 'Up to date:'} {jsrules.RULES_PATH}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m backend", description="Tend server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the API and the app")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--workers", type=int, default=1, help="server processes (PostgreSQL for more than 1)"
    )
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    create = sub.add_parser("create-user", help="create an account")
    create.add_argument("username")
    create.add_argument(
        "--passphrase-stdin", action="store_true", help="read the passphrase from standard input"
    )
    create.set_defaults(func=cmd_create_user)
    vapid = sub.add_parser("vapid", help="create (if missing) and show the Web Push key")
    vapid.set_defaults(func=cmd_vapid)
    rotate = sub.add_parser("rotate-epoch", help="after a restore: make devices re-sync")
    rotate.add_argument("--user", help="only this username (default: everyone)")
    rotate.set_defaults(func=cmd_rotate_epoch)
    saved = sub.add_parser("backup", help="a consistent copy of the database (server may run)")
    saved.add_argument("file", help="where to write it; must not exist yet")
    saved.set_defaults(func=cmd_backup)
    back = sub.add_parser(
        "restore", help="put a backup in place (stop the server first); devices re-sync"
    )
    back.add_argument("file", help="a file made by backup")
    back.set_defaults(func=cmd_restore)
    demo = sub.add_parser("demo", help="create a demo account with months of entries")
    demo.add_argument("--username", default="demo")
    demo.add_argument("--days", type=int, default=120)
    demo.set_defaults(func=cmd_demo)
    rules = sub.add_parser("rules", help="write pwa/js/rules.js from the record kinds")
    rules.add_argument("--check", action="store_true", help="only check that it is current")
    rules.set_defaults(func=cmd_rules)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    result: int = args.func(settings, args)
    return result


if __name__ == "__main__":
    sys.exit(main())
