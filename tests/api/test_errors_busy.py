"""PostgreSQL out of connections is a 503 with Retry-After that the app backs off from."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from asyncpg.exceptions import TooManyConnectionsError

import backend.db
from tests.conftest import signup


async def test_a_database_out_of_connections_is_a_503_to_retry(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await signup(client)

    async def refused(*_: Any) -> Any:
        raise TooManyConnectionsError("sorry, too many clients already")

    monkeypatch.setattr(backend.db, "_run", refused)
    answer = await client.get("/api/v1/account/devices")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "unavailable"
    assert int(answer.headers["retry-after"]) > 0
    assert "too many clients" not in answer.text, "no database text to the client"
