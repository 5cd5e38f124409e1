"""One error shape, JSON-only bodies, size limits and security headers on every response."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import signup

SIGNUP = "/api/v1/auth/signup"


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "code"}
    assert body["status"] == status
    if code:
        assert body["code"] == code
    text = response.text.lower()
    assert "traceback" not in text and "sqlite" not in text and "asyncpg" not in text


@pytest.mark.parametrize(
    "payload",
    [
        {"username": 42, "passphrase": "correct horse battery"},
        {"username": "alice"},
        {"username": "alice", "passphrase": ["x"]},
        {"username": "alice", "passphrase": "correct horse battery", "extra": True},
        [],
        "alice",
    ],
)
async def test_wrong_types_and_missing_fields_are_400(
    client: httpx.AsyncClient, payload: object
) -> None:
    assert_problem(await client.post(SIGNUP, json=payload), 400, "invalid-request")


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        SIGNUP, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(response, 400)


async def test_bodies_over_one_mebibyte_are_413(client: httpx.AsyncClient) -> None:
    big = b'{"username": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    response = await client.post(SIGNUP, content=big, headers={"content-type": "application/json"})
    assert_problem(response, 413, "body-too-large")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
async def test_non_json_bodies_are_415(client: httpx.AsyncClient, content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(
        SIGNUP,
        content=b'{"username":"alice","passphrase":"correct horse battery"}',
        headers=headers,
    )
    assert_problem(response, 415, "unsupported-media-type")


async def test_unknown_routes_and_methods_are_problem_json(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/nothing-here"), 404, "not-found")
    assert_problem(await client.put("/api/v1/health", json={}), 405, "method-not-allowed")


async def test_protected_routes_need_a_session(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/account", "/api/v1/account/devices", "/api/v1/sync/status"):
        assert_problem(await client.get(path), 401, "not-signed-in")


@pytest.mark.parametrize(
    "path", ["/api/v1/health", "/", "/api/v1/nothing", "/manifest.webmanifest"]
)
async def test_security_headers_on_every_response(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "http:" not in csp and "https:" not in csp  # no third-party origins
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in response.headers  # plain http here


async def test_api_answers_are_never_cached(client: httpx.AsyncClient) -> None:
    await signup(client)
    response = await client.get("/api/v1/account")
    assert response.headers["cache-control"] == "no-store"


async def test_openapi_json_is_served_without_an_html_explorer(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/schema/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/sync" in schema["paths"]
    assert "/api/v1/auth/signup" in schema["paths"]
    for page in ("/api/v1/schema", "/api/v1/schema/swagger", "/api/v1/schema/redoc"):
        explorer = await client.get(page)
        assert "<script" not in explorer.text
