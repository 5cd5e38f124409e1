"""Issue 16: 500 devices against 1 and then 3 API processes on one PostgreSQL.

Each device belongs to its own person, signs in before the timed part (argon2 is slow by
design; the server runs with cheap hashing and raised sign-in limits for this set-up),
then syncs its 50 changes in 5 requests of 10; every sync pulls too. The server is
`python -m backend serve --workers N`, as production runs it; the load generator shares
the machine's two cores.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from tests.bench.bench_sync import _concurrent_shape
from tests.bench.common import server_environment, throwaway_postgres
from tests.support.live_server import free_port

DEVICES, CHANGES, PER_SYNC = 500, 50, 10
TARGET_P99_MS, TARGET_SCALING = 500.0, 1.6
POOL = 60  # database connections in all, shared out between the processes


@contextmanager
def _served(database_url: str, workers: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [sys.executable, "-m", "backend", "serve", "--port", str(port)]
    # processes x pool must stay under PostgreSQL's max_connections (100 here), as
    # deploy/README.md says for production.
    env = server_environment(database_url) | {"TEND_DB_POOL_SIZE": str(POOL // workers)}
    process = subprocess.Popen([*command, "--workers", str(workers)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the benchmark server did not start")
            time.sleep(0.2)
        time.sleep(2 if workers > 1 else 0)  # every worker up, not only the first
        yield url, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _one(workers: int) -> dict[str, Any]:
    async with throwaway_postgres() as database:
        with _served(database, workers) as (url, pid):
            shape = await _concurrent_shape(
                url, pid, changes_per_sync=PER_SYNC, devices=DEVICES, changes_per_device=CHANGES
            )
    return {
        "workers": workers,
        "requests": shape["requests"],
        "requests_per_s": shape["requests_per_s"],
        "changes_per_s": shape["requests_per_s"] * PER_SYNC,
        "p50_ms": shape["p50_ms"],
        "p99_ms": shape["p99_ms"],
        "errors": shape["errors"],
        # The load generator's own CPU: it shares the two cores with the servers.
        "client_cpu_ms_per_request": shape["client_cpu_ms_per_request"],
        "error_samples": shape["error_samples"],
    }


async def run() -> dict[str, Any]:
    one = await _one(1)
    three = await _one(3)
    scaling = three["requests_per_s"] / one["requests_per_s"]
    return {
        "devices": DEVICES,
        "changes_per_device": CHANGES,
        "changes_per_sync": PER_SYNC,
        "one_process": one,
        "three_processes": three,
        "scaling": scaling,
        "target_p99_ms": TARGET_P99_MS,
        "target_scaling": TARGET_SCALING,
        "ok": (
            three["errors"] == 0
            and one["errors"] == 0
            and three["p99_ms"] <= TARGET_P99_MS
            and scaling >= TARGET_SCALING
        ),
    }
