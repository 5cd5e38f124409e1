"""Benchmark the app in headless Chromium: offline cold reload, mood tap, precache size.

Run from the repository root: .venv/bin/python -m tests.bench.bench_pwa
"""

from __future__ import annotations

import asyncio
import re
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from backend.db import make_engine
from backend.migrate import migrate
from tests.browser.conftest import CHROMIUM_ARGS, PHONE, chromium_path
from tests.browser.pwa_support import finish_checkin, open_app, tap_mood, wait_until
from tests.conftest import make_test_settings
from tests.support.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
SEED_ENTRIES = 300
RELOADS = 7
TAPS = 9

SEED = """async (count) => {
  const { openDb } = await import('/js/db.js');
  const { writeRecord } = await import('/js/store.js');
  const db = await openDb();
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const at = new Date(now - i * 3600_000).toISOString().replace('Z', '+00:00');
    await writeRecord(db, { kind: 'checkin', values: { at, mood: i % 11 } });
  }
}"""
READY_AT = """() => {
  const mark = performance.getEntriesByName('tend:today-listed')[0];
  return mark ? mark.startTime : null;
}"""


def precache_gzipped_bytes() -> tuple[int, int, int]:
    """The shell stored before install, everything kept offline (with LATER), and what
    opening Today loads (the page, what it links and preloads, Today's static imports)."""
    out = subprocess.run(
        ["node", str(ROOT / "tests/js/pwa-budget.mjs")], capture_output=True, text=True, check=True
    ).stdout
    shell = re.search(r"(\d+)\s+total gzipped", out)
    everything = re.search(r"(\d+)\s+with the screens stored after install", out)
    first = re.search(r"(\d+)\s+what opening Today loads", out)
    assert shell and everything and first, out
    return int(shell.group(1)), int(everything.group(1)), int(first.group(1))


def run() -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="tend-bench-pwa-"))
    url = f"sqlite:///{tmp / 'pwa.sqlite3'}"
    asyncio.run(migrate(make_engine(url)))
    settings = make_test_settings(url, var_dir=str(tmp / "var"))
    with LiveServer(settings) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE)
        page = open_app(context, server.url)
        page.evaluate(SEED, SEED_ENTRIES)
        taps = []
        for n in range(TAPS):
            tap_mood(page, n % 11)
            taps.append(int(page.get_attribute("#mood-saved", "data-save-ms") or "0"))
            finish_checkin(page)
        context.set_offline(True)
        cold = []
        for _ in range(RELOADS):
            page.reload()
            wait_until(page, "performance.getEntriesByName('tend:today-listed').length > 0")
            cold.append(float(page.evaluate(READY_AT)))
        browser.close()
    shell_bytes, offline_bytes, first_bytes = precache_gzipped_bytes()
    return {
        "offline_cold_reload_ms_median": round(statistics.median(cold), 1),
        "offline_cold_reload_ms_max": round(max(cold), 1),
        "offline_cold_reload_target_ms": 500,
        "entries_on_device": SEED_ENTRIES + TAPS,
        "mood_tap_to_saved_ms_median": statistics.median(taps),
        "mood_tap_to_saved_ms_max": max(taps),
        "mood_tap_target_ms": 50,
        "precache_gzipped_bytes": shell_bytes,
        "precache_budget_bytes": 60_000,
        "offline_app_gzipped_bytes": offline_bytes,
        "offline_app_budget_bytes": 120_000,
        "first_screen_gzipped_bytes": first_bytes,
        "first_screen_budget_bytes": 45_000,
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:34} {value}")
