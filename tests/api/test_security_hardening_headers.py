"""Response headers on every kind of answer, each sent once.

- 405 answers had no `Allow` header (RFC 9110 requires one);
- errors raised before routing (unknown paths, wrong methods) skipped the middleware that
  adds `Strict-Transport-Security`, so https requests got no HSTS on them;
- an error on an /api/ path carried `Cache-Control: no-store` twice (the error response's
  own and the middleware's).
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import signup

HTTPS = "https://127.0.0.1:8000"
ONCE = [
    "cache-control",
    "strict-transport-security",
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
    "allow",
]


def assert_each_header_once(response: httpx.Response) -> None:
    for name in ONCE:
        values = response.headers.get_list(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times: {values}"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/v1/health", {"GET"}),
        ("DELETE", "/api/v1/auth/signup", {"POST"}),
        ("GET", "/api/v1/sync", {"POST"}),
        ("POST", "/sw.js", {"GET", "HEAD"}),
    ],
)
async def test_405_names_the_allowed_methods(
    client: httpx.AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 405, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    offered = {m.strip() for m in response.headers["allow"].split(",")}
    assert allowed <= offered
    assert method not in offered
    assert_each_header_once(response)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nothing-here", 404),
        ("PUT", "/api/v1/health", 405),
        ("GET", "/api/v1/account", 401),  # raised by a guard, inside the route
        ("GET", "/no-such-file.js", 404),  # the static router's own 404
        ("GET", "/index.html%00.js", 404),
        ("GET", "/api/v1/health", 200),
        ("GET", "/", 200),
    ],
)
async def test_https_answers_carry_hsts_once_whatever_the_status(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, HTTPS + path)
    assert response.status_code == status, response.text
    assert response.headers.get_list("strict-transport-security") == [
        "max-age=63072000; includeSubDomains"
    ]
    assert_each_header_once(response)


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/account", "/nothing.js"])
async def test_plain_http_errors_carry_no_hsts(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code in (401, 404)
    assert "strict-transport-security" not in response.headers
    assert_each_header_once(response)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/account", "no-store"),  # 401 from the guard
        ("/api/v1/nothing-here", "no-store"),  # 404 before routing
        ("/api/v1/health", "no-store"),
        ("/", "no-cache"),
        ("/sw.js", "no-cache"),
    ],
)
async def test_cache_control_is_sent_once(
    client: httpx.AsyncClient, path: str, expected: str
) -> None:
    response = await client.get(path)
    assert response.headers.get_list("cache-control") == [expected]


async def test_cache_control_once_on_signed_in_answers_and_their_errors(
    client: httpx.AsyncClient,
) -> None:
    await signup(client)
    ok = await client.get("/api/v1/account")
    assert ok.headers.get_list("cache-control") == ["no-store"]
    refused = await client.post("/api/v1/account/passphrase", json={"current": "x", "new": "y"})
    assert refused.status_code == 400
    assert refused.headers.get_list("cache-control") == ["no-store"]
