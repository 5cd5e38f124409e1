"""Two server processes on one SQLite file: every push lands once, nothing is lost.

Within a process, writes take turns on one long-lived connection (backend/db.py); between
processes only SQLite's own file lock and busy_timeout order them. Six devices push at once
through both processes, and a new device then pulls everything back, page by page.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.sync_helpers import change, envelope
from tests.bench.common import PASSPHRASE, uvicorn_server

pytestmark = pytest.mark.serial  # two server processes: timing-sensitive under xdist load

DEVICES = 6
BATCHES = 6
PER_BATCH = 5


async def _device(urls: list[str], username: str, index: int) -> set[str]:
    """Sign in on one process, then push, alternating processes; returns the ids logged."""
    device = str(uuid.uuid4())
    logged: set[str] = set()
    cookies = httpx.Cookies()
    async with httpx.AsyncClient(timeout=60, cookies=cookies) as client:
        signed_in = await client.post(
            f"{urls[index % 2]}/api/v1/auth/login",
            json={"username": username, "passphrase": PASSPHRASE, "device_id": device},
        )
        assert signed_in.status_code == 200, signed_in.text
        for batch in range(BATCHES):
            ids = [str(uuid.uuid4()) for _ in range(PER_BATCH)]
            changes = [
                change(rid, {"at": "2026-11-27T08:05:00+01:00", "mood": (index + batch) % 11})
                for rid in ids
            ]
            url = urls[(index + batch) % 2]
            answer = await client.post(f"{url}/api/v1/sync", json=envelope(changes, device=device))
            assert answer.status_code == 200, answer.text
            assert {r["status"] for r in answer.json()["results"]} == {"applied"}
            logged.update(ids)
    return logged


async def _pull_all(url: str, username: str) -> list[dict[str, Any]]:
    device, records, cursor, epoch = str(uuid.uuid4()), [], 0, None
    async with httpx.AsyncClient(timeout=60) as client:
        signed_in = await client.post(
            f"{url}/api/v1/auth/login",
            json={"username": username, "passphrase": PASSPHRASE, "device_id": device},
        )
        assert signed_in.status_code == 200
        while True:
            body = envelope([], device=device, cursor=cursor, epoch=epoch, pull_limit=50)
            answer = await client.post(f"{url}/api/v1/sync", json=body)
            assert answer.status_code == 200, answer.text
            page = answer.json()
            records += page["records"]
            cursor, epoch = page["next_cursor"], page["epoch"]
            if not page["has_more"]:
                assert len(records) > 50, "the pull took several pages"
                return records


def test_two_processes_on_one_sqlite_file_lose_and_repeat_nothing(
    sqlite_template: Path, tmp_path: Path
) -> None:
    target = tmp_path / "shared.sqlite3"
    shutil.copyfile(sqlite_template, target)
    url = f"sqlite:///{target}"
    with uvicorn_server(url) as (first, _), uvicorn_server(url) as (second, _):
        signed_up = httpx.post(
            f"{first}/api/v1/auth/signup", json={"username": "robin", "passphrase": PASSPHRASE}
        )
        assert signed_up.status_code == 201, signed_up.text

        async def run() -> tuple[list[set[str]], list[dict[str, Any]]]:
            logged = await asyncio.gather(
                *(_device([first, second], "robin", i) for i in range(DEVICES))
            )
            return list(logged), await _pull_all(second, "robin")

        logged, pulled = asyncio.run(run())
    everything = set().union(*logged)
    assert len(everything) == DEVICES * BATCHES * PER_BATCH
    ids = [r["id"] for r in pulled]
    assert len(ids) == len(set(ids)), "no record twice"
    assert set(ids) == everything, "every pushed record comes back"
