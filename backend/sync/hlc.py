"""Hybrid logical clock: text form, parsing and the pure send/recv steps (no clock inside)."""

from __future__ import annotations

import functools
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

MAX_COUNTER = 0xFFFF
MAX_SKEW_MS = 5 * 60 * 1000
# Node of HLCs the server makes itself (clamped device clocks, conflict flags).
SERVER_NODE = "0000000000000000"
# The text form has a 4-digit year, so the clock lives between 1970 and the end of 9999.
MIN_MILLIS = 0
MAX_MILLIS = 253_402_300_799_999

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
# [0-9] rather than \d: \d would accept non-ASCII digits and break text order.
_HLC_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{3})Z"
    r"-([0-9A-F]{4})-([0-9a-f]{16})"
)
_NODE_RE = re.compile(r"[0-9a-f]{16}")
_UUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)


class Hlc(NamedTuple):
    """Clock state; tuple order (millis, counter, node) is clock order."""

    millis: int
    counter: int
    node: str


def parse_hlc(text: str) -> Hlc:
    """Parse the canonical text form, raising ValueError on anything else."""
    if not isinstance(text, str):
        raise ValueError(f"HLC must be a string, got {type(text).__name__}")
    return _parse_hlc(text)


# A push parses every field's HLC three times (validate, clamp, merge) and the fields of a
# change share one HLC; Hlc is immutable, so each distinct text is parsed once.
@functools.lru_cache(maxsize=16384)
def _parse_hlc(text: str) -> Hlc:
    m = _HLC_RE.fullmatch(text)
    if m is None:
        raise ValueError(f"malformed HLC: {text!r}")
    year, month, day, hour, minute, second, ms = (int(g) for g in m.groups()[:7])
    try:
        moment = datetime(year, month, day, hour, minute, second, ms * 1000, tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"HLC has an impossible time: {text!r}") from exc
    millis = (moment - _EPOCH) // _ONE_MS
    if millis < MIN_MILLIS:
        raise ValueError(f"HLC before 1970: {text!r}")
    return Hlc(millis, int(m.group(8), 16), m.group(9))


def format_hlc(h: Hlc) -> str:
    """Render the fixed-width text form whose string order equals clock order."""
    if not MIN_MILLIS <= h.millis <= MAX_MILLIS:
        raise ValueError(f"HLC millis out of range: {h.millis}")
    if not 0 <= h.counter <= MAX_COUNTER:
        raise ValueError(f"HLC counter out of range: {h.counter}")
    if not _NODE_RE.fullmatch(h.node):
        raise ValueError(f"HLC node must be 16 lower-case hex digits: {h.node!r}")
    t = _EPOCH + timedelta(milliseconds=h.millis)
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
        f".{t.microsecond // 1000:03d}Z-{h.counter:04X}-{h.node}"
    )


def is_valid_hlc(text: object) -> bool:
    """True when text is a well-formed HLC string."""
    if not isinstance(text, str):
        return False
    try:
        parse_hlc(text)
    except ValueError:
        return False
    return True


def node_from_device_id(device_id: str | uuid.UUID) -> str:
    """The HLC node of a device: the last 16 hex digits of its UUID, lower-case."""
    if isinstance(device_id, uuid.UUID):
        return device_id.hex[-16:]
    if not isinstance(device_id, str) or not _UUID_RE.fullmatch(device_id):
        raise ValueError(f"device id is not a UUID: {device_id!r}")
    return device_id.replace("-", "").lower()[-16:]


def _settle(millis: int, counter: int, node: str) -> Hlc:
    # Overflow borrows the next millisecond rather than failing a write the person made.
    if counter > MAX_COUNTER:
        return Hlc(millis + 1, 0, node)
    return Hlc(millis, counter, node)


def send(state: Hlc, now_ms: int) -> Hlc:
    """Advance the local clock for a local event; never goes backwards, never throws."""
    millis = max(state.millis, now_ms)
    counter = state.counter + 1 if millis == state.millis else 0
    return _settle(millis, counter, state.node)


def recv(state: Hlc, remote: Hlc, now_ms: int) -> Hlc:
    """Advance the local clock past a remote timestamp; keeps the local node."""
    millis = max(state.millis, now_ms, remote.millis)
    if millis == state.millis == remote.millis:
        counter = max(state.counter, remote.counter) + 1
    elif millis == state.millis:
        counter = state.counter + 1
    elif millis == remote.millis:
        counter = remote.counter + 1
    else:
        counter = 0
    return _settle(millis, counter, state.node)


def is_too_far_ahead(h: Hlc, server_now_ms: int) -> bool:
    """True when a timestamp is more than MAX_SKEW_MS ahead of the server's time."""
    return h.millis - server_now_ms > MAX_SKEW_MS
