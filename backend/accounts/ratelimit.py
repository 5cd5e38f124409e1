"""Attempt limits kept in the database: sign-in guesses, sign-ups and test pushes.

Kept in the database rather than in memory so that every API process behind a load
balancer sees the same counts.

An attempt is counted *before* the work it limits (a passphrase verification, two argon2
hashes, a push) and in the same transaction as the check, so guesses sent all at once spend
one attempt each instead of all passing a check that nobody has written to yet. On SQLite the
write transaction (BEGIN IMMEDIATE) already lets one writer at a time count and insert; on
PostgreSQL transaction-scoped advisory locks on the keys being counted do the same.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.db import execute, fetch_as, is_sqlite, write_transaction
from backend.errors import RateLimited
from backend.settings import Settings

SIGN_IN_MESSAGE = "Too many sign-in attempts. Please wait a while and try again."


class _Attempt(msgspec.Struct):
    at_us: int


class _Inserted(msgspec.Struct):
    id: int


def _us(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _lock_key(value: str) -> int:
    """A stable signed 32-bit key for pg_advisory_xact_lock(int, int)."""
    return int.from_bytes(hashlib.sha256(value.encode("utf-8")).digest()[:4], "big", signed=True)


async def _lock(engine: Engine[Any], *keys: tuple[str, str]) -> None:
    """Serialise counting-and-inserting for these (space, value) keys until commit.

    Callers always take their keys in one fixed order (a username before an address), so
    two transactions can never wait for each other in a cycle.
    """
    if is_sqlite(engine):
        return  # BEGIN IMMEDIATE: one writer at a time already
    for space, value in keys:
        await execute(
            engine, "SELECT pg_advisory_xact_lock({}, {})", _lock_key(space), _lock_key(value)
        )


def _retry_after(rows: list[_Attempt], window_us: int, now: datetime) -> int:
    oldest = min(row.at_us for row in rows)
    return int((oldest + window_us - _us(now)) // 1_000_000 + 1)


class LoginLimiter:
    """Guesses at one secret (passphrase or recovery code), per username and per address.

    `reserve` counts an attempt before the secret is verified; a right answer gives the
    attempt back (and clears the username's failures), a wrong one leaves it counted.
    """

    def __init__(self, engine: Engine[Any], settings: Settings) -> None:
        self._engine = engine
        self._window_us = settings.login_window_seconds * 1_000_000
        self._user_limit = settings.login_user_limit
        self._address_limit = settings.login_address_limit

    async def reserve(self, username: str, address: str, now: datetime) -> int:
        """Count one attempt; raise RateLimited (with Retry-After) when either limit is used up.

        Returns the attempt's id, for `release` when the attempt turns out right.
        """
        since = _us(now) - self._window_us
        async with write_transaction(self._engine):
            await _lock(self._engine, ("login:username", username), ("login:address", address))
            for column, value, limit in (
                ("username", username, self._user_limit),
                ("address", address, self._address_limit),
            ):
                rows = await fetch_as(
                    self._engine,
                    _Attempt,
                    f"SELECT at_us FROM login_failure WHERE {column} = {{}} AND at_us > {{}} "
                    "ORDER BY at_us DESC LIMIT {}",
                    value,
                    since,
                    limit,
                )
                if len(rows) >= limit:
                    raise RateLimited(
                        SIGN_IN_MESSAGE, retry_after=_retry_after(rows, self._window_us, now)
                    )
            inserted = await fetch_as(
                self._engine,
                _Inserted,
                "INSERT INTO login_failure (username, address, at_us) VALUES ({}, {}, {})"
                " RETURNING id",
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
        return inserted[0].id

    async def succeeded(self, username: str) -> None:
        """The secret was right: this attempt and earlier failures for the name no longer count."""
        await self.clear_username(username)

    async def clear_username(self, username: str) -> None:
        await execute(self._engine, "DELETE FROM login_failure WHERE username = {}", username)


class EventLimiter:
    """At most `limit` events per key in a sliding window (sign-ups per address, test
    pushes per person), counted in the rate_event table before the work is done."""

    def __init__(
        self,
        engine: Engine[Any],
        bucket: str,
        *,
        limit: int,
        window_seconds: int,
        message: str,
    ) -> None:
        self._engine = engine
        self._bucket = bucket
        self._limit = limit
        self._window_us = window_seconds * 1_000_000
        self._message = message

    async def check(self, key: str, now: datetime) -> None:
        """Raise RateLimited when `key` has used up its events, without counting one: for
        limits on failures (share-link guesses), counted with `take` once one fails."""
        await self._raise_if_used_up(key[:64], now)

    async def _raise_if_used_up(self, key: str, now: datetime) -> None:
        rows = await fetch_as(
            self._engine,
            _Attempt,
            "SELECT at_us FROM rate_event WHERE bucket = {} AND subject = {} AND at_us > {}"
            " ORDER BY at_us DESC LIMIT {}",
            self._bucket,
            key,
            _us(now) - self._window_us,
            self._limit,
        )
        if len(rows) >= self._limit:
            raise RateLimited(self._message, retry_after=_retry_after(rows, self._window_us, now))

    async def take(self, key: str, now: datetime) -> None:
        """Count one event for `key`; raise RateLimited (with Retry-After) when used up."""
        key = key[:64]
        async with write_transaction(self._engine):
            await _lock(self._engine, (f"rate:{self._bucket}", key))
            await self._raise_if_used_up(key, now)
            await execute(
                self._engine,
                "INSERT INTO rate_event (bucket, subject, at_us) VALUES ({}, {}, {})",
                self._bucket,
                key,
                _us(now),
            )
            await execute(
                self._engine,
                "DELETE FROM rate_event WHERE bucket = {} AND at_us < {}",
                self._bucket,
                _us(now) - 2 * self._window_us,
            )

    async def clear(self, key: str) -> None:
        """The events counted for `key` no longer count (a guess that turned out right)."""
        await execute(
            self._engine,
            "DELETE FROM rate_event WHERE bucket = {} AND subject = {}",
            self._bucket,
            key[:64],
        )
