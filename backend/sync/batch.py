"""One push batch merged in memory: validate, clamp, merge and record each change's outcome.

The service (service.py) holds the lock and writes what the merger collected in one go.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from backend.journal.kinds import CURRENT_SCHEMA_VERSION
from backend.journal.validate import validate_change
from backend.sync import hlc as hlclib
from backend.sync.merge import (
    MergeResult,
    StoredField,
    merge_fields,
    with_conflict_flag,
)
from backend.sync.schemas import (
    AppliedResult,
    ChangeIn,
    ChangeResult,
    DuplicateResult,
    HistoryStatus,
    RejectedResult,
    ResultError,
    RetryResult,
    SupersededResult,
    WireField,
)
from backend.sync.store import ChangeRow, RecordRow, SyncStateRow

MAX_RECORD_BYTES = 64 * 1024

wire_fields = msgspec.json.Decoder(dict[str, WireField])
hlc_map = msgspec.json.Decoder(dict[str, str])
result_error = msgspec.json.Decoder(ResultError)
_encode = msgspec.json.Encoder().encode


def now_us(now: datetime) -> int:
    return int(now.timestamp() * 1_000_000)


def replaced_hlcs(fields_json: str, originals_json: str) -> dict[str, str] | None:
    """The effective HLC of each field whose HLC the server replaced, from a history row."""
    if not originals_json:
        return None
    fields = wire_fields.decode(fields_json)
    return {name: fields[name].hlc for name in hlc_map.decode(originals_json) if name in fields}


def record_size(fields: dict[str, StoredField]) -> int:
    """Bytes of a record's values as JSON (sync.md: a record is at most 64 KiB)."""
    return sum(len(_encode(f.v)) + len(name) for name, f in fields.items())


def state_hlc(state: SyncStateRow, now_ms: int) -> hlclib.Hlc:
    if state.server_hlc:
        return hlclib.parse_hlc(state.server_hlc)
    return hlclib.Hlc(now_ms, 0, hlclib.SERVER_NODE)


def _duplicate(change: ChangeIn, prior: dict[str, Any]) -> DuplicateResult:
    """How this change came out when it was first processed (a history row)."""
    return DuplicateResult(
        change_id=str(change.change_id),
        record_id=str(change.record_id),
        server_seq=int(prior["server_seq"]) or None,
        original_status=prior["status"],
        error=result_error.decode(prior["error"]) if prior["error"] else None,
        hlcs=replaced_hlcs(prior["fields"], prior["original_hlcs"]),
    )


class _Incoming(msgspec.Struct):
    """A change's fields as merged: HLCs too far ahead replaced by the server's."""

    fields: dict[str, dict[str, Any]]
    # {name: the device's original HLC} for each replaced one, kept in the history.
    originals: dict[str, str]

    def replaced(self) -> dict[str, str] | None:
        """The server HLC that replaced each original: the result's `hlcs`."""
        return {name: self.fields[name]["hlc"] for name in self.originals} or None


class BatchMerger:
    """Applies a batch of changes in memory; the caller writes the outcome in one go."""

    def __init__(
        self, state: SyncStateRow, user_id: uuid.UUID, device_id: uuid.UUID, now: datetime
    ) -> None:
        self.state = state
        self.user_id = user_id
        self.device = str(device_id)
        self.now = now
        self.now_ms = int(now.timestamp() * 1000)
        self.now_us = now_us(now)
        self.clock = state_hlc(state, self.now_ms)
        self.seen: dict[uuid.UUID, dict[str, Any]] = {}
        self.records: dict[uuid.UUID, RecordRow] = {}
        self.dirty: dict[uuid.UUID, None] = {}
        self.history: list[ChangeRow] = []
        self.max_incoming_ms = 0

    def _server_hlc(self) -> str:
        self.clock = hlclib.send(self.clock, self.now_ms)
        self.state.server_hlc = hlclib.format_hlc(self.clock)
        return self.state.server_hlc

    def _next_seq(self) -> int:
        self.state.last_seq = max(self.state.last_seq + 1, self.now_us)
        return self.state.last_seq

    def apply(self, change: ChangeIn) -> ChangeResult:
        """One change's outcome: duplicate, retry or rejected here; the merge decides the rest.

        `seen` holds this person's changes only: change ids are keyed (user_id, change_id).
        sync.md's `duplicate` is a device re-sending its own change; another person's use
        of the same id is no sign of that, and answering `duplicate` (with their outcome)
        or a special rejection would tell this person the id exists. So an id someone else
        used is a new change here, answered exactly as a fresh id would be.
        """
        prior = self.seen.get(change.change_id)
        if prior is not None:
            return _duplicate(change, prior)
        if change.schema_version > CURRENT_SCHEMA_VERSION:
            return RetryResult(
                change_id=str(change.change_id),
                record_id=str(change.record_id),
                error=ResultError(
                    "schema-unknown", "The server does not know this schema version yet."
                ),
            )
        error = self._validate(change)
        if error is not None:
            return self._reject(change, error)
        return self._merge(change)

    def _merge(self, change: ChangeIn) -> AppliedResult | SupersededResult | RejectedResult:
        incoming = self._clamp(change)
        record = self.records.get(change.record_id)
        # The seq this change gets if any field wins; taken from the state only then.
        seq = max(self.state.last_seq + 1, self.now_us)
        merged = merge_fields(
            record.fields if record else {},
            incoming.fields,
            base_seq=change.base_seq,
            device=self.device,
            seq=seq,
        )
        if not merged.won:
            return self._supersede(change, record, merged, incoming)
        if record_size(merged.fields) > MAX_RECORD_BYTES:
            error = ResultError("record-too-large", "A record may hold at most 64 KiB of values.")
            return self._reject(change, error)
        return self._accept(change, record, merged, incoming, seq)

    def _reject(self, change: ChangeIn, error: ResultError) -> RejectedResult:
        received = {k: {"v": w.v, "hlc": w.hlc} for k, w in change.fields.items()}
        self._record_history(change, "rejected", 0, received, error=error)
        return RejectedResult(
            change_id=str(change.change_id), record_id=str(change.record_id), error=error
        )

    def _supersede(
        self,
        change: ChangeIn,
        record: RecordRow | None,
        merged: MergeResult,
        incoming: _Incoming,
    ) -> SupersededResult:
        self._record_history(change, "superseded", 0, incoming.fields, incoming.originals)
        if merged.concurrent and record is not None:
            self._flag_conflict(record)
        return SupersededResult(
            change_id=str(change.change_id),
            record_id=str(change.record_id),
            server_seq=record.server_seq if record else None,
            conflict=merged.concurrent,
            hlcs=incoming.replaced(),
        )

    def _accept(
        self,
        change: ChangeIn,
        record: RecordRow | None,
        merged: MergeResult,
        incoming: _Incoming,
        seq: int,
    ) -> AppliedResult:
        self.state.last_seq = seq
        fields = merged.fields
        if merged.concurrent:
            fields = with_conflict_flag(fields, self._server_hlc(), seq, "server")
        self._store(change, record, fields, seq)
        self._record_history(change, "applied", seq, incoming.fields, incoming.originals)
        return AppliedResult(
            change_id=str(change.change_id),
            record_id=str(change.record_id),
            server_seq=seq,
            conflict=merged.concurrent,
            hlcs=incoming.replaced(),
        )

    def _store(
        self, change: ChangeIn, record: RecordRow | None, fields: dict[str, StoredField], seq: int
    ) -> None:
        if record is None:
            record = RecordRow(change.record_id, change.kind, change.schema_version, {}, 0)
            self.records[change.record_id] = record
        record.fields = fields
        record.server_seq = seq
        record.schema_version = max(record.schema_version, change.schema_version)
        self.dirty[change.record_id] = None

    def _flag_conflict(self, record: RecordRow) -> None:
        seq = self._next_seq()
        record.fields = with_conflict_flag(record.fields, self._server_hlc(), seq, "server")
        record.server_seq = seq
        self.dirty[record.record_id] = None

    def _validate(self, change: ChangeIn) -> ResultError | None:
        for name, wire in change.fields.items():
            if not hlclib.is_valid_hlc(wire.hlc):
                return ResultError("invalid-hlc", f"{name} has a malformed HLC timestamp.", name)
        record = self.records.get(change.record_id)
        if record is not None and record.kind != change.kind:
            return ResultError(
                "kind-mismatch", f"This record is a {record.kind}, not a {change.kind}.", "kind"
            )
        if not change.fields:
            return ResultError("empty-change", "A change must set at least one field.", "fields")
        problem = validate_change(
            kind=change.kind,
            record_id=str(change.record_id),
            fields={k: w.v for k, w in change.fields.items()},
            now=self.now,
        )
        if problem is not None:
            return ResultError(problem.code, problem.detail, problem.field)
        return None

    def _clamp(self, change: ChangeIn) -> _Incoming:
        """Replace HLCs too far ahead of the server clock; the originals go to history."""
        incoming = _Incoming({}, {})
        for name, wire in change.fields.items():
            parsed = hlclib.parse_hlc(wire.hlc)
            self.max_incoming_ms = max(self.max_incoming_ms, parsed.millis)
            if hlclib.is_too_far_ahead(parsed, self.now_ms):
                incoming.originals[name] = wire.hlc
                incoming.fields[name] = {"v": wire.v, "hlc": self._server_hlc()}
            else:
                self.clock = hlclib.recv(self.clock, parsed, self.now_ms)
                incoming.fields[name] = {"v": wire.v, "hlc": wire.hlc}
        self.state.server_hlc = hlclib.format_hlc(self.clock)
        return incoming

    def _record_history(
        self,
        change: ChangeIn,
        status: HistoryStatus,
        seq: int,
        fields: dict[str, Any],
        originals: dict[str, str] | None = None,
        *,
        error: ResultError | None = None,
    ) -> None:
        row = ChangeRow(
            change_id=change.change_id,
            record_id=change.record_id,
            kind=change.kind[:32],
            schema_version=change.schema_version,
            base_seq=change.base_seq,
            status=status,
            server_seq=seq,
            fields=_encode(fields).decode(),
            original_hlcs=_encode(originals).decode() if originals else "",
            error=_encode(error).decode() if error else "",
        )
        self.history.append(row)
        # The shape load_changes reads back, so a re-send within this batch is a duplicate.
        self.seen[change.change_id] = msgspec.structs.asdict(row)
