"""Access logs and Prometheus metrics; every count is this process's own, per worker."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from backend.settings import Settings

access_log = logging.getLogger("tend.access")

# A path that matched no route is not logged or counted as itself: it may hold a secret
# (a mistyped share link) and, as a label, would let anyone grow the metrics without end.
UNMATCHED = "<unmatched>"
# Any other method is a client's invention; as a label it would grow the metrics too.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Prometheus's text format 0.0.4; Litestar adds "; charset=utf-8" to any text/ type.
MEDIA_TYPE = "text/plain; version=0.0.4"
PUSH_FAILURES = ("gone", "retry", "error")

# Per process: each process (uvicorn worker) counts only the requests, pushes and changes
# it handled itself since it started, and a restart starts from 0 (Prometheus's rate()
# allows for that). With several workers behind one port a scrape reaches one of them.
REGISTRY = CollectorRegistry()
HTTP_REQUESTS = Counter(
    "tend_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "tend_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route template.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
SYNC_CHANGES_APPLIED = Counter(
    "tend_sync_changes_applied",
    "Changes devices pushed that sync applied (status applied; not duplicates or rejects).",
    registry=REGISTRY,
)
PUSH_SENT = Counter(
    "tend_push_sent", "Web Push messages a push service accepted.", registry=REGISTRY
)
PUSH_FAILED = Counter(
    "tend_push_failed",
    "Web Push messages not delivered: gone (subscription expired), retry, or error.",
    ["reason"],
    registry=REGISTRY,
)
SCHEDULER_LAG = Gauge(
    "tend_scheduler_lag_seconds",
    "How late the most overdue reminder of the last scheduler pass was when it was claimed"
    " (0 if nothing was due).",
    registry=REGISTRY,
)
SCHEDULER_LAST_PASS = Gauge(
    "tend_scheduler_last_pass_timestamp_seconds",
    "When the last scheduler pass ran (Unix time); a stale value means a stalled scheduler.",
    registry=REGISTRY,
)
for _reason in PUSH_FAILURES:
    PUSH_FAILED.labels(reason=_reason)  # shown as 0 before the first failure


def count_sync_results(statuses: Iterable[str]) -> None:
    """Hook for sync: the statuses of one push's results, counted once it has committed."""
    SYNC_CHANGES_APPLIED.inc(sum(1 for status in statuses if status == "applied"))


def count_push_results(results: Iterable[str]) -> None:
    """Hook for the reminder sender: each push's outcome (sent, gone, retry or error)."""
    for result in results:
        if result == "sent":
            PUSH_SENT.inc()
        else:
            PUSH_FAILED.labels(reason=result if result in PUSH_FAILURES else "error").inc()


def record_scheduler_pass(now: datetime, due: Iterable[datetime]) -> None:
    """Hook for the reminder sender: a pass at `now` claimed reminders due at `due`."""
    SCHEDULER_LAG.set(max((max(0.0, (now - at).total_seconds()) for at in due), default=0.0))
    SCHEDULER_LAST_PASS.set(now.timestamp())


def _label_method(scope: Scope) -> str:
    method = str(scope.get("method", ""))
    return method if method in _METHODS else "OTHER"


def observe_request(scope: Scope, status: int, seconds: float) -> None:
    """Count a finished request and log one line: method, route template, status, time.

    Only these: never the path itself (share links and health links carry their secret in
    it), the query string, headers, cookies or a body.
    """
    method = _label_method(scope)
    # Litestar sets the template ("/s/{rest}") once routing has found a route.
    route = scope.get("path_template") or UNMATCHED
    HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    HTTP_DURATION.labels(route=route).observe(seconds)
    if access_log.isEnabledFor(logging.INFO):
        line = {
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
        }
        access_log.info(msgspec.json.encode(line).decode())


def access_middleware(app: ASGIApp) -> ASGIApp:
    """Wraps the whole app (routing included), so unmatched paths are logged as well."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app fails before it answers, the server answers 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await app(scope, receive, send_with_status)
        finally:
            observe_request(scope, status, time.perf_counter() - started)

    return middleware


def bearer_matches(expected: str, authorization: str) -> bool:
    """Whether an `Authorization: Bearer <token>` header holds `expected` (never if empty)."""
    scheme, _, given = authorization.partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    # Bytes: compare_digest refuses str with non-ASCII characters, which a header may hold.
    return hmac.compare_digest(
        given.strip().encode("utf-8", "replace"), expected.encode("utf-8", "replace")
    )


# Without TEND_METRICS_TOKEN, or with a wrong or missing token, the answer is the 404 of
# any unknown path rather than a 401: a scanner learns nothing, not even that metrics
# exist here. An operator who set the token and gets 404 has sent the wrong one (or none).
@get("/api/v1/metrics", include_in_schema=False, sync_to_thread=False)
def metrics(
    request: Request[Any, Any, Any], settings: NamedDependency[Settings]
) -> Response[bytes]:
    if not bearer_matches(settings.metrics_token, request.headers.get("authorization", "")):
        raise NotFoundException()
    return Response(generate_latest(REGISTRY), media_type=MEDIA_TYPE)
