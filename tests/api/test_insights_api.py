"""GET /api/v1/insights against the real app on SQLite and PostgreSQL: a journal pushed
through sync comes back as the trial facts a person and their clinician would read."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from litestar import Litestar

from tests.api.sync_helpers import change, hlc_at, sync
from tests.conftest import new_client, signup

MED = str(uuid.uuid4())
ROUTINE = str(uuid.uuid4())
PHQ9_LATER = str(uuid.uuid4())
PERIOD = "/api/v1/insights?from=2026-10-01&to=2026-11-30"


def _record(kind: str, values: dict[str, Any], record_id: str | None = None) -> dict[str, Any]:
    return change(record_id or str(uuid.uuid4()), values, kind=kind)


def sertraline_journal() -> list[dict[str, Any]]:
    """50 mg from 1 October, 100 mg from 15 October, a daily 08:00 routine, doses taken on
    the 30 days of October 1-30 and one skipped, a PHQ-9 of 18 before and 8 after."""
    med = {
        "name": "Sertraline",
        "role": "antidepressant",
        "unit": "mg",
        "started_on": "2026-10-01",
        "dose_changes": [
            {"on": "2026-10-01", "dose": 50, "unit": "mg"},
            {"on": "2026-10-15", "dose": 100, "unit": "mg"},
        ],
    }
    routine = {
        "kind": "medication",
        "title": "Morning",
        "times": ["08:00"],
        "tz": "UTC",
        "medication_id": MED,
    }
    changes = [_record("medication", med, MED), _record("routine", routine, ROUTINE)]
    for day in range(30):
        at = (date(2026, 10, 1) + timedelta(days=day)).isoformat() + "T08:10:00+00:00"
        dose = {"medication_id": MED, "at": at, "status": "taken", "amount": 50}
        changes.append(_record("dose", dose))
    skipped = {"medication_id": MED, "at": "2026-10-31T08:00:00+00:00", "status": "skipped"}
    changes.append(_record("dose", skipped))
    before = {"at": "2026-09-28T20:00:00+01:00", "instrument": "phq9", "answers": [2] * 9}
    after = {"at": "2026-11-20T20:00:00+00:00", "instrument": "phq9", "answers": [1] * 8 + [0]}
    changes.append(_record("assessment", before))
    changes.append(_record("assessment", {**after, "difficulty": 2}, PHQ9_LATER))
    return changes


async def signed_up(app: Litestar, name: str) -> httpx.AsyncClient:
    client = await new_client(app)
    await signup(client, name)
    return client


async def test_a_trial_reads_as_its_dose_steps_weeks_adherence_and_phq9_change(
    app: Litestar,
) -> None:
    alice = await signed_up(app, "alice")
    body = await sync(alice, sertraline_journal())
    assert {r["status"] for r in body["results"]} == {"applied"}

    response = await alice.get(PERIOD)
    assert response.status_code == 200, response.text
    insights = response.json()
    assert (insights["from"], insights["to"]) == ("2026-10-01", "2026-11-30")
    [trial] = insights["trials"]
    assert trial["medication_id"] == MED
    assert trial["dose_steps"] == [
        {"from": "2026-10-01", "dose": 50, "unit": "mg"},
        {"from": "2026-10-15", "dose": 100, "unit": "mg"},
    ]
    assert trial["max_dose"] == 100
    assert trial["weeks_at_max_dose"] == 6.6  # 15 Oct to 30 Nov: 46 days / 7
    assert trial["adherence_pct"] == 49.2  # 30 taken of 61 scheduled 08:00 doses
    assert (trial["phq9_start"], trial["phq9_latest"]) == (18, 8)
    assert trial["phq9_change_pct"] == -55.6  # (8 - 18) / 18
    assert (trial["response"], trial["remission"]) == (True, False)
    assert (trial["reached_4_weeks"], trial["reached_6_weeks"]) == (True, True)
    assert trial["below_min_dose"] is False
    assert insights["phq9"] == [
        {"at": "2026-11-20T20:00:00+00:00", "total": 8, "band": "mild", "item9": 0}
    ]
    facts = insights["referral_facts"]
    # The item-9 answer of 28 September is before the period: not listed.
    assert facts["item9_positive_dates"] == []
    assert facts["difficulty_very_or_extreme"] is True
    assert facts["trials_6w_under_25pct"] == 0  # a 55.6 % reduction is not "under 25 %"
    # 31 days with a dose or a PHQ-9 (1-31 October) and 20 November: 32 of 61 days.
    assert insights["completeness_pct"] == 52.5


async def test_a_deleted_entry_no_longer_counts(app: Litestar) -> None:
    alice = await signed_up(app, "alice")
    await sync(alice, sertraline_journal())
    gone = change(PHQ9_LATER, {"_deleted": True}, kind="assessment", hlc=hlc_at())
    assert (await sync(alice, [gone]))["results"][0]["status"] == "applied"

    [trial] = (await alice.get(PERIOD)).json()["trials"]
    assert (trial["phq9_start"], trial["phq9_latest"], trial["phq9_change_pct"]) == (18, None, None)
    assert trial["response"] is None


async def test_insights_are_only_ever_the_persons_own(app: Litestar) -> None:
    alice = await signed_up(app, "alice")
    await sync(alice, sertraline_journal())
    bob = await signed_up(app, "bob")
    insights = (await bob.get(PERIOD)).json()
    assert insights["trials"] == [] and insights["phq9"] == []
    assert insights["completeness_pct"] == 0.0
    assert (await (await new_client(app)).get(PERIOD)).status_code == 401


async def test_without_dates_the_last_90_days_up_to_today(app: Litestar) -> None:
    alice = await signed_up(app, "alice")
    insights = (await alice.get("/api/v1/insights")).json()
    today = datetime.now(UTC).date()  # no profile zone set: UTC
    assert insights["to"] in {today.isoformat(), (today + timedelta(days=1)).isoformat()}
    span = date.fromisoformat(insights["to"]) - date.fromisoformat(insights["from"])
    assert span == timedelta(days=89)
    # One date alone is the 90 days from it (even ones still to come), never a 400.
    later = (await alice.get("/api/v1/insights?from=2030-01-01")).json()
    assert (later["from"], later["to"]) == ("2030-01-01", "2030-03-31")
    assert later["completeness_pct"] is None  # none of those days has happened yet


async def test_a_period_that_cannot_be_read_is_a_clear_400(app: Litestar) -> None:
    alice = await signed_up(app, "alice")
    for query, code in (
        ("from=2026-11-30&to=2026-10-01", "invalid-period"),
        ("from=2000-01-01&to=2026-10-01", "invalid-period"),
        ("from=2026-13-01&to=2026-10-01", "invalid-request"),
        ("from=yesterday", "invalid-request"),
    ):
        response = await alice.get(f"/api/v1/insights?{query}")
        assert response.status_code == 400, query
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == code, query
