"""`make bench`: run the sync benchmarks, print a table, write bench-results/bench.json.

Usage: python -m tests.bench.run [push] [pull] [concurrent] [reminders] [pwa] [insights] [share]
       [load] [--profile] [--strict]
With no names every benchmark runs. --profile prints where the time goes instead (cProfile:
the timed requests of push and pull, the server process's CPU for concurrent).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import platform
import pstats
import sqlite3
import sys
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench import (
    bench_insights,
    bench_load,
    bench_pwa,
    bench_reminders,
    bench_share,
    bench_sync,
)
from tests.bench.bench_sync import bench_concurrent, bench_pull, bench_push

RESULTS = Path("bench-results/bench.json")


async def bench_reminder_delivery() -> dict[str, Any]:
    result = await bench_reminders.run("postgres")
    result["ok"] = result["delivered"] == result["reminders"] and result["seconds"] <= 20
    return result


async def bench_app() -> dict[str, Any]:
    # Playwright's sync API needs a thread without a running event loop.
    result = await asyncio.to_thread(bench_pwa.run)
    result["ok"] = (
        result["offline_cold_reload_ms_median"] <= result["offline_cold_reload_target_ms"]
        and result["mood_tap_to_saved_ms_median"] <= result["mood_tap_target_ms"]
        and result["precache_gzipped_bytes"] <= result["precache_budget_bytes"]
    )
    return result


BENCHMARKS: dict[str, Callable[[], Coroutine[Any, Any, dict[str, Any]]]] = {
    "push": bench_push,
    "pull": bench_pull,
    "concurrent": bench_concurrent,
    "reminders": bench_reminder_delivery,
    "pwa": bench_app,
    "insights": bench_insights.run,
    "share": bench_share.run,
    "load": bench_load.run,
}
# Published numbers the issue compares against (same workloads).
COMPARISON = {
    "push": {"Kinto 26": "6.9 s", "pouchdb-server 4.2 (no fsync)": "0.26 s"},
    "pull": {"Kinto 26": "0.48 s", "pouchdb-server 4.2 (no fsync)": "1.9 s"},
    "concurrent": {"Kinto 26": "p99 6.8 s", "pouchdb-server 4.2 (no fsync)": "p99 0.93 s"},
    "reminders": {},
    "pwa": {"a React mood-tracker PWA": "840 ms offline reload, 1.7 MB precached"},
    "insights": {},
    "share": {},
    "load": {},
}


DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _met(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _push_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """One block per database: the push, over uvicorn, and its ratio to the raw insert."""
    target, most = result["target_s"], result["target_ratio_to_floor"]
    rows = []
    for key, label in DATABASES.items():
        r = result[key]
        rows += [
            (
                f"push 1,000 (5 x 200), {label}",
                f"{r['push_s']:.3f} s",
                f"<= {target:.2f} s",
                _met(r["push_s"] <= target),
            ),
            ("  same over uvicorn + socket", f"{r['push_over_uvicorn_s']:.3f} s", "", ""),
            (
                "  floor: same rows, 1 transaction",
                f"{r['floor_one_transaction_s']:.3f} s",
                f"ratio {r['ratio_to_floor']:.1f}x (<= {most:g}x)",
                _met(r["ratio_to_floor"] <= most),
            ),
        ]
    return rows


def _pull_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """One block per database: the pull, without gzip, over uvicorn, and its ratio to the
    same pages read straight from the database."""
    target = result["target_s"]
    rows = []
    for key, label in DATABASES.items():
        r = result[key]
        rows += [
            (
                f"pull 20,000 (pages of 1,000), {label}",
                f"{r['pull_s']:.3f} s",
                f"<= {target:.2f} s",
                _met(r["pull_s"] <= target),
            ),
            ("  same without gzip", f"{r['pull_without_gzip_s']:.3f} s", "", ""),
            ("  same over uvicorn + socket", f"{r['pull_over_uvicorn_s']:.3f} s", "", ""),
            (
                "  raw: same 20 pages, straight SELECTs",
                f"{r['raw_pages_s']:.3f} s",
                f"ratio {r['ratio_to_raw']:.1f}x",
                "",
            ),
        ]
    return rows


def _rows(name: str, result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    others = "; ".join(f"{k} {v}" for k, v in COMPARISON[name].items())
    verdict = "ok" if result["ok"] else "MISSED"
    if name == "push":
        return [*_push_rows(result), ("  compare", others, "", "")]
    if name == "pull":
        return [*_pull_rows(result), ("  compare", others, "", "")]
    if name == "reminders":
        return [
            (
                f"reminders: {result['reminders']:,} due, {result['database']}",
                f"{result['seconds']:.1f} s, {result['messages_per_second']:.0f} msg/s",
                "<= 20 s",
                verdict,
            ),
            ("  delivered + verified by push service", f"{result['delivered']:,}", "", ""),
            (
                "  ratio to raw encryption rate",
                f"{result['ratio_to_raw_encryption']:.2f}"
                f" of {result['raw_encryptions_per_second']:.0f}/s",
                "",
                "",
            ),
            (
                "  lateness p50 / p99",
                f"{result['lateness_p50_s']} s / {result['lateness_p99_s']} s",
                "",
                "",
            ),
        ]
    if name == "insights":
        return [
            (
                f"insights, a dense year ({result[db]['records']:,} records), {label}",
                f"{result[db]['request_ms']:.0f} ms",
                f"<= {result['target_ms']:.0f} ms",
                "ok" if result[db]["ok"] else "MISSED",
            )
            for db, label in (("sqlite", "SQLite"), ("postgres", "PG"))
        ] + [
            (
                f"  read / derive, {label}",
                f"{result[db]['read_ms']:.0f} ms / {result[db]['derive_ms']:.0f} ms",
                "",
                "",
            )
            for db, label in (("sqlite", "SQLite"), ("postgres", "PG"))
        ]
    if name == "load":
        return [
            (
                f"500 devices x 50 changes (10 a sync), PG, {r['workers']} process(es)",
                f"{r['requests_per_s']:.0f} req/s, p50 {r['p50_ms']:.0f} ms,"
                f" p99 {r['p99_ms']:.0f} ms, errors {r['errors']}",
                "p99 <= 500 ms, 0 errors" if r["workers"] == 3 else "",
                "",
            )
            for r in (result["one_process"], result["three_processes"])
        ] + [
            (
                "  throughput, 3 processes / 1",
                f"{result['scaling']:.2f}x",
                f">= {result['target_scaling']}x",
                verdict,
            )
        ]
    if name == "share":
        return [
            (
                f"clinician summary, a dense year ({result[db]['records']:,} records), {label}",
                f"{result[db]['page_ms']:.0f} ms",
                f"<= {result['target_ms']:.0f} ms",
                "ok" if result[db]["ok"] else "MISSED",
            )
            for db, label in (("sqlite", "SQLite"), ("postgres", "PG"))
        ] + [
            (
                f"  build / render / FHIR request, {label}",
                f"{result[db]['build_ms']:.0f} / {result[db]['render_ms']:.0f} ms"
                f" / {result[db]['fhir_ms']:.0f} ms",
                "",
                "",
            )
            for db, label in (("sqlite", "SQLite"), ("postgres", "PG"))
        ]
    if name == "pwa":

        def met(ok: bool) -> str:
            return "ok" if ok else "MISSED"

        reload_ms = result["offline_cold_reload_ms_median"]
        tap_ms = result["mood_tap_to_saved_ms_median"]
        size = result["precache_gzipped_bytes"]
        return [
            (
                "app: offline cold reload to Today",
                f"{reload_ms} ms",
                "<= 500 ms",
                met(reload_ms <= result["offline_cold_reload_target_ms"]),
            ),
            (
                "app: mood tap to Saved",
                f"{tap_ms} ms",
                "<= 50 ms",
                met(tap_ms <= result["mood_tap_target_ms"]),
            ),
            (
                "app: shell stored before install, gzipped",
                f"{size:,} B",
                "<= 60,000 B",
                met(size <= result["precache_budget_bytes"]),
            ),
            (
                "app: everything kept offline (with later screens)",
                f"{result['offline_app_gzipped_bytes']:,} B",
                "",
                "",
            ),
            ("  compare", others, "", ""),
        ]
    rows = []
    shapes = (
        ("people", "100 people, 20 syncs of 1 each"),
        ("one_person", "1 person, 100 devices, 20 x 1"),
        ("burst", "100 people, 1 sync of 20 each"),
    )
    for database, shape, label in [
        (db, shape, label) for db in ("PG", "SQLite") for shape, label in shapes
    ]:
        r = (result if database == "PG" else result.get("sqlite", {})).get(shape)
        if r is None:
            continue
        rows.append(
            (
                f"{database}, 100 devices: {label}",
                f"p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms, errors {r['errors']}",
                "p99 <= 300 ms, 0 errors",
                "ok" if r["ok"] else "MISSED",
            )
        )
        cpu = r["server_cpu_ms_per_request"]
        load = f"  {r['requests_per_s']:.0f} requests/s" + (
            f", server CPU {cpu:.1f} ms/request" if cpu else ""
        )
        rows.append((load, "", "", ""))
    rows.append(("  compare", others, "", ""))
    return rows


def _print_table(results: dict[str, dict[str, Any]]) -> None:
    rows = [("benchmark", "measured", "target", "")]
    for name, result in results.items():
        rows.extend(_rows(name, result))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def _write(results: dict[str, dict[str, Any]]) -> None:
    """Merge into the existing file, so running one benchmark keeps the others' numbers."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    saved: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    saved.setdefault("benchmarks", {}).update(results)
    saved["comparison"] = COMPARISON
    saved["environment"] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average": _load(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": platform.platform(),
    }
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")


def _load() -> list[float] | None:
    # Other work on the machine slows every number here; the load average says how much.
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _profile(names: list[str]) -> None:
    """Where the time goes: push and pull profile only their timed requests (client and
    server share this process); the concurrent one profiles its server's CPU time."""
    for name in names:
        server_profile = RESULTS.parent / "server.prof"
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        bench_sync.PROFILER = cProfile.Profile() if name != "concurrent" else None
        bench_sync.SERVER_PROFILE = str(server_profile) if name == "concurrent" else ""
        asyncio.run(BENCHMARKS[name]())
        stats = (
            pstats.Stats(str(server_profile))
            if bench_sync.PROFILER is None
            else pstats.Stats(bench_sync.PROFILER)
        )
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            stats.stream = out  # type: ignore[attr-defined]  # pstats' stubs omit .stream
            stats.sort_stats(order).print_stats(30)
            print(f"== {name}: top 30 by {order} ==\n{out.getvalue()}")
    bench_sync.PROFILER, bench_sync.SERVER_PROFILE = None, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run")
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    if args.profile:
        _profile(names)
        return 0
    print(f"{os.cpu_count()} CPUs, load average {_load()} (other work skews the timings)")
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        began = time.perf_counter()
        print(f"running {name} ...", flush=True)
        results[name] = asyncio.run(BENCHMARKS[name]())
        print(f"  done in {time.perf_counter() - began:.1f} s", flush=True)
    print()
    _print_table(results)
    _write(results)
    print(f"\nwrote {RESULTS}")
    missed = [name for name, result in results.items() if not result["ok"]]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
