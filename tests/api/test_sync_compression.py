"""A sync answer is gzipped (ISA-L) when large and accepted, and reads back the same."""

from __future__ import annotations

import gzip
import json
import uuid

import httpx
import pytest

from backend.compression import MINIMUM_SIZE, accepts_gzip
from tests.api.sync_helpers import change, envelope
from tests.conftest import signup

AT = "2026-11-27T08:05:00+01:00"


async def _raw_sync(client: httpx.AsyncClient, accept: str, count: int) -> httpx.Response:
    changes = [
        change(str(uuid.uuid4()), {"at": AT, "mood": i % 11, "note": "slept badly " * 4})
        for i in range(count)
    ]
    body = json.dumps(envelope(changes)).encode()
    headers = {"content-type": "application/json", "accept-encoding": accept}
    # Raw bytes as sent over the wire: httpx must not decompress before the test looks.
    request = client.build_request("POST", "/api/v1/sync", content=body, headers=headers)
    response = await client.send(request, stream=True)
    await response.aread()
    return response


async def test_a_large_answer_is_gzipped_and_holds_every_record(
    client: httpx.AsyncClient,
) -> None:
    await signup(client)
    response = await _raw_sync(client, "gzip, deflate, br", 40)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert response.headers["content-type"].startswith("application/json")
    body = json.loads(response.content)  # httpx undid the gzip; the wire had it
    assert [r["status"] for r in body["results"]] == ["applied"] * 40
    assert len(body["records"]) == 40
    assert int(response.headers["content-length"]) < len(json.dumps(body)) // 2


async def test_no_gzip_when_the_client_does_not_take_it_or_the_answer_is_small(
    client: httpx.AsyncClient,
) -> None:
    await signup(client)
    small = await _raw_sync(client, "gzip", 0)  # nothing to pull yet
    assert "content-encoding" not in small.headers
    assert len(small.content) < MINIMUM_SIZE
    for pushes, accept in enumerate(("identity", "gzip;q=0", "br"), start=1):
        response = await _raw_sync(client, accept, 40)
        assert response.status_code == 200
        assert "content-encoding" not in response.headers, accept
        # Each sync pulls from cursor 0: everything pushed so far.
        assert len(json.loads(response.content)["records"]) == 40 * pushes


def test_the_gzip_body_is_standard_gzip() -> None:
    from backend.compression import json_response

    response = json_response({"records": ["x" * 2000]}, "gzip")
    assert isinstance(response.content, bytes)
    assert json.loads(gzip.decompress(response.content)) == {"records": ["x" * 2000]}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("deflate, gzip;q=1.0, br", True),
        ("GZIP", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("br, deflate", False),
        ("", False),
        ("x-gzip-like", False),
    ],
)
def test_accept_encoding_is_read_per_coding(header: str, expected: bool) -> None:
    assert accepts_gzip(header) is expected
