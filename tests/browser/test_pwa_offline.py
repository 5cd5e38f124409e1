"""The app shell works in airplane mode after one visit, never caches the API, and updates
only when the person taps Reload."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.pwa_support import (
    expect_all_synced,
    new_username,
    open_app,
    sign_up,
    store,
    tap_mood,
    wait_until,
)
from tests.conftest import make_test_settings
from tests.support.live_server import LiveServer

REPO = Path(__file__).resolve().parents[2]
CACHED_URLS = """async () => {
  const out = {};
  for (const key of await caches.keys()) {
    out[key] = (await (await caches.open(key)).keys()).map((r) => new URL(r.url).pathname);
  }
  return out;
}"""


def test_cold_start_in_airplane_mode_shows_today_and_saves(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    first = open_app(context, server_url)
    first.close()
    context.set_offline(True)

    page = context.new_page()
    page.goto(server_url + "/")
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    tap_mood(page, 5)
    page.get_by_role("link", name="Get help").click()
    expect(page.get_by_role("heading", name="Get help", level=1)).to_be_visible()
    expect(page.get_by_text("Nobody monitors this app in real time")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Get help", level=1)).to_be_visible()
    page.get_by_role("link", name="Today").click()
    expect(page.locator("#entries")).to_contain_text("Mood 5")


def test_the_api_is_never_cached(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    sign_up(page, new_username())
    expect_all_synced(page)
    page.evaluate("fetch('/api/v1/sync/status').then((r) => r.status)")
    caches = page.evaluate(CACHED_URLS)
    [name] = caches
    assert re.match(r"^tend-shell-[0-9a-f]{12}$", name)
    urls = caches[name]
    assert "/" in urls and "/js/sync.js" in urls and "/css/app.css" in urls
    assert not [u for u in urls if u.startswith("/api/")]
    page.context.set_offline(True)
    status = page.evaluate("fetch('/api/v1/sync/status').then((r) => r.status, () => 'failed')")
    assert status == "failed"


@pytest.fixture
def own_pwa_server(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[LiveServer, Path]]:
    """A server on a copy of pwa/, so a test can publish a new version of the app."""
    pwa = tmp_path / "pwa"
    shutil.copytree(REPO / "pwa", pwa)
    database = tmp_path / "tend.sqlite3"
    database.write_bytes(sqlite_template.read_bytes())
    settings = make_test_settings(
        f"sqlite:///{database}", var_dir=str(tmp_path / "var"), pwa_dir=str(pwa)
    )
    with LiveServer(settings) as server:
        yield server, pwa


def test_a_new_version_waits_for_the_persons_reload(
    own_pwa_server: tuple[LiveServer, Path], new_context: Callable[..., BrowserContext]
) -> None:
    server, pwa = own_pwa_server
    page = open_app(new_context(), server.url)
    tap_mood(page, 6)
    [old_cache] = page.evaluate(CACHED_URLS)

    sw = pwa / "sw.js"
    sw.write_text(re.sub(r"VERSION = '[^']*'", "VERSION = 'next-version'", sw.read_text()))
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    banner = page.locator("#banners")
    expect(banner).to_contain_text("Update available")
    # Nothing changes until the person chooses to reload.
    assert page.evaluate(CACHED_URLS).keys() >= {old_cache}
    with page.expect_navigation():
        banner.get_by_role("button", name="Reload").click()
    page.wait_for_load_state()
    wait_until(page, "navigator.serviceWorker.controller !== null")
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    expect(page.locator("#entries")).to_contain_text("Mood 6")
    wait_until(
        page, "caches.keys().then((k) => k.length === 1 && k[0] === 'tend-shell-next-version')"
    )
    assert len(store(page, "records")) == 1


def test_every_screen_works_offline_after_one_visit(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    # The screens stored when the worker activates (precache.js LATER) are there too.
    context = new_context()
    first = open_app(context, server_url)
    wait_until(first, "navigator.serviceWorker.ready.then((r) => r.active?.state === 'activated')")
    first.close()
    context.set_offline(True)
    page = context.new_page()
    for route, heading in (
        ("#/routines", "Routines and reminders"),
        ("#/account", "Turn on sync"),
        ("#/plan", "My safety plan"),
        ("#/day/2026-01-15", "Thursday, 15 January 2026"),
        ("#/help", "Get help"),
    ):
        page.goto(f"{server_url}/{route}")
        expect(page.get_by_role("heading", name=heading, level=1, exact=True)).to_be_visible()
