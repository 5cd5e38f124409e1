"""Helpers for the PWA browser tests: read IndexedDB, log a mood, sign up, wait for sync."""

from __future__ import annotations

import re
import secrets
import socket
import threading
import time
from collections.abc import Callable
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


def open_details(page: Page) -> None:
    """Unfold the optional details of the check-in just tapped (folded so Today stays short)."""
    page.get_by_role("button", name="Add details").click()
    expect(page.locator("#details")).to_be_visible()


# The places under the bottom bar's "More", by the short name tests use.
MORE_PLACES: dict[str, str | re.Pattern[str]] = {
    "Sync": re.compile(r"^(Turn on sync|Sync and account)$"),
    "Routines": "Routines and reminders",
    "Settings": "Settings",
    "Safety plan": "My safety plan",
}


def go_to(page: Page, place: str) -> None:
    """Open a screen under "More" as a person would: the bottom bar, then its link."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="More").click()
    page.get_by_role("main").get_by_role("link", name=MORE_PLACES[place], exact=True).click()


def finish_checkin(page: Page) -> None:
    page.get_by_role("button", name="Done").click()


def new_username() -> str:
    return f"pwa_{secrets.token_hex(5)}"


def sign_up(page: Page, username: str) -> str:
    """Create an account from the Sync screen; returns the recovery code shown once."""
    go_to(page, "Sync")
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
    go_to(page, "Sync")
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


HOLD_SYNC_LOCK = """async () => {
  const { LOCK_NAME } = await import('/js/sync.js');
  await new Promise((held) => {
    navigator.locks.request(LOCK_NAME, () => new Promise((release) => {
      globalThis.__tendReleaseSyncLock = release;
      held();
    }));
  });
}"""


def hold_sync_lock(page: Page) -> Callable[[], None]:
    """Take the app's sync Web Lock, so every sync waits; returns the function that frees it.

    Writes made meanwhile all wait in the outbox, so the next sync carries every one of them.
    """
    page.evaluate(HOLD_SYNC_LOCK)
    return lambda: page.evaluate("() => globalThis.__tendReleaseSyncLock()")


def wait_for(page: Page, condition: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    """Wait for a Python-side condition, letting Playwright run route and event handlers."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(20)


def server_records(context: BrowserContext, url: str, kind: str) -> list[dict[str, Any]]:
    """The records of one kind the server holds for the context's signed-in account."""
    response = context.request.get(url + "/api/v1/account/export")
    assert response.ok, response.status
    return [r for r in response.json()["records"] if r["kind"] == kind]


class Blackhole:
    """A local port that accepts connections and never answers: a request sent there stays in
    flight until the browser gives up on it (a closed tab), and no server ever sees it.

    A Playwright route left pending is no substitute: when its page closes, Chromium may let the
    paused request go on to the server.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    @property
    def connections(self) -> int:
        """How many connections arrived (and are being held open)."""
        return len(self._held)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self._held.append(connection)

    def __enter__(self) -> Blackhole:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for connection in self._held:
            connection.close()
        self._listener.close()
