"""Property: whatever the journal and whatever the person chose to share, no record outside the
share's period or categories, and no private note, appears in the page, the FHIR Bundle or
the CSV (sharing.md: "a kind not listed appears nowhere").

Every record carries its own marker (in a tag, a note, a name or a question) and its id; the
three outputs are searched for the markers and ids of every record the scope leaves out.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.sharing.entries_csv import entries_csv
from backend.sharing.fhir import fhir_bundle
from backend.sharing.render import render_summary
from backend.sharing.scope import CATEGORIES, CHECKIN, NOTES, Scope, scoped
from backend.sharing.summary import build_summary
from backend.sync.read import JournalRecord
from tests.unit.treatment_helpers import rec

FIRST = date(2026, 1, 1)
DAYS = 120
TODAY = FIRST + timedelta(days=DAYS)
AS_OF = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
OFFSETS = ("-05:00", "+00:00", "+09:00")


class Entry(msgspec.Struct):
    record: JournalRecord
    marker: str
    # The day the person lived it (None: undated, or a medication's own dates).
    day: date | None
    # Text that may appear only when shared on purpose (a check-in note marked to share).
    private: str | None = None


def _at(day: date, hour: int, offset: str) -> str:
    return f"{day.isoformat()}T{hour:02d}:30:00{offset}"


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    kind = draw(st.sampled_from(["checkin", "sleep", "effect", "intake", "session",
                                 "medication", "question", "activity", "assessment"]))  # fmt: skip
    marker = f"mk{uuid.UUID(int=draw(st.integers(0, 2**64))).hex[-12:]}"
    day = FIRST + timedelta(days=draw(st.integers(0, DAYS - 1)))
    at = _at(day, draw(st.integers(0, 23)), draw(st.sampled_from(OFFSETS)))
    note = f"note-{marker}"
    values: dict[str, Any]
    if kind == "checkin":
        shared = draw(st.booleans())
        values = {"at": at, "mood": draw(st.integers(0, 10)), "tags": [marker], "note": note,
                  "share_note": shared}  # fmt: skip
        return Entry(rec(kind, values), marker, day, None if shared else note)
    if kind == "medication":
        stop = day + timedelta(days=draw(st.integers(1, 60)))
        values = {"name": marker, "dose": 50, "unit": "mg", "started_on": day.isoformat(),
                  "stopped_on": stop.isoformat(), "notes": note}  # fmt: skip
        return Entry(rec(kind, values), marker, None, note)
    if kind == "question":
        values = {"text": f"ask {marker}", "answered": draw(st.booleans())}
        return Entry(rec(kind, values), marker, None)
    values = {
        "sleep": {"night_of": day.isoformat(), "bed_at": at, "note": note},
        "effect": {"at": at, "name": marker, "severity": 2, "note": note},
        "intake": {"at": at, "kind": "alcohol", "amount": 2, "note": note},
        "session": {"at": at, "type": "esketamine", "dissociation": 4, "note": note},
        "activity": {"at": at, "minutes": 30, "kind": "walk"},
        "assessment": {"at": at, "instrument": "phq9", "answers": [1] * 9},
    }[kind]
    return Entry(rec(kind, values), marker, day, note)


@st.composite
def scopes(draw: st.DrawFn) -> Scope:
    start = FIRST + timedelta(days=draw(st.integers(0, DAYS - 1)))
    end = start + timedelta(days=draw(st.integers(0, DAYS)))
    chosen = draw(st.sets(st.sampled_from(CATEGORIES), min_size=1))
    if NOTES in chosen and CHECKIN not in chosen:
        chosen.discard(NOTES)  # the API refuses this (invalid-categories)
    return Scope(start, end, frozenset(chosen or {CHECKIN}))


def in_scope(entry: Entry, scope: Scope) -> bool:
    record = entry.record
    if record.kind not in scope.categories:
        return False
    if record.kind == "medication":
        started, stopped = record.values["started_on"], record.values["stopped_on"]
        return started <= scope.end.isoformat() and stopped > scope.start.isoformat()
    if record.kind == "question":
        return not record.values["answered"]
    assert entry.day is not None
    return scope.start <= entry.day <= scope.end


def outputs(records: list[JournalRecord], scope: Scope) -> dict[str, str]:
    shown = scoped(records, scope)
    summary = build_summary(shown, scope, today=TODAY, as_of=AS_OF)
    return {
        "page": render_summary(summary, base_path="/s/token"),
        "fhir": msgspec.json.encode(
            fhir_bundle(shown, summary.insights, scope=scope, as_of=AS_OF)
        ).decode(),
        "csv": entries_csv(shown),
    }


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entries(), min_size=1, max_size=25, unique_by=lambda e: e.marker), scopes())
def test_nothing_outside_the_scope_appears_in_the_page_fhir_or_csv(
    journal: list[Entry], scope: Scope
) -> None:
    texts = outputs([entry.record for entry in journal], scope)
    for entry in journal:
        shared = in_scope(entry, scope)
        secrets = [] if shared else [entry.marker, str(entry.record.record_id)]
        if entry.private is not None:
            secrets.append(entry.private)
        for name, text in texts.items():
            for secret in secrets:
                assert secret not in text, (name, entry.record.kind, entry.day, scope, secret)
        # The check can fail: every shared entry is in the raw entries, under its id.
        if shared:
            assert str(entry.record.record_id) in texts["csv"], (entry.record.kind, scope)
