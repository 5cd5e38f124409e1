"""The clinician summary for a year of dense data (issue 13: rendered in <= 300 ms here).

The dense year of bench_insights (~15,000 records for one person), shared with every category
for the whole year. Timed: `GET /s/<token>` in process (look up the link, read the journal
through sync's read API, scope, derive, render the page with its charts), median of RUNS
after a warm-up; the FHIR Bundle, the health link's manifest (the same Bundle compressed and
encrypted, embedded) and the page's build and render alone are timed too.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.sharing import shl
from backend.sharing.content import shared_records
from backend.sharing.render import render_summary
from backend.sharing.scope import CATEGORIES, Scope
from backend.sharing.summary import build_summary
from backend.sync.read import collector_paused
from tests.bench.bench_insights import DAYS, START, _database, _ms, dense_year
from tests.bench.bench_sync import _insert, _rows
from tests.bench.common import asgi_client, bench_settings, running_app, signup

RUNS = 15
TARGET_MS = 300.0


async def _time(client: Any, path: str) -> list[float]:
    seconds = []
    for _ in range(RUNS + 1):
        began = time.perf_counter()
        response = await client.get(path)
        seconds.append(time.perf_counter() - began)
        response.raise_for_status()
    return seconds[1:]


async def _time_manifest(client: Any, link: str) -> tuple[list[float], int]:
    """The health link's manifest (issue 14): the same Bundle, compressed and encrypted."""
    payload = json.loads(shl.from_b64url(link.removeprefix("shlink:/")))
    path = "/shl/" + payload["url"].rsplit("/shl/", 1)[1]
    seconds, size = [], 0
    for _ in range(RUNS + 1):
        began = time.perf_counter()
        response = await client.post(path, json={"recipient": "bench"})
        seconds.append(time.perf_counter() - began)
        response.raise_for_status()
        size = len(response.json()["files"][0]["embedded"])
    return seconds[1:], size


async def _one(name: str, records: list[Any]) -> dict[str, Any]:
    end = START + timedelta(days=DAYS - 1)
    body = {"from": START.isoformat(), "to": end.isoformat(), "categories": list(CATEGORIES)}
    async with _database(name) as url, running_app(bench_settings(url)) as app:
        engine = app.state.services.engine
        async with asgi_client(app) as client:
            me = await signup(client, "dense")
            user = uuid.UUID(me["user_id"])
            rows, history, _ = _rows(records, user, me["device_id"])
            await _insert(engine, rows, history)
            created = await client.post("/api/v1/shares", json=body)
            created.raise_for_status()
            path = "/s/" + created.json()["url"].rsplit("/s/", 1)[1]
            page = await _time(client, path)
            fhir = await _time(client, f"{path}/fhir")
            fhir_bytes = len((await client.get(f"{path}/fhir")).content)
            manifest, jwe_bytes = await _time_manifest(client, created.json()["shlink"])
            size = len((await client.get(path)).content)
            scope = Scope(START, end, frozenset(CATEGORIES))
            shown, today = await shared_records(engine, user, scope, datetime.now(UTC))
            build, render = [], []
            for _ in range(RUNS + 1):
                began = time.perf_counter()
                with collector_paused():
                    summary = build_summary(shown, scope, today=today, as_of=datetime.now(UTC))
                build.append(time.perf_counter() - began)
                began = time.perf_counter()
                render_summary(summary, base_path=path)
                render.append(time.perf_counter() - began)
    median = _ms(page)
    return {
        "records": len(records),
        "page_ms": median,
        "page_runs_ms": [round(s * 1000, 1) for s in page],
        "page_bytes": size,
        "fhir_ms": _ms(fhir),
        "fhir_bytes": fhir_bytes,
        "health_link_manifest_ms": _ms(manifest),
        "health_link_jwe_bytes": jwe_bytes,
        "build_ms": _ms(build[1:]),
        "render_ms": _ms(render[1:]),
        "ok": median <= TARGET_MS,
    }


async def run() -> dict[str, Any]:
    records = dense_year()
    result: dict[str, Any] = {"target_ms": TARGET_MS, "runs": RUNS}
    for name in ("sqlite", "postgres"):
        result[name] = await _one(name, records)
    result["ok"] = all(result[name]["ok"] for name in ("sqlite", "postgres"))
    return result
