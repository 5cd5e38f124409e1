"""Properties of the field-level merge: idempotent, order-independent, associative, max-HLC wins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.sync.hlc import Hlc, format_hlc, node_from_device_id
from backend.sync.merge import (
    CONFLICT,
    DELETED,
    StoredField,
    is_deleted,
    json_equal,
    lww_merge,
    merge_fields,
    public_fields,
    with_conflict_flag,
)

BASE_MS = 1768201200000
DEVICES = [
    "0190f3a2-7c1e-7b3a-8f3a-1c2b9d4e5f60",
    "0190f3a2-7c1e-7b3a-9a0b-3c4d5e6f7081",
    "0190f3a2-7c1e-7b3a-a1b2-c3d4e5f60718",
]
SERVER_NODE = "5e7e5e7e5e7e5e7e"
FIELD_NAMES = ["mood", "note", "tags", DELETED, "_created_at", CONFLICT, "future_field"]
BOOL_FIELDS = {DELETED, CONFLICT}

json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.text(alphabet="ab", max_size=2),
    st.lists(st.integers(0, 2), max_size=2),
)


class Change(NamedTuple):
    device: str
    base_seq: int
    fields: dict[str, dict[str, Any]]


def hlc_at(offset_ms: int, counter: int, device: str) -> str:
    return format_hlc(Hlc(BASE_MS + offset_ms, counter, node_from_device_id(device)))


@st.composite
def change_lists(draw: st.DrawFn, min_size: int = 1, max_size: int = 6) -> list[Change]:
    """Changes with distinct HLCs (a narrow time range so node and counter ties get exercised)."""
    stamps = draw(
        st.lists(
            st.tuples(st.integers(0, 6), st.integers(0, 2), st.sampled_from(DEVICES)),
            min_size=min_size,
            max_size=max_size,
            unique=True,
        )
    )
    changes = []
    for offset, counter, device in stamps:
        hlc = hlc_at(offset, counter, device)
        names = draw(st.lists(st.sampled_from(FIELD_NAMES), min_size=1, max_size=4, unique=True))
        fields = {
            n: {"v": draw(st.booleans() if n in BOOL_FIELDS else json_values), "hlc": hlc}
            for n in names
        }
        changes.append(Change(device, draw(st.integers(0, len(stamps) + 1)), fields))
    return changes


def apply_all(
    changes: Iterable[Change], stored: Mapping[str, StoredField] | None = None, *, flag: bool = True
) -> dict[str, StoredField]:
    """Apply changes in order the way the server does, including the conflict flag."""
    state = dict(stored or {})
    seq = max((f.seq for f in state.values()), default=0)
    for change in changes:
        seq += 1
        result = merge_fields(
            state, change.fields, base_seq=change.base_seq, device=change.device, seq=seq
        )
        state = result.fields
        if flag and result.concurrent:
            server_hlc = format_hlc(Hlc(BASE_MS + 60_000 + seq, 0, SERVER_NODE))
            state = with_conflict_flag(state, server_hlc, seq, change.device)
    return state


def without_conflict(fields: Mapping[str, StoredField]) -> dict[str, dict[str, Any]]:
    return {n: f for n, f in public_fields(fields).items() if n != CONFLICT}


@given(change_lists(), st.data())
def test_reapplying_any_processed_change_is_a_noop(
    changes: list[Change], data: st.DataObject
) -> None:
    state = apply_all(changes)
    again = data.draw(st.sampled_from(changes))
    result = merge_fields(
        state, again.fields, base_seq=again.base_seq, device=again.device, seq=10_000
    )
    assert result.fields == state
    assert result.won == []


@given(change_lists(max_size=5), st.data())
def test_arrival_order_does_not_change_fields(changes: list[Change], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(changes))
    assert without_conflict(apply_all(changes)) == without_conflict(apply_all(shuffled))


@given(change_lists(min_size=3, max_size=3))
def test_merge_is_associative(changes: list[Change]) -> None:
    a, b, c = changes
    one_by_one = apply_all([a, b, c], flag=False)
    combined = Change(c.device, 0, lww_merge(lww_merge(a.fields, b.fields), c.fields))
    assert public_fields(apply_all([combined], flag=False)) == public_fields(one_by_one)
    right = lww_merge(a.fields, lww_merge(b.fields, c.fields))
    assert lww_merge(lww_merge(a.fields, b.fields), c.fields) == right


@given(change_lists(min_size=2, max_size=2))
def test_lww_merge_is_commutative(changes: list[Change]) -> None:
    a, b = changes
    assert lww_merge(a.fields, b.fields) == lww_merge(b.fields, a.fields)


@given(change_lists())
def test_each_field_ends_with_its_max_hlc_write(changes: list[Change]) -> None:
    writes: dict[str, dict[str, Any]] = {}
    for change in changes:
        for name, f in change.fields.items():
            if name not in writes or f["hlc"] > writes[name]["hlc"]:
                writes[name] = f
    assert without_conflict(apply_all(changes)) == {
        n: f for n, f in writes.items() if n != CONFLICT
    }
    # Without the server's flag, `_conflict` is as plain last-writer-wins as any field.
    assert public_fields(apply_all(changes, flag=False)) == writes


@given(change_lists())
def test_is_deleted_follows_the_rule(changes: list[Change]) -> None:
    writes = [(n, f) for c in changes for n, f in c.fields.items()]
    tombs = [f for n, f in writes if n == DELETED]
    user_hlcs = [f["hlc"] for n, f in writes if not n.startswith("_")]
    tomb = max(tombs, key=lambda f: f["hlc"], default=None)
    expected = tomb is not None and tomb["v"] is True and all(h < tomb["hlc"] for h in user_hlcs)
    state = apply_all(changes)
    assert is_deleted(state) is expected
    assert is_deleted(public_fields(state)) is expected


@given(change_lists(min_size=2, max_size=2), st.integers(1, 5))
def test_concurrency_is_flagged_in_both_arrival_orders(changes: list[Change], seen: int) -> None:
    # Both writers saw the initial record, so their clocks are past every initial HLC.
    initial = {
        n: StoredField(v="old", hlc=hlc_at(-1000, 0, DEVICES[0]), seq=seen, device=DEVICES[0])
        for n in ("mood", "note", "tags")
    }
    # Drop client-written `_conflict` so any flag seen here is the server's.
    a, b = (
        c._replace(base_seq=seen, fields={n: f for n, f in c.fields.items() if n != CONFLICT})
        for c in changes
    )
    ab = apply_all([a, b], initial).get(CONFLICT)
    ba = apply_all([b, a], initial).get(CONFLICT)
    same_edit = [
        n
        for n in a.fields.keys() & b.fields.keys()
        if n not in {CONFLICT, "_created_at"} and not json_equal(a.fields[n]["v"], b.fields[n]["v"])
    ]
    expected = a.device != b.device and bool(same_edit)
    assert (ab is not None and ab.v is True) is expected
    assert (ba is not None and ba.v is True) is expected


@given(change_lists(min_size=1, max_size=1), change_lists(max_size=4))
def test_won_and_lost_account_for_every_field(first: list[Change], rest: list[Change]) -> None:
    state = apply_all(rest)
    change = first[0]
    result = merge_fields(state, change.fields, base_seq=0, device=change.device, seq=99)
    assert not set(result.won) & set(result.lost)
    for name, f in change.fields.items():
        if name in result.won:
            assert result.fields[name] == StoredField(f["v"], f["hlc"], 99, change.device)
        else:
            assert result.fields[name] == state[name]
            assert (name in result.lost) is (f["hlc"] < state[name].hlc)


def test_equal_hlc_is_neither_won_nor_lost() -> None:
    hlc = hlc_at(0, 0, DEVICES[0])
    stored = {"mood": StoredField(4, hlc, 3, DEVICES[0])}
    result = merge_fields(
        stored, {"mood": {"v": 9, "hlc": hlc}}, base_seq=0, device=DEVICES[1], seq=4
    )
    assert result.fields == stored
    assert (result.won, result.lost, result.concurrent) == ([], [], False)


def test_invalid_hlc_is_refused() -> None:
    with pytest.raises(ValueError, match="mood"):
        merge_fields({}, {"mood": {"v": 1, "hlc": "yesterday"}}, base_seq=0, device="d", seq=1)


def test_conflict_flag_only_written_when_newer() -> None:
    older, newer = hlc_at(1, 0, DEVICES[0]), hlc_at(2, 0, DEVICES[0])
    resolved = {CONFLICT: StoredField(False, newer, 5, DEVICES[0])}
    assert with_conflict_flag(resolved, older, 6, DEVICES[1]) == resolved
    assert with_conflict_flag(resolved, newer, 6, DEVICES[1]) == resolved
    flagged = with_conflict_flag(resolved, hlc_at(3, 0, DEVICES[0]), 6, DEVICES[1])
    assert flagged[CONFLICT] == StoredField(True, hlc_at(3, 0, DEVICES[0]), 6, DEVICES[1])
    assert resolved[CONFLICT].v is False


def test_lww_merge_keeps_local_on_equal_hlc() -> None:
    hlc = hlc_at(0, 0, DEVICES[0])
    local = {"note": {"v": "mine", "hlc": hlc}}
    assert lww_merge(local, {"note": {"v": "theirs", "hlc": hlc}}) == local


def test_deleted_without_user_fields_and_with_non_boolean_tombstone() -> None:
    hlc = hlc_at(0, 0, DEVICES[0])
    assert is_deleted({DELETED: {"v": True, "hlc": hlc}})
    assert not is_deleted({DELETED: {"v": 1, "hlc": hlc}})
    assert not is_deleted({})
    # "Newer" is strict: a tombstone written in the same change as a value does not hide it.
    assert not is_deleted({DELETED: {"v": True, "hlc": hlc}, "mood": {"v": 1, "hlc": hlc}})
    # Reserved fields never keep a record alive.
    assert is_deleted({DELETED: {"v": True, "hlc": hlc}, "_note": {"v": 1, "hlc": "~"}})


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, 1.0, True),
        (True, 1, False),
        (False, 0, False),
        (None, "", False),
        ({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}, True),
        ([1, 2], [2, 1], False),
        ([{"on": "x"}], [{"on": "x", "dose": 1}], False),
        ("1", 1, False),
    ],
)
def test_json_equal_matches_the_browser(a: object, b: object, equal: bool) -> None:
    assert json_equal(a, b) is equal
    assert json_equal(b, a) is equal
