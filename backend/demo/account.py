"""`python -m backend demo`: an account holding months of generated entries, synced as a device."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from backend.accounts.service import normalize_username
from backend.demo.generator import generate_journal, to_changes
from backend.services import Services, open_database

# Public on purpose: the command prints it, and the demo holds no one's real data.
# Must not contain the username (backend/accounts/passphrase.py): "demo" by default.
# Printed for the person who ran `demo`; a demo account holds no one's real data.
DEMO_PASSPHRASE = "calm river at dawn"  # noqa: S105
DEMO_TZ = "Europe/London"
DEMO_DEVICE_NAME = "Demo data"
DEMO_SEED = 2026
PUSH_BATCH = 200


class DemoAccountExists(SystemExit):
    """The username is taken. A SystemExit, so the command line prints it without a traceback."""


class DemoPushFailed(RuntimeError):
    """The server did not apply a generated change: a bug in the generator or the server."""


async def create_demo_account(
    services: Services,
    *,
    username: str = "demo",
    days: int = 120,
    now: datetime | None = None,
) -> tuple[str, str, int]:
    """Create `username` with `days` days of entries ending yesterday; returns
    (username, passphrase, number of records).

    The entries go through SyncService.push in batches of 200 from the account's first device,
    so records, history and cursors are exactly what a phone that logged them would leave.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    now = now or datetime.now(UTC)
    async with open_database(services, apply_migrations=True):
        name = normalize_username(username)
        if await services.accounts.user_id_of(name) is not None:
            raise DemoAccountExists(
                f"An account named {name!r} already exists. Sign in with it, or make another "
                "demo account with --username."
            )
        device = uuid.uuid4()
        signed_in, _ = await services.accounts.signup(
            name, DEMO_PASSPHRASE, device, DEMO_DEVICE_NAME, now
        )
        start = now.astimezone(ZoneInfo(DEMO_TZ)).date() - timedelta(days=days)
        records = generate_journal(start=start, days=days, tz=DEMO_TZ, seed=DEMO_SEED)
        changes = to_changes(records, str(device), int(now.timestamp() * 1000))
        for first in range(0, len(changes), PUSH_BATCH):
            batch = changes[first : first + PUSH_BATCH]
            outcome = await services.sync.push(signed_in.user_id, device, batch, now)
            refused = [r for r in outcome.results if r.status != "applied"]
            if refused:
                raise DemoPushFailed(f"{len(refused)} demo change(s) not applied: {refused[0]}")
    return signed_in.username, DEMO_PASSPHRASE, len(records)
