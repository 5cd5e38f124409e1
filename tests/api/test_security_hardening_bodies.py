"""Request bodies that used to be 500s are 400 problem+json.

- JSON nested about 1,000 levels deep made msgspec raise RecursionError while decoding the
  body (before any handler ran, so anonymous sign-up and sign-in too);
- `POST /api/v1/account/passphrase` with an invalid `current` was a 500: the body field
  shares its name with a dependency, and Litestar reports a failed dependency as a server
  error.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.http import MAX_JSON_DEPTH, json_deeper_than
from tests.api.sync_helpers import change, envelope
from tests.conftest import PASSPHRASE, signup

JSON = {"content-type": "application/json"}


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "code"}
    if code is not None:
        assert body["code"] == code


def nested(depth: int, opener: str = "[", closer: str = "]") -> str:
    return opener * depth + closer * depth


def deep_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


# --- the depth check itself --------------------------------------------------------------


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


BRACKETY_TEXT = st.text(alphabet='[]{}"\\ab\n\u00e9', max_size=8)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | BRACKETY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(BRACKETY_TEXT, inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(value=JSON_VALUES, limit=st.integers(min_value=0, max_value=12))
def test_depth_check_agrees_with_the_decoded_depth(value: Any, limit: int) -> None:
    # Brackets, quotes and backslashes inside strings are text, never nesting.
    body = json.dumps(value, ensure_ascii=False).encode()
    assert json_deeper_than(body, limit) == (depth_of(value) > limit)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 5000,  # never closed
        b'["]]]]]]]]]]]", ' + b"[" * 100 + b"]" * 100 + b"]",  # closers hidden in a string
        b'"\\\\"' + b"[" * 100,  # an escaped backslash ends the string before the brackets
        b"[" * 100 + b"}" * 100,  # mismatched closers, found only on the way out
    ],
)
def test_depth_check_refuses_invalid_json_that_could_recurse(body: bytes) -> None:
    assert json_deeper_than(body, 64)


def test_depth_check_accepts_a_wide_shallow_body() -> None:
    body = json.dumps({"changes": [{"fields": {"a": {"v": [1, [2]]}}}] * 5000}).encode()
    assert not json_deeper_than(body, 8)


# --- over HTTP ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/auth/signup", "/api/v1/auth/login"])
@pytest.mark.parametrize(
    "body",
    [
        '{"username": "alice", "passphrase": ' + nested(1000) + "}",
        '{"username": "alice", "passphrase": ' + deep_object(1000) + "}",
        nested(1000),
        nested(MAX_JSON_DEPTH + 1, "[", "]"),
    ],
    ids=["array-1000", "object-1000", "bare-1000", "just-over-the-limit"],
)
async def test_deeply_nested_json_is_400_before_sign_in(
    client: httpx.AsyncClient, path: str, body: str
) -> None:
    response = await client.post(path, content=body.encode(), headers=JSON)
    assert_problem(response, 400, "invalid-request")
    assert "nest" in response.json()["detail"]


async def test_json_at_the_depth_limit_is_decoded_as_usual(client: httpx.AsyncClient) -> None:
    # Exactly MAX_JSON_DEPTH levels: decoded, then refused for its type like any wrong value.
    body = '{"username": "alice", "passphrase": ' + nested(MAX_JSON_DEPTH - 1) + "}"
    response = await client.post("/api/v1/auth/signup", content=body.encode(), headers=JSON)
    assert_problem(response, 400)
    assert "nest" not in response.json()["detail"]


async def test_deeply_nested_sync_value_is_400(client: httpx.AsyncClient) -> None:
    await signup(client)
    body = envelope([change(str(uuid.uuid4()), {"mood": 3})])
    text = json.dumps(body).replace('"v": 3', '"v": ' + nested(1000), 1)
    assert nested(1000) in text
    response = await client.post("/api/v1/sync", content=text.encode(), headers=JSON)
    assert_problem(response, 400, "invalid-request")


async def test_deeply_nested_body_on_a_signed_in_route_is_400(client: httpx.AsyncClient) -> None:
    await signup(client)
    body = '{"current": ' + nested(1000) + ', "new": "another long passphrase"}'
    response = await client.post("/api/v1/account/passphrase", content=body.encode(), headers=JSON)
    assert_problem(response, 400, "invalid-request")


@pytest.mark.parametrize("current", [42, "", None, ["x"], "x" * 2000, {"a": 1}])
async def test_invalid_current_passphrase_field_is_400(
    client: httpx.AsyncClient, current: object
) -> None:
    await signup(client)
    response = await client.post(
        "/api/v1/account/passphrase", json={"current": current, "new": "another long passphrase"}
    )
    assert_problem(response, 400, "invalid-request")
    assert "current" in response.json()["detail"]


async def test_passphrase_change_still_works_with_the_field_named_current(
    client: httpx.AsyncClient,
) -> None:
    await signup(client)
    wrong = await client.post(
        "/api/v1/account/passphrase",
        json={"current": "not the passphrase", "new": "another long passphrase"},
    )
    assert_problem(wrong, 401, "wrong-passphrase")
    right = await client.post(
        "/api/v1/account/passphrase",
        json={"current": PASSPHRASE, "new": "another long passphrase"},
    )
    assert right.status_code == 204, right.text
    devices = await client.get("/api/v1/account/devices")
    assert devices.status_code == 200
    assert [d["current"] for d in devices.json()] == [True]
