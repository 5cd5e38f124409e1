"""Accounts in the app: no account needed, a one-time recovery code, and sign-out that never
discards unsynced entries without a warned, explicit choice."""

from __future__ import annotations

import json
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.pwa_support import (
    PASSPHRASE,
    expect_all_synced,
    finish_checkin,
    go_to,
    new_username,
    open_app,
    sign_in,
    sign_up,
    store,
    sync_now,
    tap_mood,
    wait_started,
)


def hold_sync(page: Page) -> None:
    """The server is unreachable for sync from now on (page and service worker)."""
    page.context.route(
        "**/api/v1/sync",
        lambda route: route.fulfill(
            status=503,
            headers={"Retry-After": "600"},
            content_type="application/problem+json",
            body=json.dumps({"status": 503, "code": "busy", "title": "Busy"}),
        ),
    )


def test_sign_up_shows_the_recovery_code_once_with_a_write_it_down_step(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url, "/#/account")
    expect(page.get_by_role("heading", name="Turn on sync", level=1)).to_be_visible()
    form = page.locator("form[data-form=signup]")
    form.get_by_label("Username").fill(new_username())
    form.get_by_label("Passphrase").fill("too short")
    form.get_by_role("button", name="Create account").click()
    expect(form.get_by_role("alert")).to_have_text("Your passphrase needs at least 10 characters.")
    form.get_by_label("Passphrase").fill(PASSPHRASE)
    form.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Write down your recovery code")).to_be_visible()
    expect(page.locator("#recovery-code")).not_to_be_empty()
    go_on = page.get_by_role("button", name="Continue")
    expect(go_on).to_be_disabled()
    page.get_by_label("I have written it down").check()
    go_on.click()
    expect(page.locator("#recovery-code")).to_have_count(0)
    expect(page.get_by_role("heading", name="Signed in as")).to_be_visible()


def test_a_taken_username_is_explained(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    username = new_username()
    sign_up(open_app(new_context(), server_url), username)
    page = open_app(new_context(), server_url, "/#/account")
    form = page.locator("form[data-form=signup]")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Passphrase").fill(PASSPHRASE)
    form.get_by_role("button", name="Create account").click()
    expect(form.get_by_role("alert")).to_have_text("That username is taken. Please choose another.")


def test_sign_out_with_unsynced_entries_warns_and_can_keep_them(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    username = new_username()
    sign_up(page, username)
    expect_all_synced(page)
    hold_sync(page)
    page.get_by_role("link", name="Today").click()
    tap_mood(page, 3)
    finish_checkin(page)
    tap_mood(page, 4)
    finish_checkin(page)

    go_to(page, "Sync")
    page.get_by_role("button", name="Sign out").click()
    dialog = page.get_by_role("dialog", name="Sign out?")
    expect(dialog).to_contain_text("2 entries are not yet synced")
    for choice in (
        "Sync now",
        "Sign out and keep entries on this device",
        "Sign out and erase this device",
    ):
        expect(dialog.get_by_role("button", name=choice)).to_be_visible()
    dialog.get_by_role("button", name="Sign out and keep entries on this device").click()
    expect(page.get_by_role("heading", name="Turn on sync", level=1)).to_be_visible()
    assert len(store(page, "outbox")) == 2
    assert len(store(page, "records")) == 2

    # Another account cannot take over these entries.
    other = new_username()
    sign_up(open_app(new_context(), server_url), other)
    page.bring_to_front()
    form = page.locator("form[data-form=login]")
    form.get_by_label("Username").fill(other)
    form.get_by_label("Passphrase").fill(PASSPHRASE)
    form.get_by_role("button", name="Sign in").click()
    expect(form.get_by_role("alert")).to_contain_text(f"belong to the account “{username}”")

    page.context.unroute("**/api/v1/sync")
    sign_in(page, username)
    sync_now(page)
    assert store(page, "outbox") == []


def test_erasing_unsynced_entries_needs_a_second_explicit_yes(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    sign_up(page, new_username())
    expect_all_synced(page)
    hold_sync(page)
    page.get_by_role("link", name="Today").click()
    tap_mood(page, 2)
    finish_checkin(page)
    go_to(page, "Sync")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("dialog").get_by_role("button", name="Sign out and erase this device").click()
    confirm = page.get_by_role("dialog", name="Erase unsynced entries?")
    expect(confirm).to_contain_text("This deletes 1 entry")
    confirm.get_by_role("button", name="Cancel").click()
    assert len(store(page, "records")) == 1
    expect(page.get_by_role("heading", name="Signed in as")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("dialog").get_by_role("button", name="Sign out and erase this device").click()
    page.get_by_role("dialog").get_by_role("button", name="Erase 1 unsynced entry").click()
    expect(page.get_by_role("heading", name="Turn on sync", level=1)).to_be_visible()
    assert store(page, "records") == []
    assert store(page, "outbox") == []
    assert "owner" not in store(page, "meta")


IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def test_iphone_safari_outside_the_home_screen_is_told_about_the_7_day_limit(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(user_agent=IPHONE_SAFARI), server_url)
    banner = page.locator("#banners")
    expect(banner).to_contain_text("7 days")
    expect(banner).to_contain_text("Add to Home Screen")
    banner.get_by_role("button", name="Got it").click()
    expect(banner).not_to_contain_text("7 days")
    page.reload()
    wait_started(page)
    expect(page.locator("#banners")).not_to_contain_text("7 days")
    go_to(page, "Sync")
    expect(page.get_by_role("region", name="On this device")).to_contain_text("7 days")

    android = open_app(new_context(), server_url)
    expect(android.get_by_role("heading", name="Today", level=1)).to_be_visible()
    wait_started(android)
    expect(android.locator("#banners")).not_to_contain_text("7 days")
