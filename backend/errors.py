"""One error shape: AppError subclasses and framework errors become problem+json."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException

from backend.headers import SECURITY_HEADERS

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
    status: int, code: str, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response[dict[str, Any]]:
    # Errors raised before routing (404, 405) bypass route middleware, so the security
    # headers are set here too.
    body = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    all_headers = {**SECURITY_HEADERS, "cache-control": "no-store", **(headers or {})}
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=all_headers)


def app_error_handler(_: Request[Any, Any, Any], exc: AppError) -> Response[dict[str, Any]]:
    return problem(exc.status, exc.code, exc.title, exc.detail, exc.headers)


def http_exception_handler(
    _: Request[Any, Any, Any], exc: HTTPException
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
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "retry-after"}
    return problem(status, code, title, detail, headers or None)


def internal_error_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    # Logged in full for the operator; the client never sees a trace or database text.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    code, title = _STATUS_CODES[500]
    return problem(
        500, code, title, "Something went wrong on the server. Nothing was lost; please try again."
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    AppError: app_error_handler,
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "AppError", "problem"]
