"""SMART Health Links: the manifest (`POST /shl/<manifest id>`) and its files.

The HL7 SMART Health Cards and Links IG (v1.0.0) is the contract here, not api.md: clinic
software written against the IG must work unchanged. No account and no cookie: the manifest
id opens the manifest, the key in the link (never stored) opens the file. Unknown, expired,
revoked and locked links are the same 404, and misses count against the client address
like share-page guesses. Answers allow any origin (browser-based SHL viewers) and are never
stored.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from msgspec import Meta
from piccolo.engine.base import Engine

from backend.accounts.auth import client_address
from backend.errors import RateLimited, problem
from backend.http import NO_NUL
from backend.settings import Settings
from backend.sharing import shl
from backend.sharing.agents import coarse_agent
from backend.sharing.content import fhir_document
from backend.sharing.service import PASSCODE_TRIES, ShareRow, ShareService
from backend.sharing.shl_files import put_file, take_file

_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")
JOSE = "application/jose"


class ManifestRequest(msgspec.Struct, kw_only=True, rename={"embedded_max": "embeddedLengthMax"}):
    # Who the data is fetched for, shown to the person in their access log.
    recipient: Annotated[str, Meta(min_length=1, max_length=1000, pattern=NO_NUL)]
    passcode: Annotated[str, Meta(max_length=256, pattern=NO_NUL)] | None = None
    embedded_max: Annotated[int, Meta(ge=0)] | None = None


def _not_found() -> Response[Any]:
    return problem(
        404, "shl-not-found", "Not found", "This health link does not exist or has ended."
    )


def _too_many(error: RateLimited) -> Response[Any]:
    return problem(429, "rate-limited", "Too many requests", error.detail, error.headers)


async def _guessed(
    request: Request[Any, Any, Any], shares: ShareService, settings: Settings
) -> Response[Any]:
    """A miss: counted against this address; the plain 404, or 429 once it has too many."""
    try:
        await shares.guesses.take(client_address(request, settings), datetime.now(UTC))
    except RateLimited as error:
        return _too_many(error)
    return _not_found()


async def _find(
    request: Request[Any, Any, Any], shares: ShareService, settings: Settings, manifest_id: str
) -> ShareRow | Response[Any]:
    try:
        await shares.guesses.check(client_address(request, settings), datetime.now(UTC))
    except RateLimited as error:
        return _too_many(error)
    found = (
        await shares.active_link(manifest_id, datetime.now(UTC)) if _ID.match(manifest_id) else None
    )
    return (
        found if found is not None and found.shl_key else await _guessed(request, shares, settings)
    )


def _body(raw: bytes) -> ManifestRequest | Response[Any]:
    try:
        return msgspec.json.decode(raw, type=ManifestRequest)
    except msgspec.DecodeError as error:
        return problem(400, "invalid-request", "Bad request", str(error))


@post("/shl/{manifest_id:str}", status_code=200, include_in_schema=False)
async def shl_manifest(
    request: Request[Any, Any, Any],
    manifest_id: FromPath[str],
    shares: NamedDependency[ShareService],
    settings: NamedDependency[Settings],
    engine: NamedDependency[Engine[Any]],
) -> Response[Any]:
    """The manifest: one file, the share's FHIR Bundle, embedded or behind a `location`."""
    found = await _find(request, shares, settings, manifest_id)
    if isinstance(found, Response):
        return found
    body = _body(await request.body())
    if isinstance(body, Response):
        return body
    now = datetime.now(UTC)
    agent = coarse_agent(request.headers.get("user-agent", ""))
    if found.passcode_hash:
        refused = await _passcode_refused(request, shares, settings, found, body, agent)
        if refused is not None:
            return refused
    await shares.record_access(found.id, agent, "health-link", now, body.recipient)
    bundle = await fhir_document(engine, found.user_id, found.scope, now)
    jwe = shl.encrypt_file(msgspec.json.encode(bundle), shl.unwrap_key(found.shl_key, manifest_id))
    entry: dict[str, str] = {"contentType": shl.CONTENT_TYPE}
    if body.embedded_max is None or len(jwe) <= body.embedded_max:
        entry["embedded"] = jwe
    else:
        token = await put_file(engine, found.id, jwe, now)
        entry["location"] = f"{_base_url(request, settings)}/shl/file/{token}"
    entry["lastUpdated"] = now.isoformat().replace("+00:00", "Z")
    # `can-change`: the link is live (flag L), so the file changes as the journal does.
    return Response({"status": "can-change", "files": [entry]}, media_type=MediaType.JSON)


async def _passcode_refused(
    request: Request[Any, Any, Any],
    shares: ShareService,
    settings: Settings,
    share: ShareRow,
    body: ManifestRequest,
    agent: str,
) -> Response[Any] | None:
    """None when the passcode is right; else 401 with the IG's `remainingAttempts`."""
    now = datetime.now(UTC)
    if body.passcode is None:
        # Not a guess: nothing is counted, the client is told a passcode is needed.
        remaining = max(0, PASSCODE_TRIES - share.failed_codes)
        return _wrong_code(remaining, "This health link needs its passcode.")
    attempt = await shares.check_passcode(share, body.passcode, agent, now, body.recipient)
    if attempt.right:
        return None
    try:
        await shares.guesses.take(client_address(request, settings), now)
    except RateLimited as error:
        return _too_many(error)
    return _wrong_code(attempt.remaining, "That passcode is not right.")


def _wrong_code(remaining: int, detail: str) -> Response[Any]:
    # The IG's member next to the problem+json ones: at 0 the link has locked.
    return problem(
        401, "wrong-passcode", "Wrong passcode", detail, extra={"remainingAttempts": remaining}
    )


def _base_url(request: Request[Any, Any, Any], settings: Settings) -> str:
    return (settings.public_base_url or str(request.base_url)).rstrip("/")


@get("/shl/file/{token:str}", include_in_schema=False)
async def shl_file(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    shares: NamedDependency[ShareService],
    settings: NamedDependency[Settings],
    engine: NamedDependency[Engine[Any]],
) -> Response[Any]:
    """A `location` URL: the JWE once, while its link is active and its hour is not over."""
    now = datetime.now(UTC)
    try:
        await shares.guesses.check(client_address(request, settings), now)
    except RateLimited as error:
        return _too_many(error)
    stored = await take_file(engine, token, now) if _ID.match(token) else None
    if stored is None or await shares.active_by_id(stored.share_id, now) is None:
        return await _guessed(request, shares, settings)
    return Response(stored.jwe, media_type=JOSE)


shl_routes = [shl_manifest, shl_file]
