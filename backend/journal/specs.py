"""What each kind's Structs say about a field, read once: type, required-ness, rule, default."""

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec

from backend.journal.fieldtypes import Check, NotFuture
from backend.journal.kinds import KINDS, follow_up_default


@dataclass(frozen=True)
class FieldSpec:
    """One field of one kind, as the validator needs it."""

    type: Any  # the annotation with `| None` removed: null is handled before msgspec sees it
    required: bool
    rule: str  # completes "<field> must be ..."
    checks: tuple[Check, ...]
    default: Callable[[], Any]
    not_future: NotFuture | None = None  # set on the time of a logged event


def _without_none(annotation: Any) -> Any:
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return annotation
    rest = tuple(arg for arg in typing.get_args(annotation) if arg is not type(None))
    # `X | Y` cannot be built from a runtime tuple of types; Union[...] can.
    return rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007


def _rule(annotation: Any, where: str) -> str:
    if typing.get_origin(annotation) is Annotated:
        for extra in annotation.__metadata__:
            if isinstance(extra, msgspec.Meta) and extra.description:
                return extra.description
        return _rule(typing.get_args(annotation)[0], where)
    if typing.get_origin(annotation) is Literal:
        return "one of " + ", ".join(str(choice) for choice in typing.get_args(annotation))
    if annotation is bool:
        return "true or false"
    # Import fails loudly so a new field cannot ship with an unreadable error message.
    raise TypeError(f"{where} has no description for its error message")


def _checks(annotation: Any) -> tuple[Check, ...]:
    if typing.get_origin(annotation) is not Annotated:
        return ()
    return tuple(extra for extra in annotation.__metadata__ if isinstance(extra, Check))


def _not_future(annotation: Any) -> NotFuture | None:
    if typing.get_origin(annotation) is not Annotated:
        return None
    marks = [extra for extra in annotation.__metadata__ if isinstance(extra, NotFuture)]
    return marks[0] if marks else None


def _default(info: msgspec.structs.FieldInfo) -> Callable[[], Any]:
    if info.default_factory is not msgspec.NODEFAULT:
        return typing.cast(Callable[[], Any], info.default_factory)
    value = None if info.default is msgspec.NODEFAULT else info.default
    return lambda: value


def _specs(struct: type[msgspec.Struct]) -> dict[str, FieldSpec]:
    specs = {}
    for info in msgspec.structs.fields(struct):
        annotation = _without_none(info.type)
        specs[info.encode_name] = FieldSpec(
            type=annotation,
            required=info.required,
            rule=_rule(annotation, f"{struct.__name__}.{info.name}"),
            checks=_checks(annotation),
            default=_default(info),
            not_future=_not_future(annotation),
        )
    return specs


FIELD_SPECS: dict[str, dict[str, FieldSpec]] = {
    kind: _specs(struct) for kind, struct in KINDS.items()
}


# Per kind, the fields that carry checks msgspec cannot express, and those checks.
_CHECKED: dict[str, tuple[tuple[str, tuple[Check, ...]], ...]] = {
    kind: tuple((name, spec.checks) for name, spec in specs.items() if spec.checks)
    for kind, specs in FIELD_SPECS.items()
}


def required_fields(kind: str) -> tuple[str, ...]:
    """Names a record of this kind needs before derived views count it."""
    return tuple(name for name, spec in FIELD_SPECS[kind].items() if spec.required)


def field_default(kind: str, name: str, values: Mapping[str, Any] | None = None) -> Any:
    """The documented default of an optional field (None when it has none).

    `values` is the rest of the record: routine.follow_up_minutes depends on routine.kind.
    Raises KeyError for a kind or field that does not exist, which is a programming error.
    """
    spec = FIELD_SPECS[kind][name]
    if kind == "routine" and name == "follow_up_minutes":
        return follow_up_default((values or {}).get("kind"))
    return spec.default()


def effective_value(kind: str, values: Mapping[str, Any], name: str) -> Any:
    """The stored value, or the field's default when it is absent or cleared (null)."""
    value = values.get(name)
    return field_default(kind, name, values) if value is None else value


def decode_record(kind: str, values: Mapping[str, Any]) -> msgspec.Struct | None:
    """The record as its typed Struct with defaults applied, or None when derived views must
    skip it: unknown kind, incomplete, or holding a value stored under older rules.

    Every rule sync validates a field with applies, the checks msgspec cannot express (a
    known time zone, a size in bytes) included: a value sync would refuse today never
    reaches a derived view as if it were valid."""
    struct = KINDS.get(kind)
    if struct is None:
        return None
    # A cleared field (null) takes its default. Names the kind does not have (reserved ones
    # such as `_created_at`) need no filtering: a Struct ignores unknown keys.
    known = (
        values
        if None not in values.values()
        else {name: value for name, value in values.items() if value is not None}
    )
    try:
        decoded = msgspec.convert(known, type=struct, strict=True)
    except msgspec.ValidationError:
        return None
    # Checks run on the JSON value, and only once msgspec accepted it (as in validate.py).
    # Only the few fields that have checks are looked at: this runs once per record read
    # (a year of one person's journal is ~15,000 records; make bench: insights).
    for name, checks in _CHECKED[kind]:
        value = known.get(name)
        if value is not None:
            for check in checks:
                if not check.test(value):
                    return None
    return decoded


def _field_ok(spec: FieldSpec, value: Any) -> bool:
    try:
        msgspec.convert(value, type=spec.type, strict=True)
    except msgspec.ValidationError:
        return False
    return all(check.test(value) for check in spec.checks)


def decode_tolerant(
    kind: str, values: Mapping[str, Any]
) -> tuple[msgspec.Struct | None, tuple[str, ...]]:
    """Like `decode_record`, but an optional field the rules refuse is dropped (its default
    applies) rather than losing the whole record; returns the Struct and the dropped names.

    A profile stored under older rules keeps its quiet hours when its display name is too
    long; a medication keeps its name when one dose change is malformed. A required field
    that is refused still makes the record undecodable (None)."""
    decoded = decode_record(kind, values)
    if decoded is not None or kind not in KINDS:
        return decoded, ()
    specs = FIELD_SPECS[kind]
    dropped = tuple(
        name
        for name, value in values.items()
        if value is not None and name in specs and not _field_ok(specs[name], value)
    )
    if not dropped or any(specs[name].required for name in dropped):
        return None, dropped
    return decode_record(kind, {k: v for k, v in values.items() if k not in dropped}), dropped
