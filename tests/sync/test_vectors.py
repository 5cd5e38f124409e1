"""Shared merge vectors (tests/sync/vectors/*.json) replayed in every arrival order.

Runner rules, mirrored by tests/js/merge.test.mjs: change k of an arrival order gets
seq = (max seq in `initial`, or 0) + k (1-based). When merge_fields reports the change as
concurrent, `_conflict` is set with `with_conflict_flag` using the change's `server_hlc`, or,
when the vector gives none, the greatest HLC among that change's fields. Expected fields are
compared exactly (names, values, HLCs) except `_conflict`, which is checked via `conflict`.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from backend.sync.hlc import is_valid_hlc
from backend.sync.merge import (
    CONFLICT,
    StoredField,
    is_deleted,
    json_equal,
    merge_fields,
    with_conflict_flag,
)

VECTOR_DIR = Path(__file__).parent / "vectors"
VECTOR_FILES = sorted(VECTOR_DIR.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def replay(vector: dict[str, Any], order: tuple[dict[str, Any], ...]) -> dict[str, StoredField]:
    initial = (vector["initial"] or {}).get("fields", {})
    stored = {name: StoredField(**f) for name, f in initial.items()}
    seq = max((f.seq for f in stored.values()), default=0)
    for change in order:
        seq += 1
        result = merge_fields(
            stored, change["fields"], base_seq=change["base_seq"], device=change["device"], seq=seq
        )
        stored = result.fields
        if result.concurrent:
            server_hlc = change.get("server_hlc") or max(
                f["hlc"] for f in change["fields"].values()
            )
            stored = with_conflict_flag(stored, server_hlc, seq, change["device"])
    return stored


def test_there_are_enough_vectors_covering_both_outcomes() -> None:
    vectors = [load(p) for p in VECTOR_FILES]
    assert len(vectors) >= 30
    assert {v["expect"]["conflict"] for v in vectors} == {True, False}
    assert {v["expect"]["deleted"] for v in vectors} == {True, False}
    assert any(len(v["changes"]) == 3 for v in vectors)


@pytest.mark.parametrize("path", VECTOR_FILES, ids=[p.stem for p in VECTOR_FILES])
def test_vector_is_well_formed(path: Path) -> None:
    vector = load(path)
    assert vector["name"] == path.stem
    assert vector["description"]
    assert 1 <= len(vector["changes"]) <= 3
    initial = (vector["initial"] or {}).get("fields", {})
    hlcs = [f["hlc"] for f in initial.values()]
    hlcs += [f["hlc"] for c in vector["changes"] for f in c["fields"].values()]
    hlcs += [c["server_hlc"] for c in vector["changes"] if "server_hlc" in c]
    hlcs += [f["hlc"] for f in vector["expect"]["fields"].values()]
    bad = [h for h in hlcs if not is_valid_hlc(h)]
    assert not bad


@pytest.mark.parametrize("path", VECTOR_FILES, ids=[p.stem for p in VECTOR_FILES])
def test_vector_holds_in_every_arrival_order(path: Path) -> None:
    vector = load(path)
    expect = vector["expect"]
    want = {n: f for n, f in expect["fields"].items() if n != CONFLICT}
    for order in itertools.permutations(vector["changes"]):
        label = [(c["device"][-4:], sorted(c["fields"])) for c in order]
        final = replay(vector, order)
        got = {n: f for n, f in final.items() if n != CONFLICT}
        assert sorted(got) == sorted(want), label
        for name, field in want.items():
            assert got[name].hlc == field["hlc"], (label, name)
            assert json_equal(got[name].v, field["v"]), (label, name, got[name].v)
        assert is_deleted(final) is expect["deleted"], label
        conflict = final.get(CONFLICT)
        assert (conflict is not None and conflict.v is True) is expect["conflict"], label
