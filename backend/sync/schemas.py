"""Wire Structs of sync protocol v1 (sync.md, api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from backend.http import NO_NUL

PROTOCOL = 1

# What the databases store (sync.md: a bad change is rejected, never fails the batch): a
# value past these would be an OverflowError on the way in, failing the whole push.
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MAX = 2**63 - 1
# Client clocks in ms since the epoch: JavaScript's safe integers.
MAX_CLIENT_TIME_MS = 2**53


class WireField(msgspec.Struct, forbid_unknown_fields=True):
    v: Any
    hlc: str


class ChangeIn(msgspec.Struct):
    """One change as a client sends it; decoded one by one so a bad one fails alone."""

    change_id: UUID
    record_id: UUID
    kind: Annotated[str, msgspec.Meta(max_length=64, pattern=NO_NUL)]
    schema_version: Annotated[int, msgspec.Meta(ge=1, le=INT32_MAX)]
    base_seq: Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
    fields: dict[str, WireField]


class SyncRequest(msgspec.Struct):
    """The envelope. `changes` stay loose here so one malformed change is only `rejected`.

    Each change has the shape of ChangeIn: {change_id, record_id, kind, schema_version,
    base_seq, fields: {name: {v, hlc}}}.
    """

    # The OpenAPI document states what the service checks (another protocol is a 400 or a
    # 426, a schema_version under 1 is a 426); the bounds keep any number a 400, never a 500.
    protocol: Annotated[
        int, msgspec.Meta(ge=INT32_MIN, le=INT32_MAX, extra_json_schema={"const": PROTOCOL})
    ]
    device_id: UUID
    schema_version: Annotated[
        int, msgspec.Meta(ge=INT32_MIN, le=INT32_MAX, extra_json_schema={"exclusiveMinimum": 0})
    ]
    cursor: Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
    epoch: UUID | None = None
    # Any JSON value: one that is not even an object is that change's `rejected`, not a 400.
    changes: list[Any] = msgspec.field(default_factory=list)
    pull_limit: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 500
    # Extension: the device's clock in ms, so clock_skew_ms is exact rather than estimated.
    client_time: Annotated[int, msgspec.Meta(ge=0, le=MAX_CLIENT_TIME_MS)] | None = None


class ResultError(msgspec.Struct, omit_defaults=True):
    code: str
    detail: str
    field: str | None = None


Status = Literal["applied", "duplicate", "superseded", "rejected", "retry"]


class ChangeResult(msgspec.Struct, omit_defaults=True):
    change_id: str
    record_id: str | None
    status: Status
    server_seq: int | None = None
    conflict: bool | None = None
    original_status: Status | None = None
    error: ResultError | None = None
    # Extension: HLCs the server replaced (device clock > 5 min ahead), by field. The device
    # must store these, or a later snapshot re-push (after a restore) would re-send the
    # far-future originals, get clamped to an older server clock and could lose.
    hlcs: dict[str, str] | None = None


class PulledRecord(msgspec.Struct):
    id: UUID
    kind: str
    schema_version: int
    server_seq: int
    deleted: bool
    fields: dict[str, WireField]


class Reset(msgspec.Struct):
    reason: Literal["epoch_mismatch", "cursor_ahead"]
    epoch: UUID


class SyncResponse(msgspec.Struct):
    epoch: UUID
    reset: Reset | None
    results: list[ChangeResult]
    records: list[PulledRecord]
    next_cursor: int
    has_more: bool
    server_hlc: str
    clock_skew_ms: int


class SyncStatus(msgspec.Struct):
    epoch: UUID
    max_seq: int
    server_time: datetime


class HistoryEntry(msgspec.Struct):
    change_id: UUID
    device_id: UUID
    received_at: datetime
    status: str
    fields: dict[str, WireField]
    server_seq: int
    original_hlcs: dict[str, str] | None = None
    error: ResultError | None = None
