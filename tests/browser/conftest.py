"""Browser fixtures: Debian's Chromium (or $CHROMIUM, or Playwright's own) and a live server."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from tests.conftest import IN_CI, make_test_settings
from tests.support.live_server import LiveServer

# Chromium floods a closed network without these (architecture.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
# The README's screenshots are refreshed by `make screenshots`; an ordinary test run writes
# them to a scratch folder, so running the suite never changes tracked files.
SCREENSHOTS = Path(
    os.environ.get("TEND_TEST_SCREENSHOTS")
    or Path(tempfile.gettempdir()) / f"tend-screenshots-{os.getpid()}"
)
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


# Module scope, not session: Playwright's sync API keeps an event loop running in the main
# thread while it is open, and later non-browser tests that call asyncio.run() would fail.
@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    path = chromium_path()
    try:
        launched = playwright_instance.chromium.launch(
            executable_path=path, args=CHROMIUM_ARGS, headless=True
        )
    except Exception as exc:
        if IN_CI:
            raise
        pytest.skip(f"no Chromium available ({exc}); set $CHROMIUM or install chromium")
    yield launched
    launched.close()


@pytest.fixture
def live_server(tmp_path: Path, sqlite_template: Path) -> Iterator[LiveServer]:
    """A real server on a fresh SQLite database (browser tests exercise the app, not the DB)."""
    target = tmp_path / "tend.sqlite3"
    target.write_bytes(sqlite_template.read_bytes())
    settings = make_test_settings(f"sqlite:///{target}", var_dir=str(tmp_path / "var"))
    with LiveServer(settings) as server:
        yield server


@pytest.fixture
def server_url(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Make browser contexts (each one is a separate device); all closed at the end."""
    contexts: list[BrowserContext] = []

    def factory(**options: Any) -> BrowserContext:
        options.setdefault("viewport", PHONE)
        context = browser.new_context(**options)
        contexts.append(context)
        return context

    yield factory
    for context in contexts:
        context.close()


def save_screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
