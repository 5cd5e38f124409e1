"""Three API processes on one PostgreSQL (issue 16): what one process guarantees still holds.

Sessions made on one process work on the others; sign-in limits are counted in the database,
so spreading guesses over processes does not multiply them; and a device pulling from
whichever process answers, while three devices push through all three, misses nothing: its
cursor never passes a change that commits later.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.sync_helpers import change, envelope
from tests.api.test_serve_processes import serve_process
from tests.bench.common import PASSPHRASE

pytestmark = [pytest.mark.postgres_only, pytest.mark.serial]


@pytest.fixture
def three(database_url: str) -> Iterator[list[str]]:
    # Real sign-in limits here (the helper's environment raises them for benchmarks).
    limits = {"TEND_LOGIN_USER_LIMIT": "5", "TEND_LOGIN_ADDRESS_LIMIT": "50"}
    started: list[tuple[subprocess.Popen[bytes], str]] = []
    try:
        for _ in range(3):
            started.append(serve_process(database_url, env=limits))
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            process.send_signal(signal.SIGTERM)
        for process, _ in started:
            process.wait(60)


def test_a_session_and_the_sign_in_limit_are_shared_by_every_process(three: list[str]) -> None:
    device = str(uuid.uuid4())
    with httpx.Client(timeout=30) as client:
        made = client.post(
            f"{three[0]}/api/v1/auth/signup",
            json={"username": "robin", "passphrase": PASSPHRASE, "device_id": device},
        )
        assert made.status_code == 201
        for url in three:
            assert client.get(f"{url}/api/v1/account/devices").status_code == 200, url
    statuses = []
    for attempt in range(6):
        with httpx.Client(timeout=30) as guesser:
            answer = guesser.post(
                f"{three[attempt % 3]}/api/v1/auth/login",
                json={"username": "robin", "passphrase": "not the passphrase"},
            )
            statuses.append(answer.status_code)
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429, "five wrong tries in all, whichever process took them"


async def _writer(url: str, cookies: httpx.Cookies, device: str, rounds: int) -> set[str]:
    ids: set[str] = set()
    async with httpx.AsyncClient(base_url=url, cookies=cookies, timeout=60) as client:
        for _ in range(rounds):
            batch = [str(uuid.uuid4()) for _ in range(5)]
            changes = [change(rid, {"at": "2026-11-27T08:05:00+01:00", "mood": 4}) for rid in batch]
            answer = await client.post("/api/v1/sync", json=envelope(changes, device=device))
            assert answer.status_code == 200, answer.text
            ids.update(batch)
    return ids


async def _reader(urls: list[str], cookies: httpx.Cookies, device: str, done: asyncio.Event) -> Any:
    seen: set[str] = set()
    cursor, epoch, turn = 0, None, 0
    async with httpx.AsyncClient(cookies=cookies, timeout=60) as client:
        while True:
            finished = done.is_set()  # read before the pull: the last pull starts after it
            body = envelope([], device=device, cursor=cursor, epoch=epoch, pull_limit=7)
            answer = await client.post(f"{urls[turn % 3]}/api/v1/sync", json=body)
            turn += 1
            page = answer.json()
            seen.update(r["id"] for r in page["records"])
            cursor, epoch = page["next_cursor"], page["epoch"]
            if finished and not page["has_more"]:
                return seen, turn


def _signed_in(url: str, username: str, device: str) -> httpx.Cookies:
    with httpx.Client(timeout=30) as client:
        answer = client.post(
            f"{url}/api/v1/auth/login",
            json={"username": username, "passphrase": PASSPHRASE, "device_id": device},
        )
        assert answer.status_code == 200, answer.text
        return client.cookies


def test_a_pulling_device_misses_nothing_pushed_through_three_processes(
    three: list[str],
) -> None:
    made = httpx.post(
        f"{three[0]}/api/v1/auth/signup", json={"username": "sam", "passphrase": PASSPHRASE}
    )
    assert made.status_code == 201
    devices = [str(uuid.uuid4()) for _ in range(4)]
    cookies = [_signed_in(three[i % 3], "sam", d) for i, d in enumerate(devices)]

    async def run() -> tuple[set[str], set[str], int]:
        done = asyncio.Event()
        reading = asyncio.create_task(_reader(three, cookies[3], devices[3], done))
        written = await asyncio.gather(
            *(_writer(three[i], cookies[i], devices[i], 12) for i in range(3))
        )
        done.set()
        seen, pulls = await reading
        return set().union(*written), seen, pulls

    pushed, seen, pulls = asyncio.run(run())
    assert len(pushed) == 3 * 12 * 5
    assert pulls > 3, "the reader pulled while the writers pushed"
    assert seen == pushed, f"missed {len(pushed - seen)}"
