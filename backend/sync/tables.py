"""Sync state, records and the append-only change history."""

from __future__ import annotations

from piccolo.columns import (
    UUID,
    BigInt,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

from backend.accounts.tables import Account


class SyncState(Table, tablename="sync_state"):
    user_id = ForeignKey(Account, on_delete=OnDelete.cascade, null=False, primary_key=True)
    epoch = UUID()
    # Highest server_seq ever issued to this person (the cursor may never pass it).
    last_seq = BigInt(default=0)
    server_hlc = Varchar(length=64, default="")


class Record(Table, tablename="record"):
    # Composite unique indexes (user_id, record_id) and (user_id, server_seq) are created
    # by a raw-SQL migration: Piccolo's Unique constraint emits ALTER TABLE ADD CONSTRAINT,
    # which SQLite does not support.
    id = BigSerial(primary_key=True)
    user_id = ForeignKey(Account, on_delete=OnDelete.cascade, null=False)
    record_id = UUID()
    kind = Varchar(length=32)
    schema_version = Integer(default=1)
    # The wire form {name: {v, hlc}}, served to pulls as-is without re-encoding.
    fields = Text()
    # {name: [seq, device]}: which change wrote each field, for concurrency detection.
    field_meta = Text()
    server_seq = BigInt()
    deleted = Boolean(default=False)


class Change(Table, tablename="change"):
    # Change ids are the client's, unique per person only: (user_id, change_id) has a unique
    # index (raw-SQL migration), so one person's id says nothing about anyone else's.
    id = BigSerial(primary_key=True)
    change_id = UUID()
    user_id = ForeignKey(Account, on_delete=OnDelete.cascade, null=False)
    record_id = UUID(index=True, index_method=IndexMethod.btree)
    device_id = UUID()
    kind = Varchar(length=32)
    schema_version = Integer(default=1)
    base_seq = BigInt(default=0)
    # applied | superseded | rejected
    status = Varchar(length=16)
    server_seq = BigInt(default=0)
    # The fields as received, with the effective HLC used for the merge.
    fields = Text()
    # {name: original hlc} for HLCs replaced because the device clock was too far ahead.
    original_hlcs = Text(default="")
    error = Text(default="")
    received_at = Timestamptz()
