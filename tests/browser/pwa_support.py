"""Helpers for the PWA browser tests: read IndexedDB, log a mood, sign up, wait for sync."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

PASSPHRASE = "a calm long passphrase"

READ_STORE = """async (name) => {
  const { openDb, run, getAll, req } = await import('/js/db.js');
  const db = await openDb();
  return run(db, name, 'readonly', async (s) => {
    if (name !== 'meta') return getAll(s[name]);
    const keys = await req(s.meta.getAllKeys());
    const values = await getAll(s.meta);
    return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
  });
}"""


def store(page: Page, name: str) -> Any:
    """Everything in one IndexedDB store of the app (meta comes back as a dict)."""
    return page.evaluate(READ_STORE, name)


def open_app(context: BrowserContext, url: str, path: str = "/") -> Page:
    """A page on the app whose service worker controls it (so the shell is cached)."""
    page = context.new_page()
    page.goto(url + path)
    page.get_by_role("heading", level=1).first.wait_for()
    wait_until(page, "navigator.serviceWorker.controller !== null")
    return page


def wait_started(page: Page) -> None:
    """Wait until the app has finished starting, notices included (main.js marks it)."""
    page.locator("html[data-started]").wait_for(state="attached")


def wait_until(page: Page, expression: str, timeout_s: float = 10.0) -> None:
    """Poll a JS expression (wait_for_function would need eval, which the CSP forbids)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if page.evaluate(f"async () => Boolean(await ({expression}))"):
                return
        except PlaywrightError as exc:
            # A reload in progress destroys the context; the next poll runs in the new page.
            if "context was destroyed" not in str(exc):
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)


def tap_mood(page: Page, mood: int) -> None:
    """Log a mood from Today and wait for the durable "Saved"."""
    page.get_by_role("button", name=f"Mood {mood} out of 10").click()
    expect(page.locator("#mood-saved")).to_have_text(re.compile(r"^Saved"))


def finish_checkin(page: Page) -> None:
    page.get_by_role("button", name="Done").click()


def new_username() -> str:
    return f"pwa_{secrets.token_hex(5)}"


def sign_up(page: Page, username: str) -> str:
    """Create an account from the Sync screen; returns the recovery code shown once."""
    page.get_by_role("link", name="Sync", exact=True).click()
    form = page.locator("form[data-form=signup]")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Passphrase").fill(PASSPHRASE)
    form.get_by_role("button", name="Create account").click()
    code = page.locator("#recovery-code")
    expect(code).to_be_visible()
    text = code.inner_text()
    page.get_by_label("I have written it down").check()
    page.get_by_role("button", name="Continue").click()
    return text


def sign_in(page: Page, username: str, passphrase: str = PASSPHRASE) -> None:
    page.get_by_role("link", name="Sync", exact=True).click()
    form = page.locator("form[data-form=login]")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Passphrase").fill(passphrase)
    form.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Signed in as {username}")).to_be_visible()


def sync_now(page: Page) -> None:
    """Run one sync in the page (as the app does) and wait for it to finish."""
    page.evaluate("""async () => {
      const { openDb } = await import('/js/db.js');
      const { syncWithLock } = await import('/js/sync.js');
      return (await syncWithLock(await openDb())).kind;
    }""")


def expect_all_synced(page: Page) -> None:
    expect(page.locator("#sync-status")).to_have_text("All synced", timeout=10_000)


def registration_id(page: Page) -> tuple[Any, str]:
    """A CDP session and the app's service worker registration id, once Chromium reports it."""
    cdp = page.context.new_cdp_session(page)
    ids: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: ids.extend(r["registrationId"] for r in e["registrations"] if not r["isDeleted"]),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(100):
        if ids:
            return cdp, ids[0]
        page.wait_for_timeout(50)
    raise AssertionError("no service worker registration reported")


def fire_background_sync(page: Page, origin: str) -> None:
    """Fire the worker's 'tend-sync' Background Sync event, as the browser does once online."""
    cdp, reg = registration_id(page)
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {"origin": origin, "registrationId": reg, "tag": "tend-sync", "lastChance": False},
    )
