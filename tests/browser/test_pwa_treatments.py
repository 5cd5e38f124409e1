"""Treatment history (#/treatments) and Patterns (#/patterns): a medication with two dose changes
shows its steps and weeks; the generated demo journal, pushed through the real API, shows a
believable timeline with the server's adherence; both screens open offline once opened (and say
plainly when never opened); axe, 44 px targets and no sideways scrolling at 320 px."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from backend.demo.generator import generate_journal, to_changes
from tests.browser.pwa_support import (
    PASSPHRASE,
    new_username,
    open_app,
    sign_in,
    sync_now,
    wait_started,
    wait_until,
)
from tests.browser.test_pwa_a11y import TARGETS, violations
from tests.browser.test_pwa_offline import CACHED_URLS, own_pwa_server  # noqa: F401 (a fixture)

# A small treatment story written through the app's own store: used here and by
# test_screenshots.py.
SEED_TREATMENTS = (Path(__file__).parent / "seed_treatments.js").read_text()


READ_COPY = """async () => {
  const { readCopy } = await import('/js/insights-copy.js');
  const { openDb } = await import('/js/db.js');
  return readCopy(await openDb());
}"""


def today(page: Page) -> str:
    return str(page.evaluate("import('/js/time.js').then((m) => m.localDate())"))


def trial(page: Page, name: str) -> Any:
    return page.locator("#trials > li").filter(
        has=page.get_by_role("heading", name=name, exact=True)
    )


def open_treatments(page: Page, url: str) -> None:
    page.goto(url + "/#/treatments")
    expect(page.get_by_role("heading", name="Treatment history", level=1)).to_be_visible()


def test_a_medication_with_two_dose_changes_shows_its_steps_and_weeks(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(new_context(), server_url)
    day = date.fromisoformat(today(page))

    def on(days_ago: int) -> str:
        return (day - timedelta(days=days_ago)).isoformat()

    # Added on Medications as a person would, then two dose changes from the new screen.
    page.goto(server_url + "/#/meds")
    page.get_by_role("link", name="Treatment history").wait_for()
    page.get_by_role("button", name="Add a medication").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name", exact=True).fill("Sertraline")
    dialog.get_by_label("Dose (optional)").fill("50")
    dialog.get_by_label("Unit (optional)").fill("mg")
    dialog.get_by_label("Started on (optional)").fill(on(70))
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("link", name="Treatment history").click()
    for when, dose in ((56, "100"), (24, "150")):
        trial(page, "Sertraline").get_by_role("button", name="Change dose: Sertraline").click()
        dialog = page.get_by_role("dialog", name="Change dose: Sertraline")
        dialog.get_by_label("From which day?").fill(on(when))
        dialog.get_by_label("New dose").fill(dose)
        dialog.get_by_role("button", name="Save").click()
        expect(dialog).to_be_hidden()
    item = trial(page, "Sertraline")
    steps = item.locator("ul.steps").first.locator("li")
    expect(steps).to_have_text(
        [f"{d} mg from {txt(on(n))}" for n, d in ((70, 50), (56, 100), (24, 150))]
    )
    # 150 mg for the last 24 days: 3.4 weeks; the longest steady run is 100 mg for 32 days.
    expect(item).to_contain_text("3.4 weeks at the highest dose (150 mg)")
    expect(item).to_contain_text("4 to 6 weeks at a steady dose")
    expect(item).to_contain_text(f"Started {txt(on(70))}. Taking it now.")
    expect(page.locator("#insights-source")).to_have_text(
        "Adherence and PHQ-9 change appear when sync is on."
    )
    expect(item).not_to_contain_text(re.compile("fail|did not work", re.I))


def txt(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.day} {d.strftime('%b')} {d.year}"


def push_demo_journal(api: BrowserContext, url: str, username: str, days: int = 130) -> None:
    """A new account holding the generated demo journal, pushed through the API by a device."""
    device = str(uuid.uuid4())
    signup = api.request.post(
        url + "/api/v1/auth/signup",
        data={
            "username": username,
            "passphrase": PASSPHRASE,
            "device_id": device,
            "device_name": "Demo",
        },
    )
    assert signup.ok, signup.text()
    records = generate_journal(
        start=date.today() - timedelta(days=days), days=days, tz="Europe/London", seed=2026
    )
    changes = to_changes(records, device, int(time.time() * 1000))
    for first in range(0, len(changes), 200):
        body = {
            "protocol": 1,
            "device_id": device,
            "schema_version": 1,
            "cursor": 0,
            "epoch": None,
            "changes": changes[first : first + 200],
            "pull_limit": 1,
        }
        res = api.request.post(url + "/api/v1/sync", data=body)
        assert res.ok, res.text()
        refused = [r for r in res.json()["results"] if r["status"] != "applied"]
        assert refused == []


def test_the_demo_journal_shows_a_believable_timeline_with_the_servers_adherence(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    username = new_username()
    push_demo_journal(new_context(), server_url, username)
    page = open_app(new_context(), server_url)
    wait_started(page)
    sign_in(page, username)
    sync_now(page)
    open_treatments(page, server_url)
    # The server's copy arrives after the local facts: dated, and adherence per trial.
    expect(page.locator("#insights-source")).to_contain_text(
        re.compile(r"^As of \d{1,2} \w{3}, \d{2}:\d{2}: adherence")
    )
    names = page.locator("#trials > li h3").all_inner_texts()
    assert names[:2] == ["Aripiprazole", "Venlafaxine XL"], names
    assert names.index("Sertraline") < names.index("Citalopram")
    sertraline = trial(page, "Sertraline")
    expect(sertraline).to_contain_text(re.compile(r"Stopped \d+ \w{3} \d{4}: it did not help\."))
    expect(sertraline.locator("ul.steps").first.locator("li")).to_have_count(5)
    venlafaxine = trial(page, "Venlafaxine XL")
    expect(venlafaxine).to_contain_text(re.compile(r"Adherence: \d{1,3}\s%"))
    expect(venlafaxine).to_contain_text(re.compile(r"PHQ-9: \d+ at the start, \d+ latest"))
    expect(venlafaxine.get_by_role("button", name="Change dose: Venlafaxine XL")).to_be_visible()
    expect(trial(page, "Aripiprazole")).to_contain_text("Added to Venlafaxine XL")
    expect(trial(page, "Citalopram")).to_contain_text("side effects")
    sessions = page.locator("#sessions")
    expect(sessions.get_by_role("heading", name="Esketamine")).to_be_visible()
    expect(sessions).to_contain_text(re.compile(r"\d+ sessions: "))
    expect(sessions).to_contain_text(
        re.compile(r"blood pressure \d+/\d+ before, \d+/\d+ after, dissociation \d+/10")
    )
    expect(page.locator("main")).not_to_contain_text(
        re.compile(r"fail|didn.t work|did not work", re.I)
    )
    page.get_by_role("link", name="Patterns").click()
    expect(page.locator("[data-pattern=sleep] .lead")).to_contain_text("your mood averaged")
    expect(page.locator("[data-pattern=effects]")).to_contain_text("Venlafaxine XL")
    # Kept on the device, dated: offline the same numbers show.
    copy = page.evaluate(READ_COPY)
    assert copy["body"]["trials"] and copy["fetched_at"]
    page.context.set_offline(True)
    open_treatments(page, server_url)
    page.reload()
    expect(trial(page, "Venlafaxine XL")).to_contain_text(re.compile(r"Adherence: \d{1,3}\s%"))


def test_both_screens_open_offline_once_opened_and_say_so_when_never_opened(
    server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    first = open_app(context, server_url)
    wait_until(first, "navigator.serviceWorker.ready.then((r) => r.active?.state === 'activated')")
    context.set_offline(True)
    first.goto(server_url + "/#/patterns")
    expect(first.get_by_role("heading", level=1)).to_have_text(
        "This screen needs a connection the first time it opens."
    )
    expect(first.get_by_role("main")).to_contain_text("Your entries are safe on this phone.")
    context.set_offline(False)
    first.goto(server_url + "/#/today")
    first.goto(server_url + "/#/patterns")
    expect(first.get_by_role("heading", name="Patterns", level=1)).to_be_visible()
    open_treatments(first, server_url)
    first.close()
    context.set_offline(True)
    page = context.new_page()
    for route, heading in (("#/treatments", "Treatment history"), ("#/patterns", "Patterns")):
        page.goto(f"{server_url}/{route}")
        expect(page.get_by_role("heading", name=heading, level=1, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Share with my clinician")).to_have_attribute(
        "href", "#/share"
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_targets_and_no_sideways_scroll_on_both_screens(
    scheme: str, server_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = open_app(
        new_context(color_scheme=scheme, viewport={"width": 320, "height": 700}), server_url
    )
    page.evaluate(SEED_TREATMENTS)
    found: dict[str, Any] = {}
    for route, heading in (("treatments", "Treatment history"), ("patterns", "Patterns")):
        page.goto(f"{server_url}/#/{route}")
        page.get_by_role("heading", name=heading, level=1).wait_for()
        page.locator("#trials li, #patterns section").first.wait_for()
        page.wait_for_timeout(100)
        if problems := violations(page):
            found[route] = problems
        small = [t for t in page.evaluate(TARGETS) if t["w"] < 44 or t["h"] < 44]
        if small:
            found[f"{route} targets"] = small
        if page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        ):
            found[f"{route} overflow"] = page.evaluate("document.documentElement.scrollWidth")
    assert found == {}


def test_an_update_keeps_the_screens_opened_before(
    request: pytest.FixtureRequest, new_context: Callable[..., BrowserContext]
) -> None:
    server, pwa = request.getfixturevalue("own_pwa_server")
    context = new_context()
    page = open_app(context, server.url)
    wait_until(page, "navigator.serviceWorker.ready.then((r) => r.active?.state === 'activated')")
    for route, heading in (("patterns", "Patterns"), ("treatments", "Treatment history")):
        page.goto(f"{server.url}/#/{route}")
        page.get_by_role("heading", name=heading, level=1).wait_for()
    [old] = page.evaluate(CACHED_URLS).values()
    assert {"/js/views/treatments.js", "/js/views/patterns.js", "/js/insights.js"} <= set(old)
    sw = pwa / "sw.js"
    sw.write_text(re.sub(r"VERSION = '[^']*'", "VERSION = 'next-version'", sw.read_text()))
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    banner = page.locator("#banners")
    with page.expect_navigation():
        banner.get_by_role("button", name="Reload").click()
    wait_until(
        page, "caches.keys().then((k) => k.length === 1 && k[0] === 'tend-shell-next-version')"
    )
    [new] = page.evaluate(CACHED_URLS).values()
    assert {
        "/js/views/treatments.js",
        "/js/views/patterns.js",
        "/js/insights.js",
        "/js/insights-copy.js",
    } <= set(new)
    page.close()
    context.set_offline(True)
    offline = context.new_page()
    for route, heading in (("#/treatments", "Treatment history"), ("#/patterns", "Patterns")):
        offline.goto(f"{server.url}/{route}")
        expect(offline.get_by_role("heading", name=heading, level=1, exact=True)).to_be_visible()
