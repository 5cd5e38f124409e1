"""A NUL byte in any text the API stores or looks up is a 400, never a 500.

PostgreSQL text cannot hold NUL: before these checks such a value reached the database and
failed the request with an internal error (found next to the sync findings of the attack).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import PASSPHRASE, signup

NUL = "\x00"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/login", {"username": f"ali{NUL}ce", "passphrase": PASSPHRASE}),
        ("/api/v1/auth/signup", {"username": f"new{NUL}one", "passphrase": PASSPHRASE}),
        (
            "/api/v1/auth/signup",
            {"username": "newone", "passphrase": PASSPHRASE, "device_name": f"ph{NUL}one"},
        ),
        (
            "/api/v1/auth/recover",
            {
                "username": f"ali{NUL}ce",
                "recovery_code": "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA",
                "new_passphrase": PASSPHRASE,
            },
        ),
    ],
)
async def test_nul_in_account_texts_is_400(
    client: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    response = await client.post(path, json=body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "POST",
            "/api/v1/push/subscriptions",
            {
                "endpoint": f"https://push.example.com/{NUL}",
                "keys": {"p256dh": "x", "auth": "y"},
                "device_id": str(uuid.uuid4()),
            },
        ),
        ("DELETE", "/api/v1/push/subscriptions", {"endpoint": f"https://push.example.com/{NUL}"}),
        ("POST", "/api/v1/reminders/snooze", {"occurrence": f"x{NUL}", "minutes": 15}),
    ],
)
async def test_nul_in_reminder_texts_is_400(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any]
) -> None:
    await signup(client)
    response = await client.request(method, path, json=body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
