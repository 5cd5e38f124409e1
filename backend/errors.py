"""One error shape: AppError subclasses and framework errors become problem+json."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec

from backend.headers import HSTS, SECURITY_HEADERS

log = logging.getLogger("tend.errors")

PROBLEM_JSON = "application/problem+json"

# Stable codes for errors the framework raises before our code runs.
_STATUS_CODES = {
    400: ("invalid-request", "Bad request"),
    401: ("not-signed-in", "Not signed in"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("body-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("rate-limited", "Too many requests"),
    500: ("internal-error", "Internal server error"),
    503: ("unavailable", "Service unavailable"),
}


class Problem(msgspec.Struct):
    """The body of every error answer (RFC 9457), as documented in OpenAPI."""

    type: str
    title: str
    status: int
    detail: str
    code: str


# Why each status is answered; OpenAPI shows these next to the Problem schema.
_WHY = {
    400: "Malformed JSON, a value of the wrong type or out of range, or a broken rule (`code`).",
    401: "Not signed in, the session ended, or a wrong passphrase or recovery code.",
    403: "The device id belongs to another account.",
    404: "Nothing with that id or name on this account.",
    409: "The username is taken.",
    413: "The body is over 1 MiB, or a sync push over its limits.",
    415: "The body is not application/json.",
    426: "The app speaks an older protocol: update it, keep the outbox.",
    429: "Too many attempts: wait the seconds in Retry-After.",
    503: "The server cannot serve now: try again later.",
}
# Answers of every route that reads a JSON body, and of every route behind the session guard.
BODY = (400, 413, 415)
SESSION = (401,)


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI `responses` for a route: the problem+json answers it can give besides success.

    Replaces Litestar's default 400 (a shape this app never sends) with the one error shape.
    """
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            description=_WHY[status],
            generate_examples=False,
        )
        for status in sorted(set(statuses))
    }


class AppError(Exception):
    """Base of every error a service raises on purpose; carries its HTTP status and code."""

    status = 400
    code = "invalid-request"
    title = "Bad request"

    def __init__(
        self, detail: str, *, code: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.headers = headers or {}


class InvalidInput(AppError):
    status, code, title = 400, "invalid-input", "Invalid input"


class NotSignedIn(AppError):
    status, code, title = 401, "not-signed-in", "Not signed in"


class InvalidCredentials(AppError):
    status, code, title = 401, "invalid-credentials", "Wrong username or passphrase"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(AppError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class TooLarge(AppError):
    status, code, title = 413, "body-too-large", "Request too large"


class UnsupportedMediaType(AppError):
    status, code, title = 415, "unsupported-media-type", "Unsupported media type"


class TooOld(AppError):
    status, code, title = 426, "client-too-old", "Please update the app"


class RateLimited(AppError):
    status, code, title = 429, "rate-limited", "Too many attempts"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    *,
    https: bool = False,
    extra: dict[str, Any] | None = None,
) -> Response[dict[str, Any]]:
    # Errors raised before routing (404, 405) bypass route middleware, so the security
    # headers (and HSTS on https) are set here too.
    body = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **(extra or {}),
    }
    all_headers = {**SECURITY_HEADERS, "cache-control": "no-store", **(headers or {})}
    if https:
        all_headers["strict-transport-security"] = HSTS
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=all_headers)


def _https(request: Request[Any, Any, Any]) -> bool:
    return bool(request.scope.get("scheme") == "https")


def app_error_handler(request: Request[Any, Any, Any], exc: AppError) -> Response[dict[str, Any]]:
    return problem(exc.status, exc.code, exc.title, exc.detail, exc.headers, https=_https(request))


def http_exception_handler(
    request: Request[Any, Any, Any], exc: HTTPException
) -> Response[dict[str, Any]]:
    status = exc.status_code
    code, title = _STATUS_CODES.get(status, ("http-error", "Error"))
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else title
    if status == 400 and isinstance(exc.extra, list) and exc.extra:
        # Litestar's msgspec validation: name the offending field in plain words.
        first = exc.extra[0]
        if isinstance(first, dict) and first.get("message"):
            where = first.get("key") or ""
            detail = f"{first['message']}" + (f" (field: {where})" if where else "")
    if status >= 500:
        detail = title
    # Allow (RFC 9110: a 405 must list the methods) and Retry-After tell the client what to
    # do next; nothing else from the framework's exception is passed on.
    headers = {
        k: v for k, v in (exc.headers or {}).items() if k.lower() in {"allow", "retry-after"}
    }
    return problem(status, code, title, detail, headers or None, https=_https(request))


def internal_error_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    # Logged in full for the operator; the client never sees a trace or database text.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    code, title = _STATUS_CODES[500]
    detail = "Something went wrong on the server. Nothing was lost; please try again."
    return problem(500, code, title, detail, https=_https(request))


# PostgreSQL cannot take this request now (out of connections, starting or shutting down):
# a 503 the app retries after a pause, not a 500. Nothing was written: the transaction did
# not commit.
_BUSY_SECONDS = 5


def database_busy_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    log.warning("database busy on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    code, title = _STATUS_CODES[503]
    detail = "The server is busy. Nothing was lost; please try again in a moment."
    headers = {"Retry-After": str(_BUSY_SECONDS)}
    return problem(503, code, title, detail, headers, https=_https(request))


def _busy_errors() -> dict[type[Exception] | int, Any]:
    from asyncpg.exceptions import (  # type: ignore[import-untyped]
        CannotConnectNowError,
        TooManyConnectionsError,
    )

    return {
        TooManyConnectionsError: database_busy_handler,
        CannotConnectNowError: database_busy_handler,
    }


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    AppError: app_error_handler,
    HTTPException: http_exception_handler,
    **_busy_errors(),
    Exception: internal_error_handler,
}

__all__ = [
    "BODY",
    "EXCEPTION_HANDLERS",
    "PROBLEM_JSON",
    "SESSION",
    "AppError",
    "Problem",
    "problem",
    "problem_responses",
]
