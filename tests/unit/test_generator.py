"""The synthetic journal: valid records telling a coherent story, and the demo account."""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from backend.app import create_app
from backend.demo.account import DEMO_PASSPHRASE, DemoAccountExists, create_demo_account
from backend.demo.generator import GeneratedRecord, generate_journal, to_changes
from backend.journal.kinds import PROFILE_ID, SAFETY_PLAN_ID
from backend.journal.validate import is_complete, validate_change
from backend.services import build_services
from backend.sync.hlc import parse_hlc
from tests.conftest import http_client, make_test_settings

START = date(2026, 1, 5)
DEVICE = "0190c3e4-7f1a-7b2c-9d3e-4f5a6b7c8d9e"


@pytest.fixture(scope="module")
def year() -> list[GeneratedRecord]:
    return generate_journal(start=START, days=365, tz="Europe/London", seed=1)


def by_kind(records: list[GeneratedRecord], kind: str) -> list[dict[str, Any]]:
    return [r.values for r in records if r.kind == kind]


def medication(records: list[GeneratedRecord], name: str) -> GeneratedRecord:
    [found] = [r for r in records if r.kind == "medication" and r.values["name"] == name]
    return found


@pytest.mark.parametrize("tz", ["Europe/London", "America/New_York", "Asia/Kolkata"])
def test_a_year_of_records_passes_validation_and_is_complete(tz: str) -> None:
    records = generate_journal(start=START, days=365, tz=tz, seed=5)
    assert len(records) > 2000
    for record in records:
        error = validate_change(kind=record.kind, record_id=record.record_id, fields=record.values)
        assert error is None, (record, error)
        assert is_complete(record.kind, record.values), record


def test_same_seed_same_journal_other_seed_other_journal() -> None:
    first = generate_journal(start=START, days=60, seed=9)
    assert generate_journal(start=START, days=60, seed=9) == first
    assert generate_journal(start=START, days=60, seed=10) != first


def test_ids_are_unique_and_sort_in_the_order_records_were_logged(
    year: list[GeneratedRecord],
) -> None:
    ids = [r.record_id for r in year if r.record_id not in (PROFILE_ID, SAFETY_PLAN_ID)]
    assert len(set(ids)) == len(ids) == len(year) - 2
    assert ids == sorted(ids)
    assert [r.logged_ms for r in year] == sorted(r.logged_ms for r in year)
    assert {r.kind for r in year if r.record_id == PROFILE_ID} == {"profile"}


def test_local_times_carry_the_offset_in_force_that_day(year: list[GeneratedRecord]) -> None:
    checkins = by_kind(year, "checkin")
    winter = [c["at"] for c in checkins if c["at"].startswith("2026-01-2")]
    summer = [c["at"] for c in checkins if c["at"].startswith("2026-07-2")]
    assert winter and all(at.endswith("+00:00") for at in winter)
    assert summer and all(at.endswith("+01:00") for at in summer)


def test_every_day_has_check_ins_and_nightly_sleep_most_days(year: list[GeneratedRecord]) -> None:
    checkin_days = {c["at"][:10] for c in by_kind(year, "checkin")}
    nights = by_kind(year, "sleep")
    assert 270 <= len(checkin_days) <= 365
    assert 270 <= len(nights) <= 364
    moods = [c["mood"] for c in by_kind(year, "checkin")]
    assert min(moods) <= 1 and max(moods) >= 7  # bad stretches and better days
    bedtimes = [int(n["bed_at"][11:13]) for n in nights]
    assert statistics.pstdev(bedtimes) > 0.3  # regularity varies
    tags = Counter(t for c in by_kind(year, "checkin") for t in c.get("tags", []))
    assert {"Work", "Poor sleep", "Conflict", "Alcohol"} <= set(tags)
    assert any(c.get("elevated", 0) >= 4 for c in by_kind(year, "checkin"))


def test_the_treatment_story_is_told(year: list[GeneratedRecord]) -> None:
    sertraline = medication(year, "Sertraline").values
    assert [step["dose"] for step in sertraline["dose_changes"]][:3] == [50, 100, 150]
    assert sertraline["stop_reason"] == "no_effect"
    assert sertraline["stopped_on"] > sertraline["started_on"]
    venlafaxine = medication(year, "Venlafaxine XL").values
    aripiprazole = medication(year, "Aripiprazole").values
    assert venlafaxine["started_on"] < sertraline["stopped_on"]  # cross-taper
    assert "stopped_on" not in venlafaxine
    assert aripiprazole["role"] == "augmentation"
    assert aripiprazole["started_on"] > venlafaxine["started_on"]
    sessions = by_kind(year, "session")
    esketamine = [s for s in sessions if s["type"] == "esketamine"]
    assert 4 <= len(esketamine) <= 12
    assert all("bp_before" in s and "bp_after" in s and "dissociation" in s for s in esketamine)
    assert {lab["test"] for lab in by_kind(year, "lab")} >= {"tsh", "vitamin_d"}
    effects = by_kind(year, "effect")
    assert {e["name"] for e in effects} >= {"nausea", "withdrawal"}


def test_doses_follow_routines_of_active_medications(year: list[GeneratedRecord]) -> None:
    meds = {r.record_id: r.values for r in year if r.kind == "medication"}
    routines = {r.record_id: r.values for r in year if r.kind == "routine"}
    doses = by_kind(year, "dose")
    statuses = Counter(d["status"] for d in doses)
    assert statuses["taken"] > 10 * statuses["skipped"] > 0
    for dose in doses:
        med = meds[dose["medication_id"]]
        day = dose["at"][:10]
        assert med["started_on"] <= day < med.get("stopped_on", "9999")
        if "routine_id" in dose:
            routine = routines[dose["routine_id"]]
            assert routine["medication_id"] == dose["medication_id"]
            assert dose["occurrence"].startswith(f"{dose['routine_id']}@{day}T08:00+0")
    sertraline_routine = next(
        r
        for r in routines.values()
        if r.get("medication_id") == medication(year, "Sertraline").record_id
    )
    assert sertraline_routine["enabled"] is False
    assert {r["kind"] for r in routines.values()} == {"medication", "sleep", "movement", "checkin"}


def test_phq9_every_two_weeks_tracks_mood(year: list[GeneratedRecord]) -> None:
    phq = by_kind(year, "assessment")
    # A baseline on the first day (a trial's PHQ-9 at start), then one every two weeks.
    assert len(phq) == 1 + 365 // 14
    dates = [date.fromisoformat(a["at"][:10]) for a in phq]
    assert dates[0] == START
    assert all(13 <= (b - a).days <= 15 for a, b in itertools.pairwise(dates[1:]))
    assert any(a["answers"][8] > 0 for a in phq)
    checkins = by_kind(year, "checkin")
    # The worst fortnight by PHQ-9 has lower moods than the best one.
    worst = max(phq, key=lambda a: sum(a["answers"]))
    best = min(phq, key=lambda a: sum(a["answers"]))

    def mood_before(assessment: dict[str, Any]) -> float:
        end = date.fromisoformat(assessment["at"][:10])
        return statistics.fmean(
            c["mood"] for c in checkins if 0 <= (end - date.fromisoformat(c["at"][:10])).days < 14
        )

    assert mood_before(worst) < mood_before(best)


def test_to_changes_makes_creating_changes_with_increasing_hlcs(
    year: list[GeneratedRecord],
) -> None:
    now_ms = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp() * 1000)
    changes = to_changes(year, DEVICE, now_ms)
    assert len(changes) == len(year)
    assert len({c["change_id"] for c in changes}) == len(changes)
    stamps = []
    for change, record in zip(changes, year, strict=True):
        assert change["record_id"] == record.record_id and change["base_seq"] == 0
        assert {k: f["v"] for k, f in change["fields"].items()} == record.values
        [stamp] = {f["hlc"] for f in change["fields"].values()}
        stamps.append(stamp)
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    # Records logged after `now` still get HLCs the server accepts (not minutes ahead).
    assert parse_hlc(stamps[-1]).millis <= now_ms + 1
    assert all(s.endswith("9d3e4f5a6b7c8d9e") for s in stamps)


async def test_demo_account_syncs_every_record_to_a_new_device(tmp_path: Path) -> None:
    settings = make_test_settings(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    username, passphrase, count = await create_demo_account(
        build_services(settings), username="Demo", days=60, now=now
    )
    assert (username, passphrase) == ("demo", DEMO_PASSPHRASE)
    expected = generate_journal(start=date(2026, 9, 28), days=60, seed=2026)
    assert count == len(expected)
    with pytest.raises(DemoAccountExists, match="already exists"):
        await create_demo_account(build_services(settings), username="demo", days=5, now=now)

    app = create_app(settings)
    async with app.state.lifespan(app), http_client(app) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"username": "demo", "passphrase": passphrase}
        )
        assert login.status_code == 200, login.text
        pulled: dict[str, Any] = {}
        cursor, pages = 0, 0
        while True:
            response = await client.post(
                "/api/v1/sync",
                json={
                    "protocol": 1,
                    "device_id": login.json()["device_id"],
                    "schema_version": 1,
                    "epoch": None,
                    "cursor": cursor,
                    "changes": [],
                    "pull_limit": 1000,
                },
            )
            assert response.status_code == 200, response.text
            body = msgspec.json.decode(response.content)
            pulled.update({r["id"]: r for r in body["records"]})
            cursor, pages = body["next_cursor"], pages + 1
            if not body["has_more"]:
                break
        # Each record's history is the one change the demo device pushed, as after a real sync.
        dose = next(r for r in expected if r.kind == "dose")
        history = (await client.get(f"/api/v1/records/{dose.record_id}/history")).json()
        assert [entry["status"] for entry in history] == ["applied"]
        assert history[0]["device_id"] != login.json()["device_id"]
    assert pages == math.ceil(count / 1000)
    assert len(pulled) == count
    for record in expected:
        got = pulled[record.record_id]
        assert got["kind"] == record.kind and not got["deleted"]
        assert {name: field["v"] for name, field in got["fields"].items()} == record.values
