"""Health-link files behind `location` URLs: short-lived, single use, stored encrypted.

A manifest answer too big for the client's `embeddedLengthMax` points to a `location` URL
instead. The JWE is kept here (it is encrypted with the link's key, which is not stored)
until it is fetched once or its time is up.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.accounts.service import hash_token
from backend.db import execute, fetch_as, write_transaction
from backend.sharing.shl import LOCATION_SECONDS


class StoredFile(msgspec.Struct):
    share_id: uuid.UUID
    jwe: str
    expires_at: datetime


async def put_file(engine: Engine[Any], share_id: uuid.UUID, jwe: str, now: datetime) -> str:
    """Keep `jwe` for one fetch; returns the token of its URL (256 random bits)."""
    token = secrets.token_urlsafe(32)
    async with write_transaction(engine):
        # Old files go whenever a new one comes: no sweeper needed for a rare path.
        await execute(engine, "DELETE FROM shl_file WHERE expires_at <= {}", now)
        await execute(
            engine,
            "INSERT INTO shl_file (share_id, token_hash, jwe, expires_at) VALUES ({}, {}, {}, {})",
            share_id,
            hash_token(token),
            jwe,
            now + timedelta(seconds=LOCATION_SECONDS),
        )
    return token


async def take_file(engine: Engine[Any], token: str, now: datetime) -> StoredFile | None:
    """The file of `token` if it is still there and in time; it is gone afterwards."""
    async with write_transaction(engine):
        rows = await fetch_as(
            engine,
            StoredFile,
            "DELETE FROM shl_file WHERE token_hash = {} RETURNING share_id, jwe, expires_at",
            hash_token(token),
        )
    return rows[0] if rows and rows[0].expires_at > now else None
