"""The one wiring point: settings -> engine -> services, for the app, the CLI and the demo.

`build_services` makes everything that needs no running event loop; `running` is the
app's lifespan (database pool, push client, reminder sender and its loop); `open_database`
is the part of it a command-line task needs. Handlers receive a service through Litestar
dependency injection (`dependencies`), never by reaching into `app.state`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from litestar.di import Provide
from piccolo.engine.base import Engine

from backend import db
from backend.accounts.passwords import Passwords
from backend.accounts.service import AccountService
from backend.migrate import migrate
from backend.reminders.listener import ReminderListener
from backend.reminders.loop import push_client, run_scheduler
from backend.reminders.sender import ReminderSender
from backend.reminders.service import ReminderService
from backend.reminders.vapid import VapidKeys, load_or_create_vapid
from backend.settings import Settings
from backend.sharing.service import ShareService
from backend.sync.service import SyncService

log = logging.getLogger("tend")
# How long a reminder pass under way may take to finish when the server shuts down.
SCHEDULER_GRACE_SECONDS = 10.0


class NotRunning(RuntimeError):
    """A service that needs the running app (push client, VAPID key) was asked for too early."""


@dataclass
class Services:
    settings: Settings
    engine: Engine[Any]
    accounts: AccountService
    sync: SyncService
    shares: ShareService
    # Set while `running`: they need the push client, which lives in the event loop.
    reminder_service: ReminderService | None = None
    vapid_keys: VapidKeys | None = None

    def reminders(self) -> ReminderService:
        if self.reminder_service is None:
            raise NotRunning("reminders start with the app's lifespan")
        return self.reminder_service

    def vapid(self) -> VapidKeys:
        if self.vapid_keys is None:
            raise NotRunning("the VAPID key is loaded with the app's lifespan")
        return self.vapid_keys


def build_services(settings: Settings) -> Services:
    engine = db.make_engine(settings.database_url)
    passwords = Passwords(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        concurrency=settings.password_hash_concurrency,
        signup_concurrency=settings.signup_hash_concurrency,
    )
    accounts = AccountService(engine, settings, passwords)
    sync = SyncService(engine, settings, accounts)
    sync.listeners.append(ReminderListener(engine))
    return Services(settings, engine, accounts, sync, ShareService(engine, settings, passwords))


@asynccontextmanager
async def open_database(services: Services, *, apply_migrations: bool) -> AsyncIterator[None]:
    """The connection pool (PostgreSQL) for the duration, migrations first if asked."""
    if apply_migrations:
        applied = await migrate(services.engine)
        if applied:
            log.info("applied migrations: %s", ", ".join(applied))
    await db.start(services.engine, services.settings.db_pool_size)
    try:
        yield
    finally:
        await db.stop(services.engine)


@asynccontextmanager
async def _scheduler(sender: ReminderSender, settings: Settings) -> AsyncIterator[None]:
    if not settings.scheduler_enabled:
        yield
        return
    stop = asyncio.Event()
    loop = asyncio.create_task(run_scheduler(sender, settings.scheduler_interval_seconds, stop))
    try:
        yield
    finally:
        # Shutting down: the pass under way finishes (its pushes are sent and recorded);
        # only one stuck past the grace time is cancelled. What this process still holds
        # goes back to pending at once, for another process, instead of after CLAIM_TIMEOUT.
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(loop), SCHEDULER_GRACE_SECONDS)
        except TimeoutError:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        released = await sender.release_claims()
        if released:
            log.warning("reminders: gave back %d claimed reminders at shutdown", released)


@asynccontextmanager
async def running(services: Services) -> AsyncIterator[Services]:
    """Everything the app needs while it serves; development migrates on start,
    production runs `migrate` as its own step."""
    settings = services.settings
    async with open_database(
        services, apply_migrations=settings.auto_migrate and settings.env == "dev"
    ):
        services.vapid_keys = load_or_create_vapid(settings.vapid_key_path)
        async with push_client(settings) as client:
            sender = ReminderSender(
                services.engine, services.vapid_keys, settings.vapid_subject, client
            )
            services.reminder_service = ReminderService(
                services.engine, settings, services.accounts, sender
            )
            try:
                async with _scheduler(sender, settings):
                    yield services
            finally:
                services.reminder_service = None


def dependencies(services: Services) -> dict[str, Provide]:
    """What handlers may ask for by parameter name."""

    def value(get: Any) -> Provide:
        return Provide(get, sync_to_thread=False, use_cache=False)

    return {
        "settings": value(lambda: services.settings),
        "engine": value(lambda: services.engine),
        "accounts": value(lambda: services.accounts),
        "sync_service": value(lambda: services.sync),
        "journal": value(lambda: services.sync),
        "shares": value(lambda: services.shares),
        "reminders": value(services.reminders),
        "vapid": value(services.vapid),
    }
