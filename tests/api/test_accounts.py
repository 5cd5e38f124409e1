"""Accounts through the real app: sign-up/in/out, limits, sessions, recovery, deletion."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.app import create_app
from backend.db import execute, fetch
from tests.conftest import PASSPHRASE, http_client, new_client, signup

LOGIN = "/api/v1/auth/login"


async def login(
    client: httpx.AsyncClient, username: str = "alice", passphrase: str = PASSPHRASE, **extra: Any
) -> Any:
    return await client.post(LOGIN, json={"username": username, "passphrase": passphrase, **extra})


async def test_signup_sets_a_strict_httponly_cookie_and_returns_a_recovery_code(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/auth/signup", json={"username": "Alice", "passphrase": PASSPHRASE}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "alice"
    assert len(body["recovery_code"].replace("-", "")) == 25
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("tend_session=")
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/" in cookie
    assert "Secure" not in cookie  # 127.0.0.1 is served over plain http in development
    me = await client.get("/api/v1/account")
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


async def test_user_id_of_finds_an_account_by_name(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    body = await signup(client, "alice")
    accounts = app.state.services.accounts
    assert str(await accounts.user_id_of("  Alice ")) == body["user_id"]
    assert await accounts.user_id_of("nobody") is None


async def test_cookie_is_secure_on_a_real_host(app: Litestar) -> None:
    async with http_client(app, "https://tend.example") as https_client:
        response = await https_client.post(
            "/api/v1/auth/signup", json={"username": "bob", "passphrase": PASSPHRASE}
        )
        assert "Secure" in response.headers["set-cookie"]
        assert "max-age=63072000" in response.headers["strict-transport-security"]


async def test_usernames_are_case_folded_and_unique(client: httpx.AsyncClient) -> None:
    await signup(client, "alice")
    response = await client.post(
        "/api/v1/auth/signup", json={"username": "ALICE", "passphrase": PASSPHRASE}
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "username-taken"


@pytest.mark.parametrize(
    ("username", "passphrase", "code"),
    [
        ("ab", PASSPHRASE, "invalid-username"),
        ("no spaces", PASSPHRASE, "invalid-username"),
        ("x" * 65, PASSPHRASE, "invalid-username"),
        ("carol", "short", "weak-passphrase"),
    ],
)
async def test_signup_rejects_bad_usernames_and_short_passphrases(
    client: httpx.AsyncClient, username: str, passphrase: str, code: str
) -> None:
    response = await client.post(
        "/api/v1/auth/signup", json={"username": username, "passphrase": passphrase}
    )
    assert response.status_code == 400
    assert response.json()["code"] == code


async def test_wrong_passphrase_and_unknown_user_answer_alike(app: Litestar) -> None:
    owner = await new_client(app)
    await signup(owner)
    guest = await new_client(app)
    wrong = await login(guest, "alice", "not the passphrase")
    unknown = await login(guest, "nobody", "not the passphrase")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content
    assert wrong.json()["code"] == "invalid-credentials"
    good = await login(guest)
    assert good.status_code == 200
    assert (await guest.get("/api/v1/account")).json()["username"] == "alice"


async def test_five_failures_for_a_username_lock_it_for_a_while(app: Litestar) -> None:
    owner = await new_client(app)
    await signup(owner)
    attacker = await new_client(app)
    for _ in range(5):
        assert (await login(attacker, passphrase="guess guess guess")).status_code == 401
    blocked = await login(attacker)  # even the right passphrase waits
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "rate-limited"
    assert 1 <= int(blocked.headers["retry-after"]) <= 900
    # Unknown usernames are limited the same way (no oracle for which names exist).
    for _ in range(5):
        await login(attacker, "ghost", "guess guess guess")
    assert (await login(attacker, "ghost", "guess guess guess")).status_code == 429


async def test_failures_from_one_address_are_limited(settings_factory: Any) -> None:
    app = create_app(settings_factory(login_address_limit=3))
    async with app.state.lifespan(app), http_client(app) as client:
        for name in ("u1", "u2", "u3"):
            assert (await login(client, name, "guess guess guess")).status_code == 401
        response = await login(client, "u4", "guess guess guess")
        assert response.status_code == 429
        assert "retry-after" in response.headers


async def _age_sessions(app: Litestar, column: str, days: int) -> None:
    moment = datetime.now(UTC) - timedelta(days=days)
    await execute(app.state.services.engine, f"UPDATE session SET {column} = {{}}", moment)


async def test_idle_sessions_end_after_30_days(client: httpx.AsyncClient, app: Litestar) -> None:
    await signup(client)
    await _age_sessions(app, "last_seen_at", 29)
    assert (await client.get("/api/v1/account")).status_code == 200
    await _age_sessions(app, "last_seen_at", 31)
    response = await client.get("/api/v1/account")
    assert response.status_code == 401
    assert response.json()["code"] == "session-expired"


async def test_sessions_end_after_365_days_even_when_used(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    await signup(client)
    await _age_sessions(app, "created_at", 366)
    assert (await client.get("/api/v1/account")).status_code == 401


async def test_logout_ends_the_session(client: httpx.AsyncClient) -> None:
    await signup(client)
    assert (await client.post("/api/v1/auth/logout")).status_code == 204
    assert (await client.get("/api/v1/account")).status_code == 401


async def test_signing_out_a_device_ends_its_session_at_once(app: Litestar) -> None:
    phone = await new_client(app)
    phone_id = str(uuid.uuid4())
    await signup(phone, device_id=phone_id, device_name="Phone")
    laptop = await new_client(app)
    laptop_id = str(uuid.uuid4())
    assert (await login(laptop, device_id=laptop_id, device_name="Laptop")).status_code == 200
    devices = (await laptop.get("/api/v1/account/devices")).json()
    assert {d["name"] for d in devices} == {"Phone", "Laptop"}
    assert [d["current"] for d in devices if d["device_id"] == laptop_id] == [True]
    assert (await laptop.delete(f"/api/v1/account/devices/{phone_id}")).status_code == 204
    assert (await phone.get("/api/v1/account")).status_code == 401
    assert (await laptop.get("/api/v1/account")).status_code == 200


async def test_recovery_code_resets_the_passphrase_once(app: Litestar) -> None:
    phone = await new_client(app)
    code = (await signup(phone))["recovery_code"]
    other = await new_client(app)
    bad = await other.post(
        "/api/v1/auth/recover",
        json={
            "username": "alice",
            "recovery_code": "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA",
            "new_passphrase": "a brand new passphrase",
        },
    )
    assert bad.status_code == 401
    response = await other.post(
        "/api/v1/auth/recover",
        json={
            "username": "alice",
            "recovery_code": code.lower().replace("-", " "),
            "new_passphrase": "a brand new passphrase",
        },
    )
    assert response.status_code == 200
    new_code = response.json()["recovery_code"]
    assert new_code != code
    assert (await other.get("/api/v1/account")).status_code == 200
    assert (await phone.get("/api/v1/account")).status_code == 401  # signed out everywhere
    assert (await login(other, passphrase=PASSPHRASE)).status_code == 401
    assert (await login(other, passphrase="a brand new passphrase")).status_code == 200
    reuse = await other.post(
        "/api/v1/auth/recover",
        json={"username": "alice", "recovery_code": code, "new_passphrase": "yet another phrase"},
    )
    assert reuse.status_code == 401


async def test_changing_the_passphrase_signs_out_other_devices(app: Litestar) -> None:
    phone = await new_client(app)
    await signup(phone)
    laptop = await new_client(app)
    await login(laptop)
    wrong = await phone.post(
        "/api/v1/account/passphrase", json={"current": "not it at all", "new": "new passphrase 1"}
    )
    assert wrong.status_code == 401
    ok = await phone.post(
        "/api/v1/account/passphrase", json={"current": PASSPHRASE, "new": "new passphrase 1"}
    )
    assert ok.status_code == 204
    assert (await phone.get("/api/v1/account")).status_code == 200
    assert (await laptop.get("/api/v1/account")).status_code == 401
    assert (await login(laptop, passphrase="new passphrase 1")).status_code == 200


async def _rows_owned(app: Litestar, user_id: str) -> dict[str, int]:
    engine = app.state.services.engine
    counts = {}
    for table in ("device", "session", "sync_state", "record", "change"):
        rows = await fetch(
            engine, f"SELECT COUNT(*) AS n FROM {table} WHERE user_id = {{}}", uuid.UUID(user_id)
        )
        counts[table] = int(rows[0]["n"])
    rows = await fetch(
        engine, "SELECT COUNT(*) AS n FROM account WHERE id = {}", uuid.UUID(user_id)
    )
    counts["account"] = int(rows[0]["n"])
    return counts


async def test_deleting_the_account_removes_everything(app: Litestar) -> None:
    from tests.api.sync_helpers import push_checkin

    client = await new_client(app)
    body = await signup(client)
    await push_checkin(client, mood=4)
    await login(client, passphrase="a wrong guess here")  # leaves a failure row
    await login(client)
    before = await _rows_owned(app, body["user_id"])
    assert before["record"] == 1 and before["change"] == 1 and before["account"] == 1
    refused = await client.request(
        "DELETE", "/api/v1/account", json={"passphrase": "not the passphrase"}
    )
    assert refused.status_code == 401
    response = await client.request("DELETE", "/api/v1/account", json={"passphrase": PASSPHRASE})
    assert response.status_code == 204
    assert set((await _rows_owned(app, body["user_id"])).values()) == {0}
    failures = await fetch(
        app.state.services.engine,
        "SELECT COUNT(*) AS n FROM login_failure WHERE username = 'alice'",
    )
    assert int(failures[0]["n"]) == 0
    assert (await login(client)).status_code == 401


async def test_export_contains_every_record(client: httpx.AsyncClient) -> None:
    from tests.api.sync_helpers import push_checkin

    await signup(client)
    await push_checkin(client, mood=3)
    await push_checkin(client, mood=7)
    response = await client.get("/api/v1/account/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    export = response.json()
    assert export["account"]["username"] == "alice"
    assert sorted(r["fields"]["mood"]["v"] for r in export["records"]) == [3, 7]
