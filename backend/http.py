"""Cross-cutting HTTP policy: security headers on every response, JSON-only bodies."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.errors import UnsupportedMediaType
from backend.headers import HSTS, SECURITY_HEADERS

_BASE_HEADERS = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
_BASE_NAMES = {name for name, _ in _BASE_HEADERS}
_HSTS = (b"strict-transport-security", HSTS.encode())
# The shell must be revalidated so a new release is noticed; /api/ answers are private.
_NO_CACHE_PATHS = {"/", "/index.html", "/sw.js", "/manifest.webmanifest"}
_JSON_TYPES = ("application/json",)
# PostgreSQL text cannot hold NUL: every request text stored or looked up as-is (not inside
# JSON, where NUL is the escape \u0000) matches this, so a NUL is a 400 and never a 500.
NO_NUL = r"^[^\x00]*$"


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {name for name, _ in _BASE_HEADERS}
                ]
                headers.extend(_BASE_HEADERS)
                if https:
                    headers.append(_HSTS)
                existing = {k.lower() for k, _ in headers}
                if path.startswith("/api/"):
                    headers.append((b"cache-control", b"no-store"))
                elif path in _NO_CACHE_PATHS and b"cache-control" not in existing:
                    headers.append((b"cache-control", b"no-cache"))
                if path == "/sw.js":
                    headers.append((b"service-worker-allowed", b"/"))
                message["headers"] = headers
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


def require_json_body(request: Request[Any, Any, Any]) -> None:
    """before_request hook: a route that takes a body takes JSON only.

    With a SameSite=Strict cookie this is the CSRF defence: a cross-site form can only
    send form or text bodies, which are refused here before anything happens.
    """
    handler = request.route_handler
    if "data" not in handler.parsed_fn_signature.parameters:
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _JSON_TYPES:
        raise UnsupportedMediaType("Send the request body as application/json.")
