"""`python -m backend serve` as production runs it: several workers, and a graceful stop.

A stopped server (SIGTERM, as systemd and Docker stop it) lets a sync push under way finish
and commit before it exits; `--workers N` serves from N processes on one database.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.sync_helpers import change, envelope
from tests.bench.common import PASSPHRASE, server_environment
from tests.support.live_server import free_port

pytestmark = pytest.mark.serial  # real server processes; timing-sensitive under xdist load
STOPPED = (0, -signal.SIGTERM)


def serve_process(
    database_url: str, *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = server_environment(database_url) | {"TEND_SCHEDULER_ENABLED": "true"} | (env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "backend", "serve", "--port", str(port), *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "tend.sqlite3"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


def test_a_sync_under_way_finishes_when_the_server_is_stopped(sqlite_url: str) -> None:
    process, url = serve_process(sqlite_url)
    device = str(uuid.uuid4())
    client = httpx.Client(base_url=url, timeout=60)
    signed_up = client.post(
        "/api/v1/auth/signup",
        json={"username": "robin", "passphrase": PASSPHRASE, "device_id": device},
    )
    assert signed_up.status_code == 201, signed_up.text
    ids = [str(uuid.uuid4()) for _ in range(200)]
    body = json.dumps(
        envelope(
            [change(rid, {"at": "2026-11-27T08:05:00+01:00", "mood": 5}) for rid in ids],
            device=device,
        )
    ).encode()
    halfway, answer = threading.Event(), {}

    def slowly() -> Iterator[bytes]:
        # Half the push, then the stop signal arrives, then the rest: a request under way.
        yield body[: len(body) // 2]
        halfway.set()
        time.sleep(0.5)
        yield body[len(body) // 2 :]

    def push() -> None:
        answer["response"] = client.post(
            "/api/v1/sync", content=slowly(), headers={"content-type": "application/json"}
        )

    sender = threading.Thread(target=push)
    sender.start()
    assert halfway.wait(10)
    process.send_signal(signal.SIGTERM)
    sender.join(60)
    # uvicorn shuts down, then re-raises the signal it got: ended by SIGTERM, not killed.
    assert process.wait(60) in STOPPED
    response = answer["response"]
    assert response.status_code == 200, response.text
    assert {r["status"] for r in response.json()["results"]} == {"applied"}

    again, url = serve_process(sqlite_url)
    try:
        relogged = httpx.Client(base_url=url, timeout=60)
        assert (
            relogged.post(
                "/api/v1/auth/login",
                json={"username": "robin", "passphrase": PASSPHRASE, "device_id": device},
            ).status_code
            == 200
        )
        pulled = relogged.post("/api/v1/sync", json=envelope([], device=device, pull_limit=1000))
        assert {r["id"] for r in pulled.json()["records"]} == set(ids), "all committed"
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(30)


@pytest.mark.postgres_only
def test_workers_serve_from_several_processes_on_one_database(database_url: str) -> None:
    process, url = serve_process(database_url, "--workers", "3")
    try:
        deadline = time.monotonic() + 20
        while len(_children(process.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_children(process.pid)) >= 3, "three worker processes"
        with httpx.Client(base_url=url, timeout=30) as client:
            assert (
                client.post(
                    "/api/v1/auth/signup", json={"username": "sam", "passphrase": PASSPHRASE}
                ).status_code
                == 201
            )
            # Every request may land on another process: the session lives in the database.
            for _ in range(12):
                assert client.get("/api/v1/account/devices").status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) in STOPPED
    assert not any(os.path.exists(f"/proc/{pid}") for pid in _children(process.pid))
