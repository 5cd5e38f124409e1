"""Per-change validation for sync: the first broken rule as a field-named, readable error."""

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

import msgspec

from backend.journal.fieldtypes import ANSWER_COUNTS, UUID_PATTERN
from backend.journal.kinds import KINDS, SINGLETON_IDS
from backend.journal.specs import FIELD_SPECS, FieldSpec, required_fields

MAX_VALUE_BYTES = 64 * 1024
MAX_CHANGE_BYTES = 64 * 1024
_MAX_DEPTH = 32
_FIELD_NAME_RE = re.compile(r"_?[a-z][a-z0-9_]{0,63}")
_RECORD_ID_RE = re.compile(UUID_PATTERN)
_RESERVED_BOOLS = frozenset({"_deleted", "_conflict"})
_CREATED_AT_MAX = 64
_RESERVED = "_deleted, _conflict and _created_at"
_REASONS = {
    "wrong-type": "has the wrong type",
    "out-of-range": "is out of range",
    "too-long": "is too long",
    "invalid-field": "is not valid",
}
_RANGE_RE = re.compile(r"Expected `(int|float)` [<>]")
_ITEM_RE = re.compile(r"\$\[(\d+)\](?:\.(\w+))?")
_MISSING_RE = re.compile(r"Object missing required field `(\w+)`")


class FieldError(msgspec.Struct, frozen=True):
    """Why a change was rejected: a stable `code`, the field it concerns, a sentence for people."""

    code: str
    field: str | None
    detail: str


def validate_change(
    *,
    kind: str,
    record_id: str,
    fields: Mapping[str, Any],
    now: dt.datetime | None = None,
) -> FieldError | None:
    """Check one change on its own; absent fields are fine, other changes may carry them.

    Order: kind, record id, then each field by name (name, JSON-ness, rule, size, not in the
    future when `now` is given), then rules that span two fields of this change, then the
    size of the whole change.
    """
    specs = FIELD_SPECS.get(kind) if isinstance(kind, str) else None
    if specs is None:
        known = ", ".join(sorted(KINDS))
        return FieldError(
            "unknown-kind",
            "kind",
            f"kind must be one of {known}; {_quote(kind)} is not a record kind.",
        )
    error = _check_record_id(kind, record_id)
    if error is not None:
        return error
    total = 0
    for name, value in sorted(fields.items(), key=lambda item: str(item[0])):
        error = _check_name(name) or _check_json(name, value) or _check_rule(specs, name, value)
        if error is None and now is not None:
            error = _check_not_future(specs.get(name), name, value, now)
        if error is not None:
            return error
        size = len(msgspec.json.encode(value))
        if size > MAX_VALUE_BYTES:
            return FieldError(
                "record-too-large",
                name,
                f"{name} is too large: one value may be at most 64 KiB "
                f"({MAX_VALUE_BYTES} bytes) as JSON.",
            )
        total += size + len(name)
    error = _check_cross_field(kind, fields)
    if error is not None:
        return error
    if total > MAX_CHANGE_BYTES:
        return FieldError(
            "record-too-large",
            None,
            f"This change is too large: a record may hold at most 64 KiB "
            f"({MAX_CHANGE_BYTES} bytes) of values as JSON.",
        )
    return None


def is_complete(kind: str, values: Mapping[str, Any]) -> bool:
    """True when every required field is present and not null; derived views skip the rest."""
    if kind not in FIELD_SPECS:
        return False
    return all(values.get(name) is not None for name in required_fields(kind))


def _quote(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 70 else text[:67] + "..."


def _check_record_id(kind: str, record_id: Any) -> FieldError | None:
    if not isinstance(record_id, str) or _RECORD_ID_RE.search(record_id) is None:
        return FieldError(
            "invalid-record-id",
            "record_id",
            "record_id must be a lower-case UUID like 0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9e.",
        )
    fixed = SINGLETON_IDS.get(kind)
    if fixed is not None and record_id != fixed:
        return FieldError(
            "invalid-record-id",
            "record_id",
            f"record_id of a {kind} must be {fixed}, because there is only one {kind}.",
        )
    for owner, singleton_id in SINGLETON_IDS.items():
        if owner != kind and record_id == singleton_id:
            return FieldError(
                "invalid-record-id",
                "record_id",
                f"record_id {singleton_id} is reserved for the {owner}; a {kind} needs its own id.",
            )
    return None


def _check_name(name: Any) -> FieldError | None:
    if not isinstance(name, str) or _FIELD_NAME_RE.fullmatch(name) is None:
        return FieldError(
            "invalid-field-name",
            str(name)[:70],
            f"The field name {_quote(name)} is not allowed: a name is 1 to 64 lower-case "
            "letters, digits and underscores, starting with a letter.",
        )
    if name.startswith("_") and name not in _RESERVED_BOOLS and name != "_created_at":
        return FieldError(
            "invalid-field-name",
            name,
            f"The field name {name} is not allowed: names starting with _ are reserved "
            f"for {_RESERVED}.",
        )
    return None


def _check_json(name: str, value: Any) -> FieldError | None:
    """Values come from a JSON body in production; this keeps Python callers just as honest."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        problem = None
        if depth > _MAX_DEPTH:
            problem = f"must not be nested more than {_MAX_DEPTH} levels deep"
        elif item is None or isinstance(item, bool | int):
            continue
        elif isinstance(item, str):
            if _is_utf8_encodable(item):
                continue
            problem = "must be valid Unicode text (it holds a lone surrogate)"
        elif isinstance(item, float):
            if math.isfinite(item):
                continue
            problem = "must be a finite number, not NaN or infinity"
        elif isinstance(item, list):
            pending.extend((element, depth + 1) for element in item)
            continue
        elif isinstance(item, dict):
            if all(isinstance(key, str) for key in item):
                pending.extend((element, depth + 1) for element in item.values())
                continue
            problem = "must be a JSON value: every object key must be text"
        else:
            problem = "must be a JSON value (text, number, true or false, null, list or object)"
        return FieldError("wrong-type", name, f"{name} {problem}.")
    return None


def _is_utf8_encodable(text: str) -> bool:
    # msgspec's decoder never yields lone surrogates, but other decoders (json.loads) do.
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_rule(specs: Mapping[str, FieldSpec], name: str, value: Any) -> FieldError | None:
    if name.startswith("_"):
        return _check_reserved(name, value)
    spec = specs.get(name)
    if spec is None:
        return None  # a field from a newer client: stored and returned unchanged
    if value is None:
        if not spec.required:
            return None
        return FieldError(
            "required-field-null",
            name,
            f"{name} is required, so it cannot be cleared (set to null).",
        )
    try:
        msgspec.convert(value, type=spec.type, strict=True)
    except msgspec.ValidationError as exc:
        code, where = _explain(str(exc))
        return FieldError(code, name, f"{name} must be {spec.rule}{where}.")
    for check in spec.checks:
        if not check.test(value):
            return FieldError(check.code, name, f"{name} must be {spec.rule}.")
    return None


# A date has no zone: it is "in the future" only once it is past the date anywhere on Earth
# (UTC+14) plus the slack, so nobody east of the server is refused today's entries.
_EARLIEST_ZONE = dt.timedelta(hours=14)


def _check_not_future(
    spec: FieldSpec | None, name: str, value: Any, now: dt.datetime
) -> FieldError | None:
    if spec is None or spec.not_future is None or value is None:
        return None
    slack = spec.not_future.slack
    when = msgspec.convert(value, type=spec.type, strict=True)
    if isinstance(when, dt.datetime):
        too_late = when > now + slack
    else:
        too_late = when > (now + slack + _EARLIEST_ZONE).date()
    if not too_late:
        return None
    return FieldError(
        "in-future",
        name,
        f"{name} is more than a day in the future; an entry records something that happened.",
    )


def _check_reserved(name: str, value: Any) -> FieldError | None:
    if name in _RESERVED_BOOLS:
        if isinstance(value, bool):
            return None
        return FieldError("wrong-type", name, f"{name} must be true or false.")
    if not isinstance(value, str):
        return FieldError("wrong-type", name, f"{name} must be text of at most 64 characters.")
    if len(value) > _CREATED_AT_MAX:
        return FieldError("too-long", name, f"{name} must be text of at most 64 characters.")
    return None


def _explain(message: str) -> tuple[str, str]:
    """Turn msgspec's message into a code and where inside the value it went wrong.

    msgspec's `$[2].dose` paths mean nothing to a person, so only an item number is kept.
    """
    problem, _, path = message.partition(" - at `")
    missing = _MISSING_RE.match(problem)
    if ", got `" in problem:
        code = "wrong-type"
    elif _RANGE_RE.match(problem):
        code = "out-of-range"
    elif "of length <=" in problem:
        code = "too-long"
    else:
        code = "invalid-field"
    item = _ITEM_RE.match(path)
    if item is None:
        return code, ""
    where = f"item {int(item.group(1)) + 1}"
    if missing is not None:
        return code, f"; {where} lacks {missing.group(1)}"
    inner = f" {item.group(2)}" if item.group(2) else ""
    return code, f"; {where}{inner} {_REASONS[code]}"


def _check_cross_field(kind: str, fields: Mapping[str, Any]) -> FieldError | None:
    """Rules over two fields, checked only when this change carries both (the rest may lag)."""
    if kind == "assessment":
        instrument, answers = fields.get("instrument"), fields.get("answers")
        expected = ANSWER_COUNTS.get(instrument) if isinstance(instrument, str) else None
        if expected is not None and isinstance(answers, list) and len(answers) != expected:
            return FieldError(
                "invalid-field",
                "answers",
                f"answers must hold {expected} answers for {instrument}, not {len(answers)}.",
            )
    if kind == "measurement" and "type" in fields and "value" in fields:
        measured, value = fields["type"], fields["value"]
        if measured == "blood_pressure" and isinstance(value, int | float):
            return FieldError(
                "invalid-field",
                "value",
                'value must be a reading like "120/80" when type is blood_pressure.',
            )
        if measured != "blood_pressure" and isinstance(value, str):
            return FieldError(
                "invalid-field", "value", f"value must be a number when type is {measured}."
            )
    return None
