"""Clinician shares: create, list, revoke; find a link by its token; passcodes and accesses.

A link's token (144 random bits) is handed out once, in the creation answer, and only its
sha256 is stored, like session tokens. A share is live: what it shows is read from the
person's journal each time it is opened (backend/sharing/content.py).
"""

from __future__ import annotations

import io
import secrets
import uuid
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

import msgspec
import segno
from piccolo.engine.base import Engine

from backend.accounts.passwords import Passwords
from backend.accounts.ratelimit import EventLimiter
from backend.accounts.service import hash_token
from backend.db import execute, fetch_as, write_transaction
from backend.errors import InvalidInput, NotFound
from backend.settings import Settings
from backend.sharing import shl
from backend.sharing.schemas import (
    Access,
    AccessKind,
    CreatedShare,
    ShareInfo,
    ShareRequest,
    Status,
)
from backend.sharing.scope import CATEGORIES, CHECKIN, DEFAULT_CATEGORIES, NOTES, Scope
from backend.sync.read import live_records
from backend.treatment.service import check_period, person_today

# sharing.md: "the share locks after 10 failures".
PASSCODE_TRIES = 10
# A browser that typed the right code may open the link again without it for this long.
GRANT_HOURS = 12
GUESS_MESSAGE = "Too many tries at share links from here. Please wait a while and try again."


class ShareRow(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    user_id: uuid.UUID
    label: str
    start_on: date
    end_on: date
    categories: str
    passcode_hash: str
    failed_codes: int
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    # The health link's key, wrapped under its manifest id (backend/sharing/shl.py).
    shl_key: str

    @property
    def scope(self) -> Scope:
        return Scope(self.start_on, self.end_on, frozenset(self.categories.split(",")))

    def status(self, now: datetime) -> Status:
        if self.revoked_at is not None:
            return "revoked"
        if self.failed_codes >= PASSCODE_TRIES:
            return "locked"
        return "expired" if self.expires_at <= now else "active"


class _AccessRow(msgspec.Struct, kw_only=True):
    share_id: uuid.UUID
    at: datetime
    agent: str
    what: AccessKind
    recipient: str | None


class _Count(msgspec.Struct):
    failed_codes: int


class Attempt(NamedTuple):
    right: bool
    # Wrong codes the link still takes before it locks.
    remaining: int


_SHARE_COLUMNS = (
    "id, user_id, label, start_on, end_on, categories, passcode_hash, failed_codes,"
    " created_at, expires_at, revoked_at, shl_key"
)


def check_categories(categories: list[str] | None) -> frozenset[str]:
    """The categories asked for (default: all but notes); 400 `invalid-categories` when unusable."""
    chosen = frozenset(DEFAULT_CATEGORIES if categories is None else categories)
    if not chosen:
        raise InvalidInput("Choose at least one thing to share.", code="invalid-categories")
    if NOTES in chosen and CHECKIN not in chosen:
        raise InvalidInput(
            "Notes are shared with their check-ins: add `checkin` to share notes.",
            code="invalid-categories",
        )
    return chosen


def qr_svg(url: str, title: str = "QR code of the share link") -> str:
    """The link as a QR code: an SVG document, made here so the app needs no QR library."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out,
        kind="svg",
        scale=4,
        border=2,
        light="white",
        xmldecl=False,
        title=title,
    )
    return out.getvalue().decode("utf-8")


class ShareService:
    def __init__(self, engine: Engine[Any], settings: Settings, passwords: Passwords) -> None:
        self._engine = engine
        self._passwords = passwords
        self.guesses = EventLimiter(
            engine,
            "share-guess",
            limit=settings.share_guess_limit,
            window_seconds=settings.share_guess_window_seconds,
            message=GUESS_MESSAGE,
        )

    async def person_scope(
        self,
        user_id: uuid.UUID,
        start: date | None,
        end: date | None,
        categories: list[str] | None,
        now: datetime,
    ) -> Scope:
        """The period (in the person's own calendar) and categories asked for, checked."""
        profile = await live_records(self._engine, user_id, ["profile"])
        first, last = check_period(start, end, person_today(profile, now))
        return Scope(first, last, check_categories(categories))

    async def create(
        self, user_id: uuid.UUID, body: ShareRequest, now: datetime, base_url: str
    ) -> CreatedShare:
        scope = await self.person_scope(user_id, body.from_, body.to, body.categories, now)
        passcode_hash = await self._passwords.hash(body.passcode) if body.passcode else ""
        token = secrets.token_urlsafe(18)
        manifest_id, key = shl.new_manifest_id(), shl.new_key()
        share_id = uuid.uuid4()
        expires_at = now + timedelta(days=body.expires_in_days)
        await execute(
            self._engine,
            "INSERT INTO share (id, user_id, token_hash, label, start_on, end_on, categories,"
            " passcode_hash, failed_codes, created_at, expires_at, shl_id_hash, shl_key)"
            " VALUES ({}, {}, {}, {}, {}, {}, {}, {}, 0, {}, {}, {}, {})",
            share_id,
            user_id,
            hash_token(token),
            body.label or "",
            scope.start,
            scope.end,
            ",".join(sorted(scope.categories)),
            passcode_hash,
            now,
            expires_at,
            hash_token(manifest_id),
            shl.wrap_key(key, manifest_id),
        )
        base = base_url.rstrip("/")
        url = f"{base}/s/{token}"
        link = shl.shlink(
            shl.Payload(
                url=f"{base}/shl/{manifest_id}",
                key=key,
                exp=int(expires_at.timestamp()),
                passcode=bool(passcode_hash),
                label=body.label or "",
            )
        )
        return CreatedShare(
            id=share_id,
            url=url,
            expires_at=expires_at,
            qr_svg=qr_svg(url),
            shlink=link,
            shlink_qr_svg=qr_svg(link, "QR code of the health link"),
        )

    async def shares_of(self, user_id: uuid.UUID, now: datetime) -> list[ShareInfo]:
        shares = await fetch_as(
            self._engine,
            ShareRow,
            f"SELECT {_SHARE_COLUMNS} FROM share WHERE user_id = {{}} ORDER BY created_at DESC",
            user_id,
        )
        accesses = await fetch_as(
            self._engine,
            _AccessRow,
            "SELECT a.share_id, a.at, a.agent, a.what, a.recipient FROM share_access a"
            " JOIN share s ON s.id = a.share_id WHERE s.user_id = {} ORDER BY a.at DESC",
            user_id,
        )
        by_share: dict[uuid.UUID, list[Access]] = {}
        for row in accesses:
            access = Access(at=row.at, agent=row.agent, what=row.what, recipient=row.recipient)
            by_share.setdefault(row.share_id, []).append(access)
        return [_info(share, by_share.get(share.id, []), now) for share in shares]

    async def revoke(self, user_id: uuid.UUID, share_id: uuid.UUID, now: datetime) -> None:
        """Turn a link off at once; another person's share is not found, as an unknown one."""
        rows = await fetch_as(
            self._engine,
            _Count,
            "UPDATE share SET revoked_at = COALESCE(revoked_at, {}) WHERE id = {} AND user_id = {}"
            " RETURNING failed_codes",
            now,
            share_id,
            user_id,
        )
        if not rows:
            raise NotFound("There is no such share.", code="share-not-found")
        # Files already handed out as `location` URLs go too, not only later manifests.
        await execute(self._engine, "DELETE FROM shl_file WHERE share_id = {}", share_id)

    async def active(self, token: str, now: datetime) -> ShareRow | None:
        """The share this token opens, when it is neither expired, revoked nor locked."""
        return await self._active("token_hash", hash_token(token), now)

    async def active_link(self, manifest_id: str, now: datetime) -> ShareRow | None:
        """The share whose health link has this manifest id, when it is active."""
        return await self._active("shl_id_hash", hash_token(manifest_id), now)

    async def active_by_id(self, share_id: uuid.UUID, now: datetime) -> ShareRow | None:
        return await self._active("id", share_id, now)

    async def _active(self, column: str, value: object, now: datetime) -> ShareRow | None:
        rows = await fetch_as(
            self._engine,
            ShareRow,
            f"SELECT {_SHARE_COLUMNS} FROM share WHERE {column} = {{}}",
            value,
        )
        return rows[0] if rows and rows[0].status(now) == "active" else None

    async def granted(self, share: ShareRow, grant: str | None, now: datetime) -> bool:
        """Whether this browser may open the share: no passcode, or it typed the right one."""
        if not share.passcode_hash:
            return True
        if not grant:
            return False
        rows = await fetch_as(
            self._engine,
            _Count,
            "SELECT 0 AS failed_codes FROM share_grant WHERE token_hash = {} AND share_id = {}"
            " AND created_at > {}",
            hash_token(grant),
            share.id,
            now - timedelta(hours=GRANT_HOURS),
        )
        return bool(rows)

    async def try_passcode(
        self, share: ShareRow, code: str, agent: str, now: datetime
    ) -> str | None:
        """A grant for this browser when `code` is right, else None (the try is counted)."""
        if not (await self.check_passcode(share, code, agent, now)).right:
            return None
        grant = secrets.token_urlsafe(32)
        await execute(
            self._engine,
            "INSERT INTO share_grant (share_id, token_hash, created_at) VALUES ({}, {}, {})",
            share.id,
            hash_token(grant),
            now,
        )
        return grant

    async def check_passcode(
        self, share: ShareRow, code: str, agent: str, now: datetime, recipient: str | None = None
    ) -> Attempt:
        """Whether `code` is the share's passcode; a wrong one is counted and logged.

        The try is counted before the slow hash check and given back when right, so ten
        guesses sent at once cannot all be checked: the link locks at the tenth wrong one.
        The human page and the health link share the count: one lock for one link.
        """
        async with write_transaction(self._engine):
            counted = await fetch_as(
                self._engine,
                _Count,
                "UPDATE share SET failed_codes = failed_codes + 1"
                " WHERE id = {} AND failed_codes < {} AND revoked_at IS NULL"
                " RETURNING failed_codes",
                share.id,
                PASSCODE_TRIES,
            )
        if not counted:
            return Attempt(right=False, remaining=0)
        tries = counted[0].failed_codes
        if not await self._passwords.verify(share.passcode_hash, code[:64]):
            await self.record_access(share.id, agent, "wrong-code", now, recipient)
            return Attempt(right=False, remaining=PASSCODE_TRIES - tries)
        await execute(
            self._engine,
            "UPDATE share SET failed_codes = failed_codes - 1 WHERE id = {}",
            share.id,
        )
        return Attempt(right=True, remaining=PASSCODE_TRIES - tries + 1)

    async def record_access(
        self,
        share_id: uuid.UUID,
        agent: str,
        what: AccessKind,
        now: datetime,
        recipient: str | None = None,
    ) -> None:
        await execute(
            self._engine,
            "INSERT INTO share_access (share_id, at, agent, what, recipient)"
            " VALUES ({}, {}, {}, {}, {})",
            share_id,
            now,
            agent[:64],
            what,
            None if recipient is None else recipient[:80],
        )


def _info(share: ShareRow, accesses: list[Access], now: datetime) -> ShareInfo:
    scope = share.scope
    return ShareInfo(
        id=share.id,
        label=share.label,
        from_=share.start_on,
        to=share.end_on,
        categories=[name for name in CATEGORIES if name in scope.categories],
        created_at=share.created_at,
        expires_at=share.expires_at,
        status=share.status(now),
        has_passcode=bool(share.passcode_hash),
        accesses=accesses,
    )
