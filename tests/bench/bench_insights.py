"""Insights for a year of dense data (issue 12: ~15,000 records in <= 200 ms, SQLite and PG).

A dense year: the demo generator's year (about 2,500 records) six times over with different
seeds, so one person has ~15,000 live records (36 medications, ~160 PHQ-9s, ~2,000 doses...).
Timed: `GET /api/v1/insights` for that year in process (read through sync's read API, decode,
derive, encode), median of RUNS after a warm-up; the read and the derivation are also timed
apart so a miss says where the time went.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from backend.demo.generator import GeneratedRecord, generate_journal
from backend.sync.read import live_records
from backend.treatment.insights import KINDS_READ, derive_insights
from tests.bench.bench_sync import _insert, _rows
from tests.bench.common import (
    SqliteFiles,
    asgi_client,
    bench_settings,
    running_app,
    signup,
    throwaway_postgres,
)

START = date(2025, 1, 6)
DAYS = 365
COPIES = 6
RUNS = 15
TARGET_MS = 200.0


def dense_year() -> list[GeneratedRecord]:
    records: list[GeneratedRecord] = []
    for seed in range(COPIES):
        year = generate_journal(start=START, days=DAYS, seed=100 + seed)
        # The profile and safety plan have fixed ids: one of each per person.
        records.extend(r for r in year if seed == 0 or r.kind not in ("profile", "safety_plan"))
    return records


@asynccontextmanager
async def _database(name: str) -> AsyncIterator[str]:
    if name == "postgres":
        async with throwaway_postgres() as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        files = SqliteFiles(Path(tmp))
        await files.prepare()
        yield files.fresh()


def _ms(seconds: list[float]) -> float:
    return round(statistics.median(seconds) * 1000, 1)


async def _one(name: str, records: list[GeneratedRecord]) -> dict[str, Any]:
    end = START + timedelta(days=DAYS - 1)
    path = f"/api/v1/insights?from={START.isoformat()}&to={end.isoformat()}"
    async with _database(name) as url, running_app(bench_settings(url)) as app:
        engine = app.state.services.engine
        async with asgi_client(app) as client:
            me = await signup(client, "dense")
            user = uuid.UUID(me["user_id"])
            rows, history, _ = _rows(records, user, me["device_id"])
            await _insert(engine, rows, history)
            request, read, derive = [], [], []
            for _ in range(RUNS + 1):
                began = time.perf_counter()
                response = await client.get(path)
                request.append(time.perf_counter() - began)
                response.raise_for_status()
                began = time.perf_counter()
                live = await live_records(engine, user, KINDS_READ)
                read.append(time.perf_counter() - began)
                began = time.perf_counter()
                derive_insights(live, START, end, end)
                derive.append(time.perf_counter() - began)
            trials = len(response.json()["trials"])
    median = _ms(request[1:])
    return {
        "records": len(records),
        "trials": trials,
        "request_ms": median,
        "request_runs_ms": [round(s * 1000, 1) for s in request[1:]],
        "read_ms": _ms(read[1:]),
        "derive_ms": _ms(derive[1:]),
        "ok": median <= TARGET_MS,
    }


async def run() -> dict[str, Any]:
    records = dense_year()
    result: dict[str, Any] = {"target_ms": TARGET_MS, "runs": RUNS}
    for name in ("sqlite", "postgres"):
        result[name] = await _one(name, records)
    result["ok"] = all(result[name]["ok"] for name in ("sqlite", "postgres"))
    return result
