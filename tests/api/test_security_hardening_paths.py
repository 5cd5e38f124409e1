"""URLs that used to be 500s: static paths the file system cannot look up, and push
endpoints urlsplit cannot parse ("Invalid IPv6 URL") while the server runs in dev mode."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.settings import Settings
from tests.conftest import http_client, signup


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["code"] == code
    assert "null byte" not in response.text and "Errno" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/index.html%00.js",
        "/%00",
        "/js/%00main.js",
        "/sw.js%00",
        "/" + "a" * 300,  # longer than a file name may be
        "/" + "a/" * 3000 + "b.js",  # longer than a path may be
        "/index.html/anything",  # a file used as a directory
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_static_paths_the_file_system_refuses_are_404(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path)
    if method == "HEAD":
        assert response.status_code == 404, response.text
        return
    assert_problem(response, 404, "not-found")


async def test_the_shell_is_still_served(client: httpx.AsyncClient) -> None:
    for path in ("/", "/index.html", "/sw.js"):
        response = await client.get(path)
        assert response.status_code == 200, path


BROKEN_ENDPOINTS = [
    "https://[::1/x",
    "https://[push.example.com/x",
    "https://push.example.com]/x",
    "http://[::1/x",
    "https://push.example.com:99999/x",
    "https://push.example.com:port/x",
]


def subscription(endpoint: str) -> dict[str, object]:
    return {
        "endpoint": endpoint,
        "keys": {"p256dh": "BExampleKey", "auth": "c2VjcmV0"},
        "device_id": str(uuid.uuid4()),
    }


@pytest.fixture(params=["dev", "prod"])
async def any_env_app(
    request: pytest.FixtureRequest, settings_factory: Callable[..., Settings]
) -> AsyncIterator[Litestar]:
    app = create_app(settings_factory(env=request.param))
    async with app.state.lifespan(app):
        yield app


@pytest.mark.parametrize("endpoint", BROKEN_ENDPOINTS)
async def test_unparseable_push_endpoints_are_refused_in_dev_and_prod(
    any_env_app: Litestar, endpoint: str
) -> None:
    async with http_client(any_env_app) as client:
        await signup(client)
        response = await client.post("/api/v1/push/subscriptions", json=subscription(endpoint))
        assert_problem(response, 400, "invalid-endpoint")
        # Unsubscribing from such an endpoint is a no-op, not an error.
        gone = await client.request(
            "DELETE", "/api/v1/push/subscriptions", json={"endpoint": endpoint}
        )
        assert gone.status_code == 204, gone.text
