"""HTTP routes of clinician sharing (sharing.md; api.md: Insights and sharing).

`/api/v1/shares...` are the person's (session required). `/s/<token>...` are the
clinician's: no account, HTML (and FHIR and CSV files), each answer `no-store`, `noindex`,
`no-referrer` and under the share pages' own strict CSP. An unknown, expired, revoked or
locked token gets the same bytes (no oracle), and misses are limited per client address.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import MediaType, Request, Response, Router, delete, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from piccolo.engine.base import Engine

from backend.accounts.auth import (
    client_address,
    current_session,
    is_local_host,
    require_session,
)
from backend.accounts.service import CurrentSession
from backend.errors import BODY, SESSION, InvalidInput, RateLimited, problem_responses
from backend.openapi import NO_CONTENT, SESSION_REQUIRED
from backend.settings import Settings
from backend.sharing.agents import coarse_agent
from backend.sharing.content import csv_document, fhir_document, summary_page
from backend.sharing.render import SHARE_CSP, render_not_found, render_passcode
from backend.sharing.schemas import AccessKind, CreatedShare, ShareInfo, ShareRequest
from backend.sharing.service import GRANT_HOURS, ShareRow, ShareService

GRANT_COOKIE = "tend_share"
# What a token can look like (base64url); anything else is a miss without a lookup.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SHARE_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex, nofollow",
    "content-security-policy": SHARE_CSP,
}
_HTML = MediaType.HTML  # Litestar adds "; charset=utf-8"


def _page(body: str | bytes, status: int = 200, **headers: str) -> Response[Any]:
    return Response(body, status_code=status, media_type=_HTML, headers=SHARE_HEADERS | headers)


def _not_found() -> Response[Any]:
    return _page(render_not_found(), 404)


def _too_many(error: RateLimited) -> Response[Any]:
    return Response(
        error.detail,
        status_code=429,
        media_type=MediaType.TEXT,
        headers=SHARE_HEADERS | {"retry-after": error.headers.get("Retry-After", "900")},
    )


# ---- the person's routes -------------------------------------------------------------


def _base_url(request: Request[Any, Any, Any], settings: Settings) -> str:
    return settings.public_base_url or str(request.base_url)


@post("/shares", status_code=HTTP_201_CREATED, responses=problem_responses(*BODY, *SESSION))
async def create_share(
    request: Request[Any, Any, Any],
    data: JSONBody[ShareRequest],
    current: NamedDependency[CurrentSession],
    shares: NamedDependency[ShareService],
    settings: NamedDependency[Settings],
) -> CreatedShare:
    """Make a link for a period and categories; its URL is in this answer and nowhere else."""
    now = datetime.now(UTC)
    return await shares.create(current.user_id, data, now, _base_url(request, settings))


@get("/shares", responses=problem_responses(*SESSION))
async def list_shares(
    current: NamedDependency[CurrentSession], shares: NamedDependency[ShareService]
) -> list[ShareInfo]:
    """The person's links, newest first, with their status and who opened them when."""
    return await shares.shares_of(current.user_id, datetime.now(UTC))


@delete(
    "/shares/{share_id:uuid}",
    status_code=HTTP_204_NO_CONTENT,
    responses=problem_responses(404, *SESSION) | NO_CONTENT,
)
async def revoke_share(
    share_id: FromPath[UUID],
    current: NamedDependency[CurrentSession],
    shares: NamedDependency[ShareService],
) -> None:
    """Turn a link off at once: from now on it answers the plain 404 page."""
    await shares.revoke(current.user_id, share_id, datetime.now(UTC))


@get(
    "/shares/preview",
    media_type=_HTML,
    responses=problem_responses(400, *SESSION),
)
async def preview_share(
    current: NamedDependency[CurrentSession],
    shares: NamedDependency[ShareService],
    engine: NamedDependency[Engine[Any]],
    start: Annotated[str | None, QueryParameter(name="from", description="YYYY-MM-DD")] = None,
    end: Annotated[str | None, QueryParameter(name="to", description="YYYY-MM-DD")] = None,
    categories: Annotated[
        str | None, QueryParameter(description="comma-separated; default all but notes")
    ] = None,
) -> Response[str]:
    """Exactly the page a clinician would see for these choices, before any link exists."""
    now = datetime.now(UTC)
    first, last, chosen = _preview_choices(start, end, categories)
    scope = await shares.person_scope(current.user_id, first, last, chosen, now)
    html = await summary_page(engine, current.user_id, scope, now, base_path=None)
    return _page(html)


def _preview_choices(
    start: str | None, end: str | None, categories: str | None
) -> tuple[Any, Any, list[str] | None]:
    """The query's values checked by the same rules as a share's body (one error shape)."""
    body: dict[str, Any] = {"from": start, "to": end}
    if categories is not None:
        body["categories"] = [name for name in categories.split(",") if name]
    try:
        request = msgspec.convert(body, ShareRequest, strict=False)
    except msgspec.ValidationError as error:
        raise InvalidInput(str(error), code="invalid-request") from error
    return request.from_, request.to, request.categories


share_router = Router(
    path="/api/v1",
    route_handlers=[create_share, list_shares, revoke_share, preview_share],
    guards=[require_session],
    security=SESSION_REQUIRED,
    dependencies={"current": Provide(current_session, sync_to_thread=False)},
    tags=["sharing"],
)


# ---- the clinician's routes ----------------------------------------------------------


async def _find(
    request: Request[Any, Any, Any], shares: ShareService, settings: Settings, token: str
) -> ShareRow | Response[Any]:
    """The active share of `token`, or the answer to send instead (404 or 429)."""
    now = datetime.now(UTC)
    address = client_address(request, settings)
    try:
        await shares.guesses.check(address, now)
        share = await shares.active(token, now) if _TOKEN.match(token) else None
        if share is None:
            await shares.guesses.take(address, now)
            return _not_found()
    except RateLimited as error:
        return _too_many(error)
    return share


async def _open(
    request: Request[Any, Any, Any],
    shares: ShareService,
    settings: Settings,
    token: str,
    what: AccessKind,
) -> ShareRow | Response[Any]:
    """`_find`, then the passcode page unless this browser typed the code; logs the access."""
    found = await _find(request, shares, settings, token)
    if isinstance(found, Response):
        return found
    now = datetime.now(UTC)
    if not await shares.granted(found, request.cookies.get(GRANT_COOKIE), now):
        return _page(render_passcode(failed=False), 401)
    agent = coarse_agent(request.headers.get("user-agent", ""))
    await shares.record_access(found.id, agent, what, now)
    return found


def _route(rest: str) -> tuple[str, AccessKind] | None:
    """`/<token>` is the page, `/<token>/fhir` and `/<token>/csv` the files; nothing else."""
    parts = rest.split("/")
    if len(parts) == 2 and parts[0] == "" and parts[1]:
        return parts[1], "summary"
    if len(parts) == 3 and parts[0] == "" and parts[1] and parts[2] in ("fhir", "csv"):
        return parts[1], "fhir" if parts[2] == "fhir" else "csv"
    return None


# One handler for every path under /s: a route of its own for /s/{token} would be shadowed
# by a catch-all, and every other path must be the same plain 404 as an unknown link.
@get(["/s", "/s/{rest:path}"], include_in_schema=False)
async def open_share(
    request: Request[Any, Any, Any],
    shares: NamedDependency[ShareService],
    settings: NamedDependency[Settings],
    engine: NamedDependency[Engine[Any]],
    rest: FromPath[str] = "",
) -> Response[Any]:
    route = _route(rest)
    if route is None:
        return _not_found()
    token, what = route
    found = await _open(request, shares, settings, token, what)
    if isinstance(found, Response):
        return found
    now = datetime.now(UTC)
    if what == "summary":
        return _page(await summary_page(engine, found.user_id, found.scope, now, f"/s/{token}"))
    if what == "fhir":
        bundle = await fhir_document(engine, found.user_id, found.scope, now)
        return _file(msgspec.json.encode(bundle), "application/fhir+json", "tend-summary-fhir.json")
    text = await csv_document(engine, found.user_id, found.scope, now)
    return _file(text, "text/csv", "tend-entries.csv")


def _file(body: str | bytes, media_type: str, filename: str) -> Response[Any]:
    disposition = f'attachment; filename="{filename}"'
    return Response(
        body, media_type=media_type, headers=SHARE_HEADERS | {"content-disposition": disposition}
    )


@post("/s/{rest:path}", include_in_schema=False)
async def enter_passcode(
    request: Request[Any, Any, Any],
    rest: FromPath[str],
    shares: NamedDependency[ShareService],
    settings: NamedDependency[Settings],
) -> Response[Any]:
    """The passcode form: the right code lets this browser in for a while (a cookie)."""
    route = _route(rest)
    if route is None or route[1] != "summary":
        return _not_found()
    token = route[0]
    found = await _find(request, shares, settings, token)
    if isinstance(found, Response):
        return found
    form = await request.form()
    code = str(form.get("passcode", ""))
    here = f"/s/{token}"
    now = datetime.now(UTC)
    agent = coarse_agent(request.headers.get("user-agent", ""))
    grant = await shares.try_passcode(found, code, agent, now) if found.passcode_hash else ""
    if grant is None:
        try:
            await shares.guesses.take(client_address(request, settings), now)
        except RateLimited as error:
            return _too_many(error)
        return _page(render_passcode(failed=True), 401)
    response = _page("", 303, location=here)
    if grant:
        response.set_cookie(_grant_cookie(request, grant, here))
    return response


def _grant_cookie(request: Request[Any, Any, Any], grant: str, path: str) -> Cookie:
    return Cookie(
        key=GRANT_COOKIE,
        value=grant,
        path=path,
        max_age=GRANT_HOURS * 3600,
        httponly=True,
        secure=not is_local_host(request),
        # Lax: a clinician opening the link from their mail keeps the code they typed.
        samesite="lax",
    )


share_pages = [open_share, enter_passcode]
