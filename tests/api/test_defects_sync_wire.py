"""The body of POST /api/v1/sync is exactly the documented `SyncResponse` (api.md, sync.md).

Stored records pass through unparsed (their fields as msgspec.Raw, their ids as text), so
nothing but a test ties those bytes to the Struct that OpenAPI documents.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec

from backend.sync.hlc import is_valid_hlc
from backend.sync.schemas import (
    AppliedResult,
    ChangeResult,
    DuplicateResult,
    RejectedResult,
    Reset,
    ResultError,
    RetryResult,
    SupersededResult,
    SyncResponse,
)
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
    declare would be dropped by decoding and show up as a difference here. Encoding the
    decoded Struct gives the very same bytes: the passed-through records are exactly what
    their declared types would encode to."""
    decoded = msgspec.json.decode(body, type=SyncResponse, strict=True)
    assert msgspec.to_builtins(decoded) == json.loads(body)
    assert msgspec.json.encode(decoded) == body
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
    assert [r.status for r in second.results] == ["duplicate", "superseded", "applied", "applied"]
    again, older, newer, deleted = second.results
    assert isinstance(again, DuplicateResult) and again.original_status == "applied"
    # The other device had not seen the first write (base_seq 0): both are concurrent.
    assert isinstance(older, SupersededResult) and older.conflict is True
    assert isinstance(newer, AppliedResult) and newer.conflict is True
    assert isinstance(deleted, AppliedResult) and deleted.conflict is False
    assert second.reset == Reset("epoch_mismatch", first.epoch)
    records = {str(r.id): r for r in second.records}
    assert set(records) == {kept, gone, far}
    assert records[gone].deleted
    assert records[kept].fields["_conflict"].v is True
    assert second.next_cursor == max(r.server_seq for r in second.records)
    assert not second.has_more
    assert is_valid_hlc(second.server_hlc)


ERROR = ResultError("out-of-range", "mood must be an integer from 0 to 10.", "mood")
CID, RID = "0190c3e4-7f1a-7b2c-9d3e-000000000001", "0190c3e4-7f1a-7b2c-9d3e-000000000002"
HEAD = f'"change_id":"{CID}","record_id":"{RID}"'
# Every shape a result takes on the wire: the status first (msgspec writes the tag first),
# then the fields it carries in this order; a field at its default is left out, never null.
WIRE_RESULTS: list[tuple[ChangeResult, str]] = [
    (
        AppliedResult(change_id=CID, record_id=RID, server_seq=7),
        f'{{"status":"applied",{HEAD},"server_seq":7}}',
    ),
    (
        AppliedResult(change_id=CID, record_id=RID, server_seq=7, conflict=True, hlcs={"a": "h"}),
        f'{{"status":"applied",{HEAD},"server_seq":7,"conflict":true,"hlcs":{{"a":"h"}}}}',
    ),
    (
        DuplicateResult(change_id=CID, record_id=RID, server_seq=7, original_status="applied"),
        f'{{"status":"duplicate",{HEAD},"server_seq":7,"original_status":"applied"}}',
    ),
    (
        DuplicateResult(change_id=CID, record_id=RID, original_status="rejected", error=ERROR),
        f'{{"status":"duplicate",{HEAD},"original_status":"rejected","error":{{"code":'
        '"out-of-range","detail":"mood must be an integer from 0 to 10.","field":"mood"}}',
    ),
    (
        DuplicateResult(
            change_id=CID, record_id=RID, server_seq=7, original_status="superseded", hlcs={}
        ),
        f'{{"status":"duplicate",{HEAD},"server_seq":7,"original_status":"superseded","hlcs":{{}}}}',
    ),
    (
        SupersededResult(change_id=CID, record_id=RID, server_seq=7),
        f'{{"status":"superseded",{HEAD},"server_seq":7}}',
    ),
    (
        SupersededResult(
            change_id=CID, record_id=RID, server_seq=7, conflict=True, hlcs={"a": "h"}
        ),
        f'{{"status":"superseded",{HEAD},"server_seq":7,"conflict":true,"hlcs":{{"a":"h"}}}}',
    ),
    (
        RejectedResult(change_id=CID, record_id=RID, error=ERROR),
        f'{{"status":"rejected",{HEAD},"error":{{"code":"out-of-range",'
        '"detail":"mood must be an integer from 0 to 10.","field":"mood"}}',
    ),
    (
        RejectedResult(change_id="", record_id=None, error=ResultError("malformed-change", "x")),
        '{"status":"rejected","change_id":"","record_id":null,'
        '"error":{"code":"malformed-change","detail":"x"}}',
    ),
    (
        RetryResult(change_id=CID, record_id=RID, error=ResultError("schema-unknown", "later")),
        f'{{"status":"retry",{HEAD},"error":{{"code":"schema-unknown","detail":"later"}}}}',
    ),
]


def test_each_result_status_has_exactly_its_fields_on_the_wire() -> None:
    for result, wire in WIRE_RESULTS:
        assert msgspec.json.encode(result) == wire.encode()
        assert msgspec.json.decode(wire, type=ChangeResult, strict=True) == result
        assert result.status == json.loads(wire)["status"]
