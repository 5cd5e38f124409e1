"""Cross-cutting HTTP policy: security headers on every response, JSON-only bodies."""

from __future__ import annotations

from array import array
from itertools import accumulate
from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.errors import AppError, UnsupportedMediaType
from backend.headers import HSTS, SECURITY_HEADERS

_BASE_HEADERS = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
_HSTS = (b"strict-transport-security", HSTS.encode())
# Set here and nowhere else: error responses made before routing carry them too, and a
# copy from there must not make a second one.
_REPLACED = {name for name, _ in _BASE_HEADERS} | {_HSTS[0], b"x-robots-tag"}
# The shell must be revalidated so a new release is noticed; /api/ answers are private.
_NO_CACHE_PATHS = {"/", "/index.html", "/sw.js", "/manifest.webmanifest"}
_JSON_TYPES = ("application/json",)
_CSP = b"content-security-policy"
_SHARE_PATHS = ("/s/", "/shl/", "/api/v1/shares/preview")
# Health links are read by clinic software, browser-based viewers included: any origin may
# call them (no cookie is involved, the secrets are in the URL and the body).
_CORS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
    (b"access-control-allow-headers", b"content-type"),
    (b"access-control-max-age", b"600"),
]
_NO_CONTENT_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# PostgreSQL text cannot hold NUL: every request text stored or looked up as-is (not inside
# JSON, where NUL is the escape \u0000) matches this, so a NUL is a 400 and never a 500.
NO_NUL = r"^[^\x00]*$"


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        # The raw path: the PWA's static mount at / rewrites `path` for what it serves.
        path = bytes(scope.get("raw_path") or b"").decode("latin-1") or scope.get("path", "")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # /api/ answers and clinician pages are private: never stored anywhere.
                api = path.startswith(("/api/", "/s/", "/shl/")) or path == "/s"
                original = list(message.get("headers", []))
                headers = [
                    (k, v)
                    for k, v in original
                    if k.lower() not in _REPLACED and not (api and k.lower() == b"cache-control")
                ]
                headers.extend(_share_headers(path, original) or _BASE_HEADERS)
                if https:
                    headers.append(_HSTS)
                if api:
                    headers.append((b"cache-control", b"no-store"))
                elif path in _NO_CACHE_PATHS and all(
                    k.lower() != b"cache-control" for k, _ in headers
                ):
                    headers.append((b"cache-control", b"no-cache"))
                if path == "/sw.js":
                    headers.append((b"service-worker-allowed", b"/"))
                if path.startswith("/shl/"):
                    headers.extend(_CORS)
                message["headers"] = headers
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


def _share_headers(path: str, original: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A clinician page (`/s/...`, the person's preview) keeps its own stricter CSP, and is
    never stored or indexed; an error made there before routing gets the strictest CSP."""
    if not (path.startswith(_SHARE_PATHS) or path == "/s"):
        return []
    csp = next((v for k, v in original if k.lower() == _CSP), _NO_CONTENT_CSP)
    others = [(k, v) for k, v in _BASE_HEADERS if k != _CSP]
    return [*others, (_CSP, csp), (b"x-robots-tag", b"noindex, nofollow")]


def options_allow_middleware(app: ASGIApp) -> ASGIApp:
    """Answer OPTIONS with every method of the path (RFC 9110), not only the first one's.

    Litestar 2.25 builds a path's automatic OPTIONS handler with its first route handler and
    keeps that route's method list when more handlers join the path (POST and DELETE
    /push/subscriptions answered `Allow: OPTIONS, POST`); the router's route knows them all.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope.get("method") != "OPTIONS":
            await app(scope, receive, send)
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 204:
                allow = _allowed_methods(scope)
                if allow:
                    headers = [(k, v) for k, v in message.get("headers", []) if k != b"allow"]
                    message["headers"] = [*headers, (b"allow", allow.encode())]
            await send(message)

        await app(scope, receive, send_with_allow)

    return middleware


def _allowed_methods(scope: Scope) -> str:
    template = scope.get("path_template")
    for route in scope["litestar_app"].routes:
        if isinstance(route, HTTPRoute) and route.path_format == template:
            return ", ".join(sorted(route.methods))
    return ""


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


MAX_JSON_DEPTH = 64
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
# Opening brackets count +1, closing ones -1 (0xff as a signed byte).
_BRACKET_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def json_deeper_than(body: bytes, limit: int) -> bool:
    """True when the JSON text `body` nests arrays and objects more than `limit` deep.

    msgspec decodes recursively: about 1,000 levels raise RecursionError (a 500), and a
    value that decodes just below that fails later, in validation or encoding. This runs
    first, in a few passes at C speed (half a millisecond for a 200-change sync push):
    escapes out, then the text between quotes, then the running sum of the brackets left.
    Up to the first error in invalid JSON this is exactly msgspec's view of the text,
    so nothing it would descend into is missed.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    if b"\\" in body:
        # Pairs first, so `\\"` ends a string and `\"` does not.
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside_strings = b"".join(body.split(b'"')[::2])
    steps = array("b", outside_strings.translate(_BRACKET_STEP, _NOT_BRACKET))
    return any(level > limit for level in accumulate(steps))


class DepthLimitedRequest(Request[Any, Any, Any]):
    """The app's request class: a JSON body nested too deep is a 400, never decoded."""

    async def json(self) -> Any:
        if json_deeper_than(await self.body(), MAX_JSON_DEPTH):
            raise AppError(
                f"The request body nests arrays or objects more than {MAX_JSON_DEPTH} deep."
            )
        return await super().json()
