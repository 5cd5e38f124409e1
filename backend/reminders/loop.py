"""The reminder loop in the app lifespan, and the shared push HTTP client."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import httpx

from backend.reminders.sender import ReminderSender

log = logging.getLogger("tend.reminders")


def push_client() -> httpx.AsyncClient:
    # A small pool: httpx slows down with many open connections (see the push benchmark),
    # and push services throttle per connection anyway.
    return httpx.AsyncClient(
        timeout=httpx.Timeout(10.0, connect=5.0),
        limits=httpx.Limits(max_connections=16, max_keepalive_connections=16),
    )


async def run_scheduler(sender: ReminderSender, interval: float) -> None:
    """Claim and send due reminders every `interval` seconds until cancelled."""
    while True:
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
        await asyncio.sleep(interval)
