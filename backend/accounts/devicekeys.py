"""Known devices: a sign-in lockout cannot keep a person out of their own phone.

The sign-in limits (five wrong passphrases per name, fifty per address, in 15 minutes) can be
used as a weapon: anyone who knows a username can lock its owner out, and one noisy client
locks out everyone behind the same address. So every sign-in (sign-up, login, recovery) hands
the device a random key in an HttpOnly cookie, and only its SHA-256 is stored. When a login
would be refused by the name's or the address's limit, a request that carries a key of *that*
account has its passphrase verified anyway; each such attempt counts against a separate
per-device limit, so a stolen cookie buys a few guesses, not unlimited ones.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.accounts.ratelimit import SIGN_IN_MESSAGE, EventLimiter
from backend.db import execute, fetch_as
from backend.settings import Settings


class _KeyRow(msgspec.Struct):
    device_id: uuid.UUID
    created_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DeviceKeys:
    def __init__(self, engine: Engine[Any], settings: Settings) -> None:
        self._engine = engine
        # A key lasts as long as the longest session could; each sign-in replaces it.
        self.max_age = timedelta(days=settings.session_max_days)
        self.limiter = EventLimiter(
            engine,
            "login-device",
            limit=settings.login_device_limit,
            window_seconds=settings.login_window_seconds,
            message=SIGN_IN_MESSAGE,
        )

    async def issue(
        self, user_id: uuid.UUID, device_id: uuid.UUID, now: datetime, presented: str | None
    ) -> str:
        """A new key for this device, replacing its old one and the one the request carried.

        Called inside the sign-in's write transaction, next to the new session.
        """
        await execute(self._engine, "DELETE FROM device_key WHERE device_id = {}", device_id)
        if presented:
            await execute(
                self._engine,
                "DELETE FROM device_key WHERE token_hash = {} AND user_id = {}",
                _hash(presented),
                user_id,
            )
        token = secrets.token_urlsafe(32)
        await execute(
            self._engine,
            "INSERT INTO device_key (token_hash, user_id, device_id, created_at)"
            " VALUES ({}, {}, {}, {})",
            _hash(token),
            user_id,
            device_id,
            now,
        )
        return token

    async def known_device(
        self, token: str | None, username: str, now: datetime
    ) -> uuid.UUID | None:
        """The device this key belongs to, if it is a current key of `username`'s account."""
        if not token:
            return None
        rows = await fetch_as(
            self._engine,
            _KeyRow,
            "SELECT k.device_id, k.created_at FROM device_key k JOIN account a"
            " ON a.id = k.user_id WHERE k.token_hash = {} AND a.username = {}",
            _hash(token),
            username,
        )
        if not rows or now - rows[0].created_at > self.max_age:
            return None
        return rows[0].device_id

    async def forget_device(self, device_id: uuid.UUID) -> None:
        """Signed out (by itself or from another device): no longer a known device."""
        await execute(self._engine, "DELETE FROM device_key WHERE device_id = {}", device_id)

    async def forget_all_but(self, user_id: uuid.UUID, device_id: uuid.UUID) -> None:
        """The passphrase changed: only the device that changed it stays known."""
        await execute(
            self._engine,
            "DELETE FROM device_key WHERE user_id = {} AND device_id <> {}",
            user_id,
            device_id,
        )
