"""Hybrid logical clock: text form, strict parsing, send/recv monotonicity, overflow, skew."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.sync.hlc import (
    MAX_COUNTER,
    MAX_MILLIS,
    MAX_SKEW_MS,
    Hlc,
    format_hlc,
    is_too_far_ahead,
    is_valid_hlc,
    node_from_device_id,
    parse_hlc,
    recv,
    send,
)

START = "2026-01-12T07:00:03.120Z-002A-8f3a1c2b9d4e5f60"
REMOTE_NODE = "9a0b3c4d5e6f7081"
# The same script and expected strings are in tests/js/hlc.test.mjs: both sides must agree byte
# for byte. (op, remote HLC or None, now_ms, expected state after the step)
SHARED_SCRIPT: list[tuple[str, str | None, int, str]] = [
    ("send", None, 1768201193120, "2026-01-12T07:00:03.120Z-002B-8f3a1c2b9d4e5f60"),
    ("send", None, 1768201203125, "2026-01-12T07:00:03.125Z-0000-8f3a1c2b9d4e5f60"),
    (
        "recv",
        "2026-01-12T07:00:03.125Z-00FF-9a0b3c4d5e6f7081",
        1768201203120,
        "2026-01-12T07:00:03.125Z-0100-8f3a1c2b9d4e5f60",
    ),
    (
        "recv",
        "2026-01-12T07:00:09.000Z-0007-9a0b3c4d5e6f7081",
        1768201203126,
        "2026-01-12T07:00:09.000Z-0008-8f3a1c2b9d4e5f60",
    ),
    ("send", None, 1768201209000, "2026-01-12T07:00:09.000Z-0009-8f3a1c2b9d4e5f60"),
    (
        "recv",
        "2026-01-12T07:00:01.000Z-0003-9a0b3c4d5e6f7081",
        1768201215000,
        "2026-01-12T07:00:15.000Z-0000-8f3a1c2b9d4e5f60",
    ),
]

nodes = st.text(alphabet="0123456789abcdef", min_size=16, max_size=16)
hlcs = st.builds(
    Hlc,
    millis=st.integers(min_value=0, max_value=MAX_MILLIS - 1),
    counter=st.integers(min_value=0, max_value=MAX_COUNTER),
    node=nodes,
)
# Realistic device clocks, including ones far behind or ahead of the state.
now_values = st.integers(min_value=0, max_value=4_102_444_800_000)


def ordered(h: Hlc) -> tuple[int, int]:
    return (h.millis, h.counter)


def test_shared_script_matches_javascript() -> None:
    state = parse_hlc(START)
    assert state == Hlc(1768201203120, 0x2A, "8f3a1c2b9d4e5f60")
    for op, remote, now_ms, expected in SHARED_SCRIPT:
        state = send(state, now_ms) if remote is None else recv(state, parse_hlc(remote), now_ms)
        assert (op, format_hlc(state)) == (op, expected)


def test_format_of_known_values() -> None:
    assert format_hlc(Hlc(1768201203120, 42, "8f3a1c2b9d4e5f60")) == START
    assert format_hlc(Hlc(0, 0, "0" * 16)) == "1970-01-01T00:00:00.000Z-0000-0000000000000000"
    assert format_hlc(Hlc(MAX_MILLIS, MAX_COUNTER, "f" * 16)) == (
        "9999-12-31T23:59:59.999Z-FFFF-ffffffffffffffff"
    )


@pytest.mark.parametrize(
    "bad",
    [
        Hlc(-1, 0, "0" * 16),
        Hlc(MAX_MILLIS + 1, 0, "0" * 16),
        Hlc(0, MAX_COUNTER + 1, "0" * 16),
        Hlc(0, -1, "0" * 16),
        Hlc(0, 0, "8F3A1C2B9D4E5F60"),
        Hlc(0, 0, "8f3a1c2b9d4e5f6"),
    ],
)
def test_format_refuses_values_without_a_text_form(bad: Hlc) -> None:
    with pytest.raises(ValueError, match="HLC"):
        format_hlc(bad)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-01-12T07:00:03.120Z-002a-8f3a1c2b9d4e5f60",  # lower-case counter
        "2026-01-12T07:00:03.120Z-002A-8F3A1C2B9D4E5F60",  # upper-case node
        "2026-01-12T07:00:03.12Z-002A-8f3a1c2b9d4e5f60",  # two-digit millis
        "2026-01-12T07:00:03Z-002A-8f3a1c2b9d4e5f60",  # no millis
        "2026-01-12T07:00:03.120+00:00-002A-8f3a1c2b9d4e5f60",  # offset instead of Z
        "2026-01-12 07:00:03.120Z-002A-8f3a1c2b9d4e5f60",  # space separator
        "2026-01-12T07:00:03.120Z-2A-8f3a1c2b9d4e5f60",  # short counter
        "2026-01-12T07:00:03.120Z-0002A-8f3a1c2b9d4e5f60",  # long counter
        "2026-01-12T07:00:03.120Z-002A-8f3a1c2b9d4e5f6",  # short node
        "2026-01-12T07:00:03.120Z-002A-8f3a1c2b9d4e5f60\n",  # trailing newline
        " 2026-01-12T07:00:03.120Z-002A-8f3a1c2b9d4e5f60",  # leading space
        "+12026-01-12T07:00:03.120Z-002A-8f3a1c2b9d4e5f60",  # extended year
        "12026-01-12T07:00:03.120Z-002A-8f3a1c2b9d4e5f60",  # five-digit year
        "2026-02-30T07:00:03.120Z-002A-8f3a1c2b9d4e5f60",  # no 30 February
        "2025-02-29T07:00:03.120Z-002A-8f3a1c2b9d4e5f60",  # not a leap year
        "2026-13-01T07:00:03.120Z-002A-8f3a1c2b9d4e5f60",  # month 13
        "2026-01-12T24:00:00.000Z-002A-8f3a1c2b9d4e5f60",  # hour 24
        "2026-01-12T07:00:60.000Z-002A-8f3a1c2b9d4e5f60",  # leap second
        "0000-01-01T00:00:00.000Z-0000-8f3a1c2b9d4e5f60",  # year zero
        "1969-12-31T23:59:59.999Z-0000-8f3a1c2b9d4e5f60",  # before the epoch
        "2026-01-12T07:00:0\u0663.120Z-002A-8f3a1c2b9d4e5f60",  # Arabic-Indic digit
    ],
)
def test_parse_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError, match="HLC"):
        parse_hlc(text)
    assert not is_valid_hlc(text)


def test_leap_day_is_valid() -> None:
    assert is_valid_hlc("2028-02-29T23:59:59.999Z-0000-8f3a1c2b9d4e5f60")


@pytest.mark.parametrize("value", [None, 42, b"2026-01-12T07:00:03.120Z-002A-8f3a1c2b9d4e5f60"])
def test_non_strings_are_not_valid(value: object) -> None:
    assert not is_valid_hlc(value)


@given(hlcs)
def test_format_parse_round_trip(h: Hlc) -> None:
    text = format_hlc(h)
    assert len(text) == len(START)
    assert parse_hlc(text) == h
    assert is_valid_hlc(text)


@given(hlcs, hlcs)
def test_text_order_is_clock_order(a: Hlc, b: Hlc) -> None:
    assert (format_hlc(a) < format_hlc(b)) == (a < b)
    assert (format_hlc(a) == format_hlc(b)) == (a == b)


def test_node_from_device_id() -> None:
    device = "0190F3A2-7C1E-7B3A-8F3A-1C2B9D4E5F60"
    assert node_from_device_id(device) == "8f3a1c2b9d4e5f60"
    assert node_from_device_id(uuid.UUID(device)) == "8f3a1c2b9d4e5f60"
    assert node_from_device_id(device.replace("-", "")) == "8f3a1c2b9d4e5f60"


@pytest.mark.parametrize("bad", ["", "not-a-uuid", "0190f3a2-7c1e-7b3a-8f3a-1c2b9d4e5f6", "z" * 32])
def test_node_from_device_id_rejects_non_uuids(bad: str) -> None:
    with pytest.raises(ValueError, match="UUID"):
        node_from_device_id(bad)


@given(hlcs, st.lists(now_values, min_size=1, max_size=30))
def test_send_strictly_increases_whatever_the_wall_clock_does(start: Hlc, nows: list[int]) -> None:
    state = start
    for now_ms in nows:
        nxt = send(state, now_ms)
        assert ordered(nxt) > ordered(state)
        assert nxt.millis >= now_ms
        assert nxt.node == start.node
        state = nxt


@given(hlcs, hlcs, now_values)
def test_recv_passes_both_clocks_and_keeps_node(state: Hlc, remote: Hlc, now_ms: int) -> None:
    nxt = recv(state, remote, now_ms)
    assert ordered(nxt) > ordered(state)
    assert ordered(nxt) > ordered(remote)
    assert nxt.millis >= now_ms
    assert nxt.node == state.node


@given(hlcs, now_values)
def test_send_counts_only_when_the_clock_did_not_advance(state: Hlc, now_ms: int) -> None:
    nxt = send(state, now_ms)
    if now_ms > state.millis:
        assert nxt == Hlc(now_ms, 0, state.node)
    elif state.counter < MAX_COUNTER:
        assert nxt == Hlc(state.millis, state.counter + 1, state.node)


@given(hlcs.filter(lambda h: h.millis > 0), st.integers(min_value=0, max_value=10_000))
def test_counter_overflow_moves_to_next_millisecond(h: Hlc, behind: int) -> None:
    full = Hlc(h.millis, MAX_COUNTER, h.node)
    now_ms = max(0, h.millis - behind)
    assert send(full, now_ms) == Hlc(h.millis + 1, 0, h.node)
    remote = Hlc(h.millis, MAX_COUNTER, REMOTE_NODE)
    assert recv(Hlc(h.millis - 1, 0, h.node), remote, now_ms) == Hlc(h.millis + 1, 0, h.node)
    assert recv(full, remote, now_ms) == Hlc(h.millis + 1, 0, h.node)


def test_recv_far_future_remote_does_not_throw() -> None:
    state = parse_hlc(START)
    remote = Hlc(state.millis + 365 * 86_400_000, 5, REMOTE_NODE)
    assert recv(state, remote, state.millis) == Hlc(remote.millis, 6, state.node)


def test_skew_boundary() -> None:
    now = 1768201203120
    assert not is_too_far_ahead(Hlc(now + MAX_SKEW_MS, 0, "0" * 16), now)
    assert is_too_far_ahead(Hlc(now + MAX_SKEW_MS + 1, 0, "0" * 16), now)
    assert not is_too_far_ahead(Hlc(now - 10 * MAX_SKEW_MS, 0, "0" * 16), now)


@given(hlcs, now_values)
def test_skew_detection_matches_definition(h: Hlc, now_ms: int) -> None:
    assert is_too_far_ahead(h, now_ms) == (h.millis > now_ms + 5 * 60 * 1000)
