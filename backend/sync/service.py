"""Sync engine: push (validate, merge, persist in one locked transaction) then pull."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend import db
from backend.accounts.service import AccountService, CurrentSession
from backend.errors import InvalidInput, NotFound, TooLarge, TooOld
from backend.journal.kinds import CURRENT_SCHEMA_VERSION
from backend.journal.validate import validate_change
from backend.settings import Settings
from backend.sync import hlc as hlclib
from backend.sync.merge import StoredField, is_deleted, merge_fields, with_conflict_flag
from backend.sync.schemas import (
    PROTOCOL,
    ChangeIn,
    ChangeResult,
    HistoryEntry,
    Reset,
    ResultError,
    SyncRequest,
    SyncStatus,
    WireField,
)
from backend.sync.store import (
    PulledRow,
    RecordRow,
    SyncStateRow,
    insert_history,
    load_changes,
    load_records,
    lock_state,
    pull_page,
    read_state,
    save_state,
    upsert_records,
)

log = logging.getLogger("tend.sync")

MIN_CLIENT_SCHEMA = 1
MAX_RECORD_BYTES = 64 * 1024

_wire_fields = msgspec.json.Decoder(dict[str, WireField])
_encode = msgspec.json.Encoder().encode


@dataclass
class AppliedRecord:
    """A record that a push changed, handed to listeners (e.g. the reminder scheduler)."""

    record_id: uuid.UUID
    kind: str
    fields: dict[str, StoredField]
    deleted: bool


RecordListener = Callable[[uuid.UUID, Sequence[AppliedRecord], datetime], Awaitable[None]]


@dataclass
class PushOutcome:
    results: list[ChangeResult]
    state: SyncStateRow
    # The highest server_seq issued before this push, read under the same lock: a cursor
    # above it is one this server never issued (sync.md: cursor_ahead). `state.last_seq`
    # cannot tell, since the push moves it to at least now_in_microseconds.
    seq_before: int
    max_incoming_ms: int = 0
    applied: list[AppliedRecord] = field(default_factory=list)


def now_us(now: datetime) -> int:
    return int(now.timestamp() * 1_000_000)


def _decode_change(raw: dict[str, Any]) -> ChangeIn | ChangeResult:
    try:
        return msgspec.convert(raw, ChangeIn)
    except msgspec.ValidationError as exc:
        message = str(exc)
        where = message.rsplit("at `$.", 1)[-1].rstrip("`") if "at `$." in message else None
        change_id = raw.get("change_id") if isinstance(raw, dict) else None
        record_id = raw.get("record_id") if isinstance(raw, dict) else None
        return ChangeResult(
            change_id=str(change_id) if change_id is not None else "",
            record_id=str(record_id) if record_id is not None else None,
            status="rejected",
            error=ResultError("malformed-change", message.split(" - at ")[0], where),
        )


class SyncService:
    def __init__(self, engine: Engine[Any], settings: Settings, accounts: AccountService) -> None:
        self.engine = engine
        self.settings = settings
        self.accounts = accounts
        self.listeners: list[RecordListener] = []

    def check_envelope(self, request: SyncRequest) -> None:
        if request.protocol != PROTOCOL:
            if request.protocol > PROTOCOL:
                raise InvalidInput(
                    f"This server speaks sync protocol {PROTOCOL}.", code="unknown-protocol"
                )
            raise TooOld("This app is too old for the server. Please update it.")
        if request.schema_version < MIN_CLIENT_SCHEMA:
            raise TooOld("This app is too old for the server. Please update it.")
        if len(request.changes) > self.settings.sync_max_changes:
            raise TooLarge(
                f"Send at most {self.settings.sync_max_changes} changes at once.",
                code="too-many-changes",
            )
        if len(_encode(request.changes)) > self.settings.sync_max_change_bytes:
            raise TooLarge("Send at most 256 KiB of changes at once.", code="changes-too-large")

    async def sync(self, current: CurrentSession, request: SyncRequest, now: datetime) -> bytes:
        """Handle POST /api/v1/sync; returns the encoded response body."""
        self.check_envelope(request)
        if request.device_id != current.device_id:
            # The session's device was registered to this person at sign-in.
            await self.accounts.register_device(current.user_id, request.device_id, None, now)
        push = await self.push(current.user_id, request.device_id, request.changes, now)
        state = push.state
        reset: Reset | None = None
        cursor = request.cursor
        if request.epoch is not None and request.epoch != state.epoch:
            reset = Reset("epoch_mismatch", state.epoch)
        elif cursor > push.seq_before:
            reset = Reset("cursor_ahead", state.epoch)
        if reset is not None:
            cursor = 0
        rows, has_more = await pull_page(self.engine, current.user_id, cursor, request.pull_limit)
        next_cursor = rows[-1].server_seq if rows else cursor
        now_ms = int(now.timestamp() * 1000)
        server_state = _state_hlc(state, now_ms)
        server_hlc = hlclib.send(server_state, now_ms)
        if request.client_time is not None:
            skew = request.client_time - now_ms
        else:
            skew = max(0, push.max_incoming_ms - now_ms)
        return encode_response(
            state.epoch,
            reset,
            push.results,
            rows,
            next_cursor,
            has_more,
            hlclib.format_hlc(server_hlc),
            skew,
        )

    async def push(
        self,
        user_id: uuid.UUID,
        device_id: uuid.UUID,
        raw_changes: list[dict[str, Any]],
        now: datetime,
    ) -> PushOutcome:
        started = time.monotonic()
        decoded = [_decode_change(raw) for raw in raw_changes]
        changes = [c for c in decoded if isinstance(c, ChangeIn)]
        if not changes:
            state = await self.current_state(user_id)
            rejected = [c for c in decoded if isinstance(c, ChangeResult)]
            return PushOutcome(rejected, state, state.last_seq)
        async with db.write_transaction(self.engine):
            state = await lock_state(self.engine, user_id)
            seq_before = state.last_seq  # the merger advances state.last_seq in place
            merger = _BatchMerger(state, user_id, device_id, now)
            merger.seen = await load_changes(self.engine, user_id, [c.change_id for c in changes])
            merger.records = await load_records(
                self.engine, user_id, list({c.record_id for c in changes})
            )
            results = self._apply_within_budget(merger, decoded, started)
            dirty = [merger.records[rid] for rid in merger.dirty]
            await upsert_records(self.engine, user_id, dirty)
            await insert_history(self.engine, user_id, device_id, merger.history, now)
            await save_state(self.engine, merger.state)
            applied = [
                AppliedRecord(r.record_id, r.kind, r.fields, is_deleted(r.fields)) for r in dirty
            ]
            for listener in self.listeners:
                await self._notify(listener, user_id, applied, now)
        return PushOutcome(results, merger.state, seq_before, merger.max_incoming_ms, applied)

    def _apply_within_budget(
        self, merger: _BatchMerger, decoded: list[ChangeIn | ChangeResult], started: float
    ) -> list[ChangeResult]:
        """Merge changes in order until the time budget is spent (a long lock wait counts).

        At least one change is merged, so a device always makes progress; the ones not
        reached get no result, which sync.md calls "missing": the device keeps and re-sends them.
        """
        deadline = started + self.settings.sync_push_budget_seconds
        results: list[ChangeResult] = []
        merged = 0
        for change in decoded:
            if isinstance(change, ChangeResult):
                results.append(change)
                continue
            if merged and time.monotonic() > deadline:
                log.warning(
                    "push stopped after %d of %d changes (time budget)", merged, len(decoded)
                )
                break
            results.append(merger.apply(change))
            merged += 1
        return results

    async def _notify(
        self,
        listener: RecordListener,
        user_id: uuid.UUID,
        applied: Sequence[AppliedRecord],
        now: datetime,
    ) -> None:
        """Run a listener in a savepoint: its failure is logged, never fails the push.

        A person's entries must sync even if deriving reminders from them breaks.
        """
        transaction = self.engine.current_transaction.get()
        assert transaction is not None, "listeners run inside the push transaction"
        savepoint = await transaction.savepoint()
        try:
            await listener(user_id, applied, now)
        except Exception:
            log.exception("record listener %r failed; the push still commits", listener)
            await savepoint.rollback_to()
        else:
            await savepoint.release()

    async def current_state(self, user_id: uuid.UUID) -> SyncStateRow:
        """The person's sync state; a pull-only read needs no lock (a committed snapshot)."""
        state = await read_state(self.engine, user_id)
        if state is None:
            async with db.write_transaction(self.engine):
                state = await lock_state(self.engine, user_id)
        return state

    async def status(self, user_id: uuid.UUID, now: datetime) -> SyncStatus:
        state = await self.current_state(user_id)
        return SyncStatus(state.epoch, state.last_seq, now)

    async def history(self, user_id: uuid.UUID, record_id: uuid.UUID) -> list[HistoryEntry]:
        rows = await db.fetch(
            self.engine,
            "SELECT change_id, device_id, received_at, status, fields, server_seq,"
            " original_hlcs, error FROM change WHERE user_id = {} AND record_id = {}"
            " ORDER BY received_at DESC, server_seq DESC",
            user_id,
            record_id,
        )
        if not rows:
            raise NotFound("No record with that id.", code="record-not-found")
        return [
            HistoryEntry(
                change_id=row["change_id"],
                device_id=row["device_id"],
                received_at=row["received_at"],
                status=row["status"],
                fields=_wire_fields.decode(row["fields"]),
                server_seq=int(row["server_seq"]),
                original_hlcs=msgspec.json.decode(row["original_hlcs"])
                if row["original_hlcs"]
                else None,
                error=msgspec.json.decode(row["error"], type=ResultError) if row["error"] else None,
            )
            for row in rows
        ]

    async def export_records(self, user_id: uuid.UUID) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        cursor = 0
        while True:
            rows, has_more = await pull_page(self.engine, user_id, cursor, 1000)
            out.extend(
                {
                    "id": str(r.record_id),
                    "kind": r.kind,
                    "schema_version": r.schema_version,
                    "server_seq": r.server_seq,
                    "deleted": r.deleted,
                    "fields": msgspec.json.decode(r.fields_json),
                }
                for r in rows
            )
            if not has_more:
                return out
            cursor = rows[-1].server_seq


def replaced_hlcs(fields_json: str, originals_json: str) -> dict[str, str] | None:
    """The effective HLC of each field whose HLC the server replaced, from a history row."""
    if not originals_json:
        return None
    fields = _wire_fields.decode(fields_json)
    return {
        name: fields[name].hlc for name in msgspec.json.decode(originals_json) if name in fields
    }


def record_size(fields: dict[str, StoredField]) -> int:
    """Bytes of a record's values as JSON (sync.md: a record is at most 64 KiB)."""
    return sum(len(_encode(f.v)) + len(name) for name, f in fields.items())


def _state_hlc(state: SyncStateRow, now_ms: int) -> hlclib.Hlc:
    if state.server_hlc:
        return hlclib.parse_hlc(state.server_hlc)
    return hlclib.Hlc(now_ms, 0, hlclib.SERVER_NODE)


class _BatchMerger:
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
        self.clock = _state_hlc(state, self.now_ms)
        self.seen: dict[uuid.UUID, dict[str, Any]] = {}
        self.records: dict[uuid.UUID, RecordRow] = {}
        self.dirty: dict[uuid.UUID, None] = {}
        self.history: list[dict[str, Any]] = []
        self.max_incoming_ms = 0

    def _server_hlc(self) -> str:
        self.clock = hlclib.send(self.clock, self.now_ms)
        self.state.server_hlc = hlclib.format_hlc(self.clock)
        return self.state.server_hlc

    def _next_seq(self) -> int:
        self.state.last_seq = max(self.state.last_seq + 1, self.now_us)
        return self.state.last_seq

    def apply(self, change: ChangeIn) -> ChangeResult:
        cid, rid = str(change.change_id), str(change.record_id)
        # `seen` holds this person's changes only: change ids are keyed (user_id, change_id).
        # sync.md's `duplicate` is a device re-sending its own change; another person's use
        # of the same id is no sign of that, and answering `duplicate` (with their outcome)
        # or a special rejection would tell this person the id exists. So an id someone
        # else used is a new change here, answered exactly as a fresh id would be.
        prior = self.seen.get(change.change_id)
        if prior is not None:
            error = (
                msgspec.json.decode(prior["error"], type=ResultError) if prior["error"] else None
            )
            seq = int(prior["server_seq"]) or None
            return ChangeResult(
                cid,
                rid,
                "duplicate",
                server_seq=seq,
                original_status=prior["status"],
                error=error,
                hlcs=replaced_hlcs(prior["fields"], prior["original_hlcs"]),
            )
        if change.schema_version > CURRENT_SCHEMA_VERSION:
            return ChangeResult(
                cid,
                rid,
                "retry",
                error=ResultError(
                    "schema-unknown", "The server does not know this schema version yet."
                ),
            )
        error = self._validate(change)
        if error is not None:
            self._record_history(change, "rejected", 0, {}, error)
            return ChangeResult(cid, rid, "rejected", error=error)
        incoming, originals = self._clamp(change)
        record = self.records.get(change.record_id)
        stored = record.fields if record else {}
        # The seq this change gets if any field wins; taken from the state only then.
        seq = max(self.state.last_seq + 1, self.now_us)
        result = merge_fields(
            stored, incoming, base_seq=change.base_seq, device=self.device, seq=seq
        )
        history_fields = {k: {"v": v["v"], "hlc": v["hlc"]} for k, v in incoming.items()}
        replaced = {name: incoming[name]["hlc"] for name in originals} or None
        if not result.won:
            self._record_history(change, "superseded", 0, history_fields, None, originals)
            conflict = result.concurrent or None
            if result.concurrent and record is not None:
                self._flag_conflict(record)
            return ChangeResult(
                cid,
                rid,
                "superseded",
                conflict=conflict,
                server_seq=record.server_seq if record else None,
                hlcs=replaced,
            )
        if record_size(result.fields) > MAX_RECORD_BYTES:
            error = ResultError("record-too-large", "A record may hold at most 64 KiB of values.")
            self._record_history(change, "rejected", 0, {}, error)
            return ChangeResult(cid, rid, "rejected", error=error)
        self.state.last_seq = seq
        fields = result.fields
        if result.concurrent:
            fields = with_conflict_flag(fields, self._server_hlc(), seq, "server")
        if record is None:
            record = RecordRow(change.record_id, change.kind, change.schema_version, {}, 0)
            self.records[change.record_id] = record
        record.fields = fields
        record.server_seq = seq
        record.schema_version = max(record.schema_version, change.schema_version)
        self.dirty[change.record_id] = None
        self._record_history(change, "applied", seq, history_fields, None, originals)
        return ChangeResult(
            cid, rid, "applied", server_seq=seq, conflict=result.concurrent or None, hlcs=replaced
        )

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

    def _clamp(self, change: ChangeIn) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        """Replace HLCs too far ahead of the server clock; the originals go to history."""
        incoming: dict[str, dict[str, Any]] = {}
        originals: dict[str, str] = {}
        for name, wire in change.fields.items():
            parsed = hlclib.parse_hlc(wire.hlc)
            self.max_incoming_ms = max(self.max_incoming_ms, parsed.millis)
            if hlclib.is_too_far_ahead(parsed, self.now_ms):
                originals[name] = wire.hlc
                incoming[name] = {"v": wire.v, "hlc": self._server_hlc()}
            else:
                self.clock = hlclib.recv(self.clock, parsed, self.now_ms)
                incoming[name] = {"v": wire.v, "hlc": wire.hlc}
        self.state.server_hlc = hlclib.format_hlc(self.clock)
        return incoming, originals

    def _record_history(
        self,
        change: ChangeIn,
        status: str,
        seq: int,
        fields: dict[str, Any],
        error: ResultError | None,
        originals: dict[str, str] | None = None,
    ) -> None:
        if status == "rejected":
            fields = {k: {"v": w.v, "hlc": w.hlc} for k, w in change.fields.items()}
        self.seen[change.change_id] = {
            "status": status,
            "server_seq": seq,
            "error": _encode(error).decode() if error else "",
            "fields": _encode(fields).decode(),
            "original_hlcs": _encode(originals).decode() if originals else "",
        }
        self.history.append(
            {
                "change_id": change.change_id,
                "record_id": change.record_id,
                "kind": change.kind[:32],
                "schema_version": change.schema_version,
                "base_seq": change.base_seq,
                "status": status,
                "server_seq": seq,
                "fields": _encode(fields).decode(),
                "original_hlcs": _encode(originals).decode() if originals else "",
                "error": _encode(error).decode() if error else "",
            }
        )


def encode_response(
    epoch: uuid.UUID,
    reset: Reset | None,
    results: list[ChangeResult],
    rows: Sequence[PulledRow],
    next_cursor: int,
    has_more: bool,
    server_hlc: str,
    skew: int,
) -> bytes:
    # Records are spliced in as stored JSON: a pull of thousands never re-encodes fields.
    head = _encode(
        {
            "epoch": epoch,
            "reset": reset,
            "results": results,
            "next_cursor": next_cursor,
            "has_more": has_more,
            "server_hlc": server_hlc,
            "clock_skew_ms": skew,
        }
    )
    parts = [
        b'{"id":"%s","kind":%s,"schema_version":%d,"server_seq":%d,"deleted":%s,"fields":%s}'
        % (
            r.record_id.encode(),
            _encode(r.kind),
            r.schema_version,
            r.server_seq,
            b"true" if r.deleted else b"false",
            r.fields_json,
        )
        for r in rows
    ]
    return head[:-1] + b',"records":[' + b",".join(parts) + b"]}"
