"""SQL of the sync engine: batched reads and writes, one round trip per table per push.

The one engine-specific line is the row lock: PostgreSQL takes `SELECT ... FOR UPDATE` on
the person's sync-state row; SQLite needs nothing more, since the push runs in a
BEGIN IMMEDIATE transaction that already excludes every other writer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.db import (
    SQLiteRun,
    Statement,
    execute,
    fetch_as,
    fetch_tuples,
    flatten,
    is_sqlite,
    placeholders,
    write_transaction,
)
from backend.sync.hlc import MAX_SKEW_MS, SERVER_NODE, Hlc, format_hlc
from backend.sync.merge import StoredField, is_deleted
from backend.sync.schemas import HistoryStatus

_encode = msgspec.json.Encoder().encode
_decode_wire = msgspec.json.Decoder(dict[str, dict[str, Any]])
_decode_meta = msgspec.json.Decoder(dict[str, tuple[int, str]])


class SyncStateRow(msgspec.Struct):
    """A person's sync state; a push advances last_seq and server_hlc in place."""

    user_id: uuid.UUID
    epoch: uuid.UUID
    last_seq: int
    server_hlc: str


class RecordRow(msgspec.Struct):
    """A stored record with each field's bookkeeping, as the merge works on it."""

    record_id: uuid.UUID
    kind: str
    schema_version: int
    fields: dict[str, StoredField]
    server_seq: int


class _StoredRecord(msgspec.Struct):
    """A record row as the database holds it: fields and their bookkeeping as JSON text."""

    record_id: uuid.UUID
    kind: str
    schema_version: int
    fields: str
    field_meta: str
    server_seq: int


class PulledRow(msgspec.Struct, array_like=True):
    """A record for a pull: the id as text and the fields as the stored wire JSON.

    Read as plain tuples (`fetch_tuples`), not dicts: a page is 1,000 rows, and SQLite's
    dict row factory is a Python call per row.
    """

    record_id: str
    kind: str
    schema_version: int
    server_seq: int
    deleted: bool
    fields_json: str


class ChangeRow(msgspec.Struct):
    """A history row as a push writes it (the received change and its outcome) and reads it
    back to answer a duplicate. JSON columns hold "" for none."""

    change_id: uuid.UUID
    record_id: uuid.UUID
    kind: str
    schema_version: int
    base_seq: int
    status: HistoryStatus
    server_seq: int
    fields: str
    original_hlcs: str
    error: str


class HistoryRow(msgspec.Struct):
    """A history row as GET /records/{id}/history shows it."""

    change_id: uuid.UUID
    device_id: uuid.UUID
    received_at: datetime
    status: HistoryStatus
    fields: str
    server_seq: int
    original_hlcs: str
    error: str


_ALL_STATES = "SELECT user_id, epoch, last_seq, server_hlc FROM sync_state"
_STATE = _ALL_STATES + " WHERE user_id = {}"


async def read_state(engine: Engine[Any], user_id: uuid.UUID) -> SyncStateRow | None:
    rows = await fetch_as(engine, SyncStateRow, _STATE, user_id)
    return rows[0] if rows else None


_NEW_STATE = (
    "INSERT INTO sync_state (user_id, epoch, last_seq, server_hlc) VALUES ({}, {}, 0, '')"
    " ON CONFLICT (user_id) DO NOTHING"
)


async def lock_state(engine: Engine[Any], user_id: uuid.UUID) -> SyncStateRow:
    """Read (creating if needed) the person's sync state, holding its lock until commit."""
    sql = _STATE if is_sqlite(engine) else _STATE + " FOR UPDATE"
    rows = await fetch_as(engine, SyncStateRow, sql, user_id)
    if not rows:
        await execute(engine, _NEW_STATE, user_id, uuid.uuid4())
        rows = await fetch_as(engine, SyncStateRow, sql, user_id)
    return rows[0]


def lock_state_now(run: SQLiteRun, user_id: uuid.UUID) -> SyncStateRow:
    """`lock_state` inside `write_in_one_trip` (BEGIN IMMEDIATE already holds the lock)."""
    rows = run.rows(_STATE, user_id)
    if not rows:
        run.rows(_NEW_STATE, user_id, uuid.uuid4())
        rows = run.rows(_STATE, user_id)
    return msgspec.convert(
        dict(zip(SyncStateRow.__struct_fields__, rows[0], strict=True)), SyncStateRow, strict=False
    )


class _Known(msgspec.Struct, array_like=True):
    """One row of `load_known`: a history row (part "c") or a stored record (part "r")."""

    part: str
    id: uuid.UUID
    status_or_kind: str
    server_seq: int
    schema_version: int
    fields: str
    error_or_meta: str
    original_hlcs: str


# History rows and records in one round trip (UNION ALL of two index lookups). PostgreSQL
# takes each id list as one array parameter, so the statement's text never changes and
# asyncpg prepares it once per connection; SQLite gets plain IN lists.
_KNOWN = (
    "SELECT 'c', change_id, status, server_seq, 0, fields, error, original_hlcs FROM change"
    " WHERE user_id = {{}} AND change_id {changes}"
    " UNION ALL"
    " SELECT 'r', record_id, kind, server_seq, schema_version, fields, field_meta, ''"
    " FROM record WHERE user_id = {{}} AND record_id {records}"
)


Known = tuple[dict[uuid.UUID, dict[str, Any]], dict[uuid.UUID, RecordRow]]


def _marks(count: int) -> str:
    return ", ".join(["{}"] * count)  # SQLite reads `IN ()` as matching nothing


def _known_query(
    sqlite: bool,
    user_id: uuid.UUID,
    change_ids: Sequence[uuid.UUID],
    record_ids: Sequence[uuid.UUID],
) -> Statement:
    if sqlite:
        sql = _KNOWN.format(
            changes=f"IN ({_marks(len(change_ids))})", records=f"IN ({_marks(len(record_ids))})"
        )
        return sql, [user_id, *change_ids, user_id, *record_ids]
    sql = _KNOWN.format(changes="= ANY({}::uuid[])", records="= ANY({}::uuid[])")
    return sql, [user_id, list(change_ids), user_id, list(record_ids)]


def _known(found: Sequence[Sequence[Any]]) -> Known:
    rows = msgspec.convert([tuple(row) for row in found], list[_Known], strict=False)
    seen = {
        row.id: {
            "change_id": row.id,
            "status": row.status_or_kind,
            "server_seq": row.server_seq,
            "error": row.error_or_meta,
            "fields": row.fields,
            "original_hlcs": row.original_hlcs,
        }
        for row in rows
        if row.part == "c"
    }
    records = {
        row.id: _record(
            _StoredRecord(
                row.id, row.status_or_kind, row.schema_version, row.fields,
                row.error_or_meta, row.server_seq,
            )
        )
        for row in rows
        if row.part == "r"
    }  # fmt: skip
    return seen, records


async def load_known(
    engine: Engine[Any],
    user_id: uuid.UUID,
    change_ids: Sequence[uuid.UUID],
    record_ids: Sequence[uuid.UUID],
) -> Known:
    """What a push needs to know first: this person's already-processed changes among
    `change_ids` (the shape a history row has) and their stored records among `record_ids`.

    Change ids are keyed per person (user_id, change_id): another person's use of the same
    id is not seen here, so it can neither make this change a duplicate nor be revealed.
    """
    sql, args = _known_query(is_sqlite(engine), user_id, change_ids, record_ids)
    return _known(await fetch_tuples(engine, sql, *args))


def load_known_now(
    run: SQLiteRun,
    user_id: uuid.UUID,
    change_ids: Sequence[uuid.UUID],
    record_ids: Sequence[uuid.UUID],
) -> Known:
    """`load_known` inside `write_in_one_trip`."""
    sql, args = _known_query(True, user_id, change_ids, record_ids)
    return _known(run.rows(sql, *args))


async def load_changes(
    engine: Engine[Any], user_id: uuid.UUID, change_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    """This person's already-processed changes among these ids (see `load_known`)."""
    return (await load_known(engine, user_id, change_ids, []))[0]


def _record(row: _StoredRecord) -> RecordRow:
    wire = _decode_wire.decode(row.fields)
    meta = _decode_meta.decode(row.field_meta)
    fields = {
        name: StoredField(v=f["v"], hlc=f["hlc"], seq=meta[name][0], device=meta[name][1])
        for name, f in wire.items()
    }
    return RecordRow(row.record_id, row.kind, row.schema_version, fields, row.server_seq)


def _record_values(user_id: uuid.UUID, record: RecordRow) -> tuple[Any, ...]:
    wire = {name: {"v": f.v, "hlc": f.hlc} for name, f in record.fields.items()}
    meta = {name: (f.seq, f.device) for name, f in record.fields.items()}
    return (
        user_id,
        record.record_id,
        record.kind,
        record.schema_version,
        _encode(wire).decode(),
        _encode(meta).decode(),
        record.server_seq,
        is_deleted(record.fields),
    )


_RECORD_COLUMNS = (
    "user_id, record_id, kind, schema_version, fields, field_meta, server_seq, deleted"
)
_UPSERT = (
    " ON CONFLICT (user_id, record_id) DO UPDATE SET kind = excluded.kind,"
    " schema_version = excluded.schema_version, fields = excluded.fields,"
    " field_meta = excluded.field_meta, server_seq = excluded.server_seq,"
    " deleted = excluded.deleted"
)
_HISTORY_COLUMNS = "user_id, device_id, received_at, " + ", ".join(ChangeRow.__struct_fields__)
_SAVE_STATE = "UPDATE sync_state SET last_seq = {}, server_hlc = {} WHERE user_id = {}"
# PostgreSQL: the whole write of a push as ONE statement of fixed text (prepared once per
# connection): each column's values as one array, unnested into rows, and the state update.
# Data-modifying CTEs run exactly once whether or not the outer query reads them.
_PG_SAVE = (
    f"WITH records AS (INSERT INTO record ({_RECORD_COLUMNS})"
    " SELECT {}::uuid, * FROM unnest({}::uuid[], {}::text[], {}::int[], {}::text[],"
    f" {{}}::text[], {{}}::bigint[], {{}}::bool[]){_UPSERT}),"
    f" history AS (INSERT INTO change ({_HISTORY_COLUMNS})"
    " SELECT {}::uuid, {}::uuid, {}::timestamptz, * FROM unnest({}::uuid[], {}::uuid[],"
    " {}::text[], {}::int[], {}::bigint[], {}::text[], {}::bigint[], {}::text[], {}::text[],"
    f" {{}}::text[])) {_SAVE_STATE}"
)


def _save_statements(
    sqlite: bool,
    state: SyncStateRow,
    device_id: uuid.UUID,
    records: Sequence[RecordRow],
    history: Sequence[ChangeRow],
    now: datetime,
) -> list[Statement]:
    user_id = state.user_id
    record_rows = [_record_values(user_id, record) for record in records]
    history_rows = [msgspec.structs.astuple(entry) for entry in history]
    if not sqlite:
        columns = [list(column) for column in zip(*record_rows, strict=True)] or [[]] * 8
        changes = [list(column) for column in zip(*history_rows, strict=True)] or [[]] * 10
        args = [user_id, *columns[1:], user_id, device_id, now, *changes]
        return [(_PG_SAVE, [*args, state.last_seq, state.server_hlc, user_id])]
    # SQLite: no arrays to unnest; multi-row VALUES, one statement per table.
    statements: list[Statement] = []
    if record_rows:
        sql = f"INSERT INTO record ({_RECORD_COLUMNS}) VALUES {placeholders(len(record_rows), 8)}"
        statements.append((sql + _UPSERT, flatten(record_rows)))
    if history_rows:
        values = [(user_id, device_id, now, *row) for row in history_rows]
        sql = f"INSERT INTO change ({_HISTORY_COLUMNS}) VALUES {placeholders(len(values), 13)}"
        statements.append((sql, flatten(values)))
    statements.append((_SAVE_STATE, [state.last_seq, state.server_hlc, user_id]))
    return statements


async def save_push(
    engine: Engine[Any],
    state: SyncStateRow,
    device_id: uuid.UUID,
    records: Sequence[RecordRow],
    history: Sequence[ChangeRow],
    now: datetime,
) -> None:
    """Write what a push merged: its records, its history rows and the advanced state."""
    sqlite = is_sqlite(engine)
    for sql, args in _save_statements(sqlite, state, device_id, records, history, now):
        await execute(engine, sql, *args)


def save_push_now(
    run: SQLiteRun,
    state: SyncStateRow,
    device_id: uuid.UUID,
    records: Sequence[RecordRow],
    history: Sequence[ChangeRow],
    now: datetime,
) -> None:
    """`save_push` inside `write_in_one_trip`."""
    run.run(_save_statements(True, state, device_id, records, history, now))


async def pull_page(
    engine: Engine[Any], user_id: uuid.UUID, cursor: int, limit: int
) -> tuple[list[PulledRow], bool]:
    found = await fetch_tuples(
        engine,
        # record_id as text: no uuid.UUID per row only to turn it back into text for the wire.
        "SELECT CAST(record_id AS TEXT), kind, schema_version, server_seq, deleted, fields"
        " FROM record WHERE user_id = {} AND server_seq > {} ORDER BY server_seq LIMIT {}",
        user_id,
        cursor,
        limit + 1,
    )
    if not is_sqlite(engine):
        found = [tuple(row) for row in found]  # asyncpg Records
    rows = msgspec.convert(found, list[PulledRow], strict=False)
    return rows[:limit], len(rows) > limit


async def load_history(
    engine: Engine[Any], user_id: uuid.UUID, record_id: uuid.UUID
) -> list[HistoryRow]:
    """A record's changes as received, newest first."""
    return await fetch_as(
        engine,
        HistoryRow,
        "SELECT change_id, device_id, received_at, status, fields, server_seq, original_hlcs,"
        " error FROM change WHERE user_id = {} AND record_id = {}"
        " ORDER BY received_at DESC, server_seq DESC",
        user_id,
        record_id,
    )


async def rotate_epochs(
    engine: Engine[Any], user_id: uuid.UUID | None, now: datetime | None = None
) -> int:
    """New epoch for one person (or everyone): each device then re-sends and re-pulls all.

    Run after restoring a backup, when the server may have forgotten changes that devices
    already saw acknowledged. The restored server clock may also be behind HLCs the server
    issued after the backup (it follows devices up to 5 minutes ahead of real time), so it
    jumps past anything it can have issued: otherwise it could hand out the same HLCs again
    to different writes, and a re-sent change could lose to one it had beaten.

    Every account is covered, also one with no sync state in the restored database: it may
    have synced for the first time after the backup, and its devices' epoch and the clock
    the server gave them must not be met again by a fresh state. Returns how many accounts.
    """
    moment = now or datetime.now(UTC)
    floor = format_hlc(Hlc(int(moment.timestamp() * 1000) + MAX_SKEW_MS + 1, 0, SERVER_NODE))
    async with write_transaction(engine):
        await _add_missing_states(engine, user_id)
        if user_id is None:
            rows = await fetch_as(engine, SyncStateRow, _ALL_STATES)
        else:
            rows = await fetch_as(engine, SyncStateRow, _STATE, user_id)
        for row in rows:
            await execute(
                engine,
                "UPDATE sync_state SET epoch = {}, server_hlc = {} WHERE user_id = {}",
                uuid.uuid4(),
                max(row.server_hlc, floor),
                row.user_id,
            )
    return len(rows)


class _AccountId(msgspec.Struct):
    id: uuid.UUID


async def _add_missing_states(engine: Engine[Any], user_id: uuid.UUID | None) -> None:
    """A sync state (rotated right after) for each such account that has none."""
    sql = (
        "SELECT id FROM account WHERE NOT EXISTS"
        " (SELECT 1 FROM sync_state WHERE sync_state.user_id = account.id)"
    )
    ids = [user_id] if user_id is not None else []
    if user_id is not None:
        sql += " AND id = {}"
    for row in await fetch_as(engine, _AccountId, sql, *ids):
        await execute(
            engine,
            "INSERT INTO sync_state (user_id, epoch, last_seq, server_hlc) VALUES ({}, {}, 0, '')",
            row.id,
            uuid.uuid4(),
        )


__all__ = ["ChangeRow", "HistoryRow", "PulledRow", "RecordRow", "SyncStateRow"]
