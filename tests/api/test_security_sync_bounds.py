"""One bad change is rejected on its own; it never fails the batch (sync.md).

Found by an outside attack: integers past what the databases store (base_seq 2^63,
schema_version -2^40) and NUL bytes in text (PostgreSQL refuses them) made the whole push a
500, so the good changes next to them were lost too.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.api.sync_helpers import change, envelope, sync
from tests.conftest import signup

CHECKIN = {"at": "2026-11-27T08:05:00+01:00", "mood": 3}


def _bad(**override: Any) -> dict[str, Any]:
    bad = change(str(uuid.uuid4()), CHECKIN)
    bad.update(override)
    return bad


def _nul_in_field_name() -> dict[str, Any]:
    bad = change(str(uuid.uuid4()), CHECKIN)
    bad["fields"]["mo\x00od"] = bad["fields"].pop("mood")
    return bad


def _nul_in_hlc() -> dict[str, Any]:
    bad = change(str(uuid.uuid4()), CHECKIN)
    bad["fields"]["mood"]["hlc"] = "\x00" + bad["fields"]["mood"]["hlc"]
    return bad


BAD_CHANGES = {
    "base_seq 2^63": lambda: _bad(base_seq=2**63),
    "base_seq 2^64": lambda: _bad(base_seq=2**64),
    "schema_version -2^40": lambda: _bad(schema_version=-(2**40)),
    "schema_version 2^40": lambda: _bad(schema_version=2**40),
    "schema_version 2^31": lambda: _bad(schema_version=2**31),
    "schema_version 0": lambda: _bad(schema_version=0),
    "NUL in kind": lambda: _bad(kind="check\x00in"),
    "NUL alone as kind": lambda: _bad(kind="\x00"),
    "NUL in a field name": _nul_in_field_name,
    "NUL in an hlc": _nul_in_hlc,
    "not an object": lambda: 2**70,
    "a list": lambda: [1, 2],
}


@pytest.mark.parametrize("name", list(BAD_CHANGES))
async def test_a_bad_change_is_rejected_and_its_neighbour_applies(
    client: httpx.AsyncClient, name: str
) -> None:
    await signup(client)
    bad = BAD_CHANGES[name]()
    good_id = str(uuid.uuid4())
    good = change(good_id, CHECKIN)
    response = await client.post("/api/v1/sync", json=envelope([bad, good]))
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert first["status"] == "rejected", first
    assert first["error"]["code"] and first["error"]["detail"]
    assert second["status"] == "applied", second
    # The good change was written, and nothing of the bad one.
    pulled = await sync(client, [])
    assert [r["id"] for r in pulled["records"]] == [good_id]


async def test_nul_in_a_field_value_is_stored_safely(client: httpx.AsyncClient) -> None:
    # Values travel as JSON text, where NUL is the escape \u0000: PostgreSQL takes that.
    await signup(client)
    rid = str(uuid.uuid4())
    body = await sync(
        client, [change(rid, {**CHECKIN, "note": "a\x00b"}), change(str(uuid.uuid4()), CHECKIN)]
    )
    assert [r["status"] for r in body["results"]][1] == "applied"
    assert body["results"][0]["status"] in {"applied", "rejected"}


@pytest.mark.parametrize(
    "extra",
    [
        {"cursor": 2**63},
        {"client_time": 2**70},
        {"client_time": -(2**70)},
        {"schema_version": 2**40},
        {"protocol": 2**70},
    ],
)
async def test_out_of_range_envelope_numbers_are_400_not_500(
    client: httpx.AsyncClient, extra: dict[str, Any]
) -> None:
    await signup(client)
    payload = envelope([change(str(uuid.uuid4()), CHECKIN)])
    payload.update(extra)
    response = await client.post("/api/v1/sync", json=payload)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
