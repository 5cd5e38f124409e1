"""POST /api/v1/sync and friends through the real app, following sync.md."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from litestar import Litestar

from backend.app import create_app
from backend.sync.hlc import parse_hlc
from tests.api.sync_helpers import DEVICE, change, envelope, hlc_at, push_checkin, sync
from tests.conftest import http_client, new_client, signup

OTHER_DEVICE = "0190c3e4-7f1a-7b2c-9d3e-00000000beef"
AT = "2026-11-27T08:05:00+01:00"


async def test_first_sync_creates_epoch_and_pushes(client: httpx.AsyncClient) -> None:
    await signup(client)
    rid = str(uuid.uuid4())
    body = await sync(client, [change(rid, {"at": AT, "mood": 5})])
    assert body["reset"] is None
    [result] = body["results"]
    assert result["status"] == "applied"
    assert result["server_seq"] > 0
    [record] = body["records"]
    assert record["id"] == rid
    assert record["fields"]["mood"]["v"] == 5
    assert record["deleted"] is False
    assert body["next_cursor"] == record["server_seq"]
    assert body["has_more"] is False
    parse_hlc(body["server_hlc"])
    status = (await client.get("/api/v1/sync/status")).json()
    assert status["epoch"] == body["epoch"]
    assert status["max_seq"] == record["server_seq"]


async def test_resending_a_change_is_a_duplicate_with_its_first_outcome(
    client: httpx.AsyncClient,
) -> None:
    await signup(client)
    c = change(str(uuid.uuid4()), {"at": AT, "mood": 5})
    first = await sync(client, [c])
    again = await sync(client, [c, c])
    for result in again["results"]:
        assert result["status"] == "duplicate"
        assert result["original_status"] == "applied"
        assert result["server_seq"] == first["results"][0]["server_seq"]


async def test_one_bad_change_is_rejected_and_its_neighbours_apply(
    client: httpx.AsyncClient,
) -> None:
    await signup(client)
    good = change(str(uuid.uuid4()), {"at": AT, "mood": 5})
    bad = change(str(uuid.uuid4()), {"at": AT, "mood": 11})
    garbage: dict[str, Any] = {"change_id": str(uuid.uuid4()), "record_id": "nope"}
    bad_hlc = change(str(uuid.uuid4()), {"at": AT, "mood": 2}, hlc="yesterday")
    body = await sync(client, [good, bad, garbage, bad_hlc])
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["applied", "rejected", "rejected", "rejected"]
    assert body["results"][1]["error"]["field"] == "mood"
    assert body["results"][1]["error"]["code"] == "out-of-range"
    assert body["results"][3]["error"]["code"] == "invalid-hlc"
    assert [r["id"] for r in body["records"]] == [good["record_id"]]
    # A re-sent rejected change answers duplicate, with its original error.
    again = await sync(client, [bad])
    assert again["results"][0]["status"] == "duplicate"
    assert again["results"][0]["original_status"] == "rejected"
    assert again["results"][0]["error"]["field"] == "mood"


async def test_older_edit_is_superseded_and_newer_edit_wins(client: httpx.AsyncClient) -> None:
    await signup(client)
    rid = str(uuid.uuid4())
    base = await sync(client, [change(rid, {"at": AT, "mood": 5}, hlc=hlc_at(2_000_000))])
    seq = base["results"][0]["server_seq"]
    old = await sync(client, [change(rid, {"mood": 1}, base_seq=seq, hlc=hlc_at(1_000_000))])
    assert old["results"][0]["status"] == "superseded"
    new = await sync(client, [change(rid, {"mood": 9}, base_seq=seq, hlc=hlc_at(3_000_000))])
    assert new["results"][0]["status"] == "applied"
    assert new["records"][-1]["fields"]["mood"]["v"] == 9


async def test_concurrent_edits_from_two_devices_flag_a_conflict(app: Litestar) -> None:
    phone = await new_client(app)
    await signup(phone)
    rid = str(uuid.uuid4())
    created = await sync(phone, [change(rid, {"at": AT, "mood": 5}, hlc=hlc_at(1_000))])
    seq = created["results"][0]["server_seq"]
    # Both devices edit the mood having seen seq; the laptop's edit is later.
    await sync(phone, [change(rid, {"mood": 3}, base_seq=seq, hlc=hlc_at(2_000))])
    laptop_edit = change(rid, {"mood": 8}, base_seq=seq, hlc=hlc_at(3_000, device=OTHER_DEVICE))
    body = await sync(phone, [laptop_edit], device=OTHER_DEVICE)
    assert body["results"][0]["status"] == "applied"
    assert body["results"][0]["conflict"] is True
    record = body["records"][-1]
    assert record["fields"]["mood"]["v"] == 8
    assert record["fields"]["_conflict"]["v"] is True
    history = (await phone.get(f"/api/v1/records/{rid}/history")).json()
    assert [h["fields"]["mood"]["v"] for h in history] == [8, 3, 5]  # newest first


async def test_delete_and_undelete_keep_the_values(client: httpx.AsyncClient) -> None:
    await signup(client)
    rid = str(uuid.uuid4())
    await sync(client, [change(rid, {"at": AT, "mood": 5}, hlc=hlc_at(1_000))])
    gone = await sync(client, [change(rid, {"_deleted": True}, hlc=hlc_at(2_000))])
    assert gone["records"][-1]["deleted"] is True
    assert gone["records"][-1]["fields"]["mood"]["v"] == 5
    back = await sync(client, [change(rid, {"_deleted": False}, hlc=hlc_at(3_000))])
    assert back["records"][-1]["deleted"] is False


async def test_pull_pages_until_everything_arrived(client: httpx.AsyncClient) -> None:
    await signup(client)
    changes = [change(str(uuid.uuid4()), {"at": AT, "mood": i % 11}) for i in range(25)]
    await sync(client, changes)
    seen: list[str] = []
    cursor = 0
    while True:
        body = await sync(client, [], cursor=cursor, pull_limit=10)
        seen.extend(r["id"] for r in body["records"])
        seqs = [r["server_seq"] for r in body["records"]]
        assert seqs == sorted(seqs)
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    assert sorted(seen) == sorted(c["record_id"] for c in changes)


async def test_epoch_mismatch_and_cursor_ahead_reset_the_client(
    client: httpx.AsyncClient,
) -> None:
    await signup(client)
    first = await push_checkin(client, 4)
    wrong_epoch = await sync(client, [], epoch=str(uuid.uuid4()), cursor=first["next_cursor"])
    assert wrong_epoch["reset"] == {"reason": "epoch_mismatch", "epoch": first["epoch"]}
    assert len(wrong_epoch["records"]) == 1  # pulled again from 0
    ahead = await sync(client, [], epoch=first["epoch"], cursor=first["next_cursor"] + 10**12)
    assert ahead["reset"]["reason"] == "cursor_ahead"
    assert len(ahead["records"]) == 1


async def test_clock_far_ahead_is_clamped_and_reported(client: httpx.AsyncClient) -> None:
    await signup(client)
    rid = str(uuid.uuid4())
    future = hlc_at(int(4e12))  # year 2096
    first_change = change(rid, {"at": AT, "mood": 5}, hlc=future)
    body = await sync(client, [first_change])
    assert body["results"][0]["status"] == "applied"
    stored = body["records"][0]["fields"]["mood"]["hlc"]
    assert stored < future
    assert body["clock_skew_ms"] > 60_000
    history = (await client.get(f"/api/v1/records/{rid}/history")).json()
    assert history[0]["original_hlcs"]["mood"] == future
    # The device is told the HLC it must keep, now and when it re-sends the same change.
    assert body["results"][0]["hlcs"]["mood"] == stored
    resent = await sync(client, [first_change])
    assert resent["results"][0]["status"] == "duplicate"
    assert resent["results"][0]["hlcs"]["mood"] == stored
    # A later honest edit from the same device still wins over the clamped value.
    later = await sync(client, [change(rid, {"mood": 6})])
    assert later["records"][-1]["fields"]["mood"]["v"] == 6


async def test_envelope_errors_are_problem_json(client: httpx.AsyncClient) -> None:
    await signup(client)
    cases = [
        ({"protocol": 1}, 400),
        ({**envelope([]), "cursor": "zero"}, 400),
        ({**envelope([]), "pull_limit": 5000}, 400),
        ({**envelope([]), "protocol": 2}, 400),
        ({**envelope([]), "protocol": 0}, 426),
        ({**envelope([change(str(uuid.uuid4()), {"mood": 1})] * 201)}, 413),
    ]
    for body, status in cases:
        response = await client.post("/api/v1/sync", json=body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"]


async def test_too_many_bytes_of_changes_is_413(client: httpx.AsyncClient) -> None:
    await signup(client)
    note = "x" * 30_000
    changes = [change(str(uuid.uuid4()), {"at": AT, "mood": 1, "note": note}) for _ in range(10)]
    response = await client.post("/api/v1/sync", json=envelope(changes))
    assert response.status_code == 413


async def test_user_b_never_sees_or_touches_user_a(app: Litestar) -> None:
    alice = await new_client(app)
    await signup(alice, "alice")
    rid = str(uuid.uuid4())
    created = await sync(alice, [change(rid, {"at": AT, "mood": 5})])
    bob = await new_client(app)
    await signup(bob, "bobby")
    pulled = await sync(bob, [], device=OTHER_DEVICE)
    assert pulled["records"] == []
    assert (await bob.get(f"/api/v1/records/{rid}/history")).status_code == 404
    # Bob writing to the same record id makes his own record; Alice's is untouched.
    await sync(bob, [change(rid, {"at": AT, "mood": 0})], device=OTHER_DEVICE)
    mine = await sync(alice, [], cursor=0)
    assert mine["records"][0]["fields"]["mood"]["v"] == 5
    assert mine["records"][0]["server_seq"] == created["results"][0]["server_seq"]
    # Alice's device id cannot be used by Bob.
    stolen = await bob.post("/api/v1/sync", json=envelope([], device=DEVICE))
    assert stolen.status_code == 403
    login = await bob.post(
        "/api/v1/auth/login",
        json={"username": "bobby", "passphrase": "correct horse battery", "device_id": DEVICE},
    )
    assert login.status_code == 403
    devices = (await alice.get("/api/v1/account/devices")).json()
    victim = devices[0]["device_id"]
    assert (await bob.delete(f"/api/v1/account/devices/{victim}")).status_code == 404


async def test_sync_needs_a_session_before_reading_the_body(app: Litestar) -> None:
    stranger = await new_client(app)
    response = await stranger.post(
        "/api/v1/sync", content=b"not json", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "not-signed-in"


async def test_rotating_the_epoch_after_a_restore_resets_every_device(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    from backend.sync.store import rotate_epochs

    await signup(client)
    first = await push_checkin(client, 4)
    assert await rotate_epochs(app.state.services.engine, None) == 1
    after = await sync(client, [], epoch=first["epoch"], cursor=first["next_cursor"])
    assert after["reset"]["reason"] == "epoch_mismatch"
    assert after["epoch"] != first["epoch"]
    assert len(after["records"]) == 1  # the device pulls everything again


async def test_unknown_fields_from_a_newer_app_are_kept(client: httpx.AsyncClient) -> None:
    await signup(client)
    rid = str(uuid.uuid4())
    body = await sync(client, [change(rid, {"at": AT, "mood": 5, "sparkle_level": {"a": [1]}})])
    assert body["results"][0]["status"] == "applied"
    assert body["records"][0]["fields"]["sparkle_level"]["v"] == {"a": [1]}


async def test_a_record_cannot_grow_past_64_kib(client: httpx.AsyncClient) -> None:
    await signup(client)
    rid = str(uuid.uuid4())
    note = "n" * 30_000
    first = await sync(client, [change(rid, {"at": AT, "mood": 5, "note": note})])
    assert first["results"][0]["status"] == "applied"
    second = await sync(client, [change(rid, {"extra_a": note, "extra_b": note})])
    assert second["results"][0]["status"] == "rejected"
    assert second["results"][0]["error"]["code"] == "record-too-large"
    pulled = await sync(client, [], cursor=0)
    assert "extra_a" not in pulled["records"][0]["fields"]  # nothing half-applied


async def test_after_a_restore_the_server_never_reissues_an_hlc(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    from backend.db import execute, fetch
    from backend.sync.store import rotate_epochs

    await signup(client)
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    backup = await fetch(app.state.services.engine, "SELECT server_hlc FROM sync_state")
    # A phone 4 minutes fast (within the limit) pulls the server clock ahead of real time,
    # then a phone a day fast gets a server-made HLC from that clock.
    await sync(
        client, [change(str(uuid.uuid4()), {"at": AT, "mood": 3}, hlc=hlc_at(now_ms + 4 * 60_000))]
    )
    far = await sync(
        client, [change(str(uuid.uuid4()), {"at": AT, "mood": 4}, hlc=hlc_at(now_ms + 86_400_000))]
    )
    issued = far["results"][0]["hlcs"]["mood"]
    # Restore the older clock, as a database restore would, then rotate as deploy/ says.
    await execute(
        app.state.services.engine,
        "UPDATE sync_state SET server_hlc = {}",
        backup[0]["server_hlc"] if backup else "",
    )
    await rotate_epochs(app.state.services.engine, None)
    again = await sync(
        client, [change(str(uuid.uuid4()), {"at": AT, "mood": 5}, hlc=hlc_at(now_ms + 86_400_000))]
    )
    assert again["results"][0]["hlcs"]["mood"] > issued


async def test_a_failing_listener_never_blocks_a_push(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    from backend.db import fetch

    async def broken(*_: object) -> None:
        from backend.db import execute

        await execute(app.state.services.engine, "DELETE FROM record")  # undone by the savepoint
        raise RuntimeError("reminder planning blew up")

    app.state.services.sync.listeners.insert(0, broken)
    await signup(client)
    body = await push_checkin(client, 6)
    assert body["records"][0]["fields"]["mood"]["v"] == 6
    rows = await fetch(app.state.services.engine, "SELECT COUNT(*) AS n FROM record")
    assert int(rows[0]["n"]) == 1


async def test_a_push_out_of_time_answers_early_and_the_rest_arrive_on_the_next_sync(
    settings_factory: Any,
) -> None:
    # A zero budget: every push stops after its first change, as a push stuck behind a long
    # lock wait would. Nothing is lost: what got no result is re-sent and applied.
    app = create_app(settings_factory(sync_push_budget_seconds=0.0))
    async with app.state.lifespan(app), http_client(app) as client:
        await signup(client)
        outbox = [change(str(uuid.uuid4()), {"at": AT, "mood": n}) for n in range(3)]
        garbage: dict[str, Any] = {"change_id": str(uuid.uuid4()), "record_id": "nope"}
        body = await sync(client, [*outbox, garbage])
        assert [r["status"] for r in body["results"]] == ["applied"]
        assert body["results"][0]["change_id"] == outbox[0]["change_id"]
        assert len(body["records"]) == 1
        for _ in range(2):
            answered = {r["change_id"] for r in body["results"]}
            outbox = [c for c in outbox if c["change_id"] not in answered]
            body = await sync(client, outbox, cursor=body["next_cursor"])
            assert [r["status"] for r in body["results"]] == ["applied"]
        status = (await client.get("/api/v1/sync/status")).json()
        everything = await sync(client, [])
        assert sorted(r["fields"]["mood"]["v"] for r in everything["records"]) == [0, 1, 2]
        assert status["max_seq"] == max(r["server_seq"] for r in everything["records"])
