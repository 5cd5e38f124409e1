"""Request logs and /api/v1/metrics: templates instead of paths, and a token or a 404."""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from prometheus_client.parser import text_string_to_metric_families

from backend.app import create_app
from backend.settings import Settings
from tests.api.sync_helpers import change, sync
from tests.api.test_reminders import add_routine, due_of, sender_of, subscribe
from tests.conftest import http_client, signup
from tests.support.push_service import LocalPushService

TOKEN = secrets.token_hex(32)
BEARER = {"authorization": f"Bearer {TOKEN}"}
METRICS = "/api/v1/metrics"
NAMES = {
    "tend_http_requests",
    "tend_http_request_duration_seconds",
    "tend_sync_changes_applied",
    "tend_push_sent",
    "tend_push_failed",
    "tend_scheduler_lag_seconds",
}


@pytest.fixture
async def metrics_app(settings_factory: Callable[..., Settings]) -> AsyncIterator[Litestar]:
    application = create_app(settings_factory(metrics_token=TOKEN))
    async with application.state.lifespan(application):
        yield application


@pytest.fixture
async def scraper(metrics_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(metrics_app) as client:
        yield client


@pytest.fixture
def push_service() -> Iterator[LocalPushService]:
    with LocalPushService() as service:
        yield service


def view(response: httpx.Response) -> tuple[int, str | None, bytes]:
    return response.status_code, response.headers.get("content-type"), response.content


async def scrape(client: httpx.AsyncClient) -> dict[str, Any]:
    """{name: {labels as a sorted tuple: value}} of every sample the endpoint shows."""
    response = await client.get(METRICS, headers=BEARER)
    assert response.status_code == 200, response.text
    samples: dict[str, Any] = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            samples.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return samples


def value(samples: dict[str, Any], name: str, **labels: str) -> float:
    found: float = samples.get(name, {}).get(tuple(sorted(labels.items())), 0.0)
    return found


async def test_metrics_is_an_unknown_route_without_the_setting(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/api/v1/no-such-route")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    for headers in ({}, BEARER, {"authorization": "Bearer "}):
        assert view(await client.get(METRICS, headers=headers)) == view(unknown)


async def test_a_wrong_or_missing_token_gets_the_unknown_route_404(
    scraper: httpx.AsyncClient,
) -> None:
    unknown = view(await scraper.get("/api/v1/no-such-route"))
    for authorization in [
        None,
        "",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        TOKEN,
        "Bearer ",
    ]:
        headers = {} if authorization is None else {"authorization": authorization}
        assert view(await scraper.get(METRICS, headers=headers)) == unknown, authorization
    # Not ASCII: still a plain 404, not a 500 from the comparison.
    odd = await scraper.get(METRICS, headers={b"authorization": b"Bearer \xff\xfe"})
    assert view(odd) == unknown


async def test_the_right_token_gets_prometheus_text(scraper: httpx.AsyncClient) -> None:
    response = await scraper.get(METRICS, headers={"authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    families = {family.name for family in text_string_to_metric_families(response.text)}
    assert families >= NAMES
    assert "# TYPE tend_http_requests_total counter" in response.text
    assert "# TYPE tend_http_request_duration_seconds histogram" in response.text


async def test_metrics_stay_out_of_the_openapi_document(scraper: httpx.AsyncClient) -> None:
    schema = (await scraper.get("/api/v1/schema/openapi.json")).json()
    assert METRICS not in schema["paths"]


async def test_a_sync_push_counts_the_changes_it_applied(
    metrics_app: Litestar, scraper: httpx.AsyncClient
) -> None:
    await signup(scraper)
    before = value(await scrape(scraper), "tend_sync_changes_applied_total")
    fields = {"at": "2026-11-27T08:05:00+01:00", "mood": 3}
    sent = [change(str(uuid.uuid4()), fields) for _ in range(3)]
    first = await sync(scraper, sent)
    assert [r["status"] for r in first["results"]] == ["applied"] * 3
    # The same changes again are duplicates, and a bad one is rejected: neither counts.
    bad = change(str(uuid.uuid4()), {"at": "2026-11-27T08:05:00+01:00", "mood": 99})
    again = await sync(scraper, [*sent[:2], bad])
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate", "rejected"]
    after = value(await scrape(scraper), "tend_sync_changes_applied_total")
    assert after - before == 3


async def test_requests_are_counted_by_route_template(
    metrics_app: Litestar, scraper: httpx.AsyncClient
) -> None:
    await signup(scraper)
    template = "/api/v1/records/{record_id}/history"
    labels = {"method": "GET", "route": template, "status": "404"}
    before = await scrape(scraper)
    record_id = str(uuid.uuid4())
    for _ in range(2):
        assert (await scraper.get(f"/api/v1/records/{record_id}/history")).status_code == 404
    secret = secrets.token_urlsafe(16)
    assert (await scraper.get(f"/api/v1/nothing/{secret}?q={secret}")).status_code == 404
    after = await scrape(scraper)
    name = "tend_http_requests_total"
    assert value(after, name, **labels) - value(before, name, **labels) == 2
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert value(after, name, **unmatched) - value(before, name, **unmatched) == 1
    count = "tend_http_request_duration_seconds_count"
    assert value(after, count, route=template) - value(before, count, route=template) == 2
    text = (await scraper.get(METRICS, headers=BEARER)).text
    assert record_id not in text and secret not in text


async def test_pushes_and_scheduler_lag_are_measured(
    metrics_app: Litestar, scraper: httpx.AsyncClient, push_service: LocalPushService
) -> None:
    await signup(scraper)
    await subscribe(scraper, push_service)
    due, _ = await due_of(metrics_app, await add_routine(scraper))
    before = await scrape(scraper)
    assert (await sender_of(metrics_app).tick(due + timedelta(seconds=42))).sent == 1
    after = await scrape(scraper)
    assert value(after, "tend_push_sent_total") - value(before, "tend_push_sent_total") == 1
    assert value(after, "tend_scheduler_lag_seconds") == 42
    assert value(after, "tend_scheduler_last_pass_timestamp_seconds") == pytest.approx(
        (due + timedelta(seconds=42)).timestamp()
    )
    await sender_of(metrics_app).tick(due + timedelta(minutes=30))
    assert value(await scrape(scraper), "tend_scheduler_lag_seconds") == 0


async def test_a_push_service_that_says_gone_counts_as_failed(
    metrics_app: Litestar, scraper: httpx.AsyncClient, push_service: LocalPushService
) -> None:
    await signup(scraper)
    push_service.respond_with(await subscribe(scraper, push_service), 410)
    due, _ = await due_of(metrics_app, await add_routine(scraper))
    gone = {"reason": "gone"}
    before = value(await scrape(scraper), "tend_push_failed_total", **gone)
    assert (await sender_of(metrics_app).tick(due)).gone == 1
    after = await scrape(scraper)
    assert value(after, "tend_push_failed_total", **gone) - before == 1


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "tend.access"]
    for line in lines:
        assert set(line) == {"method", "route", "status", "duration_ms"}, line
        assert isinstance(line["duration_ms"], float | int) and line["duration_ms"] >= 0
    return lines


async def test_access_log_names_routes_never_their_secrets(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    token, manifest, file_token, query = (secrets.token_urlsafe(32) for _ in range(4))
    caplog.set_level(logging.INFO, logger="tend.access")
    client.cookies.set("tend_session", query)
    await client.get(f"/s/{token}?code={query}")
    await client.post(f"/shl/{manifest}?q={query}", json={"recipient": query})
    await client.get(f"/shl/file/{file_token}")
    await client.get(f"/api/v1/no/such/{token}?{query}")
    lines = access_lines(caplog)
    assert [(x["method"], x["route"], x["status"]) for x in lines] == [
        ("GET", "/s/{rest}", 404),
        ("POST", "/shl/{manifest_id}", 404),
        ("GET", "/shl/file/{token}", 404),
        ("GET", "<unmatched>", 404),
    ]
    # Every log line of the server's (the test client's own httpx lines aside).
    logged = "".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    for secret in (token, manifest, file_token, query):
        assert secret not in logged
    assert "?" not in "".join(json.dumps(x) for x in lines)


class Collected(logging.Handler):
    """Records of one logger, kept even when an app's logging set-up replaces root's handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_access_log_follows_the_log_level(settings_factory: Callable[..., Settings]) -> None:
    root, logger, collected = logging.getLogger(), logging.getLogger("tend.access"), Collected()
    level = root.level
    logger.addHandler(collected)
    try:
        for log_level, lines in [("warning", 0), ("info", 1)]:
            application = create_app(settings_factory(log_level=log_level))
            async with application.state.lifespan(application), http_client(application) as c:
                assert (await c.get("/api/v1/health")).status_code == 200
            assert len(collected.records) == lines, log_level
        assert json.loads(collected.records[0].getMessage())["route"] == "/api/v1/health"
    finally:
        logger.removeHandler(collected)
        root.setLevel(level)
