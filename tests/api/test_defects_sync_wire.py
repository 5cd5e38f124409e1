"""The body of POST /api/v1/sync is exactly the documented `SyncResponse` (api.md, sync.md).

The route builds its body as bytes (stored records are spliced in unparsed), so nothing but
a test ties those bytes to the Struct that OpenAPI documents.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec

from backend.sync.hlc import is_valid_hlc
from backend.sync.schemas import Reset, SyncResponse
from tests.api.sync_helpers import change, envelope, hlc_at
from tests.conftest import signup

AT = "2026-11-27T08:05:00+01:00"
OTHER_DEVICE = "0190c3e4-7f1a-7b2c-9d3e-0000000000b2"


async def post_sync(client: httpx.AsyncClient, changes: list[dict[str, Any]], **kw: Any) -> bytes:
    response = await client.post("/api/v1/sync", json=envelope(changes, **kw))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.content


def decode_exactly(body: bytes) -> SyncResponse:
    """Strict decoding (no lax coercion), then a round trip: a key the Struct does not
    declare would be dropped by decoding and show up as a difference here."""
    decoded = msgspec.json.decode(body, type=SyncResponse, strict=True)
    assert msgspec.to_builtins(decoded) == json.loads(body)
    return decoded


async def test_a_real_sync_response_decodes_as_the_documented_sync_response(
    client: httpx.AsyncClient,
) -> None:
    await signup(client)
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    kept, gone, far = (str(uuid.uuid4()) for _ in range(3))
    created = change(kept, {"at": AT, "mood": 5}, hlc=hlc_at(now_ms))
    first = decode_exactly(
        await post_sync(
            client,
            [
                created,
                change(gone, {"at": AT, "mood": 2}, hlc=hlc_at(now_ms)),
                change(far, {"at": AT, "mood": 3}, hlc=hlc_at(now_ms + 86_400_000)),  # clamped
                change(str(uuid.uuid4()), {"at": AT, "mood": 99}),  # out of range
                {"record_id": "not a change"},  # malformed
            ],
        )
    )
    assert [r.status for r in first.results] == [
        "applied",
        "applied",
        "applied",
        "rejected",
        "rejected",
    ]
    assert first.results[2].hlcs is not None
    assert first.results[3].error is not None and first.results[3].error.field is not None
    assert first.reset is None
    assert is_valid_hlc(first.server_hlc)
    assert {str(r.id) for r in first.records} == {kept, gone, far}

    seq = first.results[0].server_seq
    assert seq is not None
    second = decode_exactly(
        await post_sync(
            client,
            [
                created,  # again: duplicate
                change(kept, {"mood": 1}, hlc=hlc_at(now_ms - 60_000)),  # older: superseded
                change(kept, {"mood": 7}, hlc=hlc_at(now_ms + 1000, device=OTHER_DEVICE)),
                change(gone, {"_deleted": True}, hlc=hlc_at(now_ms + 2000)),
            ],
            device=OTHER_DEVICE,
            epoch=str(uuid.uuid4()),  # not the person's epoch: reset, pull from 0
            cursor=first.next_cursor,
        )
    )
    statuses = [(r.status, r.original_status, r.conflict) for r in second.results]
    assert statuses == [
        ("duplicate", "applied", None),
        # The other device had not seen the first write (base_seq 0): both are concurrent.
        ("superseded", None, True),
        ("applied", None, True),
        ("applied", None, None),
    ]
    assert second.reset == Reset("epoch_mismatch", first.epoch)
    records = {str(r.id): r for r in second.records}
    assert set(records) == {kept, gone, far}
    assert records[gone].deleted
    assert records[kept].fields["_conflict"].v is True
    assert second.next_cursor == max(r.server_seq for r in second.records)
    assert not second.has_more
    assert is_valid_hlc(second.server_hlc)
