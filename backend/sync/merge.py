"""Field-level last-writer-wins merge of records, shared in meaning with pwa/js/merge.js."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import msgspec

from backend.sync.hlc import is_valid_hlc

DELETED = "_deleted"
CONFLICT = "_conflict"
# Reserved fields that never make an edit concurrent: `_conflict` is the server's own hint and
# `_created_at` differs on every device that creates a singleton, without either being an edit.
_NOT_CONCURRENCY_FIELDS = frozenset({CONFLICT, "_created_at"})


class StoredField(msgspec.Struct, frozen=True):
    """A field as the server stores it: value, HLC, and the change that wrote it."""

    v: Any
    hlc: str
    seq: int
    device: str


class VersionedField(Protocol):
    """Anything with a value and an HLC (StoredField, a decoded wire field)."""

    @property
    def v(self) -> Any: ...

    @property
    def hlc(self) -> str: ...


FieldLike = VersionedField | Mapping[str, Any]
IncomingField = Mapping[str, Any]


class MergeResult(msgspec.Struct, frozen=True):
    """New stored state of a record plus what the incoming change did to it."""

    fields: dict[str, StoredField]
    won: list[str]
    lost: list[str]
    concurrent: bool


def _value(f: FieldLike) -> Any:
    return f["v"] if isinstance(f, Mapping) else f.v


def _hlc(f: FieldLike) -> str:
    hlc = f["hlc"] if isinstance(f, Mapping) else f.hlc
    return str(hlc)


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values as the browser sees it: 1 == 1.0, but true != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b):
        return False
    return bool(a == b)


def merge_fields(
    stored: Mapping[str, StoredField],
    incoming: Mapping[str, IncomingField],
    *,
    base_seq: int,
    device: str,
    seq: int,
) -> MergeResult:
    """Merge one change into a record: per field the higher HLC wins, equal HLC is a no-op.

    `concurrent` is set when a differing value written by another device that this change's
    writer had not seen (its seq > base_seq) is overwritten or beats the incoming value.
    """
    fields = dict(stored)
    won: list[str] = []
    lost: list[str] = []
    concurrent = False
    for name, field in incoming.items():
        hlc = _hlc(field)
        if not is_valid_hlc(hlc):
            raise ValueError(f"field {name!r} has an invalid HLC: {hlc!r}")
        value = _value(field)
        current = stored.get(name)
        if current is not None:
            if hlc == current.hlc:
                continue
            if (
                name not in _NOT_CONCURRENCY_FIELDS
                and current.device != device
                and current.seq > base_seq
                and not json_equal(current.v, value)
            ):
                concurrent = True
            if hlc < current.hlc:
                lost.append(name)
                continue
        fields[name] = StoredField(v=value, hlc=hlc, seq=seq, device=device)
        won.append(name)
    return MergeResult(fields=fields, won=won, lost=lost, concurrent=concurrent)


def with_conflict_flag(
    fields: Mapping[str, StoredField], hlc: str, seq: int, device: str
) -> dict[str, StoredField]:
    """Set `_conflict` to true unless the stored `_conflict` already has a newer or equal HLC."""
    out = dict(fields)
    current = out.get(CONFLICT)
    if current is None or hlc > current.hlc:
        out[CONFLICT] = StoredField(v=True, hlc=hlc, seq=seq, device=device)
    return out


def is_deleted(fields: Mapping[str, FieldLike]) -> bool:
    """A record is deleted when `_deleted` is true and newer than every user field."""
    tomb = fields.get(DELETED)
    if tomb is None or _value(tomb) is not True:
        return False
    tomb_hlc = _hlc(tomb)
    return all(_hlc(f) < tomb_hlc for name, f in fields.items() if not name.startswith("_"))


def lww_merge(
    local: Mapping[str, FieldLike], incoming: Mapping[str, FieldLike]
) -> dict[str, dict[str, Any]]:
    """Plain per-field max-HLC merge of two wire maps; on equal HLC the local field stays."""
    out = public_fields(local)
    for name, f in incoming.items():
        mine = out.get(name)
        if mine is None or _hlc(f) > mine["hlc"]:
            out[name] = {"v": _value(f), "hlc": _hlc(f)}
    return out


def public_fields(fields: Mapping[str, FieldLike]) -> dict[str, dict[str, Any]]:
    """The wire form `{name: {"v": value, "hlc": hlc}}` without server bookkeeping."""
    return {name: {"v": _value(f), "hlc": _hlc(f)} for name, f in fields.items()}
