"""Guessing limits that hold when the guesses come all at once, and a throttle on sign-ups.

Found by an outside attack: 120 parallel wrong logins for one username were all verified
(the limit was checked before hashing and the failure written after), passphrase re-entry on
a session had no limit at all, and 60 parallel sign-ups (two argon2 hashes each) slowed a
real login from 0.19 s to 5.3 s.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from litestar import Litestar

from backend.accounts.passwords import Passwords
from backend.app import create_app
from tests.conftest import PASSPHRASE, http_client, new_client, signup

LOGIN = "/api/v1/auth/login"
WRONG = "not the passphrase at all"
LIMIT = 5  # login_user_limit's default


def count_verifications(app: Litestar, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every argon2 verification the app runs (one per guess that got that far)."""
    passwords: Passwords = app.state.services.accounts.passwords
    original = passwords.verify
    calls: list[int] = []

    async def counting(hashed: str | None, secret: str) -> bool:
        calls.append(1)
        return await original(hashed, secret)

    monkeypatch.setattr(passwords, "verify", counting)
    return calls


def assert_locked(response: httpx.Response, window: int = 900) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "rate-limited"
    assert 1 <= int(response.headers["retry-after"]) <= window


async def at_once(count: int, make: Callable[[int], Awaitable[httpx.Response]]) -> list[int]:
    responses = await asyncio.gather(*(make(i) for i in range(count)))
    return sorted(r.status_code for r in responses)


async def test_parallel_wrong_logins_spend_one_attempt_each(
    app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await new_client(app)
    await signup(owner)
    verified = count_verifications(app, monkeypatch)
    attacker = await new_client(app)
    statuses = await at_once(
        40, lambda i: attacker.post(LOGIN, json={"username": "alice", "passphrase": f"{WRONG}{i}"})
    )
    assert len(verified) <= LIMIT
    assert statuses == [401] * len(verified) + [429] * (40 - len(verified))
    # Locked: even the right passphrase is not tried now.
    right = await attacker.post(LOGIN, json={"username": "alice", "passphrase": PASSPHRASE})
    assert_locked(right)
    assert len(verified) <= LIMIT


async def test_parallel_wrong_recovery_codes_spend_one_attempt_each(
    app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await new_client(app)
    code = (await signup(owner))["recovery_code"]
    verified = count_verifications(app, monkeypatch)
    attacker = await new_client(app)

    def recover(secret: str) -> Awaitable[httpx.Response]:
        return attacker.post(
            "/api/v1/auth/recover",
            json={"username": "alice", "recovery_code": secret, "new_passphrase": "a new one 123"},
        )

    statuses = await at_once(30, lambda i: recover(f"AAAAA-AAAAA-AAAAA-AAAAA-AAAA{i % 10}"))
    assert len(verified) <= LIMIT
    assert set(statuses) <= {401, 429}
    assert_locked(await recover(code))
    assert len(verified) <= LIMIT


async def test_passphrase_reentry_on_a_session_is_limited_too(
    app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Someone holding an unlocked device must not get unlimited guesses at the passphrase
    # (to change it, or to delete the account).
    device = await new_client(app)
    await signup(device)
    verified = count_verifications(app, monkeypatch)
    statuses = await at_once(
        30,
        lambda i: device.post(
            "/api/v1/account/passphrase", json={"current": f"{WRONG}{i}", "new": "another one 123"}
        ),
    )
    assert len(verified) <= LIMIT
    assert statuses == [401] * len(verified) + [429] * (30 - len(verified))
    change = await device.post(
        "/api/v1/account/passphrase", json={"current": PASSPHRASE, "new": "another one 123"}
    )
    assert_locked(change)
    delete = await device.request("DELETE", "/api/v1/account", json={"passphrase": PASSPHRASE})
    assert_locked(delete)
    assert len(verified) <= LIMIT
    assert (await device.get("/api/v1/account")).status_code == 200  # still there


async def test_a_successful_attempt_gives_its_slot_back(app: Litestar) -> None:
    owner = await new_client(app)
    await signup(owner)
    guest = await new_client(app)
    for _ in range(LIMIT + 3):
        ok = await guest.post(LOGIN, json={"username": "alice", "passphrase": PASSPHRASE})
        assert ok.status_code == 200
    for _ in range(LIMIT + 3):
        reentry = await owner.post(
            "/api/v1/account/passphrase", json={"current": PASSPHRASE, "new": PASSPHRASE}
        )
        assert reentry.status_code == 204
    for _ in range(LIMIT - 1):
        wrong = await guest.post(LOGIN, json={"username": "alice", "passphrase": WRONG})
        assert wrong.status_code == 401
    assert (
        await guest.post(LOGIN, json={"username": "alice", "passphrase": PASSPHRASE})
    ).status_code == 200


async def _signup(client: httpx.AsyncClient, name: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/signup", json={"username": name, "passphrase": PASSPHRASE}
    )


async def test_signups_from_one_address_are_limited(settings_factory: Any) -> None:
    app = create_app(settings_factory(signup_address_limit=3))
    async with app.state.lifespan(app), http_client(app) as client:
        for name in ("user1", "user2", "user3"):
            assert (await _signup(client, name)).status_code == 201
        blocked = await _signup(client, "user4")
        assert_locked(blocked, window=3600)
        assert 3000 <= int(blocked.headers["retry-after"]) <= 3600
        # The account was not made, and logins of existing accounts still work.
        assert (
            await client.post(LOGIN, json={"username": "user4", "passphrase": PASSPHRASE})
        ).status_code == 401
        assert (
            await client.post(LOGIN, json={"username": "user1", "passphrase": PASSPHRASE})
        ).status_code == 200


async def test_parallel_signups_from_one_address_are_limited(settings_factory: Any) -> None:
    app = create_app(settings_factory(signup_address_limit=3))
    async with app.state.lifespan(app), http_client(app) as client:
        statuses = await at_once(12, lambda i: _signup(client, f"user{i}"))
        assert statuses == [201] * 3 + [429] * 9


async def test_signup_limit_is_per_address(settings_factory: Any) -> None:
    app = create_app(settings_factory(signup_address_limit=1, trust_forwarded_for=True))
    async with app.state.lifespan(app), http_client(app) as client:
        first = {"x-forwarded-for": "203.0.113.1"}
        other = {"x-forwarded-for": "203.0.113.2"}
        body = {"passphrase": PASSPHRASE}
        url = "/api/v1/auth/signup"
        assert (
            await client.post(url, json={**body, "username": "aaa1"}, headers=first)
        ).status_code == 201
        assert (
            await client.post(url, json={**body, "username": "aaa2"}, headers=first)
        ).status_code == 429
        assert (
            await client.post(url, json={**body, "username": "bbb1"}, headers=other)
        ).status_code == 201


def test_signup_limit_default_is_ten_an_hour() -> None:
    from backend.settings import load_settings

    settings = load_settings({})
    assert (settings.signup_address_limit, settings.signup_window_seconds) == (10, 3600)


async def test_signup_hashing_cannot_starve_logins() -> None:
    """Sign-ups hash with their own capacity: a login's verification never queues behind."""
    passwords = Passwords(time_cost=1, memory_kib=1024, concurrency=1, signup_concurrency=1)
    release = threading.Event()
    real = passwords._hasher

    class Stuck:
        def hash(self, secret: str) -> str:
            release.wait(10)
            return real.hash(secret)

        def verify(self, hashed: str, secret: str) -> bool:
            return real.verify(hashed, secret)

    monkey = pytest.MonkeyPatch()
    monkey.setattr(passwords, "_hasher", Stuck())
    try:
        stuck = asyncio.create_task(passwords.hash("a new account", signup=True))
        await asyncio.sleep(0.05)
        assert not await asyncio.wait_for(passwords.verify(None, "a guess"), timeout=5)
    finally:
        release.set()
        monkey.undo()
    assert (await stuck).startswith("$argon2id$")
