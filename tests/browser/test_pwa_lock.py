"""The optional app lock: a PIN set in Settings hides the journal (screen, dialogs, sync line)
on start-up, when idle and when hidden; Get help and the safety plan stay open; wrong PINs are
refused and slow down but erase nothing; the right PIN brings back what was there. Offline,
keyboard only, axe in light and dark, a phone's width."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PHONE, save_screenshot
from tests.browser.pwa_support import (
    go_to,
    open_app,
    open_details,
    store,
    tap_mood,
    wait_started,
    wait_until,
)
from tests.browser.test_pwa_a11y import TARGETS, violations

PIN = "482916"
NOTE = "Woke at four, rain on the window"
HIDES = (
    "The lock hides your journal on this screen. "
    "It does not encrypt the data stored on this device."
)
# Make the page report itself hidden (or visible again), as a phone does when another app
# comes to the front; the app listens to visibilitychange.
SET_VISIBILITY = """(state) => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def set_pin(page: Page, idle: str = "After 5 minutes without use", pin: str = PIN) -> None:
    """Turn the lock on from Settings, as a person would."""
    go_to(page, "Settings")
    card = page.get_by_role("region", name="App lock")
    expect(card).to_contain_text(HIDES)
    card.get_by_label("New PIN", exact=True).fill(pin)
    card.get_by_label("New PIN again").fill(pin)
    card.get_by_label("When to lock").select_option(label=idle)
    card.get_by_role("button", name="Turn on the lock").click()
    expect(card.get_by_role("status")).to_have_text("PIN set.")
    expect(card).to_contain_text("The lock is on.")


def log_mood_with_note(page: Page) -> None:
    page.get_by_role("link", name="Today", exact=True).click()
    tap_mood(page, 3)
    open_details(page)
    page.get_by_label("Note (optional)").fill(NOTE)
    page.get_by_label("Note (optional)").blur()
    expect(page.locator("#entries")).to_contain_text(NOTE)


def expect_locked(page: Page) -> None:
    """The lock screen shows and nothing of the journal is anywhere in the document."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Tend is locked")
    expect(page.get_by_role("main")).to_contain_text(HIDES)
    html = page.content()
    for secret in (NOTE, "Mood 3", "Add details"):
        assert secret not in html, secret
    # A dialog closed a moment ago (Keep trying) leaves the document once its close has run.
    expect(page.locator("dialog")).to_have_count(0)
    expect(page.locator("#sync-status")).to_have_text("")


def unlock(page: Page, pin: str = PIN) -> None:
    page.get_by_label("PIN", exact=True).fill(pin)
    page.get_by_role("button", name="Unlock").click()


def test_a_pin_hides_the_journal_on_start_up_until_it_is_typed(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    set_pin(page)
    log_mood_with_note(page)
    [secret] = [r for r in store(page, "records") if r["kind"] == "checkin"]

    page.reload()
    wait_started(page)
    expect_locked(page)
    # The header's Get help stays; the tabs, which lead nowhere while locked, are gone.
    expect(page.get_by_role("banner").get_by_role("link", name="Get help")).to_be_visible()
    expect(page.locator("nav.tabbar")).to_be_hidden()

    unlock(page, "000000")
    expect(page.get_by_role("alert")).to_have_text("That PIN is not right. Please try again.")
    expect_locked(page)
    unlock(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.locator("#entries")).to_contain_text(NOTE)
    expect(page.locator("#sync-status")).not_to_have_text("")
    # The PIN itself is stored nowhere: only a salt and the slow hash.
    meta = store(page, "meta")
    assert set(meta["app_lock"]) == {"salt", "iterations", "hash", "idle_minutes"}
    assert meta["app_lock"]["iterations"] >= 310_000
    assert PIN not in str(meta)
    assert [r["id"] for r in store(page, "records") if r["kind"] == "checkin"] == [secret["id"]]


def test_get_help_and_the_safety_plan_stay_open_while_locked_offline_too(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    page = open_app(context, server_url)
    wait_until(page, "navigator.serviceWorker.ready.then((r) => r.active?.state === 'activated')")
    set_pin(page)
    log_mood_with_note(page)
    context.set_offline(True)
    page.reload()
    expect_locked(page)

    page.get_by_role("banner").get_by_role("link", name="Get help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get help")
    expect(page.get_by_role("region", name="Talk to someone now")).to_contain_text("988")
    assert NOTE not in page.content()

    page.goto(server_url + "/#/plan")
    page.get_by_label("Warning signs that a crisis may be starting").fill("Not sleeping")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("region", name="My safety plan")).to_contain_text("Not sleeping")
    assert NOTE not in page.content()

    page.goto(server_url + "/#/today")
    expect_locked(page)
    unlock(page)
    expect(page.locator("#entries")).to_contain_text(NOTE)


def test_hiding_the_app_locks_it_and_the_half_typed_form_comes_back_after_a_keyboard_unlock(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    set_pin(page, idle="As soon as Tend is hidden")
    log_mood_with_note(page)
    page.get_by_role("button", name="Meal").click()
    dialog = page.get_by_role("dialog", name="Meal")
    dialog.get_by_label("Note (optional)").fill("half a sandwich")

    page.evaluate(SET_VISIBILITY, "hidden")
    page.evaluate(SET_VISIBILITY, "visible")
    expect_locked(page)
    assert "half a sandwich" not in page.evaluate("document.body.innerText")

    # Keyboard only: Tab to the PIN field, type, Enter.
    for _ in range(30):
        if page.evaluate("document.activeElement?.autocomplete") == "current-password":
            break
        page.keyboard.press("Tab")
    page.keyboard.type(PIN)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Meal")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Note (optional)")).to_have_value("half a sandwich")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#entries")).to_contain_text("Meal")
    notes = [r["fields"].get("note", {}).get("v") for r in store(page, "records")]
    assert "half a sandwich" in notes


def test_a_pin_set_in_one_tab_locks_another_tab_that_was_already_open(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    other = open_app(context, server_url)
    log_mood_with_note(other)
    page = context.new_page()
    page.goto(server_url + "/")
    wait_started(page)
    set_pin(page, idle="As soon as Tend is hidden")
    wait_until(
        other,
        "performance.getEntriesByType('resource').some((e) => e.name.endsWith('/js/lock.js'))",
    )
    other.evaluate(SET_VISIBILITY, "hidden")
    other.evaluate(SET_VISIBILITY, "visible")
    expect_locked(other)


def test_a_minute_without_use_locks_and_navigating_meanwhile_opens_the_asked_screen(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context().new_page()
    page.clock.install()
    page.goto(server_url + "/")
    wait_started(page)
    set_pin(page, idle="After 1 minute without use")
    log_mood_with_note(page)
    page.clock.fast_forward("00:50")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    page.clock.fast_forward("00:15")
    expect_locked(page)

    page.goto(server_url + "/#/settings")
    expect_locked(page)
    unlock(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")


def test_wrong_pins_slow_down_guessing_and_erase_nothing(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context().new_page()
    page.clock.install()
    page.goto(server_url + "/")
    wait_started(page)
    set_pin(page)
    log_mood_with_note(page)
    page.reload()
    expect_locked(page)
    for n in range(1, 6):
        unlock(page, f"11110{n}")
        expect(page.get_by_role("button", name="Unlock")).to_be_enabled()
    expect(page.get_by_role("alert")).to_have_text(
        "That PIN is not right. To slow down guessing, the next try is possible in 30 seconds. "
        "Wrong PINs never erase anything."
    )
    # Even the right PIN waits, across a reload too.
    page.reload()
    unlock(page)
    expect(page.get_by_role("alert")).to_contain_text("too many wrong PINs in a row")
    expect_locked(page)
    page.clock.fast_forward("00:31")
    unlock(page)
    expect(page.locator("#entries")).to_contain_text(NOTE)


def test_changing_and_turning_off_the_pin_need_the_current_one(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    # Without a PIN, opening Today never loads the lock's code.
    resources = page.evaluate("performance.getEntriesByType('resource').map((e) => e.name)")
    assert not [r for r in resources if r.endswith("/js/lock.js")]
    set_pin(page)
    card = page.get_by_role("region", name="App lock")
    choice = card.get_by_label("When to lock")
    choice_id = choice.get_attribute("id")
    choice.select_option(label="After 15 minutes without use")
    expect(card.get_by_role("status")).to_have_text("Saved.")
    # Saved in place, not redrawn, so keyboard focus is not thrown away.
    assert choice.get_attribute("id") == choice_id
    assert store(page, "meta")["app_lock"]["idle_minutes"] == 15
    card.get_by_role("button", name="Change PIN").click()
    card.get_by_label("Current PIN").fill("999999")
    card.get_by_label("New PIN", exact=True).fill("2468")
    card.get_by_label("New PIN again").fill("2468")
    card.get_by_role("button", name="Change PIN").click()
    expect(card.get_by_role("alert")).to_have_text(
        "That is not the current PIN. Nothing was changed."
    )
    card.get_by_label("Current PIN").fill(PIN)
    card.get_by_role("button", name="Change PIN").click()
    expect(card.get_by_role("status")).to_have_text("PIN changed.")

    card.get_by_role("button", name="Lock now").click()
    expect_locked(page)
    unlock(page, PIN)
    expect(page.get_by_role("alert")).to_have_text("That PIN is not right. Please try again.")
    unlock(page, "2468")
    # The screen locked from comes back as it was, named as before.
    expect(page).to_have_title("Settings · Tend")
    card = page.get_by_role("region", name="App lock")
    card.get_by_role("button", name="Turn off the lock").click()
    card.get_by_label("Current PIN").fill("2468")
    card.get_by_role("button", name="Turn off the lock").click()
    expect(card.get_by_role("status")).to_have_text("The lock is off.")
    assert store(page, "meta").get("app_lock") is None
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")


def test_forgot_pin_says_plainly_what_erasing_costs(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    set_pin(page)
    log_mood_with_note(page)
    page.reload()
    page.get_by_role("button", name="Forgot your PIN?").click()
    dialog = page.get_by_role("dialog", name="Forgot your PIN?")
    expect(dialog).to_contain_text("Sync is off, so everything logged on this device would be lost")
    dialog.get_by_role("button", name="Keep trying").click()
    expect_locked(page)
    assert [r for r in store(page, "records") if r["kind"] == "checkin"]

    page.get_by_role("button", name="Forgot your PIN?").click()
    page.get_by_role("dialog", name="Forgot your PIN?").get_by_role(
        "button", name="Erase this device"
    ).click()
    page.get_by_role("dialog", name="Erase this device?").get_by_role(
        "button", name="Erase everything on this device"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.locator("#entries")).not_to_contain_text(NOTE)
    assert store(page, "meta").get("app_lock") is None


# A screen that redraws itself once a slow task ends (account after "Sync now", a
# questionnaire's result) writes into #main whatever the lock did meanwhile.
LATE_REDRAW = """(note) => {
  const p = document.createElement('p');
  p.textContent = note;
  document.getElementById('main').replaceChildren(p);
}"""


def test_a_screen_redrawn_late_while_locked_never_shows_the_journal(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    set_pin(page)
    page.get_by_role("region", name="App lock").get_by_role("button", name="Lock now").click()
    expect_locked(page)
    page.evaluate(LATE_REDRAW, NOTE)
    expect(page.locator("#main")).to_be_hidden()
    expect(page.get_by_text(NOTE)).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tend is locked")
    expect(page.locator("nav.tabbar")).to_be_hidden()

    # Get help still opens, and leaving it hides #main again.
    page.get_by_role("banner").get_by_role("link", name="Get help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get help")
    page.evaluate(LATE_REDRAW, NOTE)
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tend is locked")
    expect(page.get_by_text(NOTE)).to_be_hidden()
    unlock(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    expect(page.locator("nav.tabbar")).to_be_visible()
    expect(page.locator("#lockscreen")).to_have_count(0)


def test_erasing_after_a_forgotten_pin_brings_back_no_dialog_and_no_lock(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    set_pin(page, idle="As soon as Tend is hidden")
    log_mood_with_note(page)
    page.get_by_role("button", name="Meal").click()
    page.get_by_role("dialog", name="Meal").get_by_label("Note (optional)").fill("half a sandwich")
    page.evaluate(SET_VISIBILITY, "hidden")
    page.evaluate(SET_VISIBILITY, "visible")
    expect_locked(page)

    page.get_by_role("button", name="Forgot your PIN?").click()
    page.get_by_role("dialog", name="Forgot your PIN?").get_by_role(
        "button", name="Erase this device"
    ).click()
    page.get_by_role("dialog", name="Erase this device?").get_by_role(
        "button", name="Erase everything on this device"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert "half a sandwich" not in page.content()
    # The erased lock is gone from memory too: hiding the app no longer locks it.
    page.evaluate(SET_VISIBILITY, "hidden")
    page.evaluate(SET_VISIBILITY, "visible")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.locator("html[data-locked]")).to_have_count(0)


ERASE_DEVICE = """async () => {
  const { openDb } = await import('/js/db.js');
  const { eraseDevice } = await import('/js/session.js');
  await eraseDevice(await openDb());
}"""


def test_erasing_the_device_also_drops_the_lock_kept_in_memory(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    set_pin(page, idle="As soon as Tend is hidden")
    # The one function behind account deletion, "Erase this device" and sign out with erase.
    page.evaluate(ERASE_DEVICE)
    assert store(page, "meta").get("app_lock") is None
    page.evaluate(SET_VISIBILITY, "hidden")
    page.evaluate(SET_VISIBILITY, "visible")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Tend is locked")
    expect(page.locator("html[data-locked]")).to_have_count(0)


def test_a_pin_set_but_the_lock_code_not_loadable_still_hides_the_journal(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    # No service worker: the network alone decides whether lock.js loads, as when offline
    # before the screens stored after install have been cached.
    context = new_context(service_workers="block")
    page = context.new_page()
    page.goto(server_url + "/")
    wait_started(page)
    set_pin(page)
    log_mood_with_note(page)
    context.route("**/js/lock.js", lambda route: route.abort())
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tend is locked")
    expect(page.get_by_text("could not load yet")).to_be_visible()
    expect(page.get_by_text(NOTE)).to_be_hidden()
    assert "could not open its storage" not in page.content()
    page.get_by_role("main").get_by_role("link", name="Get help").click()
    expect(page.get_by_role("region", name="Talk to someone now")).to_contain_text("988")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tend is locked")

    # Once the code can load, the real lock screen replaces the message by itself.
    context.unroute("**/js/lock.js")
    expect(page.get_by_label("PIN", exact=True)).to_be_visible(timeout=15_000)
    unlock(page)
    expect(page.locator("#entries")).to_contain_text(NOTE)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_lock_screen_and_its_settings_pass_axe_and_fit_a_phone(
    server_url: str, new_context: Callable[..., BrowserContext], scheme: str
) -> None:
    page = open_app(new_context(color_scheme=scheme), server_url)
    go_to(page, "Settings")
    card = page.get_by_role("region", name="App lock")
    card.scroll_into_view_if_needed()
    assert violations(page) == []
    save_screenshot(card, f"lock-settings-off-{scheme}")
    set_pin(page)
    assert violations(page) == []
    save_screenshot(page.get_by_role("region", name="App lock"), f"lock-settings-on-{scheme}")
    page.reload()
    expect_locked(page)
    unlock(page, "0000")
    expect(page.get_by_role("alert")).not_to_be_empty()
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    small = [t for t in page.evaluate(TARGETS) if t["h"] < 44 or t["w"] < 44]
    assert small == []
    page.evaluate("document.activeElement.blur()")
    save_screenshot(page, f"lock-{scheme}")
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
