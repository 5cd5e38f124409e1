"""Session cookie handling: the guard that needs a session, and the cookie itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler

from backend.accounts.service import AccountService, CurrentSession, SignedIn
from backend.errors import NotSignedIn
from backend.settings import Settings

COOKIE_NAME = "tend_session"
# The known-device key (backend/accounts/devicekeys.py); only sign-in requests need it.
DEVICE_COOKIE_NAME = "tend_device"
DEVICE_COOKIE_PATH = "/api/v1/auth"
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
_STATE_KEY = "tend_session"


def client_address(connection: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> str:
    if settings.trust_forwarded_for:
        forwarded = connection.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:64]
    return (connection.client.host if connection.client else "unknown")[:64]


def is_local_host(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    host = connection.url.hostname or ""
    return host in _LOCAL_HOSTS


def session_cookie(
    connection: ASGIConnection[Any, Any, Any, Any], token: str, settings: Settings
) -> Cookie:
    return Cookie(
        key=COOKIE_NAME,
        value=token,
        path="/",
        httponly=True,
        samesite="strict",
        secure=not is_local_host(connection),
        max_age=settings.session_max_days * 86400,
    )


def signed_in_cookies(
    connection: ASGIConnection[Any, Any, Any, Any], signed_in: SignedIn, settings: Settings
) -> list[Cookie]:
    """The session cookie, then the device's new known-device key (same flags, narrower path)."""
    device = Cookie(
        key=DEVICE_COOKIE_NAME,
        value=signed_in.device_key,
        path=DEVICE_COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=not is_local_host(connection),
        max_age=settings.session_max_days * 86400,
    )
    return [session_cookie(connection, signed_in.token, settings), device]


def device_key(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    return connection.cookies.get(DEVICE_COOKIE_NAME) or None


def cleared_cookie(connection: ASGIConnection[Any, Any, Any, Any]) -> Cookie:
    return Cookie(
        key=COOKIE_NAME,
        value="",
        path="/",
        httponly=True,
        samesite="strict",
        secure=not is_local_host(connection),
        max_age=0,
    )


async def require_session(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: runs before the body is read, so a signed-out request gets 401 first."""
    token = connection.cookies.get(COOKIE_NAME)
    if not token:
        raise NotSignedIn("Please sign in.")
    service: AccountService = connection.app.state.services.accounts
    current = await service.authenticate(token, datetime.now(UTC))
    if current is None:
        raise NotSignedIn("Your session has ended. Please sign in again.", code="session-expired")
    connection.state[_STATE_KEY] = current


def current_session(request: Request[Any, Any, Any]) -> CurrentSession:
    """Dependency for handlers behind require_session."""
    current: CurrentSession = request.state[_STATE_KEY]
    return current
