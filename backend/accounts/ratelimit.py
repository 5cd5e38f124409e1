"""Failed sign-in limits per username and per address, kept in the database.

Kept in the database rather than in memory so that every API process behind a load
balancer sees the same counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from backend.db import execute, fetch
from backend.errors import RateLimited
from backend.settings import Settings


def _us(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


class LoginLimiter:
    def __init__(self, engine: Engine[Any], settings: Settings) -> None:
        self._engine = engine
        self._window_us = settings.login_window_seconds * 1_000_000
        self._user_limit = settings.login_user_limit
        self._address_limit = settings.login_address_limit

    async def check(self, username: str, address: str, now: datetime) -> None:
        """Raise RateLimited (with Retry-After) when either limit is used up."""
        since = _us(now) - self._window_us
        for column, value, limit in (
            ("username", username, self._user_limit),
            ("address", address, self._address_limit),
        ):
            rows = await fetch(
                self._engine,
                f"SELECT at_us FROM login_failure WHERE {column} = {{}} AND at_us > {{}} "
                "ORDER BY at_us DESC LIMIT {}",
                value,
                since,
                limit,
            )
            if len(rows) >= limit:
                oldest = min(int(row["at_us"]) for row in rows)
                retry_after = (oldest + self._window_us - _us(now)) // 1_000_000 + 1
                raise RateLimited(
                    "Too many sign-in attempts. Please wait a while and try again.",
                    retry_after=int(retry_after),
                )

    async def record_failure(self, username: str, address: str, now: datetime) -> None:
        await execute(
            self._engine,
            "INSERT INTO login_failure (username, address, at_us) VALUES ({}, {}, {})",
            username,
            address,
            _us(now),
        )
        # Old rows only cost space; trim them opportunistically.
        await execute(
            self._engine,
            "DELETE FROM login_failure WHERE at_us < {}",
            _us(now) - 2 * self._window_us,
        )

    async def clear_username(self, username: str) -> None:
        await execute(self._engine, "DELETE FROM login_failure WHERE username = {}", username)
