"""Screenshots of the main screens at 390x844 for the README (docs/screenshots/)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.conftest import save_screenshot as _save
from tests.browser.pwa_support import finish_checkin, open_app, tap_mood, wait_started
from tests.browser.test_pwa_treatments import SEED_TREATMENTS


def save_screenshot(page: Page, name: str) -> None:
    # The "saved" snackbar would cover part of the screen; wait until it has gone.
    expect(page.locator("#snackbar")).not_to_be_visible(timeout=10_000)
    _save(page, name)


SEED_MONTH = (Path(__file__).parent / "seed_month.js").read_text()


def test_main_screens_are_captured(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    for mood in (4, 6):
        tap_mood(page, mood)
        finish_checkin(page)
    page.get_by_role("button", name="Movement").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    save_screenshot(page, "log-movement")
    page.keyboard.press("Escape")
    page.goto(server_url + "/#/today")
    expect(page.locator("#entries")).to_contain_text("Mood")
    save_screenshot(page, "today")
    page.get_by_role("link", name="Get help").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("help")
    save_screenshot(page, "get-help")
    page.goto(server_url + "/#/account")
    page.get_by_role("heading", level=1).first.wait_for()
    save_screenshot(page, "sync")
    page.goto(server_url + "/#/routines")
    page.get_by_role("heading", level=1).first.wait_for()
    save_screenshot(page, "routines")
    page.evaluate(SEED_MONTH)
    for route, name in (
        ("history", "history"),
        ("phq9", "phq9"),
        ("settings", "settings"),
        ("more", "more"),
    ):
        page.goto(f"{server_url}/#/{route}")
        page.get_by_role("heading", level=1).first.wait_for()
        save_screenshot(page, name)
    for name in ("today", "get-help", "sync", "log-movement", "routines"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 5_000
    page.goto(f"{server_url}/#/history")
    wait_started(page)
    page.get_by_role("heading", name="Trends").wait_for()
    page.evaluate("window.scrollTo(0, document.getElementById('trends-h').offsetTop - 60)")
    save_screenshot(page, "trends")
    for name in ("history", "trends", "phq9", "settings", "more"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 5_000
    page.evaluate(SEED_TREATMENTS)
    for route, heading in (("treatments", "Treatment history"), ("patterns", "Patterns")):
        page.goto(f"{server_url}/#/{route}")
        page.get_by_role("heading", name=heading, level=1).wait_for()
        page.locator("#trials li, #patterns section").first.wait_for()
        save_screenshot(page, route)
        assert (SCREENSHOTS / f"{route}.png").stat().st_size > 5_000
