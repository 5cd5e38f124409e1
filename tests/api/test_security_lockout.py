"""Lockout as a weapon: the sign-in limits stay, but a known device still gets in.

Five wrong passphrases from anyone lock a username for 15 minutes, and 50 from one address
lock everyone behind it. A device that signed in to the account before carries a
`tend_device` cookie; with it, a right passphrase still signs in while those limits are used
up, and wrong ones spend a separate per-device allowance instead.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.accounts.passwords import Passwords
from backend.app import create_app
from backend.db import execute, fetch
from tests.conftest import PASSPHRASE, http_client, new_client

LOGIN = "/api/v1/auth/login"
WRONG = "not the passphrase at all"
LIMIT = 5  # login_user_limit's default
DEVICE_LIMIT = 5  # login_device_limit's default
DEVICE_COOKIE = "tend_device"


async def login(
    client: httpx.AsyncClient, username: str = "alice", passphrase: str = PASSPHRASE, **extra: Any
) -> httpx.Response:
    return await client.post(LOGIN, json={"username": username, "passphrase": passphrase, **extra})


async def signup_device(
    app: Litestar, username: str = "alice"
) -> tuple[httpx.AsyncClient, dict[str, Any]]:
    """A phone that made the account: it holds the session and the device cookie."""
    device = await new_client(app)
    body = {"username": username, "passphrase": PASSPHRASE, "device_id": str(uuid.uuid4())}
    response = await device.post("/api/v1/auth/signup", json=body)
    assert response.status_code == 201, response.text
    return device, {**body, **response.json()}


def end_session(device: httpx.AsyncClient) -> None:
    """The session ended (30 days idle): the device keeps only its device cookie."""
    device.cookies.delete("tend_session")


async def lock_username(app: Litestar, username: str = "alice") -> httpx.AsyncClient:
    attacker = await new_client(app)
    for i in range(LIMIT):
        assert (await login(attacker, username, f"{WRONG}{i}")).status_code == 401
    assert_locked(await login(attacker, username))
    return attacker


def assert_locked(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "rate-limited"
    assert 1 <= int(response.headers["retry-after"]) <= 900


def count_verifications(app: Litestar, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    passwords: Passwords = app.state.services.accounts.passwords
    original = passwords.verify
    calls: list[int] = []

    async def counting(hashed: str | None, secret: str) -> bool:
        calls.append(1)
        return await original(hashed, secret)

    monkeypatch.setattr(passwords, "verify", counting)
    return calls


async def at_once(count: int, make: Callable[[int], Awaitable[httpx.Response]]) -> list[int]:
    responses = await asyncio.gather(*(make(i) for i in range(count)))
    return sorted(r.status_code for r in responses)


# (a) The owner, locked out by someone else's guesses, still gets in on their own phone.


async def test_owner_locked_out_by_an_attacker_signs_in_on_a_known_device(app: Litestar) -> None:
    phone, account = await signup_device(app)
    end_session(phone)
    await lock_username(app)
    response = await login(phone, device_id=account["device_id"])
    assert response.status_code == 200, response.text
    assert response.json()["device_id"] == account["device_id"]
    me = await phone.get("/api/v1/account")
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


async def test_a_known_device_gets_in_past_the_address_limit_too(settings_factory: Any) -> None:
    # Everyone here shares one address (a clinic's or a carrier's NAT).
    app = create_app(settings_factory(login_address_limit=3))
    async with app.state.lifespan(app), http_client(app) as phone:
        body = {"username": "alice", "passphrase": PASSPHRASE}
        assert (await phone.post("/api/v1/auth/signup", json=body)).status_code == 201
        end_session(phone)
        async with http_client(app) as attacker:
            for name in ("u1", "u2", "u3"):
                assert (await login(attacker, name, WRONG)).status_code == 401
            assert_locked(await login(attacker, "alice"))
        assert (await login(phone)).status_code == 200


async def test_a_right_passphrase_on_a_known_device_gives_its_attempt_back(
    app: Litestar,
) -> None:
    phone, _ = await signup_device(app)
    await lock_username(app)
    for _ in range(DEVICE_LIMIT + 2):
        assert (await login(phone)).status_code == 200
    for _ in range(DEVICE_LIMIT - 1):
        assert (await login(phone, passphrase=WRONG)).status_code == 401
    assert (await login(phone)).status_code == 200


# (b) A device that never signed in to the account stays locked out.


async def test_a_new_device_stays_locked_out(app: Litestar) -> None:
    phone, _ = await signup_device(app)
    attacker = await lock_username(app)
    assert (await login(phone)).status_code == 200
    # The owner getting in on their phone does not reopen the name for anyone else.
    assert_locked(await login(await new_client(app)))
    assert_locked(await login(attacker))


async def test_a_made_up_device_cookie_does_not_help(app: Litestar) -> None:
    await signup_device(app)
    await lock_username(app)
    forger = await new_client(app)
    forger.cookies.set(DEVICE_COOKIE, "A" * 43, domain="127.0.0.1", path="/api/v1/auth")
    assert_locked(await login(forger))


# (c) One account's device cookie does nothing for another account.


async def test_the_device_cookie_of_one_account_does_not_help_another(app: Litestar) -> None:
    phone_a, _ = await signup_device(app, "alice")
    await signup_device(app, "bobby")
    await lock_username(app, "bobby")
    assert DEVICE_COOKIE in phone_a.cookies
    assert_locked(await login(phone_a, "bobby"))
    # Nor does alice's cookie lift a lock on an unknown name.
    await lock_username(app, "ghost")
    assert_locked(await login(phone_a, "ghost"))
    # It still works for alice.
    await lock_username(app, "alice")
    assert (await login(phone_a, "alice")).status_code == 200


# (d) A stolen device cookie is not a licence to guess.


async def test_wrong_passphrases_with_a_device_cookie_are_limited_too(
    app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone, _ = await signup_device(app)
    await lock_username(app)
    verified = count_verifications(app, monkeypatch)
    statuses = await at_once(20, lambda i: login(phone, passphrase=f"{WRONG}{i}"))
    assert len(verified) == DEVICE_LIMIT
    assert statuses == [401] * DEVICE_LIMIT + [429] * (20 - DEVICE_LIMIT)
    # Used up: now even the right passphrase waits, on this device too.
    assert_locked(await login(phone))
    assert len(verified) == DEVICE_LIMIT


async def test_the_device_limit_is_per_device(app: Litestar) -> None:
    phone, _ = await signup_device(app)
    tablet = await new_client(app)
    assert (await login(tablet, device_id=str(uuid.uuid4()))).status_code == 200
    await lock_username(app)
    for i in range(DEVICE_LIMIT):
        assert (await login(phone, passphrase=f"{WRONG}{i}")).status_code == 401
    assert_locked(await login(phone))
    assert (await login(tablet)).status_code == 200


# The cookie itself, and when it stops counting.


async def test_the_device_cookie_is_strict_httponly_and_scoped_to_sign_in(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    response = await client.post(
        "/api/v1/auth/signup", json={"username": "alice", "passphrase": PASSPHRASE}
    )
    cookies = response.headers.get_list("set-cookie")
    assert cookies[0].startswith("tend_session=")
    device = next(c for c in cookies if c.startswith(f"{DEVICE_COOKIE}="))
    assert "HttpOnly" in device and "samesite=strict" in device.lower()
    assert "Path=/api/v1/auth" in device and "Secure" not in device  # plain-http 127.0.0.1
    assert "Max-Age=31536000" in device
    # Only a hash is stored.
    token = client.cookies[DEVICE_COOKIE]
    rows = await fetch(app.state.services.engine, "SELECT token_hash FROM device_key")
    assert len(rows) == 1 and token not in rows[0]["token_hash"]
    async with http_client(app, "https://tend.example") as https_client:
        response = await https_client.post(
            "/api/v1/auth/signup", json={"username": "bobby", "passphrase": PASSPHRASE}
        )
        device = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith(DEVICE_COOKIE)
        )
        assert "Secure" in device


async def test_each_sign_in_replaces_the_device_cookie(app: Litestar) -> None:
    phone, account = await signup_device(app)
    old = phone.cookies[DEVICE_COOKIE]
    assert (await login(phone, device_id=account["device_id"])).status_code == 200
    assert phone.cookies[DEVICE_COOKIE] != old
    await lock_username(app)
    thief = await new_client(app)
    thief.cookies.set(DEVICE_COOKIE, old, domain="127.0.0.1", path="/api/v1/auth")
    assert_locked(await login(thief))
    assert (await login(phone, device_id=account["device_id"])).status_code == 200


async def test_signing_a_device_out_forgets_it(app: Litestar) -> None:
    phone, account = await signup_device(app)
    laptop = await new_client(app)
    assert (await login(laptop, device_id=str(uuid.uuid4()))).status_code == 200
    # The person signs the lost phone out from the laptop ...
    url = f"/api/v1/account/devices/{account['device_id']}"
    assert (await laptop.delete(url)).status_code == 204
    await lock_username(app)
    assert_locked(await login(phone))
    # ... and a device that signs itself out is forgotten too.
    assert (await laptop.post("/api/v1/auth/logout")).status_code == 204
    assert_locked(await login(laptop))


async def test_a_passphrase_change_forgets_the_other_devices(app: Litestar) -> None:
    phone, _ = await signup_device(app)
    laptop = await new_client(app)
    assert (await login(laptop, device_id=str(uuid.uuid4()))).status_code == 200
    new = "another passphrase 123"
    change = await laptop.post(
        "/api/v1/account/passphrase", json={"current": PASSPHRASE, "new": new}
    )
    assert change.status_code == 204
    await lock_username(app)
    assert_locked(await login(phone, passphrase=new))
    assert (await login(laptop, passphrase=new)).status_code == 200


async def test_a_device_cookie_expires_with_the_longest_session(app: Litestar) -> None:
    phone, _ = await signup_device(app)
    await lock_username(app)
    moment = datetime.now(UTC) - timedelta(days=366)
    await execute(app.state.services.engine, "UPDATE device_key SET created_at = {}", moment)
    assert_locked(await login(phone))


async def test_recovery_sets_a_device_cookie_and_forgets_the_others(app: Litestar) -> None:
    phone, account = await signup_device(app)
    helper = await new_client(app)
    recovered = await helper.post(
        "/api/v1/auth/recover",
        json={
            "username": "alice",
            "recovery_code": account["recovery_code"],
            "new_passphrase": "a brand new one 123",
        },
    )
    assert recovered.status_code == 200, recovered.text
    await lock_username(app)
    assert_locked(await login(phone, passphrase="a brand new one 123"))
    assert (await login(helper, passphrase="a brand new one 123")).status_code == 200


def test_the_device_limit_default_is_five() -> None:
    from backend.settings import load_settings

    assert load_settings({}).login_device_limit == DEVICE_LIMIT
