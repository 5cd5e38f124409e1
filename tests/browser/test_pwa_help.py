"""Get help: on every screen, offline and signed out, lines for the chosen country, and the
person's own safety plan saved like any other record."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.pwa_support import open_app, store

PROFILE_ID = "00000000-0000-0000-0000-000000000001"
SAFETY_PLAN_ID = "00000000-0000-0000-0000-000000000002"


def test_get_help_is_in_the_header_of_every_screen(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    for route in ("#/today", "#/account", "#/plan", "#/help"):
        page.goto(f"{server_url}/{route}")
        page.get_by_role("heading", level=1).wait_for()
        link = page.get_by_role("banner").get_by_role("link", name="Get help")
        expect(link).to_be_visible()
        expect(link).to_have_attribute("href", "#/help")


def test_choosing_a_country_shows_its_lines_and_is_saved_to_the_profile(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url, "/#/help")
    expect(page.get_by_text("Nobody monitors this app in real time")).to_be_visible()
    page.get_by_label("Your country").select_option("GB")
    lines = page.get_by_role("region", name="Talk to someone now (United Kingdom)")
    expect(lines.get_by_role("link", name="Call 116 123")).to_have_attribute("href", "tel:116123")
    expect(lines.get_by_role("link", name="Emergency: 999")).to_have_attribute("href", "tel:999")
    expect(lines.get_by_role("link", name="NHS 111 (urgent but not an emergency)")).to_be_visible()
    expect(lines).not_to_contain_text("988")

    [profile] = [r for r in store(page, "records") if r["id"] == PROFILE_ID]
    assert profile["kind"] == "profile"
    assert profile["fields"]["country"]["v"] == "GB"
    [change] = store(page, "outbox")
    # A singleton only sends what this device set, so it never overwrites another device's fields.
    assert set(change["fields"]) == {"country"}

    page.reload()
    expect(page.get_by_label("Your country")).to_have_value("GB")
    page.get_by_label("Your country").select_option("US")
    lines = page.get_by_role("region", name="Talk to someone now (United States)")
    expect(lines.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")
    expect(lines).to_contain_text("Veterans: call 988 and press 1")


def test_without_a_country_every_line_is_shown_and_nothing_is_fetched_elsewhere(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    foreign: list[str] = []
    context.on(
        "request", lambda r: foreign.append(r.url) if not r.url.startswith(server_url) else None
    )
    page = open_app(context, server_url, "/#/help")
    lines = page.get_by_role("region", name="Talk to someone now")
    for text in ("988", "9-8-8", "116 123", "13 11 14", "1737", "Emergency: 112", "Emergency: 000"):
        expect(lines).to_contain_text(text)
    expect(lines).to_contain_text("findahelpline.com")
    # A link out (opened in a new tab), never fetched: nothing below reaches another origin.
    expect(lines.get_by_role("link", name="findahelpline.com").first).to_have_attribute(
        "href", "https://findahelpline.com"
    )
    assert foreign == []


def test_the_safety_plan_is_written_edited_and_kept(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url, "/#/help")
    page.get_by_role("link", name="Write my safety plan").click()
    page.get_by_label("Warning signs that a crisis may be starting").fill(
        "Not sleeping, skipping meals"
    )
    page.get_by_label("People I can ask for help").fill("Sam: 07700 900123")
    page.get_by_role("button", name="Save").click()
    plan = page.get_by_role("region", name="My safety plan")
    expect(plan).to_contain_text("Not sleeping, skipping meals")
    expect(plan).to_contain_text("Sam: 07700 900123")

    plan.get_by_role("link", name="Edit my safety plan").click()
    page.get_by_label("Making my surroundings safer").fill("Pills stay with my partner")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("region", name="My safety plan")).to_contain_text(
        "Pills stay with my partner"
    )

    [record] = [r for r in store(page, "records") if r["id"] == SAFETY_PLAN_ID]
    assert record["kind"] == "safety_plan"
    first, second = store(page, "outbox")
    assert set(first["fields"]) == {"warning_signs", "people_to_ask"}
    assert set(second["fields"]) == {"safe_environment"}
    page.reload()
    expect(page.get_by_role("region", name="My safety plan")).to_contain_text("Sam: 07700 900123")
