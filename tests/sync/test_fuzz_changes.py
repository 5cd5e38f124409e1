"""Hypothesis fuzzing of POST /api/v1/sync: the envelope and a change of every record kind.

Values come from each kind's Struct (backend/journal/kinds.py, specs.py): a valid record of
the kind with some fields swapped for hostile ones (wrong types, huge and NUL texts, deep
nesting, NaN and Infinity as raw JSON tokens, integers past 64 bits, dates out of range),
unknown fields added, or the change itself malformed. The oracle, on both databases:

- the answer is a 4xx problem or a 200, never a 5xx;
- a 4xx changes nothing; in a 200 a change that is not `applied` leaves no trace in the
  records, and an `applied` one is whole: every field it carried is stored as sent;
- a valid neighbour in the same batch is applied whatever the fuzzed change is.

Example counts: TEND_TEST_SYNC_FUZZ_EXAMPLES (changes) and TEND_TEST_SYNC_FUZZ_ENVELOPES.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
import uuid
from collections import Counter
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar

from backend.app import create_app
from backend.journal.kinds import KINDS, SINGLETON_IDS
from backend.journal.specs import FIELD_SPECS
from backend.sync.hlc import Hlc, format_hlc, node_from_device_id
from tests.api.sync_helpers import DEVICE, envelope
from tests.conftest import http_client, make_test_settings, signup
from tests.unit.test_validate import VALID

T = TypeVar("T")

SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
CHANGE_EXAMPLES = int(os.environ.get("TEND_TEST_SYNC_FUZZ_EXAMPLES", "600"))
ENVELOPE_EXAMPLES = int(os.environ.get("TEND_TEST_SYNC_FUZZ_ENVELOPES", "200"))

NODE = node_from_device_id(DEVICE)
NEIGHBOUR = {"at": "2026-11-27T08:05:00+01:00", "mood": 5}


class Raw:
    """JSON text spliced into the body as is: tokens Python's json cannot write
    (1e400, -0.0e-999, NaN from other encoders) and nesting past its recursion limit."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text[:40]!r}{'...' if len(self.text) > 40 else ''})"


def encode(body: Any) -> bytes:
    """The body as JSON text; Raw values spliced in, NaN and Infinity written as tokens."""
    raws: dict[str, str] = {}

    def place(value: Any) -> Any:
        if isinstance(value, Raw):
            key = f"\u0001raw{len(raws)}\u0001"
            raws[key] = value.text
            return key
        if isinstance(value, dict):
            return {k: place(v) for k, v in value.items()}
        if isinstance(value, list):
            return [place(v) for v in value]
        return value

    text = json.dumps(place(body), allow_nan=True)
    for key, raw in raws.items():
        text = text.replace(json.dumps(key), raw)
    return text.encode()


def nested(depth: int, inner: str = "1") -> Raw:
    return Raw("[" * depth + inner + "]" * depth)


# Hostile JSON values: every JSON type, and the edges where decoders and databases differ.
TEXTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "\x00",
            "a\x00b",
            "\ud7ff\ue000\uffff",
            "x" * (33 * 1024),
            "é" * (17 * 1024),
            "0000-01-01",
            "9999-12-31",
            "10000-01-01",
            "2026-02-30",
            "0001-01-01T00:00:00+00:00",
            "9999-12-31T23:59:59-23:59",
            "2026-11-27T08:05:00+24:00",
            "2026-11-27T24:00:00Z",
            "99999-01-01T00:00:00Z",
            "2026-11-27T08:05:00.1234567891+01:00",
            "-2026-11-27",
            "Europe/../../etc/passwd",
            "00000000-0000-0000-0000-000000000000",
            "120/80",
        ]
    ),
)
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**30, -(10**30)]),
    st.floats(allow_nan=False, allow_infinity=False),
)
# Values of the right kind for some field of some kind, most likely the wrong one here.
PLAUSIBLE = st.sampled_from(
    sorted({json.dumps(v) for fields in VALID.values() for v in fields.values()})
).map(json.loads)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXTS, PLAUSIBLE)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# What no JSON encoder of Python writes: tokens past float range, NaN and Infinity (JSON has
# neither), and nesting far past the server's limit of 32 levels for a value.
RAW = st.sampled_from(
    [
        Raw("NaN"),
        Raw("Infinity"),
        Raw("-Infinity"),
        Raw("1e400"),
        Raw("-1e400"),
        Raw("1E-400"),
        Raw("-0.0"),
        Raw("1" * 400),
        Raw("0.1e999999"),
        nested(33),
        nested(200),
        nested(5000),
        Raw('{"a":' * 300 + "1" + "}" * 300),
    ]
)
# Mostly values a reader can take, so most examples reach the per-field rules.
HOSTILE = st.one_of(JSON_VALUES, PLAUSIBLE, JSON_VALUES, RAW)
FIELD_NAMES = st.one_of(
    st.sampled_from(["zz_new", "_deleted", "_conflict", "_created_at", "_other", "Mood", "a\x00"]),
    st.text(max_size=70),
)
UUIDS = st.uuids().map(str)


class Driver:
    """The real app on its own event loop (Hypothesis drives the examples synchronously)."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.app: Litestar = create_app(make_test_settings(url))
        self.lifespan = self.app.state.lifespan(self.app)
        self.run(self.lifespan.__aenter__())
        self.client = http_client(self.app)
        self.run(signup(self.client, "fuzz", device_id=DEVICE))
        self.clock = int(datetime.now(UTC).timestamp() * 1000)
        # What the examples got (shown with -s): HTTP status, or the first change's status.
        self.outcomes: Counter[str] = Counter()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def close(self) -> None:
        try:
            self.run(self.client.aclose())
            self.run(self.lifespan.__aexit__(None, None, None))
        finally:
            self.loop.close()

    def hlc(self) -> str:
        """A clock newer than every earlier example's: an applied change wins every field."""
        self.clock += 1
        return format_hlc(Hlc(self.clock, 0, NODE))

    def post(self, body: bytes) -> httpx.Response:
        return self.run(
            self.client.post(
                "/api/v1/sync", content=body, headers={"content-type": "application/json"}
            )
        )

    def records(self) -> dict[str, dict[str, Any]]:
        """Every stored record by id (fields as pulled), straight from a pull from 0."""
        out: dict[str, dict[str, Any]] = {}
        cursor = 0
        while True:
            response = self.post(encode(envelope([], cursor=cursor, pull_limit=1000)))
            assert response.status_code == 200, response.text
            body = response.json()
            out.update({r["id"]: r for r in body["records"]})
            if not body["has_more"]:
                return out
            cursor = body["next_cursor"]


@pytest.fixture
def driver(database_url: str) -> Iterator[Driver]:
    running = Driver(database_url)
    try:
        yield running
    finally:
        running.close()


def _record_id(kind: str) -> str:
    return SINGLETON_IDS.get(kind, str(uuid.uuid4()))


@st.composite
def fuzzed_fields(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """A valid change of `kind` with some fields replaced, dropped or added."""
    fields = dict(VALID[kind])
    names = sorted(FIELD_SPECS[kind])
    for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
        if draw(st.booleans()):
            fields[name] = draw(HOSTILE)
        else:
            fields.pop(name, None)
    for name, value in draw(st.dictionaries(FIELD_NAMES, HOSTILE, max_size=2)).items():
        fields[name] = value
    return fields


def _change(record_id: str, kind: str, fields: dict[str, Any], hlc: str) -> dict[str, Any]:
    return {
        "change_id": str(uuid.uuid4()),
        "record_id": record_id,
        "kind": kind,
        "schema_version": 1,
        "base_seq": 0,
        "fields": {name: {"v": value, "hlc": hlc} for name, value in fields.items()},
    }


# Ways to break the change itself rather than a value in it (one example in five).
BREAKS = st.one_of(
    st.tuples(
        st.sampled_from(["change_id", "record_id", "kind", "schema_version", "base_seq", "fields"]),
        st.one_of(st.just(KeyError), HOSTILE, UUIDS),
    ),
    st.tuples(st.just("hlc"), st.one_of(TEXTS, NUMBERS, st.none())),
    st.tuples(st.just("entry"), HOSTILE),
    st.tuples(st.just("whole"), HOSTILE),
)
MAYBE_BREAK = st.integers(0, 4).flatmap(lambda n: BREAKS if n == 0 else st.none())


def _break(change: dict[str, Any], how: Any) -> Any:
    if how is None:
        return change
    where, value = how
    if where == "whole":
        return value
    if where == "hlc":
        for entry in change["fields"].values():
            entry["hlc"] = value
    elif where == "entry":
        name = next(iter(change["fields"]), "mood")
        change["fields"][name] = value
    elif value is KeyError:
        del change[where]
    else:
        change[where] = value
    return change


def loads(body: bytes) -> Any:
    """The body as a JSON reader sees it (Python's own, which keeps NaN); deep enough for
    the 5,000 levels of nesting some examples send."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        return json.loads(body)
    finally:
        sys.setrecursionlimit(limit)


def check_outcome(
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    response: httpx.Response,
    sent: list[Any],
    neighbour: int | None,
    outcomes: Counter[str],
) -> None:
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert after == before, "a refused request changed the records"
        return
    results = response.json()["results"]
    if results:
        error = results[0].get("error", {}).get("code", "")
        outcomes[f"{results[0]['status']} {error}".strip()] += 1
    assert len(results) == len(sent), results
    touched: set[str] = set()
    for change, result in zip(sent, results, strict=True):
        record_id = change.get("record_id") if isinstance(change, dict) else None
        if result["status"] != "applied":
            assert result["status"] in {"rejected", "retry"}, result
            continue
        assert isinstance(record_id, str)
        touched.add(record_id)
        stored = after[record_id]["fields"]
        for name, entry in change["fields"].items():
            # Whole: every field as sent (JSON-equal; NaN never equals, so never applied).
            assert stored.get(name) == entry, (name, stored.get(name), entry)
        assert after[record_id]["kind"] == change["kind"]
    for record_id in set(before) | set(after):
        if record_id not in touched:
            assert after.get(record_id) == before.get(record_id), f"{record_id} changed"
    if neighbour is not None:
        assert results[neighbour]["status"] == "applied", results[neighbour]


def test_fuzzed_changes_are_rejected_or_applied_whole(driver: Driver) -> None:
    @settings(SETTINGS, max_examples=CHANGE_EXAMPLES)
    @given(
        kind=st.sampled_from(sorted(KINDS)),
        data=st.data(),
        how=MAYBE_BREAK,
        with_neighbour=st.booleans(),
    )
    def one_example(kind: str, data: st.DataObject, how: Any, with_neighbour: bool) -> None:
        hlc = driver.hlc()
        fields = data.draw(fuzzed_fields(kind))
        fuzzed = _break(_change(_record_id(kind), kind, fields, hlc), how)
        changes = [fuzzed]
        neighbour = None
        if with_neighbour:
            changes.append(_change(str(uuid.uuid4()), "checkin", NEIGHBOUR, hlc))
            neighbour = 1
        body = encode(envelope(changes))
        before = driver.records()
        response = driver.post(body)
        sent = loads(body)["changes"]
        driver.outcomes[str(response.status_code)] += 1
        check_outcome(before, driver.records(), response, sent, neighbour, driver.outcomes)

    one_example()
    print(f"changes: {sorted(driver.outcomes.items())}")


ENVELOPE_FIELDS = ["protocol", "device_id", "schema_version", "epoch", "cursor", "changes"]
ENVELOPE_FIELDS += ["pull_limit", "client_time"]


def test_fuzzed_envelopes_are_4xx_or_200_and_refused_ones_change_nothing(
    driver: Driver,
) -> None:
    @settings(SETTINGS, max_examples=ENVELOPE_EXAMPLES)
    @given(
        replaced=st.dictionaries(
            st.sampled_from(ENVELOPE_FIELDS),
            st.one_of(HOSTILE, UUIDS, st.integers(-2, 2000), st.none()),
            max_size=2,
        ),
        dropped=st.lists(st.sampled_from(ENVELOPE_FIELDS), max_size=1),
        # Unknown envelope keys from a newer client are ignored, whatever their value.
        extra=st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=2),
        whole=st.integers(0, 9).flatmap(lambda n: HOSTILE if n == 0 else st.none()),
    )
    def one_example(
        replaced: dict[str, Any], dropped: list[str], extra: dict[str, Any], whole: Any
    ) -> None:
        change = _change(str(uuid.uuid4()), "checkin", NEIGHBOUR, driver.hlc())
        body: Any = {**envelope([change]), **extra, **replaced}
        for name in dropped:
            body.pop(name, None)
        if whole is not None:
            body = whole
        raw = encode(body)
        before = driver.records()
        response = driver.post(raw)
        after = driver.records()
        driver.outcomes[str(response.status_code)] += 1
        parsed = loads(raw)
        sent = parsed.get("changes", []) if isinstance(parsed, dict) else []
        check_outcome(before, after, response, sent, None, driver.outcomes)

    one_example()
    print(f"envelopes: {sorted(driver.outcomes.items())}")


def test_nan_and_infinity_tokens_never_reach_the_records(driver: Driver) -> None:
    """JSON has no NaN: the tokens other encoders write are refused, never stored."""
    for token in ("NaN", "Infinity", "-Infinity", "1e400", "-1e400"):
        hlc = driver.hlc()
        change = _change(str(uuid.uuid4()), "measurement", {**VALID["measurement"]}, hlc)
        change["fields"]["value"]["v"] = Raw(token)
        response = driver.post(encode(envelope([change])))
        assert response.status_code < 500, response.text
        if response.status_code == 200:
            assert response.json()["results"][0]["status"] == "rejected", response.text
        stored = driver.records()
        assert change["record_id"] not in stored
        assert all(
            not (isinstance(f["v"], float) and not math.isfinite(f["v"]))
            for r in stored.values()
            for f in r["fields"].values()
        )
