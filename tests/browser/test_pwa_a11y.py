"""WCAG 2.2 AA checks (axe) in light and dark mode, 44px targets, keyboard use, reduced motion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.pwa_support import open_app, tap_mood

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
TARGETS = """() => [...document.querySelectorAll(
    'button, a.button, .top a, .pick label, input[type=checkbox], select, input, textarea')]
  .filter((el) => el.offsetParent !== null && !el.closest('.check') && !el.closest('.pick'))
  .concat([...document.querySelectorAll('.pick label')].filter((el) => el.offsetParent !== null))
  .map((el) => { const r = el.getBoundingClientRect();
    return { what: el.outerHTML.slice(0, 80), w: r.width, h: r.height }; })"""


def violations(page: Page) -> list[dict[str, Any]]:
    result = Axe().run(page, options=AXE_OPTIONS)
    return [
        {"id": v["id"], "nodes": [n["html"][:100] for n in v["nodes"]]}
        for v in result.response["violations"]
    ]


def screens(page: Page, url: str) -> dict[str, Callable[[], None]]:
    def today() -> None:
        page.goto(url + "/#/today")
        tap_mood(page, 4)

    def dialog() -> None:
        page.goto(url + "/#/today")
        page.get_by_role("button", name="Sleep last night").click()
        page.get_by_role("dialog").wait_for()

    def go(route: str) -> Callable[[], None]:
        return lambda: page.goto(url + route) or page.get_by_role("heading", level=1).wait_for()

    return {
        "today": today,
        "dialog": dialog,
        "help": go("/#/help"),
        "plan": go("/#/plan"),
        "account": go("/#/account"),
    }


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_screen_passes_axe_wcag_22_aa(
    scheme: str, server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(color_scheme=scheme), server_url)
    found = {}
    for name, show in screens(page, server_url).items():
        show()
        page.wait_for_timeout(100)
        if problems := violations(page):
            found[name] = problems
    assert found == {}


def test_tap_targets_are_at_least_44_px(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    small = {}
    for name, show in screens(page, server_url).items():
        show()
        bad = [t for t in page.evaluate(TARGETS) if t["w"] < 44 or t["h"] < 44]
        if bad:
            small[name] = bad
    assert small == {}


def test_a_mood_can_be_logged_with_the_keyboard_alone(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    mood = page.get_by_role("button", name="Mood 0 out of 10")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.mood === '0'"):
            break
    expect(mood).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(page.locator("#mood-saved")).to_contain_text("Saved")


def test_reduced_motion_turns_off_animation(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(reduced_motion="reduce"), server_url)
    tap_mood(page, 5)
    page.get_by_role("button", name="Done").click()
    duration = page.evaluate(
        "getComputedStyle(document.querySelector('#snackbar')).transitionDuration"
    )
    assert duration in ("0s", "")
    other = open_app(new_context(reduced_motion="no-preference"), server_url)
    assert (
        other.evaluate("getComputedStyle(document.querySelector('#snackbar')).transitionDuration")
        != "0s"
    )
