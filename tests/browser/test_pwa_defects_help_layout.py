"""Get help one tap away inside dialogs, tappable phone numbers and helpline links, no
horizontal overflow on a phone from long words, and "Turn on reminders" that never hangs."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PHONE, save_screenshot
from tests.browser.pwa_support import go_to, new_username, open_app, open_details, sign_up, tap_mood
from tests.browser.test_pwa_a11y import violations

LONG_EFFECT = "x" * 100
LONG_NOTE = "y" * 300

# Every button inside a card must lie within the card's box (1 px for rounding).
BUTTONS_OUTSIDE_CARDS = """() => [...document.querySelectorAll('.card button, .card a.button')]
  .filter((b) => b.offsetParent !== null)
  .map((b) => [b, b.closest('.card')])
  .filter(([b, c]) => { const r = b.getBoundingClientRect(), k = c.getBoundingClientRect();
    return r.left < k.left - 1 || r.right > k.right + 1
      || r.top < k.top - 1 || r.bottom > k.bottom + 1; })
  .map(([b]) => b.outerHTML.slice(0, 80))"""

# subscribe() that never answers, as a stuck push service does; permission already granted.
HANGING_PUSH = """(() => {
  if (typeof window === 'undefined' || !window.PushManager) return;
  PushManager.prototype.subscribe = () => new Promise(() => {});
  PushManager.prototype.getSubscription = async () => null;
  Object.defineProperty(Notification, 'permission', { configurable: true, get: () => 'granted' });
  Notification.requestPermission = async () => 'granted';
  window.__tendPushTimeoutMs = 1500;
})();"""


def expect_no_overflow(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width} px wide"


def test_get_help_is_one_tap_away_from_an_open_form(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    page.locator("[data-form=activity]").click()
    dialog = page.get_by_role("dialog", name="Movement")
    expect(dialog).to_be_visible()
    link = dialog.get_by_role("link", name="Get help")
    expect(link).to_have_attribute("href", "#/help")
    save_screenshot(page, "defects-dialog-get-help")
    assert violations(page) == []
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get help")
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_the_sign_out_question_also_offers_get_help(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    sign_up(page, new_username())
    page.get_by_role("button", name="Sign out").click()
    dialog = page.get_by_role("dialog", name="Sign out?")
    dialog.get_by_role("link", name="Get help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get help")
    # Leaving for help is not an answer: the person is still signed in.
    go_to(page, "Sync")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_findahelpline_is_a_link_and_plan_phone_numbers_can_be_tapped(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url, "/#/help")
    page.get_by_label("Your country").select_option("ZZ")
    lines = page.get_by_role("region", name="Talk to someone now (Somewhere else)")
    link = lines.get_by_role("link", name="findahelpline.com")
    expect(link).to_have_attribute("href", "https://findahelpline.com")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")

    page.get_by_role("link", name="Write my safety plan").click()
    page.get_by_label("People I can ask for help").fill("Sam: +44 7700 900123 after 08:00")
    page.get_by_label("Professionals and services I can contact").fill(
        "Dr Lee (555) 123-4567, next visit 2026-11-27"
    )
    page.get_by_role("button", name="Save").click()
    plan = page.get_by_role("region", name="My safety plan")
    expect(plan.locator('a[href^="tel:"]')).to_have_count(2)
    expect(plan.get_by_role("link", name="+44 7700 900123")).to_have_attribute(
        "href", "tel:+447700900123"
    )
    expect(plan.get_by_role("link", name="(555) 123-4567")).to_have_attribute(
        "href", "tel:5551234567"
    )
    expect(plan).to_contain_text("Sam: +44 7700 900123 after 08:00")
    expect_no_overflow(page)
    assert violations(page) == []


def test_long_words_never_widen_the_page_or_push_buttons_out_of_cards(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    page.locator("[data-form=effect]").click()
    dialog = page.get_by_role("dialog", name="Side effect")
    dialog.locator('[data-name="name"]').fill(LONG_EFFECT)
    dialog.get_by_label("2 moderate").check()
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    tap_mood(page, 5)
    open_details(page)
    page.get_by_label("Note (optional)").fill(LONG_NOTE)
    page.get_by_role("button", name="Done").click()
    entries = page.locator("#entries")
    expect(entries).to_contain_text(LONG_EFFECT)
    expect(entries).to_contain_text(LONG_NOTE)
    expect(page.locator("#snackbar")).not_to_be_visible(timeout=10_000)
    entries.scroll_into_view_if_needed()
    save_screenshot(page, "defects-today-long-words")
    expect_no_overflow(page)
    assert page.evaluate(BUTTONS_OUTSIDE_CARDS) == []

    page.get_by_role("button", name=f"Edit: Side effect: {LONG_EFFECT} (moderate)").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect_no_overflow(page)
    page.keyboard.press("Escape")

    for route in ("#/help", "#/routines"):
        page.goto(f"{server_url}/{route}")
        page.get_by_role("heading", level=1).wait_for()
        expect_no_overflow(page)
        assert page.evaluate(BUTTONS_OUTSIDE_CARDS) == []


def test_turn_on_reminders_shows_progress_and_says_when_the_push_service_does_not_answer(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    context.grant_permissions(["notifications"], origin=server_url)
    context.add_init_script(HANGING_PUSH)
    page = open_app(context, server_url, "/#/routines")
    page.get_by_role("button", name="Turn on reminders").click()
    busy = page.get_by_role("button", name="Turning on…")
    expect(busy).to_be_disabled()
    expect(page.locator("#push-result")).to_contain_text("Setting up reminders")
    assert violations(page) == []
    expect(page.locator("#push-result")).to_have_text(
        "The notification service did not answer. Please try again later."
    )
    expect(page.get_by_role("button", name="Turn on reminders")).to_be_enabled()


def test_at_320_px_nothing_scrolls_sideways_and_get_help_stays_on_screen(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    # WCAG 1.4.10 (reflow) is judged at 320 CSS px; 360 px is a common Android width.
    page = open_app(new_context(viewport={"width": 320, "height": 640}), server_url)
    for route in ("#/today", "#/help", "#/routines", "#/account"):
        page.goto(f"{server_url}/{route}")
        page.get_by_role("heading", level=1).wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, route
        box = page.get_by_role("banner").get_by_role("link", name="Get help").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 320, route
    page.goto(f"{server_url}/#/today")
    page.locator("[data-form=sleep]").click()
    link = page.get_by_role("dialog").get_by_role("link", name="Get help")
    box = link.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 320
