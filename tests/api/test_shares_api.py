"""Clinician share links against the real app on SQLite and PostgreSQL (sharing.md).

A person makes a link for a period and categories; a clinician without an account opens the
page, the FHIR Bundle and the CSV; nothing outside the scope appears in any of them; the
person sees each access and turns the link off; a dead link is the same 404 as a made-up one.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.db import execute
from tests.api.sync_helpers import change, sync
from tests.conftest import http_client, new_client, signup

PROFILE = "00000000-0000-0000-0000-000000000001"
PERIOD = {"from": "2026-10-01", "to": "2026-10-31"}
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _rec(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    return change(str(uuid.uuid4()), values, kind=kind)


def journal() -> list[dict[str, Any]]:
    """October inside the period, September and November outside; every text is a marker
    that must appear only where the scope allows it."""
    return [
        change(PROFILE, {"display_name": "Robin Example", "tz": "UTC"}, kind="profile"),
        _rec("checkin", {"at": "2026-10-05T09:00:00+00:00", "mood": 3, "tags": ["tag-inside"],
                         "note": "SHAREDNOTE-in", "share_note": True}),
        _rec("checkin", {"at": "2026-10-06T09:00:00+00:00", "mood": 4,
                         "note": "PRIVATENOTE-in", "share_note": False}),
        _rec("checkin", {"at": "2026-09-20T09:00:00+00:00", "mood": 9, "tags": ["tag-before"],
                         "note": "SHAREDNOTE-before", "share_note": True}),
        _rec("checkin", {"at": "2026-11-02T09:00:00+00:00", "mood": 8, "tags": ["tag-after"]}),
        # 23:30 on 31 October in its own offset is still October for the person.
        _rec("checkin", {"at": "2026-10-31T23:30:00-05:00", "mood": 5, "tags": ["tag-lastday"]}),
        _rec("sleep", {"night_of": "2026-10-10", "bed_at": "2026-10-10T23:00:00+00:00",
                       "wake_at": "2026-10-11T07:00:00+00:00", "note": "SLEEPNOTE"}),
        _rec("assessment", {"at": "2026-10-03T20:00:00+00:00", "instrument": "phq9",
                            "answers": [2, 2, 2, 2, 2, 2, 1, 1, 1]}),
        _rec("assessment", {"at": "2026-09-01T20:00:00+00:00", "instrument": "phq9",
                            "answers": [3, 3, 3, 3, 3, 3, 3, 3, 0]}),
        _rec("effect", {"at": "2026-10-08T10:00:00+00:00", "name": "nausea-marker",
                        "severity": 2, "note": "EFFECTNOTE"}),
        _rec("intake", {"at": "2026-10-09T19:00:00+00:00", "kind": "other",
                        "note": "=HYPERLINK(\"x\")"}),
    ]  # fmt: skip


MARKERS_NEVER = ("PRIVATENOTE-in", "SHAREDNOTE-before", "tag-before", "tag-after", "SLEEPNOTE",
                 "EFFECTNOTE", "HYPERLINK")  # fmt: skip


async def person(app: Litestar, name: str = "robin") -> httpx.AsyncClient:
    client = await new_client(app)
    await signup(client, name)
    body = await sync(client, journal())
    assert {r["status"] for r in body["results"]} == {"applied"}, [
        r for r in body["results"] if r["status"] != "applied"
    ]
    return client


async def create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/shares", json={**PERIOD, **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def path_of(url: str) -> str:
    return "/s/" + url.rsplit("/s/", 1)[1]


async def clinician(app: Litestar) -> httpx.AsyncClient:
    return http_client(app)


async def test_a_clinician_opens_the_summary_of_exactly_what_was_shared(app: Litestar) -> None:
    robin = await person(app)
    created = await create(robin, categories=["checkin", "assessment", "effect", "notes"])
    assert created["url"].startswith("http://127.0.0.1:8000/s/")
    token = created["url"].rsplit("/", 1)[1]
    assert len(token) >= 22, "at least 128 random bits"
    assert created["qr_svg"].lstrip().startswith("<svg")

    doctor = await clinician(app)
    page = await doctor.get(path_of(created["url"]), headers={"user-agent": IPHONE})
    assert page.status_code == 200
    html = page.text
    assert "Robin Example" in html
    assert "SHAREDNOTE-in" in html and "tag-inside" in html and "tag-lastday" in html
    assert "nausea-marker" in html
    for marker in MARKERS_NEVER:
        assert marker not in html, marker
    assert "Nobody is alerted" in html or "nobody is alerted" in html
    assert "not clinically verified" in html


async def test_share_pages_are_private_strict_and_never_cached(app: Litestar) -> None:
    robin = await person(app)
    url = path_of((await create(robin))["url"])
    doctor = await clinician(app)
    for path in (url, f"{url}/fhir", f"{url}/csv", "/s/unknown-token-aaaaaaaaaa"):
        response = await doctor.get(path)
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["referrer-policy"] == "no-referrer", path
        assert "noindex" in response.headers["x-robots-tag"], path
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "unsafe-inline" not in csp, path
        assert "script-src" not in csp or "'none'" in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert "set-cookie" not in response.headers, path


async def test_the_fhir_bundle_and_csv_hold_only_the_scope(app: Litestar) -> None:
    robin = await person(app)
    url = path_of((await create(robin, categories=["checkin", "assessment"]))["url"])
    doctor = await clinician(app)

    fhir = await doctor.get(f"{url}/fhir")
    assert fhir.status_code == 200
    assert fhir.headers["content-type"].startswith("application/fhir+json")
    bundle = fhir.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert "Procedure" not in kinds
    totals = [
        entry["resource"]["valueQuantity"]["value"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "Observation"
        and any(c.get("code") == "44261-6" for c in entry["resource"]["code"].get("coding", []))
    ]
    assert totals == [15], "only October's PHQ-9 (total 15), not September's 24"
    text = fhir.text
    for marker in (*MARKERS_NEVER, "nausea-marker", "93832-4"):
        assert marker not in text, marker

    response = await doctor.get(f"{url}/csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {row["kind"] for row in rows} == {"checkin", "assessment"}
    assert all("2026-10-01" <= row["date"] <= "2026-10-31" for row in rows)
    assert {row["value"] for row in rows if row["field"] == "mood"} == {"3", "4", "5"}
    for marker in (*MARKERS_NEVER, "SHAREDNOTE-in"):
        assert marker not in response.text, marker


async def test_a_spreadsheet_never_runs_a_shared_value_as_a_formula(app: Litestar) -> None:
    robin = await person(app)
    await sync(robin, [_rec("checkin", {"at": "2026-10-12T09:00:00+00:00", "mood": 5,
                                        "tags": ["=1+1"], "note": "=cmd|' /C calc'!A0",
                                        "share_note": True})])  # fmt: skip
    url = path_of((await create(robin, categories=["checkin", "notes"]))["url"])
    rows = list(csv.DictReader(io.StringIO((await (await clinician(app)).get(f"{url}/csv")).text)))
    notes = [row["value"] for row in rows if row["field"] == "note"]
    assert "'=cmd|' /C calc'!A0" in notes
    assert all(not row["value"].startswith(("=", "+", "@")) for row in rows)


async def test_unknown_expired_revoked_and_odd_paths_are_the_same_404(app: Litestar) -> None:
    robin = await person(app)
    revoked = path_of((await create(robin))["url"])
    expired_share = await create(robin)
    expired = path_of(expired_share["url"])
    doctor = await clinician(app)
    assert (await doctor.get(revoked)).status_code == 200

    shares = (await robin.get("/api/v1/shares")).json()
    revoked_id = next(s["id"] for s in shares if s["id"] != expired_share["id"])
    assert (await robin.delete(f"/api/v1/shares/{revoked_id}")).status_code == 204
    await execute(
        app.state.services.engine,
        "UPDATE share SET expires_at = {} WHERE id = {}",
        datetime.now(UTC) - timedelta(seconds=1),
        uuid.UUID(expired_share["id"]),
    )

    answers = [
        await doctor.get(path)
        for path in (revoked, expired, "/s/" + "A" * 24, f"{revoked}/fhir", f"{expired}/csv",
                     "/s/", "/s/a/b/c", "/s/%00")
    ]  # fmt: skip
    assert {r.status_code for r in answers} == {404}
    assert len({r.content for r in answers}) == 1, "byte-identical: no oracle"
    assert {r.headers["content-type"] for r in answers} == {"text/html; charset=utf-8"}
    assert b"problem" not in answers[0].content

    statuses = {s["id"]: s["status"] for s in (await robin.get("/api/v1/shares")).json()}
    assert statuses == {revoked_id: "revoked", expired_share["id"]: "expired"}


async def test_the_person_sees_each_access_with_a_coarse_device(app: Litestar) -> None:
    robin = await person(app)
    url = path_of((await create(robin, label="Dr Lee, December visit"))["url"])
    doctor = await clinician(app)
    await doctor.get(url, headers={"user-agent": IPHONE})
    await doctor.get(f"{url}/fhir", headers={"user-agent": "curl/8.5.0"})

    [share] = (await robin.get("/api/v1/shares")).json()
    assert share["label"] == "Dr Lee, December visit"
    assert (share["from"], share["to"]) == ("2026-10-01", "2026-10-31")
    assert share["status"] == "active" and share["has_passcode"] is False
    assert "notes" not in share["categories"] and "checkin" in share["categories"]
    assert [(a["agent"], a["what"]) for a in share["accesses"]] == [
        ("A program", "fhir"),
        ("Safari on iPhone", "summary"),
    ]
    assert "url" not in share, "the link is shown once, at creation"


async def test_a_passcode_is_asked_for_and_ten_wrong_codes_lock_the_link(app: Litestar) -> None:
    robin = await person(app)
    url = path_of((await create(robin, passcode="4711"))["url"])
    doctor = await clinician(app)

    asked = await doctor.get(url)
    assert asked.status_code == 401
    assert 'name="passcode"' in asked.text and "Robin Example" not in asked.text
    assert (await doctor.get(f"{url}/fhir")).status_code == 401

    right = await doctor.post(url, data={"passcode": "4711"})
    assert right.status_code == 303
    assert right.headers["location"] == url
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and f"Path={url}" in cookie
    page = await doctor.get(url)
    assert page.status_code == 200 and "Robin Example" in page.text

    other = await clinician(app)
    for attempt in range(10):
        wrong = await other.post(url, data={"passcode": f"000{attempt}"})
        assert wrong.status_code == 401, attempt
        assert "not right" in wrong.text
    assert (await other.post(url, data={"passcode": "4711"})).status_code == 404
    assert (await doctor.get(url)).status_code == 404, "locked for everyone"
    [share] = (await robin.get("/api/v1/shares")).json()
    assert share["status"] == "locked"
    assert [a["what"] for a in share["accesses"]].count("wrong-code") == 10


async def test_guessing_links_is_limited_per_address(settings_factory: Any) -> None:
    app = create_app(settings_factory(share_guess_limit=3))
    async with app.state.lifespan(app):
        robin = await person(app)
        url = path_of((await create(robin))["url"])
        guesser = await clinician(app)
        for n in range(3):
            assert (await guesser.get(f"/s/guess-{n:020d}")).status_code == 404
        limited = await guesser.get(url)
        assert limited.status_code == 429, "even a real link, so guesses learn nothing"
        assert int(limited.headers["retry-after"]) > 0


async def test_another_person_cannot_see_or_turn_off_my_links(app: Litestar) -> None:
    robin = await person(app)
    created = await create(robin)
    sam = await new_client(app)
    await signup(sam, "sam")
    assert (await sam.get("/api/v1/shares")).json() == []
    gone = await sam.delete(f"/api/v1/shares/{created['id']}")
    assert gone.status_code == 404
    assert gone.json()["code"] == "share-not-found"
    assert (await (await clinician(app)).get(path_of(created["url"]))).status_code == 200
    signed_out = await clinician(app)
    assert (await signed_out.get("/api/v1/shares")).status_code == 401
    assert (await signed_out.post("/api/v1/shares", json=PERIOD)).status_code == 401


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"from": "2026-11-01", "to": "2026-10-01"}, "invalid-period"),
        ({"categories": []}, "invalid-categories"),
        ({"categories": ["notes"]}, "invalid-categories"),
        ({"categories": ["diary"]}, "invalid-request"),
        ({"expires_in_days": 91}, "invalid-request"),
        ({"expires_in_days": 0}, "invalid-request"),
        ({"passcode": "12"}, "invalid-request"),
        ({"label": "x" * 81}, "invalid-request"),
    ],
)
async def test_a_share_that_cannot_be_made_is_a_clear_400(
    app: Litestar, body: dict[str, Any], code: str
) -> None:
    robin = await person(app)
    response = await robin.post("/api/v1/shares", json={**PERIOD, **body})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    assert (await robin.get("/api/v1/shares")).json() == []


async def test_expiry_defaults_to_two_weeks_and_the_period_to_the_last_90_days(
    app: Litestar,
) -> None:
    robin = await person(app)
    before = datetime.now(UTC)
    response = await robin.post("/api/v1/shares", json={})
    assert response.status_code == 201, response.text
    expires = datetime.fromisoformat(response.json()["expires_at"])
    assert timedelta(days=13, hours=23) < expires - before < timedelta(days=14, minutes=1)
    [share] = (await robin.get("/api/v1/shares")).json()
    today = datetime.now(UTC).date()
    assert share["to"] == today.isoformat()
    assert share["from"] == (today - timedelta(days=89)).isoformat()


async def test_the_preview_is_the_clinicians_page_before_any_link_exists(app: Litestar) -> None:
    robin = await person(app)
    response = await robin.get(
        "/api/v1/shares/preview?from=2026-10-01&to=2026-10-31&categories=checkin,notes"
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    html = response.text
    assert "Preview" in html and "SHAREDNOTE-in" in html
    for marker in MARKERS_NEVER:
        assert marker not in html, marker
    assert (await robin.get("/api/v1/shares")).json() == [], "a preview makes no link"
    bad = await robin.get("/api/v1/shares/preview?categories=notes")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid-categories"
    assert (await (await clinician(app)).get("/api/v1/shares/preview")).status_code == 401


async def test_the_link_is_live_a_new_entry_shows_on_the_next_open(app: Litestar) -> None:
    robin = await person(app)
    url = path_of((await create(robin, categories=["checkin"]))["url"])
    doctor = await clinician(app)
    assert "tag-later-today" not in (await doctor.get(url)).text
    await sync(robin, [_rec("checkin", {"at": "2026-10-20T09:00:00+00:00", "mood": 6,
                                        "tags": ["tag-later-today"]})])  # fmt: skip
    assert "tag-later-today" in (await doctor.get(url)).text
