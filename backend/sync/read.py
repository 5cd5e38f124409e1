"""The one read path to a person's journal, for every domain that is not sync.

Reminders read routines, medications and the profile here; treatment insights, the clinician
summary and the FHIR export are to do the same. How records are stored (a `{v, hlc}` envelope
per field, merged field by field, in sync's own tables) is sync's business: nothing outside
`backend/sync/` names those tables in SQL, so the storage can change without its readers.

A record comes back as a `JournalRecord`: the current value of every field (the winner of the
field-level merge, however many devices edited it) and, when its kind has a spec in
`backend.journal.kinds`, that kind's typed Struct, decoded once with its defaults applied.
A live record that does not decode (still incomplete, or holding a value stored under older
rules) keeps its plain values and has no typed value: derived views skip it, as the reminder
scheduler always did with a routine it could not schedule.
"""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import msgspec
from piccolo.engine.base import Engine

from backend.db import fetch_as, fetch_tuples, in_list
from backend.journal.kinds import KINDS
from backend.journal.specs import decode_tolerant
from backend.sync.merge import StoredField

log = logging.getLogger("tend.journal")

# Keys per query in `records_by_id`: two IN lists of at most this many values each, far below
# the bind-parameter limits of SQLite (32766) and PostgreSQL (32767).
READ_CHUNK = 500
_COLUMNS = "user_id, record_id, kind, deleted, fields"

S = TypeVar("S", bound=msgspec.Struct)
RecordKey = tuple[uuid.UUID, uuid.UUID]  # (user_id, record_id)


class JournalRecord(msgspec.Struct, frozen=True):
    """One record of one person's journal, as every reader outside sync sees it."""

    user_id: uuid.UUID
    record_id: uuid.UUID
    kind: str
    deleted: bool
    # Field name -> current value, reserved fields (`_deleted`, `_created_at`...) included.
    values: dict[str, Any]
    # The kind's Struct (`backend.journal.kinds`) with defaults applied; None for a deleted
    # record, a kind without a spec, or a record that does not decode (see the module doc).
    value: msgspec.Struct | None = None
    # Optional fields whose stored value today's rules refuse (older data): `value` has
    # their defaults instead. A reader that must not guess (a schedule) checks this.
    refused: tuple[str, ...] = ()

    def typed(self, struct: type[S]) -> S | None:
        """The decoded value when it is a `struct` (e.g. `record.typed(Routine)`), else None."""
        value = self.value
        return value if isinstance(value, struct) else None


class _Field(msgspec.Struct, gc=False):  # JSON values: no cycles for the collector to find
    v: Any = None  # the stored envelope also holds `hlc`, which readers never need


class _Row(msgspec.Struct):
    user_id: uuid.UUID
    record_id: uuid.UUID
    kind: str
    deleted: bool
    fields: str


_decode_fields = msgspec.json.Decoder(dict[str, _Field])


def current_values(fields: Mapping[str, StoredField | Mapping[str, Any]]) -> dict[str, Any]:
    """The plain value of each field of a stored record (`{name: {v, hlc}}` or StoredFields)."""
    return {name: (f.v if isinstance(f, StoredField) else f.get("v")) for name, f in fields.items()}


def journal_record(
    user_id: uuid.UUID,
    record_id: uuid.UUID,
    kind: str,
    fields: Mapping[str, StoredField | Mapping[str, Any]],
    deleted: bool,
) -> JournalRecord:
    """A record that sync already holds in memory (a push's applied records) as a reader sees it."""
    return _record(user_id, record_id, kind, deleted, current_values(fields))


def _record(
    user_id: uuid.UUID, record_id: uuid.UUID, kind: str, deleted: bool, values: dict[str, Any]
) -> JournalRecord:
    value: msgspec.Struct | None = None
    refused: tuple[str, ...] = ()
    if not deleted:
        value, refused = decode_tolerant(kind, values)
        # Names only, never values in the log: they are the person's journal.
        if value is None and kind in KINDS:
            log.info("record %s (%s) is incomplete or does not decode: skipped", record_id, kind)
        elif refused:
            log.info("record %s (%s): %s left at the default", record_id, kind, ", ".join(refused))
    return JournalRecord(user_id, record_id, kind, deleted, values, value, refused)


def _from_row(row: _Row) -> JournalRecord:
    values = {name: f.v for name, f in _decode_fields.decode(row.fields).items()}
    return _record(row.user_id, row.record_id, row.kind, row.deleted, values)


def _kind_list(kinds: Collection[str]) -> list[str]:
    if isinstance(kinds, str):  # "routine" would read as the kinds r, o, u, t, i, n, e
        raise TypeError("kinds must be a collection of kind names, not one string")
    return sorted(set(kinds))


def _seq_at(moment: datetime) -> int:
    """The lowest server_seq a change made at `moment` can have (sync.md: server_seq is
    max(last_seq + 1, now in microseconds), computed as the push computes it)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("since must be an aware datetime")
    return int(moment.timestamp() * 1_000_000)


async def live_records(
    engine: Engine[Any],
    user_id: uuid.UUID,
    kinds: Collection[str],
    *,
    since: datetime | None = None,
    include_deleted: bool = False,
) -> list[JournalRecord]:
    """One person's records of these kinds, oldest change first.

    `since` keeps the records changed at or after that instant (a few changed just before
    it may come too: server_seq runs ahead of the clock under load, never behind it).
    Deleted records are left out unless `include_deleted`; they carry no typed value.
    """
    names = _kind_list(kinds)
    if not names:
        return []
    # Tuples, not Structs by column name: a year of one person's journal is ~15,000 rows
    # (make bench: insights), and a dict per row cost more than the query itself.
    sql = (
        "SELECT record_id, kind, deleted, fields FROM record"
        f" WHERE user_id = {{}} AND kind IN ({in_list(len(names))})"
    )
    args: list[Any] = [user_id, *names]
    if not include_deleted:
        sql += " AND deleted = {}"
        args.append(False)
    if since is not None:
        sql += " AND server_seq >= {}"
        args.append(_seq_at(since))
    rows = await fetch_tuples(engine, sql + " ORDER BY server_seq", *args)
    decode = _decode_fields.decode
    with collector_paused():
        return [
            _record(user_id, _uuid(record_id), kind, bool(deleted), _plain(decode(fields)))
            for record_id, kind, deleted, fields in rows
        ]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector around a bulk decode that cannot await.

    Decoding thousands of records allocates tens of thousands of dicts and lists, each of
    which counts towards the next collection; the full collections this sets off scan the
    whole heap again and again and doubled the time of a year's read (make bench: insights).
    Nothing decoded here forms a cycle, so nothing waits on the collector; it resumes after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _uuid(value: Any) -> uuid.UUID:
    # asyncpg's UUIDs and SQLite's converted ones are uuid.UUIDs already.
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _plain(fields: dict[str, _Field]) -> dict[str, Any]:
    return {name: f.v for name, f in fields.items()}


async def records_by_id(
    engine: Engine[Any],
    keys: Iterable[RecordKey],
    *,
    kinds: Collection[str] | None = None,
    include_deleted: bool = False,
) -> dict[RecordKey, JournalRecord]:
    """Records of many people at once, by (user_id, record_id); missing ones are absent.

    For batch work across people (the reminder sender, the planner's horizon): a few
    queries per READ_CHUNK keys, never one per record. `kinds` keeps only records of those
    kinds (an id a person chose may name a record of another kind); deleted records are
    left out unless `include_deleted`.
    """
    wanted = set(keys)
    names = None if kinds is None else _kind_list(kinds)
    if not wanted or names == []:
        return {}
    ordered = sorted(wanted)  # one person's keys end up in the same chunk
    found: dict[RecordKey, JournalRecord] = {}
    for start in range(0, len(ordered), READ_CHUNK):
        chunk = ordered[start : start + READ_CHUNK]
        for row in await _rows_by_id(engine, chunk, names, include_deleted):
            key = (row.user_id, row.record_id)
            if key in wanted:  # the two IN lists also match other people's ids
                found[key] = _from_row(row)
    return found


async def _rows_by_id(
    engine: Engine[Any], keys: list[RecordKey], kinds: list[str] | None, include_deleted: bool
) -> list[_Row]:
    users = sorted({user for user, _ in keys})
    ids = sorted({record for _, record in keys})
    sql = (
        f"SELECT {_COLUMNS} FROM record WHERE user_id IN ({in_list(len(users))})"
        f" AND record_id IN ({in_list(len(ids))})"
    )
    args: list[Any] = [*users, *ids]
    if kinds is not None:
        sql += f" AND kind IN ({in_list(len(kinds))})"
        args.extend(kinds)
    if not include_deleted:
        sql += " AND deleted = {}"
        args.append(False)
    return await fetch_as(engine, _Row, sql, *args)


__all__ = [
    "JournalRecord",
    "RecordKey",
    "current_values",
    "journal_record",
    "live_records",
    "records_by_id",
]
