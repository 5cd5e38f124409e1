"""Every share is also a SMART Health Link (HL7 SMART Health Cards and Links IG v1.0.0).

Against the real app on SQLite and PostgreSQL: the `shlink` payload follows the IG's rules,
the manifest's file decrypts with a second, independent AES-GCM (cryptography's, not the
JOSE library the server uses) into a valid FHIR Bundle equal to the share's, and the link's
passcode, expiry, revocation, `embeddedLengthMax` and single-use `location` URLs behave as
the IG says.
"""

from __future__ import annotations

import base64
import json
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from litestar import Litestar

from backend.app import create_app
from backend.db import execute, fetch
from tests.api.sync_helpers import sync
from tests.api.test_shares_api import _rec, clinician, create, path_of, person

CONTENT_TYPE = "application/fhir+json;fhirVersion=4.0.1"


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def payload_of(shlink: str) -> dict[str, Any]:
    assert shlink.startswith("shlink:/")
    encoded = shlink.removeprefix("shlink:/")
    assert "=" not in encoded, "base64url without padding"
    decoded: dict[str, Any] = json.loads(b64decode(encoded))
    return decoded


def manifest_path(payload: dict[str, Any]) -> str:
    return "/shl/" + payload["url"].rsplit("/shl/", 1)[1]


def decrypt(jwe: str, key: bytes) -> tuple[dict[str, Any], bytes]:
    """RFC 7516 compact JWE, `dir` + A256GCM, opened by hand with cryptography's AES-GCM."""
    protected, encrypted_key, iv, ciphertext, tag = jwe.split(".")
    header = json.loads(b64decode(protected))
    assert encrypted_key == "", "dir: no encrypted key"
    plain = AESGCM(key).decrypt(
        b64decode(iv), b64decode(ciphertext) + b64decode(tag), protected.encode("ascii")
    )
    if header.get("zip") == "DEF":
        plain = zlib.decompress(plain, -15)  # raw DEFLATE (RFC 1951)
    return header, plain


async def fetch_manifest(
    client: httpx.AsyncClient, payload: dict[str, Any], **body: Any
) -> httpx.Response:
    return await client.post(manifest_path(payload), json={"recipient": "Dr Rivera", **body})


def without_timestamp(bundle: dict[str, Any]) -> dict[str, Any]:
    """The Bundle's own identity is made from the second it was built (its id is derived from
    the stamp, as are `meta.lastUpdated` and `timestamp`): two fetches a second apart differ
    there and nowhere else."""
    return {k: v for k, v in bundle.items() if k not in {"timestamp", "id", "meta"}}


async def test_every_share_carries_a_health_link_as_the_ig_defines_it(app: Litestar) -> None:
    robin = await person(app)
    created = await create(robin, label="For Dr Rivera, December")
    payload = payload_of(created["shlink"])
    assert set(payload) == {"url", "key", "exp", "flag", "label", "v"}
    assert payload["url"].startswith("http://127.0.0.1:8000/shl/")
    manifest_id = payload["url"].rsplit("/", 1)[1]
    assert len(b64decode(manifest_id)) >= 32, "at least 256 random bits"
    assert len(payload["url"]) <= 128
    assert len(payload["key"]) == 43 and len(b64decode(payload["key"])) == 32
    expires = datetime.fromisoformat(created["expires_at"])
    assert payload["exp"] == int(expires.timestamp())
    assert payload["flag"] == "L", "live data, no passcode"
    assert payload["label"] == "For Dr Rivera, December"
    assert payload["v"] == 1
    assert created["shlink_qr_svg"].lstrip().startswith("<svg")

    with_code = payload_of((await create(robin, passcode="4711"))["shlink"])
    assert with_code["flag"] == "LP", "flags in alphabetical order"
    assert "label" not in with_code, "no label chosen, none sent"
    assert with_code["key"] != payload["key"] and with_code["url"] != payload["url"]

    # The server keeps neither the key nor the manifest id: a copy of the database cannot
    # open the manifest or its files.
    dump = json.dumps(
        [
            await fetch(app.state.services.engine, f"SELECT * FROM {t}")
            for t in ("share", "shl_file")
        ],
        default=str,
    )
    for secret in (payload["key"], manifest_id, with_code["key"]):
        assert secret not in dump


async def test_the_manifest_file_decrypts_independently_into_the_shares_bundle(
    app: Litestar,
) -> None:
    robin = await person(app)
    created = await create(robin, categories=["checkin", "assessment"])
    payload = payload_of(created["shlink"])
    clinic = await clinician(app)

    answer = await fetch_manifest(clinic, payload)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["cache-control"] == "no-store"
    manifest = answer.json()
    assert manifest["status"] == "can-change"
    [file] = manifest["files"]
    assert file["contentType"] == CONTENT_TYPE
    assert "location" not in file

    header, plain = decrypt(file["embedded"], b64decode(payload["key"]))
    assert (header["alg"], header["enc"], header["cty"]) == ("dir", "A256GCM", CONTENT_TYPE)
    bundle = json.loads(plain)
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    page_bundle = (await clinic.get(f"{path_of(created['url'])}/fhir")).json()
    assert without_timestamp(bundle) == without_timestamp(page_bundle)
    totals = [
        e["resource"]["valueQuantity"]["value"]
        for e in bundle["entry"]
        if any(c.get("code") == "44261-6" for c in e["resource"].get("code", {}).get("coding", []))
        and e["resource"]["resourceType"] == "Observation"
    ]
    assert totals == [15], "October's PHQ-9 only, as on the summary"

    protected, _, iv, ciphertext, tag = file["embedded"].split(".")
    with pytest.raises(InvalidTag):  # the file opens with the link's key and no other
        AESGCM(bytes(32)).decrypt(
            b64decode(iv), b64decode(ciphertext) + b64decode(tag), protected.encode()
        )


async def test_each_manifest_fetch_is_in_the_persons_log_with_its_recipient(
    app: Litestar,
) -> None:
    robin = await person(app)
    payload = payload_of((await create(robin))["shlink"])
    clinic = await clinician(app)
    assert (await fetch_manifest(clinic, payload, recipient="Northside Clinic")).status_code == 200
    assert (await fetch_manifest(clinic, payload, recipient="Dr Rivera")).status_code == 200
    [share] = (await robin.get("/api/v1/shares")).json()
    assert [(a["what"], a["recipient"]) for a in share["accesses"]] == [
        ("health-link", "Dr Rivera"),
        ("health-link", "Northside Clinic"),
    ]


async def test_a_passcode_is_needed_and_the_link_locks_when_attempts_run_out(
    app: Litestar,
) -> None:
    robin = await person(app)
    created = await create(robin, passcode="4711")
    payload = payload_of(created["shlink"])
    clinic = await clinician(app)

    missing = await fetch_manifest(clinic, payload)
    assert missing.status_code == 401
    assert missing.json()["remainingAttempts"] == 10, "asking is not a guess"
    right = await fetch_manifest(clinic, payload, passcode="4711")
    assert right.status_code == 200 and right.json()["files"][0]["embedded"]

    for left in range(9, -1, -1):
        wrong = await fetch_manifest(clinic, payload, passcode=f"{left:04d}")
        assert wrong.status_code == 401, left
        assert wrong.headers["content-type"] == "application/problem+json"
        assert wrong.json()["remainingAttempts"] == left
        assert wrong.json()["code"] == "wrong-passcode"
    assert (await fetch_manifest(clinic, payload, passcode="4711")).status_code == 404
    assert (await clinic.get(path_of(created["url"]))).status_code == 404, "one link, one lock"
    [share] = (await robin.get("/api/v1/shares")).json()
    assert share["status"] == "locked"
    wrong_codes = [a for a in share["accesses"] if a["what"] == "wrong-code"]
    assert len(wrong_codes) == 10 and {a["recipient"] for a in wrong_codes} == {"Dr Rivera"}


async def test_unknown_expired_and_revoked_links_are_the_same_404(app: Litestar) -> None:
    robin = await person(app)
    revoked = await create(robin)
    expired = await create(robin)
    clinic = await clinician(app)
    revoked_payload, expired_payload = payload_of(revoked["shlink"]), payload_of(expired["shlink"])
    assert (await fetch_manifest(clinic, revoked_payload)).status_code == 200
    # A `location` handed out before the person turns the link off dies with it.
    early = await fetch_manifest(clinic, revoked_payload, embeddedLengthMax=0)
    location = early.json()["files"][0]["location"]

    assert (await robin.delete(f"/api/v1/shares/{revoked['id']}")).status_code == 204
    await execute(
        app.state.services.engine,
        "UPDATE share SET expires_at = {} WHERE id = {}",
        datetime.now(UTC) - timedelta(seconds=1),
        uuid.UUID(expired["id"]),
    )
    answers = [
        await fetch_manifest(clinic, revoked_payload),
        await fetch_manifest(clinic, expired_payload),
        await clinic.post("/shl/" + "A" * 43, json={"recipient": "x"}),
        await clinic.post("/shl/too-short", json={"recipient": "x"}),
        await clinic.get("/shl/file/" + location.rsplit("/", 1)[1]),
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1, "no oracle"


async def test_embedded_length_max_switches_to_a_single_use_location(app: Litestar) -> None:
    robin = await person(app)
    payload = payload_of((await create(robin))["shlink"])
    key = b64decode(payload["key"])
    clinic = await clinician(app)

    embedded = (await fetch_manifest(clinic, payload)).json()["files"][0]["embedded"]
    fits = await fetch_manifest(clinic, payload, embeddedLengthMax=len(embedded) + 100)
    assert "embedded" in fits.json()["files"][0]

    small = await fetch_manifest(clinic, payload, embeddedLengthMax=100)
    [file] = small.json()["files"]
    assert "embedded" not in file and file["contentType"] == CONTENT_TYPE
    location = file["location"]
    assert location.startswith("http://127.0.0.1:8000/shl/file/")
    assert payload["key"] not in location and manifest_path(payload) not in location
    served = await clinic.get(location.removeprefix("http://127.0.0.1:8000"))
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/jose")
    _, plain = decrypt(served.text, key)
    assert json.loads(plain)["resourceType"] == "Bundle"
    again = await clinic.get(location.removeprefix("http://127.0.0.1:8000"))
    assert again.status_code == 404, "single use"

    # A location not fetched in time is gone (the IG: short-lived).
    late = (await fetch_manifest(clinic, payload, embeddedLengthMax=0)).json()["files"][0]
    await execute(
        app.state.services.engine,
        "UPDATE shl_file SET expires_at = {}",
        datetime.now(UTC) - timedelta(seconds=1),
    )
    expired = await clinic.get(late["location"].removeprefix("http://127.0.0.1:8000"))
    assert expired.status_code == 404


async def test_a_new_entry_in_scope_is_in_the_next_manifest_fetch(app: Litestar) -> None:
    robin = await person(app)
    payload = payload_of((await create(robin, categories=["checkin"]))["shlink"])
    key = b64decode(payload["key"])
    clinic = await clinician(app)
    first = (await fetch_manifest(clinic, payload)).json()["files"][0]["embedded"]
    assert b"2026-10-20" not in decrypt(first, key)[1]
    await sync(robin, [_rec("checkin", {"at": "2026-10-20T09:00:00+00:00", "mood": 6,
                                        "tags": ["tag-later-today"]})])  # fmt: skip
    second = (await fetch_manifest(clinic, payload)).json()["files"][0]["embedded"]
    assert b"2026-10-20" in decrypt(second, key)[1], "that day's mood, live"


async def test_a_manifest_request_without_a_recipient_is_a_clear_400(app: Litestar) -> None:
    robin = await person(app)
    path = manifest_path(payload_of((await create(robin))["shlink"]))
    clinic = await clinician(app)
    for body in ({}, {"recipient": ""}, {"recipient": "x", "embeddedLengthMax": -1}):
        answer = await clinic.post(path, json=body)
        assert answer.status_code == 400, body
        assert answer.json()["code"] == "invalid-request"
    broken = await clinic.post(path, content=b"{", headers={"content-type": "application/json"})
    assert broken.status_code == 400


async def test_browser_viewers_on_other_origins_may_fetch_health_links(app: Litestar) -> None:
    robin = await person(app)
    path = manifest_path(payload_of((await create(robin))["shlink"]))
    viewer = await clinician(app)
    preflight = await viewer.options(
        path,
        headers={
            "origin": "https://viewer.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"]
    answer = await viewer.post(
        path, json={"recipient": "Viewer"}, headers={"origin": "https://viewer.example"}
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers
    # Only health links: the person's API stays same-origin.
    assert "access-control-allow-origin" not in (await robin.get("/api/v1/shares")).headers


async def test_guessing_manifest_ids_is_limited_per_address(settings_factory: Any) -> None:
    app = create_app(settings_factory(share_guess_limit=3))
    async with app.state.lifespan(app):
        robin = await person(app)
        payload = payload_of((await create(robin))["shlink"])
        guesser = await clinician(app)
        for n in range(3):
            guess = await guesser.post(f"/shl/{n:043d}", json={"recipient": "x"})
            assert guess.status_code == 404
        limited = await fetch_manifest(guesser, payload)
        assert limited.status_code == 429, "even a real link, so guesses learn nothing"
        assert int(limited.headers["retry-after"]) > 0
