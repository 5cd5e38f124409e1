"""Wire Structs of sync protocol v1 (sync.md, api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, cast
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
# What the history stores: how a change came out the first time it was processed.
HistoryStatus = Literal["applied", "superseded", "rejected"]


class _Result(msgspec.Struct, tag_field="status", omit_defaults=True, kw_only=True):
    """One change's outcome: a Struct per sync.md `status`, each with only its own fields.

    msgspec writes the tag first, so a result reads `{"status": ..., "change_id": ...}`;
    fields left at their default are omitted, as the contract's `?` marks say.
    """

    change_id: str

    @property
    def status(self) -> Status:
        """The result's `status` on the wire: its tag."""
        return cast(Status, self.__struct_config__.tag)


class AppliedResult(_Result, tag="applied", kw_only=True):
    """At least one field won; `server_seq` is the record's new seq."""

    record_id: str
    server_seq: int
    # The change and another device's edit it had not seen were concurrent (sync.md 3).
    conflict: bool = False
    # Extension: HLCs the server replaced (device clock > 5 min ahead), by field. The device
    # must store these, or a later snapshot re-push (after a restore) would re-send the
    # far-future originals, get clamped to an older server clock and could lose.
    hlcs: dict[str, str] | None = None


class DuplicateResult(_Result, tag="duplicate", kw_only=True):
    """This change_id was processed before: how it came out then (a rejection's error too)."""

    record_id: str
    server_seq: int | None = None
    original_status: HistoryStatus
    error: ResultError | None = None
    hlcs: dict[str, str] | None = None


class SupersededResult(_Result, tag="superseded", kw_only=True):
    """Kept in the history, but every field lost last-writer-wins."""

    record_id: str
    server_seq: int | None = None
    conflict: bool = False
    hlcs: dict[str, str] | None = None


class RejectedResult(_Result, tag="rejected", kw_only=True):
    """Invalid; kept in quarantine. A change too malformed to name its record has no record_id."""

    record_id: str | None
    error: ResultError


class RetryResult(_Result, tag="retry", kw_only=True):
    """Transient (e.g. a schema version the server does not know yet): send it again later."""

    record_id: str
    error: ResultError


ChangeResult = AppliedResult | DuplicateResult | SupersededResult | RejectedResult | RetryResult


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
    next_cursor: int
    has_more: bool
    server_hlc: str
    clock_skew_ms: int
    # Last, where the wire has always had it: the bulk of the body after the small head.
    records: list[PulledRecord]


class SyncStatus(msgspec.Struct):
    epoch: UUID
    max_seq: int
    server_time: datetime


class HistoryEntry(msgspec.Struct):
    change_id: UUID
    device_id: UUID
    received_at: datetime
    status: HistoryStatus
    fields: dict[str, WireField]
    server_seq: int
    original_hlcs: dict[str, str] | None = None
    error: ResultError | None = None
