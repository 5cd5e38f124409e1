"""Managing the account (Settings, Account part): change the passphrase, see and sign out
devices, delete the account for real; and, signed out, back in with the recovery code.
Checked against the real server: what a person sees, and what the API then accepts."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Route, expect

from tests.browser.conftest import save_screenshot
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
    tap_mood,
    wait_until,
)
from tests.browser.test_pwa_a11y import violations

NEW_PASSPHRASE = "another calm passphrase"
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
)

# Hidden ones (the "Erase this device" button until it is offered) are no target.
SMALL_TARGETS = """() => [...document.querySelectorAll('[data-account] :is(button, input, a)')]
  .filter((el) => el.getClientRects().length).map((el) => el.getBoundingClientRect())
  .filter((r) => r.height < 44 || r.width < 44).length"""

SYNC_KIND = """async () => {
  const { openDb } = await import('/js/db.js');
  const { syncWithLock } = await import('/js/sync.js');
  return (await syncWithLock(await openDb())).kind;
}"""


def show_account(page: Page) -> None:
    """Open Settings as a person would; the account parts sit under its "Account" heading."""
    go_to(page, "Settings")
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Account", level=2)).to_be_visible()


def part(page: Page, name: str) -> Locator:
    return page.locator(f"[data-account={name}]")


def api_login(new_context: Callable[..., BrowserContext], url: str, user: str, pw: str) -> int:
    """The status the server answers a sign-in from a device that has never seen the account."""
    response = new_context().request.post(
        url + "/api/v1/auth/login", data={"username": user, "passphrase": pw}
    )
    return response.status


def sync_kind(page: Page) -> str:
    kind: str = page.evaluate(SYNC_KIND)
    return kind


def signed_up_with_a_synced_mood(
    new_context: Callable[..., BrowserContext], server_url: str
) -> tuple[Page, str]:
    """A signed-up device whose one check-in has reached the server."""
    username = new_username()
    page = open_app(new_context(), server_url)
    sign_up(page, username)
    page.get_by_role("link", name="Today").click()
    tap_mood(page, 5)
    finish_checkin(page)
    expect_all_synced(page)
    return page, username


def test_changing_the_passphrase_needs_the_current_one_and_signs_out_other_devices(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    username = new_username()
    page = open_app(new_context(), server_url)
    sign_up(page, username)
    other = open_app(new_context(user_agent=ANDROID), server_url)
    sign_in(other, username)
    assert sync_kind(other) == "ok"

    show_account(page)
    form = part(page, "passphrase")
    form.get_by_label("Current passphrase").fill("not the passphrase")
    form.get_by_label("New passphrase", exact=True).fill(NEW_PASSPHRASE)
    form.get_by_label("New passphrase again").fill(NEW_PASSPHRASE + "!")
    form.get_by_role("button", name="Change passphrase").click()
    expect(form.get_by_role("alert")).to_contain_text("not the same")
    form.get_by_label("New passphrase again").fill(NEW_PASSPHRASE)
    form.get_by_role("button", name="Change passphrase").click()
    expect(form.get_by_role("alert")).to_have_text(
        "That is not your current passphrase. Your passphrase has not changed."
    )
    assert api_login(new_context, server_url, username, PASSPHRASE) == 200

    form.get_by_label("Current passphrase").fill(PASSPHRASE)
    form.get_by_role("button", name="Change passphrase").click()
    expect(form.get_by_role("status")).to_contain_text("Your other devices were signed out")
    expect(form.get_by_role("alert")).to_be_hidden()
    expect(form.get_by_label("Current passphrase")).to_have_value("")
    # The device list follows at once: the other device now shows as signed out.
    android = part(page, "devices").get_by_role("listitem").filter(has_text="Android phone")
    expect(android).to_contain_text("Signed out.")

    assert api_login(new_context, server_url, username, PASSPHRASE) == 401
    assert api_login(new_context, server_url, username, NEW_PASSPHRASE) == 200
    # This device keeps syncing; the other one has to sign in again.
    assert sync_kind(page) == "ok"
    assert sync_kind(other) == "signin"


def test_devices_are_listed_and_another_one_can_be_signed_out(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    username = new_username()
    page = open_app(new_context(), server_url)
    sign_up(page, username)
    phone = open_app(new_context(user_agent=ANDROID), server_url)
    sign_in(phone, username)

    show_account(page)
    devices = part(page, "devices").get_by_role("listitem")
    expect(devices).to_have_count(2)
    expect(devices.first).to_contain_text("This device")
    expect(devices.first).to_contain_text("Last used just now")
    expect(devices.first.get_by_role("button")).to_have_count(0)
    android = devices.filter(has_text="Android phone")
    expect(android).not_to_contain_text("This device")

    android.get_by_role("button", name="Sign out").click()
    dialog = page.get_by_role("dialog", name="Sign out another device?")
    expect(dialog).to_contain_text("Android phone (last used just now) will need your passphrase")
    dialog.get_by_role("button", name="Cancel").click()
    expect(android.get_by_role("button", name="Sign out")).to_be_visible()
    assert sync_kind(phone) == "ok"

    android.get_by_role("button", name="Sign out").click()
    page.get_by_role("dialog").get_by_role("button", name="Sign out that device").click()
    expect(android).to_contain_text("Signed out.")
    expect(android.get_by_role("button")).to_have_count(0)

    # Its next sync needs the passphrase; what it holds stays on it.
    assert sync_kind(phone) == "signin"
    go_to(phone, "Sync")
    expect(phone.get_by_text("Your session has ended.")).to_be_visible()

    page.context.set_offline(True)
    show_account(page)
    expect(part(page, "devices")).to_contain_text("The list of devices needs a connection.")
    page.context.set_offline(False)
    part(page, "devices").get_by_role("button", name="Try again").click()
    expect(part(page, "devices").get_by_role("listitem")).to_have_count(2)


def test_deleting_the_account_needs_the_typed_word_and_the_right_passphrase(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, username = signed_up_with_a_synced_mood(new_context, server_url)

    show_account(page)
    form = part(page, "delete")
    expect(form).to_contain_text("everything it holds on the server")
    form.get_by_label("Your passphrase").fill(PASSPHRASE)
    form.get_by_role("button", name="Delete my account").click()
    expect(form.get_by_role("alert")).to_have_text("To confirm, type the word “delete” in the box.")

    form.get_by_label("Type the word “delete” to confirm").fill("delete")
    form.get_by_label("Your passphrase").fill("a wrong passphrase")
    form.get_by_role("button", name="Delete my account").click()
    expect(form.get_by_role("alert")).to_have_text(
        "That passphrase is not right. Nothing was deleted."
    )
    page.context.set_offline(True)
    form.get_by_label("Your passphrase").fill(PASSPHRASE)
    form.get_by_role("button", name="Delete my account").click()
    # No answer is not "no": the app cannot know, so it does not say nothing was deleted.
    expect(form.get_by_role("alert")).to_have_text(
        "Tend could not confirm whether your account was deleted. Please try again when you "
        "are online. Nothing on this device has been erased."
    )
    page.context.set_offline(False)
    # Neither failure touched anything, here or on the server.
    assert len(store(page, "records")) == 1
    assert store(page, "meta")["account"]["username"] == username
    assert api_login(new_context, server_url, username, PASSPHRASE) == 200

    form.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("status").filter(has_text="Your account is deleted")).to_be_visible()
    wait_until(page, "location.hash === '#/today'")
    assert api_login(new_context, server_url, username, PASSPHRASE) == 401
    assert store(page, "records") == []
    assert store(page, "outbox") == []
    meta = store(page, "meta")
    assert "account" not in meta and "owner" not in meta
    go_to(page, "Sync")
    expect(page.get_by_role("heading", name="Turn on sync", level=1)).to_be_visible()


def test_a_delete_whose_answer_is_lost_is_not_called_a_failure_and_a_retry_offers_to_erase(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page, username = signed_up_with_a_synced_mood(new_context, server_url)

    def lose_answer(route: Route) -> None:
        """The server deletes the account, but its answer never reaches the app."""
        route.fetch()
        route.abort("connectionreset")

    page.route("**/api/v1/account", lose_answer)
    show_account(page)
    form = part(page, "delete")
    form.get_by_label("Your passphrase").fill(PASSPHRASE)
    form.get_by_label("Type the word “delete” to confirm").fill("delete")
    form.get_by_role("button", name="Delete my account").click()
    expect(form.get_by_role("alert")).to_contain_text(
        "Tend could not confirm whether your account was deleted."
    )
    assert api_login(new_context, server_url, username, PASSPHRASE) == 401
    assert len(store(page, "records")) == 1, "nothing here is erased while it is unknown"
    erase = form.get_by_role("button", name="Erase this device")
    expect(erase).to_be_hidden()

    page.unroute("**/api/v1/account")
    form.get_by_role("button", name="Delete my account").click()
    expect(form.get_by_role("alert")).to_contain_text("Your account may already be deleted")
    save_screenshot(page, "account-delete-maybe-deleted")
    erase.click()
    expect(page.get_by_role("status").filter(has_text="This device is erased.")).to_be_visible()
    wait_until(page, "location.hash === '#/today'")
    assert store(page, "records") == [] and store(page, "outbox") == []
    assert "account" not in store(page, "meta")


def test_the_recovery_code_signs_in_with_a_new_passphrase_and_gives_a_new_code(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    username = new_username()
    first = open_app(new_context(), server_url)
    code = sign_up(first, username)

    page = open_app(new_context(), server_url, "/#/account")
    page.get_by_role("button", name="Forgot your passphrase? Use your recovery code").click()
    form = page.locator("form[data-form=recover]")
    expect(form.get_by_label("Username")).to_be_focused()
    form.get_by_label("Username").fill(username)
    form.get_by_label("Recovery code").fill("WRONG-CODE-1234")
    form.get_by_label("New passphrase").fill(NEW_PASSPHRASE)
    form.get_by_role("button", name="Sign in with recovery code").click()
    expect(form.get_by_role("alert")).to_have_text("That username and recovery code do not match.")

    form.get_by_label("Recovery code").fill(code)
    form.get_by_role("button", name="Sign in with recovery code").click()
    new_code = page.locator("#recovery-code")
    expect(new_code).to_be_visible()
    expect(page.get_by_text("This is a new code")).to_be_visible()
    assert new_code.inner_text() not in ("", code)
    page.get_by_label("I have written it down").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=f"Signed in as {username}")).to_be_visible()
    assert sync_kind(page) == "ok"

    assert api_login(new_context, server_url, username, PASSPHRASE) == 401
    assert api_login(new_context, server_url, username, NEW_PASSPHRASE) == 200
    # The old code is spent, and whoever knew the old passphrase is signed out.
    reuse = new_context().request.post(
        server_url + "/api/v1/auth/recover",
        data={"username": username, "recovery_code": code, "new_passphrase": PASSPHRASE + "x"},
    )
    assert reuse.status == 401
    assert sync_kind(first) == "signin"


def test_back_to_sign_in_leaves_the_recovery_form(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url, "/#/account")
    page.get_by_role("button", name="Forgot your passphrase? Use your recovery code").click()
    page.get_by_role("button", name="Back to sign in").click()
    expect(page.locator("form[data-form=recover]")).to_have_count(0)
    expect(page.locator("form[data-form=login]").get_by_label("Username")).to_be_focused()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_account_parts_pass_axe_and_fit_a_phone(
    scheme: str, server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    username = new_username()
    page = open_app(new_context(color_scheme=scheme), server_url)
    sign_up(page, username)
    sign_in(open_app(new_context(user_agent=ANDROID), server_url), username)
    show_account(page)
    expect(part(page, "devices").get_by_role("listitem")).to_have_count(2)
    # Error and success lines are part of what a person sees.
    part(page, "delete").get_by_role("button", name="Delete my account").click()
    expect(part(page, "delete").get_by_role("alert")).to_be_visible()
    assert violations(page) == []
    for name in ("passphrase", "devices", "delete"):
        part(page, name).evaluate("(el) => el.scrollIntoView()")
        save_screenshot(page, f"account-{name}-{scheme}")
    for width in (320, 390):
        page.set_viewport_size({"width": width, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), width
    assert page.evaluate(SMALL_TARGETS) == 0

    go_to(page, "Sync")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("dialog").get_by_role("button", name=re.compile("keep entries")).click()
    page.get_by_role("button", name="Forgot your passphrase? Use your recovery code").click()
    expect(page.locator("form[data-form=recover]")).to_be_visible()
    assert violations(page) == []
    save_screenshot(page, f"account-recover-{scheme}")
