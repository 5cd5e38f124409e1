"""Accounts: sign-up, sign-in, per-device sessions, recovery, devices, deletion."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.accounts.devicekeys import DeviceKeys
from backend.accounts.passphrase import check_passphrase
from backend.accounts.passwords import Passwords
from backend.accounts.ratelimit import EventLimiter, LoginLimiter
from backend.accounts.schemas import AccountInfo, DeviceInfo
from backend.db import execute, fetch_as, write_transaction
from backend.errors import (
    Conflict,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    RateLimited,
)
from backend.settings import Settings

USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,64}$")
# Refresh last_seen_at at most this often: a write per request would cost an fsync each.
LAST_SEEN_GRANULARITY = timedelta(minutes=5)
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_HASH_FOR_SIGN_IN = "SELECT id, passphrase_hash AS secret_hash FROM account WHERE username = {}"
_HASH_FOR_RECOVERY = "SELECT id, recovery_hash AS secret_hash FROM account WHERE username = {}"
_HASH_FOR_REENTRY = "SELECT id, passphrase_hash AS secret_hash FROM account WHERE id = {}"


class _AccountId(msgspec.Struct):
    id: uuid.UUID


class _Secret(msgspec.Struct):
    """An account's id and one of its hashes (passphrase or recovery code)."""

    id: uuid.UUID
    secret_hash: str


class _Created(msgspec.Struct):
    created_at: datetime


class _DeviceOwner(msgspec.Struct):
    user_id: uuid.UUID


class _SessionRow(msgspec.Struct):
    id: int
    user_id: uuid.UUID
    device_id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    username: str


class _DeviceRow(msgspec.Struct):
    id: uuid.UUID
    name: str
    created_at: datetime
    last_seen_at: datetime
    sessions: int


@dataclass(frozen=True)
class CurrentSession:
    session_id: int
    user_id: uuid.UUID
    username: str
    device_id: uuid.UUID


@dataclass(frozen=True)
class SignedIn:
    user_id: uuid.UUID
    username: str
    device_id: uuid.UUID
    token: str
    # The new `tend_device` cookie value (backend/accounts/devicekeys.py).
    device_key: str = ""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_username(raw: str) -> str:
    username = raw.strip().casefold()
    if not USERNAME_RE.fullmatch(username):
        raise InvalidInput(
            "Usernames are 3 to 64 characters: letters, digits, '.', '_' or '-'.",
            code="invalid-username",
        )
    return username


def new_recovery_code() -> str:
    # 25 symbols from 32 = 125 bits, grouped so it can be written down.
    symbols = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(25))
    return "-".join(symbols[i : i + 5] for i in range(0, 25, 5))


def normalize_recovery_code(raw: str) -> str:
    compact = re.sub(r"[\s-]", "", raw).upper()
    return "-".join(compact[i : i + 5] for i in range(0, len(compact), 5))


class AccountService:
    def __init__(self, engine: Engine[Any], settings: Settings, passwords: Passwords) -> None:
        self.engine = engine
        self.settings = settings
        self.passwords = passwords
        self.limiter = LoginLimiter(engine, settings)
        self.device_keys = DeviceKeys(engine, settings)
        self.signup_limiter = EventLimiter(
            engine,
            "signup",
            limit=settings.signup_address_limit,
            window_seconds=settings.signup_window_seconds,
            message="Too many new accounts from this network. Please try again later.",
        )

    async def signup(
        self,
        username: str,
        passphrase: str,
        device_id: uuid.UUID | None,
        device_name: str | None,
        now: datetime,
        *,
        address: str | None = None,
    ) -> tuple[SignedIn, str]:
        """Make an account. `address` (the client's) is limited to so many sign-ups per
        window; None (the command line, the demo) is not limited."""
        username = normalize_username(username)
        check_passphrase(passphrase, username)
        if await self.user_id_of(username) is not None:
            raise Conflict("That username is taken. Please choose another.", code="username-taken")
        if address is not None:
            # Counted before the two hashes, so sign-ups sent at once cannot all pass.
            await self.signup_limiter.take(address, now)
        recovery_code = new_recovery_code()
        passphrase_hash = await self.passwords.hash(passphrase, signup=True)
        recovery_hash = await self.passwords.hash(recovery_code, signup=True)
        user_id = uuid.uuid4()
        device = device_id or uuid.uuid4()
        try:
            async with write_transaction(self.engine):
                await execute(
                    self.engine,
                    "INSERT INTO account (id, username, passphrase_hash, recovery_hash, created_at)"
                    " VALUES ({}, {}, {}, {}, {})",
                    user_id,
                    username,
                    passphrase_hash,
                    recovery_hash,
                    now,
                )
                await self.register_device(user_id, device, device_name, now)
                token = await self._new_session(user_id, device, now)
                key = await self.device_keys.issue(user_id, device, now, None)
        except Exception as exc:
            # Two sign-ups for one name racing: the unique index decides, the loser hears so.
            if await self.user_id_of(username) is not None:
                raise Conflict(
                    "That username is taken. Please choose another.", code="username-taken"
                ) from exc
            raise
        return SignedIn(user_id, username, device, token, key), recovery_code

    async def user_id_of(self, username: str) -> uuid.UUID | None:
        """The id of the account with this name (case and surrounding spaces aside)."""
        rows = await fetch_as(
            self.engine,
            _AccountId,
            "SELECT id FROM account WHERE username = {}",
            username.strip().casefold(),
        )
        return rows[0].id if rows else None

    async def _secret(self, sql: str, key: str | uuid.UUID) -> _Secret | None:
        """One account's id and a hash to verify against (one of the _HASH_FOR_... queries)."""
        rows = await fetch_as(self.engine, _Secret, sql, key)
        return rows[0] if rows else None

    async def login(
        self,
        raw_username: str,
        passphrase: str,
        device_id: uuid.UUID | None,
        device_name: str | None,
        address: str,
        now: datetime,
        device_key: str | None = None,
    ) -> SignedIn:
        username = raw_username.strip().casefold()[:64]
        # The attempt counts before the passphrase is verified: guesses sent all at once
        # each spend one (a right passphrase gives its attempt back).
        known: uuid.UUID | None = None
        try:
            await self.limiter.reserve(username, address, now)
        except RateLimited:
            # Someone else's guesses must not lock the owner out of their own phone: a
            # device this account signed in on before counts against its own limit instead.
            known = await self.device_keys.known_device(device_key, username, now)
            if known is None:
                raise
            await self.device_keys.limiter.take(str(known), now)
        row = await self._secret(_HASH_FOR_SIGN_IN, username)
        # Unknown usernames still pay for a verification, so both answers take as long.
        ok = await self.passwords.verify(row.secret_hash if row else None, passphrase)
        if not row or not ok:
            raise InvalidCredentials("The username or passphrase is not right.")
        if known is None:
            await self.limiter.succeeded(username)
        else:
            # The name stays locked for everyone else; only this device's count is cleared.
            await self.device_keys.limiter.clear(str(known))
        user_id = row.id
        device = device_id or known or uuid.uuid4()
        async with write_transaction(self.engine):
            await self.register_device(user_id, device, device_name, now)
            token = await self._new_session(user_id, device, now)
            key = await self.device_keys.issue(user_id, device, now, device_key)
        return SignedIn(user_id, username, device, token, key)

    async def recover(
        self,
        raw_username: str,
        recovery_code: str,
        new_passphrase: str,
        device_id: uuid.UUID | None,
        device_name: str | None,
        address: str,
        now: datetime,
    ) -> tuple[SignedIn, str]:
        username = raw_username.strip().casefold()[:64]
        check_passphrase(new_passphrase, username)
        await self.limiter.reserve(username, address, now)
        row = await self._secret(_HASH_FOR_RECOVERY, username)
        code = normalize_recovery_code(recovery_code)
        ok = await self.passwords.verify(row.secret_hash if row else None, code)
        if not row or not ok:
            raise InvalidCredentials("The username or recovery code is not right.")
        await self.limiter.succeeded(username)
        user_id = row.id
        new_code = new_recovery_code()
        passphrase_hash = await self.passwords.hash(new_passphrase)
        recovery_hash = await self.passwords.hash(new_code)
        device = device_id or uuid.uuid4()
        async with write_transaction(self.engine):
            await execute(
                self.engine,
                "UPDATE account SET passphrase_hash = {}, recovery_hash = {} WHERE id = {}",
                passphrase_hash,
                recovery_hash,
                user_id,
            )
            # Whoever knew the old passphrase is signed out everywhere.
            await execute(self.engine, "DELETE FROM session WHERE user_id = {}", user_id)
            await self.register_device(user_id, device, device_name, now)
            token = await self._new_session(user_id, device, now)
            await self.device_keys.forget_all_but(user_id, device)
            key = await self.device_keys.issue(user_id, device, now, None)
        return SignedIn(user_id, username, device, token, key), new_code

    async def register_device(
        self, user_id: uuid.UUID, device_id: uuid.UUID, name: str | None, now: datetime
    ) -> None:
        """Tie a device id to this person for good; another person's device id is refused."""
        owner = await self._device_owner(device_id)
        if owner is not None:
            if owner != user_id:
                raise Forbidden(
                    "This device is registered to another account.", code="device-not-yours"
                )
            if name:
                await execute(
                    self.engine, "UPDATE device SET name = {} WHERE id = {}", name, device_id
                )
            return
        await execute(
            self.engine,
            "INSERT INTO device (id, user_id, name, created_at, last_seen_at)"
            " VALUES ({}, {}, {}, {}, {})",
            device_id,
            user_id,
            (name or "").strip()[:100],
            now,
            now,
        )

    async def _device_owner(self, device_id: uuid.UUID) -> uuid.UUID | None:
        rows = await fetch_as(
            self.engine, _DeviceOwner, "SELECT user_id FROM device WHERE id = {}", device_id
        )
        return rows[0].user_id if rows else None

    async def _new_session(self, user_id: uuid.UUID, device_id: uuid.UUID, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        await execute(
            self.engine,
            "INSERT INTO session (token_hash, user_id, device_id, created_at, last_seen_at)"
            " VALUES ({}, {}, {}, {}, {})",
            hash_token(token),
            user_id,
            device_id,
            now,
            now,
        )
        return token

    async def authenticate(self, token: str, now: datetime) -> CurrentSession | None:
        rows = await fetch_as(
            self.engine,
            _SessionRow,
            "SELECT s.id, s.user_id, s.device_id, s.created_at, s.last_seen_at, a.username"
            " FROM session s JOIN account a ON a.id = s.user_id WHERE s.token_hash = {}",
            hash_token(token),
        )
        if not rows:
            return None
        row = rows[0]
        idle = timedelta(days=self.settings.session_idle_days)
        absolute = timedelta(days=self.settings.session_max_days)
        if now - row.last_seen_at > idle or now - row.created_at > absolute:
            await execute(self.engine, "DELETE FROM session WHERE id = {}", row.id)
            return None
        if now - row.last_seen_at > LAST_SEEN_GRANULARITY:
            await execute(
                self.engine, "UPDATE session SET last_seen_at = {} WHERE id = {}", now, row.id
            )
            await execute(
                self.engine, "UPDATE device SET last_seen_at = {} WHERE id = {}", now, row.device_id
            )
        return CurrentSession(row.id, row.user_id, row.username, row.device_id)

    async def logout(self, current: CurrentSession) -> None:
        await execute(self.engine, "DELETE FROM session WHERE id = {}", current.session_id)
        await self.device_keys.forget_device(current.device_id)

    async def account(self, current: CurrentSession) -> AccountInfo:
        rows = await fetch_as(
            self.engine, _Created, "SELECT created_at FROM account WHERE id = {}", current.user_id
        )
        if not rows:
            raise NotFound("This account no longer exists.")
        return AccountInfo(current.user_id, current.username, rows[0].created_at)

    async def devices(self, current: CurrentSession) -> list[DeviceInfo]:
        rows = await fetch_as(
            self.engine,
            _DeviceRow,
            "SELECT d.id, d.name, d.created_at, d.last_seen_at,"
            " (SELECT COUNT(*) FROM session s WHERE s.device_id = d.id) AS sessions"
            " FROM device d WHERE d.user_id = {} ORDER BY d.last_seen_at DESC",
            current.user_id,
        )
        return [
            DeviceInfo(
                device_id=row.id,
                name=row.name,
                created_at=row.created_at,
                last_seen_at=row.last_seen_at,
                current=row.id == current.device_id,
                signed_in=row.sessions > 0,
            )
            for row in rows
        ]

    async def sign_out_device(self, current: CurrentSession, device_id: uuid.UUID) -> None:
        if await self._device_owner(device_id) != current.user_id:
            raise NotFound("No such device on this account.", code="device-not-found")
        await execute(self.engine, "DELETE FROM session WHERE device_id = {}", device_id)
        await self.device_keys.forget_device(device_id)

    async def _check_passphrase(
        self, current: CurrentSession, passphrase: str, address: str, now: datetime
    ) -> None:
        """Passphrase re-entry on a session: limited like sign-in, and sharing its count.

        Whoever holds an unlocked device gets no more guesses at the passphrase (to change
        it, or to delete the account) than someone signing in from outside.
        """
        await self.limiter.reserve(current.username, address, now)
        row = await self._secret(_HASH_FOR_REENTRY, current.user_id)
        if row is None or not await self.passwords.verify(row.secret_hash, passphrase):
            raise InvalidCredentials(
                "The current passphrase is not right.", code="wrong-passphrase"
            )
        await self.limiter.succeeded(current.username)

    async def change_passphrase(
        self, current: CurrentSession, old: str, new: str, address: str, now: datetime
    ) -> None:
        check_passphrase(new, current.username)
        await self._check_passphrase(current, old, address, now)
        new_hash = await self.passwords.hash(new)
        async with write_transaction(self.engine):
            await execute(
                self.engine,
                "UPDATE account SET passphrase_hash = {} WHERE id = {}",
                new_hash,
                current.user_id,
            )
            await execute(
                self.engine,
                "DELETE FROM session WHERE user_id = {} AND id <> {}",
                current.user_id,
                current.session_id,
            )
            await self.device_keys.forget_all_but(current.user_id, current.device_id)

    async def delete_account(
        self, current: CurrentSession, passphrase: str, address: str, now: datetime
    ) -> None:
        await self._check_passphrase(current, passphrase, address, now)
        async with write_transaction(self.engine):
            # Every table keyed by the person cascades from account (foreign keys ON in
            # SQLite too); the failure log is keyed by name, so it goes explicitly.
            await execute(self.engine, "DELETE FROM account WHERE id = {}", current.user_id)
            await execute(
                self.engine, "DELETE FROM login_failure WHERE username = {}", current.username
            )


__all__ = ["AccountService", "CurrentSession", "SignedIn"]
