"""Sync engine: push (validate, merge, persist in one locked transaction) then pull."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import msgspec
from piccolo.engine.base import Engine

from backend import db, observability
from backend.accounts.service import AccountService, CurrentSession
from backend.errors import InvalidInput, NotFound, TooLarge, TooOld
from backend.settings import Settings
from backend.sync import hlc as hlclib
from backend.sync.batch import BatchMerger, hlc_map, result_error, state_hlc, wire_fields
from backend.sync.merge import (
    StoredField,
    is_deleted,
)
from backend.sync.schemas import (
    PROTOCOL,
    ChangeIn,
    ChangeResult,
    HistoryEntry,
    PulledRecord,
    RejectedResult,
    Reset,
    ResultError,
    SyncRequest,
    SyncResponse,
    SyncStatus,
    WireField,
)
from backend.sync.store import (
    HistoryRow,
    PulledRow,
    RecordRow,
    SyncStateRow,
    load_history,
    load_known,
    load_known_now,
    lock_state,
    lock_state_now,
    pull_page,
    read_state,
    save_push,
    save_push_now,
)

log = logging.getLogger("tend.sync")

MIN_CLIENT_SCHEMA = 1

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


def _decode_change(raw: dict[str, Any]) -> ChangeIn | RejectedResult:
    try:
        return msgspec.convert(raw, ChangeIn)
    except msgspec.ValidationError as exc:
        message = str(exc)
        where = message.rsplit("at `$.", 1)[-1].rstrip("`") if "at `$." in message else None
        change_id = raw.get("change_id") if isinstance(raw, dict) else None
        record_id = raw.get("record_id") if isinstance(raw, dict) else None
        return RejectedResult(
            change_id=str(change_id) if change_id is not None else "",
            record_id=str(record_id) if record_id is not None else None,
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

    async def sync(
        self, current: CurrentSession, request: SyncRequest, now: datetime
    ) -> SyncResponse:
        """Handle POST /api/v1/sync: push the request's changes, then pull a page."""
        self.check_envelope(request)
        if request.device_id != current.device_id:
            # The session's device was registered to this person at sign-in.
            await self.accounts.register_device(current.user_id, request.device_id, None, now)
        push = await self.push(current.user_id, request.device_id, request.changes, now)
        reset = _reset(request, push)
        cursor = 0 if reset else request.cursor
        rows, has_more = await pull_page(self.engine, current.user_id, cursor, request.pull_limit)
        now_ms = int(now.timestamp() * 1000)
        if request.client_time is not None:
            skew = request.client_time - now_ms
        else:
            skew = max(0, push.max_incoming_ms - now_ms)
        return SyncResponse(
            epoch=push.state.epoch,
            reset=reset,
            results=push.results,
            next_cursor=rows[-1].server_seq if rows else cursor,
            has_more=has_more,
            server_hlc=hlclib.format_hlc(hlclib.send(state_hlc(push.state, now_ms), now_ms)),
            clock_skew_ms=skew,
            records=[_pulled_record(row) for row in rows],
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
            rejected: list[ChangeResult] = [c for c in decoded if isinstance(c, RejectedResult)]
            return PushOutcome(rejected, state, state.last_seq)
        batch = _Batch(
            user_id,
            device_id,
            decoded,
            [c.change_id for c in changes],
            list({c.record_id: None for c in changes}),
            started,
            now,
        )
        if db.can_write_in_one_trip(self.engine) and not self._awaits(changes):
            outcome = await db.write_in_one_trip(
                self.engine, lambda run: self._push_now(run, batch)
            )
        else:
            outcome = await self._push_awaiting(batch)
        observability.count_sync_results(r.status for r in outcome.results)
        return outcome

    def _awaits(self, changes: Sequence[ChangeIn]) -> bool:
        """Whether a listener must await inside this push (it names these kinds, or none)."""
        kinds = {c.kind for c in changes}
        for listener in self.listeners:
            named: frozenset[str] | None = getattr(listener, "kinds", None)
            if named is None or kinds & named:
                return True
        return False

    def _push_now(self, run: db.SQLiteRun, batch: _Batch) -> PushOutcome:
        """The push in one trip to SQLite's writer thread (db.write_in_one_trip)."""
        state = lock_state_now(run, batch.user_id)
        merger = BatchMerger(state, batch.user_id, batch.device_id, batch.now)
        merger.seen, merger.records = load_known_now(
            run, batch.user_id, batch.change_ids, batch.record_ids
        )
        outcome, dirty = self._merge(merger, batch)
        save_push_now(run, merger.state, batch.device_id, dirty, merger.history, batch.now)
        for listener in self.listeners:
            statements = _statements_of(listener, batch.user_id, outcome.applied)
            if statements:
                try:
                    run.run_in_savepoint(statements)
                except Exception:
                    log.exception("record listener %r failed; the push still commits", listener)
        return outcome

    async def _push_awaiting(self, batch: _Batch) -> PushOutcome:
        """The push as awaited statements: PostgreSQL, or a listener that must await."""
        async with db.write_transaction(self.engine):
            state = await lock_state(self.engine, batch.user_id)
            merger = BatchMerger(state, batch.user_id, batch.device_id, batch.now)
            merger.seen, merger.records = await load_known(
                self.engine, batch.user_id, batch.change_ids, batch.record_ids
            )
            outcome, dirty = self._merge(merger, batch)
            await save_push(
                self.engine, merger.state, batch.device_id, dirty, merger.history, batch.now
            )
            for listener in self.listeners:
                await self._notify(listener, batch.user_id, outcome.applied, batch.now)
        return outcome

    def _merge(self, merger: BatchMerger, batch: _Batch) -> tuple[PushOutcome, list[RecordRow]]:
        seq_before = merger.state.last_seq  # the merger advances state.last_seq in place
        results = self._apply_within_budget(merger, batch.decoded, batch.started)
        dirty = [merger.records[rid] for rid in merger.dirty]
        applied = [
            AppliedRecord(r.record_id, r.kind, r.fields, is_deleted(r.fields)) for r in dirty
        ]
        outcome = PushOutcome(results, merger.state, seq_before, merger.max_incoming_ms, applied)
        return outcome, dirty

    def _apply_within_budget(
        self, merger: BatchMerger, decoded: list[ChangeIn | RejectedResult], started: float
    ) -> list[ChangeResult]:
        """Merge changes in order until the time budget is spent (a long lock wait counts).

        At least one change is merged, so a device always makes progress; the ones not
        reached get no result, which sync.md calls "missing": the device keeps and re-sends them.
        """
        deadline = started + self.settings.sync_push_budget_seconds
        results: list[ChangeResult] = []
        merged = 0
        for change in decoded:
            if isinstance(change, RejectedResult):
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
        statements = _statements_of(listener, user_id, applied)
        call = _concerns(listener, applied)
        if not statements and not call:
            return
        transaction = self.engine.current_transaction.get()
        assert transaction is not None, "listeners run inside the push transaction"
        savepoint = await transaction.savepoint()
        try:
            for sql, args in statements:
                await db.execute(self.engine, sql, *args)
            if call:
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
        rows = await load_history(self.engine, user_id, record_id)
        if not rows:
            raise NotFound("No record with that id.", code="record-not-found")
        return [_history_entry(row) for row in rows]

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


@dataclass(frozen=True)
class _Batch:
    """One push's changes as decoded, and the ids to look up first."""

    user_id: uuid.UUID
    device_id: uuid.UUID
    decoded: list[ChangeIn | RejectedResult]
    change_ids: list[uuid.UUID]
    record_ids: list[uuid.UUID]
    started: float
    now: datetime


def _statements_of(
    listener: RecordListener, user_id: uuid.UUID, applied: Sequence[AppliedRecord]
) -> list[db.Statement]:
    """A listener's plain statements for these records (`statements`, if it has them)."""
    statements: Callable[..., list[db.Statement]] | None = getattr(listener, "statements", None)
    return statements(user_id, applied) if statements and applied else []


def _concerns(listener: RecordListener, applied: Sequence[AppliedRecord]) -> bool:
    """Whether a listener has anything to do with these records.

    A listener may name the kinds it reacts to (`kinds`); a push of other kinds then skips
    it and its savepoint: two round trips of every push of a meal or a sleep entry.
    """
    kinds: frozenset[str] | None = getattr(listener, "kinds", None)
    return bool(applied) and (kinds is None or any(r.kind in kinds for r in applied))


def _reset(request: SyncRequest, push: PushOutcome) -> Reset | None:
    """Whether the device must re-push and pull from 0 (sync.md 5)."""
    epoch = push.state.epoch
    if request.epoch is not None and request.epoch != epoch:
        return Reset("epoch_mismatch", epoch)
    if request.cursor > push.seq_before:
        return Reset("cursor_ahead", epoch)
    return None


def _pulled_record(row: PulledRow) -> PulledRecord:
    """A stored record as the wire's PulledRecord, passed through without parsing.

    The id stays the database's text and `fields` the stored wire JSON (msgspec.Raw): each
    encodes to the same bytes as the declared type, and a pull of thousands of records never
    decodes and re-encodes their fields. Only encoding ever reads these two values.
    """
    return PulledRecord(
        cast(uuid.UUID, row.record_id),
        row.kind,
        row.schema_version,
        row.server_seq,
        row.deleted,
        cast(dict[str, WireField], msgspec.Raw(row.fields_json)),
    )


def _history_entry(row: HistoryRow) -> HistoryEntry:
    return HistoryEntry(
        change_id=row.change_id,
        device_id=row.device_id,
        received_at=row.received_at,
        status=row.status,
        fields=wire_fields.decode(row.fields),
        server_seq=row.server_seq,
        original_hlcs=hlc_map.decode(row.original_hlcs) if row.original_hlcs else None,
        error=result_error.decode(row.error) if row.error else None,
    )
