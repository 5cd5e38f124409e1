"""The reminder loop in the app lifespan, and the shared push HTTP client."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

import aiohttp

from backend.reminders.endpoints import PublicOnlyConnector
from backend.reminders.sender import ReminderSender
from backend.settings import Settings

log = logging.getLogger("tend.reminders")


def push_client(settings: Settings | None = None) -> aiohttp.ClientSession:
    """The shared HTTP client for push services (aiohttp: faster here than httpx).

    In prod it connects only to public addresses of endpoints prod may use (endpoints.py);
    in dev (the default) also to the local push services of the tests.
    """
    limits: dict[str, Any] = {"limit": 64, "limit_per_host": 32}
    connector = (
        PublicOnlyConnector(settings, **limits)
        if settings is not None and settings.env == "prod"
        else aiohttp.TCPConnector(**limits)
    )
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=15, connect=5), connector=connector
    )


async def run_scheduler(
    sender: ReminderSender, interval: float, stop: asyncio.Event | None = None
) -> None:
    """Claim and send due reminders every `interval` seconds until `stop` is set (the pass
    under way finishes first) or the task is cancelled."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            stats = await sender.tick(datetime.now(UTC))
            if stats.claimed:
                log.info(
                    "reminders: %s claimed, %s sent, %s skipped, %s retried",
                    stats.claimed,
                    stats.sent,
                    stats.skipped,
                    stats.retried,
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            # A broken tick must not stop reminders for good; the next one tries again.
            log.exception("reminder tick failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
